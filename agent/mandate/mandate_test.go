package mandate

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func cny(v int64) skills.Money { return skills.M(v, "CNY") }

func key(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type fixture struct {
	user, agentK, merchantK ed25519.PrivateKey
	trust                   Trust
	intent                  Intent
	quote                   skills.Quote
}

func newFixture(t testing.TB) *fixture {
	f := &fixture{user: key(t), agentK: key(t), merchantK: key(t)}
	cap := cny(2000)
	f.intent = Intent{UserID: "alice", Description: "office coffee", Currency: "CNY", MaxTotal: cny(4000), PerItemCap: &cap,
		Budget: &Budget{Amount: cny(10000), Period: PeriodWeek}, Merchants: []string{"brewlab", "beanhub"}, Categories: []string{"coffee"},
		NotBefore: t0.Add(-time.Hour), ExpiresAt: t0.Add(30 * 24 * time.Hour)}
	if err := f.intent.Sign(f.user); err != nil {
		t.Fatal(err)
	}
	f.trust = Trust{Users: map[string]string{"alice": PublicKeyString(f.user.Public().(ed25519.PublicKey))},
		Agents: []string{PublicKeyString(f.agentK.Public().(ed25519.PublicKey))}, AllowAgentAttestedCarts: true,
		Merchants: map[string]string{}}
	f.quote = skills.Quote{ID: "cs_1", Merchant: "brewlab", Status: skills.StatusReady,
		Lines:    []skills.QuoteLine{{ID: "l1", SKU: "latte-oat-l", Title: "Oat latte L", Quantity: 2, UnitPrice: cny(1500), Total: cny(3000)}},
		Subtotal: cny(3000), Discount: cny(0), Shipping: cny(500), Total: cny(3500), ExpiresAt: t0.Add(time.Hour)}
	return f
}

func (f *fixture) chain(t testing.TB, q skills.Quote) Chain {
	c := CartFromQuote(q, map[string]string{"latte-oat-l": "coffee"})
	if err := c.Sign(SignerAgent, f.agentK); err != nil {
		t.Fatal(err)
	}
	p, err := NewPayment(f.agentK, f.intent, c, "delegated", t0, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return Chain{Intent: f.intent, Cart: c, Payment: p}
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "other: " + err.Error()
}

func TestVerifyChain(t *testing.T) {
	f := newFixture(t)
	good := f.chain(t, f.quote)
	if err := Verify(good, f.trust, t0); err != nil {
		t.Fatalf("good chain: %v", err)
	}
	resign := func(ch *Chain) { // the agent re-signs after altering the cart (a compromised planner)
		ch.Cart.Sign(SignerAgent, f.agentK)
		p, _ := NewPayment(f.agentK, ch.Intent, ch.Cart, "delegated", t0, 10*time.Minute)
		ch.Payment = p
	}
	cases := []struct {
		name  string
		mut   func(*Chain)
		trust func(*Trust)
		now   time.Time
		want  string
	}{
		{"intent max_total raised", func(c *Chain) { c.Intent.MaxTotal = cny(99999) }, nil, t0, CodeBadSignature},
		{"intent re-signed by another key", func(c *Chain) { c.Intent.Sign(f.agentK) }, nil, t0, CodeUntrustedKey},
		{"unknown user", func(c *Chain) { c.Intent.UserID = "mallory" }, nil, t0, CodeUntrustedKey},
		{"cart total edited", func(c *Chain) { c.Cart.Total = cny(100) }, nil, t0, CodeCartArithmetic},
		{"cart line price edited, sums fixed", func(c *Chain) {
			c.Cart.Lines[0].UnitPrice, c.Cart.Lines[0].Total, c.Cart.Subtotal, c.Cart.Total = cny(1000), cny(2000), cny(2000), cny(2500)
		}, nil, t0, CodeHashMismatch},
		{"cart hash recomputed, not re-signed", func(c *Chain) {
			c.Cart.Lines[0].Title = "Gold latte"
			c.Cart.CartHash, _ = c.Cart.CartContents.ContentsHash()
		}, nil, t0, CodeBadSignature},
		{"cart forged by unknown key", func(c *Chain) { c.Cart.Sign(SignerAgent, key(t)) }, nil, t0, CodeUntrustedKey},
		{"merchant signs its carts: agent attestation refused", nil, func(tr *Trust) {
			tr.Merchants["brewlab"] = PublicKeyString(f.merchantK.Public().(ed25519.PublicKey))
		}, t0, CodeUntrustedKey},
		{"payment amount edited", func(c *Chain) { c.Payment.Amount = cny(1) }, nil, t0, CodeBadSignature},
		{"payment for another cart", func(c *Chain) {
			other := f.quote
			other.ID = "cs_other"
			c.Payment = f.chain(t, other).Payment
		}, nil, t0, CodeHashMismatch},
		{"wrong merchant", func(c *Chain) { c.Cart.MerchantID = "evilmart"; resign(c) }, nil, t0, CodeMerchant},
		{"over per-item cap", func(c *Chain) {
			c.Cart.Lines[0].UnitPrice, c.Cart.Lines[0].Quantity, c.Cart.Lines[0].Total = cny(2001), 1, cny(2001)
			c.Cart.Subtotal, c.Cart.Total = cny(2001), cny(2501)
			resign(c)
		}, nil, t0, CodeOverItemCap},
		{"over mandate total", func(c *Chain) {
			c.Cart.Lines[0].Quantity, c.Cart.Lines[0].Total, c.Cart.Subtotal, c.Cart.Total = 3, cny(4500), cny(4500), cny(4500)
			c.Cart.Shipping = cny(0)
			resign(c)
		}, nil, t0, CodeOverTotal},
		{"model-proposed add-on", func(c *Chain) {
			c.Cart.Lines = append(c.Cart.Lines, CartLine{SKU: "cookie", Title: "Cookie", Quantity: 1, UnitPrice: cny(300), Total: cny(300), AddOn: true})
			c.Cart.Subtotal, c.Cart.Total = cny(3300), cny(3800)
			resign(c)
		}, nil, t0, CodeUnrequestedAddOn},
		{"category not allowed", func(c *Chain) { c.Cart.Lines[0].Category = "alcohol"; resign(c) }, nil, t0, CodeCategory},
		{"currency", func(c *Chain) {
			c.Cart.Total = skills.M(3500, "USD")
			resign(c)
		}, nil, t0, CodeCurrency},
		{"intent expired", nil, nil, t0.Add(31 * 24 * time.Hour), CodeExpired},
		{"intent not yet valid", nil, nil, t0.Add(-2 * time.Hour), CodeNotYetValid},
		{"payment expired", nil, nil, t0.Add(11 * time.Minute), CodePaymentExpired},
		{"untrusted agent", nil, func(tr *Trust) { tr.Agents = nil }, t0, CodeUntrustedKey},
		{"signature garbage", func(c *Chain) { c.Payment.Signature = "!!" }, nil, t0, CodeBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch := f.chain(t, f.quote)
			tr := f.trust
			tr.Merchants = map[string]string{}
			if tc.mut != nil {
				tc.mut(&ch)
			}
			if tc.trust != nil {
				tc.trust(&tr)
			}
			if got := code(Verify(ch, tr, tc.now)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMerchantSignedCart(t *testing.T) {
	f := newFixture(t)
	ch := f.chain(t, f.quote)
	ch.Cart.Sign(SignerMerchant, f.merchantK)
	ch.Payment, _ = NewPayment(f.agentK, ch.Intent, ch.Cart, "delegated", t0, time.Minute)
	f.trust.Merchants["brewlab"] = PublicKeyString(f.merchantK.Public().(ed25519.PublicKey))
	if err := Verify(ch, f.trust, t0); err != nil {
		t.Fatal(err)
	}
	f.trust.Merchants["brewlab"] = PublicKeyString(key(t).Public().(ed25519.PublicKey))
	if got := code(Verify(ch, f.trust, t0)); got != CodeUntrustedKey {
		t.Fatal(got)
	}
}

func TestCanonical(t *testing.T) {
	a, _ := CanonicalizeJSON([]byte(`{"b": 1, "a": {"d": [1, 2.50, "x<y"], "c": null}}`))
	b, _ := CanonicalizeJSON([]byte(`{"a":{"c":null,"d":[1,2.50,"x<y"]},"b":1}`))
	if string(a) != string(b) || string(a) != `{"a":{"c":null,"d":[1,2.50,"x<y"]},"b":1}` {
		t.Fatalf("%s vs %s", a, b)
	}
	if _, err := CanonicalizeJSON([]byte(`{"a":1} {}`)); err == nil {
		t.Fatal("trailing data accepted")
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadOrCreateKey(dir, RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(KeyPath(dir, RoleUser))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(dir, RoleUser)
	if err != nil || !k1.Equal(k2) {
		t.Fatal("reload gave another key", err)
	}
	os.Chmod(KeyPath(dir, RoleUser), 0o644)
	if _, err := LoadKey(dir, RoleUser); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key accepted: %v", err)
	}
	if want := filepath.Join(dir, "user.ed25519"); KeyPath(dir, RoleUser) != want {
		t.Fatalf("KeyPath = %s, want %s: the key directory is the one given", KeyPath(dir, RoleUser), want)
	}
	os.WriteFile(filepath.Join(dir, "bad.ed25519"), []byte("nonsense"), 0o600)
	if _, err := LoadKey(dir, "bad"); err == nil {
		t.Fatal("garbage key accepted")
	}
	// A directory whose keys/ subdirectory holds the key (the old layout)
	// gets no new key, but an error pointing there.
	parent := t.TempDir()
	old, err := LoadOrCreateKey(filepath.Join(parent, "keys"), RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(parent, RoleAgent); !errors.Is(err, ErrKeyElsewhere) || !strings.Contains(err.Error(), "--keys "+filepath.Join(parent, "keys")) {
		t.Fatalf("key in DIR/keys: %v, want ErrKeyElsewhere naming it", err)
	}
	if KeyExists(parent, RoleAgent) {
		t.Fatal("a new key was created beside the old layout's")
	}
	if k, err := LoadOrCreateKey(filepath.Join(parent, "keys"), RoleAgent); err != nil || !k.Equal(old) {
		t.Fatal("the key directory given gave another key", err)
	}
	if _, err := LoadOrCreateKey(dir, "../escape"); err == nil {
		t.Fatal("bad key name accepted")
	}
	if _, err := ParsePublicKey("ed25519:short"); err == nil {
		t.Fatal("short public key accepted")
	}
}

func TestParseSpec(t *testing.T) {
	good := `user: alice
description: office coffee
currency: cny
max_total: "40.00"
per_item_cap: 20
budget: {amount: "200", period: week}
merchants: [brewlab]
categories: [coffee]
confirm_above: "30.00"
expires_in: 30d
`
	in, err := ParseSpec("m.yaml", strings.NewReader(good), t0)
	if err != nil {
		t.Fatal(err)
	}
	if in.MaxTotal != cny(4000) || in.PerItemCap.Minor != 2000 || in.Budget.Amount.Minor != 20000 || in.ConfirmAbove.Minor != 3000 ||
		!in.ExpiresAt.Equal(t0.Add(30*24*time.Hour)) || in.Currency != "CNY" {
		t.Fatalf("%+v", in)
	}
	js := `{"user":"bob","currency":"JPY","max_total":"5000","expires_at":"2027-01-01T00:00:00Z"}`
	if in, err := ParseSpec("m.json", strings.NewReader(js), t0); err != nil || in.MaxTotal != skills.M(5000, "JPY") {
		t.Fatalf("json: %+v %v", in, err)
	}
	bad := map[string]struct{ doc, want string }{
		"unknown field":   {"user: a\ncurrency: CNY\nmax_total: 1\nexpires_in: 1h\nmax_totl: 5\n", "m.yaml:5:1: max_totl: unknown field (allowed: user, description, currency, max_total"},
		"malformed":       {"user: [a\n", "malformed"},
		"negative":        {"user: a\ncurrency: CNY\nmax_total: \"-5\"\nexpires_in: 1h\n", "m.yaml:3:1: max_total: amount \"-5\" must be positive"},
		"overflow":        {"user: a\ncurrency: CNY\nmax_total: \"999999999999999999999\"\nexpires_in: 1h\n", "overflows"},
		"too precise":     {"user: a\ncurrency: CNY\nmax_total: \"1.234\"\nexpires_in: 1h\n", "decimal places"},
		"unknown cur":     {"user: a\ncurrency: XYZ\nmax_total: 1\nexpires_in: 1h\n", "m.yaml:2:1: currency: unknown currency"},
		"no expiry":       {"user: a\ncurrency: CNY\nmax_total: 1\n", "expiry"},
		"past expiry":     {"user: a\ncurrency: CNY\nmax_total: 1\nexpires_at: 2020-01-01T00:00:00Z\n", "already past"},
		"no user":         {"currency: CNY\nmax_total: 1\nexpires_in: 1h\n", "user: is required"},
		"duplicate key":   {"user: a\nuser: b\n", "m.yaml:2:1: user: field given twice"},
		"bad period":      {"user: a\ncurrency: CNY\nmax_total: 1\nbudget: {amount: 5, period: year}\nexpires_in: 1h\n", "budget.period"},
		"empty":           {"  \n", "empty"},
		"two documents":   {"user: a\ncurrency: CNY\nmax_total: 1\nexpires_in: 1h\n---\nuser: b\n", "more than one"},
		"confirm > total": {"user: a\ncurrency: CNY\nmax_total: 1\nconfirm_above: 2\nexpires_in: 1h\n", "never apply"},
		"bad duration":    {"user: a\ncurrency: CNY\nmax_total: 1\nexpires_in: soon\n", "expires_in"},
		"too many days":   {"user: a\ncurrency: CNY\nmax_total: 1\nexpires_in: 100000d\n", "m.yaml:4:1: expires_in: \"100000d\": at most 3660d"},
		"too many hours":  {"user: a\ncurrency: CNY\nmax_total: 1\nexpires_in: 100000h\n", "at most 3660d"},
		"zero days":       {"user: a\ncurrency: CNY\nmax_total: 1\nexpires_in: 0d\n", "from 1 to 3660"},
	}
	for name, c := range bad {
		_, err := ParseSpec("m.yaml", strings.NewReader(c.doc), t0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want error containing %q", name, err, c.want)
		}
	}
}

func TestParseSignedStrict(t *testing.T) {
	f := newFixture(t)
	b, _ := MarshalIndent(f.intent)
	if _, err := ParseSigned("x", b); err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(b), `"user_id"`, `"extra": 1, "user_id"`, 1)
	if _, err := ParseSigned("x", []byte(tampered)); err == nil {
		t.Fatal("unknown field accepted")
	}
	float := strings.Replace(string(b), `"amount": 4000`, `"amount": 40.5`, 1)
	if _, err := ParseSigned("x", []byte(float)); err == nil {
		t.Fatal("float amount accepted")
	}
}

func openDB(t *testing.T) *store.DB {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testStore(t, openDB(t)) })
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("CARTWRIGHT_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("CARTWRIGHT_TEST_POSTGRES not set: no PostgreSQL server to test against (eval \"$(scripts/start-postgres.sh)\" starts one)")
		}
		testStore(t, openPostgresSchema(t, dsn))
		testStatuses(t, openPostgresSchema(t, dsn))
	})
	t.Run("sqlite statuses", func(t *testing.T) { testStatuses(t, openDB(t)) })
}

// testStatuses: of several unrevoked mandates only the newest valid one is
// active (the one Active returns); the others are superseded, pending,
// expired or revoked, and revoking the active one makes the next apply.
func testStatuses(t *testing.T, db *store.DB) {
	ctx := context.Background()
	s, err := OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	mk := func(desc string, created time.Time, mut func(*Intent)) Intent {
		in := f.intent
		in.ID, in.Nonce, in.Description = "", "", desc
		mut(&in)
		if err := in.Sign(f.user); err != nil {
			t.Fatal(err)
		}
		s.now = func() time.Time { return created }
		if err := s.Save(ctx, in); err != nil {
			t.Fatal(err)
		}
		return in
	}
	same := func(*Intent) {}
	oldest := mk("oldest", t0.Add(-4*time.Hour), same)
	expired := mk("expired", t0.Add(-3*time.Hour), func(in *Intent) { in.NotBefore, in.ExpiresAt = t0.Add(-5*time.Hour), t0.Add(-time.Hour) })
	older := mk("older", t0.Add(-2*time.Hour), same)
	newest := mk("newest", t0.Add(-time.Hour), same)
	future := mk("future", t0.Add(-time.Minute), func(in *Intent) { in.NotBefore = t0.Add(time.Hour) })
	check := func(want map[string]string) {
		t.Helper()
		list, err := s.Statuses(ctx, "alice", t0)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, l := range list {
			got[l.ID] = l.Status
		}
		for id, st := range want {
			if got[id] != st {
				t.Errorf("mandate %s: %s, want %s", id, got[id], st)
			}
		}
		act, err := s.Active(ctx, "alice", t0)
		for id, st := range want {
			if st == StatusActive && (err != nil || act.ID != id) {
				t.Errorf("Active = %s %v, Statuses says %s", act.ID, err, id)
			}
		}
	}
	check(map[string]string{future.ID: StatusPending, newest.ID: StatusActive, older.ID: StatusSuperseded, expired.ID: StatusExpired, oldest.ID: StatusSuperseded})
	s.Revoke(ctx, newest.ID, "test")
	check(map[string]string{newest.ID: StatusRevoked, older.ID: StatusActive, oldest.ID: StatusSuperseded})
}

// openPostgresSchema opens PostgreSQL with a fresh schema first on the
// search path, so runs never see each other's rows.
func openPostgresSchema(t testing.TB, dsn string) *store.DB {
	ctx := context.Background()
	admin, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := "mandate_test_" + NewNonce()[:12]
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := store.Open(ctx, dsn); err == nil {
			a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			a.Close()
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := store.Open(ctx, dsn+sep+"options="+strings.ReplaceAll(url.QueryEscape("-c search_path="+schema), "+", "%20"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testStore(t *testing.T, db *store.DB) {
	ctx := context.Background()
	s, err := OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	if err := s.Save(ctx, f.intent); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, f.intent); err != nil { // idempotent
		t.Fatal(err)
	}
	other := f.intent
	other.Description = "changed"
	if err := s.Save(ctx, other); err == nil {
		t.Fatal("different document under the same id accepted")
	}
	got, err := s.Active(ctx, "alice", t0)
	if err != nil || got.ID != f.intent.ID {
		t.Fatal(got.ID, err)
	}
	if err := Verify(f.chain(t, f.quote), f.trust, t0); err != nil {
		t.Fatal(err)
	}
	s.Revoke(ctx, f.intent.ID, "lost phone")
	s.Revoke(ctx, f.intent.ID, "again")
	if r, _ := s.Revoked(ctx, f.intent.ID); !r {
		t.Fatal("not revoked")
	}
	if _, err := s.Active(ctx, "alice", t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoked mandate still active: %v", err)
	}
	ch := f.chain(t, f.quote)
	if err := s.UsePayment(ctx, ch, t0); err != nil {
		t.Fatal(err)
	}
	if got := code(s.UsePayment(ctx, ch, t0)); got != CodeReplayed {
		t.Fatal(got)
	}
	// another payment mandate for the same cart while the first token lives: refused
	second := f.chain(t, f.quote)
	if got := code(s.UsePayment(ctx, second, t0.Add(time.Minute))); got != CodeReplayed {
		t.Fatalf("second live token for one cart: %q", got)
	}
	// once the first has expired, a new token for the cart is fine
	third := f.chain(t, f.quote)
	if err := s.UsePayment(ctx, third, t0.Add(11*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// a different cart in the same session (re-quoted) is a different cart
	q := f.quote
	q.Lines = append([]skills.QuoteLine(nil), q.Lines...)
	q.Lines[0].Quantity, q.Lines[0].Total, q.Subtotal, q.Total = 1, cny(1500), cny(1500), cny(2000)
	if err := s.UsePayment(ctx, f.chain(t, q), t0.Add(11*time.Minute)); err != nil {
		t.Fatal(err)
	}
}

func TestBudgetWindow(t *testing.T) {
	in := Intent{Budget: &Budget{Period: PeriodWeek}}
	from, to := in.Window(time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)) // a Thursday
	if from != time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) || to != from.AddDate(0, 0, 7) {
		t.Fatal(from, to)
	}
	in.Budget.Period = PeriodMonth
	if from, _ := in.Window(t0); from.Day() != 1 {
		t.Fatal(from)
	}
}

// TestCheckLimits is the check the shop command's --confirm-above needs
// (QA: --confirm-above 600 with a 500 maximum was accepted).
func TestCheckLimits(t *testing.T) {
	m := func(v int64) *skills.Money { x := skills.M(v, "CNY"); return &x }
	for _, c := range []struct {
		name         string
		confirm, cap *skills.Money
		field        string
	}{
		{"none", nil, nil, ""},
		{"confirm at max", m(50000), nil, ""},
		{"confirm above max", m(60000), nil, "confirm_above"},
		{"cap above max", nil, m(50001), "per_item_cap"},
	} {
		err := CheckLimits(skills.M(50000, "CNY"), c.cap, c.confirm)
		var le *LimitError
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.As(err, &le) || le.Field != c.field || !strings.Contains(err.Error(), "¥500.00") {
			t.Errorf("%s: %v, want a LimitError on %s naming the maximum", c.name, err, c.field)
		}
	}
}
