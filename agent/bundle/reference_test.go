package bundle

// The branch-and-bound optimiser as it stood before the merchant-level bound
// (commit 48d4736), kept verbatim as a reference for the differential test:
// it is exact but exponential in the number of items.

import (
	"errors"
	"fmt"
	"sort"

	"github.com/cartwright-agent/cartwright/skills"
)

// refCand is a pruned candidate: an offer index plus precomputed numbers.
type refCand struct {
	offer int   // index into Item.Offers
	m     int   // merchant index
	cost  int64 // unit price × quantity
	rank  int
	key   string // merchant + "/" + sku, for tie-breaks
}

type refRule struct {
	info   skills.MerchantInfo
	maxOff int64   // largest coupon
	dUsed  int64   // D(m): what growing a non-empty cart can give back
	breaks []int64 // subtotals where the rules change (thresholds), sorted
}

// f is the merchant's total for a non-empty cart with subtotal s: exactly
// skills.PriceCart's arithmetic, without allocations.
func (r *refRule) f(s int64) int64 {
	_, off := skills.BestCoupon(r.info.Coupons, s)
	return s - off + skills.ShippingFor(r.info.Shipping, s)
}

// h is the least total a non-empty cart with subtotal s can reach by
// growing: min over s' ≥ s of f(s'). Between thresholds f rises with s (slope
// 0 or 1), so the minimum is at s itself or at a threshold above it.
func (r *refRule) h(s int64) int64 {
	best := r.f(s)
	for _, b := range r.breaks {
		if b > s {
			if v := r.f(b); v < best {
				best = v
			}
		}
	}
	return best
}

