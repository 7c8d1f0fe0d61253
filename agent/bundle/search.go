package bundle

import (
	"math/bits"
	"slices"
	"sort"
)

// The search is a depth-first branch-and-bound over items, exact because it
// only discards a subtree whose lower bound is strictly above the incumbent
// (ties are kept, so the tie-break order is honoured), and fast because of
// the bound below. Write a merchant's total for a non-empty cart with
// subtotal s as f(s) = s + g(s): g(s) = shipping(s) − discount(s) is
// non-increasing in s (shipping can only be waived, the best coupon can only
// grow) and constant from the last breakpoint on. A basket's total is then
//
//	Σ items' costs + Σ over merchants with a cart: g(subtotal).
//
// For a partial basket (some items placed, subtotal x[m] per merchant) every
// completion costs at least the largest of two bounds:
//
//   - the item bound: Σ placed carts' h(x) (the least total a cart can reach
//     by growing) + Σ unplaced items' min over candidates of max(0, cost − D),
//     D being what growing a cart can give back (see merchantRule);
//   - the merchant bound: Σ placed costs + Σ unplaced items' cheapest cost +
//     Σ placed carts' g(x), minus the most the merchants' rules can still give
//     back. Merchant m gives back γ_m(w) = g(x[m]) − g(x[m] + w) when w more
//     is spent there (0 − g(w) for a merchant with no cart yet), and every
//     unit of w is paid by an unplaced item, so Σ w ≤ W, the unplaced items'
//     dearest costs summed. The most given back is at most the fractional
//     multiple-choice knapsack over the concave envelopes of the γ_m with
//     capacity W, solved greedily by slope.
//
// The merchant bound counts each merchant's threshold and coupon once, not
// once per item as the item bound does, and it knows that the money left in
// the basket cannot reach every threshold: on close-priced worlds it cuts the
// tree from millions of nodes to hundreds. Candidates are tried cheapest
// first, items dearest first (they decide the thresholds), from an incumbent
// found by a greedy pass and single-item improvement.

// search is the branch-and-bound state.
type search struct {
	rules []merchantRule
	cands [][]cand
	order []int // items in branching order

	sub    []int64 // subtotal per merchant
	used   []int   // items per merchant
	cur    []int   // candidate index per item
	placed int64   // Σ cost of placed items
	nodes  int
	// rest[k][m][u]: for the item order[k], the least it adds at merchant m
	// (u = 1: m already has a cart) — the item bound.
	rest [][][2]int64
	// restMin[k], restMax[k]: Σ over order[k:] of the cheapest and the
	// dearest candidate cost.
	restMin, restMax []int64
	// firstAt[k][m] is the index of order[k]'s cheapest candidate at m.
	firstAt [][]int

	segs  []seg   // scratch for the merchant bound
	csub  []int64 // scratch for consider
	cused []bool

	best      []int
	bestTotal int64
	bestM     int
}

// seg is one piece of a merchant's concave give-back envelope: width w
// gives back gain.
type seg struct{ w, gain int64 }

