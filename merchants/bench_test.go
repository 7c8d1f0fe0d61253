package merchants

import (
	"context"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acpclient"
)

func demoRunning(b *testing.B, opts Options) *harness {
	b.Helper()
	w, err := DemoWorld()
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range w.Merchants {
		m.Faults = Faults{} // measure the engine, not the injected latency
	}
	h := start(b, w, opts)
	for _, m := range h.r.Merchants {
		for _, p := range m.Engine.products {
			p.Stock = 1 << 30
		}
	}
	return h
}

// Search in the largest demo catalog (megamart), in process.
func BenchmarkSearch(b *testing.B) {
	h := demoRunning(b, Options{InProcessPayments: true})
	e := h.r.Engine("megamart")
	q := skills.Query{Text: "oat milk latte large", Category: "coffee", Limit: 20}
	b.ReportAllocs()
	for b.Loop() {
		if len(e.Search(q)) == 0 {
			b.Fatal("no results")
		}
	}
}

// Search over HTTP on loopback through the ACP client.
func BenchmarkSearchHTTP(b *testing.B) {
	h := demoRunning(b, Options{})
	c, err := acpclient.New(acpclient.Config{BaseURL: h.r.URL("megamart")})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	q := skills.Query{Text: "oat milk latte large", Category: "coffee", Limit: 20}
	b.ReportAllocs()
	for b.Loop() {
		if ps, err := c.Search(ctx, q); err != nil || len(ps) == 0 {
			b.Fatal(err)
		}
	}
}

// A full checkout in process: create session → delegate token → complete.
func BenchmarkCheckout(b *testing.B) {
	h := demoRunning(b, Options{InProcessPayments: true})
	e := h.r.Engine("brewhouse")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, err := e.CreateSession(ctx, SessionInput{Lines: []skills.LineRequest{{SKU: "BH-LAT-OAT-L", Quantity: 2}}})
		if err != nil {
			b.Fatal(err)
		}
		tok, err := h.r.Paynet.Delegate(ctx, paynet.NewDelegateRequest("brewhouse", s.ID, s.Totals.Total, time.Now().Add(time.Hour)))
		if err != nil {
			b.Fatal(err)
		}
		done, err := e.Complete(ctx, s.ID, Payment{Token: tok.ID})
		if err != nil || done.Status != StatusCompleted {
			b.Fatal(err, done.Messages)
		}
	}
}

// A full checkout over HTTP: the ACP client quotes and completes against
// the merchant, which captures at the payment network over HTTP.
func BenchmarkCheckoutHTTP(b *testing.B) {
	h := demoRunning(b, Options{})
	c, err := acpclient.New(acpclient.Config{BaseURL: h.r.URL("brewhouse")})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Info(ctx); err != nil {
		b.Fatal(err)
	}
	start := c.RoundTrips()
	b.ReportAllocs()
	for b.Loop() {
		q, err := c.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: "BH-LAT-OAT-L", Quantity: 2}}})
		if err != nil {
			b.Fatal(err)
		}
		tok, err := h.r.Paynet.Delegate(ctx, paynet.NewDelegateRequest("brewhouse", q.ID, q.Total, time.Now().Add(time.Hour)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: skills.Credential{Token: tok.ID}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.RoundTrips()-start)/float64(b.N), "calls/op")
}
