package evals

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/storefront"
	"github.com/cartwright-agent/cartwright/skills"
)

// Harness statuses for runs the harness had to stop.
const (
	StatusCrashed = "crashed"
	StatusTimeout = "timeout"
	StatusSetup   = "setup_failed"
	// StatusSkipped: the scenario needs a component that is not installed
	// (Chromium for a web-only merchant); Run.SkipReason says which.
	StatusSkipped = "skipped"
)

// SkipNoBrowser is the reason of a run skipped because Chromium is absent.
const SkipNoBrowser = "Chromium not installed (scripts/install-chromium.sh)"

// Options configure RunSuite and RunOne.
type Options struct {
	Trials   int           // runs per scenario (default 1)
	Parallel int           // runs at once (default 1)
	Planner  string        // offline | llm (default offline)
	Seed     int64         // base seed; each run derives its own (default 1)
	Timeout  time.Duration // per run (default 60s)
	// System is the runtime under test (default: the Cartwright agent,
	// wired by NewAgentSystem).
	System System
	// Progress is called after every run (from one goroutine at a time).
	Progress func(done, total int, r Run)
	// Started is called as each run starts (from several goroutines at
	// once when Parallel > 1).
	Started func(scenario string, trial int)
	// Detail keeps the runtime's account (intent, offers, basket) per run.
	Detail bool
}

func (o *Options) defaults() {
	if o.Trials <= 0 {
		o.Trials = 1
	}
	if o.Parallel <= 0 {
		o.Parallel = 1
	}
	if o.Planner == "" {
		o.Planner = "offline"
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
}

// System is the runtime under test: it runs one scenario's request in the
// environment the harness prepared (a fresh started world, a state
// directory, the simulated user) and returns the runtime's account.
type System interface {
	Run(ctx context.Context, env *Env) (*agent.Result, error)
}

// SystemFunc adapts a function to System.
type SystemFunc func(ctx context.Context, env *Env) (*agent.Result, error)

// Run calls f.
func (f SystemFunc) Run(ctx context.Context, env *Env) (*agent.Result, error) { return f(ctx, env) }

// Env is one run's fresh environment.
type Env struct {
	Scenario *Scenario
	Trial    int
	Seed     int64
	Planner  string
	// World is the scenario's world, started for this run only.
	World *merchants.Running
	// Dir is an empty directory for this run's state (the SQLite file).
	Dir string
	// User is the simulated user (agent.Confirmer and agent.Clarifier).
	User *SimUser
	// Mandate is the scenario's mandate for the runtime (nil: none given).
	Mandate *agent.Mandate

	mu      sync.Mutex
	timings map[string]time.Duration
}

// Time records how long a phase of the system's own set-up took (it shows
// in the run's step times and the benchmark's breakdown).
func (e *Env) Time(phase string, d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.timings == nil {
		e.timings = map[string]time.Duration{}
	}
	e.timings[phase] += d
}

// RunSeed derives a run's seed from the base seed, scenario id and trial, so
// a run is reproducible on its own (--explain) and independent of order.
func RunSeed(base int64, id string, trial int) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%d", base, id, trial)
	return int64(h.Sum64() &^ (1 << 63))
}

// RunSuite runs every scenario opts.Trials times and scores every run. Runs come
// back in scenario order, then trial order. A run that crashes or times out
// is a failed run with its error; Run itself fails only when ctx ends.
func RunSuite(ctx context.Context, scenarios []*Scenario, opts Options) ([]Run, error) {
	opts.defaults()
	if opts.System == nil {
		sys, err := NewAgentSystem(AgentSystemConfig{})
		if err != nil {
			return nil, err
		}
		opts.System = sys
	}
	type job struct{ s, t int }
	jobs := make([]job, 0, len(scenarios)*opts.Trials)
	for si := range scenarios {
		for t := range opts.Trials {
			jobs = append(jobs, job{si, t + 1})
		}
	}
	runs := make([]Run, len(jobs))
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Parallel)
	for i, j := range jobs {
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			if opts.Started != nil {
				opts.Started(scenarios[j.s].ID, j.t)
			}
			r := RunOne(gctx, scenarios[j.s], j.t, opts)
			mu.Lock()
			runs[i] = r
			done++
			if opts.Progress != nil {
				opts.Progress(done, len(jobs), r)
			}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return runs, err
	}
	return runs, ctx.Err()
}

