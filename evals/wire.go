package evals

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/agent/store"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/sqlstore"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm"
	"github.com/cartwright-agent/cartwright/planner/offline"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
	"github.com/cartwright-agent/cartwright/skills/pay"
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

// AgentSystem is the Cartwright runtime wired afresh for every run, as the
// CLI's shop command wires it: its own state database (a SQLite file in the
// run's directory), wallet topped up to the scenario's balance, memory
// seeded with the scenario's entries, an ACP client per API merchant of the
// started world, the AP2 payment authority (the scenario's mandate signed
// by the user's key, the policy engine, the delegated-token rail carrying
// the mandate chain, the payment network's verifier, the audit log), and
// the simulated user as confirmer and clarifier. Only the planner is
// shared (planners are stateless).
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
func PlannerByName(name string) (planner.Planner, error) {
	off := offline.New(offline.Config{})
	switch name {
	case "", "offline":
		return off, nil
	case "llm":
		p, configured, err := llm.FromEnv(llm.Config{Fallback: off})
		if err != nil {
			return nil, fmt.Errorf("llm planner: %w", err)
		}
		if !configured {
			return nil, errors.New("llm planner: no model configured (set OPENAI_API_KEY or OPENAI_BASE_URL, and CARTWRIGHT_MODEL)")
		}
		return p, nil
	}
	return nil, fmt.Errorf("unknown planner %q (offline | llm)", name)
}

// Run implements System.
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

	w, err := wallet.Open(ctx, wallet.Config{DB: db, ID: "eval", Currency: sc.Currency})
	if err != nil {
		return nil, fmt.Errorf("setup wallet: %w", err)
	}
	if sc.User.Wallet.Minor > 0 {
		if err := w.TopUp(ctx, "eval-seed-"+sc.ID, sc.User.Wallet, "eval scenario balance"); err != nil {
			return nil, fmt.Errorf("setup wallet: %w", err)
		}
	}
	lap("wallet")
	mem, err := seedMemory(ctx, db, sc)
	if err != nil {
		return nil, err
	}
	lap("memory")

	// One transport per run, closed at its end: a connection the transport
	// dialled but never used would otherwise hold up the world's shutdown.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ms, err := merchantClients(env.World, hc)
	if err != nil {
		return nil, err
	}
	delegated, err := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: env.World.PaynetURL, HTTPClient: hc, Card: pay.VirtualCard(w.ID())})
	if err != nil {
		return nil, err
	}
	auth, err := newAuthority(ctx, db, sc.User.ID, w)
	if err != nil {
		return nil, err
	}
	env.World.Paynet.SetVerifier(auth.verifier.Hook())
	md, err := auth.signMandate(ctx, sc, time.Now())
	if err != nil {
		return nil, err
	}
	lap("authority")

	a, err := agent.New(ctx, agent.Config{
		Merchants:    ms,
		Planner:      s.planner,
		Wallet:       w,
		Rail:         auth.rail(delegated),
		Policy:       auth.policy,
		Audit:        auth.audit,
		Confirmer:    env.User,
		Clarifier:    env.User,
		Memory:       mem,
		Store:        db,
		Logger:       s.log,
		RetryBackoff: 20 * time.Millisecond, // the mock world answers 503s at once
	})
	if err != nil {
		return nil, fmt.Errorf("setup agent: %w", err)
	}
	lap("agent")
	return a.Run(ctx, agent.Request{Text: sc.Request, UserID: sc.User.ID, Mandate: md})
}

// authority is one run's AP2 payment authority, wired as the CLI wires it:
// the user's and the agent's keys (fresh per run), the mandate store, the
// policy engine over the signed mandate, the rail that carries the mandate
// chain to the payment network, the network's verifier and the audit log.
type authority struct {
	userID      string
	user, agent ed25519.PrivateKey
	store       *mandate.Store
	audit       *audit.Log
	policy      *policy.Engine
	verifier    *mandate.DelegationVerifier

	mu         sync.Mutex
	categories map[string]string // merchant/sku → category, learned from policy inputs
}

