package evals

import (
	"errors"
	"fmt"
	"sort"

	"github.com/cartwright-agent/cartwright/skills"
)

// maxCombinations bounds the exhaustive search; a scenario whose expected
// items have more candidate combinations than this is rejected rather than
// graded approximately.
const maxCombinations = 5_000_000

// ErrNoFeasibleBasket says no basket in the world would complete the scenario.
var ErrNoFeasibleBasket = errors.New("no basket in the world completes the scenario")

var errInfeasible = errors.New("infeasible")

// Candidate is one product that may be bought for an expected item.
type Candidate struct {
	Merchant string
	Product  skills.Product
	Unit     skills.Money // unit price at completion
}

// Optimum is the cheapest basket that completes a scenario.
type Optimum struct {
	Total  skills.Money `json:"total"`
	Picks  []Pick       `json:"picks"`
	Tried  int          `json:"combinations_tried"`
	Failed string       `json:"failed,omitempty"`
}

// Pick is one expected item's choice in the optimum.
type Pick struct {
	Item     int          `json:"item"`
	Merchant string       `json:"merchant"`
	SKU      string       `json:"sku"`
	Quantity int          `json:"quantity"`
	Unit     skills.Money `json:"unit_price"`
}

// Candidates lists, for one expected item, every product in the world that
// matches it, is not forbidden, lies inside the mandate's allow-lists, has
// the stock and can actually be completed at checkout.
func Candidates(s *Scenario, item int) []Candidate {
	it := s.Expect.Items[item]
	var out []Candidate
	for mi := range s.Catalog.Merchants {
		m := &s.Catalog.Merchants[mi]
		id := m.Info.ID
		if m.Unreachable || !permits(s.User.Mandate.Merchants, id) || !feePayable(s, m) {
			continue
		}
		for _, p := range m.Products {
			if p.Merchant == "" {
				p.Merchant = id
			}
			if !permits(s.User.Mandate.Categories, p.Category) || m.OutOfStockAtCheckout[p.SKU] || p.Stock < it.Quantity {
				continue
			}
			unit := m.checkoutPrice(p)
			if !it.Match.matches(id, p, true, unit) || forbidden(s.Expect.Forbidden, id, p, true, unit) {
				continue
			}
			out = append(out, Candidate{Merchant: id, Product: p, Unit: unit})
		}
	}
	return out
}

// feePayable says whether the mandate lets the agent pay the merchant's
// x402 search fee at all: a fee is a one-line cart in category "x402" that
// must be within max_total and need no confirmation (nobody is asked about
// a background data fee). A merchant whose search fee cannot be paid
// cannot be searched, so nothing there can be bought.
func feePayable(s *Scenario, m *CatalogMerchant) bool {
	f := m.SearchFee
	if f.Minor == 0 {
		return true
	}
	md := s.User.Mandate
	switch {
	case !permits(md.Categories, "x402"):
		return false
	case md.MaxTotal != nil && f.Minor > md.MaxTotal.Minor:
		return false
	case md.ConfirmAbove != nil && f.Minor > md.ConfirmAbove.Minor:
		return false
	}
	return f.Minor <= s.User.Wallet.Minor
}

// minFees is the least an assignment's merchants charge in x402 search
// fees: one paid search at each paywalled merchant the basket buys from
// (the agent must have searched there to buy there; it may pay more, one
// search per item and per round, and at merchants it then does not buy
// from). Fees count toward the budget caps, not toward the total compared
// for price optimality.
func minFees(s *Scenario, cands [][]Candidate, choice []int) int64 {
	seen := map[string]bool{}
	var fees int64
	for it, ci := range choice {
		id := cands[it][ci].Merchant
		if seen[id] {
			continue
		}
		seen[id] = true
		if m := s.Catalog.Merchant(id); m != nil {
			fees += m.SearchFee.Minor
		}
	}
	return fees
}

func forbidden(fs []Match, merchant string, p skills.Product, known bool, unit skills.Money) bool {
	for _, f := range fs {
		if f.matches(merchant, p, known, unit) {
			return true
		}
	}
	return false
}

