package agent

// What memory did in a session: the entries behind choices it moved, and
// the purchases it keeps as history.

import (
	"context"
	"fmt"

	"github.com/cartwright-agent/cartwright/agent/bundle"
)

// explainMemoryChoices names the memory entry behind every choice memory
// moved: a chosen offer memory ranked up, or memory's favourite passed over
// because another basket cost less (rank only breaks ties on cost).
func (r *run) explainMemoryChoices(ctx context.Context, sol *bundle.Solution, open []int) {
	s := r.s
	find := func(item int, merchant, sku string) *Considered {
		for ci := range s.Result.Considered {
			c := &s.Result.Considered[ci]
			if c.Item == item && c.Product.Merchant == merchant && c.Product.SKU == sku {
				return c
			}
		}
		return nil
	}
	chosen := map[int]string{}
	for _, cart := range sol.Basket.Carts {
		for _, l := range cart.Lines {
			item := open[l.Item]
			chosen[item] = offerKey(l.Offer.Merchant, l.Offer.SKU)
			if c := find(item, l.Offer.Merchant, l.Offer.SKU); c != nil && c.Source != "" {
				r.memoryEffect(ctx, c.Source, fmt.Sprintf("items[%d]: chose %s at %s, ranked %d by preference: %s", item, c.Product.SKU, c.Product.Merchant, c.Rank+1, c.Why))
			}
		}
	}
	for _, item := range open {
		for _, c := range s.Result.Considered {
			if c.Item != item || !c.Accepted || c.Rank != 0 || c.Source == "" || chosen[item] == offerKey(c.Product.Merchant, c.Product.SKU) {
				continue
			}
			if _, ok := chosen[item]; ok {
				r.memoryEffect(ctx, c.Source, fmt.Sprintf("items[%d]: memory favoured %s at %s (%s), but %s made the basket cheaper", item, c.Product.SKU, c.Product.Merchant, c.Why, chosen[item]))
			}
		}
	}
}

// memoryEffect records a decision memory made or moved, with the entry's
// id, in the explanation and the audit log.
func (r *run) memoryEffect(ctx context.Context, source, text string) {
	r.explain("%s (from memory %s)", text, source)
	r.a.audit(ctx, r.s, "memory", map[string]any{"source": source, "effect": text})
}

// rememberPurchases records the session's orders as purchase history when
// memory keeps it. History is a convenience for later sessions: a failure
// here is reported in the result, never undoes a purchase.
func (r *run) rememberPurchases(ctx context.Context) {
	rec, ok := r.a.cfg.Memory.(PurchaseRecorder)
	if !ok {
		return
	}
	for _, o := range r.s.Result.Orders {
		if err := rec.RecordPurchase(ctx, r.s.Request.UserID, o); err != nil {
			r.errorf("remembering order %s: %v", o.ID, err)
		}
	}
}
