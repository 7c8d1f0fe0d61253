package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// refundMerchant is a merchant that only refunds, idempotently by key, and
// never more than was paid (as the mock merchants do).
type refundMerchant struct {
	skills.Merchant
	paid, refunded int64
	byKey          map[string]*skills.Refund
	fail           bool
}

func (m *refundMerchant) Refund(_ context.Context, r skills.RefundRequest) (*skills.Refund, error) {
	if m.fail {
		return nil, fmt.Errorf("order %s: %w", r.OrderID, skills.ErrNotFound)
	}
	if got, ok := m.byKey[r.IdempotencyKey]; ok {
		return got, nil
	}
	if r.Amount.Minor > m.paid-m.refunded {
		return nil, skills.ErrInvalid
	}
	m.refunded += r.Amount.Minor
	ref := &skills.Refund{ID: fmt.Sprintf("re_%d", len(m.byKey)+1), OrderID: r.OrderID, Amount: r.Amount}
	m.byKey[r.IdempotencyKey] = ref
	return ref, nil
}

func TestRefundOrder(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, _ := wallet.Open(ctx, wallet.Config{DB: db, ID: "demo-cny", Currency: "CNY"})
	w.TopUp(ctx, "t", skills.M(10000, "CNY"), "")
	// what the runtime does when it pays (its memo names session, merchant, quote)
	h, _ := w.Hold(ctx, "s1/brewhouse/0/hold", skills.M(3100, "CNY"), "session s1: brewhouse quote cs_9")
	w.Capture(ctx, "s1/brewhouse/0/capture", h, skills.M(3100, "CNY"))
	ref := orderRef{Session: "s1", Order: skills.Order{ID: "ord_1", Merchant: "brewhouse", QuoteID: "cs_9", Total: skills.M(3100, "CNY")}}
	m := &refundMerchant{paid: 3100, byKey: map[string]*skills.Refund{}}

	if _, err := refundOrder(ctx, m, w, ref, "40.00", "x", false); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("over-refund: %v", err)
	}
	if _, err := refundOrder(ctx, m, w, ref, "10.00", "x", false); err != nil {
		t.Fatal(err)
	}
	// the rest, by default
	r, err := refundOrder(ctx, m, w, ref, "", "x", false)
	if err != nil || r.Amount.Minor != 2100 {
		t.Fatal(r, err)
	}
	b, _ := w.Balance(ctx)
	if b.Available.Minor != 10000 || b.Spent.Minor != 0 || m.refunded != 3100 {
		t.Fatalf("%+v merchant refunded %d", b, m.refunded)
	}
	if _, err := refundOrder(ctx, m, w, ref, "", "x", false); err == nil || !strings.Contains(err.Error(), "fully refunded") {
		t.Fatalf("third refund: %v", err)
	}
	if err := w.CheckInvariants(ctx); err != nil {
		t.Fatal(err)
	}
	m2 := &refundMerchant{fail: true, byKey: map[string]*skills.Refund{}}
	h2, _ := w.Hold(ctx, "s2/brewhouse/0/hold", skills.M(500, "CNY"), "session s2: brewhouse quote cs_10")
	w.Capture(ctx, "s2/brewhouse/0/capture", h2, skills.M(500, "CNY"))
	ref2 := orderRef{Session: "s2", Order: skills.Order{ID: "ord_2", Merchant: "brewhouse", QuoteID: "cs_10"}}
	if _, err := refundOrder(ctx, m2, w, ref2, "", "x", false); !errors.Is(err, skills.ErrNotFound) || !strings.Contains(err.Error(), "afresh") {
		t.Fatalf("unknown order at merchant: %v", err)
	}
	if b, _ := w.Balance(ctx); b.Spent.Minor != 500 {
		t.Fatalf("wallet credited without a merchant refund: %+v", b)
	}
	if _, err := refundOrder(ctx, m, w, orderRef{Session: "nope", Order: skills.Order{ID: "x"}}, "", "x", false); err == nil {
		t.Fatal("order without a wallet payment refunded")
	}
}

// TestOrdersListShowsRefunds: orders list reports what the ledger refunded
// and the status that follows (QA: it showed ¥0.00 and "confirmed" after a
// refund and a cancel).
func TestOrdersListShowsRefunds(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, _ := wallet.Open(ctx, wallet.Config{DB: db, ID: "demo-cny", Currency: "CNY"})
	w.TopUp(ctx, "t", skills.M(20000, "CNY"), "")
	var refs []orderRef
	for i, total := range []int64{3100, 4500, 2000} {
		s, q := fmt.Sprintf("s%d", i), fmt.Sprintf("cs_%d", i)
		h, _ := w.Hold(ctx, s+"/hold", skills.M(total, "CNY"), fmt.Sprintf("session %s: brewhouse quote %s", s, q))
		w.Capture(ctx, s+"/capture", h, skills.M(total, "CNY"))
		refs = append(refs, orderRef{Session: s, Order: skills.Order{ID: fmt.Sprintf("ord_%d", i), Merchant: "brewhouse", QuoteID: q,
			Status: "confirmed", Total: skills.M(total, "CNY"), Refunded: skills.M(0, "CNY")}})
	}
	m := &refundMerchant{paid: 9600, byKey: map[string]*skills.Refund{}}
	if _, err := refundOrder(ctx, m, w, refs[0], "10.00", "x", false); err != nil { // partial
		t.Fatal(err)
	}
	if _, err := refundOrder(ctx, m, w, refs[1], "", "x", false); err != nil { // full
		t.Fatal(err)
	}
	if _, err := refundOrder(ctx, m, w, refs[2], "", "canceled: x", true); err != nil { // cancel
		t.Fatal(err)
	}
	if err := withLedger(ctx, w, refs); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		refunded int64
		status   string
	}{{1000, "confirmed"}, {4500, "refunded"}, {2000, "canceled"}}
	for i, o := range refs {
		if o.Order.Refunded.Minor != want[i].refunded || o.Order.Status != want[i].status {
			t.Errorf("order %s: refunded %s status %s, want %d %s", o.Order.ID, o.Order.Refunded, o.Order.Status, want[i].refunded, want[i].status)
		}
	}
}
