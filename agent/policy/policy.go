// Package policy is Cartwright's deterministic payment policy: given typed,
// code-derived facts about a basket (the signed mandate's limits, the
// request's limits, the wallet, the merchants' quotes, what was predicted
// and what was already spent) it decides pay, confirm or refuse, with
// machine-readable reasons. Refuse beats confirm beats pay.
//
// Nothing a model writes reaches Decide: its Input holds amounts, ids and
// flags computed by code (quotes come from merchants, limits from the signed
// mandate, balances from the ledger). Engine adapts it to the runtime's
// agent.Policy, verifying the signed mandate and reading the wallet itself.
package policy

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
)

// Reason codes.
const (
	OverBudget               = "over_budget"
	OverMandateTotal         = "over_mandate_total"
	OverItemCap              = "over_item_cap"
	CumulativeBudgetExceeded = "cumulative_budget_exceeded"
	MerchantNotAllowed       = "merchant_not_allowed"
	CategoryNotAllowed       = "category_not_allowed"
	PriceRose                = "price_rose"
	UnrequestedAddOn         = "unrequested_addon"
	UnrequestedItem          = "unrequested_item"
	QuantityMismatch         = "quantity_mismatch"
	MandateExpired           = "mandate_expired"
	MandateRevoked           = "mandate_revoked"
	MandateInvalid           = "mandate_invalid"
	InsufficientFunds        = "insufficient_funds"
	CurrencyMismatch         = "currency_mismatch"
	ConfirmAboveThreshold    = "confirm_above_threshold"
	UserRequiresConfirmation = "user_requires_confirmation"
	WithinMandate            = "within_mandate"
	// RequirementConflict: a chosen product shows something else than a
	// stated requirement (agent/check) — never paid.
	RequirementConflict = agent.ReasonRequirementConflict
	// RequirementUnverified: a chosen product shows no evidence for a
	// stated requirement — the person confirms or nothing is bought.
	RequirementUnverified = agent.ReasonRequirementUnverified
)

// severity of each code: what it makes the decision at least.
var severity = map[string]string{
	OverBudget: agent.ActionRefuse, OverMandateTotal: agent.ActionRefuse, OverItemCap: agent.ActionRefuse,
	CumulativeBudgetExceeded: agent.ActionRefuse, MerchantNotAllowed: agent.ActionRefuse, CategoryNotAllowed: agent.ActionRefuse,
	UnrequestedAddOn: agent.ActionRefuse, UnrequestedItem: agent.ActionRefuse, QuantityMismatch: agent.ActionRefuse,
	MandateExpired: agent.ActionRefuse, MandateRevoked: agent.ActionRefuse, MandateInvalid: agent.ActionRefuse,
	InsufficientFunds: agent.ActionRefuse, CurrencyMismatch: agent.ActionRefuse,
	PriceRose: agent.ActionConfirm, ConfirmAboveThreshold: agent.ActionConfirm, UserRequiresConfirmation: agent.ActionConfirm,
	RequirementConflict: agent.ActionRefuse, RequirementUnverified: agent.ActionConfirm,
}

// Limits are the signed mandate's constraints (nil Limits: no mandate).
type Limits struct {
	ID       string
	Currency skills.Currency
	// MaxTotal caps the basket; PerItemCap a line's unit price.
	MaxTotal   *skills.Money
	PerItemCap *skills.Money
	// Budget caps SpentInPeriod + this basket.
	Budget              *skills.Money
	Merchants           []string
	Categories          []string
	ConfirmAbove        *skills.Money
	RequireConfirmation bool
	NotBefore           time.Time
	ExpiresAt           time.Time
	// Revoked: on the revocation list. Invalid: the signature or structure
	// did not verify (the text says why).
	Revoked bool
	// RevokedID names the revoked mandate when it is the standing mandate
	// this run's mandate narrows ("" or ID: this one).
	RevokedID string
	Invalid   string
}

// Cart is one merchant's quote with what code expected of it.
type Cart struct {
	Quote skills.Quote
	// Requested is what the runtime asked this merchant for: SKU → quantity.
	Requested map[string]int
	// Categories maps SKU → product category (from the merchant's catalog).
	Categories map[string]string
	// Predicted is the total the merchant's published rules give for the
	// requested lines (nil: no prediction).
	Predicted *skills.Money
}

