package merchants

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

const paywalledWorld = `currency: CNY
merchants:
  - id: databrew
    name: Data Brew
    x402: {search_fee: "0.05"}
    faults: {error_rate: %s}
    products:
      - {sku: DB-LAT, title: Oat Latte, category: coffee, price: "12.00"}
  - id: beanbar
    products:
      - {sku: BB-LAT, title: Oat Latte, category: coffee, price: "18.00"}
`

func TestLoadX402Terms(t *testing.T) {
	w, err := LoadWorldBytes("w.yaml", []byte(fmt.Sprintf(paywalledWorld, "0")))
	if err != nil {
		t.Fatal(err)
	}
	if x := w.Merchant("databrew").X402; x == nil || x.SearchFee != skills.M(5, "CNY") {
		t.Fatalf("databrew x402 = %+v", x)
	}
	if w.Merchant("beanbar").X402 != nil {
		t.Fatal("beanbar charges nothing")
	}
	const head = "merchants:\n  - id: m\n    products: [{sku: A, title: T, price: 1}]\n"
	for name, c := range map[string]struct{ src, want string }{
		"zero fee":      {head + "    x402: {search_fee: \"0.00\"}\n", "w.yaml:4:24: merchants[0].x402.search_fee: must be positive"},
		"missing fee":   {head + "    x402: {}\n", "merchants[0].x402.search_fee: required"},
		"typo":          {head + "    x402: {search_fees: 1}\n", "w.yaml:4:12: merchants[0].x402.search_fees: unknown field"},
		"bad amount":    {head + "    x402: {search_fee: 0.001}\n", "merchants[0].x402.search_fee: invalid amount"},
		"web merchant":  {"merchants:\n  - id: m\n    interface: web\n    x402: {search_fee: 1}\n    products: [{sku: A, title: T, price: 1}]\n", "merchants[0].x402: only an api merchant can charge per request"},
		"not a mapping": {head + "    x402: yes\n", "merchants[0].x402: must be a mapping"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadWorldBytes("w.yaml", []byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

// memHolder is an in-memory payer wallet for the x402 client.
type memHolder struct {
	mu       sync.Mutex
	balance  int64
	holds    map[string]int64
	captured int64
}

func (m *memHolder) Hold(_ context.Context, key string, a skills.Money, _ string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a.Minor > m.balance {
		return "", fmt.Errorf("insufficient funds")
	}
	m.balance -= a.Minor
	m.holds[key] = a.Minor
	return key, nil
}

func (m *memHolder) Capture(_ context.Context, _, id string, a skills.Money) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.captured += a.Minor
	m.balance += m.holds[id] - a.Minor
	delete(m.holds, id)
	return nil
}

func (m *memHolder) Release(_ context.Context, _, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.balance += m.holds[id]
	delete(m.holds, id)
	return nil
}

// TestStartMountsSearchPaywall: a merchant with x402 terms answers its
// catalog search with an x402 v2 402 until paid; a paid search is settled
// by the world's facilitator (reached over HTTP) and answered with
// PAYMENT-RESPONSE; other routes and other merchants stay free; a failed
// search (503 fault) is not charged.
func TestStartMountsSearchPaywall(t *testing.T) {
	w, err := LoadWorldBytes("w.yaml", []byte(fmt.Sprintf(paywalledWorld, "0")))
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, w, Options{})
	if h.r.Facilitator == nil || h.r.FacilitatorURL == "" {
		t.Fatal("no facilitator started")
	}

	// Unpaid: 402 with PAYMENT-REQUIRED, x402 v2 field names on the wire.
	r := h.send("GET", "databrew", ExtPrefix+"/products?q=latte", "", "")
	if r.status != http.StatusPaymentRequired {
		t.Fatalf("unpaid search: %d %s", r.status, r.body)
	}
	raw, err := base64.StdEncoding.DecodeString(r.header.Get(pay.HeaderPaymentRequired))
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]any
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatal(err)
	}
	acc := wire["accepts"].([]any)[0].(map[string]any)
	for k, want := range map[string]any{"scheme": "exact", "network": pay.NetworkLedger, "amount": "5", "asset": "CNY", "payTo": "databrew", "maxTimeoutSeconds": 60.0} {
		if acc[k] != want {
			t.Errorf("accepts[0].%s = %v, want %v", k, acc[k], want)
		}
	}
	if wire["x402Version"] != 2.0 || !strings.Contains(wire["resource"].(map[string]any)["url"].(string), "/products?q=latte") {
		t.Errorf("PAYMENT-REQUIRED %s", raw)
	}
	// Free: info, product pages, the other merchant.
	if r := h.send("GET", "databrew", ExtPrefix+"/info", "", ""); r.status != 200 {
		t.Fatalf("info: %d", r.status)
	}
	if r := h.send("GET", "beanbar", ExtPrefix+"/products?q=latte", "", ""); r.status != 200 {
		t.Fatalf("free merchant search: %d", r.status)
	}

	// Paid through the x402 client: 200 with products and a settlement.
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	wallet := &memHolder{balance: 100, holds: map[string]int64{}}
	tr, err := pay.NewX402Transport(pay.X402Config{Key: key, Wallet: wallet, Approve: func(context.Context, pay.X402Charge) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: tr}
	res, err := c.Get(h.r.URL("databrew") + ExtPrefix + "/products?q=latte")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var settle pay.X402SettleResponse
	if res.StatusCode != 200 || pay.DecodeHeader(res.Header.Get(pay.HeaderPaymentResponse), &settle) != nil || !settle.Success {
		t.Fatalf("paid search: %d %+v", res.StatusCode, settle)
	}
	if got := h.r.Facilitator.Received("databrew")["CNY"]; got != 5 || wallet.captured != 5 || wallet.balance != 95 {
		t.Fatalf("facilitator %d, wallet captured %d balance %d", got, wallet.captured, wallet.balance)
	}
}

func TestFailedPaidSearchIsNotCharged(t *testing.T) {
	w, err := LoadWorldBytes("w.yaml", []byte(fmt.Sprintf(paywalledWorld, "1")))
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, w, Options{InProcessPayments: true})
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	wallet := &memHolder{balance: 100, holds: map[string]int64{}}
	tr, _ := pay.NewX402Transport(pay.X402Config{Key: key, Wallet: wallet, Approve: func(context.Context, pay.X402Charge) error { return nil }})
	res, err := (&http.Client{Transport: tr}).Get(h.r.URL("databrew") + ExtPrefix + "/products?q=latte")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || len(h.r.Facilitator.Transfers()) != 0 || wallet.balance != 100 || len(wallet.holds) != 0 {
		t.Fatalf("status %d, %d transfers, wallet %d holds %v", res.StatusCode, len(h.r.Facilitator.Transfers()), wallet.balance, wallet.holds)
	}
}

