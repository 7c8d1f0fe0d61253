package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// The argument types of the submit_intent tool: planner.Intent as a model
// should write it (money as decimal strings, vocabulary-bound values). The
// tool's JSON Schema is generated from them (schema.go).

type intentArgs struct {
	Items      []itemArgs    `json:"items" desc:"One entry per distinct thing to buy. Empty only when asking a clarification question."`
	Budget     *moneyArgs    `json:"budget,omitempty" desc:"Cap on the total charged (shipping included), only when the person states one."`
	Currency   string        `json:"currency,omitempty" desc:"ISO 4217 code of the amounts; defaults to the catalog currency." pattern:"^[A-Z]{3}$"`
	Merchants  merchantLists `json:"merchants,omitempty" desc:"Merchants the person restricts to (allow) or rules out (deny), by merchant id."`
	Categories categoryLists `json:"categories,omitempty" desc:"Categories the person restricts to or rules out."`
	Sort       string        `json:"sort,omitempty" enum:"cheapest|fastest|rating" desc:"What the person wants optimised when several offers fit."`
	Delivery   *addressArgs  `json:"delivery,omitempty" desc:"Delivery address, only when the person or their profile memory gives one."`
	Clarify    *clarifyArgs  `json:"clarify,omitempty" desc:"A question to ask instead of guessing when the request is ambiguous."`
	Notes      []noteArgs    `json:"notes,omitempty" desc:"Short explanations of decisions, naming the memory entry that caused each."`
}

type itemArgs struct {
	Query             string              `json:"query" desc:"What to search for, in the catalog's words (e.g. \"oat latte\")."`
	Category          string              `json:"category,omitempty" vocab:"category" desc:"Catalog category, when clear."`
	Quantity          int                 `json:"quantity" min:"1" max:"1000" desc:"Units wanted, as stated (1 when not stated)."`
	Attributes        map[string]string   `json:"attributes,omitempty" vocab:"attributes" desc:"Hard requirements: attribute key = value, from the vocabulary only."`
	ExcludeAttributes map[string][]string `json:"exclude_attributes,omitempty" vocab:"attributes" desc:"Hard exclusions: attribute values that must not be bought (allergies, intolerances)."`
	ExcludeTerms      []string            `json:"exclude_terms,omitempty" desc:"Hard exclusions: words a product's title or attributes must not contain."`
	RequireTerms      []string            `json:"require_terms,omitempty" desc:"Hard requirements: words the person used for the product that no attribute expresses (\"whole wheat\", a variety name); the title, brand or attributes must contain each."`
	Brand             string              `json:"brand,omitempty" vocab:"brand" desc:"Required brand, only when the person insists on one."`
	ExcludeBrands     []string            `json:"exclude_brands,omitempty" desc:"Brands ruled out."`
	MaxUnitPrice      *moneyArgs          `json:"max_unit_price,omitempty" desc:"Cap on the price of one unit, only when stated per unit."`
	MinUnitPrice      *moneyArgs          `json:"min_unit_price,omitempty" desc:"Floor on the price of one unit, only when the person states one (\"priced above 250\", \"between 120 and 480\")."`
	Prefer            map[string]string   `json:"prefer,omitempty" vocab:"attributes" desc:"Soft wishes: attribute values that rank higher but never reject."`
	PreferBrands      []string            `json:"prefer_brands,omitempty" vocab:"brand" desc:"Soft wishes: brands that rank higher."`
	Fit               string              `json:"fit,omitempty" desc:"A fuzzy suitability requirement the catalog attributes cannot express (e.g. \"warm enough for Iceland in March\")."`
}

type moneyArgs struct {
	Amount   string `json:"amount" pattern:"^[0-9]+(\\.[0-9]+)?$" desc:"Decimal amount in major units, e.g. \"40\" or \"39.50\"."`
	Currency string `json:"currency,omitempty" pattern:"^[A-Z]{3}$" desc:"ISO 4217 code; defaults to the intent's currency."`
}

type merchantLists struct {
	Allow []string `json:"allow,omitempty" vocab:"merchant"`
	Deny  []string `json:"deny,omitempty" vocab:"merchant"`
}

type categoryLists struct {
	Allow []string `json:"allow,omitempty" vocab:"category"`
	Deny  []string `json:"deny,omitempty" vocab:"category"`
}

