package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
)

// Config configures a browser Merchant.
type Config struct {
	// ID is the merchant id the runtime knows the storefront by (required).
	ID string
	// Name is the display name (default: ID).
	Name string
	// BaseURL is the storefront's home page, e.g. http://127.0.0.1:8080/shop/
	// (required).
	BaseURL string
	// Currency is the storefront's currency (required): prices on its
	// pages must name it.
	Currency skills.Currency
	// Profile says how to shop the site (default Generic).
	Profile *Profile
	// Browser is the shared Chromium (required).
	Browser *Browser
	// EvidenceDir is where screenshots go (default: a "cartwright-evidence"
	// directory in os.TempDir()).
	EvidenceDir string
	// StepTimeout bounds one page step (default 15s); the caller's context
	// deadline applies too.
	StepTimeout time.Duration
	// InfoTTL is how long Info is cached (default 5 minutes).
	InfoTTL time.Duration
	// MaxOpenQuotes bounds the quotes kept open (one tab each); the least
	// recently used idle one is closed first (default 32). A closed quote
	// needs a new Quote before Complete.
	MaxOpenQuotes int
	// Logger (default slog.Default()).
	Logger *slog.Logger
}

// Merchant shops one storefront through the browser. It implements
// skills.Merchant. It is safe for concurrent use; the steps of one
// checkout session run one at a time in that session's tab.
type Merchant struct {
	cfg     Config
	profile *Profile
	sels    string
	base    *url.URL
	log     *slog.Logger
	wait    atomic.Int64 // nanoseconds spent waiting for pages
	busy    atomic.Int64 // nanoseconds spent inside Merchant methods

	mu       sync.Mutex
	products map[string]productRef // by SKU, from searches and product pages
	sessions map[string]*session   // by quote id (the checkout reference)
	orders   map[string]orderRef   // by order id
	quoteKey map[string]*skills.Quote
	doneKey  map[string]*skills.Order
	refKey   map[string]*skills.Refund
	cancKey  map[string]bool
	evidence map[string][]Evidence // by quote id
	info     *skills.MerchantInfo
	infoAt   time.Time
}

var _ skills.Merchant = (*Merchant)(nil)

// productRef is what the skill learnt about a SKU: where its page is and
// which options select it there.
type productRef struct {
	URL        string
	Attributes map[string]string
	Options    []string // keys of the pickers on its page
	Title      string
}

type session struct {
	mu     sync.Mutex // one step at a time per tab
	ctx    context.Context
	cancel context.CancelFunc
	quote  *skills.Quote   // the last quote the caller saw
	dir    string          // evidence directory
	used   time.Time       // guarded by Merchant.mu
	addr   *skills.Address // from the last QuoteRequest that gave one
}

type orderRef struct {
	url     string
	quoteID string
}

