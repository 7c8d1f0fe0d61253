package merchants

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acpclient"
)

// After a random, concurrent sequence of quotes, completes (some with bad
// tokens), session cancels, partial refunds and order cancels — all over
// HTTP — money captured minus refunded equals the sum of live order amounts
// per merchant, every order has its capture and every capture its order.
func TestLedgerInvariant(t *testing.T) {
	w := loadSmall(t)
	h := start(t, w, Options{})
	ctx := context.Background()
	skus := map[string][]string{
		"brewhouse": {"BH-LAT-OAT-L", "BH-LAT-OAT-M", "BH-AME-L", "BH-CROISSANT"},
		"shady":     {"SH-LAT", "SH-TEA", "SH-MUG", "ADDON-1"},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for worker := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(worker), 99))
			clients := map[string]*acpclient.Client{}
			for id := range skus {
				c, err := acpclient.New(acpclient.Config{BaseURL: h.r.URL(id), Backoff: time.Millisecond})
				if err != nil {
					errs <- err
					return
				}
				clients[id] = c
			}
			var orders []struct {
				m  string
				id string
			}
			for step := range 40 {
				mid := []string{"brewhouse", "shady"}[rng.IntN(2)]
				c := clients[mid]
				key := fmt.Sprintf("w%d-s%d", worker, step)
				switch op := rng.IntN(10); {
				case op < 6: // quote and complete (or cancel)
					var lines []skills.LineRequest
					for _, s := range skus[mid][:1+rng.IntN(3)] {
						lines = append(lines, skills.LineRequest{SKU: s, Quantity: 1 + rng.IntN(2)})
					}
					q, err := c.Quote(ctx, skills.QuoteRequest{Lines: lines, IdempotencyKey: key + "-q"})
					if errors.Is(err, skills.ErrOutOfStock) {
						continue
					}
					if err != nil {
						errs <- err
						return
					}
					if rng.IntN(5) == 0 {
						if err := c.Cancel(ctx, q.ID, key+"-c"); err != nil {
							errs <- err
							return
						}
						continue
					}
					max := q.Total.Minor
					if rng.IntN(4) == 0 {
						max-- // a token that is one fen short: declined
					}
					tok, err := h.r.Paynet.Delegate(ctx, paynet.NewDelegateRequest(mid, q.ID, skills.M(max, "CNY"), time.Now().Add(time.Hour)))
					if err != nil {
						errs <- err
						return
					}
					o, err := c.Complete(ctx, skills.CompleteRequest{QuoteID: q.ID, Credential: skills.Credential{Type: "vault_token", Token: tok.ID}, IdempotencyKey: key + "-p"})
					var qc *skills.QuoteChangedError
					switch {
					case err == nil:
						orders = append(orders, struct{ m, id string }{mid, o.ID})
					case errors.Is(err, skills.ErrPaymentDeclined), errors.As(err, &qc):
					default:
						errs <- err
						return
					}
				case op < 8 && len(orders) > 0: // partial refund
					o := orders[rng.IntN(len(orders))]
					_, err := clients[o.m].Refund(ctx, skills.RefundRequest{OrderID: o.id, Amount: skills.M(int64(1+rng.IntN(300)), "CNY"), IdempotencyKey: key + "-r"})
					if err != nil && !errors.Is(err, skills.ErrInvalid) { // over-refunds are refused
						errs <- err
						return
					}
				case len(orders) > 0: // cancel an order
					o := orders[rng.IntN(len(orders))]
					if _, err := clients[o.m].CancelOrder(ctx, o.id, key+"-x"); err != nil && !errors.Is(err, skills.ErrInvalid) {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	captures := h.r.Paynet.Captures()
	seen := map[string]bool{}
	net := h.r.Paynet.Net()
	nOrders := 0
	for mid := range skus {
		var live int64
		for _, o := range h.r.Engine(mid).Orders() {
			nOrders++
			live += o.Total.Minor - o.Refunded.Minor
			c, ok := captures[o.PaymentID]
			if !ok {
				t.Errorf("order %s has no capture", o.ID)
				continue
			}
			if c.Amount != o.Total || c.SessionID != o.QuoteID || c.MerchantID != mid || c.Refunded != o.Refunded {
				t.Errorf("order %s %+v does not match capture %+v", o.ID, o, c)
			}
			if seen[c.ID] {
				t.Errorf("capture %s used by two orders", c.ID)
			}
			seen[c.ID] = true
		}
		if net[mid] != live {
			t.Errorf("%s: captured − refunded = %d, live orders = %d", mid, net[mid], live)
		}
	}
	for id := range captures {
		if !seen[id] {
			t.Errorf("capture %s has no order", id)
		}
	}
	if nOrders < 10 {
		t.Fatalf("only %d orders: the random sequence did not exercise much", nOrders)
	}
}
