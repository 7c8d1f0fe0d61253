package offline

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// The scenario-format example request, end to end: items, budget, memory
// exclusions and the profile address.
func TestUnderstandScenarioExample(t *testing.T) {
	p := New(Config{})
	in, err := p.Understand(context.Background(), planner.Request{
		Text:       "Get me two large oat milk lattes, under 40 yuan in total",
		Vocabulary: demoVocab(),
		Memory: []planner.MemoryItem{
			{ID: "mem-1", Text: "I am lactose intolerant"},
			{ID: "mem-2", Kind: "profile", Text: "Deliver to 18 Keyuan Rd, Shenzhen"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Items) != 1 {
		t.Fatalf("items %+v", in.Items)
	}
	it := in.Items[0]
	wantAttrs := map[string]string{"drink": "latte", "milk": "oat", "size": "large"}
	if !reflect.DeepEqual(it.Attributes, wantAttrs) || it.Quantity != 2 || it.Category != "coffee" {
		t.Errorf("item %+v", it)
	}
	if in.Budget == nil || *in.Budget != skills.M(4000, "CNY") {
		t.Errorf("budget %v", in.Budget)
	}
	if in.Delivery == nil || in.Delivery.Line1 != "18 Keyuan Rd" || in.Delivery.City != "Shenzhen" {
		t.Errorf("delivery %+v", in.Delivery)
	}
	// the hard filter built from memory rejects a dairy latte and accepts the oat one
	oat := skills.Product{Category: "coffee", Title: "Oat Milk Latte (Large)", Stock: 10, Price: skills.M(1800, "CNY"),
		Attributes: map[string]string{"drink": "latte", "milk": "oat", "size": "large"}}
	whole := oat
	whole.Attributes = map[string]string{"drink": "latte", "milk": "whole", "size": "large"}
	if ok, why := it.Accepts(oat); !ok {
		t.Errorf("oat latte rejected: %s", why)
	}
	if ok, _ := it.Accepts(whole); ok {
		t.Errorf("whole-milk latte accepted")
	}
	sources := map[string]bool{}
	for _, n := range in.Notes {
		sources[n.Source] = true
	}
	if !sources["mem-1"] || !sources["mem-2"] {
		t.Errorf("notes do not cite both memories: %+v", in.Notes)
	}
}

// Same input, same Intent: byte for byte, call after call, and across
// planners.
func TestUnderstandDeterministic(t *testing.T) {
	reqs := []planner.Request{
		{Text: "two large oat lattes and a croissant under 60 yuan, not from megamart, delivered to the office",
			Memory: mem([]string{"profile:Office: 1 Tech Park Rd, Nanshan, Shenzhen", "I'm allergic to nuts", "preference:I like Brew House", "preference:I wear size M"})},
		{Text: "a phone case and a screen protector for my iPhone 16, no Anker or Baseus, best rated"},
		{Text: "a hoodie", Answer: "M"},
		{Text: "a dairy-free, nut-free, gluten-free snack; 3 t-shirts size L under 80 each"},
	}
	for _, r := range reqs {
		r.Vocabulary = demoVocab()
		first, err := New(Config{}).Understand(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			got, err := New(Config{}).Understand(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(first, got) {
				t.Fatalf("%q: run %d differs:\n%+v\n%+v", r.Text, i, first, got)
			}
		}
	}
}

func TestUnderstandErrors(t *testing.T) {
	p := New(Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Understand(ctx, planner.Request{Text: "a latte", Vocabulary: demoVocab()}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	_, err := p.Understand(context.Background(), planner.Request{Text: strings.Repeat("latte ", 1000), Vocabulary: demoVocab()})
	if err == nil || !strings.Contains(err.Error(), "request text") {
		t.Errorf("oversized text: %v", err)
	}
}

// With an empty vocabulary the planner still reads the request (categories
// and attributes it cannot check stay search text).
func TestUnderstandWithoutVocabulary(t *testing.T) {
	in, err := New(Config{}).Understand(context.Background(), planner.Request{Text: "two large oat lattes under 40 yuan"})
	if err != nil {
		t.Fatal(err)
	}
	// no catalog: nothing names a category; the words are searched and
	// must be evidenced
	if in.Clarify != nil || len(in.Items) != 1 || in.Items[0].Quantity != 2 || in.Items[0].Category != "" ||
		len(in.Items[0].RequireTerms) == 0 {
		t.Fatalf("%+v", in)
	}
	if in.Budget == nil || in.Budget.Currency != "CNY" {
		t.Errorf("budget %+v", in.Budget)
	}
	if len(in.Items[0].Attributes) != 0 {
		t.Errorf("attributes without a vocabulary: %v", in.Items[0].Attributes)
	}
}

func TestConfigNouns(t *testing.T) {
	p := New(Config{Nouns: map[string]string{"yoga mat": "household"}})
	in, err := p.Understand(context.Background(), planner.Request{Text: "a yoga mat", Vocabulary: demoVocab()})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Items) != 1 || in.Items[0].Category != "household" {
		t.Fatalf("%+v", in)
	}
	// the default planner does not know the word
	in, _ = New(Config{}).Understand(context.Background(), planner.Request{Text: "a yoga mat", Vocabulary: demoVocab()})
	if len(in.Items) != 1 || in.Items[0].Category != "" {
		t.Fatalf("%+v", in)
	}
}

func TestUnderstandConcurrent(t *testing.T) {
	p := New(Config{})
	done := make(chan planner.Intent, 8)
	for i := 0; i < 8; i++ {
		go func() {
			in, _ := p.Understand(context.Background(), planner.Request{Text: "a hoodie and two iced lattes under 200 yuan", Vocabulary: demoVocab(), Memory: mem([]string{"I wear size L"})})
			done <- in
		}()
	}
	first := <-done
	for i := 1; i < 8; i++ {
		if got := <-done; !reflect.DeepEqual(first, got) {
			t.Fatalf("concurrent results differ")
		}
	}
}

func BenchmarkUnderstand(b *testing.B) {
	p := New(Config{})
	req := planner.Request{
		Text:       "two large oat lattes and a croissant under 60 yuan, not from megamart, delivered to the office",
		Vocabulary: demoVocab(),
		Memory:     mem([]string{"profile:Office: 1 Tech Park Rd, Shenzhen", "I am lactose intolerant", "preference:I like Brew House"}),
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Understand(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// The prepared-vocabulary cache must follow the caller's vocabulary, even
// when the caller changes its maps between calls.
func TestVocabularyCacheFollowsChanges(t *testing.T) {
	p := New(Config{})
	v := demoVocab()
	ask := func() planner.Intent {
		in, err := p.Understand(context.Background(), planner.Request{Text: "a tartan scarf", Vocabulary: v})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	if in := ask(); in.Items[0].Attributes["color"] != "" {
		t.Fatalf("tartan is not a colour yet: %+v", in.Items[0])
	}
	v.Attributes["color"] = append(v.Attributes["color"], "tartan")
	if in := ask(); in.Items[0].Attributes["color"] != "tartan" {
		t.Fatalf("changed vocabulary not used: %+v", in.Items[0])
	}
}

func BenchmarkUnderstandColdVocabulary(b *testing.B) {
	req := planner.Request{Text: "two large oat lattes and a croissant under 60 yuan", Vocabulary: demoVocab()}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Config{}).Understand(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// RequireTerms (planner.ItemSpec) is how the planner makes a word the
// catalog has no attribute for binding: "whole wheat toast" must not buy milk
// toast.
func TestRequireTermsFilter(t *testing.T) {
	in, err := New(Config{}).Understand(context.Background(), planner.Request{Text: "a loaf of Mankattan whole wheat toast", Vocabulary: demoVocab()})
	if err != nil || len(in.Items) != 1 {
		t.Fatalf("%+v %v", in, err)
	}
	it := in.Items[0]
	mk := func(title string) skills.Product {
		return skills.Product{Title: title, Brand: "Mankattan", Category: "groceries", Stock: 5, Price: skills.M(1200, "CNY"),
			Attributes: map[string]string{"type": "bread", "dairy": "no", "gluten": "yes", "nuts": "no", "organic": "no"}}
	}
	if ok, why := it.Accepts(mk("Mankattan Whole Wheat Toast 400g")); !ok {
		t.Errorf("whole wheat toast rejected: %s", why)
	}
	if ok, _ := it.Accepts(mk("Mankattan Milk Toast 400g")); ok {
		t.Errorf("milk toast accepted for whole wheat toast")
	}
}

// A size the request states but no merchant's vocabulary lists (a storefront
// whose Info exposes no sizes) must never be dropped: the cheapest product
// the hard constraints accept is the size asked, never a cheaper size L.
func TestUnlistedSizeNeverBuysWrongSize(t *testing.T) {
	hoodie := func(sku, title string, minor int64, attrs map[string]string) skills.Product {
		a := map[string]string{"type": "hoodie", "color": "black"}
		for k, val := range attrs {
			a[k] = val
		}
		return skills.Product{SKU: sku, Title: title, Brand: "Acme", Category: "apparel", Stock: 5, Price: skills.M(minor, "USD"), Attributes: a}
	}
	products := []skills.Product{
		hoodie("l-attr", "Acme Black Hoodie", 1900, map[string]string{"size": "l"}),
		hoodie("l-title", "Acme Black Hoodie Size L", 1800, nil),
		hoodie("none", "Acme Black Hoodie", 1500, nil),                                             // no size stated anywhere
		hoodie("m-word", "Acme Black Hoodie (Medium-weight)", 1600, map[string]string{"fit": "m"}), // an "m" that is not a size
		hoodie("m-attr", "Acme Black Hoodie", 2500, map[string]string{"size": "M"}),
		hoodie("m-title", "Acme Black Hoodie, Size M", 2600, nil),
	}
	// a storefront whose Info exposes no sizes and no catalog: the words
	// "size M", "in M" (capitals) are still read as the size
	v := planner.Vocabulary{Currency: "USD", Categories: []string{"apparel"}, Brands: []string{"Acme"},
		Attributes: map[string][]string{"color": {"black", "white"}, "type": {"hoodie"}}}
	for _, text := range []string{"a black hoodie size M", "a black hoodie in M", "a size M black hoodie", "a black hoodie, size m please"} {
		in, err := New(Config{}).Understand(context.Background(), planner.Request{Text: text, Vocabulary: v})
		if err != nil || in.Clarify != nil || len(in.Items) != 1 {
			t.Fatalf("%q: %+v %v", text, in, err)
		}
		var accepted []string
		var best *skills.Product
		for i, p := range products {
			if ok, _ := in.AcceptsIntent(0, p); ok {
				accepted = append(accepted, p.SKU)
				if best == nil || p.Price.Minor < best.Price.Minor {
					best = &products[i]
				}
			}
		}
		if strings.Join(accepted, ",") != "m-attr,m-title" {
			t.Errorf("%q: accepted %v, want only the size M hoodies (require %q)", text, accepted, in.Items[0].RequireTerms)
		}
		if best == nil || best.SKU != "m-attr" {
			t.Errorf("%q: would buy %+v, want m-attr", text, best)
		}
		if ok, why := in.AcceptsIntent(0, products[0]); ok || !strings.Contains(why, "size m") {
			t.Errorf("%q: size L hoodie: accepted=%v, reason %q should name \"size m\"", text, ok, why)
		}
	}
}

// Floors and ranges are hard per-item limits; a count with a unit is a
// measure, never an order quantity; every item accounts for the words.
func TestFloorsMeasuresAccounting(t *testing.T) {
	p := New(Config{})
	for _, tc := range []struct {
		text       string
		min, max   string
		qty        int
		measure    string // a RoleMeasure span's value
		wantUnknow string // a hard RoleUnknown span
	}{
		{text: "a kettle priced above 250", min: "250.00 CNY", qty: 1, wantUnknow: "kettle"},
		{text: "a blender between 120 and 480 yuan", min: "120.00 CNY", max: "480.00 CNY", qty: 1},
		{text: "a 100 ct bottle of vitamin c", qty: 1, measure: "100 count"},
		{text: "a 20 quart stock pot, at least 300 yuan", min: "300.00 CNY", qty: 1},
	} {
		in, err := p.Understand(context.Background(), planner.Request{Text: tc.text, Vocabulary: demoVocab()})
		if err != nil || in.Clarify != nil || len(in.Items) != 1 {
			t.Fatalf("%q: %+v %v", tc.text, in, err)
		}
		it := in.Items[0]
		if got := money(t, it.MinUnitPrice); tc.min != "" && got != tc.min {
			t.Errorf("%q: min %s, want %s", tc.text, got, tc.min)
		}
		if got := money(t, it.MaxUnitPrice); tc.max != "" && got != tc.max {
			t.Errorf("%q: max %s, want %s", tc.text, got, tc.max)
		}
		if it.Quantity != tc.qty {
			t.Errorf("%q: quantity %d, want %d", tc.text, it.Quantity, tc.qty)
		}
		if len(it.Accounting) == 0 {
			t.Errorf("%q: no accounting", tc.text)
		}
		var found bool
		for _, s := range it.Accounting {
			if tc.measure != "" && s.Role == planner.RoleMeasure && s.Value == tc.measure && s.Hard {
				found = true
			}
			if tc.wantUnknow != "" && s.Role == planner.RoleUnknown && s.Text == tc.wantUnknow && s.Hard {
				found = true
			}
		}
		if (tc.measure != "" || tc.wantUnknow != "") && !found {
			t.Errorf("%q: accounting %+v lacks the %s/%s span", tc.text, it.Accounting, tc.measure, tc.wantUnknow)
		}
	}
	// a count above 10 that does not count the item is asked
	in, _ := p.Understand(context.Background(), planner.Request{Text: "36 pencil set", Vocabulary: demoVocab()})
	if in.Clarify == nil {
		t.Errorf("36 pencil set: want a question, got %+v", in.Items)
	}
}
