package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/agent"
)

// Bad requests are usage errors (exit 2) caught before the runtime starts:
// no session, no merchant call.
func TestShopRefusesBadRequests(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"blank", []string{"shop", "   "}, "empty request"},
		{"huge", []string{"shop", strings.Repeat("two large oat milk lattes ", 4000)}, "request too long: 104000 bytes, at most 4000"},
		{"just over", []string{"shop", strings.Repeat("a", agent.MaxRequestBytes+1)}, "request too long"},
		{"path session", []string{"shop", "--session", "../../etc", "a latte"}, `--session: invalid session id "../../etc"`},
		{"empty answer", []string{"shop", "a latte", "--answer", " "}, "--answer #1 is empty"},
		{"two requests", []string{"shop", "a latte", "a tea"}, "want exactly one request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, out, errb := testIO(t)
			code := run(context.Background(), s, tc.args)
			if code != exitUsage || !strings.Contains(errb.String(), tc.want) || out.Len() != 0 {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errb)
			}
			if strings.Contains(errb.String(), "Status:") {
				t.Fatal("a refused request ran")
			}
		})
	}
	s, out, errb := testIO(t)
	if code := run(context.Background(), s, []string{"resume", "../x"}); code != exitUsage || !strings.Contains(errb.String(), "invalid session id") {
		t.Fatalf("resume: exit %d %s %s", code, out, errb)
	}
}

// A session id names one request: the same request again replays the
// session, another one is refused with exit 2 and buys nothing.
func TestShopSessionBelongsToOneRequest(t *testing.T) {
	s, out, errb := testIO(t)
	shop := func(req string) int {
		out.Reset()
		errb.Reset()
		return run(context.Background(), s, []string{"shop", "--yes", "--json", "--session", "s_custom1", req})
	}
	if code := shop("a large soy milk latte"); code != exitBought {
		t.Fatalf("first: exit %d %s %s", code, out, errb)
	}
	var first agent.Result
	if err := json.Unmarshal(out.Bytes(), &first); err != nil || first.SessionID != "s_custom1" || len(first.Orders) != 1 {
		t.Fatalf("first: %v %+v", err, first)
	}
	code := shop("two large oat milk lattes")
	if code != exitUsage || out.Len() != 0 || !strings.Contains(errb.String(), `session s_custom1 belongs to another request: "a large soy milk latte"`) {
		t.Fatalf("different request: exit %d\nstdout %s\nstderr %s", code, out, errb)
	}
	if code := shop("a large soy milk latte"); code != exitBought {
		t.Fatalf("same request: exit %d %s", code, errb)
	}
	var again agent.Result
	if err := json.Unmarshal(out.Bytes(), &again); err != nil || len(again.Orders) != 1 || again.Orders[0].ID != first.Orders[0].ID {
		t.Fatalf("replay: %v %+v", err, again.Orders)
	}
}

// --answer repeats: each answers the next question, and the suggested
// command carries every answer so far plus a placeholder for the new one.
func TestShopAnswersSuccessiveQuestions(t *testing.T) {
	const req = "a phone case and a screen protector"
	s, out, errb := testIO(t)
	code := run(context.Background(), s, []string{"shop", "--yes", req, "--answer", "iPhone 15"})
	want := fmt.Sprintf(`Answer with: cartwright shop %q --answer "iPhone 15" --answer "…"`, req)
	if code != exitClarification || !strings.Contains(out.String(), want) {
		t.Fatalf("one answer: exit %d\nstdout %s\nstderr %s", code, out, errb)
	}
	out.Reset()
	code = run(context.Background(), s, []string{"shop", "--yes", "--json", req, "--answer", "iPhone 15", "--answer", "iPhone 15"})
	var res agent.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errb)
	}
	if code != exitBought || res.Status != agent.StatusBought || len(res.Intent.Items) != 2 || res.Clarification.Answer != "iPhone 15\niPhone 15" {
		t.Fatalf("two answers: exit %d status %s items %d answer %q", code, res.Status, len(res.Intent.Items), res.Clarification.Answer)
	}
}

// A run that stops with its session unfinished names that session, on
// stdout (or in the JSON) and in the message, with the command to resume.
func TestRunErrorNamesTheSession(t *testing.T) {
	err := &agent.SessionError{SessionID: "s_abc123", Err: fmt.Errorf("%w: quickcup: HTTP 503", agent.ErrUnsettled)}
	s, out, errb := testIO(t)
	if code := runError(s, err, false); code != exitError {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "session s_abc123") || !strings.Contains(out.String(), "cartwright resume s_abc123") ||
		!strings.Contains(errb.String(), "cartwright resume s_abc123") || strings.Contains(errb.String(), "<session-id>") {
		t.Fatalf("stdout %s\nstderr %s", out, errb)
	}
	s, out, _ = testIO(t)
	runError(s, err, true)
	var body map[string]string
	if e := json.Unmarshal(out.Bytes(), &body); e != nil || body["session_id"] != "s_abc123" || body["status"] != agent.StatusRunning {
		t.Fatalf("json %v %s", e, out)
	}
	s, out, errb = testIO(t)
	if code := runError(s, errors.New("state database is gone"), false); code != exitError || out.Len() != 0 {
		t.Fatalf("without a session: %d %s %s", code, out, errb)
	}
}

// TestConfirmAboveOverMaxTotalIsAUsageError: a confirmation threshold above
// the run's cap could never apply — refused like the same mandate file,
// before anything is bought; the default threshold with a small cap is fine.
func TestConfirmAboveOverMaxTotalIsAUsageError(t *testing.T) {
	s, out, errb := testIO(t)
	code := run(context.Background(), s, []string{"shop", "--max-total", "500", "--confirm-above", "600", "--no-input", "two large oat milk lattes"})
	if code != exitUsage || !strings.Contains(errb.String(), "confirm_above") {
		t.Fatalf("exit %d: %s %s", code, out, errb)
	}
	if strings.Contains(out.String(), "Receipt") {
		t.Fatal("something was bought")
	}
	s, out, errb = testIO(t)
	if code := run(context.Background(), s, []string{"shop", "--max-total", "40", "--no-input", "two large oat milk lattes"}); code != exitBought {
		t.Fatalf("--max-total 40 alone: exit %d: %s %s", code, out, errb)
	}
}
