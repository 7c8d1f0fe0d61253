package demo_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/cartwright-agent/cartwright/merchants/demo"
	"github.com/cartwright-agent/cartwright/merchants/demo/internal/worldgen"
	"github.com/cartwright-agent/cartwright/skills"
)

// The scenario format's `world:` block, without the faults the demo world
// must not have: decoding with KnownFields rejects faults and typos alike.
type world struct {
	Currency  string     `yaml:"currency"`
	Merchants []merchant `yaml:"merchants"`
}

type merchant struct {
	ID        string    `yaml:"id"`
	Name      string    `yaml:"name"`
	Interface string    `yaml:"interface"`
	Shipping  shipping  `yaml:"shipping"`
	Coupons   []coupon  `yaml:"coupons"`
	Products  []product `yaml:"products"`
}

type shipping struct {
	Fee      string  `yaml:"fee"`
	FreeOver *string `yaml:"free_over"`
	ETADays  int     `yaml:"eta_days"`
}

type coupon struct {
	Code      string `yaml:"code"`
	AmountOff string `yaml:"amount_off"`
	MinSpend  string `yaml:"min_spend"`
}

type product struct {
	SKU         string            `yaml:"sku"`
	Title       string            `yaml:"title"`
	Category    string            `yaml:"category"`
	Brand       string            `yaml:"brand"`
	Price       string            `yaml:"price"`
	Stock       *int              `yaml:"stock"`
	Rating      float64           `yaml:"rating"`
	Group       string            `yaml:"group"`
	Attributes  map[string]string `yaml:"attributes"`
	Description string            `yaml:"description"`
}

func decode(b []byte) (*world, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var w world
	if err := dec.Decode(&w); err != nil {
		return nil, err
	}
	return &w, nil
}

func cny(t *testing.T, where, s string) skills.Money {
	t.Helper()
	m, err := skills.ParseMoney(s, "CNY")
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	return m
}

func (m merchant) info(t *testing.T) skills.MerchantInfo {
	t.Helper()
	info := skills.MerchantInfo{ID: m.ID, Name: m.Name, Currency: "CNY", Interface: m.Interface,
		Shipping: skills.Shipping{Fee: cny(t, m.ID+" shipping.fee", m.Shipping.Fee), ETADays: m.Shipping.ETADays}}
	if m.Shipping.FreeOver != nil {
		fo := cny(t, m.ID+" shipping.free_over", *m.Shipping.FreeOver)
		info.Shipping.FreeOver = &fo
	}
	for _, c := range m.Coupons {
		info.Coupons = append(info.Coupons, skills.Coupon{Code: c.Code,
			AmountOff: cny(t, m.ID+" coupon "+c.Code, c.AmountOff), MinSpend: cny(t, m.ID+" coupon "+c.Code, c.MinSpend)})
	}
	return info
}

func load(t *testing.T) *world {
	t.Helper()
	w, err := decode(demo.WorldYAML)
	if err != nil {
		t.Fatalf("world.yaml does not decode as a world block: %v", err)
	}
	return w
}

func TestWorldYAMLIsGenerated(t *testing.T) {
	got, err := worldgen.Generate()
	if err != nil {
		t.Fatalf("generator: %v", err)
	}
	if bytes.Equal(got, demo.WorldYAML) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(demo.WorldYAML), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, c string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			c = wl[i]
		}
		if g != c {
			t.Fatalf("world.yaml is stale (run go generate ./merchants/demo); first difference at line %d:\n committed: %q\n generated: %q", i+1, c, g)
		}
	}
}

