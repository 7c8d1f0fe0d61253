package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/store"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/sqlstore"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/storefront"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/offline"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
	"github.com/cartwright-agent/cartwright/skills/browser"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

// runtimeFlags are the flags every command that runs the agent shares.
type runtimeFlags struct {
	state     string
	keys      string
	world     string
	merchants stringList
	paynet    string
	user      string
	currency  string
	timeout   time.Duration
	verbose   bool
}

func (f *runtimeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.state, "state", "", "state database: a SQLite file path or a postgres:// URL (default: $DATABASE_URL, else $XDG_STATE_HOME/cartwright/state.db or ~/.local/state/cartwright/state.db)")
	fs.StringVar(&f.keys, "keys", "", "directory holding the user and agent signing keys (default: beside the state file)")
	fs.StringVar(&f.world, "world", "", "world file to start in-process instead of the built-in demo world")
	fs.Var(&f.merchants, "merchant", "base URL of an ACP-shaped merchant API to shop at (repeatable; replaces the in-process world)")
	fs.StringVar(&f.paynet, "paynet", "", "payment network base URL for delegated tokens (required with --merchant)")
	fs.StringVar(&f.user, "user", "demo", "user id (memory, wallet and sessions are per user)")
	fs.StringVar(&f.currency, "currency", "", "wallet currency with --merchant (default: the merchants' currency)")
	fs.DurationVar(&f.timeout, "merchant-timeout", 10*time.Second, "deadline for each merchant per step")
	fs.BoolVar(&f.verbose, "v", false, "log debug details to stderr")
}

// statePath resolves where state lives.
func statePath(f *runtimeFlags, getenv func(string) string) (string, error) {
	if f.state != "" {
		return f.state, nil
	}
	if u := getenv("DATABASE_URL"); u != "" {
		return u, nil
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "cartwright", "state.db"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no --state, DATABASE_URL, XDG_STATE_HOME or home directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "cartwright", "state.db"), nil
}

// runtime is a wired agent plus what must be closed after it.
type runtime struct {
	agent    *agent.Agent
	cfg      agent.Config // as wired, for a second Agent on the same state
	db       *store.DB
	wallet   *wallet.Wallet
	auth     *authority         // keys, mandates, audit log (mandate.go)
	world    *merchants.Running // nil with --merchant
	currency skills.Currency
	closers  []func()
}

func (r *runtime) Close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

// demoBalance is what a new wallet is loaded with (the scenario format's
// default wallet), once: the top-up's idempotency key makes it happen a
// single time per wallet.
const demoBalance = "1000.00"

