package pay_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/merchants/x402"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
	"github.com/cartwright-agent/cartwright/skills/pay"
	"github.com/cartwright-agent/cartwright/skills/store"
)

func cny(v int64) skills.Money { return skills.M(v, "CNY") }

func TestDelegatedRailAgainstPaynet(t *testing.T) {
	ctx := context.Background()
	n := paynet.New(paynet.Config{})
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	r, err := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: srv.URL, Card: pay.VirtualCard("w1")})
	if err != nil {
		t.Fatal(err)
	}
	d := pay.Delegation{MerchantID: "brewlab", CheckoutSessionID: "cs_1", Amount: cny(3500), IdempotencyKey: "k1"}
	c1, err := r.Delegate(ctx, d)
	if err != nil || c1.Type != "delegated_token" || !strings.HasPrefix(c1.Token, "vt_") {
		t.Fatal(c1, err)
	}
	c2, err := r.Delegate(ctx, d)
	if err != nil || c2 != c1 {
		t.Fatalf("replay gave %v %v", c2, err)
	}
	// the allowance is the quote: capturing more is declined
	_, err = n.Capture(ctx, paynet.CaptureRequest{Token: c1.Token, MerchantID: "brewlab", SessionID: "cs_1", Amount: cny(3501), IdempotencyKey: "x"})
	if !errors.Is(err, paynet.ErrDeclined) {
		t.Fatalf("over-capture: %v", err)
	}
	for name, bad := range map[string]pay.Delegation{
		"no key":      {MerchantID: "m", CheckoutSessionID: "s", Amount: cny(1)},
		"no merchant": {CheckoutSessionID: "s", Amount: cny(1), IdempotencyKey: "k"},
		"zero amount": {MerchantID: "m", CheckoutSessionID: "s", Amount: cny(0), IdempotencyKey: "k"},
		"negative":    {MerchantID: "m", CheckoutSessionID: "s", Amount: cny(-5), IdempotencyKey: "k"},
	} {
		if _, err := r.Delegate(ctx, bad); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := pay.NewDelegatedRail(pay.DelegatedConfig{}); err == nil {
		t.Error("empty base URL accepted")
	}
}

// flaky fails the first calls with the given statuses, then delegates.
func TestDelegatedRailRetriesWithSameKey(t *testing.T) {
	n := paynet.New(paynet.Config{})
	h := n.Handler()
	var calls atomic.Int32
	keys := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys <- r.Header.Get(acp.HeaderIdempotencyKey)
		if r.Header.Get(acp.HeaderAPIVersion) != acp.Version {
			t.Errorf("API-Version %q", r.Header.Get(acp.HeaderAPIVersion))
		}
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(acp.Error{Type: "invalid_request", Code: "idempotency_in_flight", Message: "busy"})
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	r, _ := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: srv.URL, Backoff: time.Millisecond})
	c, err := r.Delegate(context.Background(), pay.Delegation{MerchantID: "m", CheckoutSessionID: "s", Amount: cny(100), IdempotencyKey: "same"})
	if err != nil || !strings.HasPrefix(c.Token, "vt_") {
		t.Fatal(c, err)
	}
	close(keys)
	for k := range keys {
		if k != "same" {
			t.Fatalf("retry used key %q", k)
		}
	}
	if calls.Load() != 3 {
		t.Fatal(calls.Load())
	}
}

func TestDelegatedRailErrors(t *testing.T) {
	for status, want := range map[int]error{http.StatusForbidden: pay.ErrRefused, http.StatusBadRequest: skills.ErrInvalid, http.StatusServiceUnavailable: skills.ErrUnavailable} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(acp.Error{Type: "invalid_request", Code: "x", Message: "nope", Param: "allowance"})
		}))
		r, _ := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: srv.URL, Retries: -1})
		_, err := r.Delegate(context.Background(), pay.Delegation{MerchantID: "m", CheckoutSessionID: "s", Amount: cny(100), IdempotencyKey: "k"})
		if !errors.Is(err, want) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("HTTP %d: %v, want %v", status, err, want)
		}
		srv.Close()
	}
}

// x402 world: a paywalled price-history API, a facilitator over HTTP, an
// agent wallet in SQLite.
type x402World struct {
	w      *wallet.Wallet
	fac    *x402.Facilitator
	api    *httptest.Server
	client *http.Client
	key    ed25519.PrivateKey
	fail   atomic.Bool
}

