package evals

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills"
)

func builtWorld() *merchants.World {
	return &merchants.World{Currency: "PHP", Seed: 1, Merchants: []*merchants.Merchant{{
		ID: "tindahan", Name: "Tindahan", Interface: merchants.InterfaceAPI,
		Shipping: skills.Shipping{Fee: skills.M(0, "PHP"), ETADays: 2},
		Products: []skills.Product{{Merchant: "tindahan", SKU: "T-1", Title: "Kape 250 g", Category: "coffee",
			Price: skills.M(25000, "PHP"), Stock: 100, Attributes: map[string]string{"weight": "250 g"}}},
	}}}
}

// A built scenario is the loader's value for the same file: defaults
// filled, the world's currency and catalog derived, and it marshals to a
// file that parses back equal.
func TestNewScenarioMatchesLoader(t *testing.T) {
	s, err := NewScenario(Scenario{ID: "kape", Request: "a 250g kape",
		Expect: Expect{Purchase: true, Items: []ExpectedItem{{Match: Match{Category: "coffee", Attributes: map[string]string{"weight": "250 g"}}, Quantity: 1}}}},
		builtWorld())
	if err != nil {
		t.Fatal(err)
	}
	if s.Currency != "PHP" || s.User.ID != "demo" || s.User.Wallet != skills.M(100000, "PHP") || s.Expect.Confirmation != ExpectAny ||
		s.User.Answers.Confirm != ConfirmDeny || s.Catalog == nil || s.DemoWorld {
		t.Fatalf("defaults not filled: %+v", s)
	}
	y, err := MarshalScenario(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("kape.yaml", y)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	if back.ID != s.ID || back.Request != s.Request || back.Currency != s.Currency || len(back.Expect.Items) != 1 ||
		back.World().Merchants[0].Products[0].Price != s.World().Merchants[0].Products[0].Price {
		t.Fatalf("loaded back differently:\n%s", y)
	}
}

// Bad values are refused with the field named, as the loader names them.
func TestNewScenarioRejects(t *testing.T) {
	php := func(v int64) *skills.Money { m := skills.M(v, "PHP"); return &m }
	usd := skills.M(100, "USD")
	for _, tc := range []struct {
		name string
		s    Scenario
		want string
	}{
		{"no id", Scenario{Request: "x", Expect: Expect{Purchase: false}}, "id:"},
		{"no request", Scenario{ID: "a", Expect: Expect{Purchase: false}}, "request: required"},
		{"items missing", Scenario{ID: "a", Request: "x", Expect: Expect{Purchase: true}}, "expect.items: required"},
		{"unknown sku", Scenario{ID: "a", Request: "x", Expect: Expect{Purchase: true, Items: []ExpectedItem{{Match: Match{SKU: "NOPE"}, Quantity: 1}}}}, `expect.items[0].match.sku: no product "NOPE"`},
		{"quantity", Scenario{ID: "a", Request: "x", Expect: Expect{Purchase: true, Items: []ExpectedItem{{Match: Match{SKU: "T-1"}, Quantity: 0}}}}, "expect.items[0].quantity"},
		{"mandate merchant", Scenario{ID: "a", Request: "x", User: User{Mandate: Mandate{Merchants: []string{"elsewhere"}}}, Expect: Expect{}}, `user.mandate.merchants[0]: unknown merchant "elsewhere"`},
		{"currency", Scenario{ID: "a", Request: "x", Expect: Expect{MaxTotal: &usd}}, "expect.max_total"},
		{"empty forbidden", Scenario{ID: "a", Request: "x", Expect: Expect{Forbidden: []Match{{}}}}, "expect.forbidden[0]: empty"},
		{"cheapest without purchase", Scenario{ID: "a", Request: "x", Expect: Expect{CheapestTotal: php(1)}}, "expect.cheapest_total"},
		{"confirm", Scenario{ID: "a", Request: "x", User: User{Answers: Answers{Confirm: "maybe"}}}, "user.answers.confirm"},
	} {
		_, err := NewScenario(tc.s, builtWorld())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want it to name %q", tc.name, err, tc.want)
		}
	}
	if _, err := NewScenario(Scenario{ID: "a", Request: "x"}, nil); err == nil {
		t.Error("nil world accepted")
	}
}

// Every hand-written public scenario (faults, coupons, x402, memory,
// mandates, demo-world ones) survives MarshalScenario → Parse unchanged, so
// --write is faithful to whatever a scenario holds, not only to what the
// generator makes.
func TestMarshalRoundTripsPublicSuites(t *testing.T) {
	n := 0
	for _, dir := range []string{"scenarios", "traps", "everyday"} {
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		ss, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			y, err := MarshalScenario(s)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(s.File, y)
			if err != nil {
				t.Fatalf("%s: marshalled file does not load: %v\n%s", s.File, err, y)
			}
			want := *s
			want.Line = back.Line
			if !reflect.DeepEqual(&want, back) {
				t.Fatalf("%s: loaded back differently:\n%s", s.File, y)
			}
			n++
		}
	}
	if n < 100 {
		t.Fatalf("only %d scenarios round-tripped", n)
	}
}
