package acp

import "encoding/json"

// Version is the Agentic Commerce Protocol version these types follow.
const Version = "2026-04-17"

// Header names used by the protocol.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderReplayed       = "Idempotent-Replayed"
	HeaderAPIVersion     = "API-Version"
	HeaderRequestID      = "Request-Id"
)

// Error is ACP's protocol-level error object (4xx/5xx bodies).
type Error struct {
	Type    string `json:"type"` // invalid_request | processing_error | service_unavailable
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}

// Error types.
const (
	ErrTypeInvalidRequest     = "invalid_request"
	ErrTypeProcessingError    = "processing_error"
	ErrTypeServiceUnavailable = "service_unavailable"
)

// Item identifies a product in a create/update request and in a LineItem.
//
// Known gap in ACP 2026-04-17: the schema's Item has id, name and
// unit_amount but no quantity, while the RFC text gives request items a
// quantity. Cartwright accepts both: {"id": …} means quantity 1 (the
// schema), {"id": …, "quantity": n} means n (the RFC). In responses Item
// carries only id and name (Quantity is omitted), so responses validate
// against the schema.
type Item struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	UnitAmount *int64 `json:"unit_amount,omitempty"`
	Quantity   *int   `json:"quantity,omitempty"`
}

// Address is ACP's postal address.
type Address struct {
	Name       string `json:"name,omitempty"`
	LineOne    string `json:"line_one,omitempty"`
	LineTwo    string `json:"line_two,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	Country    string `json:"country,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
}

// FulfillmentDetails is who and where to deliver to.
type FulfillmentDetails struct {
	Name        string   `json:"name,omitempty"`
	PhoneNumber string   `json:"phone_number,omitempty"`
	Email       string   `json:"email,omitempty"`
	Address     *Address `json:"address,omitempty"`
}

// DiscountsRequest names coupon codes to apply.
type DiscountsRequest struct {
	Codes []string `json:"codes,omitempty"`
}

// CreateSessionRequest is the body of POST /checkout_sessions. Fields the
// mock merchants do not act on are kept raw so that a valid ACP request is
// never rejected as having unknown fields.
type CreateSessionRequest struct {
	LineItems          []Item              `json:"line_items"`
	Currency           string              `json:"currency,omitempty"`
	Capabilities       json.RawMessage     `json:"capabilities,omitempty"`
	Buyer              json.RawMessage     `json:"buyer,omitempty"`
	FulfillmentDetails *FulfillmentDetails `json:"fulfillment_details,omitempty"`
	FulfillmentGroups  json.RawMessage     `json:"fulfillment_groups,omitempty"`
	AffiliateAttrib    json.RawMessage     `json:"affiliate_attribution,omitempty"`
	Coupons            []string            `json:"coupons,omitempty"` // deprecated in ACP; discounts.codes wins
	Discounts          *DiscountsRequest   `json:"discounts,omitempty"`
	Locale             string              `json:"locale,omitempty"`
	Timezone           string              `json:"timezone,omitempty"`
	QuoteID            string              `json:"quote_id,omitempty"`
	Metadata           json.RawMessage     `json:"metadata,omitempty"`
	OrderNotes         string              `json:"order_notes,omitempty"`
}

// UpdateSessionRequest is the body of POST /checkout_sessions/{id}. A nil
// LineItems leaves the cart as it is; a present one replaces it.
type UpdateSessionRequest struct {
	LineItems                  []Item                      `json:"line_items,omitempty"`
	Buyer                      json.RawMessage             `json:"buyer,omitempty"`
	FulfillmentDetails         *FulfillmentDetails         `json:"fulfillment_details,omitempty"`
	FulfillmentGroups          json.RawMessage             `json:"fulfillment_groups,omitempty"`
	SelectedFulfillmentOptions []SelectedFulfillmentOption `json:"selected_fulfillment_options,omitempty"`
	Coupons                    []string                    `json:"coupons,omitempty"`
	Discounts                  *DiscountsRequest           `json:"discounts,omitempty"`
	OrderNotes                 string                      `json:"order_notes,omitempty"`
}

