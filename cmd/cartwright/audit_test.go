package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/skills/store"
)

// TestKeysFlag: --keys names exactly the directory holding agent.ed25519
// (QA: it meant DIR/keys, silently made new keys there, and audit verify
// then reported every entry as tampered).
func TestKeysFlag(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "cartwright", "keys") // the default, beside the state file
	if code, _, e := runCmd(t, dir, runWallet, "topup", "--currency", "CNY", "200"); code != 0 {
		t.Fatal(e)
	}
	if _, err := os.Stat(filepath.Join(keys, "agent.ed25519")); err != nil {
		t.Fatalf("default key location: %v", err)
	}
	// The directory that holds agent.ed25519 works as --keys.
	if code, out, e := runCmd(t, dir, runAudit, "verify", "--keys", keys); code != 0 || !strings.Contains(out, "verified: 1 entries") {
		t.Fatalf("verify --keys %s: %d %s %s", keys, code, out, e)
	}
	if _, err := os.Stat(filepath.Join(keys, "keys")); !os.IsNotExist(err) {
		t.Fatalf("a keys/keys directory was created: %v", err)
	}
	// Its parent (the old meaning) is refused with a pointer, no new key.
	parent := filepath.Dir(keys)
	if code, _, e := runCmd(t, dir, runAudit, "verify", "--keys", parent); code != exitError || !strings.Contains(e, "--keys "+keys) {
		t.Fatalf("verify --keys %s: %d %s", parent, code, e)
	}
	// An empty directory: no new agent key over a log signed by another.
	empty := filepath.Join(dir, "empty")
	code, out, e := runCmd(t, dir, runAudit, "verify", "--keys", empty)
	if code != exitError || !strings.Contains(e, "signed by agent key ed25519:") || !strings.Contains(e, "wrong --keys") || strings.Contains(out, "does not verify") {
		t.Fatalf("verify --keys empty: %d %s %s", code, out, e)
	}
	if _, err := os.Stat(filepath.Join(empty, "agent.ed25519")); !os.IsNotExist(err) {
		t.Fatal("an agent key was created beside a log signed by another")
	}
	// A directory with another agent key: named as such, not as tampering.
	other := filepath.Join(dir, "other")
	os.MkdirAll(other, 0o700)
	data, _ := os.ReadFile(filepath.Join(keys, "user-demo.ed25519"))
	os.WriteFile(filepath.Join(other, "user-demo.ed25519"), data, 0o600)
	otherState := filepath.Join(dir, "o", "state.db")
	if code, _, e := runCmd(t, dir, runWallet, "topup", "--state", otherState, "--keys", other, "--currency", "CNY", "1"); code != 0 {
		t.Fatal(e) // creates other/agent.ed25519
	}
	code, out, e = runCmd(t, dir, runAudit, "verify", "--keys", other)
	if code != exitError || !strings.Contains(e, "the audit log was signed by agent key ed25519:") || !strings.Contains(e, "the key in "+other+" is ed25519:") || strings.Contains(out, "signature does not verify") {
		t.Fatalf("verify with another agent key: %d %s %s", code, out, e)
	}
}

// TestAuditVerifyMessages: a deleted head or a deleted session are named as
// tampering, not "sql: no rows" or "no entries".
func TestAuditVerifyMessages(t *testing.T) {
	dir := t.TempDir()
	runCmd(t, dir, runWallet, "topup", "--currency", "CNY", "200")
	runCmd(t, dir, runWallet, "topup", "--currency", "CNY", "1")
	db, err := store.Open(context.Background(), filepath.Join(dir, "cartwright", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A session whose entries were all deleted (the wallet's entries are
	// session "wallet"; a second session follows it).
	runCmd(t, dir, runMandate, "list")
	spec := filepath.Join(dir, "m.yaml")
	os.WriteFile(spec, []byte("user: demo\ncurrency: CNY\nmax_total: 40\nexpires_in: 1d\n"), 0o600)
	runCmd(t, dir, runMandate, "create", spec)
	// "verify all" is the whole log, as "verify" is.
	if code, out, e := runCmd(t, dir, runAudit, "verify", "all"); code != 0 || !strings.Contains(out, "verified") {
		t.Fatalf("verify all on an intact log: %d %s %s", code, out, e)
	}
	db.Exec(`DELETE FROM audit_entries WHERE session = 'wallet'`)
	code, out, e := runCmd(t, dir, runAudit, "verify", "wallet")
	if code != exitError || !strings.Contains(out, "deleted (tampering)") {
		t.Fatalf("verify of a deleted session: %d %s %s", code, out, e)
	}
	db.Exec(`DELETE FROM audit_head`)
	code, out, e = runCmd(t, dir, runAudit, "verify")
	if code != exitError || !strings.Contains(e, "head record") || strings.Contains(e, "no rows") {
		t.Fatalf("verify without a head: %d %s %s", code, out, e)
	}
}
