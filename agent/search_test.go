package agent

import (
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

func TestRestrictBySort(t *testing.T) {
	offer := func(item int, merchant, sku string, rating float64, accepted bool) Considered {
		return Considered{Item: item, Accepted: accepted, Rank: -1,
			Product: skills.Product{Merchant: merchant, SKU: sku, Rating: rating,
				Price: skills.Money{Minor: 1000, Currency: "CNY"}}}
	}
	base := func() []Considered {
		return []Considered{
			offer(0, "a", "A1", 4.9, true),
			offer(0, "b", "B1", 4.9, true),  // tie on rating: kept
			offer(0, "c", "C1", 4.2, true),  // lower rated
			offer(0, "c", "C2", 5.0, false), // rejected by a hard constraint: never revived, never counted
			offer(1, "c", "C3", 3.5, true),  // the only offer of item 1: kept
		}
	}
	eta := map[string]int{"a": 3, "b": 1, "c": 1}
	cases := []struct {
		sort     string
		accepted []string
		explain  int
	}{
		{planner.SortCheapest, []string{"A1", "B1", "C1", "C3"}, 0},
		{"", []string{"A1", "B1", "C1", "C3"}, 0},
		{planner.SortRating, []string{"A1", "B1", "C3"}, 1},
		{planner.SortFastest, []string{"B1", "C1", "C3"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.sort, func(t *testing.T) {
			cs := base()
			lines := restrictBySort(tc.sort, cs, func(m string) int { return eta[m] })
			var got []string
			for _, c := range cs {
				if c.Accepted {
					got = append(got, c.Product.SKU)
				} else if c.Product.SKU != "C2" && c.Reason == "" {
					t.Errorf("%s set aside without a reason", c.Product.SKU)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.accepted, ",") {
				t.Errorf("accepted %v, want %v", got, tc.accepted)
			}
			if len(lines) != tc.explain {
				t.Errorf("explanations %q, want %d", lines, tc.explain)
			}
		})
	}
}

func TestFitPacks(t *testing.T) {
	p := func(item int, sku, title, pack string, price int64) Considered {
		attrs := map[string]string{}
		if pack != "" {
			attrs["pack"] = pack
		}
		return Considered{Item: item, Accepted: true, Rank: -1, Product: skills.Product{Merchant: "m", SKU: sku,
			Title: title, Attributes: attrs, Price: skills.Money{Minor: price, Currency: "CNY"}}}
	}
	eggs := func() []Considered {
		return []Considered{p(0, "E10", "Free-Range Eggs (10)", "10-pack", 1680), p(0, "E30", "Farm Fresh Eggs (30)", "30-pack", 3290)}
	}
	milk := func() []Considered {
		return []Considered{
			p(0, "M1L", "Yili Skim Milk 1L", "1l", 1350),
			p(0, "M950", "Bright Dairy Fresh Milk 950ml", "950ml", 1690),
			p(0, "M2L", "Big Milk 2L", "2l", 2600), // 1 × 2 L (26.00) beats 2 × 1 L (27.00)
			p(1, "OTHER", "Other item", "", 100),   // another item: untouched
		}
	}
	cases := []struct {
		name     string
		m        planner.Measure
		cs       []Considered
		packs    int64
		accepted []string
		options  []string
	}{
		{"dozen eggs in tens and thirties asks", planner.Measure{Value: 12, Unit: planner.UnitEach, Said: "a dozen"}, eggs(), 0,
			[]string{"E10", "E30"}, []string{"1 pack of 10", "2 packs of 10", "1 pack of 30"}},
		{"twenty eggs", planner.Measure{Value: 20, Unit: planner.UnitEach, Said: "20 eggs"}, eggs(), 2, []string{"E10"}, nil},
		{"sixty eggs: 6 × 10 or 2 × 30, the cheaper", planner.Measure{Value: 60, Unit: planner.UnitEach, Said: "60 eggs"}, eggs(), 2, []string{"E30"}, nil},
		{"two litres: the cheapest exact fit", planner.Measure{Value: 2000, Unit: planner.UnitML, Said: "2 liters"}, milk(), 1, []string{"M2L", "OTHER"}, nil},
		{"three bottles of water in 24s asks", planner.Measure{Value: 3, Unit: planner.UnitEach, Said: "3 bottles"},
			[]Considered{p(0, "W24", "Nongfu Spring Water 550ml x 24", "24-pack", 2690)}, 0, []string{"W24"}, []string{"1 pack of 24"}},
		{"a single bottle exists", planner.Measure{Value: 3, Unit: planner.UnitEach, Said: "3 bottles"},
			[]Considered{p(0, "W24", "Nongfu Spring Water 550ml x 24", "24-pack", 2690), p(0, "W1", "Water 550ml", "1-bottle", 200)}, 3, []string{"W1"}, nil},
		{"no size stated for a volume: set aside", planner.Measure{Value: 1000, Unit: planner.UnitML, Said: "1 liter"},
			[]Considered{p(0, "X", "Milk", "", 100)}, 0, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			packs, opts := fitPacks(tc.m, 0, tc.cs)
			if packs != tc.packs {
				t.Errorf("packs %d, want %d", packs, tc.packs)
			}
			var got, labels []string
			for _, c := range tc.cs {
				if c.Accepted {
					got = append(got, c.Product.SKU)
				} else if c.Reason == "" {
					t.Errorf("%s set aside without a reason", c.Product.SKU)
				}
			}
			for _, o := range opts {
				labels = append(labels, o.String())
			}
			if strings.Join(got, ",") != strings.Join(tc.accepted, ",") {
				t.Errorf("accepted %v, want %v", got, tc.accepted)
			}
			if strings.Join(labels, ",") != strings.Join(tc.options, ",") {
				t.Errorf("options %q, want %q", labels, tc.options)
			}
		})
	}
}

func TestPickPack(t *testing.T) {
	opts := []packChoice{{1, "10"}, {2, "10"}, {12, "10"}, {1, "30"}}
	for _, tc := range []struct {
		ans  string
		want string // "" no choice
	}{
		{"2 packs of 10", "2 packs of 10"},
		{"12 packs of 10 please", "12 packs of 10"},
		{"1 Pack of 30", "1 pack of 30"},
		{"4", "1 pack of 30"},
		{"", ""},
		{"whatever is cheapest", ""},
		{"3 packs of 10", ""},
	} {
		got, ok := pickPack(tc.ans, opts)
		if tc.want == "" {
			if ok {
				t.Errorf("pickPack(%q) = %s, want no choice", tc.ans, got)
			}
			continue
		}
		if !ok || got.String() != tc.want {
			t.Errorf("pickPack(%q) = %s (%v), want %s", tc.ans, got, ok, tc.want)
		}
	}
}
