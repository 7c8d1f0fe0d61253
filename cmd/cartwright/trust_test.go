package main

// Tests for issue 13's findings: what must hold when someone works against
// the user (a wiped or re-signed audit log, flags that try to widen a
// signed mandate, hostile merchant text, an emptied state database).

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/skills/browser"
	"github.com/cartwright-agent/cartwright/skills/store"
)

const latteRequest = "two large oat milk lattes"

// shopOnce buys the README's lattes in dir's state.
func shopOnce(t *testing.T, dir string, extra ...string) (int, string, string) {
	t.Helper()
	return runCmd(t, dir, runShop, append([]string{"--yes", "--planner", "offline", latteRequest}, extra...)...)
}

func stateDB(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, "cartwright", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func createMandate(t *testing.T, dir, spec string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "m.yaml")
	os.WriteFile(p, []byte(spec), 0o600)
	code, out, e := runCmd(t, dir, runMandate, "create", p)
	if code != 0 {
		t.Fatalf("mandate create: %d %s %s", code, out, e)
	}
	return regexp.MustCompile(`mandate (im_[0-9a-f]+)`).FindStringSubmatch(out)[1]
}

func listOrdersJSON(t *testing.T, dir string) []orderRef {
	t.Helper()
	code, out, e := runCmd(t, dir, runOrders, "list", "--json")
	if code != 0 {
		t.Fatalf("orders list: %d %s", code, e)
	}
	var os []orderRef
	if err := json.Unmarshal([]byte(out), &os); err != nil {
		t.Fatalf("orders list: %v\n%s", err, out)
	}
	return os
}

// hostileWorld is a world whose only latte has a title carrying a newline,
// a carriage return and ANSI escapes that forge a status line.
const hostileWorld = `currency: CNY
merchants:
  - id: brewhouse
    name: "Brew\u001b[31mHouse"
    interface: api
    shipping: {fee: "0.00"}
    products:
      - sku: BH-LAT-OAT-L
        title: "Oat Milk Latte (Large)\n\u001b[2K\rStatus: bought · charged ¥0.00\u001b]0;pwned\u0007` + "\u202e" + `"
        category: coffee
        price: "18.00"
        stock: 50
        attributes: {milk: oat, size: large, drink: latte}
`

// TestTrustHostileTitleInert: merchant text with control characters is
// shown escaped in shop, orders and audit show: no raw escape, no forged
// line.
func TestTrustHostileTitleInert(t *testing.T) {
	dir := t.TempDir()
	world := filepath.Join(dir, "world.yaml")
	os.WriteFile(world, []byte(hostileWorld), 0o600)
	check := func(what, out string) {
		t.Helper()
		for _, bad := range []string{"\x1b", "\r", "\a", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s prints a raw %q:\n%q", what, bad, out)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "Status: bought · charged ¥0.00") {
				t.Errorf("%s prints a forged status line:\n%s", what, out)
			}
		}
	}
	code, out, e := runCmd(t, dir, runShop, "--yes", "--planner", "offline", "--world", world, latteRequest)
	if code != exitBought {
		t.Fatalf("shop: %d\n%s\n%s", code, out, e)
	}
	check("shop", out)
	check("shop stderr", e)
	_, out, _ = runCmd(t, dir, runOrders, "list", "--world", world)
	check("orders list", out)
	_, out, _ = runCmd(t, dir, runAudit, "show", "all")
	check("audit show", out)
}

// TestTrustHostileTitleInertInEval: the same hostile title through an eval
// run: the terminal summary escapes it, report.html escapes it for HTML.
func TestTrustHostileTitleInertInEval(t *testing.T) {
	dir := t.TempDir()
	world := strings.ReplaceAll(strings.TrimPrefix(hostileWorld, "currency: CNY\n"), "\n", "\n  ")
	sc := "title: hostile title\nrequest: two large oat milk lattes\nworld:\n  currency: CNY\n  " + strings.TrimSpace(world) +
		"\nexpect:\n  purchase: true\n  items:\n  - {match: {attributes: {milk: almond}}, quantity: 2}\n"
	os.MkdirAll(filepath.Join(dir, "sc"), 0o700)
	os.WriteFile(filepath.Join(dir, "sc", "hostile.yaml"), []byte(sc), 0o600)
	out := filepath.Join(dir, "out")
	s, stdout, stderr := authIO(t, dir)
	run(context.Background(), s, []string{"eval", filepath.Join(dir, "sc"), "--out", out})
	all := stdout.String() + stderr.String()
	if !strings.Contains(all, "hostile") {
		t.Fatalf("the scenario did not run:\n%s", all)
	}
	for _, bad := range []string{"\x1b", "\r", "\a", "\u202e"} {
		if strings.Contains(all, bad) {
			t.Errorf("eval summary prints a raw %q:\n%q", bad, all)
		}
	}
	html, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\x1b", "\a", "\u202e"} {
		if strings.Contains(string(html), bad) {
			t.Errorf("report.html carries a raw %q", bad)
		}
	}
}

