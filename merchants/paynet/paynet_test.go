package paynet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func setup(t *testing.T) (*Network, *httptest.Server, *clock) {
	clk := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	n := New(Config{Now: clk.now})
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(srv.Close)
	return n, srv, clk
}

func post(t *testing.T, url, key string, body any) (int, http.Header, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, out
}

func cny(minor int64) skills.Money { return skills.M(minor, "CNY") }

func TestDelegateHTTP(t *testing.T) {
	_, srv, clk := setup(t)
	req := NewDelegateRequest("brewhouse", "cs_1", cny(3100), clk.now().Add(time.Hour))
	status, hdr, body := post(t, srv.URL+"/agentic_commerce/delegate_payment", "d1", req)
	if status != 201 {
		t.Fatalf("HTTP %d %s", status, body)
	}
	var resp acp.DelegatePaymentResponse
	if err := json.Unmarshal(body, &resp); err != nil || !strings.HasPrefix(resp.ID, "vt_") || resp.Created == "" || resp.Metadata == nil {
		t.Fatalf("response = %s", body)
	}
	// Replay returns the same token, not a second one.
	status, hdr, body2 := post(t, srv.URL+"/agentic_commerce/delegate_payment", "d1", req)
	if status != 201 || hdr.Get("Idempotent-Replayed") != "true" || string(body2) != string(body) {
		t.Fatalf("replay: %d %s", status, body2)
	}
	cases := []struct {
		name   string
		mutate func(*DelegateRequest)
		key    string
		status int
		code   string
	}{
		{"missing key", func(*DelegateRequest) {}, "", 400, "idempotency_key_required"},
		{"bad card", func(r *DelegateRequest) { r.PaymentMethod.Number = "4242424242424241" }, "k", 400, "invalid_card"},
		{"bad reason", func(r *DelegateRequest) { r.Allowance.Reason = "recurring" }, "k", 400, "invalid_request"},
		{"zero max", func(r *DelegateRequest) { r.Allowance.MaxAmount = 0 }, "k", 400, "invalid_request"},
		{"upper currency", func(r *DelegateRequest) { r.Allowance.Currency = "CNY" }, "k", 400, "invalid_request"},
		{"expired", func(r *DelegateRequest) { r.Allowance.ExpiresAt = clk.now().Add(-time.Minute).Format(time.RFC3339) }, "k", 400, "invalid_request"},
		{"no merchant", func(r *DelegateRequest) { r.Allowance.MerchantID = "" }, "k", 400, "invalid_request"},
	}
	for i, c := range cases {
		r := NewDelegateRequest("brewhouse", "cs_1", cny(3100), clk.now().Add(time.Hour))
		c.mutate(&r)
		key := c.key
		if key != "" {
			key = fmt.Sprintf("case-%d", i)
		}
		status, _, body := post(t, srv.URL+"/agentic_commerce/delegate_payment", key, r)
		var e acp.Error
		_ = json.Unmarshal(body, &e)
		if status != c.status || e.Code != c.code {
			t.Errorf("%s: HTTP %d %s", c.name, status, body)
		}
	}
	status, _, body = post(t, srv.URL+"/agentic_commerce/delegate_payment", "junk", "not an object")
	if status != 400 {
		t.Errorf("malformed: %d %s", status, body)
	}
}

func TestVerifierHook(t *testing.T) {
	n, srv, clk := setup(t)
	var seen string
	n.SetVerifier(func(_ context.Context, r DelegateRequest) error {
		seen = r.Metadata["ap2_mandates"]
		if seen != "signed-chain" {
			return errors.New("mandate chain missing or invalid")
		}
		return nil
	})
	r := NewDelegateRequest("m", "cs", cny(100), clk.now().Add(time.Hour))
	status, _, body := post(t, srv.URL+"/agentic_commerce/delegate_payment", "v1", r)
	if status != 403 || !strings.Contains(string(body), "mandate chain") {
		t.Fatalf("refused: %d %s", status, body)
	}
	r.Metadata["ap2_mandates"] = "signed-chain"
	if status, _, body := post(t, srv.URL+"/agentic_commerce/delegate_payment", "v2", r); status != 201 {
		t.Fatalf("accepted: %d %s", status, body)
	}
	if seen != "signed-chain" {
		t.Fatal("verifier did not see the metadata")
	}
}

