// Package merchants is Cartwright's mock merchant world: merchants loaded
// from a world file (the `world:` block of the eval scenario format), each
// with a concurrency-safe back end (Engine: catalog, stock, checkout
// sessions, orders, refunds, faults), an HTTP API shaped by the Agentic
// Commerce Protocol (ACP, version 2026-04-17) and a mock payment network
// (package paynet) that issues delegated vt_… tokens and captures against
// them.
//
// # World files
//
// LoadWorldFile, LoadWorldBytes and ParseWorldNode read the format strictly:
// unknown fields, duplicate ids or SKUs, negative prices or stock, an
// interface other than api or web, and faults naming unknown SKUs are
// errors that name the file, line, column and field. Money is a decimal
// string in major units or a number, parsed exactly; the currency defaults
// to CNY. Additive fields: `seed` (top level, seeds every merchant's
// fault PRNG; default 1), `group` on a product (its variant group, shown
// as one product page by the storefront and one feed Product),
// `list_price` on a product (its pre-discount price, not below price;
// shown in the feed only); a pre-selected add-on may name its `sku`
// (default ADDON-n).
//
// # HTTP API (one server per merchant)
//
// ACP checkout (request and response bodies are ACP objects; amounts are
// integers in minor units; currency codes are lower case):
//
//	POST /checkout_sessions                 create → 201 CheckoutSession
//	POST /checkout_sessions/{id}            update → 200 CheckoutSession
//	GET  /checkout_sessions/{id}            read   → 200 CheckoutSession
//	POST /checkout_sessions/{id}/complete   pay    → 200 CheckoutSessionWithOrder,
//	                                        or 200 CheckoutSession (not completed) with
//	                                        messages when the price moved (warning
//	                                        price_change + error invalid), stock ran out
//	                                        (error out_of_stock) or the payment was
//	                                        declined (error payment_declined)
//	POST /checkout_sessions/{id}/cancel     cancel → 200 CheckoutSession; 405 if completed/canceled
//	GET  /.well-known/acp.json              DiscoveryResponse
//
// Create/update items: ACP's schema gives Item only id, name and
// unit_amount, its RFC text a quantity too; both are accepted ({"id": …} is
// one unit). The merchant's price is authoritative; a client unit_amount is
// ignored. Coupons come from discounts.codes (or the deprecated coupons);
// with none the best applicable coupon is applied automatically
// (skills.PriceCart is the pricing rule). Completion takes the delegated
// token in payment_data.instrument.credential.token.
//
// ACP product feeds (openapi.feed.yaml; mapping in feed.go): every merchant,
// web-only ones included, publishes its catalog as feed FeedID(id)
// ("feed_<merchant id>"), discovery lists the "feeds" service:
//
//	POST  /feeds                 CreateFeedRequest → 201 FeedMetadata (a new, empty feed)
//	GET   /feeds/{id}            → 200 FeedMetadata (updated_at: last catalog change); 404 feed_not_found
//	GET   /feeds/{id}/products   → 200 {"products": [Product…]}: the live catalog; 404
//	PATCH /feeds/{id}/products   {"products": […]} upserted by Product.id → 200 {id, accepted}; 400; 404
//
// WriteWorldFeeds (`cartwright merchants feed`) writes the same feeds as
// files: <dir>/<merchant>/metadata.json and products.jsonl.
//
// Cartwright's extension, for discovery, search and after-sales, written
// down in openapi.cartwright.yaml (a test checks it against the server
// both ways):
//
//	GET  /cartwright/v1/info                 skills.MerchantInfo (shipping, coupons, vocabulary)
//	                                         + "payment": {network_url, delegate_payment_url, psp, merchant_id}
//	GET  /cartwright/v1/products?q=&category=&brand=&attr=key:value&min_price=&max_price=&limit=
//	                                         {"products": [skills.Product…]}; prices in minor units
//	GET  /cartwright/v1/products/{sku}       skills.Product
//	GET  /cartwright/v1/orders/{id}          skills.Order
//	POST /cartwright/v1/orders/{id}/cancel   cancel an order: refund the rest, restock → skills.Order
//	POST /cartwright/v1/orders/{id}/refunds  {"amount": minor units (0/absent: all), "reason"} → 201 skills.Refund
//
// Every POST needs an Idempotency-Key: missing → 400
// idempotency_key_required; reused while the first request runs → 409
// idempotency_in_flight (Retry-After); reused with another body → 422
// idempotency_conflict; reused with the same body → the first response with
// Idempotent-Replayed: true. Errors are ACP Error objects ({type, code,
// message, param}); bodies over 256 KiB are refused with 413, non-JSON
// content types with 415, malformed JSON and unknown fields with 400; a
// refused request changes nothing.
//
// # Faults
//
// latency_ms and error_rate apply per request (Engine.Fault; the 503 is an
// ACP Error service_unavailable); the error draw comes from a PRNG seeded by
// the world seed and the merchant id, so the same request sequence meets
// the same faults. price_change and out_of_stock_at_checkout fire once, at
// the first completion of a session holding the SKU: nothing is charged and
// the repriced session comes back. injection appends text to a product's
// description; preselected_addons are added to every new session and
// removed when an update's line_items omit them. stale_feed makes the
// product feed show an older price or availability for a SKU than checkout
// charges and honours (checkout stays authoritative).
//
// # Running
//
// Start serves a world on loopback (random ports) with its payment network;
// Options.Mount adds a handler under /shop/ on each merchant's port (the
// storefront). Serve is `cartwright merchants serve`.
package merchants
