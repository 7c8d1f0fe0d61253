// Package storefront serves a mock merchant's human web shop: server-rendered
// HTML (html/template, a little JavaScript) over the same merchants.Engine as
// the merchant's ACP API. A shopper searches, opens a product page with
// option pickers for the variants of one group, adds to a cookie-based cart
// (where the merchant's pre-selected add-ons arrive ticked), checks out with
// a name, an address, a phone number and a delegated payment token, and gets
// an order confirmation page.
//
// The engine's faults show the way a real site shows them: an injected text
// sits in the product description, pre-selected add-ons are ticked cart
// lines, a price change appears when the checkout page opens (the checkout
// page shows the new total), stock that ran out appears there too, and the
// latency and error_rate faults slow or fail every page.
//
// Two themes render the same shop with different markup: Classic (paths
// /search, /p/{sku}, /cart, /checkout, /orders/{id}) and Bazaar (paths /find,
// /item?id=, /basket, /pay, /receipt/{id}; different ids, classes and
// structure, and no online refunds). The browser skill has a site profile
// for Classic and shops Bazaar with its generic profile.
package storefront

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/internal/httpx"
	"github.com/cartwright-agent/cartwright/skills"
)

// Config configures a storefront.
type Config struct {
	// Engine is the merchant's back end (required).
	Engine *merchants.Engine
	// Theme picks the markup (default Classic).
	Theme Theme
	// Prefix is the URL path the handler is mounted under, without a
	// trailing slash (default "/shop", where merchants.Start mounts it).
	Prefix string
	// Logger receives server-side errors (default slog.Default()).
	Logger *slog.Logger
	// MaxCarts bounds the carts kept in memory; the least recently used
	// cart is dropped first (default 10000).
	MaxCarts int
}

// CartCookie is the name of the cookie that holds a shopper's cart token.
const CartCookie = "cw_cart"

// Limits on shopper input.
const (
	maxQueryLen = 200
	maxFieldLen = 200
	maxQuantity = 99
)

// Shop is one merchant's storefront. It implements http.Handler.
type Shop struct {
	e      *merchants.Engine
	theme  Theme
	prefix string
	log    *slog.Logger
	mux    *http.ServeMux
	max    int

	mu     sync.Mutex
	carts  map[string]*cart  // by cookie token
	orders map[string]string // order id → access key
	used   map[string]bool   // refund form nonces already submitted
}

type cart struct {
	session string // engine checkout session id, "" while empty
	order   string // order id once paid
	flash   string // one-time notice for the next cart page
	seen    time.Time
}

// New builds a storefront.
func New(cfg Config) (*Shop, error) {
	if cfg.Engine == nil {
		return nil, errors.New("storefront: an engine is required")
	}
	if cfg.Theme.name == "" {
		cfg.Theme = Classic
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "/shop"
	}
	cfg.Prefix = "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxCarts <= 0 {
		cfg.MaxCarts = 10000
	}
	s := &Shop{
		e: cfg.Engine, theme: cfg.Theme, prefix: cfg.Prefix, log: cfg.Logger, max: cfg.MaxCarts,
		carts: map[string]*cart{}, orders: map[string]string{}, used: map[string]bool{},
	}
	s.mux = http.NewServeMux()
	p, r := s.prefix, s.theme.routes
	s.mux.HandleFunc("GET "+p+"/{$}", s.home)
	s.mux.HandleFunc("GET "+p+r.search, s.search)
	s.mux.HandleFunc("GET "+p+r.product, s.product)
	s.mux.HandleFunc("POST "+p+r.cartAdd, s.cartAdd)
	s.mux.HandleFunc("GET "+p+r.cart, s.cartPage)
	s.mux.HandleFunc("POST "+p+r.cartUpdate, s.cartUpdate)
	s.mux.HandleFunc("POST "+p+r.cartEmpty, s.cartEmpty)
	s.mux.HandleFunc("GET "+p+r.checkout, s.checkoutPage)
	s.mux.HandleFunc("POST "+p+r.checkout, s.checkoutSubmit)
	s.mux.HandleFunc("GET "+p+r.order, s.orderPage)
	if r.refund != "" {
		s.mux.HandleFunc("POST "+p+r.refund, s.refund)
	}
	s.mux.HandleFunc("GET "+p+r.info, s.info)
	s.mux.HandleFunc(p+"/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "Page not found", "There is no page at "+r.URL.Path+".")
	})
	return s, nil
}

