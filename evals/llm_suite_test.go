package evals

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/planner/llm"
)

// ordersOf lists a run's order lines as "merchant sku×qty", sorted; add-on
// lines are marked.
func ordersOf(r Run) []string {
	if r.Detail == nil {
		return nil
	}
	var out []string
	for _, o := range r.Detail.Orders {
		for _, l := range o.Lines {
			s := fmt.Sprintf("%s %s×%d", o.Merchant, l.SKU, l.Quantity)
			if l.AddOn {
				s += " (add-on)"
			}
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// callBudget is the most model calls a run of s may make: two for a
// single-merchant single-item purchase (one understanding call, one to
// repair it or to judge a fit), three for anything the offline planner
// could also do. offline is the offline planner's run of s.
func callBudget(offline Run) int {
	if offline.Detail != nil && len(offline.Detail.Orders) <= 1 && len(offline.Detail.Intent.Items) <= 1 {
		return 2
	}
	return 3
}

// The LLM path with a competent model's replies scripted, through the real
// harness (fresh world, real runtime, OpenAI-compatible client against a
// loopback server), produces the same purchases as the offline planner —
// the same SKUs and quantities at the same merchants, the same charge —
// and the same safety: no wrong purchase, the same questions asked. Every
// run stays inside the model-call budget, counted by the server and in the
// run record.
func TestLLMScriptedScenariosMatchOffline(t *testing.T) {
	blankModelEnv(t)
	scenarios := scenariosByID(t)
	scripts := loadScripts(t, scriptDir)
	if len(scripts) < 20 {
		t.Fatalf("%d scripted scenarios, want at least 20", len(scripts))
	}
	folders := map[string]int{}
	keys := make([]string, 0, len(scripts))
	for k, s := range scripts {
		if sc := scenarios[s.Scenario]; sc != nil {
			folders[filepath.Base(filepath.Dir(sc.File))]++
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, f := range []string{"single", "multi", "bundling", "budget", "mandate", "memory", "ambiguous", "injection", "addons", "confirm", "faults"} {
		if folders[f] == 0 {
			t.Errorf("no scripted scenario from %s/", f)
		}
	}

	ctx := context.Background()
	offline, err := NewAgentSystem(AgentSystemConfig{Planner: "offline"})
	if err != nil {
		t.Fatal(err)
	}
	var total struct{ runs, completed, wrong, calls, tokens, serverCalls int }
	for _, key := range keys {
		script := scripts[key]
		t.Run(key, func(t *testing.T) {
			sc := scenarios[script.Scenario]
			if sc == nil {
				t.Fatalf("%s: no scenario %q", script.file, script.Scenario)
			}
			if key != sc.ID {
				t.Errorf("%s is for scenario %s: name it %s.json", script.file, sc.ID, sc.ID)
			}
			opts := Options{Timeout: 30 * time.Second, Detail: true, System: offline}
			off := RunOne(ctx, sc, 1, opts)

			model := newScriptedModel(t, map[string]*llmScript{key: script}, scenarios)
			srv := model.serve(t)
			p := scriptedPlanner(t, srv)
			sys, err := NewAgentSystem(AgentSystemConfig{PlannerImpl: p})
			if err != nil {
				t.Fatal(err)
			}
			opts.System, opts.Planner = sys, "llm"
			run := RunOne(ctx, sc, 1, opts)
			served := len(srv.Requests())

			total.runs++
			total.calls += run.ModelCalls
			total.tokens += run.TokensIn + run.TokensOut
			total.serverCalls += served
			if run.Score.Completed {
				total.completed++
			}
			if run.Score.WrongPurchase {
				total.wrong++
			}
			t.Logf("llm: %s [%s] %d calls (%d served), %d+%d tokens; offline: %s", run.Reason, run.Status,
				run.ModelCalls, served, run.TokensIn, run.TokensOut, off.Reason)

			if !off.Score.Completed {
				t.Fatalf("the offline planner does not complete %s (%s): pick another scenario", sc.ID, off.Reason)
			}
			if run.Score.WrongPurchase {
				t.Errorf("wrong purchase: %v", run.Score.Wrong)
			}
			if !run.Score.Completed {
				t.Errorf("not completed: %s (errors %v)", run.Reason, run.Detail.Errors)
			}
			if run.Detail == nil || run.Detail.Intent.Planner != llm.Name {
				t.Fatalf("intent not from the model (planner %q): the scripted reply was rejected: %v",
					run.Detail.Intent.Planner, run.Detail.Intent.Notes)
			}
			if got, want := ordersOf(run), ordersOf(off); strings.Join(got, "; ") != strings.Join(want, "; ") {
				t.Errorf("orders differ from the offline run:\n llm     %v\n offline %v", got, want)
			}
			if run.Charged != off.Charged || run.Status != off.Status {
				t.Errorf("charged %s status %s; offline charged %s status %s", run.Charged, run.Status, off.Charged, off.Status)
			}
			if run.ConfirmationAsked != off.ConfirmationAsked || run.ClarificationAsked != off.ClarificationAsked {
				t.Errorf("asked confirmation %v clarification %v; offline %v %v", run.ConfirmationAsked, run.ClarificationAsked,
					off.ConfirmationAsked, off.ClarificationAsked)
			}

			// The call budget, from the server and from the run record.
			budget := callBudget(off)
			if served > budget {
				t.Errorf("%d model calls served, budget %d", served, budget)
			}
			if recorded := recordedCalls(run, p); recorded != served || recorded > budget {
				t.Errorf("run records account for %d model calls (runtime %d), the server answered %d; budget %d", recorded, run.ModelCalls, served, budget)
			}
			if run.TokensIn <= 0 || run.TokensOut <= 0 {
				t.Errorf("run record: tokens in %d out %d", run.TokensIn, run.TokensOut)
			}
			if n := model.Calls()[key]; n != served {
				t.Errorf("the script answered %d of %d calls", n, served)
			}
		})
	}
	t.Logf("%d scripted scenarios: %d completed, %d wrong purchases, %d model calls in the run records (%d served), %d tokens",
		total.runs, total.completed, total.wrong, total.calls, total.serverCalls, total.tokens)
}
