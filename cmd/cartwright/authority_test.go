package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/skills/store"
)

// authIO is a stdio whose state lives in a fresh directory.
func authIO(t *testing.T, dir string) (*stdio, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errb bytes.Buffer
	return &stdio{in: strings.NewReader(""), out: &out, err: &errb, getenv: func(k string) string {
		if k == "XDG_STATE_HOME" {
			return dir
		}
		return ""
	}}, &out, &errb
}

func runCmd(t *testing.T, dir string, fn func(context.Context, *stdio, []string) int, args ...string) (int, string, string) {
	t.Helper()
	s, out, errb := authIO(t, dir)
	code := fn(context.Background(), s, args)
	return code, out.String(), errb.String()
}

func TestWalletCommand(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := runCmd(t, dir, runWallet, "show"); code != exitError || !strings.Contains(e, "no wallet yet") {
		t.Fatalf("show before any wallet: %d %s", code, e)
	}
	if code, out, e := runCmd(t, dir, runWallet, "topup", "--currency", "CNY", "--key", "k1", "200.00"); code != 0 || !strings.Contains(out, "¥200.00 available") {
		t.Fatalf("topup: %d %s %s", code, out, e)
	}
	runCmd(t, dir, runWallet, "topup", "--key", "k1", "200.00") // same key: loads once
	if code, out, _ := runCmd(t, dir, runWallet, "show"); code != 0 || !strings.Contains(out, "available   ¥200.00") {
		t.Fatalf("show: %s", out)
	}
	for _, bad := range [][]string{{"topup", "--", "-5"}, {"topup", "abc"}, {"topup", "1.234"}, {"topup", "99999999999999999999"}} {
		if code, _, e := runCmd(t, dir, runWallet, bad...); code != exitError || !strings.Contains(e, "topup") {
			t.Errorf("%v: %d %s", bad, code, e)
		}
	}
	if code, _, _ := runCmd(t, dir, runWallet, "frobnicate"); code != exitUsage {
		t.Error("unknown subcommand")
	}
	if code, out, e := runCmd(t, dir, runWallet, "limits", "--per-tx", "50", "--per-day", "120.50"); code != 0 || !strings.Contains(out, "¥50.00 per payment, ¥120.50 per day") {
		t.Fatalf("limits: %d %s %s", code, out, e)
	}
	if code, out, _ := runCmd(t, dir, runWallet, "statement"); code != 0 || !strings.Contains(out, "topup") || strings.Count(out, "topup") != 1 {
		t.Fatalf("statement: %s", out)
	}
	if code, out, _ := runCmd(t, dir, runWallet, "show", "--json"); code != 0 || !strings.Contains(out, `"available": {`) {
		t.Fatalf("json: %s", out)
	}
}

func TestMandateAndAuditCommands(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "m.yaml")
	os.WriteFile(spec, []byte("user: demo\ndescription: coffee\ncurrency: CNY\nmax_total: \"40.00\"\nbudget: {amount: \"100\", period: week}\nmerchants: [brewhouse]\nexpires_in: 7d\n"), 0o644)
	code, out, e := runCmd(t, dir, runMandate, "create", spec, "--out", filepath.Join(dir, "signed.json"))
	if code != 0 || !strings.Contains(out, "max per purchase   ¥40.00") {
		t.Fatalf("create: %d %s %s", code, out, e)
	}
	id := regexp.MustCompile(`mandate (im_[0-9a-f]+)`).FindStringSubmatch(out)[1]
	if st, err := os.Stat(filepath.Join(dir, "signed.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("signed file: %v", err)
	}
	if st, err := os.Stat(filepath.Join(dir, "cartwright", "keys", "user-demo.ed25519")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("user key: %v", err)
	}
	if _, out, _ := runCmd(t, dir, runMandate, "show"); !strings.Contains(out, id+" for demo: valid") {
		t.Fatalf("show: %s", out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("user: demo\ncurrency: CNY\nmax_total: \"-3\"\nexpires_in: 1h\n"), 0o644)
	if code, _, e := runCmd(t, dir, runMandate, "create", bad); code != exitError || !strings.Contains(e, "bad.yaml:3:1: max_total") {
		t.Fatalf("bad mandate: %d %s", code, e)
	}
	other := filepath.Join(dir, "other.yaml")
	os.WriteFile(other, []byte("user: mallory\ncurrency: CNY\nmax_total: 3\nexpires_in: 1h\n"), 0o644)
	if code, _, e := runCmd(t, dir, runMandate, "create", other); code != exitError || !strings.Contains(e, "own user's key") {
		t.Fatalf("other user's mandate: %d %s", code, e)
	}
	if code, out, _ := runCmd(t, dir, runMandate, "revoke", id); code != 0 || !strings.Contains(out, "Revoked") {
		t.Fatal(out)
	}
	if _, out, _ := runCmd(t, dir, runMandate, "show", id); !strings.Contains(out, "REVOKED") {
		t.Fatalf("show revoked: %s", out)
	}
	if code, _, e := runCmd(t, dir, runMandate, "show"); code != exitError || !strings.Contains(e, "no active mandate") {
		t.Fatalf("active after revoke: %s", e)
	}
	if _, out, _ := runCmd(t, dir, runMandate, "list"); !strings.Contains(out, "revoked") {
		t.Fatalf("list: %s", out)
	}

	// the mandate commands wrote audit entries
	if code, out, _ := runCmd(t, dir, runAudit, "show", "mandates"); code != 0 || !strings.Contains(out, `"action":"revoke"`) {
		t.Fatalf("audit show: %s", out)
	}
	if code, out, _ := runCmd(t, dir, runAudit, "verify"); code != 0 || !strings.Contains(out, "verified: 2 entries") {
		t.Fatalf("audit verify: %s", out)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "cartwright", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`UPDATE audit_entries SET payload = REPLACE(payload, 'revoke', 'create') WHERE id = 2`)
	db.Close()
	if code, out, _ := runCmd(t, dir, runAudit, "verify"); code != exitError || !strings.Contains(out, "entry 2 (session mandates, seq 2): content does not match its hash") {
		t.Fatalf("tampered audit: %d %s", code, out)
	}
}
