package mandate

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// Rail is the runtime's delegated-payment rail (agent.Rail): for an approved
// quote it builds the AP2 chain — the user's signed intent (from the
// session's mandate), the cart mandate, the agent-signed payment mandate —
// persists it under the idempotency key, and asks the payment network for a
// vt_ token whose allowance is exactly the quote.
//
// Cart signing: the mock world's ACP merchants do not sign their checkout
// sessions (skills.Quote carries no signature), so the cart mandate is the
// agent's attestation of the merchant's quote (SignerRole "agent"). The
// network's verifier accepts that only for merchants with no registered
// cart key; a merchant that signs its carts cannot be impersonated this way.
type Rail struct {
	Delegated *pay.DelegatedRail
	Store     *Store
	AgentKey  ed25519.PrivateKey
	// Categories, when set, names each quoted SKU's category in the cart
	// mandate so the network checks the intent's category list too.
	Categories func(merchant, sku string) string
	// HumanPresent, when set, is the user's key: a session without a signed
	// mandate (the user is present and the policy had them confirm) gets a
	// one-off intent bounded to exactly this quote, signed by that key.
	// Nil: a session without a mandate cannot pay by delegated token.
	HumanPresent ed25519.PrivateKey
	UserID       string
	// TTL of payment mandates and tokens (default 10 minutes).
	TTL time.Duration
	Now func() time.Time
}

var _ agent.Rail = (*Rail)(nil)

// Credential implements agent.Rail.
func (r *Rail) Credential(ctx context.Context, req agent.CredentialRequest) (skills.Credential, error) {
	if r.Delegated == nil || r.Store == nil || r.AgentKey == nil {
		return skills.Credential{}, errors.New("mandate rail: Delegated, Store and AgentKey are required")
	}
	if req.IdempotencyKey == "" {
		return skills.Credential{}, errors.New("mandate rail: an idempotency key is required")
	}
	if req.Amount != req.Quote.Total {
		return skills.Credential{}, fmt.Errorf("mandate rail: amount %s is not the quote total %s", req.Amount, req.Quote.Total)
	}
	ch, err := r.chain(ctx, req)
	if err != nil {
		return skills.Credential{}, err
	}
	meta, err := EncodeChain(ch)
	if err != nil {
		return skills.Credential{}, err
	}
	meta["session_id"] = req.SessionID
	return r.Delegated.Delegate(ctx, pay.Delegation{
		MerchantID: ch.Cart.MerchantID, CheckoutSessionID: ch.Cart.CheckoutSessionID, Amount: ch.Payment.Amount,
		ExpiresAt: ch.Payment.ExpiresAt, Metadata: meta, IdempotencyKey: req.IdempotencyKey,
	})
}

// chain returns the chain stored under the key, or builds and stores one
// (before any request leaves: a resumed call sends the identical body, so
// the network's idempotency answers with the same token).
func (r *Rail) chain(ctx context.Context, req agent.CredentialRequest) (Chain, error) {
	var raw string
	err := r.Store.db.QueryRowContext(ctx, `SELECT chain FROM mandate_chains WHERE idem_key = $1`, req.IdempotencyKey).Scan(&raw)
	if err == nil {
		ch, err := DecodeChain([]byte(raw))
		if err != nil {
			return Chain{}, err
		}
		if ch.Cart.CheckoutSessionID != req.Quote.ID || ch.Payment.Amount != req.Quote.Total || ch.Cart.MerchantID != req.Quote.Merchant {
			return Chain{}, fmt.Errorf("mandate rail: idempotency key %q was used for another quote", req.IdempotencyKey)
		}
		return ch, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Chain{}, err
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	ttl := r.TTL
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	var intent Intent
	switch {
	case req.Mandate != nil && len(req.Mandate.Signed) > 0:
		if intent, err = ParseSigned("session mandate", req.Mandate.Signed); err != nil {
			return Chain{}, err
		}
	case r.HumanPresent != nil:
		intent = Intent{UserID: r.UserID, Description: "one-off, human-present: " + req.Quote.Merchant + " " + req.Quote.ID,
			Currency: req.Quote.Total.Currency, MaxTotal: req.Quote.Total, Merchants: []string{req.Quote.Merchant},
			RequireConfirmation: true, NotBefore: now.Add(-time.Minute), ExpiresAt: now.Add(ttl + time.Minute)}
		if err := intent.Sign(r.HumanPresent); err != nil {
			return Chain{}, err
		}
		if err := r.Store.Save(ctx, intent); err != nil {
			return Chain{}, err
		}
	default:
		return Chain{}, errors.New("mandate rail: the session has no signed mandate; a delegated token needs one")
	}
	if !now.Before(intent.ExpiresAt) {
		return Chain{}, fail("intent_mandate", "expires_at", CodeExpired, "expired at %s", intent.ExpiresAt.Format(time.RFC3339))
	}
	cats := map[string]string{}
	if r.Categories != nil {
		for _, l := range req.Quote.Lines {
			cats[l.SKU] = r.Categories(req.Quote.Merchant, l.SKU)
		}
	}
	cart := CartFromQuote(req.Quote, cats)
	if cart.ExpiresAt.IsZero() || cart.ExpiresAt.After(now.Add(ttl)) {
		cart.ExpiresAt = now.Add(ttl)
	}
	if err := cart.Sign(SignerAgent, r.AgentKey); err != nil {
		return Chain{}, err
	}
	exp := ttl
	if left := intent.ExpiresAt.Sub(now); left < exp {
		exp = left
	}
	p, err := NewPayment(r.AgentKey, intent, cart, "delegated", now, exp)
	if err != nil {
		return Chain{}, err
	}
	sum := sha256.Sum256([]byte(req.IdempotencyKey))
	p.ID = "pm_" + hex.EncodeToString(sum[:12])
	p.Signature = ""
	if p.Signature, err = sign(r.AgentKey, p); err != nil {
		return Chain{}, err
	}
	ch := Chain{Intent: intent, Cart: cart, Payment: p}
	b, err := json.Marshal(ch)
	if err != nil {
		return Chain{}, err
	}
	_, err = r.Store.db.ExecContext(ctx, `INSERT INTO mandate_chains (idem_key, payment_id, chain, created_at) VALUES ($1, $2, $3, $4)`,
		req.IdempotencyKey, p.ID, string(b), now.UTC().Format(tsLayout))
	if store.IsUniqueViolation(err) {
		return r.chain(ctx, req) // a concurrent call with the same key stored its chain first
	}
	if err != nil {
		return Chain{}, err
	}
	return ch, nil
}

// AgentMandate is the runtime's view of a signed intent (agent.Mandate),
// with the signed document attached for the policy and the rail.
func AgentMandate(in Intent) (*agent.Mandate, error) {
	signed, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	m := &agent.Mandate{ID: in.ID, MaxTotal: &in.MaxTotal, ConfirmAbove: in.ConfirmAbove, Merchants: in.Merchants,
		Categories: in.Categories, RequireConfirmation: in.RequireConfirmation, ExpiresAt: in.ExpiresAt, Signed: signed}
	return m, nil
}
