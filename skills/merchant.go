package skills

import (
	"context"
	"errors"
	"sort"
	"time"
)

// Merchant is everything Cartwright needs from a place that sells things.
// The ACP HTTP client (skills/acpclient), the browser skill (skills/browser) and any
// plug-in implement it; the runtime never knows which one it is talking to.
//
// Every mutating call carries an idempotency key: calling it again with the
// same key must not do the work twice.
type Merchant interface {
	// Info describes the merchant: identity, currency, published shipping
	// rules and coupons, and the vocabulary of its catalog.
	Info(ctx context.Context) (MerchantInfo, error)
	// Search returns products matching q. Text in products is data, never
	// instructions.
	Search(ctx context.Context, q Query) ([]Product, error)
	// Quote creates (req.QuoteID == "") or updates a checkout session and
	// returns the merchant's priced cart.
	Quote(ctx context.Context, req QuoteRequest) (*Quote, error)
	// Complete pays for a quoted cart with a payment credential and returns
	// the order. If the merchant's price or stock moved since the quote it
	// returns a *QuoteChangedError and charges nothing.
	Complete(ctx context.Context, req CompleteRequest) (*Order, error)
	// Cancel abandons a checkout session that was not completed.
	Cancel(ctx context.Context, quoteID, idempotencyKey string) error
	// Refund returns money for a completed order (amount zero = in full).
	Refund(ctx context.Context, req RefundRequest) (*Refund, error)
}

// MerchantInfo is what a merchant publishes about itself.
type MerchantInfo struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Currency Currency `json:"currency"`
	// Interface is "api" (HTTP checkout API) or "web" (storefront pages only).
	Interface string   `json:"interface"`
	Shipping  Shipping `json:"shipping"`
	Coupons   []Coupon `json:"coupons,omitempty"`
	// Categories and Attributes are the catalog's vocabulary: every category
	// and, per attribute key, every value its products use. The offline
	// planner maps request words through them.
	Categories []string            `json:"categories,omitempty"`
	Attributes map[string][]string `json:"attributes,omitempty"`
	// Brands lists the brands the merchant sells.
	Brands []string `json:"brands,omitempty"`
	// Catalog is the same vocabulary per category, with the products'
	// titles and attribute records (bounded: see CatalogVocabulary). A
	// planner reads product nouns, per-category attribute keys and the
	// dimensions products differ on from it.
	Catalog []CategoryVocabulary `json:"catalog,omitempty"`
}

// CategoryVocabulary is one category of a merchant's catalog as a planner
// reads it: its attribute keys and values, brands, and its products' titles
// and attribute records (Items, at most MaxVocabularyItems per category).
type CategoryVocabulary struct {
	Category string `json:"category"`
	// Products is how many products the category has (Items may hold fewer).
	Products   int                 `json:"products"`
	Attributes map[string][]string `json:"attributes,omitempty"`
	// KeyCounts is, per attribute key, how many of the category's products
	// carry it (a key fewer products carry is partial: "milk" on plant
	// milks only).
	KeyCounts map[string]int   `json:"key_counts,omitempty"`
	Brands    []string         `json:"brands,omitempty"`
	Items     []VocabularyItem `json:"items,omitempty"`
}

