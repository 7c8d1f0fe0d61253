package merchants

import (
	"fmt"
	"github.com/cartwright-agent/cartwright/skills/yamlfield"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cartwright-agent/cartwright/skills"
)

// LoadWorldFile reads and validates a world file: the content of a
// scenario's `world:` block at top level (currency, seed, merchants).
func LoadWorldFile(path string) (*World, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load world: %w", err)
	}
	return LoadWorldBytes(path, b)
}

// LoadWorldBytes parses a world document; name is used in error messages.
func LoadWorldBytes(name string, b []byte) (*World, error) {
	root, err := yamlfield.Document(name, "world file", b)
	if err != nil {
		return nil, err
	}
	return ParseWorldNode(name, root)
}

// ParseWorldNode validates a world given as a YAML mapping node (for
// example the `world:` value of a scenario file). Every error names the
// file, line, column and field path; unknown fields are errors.
func ParseWorldNode(file string, n *yaml.Node) (*World, error) {
	d := &decoder{Decoder: yamlfield.Decoder{File: file, FirstOnly: true}}
	w := d.world(n)
	if err := d.Err(); err != nil {
		return nil, err
	}
	return w, nil
}

// FieldError is a world-file error at a position (file, line, column,
// field path): the one error type of every strict YAML file.
type FieldError = yamlfield.Error

// decoder reads a world; it keeps the first error only, since later ones
// are usually its consequences.
type decoder struct {
	yamlfield.Decoder
	cur skills.Currency
}

func (d *decoder) str(n *yaml.Node, path string) string {
	s, _ := d.Scalar(n, path)
	return strings.TrimSpace(s)
}

func (d *decoder) integer(n *yaml.Node, path string) int64 {
	v, _ := d.Int(n, path, math.MinInt64, math.MaxInt64)
	return v
}

