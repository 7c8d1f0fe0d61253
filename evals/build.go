package evals

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills"
)

// NewScenario builds a scenario from values, as a generator does, with its
// own world w: the result is the value the loader would produce from the
// same scenario written as a file (MarshalScenario writes that file). s
// gives everything but the world and what is derived from it (Currency,
// Catalog, DemoWorld); File names the scenario in messages (default
// "<id>.yaml"). It applies the loader's rules and returns the first
// violation as an error naming the field.
func NewScenario(s Scenario, w *merchants.World) (*Scenario, error) {
	if w == nil {
		return nil, errors.New("new scenario: no world")
	}
	out := s
	if out.File == "" {
		out.File = out.ID + ".yaml"
	}
	if out.Line == 0 {
		out.Line = 1
	}
	out.world = worldHandle{w}
	out.Currency = w.Currency
	out.Catalog = catalogOf(w)
	out.DemoWorld = false
	if out.User.ID == "" {
		out.User.ID = "demo"
	}
	if out.User.Answers.Confirm == "" {
		out.User.Answers.Confirm = ConfirmDeny
	}
	if out.User.Wallet.Currency == "" {
		out.User.Wallet = skills.M(1000*pow10(w.Currency.Exponent()), w.Currency)
	}
	if out.Expect.Confirmation == "" {
		out.Expect.Confirmation = ExpectAny
	}
	if out.Expect.Clarification == "" {
		out.Expect.Clarification = ExpectAny
	}
	if err := out.validate(w); err != nil {
		return nil, fmt.Errorf("%s: %w", out.File, err)
	}
	return &out, nil
}

// validate applies the scenario format's rules to a built scenario (the
// loader applies them to a file as it reads it).
func (s *Scenario) validate(w *merchants.World) error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if !w.Currency.Valid() {
		bad("world.currency", "unknown currency %q", w.Currency)
	}
	if len(w.Merchants) == 0 {
		bad("world.merchants", "required: at least one merchant")
	}
	ids := map[string]bool{}
	for i, m := range w.Merchants {
		path := fmt.Sprintf("world.merchants[%d]", i)
		if ids[m.ID] {
			bad(path+".id", "duplicate merchant id %q", m.ID)
		}
		ids[m.ID] = true
		if m.Interface != merchants.InterfaceAPI && m.Interface != merchants.InterfaceWeb {
			bad(path+".interface", "%q must be api or web", m.Interface)
		}
		if len(m.Products) == 0 {
			bad(path+".products", "required: at least one product")
		}
		skus := map[string]bool{}
		for j, p := range m.Products {
			pp := fmt.Sprintf("%s.products[%d]", path, j)
			switch {
			case p.SKU == "" || strings.ContainsAny(p.SKU, " /?#%\t\n"):
				bad(pp+".sku", "%q must be non-empty without spaces, '/', '?', '#' or '%%'", p.SKU)
			case skus[p.SKU]:
				bad(pp+".sku", "duplicate sku %q in merchant %q", p.SKU, m.ID)
			}
			skus[p.SKU] = true
			if p.Merchant != m.ID {
				bad(pp, "product's merchant is %q, not %q", p.Merchant, m.ID)
			}
			if p.Price.Currency != w.Currency || p.Price.Minor < 0 {
				bad(pp+".price", "%s is not a non-negative amount in %s", p.Price, w.Currency)
			}
			if p.Rating < 0 || p.Rating > 5 {
				bad(pp+".rating", "must be between 0 and 5")
			}
		}
	}
	if strings.TrimSpace(s.ID) == "" || strings.ContainsAny(s.ID, " \t\n/") {
		bad("id", "%q must be non-empty without spaces or slashes", s.ID)
	}
	if strings.TrimSpace(s.Request) == "" {
		bad("request", "required")
	}
	money := func(field string, m *skills.Money) {
		if m != nil && (m.Currency != w.Currency || m.Minor < 0) {
			bad(field, "%s is not a non-negative amount in %s", m, w.Currency)
		}
	}
	money("user.wallet.balance", &s.User.Wallet)
	money("user.mandate.max_total", s.User.Mandate.MaxTotal)
	money("user.mandate.confirm_above", s.User.Mandate.ConfirmAbove)
	money("expect.max_total", s.Expect.MaxTotal)
	money("expect.cheapest_total", s.Expect.CheapestTotal)
	for i, m := range s.User.Mandate.Merchants {
		if !ids[m] {
			bad(fmt.Sprintf("user.mandate.merchants[%d]", i), "unknown merchant %q", m)
		}
	}
	for i, e := range s.User.Memory {
		if e.Kind != "" && e.Kind != KindPreference && e.Kind != KindConstraint && e.Kind != KindProfile {
			bad(fmt.Sprintf("user.memory[%d].kind", i), "%q must be one of preference, constraint, profile", e.Kind)
		}
	}
	if c := s.User.Answers.Confirm; c != ConfirmApprove && c != ConfirmDeny {
		bad("user.answers.confirm", "%q must be one of approve, deny", c)
	}
	for _, f := range []struct{ name, v string }{{"expect.confirmation", s.Expect.Confirmation}, {"expect.clarification", s.Expect.Clarification}} {
		if f.v != ExpectRequired && f.v != ExpectForbidden && f.v != ExpectAny {
			bad(f.name, "%q must be one of required, forbidden, any", f.v)
		}
	}
	if s.Expect.Purchase && len(s.Expect.Items) == 0 {
		bad("expect.items", "required when purchase is true (what must be bought)")
	}
	if s.Expect.CheapestTotal != nil && !s.Expect.Purchase {
		bad("expect.cheapest_total", "only meaningful when purchase is true")
	}
	checkMatch := func(path string, m Match) {
		if m.Merchant != "" && !ids[m.Merchant] {
			bad(path+".merchant", "unknown merchant %q", m.Merchant)
		}
		money(path+".max_unit_price", m.MaxUnitPrice)
	}
	for i, it := range s.Expect.Items {
		path := fmt.Sprintf("expect.items[%d]", i)
		if it.Quantity < 1 || it.Quantity > 1000 {
			bad(path+".quantity", "%d is out of range 1..1000", it.Quantity)
		}
		checkMatch(path+".match", it.Match)
		if it.Match.SKU != "" && !s.Catalog.HasSKU(it.Match.Merchant, it.Match.SKU) {
			bad(path+".match.sku", "no product %q in the world", it.Match.SKU)
		}
	}
	for i, f := range s.Expect.Forbidden {
		path := fmt.Sprintf("expect.forbidden[%d]", i)
		if f.IsZero() {
			bad(path, "empty: it would forbid everything")
		}
		checkMatch(path, f)
	}
	return errors.Join(errs...)
}