// Solve finds the optimal basket.
func referenceSolve(p Problem) (*Solution, error) {
	if len(p.Items) == 0 {
		return nil, errors.New("bundle: no items")
	}
	maxPer := p.MaxPerMerchant
	if maxPer <= 0 {
		maxPer = DefaultMaxPerMerchant
	}
	// Merchants in a fixed order.
	mIndex := map[string]int{}
	var rules []refRule
	var cur skills.Currency
	nOffers := 0
	for i, it := range p.Items {
		if it.Quantity <= 0 {
			return nil, fmt.Errorf("bundle: item %d (%s): quantity %d must be positive", i, it.Name, it.Quantity)
		}
		if len(it.Offers) == 0 {
			return nil, fmt.Errorf("bundle: item %d (%s): %w", i, it.Name, ErrNoOffers)
		}
		nOffers += len(it.Offers)
		for j, o := range it.Offers {
			if _, ok := mIndex[o.Merchant]; ok {
				continue
			}
			info, ok := p.Merchants[o.Merchant]
			if !ok {
				return nil, fmt.Errorf("bundle: item %d offer %d: no published rules for merchant %q", i, j, o.Merchant)
			}
			if cur == "" {
				cur = info.Currency
			} else if info.Currency != cur {
				return nil, fmt.Errorf("bundle: merchant %q prices in %s, others in %s: %w", o.Merchant, info.Currency, cur, skills.ErrCurrencyMismatch)
			}
			r := refRule{info: info}
			for _, c := range info.Coupons {
				if c.AmountOff.Minor > r.maxOff {
					r.maxOff = c.AmountOff.Minor
				}
				r.breaks = append(r.breaks, c.MinSpend.Minor)
			}
			r.dUsed = r.maxOff
			if info.Shipping.FreeOver != nil {
				r.dUsed += info.Shipping.Fee.Minor
				r.breaks = append(r.breaks, info.Shipping.FreeOver.Minor)
			}
			sort.Slice(r.breaks, func(a, b int) bool { return r.breaks[a] < r.breaks[b] })
			mIndex[o.Merchant] = len(rules)
			rules = append(rules, r)
		}
	}
	var ids []string
	for id := range mIndex {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	// Re-index merchants in id order so iteration is deterministic.
	sorted := make([]refRule, len(ids))
	for k, id := range ids {
		sorted[k] = rules[mIndex[id]]
		mIndex[id] = k
	}
	rules = sorted

	// Validate offers and prune per (item, merchant).
	exact := true
	cands := make([][]refCand, len(p.Items))
	var maxSum int64
	for i, it := range p.Items {
		byM := map[int][]refCand{}
		seen := map[string]int{}
		for j, o := range it.Offers {
			if o.UnitPrice.Currency != cur {
				return nil, fmt.Errorf("bundle: item %d offer %d (%s/%s): %w: %s", i, j, o.Merchant, o.SKU, skills.ErrCurrencyMismatch, o.UnitPrice.Currency)
			}
			if o.UnitPrice.Minor < 0 {
				return nil, fmt.Errorf("bundle: item %d offer %d (%s/%s): negative price", i, j, o.Merchant, o.SKU)
			}
			if _, ok := skills.MulMinor(o.UnitPrice.Minor, int64(it.Quantity)); !ok {
				return nil, fmt.Errorf("bundle: item %d offer %d: %w", i, j, skills.ErrOverflow)
			}
			key := o.Merchant + "/" + o.SKU
			if k, dup := seen[key]; dup { // the same product twice: keep the better rank
				if it.Offers[k].UnitPrice != o.UnitPrice {
					return nil, fmt.Errorf("bundle: item %d: %s listed at both %s and %s", i, key, it.Offers[k].UnitPrice, o.UnitPrice)
				}
				if o.Rank < it.Offers[k].Rank {
					seen[key] = j
				}
				continue
			}
			seen[key] = j
		}
		var itemMax int64
		for key, j := range seen {
			o := it.Offers[j]
			m := mIndex[o.Merchant]
			cost := o.UnitPrice.Minor * int64(it.Quantity)
			byM[m] = append(byM[m], refCand{offer: j, m: m, cost: cost, rank: o.Rank, key: key})
			itemMax = max(itemMax, cost)
		}
		var ok bool
		if maxSum, ok = skills.AddMinor(maxSum, itemMax); !ok {
			return nil, fmt.Errorf("bundle: basket total: %w", skills.ErrOverflow)
		}
		for m := 0; m < len(rules); m++ {
			cs := byM[m]
			if len(cs) == 0 {
				continue
			}
			sort.Slice(cs, func(a, b int) bool { return refCandLess(cs[a], cs[b]) })
			limit := cs[0].cost + rules[m].dUsed
			kept := cs[:0]
			for _, c := range cs {
				if c.cost <= limit { // c.cost − cheapest ≤ D(m): may still win
					kept = append(kept, c)
				}
			}
			if len(kept) > maxPer {
				kept, exact = kept[:maxPer], false
			}
			cands[i] = append(cands[i], kept...)
		}
		sort.Slice(cands[i], func(a, b int) bool { return refCandLess(cands[i][a], cands[i][b]) })
	}

	s := newRefSearch(p, rules, cands)
	// Incumbent: per item its cheapest candidate.
	first := make([]int, len(p.Items))
	s.consider(first)
	s.branch(0)
	choice := make([]int, len(p.Items))
	for i, c := range s.best {
		choice[i] = cands[i][c].offer
	}
	basket, err := Price(p, choice)
	if err != nil {
		return nil, err
	}
	if basket.Total.Minor != s.bestTotal {
		return nil, fmt.Errorf("bundle: internal: refSearch total %d differs from PriceCart %d", s.bestTotal, basket.Total.Minor)
	}
	baseline, err := Price(p, refCheapestChoice(p))
	if err != nil {
		return nil, err
	}
	sol := &Solution{Basket: basket, Baseline: baseline, WithinBudget: true, Exact: exact,
		Offers: nOffers, Nodes: s.nodes}
	for _, c := range cands {
		sol.Candidates += len(c)
	}
	if p.Budget != nil && basket.Total.Cmp(*p.Budget) > 0 {
		sol.WithinBudget = false
	}
	_ = ids
	return sol, nil
}

func refCandLess(a, b refCand) bool {
	if a.cost != b.cost {
		return a.cost < b.cost
	}
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.key < b.key
}

// refCheapestChoice is each item's lowest unit price (ties: rank, merchant/sku).
func refCheapestChoice(p Problem) []int {
	out := make([]int, len(p.Items))
	for i, it := range p.Items {
		best := 0
		for j, o := range it.Offers {
			b := it.Offers[best]
			if o.UnitPrice.Minor < b.UnitPrice.Minor ||
				o.UnitPrice.Minor == b.UnitPrice.Minor && (o.Rank < b.Rank ||
					o.Rank == b.Rank && o.Merchant+"/"+o.SKU < b.Merchant+"/"+b.SKU) {
				best = j
			}
		}
		out[i] = best
	}
	return out
}

// refSearch is the branch-and-bound state.
type refSearch struct {
	p     Problem
	rules []refRule
	cands [][]refCand
	order []int // items in branching order (fewest candidates first)

	sub   []int64 // subtotal per merchant
	used  []int   // items per merchant
	cur   []int   // candidate index per item
	nodes int
	// rest[k][m][u]: for the item order[k], the least it adds at merchant m
	// (u = 1: m already has a cart) — see bound.
	rest [][][2]int64

	best      []int
	bestTotal int64
	bestM     int
}

func newRefSearch(p Problem, rules []refRule, cands [][]refCand) *refSearch {
	n := len(p.Items)
	s := &refSearch{p: p, rules: rules, cands: cands, sub: make([]int64, len(rules)),
		used: make([]int, len(rules)), cur: make([]int, n), bestTotal: -1}
	s.order = make([]int, n)
	for i := range s.order {
		s.order[i] = i
	}
	sort.SliceStable(s.order, func(a, b int) bool { return len(cands[s.order[a]]) < len(cands[s.order[b]]) })
	s.rest = make([][][2]int64, n)
	for k, i := range s.order {
		s.rest[k] = make([][2]int64, len(rules))
		for m := range rules {
			s.rest[k][m] = [2]int64{-1, -1}
		}
		for _, c := range cands[i] {
			r := rules[c.m]
			for u, d := range [2]int64{r.maxOff, r.dUsed} {
				v := max(0, c.cost-d)
				if old := s.rest[k][c.m][u]; old < 0 || v < old {
					s.rest[k][c.m][u] = v
				}
			}
		}
	}
	return s
}

// bound is a lower bound on the total of every completion of the current
// partial basket whose next item to place is order[k]:
//
//	Σ over merchants with a cart: h(subtotal)
//	+ Σ over unplaced items: min over its candidates of max(0, cost − D)
//
// with D = D(m) for a merchant that has a cart and its largest coupon for one
// that has none. Sound because a cart only grows (h never decreases as it
// grows, and f(S+ΣΔ) − h(S) ≥ max(0, ΣΔ − D(m)) ≥ Σ max(0, Δ − D(m))), and an
// empty cart that receives ΣΔ costs at least ΣΔ − its largest coupon.
func (s *refSearch) bound(k int) int64 {
	var lb int64
	for m, r := range s.rules {
		if s.used[m] > 0 {
			lb += r.h(s.sub[m])
		}
	}
	for ; k < len(s.order); k++ {
		least := int64(-1)
		for m := range s.rules {
			u := 0
			if s.used[m] > 0 {
				u = 1
			}
			if v := s.rest[k][m][u]; v >= 0 && (least < 0 || v < least) {
				least = v
			}
		}
		lb += least
	}
	return lb
}

func (s *refSearch) branch(k int) {
	s.nodes++
	if k == len(s.order) {
		s.consider(s.cur)
		return
	}
	if s.bestTotal >= 0 && s.bound(k) > s.bestTotal {
		return
	}
	i := s.order[k]
	for ci, c := range s.cands[i] {
		s.cur[i] = ci
		s.sub[c.m] += c.cost
		s.used[c.m]++
		s.branch(k + 1)
		s.sub[c.m] -= c.cost
		s.used[c.m]--
	}
}

// consider compares a complete assignment (candidate index per item) with
// the incumbent: lower total, then fewer merchants, then better ranks in
// item order, then merchant/sku in item order.
func (s *refSearch) consider(choice []int) {
	sub := make([]int64, len(s.rules))
	used := make([]bool, len(s.rules))
	for i, ci := range choice {
		c := s.cands[i][ci]
		sub[c.m] += c.cost
		used[c.m] = true
	}
	var total int64
	nm := 0
	for m, u := range used {
		if u {
			total += s.rules[m].f(sub[m])
			nm++
		}
	}
	if s.bestTotal >= 0 && !s.better(choice, total, nm) {
		return
	}
	s.best = append(s.best[:0], choice...)
	s.bestTotal, s.bestM = total, nm
}

func (s *refSearch) better(choice []int, total int64, nm int) bool {
	if total != s.bestTotal {
		return total < s.bestTotal
	}
	if nm != s.bestM {
		return nm < s.bestM
	}
	for i := range choice {
		a, b := s.cands[i][choice[i]], s.cands[i][s.best[i]]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
	}
	for i := range choice {
		a, b := s.cands[i][choice[i]], s.cands[i][s.best[i]]
		if a.key != b.key {
			return a.key < b.key
		}
	}
	return false
}
