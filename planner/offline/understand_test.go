package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// wantItem lists what a test checks on one item; zero fields are not checked.
type wantItem struct {
	query    string            // Query contains this
	cat      string            // exact Category ("-" means empty)
	qty      int               // exact Quantity
	attrs    map[string]string // each must be in Attributes
	noAttrs  []string          // keys that must not be in Attributes
	excl     map[string][]string
	notExcl  map[string][]string // each value must NOT be in ExcludeAttributes
	terms    []string            // each must be in ExcludeTerms
	brand    string
	exBrands []string
	unit     string // MaxUnitPrice as "20.00 CNY"
	prefer   map[string]string
	prefBr   []string
	fit      string
	require  []string // each must be in RequireTerms
	notReq   []string // each must NOT be in RequireTerms
	measure  string   // Measure as "2000 ml" ("-": none)
}

type want struct {
	items    []wantItem
	nItems   int    // exact number of items (0: len(items))
	budget   string // "40.00 CNY"; "-" means none
	sort     string
	allow    []string
	deny     []string
	clarify  string // question contains this ("?" any clarification)
	options  []string
	delivery string // Delivery.Line1
	source   string // a note has this memory Source
	noteHas  string // a note's text contains this
}

type phrasing struct {
	name   string
	text   string
	memory []string // "kind:text" or plain text; ids m1, m2, …
	answer string
	// anySize reads the phrasing with Config.AnySize (drinks in any size),
	// for cases about something else than a drink's size
	anySize bool
	// noSize reads the phrasing against a vocabulary that lists no sizes (a
	// storefront whose Info exposes none)
	noSize bool
	want   want
}

func mem(entries []string) []planner.MemoryItem {
	var out []planner.MemoryItem
	for i, e := range entries {
		kind, text := "", e
		for _, k := range []string{"constraint", "preference", "profile", "history"} {
			if strings.HasPrefix(e, k+":") {
				kind, text = k, strings.TrimSpace(e[len(k)+1:])
			}
		}
		out = append(out, planner.MemoryItem{ID: "m" + itoa(i+1), Kind: kind, Text: text})
	}
	return out
}

func money(t *testing.T, m *skills.Money) string {
	t.Helper()
	if m == nil {
		return "-"
	}
	return m.Decimal() + " " + string(m.Currency)
}

func check(t *testing.T, in planner.Intent, w want) {
	t.Helper()
	dump := func() string { b, _ := json.MarshalIndent(in, "", " "); return string(b) }
	if err := in.Validate(); err != nil {
		t.Fatalf("invalid intent: %v\n%s", err, dump())
	}
	if in.Planner != "offline" {
		t.Errorf("planner %q", in.Planner)
	}
	if w.clarify != "" {
		if in.Clarify == nil {
			t.Fatalf("want a clarification containing %q, got none\n%s", w.clarify, dump())
		}
		if w.clarify != "?" && !strings.Contains(strings.ToLower(in.Clarify.Question), strings.ToLower(w.clarify)) {
			t.Errorf("question %q does not contain %q", in.Clarify.Question, w.clarify)
		}
		for _, o := range w.options {
			if !contains(in.Clarify.Options, o) {
				t.Errorf("options %q lack %q", in.Clarify.Options, o)
			}
		}
		return
	}
	if in.Clarify != nil {
		t.Fatalf("unexpected clarification %q\n%s", in.Clarify.Question, dump())
	}
	n := w.nItems
	if n == 0 {
		n = len(w.items)
	}
	if n > 0 && len(in.Items) != n {
		t.Fatalf("items: got %d, want %d\n%s", len(in.Items), n, dump())
	}
	for i, wi := range w.items {
		it := in.Items[i]
		if wi.query != "" && !strings.Contains(strings.ToLower(it.Query), wi.query) {
			t.Errorf("items[%d].query %q lacks %q", i, it.Query, wi.query)
		}
		if wi.cat == "-" && it.Category != "" || wi.cat != "" && wi.cat != "-" && it.Category != wi.cat {
			t.Errorf("items[%d].category %q, want %q", i, it.Category, wi.cat)
		}
		if wi.qty != 0 && it.Quantity != wi.qty {
			t.Errorf("items[%d].quantity %d, want %d", i, it.Quantity, wi.qty)
		}
		for k, v := range wi.attrs {
			if got := it.Attributes[k]; got != v {
				t.Errorf("items[%d].attributes[%s] = %q, want %q", i, k, got, v)
			}
		}
		for _, k := range wi.noAttrs {
			if v, ok := it.Attributes[k]; ok {
				t.Errorf("items[%d].attributes[%s] = %q, want unset", i, k, v)
			}
		}
		for k, vs := range wi.excl {
			for _, v := range vs {
				if !contains(it.ExcludeAttributes[k], v) {
					t.Errorf("items[%d].exclude_attributes[%s] = %q lacks %q", i, k, it.ExcludeAttributes[k], v)
				}
			}
		}
		for k, vs := range wi.notExcl {
			for _, v := range vs {
				if contains(it.ExcludeAttributes[k], v) {
					t.Errorf("items[%d].exclude_attributes[%s] = %q, must not hold %q", i, k, it.ExcludeAttributes[k], v)
				}
			}
		}
		for _, term := range wi.terms {
			if !contains(it.ExcludeTerms, term) {
				t.Errorf("items[%d].exclude_terms %q lacks %q", i, it.ExcludeTerms, term)
			}
		}
		if wi.brand != "" && it.Brand != wi.brand {
			t.Errorf("items[%d].brand %q, want %q", i, it.Brand, wi.brand)
		}
		for _, b := range wi.exBrands {
			if !contains(it.ExcludeBrands, b) {
				t.Errorf("items[%d].exclude_brands %q lacks %q", i, it.ExcludeBrands, b)
			}
		}
		if wi.unit != "" && money(t, it.MaxUnitPrice) != wi.unit {
			t.Errorf("items[%d].max_unit_price %s, want %s", i, money(t, it.MaxUnitPrice), wi.unit)
		}
		for k, v := range wi.prefer {
			if got := it.Prefer[k]; got != v {
				t.Errorf("items[%d].prefer[%s] = %q, want %q", i, k, got, v)
			}
		}
		for _, b := range wi.prefBr {
			if !contains(it.PreferBrands, b) {
				t.Errorf("items[%d].prefer_brands %q lacks %q", i, it.PreferBrands, b)
			}
		}
		for _, r := range wi.require {
			if !contains(it.RequireTerms, r) {
				t.Errorf("items[%d].require_terms %q lacks %q", i, it.RequireTerms, r)
			}
		}
		for _, r := range wi.notReq {
			if contains(it.RequireTerms, r) {
				t.Errorf("items[%d].require_terms %q must not hold %q", i, it.RequireTerms, r)
			}
		}
		if wi.measure != "" {
			got := "-"
			if m, ok := in.ItemMeasure(i); ok {
				got = fmt.Sprintf("%d %s", m.Value, m.Unit)
			}
			if got != wi.measure {
				t.Errorf("items[%d].measure %s, want %s", i, got, wi.measure)
			}
		}
		if wi.fit != "" && !strings.Contains(it.Fit, wi.fit) {
			t.Errorf("items[%d].fit %q lacks %q", i, it.Fit, wi.fit)
		}
	}
	if w.budget != "" && money(t, in.Budget) != w.budget {
		t.Errorf("budget %s, want %s", money(t, in.Budget), w.budget)
	}
	if w.sort != "" && in.Sort != w.sort {
		t.Errorf("sort %q, want %q", in.Sort, w.sort)
	}
	if w.allow != nil && !(len(w.allow) == 0 && len(in.Merch.Allow) == 0) && !reflect.DeepEqual(in.Merch.Allow, w.allow) {
		t.Errorf("merchants.allow %q, want %q", in.Merch.Allow, w.allow)
	}
	if w.deny != nil && !(len(w.deny) == 0 && len(in.Merch.Deny) == 0) && !reflect.DeepEqual(in.Merch.Deny, w.deny) {
		t.Errorf("merchants.deny %q, want %q", in.Merch.Deny, w.deny)
	}
	if w.delivery != "" {
		if in.Delivery == nil || in.Delivery.Line1 != w.delivery {
			t.Errorf("delivery %+v, want line1 %q", in.Delivery, w.delivery)
		}
	}
	if w.source != "" {
		found := false
		for _, n := range in.Notes {
			if n.Source == w.source {
				found = true
			}
		}
		if !found {
			t.Errorf("no note sourced from %s: %+v", w.source, in.Notes)
		}
	}
	if w.noteHas != "" {
		found := false
		for _, n := range in.Notes {
			if strings.Contains(n.Text, w.noteHas) {
				found = true
			}
		}
		if !found {
			t.Errorf("no note containing %q: %+v", w.noteHas, in.Notes)
		}
	}
}