// Mount returns a merchants.Options.Mount function that serves every
// merchant's storefront under /shop/, in the theme themes names for it
// (Classic when it names none).
func Mount(themes map[string]Theme, log *slog.Logger) func(string, *merchants.Engine) http.Handler {
	return func(id string, e *merchants.Engine) http.Handler {
		s, err := New(Config{Engine: e, Theme: themes[id], Logger: log})
		if err != nil {
			if log == nil {
				log = slog.Default()
			}
			log.Error("storefront", "merchant", id, "err", err)
			return nil
		}
		return s
	}
}

// ServeHTTP applies the merchant's request faults, then serves the page.
// A panic in a handler becomes a 500 page, never a stack trace.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("storefront panic", "merchant", s.e.ID(), "path", r.URL.Path, "panic", fmt.Sprint(v))
			s.fail(w, r, http.StatusInternalServerError, "Something went wrong", "Please try again.")
		}
	}()
	if err := s.e.Fault(r.Context()); err != nil {
		if r.Context().Err() != nil {
			return
		}
		w.Header().Set("Retry-After", "1")
		s.fail(w, r, http.StatusServiceUnavailable, "Temporarily unavailable", "The shop is busy right now. Please try again in a moment.")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.Methods(s.mux, s.prefix+"/", s.mux, func(w http.ResponseWriter, r *http.Request, allow string) {
		s.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not allowed here (allowed: "+allow+").")
	}).ServeHTTP(w, r)
}

// url builds an absolute path inside the shop from a route with {…}
// placeholders filled in order.
func (s *Shop) url(route string, args ...string) string {
	out := route
	for _, a := range args {
		i := strings.Index(out, "{")
		j := strings.Index(out, "}")
		if i < 0 || j < i {
			break
		}
		out = out[:i] + url.PathEscape(a) + out[j+1:]
	}
	return s.prefix + out
}

func (s *Shop) productURL(sku string) string {
	if s.theme.routes.productQuery != "" {
		return s.prefix + s.theme.routes.product + "?" + s.theme.routes.productQuery + "=" + url.QueryEscape(sku)
	}
	return s.url(s.theme.routes.product, sku)
}

func (s *Shop) orderURL(id, key string) string {
	return s.url(s.theme.routes.order, id) + "?key=" + url.QueryEscape(key)
}

func randomToken() string { return skills.NewID("", 16) }

