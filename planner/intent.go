// Package planner turns what a person asked for into a structured Intent and
// ranks offers on soft preferences. The offline planner (rule-based, no
// network) is the embedded default; the LLM planner (planner/llm) is used when
// a model is configured. Hard constraints are checked by code here, never by
// a model.
package planner

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cartwright-agent/cartwright/planner/lang"
	"github.com/cartwright-agent/cartwright/skills"
)

// Sort preferences.
const (
	SortCheapest = "cheapest"
	SortFastest  = "fastest"
	SortRating   = "rating"
)

// Intent is the structured form of a purchase request.
type Intent struct {
	Request  string            `json:"request"`
	Items    []ItemSpec        `json:"items"`
	Budget   *skills.Money     `json:"budget,omitempty"` // cap on the total charged
	Currency skills.Currency   `json:"currency,omitempty"`
	Merch    Lists             `json:"merchants"`
	Category Lists             `json:"categories"`
	Sort     string            `json:"sort,omitempty"`
	Delivery *skills.Address   `json:"delivery,omitempty"`
	Clarify  *Clarification    `json:"clarify,omitempty"`
	Notes    []Note            `json:"notes,omitempty"`
	Planner  string            `json:"planner"` // which planner produced it
	Usage    *ModelUsage       `json:"usage,omitempty"`
	Extra    map[string]string `json:"extra,omitempty"`
}

// Lists is an allow/deny pair; an empty Allow allows everything not denied.
type Lists struct {
	Allow []string `json:"allow,omitempty"`
	Deny  []string `json:"deny,omitempty"`
}

// Permits reports whether id passes the lists (case-insensitive).
func (l Lists) Permits(id string) bool {
	for _, d := range l.Deny {
		if strings.EqualFold(d, id) {
			return false
		}
	}
	if len(l.Allow) == 0 {
		return true
	}
	for _, a := range l.Allow {
		if strings.EqualFold(a, id) {
			return true
		}
	}
	return false
}

// ItemSpec is one thing the person wants.
type ItemSpec struct {
	// Query is what to search for, in the catalog's words ("oat milk latte").
	Query    string `json:"query"`
	Category string `json:"category,omitempty"`
	Quantity int    `json:"quantity"`
	// Attributes are hard: every key must equal (case-insensitive).
	Attributes map[string]string `json:"attributes,omitempty"`
	// ExcludeAttributes are hard: a product whose attribute key has one of
	// these values is rejected (lactose intolerant → milk ∉ {whole, skim}).
	ExcludeAttributes map[string][]string `json:"exclude_attributes,omitempty"`
	// ExcludeTerms are hard: a product whose title or attribute values contain
	// one of these words is rejected ("no sugar").
	ExcludeTerms []string `json:"exclude_terms,omitempty"`
	// RequireTerms are hard: a product whose title, brand and attribute
	// values lack one of these words is rejected ("whole wheat" toast where
	// the catalog has no attribute for it). A plural "s"/"es" is forgiven.
	// A term "key value" ("size m") also matches that attribute exactly.
	RequireTerms  []string `json:"require_terms,omitempty"`
	Brand         string   `json:"brand,omitempty"` // hard when set
	ExcludeBrands []string `json:"exclude_brands,omitempty"`
	// MaxUnitPrice is hard: the unit price must not exceed it.
	MaxUnitPrice *skills.Money `json:"max_unit_price,omitempty"`
	// MinUnitPrice is hard: the unit price must reach it ("priced above
	// 250", "between 120 and 480").
	MinUnitPrice *skills.Money `json:"min_unit_price,omitempty"`
	// Accounting is what became of every span of the person's words for
	// this item. Spans with Hard set are requirements the chosen product
	// must evidence before anything is paid (see agent/check).
	Accounting []Span `json:"accounting,omitempty"`
	// Prefer and PreferBrands are soft: they rank, they never reject.
	Prefer       map[string]string `json:"prefer,omitempty"`
	PreferBrands []string          `json:"prefer_brands,omitempty"`
	// Fit is a soft, fuzzy requirement for a model to judge ("suitable for
	// Iceland in March"); the offline planner leaves it to rules.
	Fit string `json:"fit,omitempty"`
}

