package acpclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
	"github.com/cartwright-agent/cartwright/skills/acpclient"
)

const world = `
currency: CNY
merchants:
  - id: brewhouse
    name: Brew House
    shipping: {fee: "6.00", free_over: "30.00", eta_days: 1}
    coupons: [{code: SAVE5, amount_off: "5.00", min_spend: "35.00"}]
    products:
      - {sku: LAT, title: Oat Latte, category: coffee, brand: Brew House, price: "18.00", attributes: {milk: oat, size: large}}
      - {sku: AME, title: Americano, category: coffee, brand: Brew House, price: "12.00", stock: 1}
  - id: shady
    faults:
      price_change: {sku: S-LAT, price: "21.00"}
      out_of_stock_at_checkout: [S-TEA]
      preselected_addons: [{name: Cup insurance, price: "2.00"}]
    products:
      - {sku: S-LAT, title: Latte, category: coffee, price: "16.00"}
      - {sku: S-TEA, title: Tea, category: tea, price: "8.00"}
  - id: flaky
    faults: {error_rate: 0.5}
    products:
      - {sku: F-1, title: Flaky Thing, category: misc, price: "5.00"}
`

func startWorld(t *testing.T) *merchants.Running {
	t.Helper()
	w, err := merchants.LoadWorldBytes("world.yaml", []byte(world))
	if err != nil {
		t.Fatal(err)
	}
	r, err := merchants.Start(context.Background(), w, merchants.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func client(t *testing.T, url string) *acpclient.Client {
	t.Helper()
	c, err := acpclient.New(acpclient.Config{BaseURL: url, Backoff: time.Millisecond, Retries: 8})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func token(t *testing.T, r *merchants.Running, merchant string, q *skills.Quote) skills.Credential {
	t.Helper()
	resp, err := r.Paynet.Delegate(context.Background(), paynet.NewDelegateRequest(merchant, q.ID, q.Total, time.Now().Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	return skills.Credential{Type: "vault_token", Token: resp.ID}
}

func TestClientPurchase(t *testing.T) {
	r := startWorld(t)
	ctx := context.Background()
	c := client(t, r.URL("brewhouse"))

	info, err := c.Info(ctx)
	if err != nil || info.ID != "brewhouse" || info.Currency != "CNY" || info.Shipping.FreeOver.Minor != 3000 || len(info.Coupons) != 1 {
		t.Fatalf("info = %+v %v", info, err)
	}
	if _, err := c.Info(ctx); err != nil || c.RoundTrips() != 1 {
		t.Fatalf("info not cached: %d round trips", c.RoundTrips())
	}
	ps, err := c.Search(ctx, skills.Query{Text: "latte", Attributes: map[string]string{"milk": "oat"}, MaxPrice: 2000})
	if err != nil || len(ps) != 1 || ps[0].SKU != "LAT" || ps[0].Price != skills.M(1800, "CNY") || ps[0].Merchant != "brewhouse" {
		t.Fatalf("search = %+v %v", ps, err)
	}
	q, err := c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "LAT", Quantity: 2}}, Address: &skills.Address{Name: "A", Line1: "18 Keyuan Rd", City: "Shenzhen"}})
	if err != nil {
		t.Fatal(err)
	}
	// The quote equals the published rules' prediction.
	want, _ := skills.PriceCart(info, []skills.PricedLine{{UnitPrice: skills.M(1800, "CNY"), Quantity: 2}}, "")
	if q.Total != want.Total || q.Subtotal != want.Subtotal || q.Discount != want.Discount || q.Shipping != want.Shipping || q.Coupon != "SAVE5" || q.Status != skills.StatusReady {
		t.Fatalf("quote = %+v, want %+v", q, want)
	}
	if q.Lines[0].AddOn || q.Lines[0].Quantity != 2 || q.ExpiresAt.IsZero() {
		t.Fatalf("line = %+v", q.Lines[0])
	}
	// Update to add an item (1 × 12 + 2 × 18 = 48 − 5 = 43).
	q, err = c.Quote(ctx, skills.QuoteRequest{QuoteID: q.ID, Lines: []skills.LineRequest{{SKU: "LAT", Quantity: 2}, {SKU: "AME", Quantity: 1}}})
	if err != nil || q.Total.Minor != 4300 || len(q.Lines) != 2 {
		t.Fatalf("update = %+v %v", q, err)
	}
	o, err := c.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: token(t, r, "brewhouse", q)})
	if err != nil {
		t.Fatal(err)
	}
	if o.Total.Minor != 4300 || o.QuoteID != q.ID || o.PaymentID == "" || o.Merchant != "brewhouse" || len(o.Lines) != 2 {
		t.Fatalf("order = %+v", o)
	}
	ref, err := c.Refund(ctx, skills.RefundRequest{OrderID: o.ID, Amount: skills.M(1200, "CNY")})
	if err != nil || ref.Amount.Minor != 1200 {
		t.Fatalf("refund = %+v %v", ref, err)
	}
	ref, err = c.Refund(ctx, skills.RefundRequest{OrderID: o.ID})
	if err != nil || ref.Amount.Minor != 3100 {
		t.Fatalf("full refund = %+v %v", ref, err)
	}
	if r.Paynet.Net()["brewhouse"] != 0 {
		t.Fatal("refunds did not return the money")
	}
	got, err := c.Order(ctx, o.ID)
	if err != nil || got.Status != "refunded" || got.Refunded.Minor != 4300 {
		t.Fatalf("order after refunds = %+v %v", got, err)
	}
}