// cartFor returns the shopper's cart, creating one (and its cookie) when
// create is set.
func (s *Shop) cartFor(w http.ResponseWriter, r *http.Request, create bool) *cart {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, err := r.Cookie(CartCookie); err == nil {
		if ct := s.carts[c.Value]; ct != nil {
			ct.seen = time.Now()
			return ct
		}
	}
	if !create {
		return nil
	}
	if len(s.carts) >= s.max {
		s.evictLocked()
	}
	tok := randomToken()
	ct := &cart{seen: time.Now()}
	s.carts[tok] = ct
	http.SetCookie(w, &http.Cookie{Name: CartCookie, Value: tok, Path: s.prefix + "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return ct
}

func (s *Shop) evictLocked() {
	var oldest string
	var at time.Time
	for k, c := range s.carts {
		if oldest == "" || c.seen.Before(at) {
			oldest, at = k, c.seen
		}
	}
	delete(s.carts, oldest)
}

// session returns the cart's open checkout session, or nil.
func (s *Shop) session(ctx context.Context, ct *cart) (*merchants.Session, error) {
	s.mu.Lock()
	id := ct.session
	s.mu.Unlock()
	if id == "" {
		return nil, nil
	}
	ses, err := s.e.GetSession(ctx, id)
	if err != nil {
		if errors.Is(err, skills.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	if ses.Status == merchants.StatusCanceled || ses.Status == merchants.StatusCompleted || !time.Now().Before(ses.ExpiresAt) {
		return nil, nil
	}
	return ses, nil
}

func lineRequests(lines []merchants.Line) []skills.LineRequest {
	out := make([]skills.LineRequest, 0, len(lines))
	for _, l := range lines {
		out = append(out, skills.LineRequest{SKU: l.SKU, Quantity: l.Quantity})
	}
	return out
}

// ---- pages ----

func (s *Shop) home(w http.ResponseWriter, r *http.Request) {
	info := s.e.Info()
	s.render(w, r, http.StatusOK, "home", map[string]any{"Info": info, "Facets": facets(info)})
}

type facet struct {
	Key    string
	Values []string
}

func facets(info skills.MerchantInfo) []facet {
	keys := make([]string, 0, len(info.Attributes))
	for k := range info.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]facet, 0, len(keys))
	for _, k := range keys {
		out = append(out, facet{Key: k, Values: info.Attributes[k]})
	}
	return out
}

func (s *Shop) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := skills.Query{Text: strings.TrimSpace(v.Get(s.theme.routes.query)), Category: strings.TrimSpace(v.Get("category")), Brand: strings.TrimSpace(v.Get("brand"))}
	if len(q.Text) > maxQueryLen {
		s.fail(w, r, http.StatusBadRequest, "Search too long", fmt.Sprintf("Please search with at most %d characters.", maxQueryLen))
		return
	}
	for k, vals := range v {
		if a, ok := strings.CutPrefix(k, "attr."); ok && len(vals) > 0 && vals[0] != "" {
			if q.Attributes == nil {
				q.Attributes = map[string]string{}
			}
			q.Attributes[a] = vals[0]
		}
	}
	if lim := v.Get("limit"); lim != "" {
		n, err := strconv.Atoi(lim)
		if err != nil || n < 1 || n > merchants.MaxSearchLimit {
			s.fail(w, r, http.StatusBadRequest, "Bad limit", fmt.Sprintf("limit must be a number from 1 to %d.", merchants.MaxSearchLimit))
			return
		}
		q.Limit = n
	}
	var results []skills.Product
	if q.Text != "" || q.Category != "" || q.Brand != "" || len(q.Attributes) > 0 {
		results = s.e.Search(q)
	}
	s.render(w, r, http.StatusOK, "search", map[string]any{"Query": q, "Results": results, "Cards": s.cards(results), "Info": s.e.Info()})
}

// card is one search result of the Classic theme: a product with all its
// variants (one group) collapsed, linking to its product page.
type card struct {
	P        skills.Product // the first matching variant
	Title    string
	MinPrice skills.Money
	Variants int
	Options  []option
}

func (s *Shop) cards(results []skills.Product) []card {
	var out []card
	at := map[string]int{}
	for _, p := range results {
		if p.Group != "" {
			if i, ok := at[p.Group]; ok {
				if p.Price.Minor < out[i].MinPrice.Minor {
					out[i].MinPrice = p.Price
				}
				continue
			}
			at[p.Group] = len(out)
		}
		vs, opts := s.variants(p)
		c := card{P: p, Title: p.Title, MinPrice: p.Price, Variants: len(vs), Options: opts}
		if len(vs) > 1 {
			c.Title = familyTitle(vs)
		}
		out = append(out, c)
	}
	return out
}

// familyTitle is the title the variants of a group share ("Oat Milk Latte"
// for "Oat Milk Latte (Large)" and "Oat Milk Latte (Medium)").
func familyTitle(vs []skills.Product) string {
	prefix := vs[0].Title
	for _, v := range vs[1:] {
		for !strings.HasPrefix(v.Title, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	prefix = strings.TrimRight(prefix, " (-–,/")
	if len(prefix) < 3 {
		return vs[0].Title
	}
	return prefix
}

// option is one picker on a product page: an attribute whose value differs
// between the variants of the product's group.
type option struct {
	Key    string
	Values []string
	Chosen string
}

func (s *Shop) variants(p skills.Product) ([]skills.Product, []option) {
	if p.Group == "" {
		return []skills.Product{p}, nil
	}
	vs := s.e.Variants(p.Group)
	values := map[string]map[string]bool{}
	for _, v := range vs {
		for k, val := range v.Attributes {
			if values[k] == nil {
				values[k] = map[string]bool{}
			}
			values[k][val] = true
		}
	}
	var opts []option
	for k, set := range values {
		if len(set) < 2 {
			continue
		}
		o := option{Key: k, Chosen: p.Attributes[k]}
		for val := range set {
			o.Values = append(o.Values, val)
		}
		sort.Strings(o.Values)
		opts = append(opts, o)
	}
	sort.Slice(opts, func(i, j int) bool { return opts[i].Key < opts[j].Key })
	return vs, opts
}

type variantJSON struct {
	SKU        string            `json:"sku"`
	Title      string            `json:"title"`
	Price      string            `json:"price"`
	Stock      int               `json:"stock"`
	Rating     float64           `json:"rating,omitempty"`
	Attributes map[string]string `json:"attributes"`
	URL        string            `json:"url"`
}

func (s *Shop) product(w http.ResponseWriter, r *http.Request) {
	sku := r.PathValue("sku")
	if s.theme.routes.productQuery != "" {
		sku = r.URL.Query().Get(s.theme.routes.productQuery)
	}
	if sku == "" {
		s.fail(w, r, http.StatusBadRequest, "No product given", "The link is missing the product.")
		return
	}
	p, err := s.e.Product(sku)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "Product not found", fmt.Sprintf("We do not sell %q.", sku))
		return
	}
	vs, opts := s.variants(p)
	vj := make([]variantJSON, 0, len(vs))
	for _, v := range vs {
		vj = append(vj, variantJSON{SKU: v.SKU, Title: v.Title, Price: v.Price.String(), Stock: v.Stock, Rating: v.Rating, Attributes: v.Attributes, URL: s.productURL(v.SKU)})
	}
	s.render(w, r, http.StatusOK, "product", map[string]any{"P": p, "Options": opts, "Variants": vj, "Specs": specs(p)})
}

type spec struct{ Key, Value string }

func specs(p skills.Product) []spec {
	out := []spec{}
	if p.Category != "" {
		out = append(out, spec{"category", p.Category})
	}
	if p.Brand != "" {
		out = append(out, spec{"brand", p.Brand})
	}
	keys := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, spec{k, p.Attributes[k]})
	}
	return out
}

