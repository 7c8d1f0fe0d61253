// Package x402 is the mock world's side of x402 (HTTP 402 machine
// payments, protocol version 2): a Paywall that answers 402 with a
// PAYMENT-REQUIRED header and serves the resource once a PAYMENT-SIGNATURE
// verifies and settles, a local Facilitator (POST /verify, POST /settle) on
// the mock ledger network, and a paid resource (price history) to buy.
//
// The ledger network: the payer authorises a transfer by signing the exact
// scheme's authorization with its ed25519 key; the facilitator checks the
// signature, amount, payee, validity window and nonce, and settles by
// recording the transfer in its ledger. Settlement is idempotent on the
// authorization nonce: the same signed payload settles once and replays the
// first answer; a different payload under a used nonce is refused. The
// payer's money is the agent wallet's hold, captured once PAYMENT-RESPONSE
// reports success (skills/pay.X402Transport).
package x402

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

// Invalid reasons (x402 v2 facilitator vocabulary where it has one).
const (
	ReasonVersion      = "invalid_x402_version"
	ReasonScheme       = "invalid_scheme"
	ReasonNetwork      = "invalid_network"
	ReasonRequirements = "invalid_payment_requirements"
	ReasonPayload      = "invalid_payload"
	ReasonAmount       = "amount_mismatch"
	ReasonAddress      = "address_mismatch"
	ReasonNotYetValid  = "authorization_not_yet_valid"
	ReasonExpired      = "authorization_expired"
	ReasonSignature    = "invalid_signature"
	ReasonNonceUsed    = "nonce_already_used"
)

// FacilitatorAPI is what a Paywall needs from a facilitator; *Facilitator
// (in process) and *Client (HTTP) implement it.
type FacilitatorAPI interface {
	Verify(ctx context.Context, req pay.X402FacilitatorRequest) (pay.X402VerifyResponse, error)
	Settle(ctx context.Context, req pay.X402FacilitatorRequest) (pay.X402SettleResponse, error)
}

var (
	_ FacilitatorAPI = (*Facilitator)(nil)
	_ FacilitatorAPI = (*Client)(nil)
)

// Transfer is one settled payment on the ledger network.
type Transfer struct {
	Transaction string       `json:"transaction"`
	From        string       `json:"from"`
	To          string       `json:"to"`
	Amount      skills.Money `json:"amount"`
	Nonce       string       `json:"nonce"`
	At          time.Time    `json:"at"`
}

// FacilitatorConfig configures a Facilitator.
type FacilitatorConfig struct {
	Network string // default pay.NetworkLedger
	Now     func() time.Time
}

// Facilitator verifies and settles exact-scheme payments on the ledger
// network. Safe for concurrent use.
type Facilitator struct {
	network string
	now     func() time.Time

	mu        sync.Mutex
	byNonce   map[string]settled
	transfers []Transfer
}

type settled struct {
	sig  string
	resp pay.X402SettleResponse
}

