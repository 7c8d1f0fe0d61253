package merchants

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
)

// Product feeds: every merchant publishes its catalog as an ACP product
// feed (acp.FeedProduct…), over the Feed API routes and as files.
//
// Mapping from the world: products sharing a `group` become one Product
// whose Variants are the group's SKUs; a product without a group is a
// Product with one Variant. Variant.id is the SKU (what checkout takes as an
// item id). variant_options are the attributes whose values differ within
// the group (name = attribute key); a single-variant product lists all its
// attributes. Price is the catalog price (upper-case currency); unit_price
// is derived when exactly one attribute value is a mass or volume (g, kg,
// ml, l): per 1 kg or per 1 l, whatever the pack's unit, so packs compare. Availability
// comes from stock (0: out_of_stock, 1–5: limited_stock, else in_stock).
// Categories carry the catalog category (taxonomy "merchant") and the brand
// (taxonomy "brand": the feed schema has no brand field); seller is the
// merchant's name; condition is "new"; list_price is the product's
// optional list_price in the world (its pre-discount price).
//
// The stale_feed fault overrides a SKU's price and/or availability in the
// feed (both forms) while checkout keeps the real ones.

// FeedID is the id of merchant id's catalog feed.
func FeedID(merchantID string) string { return "feed_" + merchantID }

// Low-stock threshold shared with checkout's availability_status.
const limitedStock = 5

// FeedProducts maps a merchant's catalog (in catalog order) to feed
// Products. stale overrides price or availability per SKU.
func FeedProducts(m *Merchant, cur skills.Currency, products []skills.Product, stale []StaleFeed) []acp.FeedProduct {
	staleBy := map[string]StaleFeed{}
	for _, s := range stale {
		staleBy[s.SKU] = s
	}
	var order []string // product keys in first-appearance order
	groups := map[string][]skills.Product{}
	for _, p := range products {
		key := "prod_" + p.SKU
		if p.Group != "" {
			key = "group_" + p.Group
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], p)
	}
	out := make([]acp.FeedProduct, 0, len(order))
	for _, key := range order {
		vs := groups[key]
		differing := differingAttributes(vs)
		fp := acp.FeedProduct{ID: key, Title: productTitle(vs), Variants: make([]acp.FeedVariant, 0, len(vs))}
		if d := sharedDescription(vs); d != "" {
			fp.Description = &acp.FeedDescription{Plain: d}
		}
		for _, p := range vs {
			v := feedVariant(m, cur, p, differing, fp.Description == nil)
			if s, ok := staleBy[p.SKU]; ok {
				if s.Price != nil {
					v.Price = &acp.FeedPrice{Amount: s.Price.Minor, Currency: string(cur)}
					v.UnitPrice = unitPrice(*s.Price, p.Attributes)
				}
				if s.InStock != nil {
					stock := 0
					if *s.InStock {
						stock = limitedStock + 1
					}
					v.Availability = availability(stock)
				}
			}
			fp.Variants = append(fp.Variants, v)
		}
		out = append(out, fp)
	}
	return out
}

func feedVariant(m *Merchant, cur skills.Currency, p skills.Product, differing map[string]bool, ownDescription bool) acp.FeedVariant {
	v := acp.FeedVariant{
		ID:           p.SKU,
		Title:        p.Title,
		Price:        &acp.FeedPrice{Amount: p.Price.Minor, Currency: string(cur)},
		UnitPrice:    unitPrice(p.Price, p.Attributes),
		Availability: availability(p.Stock),
		Condition:    []string{"new"},
		Seller:       &acp.FeedSeller{Name: m.Name},
	}
	if lp, ok := m.ListPrices[p.SKU]; ok {
		v.ListPrice = &acp.FeedPrice{Amount: lp.Minor, Currency: string(cur)}
	}
	if ownDescription && p.Description != "" {
		v.Description = &acp.FeedDescription{Plain: p.Description}
	}
	if p.Category != "" {
		v.Categories = append(v.Categories, acp.FeedCategory{Value: p.Category, Taxonomy: "merchant"})
	}
	if p.Brand != "" {
		v.Categories = append(v.Categories, acp.FeedCategory{Value: p.Brand, Taxonomy: "brand"})
	}
	keys := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		if differing == nil || differing[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.VariantOptions = append(v.VariantOptions, acp.FeedVariantOption{Name: k, Value: p.Attributes[k]})
	}
	return v
}

