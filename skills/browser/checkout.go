package browser

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cartwright-agent/cartwright/skills"
)

// MaxLineQuantity bounds a line's quantity in a browser cart.
const MaxLineQuantity = 99

func validLines(lines []skills.LineRequest) (map[string]int, []string, error) {
	if len(lines) == 0 {
		return nil, nil, fmt.Errorf("%w: lines: at least one line is required", skills.ErrInvalid)
	}
	want := map[string]int{}
	var order []string
	for i, l := range lines {
		if strings.TrimSpace(l.SKU) == "" {
			return nil, nil, fmt.Errorf("%w: lines[%d].sku: required", skills.ErrInvalid, i)
		}
		if l.Quantity <= 0 {
			return nil, nil, fmt.Errorf("%w: lines[%d].quantity: %d must be at least 1", skills.ErrInvalid, i, l.Quantity)
		}
		if _, dup := want[l.SKU]; !dup {
			order = append(order, l.SKU)
		}
		want[l.SKU] += l.Quantity
		if want[l.SKU] > MaxLineQuantity {
			return nil, nil, fmt.Errorf("%w: lines[%d].quantity: at most %d of %s in a web cart", skills.ErrInvalid, i, MaxLineQuantity, l.SKU)
		}
	}
	return want, order, nil
}

// addressFieldNames are the address fields a storefront's checkout form
// requires (skills.Address JSON names).
var addressFieldNames = []string{"name", "line1", "city", "postal_code", "country", "phone"}

// checkAddress says which field a storefront's checkout form would refuse.
func checkAddress(a *skills.Address) error {
	vals := []string{a.Name, a.Line1, a.City, a.PostalCode, a.Country, a.Phone}
	for i, v := range vals {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%w: address.%s: required by the storefront's checkout form", skills.ErrInvalid, addressFieldNames[i])
		}
	}
	names := slices.Concat(addressFieldNames, []string{"line2", "region", "email"})
	for i, v := range append(vals, a.Line2, a.Region, a.Email) {
		if strings.ContainsAny(v, "\r\n\x00") {
			return fmt.Errorf("%w: address.%s: a checkout form field holds one line of text", skills.ErrInvalid, names[i])
		}
	}
	return nil
}

