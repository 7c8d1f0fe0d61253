package evals

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
)

func fakeRun(id string, trial int, outcome string, opt float64, wall time.Duration) Run {
	r := Run{Scenario: id, Trial: trial, Wall: wall, Reason: outcome + " reason"}
	switch outcome {
	case "completed":
		r.Score.Completed = true
		if opt > 0 {
			r.Score.PriceOptimality = &opt
		}
	case "wrong":
		r.Score.WrongPurchase = true
	case "skipped":
		r.Skipped, r.SkipReason = true, SkipNoBrowser
	}
	return r
}

func TestCompareReportsKinds(t *testing.T) {
	ms := time.Millisecond
	a := &Report{Runs: []Run{
		fakeRun("flip-fail", 1, "completed", 1, 100*ms),
		fakeRun("flip-wrong", 1, "completed", 1, 100*ms),
		fakeRun("pricier", 1, "completed", 1, 100*ms),
		fakeRun("slower", 1, "completed", 1, 400*ms),
		fakeRun("jitter", 1, "completed", 1, 10*ms), // 10ms → 100ms: 10×, but under the floor
		fakeRun("fixed", 1, "failed", 0, 100*ms),
		fakeRun("browserless", 1, "completed", 1, 100*ms),
		fakeRun("gone", 1, "completed", 1, 100*ms),
		fakeRun("same", 1, "completed", 1, 100*ms),
		fakeRun("trials", 1, "completed", 1, 100*ms), fakeRun("trials", 2, "completed", 1, 100*ms),
	}}
	b := &Report{Runs: []Run{
		fakeRun("flip-fail", 1, "failed", 0, 100*ms),
		fakeRun("flip-wrong", 1, "wrong", 0, 100*ms),
		fakeRun("pricier", 1, "completed", 1.25, 100*ms),
		fakeRun("slower", 1, "completed", 1, 1300*ms),
		fakeRun("jitter", 1, "completed", 1, 100*ms),
		fakeRun("fixed", 1, "completed", 1, 100*ms),
		fakeRun("browserless", 1, "skipped", 0, 0),
		fakeRun("new", 1, "completed", 1, 100*ms),
		fakeRun("same", 1, "completed", 1, 110*ms),
		fakeRun("trials", 1, "completed", 1, 100*ms), fakeRun("trials", 2, "failed", 0, 100*ms),
	}}
	got := map[string]Change{}
	for _, c := range CompareReports(a, b, CompareOptions{}) {
		got[c.Scenario+" "+c.Kind] = c
	}
	want := map[string]bool{ // key → regression
		"flip-fail " + ChangeCompletedToFailed:  true,
		"flip-wrong " + ChangeCompletedToFailed: true, "flip-wrong " + ChangeRightToWrong: true,
		"pricier " + ChangeOptimalityDown:     true,
		"slower " + ChangeTimeUp:              true,
		"fixed " + ChangeFailedToCompleted:    false,
		"browserless " + ChangeNoLongerGraded: true,
		"gone " + ChangeOnlyInA:               false,
		"new " + ChangeOnlyInB:                false,
		"trials " + ChangeCompletedToFailed:   true,
	}
	for k, reg := range want {
		c, ok := got[k]
		if !ok {
			t.Errorf("missing change %q", k)
			continue
		}
		if c.Regression != reg {
			t.Errorf("%q: regression %v, want %v", k, c.Regression, reg)
		}
	}
	for k := range got {
		if !want[k] && !strings.HasPrefix(k, "fixed ") && !strings.HasPrefix(k, "gone ") && !strings.HasPrefix(k, "new ") {
			t.Errorf("unexpected change %q: %+v", k, got[k])
		}
	}
	if c := got["trials "+ChangeCompletedToFailed]; c.Detail[:len("completed 2/2 → 1/2")] != "completed 2/2 → 1/2" || c.B == nil || c.B.Trial != 2 || c.A.Trial != 2 {
		t.Errorf("trials: %q, B trial %v (the failed one), A its same trial", c.Detail, c.B)
	}
	if c := got["slower "+ChangeTimeUp]; !strings.Contains(c.Detail, "400ms → 1.3s (3.2×)") {
		t.Errorf("time up detail %q", c.Detail)
	}
}

