package evals

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/skills"
)

// buysThenSkips changes the world (its inner system buys, or pays x402
// fees) and then reports that Chromium is missing, the error a web-only
// scenario is skipped for.
type buysThenSkips struct{ inner System }

func (s buysThenSkips) Run(ctx context.Context, env *Env) (*agent.Result, error) {
	if _, err := s.inner.Run(ctx, env); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("setup: %w", &assemble.BrowserMissingError{Merchant: "a", Path: "/nonexistent/chromium"})
}

// A run that changed the world (an order, a capture) is graded even when
// the system then reports "no browser": it can never be skipped, and the
// purchase it made is judged like any other.
func TestRunThatBoughtIsNeverSkipped(t *testing.T) {
	lattes := buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}}
	for _, c := range []struct {
		name     string
		scenario string
		wrong    bool
	}{
		{"purchase expected", twoLattes, false},
		{"nothing was to be bought", "request: just browsing\nexpect: {purchase: false}\n", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := scenario(t, c.scenario)
			r := RunOne(context.Background(), s, 1, Options{System: buysThenSkips{lattes}, Timeout: 10 * time.Second})
			if r.Skipped || r.Status == StatusSkipped {
				t.Fatalf("a run that bought ¥31.00 was skipped: %s", r.Reason)
			}
			if r.Charged != cny("31.00") || r.Score.Paid != cny("31.00") {
				t.Fatalf("charged %s, score paid %s: the purchase was not observed", r.Charged, r.Score.Paid)
			}
			if r.Score.Completed {
				t.Errorf("a run that ended in a set-up error after buying counts as completed: %s", r.Reason)
			}
			if r.Score.WrongPurchase != c.wrong {
				t.Errorf("wrong purchase %v, want %v: %v", r.Score.WrongPurchase, c.wrong, r.Score.Wrong)
			}
			if !strings.Contains(r.Error, "Chromium") || !strings.Contains(codes(r.Score.Failures), FailRunError) {
				t.Errorf("error %q, failures %v", r.Error, r.Score.Failures)
			}
			rep := NewReport([]Run{r}, Options{}, time.Now(), time.Second)
			if rep.Overall.Runs != 1 || rep.Overall.Skipped != 0 || (c.wrong && rep.Overall.Wrong != 1) {
				t.Errorf("summary leaves the run out of the rates: %+v", rep.Overall)
			}
		})
	}
}

// x402 fees change the world too: a run that paid for searches and then
// reports "no browser" is graded, its fees on record.
func TestRunThatPaidFeesIsNeverSkipped(t *testing.T) {
	s := feeScenario(t, "request: two oat lattes\nuser: {mandate: {max_total: \"40.00\", confirm_above: \"1.00\"}, answers: {confirm: deny}}\nexpect: {purchase: false}\n")
	sys, err := NewAgentSystem(AgentSystemConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := RunOne(context.Background(), s, 1, Options{System: buysThenSkips{sys}, Timeout: 30 * time.Second})
	if r.Skipped || r.Status == StatusSkipped {
		t.Fatalf("a run that paid x402 fees was skipped: %s", r.Reason)
	}
	if r.Fees.Minor <= 0 || r.Charged.Minor != 0 {
		t.Fatalf("fees %s charged %s: the agent was to search (paying) and be denied", r.Fees, r.Charged)
	}
}

// claimsToAsk says it asked the user for confirmation and clarification,
// and bought, without ever calling the simulated user.
type claimsToAsk struct{ buy buyer }

func (s claimsToAsk) Run(ctx context.Context, env *Env) (*agent.Result, error) {
	res, err := s.buy.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	res.Confirmation = agent.Confirmation{Asked: true, Approved: true}
	res.Clarification = agent.Clarification{Asked: true, Question: "Which milk?", Answer: "oat",
		Exchanges: []agent.Exchange{{Question: "Which milk?", Answer: "oat"}}}
	return res, nil
}

// "Confirmation asked" and "clarification asked" come only from the
// simulated user's own records, never from the system's account of itself.
func TestAskedComesFromTheSimulatedUserOnly(t *testing.T) {
	body := "request: two lattes\nuser: {answers: {confirm: approve, clarify: oat}}\n" +
		"expect: {purchase: true, confirmation: required, clarification: required, items: [{match: {sku: A-LAT-OAT}, quantity: 2}]}\n"
	s := scenario(t, body)
	liar := claimsToAsk{buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}}}
	r := RunOne(context.Background(), s, 1, Options{System: liar, Timeout: 10 * time.Second, Detail: true})
	if r.ConfirmationAsked || r.ClarificationAsked || r.Question != "" {
		t.Fatalf("asked: confirmation %v clarification %v question %q; the simulated user was never asked", r.ConfirmationAsked, r.ClarificationAsked, r.Question)
	}
	if r.Score.Completed {
		t.Fatalf("completed although the required questions were never put to the user: %s", r.Reason)
	}
	for _, code := range []string{FailConfirmation, FailClarification} {
		if !strings.Contains(codes(r.Score.Failures), code) {
			t.Errorf("failures %v lack %s", r.Score.Failures, code)
		}
	}

	// The honest system asks through the simulated user: both count.
	honest := SystemFunc(func(ctx context.Context, env *Env) (*agent.Result, error) {
		if _, err := env.User.Clarify(ctx, "Which milk?", nil); err != nil {
			return nil, err
		}
		return buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}, confirm: true}.Run(ctx, env)
	})
	r = RunOne(context.Background(), s, 1, Options{System: honest, Timeout: 10 * time.Second})
	if !r.ConfirmationAsked || !r.ClarificationAsked || r.Question != "Which milk?" || !r.Score.Completed {
		t.Fatalf("honest asker: confirmation %v clarification %v question %q: %s", r.ConfirmationAsked, r.ClarificationAsked, r.Question, r.Reason)
	}
}