func one(w wantItem) []wantItem { return []wantItem{w} }

var phrasings = []phrasing{
	// --- quantities ---
	{name: "digits", anySize: true, text: "get me 2 lattes", want: want{items: one(wantItem{query: "latte", cat: "coffee", qty: 2, attrs: map[string]string{"drink": "latte"}})}},
	{name: "number word", text: "two large oat lattes", want: want{items: one(wantItem{cat: "coffee", qty: 2, attrs: map[string]string{"size": "large", "milk": "oat", "drink": "latte"}})}},
	{name: "twelve", text: "twelve bananas", want: want{items: one(wantItem{cat: "groceries", qty: 12})}},
	{name: "article a", anySize: true, text: "a cappuccino", want: want{items: one(wantItem{cat: "coffee", qty: 1, attrs: map[string]string{"drink": "cappuccino"}})}},
	{name: "article an", anySize: true, text: "an americano please", want: want{items: one(wantItem{cat: "coffee", qty: 1, attrs: map[string]string{"drink": "americano"}})}},
	{name: "one", anySize: true, text: "one mocha", want: want{items: one(wantItem{qty: 1, attrs: map[string]string{"drink": "mocha"}})}},
	{name: "a couple of", anySize: true, text: "a couple of flat whites", want: want{items: one(wantItem{qty: 2, attrs: map[string]string{"drink": "flat white"}})}},
	{name: "couple without a", anySize: true, text: "couple of espressos", want: want{items: one(wantItem{qty: 2, attrs: map[string]string{"drink": "espresso"}})}},
	{name: "a pair of socks is one", text: "a pair of wool socks in size M", want: want{items: one(wantItem{cat: "apparel", qty: 1, attrs: map[string]string{"size": "m", "material": "merino wool"}})}},
	{name: "a pair of lattes is two", anySize: true, text: "a pair of lattes", want: want{items: one(wantItem{qty: 2})}},
	{name: "two pairs of socks", text: "two pairs of socks, size L", want: want{items: one(wantItem{qty: 2, attrs: map[string]string{"size": "l"}})}},
	{name: "a few", text: "a few bananas", want: want{items: one(wantItem{qty: 3}), noteHas: "a few"}},
	{name: "3x", anySize: true, text: "3x iced americano", want: want{items: one(wantItem{qty: 3, attrs: map[string]string{"temperature": "iced", "drink": "americano"}})}},
	{name: "x3", anySize: true, text: "cold brew x3", want: want{items: one(wantItem{qty: 3, attrs: map[string]string{"drink": "cold brew"}})}},
	{name: "times symbol", anySize: true, text: "latte × 4", want: want{items: one(wantItem{qty: 4})}},
	{name: "a dozen", text: "a dozen eggs", want: want{items: one(wantItem{cat: "groceries", qty: 12})}},
	{name: "half a dozen", text: "half a dozen eggs", want: want{items: one(wantItem{qty: 6})}},
	{name: "two dozen", text: "two dozen bananas", want: want{items: one(wantItem{qty: 24})}},
	{name: "twenty-five", text: "twenty-five trash bags", want: want{items: one(wantItem{cat: "household", qty: 25})}},
	{name: "default one", anySize: true, text: "oat milk latte", want: want{items: one(wantItem{qty: 1, attrs: map[string]string{"milk": "oat", "drink": "latte"}})}},
	{name: "several asks", text: "several lattes", want: want{clarify: "how many"}},
	{name: "some is one", anySize: true, text: "some cappuccinos", want: want{items: one(wantItem{qty: 1}), noteHas: "some"}},
	{name: "some singular is one", text: "some milk", want: want{items: one(wantItem{cat: "groceries", qty: 1})}},
	{name: "too many asks", text: "5000 lattes", want: want{clarify: "1000"}},
	{name: "model number is not a count", text: "an iPhone 16 case", want: want{items: one(wantItem{cat: "electronics", qty: 1, attrs: map[string]string{"device": "iphone 16"}})}},

	// --- budgets ---
	{name: "under yuan", text: "two large oat lattes under 40 yuan", want: want{budget: "40.00 CNY"}},
	{name: "below yen sign", anySize: true, text: "a latte below ¥40", want: want{budget: "40.00 CNY"}},
	{name: "no more than dollars", text: "a power bank for no more than $50", want: want{budget: "50.00 USD", noteHas: "no conversion"}},
	{name: "at most USD", text: "at most 50 USD for earbuds", want: want{budget: "50.00 USD", items: one(wantItem{cat: "electronics"})}},
	{name: "budget sign", text: "groceries: milk and eggs, budget ¥200", want: want{budget: "200.00 CNY", nItems: 2}},
	{name: "max RMB", text: "a hoodie size M, max 200 RMB", want: want{budget: "200.00 CNY", items: one(wantItem{attrs: map[string]string{"size": "m"}})}},
	{name: "yuan suffix han", text: "40元以内的拿铁", want: want{budget: "40.00 CNY", items: one(wantItem{cat: "-", require: []string{"拿", "铁"}})}},
	{name: "less than each", anySize: true, text: "three lattes, less than 30 each", want: want{budget: "-", items: one(wantItem{qty: 3, unit: "30.00 CNY"})}},
	{name: "under per cup", anySize: true, text: "two matcha lattes under 20 per cup", want: want{budget: "-", items: one(wantItem{unit: "20.00 CNY"})}},
	{name: "for under in total", anySize: true, text: "two latte and a croissant for under 100 in total", want: want{budget: "100.00 CNY", nItems: 2}},
	{name: "peso sign", text: "a kettle under ₱1,500", want: want{budget: "1500.00 PHP"}},
	{name: "pesos word", text: "a kettle under 1500 pesos", want: want{budget: "1500.00 PHP"}},
	{name: "rupee sign", text: "a mug under ₹500", want: want{budget: "500.00 INR"}},
	{name: "don't spend more than", text: "a mug, don't spend more than €20", want: want{budget: "20.00 EUR"}},
	{name: "euro", text: "a t-shirt size S under €25", want: want{budget: "25.00 EUR"}},
	{name: "decimal budget", anySize: true, text: "a latte under 15.50 yuan", want: want{budget: "15.50 CNY"}},
	{name: "no currency means world", anySize: true, text: "a latte under 30", want: want{budget: "30.00 CNY"}},
	{name: "spelled budget", anySize: true, text: "a latte for less than forty yuan", want: want{budget: "40.00 CNY"}},
	{name: "post max", anySize: true, text: "two lattes, 40 yuan max", want: want{budget: "40.00 CNY", items: one(wantItem{qty: 2})}},
	{name: "bare money is budget", anySize: true, text: "two lattes, 35 yuan", want: want{budget: "35.00 CNY", items: one(wantItem{qty: 2})}},
	{name: "each before", anySize: true, text: "lattes, each under 25 yuan, two of them", want: want{items: one(wantItem{unit: "25.00 CNY"})}},
	{name: "spend up to", text: "spend up to 300 yuan on a down jacket in size XL", want: want{budget: "300.00 CNY", items: one(wantItem{attrs: map[string]string{"size": "xl"}})}},
	{name: "zero budget asks", text: "a latte under 0 yuan", want: want{clarify: "buys nothing"}},
	{name: "within days is not money", anySize: true, text: "a latte within 2 days", want: want{budget: "-", items: one(wantItem{qty: 1})}},

	// --- multiple items ---
	{name: "case and protector share device", text: "a phone case and a screen protector for my iPhone 16", want: want{items: []wantItem{
		{cat: "electronics", attrs: map[string]string{"device": "iphone 16"}}, {cat: "electronics", attrs: map[string]string{"device": "iphone 16"}}}}},
	{name: "lattes and croissant", anySize: true, text: "two lattes and a croissant", want: want{items: []wantItem{{cat: "coffee", qty: 2}, {cat: "-", qty: 1, query: "croissant", require: []string{"croissant"}}}}},
	{name: "comma list", text: "milk, eggs, bread and bananas", want: want{nItems: 4, items: []wantItem{{query: "milk"}, {query: "egg"}, {query: "bread"}, {query: "banana"}}}},
	{name: "with a splits", anySize: true, text: "a latte with a croissant", want: want{nItems: 2}},
	{name: "with oat milk stays", anySize: true, text: "a latte with oat milk", want: want{items: one(wantItem{attrs: map[string]string{"milk": "oat", "drink": "latte"}})}},
	{name: "plus", anySize: true, text: "an iced latte plus a matcha latte", want: want{items: []wantItem{{attrs: map[string]string{"temperature": "iced", "drink": "latte"}}, {cat: "tea", attrs: map[string]string{"drink": "matcha latte"}}}}},
	{name: "trailing all iced", anySize: true, text: "two lattes and a matcha latte, all iced", want: want{items: []wantItem{{attrs: map[string]string{"temperature": "iced"}}, {attrs: map[string]string{"temperature": "iced"}}}}},
	{name: "leading modifier", text: "large, iced latte", want: want{items: one(wantItem{attrs: map[string]string{"size": "large", "temperature": "iced"}})}},
	{name: "three categories", text: "dish soap, a 20000mAh power bank and a raincoat size S", want: want{items: []wantItem{{cat: "household"}, {cat: "electronics", attrs: map[string]string{"capacity": "20000mah"}}, {cat: "apparel", attrs: map[string]string{"size": "s"}}}}},

	// --- attribute mapping ---
	{name: "oat", anySize: true, text: "an oat latte", want: want{items: one(wantItem{attrs: map[string]string{"milk": "oat"}})}},
	{name: "iced", anySize: true, text: "iced oat milk latte", want: want{items: one(wantItem{attrs: map[string]string{"temperature": "iced", "milk": "oat"}})}},
	{name: "color black", text: "a black hoodie size L", want: want{items: one(wantItem{attrs: map[string]string{"color": "black", "size": "l"}})}},
	{name: "capacity spaced", text: "a 20,000 mAh power bank", want: want{items: one(wantItem{attrs: map[string]string{"capacity": "20000mah"}})}},
	{name: "capacity k", text: "a 10k mAh power bank", want: want{items: one(wantItem{attrs: map[string]string{"capacity": "10000mah"}})}},
	{name: "wattage", text: "a 65W charger", want: want{items: one(wantItem{cat: "electronics", attrs: map[string]string{"wattage": "65w"}})}},
	{name: "wattage words", text: "a 65 watt charger", want: want{items: one(wantItem{attrs: map[string]string{"wattage": "65w"}})}},
	{name: "apparel medium is m", text: "a t-shirt in medium", want: want{items: one(wantItem{attrs: map[string]string{"size": "m"}})}},
	{name: "drink size M is medium", text: "a latte, size M", want: want{items: one(wantItem{attrs: map[string]string{"size": "medium"}})}},
	{name: "grande is large", text: "a grande latte", want: want{items: one(wantItem{attrs: map[string]string{"size": "large"}})}},
	{name: "tall is small", text: "a tall americano", want: want{items: one(wantItem{attrs: map[string]string{"size": "small"}})}},
	{name: "soya", anySize: true, text: "a soya latte", want: want{items: one(wantItem{attrs: map[string]string{"milk": "soy"}})}},
	{name: "tee: a word the catalog does not use must be evidenced", text: "a white tee, size XL", want: want{items: one(wantItem{attrs: map[string]string{"color": "white"}, require: []string{"tee"}})}},
	{name: "charging cable", text: "a 1m charging cable", want: want{items: one(wantItem{cat: "electronics", attrs: map[string]string{"length": "1m"}, require: []string{"charging"}})}},
	{name: "black americano", anySize: true, text: "a black americano", want: want{items: one(wantItem{attrs: map[string]string{"drink": "americano"}})}},
	{name: "black tea is tea", anySize: true, text: "a black tea", want: want{items: one(wantItem{cat: "tea", attrs: map[string]string{"drink": "black tea"}, noAttrs: []string{"color", "milk"}})}},
	{name: "oat milk alone is groceries", text: "oat milk", want: want{items: one(wantItem{cat: "groceries", query: "oat milk", attrs: map[string]string{"milk": "oat"}})}},
	{name: "organic eggs", text: "organic eggs", want: want{items: one(wantItem{cat: "groceries", attrs: map[string]string{"organic": "yes", "type": "eggs"}})}},
	{name: "lemon dish soap", text: "lemon dish soap", want: want{items: one(wantItem{cat: "household", attrs: map[string]string{"scent": "lemon", "type": "dish soap"}})}},
	{name: "waterproof", text: "a waterproof jacket in L", want: want{items: one(wantItem{cat: "apparel", attrs: map[string]string{"waterproof": "yes", "size": "l"}})}},
	{name: "less sugar", anySize: true, text: "a milk tea with less sugar", want: want{items: one(wantItem{cat: "tea", attrs: map[string]string{"sugar": "less", "drink": "milk tea"}})}},
	{name: "top up carrier", text: "top up 50 yuan on china mobile", want: want{budget: "-", items: one(wantItem{cat: "topup", attrs: map[string]string{"amount": "50", "carrier": "china mobile"}})}},
	{name: "phone credit unicom", text: "100 yuan phone credit for Unicom", want: want{items: one(wantItem{cat: "topup", attrs: map[string]string{"amount": "100", "carrier": "china unicom"}})}},
	{name: "electricity bill", text: "pay my electricity bill, 200 yuan", want: want{items: one(wantItem{cat: "topup", attrs: map[string]string{"utility": "electricity", "amount": "200"}})}},
	{name: "recharge yen sign", text: "recharge ¥30 china telecom", want: want{items: one(wantItem{cat: "topup", attrs: map[string]string{"amount": "30", "carrier": "china telecom"}})}},
	{name: "hoodie category", text: "a hoodie in size S", want: want{items: one(wantItem{cat: "apparel", attrs: map[string]string{"size": "s"}})}},
	{name: "matcha", anySize: true, text: "a matcha latte", want: want{items: one(wantItem{cat: "tea", attrs: map[string]string{"drink": "matcha latte"}})}},
	{name: "coffee beans", text: "dark roast coffee beans", want: want{items: one(wantItem{cat: "coffee", attrs: map[string]string{"roast": "dark", "type": "coffee beans"}})}},
	{name: "unknown product searched by text", text: "a yoga mat", want: want{items: one(wantItem{query: "yoga mat", cat: "-"})}},
	{name: "unknown modifier is required", text: "a bluetooth speaker", want: want{items: one(wantItem{cat: "-", query: "bluetooth speaker", require: []string{"bluetooth", "speaker"}})}},
	{name: "whole wheat toast", text: "a loaf of Mankattan whole wheat toast", want: want{items: one(wantItem{brand: "Mankattan", cat: "groceries", require: []string{"wheat toast"}})}},
	{name: "filler verb not required", text: "Add 50 yuan of credit to my China Unicom phone", want: want{items: one(wantItem{cat: "topup", attrs: map[string]string{"amount": "50", "carrier": "china unicom"}})}},
	{name: "words after the product are fit", text: "a hoodie in M for my husband", want: want{items: one(wantItem{fit: "husband", attrs: map[string]string{"size": "m"}})}},
	{name: "descriptor is fit", text: "a cute phone case for my pixel 9", want: want{items: one(wantItem{fit: "cute", attrs: map[string]string{"device": "pixel 9"}})}},

	{name: "raincoat: a word the catalog does not use must be evidenced", text: "a raincoat in size M", want: want{items: one(wantItem{require: []string{"raincoat"}})}},
	{name: "hiking socks pair after", text: "hiking socks size L, a pair", want: want{items: one(wantItem{qty: 1, attrs: map[string]string{"type": "hiking socks", "size": "l"}})}},
	{name: "broadband bill", text: "pay the broadband bill 100 yuan", want: want{items: one(wantItem{cat: "topup", attrs: map[string]string{"utility": "broadband", "amount": "100"}})}},
	{name: "cable length", text: "a usb-c cable 2m", want: want{items: one(wantItem{attrs: map[string]string{"type": "usb-c cable", "length": "2m"}})}},
	{name: "coconut yogurt prefers", text: "coconut yogurt", want: want{items: one(wantItem{attrs: map[string]string{"type": "yogurt"}, noAttrs: []string{"milk"}, prefer: map[string]string{"milk": "coconut"}})}},
	{name: "pack size", text: "a 12-pack of milk from freshmart or megamart", want: want{allow: []string{"freshmart", "megamart"}, items: one(wantItem{qty: 1, attrs: map[string]string{"pack": "12-pack", "type": "milk"}})}},
	{name: "count in trailing clause", text: "soy milk, 2 cartons", want: want{items: one(wantItem{qty: 2, attrs: map[string]string{"milk": "soy"}})}},
	{name: "carrier brand is carrier", text: "China Mobile top up, 100 yuan", want: want{items: one(wantItem{attrs: map[string]string{"carrier": "china mobile", "amount": "100"}})}},
	{name: "merchant only after", text: "dish soap and toilet paper, megamart only", want: want{allow: []string{"megamart"}, nItems: 2}},
	{name: "drink temperature hot", anySize: true, text: "an oolong, no sugar, hot", want: want{items: one(wantItem{cat: "tea", attrs: map[string]string{"drink": "oolong", "sugar": "none", "temperature": "hot"}})}},

	// --- negation ---
	{name: "no sugar", anySize: true, text: "an iced americano, no sugar", want: want{items: one(wantItem{attrs: map[string]string{"sugar": "none"}})}},
	{name: "sugar-free", anySize: true, text: "sugar-free milk tea", want: want{items: one(wantItem{attrs: map[string]string{"sugar": "none"}})}},
	{name: "without dairy", anySize: true, text: "a latte without dairy", want: want{items: one(wantItem{excl: map[string][]string{"milk": {"whole", "skim"}}})}},
	{name: "dairy-free", anySize: true, text: "a dairy-free latte", want: want{items: one(wantItem{excl: map[string][]string{"milk": {"whole", "skim"}, "dairy": {"yes"}}})}},
	{name: "gluten-free bread", text: "gluten-free bread", want: want{items: one(wantItem{cat: "groceries", excl: map[string][]string{"gluten": {"yes"}}})}},
	{name: "nut-free", text: "nut-free snacks", want: want{items: one(wantItem{excl: map[string][]string{"nuts": {"yes"}}, terms: []string{"almond"}})}},
	{name: "not iced", anySize: true, text: "a latte, not iced", want: want{items: one(wantItem{excl: map[string][]string{"temperature": {"iced"}}})}},
	{name: "no onions term", text: "a sandwich with no onions", want: want{items: one(wantItem{terms: []string{"onions", "onion"}})}},
	{name: "not Anker", text: "a power bank, not Anker", want: want{items: one(wantItem{exBrands: []string{"Anker"}})}},
	{name: "no anker or baseus", text: "a 65W charger, no Anker or Baseus", want: want{items: one(wantItem{exBrands: []string{"Anker", "Baseus"}})}},

	// --- merchants and brands ---
	{name: "not from merchant", anySize: true, text: "a latte, not from Brew House", want: want{deny: []string{"brewhouse"}, allow: []string{}}},
	{name: "anywhere but", text: "toilet paper, anywhere but megamart", want: want{deny: []string{"megamart"}}},
	{name: "only from", text: "only from freshmart: milk and eggs", want: want{allow: []string{"freshmart"}, nItems: 2}},
	{name: "from merchant", anySize: true, text: "a latte from Brew House", want: want{allow: []string{"brewhouse"}}},
	{name: "from a or b", anySize: true, text: "a latte from brewhouse or leaf & bean", want: want{allow: []string{"brewhouse", "leafandbean"}}},
	{name: "except", text: "dish soap from anywhere except FreshMart", want: want{deny: []string{"freshmart"}}},
	{name: "brand hard", text: "an Anker power bank", want: want{items: one(wantItem{brand: "Anker"})}},
	{name: "brand preferred", text: "a power bank, preferably Anker", want: want{items: one(wantItem{prefBr: []string{"Anker"}})}},
	{name: "two brands allow-list", text: "an Anker or Baseus charger", want: want{items: one(wantItem{exBrands: []string{"Apple", "Spigen"}})}},
	{name: "brand and merchant same name", anySize: true, text: "a Brew House latte", want: want{allow: []string{}, items: one(wantItem{brand: "Brew House"})}},

	// --- sort ---
	{name: "default cheapest", anySize: true, text: "a latte", want: want{sort: "cheapest"}},
	{name: "cheapest", anySize: true, text: "the cheapest latte", want: want{sort: "cheapest"}},
	{name: "lowest price", text: "dish soap at the lowest price", want: want{sort: "cheapest"}},
	{name: "fastest", text: "the fastest charger, 65W", want: want{sort: "fastest"}},
	{name: "today", text: "I need a raincoat size M today", want: want{sort: "fastest", items: one(wantItem{attrs: map[string]string{"size": "m"}})}},
	{name: "asap", text: "milk asap", want: want{sort: "fastest"}},
	{name: "best rated", text: "best rated earbuds", want: want{sort: "rating", items: one(wantItem{cat: "electronics"})}},
	{name: "top-rated", text: "a top-rated power bank", want: want{sort: "rating"}},

	// --- delivery ---
	{name: "explicit address", anySize: true, text: "two lattes, deliver to 18 Keyuan Rd, Nanshan, Shenzhen", want: want{delivery: "18 Keyuan Rd", nItems: 1}},
	{name: "office from memory", anySize: true, text: "a latte delivered to the office", memory: []string{"profile:Office: 1 Tech Park Rd, Shenzhen"}, want: want{delivery: "1 Tech Park Rd", source: "m1"}},
	{name: "home from memory", text: "milk, send it home", memory: []string{"profile:Office: 1 Tech Park Rd, Shenzhen", "profile:Home address is 9 Binhai Ave, Shenzhen"}, want: want{delivery: "9 Binhai Ave", source: "m2"}},
	{name: "office unknown asks", anySize: true, text: "a latte to the office", want: want{clarify: "office"}},
	{name: "default address", anySize: true, text: "a latte", memory: []string{"Deliver to 18 Keyuan Rd, Shenzhen"}, want: want{delivery: "18 Keyuan Rd", source: "m1"}},

	// --- memory ---
	{name: "lactose intolerant latte", text: "a medium latte", memory: []string{"I am lactose intolerant"}, want: want{items: one(wantItem{excl: map[string][]string{"milk": {"whole", "skim"}}}), source: "m1"}},
	{name: "lactose groceries", text: "yogurt", memory: []string{"constraint:dairy allergy"}, want: want{items: one(wantItem{excl: map[string][]string{"dairy": {"yes"}}}), source: "m1"}},
	{name: "nuts allergy", text: "a small latte and some snacks", memory: []string{"I'm allergic to nuts"}, want: want{items: []wantItem{{excl: map[string][]string{"milk": {"almond"}}}, {excl: map[string][]string{"nuts": {"yes"}}, terms: []string{"peanut"}}}}},
	{name: "vegan", text: "a large cappuccino", memory: []string{"I'm vegan"}, want: want{items: one(wantItem{excl: map[string][]string{"milk": {"whole"}}})}},
	{name: "never buy brand", text: "a power bank", memory: []string{"constraint:never buy Anker"}, want: want{items: one(wantItem{exBrands: []string{"Anker"}}), source: "m1"}},
	{name: "avoid merchant", text: "toilet paper", memory: []string{"Never buy from MegaMart"}, want: want{deny: []string{"megamart"}, source: "m1"}},
	{name: "size memory fills apparel", text: "a hoodie", memory: []string{"preference:I wear size M"}, want: want{items: one(wantItem{attrs: map[string]string{"size": "m"}}), source: "m1"}},
	{name: "size memory not for drinks", text: "a latte", memory: []string{"preference:I wear size M"}, want: want{clarify: "which size should the latte be", options: []string{"small", "medium", "large"}}},
	{name: "request size wins", text: "a hoodie in L", memory: []string{"preference:I wear size M"}, want: want{items: one(wantItem{attrs: map[string]string{"size": "l"}}), source: "m1"}},
	{name: "milk preference", text: "a large latte", memory: []string{"preference:I prefer oat milk in my coffee"}, want: want{items: one(wantItem{prefer: map[string]string{"milk": "oat"}, noAttrs: []string{"milk"}, excl: map[string][]string{"milk": {"whole", "soy"}}}), source: "m1"}},
	{name: "milk preference keeps none", text: "a large americano", memory: []string{"preference:I prefer oat milk in my coffee"}, want: want{items: one(wantItem{excl: map[string][]string{"milk": {"whole"}}})}},
	{name: "temperature preference is soft", text: "a large latte", memory: []string{"I like my coffee hot"}, want: want{items: one(wantItem{prefer: map[string]string{"temperature": "hot"}, noAttrs: []string{"temperature"}})}},
	{name: "request milk beats preference", text: "a large whole milk latte", memory: []string{"preference:I prefer oat milk in my coffee"}, want: want{items: one(wantItem{attrs: map[string]string{"milk": "whole"}}), source: "m1"}},
	{name: "brand preference", text: "a power bank", memory: []string{"preference:I like Anker"}, want: want{items: one(wantItem{prefBr: []string{"Anker"}}), source: "m1"}},
	{name: "device memory for case", text: "a phone case", memory: []string{"profile:I have an iPhone 16"}, want: want{items: one(wantItem{attrs: map[string]string{"device": "iphone 16"}}), source: "m1"}},
	{name: "carrier memory for top-up", text: "top up my phone with 50 yuan", memory: []string{"profile:My carrier is China Mobile"}, want: want{items: one(wantItem{attrs: map[string]string{"carrier": "china mobile", "amount": "50"}})}},
	{name: "usual from memory", text: "get the usual", memory: []string{"history:My usual is two large oat lattes from Brew House"}, want: want{allow: []string{"brewhouse"}, items: one(wantItem{qty: 2, attrs: map[string]string{"milk": "oat", "size": "large"}})}},
	{name: "usual from history", text: "the usual please", memory: []string{"history:Last time I ordered 2 medium iced americanos from Brew House"}, want: want{allow: []string{"brewhouse"}, items: one(wantItem{qty: 2, attrs: map[string]string{"temperature": "iced", "drink": "americano"}})}},
	{name: "disliked history is not the usual", text: "get the usual", memory: []string{"history:Last time I bought a mocha and didn't like it"}, want: want{clarify: "usual"}},
	{name: "usually is a preference", text: "a small latte", memory: []string{"I usually get oat milk"}, want: want{items: one(wantItem{prefer: map[string]string{"milk": "oat"}}), source: "m1"}},
	{name: "only brand for a product", text: "a 65W charger and a power bank", memory: []string{"constraint:I only buy Anker chargers"}, want: want{items: []wantItem{{brand: "Anker"}, {brand: ""}}, source: "m1"}},
	{name: "only merchant", text: "milk and eggs", memory: []string{"I only shop at FreshMart"}, want: want{allow: []string{"freshmart"}, source: "m1"}},
	{name: "never take sugar", text: "a large hot milk tea", memory: []string{"constraint:I never take sugar in drinks"}, want: want{items: one(wantItem{excl: map[string][]string{"sugar": {"regular", "less"}}}), source: "m1"}},
	{name: "coeliac", text: "pasta", memory: []string{"constraint:I have coeliac disease, nothing with gluten"}, want: want{items: one(wantItem{excl: map[string][]string{"gluten": {"yes"}}}), source: "m1"}},
	{name: "conflict asks", text: "a whole milk latte", memory: []string{"I am lactose intolerant"}, want: want{clarify: "lactose"}},

	// --- clarification ---
	{name: "something nice", text: "buy me something nice", want: want{clarify: "what would you like", options: []string{"coffee"}}},
	{name: "usual without memory", text: "get the usual", want: want{clarify: "usual"}},
	{name: "empty", text: "", want: want{clarify: "?"}},
	{name: "a case asks for the device", text: "a case", want: want{clarify: "device", options: []string{"iphone 16", "pixel 9"}}},
	{name: "a travel case: the catalog's cases are phone cases, none says travel", text: "a travel case", want: want{items: one(wantItem{cat: "electronics", require: []string{"travel"}})}},
	{name: "apparel needs size", text: "a hoodie", want: want{clarify: "size", options: []string{"s", "m", "l"}}},
	{name: "scarf: not sold, searched by its word", text: "a wool scarf", want: want{items: one(wantItem{cat: "apparel", require: []string{"scarf"}})}},
	{name: "topup needs amount", text: "top up my china mobile", want: want{clarify: "amount", options: []string{"50", "100"}}},
	{name: "topup without carrier: the word phone must be evidenced", text: "a 50 yuan phone top-up", want: want{items: one(wantItem{require: []string{"phone"}})}},
	{name: "topup amount not offered", text: "top up 37 yuan china mobile", want: want{clarify: "not offered"}},
	{name: "phone case needs device", text: "a phone case", want: want{clarify: "device", options: []string{"iphone 16"}}},

	// --- answers ---
	{name: "answer size", text: "a hoodie", answer: "M", want: want{items: one(wantItem{attrs: map[string]string{"size": "m"}})}},
	{name: "answer size words", text: "a black hoodie", answer: "the large one", want: want{items: one(wantItem{attrs: map[string]string{"size": "l", "color": "black"}})}},
	{name: "answer irrelevant repeats", text: "a hoodie", answer: "hmm, not sure", want: want{clarify: "size"}},
	{name: "answer empty repeats", text: "a hoodie", answer: "   ", want: want{clarify: "size"}},
	{name: "answer category", text: "a case", answer: "phone case please, for my iPhone 16", want: want{items: one(wantItem{cat: "electronics", attrs: map[string]string{"device": "iphone 16"}})}},
	{name: "answer category then device", text: "a case", answer: "the first\niphone 15", want: want{items: one(wantItem{attrs: map[string]string{"device": "iphone 15"}})}},
	{name: "answer what", text: "buy me something nice", answer: "a large iced latte", want: want{items: one(wantItem{attrs: map[string]string{"size": "large", "temperature": "iced"}})}},
	{name: "answer amount", text: "top up my china mobile", answer: "100", want: want{items: one(wantItem{attrs: map[string]string{"amount": "100"}})}},
	{name: "answer carrier", text: "a 50 yuan top-up", answer: "China Telecom", want: want{items: one(wantItem{attrs: map[string]string{"carrier": "china telecom"}})}},
	{name: "answer quantity", text: "several large lattes", answer: "four", want: want{items: one(wantItem{qty: 4})}},
	{name: "answer address", text: "a medium latte to the office", answer: "5 Science Park Rd, Shenzhen", want: want{delivery: "5 Science Park Rd"}},
	{name: "answer conflict yes", text: "a large whole milk latte", memory: []string{"I am lactose intolerant"}, answer: "yes, it's for a friend", want: want{items: one(wantItem{attrs: map[string]string{"milk": "whole"}}), source: "m1"}},
	{name: "answer conflict no", text: "a large whole milk latte", memory: []string{"I am lactose intolerant"}, answer: "no", want: want{items: one(wantItem{noAttrs: []string{"milk"}, excl: map[string][]string{"milk": {"whole"}}})}},
	{name: "two sizes ask", text: "a hoodie in S or M", want: want{clarify: "both s and m", options: []string{"s", "m"}}},
	{name: "two sizes answered", text: "a hoodie in S or M", answer: "M", want: want{items: one(wantItem{qty: 1, attrs: map[string]string{"size": "m"}})}},
	{name: "ellipsis sizes", text: "one large latte and one small", want: want{items: []wantItem{{qty: 1, attrs: map[string]string{"size": "large", "drink": "latte"}}, {qty: 1, attrs: map[string]string{"size": "small", "drink": "latte"}}}}},
	{name: "ellipsis top-ups", text: "Top up 50 yuan on China Mobile and 100 yuan on China Telecom", want: want{items: []wantItem{{attrs: map[string]string{"amount": "50", "carrier": "china mobile"}}, {attrs: map[string]string{"amount": "100", "carrier": "china telecom"}}}}},
	{name: "correction", text: "two large hot Americanos... sorry, make it two medium cappuccinos, under 50 yuan", want: want{budget: "50.00 CNY", items: one(wantItem{qty: 2, attrs: map[string]string{"drink": "cappuccino", "size": "medium"}}), noteHas: "corrects itself"}},
	{name: "lactose intolerant: plant milks stay allowed", text: "a medium latte", memory: []string{"I am lactose intolerant"},
		want: want{items: one(wantItem{excl: map[string][]string{"milk": {"whole", "skim"}}, notExcl: map[string][]string{"milk": {"oat", "soy"}}}), source: "m1"}},
	{name: "memory's milk preference replaces the standard", text: "a medium latte", memory: []string{"I prefer oat milk"},
		want: want{items: one(wantItem{prefer: map[string]string{"milk": "oat"}, notExcl: map[string][]string{"milk": {"oat"}}}), source: "m1"}},
	{name: "credit searched in catalog words", text: "Add 50 yuan of credit to my China Unicom phone",
		want: want{items: one(wantItem{query: "china unicom", attrs: map[string]string{"carrier": "china unicom"}})}},
	{name: "make it iced is not a correction", text: "a large latte, make it iced", want: want{items: one(wantItem{attrs: map[string]string{"temperature": "iced", "size": "large"}})}},
	{name: "trailing value goes to last item", text: "a 65W charger and a USB-C cable, 1m", want: want{items: []wantItem{{noAttrs: []string{"length"}}, {attrs: map[string]string{"length": "1m"}}}}},
	{name: "trailing exclusion goes to all", text: "a power bank and a charger, no Anker", want: want{items: []wantItem{{exBrands: []string{"Anker"}}, {exBrands: []string{"Anker"}}}}},
	{name: "brand-only item", text: "Two 6-packs of Coca-Cola", want: want{items: one(wantItem{qty: 2, attrs: map[string]string{"pack": "6-pack"}})}},
	{name: "brand alone", text: "Coca-Cola", want: want{items: one(wantItem{query: "coca-cola", qty: 1})}},
	{name: "brand then item", text: "Tide Free & Gentle laundry detergent, the 2kg bottle", want: want{items: one(wantItem{brand: "Tide", cat: "household", attrs: map[string]string{"capacity": "2kg", "type": "laundry detergent"}})}},
	{name: "a coffee asks which", text: "buy me a coffee", want: want{clarify: "which coffee", options: []string{"latte", "americano", "coffee beans"}}},
	{name: "a coffee answered", text: "buy me a coffee", answer: "A large hot oat milk latte", want: want{items: one(wantItem{cat: "coffee", query: "latte", attrs: map[string]string{"drink": "latte", "size": "large", "temperature": "hot", "milk": "oat"}})}},
	{name: "drink needs size", text: "an oat milk latte", want: want{clarify: "size", options: []string{"small", "medium", "large"}}},
	{name: "drink size answered", text: "an oat milk latte", answer: "Medium, hot", want: want{items: one(wantItem{attrs: map[string]string{"size": "medium", "temperature": "hot", "milk": "oat"}})}},
	{name: "coffee beans need no size", text: "dark roast coffee beans, 1kg", want: want{items: one(wantItem{attrs: map[string]string{"roast": "dark", "pack": "1kg"}})}},
	{name: "packs of is a count", text: "buy 2 packs of tea bags", want: want{items: one(wantItem{qty: 2, noAttrs: []string{"pack"}, attrs: map[string]string{"type": "tea bags"}})}},
	{name: "nothing from merchant", text: "nothing from megamart please; 2 cans of cola", want: want{deny: []string{"megamart"}, items: one(wantItem{qty: 2})}},
	{name: "by tomorrow is fastest", text: "a down jacket, heavy warmth, size M, under 800 yuan in total, deliver by tomorrow", want: want{sort: "fastest", budget: "800.00 CNY", items: one(wantItem{attrs: map[string]string{"warmth": "heavy", "size": "m", "type": "down jacket"}})}},
	{name: "answer wrong option repeats", text: "a case", answer: "blue", want: want{clarify: "device"}},

	// QA regressions (wave 2)
	// 1: a top-up named first is an item, not a heading; nothing is dropped
	{name: "qa1 top-up then latte", text: "China Unicom top-up 50 and a large oat latte", want: want{items: []wantItem{
		{cat: "topup", attrs: map[string]string{"carrier": "china unicom", "amount": "50"}},
		{cat: "coffee", attrs: map[string]string{"drink": "latte", "milk": "oat", "size": "large"}}}}},
	{name: "qa1 latte then top-up", text: "a large oat latte and China Unicom top-up 50", want: want{items: []wantItem{
		{cat: "coffee", attrs: map[string]string{"drink": "latte"}},
		{cat: "topup", attrs: map[string]string{"carrier": "china unicom", "amount": "50"}}}}},
	{name: "qa1 electricity bill then milk", text: "electricity bill 100 and 2 liters of milk", want: want{items: []wantItem{
		{cat: "topup", attrs: map[string]string{"utility": "electricity", "amount": "100"}},
		{cat: "groceries", attrs: map[string]string{"type": "milk"}, measure: "2000 ml"}}}},
	{name: "qa1 a bare category word is still a heading", text: "groceries: milk and eggs", want: want{nItems: 2}},
	{name: "qa1 guard: an unknown thing after and is an item", text: "a large oat latte and kombucha", want: want{items: []wantItem{
		{cat: "coffee", attrs: map[string]string{"drink": "latte"}},
		{cat: "-", query: "kombucha", require: []string{"kombucha"}}}}},
	{name: "qa1 guard: chat after and is not an item", text: "a large oat latte and please hurry", want: want{nItems: 1}},
	// 2: units are measures, matched against packs at run time
	{name: "qa2 dozen eggs", text: "a dozen eggs", want: want{items: one(wantItem{attrs: map[string]string{"type": "eggs"}, measure: "12 each"})}},
	{name: "qa2 half a dozen", text: "half a dozen eggs", want: want{items: one(wantItem{measure: "6 each", qty: 6})}},
	{name: "qa2 bottles of water", text: "3 bottles of water", want: want{items: one(wantItem{attrs: map[string]string{"type": "water"}, measure: "3 each", qty: 3})}},
	{name: "qa2 liters of milk", text: "2 liters of milk", want: want{items: one(wantItem{attrs: map[string]string{"type": "milk"}, measure: "2000 ml", noAttrs: []string{"capacity", "pack"}})}},
	{name: "qa2 grams", text: "500 grams of spinach", want: want{items: one(wantItem{measure: "500 g"})}},
	{name: "qa2 counted eggs", text: "20 eggs", want: want{items: one(wantItem{measure: "20 each", qty: 20})}},
	{name: "qa2 packs are not a measure", text: "Two packs of grey merino hiking socks, size M", want: want{items: one(wantItem{qty: 2, measure: "-"})}},
	{name: "qa2 a pack size on the product is not a measure", text: "a 1.8L bottle of Arawana peanut oil", want: want{items: one(wantItem{qty: 1, measure: "-", attrs: map[string]string{"pack": "1.8l"}})}},
	{name: "qa2 six-packs", text: "Two 6-packs of Coca-Cola", want: want{items: one(wantItem{qty: 2, measure: "-"})}},
	// 3: the product word constrains the type
	{name: "qa3 travel jacket", text: "a travel jacket size M not from megamart", want: want{deny: []string{"megamart"}, items: one(wantItem{
		cat: "apparel", attrs: map[string]string{"size": "m", "travel": "yes"}, require: []string{"jacket"}})}},
	{name: "qa3 a word no catalog uses must be evidenced", text: "two cans of coke", want: want{items: one(wantItem{require: []string{"coke"}, measure: "2 each"})}},
	// 4: a category's own wording is not a title requirement
	{name: "qa4 phone top-up", text: "China Mobile phone top-up 100 yuan", want: want{items: one(wantItem{
		cat: "topup", attrs: map[string]string{"carrier": "china mobile", "amount": "100"}, notReq: []string{"phone"}})}},
	{name: "qa4 mobile recharge", text: "China Telecom mobile recharge 50", want: want{items: one(wantItem{
		cat: "topup", attrs: map[string]string{"carrier": "china telecom", "amount": "50"}, notReq: []string{"mobile"}})}},
	// 5: sort preferences reach the intent (the runtime honours them)
	{name: "qa5 best rated", text: "a 65W charger, best rated", want: want{sort: "rating"}},
	{name: "qa5 fastest delivery", text: "a 65W charger, fastest delivery", want: want{sort: "fastest"}},
	// 6: a size no merchant lists is never dropped: it stays a hard "size x"
	// requirement on the size attribute or the title
	{name: "unlisted size M", text: "a black hoodie size M", noSize: true, want: want{items: []wantItem{{cat: "apparel", attrs: map[string]string{"type": "hoodie"}, noAttrs: []string{"size"}, require: []string{"size m"}}}}},
	{name: "unlisted in size m", text: "a black hoodie in size m", noSize: true, want: want{items: []wantItem{{cat: "apparel", attrs: map[string]string{"type": "hoodie"}, noAttrs: []string{"size"}, require: []string{"size m"}}}}},
	{name: "unlisted size before", text: "a size L black hoodie", noSize: true, want: want{items: []wantItem{{cat: "apparel", attrs: map[string]string{"type": "hoodie"}, noAttrs: []string{"size"}, require: []string{"size l"}}}}},
	{name: "unlisted caps XL", text: "a black hoodie XL", noSize: true, want: want{items: []wantItem{{cat: "apparel", attrs: map[string]string{"type": "hoodie"}, noAttrs: []string{"size"}, require: []string{"size xl"}}}}},
	{name: "unlisted in M", text: "a black hoodie in M", noSize: true, want: want{items: []wantItem{{cat: "apparel", attrs: map[string]string{"type": "hoodie"}, noAttrs: []string{"size"}, require: []string{"size m"}}}}},
	{name: "unlisted size-S", text: "a size-S hoodie", noSize: true, want: want{items: []wantItem{{cat: "apparel", attrs: map[string]string{"type": "hoodie"}, noAttrs: []string{"size"}, require: []string{"size s"}}}}},
	{name: "unlisted medium after comma (no catalog sizes: the word must be evidenced)", text: "a black hoodie, medium", noSize: true, want: want{items: []wantItem{{cat: "apparel", attrs: map[string]string{"type": "hoodie"}, noAttrs: []string{"size"}, require: []string{"medium"}}}}},
	{name: "unlisted medium before (no catalog sizes: the word must be evidenced)", text: "a medium black hoodie", noSize: true, want: want{items: []wantItem{{cat: "apparel", attrs: map[string]string{"type": "hoodie"}, noAttrs: []string{"size"}, require: []string{"medium"}}}}},
	{name: "unlisted numeric size", text: "a hoodie size 10", noSize: true, want: want{items: []wantItem{{cat: "apparel", attrs: map[string]string{"type": "hoodie"}, noAttrs: []string{"size"}, require: []string{"size 10"}}}}},
	{name: "unlisted sizes per item", text: "a hoodie size M and a t-shirt size L", noSize: true, want: want{items: []wantItem{
		{attrs: map[string]string{"type": "hoodie"}, require: []string{"size m"}, notReq: []string{"size l"}},
		{attrs: map[string]string{"type": "t-shirt"}, require: []string{"size l"}, notReq: []string{"size m"}}}}},
	{name: "unlisted size in a trailing phrase", text: "a black hoodie, size m please", noSize: true, want: want{items: []wantItem{{require: []string{"size m"}}}}},
	{name: "listed size stays an attribute", text: "a black hoodie size M", want: want{items: []wantItem{{attrs: map[string]string{"size": "m", "color": "black"}, notReq: []string{"size m"}}}}},
	{name: "unlisted size not read in groceries", text: "2 L of milk and a large bag of rice", noSize: true, want: want{items: []wantItem{{notReq: []string{"size l"}}, {notReq: []string{"size l", "size large"}}}}},
}