func TestCaptureAllowance(t *testing.T) {
	n, srv, clk := setup(t)
	ctx := context.Background()
	client := &Client{BaseURL: srv.URL}
	tok := func(merchant, session string, max int64, ttl time.Duration) string {
		r, err := n.Delegate(ctx, NewDelegateRequest(merchant, session, cny(max), clk.now().Add(ttl)))
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	expiring := tok("m1", "cs_1", 1000, time.Minute)
	good := tok("m1", "cs_1", 1000, time.Hour)
	cases := []struct {
		name string
		req  CaptureRequest
		code string
		tick time.Duration
	}{
		{"over amount", CaptureRequest{Token: good, MerchantID: "m1", SessionID: "cs_1", Amount: cny(1001)}, "over_amount", 0},
		{"wrong merchant", CaptureRequest{Token: good, MerchantID: "m2", SessionID: "cs_1", Amount: cny(500)}, "wrong_merchant", 0},
		{"wrong session", CaptureRequest{Token: good, MerchantID: "m1", SessionID: "cs_2", Amount: cny(500)}, "wrong_session", 0},
		{"wrong currency", CaptureRequest{Token: good, MerchantID: "m1", SessionID: "cs_1", Amount: skills.M(500, "USD")}, "currency_mismatch", 0},
		{"unknown token", CaptureRequest{Token: "vt_nope", MerchantID: "m1", SessionID: "cs_1", Amount: cny(500)}, "unknown_token", 0},
		{"expired", CaptureRequest{Token: expiring, MerchantID: "m1", SessionID: "cs_1", Amount: cny(500)}, "expired", 2 * time.Minute},
	}
	for i, c := range cases {
		clk.add(c.tick)
		c.req.IdempotencyKey = fmt.Sprintf("cap-%d", i)
		for _, p := range []Processor{n, client} {
			_, err := p.Capture(ctx, c.req)
			var de *DeclineError
			if !errors.As(err, &de) || de.Code != c.code || !errors.Is(err, ErrDeclined) {
				t.Errorf("%s via %T: %v", c.name, p, err)
			}
		}
	}
	if l := n.Ledger(); len(l) != 0 {
		t.Fatalf("declines captured: %+v", l)
	}
	// Exactly the allowance, over HTTP; the retry with the same key is the same capture.
	req := CaptureRequest{Token: good, MerchantID: "m1", SessionID: "cs_1", Amount: cny(1000), IdempotencyKey: "pay"}
	c1, err := client.Capture(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := client.Capture(ctx, req)
	if err != nil || c2.ID != c1.ID {
		t.Fatalf("idempotent capture: %v %v", c2, err)
	}
	// Reuse under a new key is declined.
	req.IdempotencyKey = "pay-again"
	if _, err := n.Capture(ctx, req); !errors.Is(err, ErrDeclined) || !strings.Contains(err.Error(), "token_used") {
		t.Fatalf("reuse: %v", err)
	}
	if l := n.Ledger(); len(l) != 1 || l[0].Amount != cny(1000) {
		t.Fatalf("ledger = %+v", l)
	}

	// Refunds: never more than captured.
	r1, err := client.Refund(ctx, RefundRequest{CaptureID: c1.ID, Amount: cny(600), IdempotencyKey: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := n.Refund(ctx, RefundRequest{CaptureID: c1.ID, Amount: cny(600), IdempotencyKey: "r1"}); err != nil || again.ID != r1.ID {
		t.Fatalf("refund replay: %v %v", again, err)
	}
	if _, err := n.Refund(ctx, RefundRequest{CaptureID: c1.ID, Amount: cny(401), IdempotencyKey: "r2"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("over-refund: %v", err)
	}
	if _, err := client.Refund(ctx, RefundRequest{CaptureID: c1.ID, Amount: cny(401), IdempotencyKey: "r2b"}); err == nil {
		t.Fatal("over-refund over HTTP accepted")
	}
	if _, err := n.Refund(ctx, RefundRequest{CaptureID: c1.ID, Amount: cny(400), IdempotencyKey: "r3"}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Refund(ctx, RefundRequest{CaptureID: "cap_nope", Amount: cny(1), IdempotencyKey: "r4"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown capture: %v", err)
	}
	if net := n.Net()["m1"]; net != 0 {
		t.Fatalf("net = %d", net)
	}
	if c := n.Captures()[c1.ID]; c.Refunded != cny(1000) {
		t.Fatalf("capture = %+v", c)
	}
}

func TestConcurrentCapturesOneWinner(t *testing.T) {
	n := New(Config{})
	ctx := context.Background()
	r, err := n.Delegate(ctx, NewDelegateRequest("m", "cs", cny(500), time.Now().Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := n.Capture(ctx, CaptureRequest{Token: r.ID, MerchantID: "m", SessionID: "cs", Amount: cny(500), IdempotencyKey: fmt.Sprint(i)})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 || len(n.Ledger()) != 1 {
		t.Fatalf("%d captures succeeded, ledger %d", ok, len(n.Ledger()))
	}
}
