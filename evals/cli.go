package evals

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/skills/cliflag"
	"github.com/cartwright-agent/cartwright/skills/safetext"
)

// CLIConfig is what `cartwright eval` needs besides its arguments.
type CLIConfig struct {
	// System is the runtime under test (default NewAgentSystem with the
	// planner named by --planner).
	System System
	// IsTerminal reports whether stderr is a terminal (default: stat).
	IsTerminal func() bool
	// Generate builds n generated scenarios from seed (--generate); nil:
	// the flag is refused. cmd/cartwright wires evals/gen here (that
	// package builds on this one, so it cannot be imported from here).
	Generate func(n int, seed int64) ([]*Scenario, error)
}

const evalUsage = `usage: cartwright eval [flags] PATH...
       cartwright eval compare [flags] A/results.json B/results.json
       cartwright eval --generate N [--seed S] [--write DIR] [flags] [PATH...]

Runs eval scenarios (files or directories of *.yaml) against a fresh mock
world and a fresh runtime each, and reports completion, wrong purchases,
price optimality and pass^k. --out DIR writes results.json and report.html
(a drill-down per run: report.html#run=ID). --generate adds N generated
scenarios (seeded worlds in many domain families with near-miss traps,
requests in many phrasings); --write saves them as scenario files that load
back unchanged. "eval compare" lists the scenarios whose outcome changed
between two results.json files and exits 1 when anything regressed (see
cartwright eval compare --help).

flags:
`

// RunCLI is `cartwright eval`: it parses args, runs (or checks) the
// scenarios, prints the summary to stdout and returns the exit status:
// 0 ok, 1 a --min-completion / --max-wrong-purchase gate missed, 2 bad
// usage or scenario files.
func RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return RunCLIWith(ctx, args, stdout, stderr, CLIConfig{})
}

