package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/skills/safetext"
	"github.com/cartwright-agent/cartwright/skills/store"

	"github.com/cartwright-agent/cartwright/agent/audit"
)

var auditCommand = command{
	Summary: "show or verify the tamper-evident audit log",
	Run:     runAudit,
}

const auditAbout = `Every session's steps (request, intent, decision, confirmation, mandate,
token, payment, order, refund, errors) are written to an append-only log;
each entry is hash-chained to the one before and signed with the agent's key.

  audit show [SESSION|all]     print the log (one session, or everything)
  audit verify --bundle FILE   check an evidence bundle (orders evidence) offline:
                               entries, signatures, mandate chain, witnesses
  audit verify [SESSION|all]   check every hash, link and signature; exit 1 and
                               name the entry when anything was edited, removed,
                               inserted or reordered`

func runAudit(ctx context.Context, s *stdio, args []string) int {
	var f authFlags
	fs := newFlags("audit", "audit show [SESSION|all] | verify [SESSION|all] [flags]", auditAbout, helpOut(s, args))
	f.register(fs)
	var bundle string
	fs.StringVar(&bundle, "bundle", "", "verify: an evidence bundle file (offline; no state needed)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(s, fs, err)
	}
	if bundle != "" {
		if len(pos) != 1 || pos[0] != "verify" {
			return usageError(s, fs, errors.New("--bundle goes with verify alone"))
		}
		return verifyBundleFile(s, &f, bundle)
	}
	if len(pos) == 0 || len(pos) > 2 || (pos[0] != "show" && pos[0] != "verify") {
		return usageError(s, fs, errors.New("want: show [SESSION] or verify [SESSION]"))
	}
	session := ""
	if len(pos) == 2 && pos[1] != "all" { // "all" (or nothing): the whole log
		session = pos[1]
	}
	db, a, err := openAuth(ctx, s, &f)
	if err != nil {
		return errorf(s, "%v", err)
	}
	defer db.Close()
	if pos[0] == "show" {
		es, err := a.Audit.Entries(ctx, session)
		if err != nil {
			return errorf(s, "%v", err)
		}
		if session != "" && len(es) == 0 {
			return errorf(s, "no audit entries for session %q", session)
		}
		if f.json {
			return writeJSON(s, es)
		}
		if err := audit.Render(s.out, es); err != nil {
			return errorf(s, "%v", err)
		}
		return 0
	}
	n, err := a.Audit.Verify(ctx, session)
	if session == "" && (err == nil || errors.As(err, new(*audit.VerifyError))) {
		// The whole log is also held against the other books: orders in
		// the sessions' records, captures in the wallets.
		if cerr := crossCheck(ctx, db, a.Audit, &err); cerr != nil {
			return errorf(s, "%v", cerr)
		}
	}
	var ve *audit.VerifyError
	if errors.As(err, &ve) {
		if f.json {
			writeJSON(s, map[string]any{"ok": false, "entries": n, "problems": ve.Problems})
			return exitError
		}
		fmt.Fprintf(s.out, "audit log FAILS verification (%d entries checked):\n", n)
		for _, p := range ve.Problems {
			fmt.Fprintf(s.out, "  %s\n", p)
		}
		return exitError
	}
	if err != nil {
		return errorf(s, "%v", err)
	}
	if f.json {
		return writeJSON(s, map[string]any{"ok": true, "entries": n})
	}
	ws, _ := a.Audit.Witnesses(ctx)
	fmt.Fprintf(s.out, "audit log verified: %d entries, every hash, link and signature intact", n)
	if len(ws) > 0 {
		fmt.Fprintf(s.out, "; %d head(s) countersigned by the payment network match", len(ws))
	}
	if session == "" {
		fmt.Fprintf(s.out, "; every order and wallet capture has its entries")
	}
	fmt.Fprintln(s.out, ".")
	return 0
}

// crossCheck adds to *verr what audit.CrossCheck finds between the log and
// the other books: every user's session records and every wallet.
func crossCheck(ctx context.Context, db *store.DB, l *audit.Log, verr *error) error {
	var led audit.Ledger
	sessions, err := agent.ListSessions(ctx, db, "", 1<<30)
	if err != nil {
		return err
	}
	for _, ss := range sessions {
		res, err := agent.StoredResult(ctx, db, ss.ID)
		if err != nil {
			return err
		}
		for _, o := range res.Orders {
			led.Orders = append(led.Orders, audit.LedgerOrder{Session: ss.ID, ID: o.ID})
		}
	}
	infos, err := wallet.List(ctx, db, "")
	if err != nil {
		return err
	}
	for _, in := range infos {
		w, err := wallet.Open(ctx, wallet.Config{DB: db, ID: in.ID})
		if err != nil {
			return err
		}
		holds, err := w.Holds(ctx)
		if err != nil {
			return err
		}
		for _, h := range holds {
			// the holds that paid orders (the runtime's memo names the session)
			if h.Status == wallet.HoldCaptured && strings.HasPrefix(h.Memo, "session ") {
				led.Captures = append(led.Captures, audit.LedgerCapture{HoldID: h.ID, Memo: h.Memo})
			}
		}
	}
	all, err := l.Entries(ctx, "")
	if err != nil {
		return err
	}
	probs := audit.CrossCheck(all, led)
	if len(probs) == 0 {
		return nil
	}
	var ve *audit.VerifyError
	if errors.As(*verr, &ve) {
		ve.Problems = append(ve.Problems, probs...)
		return nil
	}
	*verr = &audit.VerifyError{Problems: probs}
	return nil
}

// verifyBundleFile checks an evidence bundle offline; the network keys
// pinned in --keys (when that directory has any) must include the
// witnesses'.
func verifyBundleFile(s *stdio, f *authFlags, path string) int {
	b, err := readBundle(path)
	if err != nil {
		return errorf(s, "%v", err)
	}
	var pins map[string]int64
	if f.keys != "" {
		if p := audit.NewPins(f.keys).Keys(); len(p) > 0 {
			pins = p
		}
	}
	checked, err := VerifyBundle(b, pins)
	if err != nil {
		if f.json {
			writeJSON(s, map[string]any{"ok": false, "bundle": path, "error": err.Error()})
			return exitError
		}
		fmt.Fprintf(s.out, "evidence bundle %s FAILS verification: %s\n", path, safetext.Terminal(err.Error(), 1000))
		return exitError
	}
	if f.json {
		return writeJSON(s, map[string]any{"ok": true, "bundle": path, "order": b.Order.ID, "checked": checked})
	}
	fmt.Fprintf(s.out, "evidence bundle %s verified: order %s, %s at %s\n", path, safetext.Line(b.Order.ID), b.Order.Total, safetext.Line(b.Order.Merchant))
	for _, c := range checked {
		fmt.Fprintf(s.out, "  - %s\n", safetext.Terminal(c, 500))
	}
	return 0
}
