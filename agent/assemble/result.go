package assemble

import (
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
)

// Fee is one x402 payment made during a session.
type Fee struct {
	SessionID   string       `json:"session_id"`
	Merchant    string       `json:"merchant"` // the payee (payTo)
	Resource    string       `json:"resource"`
	Amount      skills.Money `json:"amount"`
	Network     string       `json:"network"`
	Transaction string       `json:"transaction"`
	HoldID      string       `json:"hold_id"`
	At          time.Time    `json:"at"`
}

// Result is a session's result with the x402 fees it paid. Fees are not
// orders and not part of Charged: Charged is what orders cost, Fees what
// data cost; the money that left the wallet is their sum.
type Result struct {
	*agent.Result
	Fees        skills.Money `json:"fees"`
	FeePayments []Fee        `json:"fee_payments,omitempty"`
}

// Spent is Charged plus Fees: everything that left the wallet in the session.
func (r *Result) Spent() skills.Money {
	s := r.Charged
	if s.Currency == "" {
		s.Currency = r.Fees.Currency
	}
	if r.Fees.Currency == s.Currency {
		s.Minor += r.Fees.Minor
	}
	return s
}
