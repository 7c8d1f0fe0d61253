package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/skills/store"
)

// TestMandateListAndRevoke: only the newest valid mandate is "active", older
// ones are "superseded"; revoking the active one says which applies now.
func TestMandateListAndRevoke(t *testing.T) {
	dir := t.TempDir()
	var ids []string
	for i, d := range []string{"first", "second"} {
		spec := filepath.Join(dir, d+".yaml")
		os.WriteFile(spec, []byte("user: demo\ndescription: "+d+"\ncurrency: CNY\nmax_total: \"4"+string(rune('0'+i))+".00\"\nexpires_in: 7d\n"), 0o600)
		code, out, e := runCmd(t, dir, runMandate, "create", spec)
		if code != 0 {
			t.Fatalf("create: %s", e)
		}
		ids = append(ids, regexp.MustCompile(`mandate (im_[0-9a-f]+)`).FindStringSubmatch(out)[1])
	}
	_, out, _ := runCmd(t, dir, runMandate, "list")
	if !regexp.MustCompile(ids[1]+`.*active`).MatchString(out) || !regexp.MustCompile(ids[0]+`.*superseded`).MatchString(out) {
		t.Fatalf("list: %s", out)
	}
	code, out, _ := runCmd(t, dir, runMandate, "revoke", ids[1])
	if code != 0 || !strings.Contains(out, "Mandate "+ids[0]+` ("first", max ¥40.00 per purchase`) {
		t.Fatalf("revoke: %s", out)
	}
	_, out, _ = runCmd(t, dir, runMandate, "list")
	if !regexp.MustCompile(ids[0]+`.*active`).MatchString(out) || !regexp.MustCompile(ids[1]+`.*revoked`).MatchString(out) {
		t.Fatalf("list after revoke: %s", out)
	}
	if _, out, _ = runCmd(t, dir, runMandate, "revoke", ids[0]); !strings.Contains(out, "No mandate applies now") {
		t.Fatalf("revoke the last: %s", out)
	}
}

// TestMandateShowInvalidExits1: a mandate that does not verify is an error.
func TestMandateShowInvalidExits1(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "m.yaml")
	os.WriteFile(spec, []byte("user: demo\ncurrency: CNY\nmax_total: \"40.00\"\nexpires_in: 7d\n"), 0o600)
	if code, _, e := runCmd(t, dir, runMandate, "create", spec); code != 0 {
		t.Fatal(e)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "cartwright", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`UPDATE mandate_intents SET doc = REPLACE(doc, '"amount":4000', '"amount":400000')`)
	db.Close()
	for _, args := range [][]string{{"show"}, {"show", "--json"}} {
		code, out, _ := runCmd(t, dir, runMandate, args...)
		if code != exitError || !strings.Contains(out, "INVALID") {
			t.Fatalf("%v of a tampered mandate: %d %s", args, code, out)
		}
	}
}

// TestMandateUnknownMerchantWarns: a merchant id no demo merchant has is
// accepted (ids of --merchant servers are not known in advance) with a
// warning listing the demo ids.
func TestMandateUnknownMerchantWarns(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "m.yaml")
	os.WriteFile(spec, []byte("user: demo\ncurrency: CNY\nmax_total: \"40.00\"\nmerchants: [nosuchshop, brewhouse]\nexpires_in: 7d\n"), 0o600)
	code, _, e := runCmd(t, dir, runMandate, "create", spec)
	if code != 0 || !strings.Contains(e, `merchant "nosuchshop" is not a demo merchant`) || !strings.Contains(e, "brewhouse") || strings.Contains(e, `"brewhouse" is not`) {
		t.Fatalf("create: %d %s", code, e)
	}
}