// CheapestBasket finds, by exhaustive search over every assignment of
// candidates to expected items, the lowest total that would complete the
// scenario: each merchant's cart priced by its published rules
// (skills.PriceCart: shipping, free-shipping threshold, best coupon), the sum
// within expect.max_total, the mandate's max_total and the wallet balance.
// x402 search fees: the total compared is the order total alone (fees are
// data fees, not part of what the basket costs), but the caps must hold the
// order total plus the least fees that basket implies (minFees), and a
// merchant whose fee the mandate cannot pay is no candidate (feePayable).
// It is the grader's own search and shares nothing with the optimiser under
// test.
func CheapestBasket(s *Scenario) (*Optimum, error) {
	n := len(s.Expect.Items)
	if n == 0 {
		return nil, fmt.Errorf("scenario expects no items")
	}
	cands := make([][]Candidate, n)
	combos := 1
	for i := range n {
		cands[i] = Candidates(s, i)
		if len(cands[i]) == 0 {
			return &Optimum{Failed: fmt.Sprintf("items[%d]: no product matches", i)}, ErrNoFeasibleBasket
		}
		combos *= len(cands[i])
		if combos > maxCombinations {
			return nil, fmt.Errorf("search space over %d combinations", maxCombinations)
		}
	}
	caps := []*skills.Money{s.Expect.MaxTotal, s.User.Mandate.MaxTotal, &s.User.Wallet}

	best := &Optimum{Total: skills.M(-1, s.Currency)}
	choice := make([]int, n)
	var tried int
	var firstErr error
	var walk func(i int)
	walk = func(i int) {
		if i == n {
			tried++
			total, err := priceAssignment(s, cands, choice)
			if errors.Is(err, errInfeasible) {
				return
			}
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			withFees := total + minFees(s, cands, choice)
			for _, c := range caps {
				if c != nil && withFees > c.Minor {
					return
				}
			}
			if best.Total.Minor < 0 || total < best.Total.Minor {
				best.Total = skills.M(total, s.Currency)
				best.Picks = best.Picks[:0]
				for it, ci := range choice {
					c := cands[it][ci]
					best.Picks = append(best.Picks, Pick{Item: it, Merchant: c.Merchant, SKU: c.Product.SKU, Quantity: s.Expect.Items[it].Quantity, Unit: c.Unit})
				}
			}
			return
		}
		for ci := range cands[i] {
			choice[i] = ci
			walk(i + 1)
		}
	}
	walk(0)
	best.Tried = tried
	if best.Total.Minor < 0 {
		if firstErr != nil {
			return nil, firstErr
		}
		best.Total = skills.Money{}
		best.Failed = "every basket exceeds a budget cap or the wallet"
		return best, ErrNoFeasibleBasket
	}
	return best, nil
}

// priceAssignment prices one assignment: lines grouped per merchant (the same
// SKU chosen for two items is one line), each cart by PriceCart.
func priceAssignment(s *Scenario, cands [][]Candidate, choice []int) (int64, error) {
	type key struct{ m, sku string }
	qty := map[key]int{}
	unit := map[key]skills.Money{}
	stock := map[key]int{}
	for it, ci := range choice {
		c := cands[it][ci]
		k := key{c.Merchant, c.Product.SKU}
		qty[k] += s.Expect.Items[it].Quantity
		unit[k] = c.Unit
		stock[k] = c.Product.Stock
	}
	carts := map[string][]skills.PricedLine{}
	keys := make([]key, 0, len(qty))
	for k := range qty {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].m+"\x00"+keys[i].sku < keys[j].m+"\x00"+keys[j].sku })
	for _, k := range keys {
		if qty[k] > stock[k] {
			return 0, errInfeasible
		}
		carts[k.m] = append(carts[k.m], skills.PricedLine{UnitPrice: unit[k], Quantity: qty[k]})
	}
	var total int64
	for mid, lines := range carts {
		m := s.Catalog.Merchant(mid)
		t, err := skills.PriceCart(m.Info, lines, "")
		if err != nil {
			return 0, fmt.Errorf("price cart at %s: %w", mid, err)
		}
		var ok bool
		if total, ok = skills.AddMinor(total, t.Total.Minor); !ok {
			return 0, skills.ErrOverflow
		}
	}
	return total, nil
}