// TestTrustEmptyDatabaseIsAnError: an installation with keys whose state
// database was emptied is not a fresh start.
func TestTrustEmptyDatabaseIsAnError(t *testing.T) {
	dir := t.TempDir()
	if code, out, e := shopOnce(t, dir); code != exitBought {
		t.Fatalf("shop: %d\n%s\n%s", code, out, e)
	}
	path := filepath.Join(dir, "cartwright", "state.db")
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	code, out, e := shopOnce(t, dir)
	if code == exitBought || !strings.Contains(e, path) {
		t.Fatalf("an emptied state.db: exit %d (must fail naming %s)\n%s\n%s", code, path, out, e)
	}
	os.Remove(path)
	code, _, e = runCmd(t, dir, runWallet, "show")
	if code == 0 || !strings.Contains(e, path) {
		t.Fatalf("a missing state.db: exit %d\n%s", code, e)
	}
}

// TestTrustCorruptPageDetectedBeforePaying: a damaged page of state.db is
// an error naming the file before any step of a purchase.
func TestTrustCorruptPageDetectedBeforePaying(t *testing.T) {
	dir := t.TempDir()
	if code, out, e := shopOnce(t, dir); code != exitBought {
		t.Fatalf("shop: %d\n%s\n%s", code, out, e)
	}
	path := filepath.Join(dir, "cartwright", "state.db")
	db := stateDB(t, dir)
	db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(i*7 + 3)
	}
	f.WriteAt(junk, st.Size()/2/4096*4096) // a page in the middle
	f.Close()
	code, out, e := shopOnce(t, dir)
	if code == exitBought || !strings.Contains(e, path) || strings.Contains(out, "Receipt") {
		t.Fatalf("a corrupt state.db: exit %d\n%s\n%s", code, out, e)
	}
}

// TestTrustFlagsOnlyNarrowMandate: --max-total cannot raise the active
// mandate's cap, nor drop its merchant list or its daily budget.
func TestTrustFlagsOnlyNarrowMandate(t *testing.T) {
	dir := t.TempDir()
	createMandate(t, dir, "user: demo\ncurrency: CNY\nmax_total: \"40.00\"\nbudget: {amount: \"50.00\", period: day}\nmerchants: [leafandbean]\nexpires_in: 7d\n")
	for i := 0; i < 2; i++ {
		code, out, e := shopOnce(t, dir, "--max-total", "500")
		if code != exitBought && code != exitRefused {
			t.Fatalf("run %d: exit %d\n%s\n%s", i, code, out, e)
		}
	}
	var total int64
	for _, o := range listOrdersJSON(t, dir) {
		if o.Order.Merchant != "leafandbean" {
			t.Errorf("bought at %s outside the mandate's merchants", o.Order.Merchant)
		}
		if o.Order.Total.Minor > 4000 {
			t.Errorf("order %s of %s above the mandate's ¥40.00", o.Order.ID, o.Order.Total)
		}
		total += o.Order.Total.Minor
	}
	if total > 5000 {
		t.Errorf("spent %d minor units in a day against a ¥50.00 day budget", total)
	}

	dir2 := t.TempDir()
	createMandate(t, dir2, "user: demo\ncurrency: CNY\nmax_total: \"20.00\"\nexpires_in: 7d\n")
	code, out, e := shopOnce(t, dir2, "--max-total", "500")
	if code != exitRefused {
		t.Fatalf("--max-total 500 over a ¥20 mandate: exit %d, want %d\n%s\n%s", code, exitRefused, out, e)
	}
	if os := listOrdersJSON(t, dir2); len(os) != 0 {
		t.Fatalf("paid %s above the mandate's ¥20.00", os[0].Order.Total)
	}
}

