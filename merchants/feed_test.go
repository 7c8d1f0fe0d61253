package merchants

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
)

// testdata/acp/schema.feed.json is ACP 2026-04-17's feed schema bundle,
// copied verbatim: every feed response and file is validated against it
// with a JSON Schema 2020-12 validator (formats asserted).

const feedSchemaID = "https://example.com/schemas/feed/bundle.schema.json"

const upsertResponseID = "https://example.com/schemas/feed/upsert_products_response.json"

const upsertResponseSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "accepted"],
  "properties": {"id": {"type": "string"}, "accepted": {"type": "boolean"}}
}`

var (
	feedSchemaOnce sync.Once
	feedSchemas    map[string]*jsonschema.Schema
	feedSchemaErr  error
)

func feedSchema(t testing.TB, def string) *jsonschema.Schema {
	t.Helper()
	feedSchemaOnce.Do(func() {
		f, err := os.Open("testdata/acp/schema.feed.json")
		if err != nil {
			feedSchemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			feedSchemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(feedSchemaID, doc); err != nil {
			feedSchemaErr = err
			return
		}
		// UpsertProductsResponse is defined only in openapi.feed.yaml
		// (components.schemas), not in the schema bundle: restated here.
		up, err := jsonschema.UnmarshalJSON(strings.NewReader(upsertResponseSchema))
		if err == nil {
			err = c.AddResource(upsertResponseID, up)
		}
		if err != nil {
			feedSchemaErr = err
			return
		}
		feedSchemas = map[string]*jsonschema.Schema{}
		for _, d := range []string{"FeedMetadata", "CreateFeedRequest", "Product", "ProductsResponse", "UpsertProductsRequest", "UpsertProductsResponse", "Error"} {
			loc := feedSchemaID + "#/$defs/" + d
			if d == "UpsertProductsResponse" {
				loc = upsertResponseID
			}
			s, err := c.Compile(loc)
			if err != nil {
				feedSchemaErr = err
				return
			}
			feedSchemas[d] = s
		}
	})
	if feedSchemaErr != nil {
		t.Fatal(feedSchemaErr)
	}
	s, ok := feedSchemas[def]
	if !ok {
		t.Fatalf("no feed schema definition %s", def)
	}
	return s
}

// feedValid reports the schema violations of doc as definition def ("" if valid).
func feedValid(t testing.TB, def string, doc []byte) string {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return "not JSON: " + err.Error()
	}
	if err := feedSchema(t, def).Validate(inst); err != nil {
		return err.Error()
	}
	return ""
}

func mustFeedValid(t testing.TB, def string, doc []byte) {
	t.Helper()
	if v := feedValid(t, def, doc); v != "" {
		t.Fatalf("%s does not validate:\n%s\n%.2000s", def, v, doc)
	}
}

func loadVariants(t testing.TB) *World {
	t.Helper()
	w, err := LoadWorldFile("testdata/variants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The validator must reject what the schema forbids, or the tests below
// prove nothing.
func TestFeedSchemaCatchesDrift(t *testing.T) {
	good := `{"id":"p1","title":"Tee","variants":[{"id":"v1","title":"Tee - Red","price":{"amount":1999,"currency":"USD"},"availability":{"available":true,"status":"in_stock"},"variant_options":[{"name":"color","value":"red"}],"unit_price":{"amount":5,"currency":"USD","measure":{"value":1.5,"unit":"kg"},"reference":{"value":1,"unit":"kg"}}}]}`
	mustFeedValid(t, "Product", []byte(good))
	for name, doc := range map[string]string{
		"no variants":        `{"id":"p1"}`,
		"variant no title":   strings.Replace(good, `"title":"Tee - Red",`, ``, 1),
		"lower currency":     strings.Replace(good, `"currency":"USD"}`, `"currency":"usd"}`, 1),
		"float amount":       strings.Replace(good, `"amount":1999`, `"amount":19.99`, 1),
		"negative amount":    strings.Replace(good, `"amount":1999`, `"amount":-1`, 1),
		"unknown property":   strings.Replace(good, `"id":"v1"`, `"id":"v1","brand":"X"`, 1),
		"option no value":    strings.Replace(good, `,"value":"red"`, ``, 1),
		"float reference":    strings.Replace(good, `"reference":{"value":1,`, `"reference":{"value":1.5,`, 1),
		"empty description":  strings.Replace(good, `"title":"Tee",`, `"title":"Tee","description":{},`, 1),
		"relative media url": strings.Replace(good, `"title":"Tee",`, `"title":"Tee","media":[{"type":"image","url":"not a uri"}],`, 1),
	} {
		if feedValid(t, "Product", []byte(doc)) == "" {
			t.Errorf("%s: not caught", name)
		}
	}
	if feedValid(t, "FeedMetadata", []byte(`{"id":"f","updated_at":"yesterday"}`)) == "" {
		t.Error("bad date-time not caught")
	}
	if feedValid(t, "FeedMetadata", []byte(`{"id":"f","target_country":"usa"}`)) == "" {
		t.Error("bad target_country not caught")
	}
}

func feedOf(t testing.TB, w *World, merchant string) []acp.FeedProduct {
	t.Helper()
	for _, f := range WorldFeeds(w, time.Now()) {
		if f.Merchant == merchant {
			return f.Products
		}
	}
	t.Fatalf("no feed for %s", merchant)
	return nil
}

func variantByID(ps []acp.FeedProduct, id string) (acp.FeedProduct, acp.FeedVariant, bool) {
	for _, p := range ps {
		for _, v := range p.Variants {
			if v.ID == id {
				return p, v, true
			}
		}
	}
	return acp.FeedProduct{}, acp.FeedVariant{}, false
}

func TestFeedMapping(t *testing.T) {
	w := loadVariants(t)
	ps := feedOf(t, w, "threads")
	if len(ps) != 2 {
		t.Fatalf("threads: %d products, want 2 (the tee group and the socks)", len(ps))
	}
	tee := ps[0]
	if tee.ID != "group_classic-tee" || tee.Title != "Classic Tee" || len(tee.Variants) != 4 {
		t.Fatalf("tee product: %+v", tee)
	}
	if tee.Description == nil || tee.Description.Plain != "A classic cotton tee." {
		t.Errorf("shared description not on the product: %+v", tee.Description)
	}
	v := tee.Variants[1]
	wantOpts := []acp.FeedVariantOption{{Name: "color", Value: "red"}, {Name: "size", Value: "m"}}
	if v.ID != "TEE-RED-M" || !slices.Equal(v.VariantOptions, wantOpts) {
		t.Errorf("variant options = %+v, want %+v (material is the same for all, so not an option)", v.VariantOptions, wantOpts)
	}
	if *v.Price != (acp.FeedPrice{Amount: 1999, Currency: "USD"}) || v.Availability.Status != acp.AvailabilityLimitedStock || !*v.Availability.Available {
		t.Errorf("TEE-RED-M price/availability: %+v %+v", v.Price, v.Availability)
	}
	if a := tee.Variants[2].Availability; *a.Available || a.Status != acp.AvailabilityOutOfStock {
		t.Errorf("TEE-BLU-S (stock 0): %+v", a)
	}
	if lp := tee.Variants[3].ListPrice; lp == nil || *lp != (acp.FeedPrice{Amount: 1999, Currency: "USD"}) || v.ListPrice != nil {
		t.Errorf("list prices: %+v (red: %+v)", lp, v.ListPrice)
	}
	if tee.Variants[3].Availability.Status != acp.AvailabilityInStock {
		t.Errorf("TEE-BLU-M: %+v", tee.Variants[3].Availability)
	}
	wantCats := []acp.FeedCategory{{Value: "apparel", Taxonomy: "merchant"}, {Value: "Thread House", Taxonomy: "brand"}}
	if !slices.Equal(v.Categories, wantCats) || v.Seller == nil || v.Seller.Name != "Thread House" || !slices.Equal(v.Condition, []string{"new"}) {
		t.Errorf("categories/seller/condition: %+v %+v %v", v.Categories, v.Seller, v.Condition)
	}
	socks := ps[1]
	if socks.ID != "prod_SOCKS-3" || len(socks.Variants) != 1 || !slices.Equal(socks.Variants[0].VariantOptions, []acp.FeedVariantOption{{Name: "pack", Value: "3-pack"}}) {
		t.Errorf("single product: %+v", socks)
	}
	if socks.Variants[0].UnitPrice != nil {
		t.Errorf("a 3-pack has no mass or volume, got unit price %+v", socks.Variants[0].UnitPrice)
	}

	g := feedOf(t, w, "grocer")
	for sku, want := range map[string]acp.FeedUnitPrice{
		// 5.99 per 1 kg; 4.00 / 1.5 l = 2.666… → 267 per l; 6.50 / 0.34 kg = 19.117… → 1912 per kg.
		"OATS-1KG":   {Amount: 599, Currency: "USD", Measure: acp.FeedMeasure{Value: 1, Unit: "kg"}, Reference: acp.FeedReferenceMeasure{Value: 1, Unit: "kg"}},
		"JUICE-1.5L": {Amount: 267, Currency: "USD", Measure: acp.FeedMeasure{Value: 1.5, Unit: "l"}, Reference: acp.FeedReferenceMeasure{Value: 1, Unit: "l"}},
		"HONEY-340G": {Amount: 1912, Currency: "USD", Measure: acp.FeedMeasure{Value: 340, Unit: "g"}, Reference: acp.FeedReferenceMeasure{Value: 1, Unit: "kg"}},
		// stale price 2.49 for 500 g → 4.98 per kg.
		"OATS-500G": {Amount: 498, Currency: "USD", Measure: acp.FeedMeasure{Value: 500, Unit: "g"}, Reference: acp.FeedReferenceMeasure{Value: 1, Unit: "kg"}},
	} {
		_, v, ok := variantByID(g, sku)
		if !ok || v.UnitPrice == nil || *v.UnitPrice != want {
			t.Errorf("%s unit price = %+v, want %+v", sku, v.UnitPrice, want)
		}
	}
	// The stale feed: the oats show 2.49 (checkout charges 3.29), the honey
	// shows in stock (stock is 0).
	if _, v, _ := variantByID(g, "OATS-500G"); v.Price.Amount != 249 {
		t.Errorf("stale price: %+v", v.Price)
	}
	if _, v, _ := variantByID(g, "HONEY-340G"); !*v.Availability.Available || v.Availability.Status != acp.AvailabilityInStock {
		t.Errorf("stale availability: %+v", v.Availability)
	}
	if _, v, _ := variantByID(g, "OATS-1KG"); v.Price.Amount != 599 {
		t.Errorf("fresh price: %+v", v.Price)
	}
}

// Every merchant's feed, as files, validates and covers the catalog: one
// variant per SKU, nothing else.
func TestFeedFilesValidate(t *testing.T) {
	demo, err := DemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range map[string]*World{"demo": demo, "variants": loadVariants(t)} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			at := time.Date(2026, 4, 17, 9, 30, 0, 0, time.UTC)
			dirs, err := WriteWorldFeeds(dir, w, at)
			if err != nil {
				t.Fatal(err)
			}
			if len(dirs) != len(w.Merchants) {
				t.Fatalf("%d feed directories for %d merchants", len(dirs), len(w.Merchants))
			}
			variants, multi := 0, 0
			for _, m := range w.Merchants {
				d := filepath.Join(dir, m.ID)
				meta, err := os.ReadFile(filepath.Join(d, acp.FeedMetadataFile))
				if err != nil {
					t.Fatal(err)
				}
				mustFeedValid(t, "FeedMetadata", meta)
				var md acp.FeedMetadata
				if err := json.Unmarshal(meta, &md); err != nil || md.ID != FeedID(m.ID) || md.UpdatedAt != "2026-04-17T09:30:00Z" {
					t.Errorf("%s metadata: %s (%v)", m.ID, meta, err)
				}
				f, err := os.Open(filepath.Join(d, acp.FeedProductsFile))
				if err != nil {
					t.Fatal(err)
				}
				var skus []string
				sc := bufio.NewScanner(f)
				sc.Buffer(nil, 1<<20)
				for line := 1; sc.Scan(); line++ {
					mustFeedValid(t, "Product", sc.Bytes())
					var p acp.FeedProduct
					if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
						t.Fatalf("%s line %d: %v", m.ID, line, err)
					}
					if len(p.Variants) > 1 {
						multi++
					}
					for _, v := range p.Variants {
						skus = append(skus, v.ID)
					}
				}
				f.Close()
				if err := sc.Err(); err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, p := range m.Products {
					want = append(want, p.SKU)
				}
				slices.Sort(skus)
				slices.Sort(want)
				if !slices.Equal(skus, want) {
					t.Errorf("%s: feed variants %v, catalog %v", m.ID, skus, want)
				}
				variants += len(skus)
			}
			if multi == 0 {
				t.Error("no product with several variants: groups not mapped")
			}
			t.Logf("%s: %d merchants, %d variants, %d multi-variant products", name, len(w.Merchants), variants, multi)
		})
	}
}

// The Feed API of every running merchant (api and web) answers as
// openapi.feed.yaml says, with bodies that validate against the schema.
func TestFeedAPI(t *testing.T) {
	demo, err := DemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range map[string]*World{"demo": demo, "variants": loadVariants(t)} {
		t.Run(name, func(t *testing.T) {
			h := start(t, w, Options{InProcessPayments: true})
			checkedOut := 0
			for _, m := range w.Merchants {
				id := FeedID(m.ID)
				r := h.send("GET", m.ID, "/feeds/"+id, "", "")
				if r.status != 200 {
					t.Fatalf("%s GET feed: %d %s", m.ID, r.status, r.body)
				}
				mustFeedValid(t, "FeedMetadata", r.body)
				r = h.send("GET", m.ID, "/feeds/"+id+"/products", "", "")
				if r.status != 200 {
					t.Fatalf("%s GET products: %d %s", m.ID, r.status, r.body)
				}
				mustFeedValid(t, "ProductsResponse", r.body)
				var pr acp.FeedProductsResponse
				if err := json.Unmarshal(r.body, &pr); err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, p := range pr.Products {
					n += len(p.Variants)
				}
				if n != len(m.Products) {
					t.Errorf("%s: %d variants served, %d products in the catalog", m.ID, n, len(m.Products))
				}
				// A variant's id is the checkout item id (the RFC's
				// requirement): the first available variant of every product
				// checks out at the feed's price (no stale_feed here).
				if m.Interface == InterfaceAPI && len(m.Faults.StaleFeed) == 0 {
					for _, p := range pr.Products {
						for _, v := range p.Variants {
							if !*v.Availability.Available {
								continue
							}
							s := h.create(m.ID, fmt.Sprintf(`{"line_items":[{"id":%q}]}`, v.ID))
							if len(s.LineItems) == 0 || s.LineItems[0].Item.ID != v.ID || s.LineItems[0].UnitAmount != v.Price.Amount {
								t.Errorf("%s: variant %s (feed price %d) checks out as %+v", m.ID, v.ID, v.Price.Amount, s.LineItems)
							}
							checkedOut++
							break
						}
					}
				}
				for _, path := range []string{"/feeds/feed_nope", "/feeds/feed_nope/products"} {
					r = h.send("GET", m.ID, path, "", "")
					if r.status != 404 {
						t.Errorf("%s GET %s: %d", m.ID, path, r.status)
					}
					mustFeedValid(t, "Error", r.body)
					if e := r.errObj(t); e.Code != acp.FeedErrNotFound || e.Param != "id" {
						t.Errorf("%s GET %s: %+v", m.ID, path, e)
					}
				}
			}
			if checkedOut == 0 {
				t.Error("no feed variant was checked out")
			}
			t.Logf("%d feed variants (one per product) checked out at their feed price", checkedOut)
		})
	}
}

func TestFeedAPIWrites(t *testing.T) {
	h := start(t, loadVariants(t), Options{InProcessPayments: true})
	// POST /feeds: 201 FeedMetadata; a bad country is 400.
	body := `{"target_country":"US"}`
	mustFeedValid(t, "CreateFeedRequest", []byte(body))
	r := h.post("threads", "/feeds", body)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	mustFeedValid(t, "FeedMetadata", r.body)
	var meta acp.FeedMetadata
	json.Unmarshal(r.body, &meta)
	if meta.TargetCountry != "US" || meta.ID == "" || meta.ID == FeedID("threads") {
		t.Errorf("created: %+v", meta)
	}
	if r := h.post("threads", "/feeds", `{"target_country":"usa"}`); r.status != 400 || r.errObj(t).Code != acp.FeedErrInvalidTargetCountry {
		t.Errorf("bad country: %d %s", r.status, r.body)
	}
	if r := h.post("threads", "/feeds", `{"target_country":"US","name":"x"}`); r.status != 400 {
		t.Errorf("unknown field: %d %s", r.status, r.body)
	}
	// The new feed is empty; PATCH fills it; products not named stay.
	if r := h.send("GET", "threads", "/feeds/"+meta.ID+"/products", "", ""); r.status != 200 || string(bytes.TrimSpace(r.body)) != `{"products":[]}` {
		t.Errorf("new feed products: %d %s", r.status, r.body)
	}
	up := `{"products":[{"id":"prod_a","title":"A","variants":[{"id":"A-1","title":"A one","price":{"amount":100,"currency":"USD"}}]},{"id":"prod_b","variants":[]}]}`
	mustFeedValid(t, "UpsertProductsRequest", []byte(up))
	r = h.send("PATCH", "threads", "/feeds/"+meta.ID+"/products", "", up)
	if r.status != 200 {
		t.Fatalf("upsert: %d %s", r.status, r.body)
	}
	mustFeedValid(t, "UpsertProductsResponse", r.body)
	var ack acp.UpsertFeedProductsResponse
	if json.Unmarshal(r.body, &ack); ack != (acp.UpsertFeedProductsResponse{ID: meta.ID, Accepted: true}) {
		t.Errorf("ack: %s", r.body)
	}
	r = h.send("PATCH", "threads", "/feeds/"+meta.ID+"/products", "", `{"products":[{"id":"prod_a","title":"A2","variants":[{"id":"A-1","title":"A one","availability":{"available":false,"status":"out_of_stock"}}]}]}`)
	if r.status != 200 {
		t.Fatalf("second upsert: %d %s", r.status, r.body)
	}
	r = h.send("GET", "threads", "/feeds/"+meta.ID+"/products", "", "")
	mustFeedValid(t, "ProductsResponse", r.body)
	var pr acp.FeedProductsResponse
	json.Unmarshal(r.body, &pr)
	if len(pr.Products) != 2 || pr.Products[0].Title != "A2" || pr.Products[1].ID != "prod_b" {
		t.Errorf("after upserts: %s", r.body)
	}
	// Upserting into the catalog feed replaces that product in it (checkout
	// is untouched: the feed is only a signal).
	cat := FeedID("threads")
	r = h.send("PATCH", "threads", "/feeds/"+cat+"/products", "", `{"products":[{"id":"prod_SOCKS-3","title":"Socks","variants":[{"id":"SOCKS-3","title":"Socks","price":{"amount":1,"currency":"USD"}}]}]}`)
	if r.status != 200 {
		t.Fatalf("catalog upsert: %d %s", r.status, r.body)
	}
	ps, _ := h.r.Engine("threads").FeedProductSet(cat)
	if _, v, _ := variantByID(ps, "SOCKS-3"); v.Price == nil || v.Price.Amount != 1 || len(ps) != 2 {
		t.Errorf("catalog feed after upsert: %+v", ps)
	}
	if p, _ := h.r.Engine("threads").Product("SOCKS-3"); p.Price.Minor != 900 {
		t.Errorf("the catalog moved with the feed: %v", p.Price)
	}
	// Bad payloads: 400 invalid_product_payload, nothing changes.
	for name, b := range map[string]string{
		"empty":          `{"products":[]}`,
		"no variants":    `{"products":[{"id":"prod_c"}]}`,
		"no title":       `{"products":[{"id":"prod_c","variants":[{"id":"C"}]}]}`,
		"lower currency": `{"products":[{"id":"prod_c","variants":[{"id":"C","title":"C","price":{"amount":1,"currency":"usd"}}]}]}`,
		"no id":          `{"products":[{"variants":[]}]}`,
	} {
		r := h.send("PATCH", "threads", "/feeds/"+meta.ID+"/products", "", b)
		if r.status != 400 || r.errObj(t).Code != acp.FeedErrInvalidProducts {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
		mustFeedValid(t, "Error", r.body)
	}
	if r := h.send("PATCH", "threads", "/feeds/"+meta.ID+"/products", "", `{"products":[],"x":1}`); r.status != 400 {
		t.Errorf("unknown field: %d", r.status)
	}
	r = h.send("GET", "threads", "/feeds/"+meta.ID+"/products", "", "")
	if json.Unmarshal(r.body, &pr); len(pr.Products) != 2 {
		t.Errorf("a refused upsert changed the feed: %s", r.body)
	}
	if r := h.send("PATCH", "threads", "/feeds/feed_nope/products", "", up); r.status != 404 || r.errObj(t).Code != acp.FeedErrNotFound {
		t.Errorf("unknown feed: %d %s", r.status, r.body)
	}
	// Discovery advertises the feeds service.
	r = h.send("GET", "threads", "/.well-known/acp.json", "", "")
	var d acp.DiscoveryResponse
	if json.Unmarshal(r.body, &d); !slices.Contains(d.Capabilities.Services, "feeds") {
		t.Errorf("discovery services: %v", d.Capabilities.Services)
	}
}

// The catalog feed follows the live catalog (stock after a purchase,
// updated_at), while a stale_feed fault keeps its old view and checkout
// charges the real price.
func TestFeedLiveAndStale(t *testing.T) {
	h := start(t, loadVariants(t), Options{InProcessPayments: true})
	feed := func(m string) []acp.FeedProduct {
		r := h.send("GET", m, "/feeds/"+FeedID(m)+"/products", "", "")
		mustFeedValid(t, "ProductsResponse", r.body)
		var pr acp.FeedProductsResponse
		json.Unmarshal(r.body, &pr)
		return pr.Products
	}
	meta := func(m string) acp.FeedMetadata {
		r := h.send("GET", m, "/feeds/"+FeedID(m), "", "")
		var md acp.FeedMetadata
		json.Unmarshal(r.body, &md)
		return md
	}
	before := meta("threads")
	time.Sleep(1100 * time.Millisecond) // updated_at has second resolution
	s := h.create("threads", `{"line_items":[{"id":"TEE-RED-M","quantity":3}]}`)
	done := h.session(h.post("threads", "/checkout_sessions/"+s.ID+"/complete", completeBody(usdToken(t, h, "threads", s.ID))), 200, "CheckoutSessionWithOrder")
	if done.Status != StatusCompleted {
		t.Fatalf("purchase: %+v", done)
	}
	if _, v, _ := variantByID(feed("threads"), "TEE-RED-M"); *v.Availability.Available || v.Availability.Status != acp.AvailabilityOutOfStock {
		t.Errorf("sold out variant still available in the feed: %+v", v.Availability)
	}
	if after := meta("threads"); after.UpdatedAt <= before.UpdatedAt {
		t.Errorf("updated_at did not advance: %s → %s", before.UpdatedAt, after.UpdatedAt)
	}

	g := feed("grocer")
	if _, v, _ := variantByID(g, "OATS-500G"); v.Price.Amount != 249 {
		t.Fatalf("stale feed price: %+v", v.Price)
	}
	s = h.create("grocer", `{"line_items":[{"id":"OATS-500G"}]}`)
	if s.LineItems[0].UnitAmount != 329 {
		t.Errorf("checkout took the feed's price: %d", s.LineItems[0].UnitAmount)
	}
	if _, v, _ := variantByID(g, "HONEY-340G"); !*v.Availability.Available {
		t.Fatalf("stale feed availability: %+v", v.Availability)
	}
	r := h.post("grocer", "/checkout_sessions", `{"line_items":[{"id":"HONEY-340G"}]}`)
	if r.status == 201 {
		var cs acp.CheckoutSession
		json.Unmarshal(r.body, &cs)
		if cs.Status == StatusReady {
			t.Errorf("checkout of an out-of-stock item is ready: %s", r.body)
		}
	}
}

func TestStaleFeedLoad(t *testing.T) {
	base := "currency: CNY\nmerchants:\n  - id: m\n    products:\n      - {sku: A, title: A, price: \"1.00\"}\n    faults:\n"
	if w, err := LoadWorldBytes("w.yaml", []byte(base+"      stale_feed: {sku: A, price: \"0.50\"}\n")); err != nil {
		t.Fatal(err)
	} else if sf := w.Merchants[0].Faults.StaleFeed; len(sf) != 1 || sf[0].Price.Minor != 50 || sf[0].InStock != nil {
		t.Errorf("one entry: %+v", sf)
	}
	for _, c := range []struct{ yaml, want string }{
		{"      stale_feed: {sku: B, price: \"0.50\"}\n", `w.yaml:7:25: merchants[0].faults.stale_feed.sku: unknown sku "B"`},
		{"      stale_feed: {sku: A}\n", `w.yaml:7:19: merchants[0].faults.stale_feed: needs price or in_stock`},
		{"      stale_feed: {sku: A, in_stock: yes}\n", `w.yaml:7:38: merchants[0].faults.stale_feed.in_stock: "yes" is not true or false`},
		{"      stale_feed: {sku: A, price: \"-1\"}\n", `w.yaml:7:35: merchants[0].faults.stale_feed.price: must not be negative`},
		{"      stale_feed: {sku: A, stock: 3}\n", `w.yaml:7:28: merchants[0].faults.stale_feed.stock: unknown field`},
		{"      stale_feed: [{sku: A, price: 1}, {sku: A, in_stock: false}]\n", `w.yaml:7:46: merchants[0].faults.stale_feed[1].sku: sku "A" is already stale`},
		{"      stale_feed: {sku: A, price: 1}\n  - id: n\n    products: [{sku: B, title: B, price: \"2.00\", list_price: \"1.50\"}]\n", `w.yaml:9:62: merchants[1].products[0].list_price: 1.50 is below the price 2.00`},
		{"      stale_feed: []\n", `w.yaml:7:19: merchants[0].faults.stale_feed: must name at least one sku`},
	} {
		_, err := LoadWorldBytes("w.yaml", []byte(base+c.yaml))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want prefix %s", c.yaml, err, c.want)
		}
	}
}

func usdToken(t *testing.T, h *harness, merchant, session string) string {
	t.Helper()
	resp, err := h.r.Paynet.Delegate(context.Background(), paynet.NewDelegateRequest(merchant, session, skills.M(100000, "USD"), time.Now().Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	return resp.ID
}

// Concurrent upserts and reads of one feed lose nothing (run with -race).
func TestFeedConcurrentUpserts(t *testing.T) {
	h := start(t, loadVariants(t), Options{InProcessPayments: true})
	e := h.r.Engine("threads")
	meta := e.CreateFeed("")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id := fmt.Sprintf("prod_%d_%d", g, i)
				body := fmt.Sprintf(`{"products":[{"id":%q,"variants":[{"id":"%s-v","title":"v"}]}]}`, id, id)
				if r := h.send("PATCH", "threads", "/feeds/"+meta.ID+"/products", "", body); r.status != 200 {
					t.Errorf("upsert %s: %d %s", id, r.status, r.body)
				}
				if _, ok := e.FeedProductSet(FeedID("threads")); !ok {
					t.Error("catalog feed vanished")
				}
			}
		}()
	}
	wg.Wait()
	ps, _ := e.FeedProductSet(meta.ID)
	if len(ps) != 80 {
		t.Errorf("%d products after 80 distinct upserts", len(ps))
	}
}
