package llm

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

func TestStatedAmounts(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"two large oat lattes under 40 yuan", []string{"2", "40"}},
		{"A 500g bag of green tea under 60 yuan", []string{"60"}},
		{"no more than 39.50 in total, 1.8L of oil", []string{"39.50"}},
		{"a 65W charger and a 1m cable for my iPhone16, budget ¥300", []string{"300"}},
		{"Two 6-packs of Coca-Cola, max 1,200 yuan", []string{"1200", "2"}},
		{"两杯燕麦拿铁，40元以内", []string{"40", "2"}},
		{"forty yuan at most", []string{"40"}},
		{"ends with a number 25", []string{"25"}},
		{"version 1.2.3", []string{"1.2", "3"}},
	}
	for _, c := range cases {
		got := statedAmounts(c.text)
		sort.Strings(got)
		sort.Strings(c.want)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("statedAmounts(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	if !amountStated(skills.M(6000, "CNY"), []string{"60"}) || !amountStated(skills.M(3950, "CNY"), []string{"39.50"}) ||
		amountStated(skills.M(60000, "CNY"), []string{"60"}) {
		t.Error("amountStated compares exact minor units")
	}
}

func TestItemGrounded(t *testing.T) {
	cases := []struct {
		said string
		item planner.ItemSpec
		want bool
	}{
		{"Get me two large oat milk lattes", planner.ItemSpec{Query: "oat milk latte"}, true},
		{"Top up my China Mobile number with 100 yuan", planner.ItemSpec{Query: "mobile top-up", Category: "topup"}, true},
		{"Top up my phone\nChina Mobile, 50", planner.ItemSpec{Query: "prepaid credit", Brand: "China Mobile"}, true},
		{"Get me a t-shirt", planner.ItemSpec{Query: "t-shirt"}, true},
		{"Two boxes of tea", planner.ItemSpec{Query: "tea box"}, true},
		{"Buy me a coffee\nA large hot oat milk latte", planner.ItemSpec{Query: "latte"}, true},
		{"Order my usual\nUsually buys Yirgacheffe beans", planner.ItemSpec{Query: "yirgacheffe coffee beans"}, true},
		{"Two large oat milk lattes", planner.ItemSpec{Query: "gift card", Category: "giftcard", Brand: "Gift"}, false},
		{"Two large oat milk lattes", planner.ItemSpec{Query: "the one for me", Category: "giftcard"}, false},
		{"A 500g bag of green tea", planner.ItemSpec{Query: "premium gift box"}, false},
		{"两杯燕麦拿铁", planner.ItemSpec{Query: "oat milk latte"}, true}, // cannot be judged by words
	}
	for _, c := range cases {
		if got := itemGrounded(c.item, c.said); got != c.want {
			t.Errorf("itemGrounded(%+v, %q) = %v, want %v", c.item, c.said, got, c.want)
		}
	}
}

// A model that invents or raises a money limit, or adds an item the person
// did not ask for, is sent back with the reason; a second such answer is a
// clear error (or, with a fallback, the fallback's intent).
func TestUnderstandRejectsUngroundedAnswers(t *testing.T) {
	cases := []struct {
		name, args, want string
	}{
		{"raised budget", `{"items":[{"query":"large oat latte","quantity":2}],"budget":{"amount":"400"}}`,
			"budget.amount: 400 is not an amount the person stated"},
		{"invented budget", `{"items":[{"query":"large oat latte","quantity":2}],"budget":{"amount":"35"}}`,
			"budget.amount: 35 is not an amount the person stated"},
		{"invented unit price", `{"items":[{"query":"large oat latte","quantity":2,"max_unit_price":{"amount":"25"}}]}`,
			"items[0].max_unit_price.amount: 25 is not an amount the person stated"},
		{"extra item", `{"items":[{"query":"large oat latte","quantity":2},{"query":"gift card","category":"tea","quantity":1}]}`,
			`items[1]: "gift card" is nothing the person asked for`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Config{}, intentCall(c.args), intentCall(c.args))
			_, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
			if !errors.Is(err, ErrInvalidOutput) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrInvalidOutput saying %q", err, c.want)
			}
			fb := f.srv.Requests()[1].Messages
			if last := fb[len(fb)-1]; !strings.Contains(last.Content, c.want) {
				t.Errorf("the repair request does not tell the model %q: %s", c.want, last.Content)
			}
		})
	}
	t.Run("amounts from memory and the answer ground", func(t *testing.T) {
		args := `{"items":[{"query":"oat latte","quantity":2}],"budget":{"amount":"45"}}`
		f := newFixture(t, Config{}, intentCall(args))
		in, err := f.p.Understand(context.Background(), planner.Request{Text: "two oat lattes", Answer: "keep it under 45 yuan", Vocabulary: vocab()})
		if err != nil || in.Budget == nil || in.Budget.Minor != 4500 {
			t.Fatalf("intent %+v, err %v", in, err)
		}
	})
}

// Brands, required words and merchant lists narrow what is bought, so a
// model could steer a purchase with them: each must be the person's.
func TestUnderstandRejectsUngroundedNarrowing(t *testing.T) {
	cases := []struct {
		name, args, want string
	}{
		{"brand the person never named", `{"items":[{"query":"large oat latte","quantity":2,"brand":"Arctica"}]}`,
			"items[0].brand: the person did not ask for Arctica"},
		{"required words of the model's own", `{"items":[{"query":"large oat latte","quantity":2,"require_terms":["gold service"]}]}`,
			`items[0].require_terms[0]: "gold service" are not the person's words`},
		{"merchant the person never named", `{"items":[{"query":"large oat latte","quantity":2}],"merchants":{"allow":["cupful"]}}`,
			"merchants.allow[0]: the person did not name cupful"},
		{"merchant ruled out by the model", `{"items":[{"query":"large oat latte","quantity":2}],"merchants":{"deny":["beanery"]}}`,
			"merchants.deny[0]: the person did not name beanery"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Config{}, intentCall(c.args), intentCall(c.args))
			_, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
			if !errors.Is(err, ErrInvalidOutput) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrInvalidOutput saying %q", err, c.want)
			}
		})
	}
	t.Run("named by the person", func(t *testing.T) {
		args := `{"items":[{"query":"oat latte","quantity":2,"brand":"Beanery","require_terms":["oat lattes"]}],"merchants":{"allow":["Beanery Coffee"],"deny":["cupful"]}}`
		f := newFixture(t, Config{}, intentCall(args))
		in, err := f.p.Understand(context.Background(), planner.Request{Text: "two oat lattes from Beanery Coffee, not from Cupful", Vocabulary: vocab()})
		if err != nil || in.Items[0].Brand != "Beanery" || in.Merch.Allow[0] != "beanery" {
			t.Fatalf("intent %+v, err %v", in, err)
		}
	})
	t.Run("a corrected answer says what was rejected", func(t *testing.T) {
		bad := `{"items":[{"query":"large oat latte","quantity":2}],"budget":{"amount":"400"}}`
		f := newFixture(t, Config{}, intentCall(bad), intentCall(latteArgs))
		in, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
		if err != nil || len(in.Notes) == 0 || !strings.Contains(in.Notes[len(in.Notes)-1].Text, "400 is not an amount the person stated") {
			t.Fatalf("intent notes %+v, err %v", in.Notes, err)
		}
	})
}
