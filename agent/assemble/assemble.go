// Package assemble wires the Cartwright runtime from its parts: the state
// database, the agent wallet, preference memory, the AP2 payment authority
// (signing keys, signed mandates, the policy engine, the delegated-token
// rail, the payment network's verifier, the audit log), a client per
// merchant (the ACP client for API merchants, the browser skill for
// web-only ones), the x402 transport that pays per-request fees from the
// wallet inside the mandate, and the planner.
//
// It is the one place this wiring lives: `cartwright shop` and the eval
// harness both call Build, so an eval exercises exactly what the CLI runs.
// It never imports the mock world (package merchants): merchants come in as
// data — an id, an API or storefront URL, an interface — so the same wiring
// reaches real merchants. It is a leaf package: it pulls in chromedp (via
// skills/browser) and the LLM client (via planner/llm), which the agent
// core must not.
package assemble

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/openaiembed"
	"github.com/cartwright-agent/cartwright/memory/pgvector"
	"github.com/cartwright-agent/cartwright/memory/sqlstore"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acpclient"
	"github.com/cartwright-agent/cartwright/skills/browser"
	"github.com/cartwright-agent/cartwright/skills/pay"
	"github.com/cartwright-agent/cartwright/skills/store"
	"github.com/cartwright-agent/cartwright/skills/witness"
)

// Merchant interfaces.
const (
	InterfaceAPI = "api" // an ACP-shaped checkout API
	InterfaceWeb = "web" // reached only through its HTML storefront
)

// Merchant is one merchant to shop at, as data.
type Merchant struct {
	// ID is the merchant's id. For an API merchant it may be empty: the
	// merchant's published info names it.
	ID   string
	Name string // display name (web merchants; default ID)
	// Interface is InterfaceAPI (default) or InterfaceWeb.
	Interface string
	// URL is the ACP API's base URL (api).
	URL string
	// ShopURL is the storefront's home page (web).
	ShopURL string
}

// Config configures Build.
type Config struct {
	// DB is the state database (required). The caller closes it after the
	// Runtime.
	DB *store.DB
	// UserID owns the wallet, the keys and the mandates (default "demo").
	UserID string
	// KeysDir holds the user's and the agent's signing keys (created on
	// first use). Empty: fresh keys for this Runtime only.
	KeysDir string
	// AgentKeyFile, when set, is the agent key's file (NAME.ed25519) apart
	// from KeysDir (the CLI takes it from $CARTWRIGHT_AGENT_KEY).
	AgentKeyFile string
	// Memory chooses where preference memory lives (default: the state
	// database's own tables).
	Memory MemoryOptions
	// Merchants to shop at (at least one must be wired).
	Merchants []Merchant
	// PaynetURL is the payment network that issues delegated tokens (required).
	PaynetURL string
	// Currency of the wallet (default: the first API merchant's).
	Currency skills.Currency
	// WalletID names the agent wallet (default "<user>-<currency>").
	WalletID string
	// InitialBalance (major units in the wallet's currency, e.g. "1000.00"),
	// when set, is loaded into the wallet once: the top-up's idempotency key
	// (InitialLoadKey, default "initial-load:<wallet>") makes it happen a
	// single time per wallet.
	InitialBalance string
	InitialLoadKey string
	// Planner plans; when nil PlannerName picks one (see PlannerByName).
	Planner     planner.Planner
	PlannerName string
	// HTTPClient reaches API merchants and the payment network (default: a
	// client with a 30 s timeout). Its transport is wrapped by the x402
	// transport for merchant calls.
	HTTPClient *http.Client
	// EvidenceDir is where the browser skill files its screenshots
	// (default: an "evidence" directory beside KeysDir, else the temp dir).
	EvidenceDir string
	// Logger receives the runtime's logs (default: discarded).
	Logger *slog.Logger
	// SkipMerchant, when set, is told of a merchant that cannot be wired (a
	// web-only merchant without Chromium, an API merchant whose info cannot
	// be fetched) and Build goes on without it. Nil: a missing browser
	// fails Build with that error; an unreachable API merchant is logged
	// and skipped. Build fails only when no merchant is left.
	SkipMerchant func(id string, err error)
	// Agent holds collaborators and settings for the runtime (Confirmer,
	// Clarifier, Progress, MerchantTimeout, RetryBackoff, …). What is set is
	// kept; Build fills Registry, Wallet, Store, Rail, Policy, Audit,
	// Memory, Planner and Logger where unset.
	Agent agent.Config
}

