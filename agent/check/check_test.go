package check

import (
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// world is a small catalog in two domains, with words that collide.
var world = []skills.Product{
	{Merchant: "m", SKU: "VAC-CORDLESS", Title: "Dyna Stick Vacuum", Category: "floorcare", Brand: "Dyna", Price: skills.M(19900, "EUR"),
		Attributes: map[string]string{"power": "cordless", "capacity": "750ml"}},
	{Merchant: "m", SKU: "VAC-CORDED", Title: "Dyna Upright Vacuum", Category: "floorcare", Brand: "Dyna", Price: skills.M(9900, "EUR"),
		Attributes: map[string]string{"power": "corded", "capacity": "1.5 l"}},
	{Merchant: "m", SKU: "DET-FREE", Title: "Clean Laundry Detergent 2L", Category: "laundry", Brand: "Clean", Price: skills.M(899, "EUR"),
		Attributes: map[string]string{"scent": "fragrance-free"}},
	{Merchant: "m", SKU: "DET-SCENT", Title: "Clean Laundry Detergent 2L Spring", Category: "laundry", Brand: "Clean", Price: skills.M(799, "EUR"),
		Attributes: map[string]string{"scent": "scented"}},
	{Merchant: "m", SKU: "PAN-IND", Title: "Steel Saucepan 20cm", Category: "cookware", Brand: "Forge", Price: skills.M(3900, "EUR"),
		Attributes: map[string]string{"hob": "induction"}},
	{Merchant: "m", SKU: "PAN-GAS", Title: "Alu Saucepan 20cm", Category: "cookware", Brand: "Forge", Price: skills.M(1900, "EUR"),
		Attributes: map[string]string{"hob": "gas"}},
	{Merchant: "m", SKU: "VIT-60", Title: "Vitamin C 500 mg (60 ct)", Category: "health", Brand: "Well", Price: skills.M(999, "EUR"),
		Attributes: map[string]string{"form": "tablet"}},
	{Merchant: "m", SKU: "VIT-100", Title: "Vitamin C 500 mg, 100 ct bottle", Category: "health", Brand: "Well", Price: skills.M(1299, "EUR"),
		Attributes: map[string]string{"form": "tablet"}},
	{Merchant: "m", SKU: "TEA-L", Title: "Black Tea (Large)", Category: "tea", Brand: "Leaf", Price: skills.M(1100, "EUR"),
		Attributes: map[string]string{"size": "large", "drink": "black tea"}},
	{Merchant: "m", SKU: "SHAKE-STRAW", Title: "Protein Shake", Category: "health", Brand: "Well", Price: skills.M(2500, "EUR"),
		Attributes: map[string]string{"flavor": "strawberry", "form": "powder"}},
	{Merchant: "m", SKU: "SHAKE-VAN", Title: "Protein Shake", Category: "health", Brand: "Well", Price: skills.M(2200, "EUR"),
		Attributes: map[string]string{"flavor": "vanilla", "form": "powder"}},
	{Merchant: "m", SKU: "TEE-RED-M", Title: "Tee (Red, M)", Category: "apparel", Brand: "Tee Co", Price: skills.M(1500, "EUR"),
		Attributes: map[string]string{"color": "red", "size": "m"}},
	{Merchant: "m", SKU: "TEE-BLUE-L", Title: "Tee (Blue, L)", Category: "apparel", Brand: "Tee Co", Price: skills.M(1500, "EUR"),
		Attributes: map[string]string{"color": "blue", "size": "l"}},
	{Merchant: "m", SKU: "LIT-LAV", Title: "Soya Cat Litter Lavender 7L", Category: "litter", Brand: "Kit", Price: skills.M(379, "EUR"),
		Attributes: map[string]string{"scent": "lavender"}},
	{Merchant: "m", SKU: "LIT-UNS", Title: "Soya Cat Litter Original 7L", Category: "litter", Brand: "Kit", Price: skills.M(399, "EUR"),
		Attributes: map[string]string{"scent": "unscented"}},
	{Merchant: "m", SKU: "SHOE-38", Title: "Runner Shoe", Category: "shoes", Brand: "Stride", Price: skills.M(6000, "EUR"),
		Attributes: map[string]string{"size": "eu:38"}},
}

func sku(id string) skills.Product {
	for _, p := range world {
		if p.SKU == id {
			return p
		}
	}
	panic(id)
}

func catalog() *Catalog {
	return NewCatalog(planner.Vocabulary{Merchants: map[string]string{"m": "Main Street"}}, world)
}

func TestCheck(t *testing.T) {
	cat := catalog()
	cases := []struct {
		name    string
		request string
		item    planner.ItemSpec
		sku     string
		want    string // outcome
		detail  string // a word the summary must contain
	}{
		// the planner dropped the attribute: the request text still holds it
		{"dropped attribute after the noun", "a saucepan that works on induction", planner.ItemSpec{Query: "saucepan"}, "PAN-GAS", Refuse, "hob = gas"},
		{"dropped attribute, right product", "a saucepan that works on induction", planner.ItemSpec{Query: "saucepan"}, "PAN-IND", Pass, ""},
		{"negated alternative", "detergent – FRAGRANCE FREE, not the scented one", planner.ItemSpec{Query: "detergent"}, "DET-SCENT", Refuse, "scented"},
		{"negated alternative, right product", "detergent – FRAGRANCE FREE, not the scented one", planner.ItemSpec{Query: "detergent"}, "DET-FREE", Pass, ""},
		{"cordless vs corded", "a cordless vacuum", planner.ItemSpec{Query: "vacuum"}, "VAC-CORDED", Refuse, "power = corded"},
		{"measure notation", "a cordless vacuum, 0.75 L bin", planner.ItemSpec{Query: "vacuum"}, "VAC-CORDLESS", Pass, ""},
		{"measure conflict", "a vacuum with a 750 ml bin", planner.ItemSpec{Query: "vacuum"}, "VAC-CORDED", Refuse, "1.5 l"},
		{"pack count is not a quantity", "vitamin c, 100 ct bottle", planner.ItemSpec{Query: "vitamin c", Quantity: 100}, "VIT-60", Refuse, "60 ct"},
		{"pack count right", "vitamin c, 100 ct bottle", planner.ItemSpec{Query: "vitamin c", Quantity: 1}, "VIT-100", Pass, ""},
		{"the item itself", "a large pepperoni pizza", planner.ItemSpec{Query: "large pepperoni pizza", Attributes: map[string]string{"size": "large"}}, "TEA-L", Refuse, "pizza"},
		{"flavor conflict", "strawberry protein shake", planner.ItemSpec{Query: "protein shake"}, "SHAKE-VAN", Refuse, "flavor = vanilla"},
		{"she won't drink the vanilla one", "protein shake, she won't drink the vanilla one", planner.ItemSpec{Query: "protein shake"}, "SHAKE-VAN", Refuse, "vanilla"},
		{"alternatives allowed", "a red or blue tee", planner.ItemSpec{Query: "tee"}, "TEE-BLUE-L", Pass, ""},
		{"size notation", "a red tee size M", planner.ItemSpec{Query: "tee"}, "TEE-RED-M", Pass, ""},
		{"size conflict", "a tee, size L, red", planner.ItemSpec{Query: "tee"}, "TEE-RED-M", Refuse, "size = m"},
		{"eu size", "runner shoe EU 38", planner.ItemSpec{Query: "runner shoe"}, "SHOE-38", Pass, ""},
		{"eu size conflict", "runner shoe eu:40", planner.ItemSpec{Query: "runner shoe"}, "SHOE-38", Refuse, "eu:38"},
		{"filler, quantities, budget, merchant", "please get me two red tees from Main Street, under 40 euros in total", planner.ItemSpec{Query: "red tee", Quantity: 2}, "TEE-RED-M", Pass, ""},
		{"price floor", "a tee", planner.ItemSpec{Query: "tee", MinUnitPrice: &skills.Money{Minor: 2000, Currency: "EUR"}}, "TEE-RED-M", Refuse, "at least"},
		{"brand named, another brand", "a Forge saucepan", planner.ItemSpec{Query: "saucepan"}, "VAC-CORDED", Refuse, "brand Dyna"},
		{"planner hard unknown word", "a tee", planner.ItemSpec{Query: "tee", Accounting: []planner.Span{{Text: "organic", Role: planner.RoleUnknown, Hard: true}}}, "TEE-RED-M", Confirm, "organic"},
		{"accounting attribute", "a tee", planner.ItemSpec{Query: "tee", Accounting: []planner.Span{{Text: "blue", Role: planner.RoleAttribute, Key: "color", Value: "blue", Hard: true}}}, "TEE-RED-M", Refuse, "color = red"},
		{"not the scented one, the catalog says unscented", "litter, not the scented one", planner.ItemSpec{Query: "litter"}, "LIT-LAV", Refuse, "scent = lavender"},
		{"not the scented one, unscented bought", "litter, not the scented one", planner.ItemSpec{Query: "litter"}, "LIT-UNS", Pass, ""},
		{"accounting item", "the thing", planner.ItemSpec{Query: "thing", Accounting: []planner.Span{{Text: "umbrella", Role: planner.RoleItem, Hard: true}}}, "TEE-RED-M", Refuse, "umbrella"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.item.Quantity == 0 {
				c.item.Quantity = 1
			}
			req := Request{Text: c.request, Items: []planner.ItemSpec{c.item}}
			v := Check(req, sku(c.sku), cat)
			if v.Outcome != c.want || !strings.Contains(v.Summary(), c.detail) {
				t.Errorf("%q on %s: %s (%s), want %s containing %q\n%+v", c.request, c.sku, v.Outcome, v.Summary(), c.want, c.detail, v.Requirements)
			}
		})
	}
}

