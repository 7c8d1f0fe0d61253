package merchants

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/demo"
	"github.com/cartwright-agent/cartwright/merchants/internal/httpx"
	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/merchants/x402"
	"github.com/cartwright-agent/cartwright/skills/acp"
)

// DemoWorld parses the built-in demo world.
func DemoWorld() (*World, error) {
	return LoadWorldBytes("merchants/demo/world.yaml", demo.WorldYAML)
}

// Options configure Start.
type Options struct {
	// Mount, when set, is asked for an extra handler per merchant, served
	// under /shop/ on the merchant's port (the HTML storefront). A nil
	// result mounts nothing for that merchant.
	Mount func(merchantID string, e *Engine) http.Handler
	// Verifier is installed in the payment network (AP2 mandate checks).
	Verifier paynet.Verifier
	// InProcessPayments makes merchants call the payment network directly
	// instead of over HTTP (faster; benchmarks use it).
	InProcessPayments bool
	// Now is the clock for engines and the payment network (default time.Now).
	Now func() time.Time
	// Logger receives server errors (default slog.Default()).
	Logger *slog.Logger
	// ReadTimeout bounds reading one request, headers and body (default
	// 30 s): a client that declares a body and never sends it is cut off.
	// IdleTimeout bounds an idle keep-alive connection (default 60 s).
	ReadTimeout, IdleTimeout time.Duration
	// WitnessKey is the payment network's audit-witness key (nil: a fresh
	// one): kept across runs, countersignatures of earlier runs stay
	// checkable against the same pinned key.
	WitnessKey ed25519.PrivateKey
	// Wrap, when set, wraps every server's handler (merchants, payment
	// network, facilitator): benchmarks time what the world spends.
	Wrap func(http.Handler) http.Handler
}

// Server limits every HTTP server of the world applies.
const (
	defaultReadTimeout = 30 * time.Second
	defaultIdleTimeout = 60 * time.Second
	// writeTimeout leaves room for the latency fault (seconds at most).
	writeTimeout   = 2 * time.Minute
	maxHeaderBytes = 64 << 10
	// MaxRequestBody bounds every request body on every server (the ACP
	// routes' own limit, httpx.MaxBody, is lower).
	MaxRequestBody = 1 << 20
)

// RunningMerchant is one started merchant.
type RunningMerchant struct {
	ID        string
	Interface string
	// URL is the merchant's base URL; the ACP API is served at its root for
	// interface "api" merchants.
	URL string
	// ShopURL is URL + "/shop/" when a storefront is mounted, else "".
	ShopURL string
	Engine  *Engine
}

// Running is a started world.
type Running struct {
	World     *World
	Paynet    *paynet.Network
	PaynetURL string
	Merchants []*RunningMerchant
	// Facilitator verifies and settles the world's x402 payments (per-request
	// fees of merchants with x402 terms); nil when no merchant charges any.
	// FacilitatorURL serves it (POST /verify, POST /settle, GET /transfers).
	Facilitator    *x402.Facilitator
	FacilitatorURL string

	servers []*http.Server
	wg      sync.WaitGroup
	once    sync.Once
}

// Merchant returns the running merchant with id, or nil.
func (r *Running) Merchant(id string) *RunningMerchant {
	for _, m := range r.Merchants {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// Engine returns the engine of merchant id, or nil.
func (r *Running) Engine(id string) *Engine {
	if m := r.Merchant(id); m != nil {
		return m.Engine
	}
	return nil
}

// URL returns the base URL of merchant id, or "".
func (r *Running) URL(id string) string {
	if m := r.Merchant(id); m != nil {
		return m.URL
	}
	return ""
}

// Close stops every server. It is safe to call more than once.
func (r *Running) Close() error {
	var err error
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, s := range r.servers {
			if e := s.Shutdown(ctx); e != nil {
				err = errors.Join(err, s.Close())
			}
		}
		r.wg.Wait()
	})
	return err
}