// ErrNoBrowser: a web-only merchant needs Chromium and it is not installed.
var ErrNoBrowser = errors.New("chromium is not installed")

// BrowserMissingError names the web-only merchant that could not be wired
// and the Chromium binary that is missing. errors.Is(err, ErrNoBrowser).
type BrowserMissingError struct {
	Merchant string
	Path     string
}

func (e *BrowserMissingError) Error() string {
	return fmt.Sprintf("merchant %s sells only through its web storefront and needs Chromium at %s, which is not installed (scripts/install-chromium.sh, or set CARTWRIGHT_CHROMIUM)", e.Merchant, e.Path)
}

// Unwrap makes errors.Is(err, ErrNoBrowser) hold.
func (e *BrowserMissingError) Unwrap() error { return ErrNoBrowser }

// Runtime is a wired agent and what it was wired from.
type Runtime struct {
	Agent *agent.Agent
	// Config is the agent configuration as wired (for a second Agent on the
	// same state).
	Config    agent.Config
	DB        *store.DB
	Wallet    *wallet.Wallet
	Authority *Authority
	// Memory is the preference memory Build opened (nil when Config.Agent
	// brought its own).
	Memory *memory.Service
	// Verifier is the payment network's AP2 check: install Verifier.Hook()
	// in the network the merchants charge through.
	Verifier *mandate.DelegationVerifier
	// Engine is the policy engine (nil when Config.Agent brought a Policy).
	Engine   *policy.Engine
	Currency skills.Currency
	// Merchants are the ids of the merchants wired, in order.
	Merchants []string

	fees    *feeBook
	log     *slog.Logger
	closers []func()
}

// Close stops what Build started (the browser). It does not close the DB.
func (r *Runtime) Close() {
	if r == nil {
		return
	}
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
	r.closers = nil
}

