// Package mandate implements AP2-style payment mandates signed with ed25519:
//
//   - an IntentMandate, signed by the user's key before the agent runs: what
//     the agent may buy (total per purchase, per-item cap, a cumulative budget
//     over a period, allowed merchants and categories, when to ask, expiry);
//   - a CartMandate over one merchant's priced cart (canonical line items and
//     totals, hashed), signed by the merchant — or, where a merchant signs
//     nothing (the mock world's ACP merchants do not), attested by the agent
//     as its record of the merchant's quote (SignerRole "agent"), which the
//     verifier accepts only for merchants with no registered key;
//   - a PaymentMandate signed by the agent key binding the intent's hash, the
//     cart mandate's hash, the amount and the payee.
//
// Verify checks a Chain end to end: every signature against trusted keys,
// every hash binding, expiries, arithmetic, and that the cart lies inside the
// intent. The payment network calls it (VerifyDelegation) before it issues a
// delegated token, so a token exists only for a cart the user's mandate covers.
// Hashes and signatures are over canonical JSON (Canonical).
package mandate

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
)

// Document types.
const (
	TypeIntent  = "intent_mandate"
	TypeCart    = "cart_mandate"
	TypePayment = "payment_mandate"
)

// ScopeRun marks a mandate signed for one run (Intent.Scope).
const ScopeRun = "run"

// RunDescription is how older versions described a one-run mandate
// (before Scope existed): such mandates are run mandates too.
const RunDescription = "limits given on the command line for one run"

// IsRun reports whether in was signed for one run only.
func (in Intent) IsRun() bool { return in.Scope == ScopeRun || in.Description == RunDescription }

// Budget periods.
const (
	PeriodDay   = "day"
	PeriodWeek  = "week"
	PeriodMonth = "month"
	PeriodTotal = "total" // the mandate's whole life
)

// Budget is a cumulative cap on what the agent spends over a period.
type Budget struct {
	Amount skills.Money `json:"amount"`
	Period string       `json:"period"`
}

// Intent is the user-signed intent mandate.
type Intent struct {
	Type        string          `json:"type"`
	ID          string          `json:"id"`
	UserID      string          `json:"user_id"`
	Description string          `json:"description"`
	Currency    skills.Currency `json:"currency"`
	// MaxTotal caps one purchase (one basket, all merchants together).
	MaxTotal skills.Money `json:"max_total"`
	// PerItemCap caps the unit price of any line (nil: none).
	PerItemCap *skills.Money `json:"per_item_cap,omitempty"`
	// Budget caps cumulative spending over a period (nil: none).
	Budget *Budget `json:"budget,omitempty"`
	// Merchants and Categories are allow-lists (empty: any).
	Merchants  []string `json:"merchants,omitempty"`
	Categories []string `json:"categories,omitempty"`
	// ConfirmAbove: a basket above it needs the user's confirmation.
	ConfirmAbove *skills.Money `json:"confirm_above,omitempty"`
	// RequireConfirmation: every basket needs the user's confirmation.
	RequireConfirmation bool `json:"require_confirmation,omitempty"`
	// Scope is ScopeRun for a mandate signed for one run of the agent
	// (limits typed on the command line); "" for the user's own mandates.
	// A run mandate is never the standing mandate of later runs.
	Scope string `json:"scope,omitempty"`
	// Parent is the standing mandate a run mandate narrows: the run's
	// limits are never wider than the parent's, and revoking the parent
	// revokes it too.
	Parent    string    `json:"parent,omitempty"`
	NotBefore time.Time `json:"not_before"`
	ExpiresAt time.Time `json:"expires_at"`
	Nonce     string    `json:"nonce"`
	UserKey   string    `json:"user_key"`
	Signature string    `json:"signature,omitempty"`
}

// CartLine is one canonical line of a cart.
type CartLine struct {
	SKU       string       `json:"sku"`
	Title     string       `json:"title"`
	Category  string       `json:"category,omitempty"`
	Quantity  int          `json:"quantity"`
	UnitPrice skills.Money `json:"unit_price"`
	Total     skills.Money `json:"total"`
	AddOn     bool         `json:"add_on,omitempty"`
}

// CartContents is what the cart hash covers.
type CartContents struct {
	Lines    []CartLine   `json:"lines"`
	Subtotal skills.Money `json:"subtotal"`
	Discount skills.Money `json:"discount"`
	Shipping skills.Money `json:"shipping"`
	Total    skills.Money `json:"total"`
}

// Signer roles of a cart mandate.
const (
	SignerMerchant = "merchant"
	SignerAgent    = "agent" // the agent's attestation of an unsigned quote
)

// Cart is the cart mandate.
type Cart struct {
	Type              string `json:"type"`
	MerchantID        string `json:"merchant_id"`
	CheckoutSessionID string `json:"checkout_session_id"`
	CartContents
	CartHash   string    `json:"cart_hash"`
	ExpiresAt  time.Time `json:"expires_at"`
	SignerRole string    `json:"signer_role"`
	SignerKey  string    `json:"signer_key"`
	Signature  string    `json:"signature,omitempty"`
}