// Span roles: what a piece of the person's words became.
const (
	RoleItem       = "item"       // the thing itself ("pepperoni pizza")
	RoleAttribute  = "attribute"  // a catalog attribute value (Key = Value)
	RoleMeasure    = "measure"    // number + unit on the product ("750 ml", "60 ct")
	RoleQuantity   = "quantity"   // how many to order ("two boxes of")
	RoleBrand      = "brand"      // a brand
	RolePrice      = "price"      // a ceiling, floor or range
	RoleNegation   = "negation"   // something excluded ("not the scented one")
	RolePreference = "preference" // soft: ranks, never rejects
	RoleFiller     = "filler"     // function words, politeness
	RoleUnknown    = "unknown"    // a content word mapped to nothing: must be evidenced
)

// Span is one piece of the person's words and what it became. Spans with
// Hard set must be evidenced by the product bought (Key/Value in its
// structured record, or Text in its title); a RoleNegation span must not
// be. Value of a RoleMeasure span is normalised "<number> <unit>"
// ("750 ml", "60 count").
type Span struct {
	Text   string `json:"text"`
	Role   string `json:"role"`
	Key    string `json:"key,omitempty"`
	Value  string `json:"value,omitempty"`
	Hard   bool   `json:"hard,omitempty"`
	Source string `json:"source,omitempty"` // memory entry, when memory said it
}

// Measure units.
const (
	UnitEach = "each" // a count of single things (eggs, bottles)
	UnitML   = "ml"   // a volume in millilitres
	UnitG    = "g"    // a weight in grams
)

// Measure is an amount asked in units of count, volume or weight ("2
// liters", "a dozen", "3 bottles"). The runtime matches it against each
// product's pack and sets the item's Quantity to the number of packs that
// gives it exactly, or asks; it never multiplies packs silently. It is set
// by code (the offline planner), kept in Intent.Extra under MeasureKey+i:
// see Intent.ItemMeasure and Intent.SetItemMeasure.
type Measure struct {
	Value int64  `json:"value"`
	Unit  string `json:"unit"`           // UnitEach, UnitML or UnitG
	Said  string `json:"said,omitempty"` // as written ("a dozen")
}

// MeasureKey prefixes the Intent.Extra key of an item's Measure
// ("measure/0"); the value is "<value> <unit>[ <said>]" ("2000 ml 2 liters").
const MeasureKey = "measure/"

// ItemMeasure returns item i's Measure, when the intent holds one.
func (in Intent) ItemMeasure(i int) (Measure, bool) {
	v, ok := in.Extra[MeasureKey+strconv.Itoa(i)]
	if !ok {
		return Measure{}, false
	}
	m, err := parseMeasure(v)
	return m, err == nil
}

// SetItemMeasure records item i's Measure in in.Extra.
func (in *Intent) SetItemMeasure(i int, m Measure) {
	if in.Extra == nil {
		in.Extra = map[string]string{}
	}
	v := strconv.FormatInt(m.Value, 10) + " " + m.Unit
	if m.Said != "" {
		v += " " + m.Said
	}
	in.Extra[MeasureKey+strconv.Itoa(i)] = v
}

