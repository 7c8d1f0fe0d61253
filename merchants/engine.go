package merchants

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
)

// Session statuses the engine uses (ACP names).
const (
	StatusNotReady  = skills.StatusNotReady
	StatusReady     = skills.StatusReady
	StatusCompleted = skills.StatusCompleted
	StatusCanceled  = skills.StatusCanceled
	StatusExpired   = "expired"
)

// Order statuses.
const (
	OrderConfirmed = "confirmed"
	OrderCanceled  = "canceled"
	OrderRefunded  = "refunded"
)

// SessionTTL is how long a checkout session is honoured.
const SessionTTL = 30 * time.Minute

// MaxQuantity bounds one line's quantity.
const MaxQuantity = 10000

// Engine errors, matched with errors.Is. *InputError values also match
// skills.ErrInvalid or skills.ErrNotFound.
var (
	// ErrState: the operation does not fit the session's or order's status
	// (completing a canceled session, cancelling a completed one).
	ErrState = errors.New("operation not allowed in this state")
)

// InputError is a request the engine refuses, naming the offending field
// as an RFC 9535 JSONPath into the ACP request (Param) and an ACP-style code.
type InputError struct {
	Kind  error // skills.ErrInvalid, skills.ErrNotFound or ErrState
	Code  string
	Param string
	Msg   string
}

func (e *InputError) Error() string {
	if e.Param != "" {
		return e.Param + ": " + e.Msg
	}
	return e.Msg
}

// Unwrap exposes the kind for errors.Is.
func (e *InputError) Unwrap() error { return e.Kind }

func invalid(code, param, format string, args ...any) error {
	return &InputError{Kind: skills.ErrInvalid, Code: code, Param: param, Msg: fmt.Sprintf(format, args...)}
}

