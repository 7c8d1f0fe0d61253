// Package agent is the session runtime: it runs understand → search →
// compare → bundle → pay for one request, persists its state before every
// side effect so a crashed run resumes without paying twice, and asks the
// policy engine, the user and the payment rail before any money moves.
//
// This file names the runtime's collaborators. Their implementations live in
// sub-packages (agent/wallet, agent/policy, agent/audit, agent/mandate) and
// in skills/pay; the runtime depends only on these interfaces.
package agent

import (
	"context"
	"errors"

	"github.com/cartwright-agent/cartwright/skills"
)

// Wallet is the agent's isolated spending balance (the "AI card" quota):
// a ledger separate from anything else the user owns. Every mutating call is
// idempotent on its key.
type Wallet interface {
	// Hold reserves amount for a payment; it fails with ErrInsufficientFunds
	// or a limit error and then reserves nothing.
	Hold(ctx context.Context, key string, amount skills.Money, memo string) (holdID string, err error)
	// Capture settles (part of) a hold; the rest of the hold is released.
	Capture(ctx context.Context, key, holdID string, amount skills.Money) error
	// Release frees a hold without spending it.
	Release(ctx context.Context, key, holdID string) error
	// Refund returns money from a captured payment to the wallet.
	Refund(ctx context.Context, key, holdID string, amount skills.Money) error
	// Available is the balance minus open holds.
	Available(ctx context.Context) (skills.Money, error)
}

// ErrInsufficientFunds: the wallet cannot cover the amount.
var ErrInsufficientFunds = errors.New("insufficient funds in agent wallet")

// Confirmer asks the user to approve a payment the policy will not make on
// its own. A denial (false, nil) charges nothing.
type Confirmer interface {
	Confirm(ctx context.Context, p Proposal) (bool, error)
}

// Clarifier asks the user a clarification question; an empty answer means
// the user said nothing.
type Clarifier interface {
	Clarify(ctx context.Context, question string, options []string) (string, error)
}

// Proposal is what the user is asked to approve: the whole basket.
type Proposal struct {
	SessionID string         `json:"session_id"`
	Request   string         `json:"request"`
	Quotes    []skills.Quote `json:"quotes"`
	Total     skills.Money   `json:"total"`
	Reasons   []Reason       `json:"reasons"`
}