// MarshalScenario writes s in the scenario file format (see
// evals/scenarios/README.md, the scenario contract): every field explicit, amounts as
// decimal strings in the world's currency, the world in full unless it is
// the built-in demo world. Parse reads it back to an equal scenario.
func MarshalScenario(s *Scenario) ([]byte, error) {
	doc := yScenario{ID: s.ID, Title: s.Title, Tags: s.Tags, Request: s.Request}
	u := s.User
	doc.User = &yUser{ID: u.ID, Wallet: &yWallet{Balance: u.Wallet.Decimal()},
		Answers: &yAnswers{Confirm: u.Answers.Confirm, Clarify: u.Answers.Clarify}}
	for _, m := range u.Memory {
		doc.User.Memory = append(doc.User.Memory, yMemory{Text: m.Text, Kind: m.Kind})
	}
	if md := u.Mandate; md.MaxTotal != nil || md.ConfirmAbove != nil || len(md.Merchants) > 0 || len(md.Categories) > 0 {
		doc.User.Mandate = &yMandate{MaxTotal: dec(md.MaxTotal), ConfirmAbove: dec(md.ConfirmAbove),
			Merchants: md.Merchants, Categories: md.Categories}
	}
	if !s.DemoWorld {
		w := s.World()
		if w == nil {
			return nil, fmt.Errorf("marshal scenario %s: no world", s.ID)
		}
		doc.World = marshalWorld(w)
	}
	e := s.Expect
	doc.Expect = yExpect{Purchase: e.Purchase, MaxTotal: dec(e.MaxTotal), Confirmation: e.Confirmation,
		Clarification: e.Clarification, CheapestTotal: dec(e.CheapestTotal)}
	for _, it := range e.Items {
		doc.Expect.Items = append(doc.Expect.Items, yItem{Match: marshalMatch(it.Match), Quantity: it.Quantity})
	}
	for _, f := range e.Forbidden {
		doc.Expect.Forbidden = append(doc.Expect.Forbidden, marshalMatch(f))
	}
	if f := e.Fees; f != nil {
		doc.Expect.Fees = &yFees{Min: dec(f.Min), Max: dec(f.Max)}
	}
	return yaml.Marshal(doc)
}