// resolveVariant picks the SKU a product form asks for: the variant of the
// posted SKU's group whose attributes equal every posted option.
func (s *Shop) resolveVariant(sku string, form url.Values) (skills.Product, error) {
	p, err := s.e.Product(sku)
	if err != nil {
		return skills.Product{}, err
	}
	chosen := map[string]string{}
	for k, v := range form {
		if a, ok := strings.CutPrefix(k, "opt_"); ok && len(v) > 0 {
			chosen[a] = v[0]
		}
	}
	if len(chosen) == 0 || p.Group == "" {
		return p, nil
	}
	for _, v := range s.e.Variants(p.Group) {
		ok := true
		for k, want := range chosen {
			if v.Attributes[k] != want {
				ok = false
				break
			}
		}
		if ok {
			return v, nil
		}
	}
	return skills.Product{}, fmt.Errorf("%w: no %s variant with %s", skills.ErrNotFound, p.Group, describe(chosen))
}

func describe(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + m[k]
	}
	return strings.Join(parts, ", ")
}

func parseQty(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > maxQuantity {
		return 0, fmt.Errorf("quantity must be a whole number from 1 to %d", maxQuantity)
	}
	return n, nil
}

func (s *Shop) cartAdd(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "Bad form", "The form could not be read.")
		return
	}
	qty, err := parseQty(r.PostForm.Get("quantity"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "Check the quantity", "The "+err.Error()+".")
		return
	}
	sku := r.PostForm.Get("sku")
	if sku == "" {
		s.fail(w, r, http.StatusBadRequest, "No product chosen", "Choose a product to add to the cart.")
		return
	}
	p, err := s.resolveVariant(sku, r.PostForm)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, skills.ErrNotFound) {
			status = http.StatusNotFound
		}
		s.fail(w, r, status, "This option is not available", err.Error())
		return
	}
	ct := s.cartFor(w, r, true)
	ses, err := s.session(r.Context(), ct)
	if err != nil {
		s.engineFail(w, r, err)
		return
	}
	if ses == nil {
		ses, err = s.e.CreateSession(r.Context(), merchants.SessionInput{Lines: []skills.LineRequest{{SKU: p.SKU, Quantity: qty}}})
	} else {
		lines := lineRequests(ses.Lines)
		found := false
		for i := range lines {
			if lines[i].SKU == p.SKU {
				lines[i].Quantity += qty
				found = true
			}
		}
		if !found {
			lines = append(lines, skills.LineRequest{SKU: p.SKU, Quantity: qty})
		}
		ses, err = s.e.UpdateSession(r.Context(), ses.ID, merchants.SessionUpdate{Lines: lines})
	}
	if err != nil {
		s.engineFail(w, r, err)
		return
	}
	s.mu.Lock()
	ct.session, ct.order = ses.ID, ""
	ct.flash = fmt.Sprintf("Added %d × %s to your %s.", qty, p.Title, s.theme.cartWord)
	s.mu.Unlock()
	http.Redirect(w, r, s.url(s.theme.routes.cart), http.StatusSeeOther)
}