func notFound(code, format string, args ...any) error {
	return &InputError{Kind: skills.ErrNotFound, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func badState(code, format string, args ...any) error {
	return &InputError{Kind: ErrState, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Line is one line of a checkout session.
type Line struct {
	ID        string
	SKU       string
	Title     string
	Category  string
	Quantity  int
	UnitPrice skills.Money
	// AddOn marks a line the merchant added itself (a pre-selected extra).
	AddOn bool
	// Available is the stock the merchant has for SKU (add-ons: unlimited, -1).
	Available int
}

// Total is the line's unit price × quantity.
func (l Line) Total() skills.Money {
	return skills.M(l.UnitPrice.Minor*int64(l.Quantity), l.UnitPrice.Currency)
}

// Session is a snapshot of a checkout session.
type Session struct {
	ID        string
	Merchant  string
	Status    string
	Lines     []Line
	Coupon    string // the code the buyer asked for ("" = automatic)
	Totals    skills.Totals
	Address   *skills.Address
	Messages  []skills.Message
	OrderID   string
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// SessionInput creates a checkout session.
type SessionInput struct {
	Lines   []skills.LineRequest
	Coupon  string
	Address *skills.Address
}

// SessionUpdate changes a session: nil fields leave things as they are; a
// non-nil Lines replaces the cart (add-ons not listed are removed).
type SessionUpdate struct {
	Lines   []skills.LineRequest
	Coupon  *string
	Address *skills.Address
}

// Payment is how the buyer pays at completion.
type Payment struct {
	Token   string // a delegated vt_… token from the payment network
	Address *skills.Address
}

type session struct {
	Session
	priceFired bool
}

type orderRec struct {
	order     skills.Order
	captureID string
	refunds   map[string]skills.Refund // by idempotency key
}

// EngineConfig configures an Engine.
type EngineConfig struct {
	Currency skills.Currency
	Merchant *Merchant
	// Payments captures and refunds (required for Complete and Refund).
	Payments paynet.Processor
	// PaymentURL is the payment network's base URL, which the merchant
	// publishes so an agent knows where to get a delegated token.
	PaymentURL string
	// Seed seeds the fault PRNG (combined with the merchant id).
	Seed int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits for the latency fault (default: a context-aware timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// IDEpoch goes into every checkout session and order id this engine
	// makes, so ids never repeat across restarts of the same world (a real
	// merchant's ids are unique for ever; payment mandates and tokens are
	// bound to them). Default: 8 random hex digits.
	IDEpoch string
}

// Engine is one merchant's back end: catalog, stock, checkout sessions,
// orders and refunds, with the merchant's faults. The ACP HTTP API and the
// HTML storefront both serve the same Engine. It is safe for concurrent use.
type Engine struct {
	m        *Merchant
	cur      skills.Currency
	pay      paynet.Processor
	payURL   string
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	faults   Faults
	oosFired map[string]bool

	rngMu sync.Mutex
	rng   *rand.Rand

	mu       sync.Mutex
	products map[string]*skills.Product
	hay      map[string]string // sku → lower-case search text (catalog facts only)
	skus     []string          // catalog order
	info     skills.MerchantInfo
	sessions map[string]*session
	orders   map[string]*orderRec
	seq      int
	epoch    string
	// catalogAt is when the catalog (price or stock) last changed: the
	// catalog feed's updated_at.
	catalogAt time.Time
	feeds     *feedStore
}

// NewEngine builds a merchant's engine from its world description. The
// injection fault is applied to the catalog here.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	if cfg.Merchant == nil {
		return nil, errors.New("merchants: engine needs a merchant")
	}
	if !cfg.Currency.Valid() {
		return nil, fmt.Errorf("merchants: unknown currency %q", cfg.Currency)
	}
	m := cfg.Merchant
	h := fnv.New64a()
	h.Write([]byte(m.ID))
	e := &Engine{
		m:        m,
		cur:      cfg.Currency,
		pay:      cfg.Payments,
		payURL:   cfg.PaymentURL,
		now:      cfg.Now,
		sleep:    cfg.Sleep,
		faults:   m.Faults,
		oosFired: map[string]bool{},
		rng:      rand.New(rand.NewPCG(uint64(cfg.Seed), h.Sum64())),
		products: map[string]*skills.Product{},
		hay:      map[string]string{},
		sessions: map[string]*session{},
		orders:   map[string]*orderRec{},
		info:     m.Info(cfg.Currency),
		epoch:    cfg.IDEpoch,
	}
	if e.epoch == "" {
		e.epoch = skills.NewID("", 4)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.sleep == nil {
		e.sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	e.catalogAt = e.now().UTC().Truncate(time.Second)
	e.feeds = newFeedStore(m.ID, e.catalogAt)
	for _, p := range m.Products {
		cp := p
		cp.Merchant = m.ID
		if cp.Attributes != nil {
			cp.Attributes = make(map[string]string, len(p.Attributes))
			for k, v := range p.Attributes {
				cp.Attributes[k] = v
			}
		}
		if in := m.Faults.Injection; in != nil && in.SKU == cp.SKU {
			if cp.Description != "" {
				cp.Description += " "
			}
			cp.Description += in.Text
		}
		e.products[cp.SKU] = &cp
		e.hay[cp.SKU] = haystack(&cp)
		e.skus = append(e.skus, cp.SKU)
	}
	return e, nil
}

// ID is the merchant id.
func (e *Engine) ID() string { return e.m.ID }

// PaymentURL is the base URL of the payment network agents obtain
// delegated tokens from for this merchant ("" if none).
func (e *Engine) PaymentURL() string { return e.payURL }

// Merchant is the merchant's world description.
func (e *Engine) Merchant() *Merchant { return e.m }

// Info is what the merchant publishes about itself.
func (e *Engine) Info() skills.MerchantInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	return copyInfo(e.info)
}

func copyInfo(in skills.MerchantInfo) skills.MerchantInfo {
	out := in
	out.Coupons = append([]skills.Coupon(nil), in.Coupons...)
	out.Categories = append([]string(nil), in.Categories...)
	out.Brands = append([]string(nil), in.Brands...)
	out.Attributes = make(map[string][]string, len(in.Attributes))
	for k, v := range in.Attributes {
		out.Attributes[k] = append([]string(nil), v...)
	}
	out.Catalog = make([]skills.CategoryVocabulary, len(in.Catalog))
	for i, c := range in.Catalog {
		out.Catalog[i] = c.Clone()
	}
	return out
}

// ErrUnavailable is what Fault returns when the error_rate fault fires.
var ErrUnavailable = skills.ErrUnavailable

// Fault applies the request-level faults: it waits latency_ms and then,
// with probability error_rate, returns ErrUnavailable. Every front end (API,
// storefront) calls it once per request. The draw comes from the merchant's
// seeded PRNG, so the same sequence of requests meets the same faults.
func (e *Engine) Fault(ctx context.Context) error {
	if e.faults.LatencyMS > 0 {
		if err := e.sleep(ctx, time.Duration(e.faults.LatencyMS)*time.Millisecond); err != nil {
			return err
		}
	}
	if e.faults.ErrorRate <= 0 {
		return nil
	}
	e.rngMu.Lock()
	x := e.rng.Float64()
	e.rngMu.Unlock()
	if x < e.faults.ErrorRate {
		return ErrUnavailable
	}
	return nil
}

// Products lists the whole catalog in world order.
func (e *Engine) Products() []skills.Product {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]skills.Product, 0, len(e.skus))
	for _, s := range e.skus {
		out = append(out, copyProduct(e.products[s]))
	}
	return out
}

// Product returns one product.
func (e *Engine) Product(sku string) (skills.Product, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.products[sku]
	if !ok {
		return skills.Product{}, notFound("product_not_found", "no product %q at %s", sku, e.m.ID)
	}
	return copyProduct(p), nil
}

// Variants returns the products of a variant group (in catalog order).
func (e *Engine) Variants(group string) []skills.Product {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []skills.Product
	for _, s := range e.skus {
		if p := e.products[s]; group != "" && p.Group == group {
			out = append(out, copyProduct(p))
		}
	}
	return out
}

func copyProduct(p *skills.Product) skills.Product {
	cp := *p
	if p.Attributes != nil {
		cp.Attributes = make(map[string]string, len(p.Attributes))
		for k, v := range p.Attributes {
			cp.Attributes[k] = v
		}
	}
	return cp
}

func (e *Engine) nextID(prefix string) string {
	e.seq++
	return fmt.Sprintf("%s_%s_%s_%d", prefix, e.m.ID, e.epoch, e.seq)
}

// SessionCount is the number of checkout sessions the engine holds.
func (e *Engine) SessionCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.sessions)
}

// buildLines validates requested lines against the catalog. Repeated SKUs
// are merged. It never changes state.
func (e *Engine) buildLines(req []skills.LineRequest) ([]Line, error) {
	if len(req) == 0 {
		return nil, invalid("missing", "$.line_items", "at least one line item is required")
	}
	var lines []Line
	idx := map[string]int{}
	for i, r := range req {
		param := fmt.Sprintf("$.line_items[%d]", i)
		if r.SKU == "" {
			return nil, invalid("missing", param+".id", "item id is required")
		}
		if r.Quantity <= 0 {
			return nil, invalid("invalid_quantity", param+".quantity", "quantity %d must be at least 1", r.Quantity)
		}
		if r.Quantity > MaxQuantity {
			return nil, invalid("quantity_exceeded", param+".quantity", "quantity %d exceeds the maximum of %d per line", r.Quantity, MaxQuantity)
		}
		if j, ok := idx[r.SKU]; ok {
			lines[j].Quantity += r.Quantity
			if lines[j].Quantity > MaxQuantity {
				return nil, invalid("quantity_exceeded", param+".quantity", "total quantity of %q exceeds %d", r.SKU, MaxQuantity)
			}
			continue
		}
		if a := e.addon(r.SKU); a != nil {
			idx[r.SKU] = len(lines)
			lines = append(lines, Line{SKU: a.SKU, Title: a.Name, Quantity: r.Quantity, UnitPrice: a.Price, AddOn: true, Available: -1})
			continue
		}
		p, ok := e.products[r.SKU]
		if !ok {
			return nil, &InputError{Kind: skills.ErrNotFound, Code: "invalid_item_id", Param: param + ".id", Msg: fmt.Sprintf("the item id %q does not exist at %s", r.SKU, e.m.ID)}
		}
		idx[r.SKU] = len(lines)
		lines = append(lines, Line{SKU: p.SKU, Title: p.Title, Category: p.Category, Quantity: r.Quantity, UnitPrice: p.Price, Available: p.Stock})
	}
	return lines, nil
}

func (e *Engine) addon(sku string) *Addon {
	for i := range e.faults.PreselectedAddons {
		if e.faults.PreselectedAddons[i].SKU == sku {
			return &e.faults.PreselectedAddons[i]
		}
	}
	return nil
}

// price recomputes a session's totals, stock availability, status and
// messages from its lines. Caller holds e.mu.
func (e *Engine) price(s *session) {
	s.Messages = nil
	status := StatusReady
	pl := make([]skills.PricedLine, len(s.Lines))
	for i := range s.Lines {
		l := &s.Lines[i]
		l.ID = fmt.Sprintf("li_%d", i+1)
		if !l.AddOn {
			if p := e.products[l.SKU]; p != nil {
				l.Available = p.Stock
			}
			if l.Quantity > l.Available {
				status = StatusNotReady
				s.Messages = append(s.Messages, skills.Message{Type: "error", Code: "out_of_stock", Param: fmt.Sprintf("$.line_items[%d]", i),
					Text: fmt.Sprintf("%s: only %d left, %d requested", l.Title, l.Available, l.Quantity)})
			}
		}
		pl[i] = skills.PricedLine{UnitPrice: l.UnitPrice, Quantity: l.Quantity}
	}
	t, err := skills.PriceCart(e.info, pl, s.Coupon)
	if err != nil && s.Coupon != "" {
		code := "discount_code_invalid"
		if errors.Is(err, skills.ErrInvalid) {
			code = "discount_code_minimum_not_met"
		}
		s.Messages = append(s.Messages, skills.Message{Type: "warning", Code: code, Param: "$.discounts.codes[0]",
			Text: fmt.Sprintf("coupon %q not applied: %v; the best applicable coupon was used instead", s.Coupon, err)})
		t, err = skills.PriceCart(e.info, pl, "")
	}
	if err != nil {
		status = StatusNotReady
		s.Messages = append(s.Messages, skills.Message{Type: "error", Code: "invalid", Text: "cannot price the cart: " + err.Error()})
	}
	s.Totals = t
	s.Status = status
	s.UpdatedAt = e.now()
}

func (e *Engine) get(id string) (*session, error) {
	s, ok := e.sessions[id]
	if !ok {
		return nil, notFound("session_not_found", "no checkout session %q at %s", id, e.m.ID)
	}
	if (s.Status == StatusReady || s.Status == StatusNotReady) && !e.now().Before(s.ExpiresAt) {
		s.Status, s.UpdatedAt = StatusExpired, e.now()
		s.Messages = []skills.Message{{Type: "error", Code: "expired", Text: "the checkout session expired; create a new one"}}
	}
	return s, nil
}

func snapshot(s *session) *Session {
	cp := s.Session
	cp.Lines = append([]Line(nil), s.Lines...)
	cp.Messages = append([]skills.Message(nil), s.Messages...)
	if s.Address != nil {
		a := *s.Address
		cp.Address = &a
	}
	return &cp
}

// CreateSession opens a checkout session. The merchant's pre-selected
// add-ons are added to it.
func (e *Engine) CreateSession(_ context.Context, in SessionInput) (*Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	lines, err := e.buildLines(in.Lines)
	if err != nil {
		return nil, err
	}
	for _, a := range e.faults.PreselectedAddons {
		if !hasSKU(lines, a.SKU) {
			lines = append(lines, Line{SKU: a.SKU, Title: a.Name, Quantity: 1, UnitPrice: a.Price, AddOn: true, Available: -1})
		}
	}
	now := e.now()
	s := &session{Session: Session{
		ID: e.nextID("cs"), Merchant: e.m.ID, Lines: lines, Coupon: in.Coupon,
		CreatedAt: now, ExpiresAt: now.Add(SessionTTL),
	}}
	if in.Address != nil {
		a := *in.Address
		s.Address = &a
	}
	e.price(s)
	e.sessions[s.ID] = s
	return snapshot(s), nil
}

func hasSKU(lines []Line, sku string) bool {
	for _, l := range lines {
		if l.SKU == sku {
			return true
		}
	}
	return false
}

func (e *Engine) open(s *session) error {
	switch s.Status {
	case StatusCompleted:
		return badState("session_completed", "checkout session %s is already completed", s.ID)
	case StatusCanceled:
		return badState("session_canceled", "checkout session %s was canceled", s.ID)
	case StatusExpired:
		return badState("session_expired", "checkout session %s expired at %s", s.ID, s.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// getOpen returns session id when it can still change (see open). The
// caller holds e.mu.
func (e *Engine) getOpen(id string) (*session, error) {
	s, err := e.get(id)
	if err != nil {
		return nil, err
	}
	if err := e.open(s); err != nil {
		return nil, err
	}
	return s, nil
}

// UpdateSession changes a session's cart, coupon or address.
func (e *Engine) UpdateSession(_ context.Context, id string, up SessionUpdate) (*Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.getOpen(id)
	if err != nil {
		return nil, err
	}
	if up.Lines != nil {
		lines, err := e.buildLines(up.Lines)
		if err != nil {
			return nil, err
		}
		s.Lines = lines
	}
	if up.Coupon != nil {
		s.Coupon = *up.Coupon
	}
	if up.Address != nil {
		a := *up.Address
		s.Address = &a
	}
	e.price(s)
	return snapshot(s), nil
}

// GetSession returns a session.
func (e *Engine) GetSession(_ context.Context, id string) (*Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.get(id)
	if err != nil {
		return nil, err
	}
	return snapshot(s), nil
}

// CancelSession abandons a session that is not completed or canceled.
func (e *Engine) CancelSession(_ context.Context, id string) (*Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.get(id)
	if err != nil {
		return nil, err
	}
	if s.Status == StatusCompleted || s.Status == StatusCanceled || s.Status == StatusExpired {
		return nil, badState("not_cancelable", "checkout session %s is %s and cannot be canceled", s.ID, s.Status)
	}
	s.Status = StatusCanceled
	s.Messages = nil
	s.UpdatedAt = e.now()
	return snapshot(s), nil
}

// Complete pays for a session. On success the session is completed and
// carries OrderID. When the quote no longer holds (a price moved, stock ran
// out — the price_change and out_of_stock_at_checkout faults make that
// happen) nothing is charged: the session comes back repriced, not
// completed, with an error message (code invalid + warning price_change,
// or out_of_stock). A declined payment also comes back as the session with
// a payment_declined message. Errors are for requests that cannot be
// processed at all (unknown session, wrong state, network down).
func (e *Engine) Complete(ctx context.Context, id string, pay Payment) (*Session, error) {
	if pay.Token == "" {
		return nil, invalid("missing", "$.payment_data.instrument.credential.token", "a payment token is required")
	}
	if e.pay == nil {
		return nil, errors.New("merchants: engine has no payment processor")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.getOpen(id)
	if err != nil {
		return nil, err
	}
	if pay.Address != nil {
		a := *pay.Address
		s.Address = &a
	}
	e.checkoutFaults(s)
	if changed := e.requote(s); len(changed) > 0 {
		return snapshot(s), nil
	}
	if s.Status != StatusReady {
		return snapshot(s), nil
	}
	c, err := e.pay.Capture(ctx, paynet.CaptureRequest{
		Token: pay.Token, MerchantID: e.m.ID, SessionID: s.ID, Amount: s.Totals.Total,
		// One key per (session, token, amount): a retry of the same attempt
		// replays it; a new attempt (another token, a repriced cart) is new.
		IdempotencyKey: fmt.Sprintf("capture:%s:%s:%d", s.ID, pay.Token, s.Totals.Total.Minor),
	})
	if err != nil {
		if errors.Is(err, paynet.ErrDeclined) || errors.Is(err, paynet.ErrInvalid) {
			s.Messages = []skills.Message{{Type: "error", Code: "payment_declined", Param: "$.payment_data", Text: err.Error()}}
			s.UpdatedAt = e.now()
			return snapshot(s), nil
		}
		return nil, fmt.Errorf("%w: payment network: %v", skills.ErrUnavailable, err)
	}
	// Captured: the order must exist now. Everything below is in memory and
	// cannot fail.
	now := e.now()
	o := &orderRec{captureID: c.ID, refunds: map[string]skills.Refund{}}
	o.order = skills.Order{
		ID: e.nextID("ord"), Merchant: e.m.ID, QuoteID: s.ID, Status: OrderConfirmed,
		Total: s.Totals.Total, Refunded: skills.M(0, e.cur), CreatedAt: now, PaymentID: c.ID,
	}
	for _, l := range s.Lines {
		if !l.AddOn {
			e.products[l.SKU].Stock -= l.Quantity
			e.catalogAt = now
		}
		o.order.Lines = append(o.order.Lines, skills.QuoteLine{ID: l.ID, SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Total: l.Total(), AddOn: l.AddOn})
	}
	e.orders[o.order.ID] = o
	s.Status, s.OrderID, s.Messages, s.UpdatedAt = StatusCompleted, o.order.ID, nil, now
	return snapshot(s), nil
}

// Review re-checks an open session's prices and stock the way Complete does
// before it charges — the price_change and out_of_stock_at_checkout faults
// fire here exactly as they would there, once each — but makes no payment
// attempt. It returns the updated session: moved prices are taken over and
// reported (warning price_change plus error invalid, as Complete reports
// them), stock that ran out makes it not ready (out_of_stock). A Complete
// after a Review charges the reviewed totals unless something moved again.
//
// A storefront calls it when the shopper opens the checkout page, so the
// page shows what placing the order will charge. The ACP API has no review
// call: there Complete re-checks (ACP's update and complete are the only
// places a session changes).
func (e *Engine) Review(_ context.Context, id string) (*Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.getOpen(id)
	if err != nil {
		return nil, err
	}
	e.checkoutFaults(s)
	e.requote(s)
	return snapshot(s), nil
}

// checkoutFaults fires the price_change and out_of_stock_at_checkout faults
// (each once) when the session holds their SKU. Caller holds e.mu.
func (e *Engine) checkoutFaults(s *session) {
	if pc := e.faults.PriceChange; pc != nil && !s.priceFired && hasSKU(s.Lines, pc.SKU) {
		s.priceFired = true
		e.products[pc.SKU].Price = pc.Price
		e.catalogAt = e.now()
	}
	for _, sku := range e.faults.OutOfStockAtCheckout {
		if !e.oosFired[sku] && hasSKU(s.Lines, sku) {
			e.oosFired[sku] = true
			e.products[sku].Stock = 0
			e.catalogAt = e.now()
		}
	}
}

// requote compares the session's quoted prices with the catalog; moved
// prices are taken over and reported. Caller holds e.mu.
func (e *Engine) requote(s *session) []string {
	var changed []string
	var msgs []skills.Message
	for i := range s.Lines {
		l := &s.Lines[i]
		if l.AddOn {
			continue
		}
		p := e.products[l.SKU]
		if p.Price != l.UnitPrice {
			changed = append(changed, l.SKU)
			param := fmt.Sprintf("$.line_items[%d]", i)
			text := fmt.Sprintf("the price of %s changed from %s to %s", l.Title, l.UnitPrice, p.Price)
			msgs = append(msgs,
				skills.Message{Type: "warning", Code: "price_change", Param: param, Text: text},
				skills.Message{Type: "error", Code: "invalid", Param: param, Text: text + "; review the updated total and complete again"})
			l.UnitPrice = p.Price
		}
	}
	e.price(s)
	s.Messages = append(msgs, s.Messages...)
	return changed
}

// Order returns an order.
func (e *Engine) Order(_ context.Context, id string) (skills.Order, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o, ok := e.orders[id]
	if !ok {
		return skills.Order{}, notFound("order_not_found", "no order %q at %s", id, e.m.ID)
	}
	return copyOrder(o.order), nil
}

// Orders lists every order (for tests and the storefront).
func (e *Engine) Orders() []skills.Order {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]skills.Order, 0, len(e.orders))
	for _, o := range e.orders {
		out = append(out, copyOrder(o.order))
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].CreatedAt.Before(out[j].CreatedAt) || (out[i].CreatedAt.Equal(out[j].CreatedAt) && out[i].ID < out[j].ID)
	})
	return out
}

func copyOrder(o skills.Order) skills.Order {
	o.Lines = append([]skills.QuoteLine(nil), o.Lines...)
	return o
}

// Refund returns money for an order (amount zero: everything not yet
// refunded). The same idempotency key returns the first refund.
func (e *Engine) Refund(ctx context.Context, orderID string, amount skills.Money, key string) (skills.Refund, error) {
	if key == "" {
		return skills.Refund{}, invalid("idempotency_key_required", "", "a refund needs an idempotency key")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	o, ok := e.orders[orderID]
	if !ok {
		return skills.Refund{}, notFound("order_not_found", "no order %q at %s", orderID, e.m.ID)
	}
	if r, ok := o.refunds[key]; ok {
		if !amount.IsZero() && amount != r.Amount {
			return skills.Refund{}, invalid("idempotency_conflict", "$.amount", "idempotency key already used for a refund of %s", r.Amount)
		}
		return r, nil
	}
	return e.refundLocked(ctx, o, amount, key)
}

func (e *Engine) refundLocked(ctx context.Context, o *orderRec, amount skills.Money, key string) (skills.Refund, error) {
	left := o.order.Total.Minor - o.order.Refunded.Minor
	if amount.IsZero() {
		amount = skills.M(left, e.cur)
	}
	if amount.Currency == "" {
		amount.Currency = e.cur
	}
	if amount.Currency != e.cur {
		return skills.Refund{}, invalid("invalid", "$.amount.currency", "refund currency %s, order is in %s", amount.Currency, e.cur)
	}
	if amount.Minor <= 0 {
		if left == 0 {
			return skills.Refund{}, badState("already_refunded", "order %s is already fully refunded", o.order.ID)
		}
		return skills.Refund{}, invalid("invalid", "$.amount", "refund amount must be positive")
	}
	if amount.Minor > left {
		return skills.Refund{}, invalid("invalid", "$.amount", "refund %s exceeds the %s not yet refunded", amount, skills.M(left, e.cur))
	}
	r, err := e.pay.Refund(ctx, paynet.RefundRequest{CaptureID: o.captureID, Amount: amount, IdempotencyKey: "refund:" + o.order.ID + ":" + key})
	if err != nil {
		if errors.Is(err, paynet.ErrInvalid) {
			return skills.Refund{}, invalid("refund_refused", "$.amount", "payment network refused the refund: %v", err)
		}
		return skills.Refund{}, fmt.Errorf("%w: payment network: %v", skills.ErrUnavailable, err)
	}
	o.order.Refunded.Minor += amount.Minor
	if o.order.Refunded.Minor == o.order.Total.Minor && o.order.Status == OrderConfirmed {
		o.order.Status = OrderRefunded
	}
	ref := skills.Refund{ID: r.ID, OrderID: o.order.ID, Amount: amount}
	o.refunds[key] = ref
	return ref, nil
}

// CancelOrder cancels a confirmed order: everything not yet refunded is
// refunded and the stock is put back. Cancelling a canceled order again
// returns it unchanged.
func (e *Engine) CancelOrder(ctx context.Context, id, key string) (skills.Order, error) {
	if key == "" {
		return skills.Order{}, invalid("idempotency_key_required", "", "cancelling an order needs an idempotency key")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	o, ok := e.orders[id]
	if !ok {
		return skills.Order{}, notFound("order_not_found", "no order %q at %s", id, e.m.ID)
	}
	switch o.order.Status {
	case OrderCanceled:
		return copyOrder(o.order), nil
	case OrderConfirmed:
	default:
		return skills.Order{}, badState("not_cancelable", "order %s is %s and cannot be canceled", id, o.order.Status)
	}
	if left := o.order.Total.Minor - o.order.Refunded.Minor; left > 0 {
		if _, err := e.refundLocked(ctx, o, skills.M(left, e.cur), "cancel:"+key); err != nil {
			return skills.Order{}, err
		}
	}
	for _, l := range o.order.Lines {
		if !l.AddOn {
			e.products[l.SKU].Stock += l.Quantity
			e.catalogAt = e.now()
		}
	}
	o.order.Status = OrderCanceled
	return copyOrder(o.order), nil
}
