package evals

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/skills/browser"
)

// The public suite loads, and every expectation was computed twice: the
// suite author's cheapest_total (computed independently of this package)
// must equal this package's exhaustive search.
func TestPublicSuite(t *testing.T) {
	ss, err := Load("scenarios")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) < 120 {
		t.Errorf("public suite has %d scenarios, want at least 120", len(ss))
	}
	tags := map[string]int{}
	for _, s := range ss {
		for _, tg := range s.Tags {
			tags[tg]++
		}
		if len(s.Tags) == 0 {
			t.Errorf("%s: untagged", s.ID)
		}
		if !s.Expect.Purchase {
			continue
		}
		if s.Expect.CheapestTotal == nil {
			t.Errorf("%s: purchase expected but no cheapest_total to check the search against", s.ID)
			continue
		}
		opt, err := CheapestBasket(s)
		if err != nil {
			t.Errorf("%s: %v", s.ID, err)
			continue
		}
		if opt.Total != *s.Expect.CheapestTotal {
			t.Errorf("%s: cheapest_total %s, exhaustive search %s (%s)", s.ID, s.Expect.CheapestTotal, opt.Total, describePicks(opt.Picks))
		}
	}
	for _, want := range []string{"single", "multi", "bundling", "budget", "mandate", "memory", "allergy", "size", "brand", "address",
		"ambiguous", "faults", "503", "latency", "price-change", "stock-out", "injection", "addons", "confirm"} {
		if tags[want] == 0 {
			t.Errorf("no scenario tagged %q", want)
		}
	}
}

// The public suite runs against the real runtime without harness errors:
// every run is set up, finishes and is scored (one scenario per theme
// folder here; the benchmark runs them all). Without Chromium the web
// scenario is skipped with its reason.
func TestPublicSuiteRunsAgainstRuntime(t *testing.T) {
	ss, err := Load("scenarios")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var pick []*Scenario
	for _, s := range ss {
		dir := filepath.Dir(s.File)
		if !seen[dir] {
			seen[dir] = true
			pick = append(pick, s)
		}
	}
	runs, err := RunSuite(context.Background(), pick, Options{Parallel: 2, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, haveChromium := browser.ExecPath()
	for _, r := range runs {
		if r.Skipped {
			// only a web scenario without Chromium may be skipped (in CI
			// Chromium is installed and every web scenario runs)
			if haveChromium || r.SkipReason != SkipNoBrowser {
				t.Errorf("%s: skipped (%s) with Chromium installed=%v: %s", r.Scenario, r.SkipReason, haveChromium, r.Error)
			}
			t.Logf("%-32s skipped: %s", r.Scenario, r.SkipReason)
			continue
		}
		switch r.Status {
		case StatusSetup, StatusCrashed, StatusTimeout, "":
			t.Errorf("%s: harness-level failure %q: %s", r.Scenario, r.Status, r.Error)
		}
		if r.Reason == "" || r.Wall <= 0 {
			t.Errorf("%s: run not scored", r.Scenario)
		}
		t.Logf("%-32s %-20s %s", r.Scenario, r.Status, r.Reason)
	}
}
