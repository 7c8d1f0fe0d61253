package x402_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/x402"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

func cny(v int64) skills.Money { return skills.M(v, "CNY") }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func pubString(k ed25519.PrivateKey) string {
	return "ed25519:" + b64(k.Public().(ed25519.PublicKey))
}

func TestFacilitator(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f := x402.NewFacilitator(x402.FacilitatorConfig{Now: func() time.Time { return now }})
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	req := pay.X402Requirements{Scheme: pay.SchemeExact, Network: pay.NetworkLedger, Amount: "5", Asset: "CNY", PayTo: "pricewatch", MaxTimeoutSeconds: 60}
	build := func(mut func(*pay.X402Authorization), signer ed25519.PrivateKey) pay.X402FacilitatorRequest {
		a := pay.X402Authorization{From: pubString(key), To: "pricewatch", Value: "5",
			ValidAfter: fmt.Sprint(now.Add(-time.Second).Unix()), ValidBefore: fmt.Sprint(now.Add(time.Minute).Unix()),
			Nonce: strings.Repeat("ab", 32)}
		if mut != nil {
			mut(&a)
		}
		sig := ed25519.Sign(signer, pay.X402SigningBytes(req, a))
		return pay.X402FacilitatorRequest{X402Version: 2, PaymentRequirements: req,
			PaymentPayload: pay.X402PaymentPayload{X402Version: 2, Accepted: req, Payload: pay.X402ExactPayload{Signature: b64(sig), Authorization: a}}}
	}
	cases := map[string]struct {
		r    pay.X402FacilitatorRequest
		want string
	}{
		"wrong amount":  {build(func(a *pay.X402Authorization) { a.Value = "4" }, key), x402.ReasonAmount},
		"wrong payee":   {build(func(a *pay.X402Authorization) { a.To = "mallory" }, key), x402.ReasonAddress},
		"expired":       {build(func(a *pay.X402Authorization) { a.ValidBefore = fmt.Sprint(now.Unix()) }, key), x402.ReasonExpired},
		"not yet valid": {build(func(a *pay.X402Authorization) { a.ValidAfter = fmt.Sprint(now.Add(time.Hour).Unix()) }, key), x402.ReasonNotYetValid},
		"forged":        {build(nil, other), x402.ReasonSignature},
		"bad nonce":     {build(func(a *pay.X402Authorization) { a.Nonce = "1" }, key), x402.ReasonPayload},
		"wrong network": {func() pay.X402FacilitatorRequest {
			r := build(nil, key)
			r.PaymentRequirements.Network = "eip155:1"
			return r
		}(), x402.ReasonNetwork},
		"changed accept": {func() pay.X402FacilitatorRequest {
			r := build(nil, key)
			r.PaymentPayload.Accepted.Amount = "1"
			return r
		}(), x402.ReasonRequirements},
	}
	for name, c := range cases {
		v, _ := f.Verify(ctx, c.r)
		s, _ := f.Settle(ctx, c.r)
		if v.IsValid || v.InvalidReason != c.want || s.Success || s.ErrorReason != c.want {
			t.Errorf("%s: verify %+v settle %+v, want %s", name, v, s, c.want)
		}
	}
	good := build(nil, key)
	s1, _ := f.Settle(ctx, good)
	s2, _ := f.Settle(ctx, good)
	if !s1.Success || s1 != s2 || len(f.Transfers()) != 1 {
		t.Fatalf("idempotent settle: %+v %+v %d", s1, s2, len(f.Transfers()))
	}
	// same nonce, different payload
	again := build(func(a *pay.X402Authorization) { a.ValidBefore = fmt.Sprint(now.Add(2 * time.Minute).Unix()) }, key)
	if s, _ := f.Settle(ctx, again); s.Success || s.ErrorReason != x402.ReasonNonceUsed {
		t.Fatalf("nonce reuse: %+v", s)
	}
	if v, _ := f.Verify(ctx, again); v.IsValid {
		t.Fatal("verify accepted a used nonce")
	}
}

