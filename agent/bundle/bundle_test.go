package bundle

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/skills"
)

const cny = skills.Currency("CNY")

func y(major float64) skills.Money { return skills.M(int64(major*100+0.5), cny) }
func yp(major float64) *skills.Money {
	m := y(major)
	return &m
}

// bruteForce enumerates every assignment and keeps the best by the same
// order the optimiser promises: total, merchants, ranks, merchant/sku.
func bruteForce(t *testing.T, p Problem) Basket {
	t.Helper()
	choice := make([]int, len(p.Items))
	var best *Basket
	var bestChoice []int
	var rec func(i int)
	rec = func(i int) {
		if i == len(p.Items) {
			b, err := Price(p, choice)
			if err != nil {
				t.Fatal(err)
			}
			if best == nil || lessBasket(p, &b, choice, best, bestChoice) {
				best, bestChoice = &b, append([]int(nil), choice...)
			}
			return
		}
		for j := range p.Items[i].Offers {
			choice[i] = j
			rec(i + 1)
		}
	}
	rec(0)
	return *best
}

func lessBasket(p Problem, a *Basket, ac []int, b *Basket, bc []int) bool {
	if a.Total.Minor != b.Total.Minor {
		return a.Total.Minor < b.Total.Minor
	}
	if len(a.Carts) != len(b.Carts) {
		return len(a.Carts) < len(b.Carts)
	}
	for i := range ac {
		ra, rb := p.Items[i].Offers[ac[i]].Rank, p.Items[i].Offers[bc[i]].Rank
		if ra != rb {
			return ra < rb
		}
	}
	for i := range ac {
		oa, ob := p.Items[i].Offers[ac[i]], p.Items[i].Offers[bc[i]]
		if ka, kb := oa.Merchant+"/"+oa.SKU, ob.Merchant+"/"+ob.SKU; ka != kb {
			return ka < kb
		}
	}
	return false
}

func randomProblem(r *rand.Rand) Problem {
	nm := 1 + r.IntN(4)
	infos := map[string]skills.MerchantInfo{}
	for m := 0; m < nm; m++ {
		id := fmt.Sprintf("m%d", m)
		info := skills.MerchantInfo{ID: id, Currency: cny}
		info.Shipping.Fee = skills.M(int64(r.IntN(4))*300, cny)
		if r.IntN(3) > 0 {
			fo := skills.M(int64(1000+r.IntN(40)*100), cny)
			info.Shipping.FreeOver = &fo
		}
		for c := r.IntN(3); c > 0; c-- {
			info.Coupons = append(info.Coupons, skills.Coupon{
				Code:      fmt.Sprintf("C%d%d", m, c),
				AmountOff: skills.M(int64(1+r.IntN(10))*100, cny),
				MinSpend:  skills.M(int64(r.IntN(60))*100, cny),
			})
		}
		infos[id] = info
	}
	p := Problem{Merchants: infos}
	prices := map[string]skills.Money{} // one price per merchant/sku, as in a real catalog
	for i := 1 + r.IntN(4); i > 0; i-- {
		it := Item{Name: fmt.Sprintf("item%d", len(p.Items)), Quantity: 1 + r.IntN(3)}
		for o := 1 + r.IntN(6); o > 0; o-- {
			m := r.IntN(nm)
			o := Offer{Merchant: fmt.Sprintf("m%d", m), SKU: fmt.Sprintf("S%d-%d", m, r.IntN(8)), Rank: r.IntN(3)}
			key := o.Merchant + "/" + o.SKU
			if _, ok := prices[key]; !ok {
				prices[key] = skills.M(int64(100+r.IntN(30)*50), cny)
			}
			o.UnitPrice = prices[key]
			it.Offers = append(it.Offers, o)
		}
		p.Items = append(p.Items, it)
	}
	if r.IntN(2) == 0 {
		p.Budget = yp(float64(20 + r.IntN(80)))
	}
	return p
}

