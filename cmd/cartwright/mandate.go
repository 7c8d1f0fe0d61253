package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills/store"
)

var mandateCommand = command{
	Summary: "create, show, list or revoke signed spending mandates",
	Run:     runMandate,
}

// authFlags are the flags of the payment-authority commands (wallet,
// mandate, audit): where state and keys live, and whose.
type authFlags struct {
	state string
	keys  string
	user  string
	json  bool
}

func (f *authFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.state, "state", "", "state database: a SQLite file path or a postgres:// URL (default: $DATABASE_URL, else $XDG_STATE_HOME/cartwright/state.db or ~/.local/state/cartwright/state.db)")
	fs.StringVar(&f.keys, "keys", "", "directory holding the signing keys user-<id>.ed25519 and agent.ed25519, exactly as given (default: keys/ beside the state file; $XDG_STATE_HOME/cartwright/keys with a postgres:// state)")
	fs.StringVar(&f.user, "user", "demo", "user id")
	fs.BoolVar(&f.json, "json", false, "print JSON (for machines)")
}

// keysDir is the directory holding the signing key files: --keys exactly
// as given, else "keys" beside the state file, else (PostgreSQL state)
// "keys" in the local state directory.
func keysDir(keys, state string, getenv func(string) string) (string, error) {
	if keys != "" {
		return keys, nil
	}
	if state != "" && !strings.HasPrefix(state, "postgres://") && !strings.HasPrefix(state, "postgresql://") {
		return filepath.Join(filepath.Dir(state), "keys"), nil
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "cartwright", "keys"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("no --keys, XDG_STATE_HOME or home directory for the signing keys")
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "cartwright", "keys"), nil
}

// authority is the payment authority of one user (keys, mandate store,
// audit log, trust), as the runtime assembler opens it.
type authority = assemble.Authority

// openAuth opens the state database and the authority for authFlags.
func openAuth(ctx context.Context, s *stdio, f *authFlags) (*store.DB, *authority, error) {
	rf := runtimeFlags{state: f.state}
	path, err := statePath(&rf, s.getenv)
	if err != nil {
		return nil, nil, err
	}
	dir, err := keysDir(f.keys, path, s.getenv)
	if err != nil {
		return nil, nil, err
	}
	db, err := openState(ctx, path, dir, s.getenv(assemble.EnvAgentKey))
	if err != nil {
		return nil, nil, err
	}
	a, err := assemble.OpenAuthorityKey(ctx, db, dir, s.getenv(assemble.EnvAgentKey), f.user)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, a, nil
}

const mandateAbout = `Mandates are what the agent may spend without asking, signed with your key
(AP2 intent mandates). The agent can pay only inside the active mandate: the
policy refuses anything else and the payment network issues no token for it.

  mandate create FILE   sign the limits in FILE (YAML or JSON; "-" reads stdin)
  mandate show [ID]     show the active mandate (or ID) and check its signature
  mandate list          list your mandates
  mandate revoke ID     revoke a mandate (takes effect at once)

A mandate file (only max_total is required: user defaults to --user,
currency to your wallet's, expiry to 30d; the output names the defaults):
  user: demo
  description: coffee for the office
  currency: CNY
  max_total: "40.00"        # per purchase
  per_item_cap: "20.00"     # per unit
  budget: {amount: "200.00", period: week}   # day, week, month or total
  merchants: [brewhouse]
  categories: [coffee]
  confirm_above: "30.00"
  expires_in: 30d           # or expires_at: 2026-12-31T00:00:00Z

Limits typed on shop's command line (--max-total, --confirm-above,
--confirm) only narrow the active mandate for that run: they never raise its
caps nor drop its merchant or category lists or its budget. A budget counts
from the mandate's start. After you revoke your mandate the agent spends
nothing until you sign a new one. Mandates a run signs for itself are not
listed.`

