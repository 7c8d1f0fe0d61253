package evals

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills/store"
)

var quietLogger = slog.New(slog.DiscardHandler)

// AgentSystemConfig configures the default system under test.
type AgentSystemConfig struct {
	// Planner is "offline" (default) or "llm" (configured from the
	// environment, with the offline planner as its fallback).
	Planner string
	// PlannerImpl, when set, is used instead of building one by name.
	PlannerImpl planner.Planner
	// Logger receives the runtime's logs (default: discarded).
	Logger *slog.Logger
}

// AgentSystem is the Cartwright runtime wired afresh for every run by
// agent/assemble, the builder the CLI's shop command uses: its own state
// database (a SQLite file in the run's directory), wallet topped up to the
// scenario's balance, memory seeded with the scenario's entries, an ACP
// client per API merchant of the started world (its HTTP through the x402
// transport) and the browser skill per web-only one, the AP2 payment
// authority (the scenario's mandate signed by the user's key, the policy
// engine, the delegated-token rail carrying the mandate chain, the payment
// network's verifier, the audit log), and the simulated user as confirmer
// and clarifier. Only the planner is shared (planners are stateless). A
// web-only merchant without Chromium fails the set-up with an error that
// wraps assemble.ErrNoBrowser.
type AgentSystem struct {
	planner planner.Planner
	log     *slog.Logger
}

var _ System = (*AgentSystem)(nil)

// NewAgentSystem builds the default system under test.
func NewAgentSystem(cfg AgentSystemConfig) (*AgentSystem, error) {
	p := cfg.PlannerImpl
	if p == nil {
		var err error
		if p, err = PlannerByName(cfg.Planner); err != nil {
			return nil, err
		}
	}
	log := cfg.Logger
	if log == nil {
		log = quietLogger
	}
	return &AgentSystem{planner: p, log: log}, nil
}

// PlannerByName builds the offline planner, or the LLM planner configured
// from the environment (OPENAI_API_KEY / OPENAI_BASE_URL, CARTWRIGHT_MODEL).
// It is assemble.PlannerByName, the CLI's choice.
func PlannerByName(name string) (planner.Planner, error) { return assemble.PlannerByName(name) }

// Run implements System. The runtime is wired by agent/assemble, the same
// builder `cartwright shop` uses: only the state (a fresh SQLite file in the
// run's directory, fresh keys), the wallet balance, the memory entries, the
// mandate and the simulated user come from the scenario.
func (s *AgentSystem) Run(ctx context.Context, env *Env) (*agent.Result, error) {
	sc := env.Scenario
	t0 := time.Now()
	lap := func(phase string) {
		env.Time("agent:setup:"+phase, time.Since(t0))
		t0 = time.Now()
	}
	db, err := store.Open(ctx, filepath.Join(env.Dir, "state.db"))
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	defer db.Close()
	lap("store")

	// One transport per run, closed at its end: a connection the transport
	// dialled but never used would otherwise hold up the world's shutdown.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	rt, err := assemble.Build(ctx, assemble.Config{
		DB: db, UserID: sc.User.ID, Merchants: WorldMerchants(env.World), PaynetURL: env.World.PaynetURL,
		Currency: sc.Currency, WalletID: "eval", InitialBalance: sc.User.Wallet.Decimal(), InitialLoadKey: "eval-seed-" + sc.ID,
		Planner: s.planner, HTTPClient: &http.Client{Transport: tr, Timeout: 30 * time.Second}, Logger: s.log,
		EvidenceDir: filepath.Join(env.Dir, "evidence"),
		Agent: agent.Config{
			Confirmer:    env.User,
			Clarifier:    env.User,
			RetryBackoff: 20 * time.Millisecond, // the mock world answers 503s at once
		},
	})
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	defer rt.Close()
	env.World.Paynet.SetVerifier(rt.Verifier.Hook())
	lap("runtime")
	for i, e := range sc.User.Memory {
		if _, err := rt.Memory.Add(ctx, memory.Entry{UserID: sc.User.ID, Kind: memory.Kind(e.Kind), Text: e.Text, Source: "eval"}); err != nil {
			return nil, fmt.Errorf("setup memory: user.memory[%d]: %w", i, err)
		}
	}
	lap("memory")
	md, err := signMandate(ctx, rt.Authority, sc, time.Now())
	if err != nil {
		return nil, err
	}
	lap("authority")
	res, err := rt.Run(ctx, agent.Request{Text: sc.Request, UserID: sc.User.ID, Mandate: md})
	if res == nil {
		return nil, err
	}
	return res.Result, err
}

// WorldMerchants describes a started world's merchants to the runtime
// assembler as data (id, interface, API or storefront URL).
func WorldMerchants(w *merchants.Running) []assemble.Merchant {
	var out []assemble.Merchant
	for _, m := range w.Merchants {
		am := assemble.Merchant{ID: m.ID, Interface: m.Interface, URL: m.URL, ShopURL: m.ShopURL}
		if wm := w.World.Merchant(m.ID); wm != nil {
			am.Name = wm.Name
		}
		if m.Interface == merchants.InterfaceWeb {
			am.URL = ""
		}
		out = append(out, am)
	}
	return out
}

// signMandate turns the scenario's mandate into an AP2 intent mandate
// signed with the user's key. In the format the mandate is what the user
// authorised before the run and every field is optional: an absent field
// sets no limit. An intent mandate needs a cap, so without max_total it is
// the wallet balance, which nothing can exceed anyway.
func signMandate(ctx context.Context, a *assemble.Authority, sc *Scenario, now time.Time) (*agent.Mandate, error) {
	m := sc.User.Mandate
	max := sc.User.Wallet
	if m.MaxTotal != nil {
		max = *m.MaxTotal
	}
	return a.Sign(ctx, mandate.Intent{UserID: sc.User.ID, Description: "eval scenario " + sc.ID, Currency: sc.Currency,
		MaxTotal: max, ConfirmAbove: m.ConfirmAbove, Merchants: m.Merchants, Categories: m.Categories,
		NotBefore: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour)})
}