func newSearch(rules []merchantRule, cands [][]cand) *search {
	n := len(cands)
	s := &search{rules: rules, cands: cands, sub: make([]int64, len(rules)),
		used: make([]int, len(rules)), cur: make([]int, n), bestTotal: -1}
	s.order = make([]int, n)
	maxCost := make([]int64, n)
	minCost := make([]int64, n)
	for i := range s.order {
		s.order[i] = i
		minCost[i] = cands[i][0].cost // candidates are sorted cheapest first
		for _, c := range cands[i] {
			maxCost[i] = max(maxCost[i], c.cost)
		}
	}
	// Dearest items first: they decide which thresholds are reached. Items
	// with a single candidate go first of all (no branching).
	sort.SliceStable(s.order, func(a, b int) bool {
		ia, ib := s.order[a], s.order[b]
		if (len(cands[ia]) == 1) != (len(cands[ib]) == 1) {
			return len(cands[ia]) == 1
		}
		return maxCost[ia] > maxCost[ib]
	})
	s.rest = make([][][2]int64, n)
	s.restMin = make([]int64, n+1)
	s.restMax = make([]int64, n+1)
	for k := n - 1; k >= 0; k-- {
		i := s.order[k]
		s.restMin[k] = s.restMin[k+1] + minCost[i]
		s.restMax[k] = s.restMax[k+1] + maxCost[i]
	}
	s.firstAt = make([][]int, n)
	for k, i := range s.order {
		s.firstAt[k] = make([]int, len(rules))
		for m := range rules {
			s.firstAt[k][m] = -1
		}
		for ci, c := range cands[i] {
			if s.firstAt[k][c.m] < 0 {
				s.firstAt[k][c.m] = ci
			}
		}
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

// run finds the optimum.
func (s *search) run() {
	s.incumbent()
	s.branch(0)
}

// incumbent seeds the search with a good basket: each item (in branching
// order) where it raises the partial total least, then single-item moves
// while one lowers the total.
func (s *search) incumbent() {
	n := len(s.cands)
	choice := make([]int, n)
	sub := make([]int64, len(s.rules))
	used := make([]int, len(s.rules))
	for _, i := range s.order {
		bestCi, bestD := 0, int64(0)
		for ci, c := range s.cands[i] {
			r := &s.rules[c.m]
			var d int64
			if used[c.m] > 0 {
				d = r.f(sub[c.m]+c.cost) - r.f(sub[c.m])
			} else {
				d = r.f(c.cost)
			}
			if ci == 0 || d < bestD {
				bestCi, bestD = ci, d
			}
		}
		choice[i] = bestCi
		c := s.cands[i][bestCi]
		sub[c.m] += c.cost
		used[c.m]++
	}
	total := s.totalOf(sub, used)
	for improved := true; improved; {
		improved = false
		for i := range choice {
			old := s.cands[i][choice[i]]
			for ci, c := range s.cands[i] {
				if ci == choice[i] {
					continue
				}
				sub[old.m] -= old.cost
				used[old.m]--
				sub[c.m] += c.cost
				used[c.m]++
				if t := s.totalOf(sub, used); t < total {
					total, choice[i], old, improved = t, ci, c, true
					continue
				}
				sub[c.m] -= c.cost
				used[c.m]--
				sub[old.m] += old.cost
				used[old.m]++
			}
		}
	}
	s.consider(choice)
}

func (s *search) totalOf(sub []int64, used []int) int64 {
	var t int64
	for m := range s.rules {
		if used[m] > 0 {
			t += s.rules[m].f(sub[m])
		}
	}
	return t
}

// bound is a lower bound on every completion of the current partial basket
// whose next item to place is order[k]: the larger of the item bound and the
// merchant bound (see the comment at the top of this file).
func (s *search) bound(k int) int64 {
	// Item bound.
	var lb1 int64
	for m := range s.rules {
		if s.used[m] > 0 {
			lb1 += s.rules[m].h(s.sub[m])
		}
	}
	for kk := k; kk < len(s.order); kk++ {
		least := int64(-1)
		for m := range s.rules {
			u := 0
			if s.used[m] > 0 {
				u = 1
			}
			if v := s.rest[kk][m][u]; v >= 0 && (least < 0 || v < least) {
				least = v
			}
		}
		lb1 += least
	}
	// Merchant bound.
	lb2 := s.placed + s.restMin[k]
	s.segs = s.segs[:0]
	for m := range s.rules {
		r := &s.rules[m]
		var base int64
		if s.used[m] > 0 {
			base = r.g(s.sub[m])
			lb2 += base
		}
		s.segs = r.envelope(s.segs, s.sub[m], s.used[m] > 0, base)
	}
	lb2 -= giveBack(s.segs, s.restMax[k])
	return max(lb1, lb2)
}

// giveBack fills capacity w with the envelope pieces, steepest first
// (fractional multiple-choice knapsack; each merchant's pieces are concave,
// so steepest-first takes them in order), rounding the last piece up.
func giveBack(segs []seg, w int64) int64 {
	slices.SortFunc(segs, func(a, b seg) int {
		// gain_a/w_a > gain_b/w_b first, exactly.
		return cmpProd(b.gain, a.w, a.gain, b.w)
	})
	var got int64
	for _, sg := range segs {
		if w <= 0 {
			break
		}
		if sg.w <= w {
			got += sg.gain
			w -= sg.w
			continue
		}
		// Part of the piece: gain·w/sg.w, rounded up so the bound stays a
		// bound.
		got += ceilMulDiv(sg.gain, w, sg.w)
		w = 0
	}
	return got
}

// cmpProd compares a·b with c·d exactly (128-bit products).
func cmpProd(a, b, c, d int64) int {
	x, y := mul128(a, b), mul128(c, d)
	switch {
	case x.hi != y.hi:
		if x.hi < y.hi {
			return -1
		}
		return 1
	case x.lo != y.lo:
		if x.lo < y.lo {
			return -1
		}
		return 1
	}
	return 0
}

// i128 is a signed 128-bit integer: hi is the signed high word.
type i128 struct {
	hi int64
	lo uint64
}

func mul128(a, b int64) i128 {
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = uint64(-a)
	}
	if b < 0 {
		ub = uint64(-b)
	}
	hi, lo := bits.Mul64(ua, ub)
	if neg { // two's complement of (hi, lo)
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	return i128{int64(hi), lo}
}

// ceilMulDiv is ⌈a·b/c⌉ for 0 ≤ b < c and a ≥ 0.
func ceilMulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, r := bits.Div64(hi, lo, uint64(c))
	if r != 0 {
		q++
	}
	return int64(q)
}

func (s *search) branch(k int) {
	s.nodes++
	if k == len(s.order) {
		s.consider(s.cur)
		return
	}
	if s.bestTotal >= 0 && s.bound(k) > s.bestTotal {
		return
	}
	i := s.order[k]
	// At a merchant whose cart reaches its last breakpoint with the
	// item's cheapest product there, a dearer product there only costs
	// more: g is constant from there on, whatever else the cart gets.
	first := s.firstAt[k]
	for ci, c := range s.cands[i] {
		if f := first[c.m]; f != ci && s.sub[c.m]+s.cands[i][f].cost >= s.rules[c.m].top && c.cost > s.cands[i][f].cost {
			continue
		}
		s.cur[i] = ci
		s.sub[c.m] += c.cost
		s.used[c.m]++
		s.placed += c.cost
		s.branch(k + 1)
		s.sub[c.m] -= c.cost
		s.used[c.m]--
		s.placed -= c.cost
	}
}

// consider compares a complete assignment (candidate index per item) with
// the incumbent: lower total, then fewer merchants, then better ranks in
// item order, then merchant/sku in item order.
func (s *search) consider(choice []int) {
	if s.csub == nil {
		s.csub, s.cused = make([]int64, len(s.rules)), make([]bool, len(s.rules))
	}
	for m := range s.csub {
		s.csub[m], s.cused[m] = 0, false
	}
	for i, ci := range choice {
		c := s.cands[i][ci]
		s.csub[c.m] += c.cost
		s.cused[c.m] = true
	}
	var total int64
	nm := 0
	for m := range s.rules {
		if s.cused[m] {
			total += s.rules[m].f(s.csub[m])
			nm++
		}
	}
	if s.bestTotal < 0 || s.better(choice, total, nm) {
		s.best = append(s.best[:0], choice...)
		s.bestTotal, s.bestM = total, nm
	}
}

func (s *search) better(choice []int, total int64, nm int) bool {
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