// VocabularyItem is one product as the vocabulary shows it: no price, no
// stock, no description (merchant prose is never vocabulary).
type VocabularyItem struct {
	Title      string            `json:"title"`
	Brand      string            `json:"brand,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// MaxVocabularyItems bounds the product records per category in a
// CategoryVocabulary.
const MaxVocabularyItems = 400

// CatalogVocabulary builds the per-category vocabulary of products, sorted
// by category; each category's Items are sorted by title and bounded by
// MaxVocabularyItems.
func CatalogVocabulary(products []Product) []CategoryVocabulary {
	byCat := map[string]*CategoryVocabulary{}
	vals := map[string]map[string]map[string]bool{}
	brands := map[string]map[string]bool{}
	for _, p := range products {
		c := byCat[p.Category]
		if c == nil {
			c = &CategoryVocabulary{Category: p.Category, Attributes: map[string][]string{}, KeyCounts: map[string]int{}}
			byCat[p.Category] = c
			vals[p.Category] = map[string]map[string]bool{}
			brands[p.Category] = map[string]bool{}
		}
		c.Products++
		if p.Brand != "" {
			brands[p.Category][p.Brand] = true
		}
		it := VocabularyItem{Title: p.Title, Brand: p.Brand}
		if len(p.Attributes) > 0 {
			it.Attributes = make(map[string]string, len(p.Attributes))
		}
		for k, v := range p.Attributes {
			it.Attributes[k] = v
			c.KeyCounts[k]++
			if vals[p.Category][k] == nil {
				vals[p.Category][k] = map[string]bool{}
			}
			vals[p.Category][k][v] = true
		}
		c.Items = append(c.Items, it)
	}
	out := make([]CategoryVocabulary, 0, len(byCat))
	for cat, c := range byCat {
		for k, set := range vals[cat] {
			c.Attributes[k] = sortedSet(set)
		}
		c.Brands = sortedSet(brands[cat])
		sort.SliceStable(c.Items, func(i, j int) bool { return c.Items[i].Title < c.Items[j].Title })
		if len(c.Items) > MaxVocabularyItems {
			c.Items = c.Items[:MaxVocabularyItems]
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Category < out[j].Category })
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Clone returns a deep copy of c.
func (c CategoryVocabulary) Clone() CategoryVocabulary {
	out := c
	out.Attributes = make(map[string][]string, len(c.Attributes))
	for k, v := range c.Attributes {
		out.Attributes[k] = append([]string(nil), v...)
	}
	out.KeyCounts = make(map[string]int, len(c.KeyCounts))
	for k, n := range c.KeyCounts {
		out.KeyCounts[k] = n
	}
	out.Brands = append([]string(nil), c.Brands...)
	out.Items = make([]VocabularyItem, len(c.Items))
	for i, it := range c.Items {
		out.Items[i] = it
		if it.Attributes != nil {
			out.Items[i].Attributes = make(map[string]string, len(it.Attributes))
			for k, v := range it.Attributes {
				out.Items[i].Attributes[k] = v
			}
		}
	}
	return out
}

// Shipping is a merchant's published delivery rule: Fee per order, waived
// when the merchandise subtotal (before discounts) reaches FreeOver.
type Shipping struct {
	Fee      Money  `json:"fee"`
	FreeOver *Money `json:"free_over,omitempty"`
	ETADays  int    `json:"eta_days"`
}

// Coupon is a published promotion: AmountOff the subtotal when the
// merchandise subtotal reaches MinSpend. At most one coupon per order.
type Coupon struct {
	Code      string `json:"code"`
	AmountOff Money  `json:"amount_off"`
	MinSpend  Money  `json:"min_spend"`
}

// Product is one purchasable SKU at one merchant.
type Product struct {
	Merchant    string            `json:"merchant"`
	SKU         string            `json:"sku"`
	Title       string            `json:"title"`
	Category    string            `json:"category"`
	Brand       string            `json:"brand,omitempty"`
	Price       Money             `json:"price"`
	Stock       int               `json:"stock"`
	Rating      float64           `json:"rating,omitempty"` // a score, not money
	Attributes  map[string]string `json:"attributes,omitempty"`
	Description string            `json:"description,omitempty"`
	// Group ties variants of one product together (sizes, colours): the
	// storefront shows them as option pickers on one product page.
	Group string `json:"group,omitempty"`
}

// Query asks a merchant for products. Zero fields do not filter.
type Query struct {
	Text       string            `json:"text,omitempty"`
	Category   string            `json:"category,omitempty"`
	Brand      string            `json:"brand,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	// MinPrice and MaxPrice bound the unit price in minor units (0: none).
	MinPrice int64 `json:"min_price,omitempty"`
	MaxPrice int64 `json:"max_price,omitempty"`
	Limit    int   `json:"limit,omitempty"`
}

// LineRequest asks for Quantity units of SKU.
type LineRequest struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// Address is where an order goes.
type Address struct {
	Name       string `json:"name,omitempty"`
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
}

// QuoteRequest creates or updates a checkout session. Lines replaces the
// cart's contents: a line the merchant added that is not listed (a
// pre-selected add-on) is removed.
type QuoteRequest struct {
	QuoteID        string        `json:"quote_id,omitempty"`
	Lines          []LineRequest `json:"lines"`
	Coupon         string        `json:"coupon,omitempty"`
	Address        *Address      `json:"address,omitempty"`
	IdempotencyKey string        `json:"-"`
}

// Quote statuses, as the Agentic Commerce Protocol names them.
const (
	StatusNotReady       = "not_ready_for_payment"
	StatusReady          = "ready_for_payment"
	StatusInProgress     = "in_progress"
	StatusCompleted      = "completed"
	StatusCanceled       = "canceled"
	StatusAuthentication = "authentication_required"
)

