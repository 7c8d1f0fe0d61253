// Package paynet is the mock payment network of the merchant world: the
// credentials provider and processor of the Agentic Commerce Protocol's
// delegated payment flow.
//
// An agent asks for a delegated token (POST /agentic_commerce/delegate_payment,
// as ACP 2026-04-17 defines it) bounded by an allowance {reason,
// max_amount, currency, merchant_id, checkout_session_id, expires_at}. A
// merchant captures against the token; the capture is declined, and nothing
// is captured, when the amount exceeds max_amount, the currency, merchant or
// session differs, the token expired or was already used. Refunds return
// captured money, never more than was captured. Every capture and refund is
// written to a ledger tests can inspect.
//
// Routes (every POST needs an Idempotency-Key header):
//
//	POST /agentic_commerce/delegate_payment  issue a vt_… token (201)
//	POST /processor/captures                 capture against a token (201)
//	POST /processor/refunds                  refund part of a capture (201)
//	GET  /processor/ledger                   every capture and refund
package paynet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
	"github.com/cartwright-agent/cartwright/skills/witness"
)

// DelegateRequest is ACP's delegate-payment request.
type DelegateRequest = acp.DelegatePaymentRequest

// Verifier is consulted before a token is issued; an error refuses the
// delegation. The payments rail plugs AP2 mandate-chain verification in here
// (the chain travels in the request's metadata).
type Verifier func(ctx context.Context, req DelegateRequest) error

// Processor is what a merchant needs from the payment network. The
// in-process *Network and the HTTP *Client both implement it.
type Processor interface {
	Capture(ctx context.Context, req CaptureRequest) (*Capture, error)
	Refund(ctx context.Context, req RefundRequest) (*RefundRecord, error)
}

var (
	_ Processor = (*Network)(nil)
	_ Processor = (*Client)(nil)
)

// ErrDeclined: the network refused a capture; nothing was captured.
var ErrDeclined = errors.New("payment declined")

// ErrInvalid: a malformed request (bad allowance, unknown capture, too large a refund).
var ErrInvalid = errors.New("invalid payment request")

// DeclineError says why a capture was declined. It matches ErrDeclined.
type DeclineError struct {
	Code string // unknown_token | token_used | expired | wrong_merchant | wrong_session | over_amount | currency_mismatch
	Msg  string
}

func (e *DeclineError) Error() string { return "payment declined: " + e.Code + ": " + e.Msg }

// Is makes errors.Is(err, ErrDeclined) hold.
func (e *DeclineError) Is(t error) bool { return t == ErrDeclined }

// CaptureRequest takes Amount from a delegated token for a merchant's session.
type CaptureRequest struct {
	Token          string       `json:"token"`
	MerchantID     string       `json:"merchant_id"`
	SessionID      string       `json:"checkout_session_id"`
	Amount         skills.Money `json:"amount"`
	IdempotencyKey string       `json:"-"`
}

// Capture is money taken from a token.
type Capture struct {
	ID         string       `json:"id"`
	Token      string       `json:"token"`
	MerchantID string       `json:"merchant_id"`
	SessionID  string       `json:"checkout_session_id"`
	Amount     skills.Money `json:"amount"`
	Refunded   skills.Money `json:"refunded"`
	CreatedAt  time.Time    `json:"created_at"`
}

// RefundRequest returns Amount of a capture.
type RefundRequest struct {
	CaptureID      string       `json:"capture_id"`
	Amount         skills.Money `json:"amount"`
	IdempotencyKey string       `json:"-"`
}

// RefundRecord is money returned.
type RefundRecord struct {
	ID        string       `json:"id"`
	CaptureID string       `json:"capture_id"`
	Amount    skills.Money `json:"amount"`
	CreatedAt time.Time    `json:"created_at"`
}

// Entry is one ledger line: a capture (positive) or a refund.
type Entry struct {
	Kind       string       `json:"kind"` // capture | refund
	ID         string       `json:"id"`
	CaptureID  string       `json:"capture_id"`
	MerchantID string       `json:"merchant_id"`
	SessionID  string       `json:"checkout_session_id"`
	Amount     skills.Money `json:"amount"`
}

// Config configures a Network.
type Config struct {
	// Verifier, when set, must approve every delegation.
	Verifier Verifier
	// Now is the clock (default time.Now).
	Now func() time.Time
	// WitnessKey countersigns agents' audit-log heads (nil: a fresh key).
	WitnessKey ed25519.PrivateKey
}

type token struct {
	id        string
	allowance acp.Allowance
	expires   time.Time
	used      bool
	captureID string
}