// RunCLIWith is RunCLI with an explicit configuration (tests, plug-ins).
func RunCLIWith(ctx context.Context, args []string, stdout, stderr io.Writer, cfg CLIConfig) int {
	if len(args) > 0 && args[0] == "compare" {
		return compareCmd(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, evalUsage); fs.PrintDefaults() }
	var (
		check    = fs.Bool("check", false, "validate scenario files (and their optimum baskets) without running")
		trials   = fs.Int("trials", 1, "runs per scenario (k of pass^k)")
		parallel = fs.Int("parallel", 2, "runs at once")
		plan     = fs.String("planner", "offline", "planner: offline | llm")
		seed     = fs.Int64("seed", 1, "base seed (fault injection; same seed, same runs)")
		timeout  = fs.Duration("timeout", 60*time.Second, "per-run time-out")
		out      = fs.String("out", "", "directory for results.json and report.html")
		junit    = fs.String("junit", "", "write a JUnit XML report to this file")
		explain  = fs.String("explain", "", "run one scenario (by id) and explain its score")
		minComp  = fs.Float64("min-completion", -1, "exit 1 when the completion rate is below this (0..1)")
		maxWrong = fs.Float64("max-wrong-purchase", -1, "exit 1 when the wrong-purchase rate is above this (0..1)")
		only     = fs.String("run", "", "only scenarios whose id contains this text")
		tag      = fs.String("tag", "", "only scenarios with this tag")
		quiet    = fs.Bool("q", false, "no progress bar, no failure list")
		generate = fs.Int("generate", 0, "add N generated scenarios (seeded by --seed)")
		write    = fs.String("write", "", "with --generate: write the generated scenarios as *.yaml files into this directory")
	)
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(stdout)
			fs.Usage = func() { fmt.Fprint(stdout, evalUsage); fs.PrintDefaults() }
			break
		}
	}
	paths, err := cliflag.Parse(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(paths) == 0 && *generate == 0 {
		fmt.Fprintln(stderr, "eval: no scenario path given (try: cartwright eval evals/scenarios, or --generate 100)")
		fs.Usage()
		return 2
	}
	if *generate < 0 || *generate > 1_000_000 {
		fmt.Fprintf(stderr, "eval: --generate %d: want a count between 1 and 1000000\n", *generate)
		return 2
	}
	if *write != "" && *generate == 0 {
		fmt.Fprintln(stderr, "eval: --write needs --generate N")
		return 2
	}
	if *plan != "offline" && *plan != "llm" {
		fmt.Fprintf(stderr, "eval: --planner %q: want offline or llm\n", *plan)
		return 2
	}
	if *trials < 1 || *parallel < 1 {
		fmt.Fprintln(stderr, "eval: --trials and --parallel must be at least 1")
		return 2
	}
	if *minComp > 1 || *maxWrong > 1 {
		fmt.Fprintln(stderr, "eval: --min-completion and --max-wrong-purchase are rates between 0 and 1")
		return 2
	}

	var scenarios []*Scenario
	if len(paths) > 0 {
		if scenarios, err = Load(paths...); err != nil {
			fmt.Fprintf(stderr, "eval: %v\n", err)
			return 2
		}
	}
	if *generate > 0 {
		if cfg.Generate == nil {
			fmt.Fprintln(stderr, "eval: --generate is not available in this build")
			return 2
		}
		gs, err := cfg.Generate(*generate, *seed)
		if err != nil {
			fmt.Fprintf(stderr, "eval: --generate: %v\n", err)
			return 2
		}
		if *write != "" {
			if err := WriteScenarios(*write, gs); err != nil {
				fmt.Fprintf(stderr, "eval: --write: %v\n", err)
				return 2
			}
			fmt.Fprintf(stdout, "wrote %d generated scenario(s) to %s\n", len(gs), *write)
		}
		scenarios = append(scenarios, gs...)
	}
	scenarios = filter(scenarios, *only, *tag)
	if len(scenarios) == 0 {
		fmt.Fprintln(stderr, "eval: no scenario left after --run/--tag")
		return 2
	}
	if *check {
		return checkCmd(scenarios, stdout, stderr)
	}
	// Output paths are checked before the first run: a typo must not cost
	// a whole suite's time. --out is created; --junit's directory must
	// exist (or be --out's).
	if *junit != "" {
		err := checkOutputFile(*junit)
		if *out != "" && filepath.Clean(filepath.Dir(*junit)) == filepath.Clean(*out) {
			err = nil
			if st, serr := os.Stat(*junit); serr == nil && st.IsDir() {
				err = fmt.Errorf("%s is a directory", *junit)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "eval: --junit: %v\n", err)
			return 2
		}
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintf(stderr, "eval: --out: %v\n", err)
			return 2
		}
		if err := probeDir(*out, *out); err != nil {
			fmt.Fprintf(stderr, "eval: --out: %v\n", err)
			return 2
		}
	}

	opts := Options{Trials: *trials, Parallel: *parallel, Planner: *plan, Seed: *seed, Timeout: *timeout, System: cfg.System, Detail: *out != ""}
	if opts.System == nil {
		sys, err := NewAgentSystem(AgentSystemConfig{Planner: *plan})
		if err != nil {
			fmt.Fprintf(stderr, "eval: %v\n", err)
			return 2
		}
		opts.System = sys
	}
	if *explain != "" {
		var s *Scenario
		for _, x := range scenarios {
			if x.ID == *explain {
				s = x
			}
		}
		if s == nil {
			fmt.Fprintf(stderr, "eval: --explain %q: no such scenario in %s\n", *explain, strings.Join(paths, " "))
			return 2
		}
		opts.Detail = true
		r := RunOne(ctx, s, 1, opts)
		Explain(stdout, s, r)
		return 0
	}

	isTTY := cfg.IsTerminal
	if isTTY == nil {
		isTTY = func() bool { return isTerminal(stderr) }
	}
	var bar *progressBar
	if !*quiet && isTTY() {
		bar = newProgressBar(stderr, len(scenarios)*opts.Trials)
		opts.Progress, opts.Started = bar.update, bar.started
		bar.run(time.Second)
	}
	start := time.Now()
	runs, err := RunSuite(ctx, scenarios, opts)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		fmt.Fprintf(stderr, "eval: interrupted: %v\n", err)
		return 2
	}
	rep := NewReport(runs, opts, start, time.Since(start))
	if !*quiet {
		rep.WriteFailures(stdout)
		fmt.Fprintln(stdout)
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "eval: %v\n", err)
		return 2
	}
	if *out != "" {
		if err := rep.WriteFiles(*out); err != nil {
			fmt.Fprintf(stderr, "eval: --out: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "wrote %s/results.json and %s/report.html\n", *out, *out)
	}
	if *junit != "" {
		f, err := os.Create(*junit)
		if err == nil {
			err = rep.WriteJUnit(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "eval: --junit: %v\n", err)
			return 2
		}
	}
	code := 0
	if (*minComp >= 0 || *maxWrong >= 0) && rep.Overall.Runs == 0 {
		// every run was skipped: a suite that ran nothing passes no gate
		fmt.Fprintf(stderr, "eval: no run was graded (%d skipped: %s)\n", rep.Overall.Skipped, strings.Join(rep.Overall.SkipReasons, "; "))
		code = 1
	}
	if *minComp >= 0 && rep.Overall.CompletionRate < *minComp {
		fmt.Fprintf(stderr, "eval: completion %s is below --min-completion %s\n", pct(rep.Overall.CompletionRate), pct(*minComp))
		code = 1
	}
	if *maxWrong >= 0 && rep.Overall.WrongPurchaseRate > *maxWrong {
		fmt.Fprintf(stderr, "eval: wrong-purchase rate %s is above --max-wrong-purchase %s\n", pct(rep.Overall.WrongPurchaseRate), pct(*maxWrong))
		code = 1
	}
	return code
}

// WriteScenarios writes each scenario as <dir>/<id>.yaml (creating dir),
// in the scenario file format; Load reads them back unchanged. An existing
// file is not overwritten.
func WriteScenarios(dir string, ss []*Scenario) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range ss {
		b, err := MarshalScenario(s)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(filepath.Join(dir, s.ID+".yaml"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = f.Write(b)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func filter(ss []*Scenario, only, tag string) []*Scenario {
	if only == "" && tag == "" {
		return ss
	}
	var out []*Scenario
	for _, s := range ss {
		if only != "" && !strings.Contains(s.ID, only) {
			continue
		}
		if tag != "" && !slices.Contains(s.Tags, tag) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// checkCmd validates without running: every file loaded; for scenarios that
// expect a purchase, the optimum basket is computed and printed so a suite
// author can double-check the expectation by hand.
func checkCmd(ss []*Scenario, stdout, stderr io.Writer) int {
	bad := 0
	for _, s := range ss {
		if !s.Expect.Purchase {
			fmt.Fprintf(stdout, "ok  %-40s no purchase expected\n", s.ID)
			continue
		}
		opt, err := CheapestBasket(s)
		if err != nil {
			bad++
			fmt.Fprintf(stderr, "%s:%d: expect: no basket in the world completes this scenario: %v\n", s.File, s.Line, err)
			continue
		}
		if c := s.Expect.CheapestTotal; c != nil && *c != opt.Total {
			bad++
			fmt.Fprintf(stderr, "%s:%d: expect.cheapest_total: %s given, the exhaustive search finds %s (%s)\n", s.File, s.Line, c, opt.Total, describePicks(opt.Picks))
			continue
		}
		fmt.Fprintf(stdout, "ok  %-40s optimum %s: %s\n", s.ID, opt.Total, describePicks(opt.Picks))
	}
	fmt.Fprintf(stdout, "%d scenario(s) checked, %d problem(s)\n", len(ss), bad)
	if bad > 0 {
		return 2
	}
	return 0
}

func describePicks(ps []Pick) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%s %s×%d@%s", p.Merchant, p.SKU, p.Quantity, p.Unit.Decimal())
	}
	return strings.Join(parts, ", ")
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one line on a terminal: how far the suite is, what
// completed and went wrong so far, the elapsed time, and the runs in flight
// with how long each has been running (longest first), so a slow scenario
// is named while it runs. It redraws every second between completions.
type progressBar struct {
	w     io.Writer
	start time.Time
	now   func() time.Time // default time.Now

	mu          sync.Mutex
	done, total int
	ok, wrong   int
	inflight    map[string]time.Time
	stop        chan struct{}
	stopped     sync.WaitGroup
}

func newProgressBar(w io.Writer, total int) *progressBar {
	return &progressBar{w: w, start: time.Now(), now: time.Now, total: total, inflight: map[string]time.Time{}}
}

// run redraws every interval until finish.
func (p *progressBar) run(interval time.Duration) {
	p.stop = make(chan struct{})
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.draw()
				p.mu.Unlock()
			}
		}
	}()
}

func runName(id string, trial int) string {
	if trial > 1 {
		return fmt.Sprintf("%s#%d", id, trial)
	}
	return id
}

// started records a run going into flight.
func (p *progressBar) started(id string, trial int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight[runName(id, trial)] = p.now()
	p.draw()
}

func (p *progressBar) update(done, total int, r Run) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.inflight, runName(r.Scenario, r.Trial))
	p.done, p.total = done, total
	if r.Score.Completed {
		p.ok++
	}
	if r.Score.WrongPurchase {
		p.wrong++
	}
	p.draw()
}