// Quote fills the storefront's cart with exactly the requested lines (a
// new tab and cart for a new quote; the session's tab for an update):
// products are added from their pages with their options chosen, extras
// the merchant pre-selected are unticked, quantities are set, and the
// quote is read from the cart page. A screenshot of that page is kept as
// evidence. The quote's ID is the storefront's cart reference (its
// checkout session id).
func (m *Merchant) Quote(ctx context.Context, req skills.QuoteRequest) (*skills.Quote, error) {
	defer m.track()()
	want, order, err := validLines(req.Lines)
	if err != nil {
		return nil, err
	}
	if req.IdempotencyKey != "" {
		m.mu.Lock()
		q := m.quoteKey[req.IdempotencyKey]
		m.mu.Unlock()
		if q != nil {
			return copyQuote(q), nil
		}
	}
	// The checkout form's address fields are checked before anything is
	// put in a cart, so a caller learns at quote time, before it reserves
	// money, that this checkout cannot be completed with its address.
	if req.Address != nil {
		if err := checkAddress(req.Address); err != nil {
			return nil, err
		}
	}
	var s *session
	if req.QuoteID != "" {
		if s, err = m.session(req.QuoteID); err != nil {
			return nil, err
		}
	} else {
		tctx, tcancel, err := m.cfg.Browser.tab()
		if err != nil {
			return nil, err
		}
		s = &session{ctx: tctx, cancel: tcancel}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, cancel := m.page(ctx, s.ctx, 6+4*len(order))
	defer cancel()
	q, err := m.fillCart(p, want, order, req.Coupon)
	if err != nil {
		if req.QuoteID == "" {
			s.cancel()
		}
		return nil, err
	}
	if req.QuoteID != "" && q.ID != req.QuoteID {
		return nil, p.fail("read the cart", "reference", fmt.Errorf("the cart now has reference %s, not %s (the storefront started a new cart)", q.ID, req.QuoteID))
	}
	if req.Address != nil {
		a := *req.Address
		s.addr = &a
	}
	if s.addr == nil {
		// Priced, but not payable yet: the checkout form needs an address
		// (the caller may still give one at completion).
		q.Status = skills.StatusNotReady
		q.Messages = append(q.Messages, skills.Message{Type: "error", Code: "missing", Param: "address",
			Text: "the storefront's checkout needs a delivery address (" + strings.Join(addressFieldNames, ", ") + "); give one with the quote or at completion"})
	}
	s.quote = copyQuote(q)
	if s.dir == "" {
		s.dir = m.evidenceDir(ctx, q.ID)
	}
	m.mu.Lock()
	s.used = time.Now()
	m.sessions[q.ID] = s
	m.evictLocked()
	if req.IdempotencyKey != "" {
		m.quoteKey[req.IdempotencyKey] = copyQuote(q)
	}
	m.mu.Unlock()
	if err := m.capture(p, s.dir, "quote", q.ID, ""); err != nil {
		m.log.Warn("evidence", "quote", q.ID, "err", err)
	}
	return q, nil
}

func (m *Merchant) session(id string) (*session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sessions[id]
	if s == nil {
		return nil, fmt.Errorf("%w: quote %s is not open in this browser (a new quote is needed)", skills.ErrNotFound, id)
	}
	s.used = time.Now()
	return s, nil
}

// evictLocked closes the least recently used idle quotes beyond
// MaxOpenQuotes. Caller holds m.mu.
func (m *Merchant) evictLocked() {
	for len(m.sessions) > m.cfg.MaxOpenQuotes {
		var oldest string
		var at time.Time
		for id, s := range m.sessions {
			if oldest == "" || s.used.Before(at) {
				oldest, at = id, s.used
			}
		}
		s := m.sessions[oldest]
		if !s.mu.TryLock() {
			return // in use: try again next time
		}
		delete(m.sessions, oldest)
		s.mu.Unlock()
		s.cancel()
		m.log.Info("closed idle quote", "quote", oldest)
	}
}

func copyQuote(q *skills.Quote) *skills.Quote {
	c := *q
	c.Lines = append([]skills.QuoteLine(nil), q.Lines...)
	c.Messages = append([]skills.Message(nil), q.Messages...)
	return &c
}

// cartURL opens the cart: the profile's URL, else the site's cart link.
func (m *Merchant) openCart(p *page) error {
	if m.profile.URLs.Cart != "" {
		_, err := p.goTo("open the cart", m.resolve(m.profile.URLs.Cart))
		return err
	}
	if _, err := p.find("open the cart", "cart_link"); err != nil {
		if _, gerr := p.goTo("open home page", m.base.String()); gerr != nil {
			return gerr
		}
	}
	_, err := p.clickTo("open the cart", "cart_link")
	return err
}

// fillCart makes the cart hold exactly want and returns the cart page's quote.
func (m *Merchant) fillCart(p *page, want map[string]int, order []string, coupon string) (*skills.Quote, error) {
	var c cartPage
	var have map[string]bool
	if err := m.openCart(p); err != nil {
		return nil, err
	}
	for round := 0; round < 3; round++ {
		if _, err := p.eval("cart", nil, &c); err != nil {
			return nil, p.fail("read the cart", "", err)
		}
		have = map[string]bool{}
		changed := false
		for _, l := range c.Lines {
			have[l.SKU] = true
			n, wanted := want[l.SKU]
			switch {
			case l.AddOn && l.Checked && !wanted:
				// A pre-selected extra nobody asked for: untick it.
				if err := p.click("untick pre-selected extra "+l.SKU, "line_addon:"+l.SKU); err != nil {
					return nil, err
				}
				changed = true
			case !l.AddOn && !wanted:
				if err := p.fill("remove "+l.SKU, "line_qty:"+l.SKU, "0"); err != nil {
					return nil, err
				}
				changed = true
			case !l.AddOn && l.Quantity != strconv.Itoa(n):
				if err := p.fill("set the quantity of "+l.SKU, "line_qty:"+l.SKU, strconv.Itoa(n)); err != nil {
					return nil, err
				}
				changed = true
			}
		}
		if coupon != "" && round == 0 {
			if err := p.fill("enter the promotion code", "coupon_box", coupon); err != nil {
				return nil, err
			}
			changed = true
		}
		if changed {
			if _, err := p.clickTo("update the cart", "cart_update"); err != nil {
				return nil, err
			}
			continue
		}
		var missing []string
		for _, sku := range order {
			if !have[sku] {
				missing = append(missing, sku)
			}
		}
		if len(missing) == 0 {
			q, _, err := m.readCart(p, "read the cart")
			if err != nil {
				return nil, err
			}
			for _, l := range q.Lines {
				if l.AddOn || l.Quantity != want[l.SKU] {
					return nil, p.fail("read the cart", "cart_line", fmt.Errorf("the cart still holds %d × %s after updating it", l.Quantity, l.SKU))
				}
			}
			return q, nil
		}
		for _, sku := range missing {
			if err := m.addToCart(p, sku, want[sku]); err != nil {
				return nil, err
			}
		}
		if err := m.openCart(p); err != nil {
			return nil, err
		}
	}
	return nil, p.fail("fill the cart", "cart_line", errors.New("the cart does not settle on the requested lines"))
}

// addToCart opens the product page of sku, chooses its options, sets the
// quantity and adds it.
func (m *Merchant) addToCart(p *page, sku string, qty int) error {
	m.mu.Lock()
	ref, known := m.products[sku]
	m.mu.Unlock()
	step := "open the product page of " + sku
	switch {
	case known:
		if _, err := p.goTo(step, ref.URL); err != nil {
			return err
		}
	case m.profile.URLs.Product != "":
		if _, err := p.goTo(step, m.resolve(m.profile.URLs.Product, "sku", sku)); err != nil {
			return err
		}
	default:
		// A SKU the skill has not seen: search the site for it.
		if _, err := p.goTo("open home page", m.base.String()); err != nil {
			return err
		}
		if err := p.fill("search for "+sku, "search_box", sku); err != nil {
			return err
		}
		if _, err := p.clickTo("search for "+sku, "search_submit"); err != nil {
			return err
		}
		var res struct {
			Results []resultItem `json:"results"`
		}
		if _, err := p.eval("results", nil, &res); err != nil {
			return p.fail("search for "+sku, "result", err)
		}
		found := false
		for _, r := range res.Results {
			if r.SKU == sku || r.Family {
				if ps, err := m.readProductPage(p, r.URL); err == nil {
					for _, pr := range ps {
						found = found || pr.SKU == sku
					}
				}
			}
			if found {
				break
			}
		}
		if !found {
			return fmt.Errorf("%w: %s has no product %s", skills.ErrNotFound, m.cfg.ID, sku)
		}
		m.mu.Lock()
		ref = m.products[sku]
		m.mu.Unlock()
		if _, err := p.goTo(step, ref.URL); err != nil {
			return err
		}
	}
	var pp productPage
	if _, err := p.eval("product", nil, &pp); err != nil {
		return p.fail("read the product page of "+sku, "", err)
	}
	if len(pp.Variants) > 0 && ref.Attributes == nil {
		for _, v := range pp.Variants {
			if v.SKU == sku {
				ref.Attributes = v.Attributes
			}
		}
	}
	// Choose every option the way the variant needs it.
	for _, o := range pp.Options {
		val, ok := optionValue(ref.Attributes, o.Key, o.Name)
		if !ok {
			if pp.SKU == sku || ref.Attributes == nil {
				continue // the page's own choice is this SKU
			}
			return p.fail("choose options for "+sku, "option", fmt.Errorf("the page has an option %q that %s's attributes do not name", o.Key, sku))
		}
		if strings.EqualFold(o.Chosen, val) {
			continue
		}
		if err := m.choose(p, sku, o.Key, val); err != nil {
			return err
		}
	}
	// When the page shows the SKU of the chosen variant, wait for it.
	if pp.SKU != "" && len(pp.Options) > 0 {
		err := p.until("wait for "+sku+" to be selected", func() (bool, error) {
			var now productPage
			if _, err := p.eval("product", nil, &now); err != nil {
				return false, err
			}
			return now.SKU == sku || now.SKU == pp.SKU && len(pp.Variants) == 0, nil
		})
		if err != nil {
			return err
		}
	}
	if len(pp.Options) > 0 {
		if _, err := p.eval("product", nil, &pp); err != nil {
			return p.fail("read the product page of "+sku, "", err)
		}
	}
	if pp.AddDisabled {
		return fmt.Errorf("%w: %s cannot be added to the cart at %s (the add button is disabled: %s)", skills.ErrOutOfStock, sku, m.cfg.ID, p.pageMessage())
	}
	if qty != 1 || pp.HasQty {
		if err := p.fill("set the quantity of "+sku, "quantity", strconv.Itoa(qty)); err != nil {
			if qty != 1 {
				return err
			}
		}
	}
	st, err := p.clickTo("add "+sku+" to the cart", "add_to_cart")
	if err != nil {
		return err
	}
	if e := statusErr(st); e != nil {
		return p.fail("add "+sku+" to the cart", "add_to_cart", fmt.Errorf("%w: HTTP %d: %s", e, st, p.pageMessage()))
	}
	return nil
}

// optionValue finds the attribute value a picker labelled key needs.
func optionValue(attrs map[string]string, key, name string) (string, bool) {
	for _, k := range []string{key, strings.TrimPrefix(name, "opt_"), name} {
		if v, ok := attrs[k]; ok {
			return v, true
		}
	}
	for k, v := range attrs {
		lk := strings.ToLower(k)
		if lk == key || strings.Contains(key, lk) || (key != "" && strings.Contains(lk, key)) {
			return v, true
		}
	}
	return "", false
}

// choose sets one option picker: a select gets its value and a change
// event; a radio button is clicked.
func (m *Merchant) choose(p *page, sku, key, val string) error {
	step := fmt.Sprintf("choose %s %s for %s", key, val, sku)
	var r struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	}
	if _, err := p.eval("choose", map[string]string{"key": key, "value": val}, &r); err != nil {
		return p.fail(step, "option", err)
	}
	const chosen = `[data-cw="choice"]`
	switch r.Kind {
	case "select":
		js := `(function(v){var e=document.querySelector('` + chosen + `');if(!e)return false;e.focus();e.value=v;` +
			`e.dispatchEvent(new Event('input',{bubbles:true}));e.dispatchEvent(new Event('change',{bubbles:true}));return e.value===v})(` + strconv.Quote(r.Value) + `)`
		ok, err := chromedp.Run(p.ctx, isolated("String("+js+")"))
		if err != nil || ok != "true" {
			return p.fail(step, "option", fmt.Errorf("could not select %q: %v", r.Value, err))
		}
	default:
		if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(chosen))); err != nil {
			return p.fail(step, "option", err)
		}
	}
	return nil
}