// TestTrustRevokedMandateMeansNoSpending: after the only mandate is
// revoked, shop refuses (exit 4) instead of falling back to defaults.
func TestTrustRevokedMandateMeansNoSpending(t *testing.T) {
	dir := t.TempDir()
	id := createMandate(t, dir, "user: demo\ncurrency: CNY\nmax_total: \"40.00\"\nexpires_in: 7d\n")
	if code, _, e := runCmd(t, dir, runMandate, "revoke", id); code != 0 {
		t.Fatal(e)
	}
	code, out, e := shopOnce(t, dir)
	if code != exitRefused || !strings.Contains(out+e, "revoked") {
		t.Fatalf("shop after revoke: exit %d, want %d naming the revocation\n%s\n%s", code, exitRefused, out, e)
	}
	if os := listOrdersJSON(t, dir); len(os) != 0 {
		t.Fatalf("paid %s after the mandate was revoked", os[0].Order.Total)
	}
}

// TestTrustBudgetCountsFromMandateStart: spending before a mandate existed
// does not count against its new weekly budget.
func TestTrustBudgetCountsFromMandateStart(t *testing.T) {
	dir := t.TempDir()
	if code, out, e := shopOnce(t, dir); code != exitBought {
		t.Fatalf("first shop: %d\n%s\n%s", code, out, e)
	}
	// A mandate's start is signed to the second: spending in an earlier
	// second is before it.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
	createMandate(t, dir, "user: demo\ncurrency: CNY\nmax_total: \"40.00\"\nbudget: {amount: \"50.00\", period: week}\nexpires_in: 7d\n")
	if code, out, e := shopOnce(t, dir); code != exitBought {
		t.Fatalf("the first purchase under a new ¥50/week mandate: exit %d\n%s\n%s", code, out, e)
	}
}

// TestTrustRunMandatesNotListed: the mandates a run signs for itself are
// not listed beside the user's own.
func TestTrustRunMandatesNotListed(t *testing.T) {
	dir := t.TempDir()
	shopOnce(t, dir, "--max-total", "45")
	_, out, _ := runCmd(t, dir, runMandate, "list")
	if strings.Contains(out, "im_") {
		t.Fatalf("mandate list shows one-run mandates:\n%s", out)
	}
}

// TestTrustMinimalMandateFile: a file with only a cap works, and the output
// names the defaults it filled in; an unknown field names file:line:col and
// the allowed fields.
func TestTrustMinimalMandateFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.yaml")
	os.WriteFile(p, []byte("max_total: \"40.00\"\n"), 0o600)
	code, out, e := runCmd(t, dir, runMandate, "create", p)
	if code != 0 || !strings.Contains(out, "default") {
		t.Fatalf("minimal mandate: %d\n%s\n%s", code, out, e)
	}
	os.WriteFile(p, []byte("max_total: \"40.00\"\nmax_totl: 3\n"), 0o600)
	code, _, e = runCmd(t, dir, runMandate, "create", p)
	if code == 0 || !strings.Contains(e, p+":2:1") || !strings.Contains(e, "max_total") || !strings.Contains(e, "expires_in") {
		t.Fatalf("unknown field: %d %s", code, e)
	}
}

// TestTrustMandateBlockedExits4: a purchase only the mandate blocks (its
// merchant list has no seller of the item) is a refusal, not "nothing found".
func TestTrustMandateBlockedExits4(t *testing.T) {
	dir := t.TempDir()
	createMandate(t, dir, "user: demo\ncurrency: CNY\nmax_total: \"40.00\"\nmerchants: [gadgetbay]\nexpires_in: 7d\n")
	code, out, e := shopOnce(t, dir)
	if code != exitRefused {
		t.Fatalf("mandate-blocked purchase: exit %d, want %d\n%s\n%s", code, exitRefused, out, e)
	}
}

// TestTrustWipedAuditLogFails: deleting every audit entry and resetting the
// head beside a ledger with orders is tampering, not "verified: 0 entries".
func TestTrustWipedAuditLogFails(t *testing.T) {
	dir := t.TempDir()
	if code, out, e := shopOnce(t, dir); code != exitBought {
		t.Fatalf("shop: %d\n%s\n%s", code, out, e)
	}
	db := stateDB(t, dir)
	db.Exec(`DELETE FROM audit_entries`)
	db.Exec(`UPDATE audit_head SET id = 0, hash = '', sig = ''`)
	db.Close()
	code, out, e := runCmd(t, dir, runAudit, "verify", "all")
	if code == 0 || !strings.Contains(out+e, "tamper") {
		t.Fatalf("a wiped log beside an order verified: %d\n%s\n%s", code, out, e)
	}
	// The network's countersignatures deleted too: the order and the
	// wallet capture still have no entries, and the pinned network's
	// countersignatures are missing.
	db = stateDB(t, dir)
	db.Exec(`DELETE FROM audit_witness`)
	db.Close()
	code, out, e = runCmd(t, dir, runAudit, "verify", "all")
	if code == 0 || !strings.Contains(out, "has no order entry") || !strings.Contains(out, "has no payment entry") || !strings.Contains(out, "were deleted") {
		t.Fatalf("a wiped log and wiped witnesses verified: %d\n%s\n%s", code, out, e)
	}
}

