// Package plugin shows how to plug a new merchant into Cartwright: implement
// skills.Merchant (here a tiny in-memory kiosk, under 50 lines of code),
// register it, and the agent can search, compare and buy there.
// Example_shopAtKiosk (kiosk_test.go) runs the whole pipeline against it.
package plugin

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/cartwright-agent/cartwright/skills"
)

// Kiosk sells a fixed catalog. Carts are priced by skills.PriceCart (the
// published-rules definition the optimiser predicts by); Quote is
// idempotent on its key, and Complete on its quote.
type Kiosk struct {
	Meta     skills.MerchantInfo
	Products map[string]skills.Product // by SKU
	quotes   sync.Map                  // quote id ("kq-" + idempotency key) → *skills.Quote
}

func (k *Kiosk) Info(context.Context) (skills.MerchantInfo, error) { return k.Meta, nil }

func (k *Kiosk) Search(_ context.Context, q skills.Query) (out []skills.Product, _ error) {
	for _, p := range k.Products {
		if q.Category == p.Category || strings.Contains(strings.ToLower(p.Title), strings.ToLower(q.Text)) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (k *Kiosk) Quote(_ context.Context, r skills.QuoteRequest) (*skills.Quote, error) {
	if q, ok := k.quotes.Load("kq-" + r.IdempotencyKey); ok { // a replay
		return q.(*skills.Quote), nil
	}
	q := &skills.Quote{ID: "kq-" + r.IdempotencyKey, Merchant: k.Meta.ID, Status: skills.StatusReady}
	var pl []skills.PricedLine
	for _, l := range r.Lines {
		p, ok := k.Products[l.SKU]
		if !ok {
			return nil, fmt.Errorf("kiosk: sku %q: %w", l.SKU, skills.ErrNotFound)
		}
		t, _ := p.Price.Mul(int64(l.Quantity))
		q.Lines = append(q.Lines, skills.QuoteLine{SKU: p.SKU, Title: p.Title, Quantity: l.Quantity, UnitPrice: p.Price, Total: t})
		pl = append(pl, skills.PricedLine{UnitPrice: p.Price, Quantity: l.Quantity})
	}
	t, err := skills.PriceCart(k.Meta, pl, r.Coupon)
	if err != nil {
		return nil, fmt.Errorf("kiosk: %v: %w", err, skills.ErrInvalid)
	}
	q.Subtotal, q.Discount, q.Shipping, q.Total, q.Coupon = t.Subtotal, t.Discount, t.Shipping, t.Total, t.Coupon
	k.quotes.Store(q.ID, q)
	return q, nil
}

func (k *Kiosk) Complete(_ context.Context, r skills.CompleteRequest) (*skills.Order, error) {
	if v, ok := k.quotes.Load(r.QuoteID); ok && r.Credential.Token != "" {
		q := v.(*skills.Quote) // one order per quote: a replay returns the same order
		return &skills.Order{ID: "order-" + q.ID, Merchant: q.Merchant, QuoteID: q.ID, Status: "confirmed", Lines: q.Lines, Total: q.Total}, nil
	}
	return nil, fmt.Errorf("kiosk: quote %q: %w", r.QuoteID, skills.ErrInvalid)
}

func (k *Kiosk) Cancel(context.Context, string, string) error { return nil }

func (k *Kiosk) Refund(_ context.Context, r skills.RefundRequest) (*skills.Refund, error) {
	return &skills.Refund{ID: "re-" + r.OrderID, OrderID: r.OrderID, Amount: r.Amount}, nil
}

var _ skills.Merchant = (*Kiosk)(nil)
