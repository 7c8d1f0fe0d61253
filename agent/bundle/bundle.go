// Package bundle is Cartwright's exact basket optimiser. Given, for every
// requested item, the offers that passed the hard filters (products at one or
// more merchants), it picks the assignment item → offer whose merchant carts,
// priced by skills.PriceCart (shipping fees, free-shipping thresholds, the
// best single coupon), cost the least in total. Ties are broken
// deterministically: fewer merchants, then the planner's rank order, then
// merchant and SKU.
//
// # Why it is exact
//
// The search is branch-and-bound over items with a proven lower bound (the
// larger of a per-item bound and a per-merchant give-back bound, see
// search.go) from a greedy incumbent, so it returns exactly what enumerating
// every combination would. It is checked against brute force, against the
// previous solver (reference_test.go) and against GLPK solving the same
// instances written as a mixed-integer programme (milp_test.go). The problem
// is NP-hard (reaching a free-shipping threshold exactly is subset sum), so
// no exact method is polynomial on every input; the bounds keep it fast on
// the shapes measured in BenchmarkSolveScale.
//
// Candidates are pruned before the search by a dominance rule that loses no
// optimum. For one merchant m let D(m) be the most its rules can ever give
// back when a cart grows: the shipping fee if it has a free-shipping
// threshold, plus its largest coupon. Growing a cart's subtotal from S to
// S+Δ changes its total by at least Δ − D(m) (the discount can rise by at most
// the largest coupon, shipping can fall by at most the fee). So if an item
// needs quantity q and a product at m costs more than the cheapest qualifying
// product at m for that item by q·Δp > D(m), swapping it for the cheaper one
// lowers the total in every possible basket: it can never be optimal, not even
// tied. Note the cheapest product per merchant per item alone is NOT enough:
// a dearer product can reach a free-shipping threshold or a coupon's minimum
// spend and make the whole cart cheaper — the reason the rule keeps every
// product within D(m)/q of the cheapest. Problem.MaxPerMerchant caps what is
// left (a safety valve for huge catalogs); when the cap drops a candidate the
// rule kept, the Solution says Exact = false.
package bundle

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/skills"
)

// DefaultMaxPerMerchant is the per-item, per-merchant candidate cap used when
// Problem.MaxPerMerchant is zero.
const DefaultMaxPerMerchant = 24

// Offer is one product that may fill an item.
type Offer struct {
	Merchant  string       `json:"merchant"`
	SKU       string       `json:"sku"`
	Title     string       `json:"title,omitempty"`
	UnitPrice skills.Money `json:"unit_price"`
	// Rank is the offer's place in the planner's soft-preference order for
	// its item (0 is the best); it only breaks ties between equal totals.
	Rank int `json:"rank"`
}

// Item is one requested thing: a quantity and the offers that can fill it.
type Item struct {
	Name     string  `json:"name,omitempty"`
	Quantity int     `json:"quantity"`
	Offers   []Offer `json:"offers"`
}

// Problem is the optimiser's input.
type Problem struct {
	Items []Item
	// Merchants holds the published rules of every merchant an offer names.
	Merchants map[string]skills.MerchantInfo
	// Budget, when set, is the most the basket may cost; the optimum is
	// still returned when it exceeds the budget, with WithinBudget false.
	Budget *skills.Money
	// MaxPerMerchant caps candidates per item per merchant after the exact
	// dominance pruning (0: DefaultMaxPerMerchant).
	MaxPerMerchant int
}

// Line is one item's chosen offer.
type Line struct {
	Item     int          `json:"item"`
	Offer    Offer        `json:"offer"`
	Quantity int          `json:"quantity"`
	Total    skills.Money `json:"total"` // unit price × quantity
}

// Cart is one merchant's share of a basket, priced by its published rules.
type Cart struct {
	Merchant string        `json:"merchant"`
	Lines    []Line        `json:"lines"`
	Totals   skills.Totals `json:"totals"`
}

// Basket is a priced assignment of every item to an offer.
type Basket struct {
	Lines []Line       `json:"lines"` // in item order
	Carts []Cart       `json:"carts"` // by merchant id
	Total skills.Money `json:"total"`
}

