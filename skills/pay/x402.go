package pay

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
	"time"

	"github.com/cartwright-agent/cartwright/skills"
)

// x402 version 2 wire format (header names and fields as the x402 v2
// specification defines them). Amounts are strings of integer minor units.
const (
	X402Version           = 2
	HeaderPaymentRequired = "PAYMENT-REQUIRED"
	HeaderPaymentSig      = "PAYMENT-SIGNATURE"
	HeaderPaymentResponse = "PAYMENT-RESPONSE"
	// SchemeExact pays exactly Amount.
	SchemeExact = "exact"
	// NetworkLedger is the mock world's ledger network (CAIP-2 style id).
	NetworkLedger = "cartwright:ledger"
)

// X402Resource describes what is being paid for.
type X402Resource struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	MimeType    string `json:"mimeType,omitempty"`
}

// X402Requirements is one way to pay (an entry of accepts).
type X402Requirements struct {
	Scheme            string            `json:"scheme"`
	Network           string            `json:"network"`
	Amount            string            `json:"amount"`
	Asset             string            `json:"asset"` // an ISO 4217 code on the ledger network
	PayTo             string            `json:"payTo"`
	MaxTimeoutSeconds int               `json:"maxTimeoutSeconds"`
	Extra             map[string]string `json:"extra,omitempty"`
}

// X402PaymentRequired is the PAYMENT-REQUIRED header's content.
type X402PaymentRequired struct {
	X402Version int                `json:"x402Version"`
	Error       string             `json:"error,omitempty"`
	Resource    X402Resource       `json:"resource"`
	Accepts     []X402Requirements `json:"accepts"`
}

// X402Authorization is what the payer signs: a transfer of Value from From
// to To, valid in [ValidAfter, ValidBefore) (unix seconds), once (Nonce).
type X402Authorization struct {
	From        string `json:"from"` // the payer's ed25519 public key, "ed25519:<base64url>"
	To          string `json:"to"`
	Value       string `json:"value"`
	ValidAfter  string `json:"validAfter"`
	ValidBefore string `json:"validBefore"`
	Nonce       string `json:"nonce"` // 32 random bytes, hex
}

// X402ExactPayload is the scheme payload of the exact scheme on the ledger network.
type X402ExactPayload struct {
	Signature     string            `json:"signature"` // base64url ed25519 over X402SigningBytes
	Authorization X402Authorization `json:"authorization"`
}

// X402PaymentPayload is the PAYMENT-SIGNATURE header's content.
type X402PaymentPayload struct {
	X402Version int              `json:"x402Version"`
	Resource    *X402Resource    `json:"resource,omitempty"`
	Accepted    X402Requirements `json:"accepted"`
	Payload     X402ExactPayload `json:"payload"`
}

// X402SettleResponse is the facilitator's /settle answer and the
// PAYMENT-RESPONSE header's content.
type X402SettleResponse struct {
	Success     bool   `json:"success"`
	ErrorReason string `json:"errorReason,omitempty"`
	Transaction string `json:"transaction"`
	Network     string `json:"network"`
	Payer       string `json:"payer,omitempty"`
}

// X402VerifyResponse is the facilitator's /verify answer.
type X402VerifyResponse struct {
	IsValid       bool   `json:"isValid"`
	InvalidReason string `json:"invalidReason,omitempty"`
	Payer         string `json:"payer,omitempty"`
}

// X402FacilitatorRequest is the body of POST /verify and POST /settle.
type X402FacilitatorRequest struct {
	X402Version         int                `json:"x402Version"`
	PaymentPayload      X402PaymentPayload `json:"paymentPayload"`
	PaymentRequirements X402Requirements   `json:"paymentRequirements"`
}

// X402SigningBytes is the exact byte string the payer signs: it binds the
// scheme, network, asset and the authorization (amount, payee, window, nonce).
func X402SigningBytes(req X402Requirements, a X402Authorization) []byte {
	b, _ := json.Marshal(struct {
		Domain  string            `json:"domain"`
		Version int               `json:"x402Version"`
		Scheme  string            `json:"scheme"`
		Network string            `json:"network"`
		Asset   string            `json:"asset"`
		Auth    X402Authorization `json:"authorization"`
	}{"cartwright-x402-exact", X402Version, req.Scheme, req.Network, req.Asset, a})
	return b
}

