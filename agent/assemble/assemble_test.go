package assemble_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// The tests start the mock world (a test-only import: assemble itself
// never imports merchants) and shop there through the assembled runtime.

const world = `currency: CNY
merchants:
  - id: databrew
    name: Data Brew
    x402: {search_fee: "%s"}
    products:
      - {sku: DB-LAT, title: Oat Milk Latte (Large), category: coffee, price: "12.00", attributes: {drink: latte, milk: oat, size: large}}
  - id: beanbar
    name: Bean Bar
    products:
      - {sku: BB-LAT, title: Oat Milk Latte (Large), category: coffee, price: "%s", attributes: {drink: latte, milk: oat, size: large}}
`

type env struct {
	w  *merchants.Running
	rt *assemble.Runtime
}

func setup(t *testing.T, fee, beanbar string) *env {
	return setupSrc(t, fmt.Sprintf(world, fee, beanbar))
}

func (e *env) mandate(t *testing.T, max string, mut func(*mandate.Intent)) *agent.Mandate {
	t.Helper()
	m, _ := skills.ParseMoney(max, "CNY")
	now := time.Now()
	in := mandate.Intent{Description: "test", Currency: "CNY", MaxTotal: m, NotBefore: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour)}
	if mut != nil {
		mut(&in)
	}
	md, err := e.rt.Authority.Sign(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

func (e *env) run(t *testing.T, md *agent.Mandate) *assemble.Result {
	t.Helper()
	res, err := e.rt.Run(context.Background(), agent.Request{Text: "two large oat milk lattes", UserID: "ann", Mandate: md})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (e *env) facilitatorTotal() int64 {
	var n int64
	if e.w.Facilitator != nil {
		for _, t := range e.w.Facilitator.Transfers() {
			n += t.Amount.Minor
		}
	}
	return n
}

// TestPaidSearchEndToEnd: the cheapest merchant charges ¥0.05 per search
// over x402. The agent pays it from the wallet inside the mandate, buys
// there, and the fee shows in the result, the wallet ledger, the audit log
// and the facilitator's ledger — once each.
func TestPaidSearchEndToEnd(t *testing.T) {
	ctx := context.Background()
	e := setup(t, "0.05", "18.00")
	res := e.run(t, e.mandate(t, "30.00", nil))
	if res.Status != agent.StatusBought || len(res.Orders) != 1 || res.Orders[0].Merchant != "databrew" || res.Charged.Minor != 2400 {
		t.Fatalf("status %s orders %+v charged %s errors %v", res.Status, res.Orders, res.Charged, res.Errors)
	}
	if res.Fees != skills.M(5, "CNY") || len(res.FeePayments) != 1 || res.Spent() != skills.M(2405, "CNY") {
		t.Fatalf("fees %s %+v", res.Fees, res.FeePayments)
	}
	f := res.FeePayments[0]
	tr := e.w.Facilitator.Transfers()
	if f.Merchant != "databrew" || f.SessionID != res.SessionID || len(tr) != 1 || tr[0].Transaction != f.Transaction || tr[0].To != "databrew" {
		t.Fatalf("fee %+v, ledger %+v", f, tr)
	}
	// wallet: 100 − 24.00 − 0.05, nothing left on hold, the fee a capture of its own
	b, err := e.rt.Wallet.Balance(ctx)
	if err != nil || b.Available != skills.M(10000-2405, "CNY") || b.Held.Minor != 0 {
		t.Fatalf("%+v %v", b, err)
	}
	lines, _ := e.rt.Wallet.Statement(ctx)
	x402Lines := 0
	for _, l := range lines {
		if l.HoldID == f.HoldID && l.Kind == "capture" && l.Amount.Minor == 5 {
			x402Lines++
		}
	}
	if x402Lines != 1 {
		t.Fatalf("wallet statement has %d capture(s) of the fee hold %s: %+v", x402Lines, f.HoldID, lines)
	}
	// audit: a payment entry on the x402 rail in the session's chain
	es, err := e.rt.Authority.Audit.Entries(ctx, res.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, en := range es {
		found = found || (en.Kind == "payment" && strings.Contains(string(en.Payload), `"rail":"x402"`) && strings.Contains(string(en.Payload), f.Transaction))
	}
	if !found {
		t.Fatalf("no x402 payment in the audit log of %s", res.SessionID)
	}
	if _, err := e.rt.Authority.Audit.Verify(ctx, res.SessionID); err != nil {
		t.Fatal(err)
	}
	// a finished session's result keeps its fees
	again, err := e.rt.Resume(ctx, res.SessionID)
	if err != nil || again.Fees != res.Fees || len(e.w.Facilitator.Transfers()) != 1 {
		t.Fatalf("resume: %v %s", err, again.Fees)
	}
}

// TestFeeOutsideMandateIsNeverPaid: a fee the mandate does not allow (over
// max_total, payee outside the allow-list, categories without x402, no
// mandate at all) is refused before anything is held; the merchant is
// degraded and the agent buys elsewhere (or asks, without a mandate).
func TestFeeOutsideMandateIsNeverPaid(t *testing.T) {
	cases := map[string]struct {
		fee string
		mut func(*mandate.Intent)
	}{
		"over max_total":          {"31.00", nil},
		"payee not allowed":       {"0.05", func(in *mandate.Intent) { in.Merchants = []string{"beanbar"} }},
		"categories without x402": {"0.05", func(in *mandate.Intent) { in.Categories = []string{"coffee"} }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := setup(t, c.fee, "14.00")
			res := e.run(t, e.mandate(t, "30.00", c.mut))
			if res.Status != agent.StatusBought || len(res.Orders) != 1 || res.Orders[0].Merchant != "beanbar" {
				t.Fatalf("status %s orders %+v errors %v", res.Status, res.Orders, res.Errors)
			}
			if res.Fees.Minor != 0 || len(res.FeePayments) != 0 || e.facilitatorTotal() != 0 {
				t.Fatalf("fees %s, facilitator %d", res.Fees, e.facilitatorTotal())
			}
			if holds, _ := e.rt.Wallet.Holds(context.Background()); len(holds) != 1 { // the order's only
				t.Fatalf("holds %+v", holds)
			}
		})
	}
	t.Run("expired mandate", func(t *testing.T) {
		e := setup(t, "0.05", "14.00")
		res := e.run(t, e.mandate(t, "30.00", func(in *mandate.Intent) {
			in.NotBefore, in.ExpiresAt = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
		}))
		if e.facilitatorTotal() != 0 || res.Fees.Minor != 0 || len(res.Orders) != 0 {
			t.Fatalf("expired mandate: fees %s, %d orders", res.Fees, len(res.Orders))
		}
	})
	t.Run("no mandate", func(t *testing.T) {
		e := setup(t, "0.05", "14.00")
		res := e.run(t, nil)
		if e.facilitatorTotal() != 0 || res.Fees.Minor != 0 {
			t.Fatalf("fees paid without a mandate: %s", res.Fees)
		}
	})
}

// TestFeesCountWithTheBasket: after paying the search fee, the only basket
// inside max_total alone (29.40 of 29.60) no longer fits with the fee
// (29.90): the policy refuses, nothing is bought, the fee stays the only
// spend and within the mandate.
func TestFeesCountWithTheBasket(t *testing.T) {
	e2 := setupSrc(t, strings.Replace(fmt.Sprintf(world, "0.50", "14.90"), `price: "12.00"`, `price: "14.70"`, 1))
	res2 := e2.run(t, e2.mandate(t, "29.60", nil))
	if res2.Status != agent.StatusRefused || len(res2.Orders) != 0 || res2.Charged.Minor != 0 || res2.Fees.Minor != 50 {
		t.Fatalf("status %s orders %d charged %s fees %s reasons %+v", res2.Status, len(res2.Orders), res2.Charged, res2.Fees, res2.Decision.Reasons)
	}
	if r := res2.Decision.Reasons; len(r) == 0 || r[0].Code != "over_mandate_total" || !strings.Contains(r[0].Detail, "x402 fees ¥0.50") {
		t.Fatalf("reasons %+v", r)
	}
}

func setupSrc(t *testing.T, src string) *env {
	t.Helper()
	ctx := context.Background()
	w, err := merchants.LoadWorldBytes("w.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	running, err := merchants.Start(ctx, w, merchants.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { running.Close() })
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var ms []assemble.Merchant
	for _, m := range running.Merchants {
		ms = append(ms, assemble.Merchant{ID: m.ID, Interface: m.Interface, URL: m.URL})
	}
	rt, err := assemble.Build(ctx, assemble.Config{DB: db, UserID: "ann", Merchants: ms, PaynetURL: running.PaynetURL,
		Currency: w.Currency, InitialBalance: "100.00", Agent: agent.Config{RetryBackoff: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	running.Paynet.SetVerifier(rt.Verifier.Hook())
	return &env{w: running, rt: rt}
}

// TestWebMerchantWithoutChromium: a web-only merchant needs Chromium; when
// it is missing Build names the merchant and the binary, or — with
// SkipMerchant — goes on without it.
func TestWebMerchantWithoutChromium(t *testing.T) {
	t.Setenv("CARTWRIGHT_CHROMIUM", filepath.Join(t.TempDir(), "no-chromium"))
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := assemble.Config{DB: db, Currency: "CNY", PaynetURL: "http://127.0.0.1:1",
		Merchants: []assemble.Merchant{{ID: "streetcafe", Interface: assemble.InterfaceWeb, ShopURL: "http://127.0.0.1:1/shop/"}}}
	_, err = assemble.Build(ctx, cfg)
	var bm *assemble.BrowserMissingError
	if !errors.Is(err, assemble.ErrNoBrowser) || !errors.As(err, &bm) || bm.Merchant != "streetcafe" ||
		!strings.Contains(err.Error(), "streetcafe") || !strings.Contains(err.Error(), "no-chromium") {
		t.Fatalf("err %v", err)
	}
	var skipped []string
	cfg.SkipMerchant = func(id string, err error) { skipped = append(skipped, id) }
	_, err = assemble.Build(ctx, cfg)
	if err == nil || !strings.Contains(err.Error(), "no merchant could be wired") || len(skipped) != 1 || skipped[0] != "streetcafe" {
		t.Fatalf("skip: %v %v", err, skipped)
	}
}

func TestBuildRejectsBadConfig(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, c := range map[string]struct {
		cfg  assemble.Config
		want string
	}{
		"no db":           {assemble.Config{PaynetURL: "x", Merchants: []assemble.Merchant{{URL: "x"}}}, "Config.DB is required"},
		"no paynet":       {assemble.Config{DB: db, Merchants: []assemble.Merchant{{URL: "x"}}}, "PaynetURL is required"},
		"no merchants":    {assemble.Config{DB: db, PaynetURL: "x"}, "no merchants"},
		"api without url": {assemble.Config{DB: db, PaynetURL: "x", Merchants: []assemble.Merchant{{ID: "m"}}}, "merchants[0] (m): an API merchant needs its URL"},
		"bad interface":   {assemble.Config{DB: db, PaynetURL: "x", Merchants: []assemble.Merchant{{ID: "m", Interface: "ftp"}}}, `interface "ftp"`},
		"bad balance": {assemble.Config{DB: db, PaynetURL: "http://127.0.0.1:1", Currency: "CNY", InitialBalance: "lots",
			Merchants: []assemble.Merchant{{ID: "m", URL: "http://127.0.0.1:1"}}}, `InitialBalance "lots"`},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := assemble.Build(ctx, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

// TestParallelFeesShareTheHeadroom: two merchants charge ¥15.00 per search
// and the mandate allows 20.00 in all. The agent searches both at once;
// the approver reserves what it approves, so only one fee is paid.
func TestParallelFeesShareTheHeadroom(t *testing.T) {
	src := strings.Replace(fmt.Sprintf(world, "15.00", "18.00"), "    name: Bean Bar\n", "    name: Bean Bar\n    x402: {search_fee: \"15.00\"}\n", 1)
	for range 5 {
		e := setupSrc(t, src)
		res := e.run(t, e.mandate(t, "20.00", nil))
		if got := e.facilitatorTotal(); got != 1500 || res.Fees.Minor != 1500 || len(res.Orders) != 0 {
			t.Fatalf("fees paid %d (result %s), orders %d; want exactly one ¥15.00 fee and no order", got, res.Fees, len(res.Orders))
		}
	}
}

// TestUnreachableMerchantSkipped: merchants named by URL alone are asked
// for their info at Build; one that does not answer is reported and
// skipped, the others are wired. Only with none reachable does Build fail,
// naming each URL.
func TestUnreachableMerchantSkipped(t *testing.T) {
	ctx := context.Background()
	w, err := merchants.LoadWorldBytes("w.yaml", []byte(fmt.Sprintf(world, "0.10", "14.00")))
	if err != nil {
		t.Fatal(err)
	}
	running, err := merchants.Start(ctx, w, merchants.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // nothing listens there any more
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	ms := []assemble.Merchant{{URL: deadURL}}
	for _, m := range running.Merchants {
		ms = append(ms, assemble.Merchant{URL: m.URL}) // ids come from their info
	}
	var skipped []string
	cfg := assemble.Config{DB: db, Merchants: ms, PaynetURL: running.PaynetURL,
		Agent:        agent.Config{MerchantTimeout: 5 * time.Second},
		SkipMerchant: func(id string, err error) { skipped = append(skipped, id+": "+err.Error()) }}
	rt, err := assemble.Build(ctx, cfg)
	if err != nil {
		t.Fatalf("one dead merchant ended Build: %v", err)
	}
	defer rt.Close()
	if strings.Join(rt.Merchants, ",") != "databrew,beanbar" || rt.Currency != "CNY" {
		t.Fatalf("wired %v in %s", rt.Merchants, rt.Currency)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], deadURL) || !strings.Contains(skipped[0], "unreachable") {
		t.Fatalf("skipped %q", skipped)
	}

	// Without SkipMerchant the dead one is logged and skipped all the same.
	cfg.SkipMerchant = nil
	rt2, err := assemble.Build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rt2.Close()

	cfg.Merchants = []assemble.Merchant{{URL: deadURL}}
	if _, err := assemble.Build(ctx, cfg); err == nil || !strings.Contains(err.Error(), "no merchant could be wired") || !strings.Contains(err.Error(), deadURL) {
		t.Fatalf("none reachable: %v", err)
	}
}