// Build wires the runtime. On error nothing stays open.
func Build(ctx context.Context, cfg Config) (rt *Runtime, err error) {
	if cfg.DB == nil {
		return nil, errors.New("assemble: Config.DB is required")
	}
	if cfg.PaynetURL == "" {
		return nil, errors.New("assemble: Config.PaynetURL is required: the payment network that issues delegated tokens")
	}
	if len(cfg.Merchants) == 0 {
		return nil, errors.New("assemble: no merchants to shop at")
	}
	if cfg.UserID == "" {
		cfg.UserID = "demo"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	rt = &Runtime{DB: cfg.DB, Currency: cfg.Currency, log: log}
	built := rt
	defer func() {
		if err != nil {
			built.Close() // the browser, if one was started
			rt = nil
		}
	}()
	if rt.Authority, err = OpenAuthorityKey(ctx, cfg.DB, cfg.KeysDir, cfg.AgentKeyFile, cfg.UserID); err != nil {
		return nil, err
	}
	if rt.fees, err = openFeeBook(ctx, cfg.DB); err != nil {
		return nil, err
	}

	// Merchant clients. Their HTTP goes through the x402 transport: a
	// merchant that charges per request is paid from the wallet, inside the
	// session's mandate, or not at all. The wallet is set below, before any
	// request can be made.
	x402, err := pay.NewX402Transport(pay.X402Config{Base: base, Key: rt.Authority.AgentKey, Wallet: (*lateWallet)(rt),
		Approve: rt.approveFee, OnPaid: rt.feePaid, OnDone: rt.feeDone, RefusalAsResponse: true})
	if err != nil {
		return nil, err
	}
	mc := &http.Client{Transport: x402, Timeout: hc.Timeout, Jar: hc.Jar}
	reg := skills.NewRegistry()
	var br *browser.Browser
	var skipped []string
	skip := func(id string, err error) {
		skipped = append(skipped, err.Error())
		if cfg.SkipMerchant != nil {
			cfg.SkipMerchant(id, err)
		} else {
			log.Warn("merchant skipped", "merchant", id, "err", err)
		}
	}
	for i, m := range cfg.Merchants {
		var c skills.Merchant
		id := m.ID
		switch m.Interface {
		case "", InterfaceAPI:
			if m.URL == "" {
				return nil, fmt.Errorf("assemble: merchants[%d] (%s): an API merchant needs its URL", i, id)
			}
			ac, err := acpclient.New(acpclient.Config{BaseURL: m.URL, HTTPClient: mc, Retries: -1}) // the agent is the one retry layer
			if err != nil {
				return nil, fmt.Errorf("merchant %s: %w", firstNonEmpty(id, m.URL), err)
			}
			if id == "" || rt.Currency == "" {
				// One unreachable merchant degrades the run, it does not
				// end it: skip it (and say so) unless none is left.
				ictx, cancel := context.WithTimeout(ctx, infoTimeout(cfg.Agent.MerchantTimeout))
				info, err := ac.Info(ictx)
				cancel()
				if err != nil {
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					e := fmt.Errorf("merchant %s is unreachable: %w", firstNonEmpty(id, m.URL), err)
					skip(firstNonEmpty(id, m.URL), e)
					continue
				}
				if id == "" {
					id = info.ID
				}
				if rt.Currency == "" {
					rt.Currency = info.Currency
				}
			}
			c = ac
		case InterfaceWeb:
			if m.ShopURL == "" {
				return nil, fmt.Errorf("assemble: merchants[%d] (%s): a web-only merchant needs its storefront URL", i, id)
			}
			if id == "" {
				return nil, fmt.Errorf("assemble: merchants[%d]: a web-only merchant needs its id", i)
			}
			path, ok := browser.ExecPath()
			if !ok {
				e := &BrowserMissingError{Merchant: id, Path: path}
				if cfg.SkipMerchant == nil {
					return nil, e
				}
				skip(id, e)
				continue
			}
			if rt.Currency == "" && cfg.Currency == "" {
				return nil, fmt.Errorf("assemble: merchant %s: a web-only merchant needs Config.Currency", id)
			}
			if br == nil {
				br = browser.NewBrowser(browser.BrowserConfig{ExecPath: path, Logger: log})
				b := br
				rt.closers = append(rt.closers, func() { b.Close() })
			}
			bm, err := browser.New(browser.Config{ID: id, Name: firstNonEmpty(m.Name, id), BaseURL: m.ShopURL,
				Currency: firstNonEmpty(cfg.Currency, rt.Currency), Browser: br, Logger: log, EvidenceDir: evidenceDir(cfg)})
			if err != nil {
				return nil, fmt.Errorf("merchant %s: %w", id, err)
			}
			c = bm
		default:
			return nil, fmt.Errorf("assemble: merchants[%d] (%s): interface %q (want api or web)", i, id, m.Interface)
		}
		if err := reg.Register(id, c); err != nil {
			return nil, fmt.Errorf("merchant %s: %w", id, err)
		}
		rt.Merchants = append(rt.Merchants, id)
	}
	if len(rt.Merchants) == 0 {
		if len(skipped) > 0 {
			return nil, fmt.Errorf("assemble: no merchant could be wired: %s", strings.Join(skipped, "; "))
		}
		return nil, errors.New("assemble: no merchant could be wired")
	}
	if rt.Currency == "" {
		return nil, errors.New("assemble: no merchant told its currency; set Config.Currency")
	}

	// Wallet.
	wid := cfg.WalletID
	if wid == "" {
		wid = cfg.UserID + "-" + strings.ToLower(string(rt.Currency))
	}
	if rt.Wallet, err = wallet.Open(ctx, wallet.Config{DB: cfg.DB, ID: wid, Currency: rt.Currency}); err != nil {
		return nil, fmt.Errorf("wallet %s: %w", wid, err)
	}
	if cfg.InitialBalance != "" {
		b, err := skills.ParseMoney(cfg.InitialBalance, rt.Currency)
		if err != nil || b.Minor < 0 {
			return nil, fmt.Errorf("assemble: InitialBalance %q: want an amount like 1000.00", cfg.InitialBalance)
		}
		key := cfg.InitialLoadKey
		if key == "" {
			key = "initial-load:" + wid
		}
		if b.Minor == 0 {
			// nothing to load
		} else if err := rt.Wallet.TopUp(ctx, key, b, "initial balance"); err != nil {
			return nil, fmt.Errorf("load wallet %s: %w", wid, err)
		}
	}
	rt.Verifier = rt.Authority.Verifier(func() *wallet.Wallet { return rt.Wallet })

	// The payment network witnesses the audit log's head at every payment
	// (and refund); its key is pinned in the key directory.
	wc := &witness.Client{BaseURL: cfg.PaynetURL, HTTPClient: hc}
	rt.Authority.Audit.SetWitness(wc.Witness, audit.NewPins(cfg.KeysDir))

	// Payment authority: rail, policy, audit.
	ac := cfg.Agent
	delegated, err := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: cfg.PaynetURL, HTTPClient: hc, Card: pay.VirtualCard(rt.Wallet.ID())})
	if err != nil {
		return nil, err
	}
	categories := newCategoryIndex()
	if ac.Rail == nil {
		r := rt.Authority.Rail(delegated)
		r.Categories = categories.lookup
		ac.Rail = r
	}
	if ac.Policy == nil {
		e := rt.Authority.Policy(rt.Wallet)
		e.Predicted = func(in agent.PolicyInput) map[string]skills.Money {
			categories.learn(in.Categories)
			return in.Predicted
		}
		rt.Engine = e
		ac.Policy = &feePolicy{engine: e, fees: rt.fees}
	}
	if ac.Audit == nil {
		ac.Audit = rt.Authority.Audit
	}
	if ac.Memory == nil {
		mem, err := OpenMemory(ctx, cfg.DB, cfg.Memory)
		if err != nil {
			return nil, fmt.Errorf("preference memory: %w", err)
		}
		rt.Memory = mem
		ac.Memory = memoryAdapter{mem}
	}
	if ac.Planner == nil {
		ac.Planner = cfg.Planner
	}
	if ac.Planner == nil {
		if ac.Planner, err = PlannerByName(cfg.PlannerName); err != nil {
			return nil, err
		}
	}
	if ac.Logger == nil {
		ac.Logger = log
	}
	ac.Registry, ac.Merchants, ac.Wallet, ac.Store = reg, nil, rt.Wallet, cfg.DB
	if rt.Agent, err = agent.New(ctx, ac); err != nil {
		return nil, err
	}
	rt.Config = ac
	return rt, nil
}