// line is the bar's text (without the carriage return).
func (p *progressBar) line() string {
	const width = 30
	fill := width * p.done / max(p.total, 1)
	now := p.now()
	var b strings.Builder
	fmt.Fprintf(&b, "[%s%s] %d/%d  completed %d  wrong %d  %s", strings.Repeat("#", fill), strings.Repeat(".", width-fill),
		p.done, p.total, p.ok, p.wrong, now.Sub(p.start).Round(time.Second))
	names := make([]string, 0, len(p.inflight))
	for n := range p.inflight {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if a, b := p.inflight[names[i]], p.inflight[names[j]]; !a.Equal(b) {
			return a.Before(b)
		}
		return names[i] < names[j]
	})
	const shown = 3
	for i, n := range names {
		if i == shown {
			fmt.Fprintf(&b, " +%d more", len(names)-shown)
			break
		}
		sep := ", "
		if i == 0 {
			sep = "  running: "
		}
		fmt.Fprintf(&b, "%s%s %s", sep, safetext.Line(n), now.Sub(p.inflight[n]).Round(time.Second))
	}
	return b.String()
}

func (p *progressBar) draw() { fmt.Fprint(p.w, "\r\033[K"+p.line()) }

func (p *progressBar) finish() {
	if p.stop != nil {
		close(p.stop)
		p.stopped.Wait()
	}
	fmt.Fprint(p.w, "\r\033[K")
}
