package main

import (
	"context"
	"errors"
	"fmt"

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
  audit verify [SESSION|all]   check every hash, link and signature; exit 1 and
                               name the entry when anything was edited, removed,
                               inserted or reordered`

func runAudit(ctx context.Context, s *stdio, args []string) int {
	var f authFlags
	fs := newFlags("audit", "audit show [SESSION|all] | verify [SESSION|all] [flags]", auditAbout, helpOut(s, args))
	f.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(s, fs, err)
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
	fmt.Fprintf(s.out, "audit log verified: %d entries, every hash, link and signature intact.\n", n)
	return 0
}
