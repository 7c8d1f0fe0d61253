package acp

// Product feeds (ACP Feed API, openapi.feed.yaml and schema.feed.json of
// 2026-04-17): a merchant's catalog as Products grouping purchasable
// Variants. A feed is a discovery signal; checkout stays authoritative for
// price and availability.
//
// File form: metadata.json holds one FeedMetadata, products.jsonl one
// Product per line (a full replacement of the feed's product set).

// Feed file names of the offline (file) form.
const (
	FeedMetadataFile = "metadata.json"
	FeedProductsFile = "products.jsonl"
)

// Availability statuses the feed spec names (the field is extensible).
const (
	AvailabilityInStock      = "in_stock"
	AvailabilityLimitedStock = "limited_stock"
	AvailabilityBackorder    = "backorder"
	AvailabilityPreorder     = "preorder"
	AvailabilityOutOfStock   = "out_of_stock"
	AvailabilityDiscontinued = "discontinued"
)

// Feed error codes (Error.code) of the Feed API.
const (
	FeedErrNotFound             = "feed_not_found"
	FeedErrInvalidTargetCountry = "invalid_target_country"
	FeedErrInvalidProducts      = "invalid_product_payload"
)

// FeedMetadata is the server-managed description of a feed.
type FeedMetadata struct {
	ID            string `json:"id"`
	TargetCountry string `json:"target_country,omitempty"` // ISO 3166-1 alpha-2
	UpdatedAt     string `json:"updated_at,omitempty"`     // RFC 3339
}

// CreateFeedRequest is the body of POST /feeds.
type CreateFeedRequest struct {
	TargetCountry string `json:"target_country,omitempty"`
}

// FeedProductsResponse is the body of GET /feeds/{id}/products: the feed's
// full current product set.
type FeedProductsResponse struct {
	Products []FeedProduct `json:"products"`
}

// UpsertFeedProductsRequest is the body of PATCH /feeds/{id}/products:
// products upserted by Product.id; products not named stay as they are.
type UpsertFeedProductsRequest struct {
	Products []FeedProduct `json:"products"`
}

// UpsertFeedProductsResponse acknowledges a PATCH /feeds/{id}/products.
type UpsertFeedProductsResponse struct {
	ID       string `json:"id"`
	Accepted bool   `json:"accepted"`
}

// FeedProduct is a catalog product grouping purchasable variants (the
// feed schema's Product; named apart from checkout's types).
type FeedProduct struct {
	ID          string           `json:"id"`
	Title       string           `json:"title,omitempty"`
	Description *FeedDescription `json:"description,omitempty"`
	URL         string           `json:"url,omitempty"`
	Media       []FeedMedia      `json:"media,omitempty"`
	Variants    []FeedVariant    `json:"variants"`
}

// FeedVariant is one purchasable variant; its ID is what checkout takes as
// an item id.
type FeedVariant struct {
	ID             string              `json:"id"`
	Title          string              `json:"title"`
	Description    *FeedDescription    `json:"description,omitempty"`
	URL            string              `json:"url,omitempty"`
	Barcodes       []FeedBarcode       `json:"barcodes,omitempty"`
	Price          *FeedPrice          `json:"price,omitempty"`
	ListPrice      *FeedPrice          `json:"list_price,omitempty"`
	UnitPrice      *FeedUnitPrice      `json:"unit_price,omitempty"`
	Availability   *FeedAvailability   `json:"availability,omitempty"`
	Categories     []FeedCategory      `json:"categories,omitempty"`
	Condition      []string            `json:"condition,omitempty"`
	VariantOptions []FeedVariantOption `json:"variant_options,omitempty"`
	Media          []FeedMedia         `json:"media,omitempty"`
	Seller         *FeedSeller         `json:"seller,omitempty"`
	Marketplace    *FeedSeller         `json:"marketplace,omitempty"`
}

// FeedDescription is structured description content (at least one field).
type FeedDescription struct {
	Plain    string `json:"plain,omitempty"`
	HTML     string `json:"html,omitempty"`
	Markdown string `json:"markdown,omitempty"`
}

// FeedPrice is an amount in ISO 4217 minor units with an upper-case
// currency code (unlike checkout, which uses lower case).
type FeedPrice struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// FeedUnitPrice is a normalised unit price: Amount per Reference, for an
// item of Measure.
type FeedUnitPrice struct {
	Amount    int64                `json:"amount"`
	Currency  string               `json:"currency"`
	Measure   FeedMeasure          `json:"measure"`
	Reference FeedReferenceMeasure `json:"reference"`
}

// FeedMeasure is a packaged quantity (Value is a JSON number).
type FeedMeasure struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// FeedReferenceMeasure is the reference quantity of a unit price.
type FeedReferenceMeasure struct {
	Value int64  `json:"value"`
	Unit  string `json:"unit"`
}

// FeedAvailability is a variant's purchasability signal.
type FeedAvailability struct {
	Available *bool  `json:"available,omitempty"`
	Status    string `json:"status,omitempty"`
}

// FeedBarcode is a machine-readable identifier (GTIN, UPC, EAN …).
type FeedBarcode struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// FeedMedia is an image, video or model.
type FeedMedia struct {
	Type    string `json:"type"`
	URL     string `json:"url"`
	AltText string `json:"alt_text,omitempty"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
}

// FeedVariantOption is one option selection (Color: Red).
type FeedVariantOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FeedCategory is a category in a taxonomy (merchant, google_product_category …).
type FeedCategory struct {
	Value    string `json:"value"`
	Taxonomy string `json:"taxonomy,omitempty"`
}

// FeedSeller is the seller (or marketplace) of a variant.
type FeedSeller struct {
	Name  string     `json:"name,omitempty"`
	Links []FeedLink `json:"links,omitempty"`
}

// FeedLink is a seller's policy or information link.
type FeedLink struct {
	Type  string `json:"type"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}
