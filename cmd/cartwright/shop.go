package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/agent/confirm"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/safetext"
	"github.com/cartwright-agent/cartwright/skills/store"
)

var shopCommand = command{
	Summary: "shop for a request: understand, search, compare, bundle, pay",
	Run:     runShop,
}

var resumeCommand = command{
	Summary: "resume a session that did not finish (a crash, an interrupted checkout)",
	Run:     runResume,
}

var sessionsCommand = command{
	Summary: "list recent shopping sessions",
	Run:     runSessions,
}

const shopAbout = `Shops for a plain-language request. With no configuration it starts the
built-in demo world in-process, plans offline, and keeps state in an embedded
SQLite file. It prints the plan, the offers compared, the chosen basket and
why, then pays within the mandate: a total above --confirm-above asks you to
confirm (on a terminal; --yes approves, --no-input declines without asking).

A request is at most 4000 bytes (agent.MaxRequestBytes, for every planner),
and so is the text of its answers. --answer answers a clarification question
of an earlier run; repeat it for successive questions (answers are used in
order). --session names the session (1-64 characters of A-Z a-z 0-9 _ -):
the same request under an existing session id resumes or replays it, a
different request under it is refused.

` + exitCodesHelp

type shopFlags struct {
	rt           runtimeFlags
	json         bool
	yes          bool
	noInput      bool
	answers      stringList
	maxTotal     string
	confirmAbove string
	confirmAll   bool
	session      string
}

func runShop(ctx context.Context, s *stdio, args []string) int {
	var f shopFlags
	fs := newFlags("shop", `shop [flags] "<request>"`, shopAbout, helpOut(s, args))
	f.rt.register(fs)
	fs.BoolVar(&f.json, "json", false, "print the result as JSON (for machines)")
	fs.BoolVar(&f.yes, "yes", false, "approve the payment if confirmation is needed")
	fs.BoolVar(&f.noInput, "no-input", false, "never prompt: a needed confirmation is declined, a question ends the run (exit 5)")
	fs.Var(&f.answers, "answer", "answer to a clarification question of an earlier run (repeatable: one per question, in order)")
	fs.StringVar(&f.maxTotal, "max-total", "500.00", "mandate: most that may be charged in this run (major units, e.g. 40.00)")
	fs.StringVar(&f.confirmAbove, "confirm-above", "100.00", "mandate: a total above this needs your confirmation")
	fs.BoolVar(&f.confirmAll, "confirm", false, "mandate: confirm every cart, whatever its total")
	fs.StringVar(&f.session, "session", "", "session id to use (an existing unfinished session is resumed)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(s, fs, err)
	}
	if len(pos) != 1 {
		return usageError(s, fs, fmt.Errorf("want exactly one request in quotes, got %d argument(s)", len(pos)))
	}
	if f.yes && f.noInput {
		return usageError(s, fs, fmt.Errorf("--yes and --no-input exclude each other"))
	}
	for i, a := range f.answers {
		if strings.TrimSpace(a) == "" {
			return usageError(s, fs, fmt.Errorf("--answer #%d is empty", i+1))
		}
	}
	req := agent.Request{Text: pos[0], UserID: f.rt.user, SessionID: f.session, Answer: strings.Join(f.answers, "\n")}
	// Checked before anything starts: no session, no merchant call.
	if err := agent.CheckRequest(req); err != nil {
		return usageError(s, fs, requestError(err))
	}
	cfg := agent.Config{Confirmer: confirmerFor(s, f.yes, f.noInput), Clarifier: clarifierFor(s, f.noInput || len(f.answers) > 0)}
	if s.errTTY && !f.json {
		cfg.Progress = func(step, msg string) { fmt.Fprintf(s.err, "· %-10s %s\n", step, safetext.Terminal(msg, 300)) }
	}
	rt, err := buildRuntime(ctx, s, &f.rt, cfg)
	if err != nil {
		return errorf(s, "%v", err)
	}
	defer rt.Close()
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	limits, err := f.limits(rt.currency, given)
	if err != nil {
		return usageError(s, fs, err)
	}
	mandate, forRun, err := rt.sessionMandate(ctx, s, limits)
	var re *assemble.RevokedError
	if errors.As(err, &re) {
		fmt.Fprintf(s.err, "cartwright shop: refused: %v\n", err)
		return exitRefused
	}
	if err != nil {
		return errorf(s, "mandate: %v", err)
	}
	req.Mandate = mandate
	res, err := rt.asm.Run(ctx, req)
	if err != nil {
		var se *agent.SessionError
		if forRun && !errors.As(err, &se) {
			// No session acts under the run's mandate: retire it now.
			if rerr := rt.auth.Store.Revoke(ctx, mandate.ID, "one-run mandate: the run did not start"); rerr != nil {
				fmt.Fprintf(s.err, "cartwright: warning: could not retire the run's mandate %s: %v\n", mandate.ID, rerr)
			}
		}
		if errors.Is(err, agent.ErrSessionConflict) {
			fmt.Fprintf(s.err, "cartwright shop: %v\n", err)
			return exitUsage
		}
		return runError(s, err, f.json)
	}
	if forRun && res.Status != agent.StatusRunning {
		// A mandate signed for one run ends with it: it must not become the
		// standing mandate of later runs.
		if err := rt.auth.Store.Revoke(ctx, mandate.ID, "one-run mandate: the run ended"); err != nil {
			fmt.Fprintf(s.err, "cartwright: warning: could not retire the run's mandate %s: %v\n", mandate.ID, err)
		}
	}
	return report(s, res, f.json)
}