func newX402World(t *testing.T, approve func(context.Context, pay.X402Charge) error, opts ...func(*pay.X402Config)) *x402World {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	xw := &x402World{}
	xw.w, err = wallet.Open(ctx, wallet.Config{DB: db, Currency: "CNY"})
	if err != nil {
		t.Fatal(err)
	}
	xw.w.TopUp(ctx, "fund", cny(1000), "")
	xw.fac = x402.NewFacilitator(x402.FacilitatorConfig{})
	facSrv := httptest.NewServer(xw.fac.Handler())
	t.Cleanup(facSrv.Close)
	history := x402.PriceHistory(x402.SyntheticHistory(func(m, sku string) (skills.Money, bool) {
		return cny(1500), m == "brewlab"
	}, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)))
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if xw.fail.Load() {
			http.Error(w, "backend down", http.StatusInternalServerError)
			return
		}
		history.ServeHTTP(w, r)
	})
	xw.api = httptest.NewServer(&x402.Paywall{Price: cny(5), PayTo: "pricewatch", Description: "7-day price history",
		MimeType: "application/json", Facilitator: &x402.Client{BaseURL: facSrv.URL}, Next: next})
	t.Cleanup(xw.api.Close)
	_, xw.key, _ = ed25519.GenerateKey(rand.Reader)
	cfg := pay.X402Config{Key: xw.key, Wallet: xw.w, Approve: approve}
	for _, o := range opts {
		o(&cfg)
	}
	tr, err := pay.NewX402Transport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	xw.client = &http.Client{Transport: tr}
	return xw
}