func sameBasket(a, b Basket) bool {
	if a.Total != b.Total || len(a.Lines) != len(b.Lines) {
		return false
	}
	for i := range a.Lines {
		if a.Lines[i].Offer != b.Lines[i].Offer {
			return false
		}
	}
	return true
}

// TestSolveMatchesBruteForce is the property test: on 600 seeded random
// worlds the optimiser returns exactly the brute-force optimum, tie-breaks
// included, and prices it with skills.PriceCart.
func TestSolveMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 2026))
	beatBaseline := 0
	for n := 0; n < 600; n++ {
		p := randomProblem(r)
		sol, err := Solve(p)
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		want := bruteForce(t, p)
		if !sameBasket(sol.Basket, want) {
			t.Fatalf("case %d: optimiser %s (%s), brute force %s (%s)\nproblem: %+v",
				n, describe(&sol.Basket), sol.Basket.Total, describe(&want), want.Total, p)
		}
		if !sol.Exact {
			t.Fatalf("case %d: not exact", n)
		}
		if sol.Baseline.Total.Minor < sol.Basket.Total.Minor {
			t.Fatalf("case %d: baseline %s beats the optimum %s", n, sol.Baseline.Total, sol.Basket.Total)
		}
		if sol.Baseline.Total.Minor > sol.Basket.Total.Minor {
			beatBaseline++
		}
		if p.Budget != nil && sol.WithinBudget != (sol.Basket.Total.Minor <= p.Budget.Minor) {
			t.Fatalf("case %d: WithinBudget %v for %s vs %s", n, sol.WithinBudget, sol.Basket.Total, *p.Budget)
		}
	}
	if beatBaseline < 30 {
		t.Fatalf("only %d of 600 random worlds had an optimum below the per-item cheapest: the generator is too weak to test bundling", beatBaseline)
	}
	t.Logf("%d of 600 cases beat the per-item cheapest basket", beatBaseline)
}

func TestShippingThresholdBeatsPerItemCheapest(t *testing.T) {
	// Item A is cheapest at "cheap" (¥10 + ¥8 shipping), item B is cheapest
	// at "cheap" too, but "hub" ships free over ¥30: buying both at hub
	// (¥16 + ¥16 = ¥32, free shipping) beats per-item cheapest (¥10 + ¥15 +
	// ¥8 shipping = ¥33).
	infos := map[string]skills.MerchantInfo{
		"cheap": {ID: "cheap", Currency: cny, Shipping: skills.Shipping{Fee: y(8)}},
		"hub":   {ID: "hub", Currency: cny, Shipping: skills.Shipping{Fee: y(8), FreeOver: yp(30)}},
	}
	p := Problem{Merchants: infos, Items: []Item{
		{Name: "a", Quantity: 1, Offers: []Offer{{Merchant: "cheap", SKU: "A1", UnitPrice: y(10)}, {Merchant: "hub", SKU: "A2", UnitPrice: y(16)}}},
		{Name: "b", Quantity: 1, Offers: []Offer{{Merchant: "cheap", SKU: "B1", UnitPrice: y(15)}, {Merchant: "hub", SKU: "B2", UnitPrice: y(16)}}},
	}}
	sol, err := Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := sol.Basket.Total; got != y(32) {
		t.Fatalf("total %s, want ¥32.00: %v", got, sol.Explanation)
	}
	if got := sol.Baseline.Total; got != y(33) {
		t.Fatalf("baseline %s, want ¥33.00", got)
	}
	if m := sol.Basket.Merchants(); len(m) != 1 || m[0] != "hub" {
		t.Fatalf("merchants %v", m)
	}
	ex := strings.Join(sol.Explanation, "\n")
	for _, want := range []string{"free shipping at hub", "saves ¥1.00", "per-item cheapest"} {
		if !strings.Contains(ex, want) {
			t.Errorf("explanation lacks %q:\n%s", want, ex)
		}
	}
}

