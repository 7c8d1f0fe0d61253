package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/cartwright-agent/cartwright/skills"
)

//go:embed agent.js
var agentJS string

// StepError is a browser step that failed: which step, which element role
// and selector (empty for a heuristic lookup), on which page.
type StepError struct {
	Merchant string
	Step     string
	Role     string
	Selector string
	URL      string
	Err      error
}

func (e *StepError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "browser merchant %s: step %q", e.Merchant, e.Step)
	if e.Role != "" {
		fmt.Fprintf(&b, ": element %q", e.Role)
		if e.Selector != "" {
			fmt.Fprintf(&b, " (selector %q)", e.Selector)
		} else {
			b.WriteString(" (generic heuristics)")
		}
	}
	if e.URL != "" {
		fmt.Fprintf(&b, " on %s", e.URL)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *StepError) Unwrap() error { return e.Err }

// errMissing says an element was not on the page.
var errMissing = errors.New("not found on the page")

// page drives one tab for one merchant.
type page struct {
	m    *Merchant
	ctx  context.Context // the tab, with the operation's deadline
	sels string          // the profile's selectors as JSON
	wait *atomic.Int64   // nanoseconds spent waiting for pages
}

type missing struct {
	Role     string `json:"role"`
	Selector string `json:"selector"`
}

// eval runs one agent.js operation and decodes its result into out.
func (p *page) eval(op string, arg any, out any) (*missing, error) {
	a, err := json.Marshal(arg)
	if err != nil {
		return nil, err
	}
	o, _ := json.Marshal(op)
	expr := "(" + agentJS + ")(" + p.sels + "," + string(o) + "," + string(a) + ")"
	s, err := chromedp.Run(p.ctx, isolated(expr))
	if err != nil {
		return nil, err
	}
	var env struct {
		Error   string   `json:"error"`
		Missing *missing `json:"missing"`
	}
	if err := json.Unmarshal([]byte(s), &env); err != nil {
		return nil, fmt.Errorf("agent %s: %w", op, err)
	}
	if env.Error != "" {
		return env.Missing, errors.New(env.Error)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(s), out); err != nil {
			return nil, fmt.Errorf("agent %s: %w", op, err)
		}
	}
	return env.Missing, nil
}

// isolated evaluates a string-valued expression in an isolated world of
// the page's main frame: it shares the DOM with the page but none of its
// JavaScript, so a page script cannot change what the skill's code does
// (overriding JSON, Array or DOM methods, say).
func isolated(expr string) chromedp.Action[string] {
	return func(ctx context.Context, t *chromedp.Target) (string, error) {
		tree, err := cdp.Call(ctx, t, cdppage.GetFrameTree, cdp.Empty{})
		if err != nil {
			return "", err
		}
		if tree.FrameTree == nil || tree.FrameTree.Frame == nil {
			return "", errors.New("the page has no main frame")
		}
		w, err := cdp.Call(ctx, t, cdppage.CreateIsolatedWorld, cdppage.CreateIsolatedWorldParams{FrameID: tree.FrameTree.Frame.ID, WorldName: "cartwright"})
		if err != nil {
			return "", err
		}
		yes := true
		r, err := cdp.Call(ctx, t, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, ContextID: w.ExecutionContextID, ReturnByValue: &yes})
		if err != nil {
			return "", err
		}
		if r.ExceptionDetails != nil {
			return "", fmt.Errorf("page script: %s (line %d)", r.ExceptionDetails.Text, r.ExceptionDetails.LineNumber)
		}
		if r.Result == nil || r.Result.Type != runtime.RemoteObjectTypeString {
			return "", errors.New("page script returned no string")
		}
		var s string
		if err := json.Unmarshal(r.Result.Value, &s); err != nil {
			return "", err
		}
		return s, nil
	}
}

// evalString evaluates a string-valued expression in the isolated world.
func (p *page) evalString(expr string) (string, error) {
	return chromedp.Run(p.ctx, isolated(expr))
}

func (p *page) url() string {
	u, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	return u
}

func (p *page) fail(step, role string, err error) error {
	var se *StepError
	if errors.As(err, &se) {
		return err
	}
	sel := ""
	if role != "" {
		sel = p.m.profile.Selectors[strings.SplitN(role, ":", 2)[0]]
	}
	if p.ctx.Err() != nil && !errors.Is(err, p.ctx.Err()) {
		err = fmt.Errorf("%w (%v)", err, p.ctx.Err())
	}
	return &StepError{Merchant: p.m.cfg.ID, Step: step, Role: role, Selector: sel, URL: p.url(), Err: err}
}

// status maps an HTTP status of a page to an error kind.
func statusErr(status int64) error {
	switch {
	case status == 0 || status < 400:
		return nil
	case status == 503 || status == 502 || status == 504 || status == 429:
		return skills.ErrUnavailable
	case status == 404:
		return skills.ErrNotFound
	case status == 402:
		return skills.ErrPaymentDeclined
	case status >= 500:
		return skills.ErrUnavailable
	}
	return skills.ErrInvalid
}