// TestDescriptionIsUntrusted: evidence only in the merchant's description
// asks, never passes silently.
func TestDescriptionIsUntrusted(t *testing.T) {
	p := sku("PAN-GAS")
	p.Attributes = nil
	p.Description = "Works on induction hobs!"
	v := Check(Request{Text: "a saucepan that works on induction", Items: []planner.ItemSpec{{Query: "saucepan", Quantity: 1}}}, p, catalog())
	if v.Outcome != Confirm {
		t.Fatalf("%s: %s", v.Outcome, v.Summary())
	}
}

// TestMultiItemSegments: each item is checked against its own words.
func TestMultiItemSegments(t *testing.T) {
	items := []planner.ItemSpec{{Query: "cordless vacuum", Quantity: 1}, {Query: "saucepan", Quantity: 1}}
	req := Request{Text: "a cordless vacuum and an induction saucepan", Items: items, Item: 1}
	if v := Check(req, sku("PAN-IND"), catalog()); v.Outcome != Pass {
		t.Fatalf("saucepan: %s %s", v.Outcome, v.Summary())
	}
	req.Item = 0
	if v := Check(req, sku("VAC-CORDLESS"), catalog()); v.Outcome != Pass {
		t.Fatalf("vacuum: %s %s", v.Outcome, v.Summary())
	}
	if v := Check(req, sku("VAC-CORDED"), catalog()); v.Outcome != Refuse {
		t.Fatalf("corded vacuum: %s %s", v.Outcome, v.Summary())
	}
}

