package agent_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

const cny = skills.Currency("CNY")

func y(major float64) skills.Money { return skills.M(int64(major*100+0.5), cny) }
func yp(major float64) *skills.Money {
	m := y(major)
	return &m
}

// fakeNet is an in-memory payment network: it issues single-use tokens
// bound to a merchant, a checkout session and a maximum amount, and records
// captures and refunds.
type fakeNet struct {
	mu       sync.Mutex
	tokens   map[string]agent.CredentialRequest
	used     map[string]bool
	byKey    map[string]string
	captured map[string]int64 // merchant → net captured
	issued   int
}

func newNet() *fakeNet {
	return &fakeNet{tokens: map[string]agent.CredentialRequest{}, used: map[string]bool{}, byKey: map[string]string{}, captured: map[string]int64{}}
}

// Credential implements agent.Rail.
func (n *fakeNet) Credential(_ context.Context, req agent.CredentialRequest) (skills.Credential, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if tok, ok := n.byKey[req.IdempotencyKey]; ok {
		return skills.Credential{Type: "delegated", Token: tok}, nil
	}
	if req.Amount != req.Quote.Total {
		return skills.Credential{}, fmt.Errorf("allowance %s does not match quote %s", req.Amount, req.Quote.Total)
	}
	n.issued++
	h := sha256.Sum256([]byte(req.IdempotencyKey))
	tok := "vt_" + hex.EncodeToString(h[:8])
	n.tokens[tok], n.byKey[req.IdempotencyKey] = req, tok
	return skills.Credential{Type: "delegated", Token: tok}, nil
}

func (n *fakeNet) capture(tok, merchant, session string, amount skills.Money) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	req, ok := n.tokens[tok]
	switch {
	case !ok:
		return fmt.Errorf("unknown token: %w", skills.ErrPaymentDeclined)
	case n.used[tok]:
		return fmt.Errorf("token used: %w", skills.ErrPaymentDeclined)
	case req.Merchant != merchant || req.Quote.ID != session:
		return fmt.Errorf("token for another checkout: %w", skills.ErrPaymentDeclined)
	case amount.Minor > req.Amount.Minor:
		return fmt.Errorf("over allowance: %w", skills.ErrPaymentDeclined)
	}
	n.used[tok] = true
	n.captured[merchant] += amount.Minor
	return nil
}

func (n *fakeNet) refund(merchant string, amount int64) {
	n.mu.Lock()
	n.captured[merchant] -= amount
	n.mu.Unlock()
}

func (n *fakeNet) total() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	var t int64
	for _, v := range n.captured {
		t += v
	}
	return t
}

// fakeMerchant behaves like an ACP merchant: idempotency keys on every
// mutating call (a replay returns the first result), carts priced by
// skills.PriceCart, pre-selected add-ons, price changes and stock running
// out at completion, 503s.
type fakeMerchant struct {
	info     skills.MerchantInfo
	products map[string]skills.Product
	net      *fakeNet

	mu        sync.Mutex
	sessions  map[string]*skills.Quote
	orders    map[string]*skills.Order
	replies   map[string]any // idempotency key → first result
	seq       int
	calls     map[string]int
	addOn     *skills.QuoteLine       // put into every new cart
	priceAt   map[string]skills.Money // sku → price at completion
	failNext  map[string]int          // op → number of 503s to answer
	hookAfter map[string]func() error // op → runs after the op succeeded
	decline   bool                    // the card is declined at completion
	oosAt     map[string]bool         // sku → runs out at completion (reported by line, as ACP does)
	sessionOf []string                // skills.SessionFrom of every Quote and Complete call
	evidence  bool                    // keeps evidence of quotes and orders (skills.EvidenceSource)
	notReady  []skills.Message        // new carts come back not ready for payment, saying these
}