// buildRuntime starts (or connects to) the merchants and wires the agent:
// the offline planner, preference memory, the wallet, the AP2 payment
// authority (policy engine over signed mandates, the delegated-token rail
// carrying the mandate chain, the network's verifier, the audit log). A
// collaborator already set in cfg is kept.
func buildRuntime(ctx context.Context, s *stdio, f *runtimeFlags, cfg agent.Config) (*runtime, error) {
	rt := &runtime{}
	ok := false
	defer func() {
		if !ok {
			rt.Close()
		}
	}()
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: level}))
	cfg.Logger = log

	path, err := statePath(f, s.getenv)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	rt.db = db
	rt.closers = append(rt.closers, func() { db.Close() })
	dir, err := keysDir(f.keys, path, s.getenv)
	if err != nil {
		return nil, err
	}
	if rt.auth, err = openAuthority(ctx, db, dir, f.user); err != nil {
		return nil, err
	}

	reg := skills.NewRegistry()
	var paynetURL string
	if len(f.merchants) > 0 {
		if f.world != "" {
			return nil, errors.New("--world and --merchant exclude each other")
		}
		if f.paynet == "" {
			return nil, errors.New("--merchant needs --paynet URL: the payment network that issues delegated tokens")
		}
		paynetURL = f.paynet
		for _, u := range f.merchants {
			c, err := acp.New(acp.Config{BaseURL: u, Retries: -1}) // the agent is the one retry layer
			if err != nil {
				return nil, fmt.Errorf("--merchant %s: %w", u, err)
			}
			info, err := c.Info(ctx)
			if err != nil {
				return nil, fmt.Errorf("--merchant %s: %w", u, err)
			}
			if err := reg.Register(info.ID, c); err != nil {
				return nil, fmt.Errorf("--merchant %s: %w", u, err)
			}
			if rt.currency == "" {
				rt.currency = info.Currency
			}
		}
	} else {
		var w *merchants.World
		if f.world != "" {
			w, err = merchants.LoadWorldFile(f.world)
		} else {
			w, err = merchants.DemoWorld()
		}
		if err != nil {
			return nil, err
		}
		verifier := rt.auth.Verifier(func() *wallet.Wallet { return rt.wallet })
		opts := merchants.Options{Logger: log, Verifier: verifier.Hook()}
		web := false
		for _, m := range w.Merchants {
			web = web || m.Interface == merchants.InterfaceWeb
		}
		if web { // web-only merchants sell through HTML storefronts
			opts.Mount = storefront.Mount(nil, log)
		}
		running, err := merchants.Start(ctx, w, opts)
		if err != nil {
			return nil, err
		}
		rt.world = running
		rt.closers = append(rt.closers, func() { running.Close() })
		paynetURL = running.PaynetURL
		rt.currency = w.Currency
		var br *browser.Browser
		for _, m := range running.Merchants {
			var c skills.Merchant
			if m.Interface == merchants.InterfaceWeb {
				// Reached only through its pages: the browser skill drives
				// Chromium there. Without Chromium the merchant is skipped.
				if _, ok := browser.ExecPath(); !ok {
					fmt.Fprintf(s.err, "cartwright: %s sells only through its web storefront and Chromium is not installed (scripts/install-chromium.sh): skipped\n", m.ID)
					continue
				}
				if br == nil {
					br = browser.NewBrowser(browser.BrowserConfig{Logger: log})
					rt.closers = append(rt.closers, func() { br.Close() })
				}
				bm, err := browser.New(browser.Config{ID: m.ID, Name: running.World.Merchant(m.ID).Name, BaseURL: m.ShopURL,
					Currency: w.Currency, Browser: br, Logger: log, EvidenceDir: filepath.Join(dir, "evidence")})
				if err != nil {
					return nil, err
				}
				c = bm
			} else {
				ac, err := acp.New(acp.Config{BaseURL: m.URL, Retries: -1}) // the agent is the one retry layer
				if err != nil {
					return nil, err
				}
				c = ac
			}
			if err := reg.Register(m.ID, c); err != nil {
				return nil, err
			}
		}
	}
	if f.currency != "" {
		c, err := skills.ParseCurrency(f.currency)
		if err != nil {
			return nil, fmt.Errorf("--currency: %w", err)
		}
		rt.currency = c
	}
	if rt.currency == "" {
		return nil, errors.New("no merchant told its currency; give --currency")
	}
	if rt.wallet, err = openWallet(ctx, db, f.user, rt.currency); err != nil {
		return nil, err
	}
	delegated, err := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: paynetURL, Card: pay.VirtualCard(rt.wallet.ID())})
	if err != nil {
		return nil, err
	}
	categories := newCategoryIndex()
	if cfg.Rail == nil {
		r := rt.auth.Rail(delegated)
		r.Categories = categories.lookup
		cfg.Rail = r
	}
	if cfg.Policy == nil {
		p := rt.auth.Policy(rt.wallet)
		p.Predicted = func(in agent.PolicyInput) map[string]skills.Money {
			categories.learn(in.Categories)
			return in.Predicted
		}
		cfg.Policy = p
	}
	if cfg.Audit == nil {
		cfg.Audit = rt.auth.audit
	}
	if cfg.Memory == nil {
		mem, err := openMemory(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("preference memory: %w", err)
		}
		cfg.Memory = agent.MemoryFunc(func(ctx context.Context, user, text string) ([]planner.MemoryItem, error) {
			return memory.ForPlanner(ctx, mem, user, text)
		})
	}
	if cfg.Planner == nil {
		cfg.Planner = offline.New(offline.Config{})
	}
	cfg.Registry, cfg.Wallet, cfg.Store = reg, rt.wallet, db
	cfg.MerchantTimeout = f.timeout
	a, err := agent.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rt.agent, rt.cfg = a, cfg
	ok = true
	return rt, nil
}

// openMemory opens the embedded preference memory (the local embedder over
// the state database). Memory commands use the same store.
func openMemory(ctx context.Context, db *store.DB) (*memory.Service, error) {
	st, err := sqlstore.Open(ctx, sqlstore.Config{DB: db})
	if err != nil {
		return nil, err
	}
	emb, err := localembed.New(localembed.Config{})
	if err != nil {
		return nil, err
	}
	return memory.New(memory.Config{Store: st, Embedder: emb})
}

// openWallet opens the user's agent wallet in the state database, loading
// it with the demo balance the first time.
func openWallet(ctx context.Context, db *store.DB, user string, cur skills.Currency) (*wallet.Wallet, error) {
	id := user + "-" + strings.ToLower(string(cur))
	w, err := wallet.Open(ctx, wallet.Config{DB: db, ID: id, Currency: cur})
	if err != nil {
		return nil, err
	}
	amt, err := skills.ParseMoney(demoBalance, cur)
	if err != nil {
		return nil, err
	}
	if err := w.TopUp(ctx, "initial-load:"+id, amt, "initial demo balance"); err != nil {
		return nil, fmt.Errorf("load wallet %s: %w", id, err)
	}
	return w, nil
}

// categoryIndex remembers each quoted product's category (the policy input
// carries them) so the rail can name them in the cart mandate.
type categoryIndex struct {
	mu sync.Mutex
	m  map[string]string
}

func newCategoryIndex() *categoryIndex { return &categoryIndex{m: map[string]string{}} }

func (c *categoryIndex) learn(m map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range m {
		c.m[k] = v
	}
}

func (c *categoryIndex) lookup(merchant, sku string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[merchant+"/"+sku]
}
