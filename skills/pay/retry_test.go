package pay_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
	"github.com/cartwright-agent/cartwright/skills/acpclient"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

// recorder is a reverse proxy that keeps every POST body by idempotency key.
type recorder struct {
	mu     sync.Mutex
	bodies map[string][][]byte
}

func (rc *recorder) proxy(t *testing.T, target string) *httptest.Server {
	u, _ := url.Parse(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost {
			k := r.URL.Path + " " + r.Header.Get(acp.HeaderIdempotencyKey)
			rc.mu.Lock()
			rc.bodies[k] = append(rc.bodies[k], b)
			rc.mu.Unlock()
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, u.Scheme+"://"+u.Host+r.URL.RequestURI(), bytes.NewReader(b))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// nextSecond sleeps until the wall clock has crossed into a new second.
func nextSecond() {
	now := time.Now()
	time.Sleep(now.Truncate(time.Second).Add(time.Second + 50*time.Millisecond).Sub(now))
}

// TestEveryMutatingCallRetriesByteIdentical runs each mutating call of a
// purchase (create and update a checkout session, delegate a token,
// complete, refund, cancel a session), then repeats every call under the
// same idempotency key after the clock crossed a second boundary: each
// retried body is byte-identical to the first, and each retry succeeds.
func TestEveryMutatingCallRetriesByteIdentical(t *testing.T) {
	ctx := context.Background()
	w, err := merchants.LoadWorldFile("../../merchants/testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	run, err := merchants.Start(ctx, w, merchants.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	rc := &recorder{bodies: map[string][][]byte{}}
	mURL, nURL := rc.proxy(t, run.URL("brewhouse")).URL, rc.proxy(t, run.PaynetURL).URL
	m, err := acpclient.New(acpclient.Config{BaseURL: mURL})
	if err != nil {
		t.Fatal(err)
	}
	rail, err := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: nURL, Card: pay.VirtualCard("w1")})
	if err != nil {
		t.Fatal(err)
	}
	addr := &skills.Address{Name: "A", Line1: "1 Road", City: "Shenzhen", PostalCode: "518000", Country: "CN", Phone: "+86 755 0000 0000"}
	round := func() {
		t.Helper()
		q, err := m.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "BH-LAT-OAT-L", Quantity: 1}}, Address: addr, IdempotencyKey: "create"})
		if err != nil {
			t.Fatal(err)
		}
		q, err = m.Quote(ctx, skills.QuoteRequest{QuoteID: q.ID, Lines: []skills.LineRequest{{SKU: "BH-LAT-OAT-L", Quantity: 2}}, Address: addr, IdempotencyKey: "update"})
		if err != nil {
			t.Fatal(err)
		}
		cred, err := rail.Delegate(ctx, pay.Delegation{MerchantID: "brewhouse", CheckoutSessionID: q.ID, Amount: q.Total, IdempotencyKey: "delegate"})
		if err != nil {
			t.Fatal("delegate: ", err)
		}
		o, err := m.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: cred, Address: addr, IdempotencyKey: "complete"})
		if err != nil {
			t.Fatal("complete: ", err)
		}
		if _, err := m.Refund(ctx, skills.RefundRequest{OrderID: o.ID, Amount: skills.M(100, "CNY"), Reason: "r", IdempotencyKey: "refund"}); err != nil {
			t.Fatal("refund: ", err)
		}
		q2, err := m.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "BH-AME-L", Quantity: 1}}, Address: addr, IdempotencyKey: "create2"})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Cancel(ctx, q2.ID, "cancel"); err != nil {
			t.Fatal("cancel: ", err)
		}
	}
	round()
	nextSecond()
	round()
	if len(rc.bodies) < 7 {
		t.Fatalf("recorded %d calls", len(rc.bodies))
	}
	for k, bs := range rc.bodies {
		for _, b := range bs[1:] {
			if !bytes.Equal(b, bs[0]) {
				t.Errorf("%s: the retry's body differs from the first:\n%s\n%s", k, bs[0], b)
			}
		}
	}
}