func TestPaywallAnswers402(t *testing.T) {
	f := x402.NewFacilitator(x402.FacilitatorConfig{})
	srv := httptest.NewServer(&x402.Paywall{Price: cny(5), PayTo: "pricewatch", Facilitator: f, Next: http.NotFoundHandler()})
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/history")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var pr pay.X402PaymentRequired
	if resp.StatusCode != 402 || pay.DecodeHeader(resp.Header.Get(pay.HeaderPaymentRequired), &pr) != nil {
		t.Fatal(resp.StatusCode)
	}
	if pr.X402Version != 2 || len(pr.Accepts) != 1 || pr.Accepts[0].Amount != "5" || pr.Accepts[0].Asset != "CNY" ||
		pr.Accepts[0].PayTo != "pricewatch" || pr.Accepts[0].Network != pay.NetworkLedger || !strings.HasSuffix(pr.Resource.URL, "/history") {
		t.Fatalf("%+v", pr)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/history", nil)
	req.Header.Set(pay.HeaderPaymentSig, "not base64 !!")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 402 {
		t.Fatal(resp, err)
	}
	resp.Body.Close()
}

func TestPriceHistory(t *testing.T) {
	h := x402.PriceHistory(x402.SyntheticHistory(func(m, sku string) (skills.Money, bool) { return cny(1000), sku == "a" },
		time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)))
	for path, want := range map[string]int{"?merchant=m&sku=a": 200, "?merchant=m&sku=b": 404, "?sku=a": 400} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/"+path, nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", path, rec.Code, want)
		}
		if want == 200 && (!strings.Contains(rec.Body.String(), `"date":"2026-11-26"`) || !strings.Contains(rec.Body.String(), `"amount":1000`)) {
			t.Errorf("body %s", rec.Body)
		}
	}
}

func TestService(t *testing.T) {
	svc := newServiceForTest()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/price-history?merchant=m&sku=a")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPaymentRequired || resp.Header.Get(pay.HeaderPaymentRequired) == "" {
		t.Fatal(resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/facilitator/transfers")
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	resp.Body.Close()
}

func newServiceForTest() *x402.Service {
	return x402.NewService(x402.ServiceConfig{Price: cny(5), Prices: func(m, sku string) (skills.Money, bool) { return cny(1000), true }})
}

// recorder keeps the last PAYMENT-SIGNATURE a client sent.
type recorder struct {
	base http.RoundTripper
	sig  string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if s := req.Header.Get(pay.HeaderPaymentSig); s != "" {
		r.sig = s
	}
	return r.base.RoundTrip(req)
}

type okHolder struct{}

func (okHolder) Hold(context.Context, string, skills.Money, string) (string, error) { return "h", nil }
func (okHolder) Capture(context.Context, string, string, skills.Money) error        { return nil }
func (okHolder) Release(context.Context, string, string) error                      { return nil }

// TestPaywallPaymentBuysOneResource: a signed payment pays for the
// resource it names. Replaying it for the same request is served again
// without a second transfer (idempotent settlement); replaying it for
// another resource is answered 402.
func TestPaywallPaymentBuysOneResource(t *testing.T) {
	f := x402.NewFacilitator(x402.FacilitatorConfig{})
	data := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, `{"q":%q}`, r.URL.Query().Get("q")) })
	srv := httptest.NewServer(&x402.Paywall{Price: cny(5), PayTo: "databrew", Facilitator: f, Next: data})
	defer srv.Close()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	rec := &recorder{base: http.DefaultTransport}
	tr, err := pay.NewX402Transport(pay.X402Config{Base: rec, Key: key, Wallet: okHolder{}, Approve: func(context.Context, pay.X402Charge) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL + "/products?q=latte")
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	resp.Body.Close()
	replay := func(path string) int {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set(pay.HeaderPaymentSig, rec.sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := replay("/products?q=latte"); got != 200 {
		t.Fatalf("same request replayed: %d", got)
	}
	if got := replay("/products?q=tea"); got != http.StatusPaymentRequired {
		t.Fatalf("payment reused for another resource: %d", got)
	}
	if n := len(f.Transfers()); n != 1 {
		t.Fatalf("%d transfers, want 1", n)
	}
}
