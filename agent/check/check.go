// Package check is the conformance check between quote and authorisation:
// before any money moves, each chosen product must evidence every
// requirement the person stated — the item itself, attribute values,
// measures, sizes, brands, negations and prices — in its structured record
// (category, attributes, brand, title). It reads the request text as well
// as the planner's intent, so a requirement any planner dropped is still
// caught.
//
// Check is a pure function: the same request, product and catalog give the
// same Verdict. A conflict (the product has a different value for what was
// asked) is never paid; a requirement without structured evidence is asked
// of the person; evidence found only in the merchant's free-text
// description is untrusted and can at most turn a refusal into a question.
//
// The package knows language (planner/lang) and reads the catalog's
// vocabulary from data (Catalog); it names no category, key or brand.
package check

import (
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/lang"
	"github.com/cartwright-agent/cartwright/skills"
)

// Status is what the product shows for one requirement.
type Status string

// Statuses, best first.
const (
	// Evidenced: the structured record shows it.
	Evidenced Status = "evidenced"
	// DescriptionOnly: only the merchant's free-text description shows it
	// (untrusted: at most a question, never a silent payment).
	DescriptionOnly Status = "description_only"
	// Unverified: nothing in the record shows it.
	Unverified Status = "unverified"
	// Conflict: the record shows something else for it.
	Conflict Status = "conflict"
)

// Outcomes of a Verdict.
const (
	Pass    = "pass"    // every requirement evidenced
	Confirm = "confirm" // some requirement lacks structured evidence: ask
	Refuse  = "refuse"  // a requirement conflicts: never pay
)

// Requirement kinds.
const (
	KindItem      = "item"
	KindAttribute = "attribute"
	KindMeasure   = "measure"
	KindSize      = "size"
	KindBrand     = "brand"
	KindNegation  = "negation"
	KindTerm      = "term"
	KindPrice     = "price"
	KindCategory  = "category"
	KindAmount    = "amount"
)