func newMerchant(id string, net *fakeNet, ship skills.Shipping, coupons []skills.Coupon, products ...skills.Product) *fakeMerchant {
	m := &fakeMerchant{net: net, products: map[string]skills.Product{}, sessions: map[string]*skills.Quote{},
		orders: map[string]*skills.Order{}, replies: map[string]any{}, calls: map[string]int{},
		priceAt: map[string]skills.Money{}, failNext: map[string]int{}, hookAfter: map[string]func() error{}, oosAt: map[string]bool{}}
	m.info = skills.MerchantInfo{ID: id, Name: strings.ToUpper(id[:1]) + id[1:], Currency: cny, Interface: "api", Shipping: ship, Coupons: coupons,
		Attributes: map[string][]string{}}
	cats := map[string]bool{}
	for _, p := range products {
		p.Merchant = id
		if p.Stock == 0 {
			p.Stock = 100
		}
		m.products[p.SKU] = p
		if !cats[p.Category] {
			cats[p.Category] = true
			m.info.Categories = append(m.info.Categories, p.Category)
		}
		for k, v := range p.Attributes {
			m.info.Attributes[k] = append(m.info.Attributes[k], v)
		}
	}
	return m
}

func (m *fakeMerchant) enter(op string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[op]++
	if m.failNext[op] > 0 {
		m.failNext[op]--
		return fmt.Errorf("%s: HTTP 503: %w", m.info.ID, skills.ErrUnavailable)
	}
	return nil
}

func (m *fakeMerchant) after(op string) error {
	m.mu.Lock()
	h := m.hookAfter[op]
	m.mu.Unlock()
	if h != nil {
		return h()
	}
	return nil
}

func (m *fakeMerchant) Info(ctx context.Context) (skills.MerchantInfo, error) {
	if err := m.enter("info"); err != nil {
		return skills.MerchantInfo{}, err
	}
	return m.info, ctx.Err()
}

