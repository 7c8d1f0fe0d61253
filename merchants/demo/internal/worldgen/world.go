// Package worldgen builds Cartwright's built-in demo world: seven mock
// merchants with overlapping catalogs, different shipping rules and coupons.
// It is deterministic (no clock, no randomness): Generate always returns the
// same bytes, which are committed as merchants/demo/world.yaml.
package worldgen

import (
	"fmt"
	"hash/fnv"
	"sort"
)

// Currency is the demo world's currency.
const Currency = "CNY"

// World is the generated world, in the scenario format's `world:` shape.
type World struct {
	Currency  string
	Merchants []*Merchant
}

// Merchant is one mock merchant. Money is in fen (minor units of CNY).
type Merchant struct {
	ID, Name, Interface string
	Shipping            Shipping
	Coupons             []Coupon
	Products            []Product
}

// Shipping is a merchant's delivery rule; FreeOver 0 means "never free".
type Shipping struct {
	Fee, FreeOver int64
	ETADays       int
}

// Coupon takes AmountOff from a subtotal of at least MinSpend.
type Coupon struct {
	Code                string
	AmountOff, MinSpend int64
}

// Product is one SKU. Rating is in tenths (46 = 4.6).
type Product struct {
	SKU, Title, Category, Brand string
	Price                       int64
	Stock                       int
	Rating                      int
	Attributes                  map[string]string
	Description                 string
	Group                       string
}

// Category ids used by the demo world.
var Categories = []string{"coffee", "tea", "groceries", "electronics", "apparel", "topup", "household"}

// item is a catalog entry before it is offered by a merchant.
type item struct {
	code     string // SKU suffix; the merchant's prefix is added
	title    string
	category string
	brand    string
	attrs    map[string]string
	desc     string
	group    string
	stock    int // 0: derived
}

// offer is the price (fen) at which one merchant sells an item.
type offer struct {
	merchant string
	price    int64
}

type builder struct {
	w        *World
	byID     map[string]*Merchant
	prefix   map[string]string
	lowStock map[string]int // merchant/sku → stock
	used     map[string]bool
	err      error
}

func newBuilder() *builder {
	return &builder{w: &World{Currency: Currency}, byID: map[string]*Merchant{}, prefix: map[string]string{}, lowStock: map[string]int{}, used: map[string]bool{}}
}

func (b *builder) merchant(m *Merchant, prefix string) {
	b.w.Merchants = append(b.w.Merchants, m)
	b.byID[m.ID] = m
	b.prefix[m.ID] = prefix
}