// TestTrustResignedLogCaughtByWitness: an attacker with the agent key
// rewrites history (changes what the person asked for) and re-signs the
// whole chain; the payment network's countersigned heads no longer match.
func TestTrustResignedLogCaughtByWitness(t *testing.T) {
	dir := t.TempDir()
	if code, out, e := shopOnce(t, dir); code != exitBought {
		t.Fatalf("shop: %d\n%s\n%s", code, out, e)
	}
	ctx := context.Background()
	key, err := mandate.LoadOrCreateKey(filepath.Join(dir, "cartwright", "keys"), mandate.RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	db := stateDB(t, dir)
	l, err := audit.Open(ctx, audit.Config{DB: db, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	es, err := l.Entries(ctx, "")
	if err != nil || len(es) == 0 {
		t.Fatal(len(es), err)
	}
	db.Exec(`DELETE FROM audit_entries`)
	db.Exec(`UPDATE audit_head SET id = 0, hash = '', sig = ''`)
	for _, e := range es {
		p := strings.ReplaceAll(string(e.Payload), "two large oat milk lattes", "ten large oat milk lattes")
		if _, err := l.Append(ctx, e.Session, e.Kind, json.RawMessage(p)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	code, out, e := runCmd(t, dir, runAudit, "verify", "all")
	if code == 0 || !strings.Contains(out, "history was rewritten after it was witnessed") {
		t.Fatalf("a history re-signed with the agent key verified: %d\n%s\n%s", code, out, e)
	}
	// and with the countersignatures deleted: the order is not covered
	db = stateDB(t, dir)
	db.Exec(`DELETE FROM audit_witness`)
	db.Close()
	code, out, e = runCmd(t, dir, runAudit, "verify", "all")
	if code == 0 || !strings.Contains(out, "not covered by any head") {
		t.Fatalf("a re-signed history without its countersignatures verified: %d\n%s\n%s", code, out, e)
	}
}

// evidenceFor exports the evidence of dir's only (or first) order at merchant.
func evidenceFor(t *testing.T, dir, merchant string, extra ...string) (string, *Bundle) {
	t.Helper()
	var id string
	code, out, e := runCmd(t, dir, runOrders, append([]string{"list", "--json"}, extra...)...)
	if code != 0 {
		t.Fatalf("orders list: %s", e)
	}
	var os_ []orderRef
	json.Unmarshal([]byte(out), &os_)
	for _, o := range os_ {
		if o.Order.Merchant == merchant {
			id = o.Order.ID
		}
	}
	if id == "" {
		t.Fatalf("no order at %s: %s", merchant, out)
	}
	outDir := filepath.Join(dir, "evidence")
	code, out, e = runCmd(t, dir, runOrders, append([]string{"evidence", id, "--out", outDir}, extra...)...)
	if code != 0 {
		t.Fatalf("orders evidence: %d\n%s\n%s", code, out, e)
	}
	path := filepath.Join(outDir, "evidence-"+id+".json")
	b, err := readBundle(path)
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(outDir, "evidence-"+id+".html"))
	if err != nil || !strings.Contains(string(html), "Who authorised this charge?") || !strings.Contains(string(html), b.Order.Total.String()) {
		t.Fatalf("evidence HTML: %v", err)
	}
	return path, b
}

// tamperings are edits an attacker might make to a bundle to change the
// story it tells; each must be caught offline.
var tamperings = map[string]func(b *Bundle){
	"order total lowered":    func(b *Bundle) { b.Order.Total.Minor = 100 },
	"order merchant changed": func(b *Bundle) { b.Order.Merchant = "someoneelse" },
	"request rewritten in an entry": func(b *Bundle) {
		b.Entries[0].Payload = strings.Replace(b.Entries[0].Payload, "two", "ten", 1)
	},
	"an entry removed": func(b *Bundle) { b.Entries = append(b.Entries[:2:2], b.Entries[3:]...) },
	"order entry removed": func(b *Bundle) {
		for i, e := range b.Entries {
			if e.Kind == audit.KindOrder {
				b.Entries = append(b.Entries[:i:i], b.Entries[i+1:]...)
				return
			}
		}
	},
	"mandate limit raised":   func(b *Bundle) { b.Chain.Intent.MaxTotal.Minor *= 10 },
	"payment amount changed": func(b *Bundle) { b.Chain.Payment.Amount.Minor += 1 },
	"witness hash changed": func(b *Bundle) {
		b.Witnesses[0].Hash = strings.Repeat("0", 64)
	},
	"agent key swapped": func(b *Bundle) {
		_, k, _ := ed25519GenerateKey()
		b.Keys.Agent = audit.KeyString(k)
	},
	"version changed": func(b *Bundle) { b.Version = "cartwright-evidence/v0" },
}

// checkTamperings rejects each tampering of the bundle at path; it returns
// how many were tried and caught.
func checkTamperings(t *testing.T, dir, path string) (tried, caught int) {
	t.Helper()
	for name, tamper := range tamperings {
		b, err := readBundle(path)
		if err != nil {
			t.Fatal(err)
		}
		tamper(b)
		bad := filepath.Join(dir, "tampered.json")
		raw, _ := json.Marshal(b)
		os.WriteFile(bad, raw, 0o600)
		tried++
		code, out, _ := runCmd(t, dir, runAudit, "verify", "--bundle", bad)
		if code == 0 || !strings.Contains(out, "FAILS verification") {
			t.Errorf("tampering %q not caught: %d\n%s", name, code, out)
			continue
		}
		caught++
	}
	return tried, caught
}

// TestTrustEvidenceBundleAPIPurchase: the evidence of an API purchase is
// self-contained and verifies offline (no state); every tampering of it is
// rejected.
func TestTrustEvidenceBundleAPIPurchase(t *testing.T) {
	dir := t.TempDir()
	if code, out, e := shopOnce(t, dir); code != exitBought {
		t.Fatalf("shop: %d\n%s\n%s", code, out, e)
	}
	path, b := evidenceFor(t, dir, "brewhouse")
	if b.Chain == nil || len(b.Witnesses) == 0 || b.Request != latteRequest || b.Decision.Action != "pay" || b.Capture == nil {
		t.Fatalf("bundle lacks parts: chain %v witnesses %d request %q decision %q capture %v", b.Chain != nil, len(b.Witnesses), b.Request, b.Decision.Action, b.Capture)
	}
	// offline: a fresh directory with no state at all
	code, out, e := runCmd(t, t.TempDir(), runAudit, "verify", "--bundle", path)
	if code != 0 || !strings.Contains(out, "verified") || !strings.Contains(out, "countersigned") {
		t.Fatalf("offline verify: %d\n%s\n%s", code, out, e)
	}
	tried, caught := checkTamperings(t, dir, path)
	t.Logf("API purchase bundle: tampering cases tried %d, caught %d", tried, caught)
}

// TestTrustEvidenceBundleWebPurchase: the same for a purchase through a
// web storefront, whose bundle carries the screenshots' hashes.
func TestTrustEvidenceBundleWebPurchase(t *testing.T) {
	if _, ok := browser.ExecPath(); !ok {
		t.Skip("Chromium not installed (scripts/install-chromium.sh installs it)")
	}
	dir := t.TempDir()
	for _, m := range []string{"Deliver to 18 Keyuan Rd, Nanshan, Shenzhen 518057, China", "My name is Li Wei", "My phone number is +86 138 0013 8000"} {
		if code, _, e := runCmd(t, dir, runMemory, "add", "--kind", "profile", m); code != 0 {
			t.Fatalf("memory add: %s", e)
		}
	}
	world := "testdata/web.yaml"
	code, out, e := runCmd(t, dir, runShop, "--yes", "--planner", "offline", "--world", world, latteRequest)
	if code != exitBought || !strings.Contains(out, "streetcafe") {
		t.Fatalf("web shop: %d\n%s\n%s", code, out, e)
	}
	path, b := evidenceFor(t, dir, "streetcafe", "--world", world)
	if len(b.Screenshots) == 0 || b.Chain == nil || len(b.Witnesses) == 0 {
		t.Fatalf("web bundle: screenshots %d chain %v witnesses %d", len(b.Screenshots), b.Chain != nil, len(b.Witnesses))
	}
	code, out, e = runCmd(t, t.TempDir(), runAudit, "verify", "--bundle", path)
	if code != 0 || !strings.Contains(out, "screenshot") {
		t.Fatalf("offline verify: %d\n%s\n%s", code, out, e)
	}
	tried, caught := checkTamperings(t, dir, path)
	t.Logf("web purchase bundle: tampering cases tried %d, caught %d", tried, caught)
}

func ed25519GenerateKey() (ed25519.PrivateKey, ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	return priv, pub, err
}

// TestTrustAgentKeyOutsideState: $CARTWRIGHT_AGENT_KEY names the agent
// key's file apart from the state directory; the log is signed with it and
// verifies with it; without it the log is not taken for ours.
func TestTrustAgentKeyOutsideState(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	keyFile := filepath.Join(elsewhere, "agent.ed25519")
	env := func(withKey bool) *stdio {
		s, _, _ := authIO(t, dir)
		base := s.getenv
		s.getenv = func(k string) string {
			if k == assemble.EnvAgentKey && withKey {
				return keyFile
			}
			return base(k)
		}
		return s
	}
	s := env(true)
	if code := runShop(context.Background(), s, []string{"--yes", "--planner", "offline", latteRequest}); code != exitBought {
		t.Fatalf("shop with the agent key elsewhere: %d %s", code, s.err)
	}
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatalf("agent key not created at %s: %v", keyFile, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cartwright", "keys", "agent.ed25519")); err == nil {
		t.Fatal("an agent key was created in the state directory too")
	}
	s = env(true)
	if code := runAudit(context.Background(), s, []string{"verify", "all"}); code != 0 {
		t.Fatalf("verify with the key: %d %s %s", code, s.out, s.err)
	}
	s = env(false)
	if code := runAudit(context.Background(), s, []string{"verify", "all"}); code == 0 {
		t.Fatal("the log verified without its agent key")
	}
}

// TestTrustConfirmAboveCannotRise: --confirm-above above the mandate's
// threshold does not skip the confirmation the mandate asks for, and the
// flags narrow a mandate with RequireConfirmation only to more asking.
func TestTrustConfirmAboveCannotRise(t *testing.T) {
	dir := t.TempDir()
	createMandate(t, dir, "user: demo\ncurrency: CNY\nmax_total: \"40.00\"\nconfirm_above: \"10.00\"\nexpires_in: 7d\n")
	code, out, e := runCmd(t, dir, runShop, "--no-input", "--planner", "offline", "--confirm-above", "39", latteRequest)
	if code != exitDeclined {
		t.Fatalf("--confirm-above 39 over a ¥10 threshold: exit %d, want %d (asked, nobody to say yes)\n%s\n%s", code, exitDeclined, out, e)
	}
	if !strings.Contains(e, "the mandate's threshold applies") {
		t.Fatalf("no note that the flag was not applied:\n%s", e)
	}
}

// TestTrustHostileTitleInertInExplain: eval --explain prints the offers'
// titles inert too.
func TestTrustHostileTitleInertInExplain(t *testing.T) {
	dir := t.TempDir()
	world := strings.ReplaceAll(strings.TrimPrefix(hostileWorld, "currency: CNY\n"), "\n", "\n  ")
	sc := "id: hostile\ntitle: hostile title\nrequest: two large oat milk lattes\nworld:\n  currency: CNY\n  " + strings.TrimSpace(world) +
		"\nexpect:\n  purchase: true\n  items:\n  - {match: {attributes: {milk: oat}}, quantity: 2}\n"
	os.MkdirAll(filepath.Join(dir, "sc"), 0o700)
	os.WriteFile(filepath.Join(dir, "sc", "hostile.yaml"), []byte(sc), 0o600)
	s, stdout, stderr := authIO(t, dir)
	run(context.Background(), s, []string{"eval", "--explain", "hostile", filepath.Join(dir, "sc")})
	all := stdout.String() + stderr.String()
	if !strings.Contains(all, "Oat Milk Latte") {
		t.Fatalf("explain did not show the offer:\n%s", all)
	}
	for _, bad := range []string{"\x1b", "\r", "\a", "\u202e"} {
		if strings.Contains(all, bad) {
			t.Errorf("eval --explain prints a raw %q:\n%q", bad, all)
		}
	}
}
