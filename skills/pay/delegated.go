// Package pay holds Cartwright's payment rails:
//
//   - DelegatedRail asks a payment network (ACP delegate_payment) for a
//     single-use vt_… token whose allowance is exactly one quote: its total,
//     merchant, checkout session and a short expiry. The AP2 mandate chain
//     travels in the request's metadata for the network to verify.
//   - X402Transport is an http.RoundTripper that pays for x402 resources:
//     on 402 it reads PAYMENT-REQUIRED, asks a callback whether the charge
//     is within the mandate, holds the amount in the agent wallet, retries
//     with a PAYMENT-SIGNATURE signed by the agent's ed25519 key, and
//     captures when PAYMENT-RESPONSE reports settlement.
//
// The package depends on skills only; the wallet is reached through the
// small Holder interface (agent/wallet implements it).
package pay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
)

// ErrRefused: the network refused the delegation (for example its mandate
// verifier rejected the chain). Nothing was issued.
var ErrRefused = errors.New("delegation refused by the payment network")

// NetworkError is an error response from the payment network.
type NetworkError struct {
	Status  int
	Code    string
	Message string
	Param   string
}

func (e *NetworkError) Error() string {
	s := fmt.Sprintf("payment network: HTTP %d %s: %s", e.Status, e.Code, e.Message)
	if e.Param != "" {
		s += " (" + e.Param + ")"
	}
	return s
}

// Is maps the response onto ErrRefused, skills.ErrInvalid and
// skills.ErrUnavailable.
func (e *NetworkError) Is(t error) bool {
	switch t {
	case ErrRefused:
		return e.Status == http.StatusForbidden || e.Code == "delegation_refused"
	case skills.ErrInvalid:
		return e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity
	case skills.ErrUnavailable:
		return e.Status >= 500 || e.Status == http.StatusTooManyRequests
	}
	return false
}

// DelegatedConfig configures a DelegatedRail.
type DelegatedConfig struct {
	// BaseURL of the payment network (…/agentic_commerce/delegate_payment is appended).
	BaseURL    string
	HTTPClient *http.Client
	// APIKey is sent as a bearer token (never logged).
	APIKey string
	// Card is the agent wallet's virtual card; zero: VirtualCard("default").
	Card acp.PaymentMethodCard
	// TokenTTL bounds the token's life (default 10 minutes).
	TokenTTL time.Duration
	// Retries on network errors, 5xx, 409 in-flight and 429 (0: default 3;
	// negative: none), always with the same Idempotency-Key.
	Retries int
	Backoff time.Duration
	Now     func() time.Time
}

// DelegatedRail obtains delegated payment tokens.
type DelegatedRail struct {
	cfg DelegatedConfig

	mu   sync.Mutex
	sent map[string][]byte // idempotency key → the body first sent under it
}

// maxRemembered bounds the bodies a rail remembers for in-process retries.
const maxRemembered = 4096