// BenchmarkCheck is the check's cost per purchase line: one product
// against a request with attributes, a measure and a negation, on a
// catalog built once per run.
func BenchmarkCheck(b *testing.B) {
	cat := catalog()
	req := Request{Text: "a cordless vacuum with a 750 ml bin, not the corded one, under 250 euros",
		Items: []planner.ItemSpec{{Query: "cordless vacuum", Quantity: 1, Attributes: map[string]string{"power": "cordless"}}}}
	p := sku("VAC-CORDLESS")
	b.ReportAllocs()
	for b.Loop() {
		if v := Check(req, p, cat); v.Outcome != Pass {
			b.Fatal(v.Summary())
		}
	}
}

// TestNumbersPricesQuantities: price floors and ranges, years and model
// numbers, and quantities read from measures, all re-read from the text.
func TestNumbersPricesQuantities(t *testing.T) {
	cooker := skills.Product{Merchant: "a", SKU: "RC", Title: "Rice Cooker 1.8L, Basic", Category: "kitchen", Price: skills.M(129900, "PHP"),
		Attributes: map[string]string{"type": "rice cooker", "capacity": "1.8 l"}}
	pen := func(price int64) skills.Product {
		return skills.Product{Merchant: "p", SKU: "FP", Title: "Fountain Pen, Fine Nib", Category: "pens", Price: skills.M(price, "USD"),
			Attributes: map[string]string{"type": "fountain pen", "nib": "fine"}}
	}
	filter := func(years string) skills.Product {
		return skills.Product{Merchant: "c", SKU: "CF", Title: "Cabin Air Filter - Honda Civic " + years, Category: "auto", Price: skills.M(1199, "USD"),
			Attributes: map[string]string{"type": "cabin air filter"}}
	}
	micellar := skills.Product{Merchant: "d", SKU: "M8", Title: "Micellar Water 8 fl oz", Category: "beauty", Price: skills.M(849, "USD"),
		Attributes: map[string]string{"type": "micellar water", "volume": "8 fl oz"}}
	cases := []struct {
		text string
		item planner.ItemSpec
		p    skills.Product
		want string
	}{
		{"a 1.8 L rice cooker, priced above ₱2,000", planner.ItemSpec{Query: "rice cooker"}, cooker, Refuse},
		{"a 1.8 L rice cooker, priced above ₱1,000", planner.ItemSpec{Query: "rice cooker"}, cooker, Pass},
		{"a 1.8 L rice cooker, no more than 2000 pesos", planner.ItemSpec{Query: "rice cooker"}, cooker, Pass},
		{"a fountain pen between $20 and $60, fine nib", planner.ItemSpec{Query: "fountain pen"}, pen(1400), Refuse},
		{"a fountain pen between $20 and $60, fine nib", planner.ItemSpec{Query: "fountain pen"}, pen(2500), Pass},
		{"a fountain pen from 20 to 60", planner.ItemSpec{Query: "fountain pen"}, pen(7000), Refuse},
		{"a cabin air filter for a 2019 Honda Civic", planner.ItemSpec{Query: "cabin air filter"}, filter("2012-2015"), Refuse},
		{"a cabin air filter for a 2019 Honda Civic", planner.ItemSpec{Query: "cabin air filter"}, filter("2016-2021"), Pass},
		{"micellar water, the 8 fl oz bottle", planner.ItemSpec{Query: "micellar water", Quantity: 8}, micellar, Refuse},
		{"8 bottles of micellar water, 8 fl oz", planner.ItemSpec{Query: "micellar water", Quantity: 8}, micellar, Pass},
		{"micellar water", planner.ItemSpec{Query: "micellar water", Quantity: 40}, micellar, Confirm},
	}
	for _, c := range cases {
		if c.item.Quantity == 0 {
			c.item.Quantity = 1
		}
		all := []skills.Product{cooker, pen(1400), filter("2012-2015"), micellar}
		v := Check(Request{Text: c.text, Items: []planner.ItemSpec{c.item}}, c.p, NewCatalog(planner.Vocabulary{}, all))
		if v.Outcome != c.want {
			t.Errorf("%q on %q: %s (%s), want %s", c.text, c.p.Title, v.Outcome, v.Summary(), c.want)
		}
	}
}

