package mandate

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
)

// Verification failure codes (the policy's reason codes where they overlap).
const (
	CodeMalformed         = "malformed"
	CodeBadSignature      = "bad_signature"
	CodeUntrustedKey      = "untrusted_key"
	CodeHashMismatch      = "hash_mismatch"
	CodeExpired           = "mandate_expired"
	CodeNotYetValid       = "mandate_not_yet_valid"
	CodeRevoked           = "mandate_revoked"
	CodeCartExpired       = "cart_expired"
	CodePaymentExpired    = "payment_expired"
	CodeCartArithmetic    = "cart_arithmetic"
	CodeOverTotal         = "over_mandate_total"
	CodeOverItemCap       = "over_item_cap"
	CodeBudgetExceeded    = "cumulative_budget_exceeded"
	CodeMerchant          = "merchant_not_allowed"
	CodeCategory          = "category_not_allowed"
	CodeCurrency          = "currency_mismatch"
	CodeAmountMismatch    = "amount_mismatch"
	CodePayeeMismatch     = "payee_mismatch"
	CodeSessionMismatch   = "session_mismatch"
	CodeReplayed          = "payment_mandate_replayed"
	CodeUnrequestedAddOn  = "unrequested_addon"
	CodeAllowanceMismatch = "allowance_mismatch"
)

// ErrVerify matches every *Error.
var ErrVerify = errors.New("mandate verification failed")

// Error says which part of a chain failed, where, and why.
type Error struct {
	Part  string // intent_mandate | cart_mandate | payment_mandate | allowance | spec file path
	Field string // JSON field (or "line N: field" for spec files)
	Code  string
	Msg   string
}

func (e *Error) Error() string {
	loc := e.Part
	if e.Field != "" {
		loc += "." + e.Field
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Code, e.Msg)
}

// Is makes errors.Is(err, ErrVerify) hold.
func (e *Error) Is(t error) bool { return t == ErrVerify }

func fail(part, field, code, format string, a ...any) *Error {
	return &Error{Part: part, Field: field, Code: code, Msg: fmt.Sprintf(format, a...)}
}

// Trust names the keys a verifier accepts.
type Trust struct {
	// Users maps a user id to the public key that signs their intents.
	Users map[string]string
	// Agents lists the agent keys allowed to sign payment mandates (and
	// attest carts).
	Agents []string
	// Merchants maps merchant id to its cart-signing key. A merchant listed
	// here must sign its own carts; for the others, an agent-attested cart
	// is accepted when AllowAgentAttestedCarts is set.
	Merchants               map[string]string
	AllowAgentAttestedCarts bool
}

func (t Trust) agent(k string) bool {
	for _, a := range t.Agents {
		if a == k {
			return true
		}
	}
	return false
}

// ValidateIntent checks an intent's own structure and amounts (no
// signature): the rules `mandate create` enforces and Verify repeats.
func ValidateIntent(in Intent) error {
	const p = "intent_mandate"
	if in.Type != TypeIntent {
		return fail(p, "type", CodeMalformed, "is %q, want %q", in.Type, TypeIntent)
	}
	if strings.TrimSpace(in.UserID) == "" {
		return fail(p, "user_id", CodeMalformed, "is empty")
	}
	if in.ID == "" || in.Nonce == "" {
		return fail(p, "id", CodeMalformed, "id and nonce are required")
	}
	if !in.Currency.Valid() {
		return fail(p, "currency", CodeMalformed, "unknown currency %q", in.Currency)
	}
	checkAmt := func(field string, m skills.Money, zeroOK bool) error {
		if m.Currency != in.Currency {
			return fail(p, field, CodeCurrency, "%s amount in a %s mandate", m.Currency, in.Currency)
		}
		if m.Minor < 0 || (m.Minor == 0 && !zeroOK) {
			return fail(p, field, CodeMalformed, "%s must be positive", m)
		}
		return nil
	}
	if err := checkAmt("max_total", in.MaxTotal, false); err != nil {
		return err
	}
	if in.PerItemCap != nil {
		if err := checkAmt("per_item_cap", *in.PerItemCap, false); err != nil {
			return err
		}
	}
	if in.ConfirmAbove != nil {
		if err := checkAmt("confirm_above", *in.ConfirmAbove, true); err != nil {
			return err
		}
	}
	if in.Budget != nil {
		if err := checkAmt("budget.amount", in.Budget.Amount, false); err != nil {
			return err
		}
		switch in.Budget.Period {
		case PeriodDay, PeriodWeek, PeriodMonth, PeriodTotal:
		default:
			return fail(p, "budget.period", CodeMalformed, "%q: want day, week, month or total", in.Budget.Period)
		}
	}
	if in.ExpiresAt.IsZero() {
		return fail(p, "expires_at", CodeMalformed, "is required")
	}
	if !in.ExpiresAt.After(in.NotBefore) {
		return fail(p, "expires_at", CodeMalformed, "%s is not after not_before %s", in.ExpiresAt.Format(time.RFC3339), in.NotBefore.Format(time.RFC3339))
	}
	for i, m := range in.Merchants {
		if strings.TrimSpace(m) == "" {
			return fail(p, fmt.Sprintf("merchants[%d]", i), CodeMalformed, "empty merchant id")
		}
	}
	return nil
}