func (m *fakeMerchant) Search(ctx context.Context, q skills.Query) ([]skills.Product, error) {
	if err := m.enter("search"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []skills.Product
	for _, p := range m.products {
		if q.Category != "" && !strings.EqualFold(q.Category, p.Category) {
			continue
		}
		hay := strings.ToLower(p.Title + " " + p.Category)
		hit := q.Text == ""
		for _, w := range strings.Fields(strings.ToLower(q.Text)) {
			if strings.Contains(hay, w) {
				hit = true
			}
		}
		if hit {
			out = append(out, p)
		}
	}
	return out, ctx.Err()
}

func (m *fakeMerchant) price(q *skills.Quote, lines []skills.LineRequest, coupon string, addOn bool) error {
	q.Lines = nil
	var pl []skills.PricedLine
	for i, l := range lines {
		p, ok := m.products[l.SKU]
		if !ok {
			return fmt.Errorf("sku %q: %w", l.SKU, skills.ErrNotFound)
		}
		if l.Quantity > p.Stock {
			return fmt.Errorf("sku %q: %w", l.SKU, skills.ErrOutOfStock)
		}
		tot, _ := p.Price.Mul(int64(l.Quantity))
		q.Lines = append(q.Lines, skills.QuoteLine{ID: fmt.Sprintf("li_%d", i), SKU: l.SKU, Title: p.Title, Quantity: l.Quantity, UnitPrice: p.Price, Total: tot})
		pl = append(pl, skills.PricedLine{UnitPrice: p.Price, Quantity: l.Quantity})
	}
	if addOn && m.addOn != nil {
		q.Lines = append(q.Lines, *m.addOn)
		pl = append(pl, skills.PricedLine{UnitPrice: m.addOn.UnitPrice, Quantity: 1})
	}
	t, err := skills.PriceCart(m.info, pl, coupon)
	if err != nil {
		return fmt.Errorf("%w: %v", skills.ErrInvalid, err)
	}
	q.Subtotal, q.Discount, q.Shipping, q.Total, q.Coupon = t.Subtotal, t.Discount, t.Shipping, t.Total, t.Coupon
	q.Status = skills.StatusReady
	return nil
}

func (m *fakeMerchant) Quote(ctx context.Context, req skills.QuoteRequest) (*skills.Quote, error) {
	if err := m.enter("quote"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessionOf = append(m.sessionOf, skills.SessionFrom(ctx))
	if r, ok := m.replies[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		q := *r.(*skills.Quote)
		return &q, nil
	}
	var q *skills.Quote
	if req.QuoteID == "" {
		m.seq++
		q = &skills.Quote{ID: fmt.Sprintf("cs_%s_%d", m.info.ID, m.seq), Merchant: m.info.ID}
		if err := m.price(q, req.Lines, req.Coupon, true); err != nil {
			return nil, err
		}
		if len(m.notReady) > 0 {
			q.Status = skills.StatusNotReady
			q.Messages = append([]skills.Message(nil), m.notReady...)
		}
		m.sessions[q.ID] = q
	} else {
		var ok bool
		if q, ok = m.sessions[req.QuoteID]; !ok {
			return nil, fmt.Errorf("session %s: %w", req.QuoteID, skills.ErrNotFound)
		}
		if q.Status != skills.StatusReady {
			return nil, fmt.Errorf("session %s is %s: %w", q.ID, q.Status, skills.ErrInvalid)
		}
		if err := m.price(q, req.Lines, req.Coupon, false); err != nil {
			return nil, err
		}
	}
	cp := *q
	m.replies[req.IdempotencyKey] = &cp
	out := cp
	return &out, ctx.Err()
}

func (m *fakeMerchant) Complete(ctx context.Context, req skills.CompleteRequest) (*skills.Order, error) {
	if err := m.enter("complete"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.sessionOf = append(m.sessionOf, skills.SessionFrom(ctx))
	m.mu.Unlock()
	o, err := m.complete(req)
	if err != nil {
		return nil, err
	}
	if err := m.after("complete"); err != nil {
		return nil, err
	}
	return o, ctx.Err()
}

func (m *fakeMerchant) complete(req skills.CompleteRequest) (*skills.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.replies[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		if o, ok := r.(*skills.Order); ok {
			cp := *o
			return &cp, nil
		}
	}
	q, ok := m.sessions[req.QuoteID]
	if !ok {
		return nil, fmt.Errorf("session %s: %w", req.QuoteID, skills.ErrNotFound)
	}
	if q.Status != skills.StatusReady {
		return nil, fmt.Errorf("session %s is %s: %w", q.ID, q.Status, skills.ErrInvalid)
	}
	// Faults at completion: a price moved or stock ran out.
	for _, l := range q.Lines {
		if np, ok := m.priceAt[l.SKU]; ok {
			p := m.products[l.SKU]
			p.Price = np
			m.products[l.SKU] = p
			delete(m.priceAt, l.SKU)
			cur := &skills.Quote{ID: q.ID, Merchant: q.Merchant}
			var lines []skills.LineRequest
			for _, x := range q.Lines {
				lines = append(lines, skills.LineRequest{SKU: x.SKU, Quantity: x.Quantity})
			}
			if err := m.price(cur, lines, "", false); err == nil {
				*q = *cur
			}
			cp := *q
			return nil, &skills.QuoteChangedError{Quote: &cp, Reason: "price of " + l.SKU + " changed"}
		}
	}
	// Stock ran out: the session comes back not ready, its message naming
	// the line by JSONPath, as an ACP merchant answers.
	for i, l := range q.Lines {
		if m.oosAt[l.SKU] {
			delete(m.oosAt, l.SKU)
			p := m.products[l.SKU]
			p.Stock = 0
			m.products[l.SKU] = p
			cp := *q
			cp.Status = "not_ready_for_payment"
			cp.Messages = []skills.Message{{Type: "error", Code: "out_of_stock", Param: fmt.Sprintf("$.line_items[%d]", i), Text: l.Title + ": only 0 left"}}
			return nil, &skills.QuoteChangedError{Quote: &cp, Reason: "out_of_stock: " + l.Title}
		}
	}
	if m.decline {
		return nil, fmt.Errorf("card declined: %w", skills.ErrPaymentDeclined)
	}
	if err := m.net.capture(req.Credential.Token, m.info.ID, q.ID, q.Total); err != nil {
		return nil, err
	}
	for _, l := range q.Lines {
		p := m.products[l.SKU]
		p.Stock -= l.Quantity
		m.products[l.SKU] = p
	}
	q.Status = skills.StatusCompleted
	m.seq++
	o := &skills.Order{ID: fmt.Sprintf("ord_%s_%d", m.info.ID, m.seq), Merchant: m.info.ID, QuoteID: q.ID, Status: "confirmed",
		Lines: append([]skills.QuoteLine(nil), q.Lines...), Total: q.Total, Refunded: skills.M(0, cny)}
	m.orders[o.ID] = o
	m.replies[req.IdempotencyKey] = o
	cp := *o
	return &cp, nil
}

func (m *fakeMerchant) Cancel(_ context.Context, id, key string) error {
	if err := m.enter("cancel"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	q, ok := m.sessions[id]
	if !ok {
		return fmt.Errorf("session %s: %w", id, skills.ErrNotFound)
	}
	if q.Status == skills.StatusCompleted {
		return fmt.Errorf("session %s is completed: %w", id, skills.ErrInvalid)
	}
	q.Status = skills.StatusCanceled
	return nil
}

func (m *fakeMerchant) Refund(_ context.Context, req skills.RefundRequest) (*skills.Refund, error) {
	if err := m.enter("refund"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.replies[req.IdempotencyKey]; ok {
		cp := *r.(*skills.Refund)
		return &cp, nil
	}
	o, ok := m.orders[req.OrderID]
	if !ok {
		return nil, fmt.Errorf("order %s: %w", req.OrderID, skills.ErrNotFound)
	}
	amt := req.Amount
	if amt.Minor == 0 {
		amt = skills.M(o.Total.Minor-o.Refunded.Minor, cny)
	}
	o.Refunded.Minor += amt.Minor
	m.net.refund(m.info.ID, amt.Minor)
	m.seq++
	r := &skills.Refund{ID: fmt.Sprintf("re_%d", m.seq), OrderID: o.ID, Amount: amt}
	m.replies[req.IdempotencyKey] = r
	cp := *r
	return &cp, nil
}

func (m *fakeMerchant) count(op string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[op]
}

func (m *fakeMerchant) orderCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.orders)
}

// Evidence implements skills.EvidenceSource when evidence is on: a "quote"
// record for every session, a "confirmation" record once it has an order.
func (m *fakeMerchant) Evidence(quoteID string) []skills.Evidence {
	m.mu.Lock()
	defer m.mu.Unlock()
	q, ok := m.sessions[quoteID]
	if !m.evidence || !ok {
		return nil
	}
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	out := []skills.Evidence{{Kind: "quote", QuoteID: quoteID, URL: "http://127.0.0.1/cart/" + quoteID,
		Path: "/evidence/" + quoteID + "-cart.png", SHA256: sum("cart " + quoteID)}}
	for _, o := range m.orders {
		if o.QuoteID == q.ID {
			out = append(out, skills.Evidence{Kind: "confirmation", QuoteID: quoteID, OrderID: o.ID, URL: "http://127.0.0.1/orders/" + o.ID,
				Path: "/evidence/" + o.ID + ".png", SHA256: sum("order " + o.ID)})
		}
	}
	return out
}

var (
	_ skills.Merchant       = (*fakeMerchant)(nil)
	_ skills.EvidenceSource = (*fakeMerchant)(nil)
)

// fixedPlanner returns a fixed intent (the offline planner's language rules
// are tested in planner/offline; here the runtime is under test). Rank
// prefers higher ratings, like a soft preference would.
type fixedPlanner struct {
	intent  planner.Intent
	clarify *planner.Clarification
	answers map[string]planner.Intent
}

func (p *fixedPlanner) Name() string { return "fixed" }

func (p *fixedPlanner) Understand(_ context.Context, req planner.Request) (planner.Intent, error) {
	if req.Answer != "" {
		if in, ok := p.answers[req.Answer]; ok {
			return in, nil
		}
	}
	if p.clarify != nil && req.Answer == "" {
		return planner.Intent{Request: req.Text, Clarify: p.clarify, Planner: "fixed"}, nil
	}
	in := p.intent
	in.Request = req.Text
	return in, nil
}

func (p *fixedPlanner) Rank(_ context.Context, _ planner.Intent, _ int, offers []planner.Offer, _ []planner.MemoryItem) ([]planner.Ranked, error) {
	out := make([]planner.Ranked, len(offers))
	for i, o := range offers {
		out[i] = planner.Ranked{Offer: o, Score: int(o.Product.Rating * 10)}
	}
	// stable: higher score first
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Score > out[j-1].Score; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// scripted collaborators
type confirmer struct {
	approve bool
	asked   int
	last    agent.Proposal
}

func (c *confirmer) Confirm(_ context.Context, p agent.Proposal) (bool, error) {
	c.asked++
	c.last = p
	return c.approve, nil
}

type clarifier struct {
	answer string
	asked  []string
}

func (c *clarifier) Clarify(_ context.Context, q string, _ []string) (string, error) {
	c.asked = append(c.asked, q)
	return c.answer, nil
}

// env is a test world: merchants, a payment network, a wallet and a store.
type env struct {
	t         *testing.T
	db        *store.DB
	dbPath    string
	net       *fakeNet
	wallet    *wallet.Wallet
	merchants []*fakeMerchant
	planner   *fixedPlanner
	confirm   *confirmer
}

// stateDSN is where a test keeps state: a fresh SQLite file, or the
// PostgreSQL server of CARTWRIGHT_TEST_POSTGRES for the tests that run on
// both (see TestOnPostgres).
var stateDSN = func(t *testing.T) string { return filepath.Join(t.TempDir(), "state.db") }

func newEnv(t *testing.T, balance float64, ms ...*fakeMerchant) *env {
	t.Helper()
	ctx := context.Background()
	path := stateDSN(t)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// A wallet per test: on a shared PostgreSQL database tests must not
	// see each other's money.
	w, err := wallet.Open(ctx, wallet.Config{DB: db, Currency: cny, ID: "w-" + newID()})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.TopUp(ctx, "topup-1", y(balance), "test"); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, dbPath: path, wallet: w, merchants: ms, confirm: &confirmer{approve: true}}
	if len(ms) > 0 {
		e.net = ms[0].net
	}
	return e
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (e *env) agent(mut ...func(*agent.Config)) *agent.Agent {
	e.t.Helper()
	// The production policy engine, with the test's wallet: the runtime's
	// tests decide exactly as a shipped runtime does.
	cfg := agent.Config{Planner: e.planner, Wallet: e.wallet, Rail: e.net, Store: e.db, Confirmer: e.confirm,
		RetryBackoff: 1, Policy: &policy.Engine{Wallet: e.wallet}}
	for _, m := range e.merchants {
		cfg.Merchants = append(cfg.Merchants, m)
	}
	for _, f := range mut {
		f(&cfg)
	}
	a, err := agent.New(context.Background(), cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) available() skills.Money {
	e.t.Helper()
	m, err := e.wallet.Available(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func latte(sku, milk, size string, price float64, rating float64) skills.Product {
	return skills.Product{SKU: sku, Title: fmt.Sprintf("%s Milk Latte (%s)", strings.ToUpper(milk[:1])+milk[1:], size), Category: "coffee",
		Price: y(price), Rating: rating, Attributes: map[string]string{"milk": milk, "size": size}}
}

func latteIntent(qty int, budget float64) planner.Intent {
	in := planner.Intent{Items: []planner.ItemSpec{{Query: "oat milk latte", Category: "coffee", Quantity: qty,
		Attributes: map[string]string{"milk": "oat", "size": "large"}}}, Currency: cny, Planner: "fixed"}
	if budget > 0 {
		in.Budget = yp(budget)
	}
	return in
}

// coffeeWorld: brew ships free over ¥30 and has SAVE5 (¥5 off ¥35);
// corner is cheaper per latte but charges ¥6 shipping under ¥50.
func coffeeWorld() (*fakeNet, *fakeMerchant, *fakeMerchant) {
	net := newNet()
	brew := newMerchant("brew", net, skills.Shipping{Fee: y(6), FreeOver: yp(30)},
		[]skills.Coupon{{Code: "SAVE5", AmountOff: y(5), MinSpend: y(35)}},
		latte("BR-OAT-L", "oat", "large", 18, 4.6), latte("BR-OAT-M", "oat", "medium", 15, 4.5), latte("BR-WHL-L", "whole", "large", 16, 4.2))
	corner := newMerchant("corner", net, skills.Shipping{Fee: y(6), FreeOver: yp(50)}, nil,
		latte("CO-OAT-L", "oat", "large", 16.5, 4.1), latte("CO-SOY-L", "soy", "large", 15, 4.0))
	return net, brew, corner
}