// Input is everything Decide looks at.
type Input struct {
	Now time.Time
	// Mandate (nil: no signed mandate; every basket then needs the user).
	Mandate *Limits
	// The request's own limits (from the parsed intent).
	Budget     *skills.Money
	Merchants  []string // allow-list (empty: any)
	DenyMerch  []string
	Categories []string
	DenyCat    []string
	// UserRequiresConfirmation: the user asked to confirm every purchase.
	UserRequiresConfirmation bool
	// Available is the wallet's spendable balance.
	Available skills.Money
	// SpentInPeriod is what was spent in the mandate's budget period.
	SpentInPeriod skills.Money
	// Paid is what this session already paid (counted against the caps).
	Paid  skills.Money
	Carts []Cart
	// Requirements are the requirement check's findings on the carts'
	// lines (code-derived, agent/check).
	Requirements []agent.RequirementFact
}

// Decision is the verdict.
type Decision struct {
	Action  string
	Reasons []agent.Reason
	// Total is the basket total decided on (new carts + Paid).
	Total skills.Money
}

// Agent converts to the runtime's type.
func (d Decision) Agent() agent.Decision { return agent.Decision{Action: d.Action, Reasons: d.Reasons} }

// Decide applies the rules; it is a pure function of in.
func Decide(in Input) Decision {
	var rs []agent.Reason
	add := func(code, format string, a ...any) {
		rs = append(rs, agent.Reason{Code: code, Detail: fmt.Sprintf(format, a...)})
	}

	// Every amount is compared in one currency: the mandate's when there is
	// one (the messages then say "the mandate is in …"), else the first
	// cart's.
	cur, ref := skills.Currency(""), "the basket"
	if m := in.Mandate; m != nil && m.Currency != "" {
		cur, ref = m.Currency, "the mandate"
	} else if len(in.Carts) > 0 {
		cur = in.Carts[0].Quote.Total.Currency
	}
	mismatch := func(m skills.Money) bool { return m.Currency != cur && !(m.Minor == 0 && m.Currency == "") }
	same := func(what string, m skills.Money) bool {
		if mismatch(m) {
			add(CurrencyMismatch, "%s is in %s, %s is in %s", what, m.Currency, ref, cur)
			return false
		}
		return true
	}
	var newTotal int64
	overflow := false
	for _, c := range in.Carts {
		q := c.Quote
		if ref == "the mandate" && mismatch(q.Total) {
			add(CurrencyMismatch, "the mandate is in %s and the basket in %s (%s total %s): a mandate covers payments in its own currency only",
				cur, q.Total.Currency, q.Merchant, q.Total)
			continue
		}
		if !same(q.Merchant+" total", q.Total) {
			continue
		}
		var ok bool
		if newTotal, ok = skills.AddMinor(newTotal, q.Total.Minor); !ok {
			overflow = true
		}
	}
	paid := int64(0)
	if same("already paid", in.Paid) {
		paid = in.Paid.Minor
	}
	total, ok := skills.AddMinor(newTotal, paid)
	if !ok || overflow {
		add(CurrencyMismatch, "basket total overflows")
	}
	money := func(v int64) skills.Money { return skills.M(v, cur) }

	// mandate
	m := in.Mandate
	if m == nil {
		add(UserRequiresConfirmation, "no signed mandate: the user confirms every purchase")
	} else {
		if m.Invalid != "" {
			add(MandateInvalid, "the mandate does not verify: %s", m.Invalid)
		}
		if m.Revoked {
			if m.RevokedID != "" && m.RevokedID != m.ID {
				add(MandateRevoked, "mandate %s was revoked (this run's limits narrow it)", m.RevokedID)
			} else {
				add(MandateRevoked, "mandate %s was revoked", m.ID)
			}
		}
		if !m.ExpiresAt.IsZero() && !in.Now.Before(m.ExpiresAt) {
			add(MandateExpired, "mandate %s expired at %s", m.ID, m.ExpiresAt.UTC().Format(time.RFC3339))
		}
		if !m.NotBefore.IsZero() && in.Now.Before(m.NotBefore) {
			add(MandateExpired, "mandate %s is valid only from %s", m.ID, m.NotBefore.UTC().Format(time.RFC3339))
		}
		if m.MaxTotal != nil && same("mandate maximum", *m.MaxTotal) && total > m.MaxTotal.Minor {
			add(OverMandateTotal, "basket %s is over the mandate's maximum %s", money(total), *m.MaxTotal)
		}
		if m.Budget != nil && same("mandate budget", *m.Budget) && same("spent in period", in.SpentInPeriod) {
			if sum, ok := skills.AddMinor(in.SpentInPeriod.Minor, newTotal); !ok || sum > m.Budget.Minor {
				add(CumulativeBudgetExceeded, "%s already spent + %s is over the period budget %s", in.SpentInPeriod, money(newTotal), *m.Budget)
			}
		}
		if m.ConfirmAbove != nil && same("confirmation threshold", *m.ConfirmAbove) && total > m.ConfirmAbove.Minor {
			add(ConfirmAboveThreshold, "basket %s is above the confirmation threshold %s", money(total), *m.ConfirmAbove)
		}
		if m.RequireConfirmation {
			add(UserRequiresConfirmation, "the mandate asks to confirm every basket")
		}
	}
	if in.UserRequiresConfirmation {
		add(UserRequiresConfirmation, "the user asked to confirm purchases")
	}
	if in.Budget != nil && same("request budget", *in.Budget) && total > in.Budget.Minor {
		add(OverBudget, "basket %s is over the requested budget %s", money(total), *in.Budget)
	}
	if same("wallet balance", in.Available) && newTotal > in.Available.Minor {
		add(InsufficientFunds, "basket %s, wallet has %s", money(newTotal), in.Available)
	}

	// carts
	for _, c := range in.Carts {
		q := c.Quote
		if !allowed(q.Merchant, in.Merchants, in.DenyMerch) || (m != nil && len(m.Merchants) > 0 && !has(m.Merchants, q.Merchant)) {
			add(MerchantNotAllowed, "merchant %q is not allowed", q.Merchant)
		}
		if c.Predicted != nil && c.Predicted.Currency == q.Total.Currency && q.Total.Minor > c.Predicted.Minor {
			add(PriceRose, "%s quotes %s, its published prices give %s", q.Merchant, q.Total, *c.Predicted)
		}
		got := map[string]int{}
		for _, l := range q.Lines {
			got[l.SKU] += l.Quantity
			switch {
			case l.AddOn:
				add(UnrequestedAddOn, "%s added %q (%s) that nobody asked for", q.Merchant, l.Title, l.Total)
				continue
			case c.Requested[l.SKU] == 0:
				add(UnrequestedItem, "%s line %q (%s) was not requested", q.Merchant, l.Title, l.SKU)
				continue
			}
			if m != nil && m.PerItemCap != nil && l.UnitPrice.Currency == m.PerItemCap.Currency && l.UnitPrice.Minor > m.PerItemCap.Minor {
				add(OverItemCap, "%s %s costs %s each, over the per-item cap %s", q.Merchant, l.SKU, l.UnitPrice, *m.PerItemCap)
			}
			cat := c.Categories[l.SKU]
			mCats := []string(nil)
			if m != nil {
				mCats = m.Categories
			}
			if (len(in.Categories) > 0 || len(in.DenyCat) > 0 || len(mCats) > 0) && cat == "" {
				add(CategoryNotAllowed, "%s %s has no known category and categories are restricted", q.Merchant, l.SKU)
			} else if !allowed(cat, in.Categories, in.DenyCat) || (len(mCats) > 0 && !has(mCats, cat)) {
				add(CategoryNotAllowed, "%s %s is in category %q, which is not allowed", q.Merchant, l.SKU, cat)
			}
		}
		skus := make([]string, 0, len(c.Requested))
		for sku := range c.Requested {
			skus = append(skus, sku)
		}
		sort.Strings(skus)
		for _, sku := range skus {
			if want := c.Requested[sku]; got[sku] != want {
				add(QuantityMismatch, "%s quotes %d × %s, %d requested", q.Merchant, got[sku], sku, want)
			}
		}
	}

	for _, f := range in.Requirements {
		add(f.Code, "%s %s: %s", f.Merchant, f.SKU, f.Detail)
	}

	action := agent.ActionPay
	var refuse, confirm []agent.Reason
	for _, r := range rs {
		switch severity[r.Code] {
		case agent.ActionRefuse:
			refuse = append(refuse, r)
		case agent.ActionConfirm:
			confirm = append(confirm, r)
		}
	}
	switch {
	case len(refuse) > 0:
		action, rs = agent.ActionRefuse, append(refuse, confirm...)
	case len(confirm) > 0:
		action, rs = agent.ActionConfirm, confirm
	default:
		rs = []agent.Reason{{Code: WithinMandate, Detail: fmt.Sprintf("basket %s is within every limit", money(total))}}
	}
	return Decision{Action: action, Reasons: rs, Total: money(total)}
}

func allowed(id string, allow, deny []string) bool {
	if has(deny, id) {
		return false
	}
	return len(allow) == 0 || has(allow, id)
}

func has(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