// sell adds it to each merchant in offers at its price.
func (b *builder) sell(it item, offers ...offer) {
	for _, o := range offers {
		if o.price <= 0 {
			continue
		}
		m := b.byID[o.merchant]
		if m == nil {
			if b.err == nil {
				b.err = fmt.Errorf("item %s: unknown merchant %q", it.code, o.merchant)
			}
			continue
		}
		sku := b.prefix[o.merchant] + "-" + it.code
		attrs := make(map[string]string, len(it.attrs))
		for k, v := range it.attrs {
			attrs[k] = v
		}
		h := hash(o.merchant + "/" + sku)
		stock := it.stock
		if stock == 0 {
			stock = 50 + int(h>>8%451)
		}
		if s, ok := b.lowStock[o.merchant+"/"+sku]; ok {
			stock = s
			b.used[o.merchant+"/"+sku] = true
		}
		m.Products = append(m.Products, Product{
			SKU: sku, Title: it.title, Category: it.category, Brand: it.brand,
			Price: o.price, Stock: stock, Rating: 35 + int(h%15),
			Attributes: attrs, Description: it.desc, Group: it.group,
		})
	}
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// at is shorthand for an offer.
func at(merchant string, price int64) offer { return offer{merchant, price} }

// a builds an attribute map from key, value pairs.
func a(kv ...string) map[string]string {
	if len(kv)%2 != 0 {
		panic(fmt.Sprintf("worldgen: odd attribute list %q", kv))
	}
	m := make(map[string]string, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// with returns a copy of base with kv added or replaced.
func with(base map[string]string, kv ...string) map[string]string {
	m := a(kv...)
	for k, v := range base {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	return m
}

// Build returns the demo world.
func Build() (*World, error) {
	b := newBuilder()
	b.merchant(&Merchant{ID: "brewhouse", Name: "Brew House", Interface: "api",
		Shipping: Shipping{Fee: 600, FreeOver: 3000, ETADays: 0},
		Coupons:  []Coupon{{"BREW5", 500, 5000}}}, "BH")
	b.merchant(&Merchant{ID: "leafandbean", Name: "Leaf & Bean", Interface: "api",
		Shipping: Shipping{Fee: 500, FreeOver: 4000, ETADays: 0},
		Coupons:  []Coupon{{"LEAF8", 800, 6000}}}, "LB")
	b.merchant(&Merchant{ID: "freshmart", Name: "FreshMart", Interface: "api",
		Shipping: Shipping{Fee: 500, FreeOver: 5900, ETADays: 0},
		Coupons:  []Coupon{{"FRESH10", 1000, 10000}}}, "FM")
	b.merchant(&Merchant{ID: "gadgetbay", Name: "GadgetBay", Interface: "api",
		Shipping: Shipping{Fee: 1000, FreeOver: 19900, ETADays: 2},
		Coupons:  []Coupon{{"GADGET20", 2000, 20000}, {"GADGET60", 6000, 50000}}}, "GB")
	b.merchant(&Merchant{ID: "threadline", Name: "Threadline", Interface: "api",
		Shipping: Shipping{Fee: 1200, FreeOver: 29900, ETADays: 3},
		Coupons:  []Coupon{{"TRAVEL50", 5000, 45000}}}, "TL")
	b.merchant(&Merchant{ID: "topupnow", Name: "TopUpNow", Interface: "api",
		Shipping: Shipping{Fee: 0, ETADays: 0},
		Coupons:  []Coupon{{"TOPUP3", 300, 20000}}}, "TU")
	b.merchant(&Merchant{ID: "megamart", Name: "MegaMart", Interface: "api",
		Shipping: Shipping{Fee: 800, FreeOver: 9900, ETADays: 1},
		Coupons:  []Coupon{{"MEGA15", 1500, 15000}, {"MEGA40", 4000, 40000}}}, "MM")

	for k, v := range lowStock {
		b.lowStock[k] = v
	}
	drinks(b)
	packagedDrinks(b)
	groceries(b)
	household(b)
	electronics(b)
	apparel(b)
	topups(b)
	if b.err != nil {
		return nil, b.err
	}
	for _, k := range sortedKeys(lowStockKeys()) {
		if !b.used[k] {
			return nil, fmt.Errorf("low-stock entry %s names no product", k)
		}
	}
	return b.w, nil
}

func lowStockKeys() map[string]string {
	m := map[string]string{}
	for k := range lowStock {
		m[k] = k
	}
	return m
}

// lowStock lists the deliberately scarce SKUs (merchant/sku → stock).
var lowStock = map[string]int{
	"brewhouse/BH-LAT-COC-L":       3,
	"leafandbean/LB-IFT-L":         2,
	"freshmart/FM-SALMON-300":      2,
	"megamart/MM-PB-ANK-20K":       2,
	"gadgetbay/GB-CASE-SUH-PX9":    1,
	"threadline/TL-DOWN-OLV-XL":    1,
	"threadline/TL-RAIN-YEL-S":     3,
	"megamart/MM-EGG-ORG-10":       3,
	"topupnow/TU-GAS-200":          2,
	"megamart/MM-TEE-ESS-WHT-M":    2,
	"megamart/MM-INST-SAT-24":      3,
	"gadgetbay/GB-BUDS-LIB4-BLU":   2,
	"leafandbean/LB-BEAN-YUN-250G": 1,
}

// Index returns, per category, the number of products.
func (w *World) Index() map[string]int {
	n := map[string]int{}
	for _, m := range w.Merchants {
		for _, p := range m.Products {
			n[p.Category]++
		}
	}
	return n
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
