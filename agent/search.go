package agent

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// searchLimit is how many products one search asks for.
const searchLimit = 50

// eligible lists the merchants the intent and the mandate allow, in id order.
func (r *run) eligible() []string {
	var out []string
	for _, id := range sortedIDs(r.s.Infos) {
		if r.s.Result.Intent.Merch.Permits(id) && r.s.Request.Mandate.permitsMerchant(id) {
			out = append(out, id)
		}
	}
	return out
}

// searchAndCompare fans the search out to every eligible merchant, checks
// every offer against the hard constraints and ranks the survivors.
func (r *run) searchAndCompare(ctx context.Context) (done bool, err error) {
	s := r.s
	in := s.Result.Intent
	ids := r.eligible()
	for _, id := range sortedIDs(s.Infos) {
		if !in.Merch.Permits(id) {
			r.explain("merchant %s excluded by the request", id)
		} else if !s.Request.Mandate.permitsMerchant(id) {
			r.explain("merchant %s is outside the mandate", id)
		}
	}
	s.Result.Calls.Minimum = len(ids) * len(in.Items)
	found := make([][][]skills.Product, len(ids)) // [merchant][item]
	err = r.step(ctx, "search", r.searchInput(ids), func() (string, error) {
		if len(ids) == 0 {
			return "no eligible merchant", nil
		}
		g, gctx := errgroup.WithContext(ctx)
		failed := make([]error, len(ids))
		for mi, id := range ids {
			found[mi] = make([][]skills.Product, len(in.Items))
			m, err := r.a.merchant(id)
			if err != nil {
				failed[mi] = err
				continue
			}
			g.Go(func() error {
				// Each merchant gets its own deadline for all its searches.
				mctx, cancel := context.WithTimeout(gctx, r.a.cfg.MerchantTimeout)
				defer cancel()
				var items errgroup.Group
				errs := make([]error, len(in.Items))
				for ii, it := range in.Items {
					q := skills.Query{Text: it.Query, Category: it.Category, Limit: searchLimit}
					items.Go(func() error {
						errs[ii] = r.call(mctx, opSearch, func(c context.Context) error {
							ps, err := m.Search(c, q)
							found[mi][ii] = ps
							return err
						})
						if errs[ii] != nil {
							found[mi][ii] = nil
							errs[ii] = fmt.Errorf("search %q: %w", q.Text, errs[ii])
						}
						return nil
					})
				}
				_ = items.Wait()
				for _, e := range errs {
					if e != nil {
						failed[mi] = e
						break
					}
				}
				return nil // a failing merchant degrades the result, never the run
			})
		}
		_ = g.Wait()
		ok := 0
		for mi, err := range failed {
			if err != nil {
				r.errorf("merchant %s degraded: %v", ids[mi], err)
			} else {
				ok++
			}
		}
		r.a.audit(ctx, s, "search", map[string]any{"merchants": ids, "answered": ok, "queries": len(in.Items)})
		return fmt.Sprintf("%d of %d merchant(s) answered for %d item(s)", ok, len(ids), len(in.Items)), ctx.Err()
	})
	if err != nil {
		return false, err
	}

	// Compare: hard constraints in code, then the planner ranks.
	var considered []Considered
	err = r.step(ctx, "compare", fmt.Sprintf("%d merchant(s) × %d item(s) of results", len(ids), len(in.Items)), func() (string, error) {
		seen := map[string]bool{}
		for mi, id := range ids {
			for ii := range in.Items {
				for _, p := range found[mi][ii] {
					p.Merchant = id // a merchant speaks only for itself
					key := fmt.Sprintf("%d/%s/%s", ii, id, p.SKU)
					if p.SKU == "" || seen[key] {
						continue
					}
					seen[key] = true
					ok, why := r.accepts(ii, p)
					considered = append(considered, Considered{Item: ii, Product: p, Accepted: ok, Reason: why, Rank: -1})
				}
			}
		}
		if err := r.rank(ctx, considered); err != nil {
			return "", err
		}
		acc := 0
		for _, c := range considered {
			if c.Accepted {
				acc++
			}
		}
		return fmt.Sprintf("%d offer(s), %d accepted", len(considered), acc), nil
	})
	if err != nil {
		return false, err
	}
	s.Result.Considered = considered
	type offerRec struct {
		Item     int          `json:"item"`
		Merchant string       `json:"merchant"`
		SKU      string       `json:"sku"`
		Price    skills.Money `json:"price"`
		Accepted bool         `json:"accepted"`
		Reason   string       `json:"reason,omitempty"`
		Rank     int          `json:"rank"`
		Why      string       `json:"why,omitempty"`
		Source   string       `json:"memory,omitempty"`
	}
	recs := make([]offerRec, len(considered))
	for i, c := range considered {
		recs[i] = offerRec{c.Item, c.Product.Merchant, c.Product.SKU, c.Product.Price, c.Accepted, c.Reason, c.Rank, c.Why, c.Source}
	}
	r.a.audit(ctx, s, "offers", recs)
	for ii, it := range in.Items {
		n := 0
		for _, c := range considered {
			if c.Item == ii && c.Accepted {
				n++
			}
		}
		r.progress("compare", "item %d (%s): %d acceptable offer(s)", ii+1, it.Query, n)
		if n == 0 {
			r.explain("nothing acceptable for %q: %s", it.Query, rejectSummary(considered, ii))
			s.Result.Decision = Decision{Action: ActionRefuse, Reasons: []Reason{{"no_offers", fmt.Sprintf("no acceptable offer for %q", it.Query)}}}
			return true, r.finish(ctx, StatusNoOffers)
		}
	}
	s.Phase = phaseSearched
	return false, r.save(ctx)
}