func runMandate(ctx context.Context, s *stdio, args []string) int {
	var f authFlags
	var reason, out string
	fs := newFlags("mandate", "mandate create FILE | show [ID] | list | revoke ID [flags]", mandateAbout, helpOut(s, args))
	f.register(fs)
	fs.StringVar(&reason, "reason", "revoked by the user", "revoke: why")
	fs.StringVar(&out, "out", "", "create: also write the signed mandate to this file (mode 0600)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(s, fs, err)
	}
	if len(pos) == 0 {
		return usageError(s, fs, errors.New("want a subcommand: create, show, list or revoke"))
	}
	sub, rest := pos[0], pos[1:]
	want := map[string][2]int{"create": {1, 1}, "show": {0, 1}, "list": {0, 0}, "revoke": {1, 1}}
	n, ok := want[sub]
	if !ok {
		return usageError(s, fs, fmt.Errorf("unknown subcommand %q", sub))
	}
	if len(rest) < n[0] || len(rest) > n[1] {
		return usageError(s, fs, fmt.Errorf("%s takes %d to %d argument(s), got %d", sub, n[0], n[1], len(rest)))
	}
	db, a, err := openAuth(ctx, s, &f)
	if err != nil {
		return errorf(s, "%v", err)
	}
	defer db.Close()
	now := time.Now()
	switch sub {
	case "create":
		var r io.Reader = s.in
		name := "stdin"
		if rest[0] != "-" {
			fh, err := os.Open(rest[0])
			if err != nil {
				return errorf(s, "%v", err)
			}
			defer fh.Close()
			r, name = fh, rest[0]
		}
		in, defaults, err := mandate.CreateWith(name, r, a.UserKey, now, mandate.Defaults{User: f.user,
			Currency: defaultCurrency(ctx, db, f.user), ExpiresIn: mandate.DefaultExpiry})
		if err != nil {
			return errorf(s, "%v", err)
		}
		if in.UserID != f.user {
			return errorf(s, "%s: user %q, but you are --user %q: a mandate is signed with its own user's key", name, in.UserID, f.user)
		}
		for _, w := range unknownMerchants(in.Merchants) {
			fmt.Fprintf(s.err, "cartwright: warning: %s\n", w)
		}
		if err := a.Store.Save(ctx, in); err != nil {
			return errorf(s, "%v", err)
		}
		b, _ := mandate.MarshalIndent(in)
		if out != "" {
			if err := os.WriteFile(out, append(b, '\n'), 0o600); err != nil {
				return errorf(s, "%v", err)
			}
		}
		_ = a.Audit.Record(ctx, "mandates", audit.KindMandate, map[string]any{"action": "create", "id": in.ID, "max_total": in.MaxTotal, "expires_at": in.ExpiresAt})
		if f.json {
			s.out.Write(append(b, '\n'))
			return 0
		}
		fmt.Fprintf(s.out, "Signed and stored mandate %s (now the active one).\n", in.ID)
		if len(defaults) > 0 {
			fmt.Fprintf(s.out, "The file left out some fields; defaults used: %s.\n", strings.Join(defaults, ", "))
		}
		printMandate(s.out, in, "valid")
	case "show":
		var in mandate.Intent
		if len(rest) == 1 {
			in, err = a.Store.Get(ctx, rest[0])
		} else {
			in, err = a.Store.Active(ctx, f.user, now)
		}
		if err != nil {
			return errorf(s, "%v", err)
		}
		status, invalid := "valid", false
		if err := mandate.VerifyIntent(in, a.Trust, now); err != nil {
			status, invalid = "INVALID: "+err.Error(), true
		}
		if r, _ := a.Store.Revoked(ctx, in.ID); r {
			status = "REVOKED"
		}
		if f.json {
			code := writeJSON(s, map[string]any{"mandate": in, "status": status})
			if invalid {
				return exitError
			}
			return code
		}
		printMandate(s.out, in, status)
		if invalid {
			return exitError // a mandate that does not verify is an error, not a state
		}
	case "list":
		list, err := a.Store.Statuses(ctx, f.user, now)
		if err != nil {
			return errorf(s, "%v", err)
		}
		if f.json {
			return writeJSON(s, list)
		}
		// Only the newest valid mandate applies ("active"); older valid ones
		// are "superseded" by it and apply again only if it is revoked.
		tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tMAX TOTAL\tEXPIRES\tSTATUS\tDESCRIPTION")
		for _, in := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", in.ID, in.MaxTotal, in.ExpiresAt.Format(time.RFC3339), in.Status, in.Description)
		}
		tw.Flush()
	case "revoke":
		if _, err := a.Store.Get(ctx, rest[0]); err != nil {
			return errorf(s, "%v", err)
		}
		if err := a.Store.Revoke(ctx, rest[0], reason); err != nil {
			return errorf(s, "%v", err)
		}
		_ = a.Audit.Record(ctx, "mandates", audit.KindMandate, map[string]any{"action": "revoke", "id": rest[0], "reason": reason})
		fmt.Fprintf(s.out, "Revoked mandate %s: no further payment can use it.\n", rest[0])
		switch next, err := a.Store.Active(ctx, f.user, now); {
		case err == nil:
			fmt.Fprintf(s.out, "Mandate %s (%s, max %s per purchase, until %s) applies now.\n", next.ID, describe(next), next.MaxTotal, next.ExpiresAt.Format(time.RFC3339))
		case errors.Is(err, mandate.ErrNotFound):
			fmt.Fprintf(s.out, "No mandate applies now: the agent spends nothing until you sign a new one (cartwright mandate create FILE).\n")
		default:
			return errorf(s, "%v", err)
		}
	}
	return 0
}