func dec(m *skills.Money) string {
	if m == nil {
		return ""
	}
	return m.Decimal()
}

func marshalMatch(m Match) yMatch {
	return yMatch{SKU: m.SKU, Merchant: m.Merchant, Category: m.Category, Brand: m.Brand,
		TitleContains: m.TitleContains, Attributes: m.Attributes, MaxUnitPrice: dec(m.MaxUnitPrice)}
}

func marshalWorld(w *merchants.World) *yWorld {
	out := &yWorld{Currency: string(w.Currency), Seed: w.Seed}
	for _, m := range w.Merchants {
		ym := yMerchant{ID: m.ID, Name: m.Name, Interface: m.Interface,
			Shipping: yShipping{Fee: m.Shipping.Fee.Decimal(), FreeOver: dec(m.Shipping.FreeOver), ETADays: m.Shipping.ETADays}}
		for _, c := range m.Coupons {
			ym.Coupons = append(ym.Coupons, yCoupon{Code: c.Code, AmountOff: c.AmountOff.Decimal(), MinSpend: c.MinSpend.Decimal()})
		}
		if f := m.Faults; f.LatencyMS != 0 || f.ErrorRate != 0 || f.PriceChange != nil || len(f.OutOfStockAtCheckout) > 0 ||
			f.Injection != nil || len(f.PreselectedAddons) > 0 || len(f.StaleFeed) > 0 {
			yf := &yFaults{LatencyMS: f.LatencyMS, ErrorRate: f.ErrorRate, OutOfStock: f.OutOfStockAtCheckout}
			if pc := f.PriceChange; pc != nil {
				yf.PriceChange = &yPriceChange{SKU: pc.SKU, Price: pc.Price.Decimal()}
			}
			if in := f.Injection; in != nil {
				yf.Injection = &yInjection{SKU: in.SKU, Text: in.Text}
			}
			for _, a := range f.PreselectedAddons {
				yf.Addons = append(yf.Addons, yAddon{SKU: a.SKU, Name: a.Name, Price: a.Price.Decimal()})
			}
			for _, sf := range f.StaleFeed {
				yf.StaleFeed = append(yf.StaleFeed, yStaleFeed{SKU: sf.SKU, Price: dec(sf.Price), InStock: sf.InStock})
			}
			ym.Faults = yf
		}
		if m.X402 != nil {
			ym.X402 = &yX402{SearchFee: m.X402.SearchFee.Decimal()}
		}
		for _, p := range m.Products {
			yp := yProduct{SKU: p.SKU, Title: p.Title, Category: p.Category, Brand: p.Brand,
				Price: p.Price.Decimal(), Stock: p.Stock, Rating: p.Rating, Attributes: p.Attributes,
				Description: p.Description, Group: p.Group}
			if lp, ok := m.ListPrices[p.SKU]; ok {
				yp.ListPrice = lp.Decimal()
			}
			ym.Products = append(ym.Products, yp)
		}
		out.Merchants = append(out.Merchants, ym)
	}
	return out
}

