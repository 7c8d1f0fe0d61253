package evals

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner/llm"
)

// scriptedSuite starts one scripted model for every competent script and
// returns it with the scenario files the scripts are for.
func scriptedSuite(t *testing.T) (*scriptedModel, string, []string, map[string]*Scenario) {
	t.Helper()
	scenarios := scenariosByID(t)
	scripts := loadScripts(t, scriptDir)
	model := newScriptedModel(t, scripts, scenarios)
	srv := model.serve(t)
	var files []string
	for _, s := range scripts {
		files = append(files, scenarios[s.Scenario].File)
	}
	sort.Strings(files)
	return model, srv.URL, files, scenarios
}

// checkEvalOutput checks what `cartwright eval --planner llm` reports: the
// summary on stdout (completion, wrong purchases, optimality, pass^k) and,
// in results.json, model calls and tokens overall and per run, with every
// run inside its call budget.
func checkEvalOutput(t *testing.T, stdout, outDir string, wantRuns int, scenarios map[string]*Scenario) {
	t.Helper()
	for _, re := range []string{
		`completion 100\.0%`, `wrong-purchase 0\.0%`, `mean price optimality 1\.000`, `wall clock, [0-9.]+m?s summed run time`,
		`\(` + strconv.Itoa(wantRuns) + ` runs of ` + strconv.Itoa(wantRuns) + ` scenarios, planner llm,`,
	} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("stdout lacks %s:\n%s", re, stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(outDir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	o := rep.Overall
	if want := fmt.Sprintf("model calls %d (%.2f per run)  tokens %d (%d per run)", o.ModelCalls, float64(o.ModelCalls)/float64(max(o.Runs, 1)), o.Tokens, o.Tokens/max(o.Runs, 1)); !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	if rep.Planner != "llm" || o.Runs != wantRuns || o.Completed != wantRuns || o.Wrong != 0 {
		t.Errorf("results.json: planner %q, %d runs, %d completed, %d wrong", rep.Planner, o.Runs, o.Completed, o.Wrong)
	}
	if o.ModelCalls < wantRuns || o.Tokens <= 0 {
		t.Errorf("results.json: %d model calls and %d tokens over %d runs", o.ModelCalls, o.Tokens, wantRuns)
	}
	calls, tokens := 0, 0
	for _, r := range rep.Runs {
		calls += r.ModelCalls
		tokens += r.TokensIn + r.TokensOut
		if r.Detail == nil || r.Detail.Intent.Planner != llm.Name {
			t.Errorf("%s: intent not from the model", r.Scenario)
			continue
		}
		// The call budget: two for a single-merchant single-item purchase,
		// three for anything the offline planner could also do (all of these).
		budget := 3
		if len(r.Detail.Orders) <= 1 && len(r.Detail.Intent.Items) <= 1 {
			budget = 2
		}
		if r.ModelCalls < 1 || r.ModelCalls > budget || r.TokensIn <= 0 || r.TokensOut <= 0 {
			t.Errorf("%s: %d model calls (budget %d), %d+%d tokens", r.Scenario, r.ModelCalls, budget, r.TokensIn, r.TokensOut)
		}
		if scenarios[r.Scenario] == nil {
			t.Errorf("results.json names unknown scenario %q", r.Scenario)
		}
	}
	if calls != o.ModelCalls || tokens != o.Tokens {
		t.Errorf("overall %d calls %d tokens; runs add up to %d and %d", o.ModelCalls, o.Tokens, calls, tokens)
	}
	if line := regexp.MustCompile(`(?m)^completion .*$`).FindString(stdout); line != "" {
		t.Logf("summary: %s", line)
	}
	t.Logf("%d runs: %d model calls, %d tokens (%.1f calls, %d tokens per run)", o.Runs, o.ModelCalls, o.Tokens,
		float64(o.ModelCalls)/float64(o.Runs), o.Tokens/o.Runs)
}

// `cartwright eval --planner llm` against an OpenAI-compatible endpoint
// configured only through the environment (OPENAI_BASE_URL, CARTWRIGHT_MODEL):
// the CLI's own code path, in process, against the scripted model on
// loopback, several runs at once.
func TestLLMEvalCLIConfiguredByEnvironment(t *testing.T) {
	blankModelEnv(t)
	model, url, files, scenarios := scriptedSuite(t)
	t.Setenv(llm.EnvBaseURL, url)
	t.Setenv(llm.EnvModel, "scripted")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := append([]string{"--planner", "llm", "--parallel", "2", "-q", "--out", out}, files...)
	if code := RunCLI(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	checkEvalOutput(t, stdout.String(), out, len(files), scenarios)
	served := 0
	for _, n := range model.Calls() {
		served += n
	}
	if served < len(files) {
		t.Errorf("the scripted model answered %d calls for %d runs", served, len(files))
	}
}

// Without an endpoint, `--planner llm` is a clear usage error, not a silent
// fall back to the offline planner.
func TestLLMEvalCLINeedsAnEndpoint(t *testing.T) {
	blankModelEnv(t)
	var stdout, stderr bytes.Buffer
	code := RunCLI(context.Background(), []string{"--planner", "llm", "scenarios/single/eggs-10.yaml"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "no model configured") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// The real binary: `cartwright eval --planner llm` built from cmd/cartwright
// and run with OPENAI_BASE_URL pointing at the scripted model on loopback
// (and every other model variable blanked).
func TestLLMEvalBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/cartwright; skipped with -short")
	}
	goTool, err := exec.LookPath(filepath.Join(runtime.GOROOT(), "bin", "go"))
	if err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go tool to build cmd/cartwright with")
		}
	}
	blankModelEnv(t)
	bin := filepath.Join(t.TempDir(), "cartwright")
	build := exec.Command(goTool, "build", "-o", bin, "../cmd/cartwright")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/cartwright: %v\n%s", err, b)
	}
	_, url, files, scenarios := scriptedSuite(t)
	out := t.TempDir()
	args := append([]string{"eval", "--planner", "llm", "--parallel", "2", "-q", "--out", out}, files...)
	cmd := exec.Command(bin, args...)
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OPENAI_") || strings.HasPrefix(k, "CARTWRIGHT_") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, llm.EnvBaseURL+"="+url, llm.EnvModel+"=scripted", "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cartwright eval: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	checkEvalOutput(t, stdout.String(), out, len(files), scenarios)
}

// TestSummaryWarnsOfPlannerFallbacks: a run whose intent came from the
// offline fallback is counted, and the summary says so, so an "llm" report
// cannot silently be an offline one.
func TestSummaryWarnsOfPlannerFallbacks(t *testing.T) {
	runs := []Run{
		{Scenario: "a", Planner: "llm", PlannerUsed: "llm", ModelCalls: 1},
		{Scenario: "b", Planner: "llm", PlannerUsed: "llm→offline", ModelCalls: 2},
	}
	rep := &Report{Planner: "llm", Trials: 1, Overall: Summarize("overall", runs, 1)}
	if rep.Overall.Fallbacks != 1 {
		t.Fatalf("fallbacks %d, want 1", rep.Overall.Fallbacks)
	}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "warning: 1 of 2 runs fell back to the offline planner") {
		t.Fatalf("summary lacks the fallback warning:\n%s", b.String())
	}
}
