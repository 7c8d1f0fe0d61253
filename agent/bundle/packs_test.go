package bundle

import "testing"

func TestSizeOfAndPacksFor(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]string
		title string
		value int64
		unit  string
		packs int64 // 0: no exact match
	}{
		{"dozen eggs in tens", map[string]string{"pack": "10-pack"}, "Free-Range Eggs (10)", 12, UnitEach, 0},
		{"twenty eggs in tens", map[string]string{"pack": "10-pack"}, "Free-Range Eggs (10)", 20, UnitEach, 2},
		{"bare pack number", map[string]string{"pack": "10"}, "Eggs", 30, UnitEach, 3},
		{"title only count", nil, "Farm Fresh Eggs (30)", 30, UnitEach, 1},
		{"bottles of water in 24s", map[string]string{"pack": "24-pack"}, "Nongfu Spring Water 550ml x 24", 3, UnitEach, 0},
		{"a single bottle", map[string]string{"pack": "1-bottle"}, "Dettol Original Hand Soap 500ml", 2, UnitEach, 2},
		{"a litre bottle counts as one", map[string]string{"pack": "1l"}, "Yili Skim Milk 1L", 3, UnitEach, 3},
		{"2 litres of 1L", map[string]string{"pack": "1l"}, "Yili Skim Milk 1L", 2000, UnitML, 2},
		{"2 litres of 950ml", map[string]string{"pack": "950ml"}, "Bright Dairy Fresh Milk 950ml", 2000, UnitML, 0},
		{"3 litres of 250ml x 12", map[string]string{"pack": "12-pack"}, "Yili Pure Milk 250ml x 12", 3000, UnitML, 1},
		{"volume attribute", map[string]string{"volume": "1l"}, "Oat Milk 1L", 2000, UnitML, 2},
		{"decimal litres", map[string]string{"pack": "1.8l"}, "Arawana Peanut Oil 1.8L", 3600, UnitML, 2},
		{"kilograms", map[string]string{"pack": "2.5kg"}, "Flour 2.5kg", 5000, UnitG, 2},
		{"grams in the title", nil, "Baby Spinach 300g", 600, UnitG, 2},
		{"volume unknown", nil, "Milk", 1000, UnitML, 0},
		{"no pack at all counts one", nil, "Oat Milk Latte (Large)", 12, UnitEach, 12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := SizeOf(tc.attrs, tc.title)
			n, ok := PacksFor(tc.value, tc.unit, s)
			if tc.packs == 0 {
				if ok {
					t.Fatalf("%+v: %d packs, want no exact match", s, n)
				}
				return
			}
			if !ok || n != tc.packs {
				t.Fatalf("%+v: %d packs (ok %v), want %d", s, n, ok, tc.packs)
			}
		})
	}
}

func TestScaledIsExact(t *testing.T) {
	for _, tc := range []struct {
		num  string
		mult int64
		want int64
		ok   bool
	}{{"1.8", 1000, 1800, true}, {"0.25", 1000, 250, true}, {"2", 1, 2, true}, {"0.0005", 1000, 0, false}, {"x", 1, 0, false}} {
		got, ok := scaled(tc.num, tc.mult)
		if got != tc.want || ok != tc.ok {
			t.Errorf("scaled(%q, %d) = %d, %v; want %d, %v", tc.num, tc.mult, got, ok, tc.want, tc.ok)
		}
	}
}
