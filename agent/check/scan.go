package check

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/lang"
)

// mention kinds found in the request text.
const (
	mValue    = iota // a value the product's category uses (keys known)
	mOther           // a value only other categories use
	mBrand           // a brand
	mCategory        // a category name
	mWord            // a content word the catalog does not know
)

type mention struct {
	kind    int
	text    string // as written
	phrase  string // folded
	keys    []string
	negated bool
}

// sizeNotation finds sizes said with their system or the word "size":
// "size M", "eu:38", "US 9", "size 42".
var sizeNotation = regexp.MustCompile(`(?:\b[Ss]ize:?\s*|\b(?:EU|US|UK|INT|Eu|Us|Uk):?\s*|\b(?:eu|us|uk|int):\s*)[A-Za-z0-9]+(?:\.5)?\b`)

// scanText reads one segment of the person's words against the catalog
// vocabulary of the product's category, and checks what it finds.
func scanText(vd *verdict, req Request, it planner.ItemSpec, x *product, cat *Catalog, text string) {
	ws := lang.Words(text)
	consumed := make([]bool, len(ws))
	consume := func(start, end int) {
		for i, w := range ws {
			if w.Start < end && w.End > start {
				consumed[i] = true
			}
		}
	}
	// negation scope: from a negator to the end of its clause; "X-free"
	// negates X
	negated := make([]bool, len(ws))
	for i, w := range ws {
		if lang.IsNegation(w.Text) {
			for j := i + 1; j < len(ws) && !clauseBreak(text, ws, j); j++ {
				negated[j] = true
			}
			consumed[i] = true
		}
		if lang.NegatesPrevious(ws, i) && !has(x.title, lang.Fold(ws[i-1].Text+" free")) {
			negated[i-1] = true
			consumed[i] = true
		}
	}
	isNegated := func(start, end int) bool {
		for i, w := range ws {
			if w.Start < end && w.End > start && negated[i] {
				return true
			}
		}
		return false
	}

	// measures
	amount, hasAmount := amountMeasure(req.Amount)
	for _, m := range lang.Find(text) {
		consume(m.Start, m.End)
		if isNegated(m.Start, m.End) {
			continue
		}
		if hasAmount && m.Comparable(amount) && m.Equal(amount) {
			vd.add(Requirement{Text: m.Text, Kind: KindAmount, Value: m.String(), From: "request", Status: Evidenced,
				Where: "the amount, bought in whole packs"})
			continue
		}
		if m.Unit == "x" && m.Value.IsInt() && m.Value.Num().Int64() == int64(it.Quantity) {
			continue // "x3": how many, not a pack
		}
		vd.add(measure(x, m.Text, m, "request"))
	}
	// sizes said as sizes
	for _, loc := range sizeNotation.FindAllStringSubmatchIndex(text, -1) {
		s, ok := lang.ParseSize(text[loc[0]:loc[1]])
		if !ok {
			continue
		}
		consume(loc[0], loc[1])
		if isNegated(loc[0], loc[1]) {
			continue
		}
		vd.add(size(x, strings.TrimSpace(text[loc[0]:loc[1]]), s))
	}

	// catalog phrases, longest first
	vals := cat.values(x.p.Category)
	var ms []mention
	for i := 0; i < len(ws); {
		if consumed[i] {
			i++
			continue
		}
		n, m, ok := longest(cat, vals, ws, consumed, i)
		if ok {
			m.negated = negated[i]
			m.text = text[ws[i].Start:ws[i+n-1].End]
			ms = append(ms, m)
			i += n
			continue
		}
		w := ws[i]
		if !ignorable(w.Text) && !cat.isKey(x.p.Category, w.Norm) && !cat.merchants[w.Norm] {
			ms = append(ms, mention{kind: mWord, text: w.Text, phrase: w.Norm, negated: negated[i]})
		}
		i++
	}

	// values of the product's category
	mentionedValue := map[string]map[string]bool{} // key → folded values said (not negated)
	for _, m := range ms {
		if m.kind == mValue && !m.negated {
			for _, k := range m.keys {
				if mentionedValue[k] == nil {
					mentionedValue[k] = map[string]bool{}
				}
				mentionedValue[k][m.phrase] = true
			}
		}
	}
	brandSaid := map[string]bool{}
	for _, m := range ms {
		if m.kind == mBrand && !m.negated {
			brandSaid[m.phrase] = true
		}
	}
	identified := false
	var words []string
	for _, m := range ms {
		switch m.kind {
		case mValue:
			if m.negated {
				for _, k := range m.keys {
					vd.add(negation(x, "not "+m.text, k, m.phrase, "request"))
				}
				continue
			}
			if r, ok := value(x, m, mentionedValue); ok {
				vd.add(r)
			}
		case mBrand:
			if m.negated {
				vd.add(brand(x, cat.brands[m.phrase], "request", true))
				continue
			}
			r := brand(x, cat.brands[m.phrase], "request", false)
			if r.Status != Evidenced {
				alt := false
				for b := range brandSaid {
					if lang.Fold(x.p.Brand) == b || has(x.title, b) {
						alt = true
					}
				}
				if alt {
					continue // another brand the person allowed
				}
			} else {
				identified = true
			}
			vd.add(r)
		case mCategory:
			if !m.negated && (x.inRecord(m.phrase) != "") {
				identified = true
			}
		case mOther, mWord:
			if m.negated {
				vd.add(negation(x, "not "+m.text, "", m.phrase, "request"))
				// "not the scented one" where the catalog says "unscented":
				// the person asked for the value that negates the word
				if anto, keys := antonym(vals, m.phrase); anto != "" {
					if r, ok := value(x, mention{kind: mValue, text: "not " + m.text, phrase: anto, keys: keys}, mentionedValue); ok {
						vd.add(r)
					}
				}
				continue
			}
			words = append(words, m.phrase)
		}
	}

	// the item itself: content words the planner took as the item (its
	// query, its terms, its accounting) must be in the record
	if len(words) == 0 {
		return
	}
	grounded := itemVocabulary(it)
	var item []string
	for _, w := range words {
		if grounded[w] {
			item = append(item, w)
		}
	}
	if len(item) == 0 {
		return
	}
	r := itemReq(x, strings.Join(item, " "), item, it.Category, "request")
	if r.Status != Evidenced && identified {
		// named by brand or category and nothing the product lacks is
		// tied to it: the remaining words are the person's own
		found := false
		for _, w := range item {
			if x.inRecord(w) != "" {
				found = true
			}
		}
		if !found {
			return
		}
	}
	vd.add(r)
}