func (d *decoder) number(n *yaml.Node, path string) float64 {
	s, ok := d.Scalar(n, path)
	if !ok {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || (n.Tag != "!!int" && n.Tag != "!!float") || math.IsNaN(v) || math.IsInf(v, 0) {
		d.Fail(n, path, "%q is not a number", s)
		return 0
	}
	return v
}

// money reads an amount in the world's currency (negative allowed: price
// changes are checked where they are used); nonNegMoney refuses negatives.
func (d *decoder) money(n *yaml.Node, path string) skills.Money {
	m, _ := d.Money(n, path, d.cur, true)
	return m
}

func (d *decoder) nonNegMoney(n *yaml.Node, path string) skills.Money {
	m, _ := d.Money(n, path, d.cur, false)
	return m
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func (d *decoder) world(n *yaml.Node) *World {
	f, _ := d.Fields(n, "", "currency", "seed", "merchants")
	w := &World{Currency: "CNY", Seed: 1}
	if v, ok := f["currency"]; ok {
		c, err := skills.ParseCurrency(d.str(v, "currency"))
		if err != nil {
			d.Fail(v, "currency", "%v", err)
		}
		w.Currency = c
	}
	d.cur = w.Currency
	if v, ok := f["seed"]; ok {
		w.Seed = d.integer(v, "seed")
	}
	ms, ok := f["merchants"]
	if !ok {
		d.Fail(yamlfield.Resolve(n), "merchants", "required: at least one merchant")
		return w
	}
	seen := map[string]bool{}
	for i, mn := range d.Seq(ms, "merchants") {
		path := fmt.Sprintf("merchants[%d]", i)
		m := d.merchant(mn, path)
		if m == nil {
			continue
		}
		if seen[m.ID] {
			d.Fail(mn, path+".id", "duplicate merchant id %q", m.ID)
		}
		seen[m.ID] = true
		w.Merchants = append(w.Merchants, m)
	}
	if len(w.Merchants) == 0 {
		d.Fail(ms, "merchants", "required: at least one merchant")
	}
	return w
}

func (d *decoder) merchant(n *yaml.Node, path string) *Merchant {
	f, _ := d.Fields(n, path, "id", "name", "interface", "shipping", "coupons", "faults", "products", "x402")
	m := &Merchant{Interface: InterfaceAPI, Shipping: skills.Shipping{Fee: skills.M(0, d.cur), ETADays: 2}}
	if v, ok := f["id"]; ok {
		m.ID = d.str(v, path+".id")
		if !idPattern.MatchString(m.ID) {
			d.Fail(v, path+".id", "%q must be lower-case letters, digits, '-' or '_'", m.ID)
		}
	} else {
		d.Fail(n, path+".id", "required")
	}
	m.Name = m.ID
	if v, ok := f["name"]; ok {
		m.Name = d.str(v, path+".name")
	}
	if v, ok := f["interface"]; ok {
		m.Interface = d.str(v, path+".interface")
		if m.Interface != InterfaceAPI && m.Interface != InterfaceWeb {
			d.Fail(v, path+".interface", "%q must be api or web", m.Interface)
		}
	}
	if v, ok := f["shipping"]; ok {
		sp := path + ".shipping"
		sf, _ := d.Fields(v, sp, "fee", "free_over", "eta_days")
		if x, ok := sf["fee"]; ok {
			m.Shipping.Fee = d.nonNegMoney(x, sp+".fee")
		}
		if x, ok := sf["free_over"]; ok {
			fo := d.nonNegMoney(x, sp+".free_over")
			m.Shipping.FreeOver = &fo
		}
		if x, ok := sf["eta_days"]; ok {
			m.Shipping.ETADays = int(d.integer(x, sp+".eta_days"))
			if m.Shipping.ETADays < 0 || m.Shipping.ETADays > 365 {
				d.Fail(x, sp+".eta_days", "must be between 0 and 365")
			}
		}
	}
	if v, ok := f["coupons"]; ok {
		codes := map[string]bool{}
		for i, cn := range d.Seq(v, path+".coupons") {
			cp := fmt.Sprintf("%s.coupons[%d]", path, i)
			cf, _ := d.Fields(cn, cp, "code", "amount_off", "min_spend")
			c := skills.Coupon{MinSpend: skills.M(0, d.cur)}
			if x, ok := cf["code"]; ok {
				c.Code = d.str(x, cp+".code")
			}
			if c.Code == "" {
				d.Fail(cn, cp+".code", "required")
			} else if codes[c.Code] {
				d.Fail(cf["code"], cp+".code", "duplicate coupon code %q", c.Code)
			}
			codes[c.Code] = true
			if x, ok := cf["amount_off"]; ok {
				c.AmountOff = d.money(x, cp+".amount_off")
				if c.AmountOff.Minor <= 0 {
					d.Fail(x, cp+".amount_off", "must be positive")
				}
			} else {
				d.Fail(cn, cp+".amount_off", "required")
			}
			if x, ok := cf["min_spend"]; ok {
				c.MinSpend = d.nonNegMoney(x, cp+".min_spend")
			}
			m.Coupons = append(m.Coupons, c)
		}
	}
	skus := map[string]bool{}
	if v, ok := f["products"]; ok {
		for i, pn := range d.Seq(v, path+".products") {
			pp := fmt.Sprintf("%s.products[%d]", path, i)
			p, list := d.product(pn, pp)
			p.Merchant = m.ID
			if list != nil {
				if m.ListPrices == nil {
					m.ListPrices = map[string]skills.Money{}
				}
				m.ListPrices[p.SKU] = *list
			}
			if p.SKU != "" && skus[p.SKU] {
				d.Fail(pn, pp+".sku", "duplicate sku %q in merchant %q", p.SKU, m.ID)
			}
			skus[p.SKU] = true
			m.Products = append(m.Products, p)
		}
	}
	if len(m.Products) == 0 {
		d.Fail(n, path+".products", "required: at least one product")
	}
	if v, ok := f["faults"]; ok {
		m.Faults = d.faults(v, path+".faults", skus)
	}
	if v, ok := f["x402"]; ok {
		m.X402 = d.x402(v, path+".x402", m.Interface)
	}
	return m
}

// x402 parses a merchant's per-request fees: {search_fee: "0.05"}.
func (d *decoder) x402(n *yaml.Node, path, iface string) *X402Terms {
	f, _ := d.Fields(n, path, "search_fee")
	t := &X402Terms{}
	if iface != InterfaceAPI {
		d.Fail(n, path, "only an api merchant can charge per request over x402 (this one is %q)", iface)
	}
	v, ok := f["search_fee"]
	if !ok {
		d.Fail(yamlfield.Resolve(n), path+".search_fee", "required")
		return t
	}
	t.SearchFee = d.money(v, path+".search_fee")
	if t.SearchFee.Minor <= 0 {
		d.Fail(v, path+".search_fee", "must be positive (got %s)", t.SearchFee.Decimal())
	}
	return t
}

func (d *decoder) product(n *yaml.Node, path string) (skills.Product, *skills.Money) {
	f, _ := d.Fields(n, path, "sku", "title", "category", "brand", "price", "list_price", "stock", "rating", "attributes", "description", "group")
	p := skills.Product{Stock: 100}
	req := func(k string) *yaml.Node {
		v, ok := f[k]
		if !ok {
			d.Fail(n, path+"."+k, "required")
		}
		return v
	}
	if v := req("sku"); v != nil {
		p.SKU = d.str(v, path+".sku")
		if p.SKU == "" || strings.ContainsAny(p.SKU, " /?#%\t\n") {
			d.Fail(v, path+".sku", "%q must be non-empty without spaces, '/', '?', '#' or '%%'", p.SKU)
		}
	}
	if v := req("title"); v != nil {
		p.Title = d.str(v, path+".title")
	}
	if v := req("price"); v != nil {
		p.Price = d.nonNegMoney(v, path+".price")
	}
	if v, ok := f["category"]; ok {
		p.Category = d.str(v, path+".category")
	}
	if v, ok := f["brand"]; ok {
		p.Brand = d.str(v, path+".brand")
	}
	if v, ok := f["description"]; ok {
		p.Description = d.str(v, path+".description")
	}
	if v, ok := f["group"]; ok {
		p.Group = d.str(v, path+".group")
	}
	if v, ok := f["stock"]; ok {
		s := d.integer(v, path+".stock")
		if s < 0 || s > math.MaxInt32 {
			d.Fail(v, path+".stock", "must be between 0 and %d (got %d)", math.MaxInt32, s)
		}
		p.Stock = int(s)
	}
	if v, ok := f["rating"]; ok {
		p.Rating = d.number(v, path+".rating")
		if p.Rating < 0 || p.Rating > 5 {
			d.Fail(v, path+".rating", "must be between 0 and 5")
		}
	}
	if v, ok := f["attributes"]; ok {
		ap := path + ".attributes"
		an := yamlfield.Resolve(v)
		if an == nil || an.Kind != yaml.MappingNode {
			d.Fail(an, ap, "must be a mapping of key: value")
		} else {
			p.Attributes = map[string]string{}
			for i := 0; i+1 < len(an.Content); i += 2 {
				k, val := an.Content[i], yamlfield.Resolve(an.Content[i+1])
				kp := yamlfield.Join(ap, k.Value)
				if _, dup := p.Attributes[k.Value]; dup {
					d.Fail(k, kp, "attribute given twice")
				}
				p.Attributes[k.Value] = d.str(val, kp)
			}
		}
	}
	var list *skills.Money
	if v, ok := f["list_price"]; ok {
		lp := d.nonNegMoney(v, path+".list_price")
		if lp.Minor < p.Price.Minor {
			d.Fail(v, path+".list_price", "%s is below the price %s (a list price is the pre-discount price)", lp.Decimal(), p.Price.Decimal())
		}
		list = &lp
	}
	return p, list
}

func (d *decoder) faults(n *yaml.Node, path string, skus map[string]bool) Faults {
	f, _ := d.Fields(n, path, "latency_ms", "error_rate", "price_change", "out_of_stock_at_checkout", "injection", "preselected_addons", "stale_feed")
	var fl Faults
	knownSKU := func(v *yaml.Node, p string) string {
		s := d.str(v, p)
		if !skus[s] {
			d.Fail(v, p, "unknown sku %q (not in this merchant's products)", s)
		}
		return s
	}
	if v, ok := f["latency_ms"]; ok {
		fl.LatencyMS = int(d.integer(v, path+".latency_ms"))
		if fl.LatencyMS < 0 || fl.LatencyMS > 60000 {
			d.Fail(v, path+".latency_ms", "must be between 0 and 60000")
		}
	}
	if v, ok := f["error_rate"]; ok {
		fl.ErrorRate = d.number(v, path+".error_rate")
		if fl.ErrorRate < 0 || fl.ErrorRate > 1 {
			d.Fail(v, path+".error_rate", "must be between 0 and 1")
		}
	}
	if v, ok := f["price_change"]; ok {
		pp := path + ".price_change"
		pf, _ := d.Fields(v, pp, "sku", "price")
		pc := &PriceChange{}
		if x, ok := pf["sku"]; ok {
			pc.SKU = knownSKU(x, pp+".sku")
		} else {
			d.Fail(v, pp+".sku", "required")
		}
		if x, ok := pf["price"]; ok {
			pc.Price = d.nonNegMoney(x, pp+".price")
		} else {
			d.Fail(v, pp+".price", "required")
		}
		fl.PriceChange = pc
	}
	if v, ok := f["out_of_stock_at_checkout"]; ok {
		for i, x := range d.Seq(v, path+".out_of_stock_at_checkout") {
			fl.OutOfStockAtCheckout = append(fl.OutOfStockAtCheckout, knownSKU(x, fmt.Sprintf("%s.out_of_stock_at_checkout[%d]", path, i)))
		}
	}
	if v, ok := f["injection"]; ok {
		ip := path + ".injection"
		inf, _ := d.Fields(v, ip, "sku", "text")
		in := &Injection{}
		if x, ok := inf["sku"]; ok {
			in.SKU = knownSKU(x, ip+".sku")
		} else {
			d.Fail(v, ip+".sku", "required")
		}
		if x, ok := inf["text"]; ok {
			in.Text = d.str(x, ip+".text")
		}
		if in.Text == "" {
			d.Fail(v, ip+".text", "required")
		}
		fl.Injection = in
	}
	if v, ok := f["preselected_addons"]; ok {
		for i, x := range d.Seq(v, path+".preselected_addons") {
			ap := fmt.Sprintf("%s.preselected_addons[%d]", path, i)
			af, _ := d.Fields(x, ap, "sku", "name", "price")
			a := Addon{SKU: fmt.Sprintf("ADDON-%d", i+1)}
			if y, ok := af["sku"]; ok {
				a.SKU = d.str(y, ap+".sku")
			}
			if skus[a.SKU] {
				d.Fail(x, ap+".sku", "%q clashes with a product sku", a.SKU)
			}
			skus[a.SKU] = true
			if y, ok := af["name"]; ok {
				a.Name = d.str(y, ap+".name")
			}
			if a.Name == "" {
				d.Fail(x, ap+".name", "required")
			}
			if y, ok := af["price"]; ok {
				a.Price = d.nonNegMoney(y, ap+".price")
			} else {
				d.Fail(x, ap+".price", "required")
			}
			fl.PreselectedAddons = append(fl.PreselectedAddons, a)
		}
	}
	if v, ok := f["stale_feed"]; ok {
		fl.StaleFeed = d.staleFeed(v, path+".stale_feed", knownSKU)
	}
	return fl
}

// staleFeed parses the stale_feed fault: one entry {sku, price, in_stock}
// or a list of them; each needs price or in_stock, a SKU appears once.
func (d *decoder) staleFeed(n *yaml.Node, path string, knownSKU func(*yaml.Node, string) string) []StaleFeed {
	entries := []*yaml.Node{n}
	paths := []string{path}
	if r := yamlfield.Resolve(n); r != nil && r.Kind == yaml.SequenceNode {
		entries, paths = nil, nil
		for i, x := range d.Seq(n, path) {
			entries = append(entries, x)
			paths = append(paths, fmt.Sprintf("%s[%d]", path, i))
		}
		if len(entries) == 0 {
			d.Fail(n, path, "must name at least one sku")
		}
	}
	var out []StaleFeed
	seen := map[string]bool{}
	for i, x := range entries {
		p := paths[i]
		sf, _ := d.Fields(x, p, "sku", "price", "in_stock")
		var s StaleFeed
		if y, ok := sf["sku"]; ok {
			s.SKU = knownSKU(y, p+".sku")
			if seen[s.SKU] {
				d.Fail(y, p+".sku", "sku %q is already stale in this feed", s.SKU)
			}
			seen[s.SKU] = true
		} else {
			d.Fail(x, p+".sku", "required")
		}
		if y, ok := sf["price"]; ok {
			m := d.nonNegMoney(y, p+".price")
			s.Price = &m
		}
		if y, ok := sf["in_stock"]; ok {
			b, _ := d.Bool(y, p+".in_stock")
			s.InStock = &b
		}
		if s.Price == nil && s.InStock == nil {
			d.Fail(x, p, "needs price or in_stock (what the stale feed shows)")
		}
		out = append(out, s)
	}
	return out
}