// goTo loads a page and waits for it.
func (p *page) goTo(step, url string) (int64, error) {
	start := time.Now()
	resp, err := chromedp.Run(p.ctx, chromedp.NavigateResponse(url))
	p.wait.Add(int64(time.Since(start)))
	p.m.log.Debug("page", "step", step, "url", url, "took", time.Since(start))
	if err != nil {
		return 0, p.fail(step, "", err)
	}
	var st int64
	if resp != nil {
		st = resp.Status
	}
	if e := statusErr(st); e != nil && e != skills.ErrPaymentDeclined {
		return st, p.fail(step, "", fmt.Errorf("%w: HTTP %d: %s", e, st, p.pageMessage()))
	}
	return st, nil
}

// pageMessage is the page's error text, for error messages (data only).
func (p *page) pageMessage() string {
	var r struct {
		Messages []string `json:"messages"`
	}
	if _, err := p.eval("messages", nil, &r); err != nil || len(r.Messages) == 0 {
		t, _ := chromedp.Run(p.ctx, chromedp.Title())
		return t
	}
	return strings.Join(r.Messages, "; ")
}

type tagged struct {
	Found    bool   `json:"found"`
	Tag      string `json:"tag"`
	Type     string `json:"type"`
	Disabled bool   `json:"disabled"`
	Checked  bool   `json:"checked"`
	Value    string `json:"value"`
}

// target is the CSS selector of the element the last tag marked.
const target = `[data-cw="target"]`

// find marks the element for role; a missing element is a StepError.
func (p *page) find(step, role string) (tagged, error) {
	var t tagged
	if _, err := p.eval("tag", role, &t); err != nil {
		return t, p.fail(step, role, err)
	}
	if !t.Found {
		return t, p.fail(step, role, errMissing)
	}
	return t, nil
}

// stale reports an error from an element that went away between finding
// and using it (the page re-rendered).
func stale(err error) bool {
	if err == nil {
		return false
	}
	s := strings.ToLower(err.Error())
	for _, k := range []string{"no node", "node with given id", "could not find node", "does not belong to the document", "not found on the page", "cannot find context", "execution context was destroyed"} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// act finds the element for role and runs do on it, finding it again when
// it went stale in between (at most three tries).
func (p *page) act(step, role string, do func(tagged) error) error {
	start := time.Now()
	defer func() { p.m.log.Debug("page", "step", step, "role", role, "took", time.Since(start)) }()
	var err error
	for try := 0; try < 3; try++ {
		var t tagged
		if t, err = p.find(step, role); err != nil {
			if !stale(err) || try == 2 {
				return err
			}
			continue
		}
		if err = do(t); err == nil || !stale(err) {
			break
		}
	}
	if err != nil {
		return p.fail(step, role, err)
	}
	return nil
}

// fill types text into the input for role, replacing what was there. The
// text arrives as trusted input the way a paste or an input method commits
// it (Input.insertText): one browser call per field, with input events.
func (p *page) fill(step, role, text string) error {
	return p.act(step, role, func(t tagged) error {
		ok, err := chromedp.Run(p.ctx, isolated(`(function(){var e=document.querySelector('`+target+`');if(!e)return 'gone';e.value='';e.dispatchEvent(new Event('input',{bubbles:true}));return 'ok'})()`))
		if err != nil {
			return err
		}
		if ok != "ok" {
			return errMissing // re-rendered in between: act finds it again
		}
		if text == "" {
			return nil
		}
		return chromedp.Do(p.ctx,
			chromedp.Focus(chromedp.CSS(target)),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
				return err
			}),
		)
	})
}

// clickTo clicks the element for role and waits for the page it loads.
func (p *page) clickTo(step, role string) (int64, error) {
	var status int64
	err := p.act(step, role, func(t tagged) error {
		if t.Disabled {
			return fmt.Errorf("the %s %s is disabled", t.Tag, role)
		}
		start := time.Now()
		resp, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS(target)))
		p.wait.Add(int64(time.Since(start)))
		if err != nil {
			return err
		}
		if resp != nil {
			status = resp.Status
		}
		return nil
	})
	return status, err
}

// click clicks the element for role without waiting for a page load (a
// checkbox, a radio button).
func (p *page) click(step, role string) error {
	return p.act(step, role, func(tagged) error {
		return chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(target)))
	})
}

// until re-checks cond until it holds or the step's deadline passes. It
// waits on a page condition, not for a fixed time.
func (p *page) until(step string, cond func() (bool, error)) error {
	start := time.Now()
	defer func() { p.wait.Add(int64(time.Since(start))) }()
	for {
		ok, err := cond()
		if err != nil {
			return p.fail(step, "", err)
		}
		if ok {
			return nil
		}
		t := time.NewTimer(15 * time.Millisecond)
		select {
		case <-p.ctx.Done():
			t.Stop()
			return p.fail(step, "", fmt.Errorf("condition not met: %w", p.ctx.Err()))
		case <-t.C:
		}
	}
}

// screenshot captures the whole page as PNG.
func (p *page) screenshot() ([]byte, error) {
	return chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
}
