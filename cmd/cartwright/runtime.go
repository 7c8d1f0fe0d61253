package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/evals"
	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/demo"
	"github.com/cartwright-agent/cartwright/merchants/storefront"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
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
	planner   string
	timeout   time.Duration
	verbose   bool
}

func (f *runtimeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.state, "state", "", "state database: a SQLite file path or a postgres:// URL (default: $DATABASE_URL, else $XDG_STATE_HOME/cartwright/state.db or ~/.local/state/cartwright/state.db)")
	fs.StringVar(&f.keys, "keys", "", "directory holding the user and agent signing keys, exactly this directory (default: keys/ beside the state file)")
	fs.StringVar(&f.world, "world", "", "world file to start in-process instead of the built-in demo world")
	fs.Var(&f.merchants, "merchant", "base URL of an ACP-shaped merchant API to shop at (repeatable; replaces the in-process world)")
	fs.StringVar(&f.paynet, "paynet", "", "payment network base URL for delegated tokens (required with --merchant)")
	fs.StringVar(&f.user, "user", "demo", "user id (memory, wallet and sessions are per user)")
	fs.StringVar(&f.currency, "currency", "", "wallet currency with --merchant (default: the merchants' currency)")
	fs.StringVar(&f.planner, "planner", "auto", "planner: auto (llm when a model is configured, else offline), offline (rules, no network) or llm (OPENAI_API_KEY / OPENAI_BASE_URL, CARTWRIGHT_MODEL)")
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
	asm      *assemble.Runtime
	agent    *agent.Agent
	cfg      agent.Config // as wired, for a second Agent on the same state
	db       *store.DB
	wallet   *wallet.Wallet
	auth     *authority         // keys, mandates, audit log
	world    *merchants.Running // nil with --merchant
	currency skills.Currency
	closers  []func()
}

func (r *runtime) Close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

// networkKeyName is the in-process payment network's witness key file
// (network.ed25519 in the key directory).
const networkKeyName = "network"

// demoBalance is what a new wallet is loaded with (the scenario format's
// default wallet), once: the top-up's idempotency key makes it happen a
// single time per wallet.
const demoBalance = "1000.00"

// buildRuntime starts (or connects to) the merchants and hands them, as
// data, to the runtime assembler (agent/assemble), which wires the agent
// exactly as the eval harness does: planner, preference memory, wallet,
// the AP2 payment authority (policy engine over signed mandates, the
// delegated-token rail carrying the mandate chain, the network's verifier,
// the audit log), the x402 transport for per-request fees. A collaborator
// already set in cfg is kept.
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

	switch f.planner {
	case "", "auto", "offline", "llm":
	default:
		return nil, fmt.Errorf("--planner %q: want auto, offline or llm", f.planner)
	}
	path, err := statePath(f, s.getenv)
	if err != nil {
		return nil, err
	}
	dir, err := keysDir(f.keys, path, s.getenv)
	if err != nil {
		return nil, err
	}
	db, err := openState(ctx, path, dir, s.getenv(assemble.EnvAgentKey))
	if err != nil {
		return nil, err
	}
	rt.db = db
	rt.closers = append(rt.closers, func() { db.Close() })

	var ms []assemble.Merchant
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
			ms = append(ms, assemble.Merchant{Interface: assemble.InterfaceAPI, URL: u}) // the id comes from its info
		}
	} else {
		var w *merchants.World
		var def []byte // the world's definition: what its merchant ids mean
		if f.world != "" {
			w, err = merchants.LoadWorldFile(f.world)
			if err == nil {
				def, err = os.ReadFile(f.world)
			}
		} else {
			w, err = merchants.DemoWorld()
			def = demo.WorldYAML
		}
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(def)
		cfg.InfoScope = "world:" + hex.EncodeToString(sum[:])
		// The in-process payment network's witness key persists beside the
		// agent's keys, so its countersignatures from earlier runs verify
		// against the same pinned key.
		nk, err := mandate.LoadOrCreateKey(dir, networkKeyName)
		if err != nil {
			return nil, fmt.Errorf("payment network key: %w", err)
		}
		opts := merchants.Options{Logger: log, WitnessKey: nk, Wrap: benchWrap}
		if w.HasWeb() { // web-only merchants sell through HTML storefronts
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
		ms = evals.WorldMerchants(running)
	}
	if f.currency != "" {
		c, err := skills.ParseCurrency(f.currency)
		if err != nil {
			return nil, fmt.Errorf("--currency: %w", err)
		}
		rt.currency = c
	}
	cfg.MerchantTimeout = f.timeout
	a, err := assemble.Build(ctx, assemble.Config{DB: db, UserID: f.user, KeysDir: dir, AgentKeyFile: s.getenv(assemble.EnvAgentKey), Merchants: ms, PaynetURL: paynetURL,
		Memory:   memoryOptions(path, s.getenv),
		Currency: rt.currency, InitialBalance: demoBalance, PlannerName: f.planner, Logger: log, Agent: cfg, EvidenceDir: filepath.Join(filepath.Dir(dir), "evidence"),
		SkipMerchant: func(id string, err error) {
			// Without Chromium a web-only merchant is skipped; the run goes on.
			fmt.Fprintf(s.err, "cartwright: %v: skipped\n", err)
		}})
	if err != nil {
		return nil, err
	}
	rt.closers = append(rt.closers, a.Close)
	if rt.world != nil {
		rt.world.Paynet.SetVerifier(a.Verifier.Hook())
	}
	rt.asm, rt.agent, rt.cfg, rt.wallet, rt.auth, rt.currency = a, a.Agent, a.Config, a.Wallet, a.Authority, a.Currency
	ok = true
	return rt, nil
}

