package worldgen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/skills"
)

// Situation is a planted basket in which buying every item where its unit
// price is lowest is not the cheapest way to buy the whole basket.
type Situation struct {
	Name  string
	Why   string
	Lines []Want
}

// Want is Quantity units of the item with this exact title.
type Want struct {
	Title    string
	Quantity int
}

// Situations are the planted bundling cases; Generate refuses to write a
// world in which one of them no longer holds.
var Situations = []Situation{
	{Name: "Two large oat milk lattes",
		Why:   "megamart has the lowest cup price but charges shipping under 99.00; brewhouse ships free over 30.00",
		Lines: []Want{{"Oat Milk Latte (Large)", 2}}},
	{Name: "Three large oat milk lattes",
		Why:   "at brewhouse 54.00 crosses BREW5's 50.00 minimum spend",
		Lines: []Want{{"Oat Milk Latte (Large)", 3}}},
	{Name: "Oat milk and eggs",
		Why:   "oat milk is cheaper at megamart, eggs at freshmart; splitting pays two shipping fees",
		Lines: []Want{{"Oatly Oat Drink 1L", 1}, {"Free-Range Eggs (10)", 1}}},
	{Name: "Sunflower oil and oat milk",
		Why:   "oil is cheaper at freshmart, oat milk at megamart; both at freshmart cross its 59.00 free-shipping threshold",
		Lines: []Want{{"Arawana Sunflower Oil 1.8L", 1}, {"Oatly Oat Drink 1L", 1}}},
	{Name: "65W charger and 20000mAh power bank",
		Why:   "the charger is cheaper at gadgetbay, the power bank at megamart; both at gadgetbay ship free and reach GADGET20's 200.00 minimum",
		Lines: []Want{{"Ugreen Nexode 65W GaN Charger", 1}, {"Anker Power Bank 20000mAh 22.5W", 1}}},
	{Name: "Rain jacket and hoodie",
		Why:   "the jacket is cheaper at megamart, but both at threadline reach TRAVEL50's 450.00 minimum and ship free",
		Lines: []Want{{"Northpeak Packable Rain Jacket (Navy, M)", 1}, {"Threadline Fleece Hoodie (Grey, M)", 1}}},
	{Name: "China Mobile top-up 100",
		Why:   "megamart's 98.80 is below its 99.00 free-shipping threshold; topupnow charges no fee",
		Lines: []Want{{"China Mobile Top-Up 100 Yuan", 1}}},
}

// Plan assigns each wanted line to one merchant.
type Plan struct {
	Carts []Cart
	Total int64
}

// Cart is one merchant's part of a plan, priced by skills.PriceCart.
type Cart struct {
	Merchant *Merchant
	Lines    []PlanLine
	Totals   skills.Totals
}

// PlanLine is one bought line.
type PlanLine struct {
	Product  Product
	Quantity int
}

// Info is m's published pricing rules as the runtime sees them.
func (m *Merchant) Info() skills.MerchantInfo {
	info := skills.MerchantInfo{ID: m.ID, Name: m.Name, Currency: Currency, Interface: m.Interface,
		Shipping: skills.Shipping{Fee: skills.M(m.Shipping.Fee, Currency), ETADays: m.Shipping.ETADays}}
	if m.Shipping.FreeOver > 0 {
		fo := skills.M(m.Shipping.FreeOver, Currency)
		info.Shipping.FreeOver = &fo
	}
	for _, c := range m.Coupons {
		info.Coupons = append(info.Coupons, skills.Coupon{Code: c.Code,
			AmountOff: skills.M(c.AmountOff, Currency), MinSpend: skills.M(c.MinSpend, Currency)})
	}
	return info
}

type candidate struct {
	m *Merchant
	p Product
}

