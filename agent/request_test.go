package agent_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/planner/offline"
	"github.com/cartwright-agent/cartwright/skills"
)

// The runtime's request limit is the offline planner's: every planner gets
// the same bound, and no request the offline planner would refuse gets as
// far as a session.
func TestMaxRequestBytesMatchesOfflinePlanner(t *testing.T) {
	if agent.MaxRequestBytes != offline.MaxRequestBytes {
		t.Fatalf("agent.MaxRequestBytes %d, offline.MaxRequestBytes %d", agent.MaxRequestBytes, offline.MaxRequestBytes)
	}
}

// A bad request is refused before any session exists or any merchant is
// called.
func TestBadRequestsRefusedBeforeAnyWork(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  agent.Request
		want error
	}{
		{"blank", agent.Request{Text: "   \n\t"}, agent.ErrEmptyRequest},
		{"huge", agent.Request{Text: strings.Repeat("two large oat milk lattes ", 4000)}, agent.ErrRequestTooLong},
		{"just over", agent.Request{Text: strings.Repeat("a", agent.MaxRequestBytes+1)}, agent.ErrRequestTooLong},
		{"huge answer", agent.Request{Text: "a latte", Answer: strings.Repeat("oat ", 1001)}, agent.ErrRequestTooLong},
		{"path session", agent.Request{Text: "a latte", SessionID: "../../etc"}, agent.ErrInvalidSessionID},
		{"long session", agent.Request{Text: "a latte", SessionID: strings.Repeat("s", 65)}, agent.ErrInvalidSessionID},
		{"space session", agent.Request{Text: "a latte", SessionID: "s 1"}, agent.ErrInvalidSessionID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, brew, corner := coffeeEnv(t, 40)
			a := e.agent()
			_, err := a.Run(context.Background(), tc.req)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			list, lerr := a.Sessions(context.Background(), "", 10)
			if lerr != nil || len(list) != 0 {
				t.Fatalf("sessions after a refused request: %v %v", list, lerr)
			}
			for _, m := range []string{"info", "search", "quote", "complete"} {
				if brew.count(m)+corner.count(m) != 0 {
					t.Fatalf("%s called for a refused request", m)
				}
			}
		})
	}
	if err := agent.ValidateSessionID(strings.Repeat("A", 64)); err != nil {
		t.Fatal(err)
	}
	if err := agent.ValidateSessionID("s_custom-1"); err != nil {
		t.Fatal(err)
	}
}

// A session id names one request: the same request again replays it, a
// different one under that id is refused and changes nothing.
func TestSessionIDBelongsToOneRequest(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	const text = "two large oat milk lattes under 40 yuan"
	first := run(t, e.agent(), agent.Request{Text: text, SessionID: "s_custom1"})
	if first.Status != agent.StatusBought || first.SessionID != "s_custom1" {
		t.Fatalf("first run %s %s", first.Status, first.SessionID)
	}
	same := run(t, e.agent(), agent.Request{Text: "  " + text + " ", SessionID: "s_custom1"})
	if same.Status != agent.StatusBought || brew.count("complete") != 1 {
		t.Fatalf("same request: %s, %d completions", same.Status, brew.count("complete"))
	}
	for _, req := range []agent.Request{
		{Text: "a large soy milk latte", SessionID: "s_custom1"},
		{Text: text, SessionID: "s_custom1", UserID: "mallory"},
		{Text: text, SessionID: "s_custom1", Answer: "oat"},
	} {
		res, err := e.agent().Run(context.Background(), req)
		var ce *agent.SessionConflictError
		if res != nil || !errors.As(err, &ce) || !errors.Is(err, agent.ErrSessionConflict) || ce.SessionID != "s_custom1" {
			t.Fatalf("%+v: %v %v", req, res, err)
		}
		if want := `session s_custom1 belongs to another request: "` + text + `"`; err.Error() != want {
			t.Fatalf("message %q, want %q", err, want)
		}
	}
	if brew.count("complete") != 1 || brew.orderCount() != 1 {
		t.Fatal("a conflicting request did work")
	}
}

// A completion answered with 503s is retried under its idempotency key
// until it goes through, within CompleteRetries.
func TestCompletionRetriedWhileUnavailable(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	brew.failNext["complete"] = 4
	res := run(t, e.agent(), agent.Request{})
	if res.Status != agent.StatusBought || res.Charged != y(31) || brew.orderCount() != 1 {
		t.Fatalf("status %s charged %s orders %d errors %v", res.Status, res.Charged, brew.orderCount(), res.Errors)
	}
	if brew.count("complete") != 5 || res.Calls.Complete != 5 || res.Calls.Retries != 4 {
		t.Fatalf("complete calls %d, counted %+v", brew.count("complete"), res.Calls)
	}
	if e.available() != y(69) || e.net.total() != 3100 {
		t.Fatalf("wallet %s network %d", e.available(), e.net.total())
	}
}

// A merchant that completes the order but whose answers are lost is asked
// again with the same key: the replay returns the one order.
func TestCompletionRetryAfterLostAnswerBuysOnce(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	lost := 2
	brew.hookAfter["complete"] = func() error {
		if lost > 0 {
			lost--
			return fmt.Errorf("brew: connection reset: %w", skills.ErrUnavailable)
		}
		return nil
	}
	res := run(t, e.agent(), agent.Request{})
	if res.Status != agent.StatusBought || brew.orderCount() != 1 || e.net.total() != 3100 || e.available() != y(69) {
		t.Fatalf("status %s orders %d network %d wallet %s", res.Status, brew.orderCount(), e.net.total(), e.available())
	}
}

// When every retry fails the outcome is unknown: the run stops with an
// error naming the session, which stays resumable, and Resume settles it.
func TestCompletionUnknownAfterRetriesIsResumable(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	brew.failNext["complete"] = 3
	a := e.agent(func(c *agent.Config) { c.CompleteRetries = 2 })
	_, err := a.Run(context.Background(), agent.Request{Text: "two large oat milk lattes under 40 yuan", SessionID: "s_unsettled"})
	var se *agent.SessionError
	if !errors.As(err, &se) || se.SessionID != "s_unsettled" || !errors.Is(err, agent.ErrUnsettled) {
		t.Fatalf("err %v", err)
	}
	if brew.count("complete") != 3 {
		t.Fatalf("complete tried %d times, want 3", brew.count("complete"))
	}
	mid, err := a.Session(context.Background(), "s_unsettled")
	if err != nil || mid.Status != agent.StatusRunning {
		t.Fatalf("session %v %v", mid, err)
	}
	res, err := a.Resume(context.Background(), "s_unsettled")
	if err != nil || res.Status != agent.StatusBought || brew.orderCount() != 1 || e.net.total() != 3100 {
		t.Fatalf("resume: %v %v orders %d", res, err, brew.orderCount())
	}
}
