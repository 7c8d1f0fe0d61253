package agent

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cartwright-agent/cartwright/skills"
)

// Merchant operations, for counting round trips.
const (
	opInfo     = "info"
	opSearch   = "search"
	opQuote    = "quote"
	opComplete = "complete"
	opCancel   = "cancel"
	opRefund   = "refund"
)

// call runs one merchant round trip with the runtime's retry policy:
// skills.ErrUnavailable is retried with exponential backoff (mutating calls
// carry idempotency keys, so a retry is a replay), anything else returns at
// once. The runtime is the only retry layer; merchant clients should be
// configured not to retry themselves, or attempts multiply.
func (r *run) call(ctx context.Context, op string, fn func(context.Context) error) error {
	return r.retry(ctx, op, r.a.cfg.Retries, 0, fn)
}

// retry runs fn up to 1+retries times while it fails with
// skills.ErrUnavailable, with exponential backoff capped at
// MaxRetryBackoff. perAttempt > 0 gives each attempt its own deadline (the
// caller's ctx still bounds the whole).
func (r *run) retry(ctx context.Context, op string, retries int, perAttempt time.Duration, fn func(context.Context) error) error {
	// Adapters that keep per-session records (evidence) learn the session.
	ctx = skills.WithSession(ctx, r.s.ID)
	delay := r.a.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		r.count(op, attempt > 0)
		actx, cancel := ctx, context.CancelFunc(func() {})
		if perAttempt > 0 {
			actx, cancel = context.WithTimeout(ctx, perAttempt)
		}
		err := safeCall(actx, fn)
		cancel()
		if err == nil || !errors.Is(err, skills.ErrUnavailable) || attempt >= retries || ctx.Err() != nil {
			return err
		}
		if attempt > 0 {
			delay = min(delay*2, r.a.cfg.MaxRetryBackoff)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up retrying: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// safeCall turns a panic inside a merchant implementation into an error.
func safeCall(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("merchant panicked: %v", p)
		}
	}()
	return fn(ctx)
}

func (r *run) count(op string, retry bool) {
	r.calls.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	c := &r.s.Result.Calls
	if retry {
		c.Retries++
	}
	switch op {
	case opInfo:
		c.Info++
	case opSearch:
		c.Search++
	case opQuote:
		c.Quote++
	case opComplete:
		c.Complete++
	case opCancel:
		c.Cancel++
	case opRefund:
		c.Refund++
	}
}

// merchant returns the merchant with id.
func (a *Agent) merchant(id string) (skills.Merchant, error) {
	a.mu.Lock()
	m, ok := a.merchants[id]
	a.mu.Unlock()
	if ok {
		return m, nil
	}
	if a.cfg.Registry != nil {
		return a.cfg.Registry.Get(id)
	}
	return nil, fmt.Errorf("unknown merchant %q", id)
}

// infos returns every reachable merchant's published info, from a cache
// refreshed after InfoTTL. Merchants that cannot be reached are reported in
// the result and left out; with none reachable the run fails.
func (r *run) infos(ctx context.Context) (map[string]skills.MerchantInfo, error) {
	a := r.a
	a.mu.Lock()
	if a.infos != nil && a.now().Sub(a.infoAt) < a.cfg.InfoTTL {
		out := a.infos
		a.mu.Unlock()
		return out, nil
	}
	a.mu.Unlock()

	type entry struct {
		id string
		m  skills.Merchant
	}
	var all []entry
	if a.cfg.Registry != nil {
		for _, id := range a.cfg.Registry.IDs() {
			m, _ := a.cfg.Registry.Get(id)
			all = append(all, entry{id, m})
		}
	}
	for _, m := range a.cfg.Merchants {
		all = append(all, entry{"", m})
	}
	infos := make([]skills.MerchantInfo, len(all))
	errs := make([]error, len(all))
	var named []string
	for _, e := range all {
		if e.id != "" {
			named = append(named, e.id)
		}
	}
	stored := a.storedInfos(ctx, named) // fetched by an earlier process, still fresh
	var infoErr error
	err := r.step(ctx, "merchants", fmt.Sprintf("%d merchant(s) configured", len(all)), func() (string, error) {
		g, gctx := errgroup.WithContext(ctx)
		fetchedAt := a.now()
		for i, e := range all {
			if info, ok := stored[e.id]; ok && e.id != "" {
				infos[i] = info
				continue
			}
			g.Go(func() error {
				mctx, cancel := context.WithTimeout(gctx, a.cfg.MerchantTimeout)
				defer cancel()
				errs[i] = r.call(mctx, opInfo, func(c context.Context) error {
					info, err := e.m.Info(c)
					infos[i] = info
					return err
				})
				return nil // one merchant's failure never cancels the others
			})
		}
		_ = g.Wait()
		byID := map[string]skills.MerchantInfo{}
		ms := map[string]skills.Merchant{}
		for i, e := range all {
			id := e.id
			if errs[i] != nil {
				name := id
				if name == "" {
					name = fmt.Sprintf("merchant #%d", i)
				}
				r.errorf("merchant %s unavailable: %v", name, errs[i])
				continue
			}
			if id == "" {
				id = infos[i].ID
			}
			if id == "" {
				r.errorf("merchant #%d publishes no id; skipped", i)
				continue
			}
			if infos[i].ID != "" && infos[i].ID != id {
				r.errorf("merchant registered as %q calls itself %q; using %q", id, infos[i].ID, id)
			}
			infos[i].ID = id
			if !infos[i].Currency.Valid() {
				r.errorf("merchant %s: unknown currency %q; skipped", id, infos[i].Currency)
				continue
			}
			if _, dup := byID[id]; dup {
				r.errorf("merchant id %q appears twice; the second is ignored", id)
				continue
			}
			byID[id], ms[id] = infos[i], e.m
		}
		if len(byID) == 0 {
			infoErr = errors.New("no merchant is reachable")
			return "", infoErr
		}
		fresh := map[string]skills.MerchantInfo{}
		for id, info := range byID {
			if _, ok := stored[id]; !ok {
				fresh[id] = info
			}
		}
		a.storeInfos(ctx, fresh, fetchedAt)
		a.mu.Lock()
		a.infos, a.merchants, a.infoAt = byID, ms, a.now()
		a.mu.Unlock()
		return fmt.Sprintf("%d merchant(s)", len(byID)), nil
	})
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.infos, nil
}

func sortedIDs[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string { return sortedIDs(m) }

// collectEvidence records the evidence a merchant kept for a quote (a
// screenshot of the cart or of the order confirmation) in the result and
// the audit log, each file once.
func (r *run) collectEvidence(ctx context.Context, m skills.Merchant, quoteID string) {
	src, ok := m.(skills.EvidenceSource)
	if !ok || quoteID == "" {
		return
	}
	var list []skills.Evidence
	if err := safeCall(ctx, func(context.Context) error { list = src.Evidence(quoteID); return nil }); err != nil {
		r.errorf("evidence for quote %s: %v", quoteID, err)
		return
	}
	for _, e := range list {
		dup := false
		for _, have := range r.s.Result.Evidence {
			if have.Kind == e.Kind && have.QuoteID == e.QuoteID && have.Path == e.Path && have.SHA256 == e.SHA256 {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if e.QuoteID == "" {
			e.QuoteID = quoteID
		}
		r.s.Result.Evidence = append(r.s.Result.Evidence, e)
		r.a.audit(ctx, r.s, "evidence", map[string]any{"kind": e.Kind, "quote": e.QuoteID, "order": e.OrderID,
			"path": e.Path, "sha256": e.SHA256, "url": e.URL, "taken_at": e.TakenAt})
	}
}