// limits reads the mandate flags of one run; given names the flags typed.
// Only typed limits narrow a standing mandate; the defaults apply when
// there is none.
func (f *shopFlags) limits(cur skills.Currency, given map[string]bool) (assemble.RunLimits, error) {
	var l assemble.RunLimits
	v, err := skills.ParseMoney(f.maxTotal, cur)
	if err != nil || v.Minor <= 0 {
		return l, fmt.Errorf("--max-total %q: want a positive amount like 40.00", f.maxTotal)
	}
	l.DefaultMaxTotal, l.ConfirmAll = v, f.confirmAll
	if given["max-total"] {
		l.MaxTotal = &v
	}
	if f.confirmAbove != "" {
		c, err := skills.ParseMoney(f.confirmAbove, cur)
		if err != nil || c.Minor < 0 {
			return l, fmt.Errorf("--confirm-above %q: want an amount like 30.00", f.confirmAbove)
		}
		l.DefaultConfirmAbove = &c
		// The same rule as a mandate file: a threshold above the cap would
		// never apply. (Only when given: the default threshold may exceed a
		// small --max-total, which then simply caps.)
		if given["confirm-above"] {
			l.ConfirmAbove = &c
			if err := mandate.CheckLimits(v, nil, &c); err != nil {
				return l, fmt.Errorf("--confirm-above %s: %v", f.confirmAbove, err)
			}
		}
	}
	return l, nil
}

// runMandateTTL is how long a mandate signed for one run stays valid.
const runMandateTTL = time.Hour

// sessionMandate is the mandate a run acts under. With the user's active
// signed mandate (cartwright mandate create): that mandate, or — when
// limits were typed on the command line — a mandate for this run that
// narrows it (typed limits can lower its caps, never raise them or drop
// its lists or budget). Without one: the typed limits or the defaults,
// signed now for this run — unless the user revoked their mandate, which
// means no spending (*assemble.RevokedError). The policy refuses what the
// mandate does not allow and the payment network issues no token outside
// it. forRun reports a mandate signed for this run alone (retired when the
// run ends).
func (rt *runtime) sessionMandate(ctx context.Context, s *stdio, l assemble.RunLimits) (m *agent.Mandate, forRun bool, err error) {
	now := time.Now()
	typed := l.MaxTotal != nil || l.ConfirmAbove != nil || l.ConfirmAll
	active, err := rt.auth.Store.Active(ctx, rt.auth.UserID, now)
	switch {
	case errors.Is(err, mandate.ErrNotFound):
		if err := rt.auth.NoSpending(ctx, now); err != nil {
			return nil, false, err
		}
		m, _, err = rt.auth.SignRunMandate(ctx, l, nil, runMandateTTL, now)
		return m, err == nil, err
	case err != nil:
		return nil, false, err
	case !typed:
		m, err := mandate.AgentMandate(active)
		return m, false, err
	}
	m, notes, err := rt.auth.SignRunMandate(ctx, l, &active, runMandateTTL, now)
	for _, n := range notes {
		fmt.Fprintf(s.err, "cartwright: %s\n", n)
	}
	return m, err == nil, err
}