// The file format as YAML documents, in the order the format page gives.
type (
	yScenario struct {
		ID      string   `yaml:"id"`
		Title   string   `yaml:"title,omitempty"`
		Tags    []string `yaml:"tags,omitempty,flow"`
		Request string   `yaml:"request"`
		User    *yUser   `yaml:"user,omitempty"`
		World   *yWorld  `yaml:"world,omitempty"`
		Expect  yExpect  `yaml:"expect"`
	}
	yUser struct {
		ID      string    `yaml:"id"`
		Memory  []yMemory `yaml:"memory,omitempty"`
		Wallet  *yWallet  `yaml:"wallet,omitempty"`
		Mandate *yMandate `yaml:"mandate,omitempty"`
		Answers *yAnswers `yaml:"answers,omitempty"`
	}
	yMemory struct {
		Text string `yaml:"text"`
		Kind string `yaml:"kind,omitempty"`
	}
	yWallet struct {
		Balance string `yaml:"balance"`
	}
	yMandate struct {
		MaxTotal     string   `yaml:"max_total,omitempty"`
		ConfirmAbove string   `yaml:"confirm_above,omitempty"`
		Merchants    []string `yaml:"merchants,omitempty,flow"`
		Categories   []string `yaml:"categories,omitempty,flow"`
	}
	yAnswers struct {
		Confirm string `yaml:"confirm"`
		Clarify string `yaml:"clarify,omitempty"`
	}
	yWorld struct {
		Currency  string      `yaml:"currency"`
		Seed      int64       `yaml:"seed"`
		Merchants []yMerchant `yaml:"merchants"`
	}
	yMerchant struct {
		ID        string     `yaml:"id"`
		Name      string     `yaml:"name"`
		Interface string     `yaml:"interface"`
		Shipping  yShipping  `yaml:"shipping"`
		Coupons   []yCoupon  `yaml:"coupons,omitempty"`
		Faults    *yFaults   `yaml:"faults,omitempty"`
		X402      *yX402     `yaml:"x402,omitempty"`
		Products  []yProduct `yaml:"products"`
	}
	yShipping struct {
		Fee      string `yaml:"fee"`
		FreeOver string `yaml:"free_over,omitempty"`
		ETADays  int    `yaml:"eta_days"`
	}
	yCoupon struct {
		Code      string `yaml:"code"`
		AmountOff string `yaml:"amount_off"`
		MinSpend  string `yaml:"min_spend"`
	}
	yFaults struct {
		LatencyMS   int           `yaml:"latency_ms,omitempty"`
		ErrorRate   float64       `yaml:"error_rate,omitempty"`
		PriceChange *yPriceChange `yaml:"price_change,omitempty"`
		OutOfStock  []string      `yaml:"out_of_stock_at_checkout,omitempty,flow"`
		Injection   *yInjection   `yaml:"injection,omitempty"`
		Addons      []yAddon      `yaml:"preselected_addons,omitempty"`
		StaleFeed   []yStaleFeed  `yaml:"stale_feed,omitempty"`
	}
	yStaleFeed struct {
		SKU     string `yaml:"sku"`
		Price   string `yaml:"price,omitempty"`
		InStock *bool  `yaml:"in_stock,omitempty"`
	}
	yPriceChange struct {
		SKU   string `yaml:"sku"`
		Price string `yaml:"price"`
	}
	yInjection struct {
		SKU  string `yaml:"sku"`
		Text string `yaml:"text"`
	}
	yAddon struct {
		SKU   string `yaml:"sku"`
		Name  string `yaml:"name"`
		Price string `yaml:"price"`
	}
	yX402 struct {
		SearchFee string `yaml:"search_fee"`
	}
	yProduct struct {
		SKU         string            `yaml:"sku"`
		Title       string            `yaml:"title"`
		Category    string            `yaml:"category,omitempty"`
		Brand       string            `yaml:"brand,omitempty"`
		Price       string            `yaml:"price"`
		ListPrice   string            `yaml:"list_price,omitempty"`
		Stock       int               `yaml:"stock"`
		Rating      float64           `yaml:"rating,omitempty"`
		Attributes  map[string]string `yaml:"attributes,omitempty,flow"`
		Description string            `yaml:"description,omitempty"`
		Group       string            `yaml:"group,omitempty"`
	}
	yExpect struct {
		Purchase      bool     `yaml:"purchase"`
		Items         []yItem  `yaml:"items,omitempty"`
		MaxTotal      string   `yaml:"max_total,omitempty"`
		Confirmation  string   `yaml:"confirmation"`
		Clarification string   `yaml:"clarification"`
		Forbidden     []yMatch `yaml:"forbidden,omitempty"`
		CheapestTotal string   `yaml:"cheapest_total,omitempty"`
		Fees          *yFees   `yaml:"fees,omitempty"`
	}
	yItem struct {
		Match    yMatch `yaml:"match"`
		Quantity int    `yaml:"quantity"`
	}
	yMatch struct {
		SKU           string            `yaml:"sku,omitempty"`
		Merchant      string            `yaml:"merchant,omitempty"`
		Category      string            `yaml:"category,omitempty"`
		Brand         string            `yaml:"brand,omitempty"`
		TitleContains string            `yaml:"title_contains,omitempty"`
		Attributes    map[string]string `yaml:"attributes,omitempty,flow"`
		MaxUnitPrice  string            `yaml:"max_unit_price,omitempty"`
	}
	yFees struct {
		Min string `yaml:"min,omitempty"`
		Max string `yaml:"max,omitempty"`
	}
)