// infoTimeout bounds the info fetch Build makes for a merchant named by
// URL alone: the agent's merchant timeout, 10 s by default.
func infoTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return 10 * time.Second
	}
	return d
}

// Run runs a purchase request (see agent.Agent.Run) with the session named
// on the context, so that per-request fees are charged to it and checked
// against its mandate.
func (r *Runtime) Run(ctx context.Context, req agent.Request) (*Result, error) {
	if req.SessionID == "" {
		req.SessionID = NewSessionID()
	}
	r.fees.bind(req.SessionID, req.Mandate)
	res, err := r.Agent.Run(skills.WithSession(ctx, req.SessionID), req)
	return r.result(ctx, res), err
}

// Resume continues a session that did not finish (see agent.Agent.Resume).
// Fees met on the way are checked against the user's active mandate.
func (r *Runtime) Resume(ctx context.Context, sessionID string) (*Result, error) {
	if _, ok := r.fees.mandate(sessionID); !ok {
		m, err := r.Authority.SessionMandate(ctx, time.Now())
		if err != nil {
			return nil, err
		}
		r.fees.bind(sessionID, m)
	}
	res, err := r.Agent.Resume(skills.WithSession(ctx, sessionID), sessionID)
	return r.result(ctx, res), err
}

func (r *Runtime) result(ctx context.Context, res *agent.Result) *Result {
	if res == nil {
		return nil
	}
	out := &Result{Result: res, Fees: skills.M(0, r.Currency)}
	fs, err := r.fees.list(ctx, res.SessionID)
	if err != nil {
		r.log.Warn("x402 fees of the session", "session", res.SessionID, "err", err)
		res.Errors = append(res.Errors, "x402 fees could not be read: "+err.Error())
		return out
	}
	out.FeePayments = fs
	for _, f := range fs {
		if f.Amount.Currency == out.Fees.Currency {
			out.Fees.Minor += f.Amount.Minor
		}
	}
	return out
}