func TestClientErrors(t *testing.T) {
	r := startWorld(t)
	ctx := context.Background()
	c := client(t, r.URL("brewhouse"))
	if _, err := c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "NOPE", Quantity: 1}}}); !errors.Is(err, skills.ErrNotFound) {
		t.Errorf("unknown sku: %v", err)
	}
	if _, err := c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "LAT", Quantity: -1}}}); !errors.Is(err, skills.ErrInvalid) {
		t.Errorf("negative quantity: %v", err)
	}
	if _, err := c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "AME", Quantity: 2}}}); !errors.Is(err, skills.ErrOutOfStock) {
		t.Errorf("out of stock: %v", err)
	}
	if _, err := c.Quote(ctx, skills.QuoteRequest{QuoteID: "cs_nope", Lines: []skills.LineRequest{{SKU: "LAT", Quantity: 1}}}); !errors.Is(err, skills.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	q, err := c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "LAT", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	short := q.Total
	short.Minor--
	tok, _ := r.Paynet.Delegate(ctx, paynet.NewDelegateRequest("brewhouse", q.ID, short, time.Now().Add(time.Hour)))
	if _, err := c.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: skills.Credential{Token: tok.ID}}); !errors.Is(err, skills.ErrPaymentDeclined) {
		t.Errorf("over-amount token: %v", err)
	}
	if err := c.Cancel(ctx, q.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(ctx, q.ID, ""); !errors.Is(err, skills.ErrInvalid) {
		t.Errorf("second cancel: %v", err)
	}
	if len(r.Paynet.Ledger()) != 0 {
		t.Fatal("errors moved money")
	}
	if _, err := acpclient.New(acpclient.Config{BaseURL: "not a url"}); err == nil {
		t.Error("bad base URL accepted")
	}
	// Nothing listening: ErrUnavailable after the retries.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	dc := client(t, dead)
	if _, err := dc.Info(ctx); !errors.Is(err, skills.ErrUnavailable) {
		t.Errorf("dead merchant: %v", err)
	}
	if dc.RoundTrips() != 9 {
		t.Errorf("dead merchant: %d round trips, want 1 + 8 retries", dc.RoundTrips())
	}
}

func TestClientFaults(t *testing.T) {
	r := startWorld(t)
	ctx := context.Background()
	c := client(t, r.URL("shady"))

	// Pre-selected add-on: marked, and removed by re-quoting the asked lines.
	q, err := c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "S-LAT", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Lines) != 2 || q.Lines[0].AddOn || !q.Lines[1].AddOn || q.Lines[1].UnitPrice.Minor != 200 {
		t.Fatalf("lines = %+v", q.Lines)
	}
	q, err = c.Quote(ctx, skills.QuoteRequest{QuoteID: q.ID, Lines: []skills.LineRequest{{SKU: "S-LAT", Quantity: 1}}})
	if err != nil || len(q.Lines) != 1 {
		t.Fatalf("after removing the add-on: %+v %v", q, err)
	}

	// Price change at completion: QuoteChangedError with the new quote, nothing charged.
	_, err = c.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: token(t, r, "shady", q)})
	var qc *skills.QuoteChangedError
	if !errors.As(err, &qc) || !errors.Is(err, skills.ErrQuoteChanged) || qc.Quote == nil || qc.Quote.Lines[0].UnitPrice.Minor != 2100 || !strings.Contains(qc.Reason, "price") {
		t.Fatalf("price change: %v", err)
	}
	if len(r.Paynet.Ledger()) != 0 {
		t.Fatal("charged at the old quote")
	}
	o, err := c.Complete(ctx, skills.CompleteRequest{QuoteID: qc.Quote.ID, Credential: token(t, r, "shady", qc.Quote)})
	if err != nil || o.Total != qc.Quote.Total {
		t.Fatalf("accepting the new quote: %+v %v", o, err)
	}

	// Out of stock at completion.
	q, err = c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "S-TEA", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: token(t, r, "shady", q)})
	if !errors.As(err, &qc) || !strings.Contains(qc.Reason, "out_of_stock") || qc.Quote.Status != skills.StatusNotReady {
		t.Fatalf("out of stock: %v", err)
	}

	// error_rate 0.5: retries (same idempotency key) get through, work done once.
	f := client(t, r.URL("flaky"))
	for range 5 {
		q, err := f.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "F-1", Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: token(t, r, "flaky", q)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(r.Engine("flaky").Orders()); got != 5 || r.Paynet.Net()["flaky"] != 5*500 {
		t.Fatalf("flaky: %d orders, net %d", got, r.Paynet.Net()["flaky"])
	}
	if f.RoundTrips() <= 16 { // info + 5 × (quote + complete + order) = 16 without failures
		t.Errorf("flaky: only %d round trips; the fault never fired?", f.RoundTrips())
	}
}