// Payment is the agent-signed payment mandate.
type Payment struct {
	Type              string       `json:"type"`
	ID                string       `json:"id"`
	IntentHash        string       `json:"intent_hash"`
	CartHash          string       `json:"cart_mandate_hash"`
	Amount            skills.Money `json:"amount"`
	Payee             string       `json:"payee"`
	CheckoutSessionID string       `json:"checkout_session_id"`
	Rail              string       `json:"rail"`
	CreatedAt         time.Time    `json:"created_at"`
	ExpiresAt         time.Time    `json:"expires_at"`
	AgentKey          string       `json:"agent_key"`
	Signature         string       `json:"signature,omitempty"`
}

// Chain is a complete authorisation: intent → cart → payment.
type Chain struct {
	Intent  Intent  `json:"intent_mandate"`
	Cart    Cart    `json:"cart_mandate"`
	Payment Payment `json:"payment_mandate"`
}

// NewNonce returns 16 random bytes, hex.
func NewNonce() string { return skills.NewID("", 16) }

// sign signs the canonical form of doc (whose signature field is empty).
func sign(priv ed25519.PrivateKey, doc any) (string, error) {
	b, err := Canonical(doc)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, b)), nil
}

func verifySig(pubStr, sig string, doc any) error {
	pub, err := ParsePublicKey(pubStr)
	if err != nil {
		return err
	}
	s, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(s) != ed25519.SignatureSize {
		return errors.New("signature is not a base64url ed25519 signature")
	}
	b, err := Canonical(doc)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, b, s) {
		return errors.New("signature does not verify")
	}
	return nil
}

// Sign fills in the intent's type, id, nonce and key and signs it with the
// user's key. Times are normalised to UTC seconds.
func (in *Intent) Sign(user ed25519.PrivateKey) error {
	in.Type = TypeIntent
	if in.Nonce == "" {
		in.Nonce = NewNonce()
	}
	if in.ID == "" {
		in.ID = "im_" + in.Nonce[:16]
	}
	in.NotBefore = in.NotBefore.UTC().Truncate(time.Second)
	in.ExpiresAt = in.ExpiresAt.UTC().Truncate(time.Second)
	in.UserKey = PublicKeyString(user.Public().(ed25519.PublicKey))
	in.Signature = ""
	sig, err := sign(user, in)
	if err != nil {
		return err
	}
	in.Signature = sig
	return nil
}

// Hash identifies the signed intent (signature included).
func (in Intent) Hash() (string, error) { return Hash(in) }

// Hash identifies the signed cart mandate (signature included).
func (c Cart) Hash() (string, error) { return Hash(c) }

// ContentsHash is the hash over the canonical line items and totals.
func (c CartContents) ContentsHash() (string, error) { return Hash(c) }

// CartFromQuote builds the canonical cart for a merchant's quote.
// categories maps SKU → product category (may be nil).
func CartFromQuote(q skills.Quote, categories map[string]string) Cart {
	c := Cart{Type: TypeCart, MerchantID: q.Merchant, CheckoutSessionID: q.ID, ExpiresAt: q.ExpiresAt.UTC().Truncate(time.Second)}
	for _, l := range q.Lines {
		c.Lines = append(c.Lines, CartLine{SKU: l.SKU, Title: l.Title, Category: categories[l.SKU], Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Total: l.Total, AddOn: l.AddOn})
	}
	c.Subtotal, c.Discount, c.Shipping, c.Total = q.Subtotal, q.Discount, q.Shipping, q.Total
	return c
}

// Sign computes the cart hash and signs the cart as role (SignerMerchant
// with the merchant's key, SignerAgent with the agent's key).
func (c *Cart) Sign(role string, key ed25519.PrivateKey) error {
	if role != SignerMerchant && role != SignerAgent {
		return fmt.Errorf("cart signer role %q: want %q or %q", role, SignerMerchant, SignerAgent)
	}
	c.Type = TypeCart
	h, err := c.CartContents.ContentsHash()
	if err != nil {
		return err
	}
	c.CartHash, c.SignerRole = h, role
	c.ExpiresAt = c.ExpiresAt.UTC().Truncate(time.Second)
	c.SignerKey = PublicKeyString(key.Public().(ed25519.PublicKey))
	c.Signature = ""
	sig, err := sign(key, c)
	if err != nil {
		return err
	}
	c.Signature = sig
	return nil
}

// NewPayment builds and signs the payment mandate binding intent and cart.
func NewPayment(agentKey ed25519.PrivateKey, in Intent, c Cart, rail string, now time.Time, ttl time.Duration) (Payment, error) {
	ih, err := in.Hash()
	if err != nil {
		return Payment{}, err
	}
	ch, err := c.Hash()
	if err != nil {
		return Payment{}, err
	}
	now = now.UTC().Truncate(time.Second)
	p := Payment{Type: TypePayment, ID: "pm_" + NewNonce()[:20], IntentHash: ih, CartHash: ch, Amount: c.Total,
		Payee: c.MerchantID, CheckoutSessionID: c.CheckoutSessionID, Rail: rail, CreatedAt: now, ExpiresAt: now.Add(ttl),
		AgentKey: PublicKeyString(agentKey.Public().(ed25519.PublicKey))}
	sig, err := sign(agentKey, p)
	if err != nil {
		return Payment{}, err
	}
	p.Signature = sig
	return p, nil
}