// Network is the in-process payment network. It is safe for concurrent use.
type Network struct {
	verifier Verifier
	now      func() time.Time

	mu        sync.Mutex
	tokens    map[string]*token
	captures  map[string]*Capture
	capByKey  map[string]string // merchant+idempotency key → capture id
	refunds   map[string]*RefundRecord
	refByKey  map[string]string
	ledger    []Entry
	seq       int
	delegated map[string]acp.DelegatePaymentResponse // by token id

	witnessKey ed25519.PrivateKey
	witnessed  map[string]witness.Request // agent key → the highest head witnessed
}

// New returns an empty network.
func New(cfg Config) *Network {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	wk := cfg.WitnessKey
	if wk == nil {
		_, wk, _ = ed25519.GenerateKey(rand.Reader)
	}
	return &Network{
		witnessKey: wk,
		witnessed:  map[string]witness.Request{},
		verifier:   cfg.Verifier,
		now:        now,
		tokens:     map[string]*token{},
		captures:   map[string]*Capture{},
		capByKey:   map[string]string{},
		refunds:    map[string]*RefundRecord{},
		refByKey:   map[string]string{},
		delegated:  map[string]acp.DelegatePaymentResponse{},
	}
}

// SetVerifier replaces the delegation verifier (nil: accept every valid request).
func (n *Network) SetVerifier(v Verifier) {
	n.mu.Lock()
	n.verifier = v
	n.mu.Unlock()
}

// FieldError is a request field that is missing or wrong.
type FieldError struct {
	Param string
	Msg   string
}

func (e *FieldError) Error() string { return e.Param + ": " + e.Msg }

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *FieldError) Is(t error) bool { return t == ErrInvalid }

// VerifyError wraps a Verifier's refusal.
type VerifyError struct{ Err error }

func (e *VerifyError) Error() string { return "delegation refused: " + e.Err.Error() }
func (e *VerifyError) Unwrap() error { return e.Err }

func validateDelegation(req DelegateRequest, now time.Time) (time.Time, error) {
	pm := req.PaymentMethod
	if pm.Type != "card" {
		return time.Time{}, &FieldError{"payment_method.type", `must be "card"`}
	}
	if pm.CardNumberType != "fpan" && pm.CardNumberType != "network_token" {
		return time.Time{}, &FieldError{"payment_method.card_number_type", "must be fpan or network_token"}
	}
	if !luhn(pm.Number) {
		return time.Time{}, &FieldError{"payment_method.number", "invalid card number"}
	}
	switch pm.DisplayCardFundingType {
	case "credit", "debit", "prepaid":
	default:
		return time.Time{}, &FieldError{"payment_method.display_card_funding_type", "must be credit, debit or prepaid"}
	}
	a := req.Allowance
	if a.Reason != "one_time" {
		return time.Time{}, &FieldError{"allowance.reason", `must be "one_time"`}
	}
	if a.MaxAmount <= 0 {
		return time.Time{}, &FieldError{"allowance.max_amount", "must be positive"}
	}
	if len(a.Currency) != 3 || strings.ToLower(a.Currency) != a.Currency || !skills.Currency(strings.ToUpper(a.Currency)).Valid() {
		return time.Time{}, &FieldError{"allowance.currency", fmt.Sprintf("%q is not a known lower-case ISO 4217 code", a.Currency)}
	}
	if a.MerchantID == "" || len(a.MerchantID) > 256 {
		return time.Time{}, &FieldError{"allowance.merchant_id", "required (at most 256 characters)"}
	}
	if a.CheckoutSessionID == "" {
		return time.Time{}, &FieldError{"allowance.checkout_session_id", "required"}
	}
	exp, err := time.Parse(time.RFC3339Nano, a.ExpiresAt)
	if err != nil {
		return time.Time{}, &FieldError{"allowance.expires_at", "must be an RFC 3339 date-time"}
	}
	if !exp.After(now) {
		return time.Time{}, &FieldError{"allowance.expires_at", "already passed"}
	}
	if req.RiskSignals == nil {
		return time.Time{}, &FieldError{"risk_signals", "required (may be empty)"}
	}
	for i, r := range req.RiskSignals {
		if r.Action == "blocked" {
			return time.Time{}, &FieldError{fmt.Sprintf("risk_signals[%d]", i), "risk signal blocks this delegation"}
		}
	}
	if req.Metadata == nil {
		return time.Time{}, &FieldError{"metadata", "required (may be empty)"}
	}
	return exp, nil
}