// VerifyIntent checks the intent's structure, the user's signature (with
// the key trusted for that user) and its validity window at now.
func VerifyIntent(in Intent, trust Trust, now time.Time) error {
	const p = "intent_mandate"
	if err := ValidateIntent(in); err != nil {
		return err
	}
	want, ok := trust.Users[in.UserID]
	if !ok {
		return fail(p, "user_key", CodeUntrustedKey, "no key is trusted for user %q", in.UserID)
	}
	if want != in.UserKey {
		return fail(p, "user_key", CodeUntrustedKey, "signed with %s, not user %q's key", abbreviate(in.UserKey), in.UserID)
	}
	sig := in.Signature
	in.Signature = ""
	if err := verifySig(in.UserKey, sig, in); err != nil {
		return fail(p, "signature", CodeBadSignature, "%v", err)
	}
	if now.Before(in.NotBefore) {
		return fail(p, "not_before", CodeNotYetValid, "valid from %s", in.NotBefore.Format(time.RFC3339))
	}
	if !now.Before(in.ExpiresAt) {
		return fail(p, "expires_at", CodeExpired, "expired at %s", in.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// CheckCart checks a cart's arithmetic and that it lies inside the intent
// (merchant, categories, currency, per-item cap, max total, no add-ons).
func CheckCart(in Intent, c Cart) error {
	const p = "cart_mandate"
	if c.Type != TypeCart {
		return fail(p, "type", CodeMalformed, "is %q, want %q", c.Type, TypeCart)
	}
	if c.MerchantID == "" || c.CheckoutSessionID == "" {
		return fail(p, "merchant_id", CodeMalformed, "merchant_id and checkout_session_id are required")
	}
	if len(c.Lines) == 0 {
		return fail(p, "lines", CodeMalformed, "empty cart")
	}
	cur := in.Currency
	for _, m := range []struct {
		f string
		v skills.Money
	}{{"subtotal", c.Subtotal}, {"discount", c.Discount}, {"shipping", c.Shipping}, {"total", c.Total}} {
		if m.v.Currency != cur {
			return fail(p, m.f, CodeCurrency, "%s in a %s mandate", m.v.Currency, cur)
		}
		if m.v.Minor < 0 {
			return fail(p, m.f, CodeCartArithmetic, "negative amount %s", m.v)
		}
	}
	var sub int64
	for i, l := range c.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.UnitPrice.Currency != cur || l.Total.Currency != cur {
			return fail(p, f, CodeCurrency, "line in %s, mandate in %s", l.UnitPrice.Currency, cur)
		}
		if l.Quantity <= 0 || l.UnitPrice.Minor < 0 {
			return fail(p, f, CodeCartArithmetic, "quantity %d, unit price %s", l.Quantity, l.UnitPrice)
		}
		lt, ok := skills.MulMinor(l.UnitPrice.Minor, int64(l.Quantity))
		if !ok || lt != l.Total.Minor {
			return fail(p, f+".total", CodeCartArithmetic, "%d × %s is not %s", l.Quantity, l.UnitPrice, l.Total)
		}
		if sub, ok = skills.AddMinor(sub, lt); !ok {
			return fail(p, f, CodeCartArithmetic, "subtotal overflows")
		}
		if l.AddOn {
			return fail(p, f, CodeUnrequestedAddOn, "%q is a merchant-added extra", l.Title)
		}
		if in.PerItemCap != nil && l.UnitPrice.Minor > in.PerItemCap.Minor {
			return fail(p, f+".unit_price", CodeOverItemCap, "%s (%s) is over the per-item cap %s", l.UnitPrice, l.SKU, *in.PerItemCap)
		}
		if len(in.Categories) > 0 && l.Category != "" && !containsFold(in.Categories, l.Category) {
			return fail(p, f+".category", CodeCategory, "category %q is not in the mandate's %v", l.Category, in.Categories)
		}
	}
	if sub != c.Subtotal.Minor {
		return fail(p, "subtotal", CodeCartArithmetic, "lines sum to %s, cart says %s", skills.M(sub, cur), c.Subtotal)
	}
	if c.Discount.Minor > c.Subtotal.Minor || c.Subtotal.Minor-c.Discount.Minor+c.Shipping.Minor != c.Total.Minor {
		return fail(p, "total", CodeCartArithmetic, "%s − %s + %s is not %s", c.Subtotal, c.Discount, c.Shipping, c.Total)
	}
	if len(in.Merchants) > 0 && !containsFold(in.Merchants, c.MerchantID) {
		return fail(p, "merchant_id", CodeMerchant, "merchant %q is not in the mandate's %v", c.MerchantID, in.Merchants)
	}
	if c.Total.Minor > in.MaxTotal.Minor {
		return fail(p, "total", CodeOverTotal, "%s is over the mandate's maximum %s", c.Total, in.MaxTotal)
	}
	return nil
}

// Verify checks a whole chain at now: the intent (signature by the trusted
// user key, validity), the cart (hash, signer, expiry, arithmetic, inside the
// intent) and the payment mandate (agent signature, hash bindings, amount =
// cart total, payee = cart merchant, session, expiry).
func Verify(ch Chain, trust Trust, now time.Time) error {
	if err := VerifyIntent(ch.Intent, trust, now); err != nil {
		return err
	}
	c := ch.Cart
	const cp = "cart_mandate"
	if err := CheckCart(ch.Intent, c); err != nil {
		return err
	}
	if h, err := c.CartContents.ContentsHash(); err != nil || h != c.CartHash {
		return fail(cp, "cart_hash", CodeHashMismatch, "lines and totals do not hash to %s", abbreviate(c.CartHash))
	}
	switch c.SignerRole {
	case SignerMerchant:
		if want, ok := trust.Merchants[c.MerchantID]; !ok || want != c.SignerKey {
			return fail(cp, "signer_key", CodeUntrustedKey, "not merchant %q's registered key", c.MerchantID)
		}
	case SignerAgent:
		if _, has := trust.Merchants[c.MerchantID]; has {
			return fail(cp, "signer_role", CodeUntrustedKey, "merchant %q signs its carts; an agent attestation is not enough", c.MerchantID)
		}
		if !trust.AllowAgentAttestedCarts || !trust.agent(c.SignerKey) {
			return fail(cp, "signer_key", CodeUntrustedKey, "agent-attested cart not accepted from this key")
		}
	default:
		return fail(cp, "signer_role", CodeMalformed, "%q", c.SignerRole)
	}
	sig := c.Signature
	c.Signature = ""
	if err := verifySig(c.SignerKey, sig, c); err != nil {
		return fail(cp, "signature", CodeBadSignature, "%v", err)
	}
	if !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt) {
		return fail(cp, "expires_at", CodeCartExpired, "expired at %s", c.ExpiresAt.Format(time.RFC3339))
	}

	p := ch.Payment
	const pp = "payment_mandate"
	if p.Type != TypePayment || p.ID == "" {
		return fail(pp, "type", CodeMalformed, "not a payment mandate with an id")
	}
	if !trust.agent(p.AgentKey) {
		return fail(pp, "agent_key", CodeUntrustedKey, "%s is not a trusted agent key", abbreviate(p.AgentKey))
	}
	psig := p.Signature
	p.Signature = ""
	if err := verifySig(p.AgentKey, psig, p); err != nil {
		return fail(pp, "signature", CodeBadSignature, "%v", err)
	}
	if ih, _ := ch.Intent.Hash(); ih != p.IntentHash {
		return fail(pp, "intent_hash", CodeHashMismatch, "does not match the intent mandate")
	}
	if chh, _ := ch.Cart.Hash(); chh != p.CartHash {
		return fail(pp, "cart_mandate_hash", CodeHashMismatch, "does not match the cart mandate")
	}
	if p.Amount != c.Total {
		return fail(pp, "amount", CodeAmountMismatch, "%s, cart total %s", p.Amount, c.Total)
	}
	if p.Payee != c.MerchantID {
		return fail(pp, "payee", CodePayeeMismatch, "%q, cart merchant %q", p.Payee, c.MerchantID)
	}
	if p.CheckoutSessionID != c.CheckoutSessionID {
		return fail(pp, "checkout_session_id", CodeSessionMismatch, "%q, cart session %q", p.CheckoutSessionID, c.CheckoutSessionID)
	}
	if !now.Before(p.ExpiresAt) {
		return fail(pp, "expires_at", CodePaymentExpired, "expired at %s", p.ExpiresAt.Format(time.RFC3339))
	}
	if p.ExpiresAt.After(ch.Intent.ExpiresAt) {
		return fail(pp, "expires_at", CodeExpired, "outlives the intent mandate (%s)", ch.Intent.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// Window is the budget period containing now: [from, to).
//
// A budget counts from the mandate's start: a period that began before
// not_before starts at not_before, so spending from before the mandate
// existed never counts against it.
func (in Intent) Window(now time.Time) (time.Time, time.Time) {
	from, to := in.period(now)
	if from.Before(in.NotBefore) {
		from = in.NotBefore
	}
	return from, to
}

func (in Intent) period(now time.Time) (time.Time, time.Time) {
	if in.Budget == nil {
		return in.NotBefore, in.ExpiresAt
	}
	n := now.UTC()
	day := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	switch in.Budget.Period {
	case PeriodDay:
		return day, day.AddDate(0, 0, 1)
	case PeriodWeek:
		off := (int(day.Weekday()) + 6) % 7 // Monday starts the week
		from := day.AddDate(0, 0, -off)
		return from, from.AddDate(0, 0, 7)
	case PeriodMonth:
		from := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, time.UTC)
		return from, from.AddDate(0, 1, 0)
	}
	return in.NotBefore, in.ExpiresAt
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
