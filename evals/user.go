package evals

import (
	"context"
	"sync"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
)

// SimUser is the simulated user of one run: it answers confirmation requests
// (approve | deny, as the scenario says) and clarification questions (the
// scenario's answer, or nothing), and records what it was asked and what it
// answered. The harness reads "was the user asked" from here, not from the
// runtime's own account.
type SimUser struct {
	confirm string
	answer  string

	mu        sync.Mutex
	proposals []agent.Proposal
	questions []string
	log       []UserExchange
}

// UserExchange is one thing the simulated user was asked and its answer,
// in the order asked.
type UserExchange struct {
	// Kind is "confirm" or "clarify".
	Kind string `json:"kind"`
	// Question is the clarification question; Options the choices offered.
	Question string   `json:"question,omitempty"`
	Options  []string `json:"options,omitempty"`
	// Total and Reasons are what a confirmation request showed.
	Total   *skills.Money  `json:"total,omitempty"`
	Reasons []agent.Reason `json:"reasons,omitempty"`
	// Answer is the reply: "approve" / "deny", the clarification answer,
	// or "" when the user said nothing.
	Answer string `json:"answer"`
}

// Exchange kinds.
const (
	ExchangeConfirm = "confirm"
	ExchangeClarify = "clarify"
)

var (
	_ agent.Confirmer = (*SimUser)(nil)
	_ agent.Clarifier = (*SimUser)(nil)
)

// NewSimUser answers as the scenario's user.answers say.
func NewSimUser(a Answers) *SimUser { return &SimUser{confirm: a.Confirm, answer: a.Clarify} }

// Confirm implements agent.Confirmer.
func (u *SimUser) Confirm(ctx context.Context, p agent.Proposal) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.proposals = append(u.proposals, p)
	ok := u.confirm == ConfirmApprove
	ans := ConfirmDeny
	if ok {
		ans = ConfirmApprove
	}
	total := p.Total
	u.log = append(u.log, UserExchange{Kind: ExchangeConfirm, Total: &total, Reasons: append([]agent.Reason(nil), p.Reasons...), Answer: ans})
	return ok, nil
}

// Clarify implements agent.Clarifier. An empty answer: the user says nothing.
func (u *SimUser) Clarify(ctx context.Context, question string, options []string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.questions = append(u.questions, question)
	u.log = append(u.log, UserExchange{Kind: ExchangeClarify, Question: question, Options: append([]string(nil), options...), Answer: u.answer})
	return u.answer, nil
}

// Asked reports what the user was asked: confirmations and questions.
func (u *SimUser) Asked() (proposals []agent.Proposal, questions []string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]agent.Proposal(nil), u.proposals...), append([]string(nil), u.questions...)
}

// Exchanges returns everything the user was asked, with its answers, in
// order.
func (u *SimUser) Exchanges() []UserExchange {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]UserExchange(nil), u.log...)
}