// Quote is a merchant's priced cart (an ACP checkout session).
type Quote struct {
	ID       string      `json:"id"`
	Merchant string      `json:"merchant"`
	Status   string      `json:"status"`
	Lines    []QuoteLine `json:"lines"`
	Subtotal Money       `json:"subtotal"`
	Discount Money       `json:"discount"`
	Shipping Money       `json:"shipping"`
	Total    Money       `json:"total"`
	Coupon   string      `json:"coupon,omitempty"`
	Messages []Message   `json:"messages,omitempty"`
	// ExpiresAt is when the merchant stops honouring this quote (zero: unknown).
	ExpiresAt time.Time `json:"expires_at,omitempty"`
}

// QuoteLine is one line of a quote.
type QuoteLine struct {
	ID        string `json:"id"`
	SKU       string `json:"sku"`
	Title     string `json:"title"`
	Quantity  int    `json:"quantity"`
	UnitPrice Money  `json:"unit_price"`
	Total     Money  `json:"total"`
	// AddOn marks a line the merchant put in the cart itself (a pre-selected
	// extra), not one the buyer asked for.
	AddOn bool `json:"add_on,omitempty"`
}

// Message is a merchant's note on a quote or order; Code uses ACP's codes
// (out_of_stock, payment_declined, invalid, …).
type Message struct {
	Type  string `json:"type"` // error | warning | info
	Code  string `json:"code"`
	Text  string `json:"text"`
	Param string `json:"param,omitempty"`
}

// Credential is a payment credential handed to a merchant at completion,
// for example a delegated vault token ("vt_…").
type Credential struct {
	Type  string `json:"type"`
	Token string `json:"token"`
}

// CompleteRequest pays for a quote.
type CompleteRequest struct {
	QuoteID        string     `json:"quote_id"`
	Credential     Credential `json:"credential"`
	Address        *Address   `json:"address,omitempty"`
	IdempotencyKey string     `json:"-"`
}

// Order is a completed purchase.
type Order struct {
	ID        string      `json:"id"`
	Merchant  string      `json:"merchant"`
	QuoteID   string      `json:"quote_id"`
	Status    string      `json:"status"`
	Lines     []QuoteLine `json:"lines"`
	Total     Money       `json:"total"`
	Refunded  Money       `json:"refunded"`
	CreatedAt time.Time   `json:"created_at"`
	// PaymentID is the payment network's capture reference.
	PaymentID string `json:"payment_id,omitempty"`
}

// RefundRequest returns money for an order.
type RefundRequest struct {
	OrderID        string `json:"order_id"`
	Amount         Money  `json:"amount"` // zero: the whole remaining amount
	Reason         string `json:"reason,omitempty"`
	IdempotencyKey string `json:"-"`
}

// Refund is a completed refund.
type Refund struct {
	ID      string `json:"id"`
	OrderID string `json:"order_id"`
	Amount  Money  `json:"amount"`
}

// Errors a Merchant returns, for callers to test with errors.Is.
var (
	// ErrUnavailable is a temporary failure (HTTP 503, a timeout): retry.
	ErrUnavailable = errors.New("merchant temporarily unavailable")
	// ErrNotFound: unknown product, session or order.
	ErrNotFound = errors.New("not found")
	// ErrOutOfStock: not enough stock for a requested line.
	ErrOutOfStock = errors.New("out of stock")
	// ErrPaymentDeclined: the credential was refused; nothing was charged.
	ErrPaymentDeclined = errors.New("payment declined")
	// ErrInvalid: the merchant rejected the request as malformed.
	ErrInvalid = errors.New("invalid request")
)

// QuoteChangedError says the merchant would no longer honour a quote at
// completion (a price rose, stock ran out). Nothing was charged; Quote holds
// the merchant's current cart when it could give one.
type QuoteChangedError struct {
	Quote  *Quote
	Reason string
}

func (e *QuoteChangedError) Error() string { return "quote changed at checkout: " + e.Reason }

// ErrQuoteChanged matches any *QuoteChangedError with errors.Is.
var ErrQuoteChanged = errors.New("quote changed at checkout")

// Is makes errors.Is(err, ErrQuoteChanged) work.
func (e *QuoteChangedError) Is(target error) bool { return target == ErrQuoteChanged }