// A lost response is retried with the same Idempotency-Key: the merchant
// replays its answer instead of creating a second session.
func TestClientRetrySameKey(t *testing.T) {
	r := startWorld(t)
	target := r.URL("brewhouse")
	var posts atomic.Int32
	keys := make(chan string, 4)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		fwd, _ := http.NewRequest(req.Method, target+req.URL.RequestURI(), req.Body)
		fwd.Header = req.Header.Clone()
		resp, err := http.DefaultClient.Do(fwd)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		if req.Method == "POST" {
			keys <- req.Header.Get("Idempotency-Key")
			if posts.Add(1) == 1 { // the first answer is lost
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 1<<20)
		n, _ := resp.Body.Read(buf)
		w.Write(buf[:n])
	}))
	defer proxy.Close()
	c := client(t, proxy.URL)
	q, err := c.Quote(context.Background(), skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "LAT", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	k1, k2 := <-keys, <-keys
	if k1 == "" || k1 != k2 {
		t.Fatalf("retry keys %q %q", k1, k2)
	}
	if s, err := r.Engine("brewhouse").GetSession(context.Background(), q.ID); err != nil || s.ID != q.ID {
		t.Fatalf("session %v %v", s, err)
	}
	if n := r.Engine("brewhouse").SessionCount(); n != 1 {
		t.Fatalf("the retry created %d sessions, want 1", n)
	}
}

func TestClientExpiredQuote(t *testing.T) {
	w, err := merchants.LoadWorldBytes("world.yaml", []byte(world))
	if err != nil {
		t.Fatal(err)
	}
	var skew atomic.Int64
	r, err := merchants.Start(context.Background(), w, merchants.Options{Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	c := client(t, r.URL("brewhouse"))
	q, err := c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "LAT", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	cred := token(t, r, "brewhouse", q)
	skew.Store(int64(merchants.SessionTTL))
	_, err = c.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: cred})
	var qc *skills.QuoteChangedError
	if !errors.As(err, &qc) || qc.Quote != nil || !strings.HasPrefix(qc.Reason, "expired") {
		t.Fatalf("expired quote: %v", err)
	}
	if len(r.Paynet.Ledger()) != 0 {
		t.Fatal("charged an expired quote")
	}
}

// From the merchant's URL alone: discover the payment network, obtain a
// delegated token over HTTP, pay.
func TestClientURLAlone(t *testing.T) {
	r := startWorld(t)
	ctx := context.Background()
	c := client(t, r.URL("brewhouse"))
	pay, err := c.Payment(ctx)
	if err != nil || pay.MerchantID != "brewhouse" || pay.NetworkURL != r.PaynetURL || pay.DelegateURL != r.PaynetURL+"/agentic_commerce/delegate_payment" {
		t.Fatalf("payment info = %+v %v", pay, err)
	}
	q, err := c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "LAT", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(paynet.NewDelegateRequest(pay.MerchantID, q.ID, q.Total, time.Now().Add(time.Hour)))
	req, _ := http.NewRequest("POST", pay.DelegateURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "tok-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok acp.DelegatePaymentResponse
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != 201 {
		t.Fatalf("delegate: %d %v", res.StatusCode, err)
	}
	o, err := c.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: skills.Credential{Type: "vault_token", Token: tok.ID}})
	if err != nil || o.Total != q.Total {
		t.Fatalf("complete: %+v %v", o, err)
	}
}

// TestInFlightIsUnavailableNotRefused: with the client's own retries off
// (the agent is the retry layer), a 409 idempotency_in_flight must read as
// "not known yet, try again" — the first request may still charge — never as
// a refusal the agent would answer by releasing the hold.
func TestInFlightIsUnavailableNotRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusConflict)
		w.Write([]byte(`{"type":"invalid_request","code":"idempotency_in_flight","message":"a request with this Idempotency-Key is still being processed"}`))
	}))
	defer srv.Close()
	c, err := acpclient.New(acpclient.Config{BaseURL: srv.URL, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Complete(context.Background(), skills.CompleteRequest{QuoteID: "cs_1", IdempotencyKey: "k",
		Credential: skills.Credential{Type: "spt", Token: "vt_1"}})
	if !errors.Is(err, skills.ErrUnavailable) || errors.Is(err, skills.ErrInvalid) || errors.Is(err, skills.ErrPaymentDeclined) {
		t.Fatalf("in-flight completion: %v, want ErrUnavailable", err)
	}
}