// ---- Complete ----

// Complete opens the checkout page of the quote's cart and reads it. If its
// total or lines differ from the quote the caller saw (a price moved, stock
// ran out, an extra came back), it does not pay: it returns a
// *skills.QuoteChangedError with the checkout page's quote. Otherwise it
// fills the delivery address and the delegated payment token, places the
// order, reads the confirmation page (whose total must equal the quote's)
// and keeps a screenshot of it as evidence.
func (m *Merchant) Complete(ctx context.Context, req skills.CompleteRequest) (*skills.Order, error) {
	defer m.track()()
	if req.Credential.Token == "" {
		return nil, fmt.Errorf("%w: credential.token: a delegated payment token is required", skills.ErrInvalid)
	}
	if req.IdempotencyKey != "" {
		m.mu.Lock()
		o := m.doneKey[req.IdempotencyKey]
		m.mu.Unlock()
		if o != nil {
			c := *o
			return &c, nil
		}
	}
	s, err := m.session(req.QuoteID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := req.Address
	if a == nil {
		a = s.addr // the address given when quoting
	}
	if a == nil {
		return nil, fmt.Errorf("%w: address: a web checkout needs a delivery address (in the complete or the quote request)", skills.ErrInvalid)
	}
	if err := checkAddress(a); err != nil {
		return nil, err
	}
	p, cancel := m.page(ctx, s.ctx, 20)
	defer cancel()
	if m.profile.URLs.Checkout != "" {
		_, err = p.goTo("open checkout", m.resolve(m.profile.URLs.Checkout))
	} else {
		if err = m.openCart(p); err == nil {
			_, err = p.clickTo("open checkout", "checkout_button")
		}
	}
	if err != nil {
		return nil, err
	}
	now, _, err := m.readCart(p, "read the checkout page")
	if err != nil {
		return nil, err
	}
	if reason := quoteDiff(s.quote, now); reason != "" {
		now.Status = skills.StatusNotReady
		s.quote = copyQuote(now)
		return nil, &skills.QuoteChangedError{Quote: now, Reason: reason}
	}
	fields := []struct{ role, v string }{
		{"field_name", a.Name}, {"field_line1", a.Line1}, {"field_line2", a.Line2}, {"field_city", a.City},
		{"field_region", a.Region}, {"field_postal", a.PostalCode}, {"field_country", a.Country}, {"field_phone", a.Phone},
		{"field_email", a.Email}, {"field_token", req.Credential.Token},
	}
	for _, f := range fields {
		if f.v == "" {
			continue
		}
		if err := p.fill("fill the checkout form", f.role, f.v); err != nil {
			return nil, err
		}
	}
	var pl tagged
	if pl, err = p.find("place the order", "place_order"); err != nil {
		return nil, err
	}
	if pl.Disabled {
		return nil, &skills.QuoteChangedError{Quote: now, Reason: "the storefront does not accept the order: " + p.pageMessage()}
	}
	st, err := p.clickTo("place the order", "place_order")
	if err != nil {
		return nil, err
	}
	switch e := statusErr(st); {
	case e == nil:
	case errors.Is(e, skills.ErrPaymentDeclined):
		return nil, fmt.Errorf("%w: %s", skills.ErrPaymentDeclined, p.pageMessage())
	case st == 409:
		changed, _, rerr := m.readCart(p, "read the checkout page")
		if rerr != nil {
			return nil, &skills.QuoteChangedError{Reason: p.pageMessage()}
		}
		s.quote = copyQuote(changed)
		return nil, &skills.QuoteChangedError{Quote: changed, Reason: p.pageMessage()}
	default:
		return nil, p.fail("place the order", "place_order", fmt.Errorf("%w: HTTP %d: %s", e, st, p.pageMessage()))
	}
	var op struct {
		ID       string   `json:"id"`
		Total    string   `json:"total"`
		Status   string   `json:"status"`
		Messages []string `json:"messages"`
	}
	miss, err := p.eval("order", nil, &op)
	if err != nil {
		return nil, p.fail("read the order confirmation", "", err)
	}
	if op.ID == "" {
		role := "order_id"
		if miss != nil {
			role = miss.Role
		}
		return nil, p.fail("read the order confirmation", role, errMissing)
	}
	total, err := parsePrice(op.Total, m.cfg.Currency)
	if err != nil {
		return nil, p.fail("read the order confirmation", "order_total", err)
	}
	o := &skills.Order{
		ID: op.ID, Merchant: m.cfg.ID, QuoteID: now.ID, Status: "confirmed", Lines: append([]skills.QuoteLine(nil), now.Lines...),
		Total: total, Refunded: skills.M(0, m.cfg.Currency), CreatedAt: time.Now().UTC(),
	}
	if op.Status != "" {
		o.Status = op.Status
	}
	if err := m.capture(p, s.dir, "confirmation", now.ID, o.ID); err != nil {
		m.log.Warn("evidence", "order", o.ID, "err", err)
	}
	m.mu.Lock()
	m.orders[o.ID] = orderRef{url: p.url(), quoteID: now.ID}
	if req.IdempotencyKey != "" {
		c := *o
		m.doneKey[req.IdempotencyKey] = &c
	}
	delete(m.sessions, now.ID)
	m.mu.Unlock()
	s.cancel()
	if total != now.Total {
		return o, fmt.Errorf("browser merchant %s: order %s charged %s, the quote was %s", m.cfg.ID, o.ID, total, now.Total)
	}
	return o, nil
}

// quoteDiff says how the checkout page differs from the quote ("" if not).
func quoteDiff(was, now *skills.Quote) string {
	if was == nil {
		return ""
	}
	var why []string
	if was.Total != now.Total {
		why = append(why, fmt.Sprintf("the checkout total is %s, the quote was %s", now.Total, was.Total))
	}
	old := map[string]skills.QuoteLine{}
	for _, l := range was.Lines {
		old[l.SKU] = l
	}
	for _, l := range now.Lines {
		o, ok := old[l.SKU]
		switch {
		case !ok:
			why = append(why, fmt.Sprintf("%s (%d × %s) is new", l.SKU, l.Quantity, l.UnitPrice))
		case o.UnitPrice != l.UnitPrice:
			why = append(why, fmt.Sprintf("%s now costs %s, was %s", l.SKU, l.UnitPrice, o.UnitPrice))
		case o.Quantity != l.Quantity:
			why = append(why, fmt.Sprintf("%s quantity is %d, was %d", l.SKU, l.Quantity, o.Quantity))
		}
		delete(old, l.SKU)
	}
	for sku := range old {
		why = append(why, sku+" is gone")
	}
	for _, msg := range now.Messages {
		if strings.Contains(strings.ToLower(msg.Text), "out of stock") || strings.Contains(strings.ToLower(msg.Text), "only ") {
			why = append(why, "page notice: "+msg.Text)
		}
	}
	return strings.Join(why, "; ")
}

// ---- Cancel and Refund ----

// Cancel empties the quote's cart on the storefront (which abandons its
// checkout session) and closes its tab.
func (m *Merchant) Cancel(ctx context.Context, quoteID, idempotencyKey string) error {
	defer m.track()()
	m.mu.Lock()
	done := idempotencyKey != "" && m.cancKey[idempotencyKey]
	m.mu.Unlock()
	if done {
		return nil
	}
	s, err := m.session(quoteID)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, cancel := m.page(ctx, s.ctx, 3)
	defer cancel()
	if err := m.openCart(p); err != nil {
		return err
	}
	if _, err := p.clickTo("empty the cart", "cart_empty"); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.sessions, quoteID)
	if idempotencyKey != "" {
		m.cancKey[idempotencyKey] = true
	}
	m.mu.Unlock()
	s.cancel()
	return nil
}