type addressArgs struct {
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

type clarifyArgs struct {
	Question string   `json:"question"`
	Options  []string `json:"options,omitempty"`
	Item     int      `json:"item" min:"-1" desc:"Index of the item the question is about; -1 for the whole request."`
}

type noteArgs struct {
	Text   string `json:"text"`
	Source string `json:"source,omitempty" vocab:"memory" desc:"Id of the memory entry behind this decision."`
}

// intentSchema is submit_intent's parameter schema for one request.
func intentSchema(req planner.Request) map[string]any {
	v := req.Vocabulary
	ids := make([]string, 0, len(v.Merchants))
	for id := range v.Merchants {
		ids = append(ids, id)
	}
	mem := make([]string, 0, len(req.Memory))
	for _, m := range req.Memory {
		mem = append(mem, m.ID)
	}
	return schemaOf(intentArgs{}, schemaVocab{
		enums: map[string][]string{
			"category": v.Categories, "brand": v.Brands, "merchant": ids, "memory": mem,
		},
		attributes: v.Attributes,
	})
}

// decodeStrict decodes a JSON object, rejecting unknown fields and trailing
// data, with messages that name the offending field.
func decodeStrict(raw string, into any) error {
	d := json.NewDecoder(strings.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(into); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("%s: expected %s, got %s", te.Field, te.Type, te.Value)
		}
		return fmt.Errorf("not a valid arguments object: %v", err)
	}
	if d.More() {
		return errors.New("not a valid arguments object: trailing data after the JSON object")
	}
	return nil
}

// extractJSON finds a JSON object in plain text (JSON mode, or a model that
// answered in text instead of calling the tool): code fences and chatter
// around the object are dropped.
func extractJSON(s string) (string, bool) {
	i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}')
	if i < 0 || j < i {
		return "", false
	}
	obj := s[i : j+1]
	if !json.Valid([]byte(obj)) {
		return "", false
	}
	return obj, true
}

// problems collects validation failures so the model sees all of them at once.
type problems []string

func (p *problems) addf(format string, a ...any) { *p = append(*p, fmt.Sprintf(format, a...)) }

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.New(strings.Join(p, "; "))
}

// toIntent checks the model's arguments against the request and its
// vocabulary and converts them. Values are mapped to the vocabulary's own
// spelling; anything outside the vocabulary, an amount that is not exact
// money, an unknown currency or a quantity the person never stated is an
// error naming the field.
func (a intentArgs) toIntent(req planner.Request) (planner.Intent, error) {
	var bad problems
	v := req.Vocabulary
	in := planner.Intent{Request: req.Text, Sort: a.Sort}

	cur := v.Currency
	if a.Currency != "" {
		c, err := skills.ParseCurrency(a.Currency)
		if err != nil {
			bad.addf("currency: unknown %q", a.Currency)
		} else {
			cur = c
		}
	}
	said := groundText(req)
	amounts := statedAmounts(said)
	if a.Budget != nil {
		m, err := a.Budget.money("budget", cur)
		if err != nil {
			bad.addf("%v", err)
		} else {
			if !amountStated(m, amounts) {
				bad.addf("budget.amount: %s is not an amount the person stated; set a budget only from a limit they give", a.Budget.Amount)
			}
			in.Budget = &m
			if a.Currency == "" {
				cur = m.Currency
			} else if m.Currency != cur {
				bad.addf("budget.currency: %s differs from currency %s", m.Currency, cur)
			}
		}
	}
	in.Currency = cur

	grounded := statedNumbers(req.Text + " " + req.Answer)
	for i, ia := range a.Items {
		it, errs := ia.toItem(i, v, cur, grounded)
		bad = append(bad, errs...)
		if len(errs) == 0 && !itemGrounded(it, said) {
			bad.addf("items[%d]: %q is nothing the person asked for (no word of its query, its brand or its category is in the request, the answer or memory); name each item with their words and add none of your own", i, it.Query)
		}
		if it.MaxUnitPrice != nil && !amountStated(*it.MaxUnitPrice, amounts) {
			bad.addf("items[%d].max_unit_price.amount: %s is not an amount the person stated", i, ia.MaxUnitPrice.Amount)
		}
		if it.MinUnitPrice != nil && !amountStated(*it.MinUnitPrice, amounts) {
			bad.addf("items[%d].min_unit_price.amount: %s is not an amount the person stated", i, ia.MinUnitPrice.Amount)
		}
		if it.Brand != "" && !nameGrounded(said, it.Brand) {
			bad.addf("items[%d].brand: the person did not ask for %s; use prefer_brands for a brand they did not insist on", i, it.Brand)
		}
		for j, term := range it.RequireTerms {
			if !wordsGrounded(term, said) {
				bad.addf("items[%d].require_terms[%d]: %q are not the person's words", i, j, term)
			}
		}
		in.Items = append(in.Items, it)
	}
	in.Merch.Allow = vocabIDs(&bad, "merchants.allow", a.Merchants.Allow, v.Merchants)
	in.Merch.Deny = vocabIDs(&bad, "merchants.deny", a.Merchants.Deny, v.Merchants)
	for _, l := range []struct {
		field string
		ids   []string
	}{{"merchants.allow", in.Merch.Allow}, {"merchants.deny", in.Merch.Deny}} {
		for i, id := range l.ids {
			if !nameGrounded(said, id, v.Merchants[id]) {
				bad.addf("%s[%d]: the person did not name %s; restrict merchants only as they do", l.field, i, id)
			}
		}
	}
	in.Category.Allow = vocabValues(&bad, "categories.allow", a.Categories.Allow, v.Categories)
	in.Category.Deny = vocabValues(&bad, "categories.deny", a.Categories.Deny, v.Categories)

	if d := a.Delivery; d != nil {
		addr := skills.Address(*d)
		if addr != (skills.Address{}) {
			in.Delivery = &addr
		}
	}
	if c := a.Clarify; c != nil {
		if c.Item != -1 && (c.Item < 0 || c.Item >= len(a.Items)) {
			bad.addf("clarify.item: %d is not -1 or an index into items", c.Item)
		}
		in.Clarify = &planner.Clarification{Question: strings.TrimSpace(c.Question), Options: c.Options, Item: c.Item}
	}
	mem := map[string]bool{}
	for _, m := range req.Memory {
		mem[m.ID] = true
	}
	for i, n := range a.Notes {
		if strings.TrimSpace(n.Text) == "" {
			continue
		}
		if n.Source != "" && !mem[n.Source] {
			bad.addf("notes[%d].source: %q is not a memory entry id", i, n.Source)
		}
		in.Notes = append(in.Notes, planner.Note{Text: n.Text, Source: n.Source})
	}
	if err := bad.err(); err != nil {
		return planner.Intent{}, err
	}
	if err := in.Validate(); err != nil {
		return planner.Intent{}, err
	}
	return in, nil
}

