// Package browser is the browser skill: a skills.Merchant that shops a web
// storefront the way a person does, in a real headless Chromium driven by
// chromedp. It searches with the site's search box, opens product pages,
// picks options, adds to the cart, unticks extras nobody asked for, reads
// the quote from the cart page, fills the checkout form with the delivery
// address and a delegated payment token, and reads the order confirmation.
//
// What it does on a site comes from a Profile: a small YAML file of URLs
// and CSS selectors for a storefront it knows, or the Generic profile, which
// finds search boxes, product links, prices, option pickers and buttons by
// their labels, roles and structure, so that a storefront it has never seen
// can be shopped too.
//
// One Browser (one Chromium process) serves every Merchant of a process;
// each checkout session gets its own tab in its own browser context
// (separate cookies). Every step has a deadline; waits are on page
// conditions (a page load, an element), never fixed sleeps. Page text is
// data: the skill reads prices, SKUs and totals from it and never acts on
// what the text says.
package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultExecPath is where Debian's chromium package installs the browser
// (scripts/install-chromium.sh installs it).
const DefaultExecPath = "/usr/bin/chromium"

// ExecPath returns the Chromium binary to use: $CARTWRIGHT_CHROMIUM when
// set, else DefaultExecPath, and whether it exists.
func ExecPath() (string, bool) {
	p := os.Getenv("CARTWRIGHT_CHROMIUM")
	if p == "" {
		p = DefaultExecPath
	}
	st, err := os.Stat(p)
	return p, err == nil && !st.IsDir()
}

// BrowserConfig configures a Browser.
type BrowserConfig struct {
	// ExecPath is the Chromium binary (default: ExecPath()).
	ExecPath string
	// WindowWidth and WindowHeight size the viewport (default 1280×900).
	WindowWidth, WindowHeight int
	// StartTimeout bounds the browser start (default 30s).
	StartTimeout time.Duration
	// Logger receives browser errors (default slog.Default()).
	Logger *slog.Logger
}

// Browser is one headless Chromium process shared by every Merchant of a
// process. It starts on first use; Close stops it. It is safe for
// concurrent use.
type Browser struct {
	cfg BrowserConfig
	log *slog.Logger

	mu          sync.Mutex
	started     bool
	closed      bool
	allocCancel context.CancelFunc
	ctx         context.Context // the browser's first tab; parent of every tab
	cancel      context.CancelFunc
	spare       *openTab // a tab opened ahead of need, or nil
	filling     bool     // a spare tab is being opened
	bg          sync.WaitGroup
}

type openTab struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// NewBrowser returns a Browser that starts on first use.
func NewBrowser(cfg BrowserConfig) *Browser {
	if cfg.ExecPath == "" {
		cfg.ExecPath, _ = ExecPath()
	}
	if cfg.WindowWidth <= 0 || cfg.WindowHeight <= 0 {
		cfg.WindowWidth, cfg.WindowHeight = 1280, 900
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Browser{cfg: cfg, log: cfg.Logger}
}

// ErrBrowserClosed is returned after Close.
var ErrBrowserClosed = errors.New("browser: closed")

// start launches Chromium once. Flags: headless, no sandbox when root
// (chromedp adds it), no GPU, no background networking, component updates,
// sync or first-run UI, and a fresh temporary user-data-dir that chromedp
// removes when the browser stops.
func (b *Browser) start() (context.Context, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBrowserClosed
	}
	if b.started {
		return b.ctx, nil
	}
	if st, err := os.Stat(b.cfg.ExecPath); err != nil || st.IsDir() {
		return nil, fmt.Errorf("browser: chromium not found at %s (run scripts/install-chromium.sh)", b.cfg.ExecPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(b.cfg.ExecPath),
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(b.cfg.WindowWidth, b.cfg.WindowHeight),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(f string, a ...any) {
		b.log.Debug("chromedp", "msg", fmt.Sprintf(f, a...))
	}))
	// The first Do must run on ctx itself: chromedp ties the browser's
	// lifetime to the context of that call. A timer bounds the start.
	timer := time.AfterFunc(b.cfg.StartTimeout, cancel)
	err := chromedp.Do(ctx)
	timer.Stop()
	if err != nil {
		cancel()
		allocCancel()
		return nil, fmt.Errorf("browser: start chromium: %w", err)
	}
	b.started, b.ctx, b.cancel, b.allocCancel = true, ctx, cancel, allocCancel
	return ctx, nil
}

// tab returns a new tab in a fresh browser context (its own cookies). It
// hands out a tab opened ahead of time when there is one and opens the
// next in the background, so a warm browser does not wait for a tab. The
// returned cancel closes the tab in the background.
func (b *Browser) tab() (context.Context, context.CancelFunc, error) {
	if _, err := b.start(); err != nil {
		return nil, nil, err
	}
	b.mu.Lock()
	t := b.spare
	b.spare = nil
	b.mu.Unlock()
	if t == nil {
		var err error
		if t, err = b.open(); err != nil {
			return nil, nil, err
		}
	}
	b.refill()
	return t.ctx, b.releaser(t.cancel), nil
}

func (b *Browser) open() (*openTab, error) {
	b.mu.Lock()
	root, closed := b.ctx, b.closed
	b.mu.Unlock()
	if closed {
		return nil, ErrBrowserClosed
	}
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	// As in start: the first Do runs on ctx itself, a timer bounds it.
	timer := time.AfterFunc(b.cfg.StartTimeout, cancel)
	err := chromedp.Do(ctx)
	timer.Stop()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("browser: open tab: %w", err)
	}
	return &openTab{ctx: ctx, cancel: cancel}, nil
}

// refill opens a spare tab in the background unless one is there or coming.
func (b *Browser) refill() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.spare != nil || b.filling {
		return
	}
	b.filling = true
	b.bg.Add(1)
	go func() {
		defer b.bg.Done()
		t, err := b.open()
		b.mu.Lock()
		defer b.mu.Unlock()
		b.filling = false
		if err != nil {
			b.log.Debug("browser: spare tab", "err", err)
			return
		}
		if b.closed || b.spare != nil {
			go t.cancel()
			return
		}
		b.spare = t
	}()
}

// releaser closes a tab in the background (chromedp waits until the tab is
// gone); Close waits for every such close.
func (b *Browser) releaser(cancel context.CancelFunc) context.CancelFunc {
	var once sync.Once
	return func() {
		once.Do(func() {
			b.bg.Add(1)
			go func() {
				defer b.bg.Done()
				cancel()
			}()
		})
	}
}

// Close stops Chromium and removes its profile directory. Tabs still open
// are closed with it. Calling Close twice is fine.
func (b *Browser) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	spare := b.spare
	b.spare = nil
	b.mu.Unlock()
	if spare != nil {
		spare.cancel()
	}
	b.bg.Wait() // tabs being opened or closed in the background
	b.mu.Lock()
	if !b.started {
		return nil
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	err := chromedp.Cancel(ctx)
	b.cancel()
	b.allocCancel()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("browser: close: %w", err)
	}
	return nil
}