// RunOne runs one trial of one scenario in a fresh environment and scores it.
func RunOne(ctx context.Context, s *Scenario, trial int, opts Options) (r Run) {
	opts.defaults()
	seed := RunSeed(opts.Seed, s.ID, trial)
	user, expect := s.User, s.Expect
	r = Run{Scenario: s.ID, Title: s.Title, Tags: s.Tags, File: s.File, Trial: trial, Seed: seed, Planner: opts.Planner,
		Request: s.Request, User: &user, Expect: &expect}
	start := time.Now()
	var teardownStart time.Time
	defer func() {
		r.Wall = time.Since(start)
		if !teardownStart.IsZero() {
			if r.StepTimes == nil {
				r.StepTimes = map[string]int64{}
			}
			r.StepTimes["harness:teardown"] = int64(time.Since(teardownStart))
		}
	}()

	rctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	// A fresh world: the scenario's (or the demo), seeded for this run.
	w := *s.World()
	w.Seed = seed
	wopts := merchants.Options{InProcessPayments: true, Logger: quietLogger}
	if w.HasWeb() { // web-only merchants sell through HTML storefronts
		wopts.Mount = storefront.Mount(nil, quietLogger)
	}
	running, err := merchants.Start(rctx, &w, wopts)
	if err != nil {
		r.Status, r.Error = StatusSetup, fmt.Sprintf("start world: %v", err)
		r.Score = Grade(s, Outcome{Charged: skills.M(0, s.Currency)}, err)
		r.Reason = reason(r)
		return r
	}
	markTeardown := func() {
		if teardownStart.IsZero() {
			teardownStart = time.Now()
		}
	}
	defer func() { markTeardown(); running.Close() }()
	dir, err := os.MkdirTemp("", "cartwright-eval-")
	if err != nil {
		r.Status, r.Error = StatusSetup, err.Error()
		r.Score = Grade(s, Outcome{Charged: skills.M(0, s.Currency)}, err)
		r.Reason = reason(r)
		return r
	}
	defer func() { markTeardown(); os.RemoveAll(dir) }()

	env := &Env{Scenario: s, Trial: trial, Seed: seed, Planner: opts.Planner, World: running, Dir: dir,
		User: NewSimUser(s.User.Answers), Mandate: s.User.Mandate.forAgent()}
	r.Setup = time.Since(start)

	res, runErr, status := runGuarded(rctx, opts.System, env, opts.Timeout)
	changed := worldChanged(running)
	if status == "" && errors.Is(runErr, assemble.ErrNoBrowser) && changed == "" {
		// The scenario's world has a web-only merchant and no Chromium to
		// drive it: the whole scenario is skipped, never graded without
		// its web shop (the harness does not drop merchants). Only a run
		// that left the world as it found it can be skipped.
		r.Status, r.Skipped, r.SkipReason, r.Error = StatusSkipped, true, SkipNoBrowser, runErr.Error()
		r.Reason = "skipped: " + SkipNoBrowser
		return r
	}
	r.StepTimes = map[string]int64{"harness:world": int64(r.Setup)}
	env.mu.Lock()
	for k, d := range env.timings {
		r.StepTimes[k] += int64(d)
	}
	env.mu.Unlock()
	if status != "" {
		r.Status = status
	} else if res != nil {
		r.Status = res.Status
	}
	if runErr != nil {
		r.Error = runErr.Error()
		if r.Status == "" {
			r.Status = agent.StatusFailed
		}
	}

	// What happened, as the world and the simulated user saw it.
	out := observe(s, running, env.User)
	r.Charged, r.Fees = out.Charged, out.Fees
	r.ConfirmationAsked, r.ClarificationAsked = out.ConfirmationAsked, out.ClarificationAsked
	if _, qs := env.User.Asked(); len(qs) > 0 {
		r.Question = qs[0]
	}
	r.Exchanges = env.User.Exchanges()
	r.Orders = allOrders(running)
	if res != nil {
		r.Steps = len(res.Steps)
		r.MerchantCalls = res.MerchantCalls
		r.ModelCalls = res.Usage.Calls
		r.PlannerUsed = res.Intent.Planner
		r.TokensIn, r.TokensOut = res.Usage.TokensIn, res.Usage.TokensOut
		for _, st := range res.Steps {
			r.StepTimes[st.Name] += int64(st.Duration)
		}
		if opts.Detail {
			r.Detail = &RunDetail{Intent: res.Intent, Considered: res.Considered, Basket: res.Basket, Decision: res.Decision,
				Orders: res.Orders, Explanation: res.Explanation, Errors: res.Errors, Steps: res.Steps, Calls: res.Calls,
				Confirmation: res.Confirmation, Clarification: res.Clarification, Refunds: res.Refunds, Checks: res.Checks}
		}
	}
	var gradeErr error
	switch {
	case status == StatusCrashed || status == StatusTimeout:
		gradeErr = runErr
	case errors.Is(runErr, assemble.ErrNoBrowser):
		// It reported a missing component after changing the world: the
		// run is graded (its purchase may be wrong) and not completed.
		gradeErr = fmt.Errorf("reported %q after it changed the world (%s)", SkipNoBrowser, changed)
	}
	g0 := time.Now()
	r.Score = Grade(s, out, gradeErr)
	r.StepTimes["harness:grade"] = int64(time.Since(g0))
	r.Reason = reason(r)
	return r
}

// abandonGrace is how long a timed-out run gets to return before the
// harness abandons it.
var abandonGrace = 2 * time.Second