// New builds a browser merchant.
func New(cfg Config) (*Merchant, error) {
	switch {
	case cfg.ID == "":
		return nil, errors.New("browser: merchant id is required")
	case cfg.Browser == nil:
		return nil, errors.New("browser: a Browser is required")
	case !cfg.Currency.Valid():
		return nil, fmt.Errorf("browser: merchant %s: unknown currency %q", cfg.ID, cfg.Currency)
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("browser: merchant %s: base URL %q must be an absolute http(s) URL", cfg.ID, cfg.BaseURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	if cfg.Name == "" {
		cfg.Name = cfg.ID
	}
	if cfg.Profile == nil {
		cfg.Profile = Generic
	}
	if cfg.StepTimeout <= 0 {
		cfg.StepTimeout = 15 * time.Second
	}
	if cfg.InfoTTL <= 0 {
		cfg.InfoTTL = 5 * time.Minute
	}
	if cfg.MaxOpenQuotes <= 0 {
		cfg.MaxOpenQuotes = 32
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	sels, err := json.Marshal(cfg.Profile.Selectors)
	if err != nil {
		return nil, err
	}
	return &Merchant{
		cfg: cfg, profile: cfg.Profile, sels: string(sels), base: base, log: cfg.Logger.With("merchant", cfg.ID, "profile", cfg.Profile.Name),
		products: map[string]productRef{}, sessions: map[string]*session{}, orders: map[string]orderRef{},
		quoteKey: map[string]*skills.Quote{}, doneKey: map[string]*skills.Order{}, refKey: map[string]*skills.Refund{},
		cancKey: map[string]bool{}, evidence: map[string][]Evidence{},
	}, nil
}

// Stats says how the merchant spent its time.
type Stats struct {
	// Busy is the time spent inside Merchant methods.
	Busy time.Duration
	// PageWait is the part of Busy spent waiting for pages to load and
	// page conditions to hold.
	PageWait time.Duration
}

// Stats returns the time counters since New.
func (m *Merchant) Stats() Stats {
	return Stats{Busy: time.Duration(m.busy.Load()), PageWait: time.Duration(m.wait.Load())}
}

func (m *Merchant) track() func() {
	start := time.Now()
	return func() { m.busy.Add(int64(time.Since(start))) }
}

// resolve makes an absolute URL from a profile path with {sku}/{query}.
func (m *Merchant) resolve(path string, vars ...string) string {
	for i := 0; i+1 < len(vars); i += 2 {
		path = strings.ReplaceAll(path, "{"+vars[i]+"}", url.PathEscape(vars[i+1]))
	}
	u, err := m.base.Parse(path)
	if err != nil {
		return m.base.String()
	}
	return u.String()
}

// page binds a tab to one operation: the step timeout and the caller's
// context both bound it.
func (m *Merchant) page(caller, tab context.Context, steps int) (*page, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(tab, time.Duration(steps)*m.cfg.StepTimeout)
	if dl, ok := caller.Deadline(); ok {
		var c2 context.CancelFunc
		ctx, c2 = context.WithDeadline(ctx, dl)
		prev := cancel
		cancel = func() { c2(); prev() }
	}
	stop := context.AfterFunc(caller, cancel)
	return &page{m: m, ctx: ctx, sels: m.sels, wait: &m.wait}, func() { stop(); cancel() }
}

// scratch opens a short-lived tab for a read-only operation.
func (m *Merchant) scratch(ctx context.Context, steps int) (*page, func(), error) {
	tctx, tcancel, err := m.cfg.Browser.tab()
	if err != nil {
		return nil, nil, err
	}
	p, pcancel := m.page(ctx, tctx, steps)
	return p, func() { pcancel(); tcancel() }, nil
}

// ---- Info ----

type infoPage struct {
	Fee      string `json:"fee"`
	FreeOver string `json:"free_over"`
	ETADays  int    `json:"eta_days"`
	Coupons  []struct {
		Code string `json:"code"`
		Off  string `json:"off"`
		Min  string `json:"min"`
	} `json:"coupons"`
}

type vocabPage struct {
	Categories []string            `json:"categories"`
	Brands     []string            `json:"brands"`
	Attributes map[string][]string `json:"attributes"`
	// CategoryURLs are the home page's links to each category's listing.
	CategoryURLs map[string]string `json:"category_urls"`
	// Catalog is read from the category listings (not from the page).
	Catalog []skills.CategoryVocabulary `json:"-"`
}

// maxVocabPages bounds the category listings Info reads when the home page
// links no attribute values.
const maxVocabPages = 12

// Info reads the storefront's delivery rules and promotion codes from its
// info page and the catalog's vocabulary from its home page's links; a
// home page that links categories but no brands or attribute values (many
// shops list only aisles there) has the vocabulary read from the spec
// lists of its category listings instead. The result is cached for
// Config.InfoTTL.
func (m *Merchant) Info(ctx context.Context) (skills.MerchantInfo, error) {
	defer m.track()()
	m.mu.Lock()
	if m.info != nil && time.Since(m.infoAt) < m.cfg.InfoTTL {
		in := *m.info
		m.mu.Unlock()
		return in, nil
	}
	m.mu.Unlock()
	p, done, err := m.scratch(ctx, 4+maxVocabPages)
	if err != nil {
		return skills.MerchantInfo{}, err
	}
	defer done()
	info := skills.MerchantInfo{ID: m.cfg.ID, Name: m.cfg.Name, Currency: m.cfg.Currency, Interface: "web"}
	if _, err := p.goTo("open home page", m.base.String()); err != nil {
		return info, err
	}
	var voc vocabPage
	if _, err := p.eval("vocabulary", nil, &voc); err != nil {
		return info, p.fail("read catalog links", "", err)
	}
	if len(voc.Attributes) == 0 && len(voc.Brands) == 0 && len(voc.CategoryURLs) > 0 {
		if err := m.vocabFromListings(p, &voc); err != nil {
			return info, err
		}
	}
	info.Categories, info.Brands, info.Attributes, info.Catalog = voc.Categories, voc.Brands, voc.Attributes, voc.Catalog
	infoURL := ""
	if m.profile.URLs.Info != "" {
		infoURL = m.resolve(m.profile.URLs.Info)
	} else {
		var links []string
		s, err := p.evalString(`JSON.stringify(Array.from(document.querySelectorAll('a[href]')).filter(a=>/delivery|shipping/i.test(a.innerText)).map(a=>a.href))`)
		if err == nil {
			_ = json.Unmarshal([]byte(s), &links)
		}
		if len(links) == 0 {
			return info, p.fail("find the delivery information", "", errMissing)
		}
		infoURL = links[0]
	}
	if _, err := p.goTo("open delivery information", infoURL); err != nil {
		return info, err
	}
	var ip infoPage
	miss, err := p.eval("info", nil, &ip)
	if err != nil {
		return info, p.fail("read delivery information", "", err)
	}
	if ip.Fee == "" {
		role := ""
		if miss != nil {
			role = miss.Role
		}
		return info, p.fail("read the delivery fee", role, errMissing)
	}
	if info.Shipping.Fee, err = parsePrice(ip.Fee, m.cfg.Currency); err != nil {
		return info, p.fail("read the delivery fee", "shipping_fee", err)
	}
	if ip.FreeOver != "" {
		fo, err := parsePrice(ip.FreeOver, m.cfg.Currency)
		if err != nil {
			return info, p.fail("read the free delivery threshold", "free_over", err)
		}
		info.Shipping.FreeOver = &fo
	}
	info.Shipping.ETADays = ip.ETADays
	for _, c := range ip.Coupons {
		off, err1 := parsePrice(c.Off, m.cfg.Currency)
		min, err2 := parsePrice(c.Min, m.cfg.Currency)
		if err := errors.Join(err1, err2); err != nil {
			return info, p.fail("read promotion code "+c.Code, "offer", err)
		}
		info.Coupons = append(info.Coupons, skills.Coupon{Code: c.Code, AmountOff: off, MinSpend: min})
	}
	m.mu.Lock()
	m.info, m.infoAt = &info, time.Now()
	m.mu.Unlock()
	return info, nil
}

// vocabFromListings reads brands and attribute values from the spec lists
// of the category listings the home page links (at most maxVocabPages). A
// listing that does not load is skipped: the vocabulary only helps the
// planner read a request, it decides nothing. A canceled or timed-out
// operation is an error.
func (m *Merchant) vocabFromListings(p *page, voc *vocabPage) error {
	brands := map[string]bool{}
	attrs := map[string]map[string]bool{}
	cats := append([]string(nil), voc.Categories...)
	sort.Strings(cats)
	var listed []skills.Product
	if len(cats) > maxVocabPages {
		cats = cats[:maxVocabPages]
	}
	for _, c := range cats {
		u := voc.CategoryURLs[c]
		if u == "" {
			continue
		}
		if _, err := p.goTo("open the "+c+" listing", u); err != nil {
			if p.ctx.Err() != nil {
				return err
			}
			m.log.Warn("catalog vocabulary: listing skipped", "category", c, "err", err)
			continue
		}
		var res struct {
			Results []resultItem `json:"results"`
		}
		if _, err := p.eval("results", nil, &res); err != nil {
			return p.fail("read the "+c+" listing", "result", err)
		}
		for _, r := range res.Results {
			item := skills.Product{Title: r.Title, Category: c}
			for k, v := range r.Specs {
				switch {
				case v == "":
				case k == "brand":
					brands[v] = true
					item.Brand = v
				case !specKeys[k] && k != "":
					if attrs[k] == nil {
						attrs[k] = map[string]bool{}
					}
					attrs[k][v] = true
					if item.Attributes == nil {
						item.Attributes = map[string]string{}
					}
					item.Attributes[k] = v
				}
			}
			listed = append(listed, item)
		}
	}
	voc.Catalog = skills.CatalogVocabulary(listed)
	voc.Brands = sortedSet(brands)
	voc.Attributes = map[string][]string{}
	for k, vs := range attrs {
		voc.Attributes[k] = sortedSet(vs)
	}
	return nil
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- Search ----

type resultItem struct {
	Title  string            `json:"title"`
	URL    string            `json:"url"`
	Price  string            `json:"price"`
	SKU    string            `json:"sku"`
	Specs  map[string]string `json:"specs"`
	Stock  *int              `json:"stock"`
	Rating float64           `json:"rating"`
	Family bool              `json:"family"`
}

type productPage struct {
	Title       string            `json:"title"`
	Price       string            `json:"price"`
	SKU         string            `json:"sku"`
	Description string            `json:"description"`
	Specs       map[string]string `json:"specs"`
	Stock       *int              `json:"stock"`
	Rating      float64           `json:"rating"`
	Options     []struct {
		Key    string   `json:"key"`
		Name   string   `json:"name"`
		Kind   string   `json:"kind"`
		Chosen string   `json:"chosen"`
		Values []string `json:"values"`
	} `json:"options"`
	HasQty      bool `json:"has_qty"`
	HasAdd      bool `json:"has_add"`
	AddDisabled bool `json:"add_disabled"`
	Variants    []struct {
		SKU        string            `json:"sku"`
		Title      string            `json:"title"`
		Price      string            `json:"price"`
		Stock      int               `json:"stock"`
		Rating     float64           `json:"rating"`
		Attributes map[string]string `json:"attributes"`
		URL        string            `json:"url"`
	} `json:"variants"`
}

// specKeys are spec rows that are product fields, not attributes.
var specKeys = map[string]bool{"category": true, "brand": true, "sku": true, "rating": true, "stock": true, "description": true}

func (m *Merchant) productFrom(title, price, sku string, specs map[string]string, stock *int, rating float64) (skills.Product, error) {
	pr, err := parsePrice(price, m.cfg.Currency)
	if err != nil {
		return skills.Product{}, fmt.Errorf("price of %q: %w", title, err)
	}
	p := skills.Product{Merchant: m.cfg.ID, SKU: sku, Title: title, Price: pr, Rating: rating, Attributes: map[string]string{}}
	p.Category, p.Brand = specs["category"], specs["brand"]
	for k, v := range specs {
		if !specKeys[k] && k != "" && v != "" {
			p.Attributes[k] = v
		}
	}
	p.Stock = 1 // "in stock" without a number
	if stock != nil {
		if *stock >= 0 {
			p.Stock = *stock
		}
	}
	return p, nil
}

// Search types the query into the storefront's search box, reads the
// results, opens the pages of products that come in several variants (and
// of results that show no SKU), and applies the query's filters to what
// the pages said.
func (m *Merchant) Search(ctx context.Context, q skills.Query) ([]skills.Product, error) {
	defer m.track()()
	text := strings.TrimSpace(q.Text)
	if text == "" {
		var words []string
		for _, w := range []string{q.Category, q.Brand} {
			if w != "" {
				words = append(words, w)
			}
		}
		for _, v := range q.Attributes {
			words = append(words, v)
		}
		text = strings.Join(words, " ")
	}
	if text == "" {
		return nil, fmt.Errorf("%w: browser search needs text, a category, a brand or an attribute", skills.ErrInvalid)
	}
	p, done, err := m.scratch(ctx, 8)
	if err != nil {
		return nil, err
	}
	defer done()
	if _, err := p.goTo("open home page", m.base.String()); err != nil {
		return nil, err
	}
	if err := p.fill("type the search", "search_box", text); err != nil {
		return nil, err
	}
	if _, err := p.clickTo("submit the search", "search_submit"); err != nil {
		return nil, err
	}
	var res struct {
		Results []resultItem `json:"results"`
	}
	if _, err := p.eval("results", nil, &res); err != nil {
		return nil, p.fail("read the results", "result", err)
	}
	var out []skills.Product
	for _, r := range res.Results {
		if r.URL == "" {
			continue
		}
		if !r.Family && r.SKU != "" && r.Price != "" {
			pr, err := m.productFrom(r.Title, r.Price, r.SKU, r.Specs, r.Stock, r.Rating)
			if err != nil {
				return nil, p.fail("read a result", "result_price", err)
			}
			m.remember(pr.SKU, productRef{URL: r.URL, Attributes: pr.Attributes, Title: pr.Title})
			out = append(out, pr)
			continue
		}
		// A product with variants, or one whose SKU is only on its page.
		ps, err := m.readProductPage(p, r.URL)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	out = filter(out, q)
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// readProductPage opens a product page and returns its product, or every
// variant when the page lists them.
func (m *Merchant) readProductPage(p *page, u string) ([]skills.Product, error) {
	if _, err := p.goTo("open product page", u); err != nil {
		return nil, err
	}
	var pp productPage
	miss, err := p.eval("product", nil, &pp)
	if err != nil {
		return nil, p.fail("read product page", "", err)
	}
	keys := make([]string, 0, len(pp.Options))
	for _, o := range pp.Options {
		keys = append(keys, o.Key)
	}
	if len(pp.Variants) > 0 {
		var out []skills.Product
		for _, v := range pp.Variants {
			stock := v.Stock
			pr, err := m.productFrom(v.Title, v.Price, v.SKU, pp.Specs, &stock, v.Rating)
			if err != nil {
				return nil, p.fail("read product variants", "variants", err)
			}
			for k, val := range v.Attributes {
				pr.Attributes[k] = val
			}
			pr.Description = pp.Description
			vu := u
			if v.URL != "" {
				if abs, err := url.Parse(p.url()); err == nil {
					if ru, err := abs.Parse(v.URL); err == nil {
						vu = ru.String()
					}
				}
			}
			m.remember(pr.SKU, productRef{URL: vu, Attributes: pr.Attributes, Options: keys, Title: pr.Title})
			out = append(out, pr)
		}
		return out, nil
	}
	if pp.SKU == "" || pp.Price == "" {
		role := "product_sku"
		if pp.SKU != "" {
			role = "product_price"
		}
		if miss != nil {
			role = miss.Role
		}
		return nil, p.fail("read product page", role, errMissing)
	}
	pr, err := m.productFrom(pp.Title, pp.Price, pp.SKU, pp.Specs, pp.Stock, pp.Rating)
	if err != nil {
		return nil, p.fail("read product page", "product_price", err)
	}
	pr.Description = pp.Description
	m.remember(pr.SKU, productRef{URL: u, Attributes: pr.Attributes, Options: keys, Title: pr.Title})
	return []skills.Product{pr}, nil
}

func (m *Merchant) remember(sku string, r productRef) {
	m.mu.Lock()
	m.products[sku] = r
	m.mu.Unlock()
}

func filter(ps []skills.Product, q skills.Query) []skills.Product {
	out := ps[:0]
	for _, p := range ps {
		if q.Category != "" && !strings.EqualFold(p.Category, q.Category) {
			continue
		}
		if q.Brand != "" && !strings.EqualFold(p.Brand, q.Brand) {
			continue
		}
		ok := true
		for k, v := range q.Attributes {
			if !strings.EqualFold(p.Attributes[k], v) {
				ok = false
			}
		}
		if !ok || (q.MinPrice > 0 && p.Price.Minor < q.MinPrice) || (q.MaxPrice > 0 && p.Price.Minor > q.MaxPrice) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// ---- cart pages ----

type cartPage struct {
	Lines []struct {
		SKU      string `json:"sku"`
		Title    string `json:"title"`
		Quantity string `json:"quantity"`
		Unit     string `json:"unit"`
		Total    string `json:"total"`
		AddOn    bool   `json:"addon"`
		Checked  bool   `json:"checked"`
	} `json:"lines"`
	Subtotal    string   `json:"subtotal"`
	Discount    string   `json:"discount"`
	Shipping    string   `json:"shipping"`
	Total       string   `json:"total"`
	Reference   string   `json:"reference"`
	Messages    []string `json:"messages"`
	CanCheckout bool     `json:"can_checkout"`
}

// readCart reads a cart or checkout page into a quote. The totals must add
// up: lines to the subtotal, subtotal − discount + shipping to the total.
func (m *Merchant) readCart(p *page, step string) (*skills.Quote, cartPage, error) {
	var c cartPage
	miss, err := p.eval("cart", nil, &c)
	if err != nil {
		return nil, c, p.fail(step, "", err)
	}
	missRole := func(def string) string {
		if miss != nil {
			return miss.Role
		}
		return def
	}
	cur := m.cfg.Currency
	q := &skills.Quote{ID: c.Reference, Merchant: m.cfg.ID, Status: skills.StatusReady}
	if q.ID == "" {
		return nil, c, p.fail(step, missRole("reference"), fmt.Errorf("no cart reference: %w", errMissing))
	}
	var sum int64
	for i, l := range c.Lines {
		if l.SKU == "" {
			return nil, c, p.fail(step, missRole("line_sku"), fmt.Errorf("line %d has no SKU: %w", i+1, errMissing))
		}
		qty, err := strconv.Atoi(strings.TrimSpace(l.Quantity))
		if err != nil || qty <= 0 {
			return nil, c, p.fail(step, "line_qty", fmt.Errorf("line %s: quantity %q", l.SKU, l.Quantity))
		}
		unit, err := parsePrice(l.Unit, cur)
		if err != nil {
			return nil, c, p.fail(step, "line_unit", fmt.Errorf("line %s: %w", l.SKU, err))
		}
		total, err := parsePrice(l.Total, cur)
		if err != nil {
			return nil, c, p.fail(step, "line_total", fmt.Errorf("line %s: %w", l.SKU, err))
		}
		if want, ok := skills.MulMinor(unit.Minor, int64(qty)); !ok || want != total.Minor {
			return nil, c, p.fail(step, "line_total", fmt.Errorf("line %s: %d × %s is not %s", l.SKU, qty, unit, total))
		}
		sum += total.Minor
		q.Lines = append(q.Lines, skills.QuoteLine{ID: fmt.Sprintf("li_%d", i+1), SKU: l.SKU, Title: l.Title, Quantity: qty, UnitPrice: unit, Total: total, AddOn: l.AddOn})
	}
	if len(q.Lines) == 0 {
		return nil, c, p.fail(step, missRole("cart_line"), fmt.Errorf("the cart shows no lines: %w", errMissing))
	}
	amounts := []struct {
		role string
		text string
		into *skills.Money
		opt  bool
	}{{"subtotal", c.Subtotal, &q.Subtotal, false}, {"discount", c.Discount, &q.Discount, true}, {"shipping", c.Shipping, &q.Shipping, true}, {"total", c.Total, &q.Total, false}}
	for _, a := range amounts {
		if a.text == "" {
			if a.opt {
				*a.into = skills.M(0, cur)
				continue
			}
			return nil, c, p.fail(step, a.role, errMissing)
		}
		v, err := parsePrice(a.text, cur)
		if err != nil {
			return nil, c, p.fail(step, a.role, err)
		}
		*a.into = abs(v)
	}
	if sum != q.Subtotal.Minor {
		return nil, c, p.fail(step, "subtotal", fmt.Errorf("lines add up to %s, the page says %s", skills.M(sum, cur), q.Subtotal))
	}
	if q.Subtotal.Minor-q.Discount.Minor+q.Shipping.Minor != q.Total.Minor {
		return nil, c, p.fail(step, "total", fmt.Errorf("%s − %s + %s is not the total %s", q.Subtotal, q.Discount, q.Shipping, q.Total))
	}
	for _, t := range c.Messages {
		// Page notices are data for the caller, never instructions.
		q.Messages = append(q.Messages, skills.Message{Type: "info", Code: "page_notice", Text: t})
	}
	if !c.CanCheckout {
		q.Status = skills.StatusNotReady
	}
	return q, c, nil
}
