package evals

import (
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/skills"
)

// Catalog is the grader's own view of a scenario's world: every merchant's
// published rules and products, plus the checkout faults that change what a
// purchase costs or whether it can complete. Scorers read only this, never
// the runtime under test, so a wrong agent cannot grade itself right.
type Catalog struct {
	Currency  skills.Currency
	Merchants []CatalogMerchant
}

// CatalogMerchant is one merchant as the grader sees it.
type CatalogMerchant struct {
	Info     skills.MerchantInfo
	Products []skills.Product
	// PriceAtCheckout overrides a SKU's unit price at completion (the
	// price_change fault): what a completed purchase of it really costs.
	PriceAtCheckout map[string]skills.Money
	// OutOfStockAtCheckout lists SKUs that can be quoted but never completed.
	OutOfStockAtCheckout map[string]bool
	// Unreachable is a merchant that answers every request with an error
	// (error_rate 1): nothing bought there can complete.
	Unreachable bool
	// SearchFee is what one catalog search costs over x402 (zero: free).
	SearchFee skills.Money
}

// Merchant returns the merchant with id, or nil.
func (c *Catalog) Merchant(id string) *CatalogMerchant {
	for i := range c.Merchants {
		if c.Merchants[i].Info.ID == id {
			return &c.Merchants[i]
		}
	}
	return nil
}

// Product looks a SKU up at a merchant.
func (c *Catalog) Product(merchant, sku string) (skills.Product, bool) {
	m := c.Merchant(merchant)
	if m == nil {
		return skills.Product{}, false
	}
	for _, p := range m.Products {
		if p.SKU == sku {
			if p.Merchant == "" {
				p.Merchant = merchant
			}
			return p, true
		}
	}
	return skills.Product{}, false
}

// MerchantIDs lists the merchants' ids, sorted.
func (c *Catalog) MerchantIDs() []string {
	ids := make([]string, 0, len(c.Merchants))
	for _, m := range c.Merchants {
		ids = append(ids, m.Info.ID)
	}
	sort.Strings(ids)
	return ids
}

// HasSKU reports whether any merchant (or the named one) sells sku.
func (c *Catalog) HasSKU(merchant, sku string) bool {
	for _, m := range c.Merchants {
		if merchant != "" && m.Info.ID != merchant {
			continue
		}
		for _, p := range m.Products {
			if strings.EqualFold(p.SKU, sku) {
				return true
			}
		}
	}
	return false
}

// checkoutPrice is what a unit of p costs when the purchase completes.
func (m *CatalogMerchant) checkoutPrice(p skills.Product) skills.Money {
	if np, ok := m.PriceAtCheckout[p.SKU]; ok {
		return np
	}
	return p.Price
}