// accepts applies every hard constraint: the intent's (code, never the
// model), the mandate's allow-lists, the currency and facts learnt at
// checkout.
func (r *run) accepts(item int, p skills.Product) (bool, string) {
	s := r.s
	in := s.Result.Intent
	if ok, why := in.AcceptsIntent(item, p); !ok {
		return false, why
	}
	if !s.Request.Mandate.permitsMerchant(p.Merchant) {
		return false, fmt.Sprintf("merchant %q is outside the mandate", p.Merchant)
	}
	if !s.Request.Mandate.permitsCategory(p.Category) {
		return false, fmt.Sprintf("category %q is outside the mandate", p.Category)
	}
	if info, ok := s.Infos[p.Merchant]; !ok || p.Price.Currency != info.Currency {
		return false, fmt.Sprintf("price in %q, merchant publishes %q", p.Price.Currency, info.Currency)
	}
	if in.Currency != "" && p.Price.Currency != in.Currency {
		return false, fmt.Sprintf("price in %s, request in %s", p.Price.Currency, in.Currency)
	}
	if p.Price.Minor <= 0 {
		return false, "no price"
	}
	return true, ""
}

// rank asks the planner to order each item's accepted offers. The planner
// may only reorder what it was given: offers it invents are ignored, offers
// it drops keep their place after the ranked ones.
func (r *run) rank(ctx context.Context, cs []Considered) error {
	in := r.s.Result.Intent
	// Rank may call a model; its calls count like the understanding calls.
	if rep, ok := r.a.cfg.Planner.(planner.SessionUsageReporter); ok {
		before := rep.SessionUsage(in)
		defer func() {
			after := rep.SessionUsage(in)
			u := &r.s.Result.Usage
			u.Calls += after.Calls - before.Calls
			u.TokensIn += after.TokensIn - before.TokensIn
			u.TokensOut += after.TokensOut - before.TokensOut
			u.LatencyMS += after.LatencyMS - before.LatencyMS
		}()
	}
	for ii := range in.Items {
		var offers []planner.Offer
		idx := map[string]int{}
		for ci, c := range cs {
			if c.Item == ii && c.Accepted {
				idx[c.Product.Merchant+"/"+c.Product.SKU] = ci
				offers = append(offers, planner.Offer{Product: c.Product, Item: ii,
					ETADays: r.s.Infos[c.Product.Merchant].Shipping.ETADays})
			}
		}
		if len(offers) == 0 {
			continue
		}
		// A stable input order (price, merchant, sku) makes ranking deterministic.
		sort.SliceStable(offers, func(a, b int) bool {
			pa, pb := offers[a].Product, offers[b].Product
			if pa.Price.Minor != pb.Price.Minor {
				return pa.Price.Minor < pb.Price.Minor
			}
			return pa.Merchant+"/"+pa.SKU < pb.Merchant+"/"+pb.SKU
		})
		ranked, err := r.a.cfg.Planner.Rank(ctx, in, ii, offers, r.s.Memory)
		if err != nil {
			r.errorf("ranking item %d: %v (keeping price order)", ii, err)
			ranked = nil
		}
		next := 0
		for _, rk := range ranked {
			ci, ok := idx[rk.Offer.Product.Merchant+"/"+rk.Offer.Product.SKU]
			if !ok || cs[ci].Rank >= 0 {
				continue
			}
			cs[ci].Rank, cs[ci].Score, cs[ci].Why = next, rk.Score, rk.Reason
			if rk.Source != "" && r.remembers(rk.Source) {
				cs[ci].Source = rk.Source
			}
			next++
		}
		for _, o := range offers {
			if ci := idx[o.Product.Merchant+"/"+o.Product.SKU]; cs[ci].Rank < 0 {
				cs[ci].Rank = next
				next++
			}
		}
	}
	return nil
}

// remembers reports whether id names a memory entry recalled for this
// session: a planner may cite only what it was given.
func (r *run) remembers(id string) bool {
	for _, m := range r.s.Memory {
		if m.ID == id {
			return true
		}
	}
	return false
}

func rejectSummary(cs []Considered, item int) string {
	counts := map[string]int{}
	for _, c := range cs {
		if c.Item == item && !c.Accepted {
			counts[c.Reason]++
		}
	}
	if len(counts) == 0 {
		return "no merchant offered anything"
	}
	var parts []string
	for _, k := range sortedKeys(counts) {
		parts = append(parts, fmt.Sprintf("%s (%d)", k, counts[k]))
	}
	return "rejected: " + strings.Join(parts, "; ")
}

func (r *run) searchInput(ids []string) string {
	var qs []string
	for _, it := range r.s.Result.Intent.Items {
		qs = append(qs, fmt.Sprintf("%q", it.Query))
	}
	return fmt.Sprintf("%s at %s", strings.Join(qs, ", "), strings.Join(ids, ", "))
}