func TestNoFacilitatorWithoutX402(t *testing.T) {
	h := startSmall(t)
	if h.r.Facilitator != nil || h.r.FacilitatorURL != "" {
		t.Fatal("a world without x402 terms starts no facilitator")
	}
}

// BenchmarkX402Search compares a free catalog search with one paid over x402
// (402, sign, retry, facilitator verify + settle over HTTP, wallet hold +
// capture in memory).
func BenchmarkX402Search(b *testing.B) {
	w, err := LoadWorldBytes("w.yaml", []byte(fmt.Sprintf(paywalledWorld, "0")))
	if err != nil {
		b.Fatal(err)
	}
	h := start(b, w, Options{})
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	wallet := &memHolder{balance: 1 << 40, holds: map[string]int64{}}
	tr, _ := pay.NewX402Transport(pay.X402Config{Base: http.DefaultTransport, Key: key, Wallet: wallet,
		Approve: func(context.Context, pay.X402Charge) error { return nil }})
	c := &http.Client{Transport: tr}
	for name, merchant := range map[string]string{"free": "beanbar", "paid": "databrew"} {
		b.Run(name, func(b *testing.B) {
			url := h.r.URL(merchant) + ExtPrefix + "/products?q=latte"
			for b.Loop() {
				res, err := c.Get(url)
				if err != nil || res.StatusCode != 200 {
					b.Fatal(res, err)
				}
				res.Body.Close()
			}
		})
	}
}