// clauseBreak reports whether punctuation or a conjunction separates word
// j from the word before it.
func clauseBreak(text string, ws []Word, j int) bool {
	if j == 0 {
		return false
	}
	between := text[ws[j-1].End:ws[j].Start]
	if strings.ContainsAny(between, ",;:.!?()") {
		return true
	}
	switch ws[j].Text {
	case "but", "and", "also", "instead", "rather":
		return true
	}
	return false
}

// Word is lang.Word (kept short here).
type Word = lang.Word

// ignorable: words that never carry a requirement on their own.
func ignorable(w string) bool {
	return len(w) < 2 || lang.IsFunctionWord(w) || lang.IsNegation(w) || lang.IsNumber(w) ||
		lang.IsContainer(w) || lang.IsCurrencyWord(w) || isNumberWord(w)
}

func isNumberWord(w string) bool { _, ok := lang.NumberWord(w); return ok }

// longest matches the longest catalog phrase at word i.
func longest(cat *Catalog, vals map[string][]string, ws []lang.Word, consumed []bool, i int) (int, mention, bool) {
	max := cat.maxLen
	if max < 1 {
		max = 1
	}
	for n := max; n >= 1; n-- {
		if i+n > len(ws) {
			continue
		}
		parts := make([]string, 0, n)
		ok := true
		for k := i; k < i+n; k++ {
			if consumed[k] {
				ok = false
				break
			}
			parts = append(parts, ws[k].Norm)
		}
		if !ok {
			continue
		}
		phrase := strings.Join(parts, " ")
		squash := strings.Join(parts, "")
		if n == 1 && ignorable(ws[i].Text) {
			if _, isSize := lang.ParseSize(ws[i].Text); !isSize || len(ws[i].Text) > 1 {
				return 0, mention{}, false // a single letter may be a size ("in L")
			}
		}
		if _, ok := cat.brands[phrase]; ok {
			return n, mention{kind: mBrand, phrase: phrase}, true
		}
		if ks, ok := vals[phrase]; ok {
			return n, mention{kind: mValue, phrase: phrase, keys: ks}, true
		}
		if ks, ok := vals[squash]; ok && n > 1 {
			return n, mention{kind: mValue, phrase: squash, keys: ks}, true
		}
		if n == 1 {
			if s, ok := lang.ParseSize(phrase); ok && !lang.IsNumber(phrase) {
				if ks := sizeKeys(vals, s); len(ks) > 0 {
					return 1, mention{kind: mValue, phrase: phrase, keys: ks}, true
				}
			}
		}
		if cat.categories[phrase] || cat.catSquash[squash] {
			return n, mention{kind: mCategory, phrase: phrase}, true
		}
		if _, ok := cat.all[phrase]; ok {
			return n, mention{kind: mOther, phrase: phrase}, true
		}
	}
	return 0, mention{}, false
}

