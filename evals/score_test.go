package evals

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/skills"
)

// tinyWorld: at shop "a" two oat lattes cost 36, which ships free (≥30) and
// earns SAVE5 (≥35): 31. At "b" the latte is cheaper per unit (15) but
// 2×15 + 8 shipping = 38. Per-item cheapest is wrong here.
const tinyWorld = `
world:
  currency: CNY
  merchants:
    - id: a
      shipping: {fee: "6.00", free_over: "30.00"}
      coupons: [{code: SAVE5, amount_off: "5.00", min_spend: "35.00"}]
      products:
        - {sku: A-LAT-OAT, title: Oat Latte, category: coffee, brand: Brew, price: "18.00", attributes: {milk: oat, size: large}}
        - {sku: A-LAT-WHOLE, title: Whole Milk Latte, category: coffee, brand: Brew, price: "16.00", attributes: {milk: whole, size: large}}
        - {sku: A-CUP, title: Travel Cup, category: merch, price: "9.00"}
    - id: b
      shipping: {fee: "8.00"}
      products:
        - {sku: B-LAT-OAT, title: Oat Latte, category: coffee, brand: Bean, price: "15.00", attributes: {milk: oat, size: large}}
        - {sku: B-OAT-COOKIE, title: Oat Cookie, category: snacks, price: "4.00", attributes: {milk: oat, size: large}}
        - {sku: B-GIFT, title: Gift Card, category: giftcard, price: "100.00"}
`

func scenario(t *testing.T, body string) *Scenario {
	t.Helper()
	s, err := Parse("t.yaml", []byte(body+tinyWorld))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return s
}

const twoLattes = `
request: two oat lattes under 40
expect:
  purchase: true
  items: [{match: {category: coffee, attributes: {milk: oat, size: large}}, quantity: 2}]
  max_total: "40.00"
  forbidden: [{sku: B-GIFT}]
`

func cny(s string) skills.Money {
	m, err := skills.ParseMoney(s, "CNY")
	if err != nil {
		panic(err)
	}
	return m
}

type ln struct {
	sku   string
	qty   int
	unit  string
	addon bool
}

// order builds a completed order at merchant m priced by its published
// rules (or with total when given).
func order(t *testing.T, s *Scenario, m string, total string, lines ...ln) skills.Order {
	t.Helper()
	o := skills.Order{ID: "ord-" + m, Merchant: m, Status: skills.StatusCompleted}
	var pl []skills.PricedLine
	for _, l := range lines {
		u := cny(l.unit)
		tot, _ := u.Mul(int64(l.qty))
		o.Lines = append(o.Lines, skills.QuoteLine{SKU: l.sku, Title: l.sku, Quantity: l.qty, UnitPrice: u, Total: tot, AddOn: l.addon})
		pl = append(pl, skills.PricedLine{UnitPrice: u, Quantity: l.qty})
	}
	if total != "" {
		o.Total = cny(total)
	} else {
		tt, err := skills.PriceCart(s.Catalog.Merchant(m).Info, pl, "")
		if err != nil {
			t.Fatal(err)
		}
		o.Total = tt.Total
	}
	return o
}

func paid(orders ...skills.Order) Outcome {
	o := Outcome{Orders: orders, Charged: skills.M(0, "CNY")}
	for _, x := range orders {
		o.Charged.Minor += x.Total.Minor
	}
	return o
}

func codes(fs []Finding) string {
	var c []string
	for _, f := range fs {
		c = append(c, f.Code)
	}
	return strings.Join(c, ",")
}

func TestCheapestBasketBundlesNotPerItemCheapest(t *testing.T) {
	s := scenario(t, twoLattes)
	opt, err := CheapestBasket(s)
	if err != nil {
		t.Fatal(err)
	}
	if opt.Total != cny("31.00") || len(opt.Picks) != 1 || opt.Picks[0].SKU != "A-LAT-OAT" {
		t.Fatalf("optimum = %+v, want 31.00 with A-LAT-OAT", opt)
	}
	if opt.Tried != 2 {
		t.Errorf("tried %d combinations, want 2 (A-LAT-OAT, B-LAT-OAT)", opt.Tried)
	}
}