// ErrNoRefunds: the storefront offers no refund on its order pages.
var ErrNoRefunds = errors.New("storefront does not support online refunds")

// Refund asks for a refund on the order's page (amount zero: all that is
// left). A storefront without a refund form returns ErrNoRefunds.
func (m *Merchant) Refund(ctx context.Context, req skills.RefundRequest) (*skills.Refund, error) {
	defer m.track()()
	if req.IdempotencyKey == "" {
		return nil, fmt.Errorf("%w: a refund needs an idempotency key", skills.ErrInvalid)
	}
	if req.Amount.Minor < 0 || (req.Amount.Currency != "" && req.Amount.Currency != m.cfg.Currency) {
		return nil, fmt.Errorf("%w: amount: %s is not a refundable %s amount", skills.ErrInvalid, req.Amount, m.cfg.Currency)
	}
	m.mu.Lock()
	prev := m.refKey[req.IdempotencyKey]
	ref, ok := m.orders[req.OrderID]
	m.mu.Unlock()
	if prev != nil {
		c := *prev
		return &c, nil
	}
	if !ok {
		return nil, fmt.Errorf("%w: order %s was not placed through this browser", skills.ErrNotFound, req.OrderID)
	}
	p, done, err := m.scratch(ctx, 4)
	if err != nil {
		return nil, err
	}
	defer done()
	if _, err := p.goTo("open the order page", ref.url); err != nil {
		return nil, err
	}
	if _, err := p.find("find the refund form", "refund_submit"); err != nil {
		if errors.Is(err, errMissing) {
			return nil, fmt.Errorf("browser merchant %s: order %s: %w", m.cfg.ID, req.OrderID, ErrNoRefunds)
		}
		return nil, err
	}
	if !req.Amount.IsZero() {
		if err := p.fill("enter the refund amount", "refund_amount", req.Amount.Decimal()); err != nil {
			return nil, err
		}
	}
	st, err := p.clickTo("request the refund", "refund_submit")
	if err != nil {
		return nil, err
	}
	if e := statusErr(st); e != nil {
		return nil, fmt.Errorf("%w: refund refused: %s", e, p.pageMessage())
	}
	text, err := p.evalString(`(function(){var e=document.querySelector(` + strconv.Quote(orDefault(m.profile.Selectors["refund_result"], "[role=status],#refund-result")) + `);return e?e.innerText:''})()`)
	if err != nil || text == "" {
		return nil, p.fail("read the refund confirmation", "refund_result", errMissing)
	}
	out := &skills.Refund{OrderID: req.OrderID}
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, "ref_") || strings.HasPrefix(f, "re_") || strings.HasPrefix(f, "rf_") {
			out.ID = strings.TrimRight(f, ".,;")
		}
	}
	amt := moneyText(text)
	if out.Amount, err = parsePrice(amt, m.cfg.Currency); err != nil {
		return nil, p.fail("read the refund confirmation", "refund_result", err)
	}
	if !req.Amount.IsZero() && out.Amount.Minor != req.Amount.Minor {
		return nil, fmt.Errorf("browser merchant %s: refund of %s confirmed as %s", m.cfg.ID, req.Amount, out.Amount)
	}
	m.mu.Lock()
	c := *out
	m.refKey[req.IdempotencyKey] = &c
	m.mu.Unlock()
	return out, nil
}

func orDefault(s, d string) string {
	if s != "" {
		return s
	}
	return d
}

// moneyText picks the last amount-looking word group of a text ("¥50.00").
func moneyText(s string) string {
	f := strings.Fields(s)
	for i := len(f) - 1; i >= 0; i-- {
		if strings.ContainsAny(f[i], "0123456789") && strings.Contains(f[i], ".") {
			if i > 0 && len(f[i-1]) == 3 && strings.ToUpper(f[i-1]) == f[i-1] {
				return f[i-1] + " " + f[i]
			}
			return f[i]
		}
	}
	return ""
}