// Merchants lists the basket's merchant ids in order.
func (b *Basket) Merchants() []string {
	out := make([]string, len(b.Carts))
	for i, c := range b.Carts {
		out[i] = c.Merchant
	}
	return out
}

// Solution is the optimiser's answer.
type Solution struct {
	Basket Basket `json:"basket"`
	// Baseline is the per-item cheapest basket (each item at its lowest unit
	// price, wherever that is), priced the same way, for comparison.
	Baseline     Basket `json:"baseline"`
	WithinBudget bool   `json:"within_budget"`
	// Exact is false only when MaxPerMerchant dropped a candidate that the
	// dominance rule could not exclude.
	Exact bool `json:"exact"`
	// Offers is how many offers were given, Candidates how many survived
	// pruning, Nodes how many search nodes were visited.
	Offers      int      `json:"offers"`
	Candidates  int      `json:"candidates"`
	Nodes       int      `json:"nodes"`
	Explanation []string `json:"explanation"`
}

// ErrNoOffers means some item has no offer at all.
var ErrNoOffers = errors.New("no offers")

// Cheapest returns the lowest-total basket that fills every item, with no
// budget: what an evaluation compares a purchase against.
func Cheapest(items []Item, merchants map[string]skills.MerchantInfo) (*Solution, error) {
	return Solve(Problem{Items: items, Merchants: merchants})
}

// Price prices an assignment: choice[i] indexes p.Items[i].Offers.
func Price(p Problem, choice []int) (Basket, error) {
	if len(choice) != len(p.Items) {
		return Basket{}, fmt.Errorf("bundle: %d choices for %d items", len(choice), len(p.Items))
	}
	lines := make([]Line, len(choice))
	for i, c := range choice {
		it := p.Items[i]
		if c < 0 || c >= len(it.Offers) {
			return Basket{}, fmt.Errorf("bundle: item %d: choice %d out of range", i, c)
		}
		o := it.Offers[c]
		tot, err := o.UnitPrice.Mul(int64(it.Quantity))
		if err != nil {
			return Basket{}, fmt.Errorf("bundle: item %d: %w", i, err)
		}
		lines[i] = Line{Item: i, Offer: o, Quantity: it.Quantity, Total: tot}
	}
	return priceLines(p.Merchants, lines)
}

