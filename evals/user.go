package evals

import (
	"context"
	"sync"

	"github.com/cartwright-agent/cartwright/agent"
)

// SimUser is the simulated user of one run: it answers confirmation requests
// (approve | deny, as the scenario says) and clarification questions (the
// scenario's answer, or nothing), and records what it was asked. The harness
// reads "was the user asked" from here, not from the runtime's own account.
type SimUser struct {
	confirm string
	answer  string

	mu        sync.Mutex
	proposals []agent.Proposal
	questions []string
}

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
	return u.confirm == ConfirmApprove, nil
}

// Clarify implements agent.Clarifier. An empty answer: the user says nothing.
func (u *SimUser) Clarify(ctx context.Context, question string, _ []string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.questions = append(u.questions, question)
	return u.answer, nil
}

// Asked reports what the user was asked: confirmations and questions.
func (u *SimUser) Asked() (proposals []agent.Proposal, questions []string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]agent.Proposal(nil), u.proposals...), append([]string(nil), u.questions...)
}
