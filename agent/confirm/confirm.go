// Package confirm asks the user to approve a payment the policy will not
// make on its own (agent.Confirmer). A denial charges nothing: the runtime
// then releases the wallet holds it took and cancels the checkouts.
package confirm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills/safetext"
)

// Terminal shows the proposal on Out and reads y/N from In. Anything but
// "y" or "yes" denies; end of input denies; an In that is an *os.File but
// not a terminal (a pipe, a file, /dev/null) denies without reading, so a
// script can never approve a payment by accident.
type Terminal struct {
	In  io.Reader
	Out io.Writer
	// AllowNonTTY reads answers from a non-terminal In (tests, the eval
	// harness driving a pseudo-user); off by default.
	AllowNonTTY bool

	mu      sync.Mutex
	br      *bufio.Reader
	pending chan answer // a read still in flight after a cancelled Confirm
}

type answer struct {
	s   string
	err error
}

var _ agent.Confirmer = (*Terminal)(nil)

// ErrNotInteractive is reported (with a denial) when In is not a terminal.
var ErrNotInteractive = errors.New("confirmation needs an interactive terminal")

// Confirm implements agent.Confirmer.
func (t *Terminal) Confirm(ctx context.Context, p agent.Proposal) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.Out
	if out == nil {
		out = io.Discard
	}
	if err := Render(out, p); err != nil {
		return false, err
	}
	if t.In == nil {
		fmt.Fprintln(out, "No input available: payment denied, nothing charged.")
		return false, nil
	}
	if f, ok := t.In.(*os.File); ok && !t.AllowNonTTY {
		if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
			fmt.Fprintln(out, "Input is not a terminal: payment denied, nothing charged (use --yes to approve non-interactively).")
			return false, nil
		}
	}
	fmt.Fprint(out, "Approve this payment? [y/N] ")
	if t.br == nil {
		t.br = bufio.NewReader(t.In)
	}
	if t.pending == nil { // one reader at a time: a cancelled read is picked up next time
		ch := make(chan answer, 1)
		br := t.br
		go func() {
			s, err := br.ReadString('\n')
			ch <- answer{s, err}
		}()
		t.pending = ch
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "\nCancelled: payment denied, nothing charged.")
		return false, ctx.Err()
	case a := <-t.pending:
		t.pending = nil
		if a.err != nil && a.s == "" {
			fmt.Fprintln(out, "\nNo answer: payment denied, nothing charged.")
			return false, nil
		}
		switch strings.ToLower(strings.TrimSpace(a.s)) {
		case "y", "yes":
			fmt.Fprintln(out, "Approved.")
			return true, nil
		}
		fmt.Fprintln(out, "Denied: nothing charged.")
		return false, nil
	}
}

// Render writes a proposal for people: each merchant's lines and totals,
// the basket total and why the user is asked.
func Render(w io.Writer, p agent.Proposal) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nPayment needs your approval")
	if p.Request != "" {
		fmt.Fprintf(&b, " for %q", safetext.Terminal(p.Request, 300))
	}
	b.WriteString("\n")
	for _, q := range p.Quotes {
		fmt.Fprintf(&b, "  %s (checkout %s)\n", safetext.Line(q.Merchant), safetext.Line(q.ID))
		for _, l := range q.Lines {
			extra := ""
			if l.AddOn {
				extra = "  [added by the merchant]"
			}
			fmt.Fprintf(&b, "    %3d × %-40s %10s%s\n", l.Quantity, clip(l.Title, 40), l.Total, extra)
		}
		if q.Discount.Minor != 0 {
			fmt.Fprintf(&b, "    %-46s %10s\n", "discount "+safetext.Terminal(q.Coupon, 30), "-"+q.Discount.String())
		}
		fmt.Fprintf(&b, "    %-46s %10s\n", "shipping", q.Shipping)
		fmt.Fprintf(&b, "    %-46s %10s\n", "merchant total", q.Total)
	}
	fmt.Fprintf(&b, "  TOTAL %s\n", p.Total)
	if len(p.Reasons) > 0 {
		b.WriteString("  Why you are asked:\n")
		for _, r := range p.Reasons {
			fmt.Fprintf(&b, "    - %s: %s\n", safetext.Line(r.Code), safetext.Terminal(r.Detail, 500))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// clip shows merchant text on one line, inert (control characters and
// bidi marks escaped) and at most n runes of it.
func clip(s string, n int) string { return safetext.Terminal(s, n-1) }

// Auto answers without a person: Approve for --yes, deny for --no-input,
// or Script (the eval's simulated user) deciding per proposal. It records
// every proposal it was shown.
type Auto struct {
	Approve bool
	// Script, when set, decides instead of Approve.
	Script func(p agent.Proposal) bool
	// Out, when set, gets the rendered proposal and the answer.
	Out io.Writer

	mu    sync.Mutex
	asked []agent.Proposal
}

var _ agent.Confirmer = (*Auto)(nil)

// Confirm implements agent.Confirmer.
func (a *Auto) Confirm(ctx context.Context, p agent.Proposal) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	ok := a.Approve
	if a.Script != nil {
		ok = a.Script(p)
	}
	a.mu.Lock()
	a.asked = append(a.asked, p)
	a.mu.Unlock()
	if a.Out != nil {
		if err := Render(a.Out, p); err != nil {
			return false, err
		}
		fmt.Fprintf(a.Out, "Auto-answer: approved=%v\n", ok)
	}
	return ok, nil
}

// Asked returns the proposals shown so far.
func (a *Auto) Asked() []agent.Proposal {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]agent.Proposal(nil), a.asked...)
}

// Sequence returns a Script answering from answers in order, then deny.
func Sequence(answers ...bool) func(agent.Proposal) bool {
	var mu sync.Mutex
	i := 0
	return func(agent.Proposal) bool {
		mu.Lock()
		defer mu.Unlock()
		if i >= len(answers) {
			return false
		}
		i++
		return answers[i-1]
	}
}
