package merchants

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
)

// countingProcessor is the real payment network, counting capture attempts.
type countingProcessor struct {
	*paynet.Network
	captures atomic.Int32
}

func (c *countingProcessor) Capture(ctx context.Context, req paynet.CaptureRequest) (*paynet.Capture, error) {
	c.captures.Add(1)
	return c.Network.Capture(ctx, req)
}

type reviewRig struct {
	e   *Engine
	net *countingProcessor
	now time.Time
}

func newReviewRig(t *testing.T, f Faults) *reviewRig {
	t.Helper()
	r := &reviewRig{now: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return r.now }
	r.net = &countingProcessor{Network: paynet.New(paynet.Config{Now: clock})}
	m := &Merchant{ID: "m", Name: "M", Interface: InterfaceWeb, Faults: f,
		Shipping: skills.Shipping{Fee: skills.M(500, "CNY")},
		Products: []skills.Product{
			{SKU: "A", Title: "Thing A", Price: skills.M(1000, "CNY"), Stock: 5},
			{SKU: "B", Title: "Thing B", Price: skills.M(300, "CNY"), Stock: 5},
		}}
	e, err := NewEngine(EngineConfig{Currency: "CNY", Merchant: m, Payments: r.net, Seed: 1, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	r.e = e
	return r
}

func (r *reviewRig) token(t *testing.T, s *Session) string {
	t.Helper()
	resp, err := r.net.Delegate(context.Background(), paynet.NewDelegateRequest("m", s.ID, s.Totals.Total, r.now.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	return resp.ID
}

func codes(msgs []skills.Message) map[string]bool {
	out := map[string]bool{}
	for _, m := range msgs {
		out[m.Type+":"+m.Code] = true
	}
	return out
}

func TestReviewTakesOverAPriceChangeWithoutPaying(t *testing.T) {
	r := newReviewRig(t, Faults{PriceChange: &PriceChange{SKU: "A", Price: skills.M(1250, "CNY")}})
	ctx := context.Background()
	s, err := r.e.CreateSession(ctx, SessionInput{Lines: []skills.LineRequest{{SKU: "A", Quantity: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Totals.Total.Minor != 2500 { // 2 × 10.00 + 5.00
		t.Fatalf("quoted %s", s.Totals.Total)
	}
	got, err := r.e.Review(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusReady || got.Lines[0].UnitPrice.Minor != 1250 || got.Totals.Total.Minor != 3000 || got.OrderID != "" {
		t.Fatalf("reviewed: %s %+v %s", got.Status, got.Lines[0], got.Totals.Total)
	}
	if c := codes(got.Messages); !c["warning:price_change"] || !c["error:invalid"] || len(got.Messages) != 2 {
		t.Fatalf("messages %+v", got.Messages)
	}
	if n := r.net.captures.Load(); n != 0 {
		t.Fatalf("review made %d payment attempts", n)
	}
	// The session keeps the reviewed state.
	if again, _ := r.e.GetSession(ctx, s.ID); again.Totals.Total.Minor != 3000 {
		t.Fatalf("session total after review %s", again.Totals.Total)
	}
	// The fault fired once: a second review reports nothing new.
	again, err := r.e.Review(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Messages) != 0 || again.Totals.Total.Minor != 3000 {
		t.Fatalf("second review: %+v %s", again.Messages, again.Totals.Total)
	}
	// Completing pays the reviewed total: the re-check inside Complete
	// finds nothing moved.
	done, err := r.e.Complete(ctx, s.ID, Payment{Token: r.token(t, again)})
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != StatusCompleted || r.net.Net()["m"] != 3000 || r.net.captures.Load() != 1 {
		t.Fatalf("completed %s, net %v, captures %d", done.Status, r.net.Net(), r.net.captures.Load())
	}
}

// Review and Complete fire the same faults: what Complete reports without a
// review is exactly what Review reports.
func TestReviewMatchesComplete(t *testing.T) {
	f := Faults{PriceChange: &PriceChange{SKU: "A", Price: skills.M(900, "CNY")}, OutOfStockAtCheckout: []string{"B"}}
	ctx := context.Background()
	run := func(review bool) *Session {
		r := newReviewRig(t, f)
		s, err := r.e.CreateSession(ctx, SessionInput{Lines: []skills.LineRequest{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		var got *Session
		if review {
			got, err = r.e.Review(ctx, s.ID)
		} else {
			got, err = r.e.Complete(ctx, s.ID, Payment{Token: r.token(t, s)})
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.net.captures.Load() != 0 || len(r.e.Orders()) != 0 {
			t.Fatalf("review=%v: charged or ordered", review)
		}
		return got
	}
	a, b := run(true), run(false)
	if a.Status != StatusNotReady || a.Status != b.Status || a.Totals != b.Totals || len(a.Messages) != len(b.Messages) {
		t.Fatalf("review %s %+v %+v\ncomplete %s %+v %+v", a.Status, a.Totals, a.Messages, b.Status, b.Totals, b.Messages)
	}
	for i := range a.Messages {
		if a.Messages[i] != b.Messages[i] {
			t.Fatalf("message %d: review %+v, complete %+v", i, a.Messages[i], b.Messages[i])
		}
	}
	if c := codes(a.Messages); !c["warning:price_change"] || !c["error:out_of_stock"] {
		t.Fatalf("messages %+v", a.Messages)
	}
}

func TestReviewOutOfStockBlocksCompletion(t *testing.T) {
	r := newReviewRig(t, Faults{OutOfStockAtCheckout: []string{"B"}})
	ctx := context.Background()
	s, err := r.e.CreateSession(ctx, SessionInput{Lines: []skills.LineRequest{{SKU: "B", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.e.Review(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusNotReady || !codes(got.Messages)["error:out_of_stock"] || got.Lines[0].Available != 0 {
		t.Fatalf("reviewed %s %+v", got.Status, got.Messages)
	}
	done, err := r.e.Complete(ctx, s.ID, Payment{Token: r.token(t, s)})
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != StatusNotReady || r.net.captures.Load() != 0 {
		t.Fatalf("completed %s with %d captures", done.Status, r.net.captures.Load())
	}
}

func TestReviewNothingMoved(t *testing.T) {
	r := newReviewRig(t, Faults{})
	ctx := context.Background()
	s, err := r.e.CreateSession(ctx, SessionInput{Lines: []skills.LineRequest{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.e.Review(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusReady || got.Totals != s.Totals || len(got.Messages) != 0 || r.net.captures.Load() != 0 {
		t.Fatalf("reviewed %s %+v %+v", got.Status, got.Totals, got.Messages)
	}
}

func TestReviewNeedsNoPaymentProcessor(t *testing.T) {
	m := &Merchant{ID: "m", Products: []skills.Product{{SKU: "A", Title: "A", Price: skills.M(100, "CNY"), Stock: 1}},
		Faults: Faults{PriceChange: &PriceChange{SKU: "A", Price: skills.M(150, "CNY")}}}
	e, err := NewEngine(EngineConfig{Currency: "CNY", Merchant: m})
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.CreateSession(context.Background(), SessionInput{Lines: []skills.LineRequest{{SKU: "A", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Review(context.Background(), s.ID)
	if err != nil || got.Totals.Total.Minor != 150 {
		t.Fatalf("review without a processor: %v %+v", err, got)
	}
}

func TestReviewStates(t *testing.T) {
	ctx := context.Background()
	r := newReviewRig(t, Faults{})
	newSession := func() *Session {
		s, err := r.e.CreateSession(ctx, SessionInput{Lines: []skills.LineRequest{{SKU: "A", Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	canceled := newSession()
	if _, err := r.e.CancelSession(ctx, canceled.ID); err != nil {
		t.Fatal(err)
	}
	completed := newSession()
	if _, err := r.e.Complete(ctx, completed.ID, Payment{Token: r.token(t, completed)}); err != nil {
		t.Fatal(err)
	}
	expired := newSession()
	r.now = r.now.Add(SessionTTL)
	for _, c := range []struct {
		name, id string
		want     error
		code     string
	}{
		{"unknown", "cs_nope", skills.ErrNotFound, "session_not_found"},
		{"canceled", canceled.ID, ErrState, "session_canceled"},
		{"completed", completed.ID, ErrState, "session_completed"},
		{"expired", expired.ID, ErrState, "session_expired"},
	} {
		_, err := r.e.Review(ctx, c.id)
		var ie *InputError
		if !errors.Is(err, c.want) || !errors.As(err, &ie) || ie.Code != c.code {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if n := r.net.captures.Load(); n != 1 {
		t.Fatalf("%d captures, want the one completion", n)
	}
}

// Concurrent reviews of one session fire the price change once.
func TestReviewConcurrent(t *testing.T) {
	r := newReviewRig(t, Faults{PriceChange: &PriceChange{SKU: "A", Price: skills.M(1100, "CNY")}})
	ctx := context.Background()
	s, err := r.e.CreateSession(ctx, SessionInput{Lines: []skills.LineRequest{{SKU: "A", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var changed atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := r.e.Review(ctx, s.ID)
			if err != nil {
				t.Error(err)
				return
			}
			if codes(got.Messages)["warning:price_change"] {
				changed.Add(1)
			}
			if got.Totals.Total.Minor != 1600 {
				t.Errorf("total %s", got.Totals.Total)
			}
		}()
	}
	wg.Wait()
	if changed.Load() != 1 {
		t.Fatalf("%d reviews reported the price change, want 1", changed.Load())
	}
}