// Requirement is one thing the person asked for and what the product shows
// for it.
type Requirement struct {
	Text  string `json:"text"` // the person's words, or the intent's
	Kind  string `json:"kind"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
	// From is where the requirement was read: "intent", "accounting",
	// "request" (the text itself) or "memory:<id>".
	From   string `json:"from"`
	Status Status `json:"status"`
	// Where is the evidence ("attribute color", "title", "brand",
	// "category", "description"); Got the product's conflicting value.
	Where string `json:"where,omitempty"`
	Got   string `json:"got,omitempty"`
}

// String is the requirement for a person: "'cordless' → power = cordless
// (evidenced: attribute power)".
func (r Requirement) String() string {
	s := fmt.Sprintf("%q", r.Text)
	switch {
	case r.Key != "" && r.Value != "":
		s += fmt.Sprintf(" → %s = %s", r.Key, r.Value)
	case r.Kind != "":
		s += " → " + r.Kind
	}
	switch r.Status {
	case Evidenced:
		return s + " (" + r.Where + ")"
	case Conflict:
		return s + " conflicts: the product has " + r.Got
	case DescriptionOnly:
		return s + " is only in the merchant's description"
	}
	return s + " has no evidence in the product's record"
}

// Verdict is the check of one product for one item.
type Verdict struct {
	Item         int           `json:"item"`
	Merchant     string        `json:"merchant"`
	SKU          string        `json:"sku"`
	Title        string        `json:"title"`
	Outcome      string        `json:"outcome"`
	Requirements []Requirement `json:"requirements"`
}

// Problems lists the requirements that are not evidenced, conflicts first.
func (v Verdict) Problems() []Requirement {
	var out []Requirement
	for _, st := range []Status{Conflict, Unverified, DescriptionOnly} {
		for _, r := range v.Requirements {
			if r.Status == st {
				out = append(out, r)
			}
		}
	}
	return out
}

// Summary is one line for a person: what conflicts or lacks evidence, or
// what was evidenced.
func (v Verdict) Summary() string {
	if ps := v.Problems(); len(ps) > 0 {
		parts := make([]string, len(ps))
		for i, r := range ps {
			parts[i] = r.String()
		}
		return strings.Join(parts, "; ")
	}
	parts := make([]string, 0, len(v.Requirements))
	for _, r := range v.Requirements {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, "; ")
}

// Request is what the person asked, for one item of the intent.
type Request struct {
	// Text is the request; Answers the person's replies to questions.
	Text    string
	Answers []string
	// Items is the intent's items; Item the one being checked.
	Items []planner.ItemSpec
	Item  int
	// Memory is what memory told the planner about the person (texts): a
	// requirement it holds is the person's too.
	Memory []string
	// Amount is the item's measured amount when the intent holds one
	// ("2 liters"): the runtime buys whole packs that give it exactly, so a
	// stated amount equal to it is not a per-pack measure.
	Amount *planner.Measure
}

// For is the Request of item i of an intent, with the person's answers.
func For(in planner.Intent, item int, answers ...string) Request {
	r := Request{Text: in.Request, Items: in.Items, Item: item}
	for _, a := range answers {
		if strings.TrimSpace(a) != "" {
			r.Answers = append(r.Answers, a)
		}
	}
	if m, ok := in.ItemMeasure(item); ok {
		r.Amount = &m
	}
	return r
}

// product is a product's record, folded for comparison.
type product struct {
	p        skills.Product
	title    string            // " folded title brand "
	titleSq  string            // the same, spaces removed
	attrs    map[string]string // folded key → folded value
	rawAttrs map[string]string // folded key → value as given
	hay      string            // " title + brand + attribute values + category "
	desc     string
	measures []measureAt
}

type measureAt struct {
	m     lang.Measure
	where string
}

func newProduct(p skills.Product) *product {
	x := &product{p: p, attrs: map[string]string{}, rawAttrs: map[string]string{}}
	x.title = " " + lang.Fold(p.Title+" "+p.Brand) + " "
	x.titleSq = strings.ReplaceAll(x.title, " ", "")
	hay := []string{lang.Fold(p.Title), lang.Fold(p.Brand), lang.Fold(p.Category)}
	keys := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := p.Attributes[k]
		fk := lang.Fold(k)
		x.attrs[fk] = lang.Fold(v)
		x.rawAttrs[fk] = v
		hay = append(hay, lang.Fold(v))
		if m, ok := lang.Parse(v); ok {
			x.measures = append(x.measures, measureAt{m, "attribute " + k})
		}
	}
	x.hay = " " + strings.Join(hay, " ; ") + " "
	x.desc = " " + lang.Fold(p.Description) + " "
	for _, m := range lang.Find(p.Title) {
		x.measures = append(x.measures, measureAt{m, "title"})
	}
	return x
}

func has(hay, phrase string) bool {
	return phrase != "" && strings.Contains(hay, " "+phrase+" ")
}

// inRecord reports where the record (title, brand, category, attribute
// values) names a folded phrase, or "".
func (x *product) inRecord(phrase string) string {
	if phrase == "" {
		return ""
	}
	if has(x.title, phrase) || strings.Contains(x.titleSq, strings.ReplaceAll(phrase, " ", "")) && len(phrase) > 3 {
		return "title"
	}
	if lang.Fold(x.p.Category) == phrase || strings.ReplaceAll(lang.Fold(x.p.Category), " ", "") == strings.ReplaceAll(phrase, " ", "") {
		return "category"
	}
	for k, v := range x.attrs {
		if v == phrase || has(" "+v+" ", phrase) {
			return "attribute " + k
		}
	}
	return ""
}

// valueEqual compares two values of one attribute: folded text, a size
// notation ("l" = "large", "eu:38" = "EU 38") or a measure ("1l" = "1000
// ml").
func valueEqual(a, b string) bool {
	fa, fb := lang.Fold(a), lang.Fold(b)
	if fa == fb || strings.ReplaceAll(fa, " ", "") == strings.ReplaceAll(fb, " ", "") {
		return true
	}
	if sa, ok := lang.ParseSize(a); ok {
		if sb, ok := lang.ParseSize(b); ok {
			return sa.Matches(sb)
		}
	}
	if ma, ok := lang.Parse(a); ok {
		if mb, ok := lang.Parse(b); ok {
			return ma.Equal(mb)
		}
	}
	return false
}

// verdict collects requirements, one per identity.
type verdict struct {
	v    Verdict
	seen map[string]int
}

func (vd *verdict) add(r Requirement) {
	id := r.Kind + "|" + strings.ToLower(r.Key) + "|" + lang.Fold(r.Value)
	if r.Value == "" {
		id += "|" + lang.Fold(r.Text)
	}
	if i, ok := vd.seen[id]; ok {
		if rank(r.Status) > rank(vd.v.Requirements[i].Status) {
			vd.v.Requirements[i] = r
		}
		return
	}
	vd.seen[id] = len(vd.v.Requirements)
	vd.v.Requirements = append(vd.v.Requirements, r)
}

func rank(s Status) int {
	switch s {
	case Conflict:
		return 3
	case Unverified:
		return 2
	case DescriptionOnly:
		return 1
	}
	return 0
}

// Check checks product p for the item req names. cat may be nil (no
// catalog vocabulary: only the intent and the measures in the text are
// checked).
func Check(req Request, p skills.Product, cat *Catalog) Verdict {
	vd := &verdict{v: Verdict{Item: req.Item, Merchant: p.Merchant, SKU: p.SKU, Title: p.Title}, seen: map[string]int{}}
	if req.Item < 0 || req.Item >= len(req.Items) {
		vd.v.Outcome = Refuse
		vd.add(Requirement{Text: "item", Kind: KindItem, From: "intent", Status: Conflict, Got: "no such item"})
		return vd.v
	}
	it := req.Items[req.Item]
	x := newProduct(p)
	if cat == nil {
		cat = NewCatalog(planner.Vocabulary{}, nil)
	}
	checkIntent(vd, it, x)
	grounded(vd, req, it, x)
	checkAccounting(vd, it, x)
	segs := segments(req, cat)
	for _, seg := range segs {
		scanText(vd, req, it, x, cat, seg)
		prices(vd, x, seg)
		numbers(vd, it, x, seg)
	}
	quantity(vd, it, strings.Join(segs, "\n"), req.Amount != nil)
	vd.v.Outcome = Pass
	for _, r := range vd.v.Requirements {
		switch r.Status {
		case Conflict:
			vd.v.Outcome = Refuse
		case Unverified, DescriptionOnly:
			if vd.v.Outcome == Pass {
				vd.v.Outcome = Confirm
			}
		}
	}
	return vd.v
}

// attr checks key = want against the record.
func attr(x *product, text, key, want, from string) Requirement {
	r := Requirement{Text: text, Kind: KindAttribute, Key: key, Value: want, From: from}
	fk := lang.Fold(key)
	if got, ok := x.rawAttrs[fk]; ok {
		if valueEqual(got, want) {
			r.Status, r.Where = Evidenced, "attribute "+key
		} else {
			r.Status, r.Got = Conflict, fmt.Sprintf("%s = %s", key, got)
		}
		return r
	}
	return term(x, r)
}

// term looks for a requirement's value (or text) in the record, then in
// the description.
func term(x *product, r Requirement) Requirement {
	w := lang.Fold(r.Value)
	if w == "" {
		w = lang.Fold(r.Text)
	}
	if where := x.inRecord(w); where != "" {
		r.Status, r.Where = Evidenced, where
		return r
	}
	if planner.SizeTermMatches(w, x.p.Attributes) {
		r.Status, r.Where = Evidenced, "attribute size"
		return r
	}
	if has(x.desc, w) {
		r.Status, r.Where = DescriptionOnly, "description"
		return r
	}
	r.Status = Unverified
	return r
}

// negation checks that a value is not on the product.
func negation(x *product, text, key, value, from string) Requirement {
	r := Requirement{Text: text, Kind: KindNegation, Key: key, Value: value, From: from, Status: Evidenced, Where: "absent"}
	fv := lang.Fold(value)
	if key != "" {
		if got, ok := x.rawAttrs[lang.Fold(key)]; ok {
			if valueEqual(got, value) {
				r.Status, r.Got = Conflict, fmt.Sprintf("%s = %s", key, got)
			} else {
				r.Where = fmt.Sprintf("attribute %s = %s", key, got)
			}
			return r
		}
	}
	for k, got := range x.rawAttrs {
		if key == "" && valueEqual(got, value) {
			r.Status, r.Got = Conflict, fmt.Sprintf("%s = %s", k, got)
			return r
		}
	}
	if has(x.title, fv) {
		r.Status, r.Got = Conflict, fmt.Sprintf("title %q", x.p.Title)
	}
	return r
}

func checkIntent(vd *verdict, it planner.ItemSpec, x *product) {
	p := x.p
	if it.Category != "" {
		r := Requirement{Text: it.Category, Kind: KindCategory, Value: it.Category, From: "intent", Status: Evidenced, Where: "category"}
		if !strings.EqualFold(it.Category, p.Category) {
			r.Status, r.Got = Conflict, "category "+p.Category
		}
		vd.add(r)
	}
	for _, k := range sortedKeys(it.Attributes) {
		vd.add(attr(x, it.Attributes[k], k, it.Attributes[k], "intent"))
	}
	for _, k := range sortedKeys(it.ExcludeAttributes) {
		for _, bad := range it.ExcludeAttributes[k] {
			vd.add(negation(x, "not "+bad, k, bad, "intent"))
		}
	}
	for _, t := range it.ExcludeTerms {
		if strings.TrimSpace(t) != "" {
			vd.add(negation(x, "not "+t, "", t, "intent"))
		}
	}
	for _, t := range it.RequireTerms {
		if strings.TrimSpace(t) != "" {
			vd.add(term(x, Requirement{Text: t, Kind: KindTerm, Value: t, From: "intent"}))
		}
	}
	if it.Brand != "" {
		vd.add(brand(x, it.Brand, "intent", false))
	}
	for _, b := range it.ExcludeBrands {
		vd.add(brand(x, b, "intent", true))
	}
	if m := it.MaxUnitPrice; m != nil {
		r := Requirement{Text: "at most " + m.String(), Kind: KindPrice, From: "intent", Status: Evidenced, Where: "price " + p.Price.String()}
		if p.Price.Currency != m.Currency || p.Price.Minor > m.Minor {
			r.Status, r.Got = Conflict, "price "+p.Price.String()
		}
		vd.add(r)
	}
	if m := it.MinUnitPrice; m != nil {
		r := Requirement{Text: "at least " + m.String(), Kind: KindPrice, From: "intent", Status: Evidenced, Where: "price " + p.Price.String()}
		if p.Price.Currency != m.Currency || p.Price.Minor < m.Minor {
			r.Status, r.Got = Conflict, "price "+p.Price.String()
		}
		vd.add(r)
	}
}

func brand(x *product, b, from string, negated bool) Requirement {
	fb := lang.Fold(b)
	match := lang.Fold(x.p.Brand) == fb || has(x.title, fb)
	if negated {
		r := Requirement{Text: "not " + b, Kind: KindNegation, Key: "brand", Value: b, From: from, Status: Evidenced, Where: "absent"}
		if lang.Fold(x.p.Brand) == fb {
			r.Status, r.Got = Conflict, "brand "+x.p.Brand
		}
		return r
	}
	r := Requirement{Text: b, Kind: KindBrand, Key: "brand", Value: b, From: from}
	switch {
	case match:
		r.Status, r.Where = Evidenced, "brand"
	case x.p.Brand != "":
		r.Status, r.Got = Conflict, "brand "+x.p.Brand
	case has(x.desc, fb):
		r.Status, r.Where = DescriptionOnly, "description"
	default:
		r.Status = Unverified
	}
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func spanFrom(s planner.Span) string {
	if s.Source != "" {
		return "memory:" + s.Source
	}
	return "accounting"
}

// checkAccounting checks the hard spans of the intent's accounting.
func checkAccounting(vd *verdict, it planner.ItemSpec, x *product) {
	for _, s := range it.Accounting {
		from := spanFrom(s)
		switch s.Role {
		case planner.RoleAttribute:
			if !s.Hard || s.Value == "" {
				continue
			}
			if s.Key != "" {
				vd.add(attr(x, s.Text, s.Key, s.Value, from))
			} else {
				vd.add(term(x, Requirement{Text: s.Text, Kind: KindAttribute, Value: s.Value, From: from}))
			}
		case planner.RoleNegation:
			v := s.Value
			if v == "" {
				v = s.Text
			}
			vd.add(negation(x, s.Text, s.Key, v, from))
		case planner.RoleMeasure:
			v := s.Value
			if v == "" {
				v = s.Text
			}
			if m, ok := lang.Parse(v); ok {
				vd.add(measure(x, s.Text, m, from))
			}
		case planner.RoleBrand:
			if s.Hard && s.Value != "" {
				vd.add(brand(x, s.Value, from, false))
			}
		case planner.RoleItem:
			if r, ok := itemWords(x, s.Text, it.Category, from); ok {
				vd.add(r)
			}
		case planner.RoleUnknown:
			if s.Hard {
				vd.add(term(x, Requirement{Text: s.Text, Kind: KindTerm, From: from}))
			}
		}
	}
}

// itemWords checks an item phrase: its content words must be in the
// record. None of them: the product is another thing (a conflict — socks
// are not sneakers, whatever category the planner chose); some: the rest
// are unverified.
func itemWords(x *product, text, category, from string) (Requirement, bool) {
	var words []string
	for _, w := range lang.Words(text) {
		if !lang.IsFunctionWord(w.Text) && !lang.IsNumber(w.Text) {
			words = append(words, w.Norm)
		}
	}
	if len(words) == 0 {
		return Requirement{}, false
	}
	return itemReq(x, text, words, category, from), true
}

func itemReq(x *product, text string, words []string, category, from string) Requirement {
	r := Requirement{Text: text, Kind: KindItem, From: from}
	var found, missing []string
	where := ""
	for _, w := range words {
		if wh := x.inRecord(w); wh != "" {
			found = append(found, w)
			if where == "" {
				where = wh
			}
		} else {
			missing = append(missing, w)
		}
	}
	inDesc := false
	for _, w := range missing {
		if has(x.desc, w) {
			inDesc = true
		}
	}
	switch {
	case len(missing) == 0:
		r.Status, r.Where = Evidenced, where
	case len(found) > 0:
		r.Status = Unverified
		r.Text = strings.Join(missing, " ")
		if inDesc {
			r.Status, r.Where = DescriptionOnly, "description"
		}
	case inDesc:
		r.Status, r.Where = DescriptionOnly, "description"
	default:
		r.Status, r.Got = Conflict, fmt.Sprintf("%q (category %s)", x.p.Title, x.p.Category)
	}
	return r
}

// measure checks a stated measure against the product's measures.
func measure(x *product, text string, m lang.Measure, from string) Requirement {
	r := Requirement{Text: text, Kind: KindMeasure, Value: m.String(), From: from}
	var differ []string
	for _, pm := range x.measures {
		if !pm.m.Comparable(m) {
			continue
		}
		if pm.m.Equal(m) {
			r.Status, r.Where = Evidenced, pm.where
			return r
		}
		differ = append(differ, fmt.Sprintf("%s (%s)", pm.m.Text, pm.where))
	}
	if len(differ) > 0 {
		r.Status, r.Got = Conflict, strings.Join(differ, ", ")
		return r
	}
	for _, dm := range lang.Find(x.p.Description) {
		if dm.Equal(m) {
			r.Status, r.Where = DescriptionOnly, "description"
			return r
		}
	}
	r.Status = Unverified
	return r
}

// amountMeasure is the planner's amount as a lang measure.
func amountMeasure(a *planner.Measure) (lang.Measure, bool) {
	if a == nil {
		return lang.Measure{}, false
	}
	v := new(big.Rat).SetInt64(a.Value)
	switch a.Unit {
	case planner.UnitML:
		return lang.Measure{Dim: lang.Volume, Value: v}, true
	case planner.UnitG:
		return lang.Measure{Dim: lang.Weight, Value: v}, true
	case planner.UnitEach:
		return lang.Measure{Dim: lang.Count, Value: v}, true
	}
	return lang.Measure{}, false
}

// segments splits the request (and answers) into the parts about this
// item. One item: all of it. Several: each clause goes to the item whose
// words it shares most (a clause naming none of them goes to none).
func segments(req Request, cat *Catalog) []string {
	texts := append([]string{req.Text}, req.Answers...)
	if len(req.Items) <= 1 {
		return texts
	}
	var out []string
	for _, t := range texts {
		for _, clause := range splitClauses(t) {
			best, bestScore, tie := -1, 0, false
			cw := map[string]bool{}
			for _, w := range lang.Words(clause) {
				if !lang.IsFunctionWord(w.Text) {
					cw[w.Norm] = true
				}
			}
			for i, it := range req.Items {
				s := 0
				for w := range itemVocabulary(it) {
					if cw[w] {
						s++
					}
				}
				switch {
				case s > bestScore:
					best, bestScore, tie = i, s, false
				case s == bestScore && s > 0:
					tie = true
				}
			}
			if best == req.Item && !tie {
				out = append(out, clause)
			}
		}
	}
	return out
}

var clauseSplit = regexp.MustCompile(`(?i)[,;+\n]|[.!?](?:\s|$)|\s(?:and|also|plus|then)\s`)

func splitClauses(t string) []string {
	var out []string
	for _, c := range clauseSplit.Split(t, -1) {
		if strings.TrimSpace(c) != "" {
			out = append(out, c)
		}
	}
	return out
}

// itemVocabulary is the folded words the intent gives an item.
func itemVocabulary(it planner.ItemSpec) map[string]bool {
	m := map[string]bool{}
	add := func(s string) {
		for _, w := range lang.Words(s) {
			if !lang.IsFunctionWord(w.Text) && !lang.IsNumber(w.Text) {
				m[w.Norm] = true
			}
		}
	}
	add(it.Query)
	add(it.Category)
	add(it.Brand)
	for _, v := range it.Attributes {
		add(v)
	}
	for _, t := range it.RequireTerms {
		add(t)
	}
	for _, s := range it.Accounting {
		if s.Role == planner.RoleItem || s.Role == planner.RoleAttribute || s.Role == planner.RoleBrand || s.Role == planner.RoleMeasure {
			add(s.Text)
		}
	}
	return m
}

// grounded flags the intent's hard attributes that nothing the person said
// (request, answers, memory) supports and that pick a variant — the value
// names the product in its title ("milk = soy" for "two large lattes"
// chooses the Soy Milk Latte): a planner may not choose a variant for the
// person. Such a value is unverified: the person is asked. A value the
// title does not show ("type = plant milk" for "Oatly Oat Drink") is how
// the catalog files what was asked, not a choice.
func grounded(vd *verdict, req Request, it planner.ItemSpec, x *product) {
	said := map[string]bool{}
	for _, t := range append(append([]string{req.Text}, req.Answers...), req.Memory...) {
		ws := lang.Words(t)
		for i, w := range ws {
			said[w.Norm] = true
			said[w.Text] = true
			if i > 0 {
				said[ws[i-1].Norm+w.Norm] = true // "t shirt" ~ "tshirt"
			}
		}
	}
	for _, k := range sortedKeys(it.Attributes) {
		v := it.Attributes[k]
		ok := false
		for _, w := range lang.Words(v) {
			if said[w.Norm] || said[w.Text] {
				ok = true
			}
			if lang.IsFunctionWord(w.Text) || lang.IsNegation(w.Text) {
				// "nuts = yes", "sugar = none": the key is what was said,
				// maybe inside a word ("peanut")
				fk := lang.Fold(k)
				for sw := range said {
					if sw == fk || len(fk) >= 3 && strings.Contains(sw, fk) {
						ok = true
					}
				}
			}
		}
		if m, isM := lang.Parse(v); isM {
			for _, t := range append(append([]string{req.Text}, req.Answers...), req.Memory...) {
				for _, f := range lang.Find(t) {
					if f.Equal(m) {
						ok = true
					}
				}
			}
		}
		if !ok && has(x.title, lang.Fold(v)) {
			vd.add(Requirement{Text: k + " = " + v + " (the planner's words, not the person's)", Kind: KindAttribute, Key: k, Value: v,
				From: "intent", Status: Unverified})
		}
	}
}