func TestDecoderRejectsFaultsAndUnknownFields(t *testing.T) {
	for name, doc := range map[string]string{
		"faults":    "currency: CNY\nmerchants:\n  - id: x\n    faults: {error_rate: 0.5}\n",
		"typo":      "currency: CNY\nmerchants:\n  - id: x\n    products:\n      - {sku: A, prise: \"1.00\"}\n",
		"top level": "currency: CNY\nmerchant: []\n",
	} {
		if _, err := decode([]byte(doc)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

var categories = []string{"coffee", "tea", "groceries", "electronics", "apparel", "topup", "household"}

// closed lists the attribute values the offline planner maps request words
// onto; any other value for these keys is a vocabulary error.
var closed = map[string][]string{
	"milk":        {"whole", "skim", "oat", "almond", "soy", "coconut", "none"},
	"temperature": {"hot", "iced"},
	"sugar":       {"none", "less", "regular"},
	"dairy":       {"yes", "no"},
	"gluten":      {"yes", "no"},
	"nuts":        {"yes", "no"},
	"organic":     {"yes", "no"},
	"waterproof":  {"yes", "no"},
	"travel":      {"yes", "no"},
	"warmth":      {"light", "medium", "heavy"},
	"carrier":     {"china mobile", "china unicom", "china telecom"},
	"utility":     {"electricity", "water", "gas", "broadband"},
	"amount":      {"30", "50", "100", "200"},
	"device":      {"iphone 15", "iphone 16", "pixel 9", "galaxy s24", "universal"},
	"drink": {"latte", "cappuccino", "americano", "flat white", "mocha", "espresso", "cold brew",
		"matcha latte", "milk tea", "green tea", "black tea", "oolong", "fruit tea"},
}

// required lists, per kind of product, the attribute keys it must carry.
func required(p product) []string {
	switch {
	case p.Attributes["drink"] != "":
		return []string{"drink", "milk", "size", "temperature", "sugar"}
	case p.Category == "coffee" || p.Category == "tea":
		return []string{"type", "pack"}
	case p.Category == "groceries":
		return []string{"type", "pack", "dairy", "gluten", "nuts", "organic"}
	case p.Category == "electronics":
		return []string{"type", "device"}
	case p.Category == "apparel":
		return []string{"type", "size", "color", "material", "warmth", "waterproof", "travel"}
	case p.Category == "topup":
		return []string{"amount"}
	case p.Category == "household":
		return []string{"type", "scent", "pack"}
	}
	return nil
}

// priceRange is the plausible unit price band per kind of product, in yuan.
func priceRange(p product) (lo, hi int64) {
	switch {
	case p.Attributes["drink"] != "":
		return 9, 40
	case p.Category == "coffee" || p.Category == "tea":
		return 20, 120
	case p.Category == "groceries", p.Category == "household":
		return 3, 80
	case p.Category == "electronics":
		return 15, 400
	case p.Category == "apparel":
		return 39, 899
	case p.Category == "topup":
		return 30, 200
	}
	return 0, 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestWorldInvariants(t *testing.T) {
	w := load(t)
	if w.Currency != "CNY" {
		t.Errorf("currency = %q, want CNY", w.Currency)
	}
	if len(w.Merchants) < 5 {
		t.Errorf("%d merchants, want at least 5", len(w.Merchants))
	}
	ids := map[string]bool{}
	perCategory := map[string]int{}
	var products, freeOver, coupons, lowStock int
	type seen struct {
		merchant string
		p        product
	}
	byTitle := map[string][]seen{}
	brands := map[string]map[string]bool{}
	for _, m := range w.Merchants {
		if m.ID == "" || m.Name == "" || ids[m.ID] {
			t.Errorf("merchant %q (%q): id and name must be set and ids unique", m.ID, m.Name)
		}
		ids[m.ID] = true
		if m.Interface != "api" {
			t.Errorf("%s: interface %q, want api", m.ID, m.Interface)
		}
		info := m.info(t)
		if info.Shipping.Fee.Minor < 0 || m.Shipping.ETADays < 0 {
			t.Errorf("%s: negative shipping fee or eta", m.ID)
		}
		if info.Shipping.FreeOver != nil {
			freeOver++
		}
		for _, c := range info.Coupons {
			coupons++
			if c.Code == "" || c.AmountOff.Minor <= 0 || c.MinSpend.Minor < c.AmountOff.Minor {
				t.Errorf("%s: coupon %+v: want a code, a positive amount_off and min_spend ≥ amount_off", m.ID, c)
			}
		}
		skus, titles := map[string]bool{}, map[string]bool{}
		for i, p := range m.Products {
			products++
			where := fmt.Sprintf("%s products[%d] (%s)", m.ID, i, p.SKU)
			if p.SKU == "" || skus[p.SKU] {
				t.Errorf("%s: sku empty or duplicated within the merchant", where)
			}
			if p.Title == "" || titles[p.Title] {
				t.Errorf("%s: title %q empty or duplicated within the merchant", where, p.Title)
			}
			skus[p.SKU], titles[p.Title] = true, true
			if !contains(categories, p.Category) {
				t.Errorf("%s: category %q is not one of %v", where, p.Category, categories)
			}
			perCategory[p.Category]++
			if p.Brand == "" || p.Description == "" {
				t.Errorf("%s: brand and description must be set", where)
			}
			price := cny(t, where+" price", p.Price)
			if price.Minor <= 0 {
				t.Errorf("%s: price %s is not positive", where, p.Price)
			}
			if lo, hi := priceRange(p); price.Minor < lo*100 || price.Minor > hi*100 {
				t.Errorf("%s: price %s outside the plausible %d–%d yuan", where, p.Price, lo, hi)
			}
			if p.Stock == nil || *p.Stock < 0 {
				t.Errorf("%s: stock must be set and non-negative", where)
			} else if *p.Stock <= 3 {
				lowStock++
			}
			if p.Rating < 3.5 || p.Rating > 4.9 {
				t.Errorf("%s: rating %v outside 3.5–4.9", where, p.Rating)
			}
			if len(p.Attributes) == 0 {
				t.Errorf("%s: no attributes", where)
			}
			for k, v := range p.Attributes {
				if k == "" || v == "" || k != strings.ToLower(k) || v != strings.ToLower(v) || strings.TrimSpace(v) != v {
					t.Errorf("%s: attribute %q: %q must be non-empty, trimmed and lower-case", where, k, v)
				}
				if vals, ok := closed[k]; ok && !contains(vals, v) {
					t.Errorf("%s: attribute %s=%q not in %v", where, k, v, vals)
				}
			}
			for _, k := range required(p) {
				if p.Attributes[k] == "" {
					t.Errorf("%s: missing attribute %q", where, k)
				}
			}
			if s := p.Attributes["size"]; s != "" {
				allowed := []string{"xs", "s", "m", "l", "xl"}
				if p.Attributes["drink"] != "" {
					allowed = []string{"small", "medium", "large"}
				}
				if !contains(allowed, s) {
					t.Errorf("%s: size %q not in %v", where, s, allowed)
				}
			}
			if p.Category == "apparel" && p.Group == "" {
				t.Errorf("%s: apparel variants must share a group", where)
			}
			if p.Category == "topup" {
				_, carrier := p.Attributes["carrier"]
				_, utility := p.Attributes["utility"]
				face := cny(t, where+" amount", p.Attributes["amount"])
				if carrier == utility {
					t.Errorf("%s: a top-up names exactly one of carrier or utility", where)
				}
				if price.Minor > face.Minor || price.Minor*100 < face.Minor*95 {
					t.Errorf("%s: price %s must be the face value %s or slightly less", where, p.Price, face.Decimal())
				}
			}
			byTitle[p.Title] = append(byTitle[p.Title], seen{m.ID, p})
			if brands[p.Brand] == nil {
				brands[p.Brand] = map[string]bool{}
			}
			brands[p.Brand][m.ID] = true
		}
	}
	if products < 300 {
		t.Errorf("%d products, want at least 300", products)
	}
	for _, c := range categories {
		if perCategory[c] == 0 {
			t.Errorf("category %s has no products", c)
		}
	}
	if freeOver < 3 || coupons < 3 {
		t.Errorf("%d free-shipping thresholds and %d coupons, want at least 3 of each", freeOver, coupons)
	}
	if lowStock < 3 {
		t.Errorf("%d low-stock products (1–3), want a few", lowStock)
	}

	// The same title is the same item: same category and attributes wherever it is sold.
	overlaps := 0
	for title, ss := range byTitle {
		prices := map[string]bool{}
		for _, s := range ss[1:] {
			if s.p.Category != ss[0].p.Category || fmt.Sprint(s.p.Attributes) != fmt.Sprint(ss[0].p.Attributes) {
				t.Errorf("%q differs between %s and %s in category or attributes", title, ss[0].merchant, s.merchant)
			}
		}
		for _, s := range ss {
			prices[s.p.Price] = true
		}
		if len(ss) >= 2 && len(prices) >= 2 {
			overlaps++
		}
	}
	if overlaps < 20 {
		t.Errorf("%d items sold by 2+ merchants at different prices, want at least 20", overlaps)
	}
	shared := 0
	for _, ms := range brands {
		if len(ms) >= 2 {
			shared++
		}
	}
	if shared < 3 || len(brands)-shared < 3 {
		t.Errorf("%d brands at several merchants and %d at one, want a few of each", shared, len(brands)-shared)
	}
}

// TestTwoLargeOatLattesUnder40 checks the headline request is buyable, and
// not only at one merchant.
func TestTwoLargeOatLattesUnder40(t *testing.T) {
	w := load(t)
	limit := skills.M(4000, "CNY")
	var ok []string
	for _, m := range w.Merchants {
		for _, p := range m.Products {
			a := p.Attributes
			if a["drink"] != "latte" || a["milk"] != "oat" || a["size"] != "large" {
				continue
			}
			tot, err := skills.PriceCart(m.info(t), []skills.PricedLine{{UnitPrice: cny(t, p.SKU, p.Price), Quantity: 2}}, "")
			if err != nil {
				t.Fatalf("%s %s: %v", m.ID, p.SKU, err)
			}
			if tot.Total.Cmp(limit) <= 0 {
				ok = append(ok, fmt.Sprintf("%s %s=%s", m.ID, p.SKU, tot.Total.Decimal()))
			}
		}
	}
	if len(ok) < 2 {
		t.Errorf("two large oat lattes fit 40.00 at %v, want at least two merchants", ok)
	}
}

// TestPlantedSituations re-prices every planted situation from the YAML
// itself (not the generator's structures): buying each item at its lowest
// unit price must cost more than the cheapest basket.
func TestPlantedSituations(t *testing.T) {
	w := load(t)
	if len(worldgen.Situations) < 3 {
		t.Fatalf("%d planted situations, want at least 3", len(worldgen.Situations))
	}
	type offer struct {
		m     merchant
		price skills.Money
	}
	for _, s := range worldgen.Situations {
		t.Run(s.Name, func(t *testing.T) {
			offers := make([][]offer, len(s.Lines))
			for i, l := range s.Lines {
				for _, m := range w.Merchants {
					for _, p := range m.Products {
						if p.Title == l.Title {
							offers[i] = append(offers[i], offer{m, cny(t, p.SKU, p.Price)})
						}
					}
				}
				if len(offers[i]) == 0 {
					t.Fatalf("no merchant sells %q", l.Title)
				}
			}
			total := func(pick []offer) int64 {
				carts := map[string][]skills.PricedLine{}
				infos := map[string]skills.MerchantInfo{}
				for i, o := range pick {
					carts[o.m.ID] = append(carts[o.m.ID], skills.PricedLine{UnitPrice: o.price, Quantity: s.Lines[i].Quantity})
					infos[o.m.ID] = o.m.info(t)
				}
				var sum int64
				for id, lines := range carts {
					tot, err := skills.PriceCart(infos[id], lines, "")
					if err != nil {
						t.Fatalf("%s: %v", id, err)
					}
					sum += tot.Total.Minor
				}
				return sum
			}
			cheapest := make([]offer, len(offers))
			for i, os := range offers {
				cheapest[i] = os[0]
				for _, o := range os[1:] {
					if o.price.Minor < cheapest[i].price.Minor {
						cheapest[i] = o
					}
				}
			}
			perItem := total(cheapest)
			best := int64(-1)
			pick := make([]offer, len(offers))
			var walk func(int)
			walk = func(i int) {
				if i == len(offers) {
					if tot := total(pick); best < 0 || tot < best {
						best = tot
					}
					return
				}
				for _, o := range offers[i] {
					pick[i] = o
					walk(i + 1)
				}
			}
			walk(0)
			if best >= perItem {
				t.Errorf("per-item cheapest costs %s, the best basket %s: the situation no longer holds",
					skills.FormatMinor(perItem, 2), skills.FormatMinor(best, 2))
			}
			want := fmt.Sprintf("cheapest basket, total %s:", skills.FormatMinor(best, 2))
			if !bytes.Contains(demo.WorldYAML, []byte(want)) {
				t.Errorf("world.yaml's header does not state %q", want)
			}
		})
	}
}