func (r *Running) serve(h http.Handler, log *slog.Logger, opts Options) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	read, idle := opts.ReadTimeout, opts.IdleTimeout
	if read <= 0 {
		read = defaultReadTimeout
	}
	if idle <= 0 {
		idle = defaultIdleTimeout
	}
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	s := &http.Server{Handler: http.MaxBytesHandler(h, MaxRequestBody), ReadHeaderTimeout: min(10*time.Second, read), ReadTimeout: read,
		WriteTimeout: writeTimeout, IdleTimeout: idle, MaxHeaderBytes: maxHeaderBytes, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	r.servers = append(r.servers, s)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("merchant server", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Start serves every merchant of w, and the payment network, on loopback
// with random ports. The servers stop when ctx ends or Close is called.
func Start(ctx context.Context, w *World, opts Options) (*Running, error) {
	if w == nil || len(w.Merchants) == 0 {
		return nil, errors.New("merchants: start: empty world")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	net := paynet.New(paynet.Config{Verifier: opts.Verifier, Now: opts.Now, WitnessKey: opts.WitnessKey})
	r := &Running{World: w, Paynet: net}
	var err error
	if r.PaynetURL, err = r.serve(net.Handler(), log, opts); err != nil {
		return nil, fmt.Errorf("merchants: start payment network: %w", err)
	}
	var proc paynet.Processor = net
	if !opts.InProcessPayments {
		proc = &paynet.Client{BaseURL: r.PaynetURL, HTTPClient: &http.Client{Timeout: 10 * time.Second}, Retries: 3}
	}
	// x402: one facilitator on the ledger network for every merchant that
	// charges per request; paywalls reach it over HTTP like a real one (in
	// process with InProcessPayments).
	var fac x402.FacilitatorAPI
	for _, m := range w.Merchants {
		if m.X402 == nil || fac != nil {
			continue
		}
		r.Facilitator = x402.NewFacilitator(x402.FacilitatorConfig{Now: opts.Now})
		if r.FacilitatorURL, err = r.serve(r.Facilitator.Handler(), log, opts); err != nil {
			r.Close()
			return nil, fmt.Errorf("merchants: start x402 facilitator: %w", err)
		}
		fac = r.Facilitator
		if !opts.InProcessPayments {
			fac = &x402.Client{BaseURL: r.FacilitatorURL, HTTPClient: &http.Client{Timeout: 10 * time.Second}}
		}
	}
	for _, m := range w.Merchants {
		e, err := NewEngine(EngineConfig{
			Currency: w.Currency, Merchant: m, Payments: proc, Seed: w.Seed, Now: opts.Now,
			PaymentURL: r.PaynetURL,
		})
		if err != nil {
			r.Close()
			return nil, err
		}
		rm := &RunningMerchant{ID: m.ID, Interface: m.Interface, Engine: e}
		mux := http.NewServeMux()
		var shop http.Handler
		if opts.Mount != nil {
			shop = opts.Mount(m.ID, e)
		}
		if shop != nil {
			mux.Handle("/shop/", shop)
		}
		if m.Interface == InterfaceAPI {
			api := APIHandler(e)
			mux.Handle("/", api)
			if t := m.X402; t != nil {
				// The catalog search costs a fee per request: 402 with
				// PAYMENT-REQUIRED until a signed payment verifies; settled
				// only when the search succeeds.
				mux.Handle("GET "+ExtPrefix+"/products", &x402.Paywall{Price: t.SearchFee, PayTo: m.ID,
					Description: "catalog search at " + m.Name, MimeType: "application/json", Facilitator: fac, Next: api})
			}
		} else {
			// No API: the storefront, and the catalog's product feed. Only
			// the feed routes go through the feed handler (and its faults):
			// a browser's stray requests (favicon) draw no fault.
			feed := FeedHandler(e)
			mux.Handle("/feeds", feed)
			mux.Handle("/feeds/", feed)
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteError(w, http.StatusNotFound, acp.ErrTypeInvalidRequest, "not_found", m.ID+" has no API besides its product feed (/feeds/"+FeedID(m.ID)+"); it sells through its web storefront at /shop/", "")
			})
		}
		if rm.URL, err = r.serve(mux, log, opts); err != nil {
			r.Close()
			return nil, fmt.Errorf("merchants: start %s: %w", m.ID, err)
		}
		if shop != nil {
			rm.ShopURL = rm.URL + "/shop/"
		}
		r.Merchants = append(r.Merchants, rm)
	}
	go func() {
		<-ctx.Done()
		r.Close()
	}()
	return r, nil
}

// Serve loads a world file (the demo world when worldPath is empty), starts
// it, prints each merchant's URLs to out and blocks until ctx ends.
func Serve(ctx context.Context, worldPath string, out io.Writer, opts ...Options) error {
	var w *World
	var err error
	if worldPath == "" {
		w, err = DemoWorld()
	} else {
		w, err = LoadWorldFile(worldPath)
	}
	if err != nil {
		return err
	}
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	r, err := Start(ctx, w, o)
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Fprintf(out, "payment network  %s\n", r.PaynetURL)
	if r.FacilitatorURL != "" {
		fmt.Fprintf(out, "x402 facilitator %s\n", r.FacilitatorURL)
	}
	for _, m := range r.Merchants {
		line := fmt.Sprintf("%-12s %-4s %s", m.ID, m.Interface, m.URL)
		if m.ShopURL != "" {
			line += "  shop " + m.ShopURL
		}
		fmt.Fprintln(out, strings.TrimRight(line, " "))
	}
	<-ctx.Done()
	return nil
}
