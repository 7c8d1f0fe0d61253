package planner

import (
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/skills"
)

func TestAccepts(t *testing.T) {
	cny := func(m int64) *skills.Money { v := skills.M(m, "CNY"); return &v }
	oat := skills.Product{Merchant: "brew", SKU: "L1", Title: "Oat Milk Latte (Large)", Category: "coffee", Brand: "Brew House",
		Price: skills.M(1800, "CNY"), Stock: 5, Attributes: map[string]string{"milk": "oat", "size": "large", "sugar": "none"}}
	cases := []struct {
		name string
		spec ItemSpec
		ok   bool
		why  string
	}{
		{"match", ItemSpec{Category: "Coffee", Quantity: 2, Attributes: map[string]string{"MILK": "Oat"}}, true, ""},
		{"wrong attribute", ItemSpec{Quantity: 1, Attributes: map[string]string{"milk": "whole"}}, false, "milk"},
		{"missing attribute", ItemSpec{Quantity: 1, Attributes: map[string]string{"color": "red"}}, false, "color"},
		{"excluded attribute", ItemSpec{Quantity: 1, ExcludeAttributes: map[string][]string{"milk": {"whole", "oat"}}}, false, "excluded"},
		{"excluded term on a word boundary", ItemSpec{Quantity: 1, ExcludeTerms: []string{"oat"}}, false, "excluded"},
		{"no partial-word exclusion", ItemSpec{Quantity: 1, ExcludeTerms: []string{"lat"}}, true, ""},
		{"brand", ItemSpec{Quantity: 1, Brand: "Other"}, false, "brand"},
		{"excluded brand", ItemSpec{Quantity: 1, ExcludeBrands: []string{"brew house"}}, false, "excluded"},
		{"unit price cap", ItemSpec{Quantity: 1, MaxUnitPrice: cny(1799)}, false, "exceeds"},
		{"unit price cap met", ItemSpec{Quantity: 1, MaxUnitPrice: cny(1800)}, true, ""},
		{"cap in another currency", ItemSpec{Quantity: 1, MaxUnitPrice: &skills.Money{Minor: 9999, Currency: "USD"}}, false, "USD"},
		{"stock", ItemSpec{Quantity: 6}, false, "stock"},
		{"category", ItemSpec{Quantity: 1, Category: "tea"}, false, "category"},
	}
	for _, c := range cases {
		ok, why := c.spec.Accepts(oat)
		if ok != c.ok || (c.why != "" && !strings.Contains(why, c.why)) {
			t.Errorf("%s: Accepts = %v %q, want %v containing %q", c.name, ok, why, c.ok, c.why)
		}
	}
	in := Intent{Items: []ItemSpec{{Quantity: 1}}, Merch: Lists{Deny: []string{"BREW"}}}
	if ok, _ := in.AcceptsIntent(0, oat); ok {
		t.Error("a denied merchant must be rejected")
	}
	in = Intent{Items: []ItemSpec{{Quantity: 1}}, Category: Lists{Allow: []string{"tea"}}}
	if ok, _ := in.AcceptsIntent(0, oat); ok {
		t.Error("a category outside the allow-list must be rejected")
	}
	if ok, _ := (Intent{Items: []ItemSpec{{Quantity: 1}}}).AcceptsIntent(3, oat); ok {
		t.Error("an item index out of range must be rejected")
	}
}

func TestValidate(t *testing.T) {
	neg := skills.M(-1, "CNY")
	bad := []Intent{
		{},
		{Items: []ItemSpec{{Quantity: 1}}},
		{Items: []ItemSpec{{Query: "latte", Quantity: 0}}},
		{Items: []ItemSpec{{Query: "latte", Quantity: 1001}}},
		{Items: []ItemSpec{{Query: "latte", Quantity: 1}}, Budget: &neg},
		{Items: []ItemSpec{{Query: "latte", Quantity: 1}}, Sort: "random"},
		{Clarify: &Clarification{Question: "  "}},
	}
	for i, in := range bad {
		if err := in.Validate(); err == nil {
			t.Errorf("case %d: %+v should not validate", i, in)
		}
	}
	good := Intent{Items: []ItemSpec{{Query: "latte", Quantity: 2}}, Sort: SortRating}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Intent{Clarify: &Clarification{Question: "Which size?"}}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestContainsWord(t *testing.T) {
	for _, c := range []struct {
		hay, term string
		want      bool
	}{
		{"oat milk latte", "milk", true},
		{"oatmilk latte", "milk", false},
		{"no sugar", "sugar", true},
		{"sugarfree", "sugar", false},
		{"sugar", "sugar", true},
		{"a milk-free milk", "milk", true},
		{"", "x", false},
	} {
		if got := ContainsWord(c.hay, c.term); got != c.want {
			t.Errorf("ContainsWord(%q, %q) = %v", c.hay, c.term, got)
		}
	}
}

func TestMergeVocabulary(t *testing.T) {
	v := MergeVocabulary([]skills.MerchantInfo{
		{ID: "a", Name: "A", Currency: "CNY", Categories: []string{"tea", "coffee"}, Attributes: map[string][]string{"size": {"large", "small"}}, Brands: []string{"X"}},
		{ID: "b", Name: "B", Currency: "CNY", Categories: []string{"coffee"}, Attributes: map[string][]string{"size": {"large", "medium"}}},
	})
	if strings.Join(v.Categories, ",") != "coffee,tea" || strings.Join(v.Attributes["size"], ",") != "large,medium,small" ||
		v.Currency != "CNY" || v.Merchants["b"] != "B" || len(v.Brands) != 1 {
		t.Fatalf("%+v", v)
	}
}

func TestAcceptsMinUnitPrice(t *testing.T) {
	floor := skills.Money{Minor: 25000, Currency: "PHP"}
	it := ItemSpec{Query: "rice cooker", Quantity: 1, MinUnitPrice: &floor}
	for _, c := range []struct {
		price skills.Money
		ok    bool
	}{
		{skills.Money{Minor: 24999, Currency: "PHP"}, false},
		{skills.Money{Minor: 25000, Currency: "PHP"}, true},
		{skills.Money{Minor: 90000, Currency: "PHP"}, true},
		{skills.Money{Minor: 90000, Currency: "USD"}, false},
	} {
		ok, why := it.Accepts(skills.Product{Title: "Rice Cooker", Price: c.price, Stock: 5})
		if ok != c.ok {
			t.Errorf("price %s: accepted %v (%s), want %v", c.price, ok, why, c.ok)
		}
	}
	max := skills.Money{Minor: 100, Currency: "PHP"}
	bad := Intent{Items: []ItemSpec{{Query: "x", Quantity: 1, MinUnitPrice: &floor, MaxUnitPrice: &max}}}
	if err := bad.Validate(); err == nil {
		t.Error("Validate accepted a floor above the ceiling")
	}
}

func TestAcceptsSizeInAnotherNotation(t *testing.T) {
	it := ItemSpec{Query: "gloves", Quantity: 1, RequireTerms: []string{"size m"}}
	for size, ok := range map[string]bool{"medium": true, "M": true, "m": true, "large": false, "xl": false} {
		got, why := it.Accepts(skills.Product{Title: "Work Gloves", Stock: 5, Attributes: map[string]string{"size": size}})
		if got != ok {
			t.Errorf("size %q: accepted %v (%s), want %v", size, got, why, ok)
		}
	}
}