func runResume(ctx context.Context, s *stdio, args []string) int {
	var rf runtimeFlags
	var asJSON, yes, noInput bool
	fs := newFlags("resume", "resume [flags] <session-id>", "Continues a session that did not finish, from its last persisted state.\nRepeated merchant, wallet and payment calls replay under their idempotency\nkeys: nothing is bought or charged twice.\n\n"+exitCodesHelp, helpOut(s, args))
	rf.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	fs.BoolVar(&yes, "yes", false, "approve the payment if confirmation is needed")
	fs.BoolVar(&noInput, "no-input", false, "never prompt")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(s, fs, err)
	}
	if len(pos) != 1 {
		return usageError(s, fs, fmt.Errorf("want one session id"))
	}
	if err := agent.ValidateSessionID(pos[0]); err != nil {
		return usageError(s, fs, err)
	}
	rt, err := buildRuntime(ctx, s, &rf, agent.Config{Confirmer: confirmerFor(s, yes, noInput), Clarifier: clarifierFor(s, noInput)})
	if err != nil {
		return errorf(s, "%v", err)
	}
	defer rt.Close()
	res, err := rt.asm.Resume(ctx, pos[0])
	if err != nil {
		return runError(s, err, asJSON)
	}
	return report(s, res, asJSON)
}

func runSessions(ctx context.Context, s *stdio, args []string) int {
	var rf runtimeFlags
	var asJSON, all bool
	var limit int
	fs := newFlags("sessions", "sessions [flags]", "Lists recent shopping sessions of --user (or everyone's with --all).", helpOut(s, args))
	fs.StringVar(&rf.state, "state", "", "state database (see 'cartwright shop --help')")
	fs.StringVar(&rf.user, "user", "demo", "user id")
	fs.BoolVar(&all, "all", false, "every user's sessions")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	fs.IntVar(&limit, "n", 20, "how many")
	if _, err := parseArgs(fs, args); err != nil {
		return usageError(s, fs, err)
	}
	path, err := statePath(&rf, s.getenv)
	if err != nil {
		return errorf(s, "%v", err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return errorf(s, "%v", err)
	}
	defer db.Close()
	user := rf.user
	if all {
		user = ""
	}
	list, err := agent.ListSessions(ctx, db, user, limit)
	if err != nil {
		return errorf(s, "%v", err)
	}
	if asJSON {
		return writeJSON(s, list)
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SESSION\tUSER\tSTATUS\tCREATED\tREQUEST")
	for _, x := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.ID, esc(x.UserID), x.Status, x.CreatedAt.Format("2006-01-02 15:04"), clip(x.Request, 80))
	}
	tw.Flush()
	return exitBought
}

// exitCode maps a session status to the documented exit code.
func exitCode(status string) int {
	switch status {
	case agent.StatusBought:
		return exitBought
	case agent.StatusDeclined:
		return exitDeclined
	case agent.StatusRefused:
		return exitRefused
	case agent.StatusNeedsClarification:
		return exitClarification
	case agent.StatusNoOffers:
		return exitNoOffers
	}
	return exitError
}

func writeJSON(s *stdio, v any) int {
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return errorf(s, "encode JSON: %v", err)
	}
	return exitBought
}