func (ia itemArgs) toItem(i int, v planner.Vocabulary, cur skills.Currency, grounded map[int]bool) (planner.ItemSpec, problems) {
	var bad problems
	f := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
	it := planner.ItemSpec{
		Query:    strings.TrimSpace(ia.Query),
		Quantity: ia.Quantity,
		Fit:      strings.TrimSpace(ia.Fit),
	}
	if ia.Category != "" {
		it.Category = vocabValue(&bad, f("category"), ia.Category, v.Categories)
	}
	if ia.Quantity > 1 && !grounded[ia.Quantity] {
		bad.addf("%s: %d is not a number the person stated; use 1 unless a quantity is given", f("quantity"), ia.Quantity)
	}
	it.Attributes = vocabAttrs(&bad, f("attributes"), ia.Attributes, v.Attributes)
	it.Prefer = vocabAttrs(&bad, f("prefer"), ia.Prefer, v.Attributes)
	if len(ia.ExcludeAttributes) > 0 {
		it.ExcludeAttributes = map[string][]string{}
		for k, vals := range ia.ExcludeAttributes {
			key, ok := foldKey(v.Attributes, k)
			if !ok {
				bad.addf("%s: unknown attribute %q (known: %s)", f("exclude_attributes"), k, strings.Join(mapKeys(v.Attributes), ", "))
				continue
			}
			for _, x := range vals {
				it.ExcludeAttributes[key] = append(it.ExcludeAttributes[key],
					vocabValue(&bad, f("exclude_attributes."+key), x, v.Attributes[key]))
			}
		}
		if len(it.ExcludeAttributes) == 0 {
			it.ExcludeAttributes = nil
		}
	}
	for _, t := range ia.ExcludeTerms {
		if t = strings.TrimSpace(t); t != "" {
			it.ExcludeTerms = append(it.ExcludeTerms, t)
		}
	}
	for _, t := range ia.RequireTerms {
		if t = strings.TrimSpace(t); t != "" {
			it.RequireTerms = append(it.RequireTerms, t)
		}
	}
	if ia.Brand != "" {
		it.Brand = vocabValue(&bad, f("brand"), ia.Brand, v.Brands)
	}
	it.PreferBrands = vocabValues(&bad, f("prefer_brands"), ia.PreferBrands, v.Brands)
	for _, b := range ia.ExcludeBrands {
		if b = strings.TrimSpace(b); b != "" {
			it.ExcludeBrands = append(it.ExcludeBrands, b)
		}
	}
	if ia.MaxUnitPrice != nil {
		m, err := ia.MaxUnitPrice.money(f("max_unit_price"), cur)
		if err != nil {
			bad.addf("%v", err)
		} else {
			it.MaxUnitPrice = &m
		}
	}
	if ia.MinUnitPrice != nil {
		m, err := ia.MinUnitPrice.money(f("min_unit_price"), cur)
		if err != nil {
			bad.addf("%v", err)
		} else {
			it.MinUnitPrice = &m
		}
	}
	if it.MinUnitPrice != nil && it.MaxUnitPrice != nil && it.MinUnitPrice.Currency == it.MaxUnitPrice.Currency && it.MinUnitPrice.Minor > it.MaxUnitPrice.Minor {
		bad.addf("%s: %s is above max_unit_price %s", f("min_unit_price"), *it.MinUnitPrice, *it.MaxUnitPrice)
	}
	if n := len([]rune(it.Fit)); n > 300 {
		bad.addf("%s: %d characters, at most 300", f("fit"), n)
	}
	return it, bad
}