// NewFacilitator returns an empty ledger.
func NewFacilitator(cfg FacilitatorConfig) *Facilitator {
	if cfg.Network == "" {
		cfg.Network = pay.NetworkLedger
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Facilitator{network: cfg.Network, now: cfg.Now, byNonce: map[string]settled{}}
}

// check validates a payment against requirements; it returns the invalid
// reason ("" when valid), the payer and the amount.
func (f *Facilitator) check(req pay.X402FacilitatorRequest) (string, string, skills.Money) {
	p, r := req.PaymentPayload, req.PaymentRequirements
	a := p.Payload.Authorization
	if p.X402Version != pay.X402Version || (req.X402Version != 0 && req.X402Version != pay.X402Version) {
		return ReasonVersion, a.From, skills.Money{}
	}
	if r.Scheme != pay.SchemeExact || p.Accepted.Scheme != pay.SchemeExact {
		return ReasonScheme, a.From, skills.Money{}
	}
	if r.Network != f.network || p.Accepted.Network != f.network {
		return ReasonNetwork, a.From, skills.Money{}
	}
	if p.Accepted.Amount != r.Amount || p.Accepted.PayTo != r.PayTo || p.Accepted.Asset != r.Asset {
		return ReasonRequirements, a.From, skills.Money{}
	}
	cur, err := skills.ParseCurrency(r.Asset)
	if err != nil {
		return ReasonRequirements, a.From, skills.Money{}
	}
	v, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil || v <= 0 {
		return ReasonPayload, a.From, skills.Money{}
	}
	if a.Value != r.Amount {
		return ReasonAmount, a.From, skills.Money{}
	}
	if a.To != r.PayTo {
		return ReasonAddress, a.From, skills.Money{}
	}
	after, err1 := strconv.ParseInt(a.ValidAfter, 10, 64)
	before, err2 := strconv.ParseInt(a.ValidBefore, 10, 64)
	if err1 != nil || err2 != nil || len(a.Nonce) != 64 {
		return ReasonPayload, a.From, skills.Money{}
	}
	now := f.now().Unix()
	if now < after {
		return ReasonNotYetValid, a.From, skills.Money{}
	}
	if now >= before {
		return ReasonExpired, a.From, skills.Money{}
	}
	pubStr, ok := strings.CutPrefix(a.From, "ed25519:")
	pub, err := base64.RawURLEncoding.DecodeString(pubStr)
	if !ok || err != nil || len(pub) != ed25519.PublicKeySize {
		return ReasonPayload, a.From, skills.Money{}
	}
	sig, err := base64.RawURLEncoding.DecodeString(p.Payload.Signature)
	if err != nil || !ed25519.Verify(pub, pay.X402SigningBytes(r, a), sig) {
		return ReasonSignature, a.From, skills.Money{}
	}
	return "", a.From, skills.M(v, cur)
}

// Verify checks a payment without settling it.
func (f *Facilitator) Verify(_ context.Context, req pay.X402FacilitatorRequest) (pay.X402VerifyResponse, error) {
	reason, payer, _ := f.check(req)
	if reason == "" {
		f.mu.Lock()
		if s, used := f.byNonce[req.PaymentPayload.Payload.Authorization.Nonce]; used && s.sig != req.PaymentPayload.Payload.Signature {
			reason = ReasonNonceUsed
		}
		f.mu.Unlock()
	}
	return pay.X402VerifyResponse{IsValid: reason == "", InvalidReason: reason, Payer: payer}, nil
}

// Settle verifies and records the transfer, once per nonce.
func (f *Facilitator) Settle(_ context.Context, req pay.X402FacilitatorRequest) (pay.X402SettleResponse, error) {
	a := req.PaymentPayload.Payload.Authorization
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, used := f.byNonce[a.Nonce]; used {
		if s.sig == req.PaymentPayload.Payload.Signature {
			return s.resp, nil // idempotent replay
		}
		return pay.X402SettleResponse{Success: false, ErrorReason: ReasonNonceUsed, Network: f.network, Payer: a.From}, nil
	}
	reason, payer, amount := f.check(req)
	if reason != "" {
		return pay.X402SettleResponse{Success: false, ErrorReason: reason, Network: f.network, Payer: payer}, nil
	}
	t := Transfer{Transaction: fmt.Sprintf("x402tx_%06d", len(f.transfers)+1), From: a.From, To: a.To, Amount: amount, Nonce: a.Nonce, At: f.now()}
	f.transfers = append(f.transfers, t)
	resp := pay.X402SettleResponse{Success: true, Transaction: t.Transaction, Network: f.network, Payer: a.From}
	f.byNonce[a.Nonce] = settled{sig: req.PaymentPayload.Payload.Signature, resp: resp}
	return resp, nil
}

// Transfers returns the ledger.
func (f *Facilitator) Transfers() []Transfer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Transfer(nil), f.transfers...)
}

// Received sums what an address was paid.
func (f *Facilitator) Received(payTo string) map[skills.Currency]int64 {
	out := map[skills.Currency]int64{}
	for _, t := range f.Transfers() {
		if t.To == payTo {
			out[t.Amount.Currency] += t.Amount.Minor
		}
	}
	return out
}

// Handler serves POST /verify, POST /settle and GET /transfers.
func (f *Facilitator) Handler() http.Handler {
	mux := http.NewServeMux()
	serve := func(fn func(context.Context, pay.X402FacilitatorRequest) (any, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var req pay.X402FacilitatorRequest
			d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
			d.DisallowUnknownFields()
			if err := d.Decode(&req); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "message": err.Error()})
				return
			}
			out, err := fn(r.Context(), req)
			if err != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "facilitator_error", "message": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, out)
		}
	}
	mux.HandleFunc("POST /verify", serve(func(ctx context.Context, r pay.X402FacilitatorRequest) (any, error) { return f.Verify(ctx, r) }))
	mux.HandleFunc("POST /settle", serve(func(ctx context.Context, r pay.X402FacilitatorRequest) (any, error) { return f.Settle(ctx, r) }))
	mux.HandleFunc("GET /transfers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"transfers": f.Transfers()})
	})
	return mux
}

// Client reaches a facilitator over HTTP.
type Client struct {
	BaseURL    string
	HTTPClient *http.Client
}

func (c *Client) call(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("facilitator %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("facilitator %s: HTTP %d: %s", path, resp.StatusCode, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, out)
}

// Verify calls POST /verify.
func (c *Client) Verify(ctx context.Context, req pay.X402FacilitatorRequest) (pay.X402VerifyResponse, error) {
	var out pay.X402VerifyResponse
	return out, c.call(ctx, "/verify", req, &out)
}

// Settle calls POST /settle.
func (c *Client) Settle(ctx context.Context, req pay.X402FacilitatorRequest) (pay.X402SettleResponse, error) {
	var out pay.X402SettleResponse
	return out, c.call(ctx, "/settle", req, &out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode_failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

var errNoFacilitator = errors.New("x402: Paywall has no facilitator")