func (xw *x402World) get(t *testing.T, path string) (*http.Response, string, error) {
	resp, err := xw.client.Get(xw.api.URL + path)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

func TestX402PaysWithinMandate(t *testing.T) {
	ctx := context.Background()
	var xw *x402World
	// the mandate: at most ¥0.12 on paid data, counted like any other spend
	approve := func(ctx context.Context, c pay.X402Charge) error {
		b, _ := xw.w.Balance(ctx)
		if b.Spent.Minor+b.Held.Minor+c.Amount.Minor > 12 {
			return fmt.Errorf("cumulative_budget_exceeded: %s spent, %s more is over ¥0.12", b.Spent, c.Amount)
		}
		return nil
	}
	xw = newX402World(t, approve)
	resp, body, err := xw.get(t, "/history?merchant=brewlab&sku=latte")
	if err != nil || resp.StatusCode != 200 || !strings.Contains(body, `"lowest"`) {
		t.Fatalf("%v %v %s", resp, err, body)
	}
	var settle pay.X402SettleResponse
	if err := pay.DecodeHeader(resp.Header.Get(pay.HeaderPaymentResponse), &settle); err != nil || !settle.Success || settle.Network != pay.NetworkLedger {
		t.Fatalf("%+v %v", settle, err)
	}
	b, _ := xw.w.Balance(ctx)
	if b.Spent.Minor != 5 || b.Held.Minor != 0 || b.Available.Minor != 995 {
		t.Fatalf("%+v", b)
	}
	if got := xw.fac.Received("pricewatch")["CNY"]; got != 5 {
		t.Fatal(got)
	}
	if _, _, err := xw.get(t, "/history?merchant=brewlab&sku=mocha"); err != nil {
		t.Fatal(err)
	}
	// third call would bring the total to 15 > 12: refused, nothing held
	_, _, err = xw.get(t, "/history?merchant=brewlab&sku=tea")
	if !errors.Is(err, pay.ErrX402Refused) || !strings.Contains(err.Error(), "cumulative_budget_exceeded") {
		t.Fatalf("over mandate: %v", err)
	}
	b, _ = xw.w.Balance(ctx)
	if b.Spent.Minor != 10 || b.Held.Minor != 0 || len(xw.fac.Transfers()) != 2 {
		t.Fatalf("%+v, %d transfers", b, len(xw.fac.Transfers()))
	}
	if err := xw.w.CheckInvariants(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestX402FailuresChargeNothing(t *testing.T) {
	ctx := context.Background()
	xw := newX402World(t, func(context.Context, pay.X402Charge) error { return nil })
	// the resource fails: not settled, hold released
	xw.fail.Store(true)
	resp, _, err := xw.get(t, "/history?merchant=brewlab&sku=latte")
	if err != nil || resp.StatusCode != 500 {
		t.Fatal(resp, err)
	}
	// unknown SKU: 404, not settled
	xw.fail.Store(false)
	resp, _, err = xw.get(t, "/history?merchant=nobody&sku=x")
	if err != nil || resp.StatusCode != 404 {
		t.Fatal(resp, err)
	}
	b, _ := xw.w.Balance(ctx)
	if b.Spent.Minor != 0 || b.Held.Minor != 0 || b.Available.Minor != 1000 || len(xw.fac.Transfers()) != 0 {
		t.Fatalf("%+v", b)
	}
	holds, _ := xw.w.Holds(ctx)
	if len(holds) != 2 || holds[0].Status != wallet.HoldReleased {
		t.Fatalf("%+v", holds)
	}
	// an empty wallet cannot pay
	h, _ := xw.w.Hold(ctx, "drain", cny(1000), "")
	_, _, err = xw.get(t, "/history?merchant=brewlab&sku=latte")
	if !errors.Is(err, agent.ErrInsufficientFunds) {
		t.Fatalf("empty wallet: %v", err)
	}
	xw.w.Release(ctx, "undrain", h)
}

func pubString(k ed25519.PrivateKey) string {
	return "ed25519:" + b64(k.Public().(ed25519.PublicKey))
}

// TestX402RefusalAsResponse: a refused charge (or one the wallet cannot
// hold) comes back as the server's 402 with a body saying why, so an ACP
// client reads it as a declined payment and does not retry; nothing is
// held or paid.
func TestX402RefusalAsResponse(t *testing.T) {
	ctx := context.Background()
	refuse := atomic.Bool{}
	refuse.Store(true)
	var paid atomic.Int32
	xw := newX402World(t, func(context.Context, pay.X402Charge) error {
		if refuse.Load() {
			return errors.New("over_mandate_total: ¥0.05 is over what is left")
		}
		return nil
	}, func(c *pay.X402Config) {
		c.RefusalAsResponse = true
		c.OnPaid = func(context.Context, pay.X402Charge, string, pay.X402SettleResponse) { paid.Add(1) }
	})
	resp, body, err := xw.get(t, "/history?merchant=brewlab&sku=latte")
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Type, Code, Message string }
	if resp.StatusCode != http.StatusPaymentRequired || resp.Header.Get(pay.HeaderX402Refused) != "true" ||
		resp.Header.Get(pay.HeaderPaymentRequired) == "" || json.Unmarshal([]byte(body), &e) != nil ||
		e.Code != pay.CodeX402Refused || !strings.Contains(e.Message, "over_mandate_total") {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	// An empty wallet: the same kind of answer, naming the wallet's error.
	refuse.Store(false)
	h, _ := xw.w.Hold(ctx, "drain", cny(1000), "")
	resp, body, err = xw.get(t, "/history?merchant=brewlab&sku=latte")
	if err != nil || resp.StatusCode != http.StatusPaymentRequired || !strings.Contains(body, "insufficient funds") {
		t.Fatalf("%v %v %s", resp, err, body)
	}
	xw.w.Release(ctx, "undrain", h)
	b, _ := xw.w.Balance(ctx)
	if b.Spent.Minor != 0 || b.Held.Minor != 0 || len(xw.fac.Transfers()) != 0 || paid.Load() != 0 {
		t.Fatalf("%+v, %d transfers, %d paid", b, len(xw.fac.Transfers()), paid.Load())
	}
	// Approved, it pays as usual.
	resp, _, err = xw.get(t, "/history?merchant=brewlab&sku=latte")
	if err != nil || resp.StatusCode != 200 || paid.Load() != 1 {
		t.Fatal(resp, err, paid.Load())
	}
}

// TestX402OnDone: every approved charge is reported once its outcome is
// known — paid after OnPaid, or not paid when the resource failed or the
// wallet could not hold it; a refused charge was never approved.
func TestX402OnDone(t *testing.T) {
	ctx := context.Background()
	var events []string
	refuse := atomic.Bool{}
	xw := newX402World(t, func(context.Context, pay.X402Charge) error {
		if refuse.Load() {
			return errors.New("no")
		}
		return nil
	}, func(c *pay.X402Config) {
		c.OnPaid = func(context.Context, pay.X402Charge, string, pay.X402SettleResponse) { events = append(events, "paid") }
		c.OnDone = func(_ context.Context, ch pay.X402Charge, paid bool) {
			events = append(events, fmt.Sprintf("done:%v:%d", paid, ch.Amount.Minor))
		}
	})
	xw.get(t, "/history?merchant=brewlab&sku=latte") // paid
	xw.fail.Store(true)
	xw.get(t, "/history?merchant=brewlab&sku=latte") // resource fails: not paid
	xw.fail.Store(false)
	refuse.Store(true)
	xw.get(t, "/history?merchant=brewlab&sku=latte") // refused: never approved
	refuse.Store(false)
	h, _ := xw.w.Hold(ctx, "drain", cny(995), "")
	xw.get(t, "/history?merchant=brewlab&sku=latte") // the wallet cannot hold it
	xw.w.Release(ctx, "undrain", h)
	if got := strings.Join(events, " "); got != "paid done:true:5 done:false:5 done:false:5" {
		t.Fatalf("events %q", got)
	}
}