func newAuthority(ctx context.Context, db *store.DB, userID string, w *wallet.Wallet) (*authority, error) {
	_, uk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	_, ak, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	ms, err := mandate.OpenStore(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("setup mandates: %w", err)
	}
	al, err := audit.Open(ctx, audit.Config{DB: db, Key: ak})
	if err != nil {
		return nil, fmt.Errorf("setup audit: %w", err)
	}
	trust := mandate.Trust{
		Users:  map[string]string{userID: mandate.PublicKeyString(uk.Public().(ed25519.PublicKey))},
		Agents: []string{mandate.PublicKeyString(ak.Public().(ed25519.PublicKey))},
		// The mock world's merchants sign no carts: the agent attests them.
		AllowAgentAttestedCarts: true, Merchants: map[string]string{},
	}
	a := &authority{userID: userID, user: uk, agent: ak, store: ms, audit: al, categories: map[string]string{}}
	a.policy = &policy.Engine{Trust: trust, Store: ms, Wallet: w, Predicted: func(in agent.PolicyInput) map[string]skills.Money {
		a.mu.Lock()
		defer a.mu.Unlock()
		for k, v := range in.Categories {
			a.categories[k] = v
		}
		return in.Predicted
	}}
	a.verifier = &mandate.DelegationVerifier{Trust: trust, Store: ms,
		Spent: func(ctx context.Context, _ mandate.Intent, from, to time.Time) (skills.Money, error) {
			return w.Spent(ctx, from, to)
		}}
	return a, nil
}

// rail is the delegated-token rail carrying the mandate chain; a session
// without a signed mandate gets a one-off intent for exactly the quote,
// signed with the (present) user's key after the policy had them confirm.
func (a *authority) rail(d *pay.DelegatedRail) *mandate.Rail {
	return &mandate.Rail{Delegated: d, Store: a.store, AgentKey: a.agent, HumanPresent: a.user, UserID: a.userID,
		Categories: func(merchant, sku string) string {
			a.mu.Lock()
			defer a.mu.Unlock()
			return a.categories[merchant+"/"+sku]
		}}
}

// signMandate turns the scenario's mandate into an AP2 intent mandate
// signed with the user's key. In the format the mandate is what the user
// authorised before the run and every field is optional: an absent field
// sets no limit. An intent mandate needs a cap, so without max_total it is
// the wallet balance, which nothing can exceed anyway.
func (a *authority) signMandate(ctx context.Context, sc *Scenario, now time.Time) (*agent.Mandate, error) {
	m := sc.User.Mandate
	max := sc.User.Wallet
	if m.MaxTotal != nil {
		max = *m.MaxTotal
	}
	in := mandate.Intent{UserID: a.userID, Description: "eval scenario " + sc.ID, Currency: sc.Currency,
		MaxTotal: max, ConfirmAbove: m.ConfirmAbove, Merchants: m.Merchants, Categories: m.Categories,
		NotBefore: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour)}
	if err := in.Sign(a.user); err != nil {
		return nil, fmt.Errorf("sign mandate: %w", err)
	}
	if err := a.store.Save(ctx, in); err != nil {
		return nil, fmt.Errorf("store mandate: %w", err)
	}
	return mandate.AgentMandate(in)
}

// merchantClients returns an ACP client per API merchant. Web-only
// merchants are reached through the browser skill, which this system does
// not wire yet: they are left out (and their scenarios say so).
func merchantClients(w *merchants.Running, hc *http.Client) ([]skills.Merchant, error) {
	var out []skills.Merchant
	for _, m := range w.Merchants {
		if m.Interface != merchants.InterfaceAPI {
			continue
		}
		c, err := acp.New(acp.Config{BaseURL: m.URL, HTTPClient: hc, Retries: -1})
		if err != nil {
			return nil, fmt.Errorf("setup merchant %s: %w", m.ID, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("setup: the world has no API merchant")
	}
	return out, nil
}

// seedMemory stores the scenario's memory entries in a fresh embedded store.
func seedMemory(ctx context.Context, db *store.DB, sc *Scenario) (agent.Memory, error) {
	st, err := sqlstore.Open(ctx, sqlstore.Config{DB: db})
	if err != nil {
		return nil, fmt.Errorf("setup memory: %w", err)
	}
	emb, err := localembed.New(localembed.Config{})
	if err != nil {
		return nil, fmt.Errorf("setup memory: %w", err)
	}
	svc, err := memory.New(memory.Config{Store: st, Embedder: emb})
	if err != nil {
		return nil, fmt.Errorf("setup memory: %w", err)
	}
	for i, e := range sc.User.Memory {
		if _, err := svc.Add(ctx, memory.Entry{UserID: sc.User.ID, Kind: memory.Kind(e.Kind), Text: e.Text, Source: "eval"}); err != nil {
			return nil, fmt.Errorf("setup memory: user.memory[%d]: %w", i, err)
		}
	}
	return recaller{svc}, nil
}

// recaller adapts memory to the runtime: what the planner is told for one
// request (every constraint and profile entry, the relevant preferences).
type recaller struct{ m memory.Memory }

func (r recaller) Recall(ctx context.Context, userID, request string) ([]planner.MemoryItem, error) {
	return memory.ForPlanner(ctx, r.m, userID, request)
}