func (s *Shop) cartPage(w http.ResponseWriter, r *http.Request) {
	ct := s.cartFor(w, r, false)
	var ses *merchants.Session
	var flash string
	if ct != nil {
		var err error
		if ses, err = s.session(r.Context(), ct); err != nil {
			s.engineFail(w, r, err)
			return
		}
		s.mu.Lock()
		flash, ct.flash = ct.flash, ""
		s.mu.Unlock()
	}
	s.render(w, r, http.StatusOK, "cart", map[string]any{"S": ses, "Flash": flash})
}

// cartUpdate applies the cart form: per line a quantity (qty_<sku>, 0
// removes it), a "remove" button naming a SKU, and for add-on lines a
// checkbox (keep_<sku>) that is sent only while ticked.
func (s *Shop) cartUpdate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "Bad form", "The form could not be read.")
		return
	}
	ct := s.cartFor(w, r, false)
	if ct == nil {
		http.Redirect(w, r, s.url(s.theme.routes.cart), http.StatusSeeOther)
		return
	}
	ses, err := s.session(r.Context(), ct)
	if err != nil {
		s.engineFail(w, r, err)
		return
	}
	if ses == nil {
		http.Redirect(w, r, s.url(s.theme.routes.cart), http.StatusSeeOther)
		return
	}
	form := r.PostForm
	remove := form.Get("remove")
	var lines []skills.LineRequest
	for _, l := range ses.Lines {
		if l.SKU == remove {
			continue
		}
		q := l.Quantity
		if l.AddOn {
			if form.Get("keep_"+l.SKU) == "" {
				continue
			}
		} else if v, ok := form["qty_"+l.SKU]; ok && len(v) > 0 {
			n, err := strconv.Atoi(strings.TrimSpace(v[0]))
			if err != nil || n < 0 || n > maxQuantity {
				s.fail(w, r, http.StatusBadRequest, "Check the quantity", fmt.Sprintf("The quantity of %s must be a whole number from 0 to %d.", l.Title, maxQuantity))
				return
			}
			q = n
		}
		if q > 0 {
			lines = append(lines, skills.LineRequest{SKU: l.SKU, Quantity: q})
		}
	}
	var up merchants.SessionUpdate
	if code, ok := form["coupon"]; ok && len(code) > 0 {
		c := strings.ToUpper(strings.TrimSpace(code[0]))
		if len(c) > 40 {
			s.fail(w, r, http.StatusBadRequest, "Check the code", "That promotion code is too long.")
			return
		}
		up.Coupon = &c
	}
	if len(lines) == 0 {
		if _, err := s.e.CancelSession(r.Context(), ses.ID); err != nil && !errors.Is(err, merchants.ErrState) {
			s.engineFail(w, r, err)
			return
		}
		s.mu.Lock()
		ct.session, ct.flash = "", "Your "+s.theme.cartWord+" is empty."
		s.mu.Unlock()
		http.Redirect(w, r, s.url(s.theme.routes.cart), http.StatusSeeOther)
		return
	}
	up.Lines = lines
	if _, err := s.e.UpdateSession(r.Context(), ses.ID, up); err != nil {
		s.engineFail(w, r, err)
		return
	}
	s.mu.Lock()
	ct.flash = "Your " + s.theme.cartWord + " was updated."
	s.mu.Unlock()
	http.Redirect(w, r, s.url(s.theme.routes.cart), http.StatusSeeOther)
}