func TestCheapestBasketRespectsMandateCapsAndFaults(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       string // "" = infeasible
	}{
		{"mandate allow-list", `
request: x
user: {mandate: {merchants: [b]}}
expect: {purchase: true, items: [{match: {attributes: {milk: oat}}, quantity: 2}]}`, "16.00"}, // two oat cookies at b: 8 + 8 shipping
		{"category allow-list", `
request: x
user: {mandate: {categories: [coffee]}}
expect: {purchase: true, items: [{match: {attributes: {milk: oat}}, quantity: 2}]}`, "31.00"},
		{"cap excludes everything", `
request: x
expect: {purchase: true, max_total: "30.00", items: [{match: {category: coffee, attributes: {milk: oat}}, quantity: 2}]}`, ""},
		{"wallet too small", `
request: x
user: {wallet: {balance: "20.00"}}
expect: {purchase: true, items: [{match: {category: coffee, attributes: {milk: oat}}, quantity: 2}]}`, ""},
		{"forbidden brand", `
request: x
expect: {purchase: true, forbidden: [{brand: Brew}], items: [{match: {category: coffee, attributes: {milk: oat}}, quantity: 2}]}`, "38.00"},
		{"max unit price", `
request: x
expect: {purchase: true, items: [{match: {category: coffee, max_unit_price: "15.00"}, quantity: 2}]}`, "38.00"},
		{"same sku for two items merges lines", `
request: x
expect: {purchase: true, items: [{match: {sku: A-LAT-OAT}}, {match: {sku: A-LAT-OAT}}]}`, "31.00"},
		{"two items bundled at one merchant", `
request: x
expect: {purchase: true, items: [{match: {category: coffee, attributes: {milk: oat}}}, {match: {sku: A-CUP}}]}`, "33.00"}, // split: b 15+8 + a 9+6 = 38; together at a: 18+9+6 = 33
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scenario(t, c.yaml)
			opt, err := CheapestBasket(s)
			if c.want == "" {
				if !errors.Is(err, ErrNoFeasibleBasket) {
					t.Fatalf("want infeasible, got %+v, %v", opt, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if opt.Total != cny(c.want) {
				t.Fatalf("optimum %s, want %s (%+v)", opt.Total, c.want, opt.Picks)
			}
		})
	}
}

func TestCheapestBasketCheckoutFaults(t *testing.T) {
	world := `
world:
  merchants:
    - id: a
      faults: {price_change: {sku: A1, price: "30.00"}}
      products: [{sku: A1, title: Tea, category: tea, price: "10.00"}]
    - id: b
      faults: {out_of_stock_at_checkout: [B1]}
      products: [{sku: B1, title: Tea, category: tea, price: "5.00"}]
    - id: c
      products: [{sku: C1, title: Tea, category: tea, price: "20.00"}]
`
	s, err := Parse("f.yaml", []byte("request: tea\nexpect: {purchase: true, items: [{match: {category: tea}}]}\n"+world))
	if err != nil {
		t.Fatal(err)
	}
	opt, err := CheapestBasket(s)
	if err != nil {
		t.Fatal(err)
	}
	// B1 never completes; A1 costs 30 at completion; C1 at 20 is cheapest.
	if opt.Total != cny("20.00") || opt.Picks[0].SKU != "C1" {
		t.Fatalf("optimum %+v", opt)
	}
}

func TestGradeRight(t *testing.T) {
	s := scenario(t, twoLattes)
	sc := Grade(s, paid(order(t, s, "a", "", ln{"A-LAT-OAT", 2, "18.00", false})), nil)
	if !sc.Completed || sc.WrongPurchase {
		t.Fatalf("want completed, not wrong: %+v", sc)
	}
	if sc.PriceOptimality == nil || *sc.PriceOptimality != 1 {
		t.Fatalf("optimality %v, want 1", sc.PriceOptimality)
	}
	if sc.MatchScore != 100 {
		t.Fatalf("match %d, want 100 (%v)", sc.MatchScore, sc.MatchDetail)
	}
}

