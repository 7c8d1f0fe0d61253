package policy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

// HeldView is implemented by wallets that report money on open holds
// (agent/wallet.*Wallet); the x402 approver counts it against the budget.
type HeldView interface {
	Held(ctx context.Context) (skills.Money, error)
}

// CategoryX402 is the category of machine payments: a mandate that
// restricts categories must list it to allow x402 payments.
const CategoryX402 = "x402"

// X402Approver is the approval callback for skills/pay.X402Transport: a
// machine payment is decided by Decide against the same signed mandate as
// any purchase, as a one-line cart from the payee — the payee must be an
// allowed merchant, the amount within the maximum and the per-item cap, the
// mandate valid and not revoked, the wallet able to pay, and what was spent
// in the budget period plus money on open holds plus this charge within the
// budget. A charge that would need the user's confirmation is refused: no
// one is asked about a background data fee. Without a mandate nothing is
// approved.
func (e *Engine) X402Approver(m *agent.Mandate, clock func() time.Time) func(ctx context.Context, c pay.X402Charge) error {
	if clock == nil {
		clock = time.Now
	}
	return func(ctx context.Context, c pay.X402Charge) error {
		q := skills.Quote{ID: "x402", Merchant: c.PayTo, Total: c.Amount, Subtotal: c.Amount,
			Lines: []skills.QuoteLine{{SKU: c.Resource, Title: "x402 " + c.Resource, Quantity: 1, UnitPrice: c.Amount, Total: c.Amount}}}
		in := agent.PolicyInput{Mandate: m, Now: clock(), Quotes: []skills.Quote{q}, Total: c.Amount,
			Requested:  map[string]map[string]int{c.PayTo: {c.Resource: 1}},
			Categories: map[string]string{c.PayTo + "/" + c.Resource: CategoryX402}}
		in.Intent.Currency = c.Amount.Currency
		x, err := e.Input(ctx, in)
		if err != nil {
			return err
		}
		if hv, ok := e.Wallet.(HeldView); ok {
			held, err := hv.Held(ctx)
			if err != nil {
				return err
			}
			if held.Currency == x.SpentInPeriod.Currency {
				x.SpentInPeriod.Minor += held.Minor
			}
		}
		d := Decide(x)
		if d.Action == agent.ActionPay {
			return nil
		}
		var parts []string
		for _, r := range d.Reasons {
			parts = append(parts, r.Code+": "+r.Detail)
		}
		return fmt.Errorf("%s %s to %s: %s", d.Action, c.Amount, c.PayTo, strings.Join(parts, "; "))
	}
}