func TestUnderstandPhrasings(t *testing.T) {
	strict, anySize := New(Config{}), New(Config{AnySize: true})
	names := map[string]bool{}
	for _, c := range phrasings {
		if names[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			p := strict
			if c.anySize {
				p = anySize
			}
			v := demoVocab()
			if c.noSize {
				v = noSizeVocab()
			}
			in, err := p.Understand(context.Background(), planner.Request{Text: c.text, Vocabulary: v, Memory: mem(c.memory), Answer: c.answer})
			if err != nil {
				t.Fatalf("Understand(%q): %v", c.text, err)
			}
			check(t, in, c.want)
		})
	}
	t.Logf("%d phrasings", len(phrasings))
}

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want skills.Address
	}{
		{"18 Keyuan Rd, Nanshan, Shenzhen 518057", skills.Address{Line1: "18 Keyuan Rd", Line2: "Nanshan", City: "Shenzhen", PostalCode: "518057"}},
		{"18 Keyuan Rd, Shenzhen 518057, China, +86 138 0013 8000",
			skills.Address{Line1: "18 Keyuan Rd", City: "Shenzhen", PostalCode: "518057", Country: "CN", Phone: "+86 138 0013 8000"}},
		{"5 Queen's Rd, Central, Hong Kong, HK, tel: 2345 6789",
			skills.Address{Line1: "5 Queen's Rd", City: "Central", Country: "HK", Phone: "2345 6789"}},
		{"1 Main St, San Francisco, CA, 94105, USA, phone (415) 555-0100, ann@example.com",
			skills.Address{Line1: "1 Main St", City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US", Phone: "(415) 555-0100", Email: "ann@example.com"}},
		{"221B Baker St, Flat 2, London, NW1 6XE, UK", skills.Address{Line1: "221B Baker St", Line2: "Flat 2", City: "London", PostalCode: "NW1 6XE", Country: "GB"}},
		{"742 Evergreen Terrace, Springfield, OR 97403", skills.Address{Line1: "742 Evergreen Terrace", City: "Springfield", Region: "OR", PostalCode: "97403"}},
		{"Room 301, 8 Jianguo Rd, Beijing, CN", skills.Address{Line1: "Room 301", Line2: "8 Jianguo Rd", City: "Beijing", Country: "CN"}},
	} {
		got := parseAddress(tc.in)
		if got == nil || *got != tc.want {
			t.Errorf("parseAddress(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
}

func TestAddressCountryAndPhoneReachTheIntent(t *testing.T) {
	p := New(Config{AnySize: true})
	in, err := p.Understand(context.Background(), planner.Request{Text: "a latte, deliver to 18 Keyuan Rd, Shenzhen, China",
		Vocabulary: demoVocab(), Memory: mem([]string{"profile:My phone number is 138 0013 8000"})})
	if err != nil {
		t.Fatal(err)
	}
	d := in.Delivery
	if d == nil || d.Country != "CN" || d.Phone != "138 0013 8000" || d.City != "Shenzhen" {
		t.Fatalf("delivery %+v, want Shenzhen, CN, phone from memory", d)
	}
	found := false
	for _, n := range in.Notes {
		if n.Source == "m1" && strings.Contains(n.Text, "phone") {
			found = true
		}
	}
	if !found {
		t.Errorf("no note names memory m1 for the phone: %+v", in.Notes)
	}
}