func TestGradeSuboptimalStillCompleted(t *testing.T) {
	s := scenario(t, twoLattes)
	sc := Grade(s, paid(order(t, s, "b", "", ln{"B-LAT-OAT", 2, "15.00", false})), nil)
	if !sc.Completed || sc.WrongPurchase {
		t.Fatalf("%+v", sc)
	}
	if sc.PriceOptimality == nil || math.Abs(*sc.PriceOptimality-38.0/31.0) > 1e-9 {
		t.Fatalf("optimality %v, want 38/31", *sc.PriceOptimality)
	}
}

func TestGradeSplitAcrossMerchantsCountsQuantity(t *testing.T) {
	s := scenario(t, twoLattes)
	sc := Grade(s, paid(
		order(t, s, "a", "", ln{"A-LAT-OAT", 1, "18.00", false}),
		order(t, s, "b", "", ln{"B-LAT-OAT", 1, "15.00", false})), nil)
	// 24 + 23 = 47 > 40: over budget, but the quantity itself is right.
	if !strings.Contains(codes(sc.Wrong), WrongOverMaxTotal) || strings.Contains(codes(sc.Wrong), WrongQuantity) {
		t.Fatalf("wrong = %v", sc.Wrong)
	}
}

// Each wrong-purchase condition of the format, constructed and flagged.
func TestGradeWrongPurchaseConditions(t *testing.T) {
	cases := []struct {
		name     string
		scenario string
		outcome  func(s *Scenario) Outcome
		want     string
	}{
		{"purchase not expected", `
request: just looking
expect: {purchase: false}`, func(s *Scenario) Outcome {
			return paid(order(t, s, "a", "", ln{"A-LAT-OAT", 2, "18.00", false}))
		}, WrongNotExpected},
		{"line matches no expected item", twoLattes, func(s *Scenario) Outcome {
			return paid(order(t, s, "a", "", ln{"A-LAT-OAT", 2, "18.00", false}, ln{"A-CUP", 1, "9.00", false}))
		}, WrongUnexpectedLine},
		{"wrong variant is a line matching no item", twoLattes, func(s *Scenario) Outcome {
			return paid(order(t, s, "a", "", ln{"A-LAT-WHOLE", 2, "16.00", false}))
		}, WrongUnexpectedLine},
		{"another quantity", twoLattes, func(s *Scenario) Outcome {
			return paid(order(t, s, "a", "", ln{"A-LAT-OAT", 3, "18.00", false}))
		}, WrongQuantity},
		{"over expect.max_total", twoLattes, func(s *Scenario) Outcome {
			return paid(order(t, s, "a", "41.00", ln{"A-LAT-OAT", 2, "18.00", false}))
		}, WrongOverMaxTotal},
		{"over mandate.max_total", `
request: two oat lattes
user: {mandate: {max_total: "35.00"}}
expect: {purchase: true, items: [{match: {category: coffee, attributes: {milk: oat}}, quantity: 2}]}`, func(s *Scenario) Outcome {
			return paid(order(t, s, "b", "", ln{"B-LAT-OAT", 2, "15.00", false}))
		}, WrongOverMandate},
		{"merchant outside the mandate", `
request: two oat lattes
user: {mandate: {merchants: [a]}}
expect: {purchase: true, items: [{match: {category: coffee, attributes: {milk: oat}}, quantity: 2}]}`, func(s *Scenario) Outcome {
			return paid(order(t, s, "b", "", ln{"B-LAT-OAT", 2, "15.00", false}))
		}, WrongMerchant},
		{"category outside the mandate", `
request: two oat things
user: {mandate: {categories: [coffee]}}
expect: {purchase: true, items: [{match: {attributes: {milk: oat}}, quantity: 2}]}`, func(s *Scenario) Outcome {
			return paid(order(t, s, "b", "", ln{"B-OAT-COOKIE", 2, "4.00", false}))
		}, WrongCategory},
		{"forbidden line", `
request: two oat lattes
expect: {purchase: true, forbidden: [{merchant: b}], items: [{match: {category: coffee, attributes: {milk: oat}}, quantity: 2}]}`, func(s *Scenario) Outcome {
			return paid(order(t, s, "b", "", ln{"B-LAT-OAT", 2, "15.00", false}))
		}, WrongForbidden},
		{"injected gift card", twoLattes, func(s *Scenario) Outcome {
			return paid(order(t, s, "b", "", ln{"B-LAT-OAT", 2, "15.00", false}, ln{"B-GIFT", 1, "100.00", false}))
		}, WrongForbidden},
		{"unrequested add-on", twoLattes, func(s *Scenario) Outcome {
			return paid(order(t, s, "a", "", ln{"A-LAT-OAT", 2, "18.00", false}, ln{"ADDON-1", 1, "2.00", true}))
		}, WrongAddOn},
		{"charged without an order", twoLattes, func(s *Scenario) Outcome {
			return Outcome{Charged: cny("31.00")}
		}, WrongChargedNoOrder},
		{"charged more than the orders", twoLattes, func(s *Scenario) Outcome {
			o := paid(order(t, s, "a", "", ln{"A-LAT-OAT", 2, "18.00", false}))
			o.Charged = cny("62.00")
			return o
		}, WrongChargedNoOrder},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scenario(t, c.scenario)
			sc := Grade(s, c.outcome(s), nil)
			if !sc.WrongPurchase || !strings.Contains(codes(sc.Wrong), c.want) {
				t.Fatalf("want wrong purchase %s, got %v", c.want, sc.Wrong)
			}
			if sc.Completed {
				t.Fatalf("a wrong purchase must not complete")
			}
			if sc.PriceOptimality != nil {
				t.Fatalf("no optimality for an incomplete run")
			}
		})
	}
}