// A size said in one notation is evidenced by the catalog's other one.
func TestSizeNotation(t *testing.T) {
	p := skills.Product{Merchant: "m", SKU: "G-M", Title: "Work Gloves Leather, Medium", Category: "safety",
		Price: skills.M(14000, "PHP"), Stock: 9, Attributes: map[string]string{"size": "medium", "material": "leather"}}
	it := planner.ItemSpec{Query: "work gloves", Category: "safety", Quantity: 2, RequireTerms: []string{"work", "size m"}}
	in := planner.Intent{Request: "work gloves sz M, two pairs", Items: []planner.ItemSpec{it}, Currency: "PHP"}
	v := Check(For(in, 0), p, NewCatalog(planner.Vocabulary{}, []skills.Product{p}))
	for _, r := range v.Requirements {
		if r.Text == "size m" && r.Status != Evidenced {
			t.Fatalf("size m on a medium product: %+v", r)
		}
	}
	large := p
	large.SKU, large.Title, large.Attributes = "G-L", "Work Gloves Leather, Large", map[string]string{"size": "large", "material": "leather"}
	if v := Check(For(in, 0), large, NewCatalog(planner.Vocabulary{}, []skills.Product{p, large})); v.Outcome == Pass {
		t.Fatalf("size large passed for size M: %+v", v.Requirements)
	}
}