func availability(stock int) *acp.FeedAvailability {
	yes, no := true, false
	switch {
	case stock <= 0:
		return &acp.FeedAvailability{Available: &no, Status: acp.AvailabilityOutOfStock}
	case stock <= limitedStock:
		return &acp.FeedAvailability{Available: &yes, Status: acp.AvailabilityLimitedStock}
	default:
		return &acp.FeedAvailability{Available: &yes, Status: acp.AvailabilityInStock}
	}
}

// differingAttributes is the set of attribute keys whose values (or
// presence) differ among a group's variants; nil for a single product
// (every attribute is listed then).
func differingAttributes(vs []skills.Product) map[string]bool {
	if len(vs) < 2 {
		return nil
	}
	out := map[string]bool{}
	for _, p := range vs {
		for k, v := range p.Attributes {
			for _, q := range vs {
				if w, ok := q.Attributes[k]; !ok || w != v {
					out[k] = true
				}
			}
		}
	}
	return out
}

// productTitle is the group's common title: the variants' titles without a
// trailing parenthetical when that leaves them all equal ("Tee (Black, S)"
// and "Tee (White, M)" → "Tee"), else the first variant's title.
func productTitle(vs []skills.Product) string {
	base := func(t string) string {
		if i := strings.LastIndex(t, " ("); i > 0 && strings.HasSuffix(t, ")") {
			return t[:i]
		}
		return t
	}
	if len(vs) == 1 {
		return vs[0].Title
	}
	b := base(vs[0].Title)
	for _, p := range vs[1:] {
		if base(p.Title) != b {
			return vs[0].Title
		}
	}
	return b
}

func sharedDescription(vs []skills.Product) string {
	if len(vs) < 2 {
		return ""
	}
	for _, p := range vs[1:] {
		if p.Description != vs[0].Description {
			return ""
		}
	}
	return vs[0].Description
}

var measureRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(g|kg|ml|l)$`)

// unitPrice derives a normalised unit price from the one attribute value
// that is a mass or volume ("500g", "1.8l"); nil when none or several are.
// The amount is exact: price ÷ measure (in kg or l), rounded half up.
func unitPrice(price skills.Money, attrs map[string]string) *acp.FeedUnitPrice {
	var num, unit string
	found := 0
	for _, v := range attrs {
		if m := measureRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(v))); m != nil {
			num, unit = m[1], m[2]
			found++
		}
	}
	if found != 1 {
		return nil
	}
	qty, ok := new(big.Rat).SetString(num)
	if !ok || qty.Sign() <= 0 {
		return nil
	}
	// One reference per dimension (1 kg, 1 l), so a 950 ml and a 1 l
	// carton compare directly: amount = price ÷ (qty in kg or l).
	refUnit, scale := "kg", int64(1)
	switch unit {
	case "g":
		scale = 1000
	case "ml":
		refUnit, scale = "l", 1000
	case "l":
		refUnit = "l"
	}
	r := new(big.Rat).SetInt64(price.Minor)
	r.Mul(r, big.NewRat(scale, 1))
	r.Quo(r, qty)
	r.Add(r, big.NewRat(1, 2))
	amount := new(big.Int).Quo(r.Num(), r.Denom())
	if !amount.IsInt64() {
		return nil
	}
	f, _ := qty.Float64()
	return &acp.FeedUnitPrice{
		Amount: amount.Int64(), Currency: string(price.Currency),
		Measure:   acp.FeedMeasure{Value: f, Unit: unit},
		Reference: acp.FeedReferenceMeasure{Value: 1, Unit: refUnit},
	}
}

// feedStore holds a merchant's feeds: its catalog feed (generated from the
// engine's live catalog, with products upserted over PATCH laid on top)
// and feeds created with POST /feeds.
type feedStore struct {
	mu    sync.Mutex
	feeds map[string]*hostedFeed
	seq   int
}

type hostedFeed struct {
	meta     acp.FeedMetadata
	catalog  bool              // generated from the engine's catalog
	upserted map[string]int    // product id → index in extra
	extra    []acp.FeedProduct // upserted products in first-upsert order
	at       time.Time         // last upsert
}

func newFeedStore(merchantID string, now time.Time) *feedStore {
	id := FeedID(merchantID)
	return &feedStore{feeds: map[string]*hostedFeed{
		id: {meta: acp.FeedMetadata{ID: id}, catalog: true, upserted: map[string]int{}, at: now},
	}}
}

// FeedMetadata returns a feed's metadata; ok false when there is no such feed.
func (e *Engine) FeedMetadata(id string) (acp.FeedMetadata, bool) {
	e.feeds.mu.Lock()
	f, ok := e.feeds.feeds[id]
	if !ok {
		e.feeds.mu.Unlock()
		return acp.FeedMetadata{}, false
	}
	meta, at, catalog := f.meta, f.at, f.catalog
	e.feeds.mu.Unlock()
	if catalog {
		e.mu.Lock()
		if e.catalogAt.After(at) {
			at = e.catalogAt
		}
		e.mu.Unlock()
	}
	meta.UpdatedAt = rfc3339(at)
	return meta, true
}

// FeedProductSet returns a feed's full current product set.
func (e *Engine) FeedProductSet(id string) ([]acp.FeedProduct, bool) {
	var base []acp.FeedProduct
	e.feeds.mu.Lock()
	f, ok := e.feeds.feeds[id]
	catalog := ok && f.catalog
	e.feeds.mu.Unlock()
	if !ok {
		return nil, false
	}
	if catalog {
		base = FeedProducts(e.m, e.cur, e.Products(), e.faults.StaleFeed)
	}
	e.feeds.mu.Lock()
	defer e.feeds.mu.Unlock()
	out := make([]acp.FeedProduct, 0, len(base)+len(f.extra))
	for _, p := range base {
		if i, ok := f.upserted[p.ID]; ok {
			p = f.extra[i]
		}
		out = append(out, p)
	}
	for _, p := range f.extra {
		if !containsProduct(base, p.ID) {
			out = append(out, p)
		}
	}
	return out, true
}

func containsProduct(ps []acp.FeedProduct, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

// CreateFeed makes a new, empty feed.
func (e *Engine) CreateFeed(targetCountry string) acp.FeedMetadata {
	e.feeds.mu.Lock()
	defer e.feeds.mu.Unlock()
	e.feeds.seq++
	id := fmt.Sprintf("feed_%s_%s_%d", e.m.ID, e.epoch, e.feeds.seq)
	now := e.now()
	e.feeds.feeds[id] = &hostedFeed{meta: acp.FeedMetadata{ID: id, TargetCountry: targetCountry}, upserted: map[string]int{}, at: now}
	meta := e.feeds.feeds[id].meta
	meta.UpdatedAt = rfc3339(now)
	return meta
}

// UpsertFeedProducts replaces or adds products by Product.id; products not
// named stay as they are. ok false when there is no such feed.
func (e *Engine) UpsertFeedProducts(id string, ps []acp.FeedProduct) bool {
	e.feeds.mu.Lock()
	defer e.feeds.mu.Unlock()
	f, ok := e.feeds.feeds[id]
	if !ok {
		return false
	}
	for _, p := range ps {
		if i, ok := f.upserted[p.ID]; ok {
			f.extra[i] = p
			continue
		}
		f.upserted[p.ID] = len(f.extra)
		f.extra = append(f.extra, p)
	}
	f.at = e.now()
	return true
}

var (
	countryRE  = regexp.MustCompile(`^[A-Z]{2}$`)
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
)

// ValidateFeedProducts checks products against the feed schema's required
// fields and constraints; the error names the offending field.
func ValidateFeedProducts(ps []acp.FeedProduct) error {
	price := func(p *acp.FeedPrice, path string) error {
		if p == nil {
			return nil
		}
		if p.Amount < 0 {
			return fmt.Errorf("%s.amount: must not be negative", path)
		}
		if !currencyRE.MatchString(p.Currency) {
			return fmt.Errorf("%s.currency: %q is not an upper-case ISO 4217 code", path, p.Currency)
		}
		return nil
	}
	for i, p := range ps {
		pp := fmt.Sprintf("products[%d]", i)
		if strings.TrimSpace(p.ID) == "" {
			return fmt.Errorf("%s.id: required", pp)
		}
		if p.Variants == nil {
			return fmt.Errorf("%s.variants: required", pp)
		}
		if p.Description != nil && *p.Description == (acp.FeedDescription{}) {
			return fmt.Errorf("%s.description: needs plain, html or markdown", pp)
		}
		for j, v := range p.Variants {
			vp := fmt.Sprintf("%s.variants[%d]", pp, j)
			switch {
			case strings.TrimSpace(v.ID) == "":
				return fmt.Errorf("%s.id: required", vp)
			case strings.TrimSpace(v.Title) == "":
				return fmt.Errorf("%s.title: required", vp)
			case v.Description != nil && *v.Description == (acp.FeedDescription{}):
				return fmt.Errorf("%s.description: needs plain, html or markdown", vp)
			}
			if err := price(v.Price, vp+".price"); err != nil {
				return err
			}
			if err := price(v.ListPrice, vp+".list_price"); err != nil {
				return err
			}
			if u := v.UnitPrice; u != nil {
				if err := price(&acp.FeedPrice{Amount: u.Amount, Currency: u.Currency}, vp+".unit_price"); err != nil {
					return err
				}
				if u.Measure.Unit == "" || u.Reference.Unit == "" {
					return fmt.Errorf("%s.unit_price: measure and reference need a unit", vp)
				}
			}
		}
	}
	return nil
}

// FeedFiles is one merchant's feed in file form.
type FeedFiles struct {
	Merchant string
	Metadata acp.FeedMetadata
	Products []acp.FeedProduct
}

// WorldFeeds builds every merchant's catalog feed in file form (the world
// as loaded: full stock, no purchases), stamped with updatedAt.
func WorldFeeds(w *World, updatedAt time.Time) []FeedFiles {
	out := make([]FeedFiles, 0, len(w.Merchants))
	for _, m := range w.Merchants {
		out = append(out, FeedFiles{
			Merchant: m.ID,
			Metadata: acp.FeedMetadata{ID: FeedID(m.ID), UpdatedAt: rfc3339(updatedAt)},
			Products: FeedProducts(m, w.Currency, m.Products, m.Faults.StaleFeed),
		})
	}
	return out
}

// MarshalFeedFiles renders a feed's metadata.json and products.jsonl.
func MarshalFeedFiles(f FeedFiles) (metadata, products []byte, err error) {
	metadata, err = json.MarshalIndent(f.Metadata, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	metadata = append(metadata, '\n')
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, p := range f.Products {
		if err := enc.Encode(p); err != nil {
			return nil, nil, err
		}
	}
	return metadata, b.Bytes(), nil
}

// WriteWorldFeeds writes every merchant's feed under dir/<merchant id>/
// (metadata.json, products.jsonl) and returns the directories written.
// Everything is rendered before anything is written, and each file is
// written whole (temporary file, then rename).
func WriteWorldFeeds(dir string, w *World, updatedAt time.Time) ([]string, error) {
	if dir == "" {
		return nil, errors.New("feed: no output directory")
	}
	type file struct {
		path string
		data []byte
	}
	var files []file
	var dirs []string
	for _, f := range WorldFeeds(w, updatedAt) {
		if err := ValidateFeedProducts(f.Products); err != nil {
			return nil, fmt.Errorf("feed %s: %w", f.Merchant, err)
		}
		meta, prods, err := MarshalFeedFiles(f)
		if err != nil {
			return nil, fmt.Errorf("feed %s: %w", f.Merchant, err)
		}
		d := filepath.Join(dir, f.Merchant)
		dirs = append(dirs, d)
		files = append(files, file{filepath.Join(d, acp.FeedMetadataFile), meta}, file{filepath.Join(d, acp.FeedProductsFile), prods})
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return nil, fmt.Errorf("feed: %w", err)
		}
		tmp, err := os.CreateTemp(filepath.Dir(f.path), ".feed-*")
		if err != nil {
			return nil, fmt.Errorf("feed: %w", err)
		}
		_, werr := tmp.Write(f.data)
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr); err != nil {
			os.Remove(tmp.Name())
			return nil, fmt.Errorf("feed: write %s: %w", f.path, err)
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			os.Remove(tmp.Name())
			return nil, fmt.Errorf("feed: %w", err)
		}
		if err := os.Rename(tmp.Name(), f.path); err != nil {
			os.Remove(tmp.Name())
			return nil, fmt.Errorf("feed: %w", err)
		}
	}
	return dirs, nil
}
