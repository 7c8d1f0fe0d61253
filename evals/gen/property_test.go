package gen_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/evals"
	"github.com/cartwright-agent/cartwright/evals/gen"
)

// propertyCases is how many generated cases the property test runs: 1,000
// in CI (in-process, two runs at a time), fewer under the race detector
// (the same code at a tenth of the speed), CARTWRIGHT_PROPERTY_CASES to
// override.
func propertyCases(t *testing.T) int {
	n := 1000
	if raceEnabled {
		n = 100
	}
	if v := os.Getenv("CARTWRIGHT_PROPERTY_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("CARTWRIGHT_PROPERTY_CASES=%q: want a positive count", v)
		}
	}
	return n
}

// maxViolationRate is the ratchet: the share of runs that may still end in
// a wrong purchase before the test fails (the goal is 0).
const maxViolationRate = 0.09

// TestNoWrongPurchaseProperty is issue 11's property: on worlds no word
// list was written for — invented vocabularies, real words that mean
// something else in another catalog, numbers with units in other notations
// than the catalog's, near-miss products one requirement away from the
// target and cheaper than it — a request that states K of the target's
// requirements in any position (before or after the noun, a trailing
// clause, a second sentence, a negated alternative, a pack count, a price
// bound, a typo'd brand, a list of items) ends with the agent buying
// products that evidence every stated requirement, in the stated quantity
// and within the stated money, or buying nothing. Never anything else.
//
// It runs the real runtime in-process (agent/assemble through the eval
// harness, the offline planner, in-process merchants on loopback) on
// ≥1,000 seeded cases, all phrasing patterns, and grades each run from the
// world's own records (evals.Grade): a run is a violation exactly when the
// grader calls it a wrong purchase.
//
//	go test ./evals/gen -run NoWrongPurchaseProperty -v
//	CARTWRIGHT_PROPERTY_CASES=200 go test ./evals/gen -run NoWrongPurchaseProperty
func TestNoWrongPurchaseProperty(t *testing.T) {
	n := propertyCases(t)
	start := time.Now()
	cs := cases(t, n, gen.Config{Seed: 20261208})
	ss := make([]*evals.Scenario, len(cs))
	byID := map[string]*gen.Case{}
	for i, c := range cs {
		ss[i] = c.Scenario
		byID[c.Scenario.ID] = c
	}
	generated := time.Since(start)
	ks := map[int]int{}
	for _, c := range cs {
		for _, st := range c.Stated {
			ks[len(st)]++
		}
	}
	t.Logf("requirements stated per item (K): %v", ks)
	sys, err := evals.NewAgentSystem(evals.AgentSystemConfig{Planner: "offline"})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := evals.RunSuite(context.Background(), ss, evals.Options{System: sys, Parallel: max(2, runtime.GOMAXPROCS(0)), Planner: "offline", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var bad []evals.Run
	perPattern := map[string][2]int{}
	var broken []string
	for _, r := range runs {
		c := byID[r.Scenario]
		pp := perPattern[c.Pattern]
		pp[0]++
		if r.Score.WrongPurchase {
			bad = append(bad, r)
			pp[1]++
		}
		perPattern[c.Pattern] = pp
		if r.Status == evals.StatusCrashed || r.Status == evals.StatusSetup || r.Status == evals.StatusTimeout {
			broken = append(broken, r.Scenario+": "+r.Status+" "+r.Error)
		}
	}
	t.Logf("%d cases (%d phrasing patterns, %d families): generated in %s, run in %s (%.1f ms per run, %d at a time)",
		n, len(perPattern), len(gen.FamilyNames()), generated.Round(time.Millisecond), time.Since(start).Round(time.Millisecond),
		float64(time.Since(start).Milliseconds())/float64(n), max(2, runtime.GOMAXPROCS(0)))
	for _, b := range broken {
		t.Errorf("harness: %s", b)
	}
	if len(bad) == 0 {
		return
	}
	// The property is "never": the goal is zero. Until the check and the
	// planner reach it, the test is a ratchet at the rate measured when it
	// landed (2026-12-08: 8.4% of 1,000), so any change that lets more
	// wrong purchases through fails; lower the ceiling as the rate falls.
	// The ceiling was measured on the full 1,000 cases; a smaller run (the
	// race detector's 100, or CARTWRIGHT_PROPERTY_CASES) is a different
	// sample, so it reports without judging the rate.
	report := t.Logf
	if rate := float64(len(bad)) / float64(len(runs)); n >= 1000 && rate > maxViolationRate {
		report = t.Errorf
	}
	var pats []string
	for p, v := range perPattern {
		if v[1] > 0 {
			pats = append(pats, fmt.Sprintf("%s %d/%d", p, v[1], v[0]))
		}
	}
	sort.Strings(pats)
	report("%d of %d runs (%.1f%%) bought something the request rules out (ratchet ceiling %.1f%%, goal 0); by pattern: %s",
		len(bad), len(runs), 100*float64(len(bad))/float64(len(runs)), 100*maxViolationRate, strings.Join(pats, ", "))
	for i, r := range bad {
		if i == 15 {
			report("… and %d more (run one with: go run ./cmd/cartwright eval --generate N --seed 20261208 --explain ID)", len(bad)-i)
			break
		}
		c := byID[r.Scenario]
		report("%s\n    request: %q\n    stated:  %v\n    %s", r.Scenario, c.Scenario.Request, c.Stated, r.Reason)
	}
}
