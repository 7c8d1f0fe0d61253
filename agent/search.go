package agent

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/cartwright-agent/cartwright/agent/bundle"
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
	ask := "" // a pack question the person left unanswered
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
		r.screen(considered)
		for ii := range in.Items {
			m, ok := in.ItemMeasure(ii)
			if !ok {
				continue
			}
			q, err := r.fitMeasure(ctx, ii, m, considered)
			if err != nil {
				return "", err
			}
			if q != "" {
				ask = q
				return "clarify: " + q, nil
			}
		}
		for _, line := range restrictBySort(in.Sort, considered, func(m string) int { return s.Infos[m].Shipping.ETADays }) {
			r.explain("%s", line)
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
	if ask != "" {
		r.explain("needs clarification: %s", ask)
		return true, r.finish(ctx, StatusNeedsClarification)
	}
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
	acceptable := make([]int, len(in.Items))
	for _, c := range considered {
		if c.Accepted && c.Item >= 0 && c.Item < len(acceptable) {
			acceptable[c.Item]++
		}
	}
	someBuyable := false
	for ii := range in.Items {
		if acceptable[ii] > 0 {
			someBuyable = true
		}
	}
	s.Result.Unavailable = nil
	for ii, it := range in.Items {
		n := acceptable[ii]
		r.progress("compare", "item %d (%s): %d acceptable offer(s)", ii+1, it.Query, n)
		if n == 0 && someBuyable {
			if code, _ := r.mandateBlocks(considered, ii); code == "" {
				// Not sold, or nothing fits: the rest of the basket can
				// still be bought, after the person says so (authorize
				// asks with items_unavailable).
				why := rejectSummary(considered, ii)
				r.explain("nothing acceptable for %q: %s; the rest of the basket can still be bought, if you agree", it.Query, why)
				s.Result.Unavailable = append(s.Result.Unavailable, Unavailable{Item: ii, Query: it.Query, Why: why})
				continue
			}
		}
		if n == 0 {
			r.explain("nothing acceptable for %q: %s", it.Query, rejectSummary(considered, ii))
			if code, why := r.mandateBlocks(considered, ii); code != "" {
				// The mandate, not the market, stands in the way: a refusal
				// by policy (exit 4), naming what the mandate excludes.
				s.Result.Decision = Decision{Action: ActionRefuse, Reasons: []Reason{{code, fmt.Sprintf("no acceptable offer for %q within the mandate: %s", it.Query, why)}}}
				return true, r.finish(ctx, StatusRefused)
			}
			s.Result.Decision = Decision{Action: ActionRefuse, Reasons: []Reason{{"no_offers", fmt.Sprintf("no acceptable offer for %q", it.Query)}}}
			return true, r.finish(ctx, StatusNoOffers)
		}
	}
	s.Phase = phaseSearched
	return false, r.save(ctx)
}