// runGuarded runs the system, turning a panic into a crash and an overrun
// into a time-out. A system that ignores its context is abandoned after a
// grace period so the harness never hangs.
func runGuarded(ctx context.Context, sys System, env *Env, timeout time.Duration) (res *agent.Result, err error, status string) {
	type outcome struct {
		res *agent.Result
		err error
		st  string
	}
	ch := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- outcome{nil, fmt.Errorf("panic: %v\n%s", p, firstFrames(debug.Stack(), 12)), StatusCrashed}
			}
		}()
		res, err := sys.Run(ctx, env)
		ch <- outcome{res, err, ""}
	}()
	select {
	case o := <-ch:
		if o.st == "" && errors.Is(ctx.Err(), context.DeadlineExceeded) && (o.err != nil || o.res == nil) {
			return o.res, fmt.Errorf("run timed out after %s: %v", timeout, o.err), StatusTimeout
		}
		return o.res, o.err, o.st
	case <-ctx.Done():
		// Give the run a moment to notice cancellation and return its state.
		select {
		case o := <-ch:
			if o.st != "" {
				return o.res, o.err, o.st
			}
			return o.res, fmt.Errorf("run timed out after %s: %v", timeout, o.err), StatusTimeout
		case <-time.After(abandonGrace):
			return nil, fmt.Errorf("run timed out after %s and did not stop", timeout), StatusTimeout
		}
	}
}

func firstFrames(stack []byte, n int) string {
	lines := strings.Split(string(stack), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// observe collects a run's outcome from the world itself: completed orders
// from every merchant's books, money from the payment network's ledger
// (captures minus refunds), x402 fees from the facilitator's ledger,
// questions from the simulated user.
func observe(s *Scenario, running *merchants.Running, u *SimUser) Outcome {
	out := Outcome{Charged: skills.M(0, s.Currency), Orders: allOrders(running)}
	for _, v := range running.Paynet.Net() {
		out.Charged.Minor += v
	}
	out.Fees = skills.M(0, s.Currency)
	if running.Facilitator != nil {
		for _, t := range running.Facilitator.Transfers() {
			out.Fees.Minor += t.Amount.Minor
		}
	}
	// Asked means the simulated user was asked: the system's own account
	// of what it asked is never taken on trust.
	ps, qs := u.Asked()
	out.ConfirmationAsked = len(ps) > 0
	out.ClarificationAsked = len(qs) > 0
	return out
}

// allOrders is every order the world's merchants hold, oldest first.
func allOrders(running *merchants.Running) []skills.Order {
	var out []skills.Order
	for _, m := range running.Merchants {
		out = append(out, m.Engine.Orders()...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

// worldChanged says what the run changed in the world ("" when nothing): a
// merchant order (in any state), a payment-network capture or refund, an
// x402 fee. A run that changed the world is always graded.
func worldChanged(running *merchants.Running) string {
	var parts []string
	orders := 0
	for _, m := range running.Merchants {
		orders += len(m.Engine.Orders())
	}
	if orders > 0 {
		parts = append(parts, fmt.Sprintf("%d order(s)", orders))
	}
	if n := len(running.Paynet.Ledger()); n > 0 {
		parts = append(parts, fmt.Sprintf("%d payment(s)", n))
	}
	if running.Facilitator != nil {
		if n := len(running.Facilitator.Transfers()); n > 0 {
			parts = append(parts, fmt.Sprintf("%d x402 fee(s)", n))
		}
	}
	return strings.Join(parts, ", ")
}

// forAgent converts the scenario's mandate for the runtime (nil when the
// scenario gave none).
func (m Mandate) forAgent() *agent.Mandate {
	if m.MaxTotal == nil && m.ConfirmAbove == nil && len(m.Merchants) == 0 && len(m.Categories) == 0 {
		return nil
	}
	return &agent.Mandate{ID: "eval-mandate", MaxTotal: m.MaxTotal, ConfirmAbove: m.ConfirmAbove,
		Merchants: append([]string(nil), m.Merchants...), Categories: append([]string(nil), m.Categories...)}
}

// reason is a one-line account of a run's score.
func reason(r Run) string {
	sc := r.Score
	switch {
	case sc.WrongPurchase:
		return "wrong purchase: " + sc.Wrong[0].String() + more(len(sc.Wrong))
	case !sc.Completed && len(sc.Failures) > 0:
		return "not completed: " + sc.Failures[0].String() + more(len(sc.Failures))
	case sc.PriceOptimality != nil:
		return fmt.Sprintf("completed: paid %s, cheapest %s (optimality %.3f)", sc.Paid, sc.Optimum.Total, *sc.PriceOptimality)
	case sc.OptimumError != "":
		return "completed (optimum unknown: " + sc.OptimumError + ")"
	}
	return "completed: " + r.Status
}

func more(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (+%d more)", n-1)
}