func (m moneyArgs) money(field string, def skills.Currency) (skills.Money, error) {
	cur := def
	if m.Currency != "" {
		c, err := skills.ParseCurrency(m.Currency)
		if err != nil {
			return skills.Money{}, fmt.Errorf("%s.currency: unknown %q", field, m.Currency)
		}
		cur = c
	}
	if !cur.Valid() {
		return skills.Money{}, fmt.Errorf("%s.currency: missing (no catalog currency to default to)", field)
	}
	out, err := skills.ParseMoney(m.Amount, cur)
	if err != nil {
		return skills.Money{}, fmt.Errorf("%s.amount: %v", field, err)
	}
	if out.Minor <= 0 {
		return skills.Money{}, fmt.Errorf("%s.amount: must be positive, got %q", field, m.Amount)
	}
	return out, nil
}

// vocabValue maps s to the vocabulary's spelling (case-insensitive).
func vocabValue(bad *problems, field, s string, known []string) string {
	for _, k := range known {
		if strings.EqualFold(strings.TrimSpace(s), k) {
			return k
		}
	}
	if len(known) == 0 {
		bad.addf("%s: %q given but the catalog vocabulary has none", field, s)
	} else {
		bad.addf("%s: %q is not in the vocabulary (known: %s)", field, s, strings.Join(known, ", "))
	}
	return s
}

func vocabValues(bad *problems, field string, ss, known []string) []string {
	var out []string
	for i, s := range ss {
		out = append(out, vocabValue(bad, fmt.Sprintf("%s[%d]", field, i), s, known))
	}
	return out
}

// vocabIDs maps merchant ids or display names to ids.
func vocabIDs(bad *problems, field string, ss []string, merchants map[string]string) []string {
	var out []string
	for i, s := range ss {
		s = strings.TrimSpace(s)
		id := ""
		for mid, name := range merchants {
			if strings.EqualFold(s, mid) || (name != "" && strings.EqualFold(s, name)) {
				id = mid
				break
			}
		}
		if id == "" {
			bad.addf("%s[%d]: %q is not a known merchant id (known: %s)", field, i, s, strings.Join(mapKeys(merchants), ", "))
			continue
		}
		out = append(out, id)
	}
	return out
}

func vocabAttrs(bad *problems, field string, m map[string]string, attrs map[string][]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, val := range m {
		key, ok := foldKey(attrs, k)
		if !ok {
			bad.addf("%s: unknown attribute %q (known: %s)", field, k, strings.Join(mapKeys(attrs), ", "))
			continue
		}
		out[key] = vocabValue(bad, field+"."+key, val, attrs[key])
	}
	return out
}

func foldKey[V any](m map[string]V, k string) (string, bool) {
	k = strings.TrimSpace(k)
	if _, ok := m[k]; ok {
		return k, true
	}
	for mk := range m {
		if strings.EqualFold(mk, k) {
			return mk, true
		}
	}
	return "", false
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// numberWords are the spelled-out quantities statedNumbers recognises.
var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
	"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
	"pair": 2, "couple": 2, "both": 2, "dozen": 12, "half-dozen": 6,
	"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
	"八": 8, "九": 9, "十": 10,
}

// statedNumbers returns every quantity the text states in digits, in
// English words or in single Chinese numerals. A quantity above one that
// is not among them was invented by the model.
func statedNumbers(text string) map[int]bool {
	out := map[int]bool{}
	lower := strings.ToLower(text)
	var digits bytes.Buffer
	flush := func() {
		if digits.Len() > 0 {
			if n, err := strconv.Atoi(digits.String()); err == nil {
				out[n] = true
			}
			digits.Reset()
		}
	}
	for _, r := range lower {
		if r >= '0' && r <= '9' {
			digits.WriteRune(r)
			continue
		}
		flush()
		if n, ok := numberWords[string(r)]; ok {
			out[n] = true
		}
	}
	flush()
	for _, w := range strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) {
		if n, ok := numberWords[w]; ok {
			out[n] = true
		}
	}
	return out
}