// `cartwright eval compare` on two results files where one scenario
// regressed: it names it, exits 1, and --html puts both drill-downs side
// by side; comparing a file with itself exits 0.
func TestCLICompare(t *testing.T) {
	dir := suiteDir(t)
	run := func(sys System) string {
		out := filepath.Join(t.TempDir(), "out")
		var o, e bytes.Buffer
		if code := RunCLIWith(context.Background(), []string{"--out", out, "-q", dir}, &o, &e, CLIConfig{System: sys, IsTerminal: func() bool { return false }}); code != 0 {
			t.Fatalf("eval exit %d: %s", code, e.String())
		}
		return filepath.Join(out, "results.json")
	}
	a := run(buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}})
	b := run(buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-WHOLE", Quantity: 2}}})

	page := filepath.Join(t.TempDir(), "compare.html")
	code, out, errs := cli(t, "compare", a, b, "--html", page)
	if code != 1 {
		t.Fatalf("a regression: exit %d, want 1\n%s\n%s", code, out, errs)
	}
	for _, w := range []string{"REGRESSED  good  completed → failed", "REGRESSED  good  right → wrong", "1 scenario(s) regressed, 0 improved", "completion 50.0% → 0.0%"} {
		if !strings.Contains(out, w) {
			t.Errorf("compare output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "bad ") {
		t.Errorf("the unchanged scenario is listed:\n%s", out)
	}
	h, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(h)
	for _, w := range []string{`id="a0"`, `id="b0"`, "A-LAT-OAT at a", "A-LAT-WHOLE at a", "line_matches_no_item", "completed → failed"} {
		if !strings.Contains(html, w) {
			t.Errorf("compare page lacks %q", w)
		}
	}
	if code, out, _ := cli(t, "compare", a, a); code != 0 || !strings.Contains(out, "0 scenario(s) regressed, 0 improved") {
		t.Errorf("A against itself: exit %d\n%s", code, out)
	}
	// improvements alone exit 0
	if code, out, _ := cli(t, "compare", b, a); code != 0 || !strings.Contains(out, "improved  good  failed → completed") {
		t.Errorf("B → A (an improvement): exit %d\n%s", code, out)
	}
	// bad input: named, exit 2, nothing written
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{\n  \"runs\": [\n    {\"scenario\": 3}\n  ]\n}\n"), 0o644)
	if code, _, errs := cli(t, "compare", a, bad); code != 2 || !strings.Contains(errs, "B: "+bad) {
		t.Errorf("bad B: exit %d: %s", code, errs)
	}
	if code, _, errs := cli(t, "compare", a); code != 2 || !strings.Contains(errs, "want two results files") {
		t.Errorf("one file: exit %d: %s", code, errs)
	}
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "c.html")
	if code, _, errs := cli(t, "compare", a, b, "--html", missing); code != 2 || !strings.Contains(errs, "does not exist") {
		t.Errorf("--html into a missing directory: exit %d: %s", code, errs)
	}
}

// Output paths are checked before the first run: a --junit into a missing
// directory fails at once, runs nothing and writes nothing.
func TestCLIOutputPathsCheckedFirst(t *testing.T) {
	dir := suiteDir(t)
	ran := 0
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	for _, args := range [][]string{
		{"--junit", filepath.Join(tmp, "missing", "junit.xml"), "--out", out},
		{"--junit", tmp},
	} {
		var o, e bytes.Buffer
		code := RunCLIWith(context.Background(), append(args, dir), &o, &e, CLIConfig{System: countRuns{&ran}, IsTerminal: func() bool { return false }})
		if code != 2 || ran != 0 || !strings.Contains(e.String(), "--junit") {
			t.Errorf("%v: exit %d, %d runs: %s", args, code, ran, e.String())
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: --out was created although the command failed", args)
		}
	}
	// --junit into --out's directory is fine: --out creates it.
	var o, e bytes.Buffer
	code := RunCLIWith(context.Background(), []string{"--out", out, "--junit", filepath.Join(out, "junit.xml"), "-q", dir}, &o, &e,
		CLIConfig{System: buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}}, IsTerminal: func() bool { return false }})
	if code != 0 {
		t.Fatalf("--junit in --out: exit %d: %s", code, e.String())
	}
	if _, err := os.Stat(filepath.Join(out, "junit.xml")); err != nil {
		t.Fatal(err)
	}
}

// countRuns counts the runs it is asked to do and does nothing.
type countRuns struct{ n *int }

func (c countRuns) Run(ctx context.Context, env *Env) (*agent.Result, error) {
	*c.n++
	return &agent.Result{Status: agent.StatusNoOffers}, nil
}

// The progress bar names the runs in flight, longest-running first, with
// their elapsed time, so a slow scenario is visible while it runs.
func TestProgressBarNamesRunsInFlight(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newProgressBar(&buf, 4)
	p.start, p.now = now, func() time.Time { return now }
	p.started("web-price-rise", 1)
	now = now.Add(40 * time.Second)
	p.started("oat-latte", 2)
	now = now.Add(8 * time.Second)
	p.update(1, 4, Run{Scenario: "oat-latte", Trial: 2, Score: Score{Completed: true}})
	p.started("eggs", 1)
	now = now.Add(3 * time.Second)
	line := p.line()
	for _, w := range []string{"1/4", "completed 1", "51s", "running: web-price-rise 51s, eggs 3s"} {
		if !strings.Contains(line, w) {
			t.Errorf("bar %q lacks %q", line, w)
		}
	}
	if strings.Contains(line, "oat-latte") {
		t.Errorf("a finished run is still shown: %q", line)
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		p.started(id, 1)
	}
	if line := p.line(); !strings.Contains(line, "+3 more") {
		t.Errorf("six in flight: %q", line)
	}
}

// On a terminal the bar is drawn as runs start and finish (and redrawn by
// its ticker in between), naming the runs in flight; it is cleared at the
// end.
func TestCLIProgressOnATerminal(t *testing.T) {
	dir := suiteDir(t)
	var out, errb syncWriter
	sys := buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}}
	code := RunCLIWith(context.Background(), []string{"--trials", "2", "--parallel", "2", dir}, &out, &errb, CLIConfig{System: sys, IsTerminal: func() bool { return true }})
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	e := errb.String()
	for _, w := range []string{"running: ", "good", "bad#2", "4/4  completed 2  wrong 2", "\r\033[K"} {
		if !strings.Contains(e, w) {
			t.Errorf("progress output lacks %q:\n%q", w, e)
		}
	}
	if !strings.HasSuffix(e, "\r\033[K") {
		t.Errorf("the bar is not cleared at the end: %q", e[max(0, len(e)-80):])
	}
}

// syncWriter is a bytes.Buffer safe for concurrent writers.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
