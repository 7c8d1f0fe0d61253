package merchants

import (
	"sort"

	"github.com/cartwright-agent/cartwright/skills"
)

// World is a set of mock merchants sharing one currency.
type World struct {
	Currency  skills.Currency
	Seed      int64 // seeds every merchant's fault PRNG (default 1)
	Merchants []*Merchant
}

// Merchant is one shop of the world, as the world file describes it.
type Merchant struct {
	ID        string
	Name      string
	Interface string // InterfaceAPI or InterfaceWeb
	Shipping  skills.Shipping
	Coupons   []skills.Coupon
	Faults    Faults
	Products  []skills.Product // Merchant field set, Stock defaulted
	// ListPrices are products' pre-discount prices by SKU (the optional
	// list_price of a world product): shown in the product feed only.
	ListPrices map[string]skills.Money
	// X402, when set, puts per-request fees on the merchant's API in x402
	// form (HTTP 402 Payment Required, paid through the world's
	// facilitator). Nil: every request is free.
	X402 *X402Terms
}

// X402Terms are what a merchant charges per request over x402.
type X402Terms struct {
	// SearchFee is charged for every catalog search (GET /products of the
	// ACP extension): a micro-amount such as ¥0.05, paid to the merchant's
	// id on the ledger network. A search that fails is not charged.
	SearchFee skills.Money
}

// Merchant interfaces.
const (
	InterfaceAPI = "api"
	InterfaceWeb = "web"
)

// Faults are what a merchant does wrong on purpose (all optional).
type Faults struct {
	LatencyMS            int
	ErrorRate            float64 // share of requests answered 503
	PriceChange          *PriceChange
	OutOfStockAtCheckout []string
	Injection            *Injection
	PreselectedAddons    []Addon
	// StaleFeed makes the merchant's product feed show an older price or
	// availability for a SKU than checkout charges and honours.
	StaleFeed []StaleFeed
}

// StaleFeed is what the feed shows for SKU: Price and/or InStock (nil:
// the real value). Checkout is never affected.
type StaleFeed struct {
	SKU     string
	Price   *skills.Money
	InStock *bool
}

// PriceChange: at completion the SKU's price becomes Price.
type PriceChange struct {
	SKU   string
	Price skills.Money
}

// Injection appends Text to the SKU's description.
type Injection struct {
	SKU  string
	Text string
}

// Addon is an extra line the merchant puts into every new cart.
type Addon struct {
	SKU   string // default: "ADDON-" + position
	Name  string
	Price skills.Money
}

// Merchant returns the merchant with id, or nil.
func (w *World) Merchant(id string) *Merchant {
	for _, m := range w.Merchants {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// Info is what the merchant publishes about itself (skills.MerchantInfo),
// including the vocabulary of its catalog.
func (m *Merchant) Info(cur skills.Currency) skills.MerchantInfo {
	info := skills.MerchantInfo{
		ID:         m.ID,
		Name:       m.Name,
		Currency:   cur,
		Interface:  m.Interface,
		Shipping:   m.Shipping,
		Coupons:    append([]skills.Coupon(nil), m.Coupons...),
		Attributes: map[string][]string{},
	}
	cats, brands := map[string]bool{}, map[string]bool{}
	attrs := map[string]map[string]bool{}
	for _, p := range m.Products {
		if p.Category != "" {
			cats[p.Category] = true
		}
		if p.Brand != "" {
			brands[p.Brand] = true
		}
		for k, v := range p.Attributes {
			if attrs[k] == nil {
				attrs[k] = map[string]bool{}
			}
			attrs[k][v] = true
		}
	}
	info.Categories = sortedKeys(cats)
	info.Brands = sortedKeys(brands)
	info.Catalog = skills.CatalogVocabulary(m.Products)
	for k, vs := range attrs {
		info.Attributes[k] = sortedKeys(vs)
	}
	return info
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// HasWeb reports whether some merchant sells only through a web storefront
// (Start then needs Options.Mount to serve it).
func (w *World) HasWeb() bool {
	for _, m := range w.Merchants {
		if m.Interface == InterfaceWeb {
			return true
		}
	}
	return false
}