func TestDearerProductReachesThreshold(t *testing.T) {
	// The cheapest product per merchant per item is not enough: at one
	// merchant a ¥31 product ships free (total ¥31) while the ¥25 one pays
	// ¥10 shipping (total ¥35).
	infos := map[string]skills.MerchantInfo{
		"m": {ID: "m", Currency: cny, Shipping: skills.Shipping{Fee: y(10), FreeOver: yp(30)}},
	}
	p := Problem{Merchants: infos, Items: []Item{{Quantity: 1, Offers: []Offer{
		{Merchant: "m", SKU: "SMALL", UnitPrice: y(25)},
		{Merchant: "m", SKU: "BIG", UnitPrice: y(31)},
		{Merchant: "m", SKU: "HUGE", UnitPrice: y(41)}, // 16 dearer than SMALL > D = 10: pruned
	}}}}
	sol, err := Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	if sol.Basket.Lines[0].Offer.SKU != "BIG" || sol.Basket.Total != y(31) {
		t.Fatalf("got %s", describe(&sol.Basket))
	}
	if sol.Candidates != 2 || sol.Offers != 3 {
		t.Fatalf("candidates %d of %d, want 2 of 3", sol.Candidates, sol.Offers)
	}
}

func TestCouponMinimumSpend(t *testing.T) {
	// Two lattes at brew (¥18) reach SAVE5's ¥35 minimum: ¥31 with free
	// shipping; per-item cheapest puts them at corner (¥16.50 + ¥6 shipping
	// = ¥39).
	infos := map[string]skills.MerchantInfo{
		"brew": {ID: "brew", Currency: cny, Shipping: skills.Shipping{Fee: y(6), FreeOver: yp(30)},
			Coupons: []skills.Coupon{{Code: "SAVE5", AmountOff: y(5), MinSpend: y(35)}, {Code: "SAVE2", AmountOff: y(2), MinSpend: y(10)}}},
		"corner": {ID: "corner", Currency: cny, Shipping: skills.Shipping{Fee: y(6), FreeOver: yp(40)}},
	}
	p := Problem{Merchants: infos, Budget: yp(40), Items: []Item{{Name: "latte", Quantity: 2, Offers: []Offer{
		{Merchant: "corner", SKU: "CL", UnitPrice: y(16.5)},
		{Merchant: "brew", SKU: "BL", UnitPrice: y(18)},
	}}}}
	sol, err := Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	c := sol.Basket.Carts[0]
	if c.Merchant != "brew" || c.Totals.Coupon != "SAVE5" || sol.Basket.Total != y(31) {
		t.Fatalf("got %s coupon %q", describe(&sol.Basket), c.Totals.Coupon)
	}
	if sol.Baseline.Total != y(39) || !sol.WithinBudget {
		t.Fatalf("baseline %s within %v", sol.Baseline.Total, sol.WithinBudget)
	}
	if ex := strings.Join(sol.Explanation, "\n"); !strings.Contains(ex, "coupon SAVE5 at brew") {
		t.Fatalf("explanation: %s", ex)
	}
}

func TestTieBreaks(t *testing.T) {
	infos := map[string]skills.MerchantInfo{
		"a": {ID: "a", Currency: cny},
		"b": {ID: "b", Currency: cny},
	}
	// Equal totals: one merchant beats two.
	p := Problem{Merchants: infos, Items: []Item{
		{Quantity: 1, Offers: []Offer{{Merchant: "a", SKU: "X", UnitPrice: y(5)}, {Merchant: "b", SKU: "Y", UnitPrice: y(5)}}},
		{Quantity: 1, Offers: []Offer{{Merchant: "b", SKU: "Z", UnitPrice: y(5)}}},
	}}
	sol, err := Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	if m := sol.Basket.Merchants(); len(m) != 1 || m[0] != "b" {
		t.Fatalf("fewer merchants: got %v", m)
	}
	// Equal totals and merchants: the better rank wins, then the sku.
	p = Problem{Merchants: infos, Items: []Item{{Quantity: 1, Offers: []Offer{
		{Merchant: "a", SKU: "B", UnitPrice: y(5), Rank: 1},
		{Merchant: "a", SKU: "C", UnitPrice: y(5), Rank: 0},
		{Merchant: "a", SKU: "A", UnitPrice: y(5), Rank: 1},
	}}}}
	if sol, _ = Solve(p); sol.Basket.Lines[0].Offer.SKU != "C" {
		t.Fatalf("rank tie-break: got %s", sol.Basket.Lines[0].Offer.SKU)
	}
	p.Items[0].Offers[1].Rank = 1
	if sol, _ = Solve(p); sol.Basket.Lines[0].Offer.SKU != "A" {
		t.Fatalf("sku tie-break: got %s", sol.Basket.Lines[0].Offer.SKU)
	}
}

