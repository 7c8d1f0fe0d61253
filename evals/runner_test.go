package evals

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acpclient"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

// buyer is a scripted system: it buys fixed lines at one merchant of the
// started world through the real ACP client and payment network, so the
// harness's observation (merchant books, payment ledger) is exercised end
// to end. keepAddOns completes the cart the merchant pre-filled as is.
type buyer struct {
	merchant   string
	lines      []skills.LineRequest
	keepAddOns bool
	confirm    bool
}

func (b buyer) Run(ctx context.Context, env *Env) (*agent.Result, error) {
	if b.confirm {
		ok, err := env.User.Confirm(ctx, agent.Proposal{Request: env.Scenario.Request})
		if err != nil || !ok {
			return &agent.Result{Status: agent.StatusDeclined}, err
		}
	}
	m := env.World.Merchant(b.merchant)
	c, err := acpclient.New(acpclient.Config{BaseURL: m.URL, Retries: -1})
	if err != nil {
		return nil, err
	}
	q, err := c.Quote(ctx, skills.QuoteRequest{Lines: b.lines, IdempotencyKey: "q1"})
	if err != nil {
		return nil, err
	}
	if !b.keepAddOns {
		if q, err = c.Quote(ctx, skills.QuoteRequest{QuoteID: q.ID, Lines: b.lines, IdempotencyKey: "q2"}); err != nil {
			return nil, err
		}
	}
	rail, err := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: env.World.PaynetURL})
	if err != nil {
		return nil, err
	}
	cred, err := rail.Delegate(ctx, pay.Delegation{MerchantID: b.merchant, CheckoutSessionID: q.ID, Amount: q.Total, IdempotencyKey: "d1"})
	if err != nil {
		return nil, err
	}
	o, err := c.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: cred, IdempotencyKey: "c1"})
	if err != nil {
		return nil, err
	}
	return &agent.Result{Status: agent.StatusBought, Orders: []skills.Order{*o}, Charged: o.Total, Steps: []agent.Step{{Name: "buy"}}}, nil
}

func TestRunOneObservesTheWorld(t *testing.T) {
	addonWorld := strings.Replace(tinyWorld, "      coupons: [{code: SAVE5", "      faults: {preselected_addons: [{name: Cup insurance, price: \"2.00\"}]}\n      coupons: [{code: SAVE5", 1)
	cases := []struct {
		name      string
		world     string
		sys       System
		scenario  string
		completed bool
		wrong     string
		charged   string
	}{
		{"right basket", tinyWorld, buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}}, twoLattes, true, "", "31.00"},
		{"wrong variant", tinyWorld, buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-WHOLE", Quantity: 2}}}, twoLattes, false, WrongUnexpectedLine, "32.00"},
		{"kept pre-selected add-on", addonWorld, buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}, keepAddOns: true}, twoLattes, false, WrongAddOn, "33.00"},
		{"removed pre-selected add-on", addonWorld, buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}}, twoLattes, true, "", "31.00"},
		{"confirmed when required", tinyWorld, buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}, confirm: true},
			"request: two oat lattes\nuser: {answers: {confirm: approve}}\nexpect: {purchase: true, confirmation: required, items: [{match: {sku: A-LAT-OAT}, quantity: 2}]}\n", true, "", "31.00"},
		{"denied means nothing bought", tinyWorld, buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}, confirm: true},
			"request: two oat lattes\nexpect: {purchase: false, confirmation: required}\n", true, "", "0.00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("t.yaml", []byte(c.scenario+c.world))
			if err != nil {
				t.Fatal(err)
			}
			r := RunOne(context.Background(), s, 1, Options{System: c.sys, Timeout: 10 * time.Second})
			if r.Score.Completed != c.completed || (c.wrong != "" && !strings.Contains(codes(r.Score.Wrong), c.wrong)) || (c.wrong == "" && r.Score.WrongPurchase) {
				t.Fatalf("completed=%v wrong=%v (%s), error %q", r.Score.Completed, r.Score.Wrong, r.Reason, r.Error)
			}
			if r.Charged != cny(c.charged) {
				t.Fatalf("charged %s, want %s", r.Charged, c.charged)
			}
			if r.Wall <= 0 || r.Steps == 0 && r.Status == agent.StatusBought {
				t.Fatalf("run metrics not recorded: %+v", r)
			}
		})
	}
}