func (s *Shop) cartEmpty(w http.ResponseWriter, r *http.Request) {
	ct := s.cartFor(w, r, false)
	if ct != nil {
		ses, err := s.session(r.Context(), ct)
		if err != nil {
			s.engineFail(w, r, err)
			return
		}
		if ses != nil {
			if _, err := s.e.CancelSession(r.Context(), ses.ID); err != nil && !errors.Is(err, merchants.ErrState) {
				s.engineFail(w, r, err)
				return
			}
		}
		s.mu.Lock()
		ct.session, ct.flash = "", "Your "+s.theme.cartWord+" is empty."
		s.mu.Unlock()
	}
	http.Redirect(w, r, s.url(s.theme.routes.cart), http.StatusSeeOther)
}

// review brings an open session up to date before the shopper pays: the
// merchant re-checks prices and stock the way its checkout does
// (Engine.Review, no payment attempt), so a price that moved since the cart
// (the price_change fault) or stock that ran out shows on the checkout page.
func (s *Shop) review(ctx context.Context, ses *merchants.Session) (*merchants.Session, error) {
	return s.e.Review(ctx, ses.ID)
}

type checkoutForm struct {
	Name, Line1, Line2, City, Region, Postal, Country, Phone, Email, Token string
	Errors                                                                 map[string]string
}

