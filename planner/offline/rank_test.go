package offline

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

func prod(merchant, sku, title, brand string, price int64, rating float64, attrs map[string]string) skills.Product {
	return skills.Product{Merchant: merchant, SKU: sku, Title: title, Brand: brand, Category: "apparel",
		Price: skills.M(price, "CNY"), Stock: 10, Rating: rating, Attributes: attrs}
}

func skus(rs []planner.Ranked) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Offer.Product.SKU
	}
	return out
}

func TestRank(t *testing.T) {
	p := New(Config{})
	offers := []planner.Offer{
		{Product: prod("threadline", "TL-HOOD-L", "Hoodie (Black, L)", "Threadline", 19900, 4.1, map[string]string{"size": "l", "color": "black"}), ETADays: 3},
		{Product: prod("megamart", "MM-HOOD-M", "Hoodie (Grey, M)", "MegaMart Basics", 12900, 3.6, map[string]string{"size": "m", "color": "grey"}), ETADays: 1},
		{Product: prod("threadline", "TL-HOOD-M", "Hoodie (Black, M)", "Threadline", 19900, 4.8, map[string]string{"size": "m", "color": "black"}), ETADays: 3},
		{Product: prod("megamart", "MM-HOOD-S", "Hoodie (Grey, S)", "MegaMart Basics", 9900, 3.9, map[string]string{"size": "s", "color": "grey"}), ETADays: 1},
	}
	memory := []planner.MemoryItem{
		{ID: "pref-size", Kind: "preference", Text: "I wear size M"},
		{ID: "pref-brand", Kind: "preference", Text: "I like Threadline"},
		{ID: "hist-1", Kind: "history", Text: "Last time I bought the Hoodie (Grey, S) and didn't like it"},
	}
	item := planner.ItemSpec{Query: "hoodie", Category: "apparel", Quantity: 1,
		Prefer: map[string]string{"size": "m"}, PreferBrands: []string{"Threadline"}}
	cases := []struct {
		name   string
		sort   string
		memory []planner.MemoryItem
		item   planner.ItemSpec
		want   []string
		source map[string]string // sku → Source
	}{
		{name: "no preferences: cheapest first", sort: planner.SortCheapest, item: planner.ItemSpec{Query: "hoodie", Quantity: 1},
			want: []string{"MM-HOOD-S", "MM-HOOD-M", "TL-HOOD-L", "TL-HOOD-M"}},
		{name: "fastest", sort: planner.SortFastest, item: planner.ItemSpec{Query: "hoodie", Quantity: 1},
			want: []string{"MM-HOOD-S", "MM-HOOD-M", "TL-HOOD-L", "TL-HOOD-M"}},
		{name: "rating", sort: planner.SortRating, item: planner.ItemSpec{Query: "hoodie", Quantity: 1},
			want: []string{"TL-HOOD-M", "TL-HOOD-L", "MM-HOOD-S", "MM-HOOD-M"}},
		{name: "preferences and memory", sort: planner.SortCheapest, memory: memory, item: item,
			want:   []string{"TL-HOOD-M", "MM-HOOD-M", "TL-HOOD-L", "MM-HOOD-S"},
			source: map[string]string{"TL-HOOD-M": "pref-size", "MM-HOOD-M": "pref-size", "TL-HOOD-L": "pref-brand", "MM-HOOD-S": "hist-1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := planner.Intent{Items: []planner.ItemSpec{c.item}, Sort: c.sort}
			got, err := p.Rank(context.Background(), in, 0, offers, c.memory)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(skus(got), c.want) {
				t.Errorf("order %v, want %v", skus(got), c.want)
				for _, r := range got {
					t.Logf("%s %d %s (%s)", r.Offer.Product.SKU, r.Score, r.Reason, r.Source)
				}
			}
			for _, r := range got {
				if want, ok := c.source[r.Offer.Product.SKU]; ok && r.Source != want {
					t.Errorf("%s: source %q, want %q (%s)", r.Offer.Product.SKU, r.Source, want, r.Reason)
				}
				if r.Reason == "" {
					t.Errorf("%s: no reason", r.Offer.Product.SKU)
				}
			}
			// only a reordering: the same offers, none added or lost
			a, b := skus(got), make([]string, len(offers))
			for i, o := range offers {
				b[i] = o.Product.SKU
			}
			sort.Strings(a)
			sort.Strings(b)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("offers changed: %v vs %v", a, b)
			}
		})
	}
}

func TestRankErrors(t *testing.T) {
	p := New(Config{})
	if _, err := p.Rank(context.Background(), planner.Intent{}, 0, nil, nil); err == nil {
		t.Error("item out of range accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := planner.Intent{Items: []planner.ItemSpec{{Query: "x", Quantity: 1}}}
	if _, err := p.Rank(ctx, in, 0, nil, nil); err == nil {
		t.Error("cancelled context accepted")
	}
	got, err := p.Rank(context.Background(), in, 0, nil, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("empty offers: %v %v", got, err)
	}
}

func TestRankLikedHistory(t *testing.T) {
	p := New(Config{})
	mk := func(sku, title string, price int64) planner.Offer {
		pr := prod("brewhouse", sku, title, "Brew House", price, 4, map[string]string{"milk": "oat"})
		pr.Category = "coffee"
		return planner.Offer{Product: pr}
	}
	offers := []planner.Offer{mk("BH-LAT-OAT-M", "Oat Milk Latte (Medium)", 1600), mk("BH-FW-OAT-S", "Oat Milk Flat White (Small)", 1500)}
	in := planner.Intent{Items: []planner.ItemSpec{{Query: "oat coffee", Quantity: 1}}, Sort: planner.SortCheapest}
	got, err := p.Rank(context.Background(), in, 0, offers, []planner.MemoryItem{{ID: "h", Kind: "history", Text: "I loved the oat milk latte (medium) from Brew House"}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Offer.Product.SKU != "BH-LAT-OAT-M" || got[0].Source != "h" {
		t.Errorf("liked latte not first: %+v", got)
	}
}