// sizeKeys lists the keys whose values include a size equal to s.
func sizeKeys(vals map[string][]string, s lang.Size) []string {
	var out []string
	for v, ks := range vals {
		if vs, ok := lang.ParseSize(v); ok && !lang.IsNumber(v) && vs.Matches(s) {
			out = append(out, ks...)
		}
	}
	return out
}

// value checks a value of the product's category said in the request.
func value(x *product, m mention, said map[string]map[string]bool) (Requirement, bool) {
	r := Requirement{Text: m.text, Kind: KindAttribute, Value: m.phrase, From: "request"}
	var differ []string
	present := 0
	for _, k := range m.keys {
		got, ok := x.rawAttrs[k]
		if !ok {
			continue
		}
		present++
		if valueEqual(got, m.phrase) {
			r.Key, r.Status, r.Where = k, Evidenced, "attribute "+k
			return r, true
		}
		// the person also said the product's value for this key: an
		// alternative they allowed ("red or blue") or a correction
		for v := range said[k] {
			if valueEqual(got, v) {
				return r, false
			}
		}
		differ = append(differ, fmt.Sprintf("%s = %s", k, got))
	}
	if where := x.inRecord(m.phrase); where != "" {
		r.Status, r.Where = Evidenced, where
		return r, true
	}
	if len(m.keys) == 1 {
		r.Key = m.keys[0]
	}
	switch {
	case present == len(m.keys) && present > 0:
		r.Status, r.Got = Conflict, strings.Join(differ, ", ")
	case has(x.desc, m.phrase):
		r.Status, r.Where = DescriptionOnly, "description"
	default:
		r.Status = Unverified
	}
	return r, true
}

// size checks a size said as a size against the product's size-like
// attributes.
func size(x *product, text string, s lang.Size) Requirement {
	r := Requirement{Text: text, Kind: KindSize, Value: s.String(), From: "request"}
	var differ []string
	for _, k := range sortedKeys(x.rawAttrs) {
		v := x.rawAttrs[k]
		ps, ok := lang.ParseSize(v)
		if !ok || (lang.IsNumber(v) && !strings.Contains(k, "size")) {
			continue
		}
		if ps.Matches(s) {
			r.Key, r.Status, r.Where = k, Evidenced, "attribute "+k
			return r
		}
		differ = append(differ, fmt.Sprintf("%s = %s", k, v))
	}
	if len(differ) > 0 {
		r.Status, r.Got = Conflict, strings.Join(differ, ", ")
		return r
	}
	r.Status = Unverified
	return r
}

// antonym finds the catalog value that says "not w" in the product's
// category: "unscented", "non-toxic", "fragrance-free", "no sugar".
func antonym(vals map[string][]string, w string) (string, []string) {
	for _, cand := range []string{"un" + w, "non" + w, "non " + w, w + " free", "no " + w, "without " + w} {
		if ks, ok := vals[cand]; ok {
			return cand, ks
		}
	}
	return "", nil
}