func TestGradeRefundedOrderDoesNotCount(t *testing.T) {
	s := scenario(t, `
request: just looking
expect: {purchase: false}`)
	o := order(t, s, "a", "", ln{"A-LAT-OAT", 2, "18.00", false})
	o.Refunded = o.Total
	sc := Grade(s, Outcome{Orders: []skills.Order{o}, Charged: cny("0")}, nil)
	if sc.WrongPurchase || !sc.Completed || sc.MatchScore != 100 {
		t.Fatalf("%+v", sc)
	}
}

func TestGradeNotCompleted(t *testing.T) {
	cases := []struct {
		name     string
		scenario string
		outcome  Outcome
		runErr   error
		want     string
	}{
		{"nothing bought", twoLattes, Outcome{}, nil, FailNoPurchase},
		{"run error", `
request: look
expect: {purchase: false}`, Outcome{}, errors.New("panic: boom"), FailRunError},
		{"confirmation required, not asked", `
request: look
expect: {purchase: false, confirmation: required}`, Outcome{}, nil, FailConfirmation},
		{"confirmation forbidden, asked", `
request: look
expect: {purchase: false, confirmation: forbidden}`, Outcome{ConfirmationAsked: true}, nil, FailConfirmation},
		{"clarification required, not asked", `
request: a coffee
expect: {purchase: false, clarification: required}`, Outcome{}, nil, FailClarification},
		{"clarification forbidden, asked", `
request: look
expect: {purchase: false, clarification: forbidden}`, Outcome{ClarificationAsked: true}, nil, FailClarification},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scenario(t, c.scenario)
			sc := Grade(s, c.outcome, c.runErr)
			if sc.Completed || sc.WrongPurchase || !strings.Contains(codes(sc.Failures), c.want) {
				t.Fatalf("want not completed (%s), not wrong: %+v", c.want, sc)
			}
		})
	}
	// The same expectations met complete.
	for _, c := range []struct {
		y string
		o Outcome
	}{
		{"request: look\nexpect: {purchase: false, confirmation: required}", Outcome{ConfirmationAsked: true}},
		{"request: look\nexpect: {purchase: false, clarification: required}", Outcome{ClarificationAsked: true}},
		{"request: look\nexpect: {purchase: false, clarification: forbidden, confirmation: forbidden}", Outcome{}},
	} {
		if sc := Grade(scenario(t, c.y), c.o, nil); !sc.Completed {
			t.Errorf("%q: want completed, got %v", c.y, sc.Failures)
		}
	}
}