// openState opens the state database. Where the key directory already
// holds the agent's key, an installation exists: a missing or empty
// database file, or one without Cartwright's tables, is then an error naming
// the file, never a silent fresh start (a new wallet and an empty audit log
// would hide the loss). A corrupt SQLite file is refused by store.Open.
func openState(ctx context.Context, path, keysDir, agentKeyFile string) (*store.DB, error) {
	akDir, akName, err := assemble.AgentKeyLocation(keysDir, agentKeyFile)
	if err != nil {
		return nil, err
	}
	existing := akDir != "" && mandate.KeyExists(akDir, akName)
	sqlite := !strings.HasPrefix(path, "postgres://") && !strings.HasPrefix(path, "postgresql://")
	lost := func(what string) error {
		return fmt.Errorf("state database %s %s, but the agent key of an existing installation exists (%s): refusing to start afresh (restore %s from a backup; to really start over, move the keys away)",
			path, what, mandate.KeyPath(akDir, akName), path)
	}
	if existing && sqlite {
		st, err := os.Stat(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, lost("is missing")
		case err != nil:
			return nil, fmt.Errorf("state database %s: %w", path, err)
		case st.Size() == 0:
			return nil, lost("is empty (0 bytes)")
		}
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if existing {
		ok, err := db.HasState(ctx)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("state database %s: %w", db.DSN, err)
		}
		if !ok {
			db.Close()
			if !sqlite {
				path = db.DSN
			}
			return nil, lost("holds no Cartwright state")
		}
	}
	return db, nil
}

// benchWrap, set only by benchmarks, wraps the in-process world's servers.
var benchWrap func(http.Handler) http.Handler

// openMemory opens the user's preference memory where the shop command
// keeps it, so memory commands and shopping see the same entries.
func openMemory(ctx context.Context, db *store.DB, statePath string, getenv func(string) string) (*memory.Service, error) {
	return assemble.OpenMemory(ctx, db, memoryOptions(statePath, getenv))
}

// memoryOptions: with PostgreSQL state, memory lives in PostgreSQL +
// pgvector at the same URL (HNSW index), unless CARTWRIGHT_MEMORY_STORE=sql
// keeps it in plain tables; with the embedded SQLite file, in that file.
func memoryOptions(statePath string, getenv func(string) string) assemble.MemoryOptions {
	if !strings.HasPrefix(statePath, "postgres://") && !strings.HasPrefix(statePath, "postgresql://") {
		return assemble.MemoryOptions{}
	}
	if strings.EqualFold(getenv(assemble.EnvMemoryStore), "sql") {
		return assemble.MemoryOptions{}
	}
	return assemble.MemoryOptions{PgvectorURL: statePath}
}