func (s *Shop) checkoutPage(w http.ResponseWriter, r *http.Request) {
	ct := s.cartFor(w, r, false)
	if ct == nil {
		http.Redirect(w, r, s.url(s.theme.routes.cart), http.StatusSeeOther)
		return
	}
	s.mu.Lock()
	order := ct.order
	s.mu.Unlock()
	ses, err := s.session(r.Context(), ct)
	if err != nil {
		s.engineFail(w, r, err)
		return
	}
	if ses == nil {
		if order != "" {
			s.mu.Lock()
			key := s.orders[order]
			s.mu.Unlock()
			http.Redirect(w, r, s.orderURL(order, key), http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, s.url(s.theme.routes.cart), http.StatusSeeOther)
		return
	}
	if ses, err = s.review(r.Context(), ses); err != nil {
		s.engineFail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "checkout", map[string]any{"S": ses, "F": checkoutForm{Country: "CN"}})
}

func (f *checkoutForm) validate() {
	f.Errors = map[string]string{}
	req := func(field, val, label string) {
		if strings.TrimSpace(val) == "" {
			f.Errors[field] = label + " is required."
		}
	}
	req("name", f.Name, "Your name")
	req("line1", f.Line1, "The street address")
	req("city", f.City, "The city")
	req("postal", f.Postal, "The postal code")
	req("country", f.Country, "The country")
	req("phone", f.Phone, "A phone number")
	req("token", f.Token, "A payment token")
	for field, v := range map[string]string{"name": f.Name, "line1": f.Line1, "line2": f.Line2, "city": f.City, "region": f.Region, "postal": f.Postal, "country": f.Country, "phone": f.Phone, "email": f.Email, "token": f.Token} {
		if len(v) > maxFieldLen {
			f.Errors[field] = fmt.Sprintf("At most %d characters.", maxFieldLen)
		}
	}
	if f.Phone != "" && f.Errors["phone"] == "" {
		digits := 0
		for _, c := range f.Phone {
			switch {
			case c >= '0' && c <= '9':
				digits++
			case strings.ContainsRune("+-() .", c):
			default:
				digits = -100
			}
		}
		if digits < 5 || digits > 20 {
			f.Errors["phone"] = "Enter a phone number (digits, spaces, + - ( ) only)."
		}
	}
	if f.Token != "" && f.Errors["token"] == "" && !strings.HasPrefix(f.Token, "vt_") {
		f.Errors["token"] = "Enter the delegated payment token (it starts with vt_)."
	}
	if f.Email != "" && f.Errors["email"] == "" && !strings.Contains(f.Email, "@") {
		f.Errors["email"] = "Enter a valid email address."
	}
}

func (s *Shop) checkoutSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "Bad form", "The form could not be read.")
		return
	}
	ct := s.cartFor(w, r, false)
	if ct == nil {
		s.fail(w, r, http.StatusBadRequest, "Your "+s.theme.cartWord+" is empty", "Add something before checking out.")
		return
	}
	s.mu.Lock()
	order := ct.order
	s.mu.Unlock()
	ses, err := s.session(r.Context(), ct)
	if err != nil {
		s.engineFail(w, r, err)
		return
	}
	if ses == nil {
		if order != "" { // a repeated submit: the order exists already
			s.mu.Lock()
			key := s.orders[order]
			s.mu.Unlock()
			http.Redirect(w, r, s.orderURL(order, key), http.StatusSeeOther)
			return
		}
		s.fail(w, r, http.StatusBadRequest, "Your "+s.theme.cartWord+" is empty", "Add something before checking out.")
		return
	}
	fv := s.theme.fields
	pf := r.PostForm
	f := checkoutForm{
		Name: strings.TrimSpace(pf.Get(fv.name)), Line1: strings.TrimSpace(pf.Get(fv.line1)), Line2: strings.TrimSpace(pf.Get(fv.line2)),
		City: strings.TrimSpace(pf.Get(fv.city)), Region: strings.TrimSpace(pf.Get(fv.region)), Postal: strings.TrimSpace(pf.Get(fv.postal)),
		Country: strings.TrimSpace(pf.Get(fv.country)), Phone: strings.TrimSpace(pf.Get(fv.phone)), Email: strings.TrimSpace(pf.Get(fv.email)),
		Token: strings.TrimSpace(pf.Get(fv.token)),
	}
	f.validate()
	if len(f.Errors) > 0 {
		f.Token = "" // never echo a credential back into a page
		s.render(w, r, http.StatusUnprocessableEntity, "checkout", map[string]any{"S": ses, "F": f})
		return
	}
	// The shopper pays what the page showed them, or nothing.
	if want := pf.Get("expected_total"); want != strconv.FormatInt(ses.Totals.Total.Minor, 10) {
		ses.Messages = append(ses.Messages, skills.Message{Type: "error", Code: "total_changed",
			Text: fmt.Sprintf("The total is now %s. Please review your order and place it again.", ses.Totals.Total)})
		f.Token = ""
		s.render(w, r, http.StatusConflict, "checkout", map[string]any{"S": ses, "F": f})
		return
	}
	addr := &skills.Address{Name: f.Name, Line1: f.Line1, Line2: f.Line2, City: f.City, Region: f.Region, PostalCode: f.Postal, Country: f.Country, Phone: f.Phone, Email: f.Email}
	done, err := s.e.Complete(r.Context(), ses.ID, merchants.Payment{Token: f.Token, Address: addr})
	if err != nil {
		s.engineFail(w, r, err)
		return
	}
	if done.Status != merchants.StatusCompleted {
		status := http.StatusConflict
		for _, m := range done.Messages {
			if m.Code == "payment_declined" {
				status = http.StatusPaymentRequired
				m.Text = "Your payment was declined: " + m.Text
			}
		}
		f.Token = ""
		s.render(w, r, status, "checkout", map[string]any{"S": done, "F": f})
		return
	}
	key := randomToken()
	s.mu.Lock()
	s.orders[done.OrderID] = key
	ct.session, ct.order = "", done.OrderID
	s.mu.Unlock()
	http.Redirect(w, r, s.orderURL(done.OrderID, key), http.StatusSeeOther)
}