// defaultCurrency is the currency a mandate file may leave out: the user's
// wallet's when they have exactly one, else the demo world's.
func defaultCurrency(ctx context.Context, db *store.DB, user string) string {
	if ws, err := wallet.List(ctx, db, user+"-"); err == nil && len(ws) == 1 {
		return string(ws[0].Currency)
	}
	if w, err := merchants.DemoWorld(); err == nil {
		return string(w.Currency)
	}
	return ""
}

func describe(in mandate.Intent) string {
	if in.Description != "" {
		return fmt.Sprintf("%q", in.Description)
	}
	return "no description"
}

// unknownMerchants warns about merchant ids that are not demo merchants.
// Merchant ids are not known in general when a mandate is signed (a run can
// shop at any --merchant URL, whose id comes from its own info), so a mandate
// naming another id is accepted; but a typo would make the mandate allow no
// merchant at all, so the user is told which ids the demo world has.
func unknownMerchants(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	w, err := merchants.DemoWorld()
	if err != nil {
		return nil
	}
	var known []string
	for _, m := range w.Merchants {
		known = append(known, m.ID)
	}
	var out []string
	for _, id := range ids {
		if w.Merchant(id) == nil && w.Merchant(strings.ToLower(id)) == nil {
			out = append(out, fmt.Sprintf("merchant %q is not a demo merchant (%s): the mandate allows it, but only a merchant with exactly that id can be paid under it", id, strings.Join(known, ", ")))
		}
	}
	return out
}

func printMandate(w io.Writer, in mandate.Intent, status string) {
	fmt.Fprintf(w, "Mandate %s for %s: %s\n", in.ID, in.UserID, status)
	if in.Description != "" {
		fmt.Fprintf(w, "  %s\n", in.Description)
	}
	fmt.Fprintf(w, "  max per purchase   %s\n", in.MaxTotal)
	if in.PerItemCap != nil {
		fmt.Fprintf(w, "  max per item       %s\n", *in.PerItemCap)
	}
	if in.Budget != nil {
		fmt.Fprintf(w, "  budget             %s per %s\n", in.Budget.Amount, in.Budget.Period)
	}
	if len(in.Merchants) > 0 {
		fmt.Fprintf(w, "  merchants          %s\n", strings.Join(in.Merchants, ", "))
	}
	if len(in.Categories) > 0 {
		fmt.Fprintf(w, "  categories         %s\n", strings.Join(in.Categories, ", "))
	}
	if in.ConfirmAbove != nil {
		fmt.Fprintf(w, "  confirm above      %s\n", *in.ConfirmAbove)
	}
	if in.RequireConfirmation {
		fmt.Fprintf(w, "  confirm            every purchase\n")
	}
	fmt.Fprintf(w, "  valid              %s → %s\n", in.NotBefore.Format(time.RFC3339), in.ExpiresAt.Format(time.RFC3339))
	fmt.Fprintf(w, "  signed by          %s\n", in.UserKey)
}