func report(s *stdio, res *assemble.Result, asJSON bool) int {
	if asJSON {
		if c := writeJSON(s, res); c != exitBought {
			return c
		}
		return exitCode(res.Status)
	}
	printResult(s.out, res.Result)
	printFees(s.out, res)
	return exitCode(res.Status)
}

// printFees lists the per-request (x402) fees the session paid: data
// fees, not orders, inside the same mandate.
func printFees(w io.Writer, r *assemble.Result) {
	if len(r.FeePayments) == 0 {
		return
	}
	fmt.Fprintf(w, "Fees (x402, paid from the wallet inside the mandate): %s in %d payment(s)\n", r.Fees, len(r.FeePayments))
	for _, f := range r.FeePayments {
		fmt.Fprintf(w, "  %s  %s  %s  %s\n", esc(f.Merchant), f.Amount, esc(f.Transaction), clip(f.Resource, 60))
	}
	fmt.Fprintf(w, "Spent in total (orders + fees): %s\n", r.Spent())
}

// maxRejectedShown bounds the rejected offers printed per item.
const maxRejectedShown = 5

func printResult(w io.Writer, r *agent.Result) {
	in := r.Intent
	if len(in.Items) > 0 {
		fmt.Fprintf(w, "Plan (%s planner)\n", in.Planner)
		for i, it := range in.Items {
			fmt.Fprintf(w, "  %d. %d × %s%s\n", i+1, it.Quantity, esc(it.Query), constraints(it.Category, it.Attributes, it.ExcludeAttributes, it.Brand, it.MaxUnitPrice))
			if a := accounting(it.Accounting); a != "" {
				fmt.Fprintf(w, "     %s\n", a)
			}
		}
		if in.Budget != nil {
			fmt.Fprintf(w, "  budget %s\n", *in.Budget)
		}
	}
	if r.Clarification.Asked {
		fmt.Fprintf(w, "\nQuestion: %s\n", safetext.Terminal(r.Clarification.Question, 1000))
		if r.Clarification.Answer != "" {
			fmt.Fprintf(w, "Answer:   %s\n", safetext.Terminal(r.Clarification.Answer, 1000))
		}
	}
	for i, it := range in.Items {
		var acc, rej []agent.Considered
		for _, c := range r.Considered {
			if c.Item != i {
				continue
			}
			if c.Accepted {
				acc = append(acc, c)
			} else {
				rej = append(rej, c)
			}
		}
		if len(acc)+len(rej) == 0 {
			continue
		}
		sort.SliceStable(acc, func(a, b int) bool { return acc[a].Rank < acc[b].Rank })
		fmt.Fprintf(w, "\nOffers for %d × %s (%d acceptable, %d rejected)\n", it.Quantity, esc(it.Query), len(acc), len(rej))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  MERCHANT\tSKU\tTITLE\tPRICE\tVERDICT")
		for _, c := range acc {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\tok, rank %d\n", esc(c.Product.Merchant), esc(c.Product.SKU), clip(c.Product.Title, 40), c.Product.Price, c.Rank+1)
		}
		for k, c := range rej {
			if k == maxRejectedShown {
				fmt.Fprintf(tw, "  …\t\t(%d more rejected)\t\t\n", len(rej)-k)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\tno: %s\n", esc(c.Product.Merchant), esc(c.Product.SKU), clip(c.Product.Title, 40), c.Product.Price, esc(c.Reason))
		}
		tw.Flush()
	}
	if b := r.Basket; len(b.Lines) > 0 {
		fmt.Fprintf(w, "\nBasket\n")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, mt := range b.Merchants {
			for _, l := range b.Lines {
				if l.Merchant == mt.Merchant {
					fmt.Fprintf(tw, "  %s\t%d × %s\t@ %s\t%s\n", esc(l.Merchant), l.Quantity, clip(l.Title, 40), l.UnitPrice, l.Total)
				}
			}
			extra := "shipping " + mt.Shipping.String()
			if mt.Discount.Minor > 0 {
				extra += ", coupon " + esc(mt.Coupon) + " −" + mt.Discount.String()
			}
			fmt.Fprintf(tw, "  \t%s\t\t%s\n", extra, mt.Total)
		}
		tw.Flush()
		fmt.Fprintf(w, "  Total %s", b.Total)
		if b.Baseline.Currency != "" && b.Baseline != b.Total {
			fmt.Fprintf(w, " (each item at its cheapest unit price would cost %s)", b.Baseline)
		}
		fmt.Fprintln(w)
	}
	if len(r.Checks) > 0 {
		fmt.Fprintf(w, "\nRequirements\n")
		for _, v := range r.Checks {
			fmt.Fprintf(w, "  %s %s (%s): %s\n", esc(v.Merchant), esc(v.SKU), clip(v.Title, 40), v.Outcome)
			for _, q := range v.Requirements {
				fmt.Fprintf(w, "    %s\n", safetext.Terminal(q.String(), 300))
			}
		}
	}
	if len(r.Explanation) > 0 {
		fmt.Fprintf(w, "\nWhy\n")
		for _, e := range r.Explanation {
			fmt.Fprintf(w, "  - %s\n", safetext.Terminal(e, 1000))
		}
	}
	if r.Decision.Action != "" {
		fmt.Fprintf(w, "\nDecision: %s\n", r.Decision.Action)
		for _, x := range r.Decision.Reasons {
			fmt.Fprintf(w, "  %s: %s\n", esc(x.Code), safetext.Terminal(x.Detail, 1000))
		}
	}
	if r.Confirmation.Asked {
		fmt.Fprintf(w, "Confirmation: asked, approved=%v\n", r.Confirmation.Approved)
	}
	if len(r.Orders) > 0 {
		fmt.Fprintf(w, "\nReceipt\n")
		for _, o := range r.Orders {
			fmt.Fprintf(w, "  order %s at %s: %s", esc(o.ID), esc(o.Merchant), o.Total)
			if o.Refunded.Minor > 0 {
				fmt.Fprintf(w, " (refunded %s)", o.Refunded)
			}
			fmt.Fprintln(w)
			for _, l := range o.Lines {
				fmt.Fprintf(w, "    %d × %s (%s) %s\n", l.Quantity, esc(l.Title), esc(l.SKU), l.Total)
			}
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "warning: %s\n", safetext.Terminal(e, 1000))
	}
	fmt.Fprintf(w, "\nStatus: %s · charged %s · session %s · %d merchant call(s) (minimum %d)\n",
		r.Status, r.Charged, r.SessionID, r.MerchantCalls, r.Calls.Minimum)
	switch r.Status {
	case agent.StatusNeedsClarification:
		fmt.Fprintf(w, "Answer with: %s\n", answerCommand(r))
	case agent.StatusRunning:
		fmt.Fprintf(w, "Continue with: cartwright resume %s\n", r.SessionID)
	}
}

// answerCommand is the command that answers a run's open question: the
// request, every answer given so far (in order) and a placeholder for the
// new one.
func answerCommand(r *agent.Result) string {
	req := r.Intent.Request
	var b strings.Builder
	fmt.Fprintf(&b, "cartwright shop %q", req)
	if a := strings.TrimSpace(r.Clarification.Answer); a != "" {
		for _, x := range strings.Split(a, "\n") {
			if x = strings.TrimSpace(x); x != "" {
				fmt.Fprintf(&b, " --answer %q", x)
			}
		}
	}
	b.WriteString(` --answer "…"`)
	return b.String()
}

// requestError words a refused request for the command line.
func requestError(err error) error {
	switch {
	case errors.Is(err, agent.ErrEmptyRequest):
		return errors.New("empty request: say what to buy, e.g. \"two large oat milk lattes\"")
	case errors.Is(err, agent.ErrRequestTooLong):
		return fmt.Errorf("%v; shorten the request (the limit is %d bytes)", err, agent.MaxRequestBytes)
	case errors.Is(err, agent.ErrInvalidSessionID):
		return fmt.Errorf("--session: %v", err)
	}
	return err
}

// runError reports a run that stopped before its session finished. When
// the session exists (agent.SessionError) its id goes to stdout (or into
// the JSON) with the command that continues it.
func runError(s *stdio, err error, asJSON bool) int {
	var se *agent.SessionError
	if !errors.As(err, &se) {
		return errorf(s, "%v", err)
	}
	if asJSON {
		_ = writeJSON(s, map[string]string{"session_id": se.SessionID, "status": agent.StatusRunning, "error": err.Error(),
			"resume": "cartwright resume " + se.SessionID})
	} else {
		fmt.Fprintf(s.out, "Status: %s · session %s\nContinue with: cartwright resume %s\n", agent.StatusRunning, se.SessionID, se.SessionID)
	}
	return errorf(s, "%v (the session keeps its state: cartwright resume %s)", err, se.SessionID)
}

func constraints(cat string, attrs map[string]string, excl map[string][]string, brand string, maxUnit *skills.Money) string {
	var parts []string
	if cat != "" {
		parts = append(parts, "category "+esc(cat))
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, esc(k)+" "+esc(attrs[k]))
	}
	keys = keys[:0]
	for k := range excl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, esc(k)+" not "+esc(strings.Join(excl[k], "/")))
	}
	if brand != "" {
		parts = append(parts, "brand "+esc(brand))
	}
	if maxUnit != nil {
		parts = append(parts, "at most "+maxUnit.String()+" each")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// clip shows outside text on one line: control characters escaped, at
// most n runes of it kept.
// accounting prints what became of the person's words, compactly:
// "cordless → power = cordless · 750 ml → measure · 'pepperoni pizza' → item".
func accounting(spans []planner.Span) string {
	var parts []string
	for _, sp := range spans {
		if sp.Role == planner.RoleFiller {
			continue
		}
		what := sp.Role
		if sp.Key != "" && sp.Value != "" {
			what = sp.Key + " = " + sp.Value
		} else if sp.Value != "" && sp.Role != planner.RoleItem {
			what = sp.Role + " " + sp.Value
		}
		if sp.Hard && sp.Role == planner.RoleUnknown {
			what += " (must be evidenced)"
		}
		parts = append(parts, fmt.Sprintf("'%s' → %s", sp.Text, what))
	}
	return esc(strings.Join(parts, " · "))
}

func clip(s string, n int) string { return safetext.Terminal(s, n) }

// esc shows outside text (merchant ids, titles, reasons) inert: control
// characters, newlines and bidi marks escaped, the length bounded.
func esc(s string) string { return safetext.Line(s) }

// terminalClarifier asks a clarification question on the terminal.
type terminalClarifier struct {
	in  *bufio.Reader
	out io.Writer
}

func (t *terminalClarifier) Clarify(ctx context.Context, q string, options []string) (string, error) {
	fmt.Fprintf(t.out, "\n%s\n", q)
	if len(options) > 0 {
		fmt.Fprintf(t.out, "  (%s)\n", strings.Join(options, " / "))
	}
	fmt.Fprintf(t.out, "> ")
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := t.in.ReadString('\n')
		if err == io.EOF {
			err = nil // end of input: the user said nothing more
		}
		ch <- res{strings.TrimSpace(s), err}
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		return r.s, r.err
	}
}

// confirmerFor picks who approves payments: --yes approves, --no-input (or
// no terminal) leaves nobody to ask, so a needed confirmation declines and
// nothing is charged; otherwise the terminal asks.
func confirmerFor(s *stdio, yes, noInput bool) agent.Confirmer {
	switch {
	case yes:
		return &confirm.Auto{Approve: true, Out: s.err}
	case noInput || !s.inTTY:
		return nil
	}
	return &confirm.Terminal{In: s.in, Out: s.err}
}

func clarifierFor(s *stdio, noInput bool) agent.Clarifier {
	if noInput || !s.inTTY {
		return nil
	}
	return &terminalClarifier{in: bufio.NewReader(s.in), out: s.err}
}

// helpOut sends --help to stdout and parse errors to stderr.
func helpOut(s *stdio, args []string) io.Writer {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			return s.out
		}
	}
	return s.err
}