// NewSessionID returns a fresh session id in the runtime's format.
func NewSessionID() string { return agent.NewSessionID() }

// OpenMemory opens the embedded preference memory (the local embedder over
// the state database).
func OpenMemory(ctx context.Context, db *store.DB, opts MemoryOptions) (*memory.Service, error) {
	var emb memory.Embedder
	switch e, ok, err := openaiembed.FromEnv(ctx); {
	case err != nil:
		return nil, fmt.Errorf("embedder: %w", err)
	case ok:
		emb = e
	default:
		local, err := localembed.New(localembed.Config{})
		if err != nil {
			return nil, err
		}
		emb = local
	}
	var st memory.Store
	if opts.PgvectorURL != "" {
		pv, err := pgvector.Open(ctx, pgvector.Config{URL: opts.PgvectorURL, Dim: emb.Dim()})
		if err != nil {
			if errors.Is(err, pgvector.ErrNoExtension) {
				return nil, fmt.Errorf("%w (install pgvector in that database, or set %s=sql to keep memory in plain tables there)", err, EnvMemoryStore)
			}
			return nil, err
		}
		st = pv
	} else {
		sq, err := sqlstore.Open(ctx, sqlstore.Config{DB: db})
		if err != nil {
			return nil, err
		}
		st = sq
	}
	return memory.New(memory.Config{Store: st, Embedder: emb})
}

// EnvMemoryStore chooses the memory store when the state database is
// PostgreSQL: "pgvector" (the default: HNSW index, needs the extension) or
// "sql" (plain tables, brute-force cosine).
const EnvMemoryStore = "CARTWRIGHT_MEMORY_STORE"

// MemoryOptions chooses where preference memory lives.
type MemoryOptions struct {
	// PgvectorURL, when set, keeps memory in PostgreSQL + pgvector at that
	// URL (pgvector-go over pgx, HNSW index); empty keeps it in the state
	// database's own tables.
	PgvectorURL string
}

// memoryAdapter gives the runtime recall (memory.ForPlanner) and purchase
// history (memory.RecordPurchase) over one memory service.
type memoryAdapter struct{ m memory.Memory }

func (a memoryAdapter) Recall(ctx context.Context, user, text string) ([]planner.MemoryItem, error) {
	return memory.ForPlanner(ctx, a.m, user, text)
}

func (a memoryAdapter) RecordPurchase(ctx context.Context, user string, o skills.Order) error {
	_, err := memory.RecordPurchase(ctx, a.m, user, o)
	return err
}

var _ agent.PurchaseRecorder = memoryAdapter{}

func evidenceDir(cfg Config) string {
	switch {
	case cfg.EvidenceDir != "":
		return cfg.EvidenceDir
	case cfg.KeysDir != "":
		return filepath.Join(cfg.KeysDir, "evidence")
	}
	return "" // the browser skill's default
}

func firstNonEmpty[T ~string](a, b T) T {
	if a != "" {
		return a
	}
	return b
}

// lateWallet lets the x402 transport be built before the wallet is open
// (the wallet's currency comes from the merchants): no merchant request
// is made before Build has opened it.
type lateWallet Runtime

func (l *lateWallet) w() (*wallet.Wallet, error) {
	if l.Wallet == nil {
		return nil, errors.New("agent wallet not open yet")
	}
	return l.Wallet, nil
}

func (l *lateWallet) Hold(ctx context.Context, key string, amount skills.Money, memo string) (string, error) {
	w, err := l.w()
	if err != nil {
		return "", err
	}
	return w.Hold(ctx, key, amount, memo)
}

func (l *lateWallet) Capture(ctx context.Context, key, holdID string, amount skills.Money) error {
	w, err := l.w()
	if err != nil {
		return err
	}
	return w.Capture(ctx, key, holdID, amount)
}

func (l *lateWallet) Release(ctx context.Context, key, holdID string) error {
	w, err := l.w()
	if err != nil {
		return err
	}
	return w.Release(ctx, key, holdID)
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