func TestRunOneCrashAndTimeoutAreFailedRuns(t *testing.T) {
	defer func(g time.Duration) { abandonGrace = g }(abandonGrace)
	abandonGrace = 50 * time.Millisecond
	s := scenario(t, twoLattes)
	panicky := SystemFunc(func(ctx context.Context, env *Env) (*agent.Result, error) { panic("boom") })
	r := RunOne(context.Background(), s, 1, Options{System: panicky})
	if r.Status != StatusCrashed || !strings.Contains(r.Error, "panic: boom") || r.Score.Completed || !strings.Contains(codes(r.Score.Failures), FailRunError) {
		t.Fatalf("crash: %+v", r)
	}
	stuck := SystemFunc(func(ctx context.Context, env *Env) (*agent.Result, error) { select {} })
	r = RunOne(context.Background(), s, 1, Options{System: stuck, Timeout: 30 * time.Millisecond})
	if r.Status != StatusTimeout || r.Score.Completed || !strings.Contains(r.Error, "timed out") {
		t.Fatalf("timeout (ignoring ctx): %+v", r)
	}
	polite := SystemFunc(func(ctx context.Context, env *Env) (*agent.Result, error) { <-ctx.Done(); return nil, ctx.Err() })
	r = RunOne(context.Background(), s, 1, Options{System: polite, Timeout: 30 * time.Millisecond})
	if r.Status != StatusTimeout || r.Score.Completed {
		t.Fatalf("timeout (honouring ctx): %+v", r)
	}
	failing := SystemFunc(func(ctx context.Context, env *Env) (*agent.Result, error) { return nil, errors.New("db down") })
	r = RunOne(context.Background(), s, 1, Options{System: failing})
	if r.Status != agent.StatusFailed || r.Error != "db down" || r.Score.Completed {
		t.Fatalf("error: %+v", r)
	}
}

func TestRunSuiteParallelOrderedAndSeeded(t *testing.T) {
	var ss []*Scenario
	for i := range 4 {
		s := scenario(t, fmt.Sprintf("id: s%d\n%s", i, twoLattes))
		ss = append(ss, s)
	}
	var seen atomic.Int64
	seeds := map[string]int64{}
	sys := SystemFunc(func(ctx context.Context, env *Env) (*agent.Result, error) {
		seen.Add(1)
		if env.World.World.Seed != env.Seed {
			return nil, fmt.Errorf("world seed %d, run seed %d", env.World.World.Seed, env.Seed)
		}
		return buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}}.Run(ctx, env)
	})
	var progress []int
	runs, err := RunSuite(context.Background(), ss, Options{System: sys, Trials: 3, Parallel: 3, Seed: 7,
		Progress: func(done, total int, r Run) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 12 || seen.Load() != 12 || len(progress) != 12 || progress[11] != 12 {
		t.Fatalf("%d runs, %d calls, progress %v", len(runs), seen.Load(), progress)
	}
	for i, r := range runs {
		if want := fmt.Sprintf("s%d", i/3); r.Scenario != want || r.Trial != i%3+1 {
			t.Fatalf("run %d is %s#%d", i, r.Scenario, r.Trial)
		}
		if !r.Score.Completed {
			t.Fatalf("%s#%d: %s", r.Scenario, r.Trial, r.Reason)
		}
		if r.Seed != RunSeed(7, r.Scenario, r.Trial) {
			t.Fatalf("seed not derived from base, id and trial")
		}
		seeds[fmt.Sprint(r.Seed)] = 1
	}
	if len(seeds) != 12 {
		t.Fatalf("seeds not distinct: %v", seeds)
	}
	rep := NewReport(runs, Options{Trials: 3}, time.Now(), time.Second)
	if rep.Overall.PassK != 1 || rep.Overall.CompletionRate != 1 || rep.Overall.MeanPriceOptimality != 1 {
		t.Fatalf("%+v", rep.Overall)
	}
}