func parseMeasure(v string) (Measure, error) {
	f := strings.SplitN(strings.TrimSpace(v), " ", 3)
	if len(f) < 2 {
		return Measure{}, fmt.Errorf("%q: want \"<value> <unit>[ <said>]\"", v)
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || n < 1 || n > 1_000_000_000 {
		return Measure{}, fmt.Errorf("%q: value out of range 1..1000000000", v)
	}
	if f[1] != UnitEach && f[1] != UnitML && f[1] != UnitG {
		return Measure{}, fmt.Errorf("%q: unknown unit %q", v, f[1])
	}
	m := Measure{Value: n, Unit: f[1]}
	if len(f) == 3 {
		m.Said = f[2]
	}
	return m, nil
}

// Clarification is a question the planner asks instead of guessing.
type Clarification struct {
	Question string   `json:"question"`
	Options  []string `json:"options,omitempty"`
	// Item is the index of the item the question is about (-1: the request).
	Item int `json:"item"`
}

// Note explains a decision; Source names the memory entry that caused it,
// when one did.
type Note struct {
	Text   string `json:"text"`
	Source string `json:"source,omitempty"`
}

// ModelUsage accounts for model calls (LLM planner only).
type ModelUsage struct {
	Calls     int   `json:"calls"`
	TokensIn  int   `json:"tokens_in"`
	TokensOut int   `json:"tokens_out"`
	LatencyMS int64 `json:"latency_ms"`
}

// Add adds o's calls, tokens and latency to u.
func (u *ModelUsage) Add(o ModelUsage) {
	u.Calls += o.Calls
	u.TokensIn += o.TokensIn
	u.TokensOut += o.TokensOut
	u.LatencyMS += o.LatencyMS
}

// Since is what was used between an earlier reading and u.
func (u ModelUsage) Since(earlier ModelUsage) ModelUsage {
	return ModelUsage{Calls: u.Calls - earlier.Calls, TokensIn: u.TokensIn - earlier.TokensIn,
		TokensOut: u.TokensOut - earlier.TokensOut, LatencyMS: u.LatencyMS - earlier.LatencyMS}
}

// MemoryItem is what memory tells the planner about the user. Kind is
// constraint (hard), preference (soft), profile or history.
type MemoryItem struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// Vocabulary is the merchants' catalog vocabulary, merged.
type Vocabulary struct {
	Categories []string            `json:"categories"`
	Attributes map[string][]string `json:"attributes"`
	Brands     []string            `json:"brands"`
	Merchants  map[string]string   `json:"merchants"` // id → display name
	Currency   skills.Currency     `json:"currency"`
	// Catalog is the vocabulary per category, merged across merchants
	// (sorted by category; a title sold by several merchants is one item).
	// Nil when no merchant publishes one: the flat lists above still hold.
	Catalog []skills.CategoryVocabulary `json:"catalog,omitempty"`
}

// MergeVocabulary folds merchants' published vocabularies into one.
func MergeVocabulary(infos []skills.MerchantInfo) Vocabulary {
	cats, brands := map[string]bool{}, map[string]bool{}
	attrs := map[string]map[string]bool{}
	v := Vocabulary{Attributes: map[string][]string{}, Merchants: map[string]string{}}
	for _, in := range infos {
		v.Merchants[in.ID] = in.Name
		if v.Currency == "" {
			v.Currency = in.Currency
		}
		for _, c := range in.Categories {
			cats[c] = true
		}
		for _, b := range in.Brands {
			brands[b] = true
		}
		for k, vals := range in.Attributes {
			if attrs[k] == nil {
				attrs[k] = map[string]bool{}
			}
			for _, x := range vals {
				attrs[k][x] = true
			}
		}
	}
	v.Categories, v.Brands = sortedKeys(cats), sortedKeys(brands)
	for k, set := range attrs {
		v.Attributes[k] = sortedKeys(set)
	}
	v.Catalog = mergeCatalogs(infos)
	return v
}

// mergeCatalogs merges the merchants' per-category vocabularies: counts add
// up, value and brand lists are unions, items are deduplicated by title.
func mergeCatalogs(infos []skills.MerchantInfo) []skills.CategoryVocabulary {
	type acc struct {
		c      skills.CategoryVocabulary
		vals   map[string]map[string]bool
		brands map[string]bool
		titles map[string]bool
	}
	by := map[string]*acc{}
	for _, in := range infos {
		for _, c := range in.Catalog {
			a := by[c.Category]
			if a == nil {
				a = &acc{c: skills.CategoryVocabulary{Category: c.Category, Attributes: map[string][]string{}, KeyCounts: map[string]int{}},
					vals: map[string]map[string]bool{}, brands: map[string]bool{}, titles: map[string]bool{}}
				by[c.Category] = a
			}
			a.c.Products += c.Products
			for k, n := range c.KeyCounts {
				a.c.KeyCounts[k] += n
			}
			for k, vs := range c.Attributes {
				if a.vals[k] == nil {
					a.vals[k] = map[string]bool{}
				}
				for _, x := range vs {
					a.vals[k][x] = true
				}
			}
			for _, b := range c.Brands {
				a.brands[b] = true
			}
			for _, it := range c.Items {
				if a.titles[it.Title] || len(a.c.Items) >= skills.MaxVocabularyItems {
					continue
				}
				a.titles[it.Title] = true
				a.c.Items = append(a.c.Items, it)
			}
		}
	}
	if len(by) == 0 {
		return nil
	}
	out := make([]skills.CategoryVocabulary, 0, len(by))
	for _, a := range by {
		for k, set := range a.vals {
			a.c.Attributes[k] = sortedKeys(set)
		}
		a.c.Brands = sortedKeys(a.brands)
		sort.SliceStable(a.c.Items, func(i, j int) bool { return a.c.Items[i].Title < a.c.Items[j].Title })
		out = append(out, a.c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Category < out[j].Category })
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Request is the planner's input for understanding.
type Request struct {
	Text       string       `json:"text"`
	UserID     string       `json:"user_id"`
	Memory     []MemoryItem `json:"memory,omitempty"`
	Vocabulary Vocabulary   `json:"vocabulary"`
	// Answer is the user's reply to an earlier clarification question.
	Answer string `json:"answer,omitempty"`
}

// Offer is a product at a merchant that passed the hard filters.
type Offer struct {
	Product skills.Product `json:"product"`
	Item    int            `json:"item"` // index into Intent.Items
	// ETADays is the merchant's published delivery estimate
	// (MerchantInfo.Shipping.ETADays); rankers use it for SortFastest.
	ETADays int `json:"eta_days,omitempty"`
}

// Ranked is an offer with a soft-preference score (higher is better) and
// the reason for it.
type Ranked struct {
	Offer  Offer  `json:"offer"`
	Score  int    `json:"score"`
	Reason string `json:"reason,omitempty"`
	Source string `json:"source,omitempty"` // memory entry that moved the score
}

// Planner understands requests and judges soft fit. Implementations must not
// be able to widen anything the hard filters or the mandate decide.
type Planner interface {
	Name() string
	Understand(ctx context.Context, req Request) (Intent, error)
	// Rank orders offers for one item (all already passed Accepts) by soft
	// preference. It may only reorder and explain the offers it was given.
	Rank(ctx context.Context, in Intent, item int, offers []Offer, memory []MemoryItem) ([]Ranked, error)
}

// SessionUsageReporter is implemented by planners that call a model: it
// reports the model usage so far of the session an intent belongs to, so the
// runtime can account for calls Rank makes (Rank's results carry no usage).
type SessionUsageReporter interface {
	SessionUsage(Intent) ModelUsage
}

// Validate checks an intent's structure: what any planner's output must
// satisfy before the runtime acts on it.
func (in Intent) Validate() error {
	if in.Clarify != nil {
		if strings.TrimSpace(in.Clarify.Question) == "" {
			return fmt.Errorf("clarify: empty question")
		}
		return nil
	}
	if len(in.Items) == 0 {
		return fmt.Errorf("items: none")
	}
	for i, it := range in.Items {
		if strings.TrimSpace(it.Query) == "" && it.Category == "" {
			return fmt.Errorf("items[%d]: neither query nor category", i)
		}
		if it.Quantity < 1 || it.Quantity > 1000 {
			return fmt.Errorf("items[%d].quantity: %d out of range 1..1000", i, it.Quantity)
		}
		if it.MaxUnitPrice != nil && it.MaxUnitPrice.Minor <= 0 {
			return fmt.Errorf("items[%d].max_unit_price: must be positive", i)
		}
		if it.MinUnitPrice != nil && it.MinUnitPrice.Minor < 0 {
			return fmt.Errorf("items[%d].min_unit_price: must not be negative", i)
		}
		if it.MinUnitPrice != nil && it.MaxUnitPrice != nil && it.MinUnitPrice.Minor > it.MaxUnitPrice.Minor {
			return fmt.Errorf("items[%d].min_unit_price: above max_unit_price", i)
		}
	}
	if in.Budget != nil && in.Budget.Minor <= 0 {
		return fmt.Errorf("budget: must be positive")
	}
	extra := make([]string, 0, len(in.Extra))
	for k := range in.Extra {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	for _, k := range extra {
		v := in.Extra[k]
		rest, ok := strings.CutPrefix(k, MeasureKey)
		if !ok {
			continue
		}
		i, err := strconv.Atoi(rest)
		if err != nil || i < 0 || i >= len(in.Items) {
			return fmt.Errorf("extra[%s]: no such item", k)
		}
		if _, err := parseMeasure(v); err != nil {
			return fmt.Errorf("extra[%s]: %v", k, err)
		}
	}
	switch in.Sort {
	case "", SortCheapest, SortFastest, SortRating:
	default:
		return fmt.Errorf("sort: unknown %q", in.Sort)
	}
	return nil
}

// Accepts checks a product against an item's hard constraints. It returns
// false and the reason when the product must not be bought for this item.
// Merchant and category lists are the Intent's, checked by AcceptsIntent.
func (it ItemSpec) Accepts(p skills.Product) (bool, string) {
	if it.Category != "" && !strings.EqualFold(it.Category, p.Category) {
		return false, fmt.Sprintf("category %q is not %q", p.Category, it.Category)
	}
	for k, want := range it.Attributes {
		got, ok := lookupFold(p.Attributes, k)
		if !ok || !strings.EqualFold(got, want) {
			return false, fmt.Sprintf("%s is %q, not %q", k, got, want)
		}
	}
	for k, bad := range it.ExcludeAttributes {
		got, ok := lookupFold(p.Attributes, k)
		if !ok {
			continue
		}
		for _, b := range bad {
			if strings.EqualFold(got, b) {
				return false, fmt.Sprintf("%s %q is excluded", k, got)
			}
		}
	}
	if len(it.ExcludeTerms) > 0 {
		hay := strings.ToLower(p.Title)
		for _, v := range p.Attributes {
			hay += " " + strings.ToLower(v)
		}
		for _, t := range it.ExcludeTerms {
			if t != "" && ContainsWord(hay, strings.ToLower(t)) {
				return false, fmt.Sprintf("contains excluded %q", t)
			}
		}
	}
	if len(it.RequireTerms) > 0 {
		hay := strings.ToLower(p.Title + " " + p.Brand)
		for k, v := range p.Attributes {
			// "; key value" lets a term name an attribute exactly ("size
			// m" matches size=m, never a stray "m" elsewhere)
			hay += " " + strings.ToLower(v) + " ; " + strings.ToLower(k+" "+v) + " ;"
		}
		for _, t := range it.RequireTerms {
			t = strings.ToLower(t)
			if t != "" && !ContainsWord(hay, t) && !ContainsWord(hay, t+"s") && !ContainsWord(hay, t+"es") && !SizeTermMatches(t, p.Attributes) {
				return false, fmt.Sprintf("lacks required %q", t)
			}
		}
	}
	if it.Brand != "" && !strings.EqualFold(it.Brand, p.Brand) {
		return false, fmt.Sprintf("brand %q is not %q", p.Brand, it.Brand)
	}
	for _, b := range it.ExcludeBrands {
		if strings.EqualFold(b, p.Brand) {
			return false, fmt.Sprintf("brand %q is excluded", p.Brand)
		}
	}
	if it.MaxUnitPrice != nil && p.Price.Currency == it.MaxUnitPrice.Currency && p.Price.Minor > it.MaxUnitPrice.Minor {
		return false, fmt.Sprintf("unit price %s exceeds %s", p.Price, *it.MaxUnitPrice)
	}
	if it.MaxUnitPrice != nil && p.Price.Currency != it.MaxUnitPrice.Currency {
		return false, fmt.Sprintf("price in %s, limit in %s", p.Price.Currency, it.MaxUnitPrice.Currency)
	}
	if it.MinUnitPrice != nil && (p.Price.Currency != it.MinUnitPrice.Currency || p.Price.Minor < it.MinUnitPrice.Minor) {
		return false, fmt.Sprintf("unit price %s is below the floor %s", p.Price, *it.MinUnitPrice)
	}
	if p.Stock < it.Quantity {
		return false, fmt.Sprintf("only %d in stock, need %d", p.Stock, it.Quantity)
	}
	return true, ""
}

// AcceptsIntent adds the intent-wide lists to the item's hard constraints.
func (in Intent) AcceptsIntent(item int, p skills.Product) (bool, string) {
	if !in.Merch.Permits(p.Merchant) {
		return false, fmt.Sprintf("merchant %q is not allowed", p.Merchant)
	}
	if !in.Category.Permits(p.Category) {
		return false, fmt.Sprintf("category %q is not allowed", p.Category)
	}
	if item < 0 || item >= len(in.Items) {
		return false, "no such item"
	}
	return in.Items[item].Accepts(p)
}

func lookupFold(m map[string]string, k string) (string, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v, true
		}
	}
	return "", false
}

// ContainsWord reports whether term occurs in hay on word boundaries (ASCII
// letters, digits and "_" are word characters). Both are compared as given:
// lower-case them first for a case-insensitive test.
func ContainsWord(hay, term string) bool {
	for i := 0; ; {
		j := strings.Index(hay[i:], term)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isWordByte(hay[j-1])
		end := j + len(term)
		after := end == len(hay) || !isWordByte(hay[end])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// SizeTermMatches reports whether a required "size X" term names the product's
// size attribute in another notation ("size m" and size = medium, "size
// 42" and size = eu:42 when no system was said): the notations are
// language (planner/lang), the value is the catalog's.
func SizeTermMatches(term string, attrs map[string]string) bool {
	v, ok := strings.CutPrefix(term, "size ")
	if !ok {
		return false
	}
	want, ok := lang.ParseSize(v)
	if !ok {
		return false
	}
	got, ok := lookupFold(attrs, "size")
	if !ok {
		return false
	}
	have, ok := lang.ParseSize(got)
	return ok && want.Matches(have)
}