func priceLines(infos map[string]skills.MerchantInfo, lines []Line) (Basket, error) {
	byM := map[string][]Line{}
	for _, l := range lines {
		byM[l.Offer.Merchant] = append(byM[l.Offer.Merchant], l)
	}
	ids := make([]string, 0, len(byM))
	for id := range byM {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	b := Basket{Lines: lines}
	for _, id := range ids {
		info, ok := infos[id]
		if !ok {
			return Basket{}, fmt.Errorf("bundle: no published rules for merchant %q", id)
		}
		pl := make([]skills.PricedLine, len(byM[id]))
		for i, l := range byM[id] {
			pl[i] = skills.PricedLine{UnitPrice: l.Offer.UnitPrice, Quantity: l.Quantity}
		}
		t, err := skills.PriceCart(info, pl, "")
		if err != nil {
			return Basket{}, fmt.Errorf("bundle: price cart at %s: %w", id, err)
		}
		b.Carts = append(b.Carts, Cart{Merchant: id, Lines: byM[id], Totals: t})
		if b.Total.Currency == "" && b.Total.Minor == 0 {
			b.Total = skills.M(0, t.Total.Currency)
		}
		if b.Total, err = b.Total.Add(t.Total); err != nil {
			return Basket{}, fmt.Errorf("bundle: basket total: %w", err)
		}
	}
	return b, nil
}

// cand is a pruned candidate: an offer index plus precomputed numbers.
type cand struct {
	offer int   // index into Item.Offers
	m     int   // merchant index
	cost  int64 // unit price × quantity
	rank  int
	key   string // merchant + "/" + sku, for tie-breaks
}

type merchantRule struct {
	info   skills.MerchantInfo
	maxOff int64   // largest coupon
	dUsed  int64   // D(m): what growing a non-empty cart can give back
	breaks []int64 // subtotals where the rules change (thresholds, coupon amounts), sorted
	// probes are the subtotals where g's pieces start and end: 0, and b−1
	// and b for every breakpoint b (g is constant or falls by 1 per unit
	// between breakpoints, so its extremes on a piece are at these).
	probes []int64
	gProbe []int64 // g at each probe
	top    int64   // the last breakpoint: g is constant from here on
}

// g is f(s) − s: shipping minus discount for a non-empty cart.
func (r *merchantRule) g(s int64) int64 {
	_, off := skills.BestCoupon(r.info.Coupons, s)
	return skills.ShippingFor(r.info.Shipping, s) - off
}

func (r *merchantRule) setProbes() {
	sort.Slice(r.breaks, func(a, b int) bool { return r.breaks[a] < r.breaks[b] })
	r.probes = append(r.probes[:0], 0)
	if len(r.breaks) > 0 {
		r.top = r.breaks[len(r.breaks)-1]
	}
	for _, b := range r.breaks {
		for _, p := range [2]int64{b - 1, b} {
			if p > r.probes[len(r.probes)-1] {
				r.probes = append(r.probes, p)
			}
		}
	}
	r.gProbe = make([]int64, len(r.probes))
	for j, p := range r.probes {
		r.gProbe[j] = r.g(p)
	}
}

// envelope appends to dst the pieces of the upper concave envelope of what
// the merchant can still give back, γ(w) = base − g(x+w) for a cart of
// subtotal x (base = g(x)), or −g(w) for a merchant with no cart yet, as a
// function of the amount w still to be spent there: pieces of rising gain
// in order of falling slope.
func (r *merchantRule) envelope(dst []seg, x int64, used bool, base int64) []seg {
	var stack [2 * 16]seg // hull points (w, gain); falls back to the heap when larger
	hull := stack[:1]
	hull[0] = seg{}
	for j, p := range r.probes {
		var pt seg
		switch {
		case used && p > x:
			pt = seg{p - x, base - r.gProbe[j]}
		case !used:
			pt = seg{p, -r.gProbe[j]}
		default:
			continue
		}
		if pt.gain <= hull[len(hull)-1].gain {
			continue // γ never falls; a point no higher adds nothing to the envelope
		}
		for len(hull) >= 2 && !above(hull[len(hull)-2], hull[len(hull)-1], pt) {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, pt)
	}
	for j := 1; j < len(hull); j++ {
		dst = append(dst, seg{hull[j].w - hull[j-1].w, hull[j].gain - hull[j-1].gain})
	}
	return dst
}

// above reports whether b lies strictly above the line from a to c
// (a.w < b.w < c.w), exactly.
func above(a, b, c seg) bool {
	// (b.gain − a.gain)·(c.w − a.w) > (c.gain − a.gain)·(b.w − a.w)
	return cmpProd(b.gain-a.gain, c.w-a.w, c.gain-a.gain, b.w-a.w) > 0
}

// f is the merchant's total for a non-empty cart with subtotal s: exactly
// skills.PriceCart's arithmetic, without allocations.
func (r *merchantRule) f(s int64) int64 {
	_, off := skills.BestCoupon(r.info.Coupons, s)
	return s - off + skills.ShippingFor(r.info.Shipping, s)
}

// h is the least total a non-empty cart with subtotal s can reach by
// growing: min over s' ≥ s of f(s'). Between thresholds f rises with s (slope
// 0 or 1), so the minimum is at s itself or at a threshold above it.
func (r *merchantRule) h(s int64) int64 {
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
func Solve(p Problem) (*Solution, error) {
	if len(p.Items) == 0 {
		return nil, errors.New("bundle: no items")
	}
	maxPer := p.MaxPerMerchant
	if maxPer <= 0 {
		maxPer = DefaultMaxPerMerchant
	}
	// Merchants in a fixed order.
	mIndex := map[string]int{}
	var rules []merchantRule
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
			r := merchantRule{info: info}
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
			for _, c := range info.Coupons {
				r.breaks = append(r.breaks, c.AmountOff.Minor)
			}
			r.setProbes()
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
	sorted := make([]merchantRule, len(ids))
	for k, id := range ids {
		sorted[k] = rules[mIndex[id]]
		mIndex[id] = k
	}
	rules = sorted

	// Validate offers and prune per (item, merchant).
	exact := true
	cands := make([][]cand, len(p.Items))
	var maxSum int64
	for i, it := range p.Items {
		byM := map[int][]cand{}
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
			byM[m] = append(byM[m], cand{offer: j, m: m, cost: cost, rank: o.Rank, key: key})
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
			sort.Slice(cs, func(a, b int) bool { return candLess(cs[a], cs[b]) })
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
		sort.Slice(cands[i], func(a, b int) bool { return candLess(cands[i][a], cands[i][b]) })
	}

	s := newSearch(rules, cands)
	s.run()
	choice := make([]int, len(p.Items))
	for i, c := range s.best {
		choice[i] = cands[i][c].offer
	}
	basket, err := Price(p, choice)
	if err != nil {
		return nil, err
	}
	if basket.Total.Minor != s.bestTotal {
		return nil, fmt.Errorf("bundle: internal: search total %d differs from PriceCart %d", s.bestTotal, basket.Total.Minor)
	}
	baseline, err := Price(p, cheapestChoice(p))
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
	sol.Explanation = explain(p, sol, len(ids))
	return sol, nil
}

func candLess(a, b cand) bool {
	if a.cost != b.cost {
		return a.cost < b.cost
	}
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.key < b.key
}

// cheapestChoice is each item's lowest unit price (ties: rank, merchant/sku).
func cheapestChoice(p Problem) []int {
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

func explain(p Problem, sol *Solution, merchants int) []string {
	b, base := &sol.Basket, &sol.Baseline
	out := []string{fmt.Sprintf("considered %d offers for %d item(s) across %d merchant(s); %d candidate(s) after exact pruning",
		sol.Offers, len(p.Items), merchants, sol.Candidates)}
	out = append(out, "per-item cheapest: "+describe(base)+fmt.Sprintf(" = %s", base.Total))
	out = append(out, "chosen: "+describe(b)+fmt.Sprintf(" = %s", b.Total))
	if save := base.Total.Minor - b.Total.Minor; save > 0 {
		why := []string{}
		for _, c := range b.Carts {
			info := p.Merchants[c.Merchant]
			if info.Shipping.Fee.Minor > 0 && c.Totals.Shipping.Minor == 0 && info.Shipping.FreeOver != nil {
				why = append(why, fmt.Sprintf("free shipping at %s (subtotal %s ≥ %s)", c.Merchant, c.Totals.Subtotal, *info.Shipping.FreeOver))
			}
			if c.Totals.Coupon != "" {
				why = append(why, fmt.Sprintf("coupon %s at %s (−%s)", c.Totals.Coupon, c.Merchant, c.Totals.Discount))
			}
		}
		if len(base.Carts) > len(b.Carts) {
			why = append(why, fmt.Sprintf("%d shipment(s) instead of %d", len(b.Carts), len(base.Carts)))
		}
		msg := fmt.Sprintf("saves %s against the per-item cheapest", skills.M(save, b.Total.Currency))
		if len(why) > 0 {
			msg += ": " + strings.Join(why, "; ")
		}
		out = append(out, msg)
	} else {
		out = append(out, "the per-item cheapest choice is already optimal")
	}
	if !sol.Exact {
		out = append(out, fmt.Sprintf("warning: candidate cap %d dropped offers; the result may not be optimal", p.MaxPerMerchant))
	}
	if p.Budget != nil {
		if sol.WithinBudget {
			out = append(out, fmt.Sprintf("within budget %s", *p.Budget))
		} else {
			out = append(out, fmt.Sprintf("the cheapest basket %s exceeds the budget %s", b.Total, *p.Budget))
		}
	}
	return out
}

func describe(b *Basket) string {
	parts := make([]string, 0, len(b.Carts))
	for _, c := range b.Carts {
		var ls []string
		for _, l := range c.Lines {
			ls = append(ls, fmt.Sprintf("%d×%s @%s", l.Quantity, l.Offer.SKU, l.Offer.UnitPrice))
		}
		extra := ""
		if c.Totals.Shipping.Minor > 0 {
			extra += " +ship " + c.Totals.Shipping.String()
		}
		if c.Totals.Discount.Minor > 0 {
			extra += " −" + c.Totals.Discount.String()
		}
		parts = append(parts, fmt.Sprintf("%s[%s%s → %s]", c.Merchant, strings.Join(ls, ", "), extra, c.Totals.Total))
	}
	return strings.Join(parts, " ")
}