// Credential is a payment credential inside PaymentData.
type Credential struct {
	Type  string `json:"type"`
	Token string `json:"token"`
}

// Instrument is a payment instrument inside PaymentData.
type Instrument struct {
	Type       string     `json:"type"`
	Credential Credential `json:"credential"`
}

// PaymentData is how the buyer pays at completion.
type PaymentData struct {
	HandlerID      string      `json:"handler_id,omitempty"`
	Instrument     *Instrument `json:"instrument,omitempty"`
	BillingAddress *Address    `json:"billing_address,omitempty"`
	PurchaseOrder  string      `json:"purchase_order_number,omitempty"`
	PaymentTerms   string      `json:"payment_terms,omitempty"`
	DueDate        string      `json:"due_date,omitempty"`
	Approval       *bool       `json:"approval_required,omitempty"`
}

// CompleteSessionRequest is the body of POST /checkout_sessions/{id}/complete.
type CompleteSessionRequest struct {
	PaymentData          *PaymentData    `json:"payment_data"`
	Buyer                json.RawMessage `json:"buyer,omitempty"`
	AuthenticationResult json.RawMessage `json:"authentication_result,omitempty"`
	AffiliateAttrib      json.RawMessage `json:"affiliate_attribution,omitempty"`
	RiskSignals          json.RawMessage `json:"risk_signals,omitempty"`
	MarketingConsents    json.RawMessage `json:"marketing_consents,omitempty"`
	OrderNotes           string          `json:"order_notes,omitempty"`
}

// CancelSessionRequest is the optional body of POST …/cancel.
type CancelSessionRequest struct {
	IntentTrace json.RawMessage `json:"intent_trace,omitempty"`
}

// ProtocolVersion names the protocol version of a response.
type ProtocolVersion struct {
	Version string `json:"version"`
}

// Capabilities is the seller's capability object (may be empty).
type Capabilities struct {
	Payment *PaymentCapability `json:"payment,omitempty"`
}

// PaymentCapability lists payment handlers.
type PaymentCapability struct {
	Handlers []json.RawMessage `json:"handlers"`
}

// Total is one amount in a totals array, in minor units.
type Total struct {
	Type        string `json:"type"`
	DisplayText string `json:"display_text"`
	Amount      int64  `json:"amount"`
}

// Total types used by Cartwright's merchants.
const (
	TotalItemsBase   = "items_base_amount"
	TotalDiscount    = "discount"
	TotalSubtotal    = "subtotal"
	TotalFulfillment = "fulfillment"
	TotalTotal       = "total"
	TotalRefunded    = "amount_refunded"
)

// LineItem is one line of a checkout session.
type LineItem struct {
	ID                 string   `json:"id"`
	Item               Item     `json:"item"`
	Quantity           int      `json:"quantity"`
	Name               string   `json:"name,omitempty"`
	Description        string   `json:"description,omitempty"`
	UnitAmount         int64    `json:"unit_amount"`
	ProductID          string   `json:"product_id,omitempty"`
	SKU                string   `json:"sku,omitempty"`
	Category           string   `json:"category,omitempty"`
	Tags               []string `json:"tags,omitempty"`
	AvailabilityStatus string   `json:"availability_status,omitempty"`
	AvailableQuantity  *int     `json:"available_quantity,omitempty"`
	Totals             []Total  `json:"totals"`
}

// FulfillmentOption is a shipping option (the only kind the mock world offers).
type FulfillmentOption struct {
	Type                 string  `json:"type"`
	ID                   string  `json:"id"`
	Title                string  `json:"title"`
	Description          string  `json:"description,omitempty"`
	Carrier              string  `json:"carrier,omitempty"`
	EarliestDeliveryTime string  `json:"earliest_delivery_time,omitempty"`
	LatestDeliveryTime   string  `json:"latest_delivery_time,omitempty"`
	Totals               []Total `json:"totals"`
}

// SelectedFulfillmentOption ties a fulfillment option to line items.
type SelectedFulfillmentOption struct {
	Type     string   `json:"type"`
	OptionID string   `json:"option_id"`
	ItemIDs  []string `json:"item_ids"`
}