// EncodeHeader base64-encodes v's JSON for an x402 header.
func EncodeHeader(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// DecodeHeader decodes an x402 header (standard or URL-safe base64 JSON)
// strictly into v.
func DecodeHeader(h string, v any) error {
	h = strings.TrimSpace(h)
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(h); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("x402 header is not base64: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("x402 header is not valid JSON of the expected shape: %w", err)
	}
	return nil
}

// X402Charge is what a 402 asks for, as the approval callback sees it.
type X402Charge struct {
	Resource string
	PayTo    string
	Network  string
	Amount   skills.Money
}

// Holder is the part of the agent wallet the x402 client uses
// (agent/wallet.*Wallet implements it).
type Holder interface {
	Hold(ctx context.Context, key string, amount skills.Money, memo string) (string, error)
	Capture(ctx context.Context, key, holdID string, amount skills.Money) error
	Release(ctx context.Context, key, holdID string) error
}

// X402Config configures X402Transport.
type X402Config struct {
	// Base does the HTTP (default http.DefaultTransport).
	Base http.RoundTripper
	// Key is the agent's signing key.
	Key ed25519.PrivateKey
	// Wallet pays.
	Wallet Holder
	// Approve decides whether a charge is inside the mandate and policy; an
	// error refuses it (the 402 response is returned, nothing is held).
	// Required: there is no default that pays.
	Approve func(ctx context.Context, c X402Charge) error
	// Networks the client pays on (default NetworkLedger).
	Networks []string
	Now      func() time.Time
	// OnPaid, if set, is told of every settled payment (for the audit log).
	OnPaid func(ctx context.Context, c X402Charge, holdID string, settle X402SettleResponse)
	// OnDone, if set, is told once the outcome of an approved charge is
	// known: paid (after OnPaid) or not paid (nothing moved). It is not
	// called when the outcome is unknown (the paid request failed in
	// flight: the hold is left open), so an approver that reserves what it
	// approved until OnDone keeps counting such a charge — the safe side.
	OnDone func(ctx context.Context, c X402Charge, paid bool)
	// RefusalAsResponse: a charge the client will not pay (Approve refused
	// it, or the wallet cannot hold it) is answered with the server's 402
	// itself — status and PAYMENT-REQUIRED kept, header X402-Refused set —
	// and a JSON body {type, code: "x402_payment_refused", message} saying
	// why, instead of an error. A caller that treats a 402 as a declined
	// payment (skills/acp: skills.ErrPaymentDeclined) then does not retry a
	// request that would be refused again. Default: an error wrapping
	// ErrX402Refused (or the wallet's error).
	RefusalAsResponse bool
}

// HeaderX402Refused marks a 402 the client chose not to pay (RefusalAsResponse).
const HeaderX402Refused = "X402-Refused"

// CodeX402Refused is the error code of a RefusalAsResponse body.
const CodeX402Refused = "x402_payment_refused"

// ErrX402Refused wraps an Approve refusal.
var ErrX402Refused = errors.New("x402 charge refused")

// X402Transport pays for 402 responses; see the package documentation.
type X402Transport struct{ cfg X402Config }

// NewX402Transport checks cfg.
func NewX402Transport(cfg X402Config) (*X402Transport, error) {
	if cfg.Key == nil || cfg.Wallet == nil || cfg.Approve == nil {
		return nil, errors.New("pay: X402Config needs Key, Wallet and Approve")
	}
	if cfg.Base == nil {
		cfg.Base = http.DefaultTransport
	}
	if len(cfg.Networks) == 0 {
		cfg.Networks = []string{NetworkLedger}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &X402Transport{cfg: cfg}, nil
}

// RoundTrip implements http.RoundTripper.
func (t *X402Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(req.Body, 8<<20))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	first := cloneReq(req, body)
	resp, err := t.cfg.Base.RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusPaymentRequired {
		return resp, err
	}
	hdr := resp.Header.Get(HeaderPaymentRequired)
	if hdr == "" {
		return resp, nil // a 402 that is not x402: hand it back
	}
	var pr X402PaymentRequired
	if err := DecodeHeader(hdr, &pr); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("x402: %s: %w", HeaderPaymentRequired, err)
	}
	ctx := req.Context()
	accepted, charge, err := t.choose(pr, req.URL.String())
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	if err := t.cfg.Approve(ctx, charge); err != nil {
		return t.refuse(resp, fmt.Errorf("%w: %s for %s: %w", ErrX402Refused, charge.Amount, charge.Resource, err))
	}

	nonce := randomHex(32)
	now := t.cfg.Now()
	timeout := accepted.MaxTimeoutSeconds
	if timeout <= 0 || timeout > 600 {
		timeout = 60
	}
	keyBase := "x402/" + nonce
	holdID, err := t.cfg.Wallet.Hold(ctx, keyBase+"/hold", charge.Amount, "x402 "+charge.Resource+" to "+charge.PayTo)
	if err != nil {
		t.done(ctx, charge, false)
		return t.refuse(resp, fmt.Errorf("x402: hold %s: %w", charge.Amount, err))
	}
	resp.Body.Close()
	release := func() {
		_ = t.cfg.Wallet.Release(context.WithoutCancel(ctx), keyBase+"/release", holdID)
	}
	auth := X402Authorization{
		From: "ed25519:" + base64.RawURLEncoding.EncodeToString(t.cfg.Key.Public().(ed25519.PublicKey)),
		To:   accepted.PayTo, Value: accepted.Amount,
		ValidAfter:  strconv.FormatInt(now.Add(-5*time.Second).Unix(), 10),
		ValidBefore: strconv.FormatInt(now.Add(time.Duration(timeout)*time.Second).Unix(), 10),
		Nonce:       nonce,
	}
	sig := ed25519.Sign(t.cfg.Key, X402SigningBytes(accepted, auth))
	payload := X402PaymentPayload{X402Version: X402Version, Resource: &pr.Resource, Accepted: accepted,
		Payload: X402ExactPayload{Signature: base64.RawURLEncoding.EncodeToString(sig), Authorization: auth}}
	h, err := EncodeHeader(payload)
	if err != nil {
		release()
		t.done(ctx, charge, false)
		return nil, err
	}
	second := cloneReq(req, body)
	second.Header.Set(HeaderPaymentSig, h)
	resp2, err := t.cfg.Base.RoundTrip(second)
	if err != nil {
		// Outcome unknown: the hold stays open for resume to settle against
		// the facilitator's record (wallet.OpenHolds lists it).
		return nil, fmt.Errorf("x402: paid request failed, hold %s left open: %w", holdID, err)
	}
	var settle X402SettleResponse
	if sh := resp2.Header.Get(HeaderPaymentResponse); sh != "" {
		if err := DecodeHeader(sh, &settle); err != nil {
			resp2.Body.Close()
			return nil, fmt.Errorf("x402: %s: %w (hold %s left open)", HeaderPaymentResponse, err, holdID)
		}
	}
	if resp2.StatusCode/100 != 2 || !settle.Success {
		release()
		t.done(ctx, charge, false)
		return resp2, nil
	}
	if err := t.cfg.Wallet.Capture(context.WithoutCancel(ctx), keyBase+"/capture", holdID, charge.Amount); err != nil {
		resp2.Body.Close()
		return nil, fmt.Errorf("x402: settled as %s but capture of hold %s failed: %w", settle.Transaction, holdID, err)
	}
	if t.cfg.OnPaid != nil {
		t.cfg.OnPaid(ctx, charge, holdID, settle)
	}
	t.done(ctx, charge, true)
	return resp2, nil
}

