package evals

import (
	"strings"
	"testing"
)

// feeWorld: "p" charges ¥0.50 per search over x402 and sells the oat latte
// at 14.00; "f" is free to search and sells it at 14.80.
const feeWorld = `
world:
  currency: CNY
  merchants:
    - id: p
      x402: {search_fee: "0.50"}
      products:
        - {sku: P-LAT, title: Oat Latte, category: coffee, price: "14.00", attributes: {milk: oat}}
    - id: f
      products:
        - {sku: F-LAT, title: Oat Latte, category: coffee, price: "14.80", attributes: {milk: oat}}
`

func feeScenario(t *testing.T, body string) *Scenario {
	t.Helper()
	s, err := Parse("t.yaml", []byte(body+feeWorld))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return s
}

const feeLattes = `
request: two oat lattes
user: {mandate: {max_total: "29.60"}}
expect:
  purchase: true
  items: [{match: {category: coffee, attributes: {milk: oat}}, quantity: 2}]
`

// x402 fees are data fees: they count toward the max_total caps, but are
// neither a purchase nor money charged without an order, and price
// optimality compares order totals.
func TestGradeX402Fees(t *testing.T) {
	s := feeScenario(t, feeLattes)
	withFees := func(o Outcome, fee string) Outcome { o.Fees = cny(fee); return o }

	// 28.00 + 0.50 = 28.50 ≤ 29.60: completed, optimal on order totals.
	sc := Grade(s, withFees(paid(order(t, s, "p", "", ln{"P-LAT", 2, "14.00", false})), "0.50"), nil)
	if !sc.Completed || sc.WrongPurchase || sc.PriceOptimality == nil || *sc.PriceOptimality != 1 {
		t.Fatalf("fees within the mandate: %+v", sc)
	}
	// 28.00 + 2.00 of fees = 30.00 > 29.60: over the mandate.
	sc = Grade(s, withFees(paid(order(t, s, "p", "", ln{"P-LAT", 2, "14.00", false})), "2.00"), nil)
	if !sc.WrongPurchase || codes(sc.Wrong) != WrongOverMandate || !strings.Contains(sc.Wrong[0].Detail, "x402 fees ¥2.00") {
		t.Fatalf("fees over the mandate: %v", sc.Wrong)
	}
	// Fees alone, nothing bought, purchase not expected: fine within the
	// mandate, a wrong purchase over it; never "charged without an order".
	none := feeScenario(t, "request: just looking\nuser: {mandate: {max_total: \"1.00\"}}\nexpect: {purchase: false}\n")
	if sc := Grade(none, withFees(paid(), "0.50"), nil); !sc.Completed || sc.WrongPurchase {
		t.Fatalf("a fee without a purchase: %+v", sc)
	}
	if sc := Grade(none, withFees(paid(), "1.50"), nil); !sc.WrongPurchase || codes(sc.Wrong) != WrongOverMandate {
		t.Fatalf("fees alone over the mandate: %v", sc.Wrong)
	}
}

func TestExpectFeeBounds(t *testing.T) {
	s := feeScenario(t, feeLattes+"  fees: {min: \"0.50\", max: \"0.50\"}\n")
	o := paid(order(t, s, "p", "", ln{"P-LAT", 2, "14.00", false}))
	o.Fees = cny("0.50")
	if sc := Grade(s, o, nil); !sc.Completed {
		t.Fatalf("fees within the bounds: %+v", sc.Failures)
	}
	for fee, want := range map[string]string{"0.00": "expect.fees.min is ¥0.50", "1.00": "expect.fees.max is ¥0.50"} {
		o.Fees = cny(fee)
		sc := Grade(s, o, nil)
		if sc.Completed || sc.WrongPurchase || !strings.Contains(codes(sc.Failures), FailFees) || !strings.Contains(sc.Failures[0].Detail, want) {
			t.Fatalf("fees %s: %+v", fee, sc)
		}
	}
	for src, want := range map[string]string{
		"  fees: {}\n": "expect.fees: give min, max or both",
		"  fees: {min: \"1.00\", max: \"0.50\"}\n": "expect.fees: min ¥1.00 is above max ¥0.50",
		"  fees: {maximum: \"1.00\"}\n":            "expect.fees.maximum: unknown field",
	} {
		if _, err := Parse("t.yaml", []byte(feeLattes+src+feeWorld)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}

// The exhaustive search keeps order totals as its objective but holds the
// least fees a basket implies against the caps, and drops merchants whose
// fee the mandate cannot pay.
func TestCheapestBasketWithSearchFees(t *testing.T) {
	// p: 28.00 + 0.50 fee ≤ 29.60 → optimum 28.00 (the fee is not in the total).
	opt, err := CheapestBasket(feeScenario(t, feeLattes))
	if err != nil || opt.Total != cny("28.00") || opt.Picks[0].Merchant != "p" {
		t.Fatalf("%+v %v", opt, err)
	}
	// cap 28.20: p's 28.00 + 0.50 no longer fits; f's 29.60 neither → none.
	tight := strings.Replace(feeLattes, `"29.60"`, `"28.20"`, 1)
	if _, err := CheapestBasket(feeScenario(t, tight)); err != ErrNoFeasibleBasket {
		t.Fatalf("tight cap: %v", err)
	}
	// cap 29.60 but categories without x402: p cannot be searched → f.
	cats := strings.Replace(feeLattes, `{max_total: "29.60"}`, `{max_total: "29.60", categories: [coffee]}`, 1)
	if opt, err := CheapestBasket(feeScenario(t, cats)); err != nil || opt.Picks[0].Merchant != "f" || opt.Total != cny("29.60") {
		t.Fatalf("categories without x402: %+v %v", opt, err)
	}
	// with x402 allowed it is p again
	catsX := strings.Replace(feeLattes, `{max_total: "29.60"}`, `{max_total: "29.60", categories: [coffee, x402]}`, 1)
	if opt, err := CheapestBasket(feeScenario(t, catsX)); err != nil || opt.Picks[0].Merchant != "p" {
		t.Fatalf("categories with x402: %+v %v", opt, err)
	}
	// a fee above confirm_above would need confirmation: refused, so f
	conf := strings.Replace(feeLattes, `{max_total: "29.60"}`, `{max_total: "29.60", confirm_above: "0.40"}`, 1)
	if opt, err := CheapestBasket(feeScenario(t, conf)); err != nil || opt.Picks[0].Merchant != "f" {
		t.Fatalf("fee above confirm_above: %+v %v", opt, err)
	}
}