func luhn(s string) bool {
	if len(s) < 12 || len(s) > 19 {
		return false
	}
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func randomID(prefix string) string { return skills.NewID(prefix, 12) }

// Delegate validates a delegation, asks the Verifier, and issues a
// single-use vt_… token bound to the allowance.
func (n *Network) Delegate(ctx context.Context, req DelegateRequest) (acp.DelegatePaymentResponse, error) {
	now := n.now()
	exp, err := validateDelegation(req, now)
	if err != nil {
		return acp.DelegatePaymentResponse{}, err
	}
	n.mu.Lock()
	v := n.verifier
	n.mu.Unlock()
	if v != nil {
		if err := v(ctx, req); err != nil {
			return acp.DelegatePaymentResponse{}, &VerifyError{Err: err}
		}
	}
	t := &token{id: randomID("vt_"), allowance: req.Allowance, expires: exp}
	resp := acp.DelegatePaymentResponse{
		ID:      t.id,
		Created: now.UTC().Format(time.RFC3339),
		Metadata: map[string]string{
			"merchant_id":         req.Allowance.MerchantID,
			"checkout_session_id": req.Allowance.CheckoutSessionID,
		},
	}
	n.mu.Lock()
	n.tokens[t.id] = t
	n.delegated[t.id] = resp
	n.mu.Unlock()
	return resp, nil
}

// Capture takes req.Amount against a token if the allowance permits it. A
// repeated call with the same merchant and idempotency key returns the
// first capture instead of capturing again.
func (n *Network) Capture(_ context.Context, req CaptureRequest) (*Capture, error) {
	if req.Amount.Minor < 0 || !req.Amount.Currency.Valid() {
		return nil, &FieldError{"amount", "must be a non-negative amount in a known currency"}
	}
	if req.MerchantID == "" || req.SessionID == "" {
		return nil, &FieldError{"merchant_id", "merchant_id and checkout_session_id are required"}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if req.IdempotencyKey != "" {
		if id, ok := n.capByKey[req.MerchantID+"\x00"+req.IdempotencyKey]; ok {
			c := n.captures[id]
			if c.Token != req.Token || c.Amount != req.Amount || c.SessionID != req.SessionID {
				return nil, &FieldError{"idempotency_key", "reused for a different capture"}
			}
			cp := *c
			return &cp, nil
		}
	}
	t, ok := n.tokens[req.Token]
	if !ok {
		return nil, &DeclineError{"unknown_token", "no such delegated token"}
	}
	a := t.allowance
	switch {
	case t.used:
		return nil, &DeclineError{"token_used", "token already used"}
	case !n.now().Before(t.expires):
		return nil, &DeclineError{"expired", "token expired at " + a.ExpiresAt}
	case a.MerchantID != req.MerchantID:
		return nil, &DeclineError{"wrong_merchant", fmt.Sprintf("token is for merchant %q", a.MerchantID)}
	case a.CheckoutSessionID != req.SessionID:
		return nil, &DeclineError{"wrong_session", fmt.Sprintf("token is for checkout session %q", a.CheckoutSessionID)}
	case !strings.EqualFold(a.Currency, string(req.Amount.Currency)):
		return nil, &DeclineError{"currency_mismatch", fmt.Sprintf("token is in %s, capture in %s", a.Currency, req.Amount.Currency)}
	case req.Amount.Minor > a.MaxAmount:
		return nil, &DeclineError{"over_amount", fmt.Sprintf("capture %d exceeds allowance %d", req.Amount.Minor, a.MaxAmount)}
	}
	n.seq++
	c := &Capture{
		ID:         fmt.Sprintf("cap_%06d", n.seq),
		Token:      t.id,
		MerchantID: req.MerchantID,
		SessionID:  req.SessionID,
		Amount:     req.Amount,
		Refunded:   skills.M(0, req.Amount.Currency),
		CreatedAt:  n.now(),
	}
	t.used, t.captureID = true, c.ID
	n.captures[c.ID] = c
	if req.IdempotencyKey != "" {
		n.capByKey[req.MerchantID+"\x00"+req.IdempotencyKey] = c.ID
	}
	n.ledger = append(n.ledger, Entry{Kind: "capture", ID: c.ID, CaptureID: c.ID, MerchantID: c.MerchantID, SessionID: c.SessionID, Amount: c.Amount})
	cp := *c
	return &cp, nil
}

// Refund returns money from a capture; the total refunded never exceeds
// the amount captured. A repeated idempotency key returns the first refund.
func (n *Network) Refund(_ context.Context, req RefundRequest) (*RefundRecord, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	c, ok := n.captures[req.CaptureID]
	if !ok {
		return nil, &FieldError{"capture_id", fmt.Sprintf("unknown capture %q", req.CaptureID)}
	}
	if req.IdempotencyKey != "" {
		if id, ok := n.refByKey[c.ID+"\x00"+req.IdempotencyKey]; ok {
			r := n.refunds[id]
			if r.Amount != req.Amount {
				return nil, &FieldError{"idempotency_key", "reused for a different refund"}
			}
			cp := *r
			return &cp, nil
		}
	}
	if req.Amount.Currency != c.Amount.Currency {
		return nil, &FieldError{"amount.currency", fmt.Sprintf("capture is in %s", c.Amount.Currency)}
	}
	if req.Amount.Minor <= 0 {
		return nil, &FieldError{"amount", "must be positive"}
	}
	if left := c.Amount.Minor - c.Refunded.Minor; req.Amount.Minor > left {
		return nil, &FieldError{"amount", fmt.Sprintf("refund %d exceeds the %d left on capture %s", req.Amount.Minor, left, c.ID)}
	}
	n.seq++
	r := &RefundRecord{ID: fmt.Sprintf("ref_%06d", n.seq), CaptureID: c.ID, Amount: req.Amount, CreatedAt: n.now()}
	c.Refunded.Minor += req.Amount.Minor
	n.refunds[r.ID] = r
	if req.IdempotencyKey != "" {
		n.refByKey[c.ID+"\x00"+req.IdempotencyKey] = r.ID
	}
	n.ledger = append(n.ledger, Entry{Kind: "refund", ID: r.ID, CaptureID: c.ID, MerchantID: c.MerchantID, SessionID: c.SessionID, Amount: r.Amount})
	cp := *r
	return &cp, nil
}

// WitnessKey is the public key the network countersigns audit heads with.
func (n *Network) WitnessKey() ed25519.PublicKey { return n.witnessKey.Public().(ed25519.PublicKey) }

// Witness countersigns an agent's audit-log head. A head below the highest
// one witnessed for that agent key (a rolled-back log), or at the same
// sequence number with another hash (a forked log), is refused with
// witness.ErrConflict; the same head again is countersigned again.
func (n *Network) Witness(_ context.Context, r witness.Request) (witness.Countersignature, error) {
	if _, err := witness.ParseKey(r.AgentKey); err != nil {
		return witness.Countersignature{}, &FieldError{"agent_key", err.Error()}
	}
	if r.Seq <= 0 || len(r.Hash) != 64 {
		return witness.Countersignature{}, &FieldError{"seq", "a positive sequence number and a 64-hex-digit hash are required"}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if prev, ok := n.witnessed[r.AgentKey]; ok {
		switch {
		case r.Seq < prev.Seq:
			return witness.Countersignature{}, fmt.Errorf("%w: head %d shown after head %d (rolled back)", witness.ErrConflict, r.Seq, prev.Seq)
		case r.Seq == prev.Seq && r.Hash != prev.Hash:
			return witness.Countersignature{}, fmt.Errorf("%w: head %d has hash %s, witnessed before as %s (forked)", witness.ErrConflict, r.Seq, r.Hash, prev.Hash)
		}
	}
	n.witnessed[r.AgentKey] = r
	return witness.Sign(n.witnessKey, r, n.now()), nil
}

// Ledger returns every capture and refund in the order they happened.
func (n *Network) Ledger() []Entry {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Entry(nil), n.ledger...)
}

// Captures returns every capture by id.
func (n *Network) Captures() map[string]Capture {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make(map[string]Capture, len(n.captures))
	for id, c := range n.captures {
		out[id] = *c
	}
	return out
}

// Net is the money captured minus the money refunded, in minor units, per
// merchant.
func (n *Network) Net() map[string]int64 {
	out := map[string]int64{}
	for _, e := range n.Ledger() {
		switch e.Kind {
		case "capture":
			out[e.MerchantID] += e.Amount.Minor
		case "refund":
			out[e.MerchantID] -= e.Amount.Minor
		}
	}
	return out
}

// TestCardNumber is a Luhn-valid card number the mock network accepts.
const TestCardNumber = "4242424242424242"

// NewDelegateRequest builds a valid delegation for a test card: one use, at
// most max, for one merchant's checkout session, until expires.
func NewDelegateRequest(merchantID, sessionID string, max skills.Money, expires time.Time) DelegateRequest {
	return DelegateRequest{
		PaymentMethod: acp.PaymentMethodCard{
			Type: "card", CardNumberType: "fpan", Number: TestCardNumber, DisplayCardFundingType: "prepaid",
			DisplayBrand: "visa", DisplayLast4: TestCardNumber[len(TestCardNumber)-4:], Metadata: map[string]string{},
		},
		Allowance: acp.Allowance{
			Reason: "one_time", MaxAmount: max.Minor, Currency: strings.ToLower(string(max.Currency)),
			MerchantID: merchantID, CheckoutSessionID: sessionID, ExpiresAt: expires.UTC().Format(time.RFC3339Nano),
		},
		RiskSignals: []acp.RiskSignal{},
		Metadata:    map[string]string{},
	}
}