// candidates lists, per wanted line, every merchant selling that title.
func (w *World) candidates(s Situation) ([][]candidate, error) {
	out := make([][]candidate, len(s.Lines))
	for i, want := range s.Lines {
		for _, m := range w.Merchants {
			for _, p := range m.Products {
				if p.Title == want.Title {
					out[i] = append(out[i], candidate{m, p})
				}
			}
		}
		if len(out[i]) == 0 {
			return nil, fmt.Errorf("situation %q: no merchant sells %q", s.Name, want.Title)
		}
	}
	return out, nil
}

// price groups an assignment by merchant and prices each cart.
func price(s Situation, pick []candidate) (Plan, error) {
	var plan Plan
	idx := map[*Merchant]int{}
	for i, c := range pick {
		j, ok := idx[c.m]
		if !ok {
			j = len(plan.Carts)
			idx[c.m] = j
			plan.Carts = append(plan.Carts, Cart{Merchant: c.m})
		}
		plan.Carts[j].Lines = append(plan.Carts[j].Lines, PlanLine{c.p, s.Lines[i].Quantity})
	}
	for i := range plan.Carts {
		c := &plan.Carts[i]
		var lines []skills.PricedLine
		for _, l := range c.Lines {
			lines = append(lines, skills.PricedLine{UnitPrice: skills.M(l.Product.Price, Currency), Quantity: l.Quantity})
		}
		t, err := skills.PriceCart(c.Merchant.Info(), lines, "")
		if err != nil {
			return Plan{}, fmt.Errorf("situation %q at %s: %w", s.Name, c.Merchant.ID, err)
		}
		c.Totals = t
		plan.Total += t.Total.Minor
	}
	return plan, nil
}

// Solve returns the plan that buys every line at its lowest unit price and
// the cheapest plan overall (exhaustive over merchants selling each line).
func (w *World) Solve(s Situation) (perItem, best Plan, err error) {
	cands, err := w.candidates(s)
	if err != nil {
		return Plan{}, Plan{}, err
	}
	pick := make([]candidate, len(cands))
	for i, cs := range cands {
		pick[i] = cs[0]
		for _, c := range cs[1:] {
			if c.p.Price < pick[i].p.Price {
				pick[i] = c
			}
		}
	}
	if perItem, err = price(s, pick); err != nil {
		return Plan{}, Plan{}, err
	}
	best.Total = -1
	var walk func(i int) error
	walk = func(i int) error {
		if i == len(cands) {
			p, err := price(s, pick)
			if err != nil {
				return err
			}
			if best.Total < 0 || p.Total < best.Total {
				best = p
			}
			return nil
		}
		for _, c := range cands[i] {
			pick[i] = c
			if err := walk(i + 1); err != nil {
				return err
			}
		}
		return nil
	}
	err = walk(0)
	return perItem, best, err
}

// describe renders a plan as comment lines.
func (p Plan) describe() []string {
	var out []string
	carts := append([]Cart(nil), p.Carts...)
	sort.SliceStable(carts, func(i, j int) bool { return carts[i].Merchant.ID < carts[j].Merchant.ID })
	for _, c := range carts {
		var items []string
		for _, l := range c.Lines {
			items = append(items, fmt.Sprintf("%d x %s @ %s", l.Quantity, l.Product.Title, yuan(l.Product.Price)))
		}
		s := fmt.Sprintf("%s: %s = %s", c.Merchant.ID, strings.Join(items, " + "), yuan(c.Totals.Subtotal.Minor))
		if c.Totals.Coupon != "" {
			s += fmt.Sprintf(" - %s %s", c.Totals.Coupon, yuan(c.Totals.Discount.Minor))
		}
		if c.Totals.Shipping.Minor > 0 {
			s += " + shipping " + yuan(c.Totals.Shipping.Minor)
		} else {
			s += " + free shipping"
		}
		out = append(out, s+" = "+yuan(c.Totals.Total.Minor))
	}
	return out
}

// yuan formats fen as a decimal string.
func yuan(fen int64) string { return skills.FormatMinor(fen, 2) }