func (t *X402Transport) done(ctx context.Context, c X402Charge, paid bool) {
	if t.cfg.OnDone != nil {
		t.cfg.OnDone(context.WithoutCancel(ctx), c, paid)
	}
}

// refuse ends a request whose 402 the client will not pay: an error, or
// with RefusalAsResponse the 402 itself with a body saying why.
func (t *X402Transport) refuse(resp *http.Response, why error) (*http.Response, error) {
	resp.Body.Close()
	if !t.cfg.RefusalAsResponse {
		return nil, why
	}
	b, err := json.Marshal(map[string]string{"type": "invalid_request", "code": CodeX402Refused, "message": why.Error()})
	if err != nil {
		return nil, why
	}
	out := *resp
	out.Header = resp.Header.Clone()
	out.Header.Set(HeaderX402Refused, "true")
	out.Header.Set("Content-Type", "application/json")
	out.Header.Del("Content-Length")
	out.Body = io.NopCloser(bytes.NewReader(b))
	out.ContentLength = int64(len(b))
	return &out, nil
}

// choose picks the first acceptable payment option.
func (t *X402Transport) choose(pr X402PaymentRequired, url string) (X402Requirements, X402Charge, error) {
	if pr.X402Version != X402Version {
		return X402Requirements{}, X402Charge{}, fmt.Errorf("x402: version %d, this client speaks %d", pr.X402Version, X402Version)
	}
	var why []string
	for i, a := range pr.Accepts {
		if a.Scheme != SchemeExact || !contains(t.cfg.Networks, a.Network) {
			why = append(why, fmt.Sprintf("accepts[%d]: %s on %s not supported", i, a.Scheme, a.Network))
			continue
		}
		cur, err := skills.ParseCurrency(a.Asset)
		if err != nil {
			why = append(why, fmt.Sprintf("accepts[%d].asset: %v", i, err))
			continue
		}
		v, err := strconv.ParseInt(a.Amount, 10, 64)
		if err != nil || v <= 0 {
			why = append(why, fmt.Sprintf("accepts[%d].amount: %q is not a positive integer", i, a.Amount))
			continue
		}
		if a.PayTo == "" {
			why = append(why, fmt.Sprintf("accepts[%d].payTo: empty", i))
			continue
		}
		res := pr.Resource.URL
		if res == "" {
			res = url
		}
		return a, X402Charge{Resource: res, PayTo: a.PayTo, Network: a.Network, Amount: skills.M(v, cur)}, nil
	}
	return X402Requirements{}, X402Charge{}, fmt.Errorf("x402: no acceptable payment option (%s)", strings.Join(why, "; "))
}

func cloneReq(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return r
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func randomHex(n int) string { return skills.NewID("", n) }