// mandateBlocks says whether the signed mandate kept item from being
// bought: merchants the request allows but the mandate does not (they are
// not even searched), or offers for the item refused only for their
// merchant or category. It returns the policy reason code and what the
// mandate excluded ("" when the mandate excluded nothing).
func (r *run) mandateBlocks(considered []Considered, item int) (code, why string) {
	s := r.s
	var outside []string
	for _, id := range sortedIDs(s.Infos) {
		if s.Result.Intent.Merch.Permits(id) && !s.Request.Mandate.permitsMerchant(id) {
			outside = append(outside, id)
		}
	}
	cats := map[string]bool{}
	for _, c := range considered {
		// refused by the mandate alone: it passed the request's constraints
		if c.Item == item && !c.Accepted && strings.HasPrefix(c.Reason, "category ") && strings.HasSuffix(c.Reason, "is outside the mandate") {
			cats[c.Product.Category] = true
		}
	}
	switch {
	case len(outside) > 0:
		return "merchant_not_allowed", fmt.Sprintf("merchant(s) %s are outside the mandate's merchants %v", strings.Join(outside, ", "), s.Request.Mandate.Merchants)
	case len(cats) > 0:
		var cs []string
		for c := range cats {
			cs = append(cs, fmt.Sprintf("%q", c))
		}
		sort.Strings(cs)
		return "category_not_allowed", fmt.Sprintf("category %s is outside the mandate's categories %v", strings.Join(cs, ", "), s.Request.Mandate.Categories)
	}
	return "", ""
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
		defer func() { r.s.Result.Usage.Add(rep.SessionUsage(in).Since(before)) }()
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

// restrictBySort turns a sort preference into the optimiser's input: with
// planner.SortRating each item keeps only its best-rated acceptable offers
// (the highest rating, ties at one decimal all kept); with
// planner.SortFastest only the offers of the merchants with the smallest
// eta_days among its acceptable offers. The others are marked not accepted
// with the reason, and the exact optimiser then finds the cheapest basket
// among what is left. Cheapest (the default) restricts nothing. It returns
// one explanation per restricted item.
func restrictBySort(sortBy string, cs []Considered, eta func(merchant string) int) []string {
	if sortBy != planner.SortRating && sortBy != planner.SortFastest {
		return nil
	}
	items := map[int]bool{}
	for _, c := range cs {
		if c.Accepted {
			items[c.Item] = true
		}
	}
	var order []int
	for ii := range items {
		order = append(order, ii)
	}
	sort.Ints(order)
	var out []string
	for _, ii := range order {
		// score: higher is better (rating in tenths; minus the eta)
		score := func(c Considered) int {
			if sortBy == planner.SortRating {
				return int(math.Round(c.Product.Rating * 10))
			}
			return -eta(c.Product.Merchant)
		}
		best, first := 0, true
		for _, c := range cs {
			if c.Item == ii && c.Accepted && (first || score(c) > best) {
				best, first = score(c), false
			}
		}
		kept, dropped := 0, 0
		for ci := range cs {
			c := &cs[ci]
			if c.Item != ii || !c.Accepted {
				continue
			}
			if score(*c) == best {
				kept++
				continue
			}
			dropped++
			c.Accepted = false
			if sortBy == planner.SortRating {
				c.Reason = fmt.Sprintf("best rated asked: rated %.1f, below the best %.1f", c.Product.Rating, float64(best)/10)
			} else {
				c.Reason = fmt.Sprintf("fastest delivery asked: %d day(s), slower than %d", eta(c.Product.Merchant), -best)
			}
		}
		if dropped == 0 {
			continue
		}
		if sortBy == planner.SortRating {
			out = append(out, fmt.Sprintf("item %d: best rated asked: %d offer(s) rated %.1f kept, %d lower-rated set aside; the cheapest basket is chosen among them", ii+1, kept, float64(best)/10, dropped))
		} else {
			out = append(out, fmt.Sprintf("item %d: fastest delivery asked: %d offer(s) delivering in %d day(s) kept, %d slower set aside; the cheapest basket is chosen among them", ii+1, kept, -best, dropped))
		}
	}
	return out
}

// packChoice is one way to buy a measured amount: Packs packs of Size.
type packChoice struct {
	Packs int64
	Size  string // the pack in the unit asked ("10", "1000 ml")
}

func (c packChoice) String() string {
	if c.Packs == 1 {
		return fmt.Sprintf("1 pack of %s", c.Size)
	}
	return fmt.Sprintf("%d packs of %s", c.Packs, c.Size)
}

// maxPackOptions bounds the choices offered when no pack fits exactly.
const maxPackOptions = 6

// fitPacks matches a measured amount ("2 liters", "a dozen") against the
// pack of every acceptable offer of item: an offer whose whole number of
// packs gives the amount exactly is kept with that number; the others are
// set aside with the reason. When offers fit with different numbers of
// packs (1 × 2 L, 2 × 1 L), the number whose cheapest offer costs least
// in total is kept (ties: fewer packs). It returns the number of packs
// (0 when nothing fits) and, then, the choices to offer the person:
// around the amount, for every pack size on offer.
func fitPacks(m planner.Measure, item int, cs []Considered) (packs int64, options []packChoice) {
	type fit struct {
		packs int64
		size  string
	}
	fits := map[int]fit{}
	var sizes []bundle.Size
	seen := map[string]bool{}
	cost := map[int64]int64{} // packs → cheapest total for that number
	for ci, c := range cs {
		if c.Item != item || !c.Accepted {
			continue
		}
		sz := bundle.SizeOf(c.Product.Attributes, c.Product.Title)
		if d := sz.Describe(m.Unit); per(sz, m.Unit) > 0 && !seen[d] {
			seen[d] = true
			sizes = append(sizes, sz)
		}
		n, ok := bundle.PacksFor(m.Value, m.Unit, sz)
		if !ok || n > 1000 {
			continue
		}
		fits[ci] = fit{n, sz.Describe(m.Unit)}
		if t := c.Product.Price.Minor * n; cost[n] == 0 || t < cost[n] {
			cost[n] = t
		}
	}
	for n, t := range cost {
		if packs == 0 || t < cost[packs] || t == cost[packs] && n < packs {
			packs = n
		}
	}
	if packs == 0 {
		sort.Slice(sizes, func(a, b int) bool { return per(sizes[a], m.Unit) < per(sizes[b], m.Unit) })
		for _, sz := range sizes {
			p := per(sz, m.Unit)
			if p <= 0 {
				continue
			}
			lo := m.Value / p
			for _, n := range []int64{lo, lo + 1} {
				if n >= 1 && len(options) < maxPackOptions {
					options = append(options, packChoice{n, sz.Describe(m.Unit)})
				}
			}
		}
	}
	for ci := range cs {
		c := &cs[ci]
		if c.Item != item || !c.Accepted {
			continue
		}
		f, ok := fits[ci]
		switch {
		case packs == 0 && per(bundle.SizeOf(c.Product.Attributes, c.Product.Title), m.Unit) <= 0:
			c.Accepted = false
			c.Reason = fmt.Sprintf("%s: the offer does not say how much a pack holds", m.Said)
		case packs == 0:
			// nothing fits: the person chooses (see options)
		case !ok:
			c.Accepted = false
			c.Reason = fmt.Sprintf("%s: no whole number of its packs (%s) gives it", m.Said, bundle.SizeOf(c.Product.Attributes, c.Product.Title).Describe(m.Unit))
		case f.packs != packs:
			c.Accepted = false
			c.Reason = fmt.Sprintf("%s: %d pack(s) of %s give it, but %d pack(s) of another offer cost less", m.Said, f.packs, f.size, packs)
		}
	}
	return packs, options
}

func per(s bundle.Size, unit string) int64 {
	switch unit {
	case planner.UnitML:
		return s.Count * s.Volume
	case planner.UnitG:
		return s.Count * s.Weight
	}
	return s.Count
}

// fitMeasure settles the quantity of an item asked as an amount in units:
// the number of packs that gives it exactly, or the person's choice among
// the packs on offer, asked through the Clarifier. It returns the question
// still open ("" when settled): packs are never multiplied silently.
func (r *run) fitMeasure(ctx context.Context, ii int, m planner.Measure, cs []Considered) (string, error) {
	s := r.s
	it := &s.Result.Intent.Items[ii]
	packs, options := fitPacks(m, ii, cs)
	if packs > 0 {
		it.Quantity = int(packs)
		r.explain("item %d (%s): %s is %d pack(s) of the offers kept", ii+1, it.Query, m.Said, packs)
		return "", nil
	}
	if len(options) == 0 {
		return "", nil // nothing acceptable (or no size stated): reported as no offers
	}
	labels := make([]string, len(options))
	for k, o := range options {
		labels[k] = o.String()
	}
	q := fmt.Sprintf("%q for %s: no pack on offer gives exactly that. Which would you like: %s?", m.Said, it.Query, strings.Join(labels, ", "))
	c := &s.Result.Clarification
	if !c.Asked {
		c.Asked, c.Question = true, q
	}
	if r.a.cfg.Clarifier == nil {
		return q, nil
	}
	r.progress("clarify", "%s", q)
	ans, err := r.a.cfg.Clarifier.Clarify(ctx, q, labels)
	if err != nil {
		return "", fmt.Errorf("clarify: %w", err)
	}
	ans = strings.TrimSpace(ans)
	c.Exchanges = append(c.Exchanges, Exchange{Question: q, Answer: ans})
	r.a.audit(ctx, s, "clarification", map[string]any{"item": ii, "question": q, "answer": ans})
	choice, ok := pickPack(ans, options)
	if !ok {
		return q, nil
	}
	for ci := range cs {
		cc := &cs[ci]
		if cc.Item != ii || !cc.Accepted {
			continue
		}
		if d := bundle.SizeOf(cc.Product.Attributes, cc.Product.Title).Describe(m.Unit); d != choice.Size {
			cc.Accepted = false
			cc.Reason = fmt.Sprintf("%s: the person chose %s", m.Said, choice)
		}
	}
	it.Quantity = int(choice.Packs)
	r.explain("item %d (%s): the person chose %s for %s", ii+1, it.Query, choice, m.Said)
	return "", nil
}

// pickPack reads the person's answer to a pack question: one of the
// options as offered ("2 packs of 10"), or its number in the list ("2").
func pickPack(ans string, options []packChoice) (packChoice, bool) {
	a := strings.ToLower(strings.TrimSpace(ans))
	if a == "" {
		return packChoice{}, false
	}
	// longest label first: "12 packs of 10" must not read as "2 packs of 10"
	best, found := packChoice{}, false
	for _, o := range options {
		l := strings.ToLower(o.String())
		if (a == l || strings.HasPrefix(a, l+" ") || strings.HasPrefix(a, l+",") || strings.HasPrefix(a, l+".") ||
			strings.HasPrefix(a, l+"(")) && (!found || len(l) > len(best.String())) {
			best, found = o, true
		}
	}
	if found {
		return best, true
	}
	for k, o := range options {
		if a == fmt.Sprint(k+1) {
			return o, true
		}
	}
	return packChoice{}, false
}
