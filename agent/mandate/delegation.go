package mandate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
)

// MetaChain is the delegate_payment metadata key carrying the mandate
// chain (canonical JSON of a Chain).
const MetaChain = "ap2_mandate_chain"

// EncodeChain renders a chain as delegate_payment metadata.
func EncodeChain(ch Chain) (map[string]string, error) {
	b, err := Canonical(ch)
	if err != nil {
		return nil, err
	}
	return map[string]string{MetaChain: string(b)}, nil
}

// DelegationVerifier is the payment network's check before it issues a
// delegated token: the chain in the request's metadata must verify, must
// not be revoked or replayed, must fit the cumulative budget, and the
// allowance must be exactly the cart: max_amount = cart total, same
// currency, merchant and checkout session, expiring no later than the
// payment mandate.
type DelegationVerifier struct {
	Trust Trust
	// Store, when set, supplies the revocation list and records each payment
	// mandate as used (a second token for the same mandate is refused).
	Store *Store
	// Spent, when set, reports what was already spent in [from, to) under
	// the intent: the cumulative budget check (agent/wallet.Spent fits).
	Spent func(ctx context.Context, in Intent, from, to time.Time) (skills.Money, error)
	Now   func() time.Time
}

// Hook adapts the verifier to the mock payment network's hook
// (merchants/paynet.Config.Verifier accepts it as is).
func (v *DelegationVerifier) Hook() func(ctx context.Context, req acp.DelegatePaymentRequest) error {
	return func(ctx context.Context, req acp.DelegatePaymentRequest) error {
		return v.VerifyDelegation(ctx, req.Allowance, req.Metadata)
	}
}

// VerifyDelegation checks one delegation request; the error is a *Error.
func (v *DelegationVerifier) VerifyDelegation(ctx context.Context, a acp.Allowance, meta map[string]string) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	raw, ok := meta[MetaChain]
	if !ok || raw == "" {
		return fail("metadata", MetaChain, CodeMalformed, "no mandate chain: a delegated token needs a signed intent, cart and payment mandate")
	}
	ch, err := DecodeChain([]byte(raw))
	if err != nil {
		return err
	}
	if err := Verify(ch, v.Trust, now); err != nil {
		return err
	}
	p, c := ch.Payment, ch.Cart
	const ap = "allowance"
	switch {
	case a.MaxAmount != p.Amount.Minor:
		return fail(ap, "max_amount", CodeAllowanceMismatch, "%d, the payment mandate authorises exactly %d", a.MaxAmount, p.Amount.Minor)
	case !strings.EqualFold(a.Currency, string(p.Amount.Currency)):
		return fail(ap, "currency", CodeCurrency, "%q, the payment mandate is in %s", a.Currency, p.Amount.Currency)
	case a.MerchantID != p.Payee:
		return fail(ap, "merchant_id", CodePayeeMismatch, "%q, the payment mandate pays %q", a.MerchantID, p.Payee)
	case a.CheckoutSessionID != c.CheckoutSessionID:
		return fail(ap, "checkout_session_id", CodeSessionMismatch, "%q, the cart is session %q", a.CheckoutSessionID, c.CheckoutSessionID)
	}
	exp, err := time.Parse(time.RFC3339Nano, a.ExpiresAt)
	if err != nil {
		return fail(ap, "expires_at", CodeMalformed, "%q is not an RFC 3339 time", a.ExpiresAt)
	}
	if exp.After(p.ExpiresAt) {
		return fail(ap, "expires_at", CodeAllowanceMismatch, "token would outlive the payment mandate (%s)", p.ExpiresAt.Format(time.RFC3339))
	}
	if v.Store != nil {
		id, revoked, err := v.Store.RevokedChain(ctx, ch.Intent)
		if err != nil {
			return fmt.Errorf("revocation list: %w", err)
		}
		if revoked {
			return fail("intent_mandate", "id", CodeRevoked, "mandate %s was revoked", id)
		}
	}
	if b := ch.Intent.Budget; b != nil && v.Spent != nil {
		from, to := ch.Intent.Window(now)
		spent, err := v.Spent(ctx, ch.Intent, from, to)
		if err != nil {
			return fmt.Errorf("cumulative spend: %w", err)
		}
		if sum, ok := skills.AddMinor(spent.Minor, p.Amount.Minor); !ok || sum > b.Amount.Minor {
			return fail("intent_mandate", "budget", CodeBudgetExceeded, "%s already spent this %s + %s is over the budget %s", spent, b.Period, p.Amount, b.Amount)
		}
	}
	if v.Store != nil {
		if err := v.Store.UsePayment(ctx, ch, now); err != nil {
			return err
		}
	}
	return nil
}

// MarshalIndent renders any mandate document for people.
func MarshalIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
