package policy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/skills"
)

// WalletView is what the engine reads from the wallet (agent/wallet.*Wallet).
type WalletView interface {
	Available(ctx context.Context) (skills.Money, error)
	Spent(ctx context.Context, from, to time.Time) (skills.Money, error)
}

// Engine is the runtime's policy (agent.Policy): it verifies the session's
// signed mandate against the trusted keys, consults the revocation list and
// the wallet, builds an Input and calls Decide.
type Engine struct {
	Trust  mandate.Trust
	Store  *mandate.Store // revocation list (nil: none consulted)
	Wallet WalletView     // nil: balance and spend unknown → refuse
	// RequireSigned refuses a mandate without a signed document (an
	// unsigned agent.Mandate carries limits nobody can prove the user set).
	RequireSigned bool
	// UserRequiresConfirmation: always ask the user.
	UserRequiresConfirmation bool
	// Predicted, when set, gives each merchant's predicted total for the
	// basket (price_rose); agent.PolicyInput does not carry predictions.
	Predicted func(in agent.PolicyInput) map[string]skills.Money
}

var _ agent.Policy = (*Engine)(nil)

// Decide implements agent.Policy.
func (e *Engine) Decide(ctx context.Context, in agent.PolicyInput) (agent.Decision, error) {
	x, err := e.Input(ctx, in)
	if err != nil {
		return agent.Decision{}, err
	}
	return Decide(x).Agent(), nil
}

// Input builds the typed policy input from the runtime's view.
func (e *Engine) Input(ctx context.Context, in agent.PolicyInput) (Input, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	x := Input{Now: now, Budget: in.Intent.Budget, Merchants: in.Intent.Merch.Allow, DenyMerch: in.Intent.Merch.Deny,
		Categories: in.Intent.Category.Allow, DenyCat: in.Intent.Category.Deny, UserRequiresConfirmation: e.UserRequiresConfirmation,
		Requirements: in.Requirements}
	cur := in.Total.Currency
	if cur == "" {
		cur = in.Intent.Currency
	}
	var intent *mandate.Intent
	if m := in.Mandate; m != nil {
		lim := &Limits{ID: m.ID}
		switch {
		case len(m.Signed) > 0:
			si, err := mandate.ParseSigned("mandate", m.Signed)
			if err != nil {
				lim.Invalid = err.Error()
				break
			}
			intent = &si
			lim = limitsOf(si)
			var ve *mandate.Error
			if err := mandate.VerifyIntent(si, e.Trust, now); err != nil {
				if !(errors.As(err, &ve) && (ve.Code == mandate.CodeExpired || ve.Code == mandate.CodeNotYetValid)) {
					lim.Invalid = err.Error() // expiry is reported by Decide from the limits
				}
			}
		case e.RequireSigned:
			lim.Invalid = "the mandate is not signed"
		default:
			lim.MaxTotal, lim.ConfirmAbove, lim.Merchants, lim.Categories = m.MaxTotal, m.ConfirmAbove, m.Merchants, m.Categories
			lim.RequireConfirmation, lim.ExpiresAt = m.RequireConfirmation, m.ExpiresAt
			if m.MaxTotal != nil {
				lim.Currency = m.MaxTotal.Currency
			}
		}
		if lim.Currency != "" {
			cur = lim.Currency
		}
		if e.Store != nil && lim.ID != "" {
			chk := mandate.Intent{ID: lim.ID}
			if intent != nil {
				chk = *intent // a run mandate is revoked with the mandate it narrows
			}
			id, r, err := e.Store.RevokedChain(ctx, chk)
			if err != nil {
				return Input{}, fmt.Errorf("policy: revocation list: %w", err)
			}
			lim.Revoked, lim.RevokedID = r, id
		}
		x.Mandate = lim
	}
	x.Available, x.SpentInPeriod, x.Paid = skills.M(0, cur), skills.M(0, cur), skills.M(0, cur)
	if e.Wallet != nil {
		a, err := e.Wallet.Available(ctx)
		if err != nil {
			return Input{}, fmt.Errorf("policy: wallet balance: %w", err)
		}
		x.Available = a
		if intent != nil && intent.Budget != nil {
			from, to := intent.Window(now)
			s, err := e.Wallet.Spent(ctx, from, to)
			if err != nil {
				return Input{}, fmt.Errorf("policy: wallet spend: %w", err)
			}
			x.SpentInPeriod = s
		}
	}
	for _, o := range in.Paid {
		x.Paid.Minor += o.Total.Minor - o.Refunded.Minor
	}
	var pred map[string]skills.Money
	if e.Predicted != nil {
		pred = e.Predicted(in)
	}
	for _, q := range in.Quotes {
		c := Cart{Quote: q, Requested: in.Requested[q.Merchant], Categories: map[string]string{}}
		for _, l := range q.Lines {
			if cat, ok := in.Categories[q.Merchant+"/"+l.SKU]; ok {
				c.Categories[l.SKU] = cat
			}
		}
		if p, ok := pred[q.Merchant]; ok {
			c.Predicted = &p
		}
		x.Carts = append(x.Carts, c)
	}
	return x, nil
}

func limitsOf(in mandate.Intent) *Limits {
	l := &Limits{ID: in.ID, Currency: in.Currency, MaxTotal: &in.MaxTotal, PerItemCap: in.PerItemCap, Merchants: in.Merchants,
		Categories: in.Categories, ConfirmAbove: in.ConfirmAbove, RequireConfirmation: in.RequireConfirmation,
		NotBefore: in.NotBefore, ExpiresAt: in.ExpiresAt}
	if in.Budget != nil {
		b := in.Budget.Amount
		l.Budget = &b
	}
	return l
}
