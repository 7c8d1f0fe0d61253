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
	"unicode"

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
	var pats []string
	for p, v := range perPattern {
		if v[1] > 0 {
			pats = append(pats, fmt.Sprintf("%s %d/%d", p, v[1], v[0]))
		}
	}
	sort.Strings(pats)
	t.Errorf("%d of %d runs (%.1f%%) bought something the request rules out; by pattern: %s",
		len(bad), len(runs), 100*float64(len(bad))/float64(len(runs)), strings.Join(pats, ", "))
	for i, r := range bad {
		if i == 15 {
			t.Errorf("… and %d more (run one with: go run ./cmd/cartwright eval --generate N --seed 20261208 --explain ID)", len(bad)-i)
			break
		}
		c := byID[r.Scenario]
		t.Errorf("%s\n    request: %q\n    stated:  %v\n    %s", r.Scenario, c.Scenario.Request, c.Stated, r.Reason)
	}
}

// FuzzNoWrongPurchase checks the same invariant while the fuzzer mutates
// the seed (a different world and request), the case, and noise put into
// the request between its phrases, in any letter case. The noise keeps
// only letters and light punctuation and drops every word that could
// change what is asked: the world's own catalog words, numbers and number
// words, negations, conjunctions, comparisons and units. So whatever the
// fuzzer writes, the request still states the same requirements, and a
// purchase that misses one of them is a bug.
//
//	go test ./evals/gen -run '^$' -fuzz FuzzNoWrongPurchase -fuzztime 5m -parallel 1
func FuzzNoWrongPurchase(f *testing.F) {
	f.Add(int64(1), uint16(0), "", uint8(0), uint8(0))
	f.Add(int64(7), uint16(3), "uhh, pls", uint8(1), uint8(1))
	f.Add(int64(42), uint16(11), "for my mum!!", uint8(2), uint8(2))
	f.Add(int64(-3), uint16(17), "asap thx", uint8(255), uint8(0))
	f.Add(int64(99), uint16(400), "hmm... I guess", uint8(4), uint8(1))
	sys, err := evals.NewAgentSystem(evals.AgentSystemConfig{Planner: "offline"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, seed int64, index uint16, filler string, slot, mode uint8) {
		c, err := gen.One(gen.Config{Seed: seed}, int(index%1000))
		if err != nil {
			t.Fatal(err)
		}
		s := *c.Scenario
		s.Request = mutate(c, filler, slot, mode)
		r := evals.RunOne(context.Background(), &s, 1, evals.Options{System: sys, Planner: "offline", Seed: 1})
		if r.Status == evals.StatusCrashed {
			t.Fatalf("%s: crashed on %q: %s", s.ID, s.Request, r.Error)
		}
		if r.Score.WrongPurchase {
			t.Fatalf("%s (seed %d, case %d): request %q (stated %v): %s", s.ID, seed, index%1000, s.Request, c.Stated, r.Reason)
		}
	})
}

// mutate puts noise into the request at one of its slots and changes the
// letter case of the whole request (mode 1 upper, 2 lower).
func mutate(c *gen.Case, filler string, slot, mode uint8) string {
	req := c.Scenario.Request
	if n := noise(filler, c.Vocabulary); n != "" && len(c.Slots) > 0 {
		at := c.Slots[int(slot)%len(c.Slots)]
		req = strings.TrimSpace(req[:at] + " " + n + " " + req[at:])
	}
	switch mode % 3 {
	case 1:
		req = strings.ToUpper(req)
	case 2:
		req = strings.ToLower(req)
	}
	return req
}

// meaningful are words of the language that can change what a request
// asks for (quantities, negation, lists, money, comparison, units, sizes):
// noise keeps none of them.
var meaningful = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`not no nope never without dont don't doesnt doesn't isnt isn't won't wont cant can't except nor non neither
		avoid exclude excluding skip instead rather but other others another different anything any whatever whichever either or else
		cancel forget nevermind remove minus less more than under over above below max min least most between from to up down till until
		cheap cheaper cheapest expensive pricey budget tops total each per pack packs ct count pcs pc pk piece pieces set sets x
		and plus also with then too as well one two three four five six seven eight nine ten eleven twelve dozen dozens couple pair pairs
		few several half single double triple quarter both all some many lot lots size sizes eu us uk int ml l liter litre liters litres
		oz ounce ounces fl kg g mg gram grams kilo kilos w watt watts in inch inches cm mm qt quart quarts mah lb lbs pound pounds
		dollar dollars buck bucks euro euros yen yuan peso pesos won rupee rupees quid rs rmb usd eur gbp jpy php cny krw inr
		same only just exactly instead replace swap change first second third last large small big little medium mini extra`) {
		meaningful[w] = true
	}
}

// noise keeps letters, spaces and light punctuation of s, drops every word
// that could change the request's meaning (see meaningful) or that the
// world's catalog uses, and caps the length.
func noise(s string, vocab map[string]bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 128 && unicode.IsLetter(r), r == ' ', r == '!', r == '.', r == ',':
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	var keep []string
	for _, w := range strings.Fields(b.String()) {
		bare := strings.ToLower(strings.Trim(w, "!.,"))
		if len(bare) < 2 || meaningful[bare] || vocab[bare] || vocab[strings.TrimSuffix(bare, "s")] || vocab[strings.TrimSuffix(bare, "es")] {
			continue
		}
		keep = append(keep, w)
		if len(keep) == 6 {
			break
		}
	}
	return strings.Join(keep, " ")
}