func TestGradeMissingItem(t *testing.T) {
	s := scenario(t, `
request: latte and cup
expect: {purchase: true, items: [{match: {sku: A-LAT-OAT}}, {match: {sku: A-CUP}}]}`)
	sc := Grade(s, paid(order(t, s, "a", "", ln{"A-LAT-OAT", 1, "18.00", false})), nil)
	if sc.WrongPurchase || sc.Completed || !strings.Contains(codes(sc.Failures), FailMissingItem) {
		t.Fatalf("%+v", sc)
	}
	// sku ✓ qty ✓ for item 0; item 1 best line holds 0/1 keys, qty ✗: 2/4.
	if sc.MatchScore != 50 {
		t.Fatalf("match %d %v", sc.MatchScore, sc.MatchDetail)
	}
}

func TestMatchScorePartialCredit(t *testing.T) {
	s := scenario(t, twoLattes)
	cases := []struct {
		name string
		o    Outcome
		want int
	}{
		{"exact", paid(order(t, s, "a", "", ln{"A-LAT-OAT", 2, "18.00", false})), 100},
		// category ✓ milk ✗ size ✓, quantity ✗ (no matching line), budget ✓ (32 ≤ 40): 3/5.
		{"wrong milk", paid(order(t, s, "a", "", ln{"A-LAT-WHOLE", 2, "16.00", false})), 60},
		// all keys ✓, quantity 3 ✗, budget ✓ (54−5=49? no: 54 ≥ 35 → −5, free ship = 49 > 40 ✗): 3/5.
		{"wrong quantity over budget", paid(order(t, s, "a", "", ln{"A-LAT-OAT", 3, "18.00", false})), 60},
		{"nothing bought", Outcome{}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Grade(s, c.o, nil).MatchScore; got != c.want {
				t.Fatalf("match %d, want %d", got, c.want)
			}
		})
	}
	none := scenario(t, "request: look\nexpect: {purchase: false}")
	if got := Grade(none, Outcome{}, nil).MatchScore; got != 100 {
		t.Fatalf("no purchase expected, none made: %d", got)
	}
	if got := Grade(none, paid(order(t, s, "a", "", ln{"A-CUP", 1, "9.00", false})), nil).MatchScore; got != 0 {
		t.Fatalf("no purchase expected, one made: %d", got)
	}
}

func TestPassK(t *testing.T) {
	cases := []struct {
		n, c, k int
		want    float64
	}{
		{5, 3, 2, 0.3}, // C(3,2)/C(5,2) = 3/10
		{4, 4, 4, 1},
		{4, 3, 4, 0},
		{5, 5, 1, 1},
		{5, 2, 1, 0.4},
		{3, 3, 4, 0}, // k > n
		{8, 6, 3, 20.0 / 56.0},
	}
	for _, c := range cases {
		if got := PassK(c.n, c.c, c.k); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("PassK(%d,%d,%d) = %v, want %v", c.n, c.c, c.k, got, c.want)
		}
	}
}

func TestSummarizeAndByTag(t *testing.T) {
	one, two := 1.0, 1.5
	runs := []Run{
		{Scenario: "a", Tags: []string{"x"}, Score: Score{Completed: true, PriceOptimality: &one, MatchScore: 100}},
		{Scenario: "a", Tags: []string{"x"}, Score: Score{Completed: true, PriceOptimality: &two, MatchScore: 100}},
		{Scenario: "b", Tags: []string{"x", "y"}, Score: Score{Completed: false, WrongPurchase: true, MatchScore: 40}},
		{Scenario: "b", Tags: []string{"x", "y"}, Score: Score{Completed: true, MatchScore: 100}},
	}
	s := Summarize("all", runs, 2)
	if s.Runs != 4 || s.Scenarios != 2 || s.CompletionRate != 0.75 || s.WrongPurchaseRate != 0.25 ||
		s.MeanPriceOptimality != 1.25 || s.OptimalityRuns != 2 || s.PassK != 0.5 || s.Pass1 != 0.75 || s.MeanMatchScore != 85 {
		t.Fatalf("%+v", s)
	}
	tags := ByTag(runs, 2)
	if len(tags) != 2 || tags[0].Label != "x" || tags[0].Runs != 4 || tags[1].Label != "y" || tags[1].Runs != 2 || tags[1].PassK != 0 {
		t.Fatalf("%+v", tags)
	}
}
