package gen_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/evals"
	"github.com/cartwright-agent/cartwright/evals/gen"
	"github.com/cartwright-agent/cartwright/skills"
)

func cases(t *testing.T, n int, cfg gen.Config) []*gen.Case {
	t.Helper()
	cs, err := gen.Cases(n, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// The same seed gives byte-identical scenario files; another seed another
// suite; case i does not depend on how many cases were asked for.
func TestDeterministic(t *testing.T) {
	a := cases(t, 60, gen.Config{Seed: 7})
	b := cases(t, 80, gen.Config{Seed: 7})
	c := cases(t, 60, gen.Config{Seed: 8})
	same := 0
	for i := range a {
		ya, yb, yc := marshal(t, a[i].Scenario), marshal(t, b[i].Scenario), marshal(t, c[i].Scenario)
		if !bytes.Equal(ya, yb) {
			t.Fatalf("case %d differs between two runs with seed 7:\n%s\n---\n%s", i, ya, yb)
		}
		if bytes.Equal(ya, yc) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d of 60 cases are identical under seeds 7 and 8", same)
	}
}

func marshal(t *testing.T, s *evals.Scenario) []byte {
	t.Helper()
	y, err := evals.MarshalScenario(s)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// Generated → YAML → the strict loader → the same scenario, world and
// grader's catalog included.
func TestRoundTripThroughStrictLoader(t *testing.T) {
	for _, c := range cases(t, 300, gen.Config{Seed: 1}) {
		y := marshal(t, c.Scenario)
		back, err := evals.Parse(c.Scenario.ID+".yaml", y)
		if err != nil {
			t.Fatalf("%s: generated file does not load: %v\n%s", c.Scenario.ID, err, y)
		}
		want := *c.Scenario
		want.File, want.Line = back.File, back.Line
		if !reflect.DeepEqual(&want, back) {
			t.Fatalf("%s: loaded back differently\nwant %#v\ngot  %#v\nworld want %#v\nworld got  %#v", c.Scenario.ID, want, *back, *want.World(), *back.World())
		}
	}
}

// The suite covers what it promises: ≥12 domain families (invented ones
// among them), every phrasing pattern (≥15), currencies including PHP, JPY
// and EUR, purchases and no-purchases, near-miss traps.
func TestCoverage(t *testing.T) {
	if n := len(gen.FamilyNames()); n < 12 {
		t.Errorf("%d families, want ≥ 12", n)
	}
	if n := len(gen.PatternNames()); n < 15 {
		t.Errorf("%d patterns, want ≥ 15", n)
	}
	fams, pats, curs := map[string]int{}, map[string]int{}, map[skills.Currency]int{}
	var buy, none, traps, clar int
	for _, c := range cases(t, 500, gen.Config{Seed: 1}) {
		for _, f := range c.Families {
			fams[f]++
		}
		pats[c.Pattern]++
		curs[c.Scenario.Currency]++
		if c.Scenario.Expect.Purchase {
			buy++
		} else {
			none++
		}
		traps += len(c.Traps)
		if c.Scenario.User.Answers.Clarify != "" {
			clar++
		}
	}
	for _, f := range gen.FamilyNames() {
		if fams[f] == 0 {
			t.Errorf("family %s never drawn in 500 cases", f)
		}
	}
	for _, p := range gen.PatternNames() {
		if pats[p] == 0 {
			t.Errorf("pattern %s never drawn in 500 cases", p)
		}
	}
	for _, c := range []skills.Currency{"PHP", "JPY", "EUR", "USD", "GBP", "KRW"} {
		if curs[c] == 0 {
			t.Errorf("currency %s never drawn in 500 cases", c)
		}
	}
	if buy < 300 || none < 30 || traps < 500 || clar < 15 {
		t.Errorf("500 cases: %d purchases, %d no-purchases, %d traps, %d answered questions: too few of some", buy, none, traps, clar)
	}
}

// Every expectation is right by the grader's own search: a case that
// expects a purchase has a completing basket; a case that expects none
// would have none even if the agent were allowed to buy; every trap is
// forbidden, outside the optimum, and a near-miss differs from what the
// request states in exactly one requirement and is cheaper than the
// target.
func TestExpectationsHold(t *testing.T) {
	for _, c := range cases(t, 500, gen.Config{Seed: 1}) {
		s := c.Scenario
		if s.Expect.Purchase {
			opt, err := evals.CheapestBasket(s)
			if err != nil {
				t.Fatalf("%s: expects a purchase but no basket completes it: %v", s.ID, err)
			}
			for _, p := range opt.Picks {
				for _, tr := range c.Traps {
					if tr.SKU == p.SKU && tr.Merchant == p.Merchant {
						t.Errorf("%s: the optimum buys trap %s", s.ID, p.SKU)
					}
				}
			}
		} else {
			if c.Intended == nil {
				t.Fatalf("%s: expects no purchase without saying what was asked", s.ID)
			}
			alt := *s
			alt.Expect = *c.Intended
			if _, err := evals.CheapestBasket(&alt); !errors.Is(err, evals.ErrNoFeasibleBasket) {
				t.Errorf("%s: expects no purchase, but the world has a basket for what the request asks (err %v)", s.ID, err)
			}
		}
		for _, tr := range c.Traps {
			p, ok := s.Catalog.Product(tr.Merchant, tr.SKU)
			if !ok {
				t.Fatalf("%s: trap %s not in the world", s.ID, tr.SKU)
			}
			if !slices.ContainsFunc(s.Expect.Forbidden, func(m evals.Match) bool { return m.SKU == tr.SKU && m.Merchant == tr.Merchant }) {
				t.Errorf("%s: trap %s is not forbidden", s.ID, tr.SKU)
			}
			miss := 0
			for _, st := range c.Stated[tr.Item] {
				k, v, _ := strings.Cut(st, "=")
				got := p.Attributes[k]
				if k == "brand" {
					got = p.Brand
				}
				if got != v {
					miss++
				}
			}
			var target skills.Product
			if tr.Target != "" {
				var found bool
				for _, m := range s.Catalog.Merchants {
					for _, q := range m.Products {
						if q.SKU == tr.Target {
							target, found = q, true
						}
					}
				}
				if !found {
					t.Fatalf("%s: trap %s imitates %s, which is not in the world", s.ID, tr.SKU, tr.Target)
				}
			}
			switch tr.Kind {
			case gen.TrapNearMiss:
				if miss != 1 {
					t.Errorf("%s: near-miss %s (%v) misses %d of the stated %v, want exactly 1", s.ID, tr.SKU, p.Attributes, miss, c.Stated[tr.Item])
				}
				if tr.Target != "" && p.Price.Minor >= target.Price.Minor {
					t.Errorf("%s: near-miss %s costs %s, not less than the target's %s", s.ID, tr.SKU, p.Price, target.Price)
				}
			case gen.TrapUnderFloor, gen.TrapOtherFit:
				if tr.Kind == gen.TrapUnderFloor && miss != 0 {
					t.Errorf("%s: under-floor copy %s misses %d stated requirements, want 0", s.ID, tr.SKU, miss)
				}
				if tr.Kind == gen.TrapOtherFit && miss != 1 {
					t.Errorf("%s: other-fit %s misses %d stated requirements (the answer included), want 1", s.ID, tr.SKU, miss)
				}
			default:
				t.Errorf("%s: unknown trap kind %q", s.ID, tr.Kind)
			}
		}
		if strings.HasPrefix(c.Pattern, "multi-") && len(c.Stated) < 2 {
			t.Errorf("%s: a list pattern with %d item(s): %q", s.ID, len(c.Stated), s.Request)
		}
		// Slots lie between phrases of the request, in order.
		prev := 0
		for _, at := range c.Slots {
			if at < prev || at > len(s.Request) {
				t.Fatalf("%s: slot %d out of order or range in %q", s.ID, at, s.Request)
			}
			prev = at
		}
	}
}

// The near-miss is cheaper than the right product in every purchase case
// with one item, so a ranker that prefers the cheapest among "close
// enough" products falls into it.
func TestTrapIsCheaperThanOptimum(t *testing.T) {
	checked := 0
	for _, c := range cases(t, 300, gen.Config{Seed: 3}) {
		s := c.Scenario
		if !s.Expect.Purchase || len(s.Expect.Items) != 1 {
			continue
		}
		opt, err := evals.CheapestBasket(s)
		if err != nil {
			t.Fatal(err)
		}
		cheapest := int64(-1)
		for _, tr := range c.Traps {
			if tr.Kind != gen.TrapNearMiss {
				continue
			}
			p, _ := s.Catalog.Product(tr.Merchant, tr.SKU)
			if cheapest < 0 || p.Price.Minor < cheapest {
				cheapest = p.Price.Minor
			}
		}
		if cheapest < 0 {
			continue
		}
		checked++
		if cheapest >= opt.Picks[0].Unit.Minor {
			t.Errorf("%s: the cheapest near-miss (%d) is not cheaper than the optimum's unit price %s", s.ID, cheapest, opt.Picks[0].Unit)
		}
	}
	if checked < 100 {
		t.Errorf("only %d cases checked", checked)
	}
}

func TestUnknownNamesAreErrors(t *testing.T) {
	if _, err := gen.One(gen.Config{Families: []string{"spaceships"}}, 0); err == nil || !strings.Contains(err.Error(), "spaceships") {
		t.Errorf("unknown family: err %v", err)
	}
	if _, err := gen.One(gen.Config{Patterns: []string{"sonnet"}}, 0); err == nil || !strings.Contains(err.Error(), "sonnet") {
		t.Errorf("unknown pattern: err %v", err)
	}
	if _, err := gen.Cases(-1, gen.Config{}); err == nil {
		t.Error("negative count accepted")
	}
}

// `cartwright eval --generate N --seed S --write DIR` writes files that
// the strict loader reads back as the same scenarios; --check validates
// them without running.
func TestCLIGenerateWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	code := evals.RunCLIWith(context.Background(), []string{"--generate", "12", "--seed", "5", "--write", dir, "--check"}, &out, &errb,
		evals.CLIConfig{Generate: gen.Generate})
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) != 12 {
		t.Fatalf("%d files written, want 12", len(files))
	}
	loaded, err := evals.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := gen.Generate(12, 5)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*evals.Scenario{}
	for _, s := range loaded {
		byID[s.ID] = s
	}
	for _, w := range want {
		got := byID[w.ID]
		if got == nil {
			t.Fatalf("%s not written", w.ID)
		}
		ww := *w
		ww.File, ww.Line = got.File, got.Line
		if !reflect.DeepEqual(&ww, got) {
			t.Errorf("%s: loaded from disk differently", w.ID)
		}
	}
	// Writing again refuses to overwrite.
	code = evals.RunCLIWith(context.Background(), []string{"--generate", "1", "--seed", "5", "--write", dir, "--check"}, &out, &errb,
		evals.CLIConfig{Generate: gen.Generate})
	if code != 2 {
		t.Errorf("second --write into the same directory: exit %d, want 2", code)
	}
	// Without a generator wired, the flag is refused, not ignored.
	errb.Reset()
	if code := evals.RunCLIWith(context.Background(), []string{"--generate", "3"}, &out, &errb, evals.CLIConfig{}); code != 2 ||
		!strings.Contains(errb.String(), "--generate") {
		t.Errorf("no generator: exit %d, %q", code, errb.String())
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}
