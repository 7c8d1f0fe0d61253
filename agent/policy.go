package agent

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// Mandate is what the user authorised before the run, as the runtime needs
// it: the AP2 intent mandate's constraints. The signed document itself
// (agent/mandate) travels opaquely in Signed, for the Policy and the payment
// Rail to verify; the runtime never widens anything it says.
type Mandate struct {
	ID string `json:"id,omitempty"`
	// MaxTotal caps everything charged in the run (nil: no cap).
	MaxTotal *skills.Money `json:"max_total,omitempty"`
	// ConfirmAbove: a basket whose total exceeds it needs the user's
	// confirmation (nil: never on amount alone).
	ConfirmAbove *skills.Money `json:"confirm_above,omitempty"`
	// Merchants and Categories are allow-lists (empty: all).
	Merchants  []string `json:"merchants,omitempty"`
	Categories []string `json:"categories,omitempty"`
	// RequireConfirmation: every cart needs the user's confirmation.
	RequireConfirmation bool      `json:"require_confirmation,omitempty"`
	ExpiresAt           time.Time `json:"expires_at,omitempty"`
	// Signed is the signed mandate document (opaque to the runtime; kept
	// with the session so a resumed run presents the same authority).
	Signed json.RawMessage `json:"signed,omitempty"`
}

// permitsMerchant and permitsCategory apply the allow-lists.
func (m *Mandate) permitsMerchant(id string) bool {
	return m == nil || planner.Lists{Allow: m.Merchants}.Permits(id)
}

func (m *Mandate) permitsCategory(c string) bool {
	return m == nil || planner.Lists{Allow: m.Categories}.Permits(c)
}

// PolicyInput is the whole basket the policy decides on.
type PolicyInput struct {
	SessionID string
	UserID    string
	Intent    planner.Intent
	Mandate   *Mandate
	// Quotes are the open carts about to be paid; Paid are orders already
	// completed in this session (after a re-decision), counted in Total.
	Quotes []skills.Quote
	Paid   []skills.Order
	Total  skills.Money
	// Requested is what the runtime asked each merchant for: merchant → sku
	// → quantity. A quote line outside it is an unrequested add-on.
	Requested map[string]map[string]int
	// Categories maps merchant/sku to the product's category.
	Categories map[string]string
	// Predicted is each open cart's total as the optimiser predicted it from
	// the merchant's published rules (quotes above it never reach Decide:
	// the runtime re-decides first).
	Predicted map[string]skills.Money
	// Planned is the total of the session's first plan, before checkout
	// revealed anything; a basket above it has risen since.
	Planned skills.Money
	// Requirements are the requirement check's findings on the lines
	// about to be paid (agent/check, code-derived): a conflict must be
	// refused (ReasonRequirementConflict), an unverified requirement
	// needs the person's confirmation (ReasonRequirementUnverified).
	Requirements []RequirementFact
	Now          time.Time
}

// Reason is a machine-readable cause for a policy decision.
type Reason struct {
	Code   string `json:"code"` // e.g. over_budget, merchant_not_allowed, price_rose, unrequested_addon
	Detail string `json:"detail"`
}

// ReasonItemsUnavailable: some items of the request have no acceptable
// offer anywhere; the rest of the basket is bought only if the person
// confirms.
const ReasonItemsUnavailable = "items_unavailable"

// Decision actions.
const (
	ActionPay     = "pay"
	ActionConfirm = "confirm"
	ActionRefuse  = "refuse"
)

// Decision is the policy's verdict on a basket.
type Decision struct {
	Action  string   `json:"action"` // ActionPay, ActionConfirm or ActionRefuse
	Reasons []Reason `json:"reasons,omitempty"`
}

// Policy decides, deterministically, whether a basket may be paid on the
// agent's own authority, needs the user's confirmation, or must be refused.
// agent/policy.Engine is the one implementation (signed mandates,
// revocation, wallet, cumulative budgets, requirement facts); the runtime
// and its tests both run on it.
type Policy interface {
	Decide(ctx context.Context, in PolicyInput) (Decision, error)
}

// PolicyFunc adapts a function to Policy.
type PolicyFunc func(ctx context.Context, in PolicyInput) (Decision, error)

// Decide calls f.
func (f PolicyFunc) Decide(ctx context.Context, in PolicyInput) (Decision, error) { return f(ctx, in) }

// CredentialRequest asks the payment rail for a credential that can pay
// exactly one quote.
type CredentialRequest struct {
	SessionID      string
	IdempotencyKey string
	Merchant       string
	Quote          skills.Quote
	Amount         skills.Money
	Mandate        *Mandate
}

// Rail turns an approved quote into a payment credential the merchant can
// charge (skills/pay: a delegated vt_ token whose allowance is the quote's
// total, merchant and checkout session).
type Rail interface {
	Credential(ctx context.Context, req CredentialRequest) (skills.Credential, error)
}

// RailFunc adapts a function to Rail.
type RailFunc func(ctx context.Context, req CredentialRequest) (skills.Credential, error)

// Credential calls f.
func (f RailFunc) Credential(ctx context.Context, req CredentialRequest) (skills.Credential, error) {
	return f(ctx, req)
}

// Memory is what the runtime needs from preference memory: the entries
// relevant to a request.
type Memory interface {
	Recall(ctx context.Context, userID, request string) ([]planner.MemoryItem, error)
}

// PurchaseRecorder is implemented by a Memory that keeps purchase history:
// after a session buys, the runtime hands it each order (idempotent per
// order: a resumed session may hand the same order again).
type PurchaseRecorder interface {
	RecordPurchase(ctx context.Context, userID string, order skills.Order) error
}

// Auditor records what happened, for a tamper-evident log (agent/audit).
type Auditor interface {
	Record(ctx context.Context, sessionID, kind string, data any) error
}

// MemoryFunc adapts a function to Memory (for example memory.ForPlanner
// over a memory.Memory).
type MemoryFunc func(ctx context.Context, userID, request string) ([]planner.MemoryItem, error)

// Recall calls f.
func (f MemoryFunc) Recall(ctx context.Context, userID, request string) ([]planner.MemoryItem, error) {
	return f(ctx, userID, request)
}