// Message is a MessageInfo, MessageWarning or MessageError, told apart by Type.
type Message struct {
	Type        string `json:"type"` // info | warning | error
	Code        string `json:"code,omitempty"`
	Severity    string `json:"severity,omitempty"`
	Resolution  string `json:"resolution,omitempty"`
	Param       string `json:"param,omitempty"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

// Link is a policy link.
type Link struct {
	Type  string `json:"type"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}

// Coupon is ACP's coupon object inside an applied discount.
type Coupon struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	AmountOff int64  `json:"amount_off,omitempty"`
	Currency  string `json:"currency,omitempty"`
}

// AppliedDiscount is a discount applied to a session.
type AppliedDiscount struct {
	ID        string `json:"id"`
	Code      string `json:"code,omitempty"`
	Coupon    Coupon `json:"coupon"`
	Amount    int64  `json:"amount"`
	Automatic bool   `json:"automatic,omitempty"`
}

// DiscountsResponse reports the codes asked for and what was applied.
type DiscountsResponse struct {
	Codes   []string          `json:"codes,omitempty"`
	Applied []AppliedDiscount `json:"applied,omitempty"`
}

// EstimatedDelivery is a delivery window.
type EstimatedDelivery struct {
	Earliest string `json:"earliest"`
	Latest   string `json:"latest"`
}

// OrderLineItemQuantity counts units of an order line.
type OrderLineItemQuantity struct {
	Ordered int `json:"ordered"`
	Current int `json:"current"`
}

// OrderLineItem is one line of an order.
type OrderLineItem struct {
	ID        string                `json:"id"`
	Title     string                `json:"title"`
	ProductID string                `json:"product_id,omitempty"`
	Quantity  OrderLineItemQuantity `json:"quantity"`
	UnitPrice int64                 `json:"unit_price"`
	Subtotal  int64                 `json:"subtotal"`
	Status    string                `json:"status,omitempty"`
}

// Order is the order a completed session created.
type Order struct {
	Type              string             `json:"type,omitempty"`
	ID                string             `json:"id"`
	CheckoutSessionID string             `json:"checkout_session_id"`
	OrderNumber       string             `json:"order_number,omitempty"`
	PermalinkURL      string             `json:"permalink_url"`
	Status            string             `json:"status,omitempty"`
	EstimatedDelivery *EstimatedDelivery `json:"estimated_delivery,omitempty"`
	LineItems         []OrderLineItem    `json:"line_items,omitempty"`
	Totals            []Total            `json:"totals,omitempty"`
}

// CheckoutSession is ACP's CheckoutSession; with Order set it is a
// CheckoutSessionWithOrder.
type CheckoutSession struct {
	ID                         string                      `json:"id"`
	Protocol                   *ProtocolVersion            `json:"protocol,omitempty"`
	Capabilities               Capabilities                `json:"capabilities"`
	Status                     string                      `json:"status"`
	Currency                   string                      `json:"currency"`
	LineItems                  []LineItem                  `json:"line_items"`
	FulfillmentDetails         *FulfillmentDetails         `json:"fulfillment_details,omitempty"`
	FulfillmentOptions         []FulfillmentOption         `json:"fulfillment_options"`
	SelectedFulfillmentOptions []SelectedFulfillmentOption `json:"selected_fulfillment_options,omitempty"`
	Totals                     []Total                     `json:"totals"`
	Messages                   []Message                   `json:"messages"`
	Links                      []Link                      `json:"links"`
	CreatedAt                  string                      `json:"created_at,omitempty"`
	UpdatedAt                  string                      `json:"updated_at,omitempty"`
	ExpiresAt                  string                      `json:"expires_at,omitempty"`
	Discounts                  *DiscountsResponse          `json:"discounts,omitempty"`
	Order                      *Order                      `json:"order,omitempty"`
}

// TotalOf returns the amount of the first total of type t.
func TotalOf(ts []Total, t string) (int64, bool) {
	for _, x := range ts {
		if x.Type == t {
			return x.Amount, true
		}
	}
	return 0, false
}

