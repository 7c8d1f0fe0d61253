package worldgen

import "testing"

func TestCupNaming(t *testing.T) {
	for _, tc := range []struct {
		c          cup
		sku, title string
		sugar      string
	}{
		{cup{kind: latte, milk: "oat", size: "large", temp: "hot"}, "LAT-OAT-L", "Oat Milk Latte (Large)", "none"},
		{cup{kind: latte, milk: "whole", size: "small", temp: "iced"}, "ILAT-S", "Iced Latte (Small)", "none"},
		{cup{kind: milkTea, milk: "whole", size: "large", temp: "hot", sugar: "less", sugarInTitle: true}, "MT-L-LS", "Classic Milk Tea (Large, Less Sugar)", "less"},
		{cup{kind: milkTea, milk: "oat", size: "medium", temp: "iced", sugar: "regular", sugarInTitle: true}, "IMT-OAT-M", "Iced Oat Milk Tea (Medium)", "regular"},
		{cup{kind: coldBrew, milk: "none", size: "large", temp: "iced"}, "CB-L", "Cold Brew (Large)", "none"},
	} {
		it := tc.c.item("X")
		if it.code != tc.sku || it.title != tc.title || it.attrs["sugar"] != tc.sugar || it.attrs["milk"] != tc.c.milk {
			t.Errorf("%+v: got %s %q %v, want %s %q sugar=%s", tc.c, it.code, it.title, it.attrs, tc.sku, tc.title, tc.sugar)
		}
	}
}

// TestSolve checks the per-item and exhaustive plans on a world small
// enough to price by hand.
func TestSolve(t *testing.T) {
	x := &Merchant{ID: "x", Shipping: Shipping{Fee: 500, FreeOver: 2500}, Coupons: []Coupon{{"X3", 300, 3000}}}
	y := &Merchant{ID: "y", Shipping: Shipping{Fee: 500}}
	x.Products = []Product{{Title: "A", Price: 1200}, {Title: "B", Price: 1000}}
	y.Products = []Product{{Title: "A", Price: 1100}, {Title: "B", Price: 1100}}
	w := &World{Currency: Currency, Merchants: []*Merchant{x, y}}
	for _, tc := range []struct {
		name          string
		lines         []Want
		perItem, best int64
	}{
		// per item: A@y 11+5=16, B@x 10+5=15 → 31; both at x: 22+5 = 27.
		{"threshold", []Want{{"A", 1}, {"B", 1}}, 3100, 2700},
		// per item: A@y 2×11 + 5 = 27, B@x 10+5 = 15 → 42; both at x: 34 ≥ 30 → −3, free → 31.
		{"coupon", []Want{{"A", 2}, {"B", 1}}, 4200, 3100},
		// a single line: y 11+5=16 vs x 12+5=17 → per-item is already optimal.
		{"single", []Want{{"A", 1}}, 1600, 1600},
	} {
		perItem, best, err := w.Solve(Situation{Name: tc.name, Lines: tc.lines})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if perItem.Total != tc.perItem || best.Total != tc.best {
			t.Errorf("%s: per-item %d, best %d; want %d, %d", tc.name, perItem.Total, best.Total, tc.perItem, tc.best)
		}
	}
	if _, _, err := w.Solve(Situation{Name: "missing", Lines: []Want{{"C", 1}}}); err == nil {
		t.Error("a title nobody sells must be an error")
	}
}