func TestSolveErrors(t *testing.T) {
	infos := map[string]skills.MerchantInfo{"a": {ID: "a", Currency: cny}, "u": {ID: "u", Currency: "USD"}}
	cases := []struct {
		name string
		p    Problem
		want string
	}{
		{"no items", Problem{Merchants: infos}, "no items"},
		{"no offers", Problem{Merchants: infos, Items: []Item{{Name: "tea", Quantity: 1}}}, "item 0 (tea): no offers"},
		{"bad quantity", Problem{Merchants: infos, Items: []Item{{Quantity: 0, Offers: []Offer{{Merchant: "a", UnitPrice: y(1)}}}}}, "quantity 0"},
		{"unknown merchant", Problem{Merchants: infos, Items: []Item{{Quantity: 1, Offers: []Offer{{Merchant: "zz", UnitPrice: y(1)}}}}}, `merchant "zz"`},
		{"currency", Problem{Merchants: infos, Items: []Item{{Quantity: 1, Offers: []Offer{{Merchant: "a", UnitPrice: y(1)}, {Merchant: "u", UnitPrice: skills.M(1, "USD")}}}}}, "currency mismatch"},
		{"two prices", Problem{Merchants: infos, Items: []Item{{Quantity: 1, Offers: []Offer{{Merchant: "a", SKU: "X", UnitPrice: y(1)}, {Merchant: "a", SKU: "X", UnitPrice: y(2)}}}}}, "listed at both"},
		{"overflow", Problem{Merchants: infos, Items: []Item{{Quantity: 1000, Offers: []Offer{{Merchant: "a", UnitPrice: skills.M(1<<62, cny)}}}}}, "overflow"},
	}
	for _, c := range cases {
		_, err := Solve(c.p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want error containing %q", c.name, err, c.want)
		}
	}
	if _, err := Solve(Problem{Merchants: infos, Items: []Item{{Quantity: 1}}}); !errors.Is(err, ErrNoOffers) {
		t.Errorf("ErrNoOffers not matched: %v", err)
	}
}

func TestOverBudget(t *testing.T) {
	infos := map[string]skills.MerchantInfo{"a": {ID: "a", Currency: cny}}
	sol, err := Solve(Problem{Merchants: infos, Budget: yp(5), Items: []Item{{Quantity: 2, Offers: []Offer{{Merchant: "a", SKU: "X", UnitPrice: y(3)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if sol.WithinBudget || !strings.Contains(strings.Join(sol.Explanation, " "), "exceeds the budget") {
		t.Fatalf("within %v: %v", sol.WithinBudget, sol.Explanation)
	}
}

func TestCapMakesInexact(t *testing.T) {
	infos := map[string]skills.MerchantInfo{"a": {ID: "a", Currency: cny, Shipping: skills.Shipping{Fee: y(10), FreeOver: yp(20)}}}
	it := Item{Quantity: 1}
	for i := 0; i < 5; i++ {
		it.Offers = append(it.Offers, Offer{Merchant: "a", SKU: fmt.Sprint(i), UnitPrice: y(float64(15 + i))})
	}
	sol, err := Solve(Problem{Merchants: infos, Items: []Item{it}, MaxPerMerchant: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Exact {
		t.Fatal("cap dropped candidates within D(m) but Exact is true")
	}
}

func BenchmarkSolve(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	ps := make([]Problem, 64)
	for i := range ps {
		ps[i] = randomProblem(r)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Solve(ps[i%len(ps)]); err != nil {
			b.Fatal(err)
		}
	}
}