// Allowance bounds what a delegated payment token may be used for.
type Allowance struct {
	Reason            string `json:"reason"` // one_time
	MaxAmount         int64  `json:"max_amount"`
	Currency          string `json:"currency"` // lower case ISO 4217
	CheckoutSessionID string `json:"checkout_session_id"`
	MerchantID        string `json:"merchant_id"`
	ExpiresAt         string `json:"expires_at"` // RFC 3339
}

// PaymentMethodCard is the card behind a delegated token.
type PaymentMethodCard struct {
	Type                   string            `json:"type"` // card
	CardNumberType         string            `json:"card_number_type"`
	Number                 string            `json:"number"`
	ExpMonth               string            `json:"exp_month,omitempty"`
	ExpYear                string            `json:"exp_year,omitempty"`
	Name                   string            `json:"name,omitempty"`
	CVC                    string            `json:"cvc,omitempty"`
	Cryptogram             string            `json:"cryptogram,omitempty"`
	ECIValue               string            `json:"eci_value,omitempty"`
	ChecksPerformed        []string          `json:"checks_performed,omitempty"`
	IIN                    string            `json:"iin,omitempty"`
	DisplayCardFundingType string            `json:"display_card_funding_type"`
	DisplayWalletType      string            `json:"display_wallet_type,omitempty"`
	DisplayBrand           string            `json:"display_brand,omitempty"`
	DisplayLast4           string            `json:"display_last4,omitempty"`
	Metadata               map[string]string `json:"metadata"`
	Virtual                bool              `json:"virtual,omitempty"`
}

// RiskSignal is a fraud signal attached to a delegation.
type RiskSignal struct {
	Type   string `json:"type"`
	Score  int    `json:"score"`
	Action string `json:"action"`
}

// DelegatePaymentRequest is the body of POST /agentic_commerce/delegate_payment.
// Metadata carries free-form strings; Cartwright's payment rail puts the AP2
// mandate chain there for the network's verifier.
type DelegatePaymentRequest struct {
	PaymentMethod  PaymentMethodCard `json:"payment_method"`
	Allowance      Allowance         `json:"allowance"`
	BillingAddress *Address          `json:"billing_address,omitempty"`
	RiskSignals    []RiskSignal      `json:"risk_signals"`
	Metadata       map[string]string `json:"metadata"`
}

// DelegatePaymentResponse is the token the network issued.
type DelegatePaymentResponse struct {
	ID       string            `json:"id"`
	Created  string            `json:"created"`
	Metadata map[string]string `json:"metadata"`
}

// PaymentInfo is how a merchant is paid, published by Cartwright's info
// extension (GET /cartwright/v1/info, field "payment"): where the agent asks
// for a delegated token (ACP delegate_payment) and the merchant id to put in
// the token's allowance.
type PaymentInfo struct {
	// NetworkURL is the payment network's base URL (its delegate_payment
	// route is DelegateURL).
	NetworkURL  string `json:"network_url,omitempty"`
	DelegateURL string `json:"delegate_payment_url"`
	PSP         string `json:"psp,omitempty"`
	MerchantID  string `json:"merchant_id"`
}

// DiscoveryResponse is the well-known discovery document
// (GET /.well-known/acp.json).
type DiscoveryResponse struct {
	Protocol     DiscoveryProtocol     `json:"protocol"`
	APIBaseURL   string                `json:"api_base_url"`
	Transports   []string              `json:"transports"`
	Capabilities DiscoveryCapabilities `json:"capabilities"`
}

// DiscoveryProtocol names the protocol and its versions.
type DiscoveryProtocol struct {
	Name              string   `json:"name"`
	Version           string   `json:"version"`
	SupportedVersions []string `json:"supported_versions"`
}

// DiscoveryCapabilities lists the seller's stable capabilities.
type DiscoveryCapabilities struct {
	Services            []string `json:"services"`
	SupportedCurrencies []string `json:"supported_currencies,omitempty"`
}