// orderAccess checks the order page's access key.
func (s *Shop) orderAccess(r *http.Request, id, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.orders[id]
	return ok && key != "" && k == key
}

func (s *Shop) orderPage(w http.ResponseWriter, r *http.Request) {
	id, key := r.PathValue("id"), r.URL.Query().Get("key")
	if !s.orderAccess(r, id, key) {
		s.fail(w, r, http.StatusNotFound, "Order not found", "Open your order from the link on your confirmation page.")
		return
	}
	o, err := s.e.Order(r.Context(), id)
	if err != nil {
		s.engineFail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "order", map[string]any{"O": o, "Key": key, "Nonce": randomToken(), "Refund": r.URL.Query().Get("refund"),
		"Left": skills.M(o.Total.Minor-o.Refunded.Minor, o.Total.Currency), "CanRefund": s.theme.routes.refund != ""})
}

func (s *Shop) refund(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "Bad form", "The form could not be read.")
		return
	}
	id, key := r.PathValue("id"), r.PostForm.Get("key")
	if !s.orderAccess(r, id, key) {
		s.fail(w, r, http.StatusNotFound, "Order not found", "Open your order from the link on your confirmation page.")
		return
	}
	nonce := r.PostForm.Get("nonce")
	if len(nonce) != 32 {
		s.fail(w, r, http.StatusBadRequest, "Expired form", "Reload the order page and try again.")
		return
	}
	cur := s.e.Info().Currency
	var amount skills.Money
	if a := strings.TrimSpace(r.PostForm.Get("amount")); a != "" {
		m, err := skills.ParseMoney(strings.TrimLeft(a, cur.Symbol()), cur)
		if err != nil || m.Minor <= 0 {
			s.fail(w, r, http.StatusBadRequest, "Check the amount", fmt.Sprintf("%q is not an amount we can refund.", a))
			return
		}
		amount = m
	}
	ref, err := s.e.Refund(r.Context(), id, amount, "web:"+nonce)
	if err != nil {
		s.engineFail(w, r, err)
		return
	}
	http.Redirect(w, r, s.orderURL(id, key)+"&refund="+url.QueryEscape(ref.ID+" "+ref.Amount.String()), http.StatusSeeOther)
}

func (s *Shop) info(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "info", map[string]any{"Info": s.e.Info()})
}

// engineFail maps an engine error to an error page.
func (s *Shop) engineFail(w http.ResponseWriter, r *http.Request, err error) {
	var ie *merchants.InputError
	switch {
	case errors.Is(err, skills.ErrUnavailable):
		w.Header().Set("Retry-After", "1")
		s.fail(w, r, http.StatusServiceUnavailable, "Temporarily unavailable", "Please try again in a moment.")
	case errors.As(err, &ie) && errors.Is(err, skills.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "Not found", ie.Msg)
	case errors.As(err, &ie) && errors.Is(err, merchants.ErrState):
		s.fail(w, r, http.StatusConflict, "This cannot be changed any more", ie.Msg)
	case errors.As(err, &ie):
		s.fail(w, r, http.StatusBadRequest, "Please check your request", ie.Msg)
	case r.Context().Err() != nil:
		// the shopper went away
	default:
		s.log.Error("storefront", "merchant", s.e.ID(), "path", r.URL.Path, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong", "Please try again.")
	}
}

func (s *Shop) fail(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	s.render(w, r, status, "error", map[string]any{"Title": title, "Msg": msg, "Status": status})
}