// NewDelegatedRail checks cfg and returns the rail.
func NewDelegatedRail(cfg DelegatedConfig) (*DelegatedRail, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("pay: DelegatedConfig.BaseURL is empty")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Card.Number == "" {
		cfg.Card = VirtualCard("default")
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 10 * time.Minute
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = 3
	case cfg.Retries < 0: // no retries: one attempt
		cfg.Retries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 50 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &DelegatedRail{cfg: cfg, sent: map[string][]byte{}}, nil
}

// Delegation asks for a token that can pay exactly one checkout session.
type Delegation struct {
	MerchantID        string
	CheckoutSessionID string
	Amount            skills.Money
	// ExpiresAt is the token's expiry, sent to the second. A caller that may
	// retry from another process (after a crash) persists it with the key,
	// so the retried body is byte-identical (the AP2 rail takes it from the
	// stored payment mandate). Zero: now + TokenTTL, fixed at the first
	// call under the key and resent unchanged by this rail's retries. A
	// value beyond now + TokenTTL is refused.
	ExpiresAt time.Time
	// Metadata travels to the network (the AP2 chain: see agent/mandate).
	Metadata map[string]string
	// IdempotencyKey is required: a retry after a crash gets the same token.
	IdempotencyKey string
}

// Delegate obtains the token and returns it as a credential.
func (r *DelegatedRail) Delegate(ctx context.Context, d Delegation) (skills.Credential, error) {
	if d.IdempotencyKey == "" {
		return skills.Credential{}, errors.New("pay: delegation needs an idempotency key")
	}
	if d.MerchantID == "" || d.CheckoutSessionID == "" {
		return skills.Credential{}, errors.New("pay: delegation needs a merchant and a checkout session")
	}
	if d.Amount.Minor <= 0 || !d.Amount.Currency.Valid() {
		return skills.Credential{}, fmt.Errorf("pay: delegation amount %s must be positive in a known currency", d.Amount)
	}
	r.mu.Lock()
	first, seen := r.sent[d.IdempotencyKey]
	r.mu.Unlock()
	if seen {
		return r.send(ctx, d.IdempotencyKey, first)
	}
	now := r.cfg.Now()
	exp := d.ExpiresAt.UTC().Truncate(time.Second)
	switch {
	case d.ExpiresAt.IsZero():
		exp = now.Add(r.cfg.TokenTTL).UTC().Truncate(time.Second)
	case exp.After(now.Add(r.cfg.TokenTTL)):
		return skills.Credential{}, fmt.Errorf("pay: token expiry %s is more than %s away (the rail's token TTL)", exp.Format(time.RFC3339), r.cfg.TokenTTL)
	}
	meta := map[string]string{}
	for k, v := range d.Metadata {
		meta[k] = v
	}
	body := acp.DelegatePaymentRequest{
		PaymentMethod: r.cfg.Card,
		Allowance: acp.Allowance{
			Reason:            "one_time",
			MaxAmount:         d.Amount.Minor,
			Currency:          strings.ToLower(string(d.Amount.Currency)),
			CheckoutSessionID: d.CheckoutSessionID,
			MerchantID:        d.MerchantID,
			ExpiresAt:         exp.UTC().Format(time.RFC3339),
		},
		RiskSignals: []acp.RiskSignal{},
		Metadata:    meta,
	}
	if body.PaymentMethod.Metadata == nil {
		body.PaymentMethod.Metadata = map[string]string{}
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return skills.Credential{}, err
	}
	r.mu.Lock()
	if len(r.sent) >= maxRemembered {
		clear(r.sent)
	}
	if prev, ok := r.sent[d.IdempotencyKey]; ok {
		raw = prev // a concurrent call under the same key went first
	} else {
		r.sent[d.IdempotencyKey] = raw
	}
	r.mu.Unlock()
	return r.send(ctx, d.IdempotencyKey, raw)
}

// send posts a delegation body and reads the token.
func (r *DelegatedRail) send(ctx context.Context, key string, raw []byte) (skills.Credential, error) {
	var resp acp.DelegatePaymentResponse
	if err := r.post(ctx, "/agentic_commerce/delegate_payment", key, raw, &resp); err != nil {
		return skills.Credential{}, err
	}
	if !strings.HasPrefix(resp.ID, "vt_") {
		return skills.Credential{}, fmt.Errorf("pay: payment network returned token %q, want vt_…", resp.ID)
	}
	return skills.Credential{Type: "delegated_token", Token: resp.ID}, nil
}

func (r *DelegatedRail) post(ctx context.Context, path, key string, body []byte, out any) error {
	var last error
	for attempt := 0; attempt <= r.cfg.Retries; attempt++ {
		if attempt > 0 {
			wait := r.cfg.Backoff << (attempt - 1)
			var ne *NetworkError
			if errors.As(last, &ne) && ne.Status == http.StatusConflict {
				wait = max(wait, 100*time.Millisecond)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.BaseURL+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(acp.HeaderIdempotencyKey, key)
		req.Header.Set(acp.HeaderAPIVersion, acp.Version)
		if r.cfg.APIKey != "" {
			req.Header.Set("Authorization", "Bearer "+r.cfg.APIKey)
		}
		resp, err := r.cfg.HTTPClient.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			last = fmt.Errorf("%w: %v", skills.ErrUnavailable, err)
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(b, out); err != nil {
				return fmt.Errorf("pay: undecodable payment network response: %w", err)
			}
			return nil
		}
		var e acp.Error
		_ = json.Unmarshal(b, &e)
		ne := &NetworkError{Status: resp.StatusCode, Code: e.Code, Message: e.Message, Param: e.Param}
		if ne.Message == "" {
			ne.Message = http.StatusText(resp.StatusCode)
		}
		last = ne
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusTooManyRequests {
			continue
		}
		return ne
	}
	return last
}

// VirtualCard is a deterministic, Luhn-valid prepaid virtual card number
// for a wallet: the card the delegated tokens stand for.
func VirtualCard(walletID string) acp.PaymentMethodCard {
	sum := sha256.Sum256([]byte("cartwright-wallet:" + walletID))
	digits := []byte("4000")
	for i := 0; len(digits) < 15; i++ {
		digits = append(digits, '0'+sum[i]%10)
	}
	digits = append(digits, luhnDigit(digits))
	n := string(digits)
	return acp.PaymentMethodCard{
		Type: "card", CardNumberType: "network_token", Number: n, DisplayCardFundingType: "prepaid",
		DisplayBrand: "visa", DisplayLast4: n[len(n)-4:], IIN: n[:6], Virtual: true,
		Name: "Cartwright agent wallet", Metadata: map[string]string{"wallet": walletID},
	}
}

func luhnDigit(d []byte) byte {
	sum, double := 0, true
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return '0' + byte((10-sum%10)%10)
}
