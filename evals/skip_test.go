package evals

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/skills"
)

// A web scenario run without Chromium is skipped with the reason, not
// failed: it counts in no rate, the summary and JUnit say so, and the
// scenario is never graded without its web shop.
func TestWebScenarioWithoutChromiumIsSkipped(t *testing.T) {
	t.Setenv("CARTWRIGHT_CHROMIUM", "/nonexistent/chromium")
	web, err := Load("scenarios/web")
	if err != nil {
		t.Fatal(err)
	}
	api, err := Load("scenarios/single")
	if err != nil {
		t.Fatal(err)
	}
	var webOne *Scenario
	for _, s := range web {
		if s.World().HasWeb() {
			webOne = s
			break
		}
	}
	if webOne == nil {
		t.Fatal("no scenario in scenarios/web has a web-only merchant")
	}
	runs, err := RunSuite(context.Background(), []*Scenario{webOne, api[0]}, Options{Trials: 2, Parallel: 2, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Scenario != webOne.ID {
			if r.Skipped || !r.Score.Completed {
				t.Errorf("%s#%d: API scenario not completed: %s", r.Scenario, r.Trial, r.Reason)
			}
			continue
		}
		if !r.Skipped || r.Status != StatusSkipped || r.SkipReason != SkipNoBrowser || !strings.Contains(r.Error, "/nonexistent/chromium") {
			t.Errorf("%s#%d: skipped=%v status=%q reason=%q error=%q", r.Scenario, r.Trial, r.Skipped, r.Status, r.SkipReason, r.Error)
		}
		if r.Score.Completed || r.Score.WrongPurchase || r.Charged.Minor != 0 || r.MerchantCalls != 0 {
			t.Errorf("%s#%d: a skipped run was graded or ran: %+v", r.Scenario, r.Trial, r.Score)
		}
	}
	rep := NewReport(runs, Options{Trials: 2, Planner: "offline"}, time.Now(), time.Second)
	o := rep.Overall
	if o.Runs != 2 || o.Skipped != 2 || o.Scenarios != 1 || o.CompletionRate != 1 || o.WrongPurchaseRate != 0 || o.PassK != 1 {
		t.Errorf("summary counts skipped runs: %+v", o)
	}
	var table, fails, junit bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if want := "2 runs skipped: Chromium not installed (scripts/install-chromium.sh)"; !strings.Contains(table.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, table.String())
	}
	rep.WriteFailures(&fails)
	if !strings.Contains(fails.String(), "SKIP  "+webOne.ID+"#1 [skipped]") || strings.Contains(fails.String(), "FAIL") {
		t.Errorf("failures list:\n%s", fails.String())
	}
	if err := rep.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(junit.String(), `<skipped message="Chromium not installed`); got != 2 || strings.Contains(junit.String(), "<failure") ||
		!strings.Contains(junit.String(), `skipped="2"`) {
		t.Errorf("JUnit: %d skipped cases:\n%s", got, junit.String())
	}
}

// noBrowser skips the scenarios whose id contains skip (as the agent system
// does without Chromium) and buys two lattes in the others.
type noBrowser struct {
	skip string
	buy  buyer
}

func (s noBrowser) Run(ctx context.Context, env *Env) (*agent.Result, error) {
	if strings.Contains(env.Scenario.ID, s.skip) {
		return nil, fmt.Errorf("setup: %w", &assemble.BrowserMissingError{Merchant: "a", Path: "/nonexistent/chromium"})
	}
	return s.buy.Run(ctx, env)
}

// --min-completion is over the runs that ran; a suite where every run was
// skipped passes no gate.
func TestCLIGatesIgnoreSkippedButFailWhenNothingRan(t *testing.T) {
	dir := suiteDir(t) // good (completes) and bad (a wrong purchase)
	buy := buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}}
	for _, tc := range []struct {
		skip     string
		args     []string
		code     int
		out, err string
	}{
		{skip: "bad", args: []string{"--min-completion", "1", "--max-wrong-purchase", "0"}, code: 0, out: "1 runs skipped: " + SkipNoBrowser},
		{skip: "good", args: []string{"--max-wrong-purchase", "0.5"}, code: 1, out: "wrong-purchase 100.0%"},
		{skip: "", args: []string{"--min-completion", "0"}, code: 1, err: "no run was graded (2 skipped"},
		{skip: "", args: nil, code: 0, out: "2 runs skipped"},
	} {
		var out, errb bytes.Buffer
		args := append(append([]string(nil), tc.args...), dir)
		code := RunCLIWith(context.Background(), args, &out, &errb, CLIConfig{System: noBrowser{skip: tc.skip, buy: buy}, IsTerminal: func() bool { return false }})
		if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.err) {
			t.Errorf("skip %q %v: exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", tc.skip, tc.args, code, tc.code, out.String(), errb.String())
		}
	}
}
