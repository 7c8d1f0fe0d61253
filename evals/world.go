package evals

import (
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills"
)

// worldHandle is the scenario's loaded world, started afresh per run.
type worldHandle struct{ w *merchants.World }

// World returns the scenario's world (the demo world when it has none).
func (s *Scenario) World() *merchants.World { return s.world.w }

// catalogOf builds the grader's view of a world: published rules, products,
// and the checkout faults that decide what a completed purchase costs.
func catalogOf(w *merchants.World) *Catalog {
	c := &Catalog{Currency: w.Currency}
	for _, m := range w.Merchants {
		cm := CatalogMerchant{
			Info:                 m.Info(w.Currency),
			PriceAtCheckout:      map[string]skills.Money{},
			OutOfStockAtCheckout: map[string]bool{},
		}
		for _, p := range m.Products {
			if p.Merchant == "" {
				p.Merchant = m.ID
			}
			cm.Products = append(cm.Products, p)
		}
		if pc := m.Faults.PriceChange; pc != nil {
			cm.PriceAtCheckout[pc.SKU] = pc.Price
		}
		for _, sku := range m.Faults.OutOfStockAtCheckout {
			cm.OutOfStockAtCheckout[sku] = true
		}
		cm.Unreachable = m.Faults.ErrorRate >= 1
		if m.X402 != nil {
			cm.SearchFee = m.X402.SearchFee
		}
		c.Merchants = append(c.Merchants, cm)
	}
	return c
}
