package offline

import (
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/lang"
	"github.com/cartwright-agent/cartwright/skills"
)

// This file reads the world's own vocabulary out of its catalog
// (planner.Vocabulary.Catalog): which words name products and in which
// category, which attribute keys each category's products carry, and the
// product records the clarification rule reads. Nothing here names a
// category, key, value or brand of a particular world.

// catalogIndex is the catalog part of a vindex.
type catalogIndex struct {
	// nouns: squashed product phrase → what it names
	nouns map[string]nounEntry
	// words: per lower-case category, the squashed words its titles and
	// values use (disambiguation context)
	words map[string]map[string]bool
	// items: per lower-case category, its product records
	items map[string][]skills.VocabularyItem
	// catKeys: per lower-case category, the keys its products carry ("?"
	// suffix: only some of them)
	catKeys map[string][]string
	// named memoises which items of a category a product word names
	// (category + "\x00" + squashed word → one flag per item)
	named *sync.Map
}

// names returns, per item of the lower-case category lc, whether it is
// the product word sq (memoised: the index is shared and read-only).
func (ci catalogIndex) names(lc, sq string) []bool {
	key := lc + "\x00" + sq
	if v, ok := ci.named.Load(key); ok {
		return v.([]bool)
	}
	items := ci.items[lc]
	out := make([]bool, len(items))
	for i, it := range items {
		out[i] = namesHead(it, sq)
	}
	ci.named.Store(key, out)
	return out
}

// nounSense counts how a phrase names products of one category.
type nounSense struct {
	cat    string
	strong int // as a title's head ("… Rain Jacket (Navy, M)") or a value ending in one
	weak   int // as another word of a title's name part
	value  bool
}

// nameWords splits a title into the words of its name part, lower case:
// the words before the first parenthesis, comma, number, measure ("250ml",
// "2-pack") or "for"/"with" ("Case for iPhone 15"). Brand words are
// dropped from the front.
func nameWords(title, brand string) []string {
	toks := tokenize(title)
	var out []string
	for _, t := range toks {
		if t.kind == kNum || t.kind == kSym {
			continue
		}
		if t.kind == kPunct {
			if len(out) > 0 || t.t == "(" {
				break
			}
			continue
		}
		if t.t == "for" || t.t == "with" || t.t == "x" || t.t == "&" || t.t == "+" || t.t == "size" || t.t == "sized" {
			if len(out) > 0 {
				break
			}
			continue
		}
		if t.t != "" && t.t[0] >= '0' && t.t[0] <= '9' {
			continue // a measure inside the name ("Basic 65W Charger")
		}
		if _, cur := currencyWords[t.t]; cur {
			continue
		}
		out = append(out, t.t)
	}
	bw := map[string]bool{}
	for _, t := range tokenize(brand) {
		bw[t.t] = true
	}
	for len(out) > 0 && bw[out[0]] {
		out = out[1:]
	}
	return out
}

// headIndex returns the index of the head word in name words: the last
// word of three or more letters (or a CJK word).
func headIndex(ws []string) int {
	for i := len(ws) - 1; i >= 0; i-- {
		if len([]rune(ws[i])) >= 3 || isHan([]rune(ws[i])[0]) {
			return i
		}
	}
	return -1
}

func buildCatalog(cats []skills.CategoryVocabulary) catalogIndex {
	ci := catalogIndex{nouns: map[string]nounEntry{}, words: map[string]map[string]bool{},
		items: map[string][]skills.VocabularyItem{}, catKeys: map[string][]string{}, named: &sync.Map{}}
	if len(cats) == 0 {
		return ci
	}
	senses := map[string]map[string]*nounSense{} // phrase → cat → sense
	add := func(phrase, cat string, strong, value bool) {
		if phrase == "" || isAllDigits(phrase) || stopwords[phrase] {
			return
		}
		m := senses[phrase]
		if m == nil {
			m = map[string]*nounSense{}
			senses[phrase] = m
		}
		s := m[cat]
		if s == nil {
			s = &nounSense{cat: cat}
			m[cat] = s
		}
		if strong {
			s.strong++
		} else {
			s.weak++
		}
		if value {
			s.value = true
		}
	}
	// pass 1: every title's head word, per category
	heads := map[string]map[string]bool{}
	for _, c := range cats {
		lc := strings.ToLower(c.Category)
		heads[lc] = map[string]bool{}
		for _, it := range c.Items {
			ws := nameWords(it.Title, it.Brand)
			if h := headIndex(ws); h >= 0 {
				heads[lc][squashString(singular(ws[h]))] = true
			}
		}
	}
	// a single-word value that is no title's head where its key uses it
	// is an attribute word everywhere ("white" is a colour; "Flat White"
	// is still a product by its two words)
	// kind keys: some value ends in a title's head word ("rain jacket",
	// "latte"); every value of such a key names products ("pasta" where
	// the titles say "Spaghetti")
	kindKey := map[string]map[string]bool{}
	for _, c := range cats {
		lc := strings.ToLower(c.Category)
		kindKey[lc] = map[string]bool{}
		for k, vs := range c.Attributes {
			for _, v := range vs {
				f := strings.Fields(strings.ToLower(v))
				if len(f) > 0 && heads[lc][squashString(singular(f[len(f)-1]))] {
					kindKey[lc][k] = true
					break
				}
			}
		}
	}
	attrWord := map[string]bool{}
	for _, c := range cats {
		lc := strings.ToLower(c.Category)
		for k, vs := range c.Attributes {
			if kindKey[lc][k] {
				continue
			}
			for _, v := range vs {
				if f := strings.Fields(strings.ToLower(v)); len(f) == 1 {
					sv := squashString(singular(f[0]))
					if !heads[lc][sv] {
						attrWord[sv] = true
						attrWord[squashString(f[0])] = true
					}
				}
			}
		}
	}
	for _, c := range cats {
		lc := strings.ToLower(c.Category)
		ci.items[lc] = c.Items
		keys := make([]string, 0, len(c.KeyCounts))
		for k, n := range c.KeyCounts {
			if n < c.Products {
				k += "?"
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ci.catKeys[lc] = keys
		words := map[string]bool{}
		ci.words[lc] = words
		keyName := map[string]bool{}
		for k, vs := range c.Attributes {
			keyName[squashString(k)] = true
			for _, v := range vs {
				for _, w := range strings.Fields(strings.ToLower(v)) {
					words[squashString(w)] = true
					words[squashString(singular(w))] = true
				}
			}
		}
		for _, it := range c.Items {
			ws := nameWords(it.Title, it.Brand)
			for _, w := range tokenize(it.Title) {
				if w.kind == kWord || w.kind == kHan {
					words[squashString(w.t)] = true
					words[squashString(singular(w.t))] = true
				}
			}
			h := headIndex(ws)
			if h < 0 {
				continue
			}
			head := squashString(singular(ws[h]))
			if !attrWord[head] {
				add(head, c.Category, true, false)
			}
			if h > 0 && len([]rune(ws[h-1])) >= 2 && !keyName[squashString(ws[h-1])] && !attrWord[squashString(singular(ws[h-1]))] {
				add(squashString(ws[h-1])+head, c.Category, true, false)
			}
			for i, w := range ws {
				if i == h || len([]rune(w)) < 3 {
					continue
				}
				sw := squashString(singular(w))
				if attrWord[sw] || attrWord[squashString(w)] {
					continue
				}
				add(sw, c.Category, false, false)
			}
		}
		// every value of a kind key names products
		for k, vs := range c.Attributes {
			if !kindKey[lc][k] {
				continue
			}
			for _, v := range vs {
				f := strings.Fields(strings.ToLower(v))
				if len(f) == 0 || strings.ContainsAny(v, "0123456789") || len(squashString(v)) < 3 {
					continue
				}
				if len(f) == 1 && attrWord[squashString(f[0])] && !heads[lc][squashString(singular(f[0]))] {
					continue // "black" of teas is a colour word elsewhere
				}
				last := squashString(singular(f[len(f)-1]))
				sv := squashString(strings.Join(f[:len(f)-1], "")) + last
				add(sv, c.Category, true, true)
				if len(f) == 1 && sv != squashString(f[0]) {
					add(squashString(f[0]), c.Category, true, true)
				}
			}
		}
		// the category's own name
		add(squashString(singular(lc)), c.Category, true, false)
		add(squashString(lc), c.Category, true, false)
	}
	for phrase, m := range senses {
		var list []nounSense
		for _, s := range m {
			list = append(list, *s)
		}
		e, ok := resolveSenses(list)
		if ok {
			ci.nouns[phrase] = e
		}
	}
	return ci
}

// resolveSenses picks the category a phrase names: the categories it is a
// product head in (else the ones it appears in), and of those the one that
// dominates; phrases split between categories keep every option for the
// request's context (or a question) to settle.
func resolveSenses(list []nounSense) (nounEntry, bool) {
	strong := list[:0:0]
	for _, s := range list {
		if s.strong > 0 {
			strong = append(strong, s)
		}
	}
	weak := len(strong) == 0
	if weak {
		strong = list
	}
	score := func(s nounSense) int {
		n := s.strong + s.weak
		if s.value {
			n += 10
		}
		return n
	}
	sort.Slice(strong, func(i, j int) bool {
		if score(strong[i]) != score(strong[j]) {
			return score(strong[i]) > score(strong[j])
		}
		return strong[i].cat < strong[j].cat
	})
	if len(strong) == 0 {
		return nounEntry{}, false
	}
	e := nounEntry{weak: weak}
	if len(strong) == 1 || score(strong[0]) >= 3*score(strong[1]) {
		e.cat = strong[0].cat
		return e, true
	}
	for _, s := range strong {
		if score(s)*3 < score(strong[0]) {
			break
		}
		e.amb = append(e.amb, s.cat)
	}
	sort.Strings(e.amb)
	return e, true
}

// ambiguities lists the readings of a product word sq that names products
// in each of cats: labelled by the catalog's own longer phrase ending in
// it when there is one ("phone case"), else by the category.
func (x *vindex) ambiguities(cats []string, sq string) []ambiguity {
	out := make([]ambiguity, 0, len(cats))
	for _, c := range cats {
		lc := strings.ToLower(c)
		label := c
		best := 0
		for _, vs := range x.catVocab(lc).Attributes {
			for _, v := range vs {
				sv := squashString(v)
				if sv != sq && strings.HasSuffix(sv, sq) && x.cat.nouns[sv].cat != "" {
					if n := countTitles(x.cat.items[lc], v); n > best {
						best, label = n, strings.ToLower(v)
					}
				}
			}
		}
		ctx := map[string]bool{}
		for w := range x.cat.words[lc] {
			only := true
			for _, o := range cats {
				if o != c && x.cat.words[strings.ToLower(o)][w] {
					only = false
					break
				}
			}
			if only && !stopwords[w] && len(w) >= 3 {
				ctx[w] = true
			}
		}
		out = append(out, ambiguity{label: label, cat: c, context: ctx})
	}
	return out
}

// catVocab returns the catalog's vocabulary of the lower-case category lc.
func (x *vindex) catVocab(lc string) skills.CategoryVocabulary {
	for _, c := range x.v.Catalog {
		if strings.ToLower(c.Category) == lc {
			return c
		}
	}
	return skills.CategoryVocabulary{}
}

// countTitles counts the items carrying value v under any key.
func countTitles(items []skills.VocabularyItem, v string) int {
	n := 0
	for _, it := range items {
		for _, got := range it.Attributes {
			if strings.EqualFold(got, v) {
				n++
				break
			}
		}
	}
	return n
}

// genericHead reports whether the item is named only by its category's
// own name ("a coffee", "some groceries").
func (x *vindex) genericHead(d *draft, cat string) bool {
	if cat == "" || d.head == "" {
		return false
	}
	lc := strings.ToLower(cat)
	return d.head == squashString(lc) || d.head == squashString(singular(lc))
}

// candidates lists the catalog's records of the item's category that fit
// what is known so far: the product word, the hard attributes, exclusions
// and brand.
func (x *vindex) candidates(d *draft, spec planner.ItemSpec) []skills.VocabularyItem {
	if spec.Category == "" {
		return nil
	}
	lc := strings.ToLower(spec.Category)
	items := x.cat.items[lc]
	generic := x.genericHead(d, spec.Category) || !strings.EqualFold(d.headCat, spec.Category) || d.head == ""
	var named []bool
	if !generic {
		named = x.cat.names(lc, d.head)
	}
	var out []skills.VocabularyItem
next:
	for i, it := range items {
		if !generic && !named[i] {
			continue
		}
		for k, want := range spec.Attributes {
			got, ok := lookup(it.Attributes, k)
			if !ok || !strings.EqualFold(got, want) {
				continue next
			}
		}
		for k, bad := range spec.ExcludeAttributes {
			if got, ok := lookup(it.Attributes, k); ok && contains(bad, got) {
				continue next
			}
		}
		if spec.Brand != "" && !strings.EqualFold(spec.Brand, it.Brand) {
			continue
		}
		if len(spec.RequireTerms) > 0 {
			hay := strings.ToLower(it.Title + " " + it.Brand)
			for _, v := range it.Attributes {
				hay += " " + strings.ToLower(v)
			}
			for _, t := range spec.RequireTerms {
				if !planner.ContainsWord(hay, strings.ToLower(t)) && !planner.ContainsWord(hay, strings.ToLower(t)+"s") {
					continue next
				}
			}
		}
		out = append(out, it)
	}
	return out
}

// namesHead reports whether a record is the product word sq: its title's
// words or one of its values say it.
func namesHead(it skills.VocabularyItem, sq string) bool {
	ws := tokenize(it.Title)
	for i := range ws {
		acc := ""
		for j := i; j < len(ws) && j < i+4; j++ {
			acc += squashString(ws[j].t)
			if acc == sq || squashString(singular(ws[j].t)) == sq && j == i || acc+"s" == sq || singularSquash(acc) == sq {
				return true
			}
		}
	}
	for _, v := range it.Attributes {
		sv := squashString(v)
		if sv == sq || strings.HasSuffix(sv, sq) || singularSquash(sv) == sq {
			return true
		}
	}
	return false
}

func singularSquash(s string) string { return squashString(singular(s)) }

// fitKeys is the clarification rule: the attribute keys on which the
// products that fit the request still differ in a way that decides
// whether the thing fits the person, so that the person must choose. A key
// qualifies when every candidate carries it, the candidates hold two or
// more of its values, its values are sizes, numbers or model numbers
// (notation, not taste: "m", "42", "iphone 15", "100" — never "navy" or
// "lavender", never a pack measure such as "10-pack" or "1l", which is
// matched against the stated amount instead) and it is a variant axis:
// most candidates have a sibling of the same brand differing in that key
// alone. An item named only by its category's name ("a coffee") must say
// which kind first: the keys whose values are the category's product
// words. Nothing here knows a category or key by name.
func (p *Planner) fitKeys(d *draft, spec planner.ItemSpec, x *vindex) [][]string {
	if !p.ask || spec.Category == "" {
		return nil
	}
	cands := x.candidates(d, spec)
	if len(cands) < 2 {
		return nil
	}
	if x.genericHead(d, spec.Category) {
		var kinds []string
		for _, k := range sortedKeysOf(x.catVocab(strings.ToLower(spec.Category)).Attributes) {
			for _, v := range x.catVocab(strings.ToLower(spec.Category)).Attributes[k] {
				if e, ok := x.cat.nouns[squashString(v)]; ok && strings.EqualFold(e.cat, spec.Category) {
					kinds = append(kinds, k)
					break
				}
			}
		}
		if len(kinds) > 0 && len(distinctValues(cands, kinds)) > 1 {
			return [][]string{kinds}
		}
		// the category's name is also its titles' word ("Top-Up"): those
		// products are the candidates
		var named []skills.VocabularyItem
		for _, it := range cands {
			if namesHead(it, d.head) {
				named = append(named, it)
			}
		}
		if len(named) >= 2 {
			cands = named
		}
	}
	var out [][]string
	for _, k := range sortedKeysOf(cands[0].Attributes) {
		vals := map[string]bool{}
		all := true
		for _, it := range cands {
			v, ok := it.Attributes[k]
			if !ok {
				all = false
				break
			}
			vals[strings.ToLower(v)] = true
		}
		if !all || len(vals) < 2 {
			continue
		}
		notation := true
		for v := range vals {
			if !notationValue(v) {
				notation = false
				break
			}
		}
		if notation && variantAxis(cands, k) || providerKey(x.cat.items[strings.ToLower(spec.Category)], k) {
			out = append(out, []string{k})
		}
	}
	return out
}

// notationValue: a size word, a number or a model number ("iphone 15"),
// not a measure with a unit ("10-pack", "1.8l", "65w").
func notationValue(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	if sizeWords[v] != "" {
		return true
	}
	if isAllDigits(v) {
		return true
	}
	if unitValue.MatchString(squashString(v)) {
		return false
	}
	return strings.ContainsAny(v, "0123456789")
}

// variantAxis: at least half the records have a sibling of the same brand
// whose attributes differ in key k alone.
func variantAxis(items []skills.VocabularyItem, k string) bool {
	sig := func(it skills.VocabularyItem) string {
		var b strings.Builder
		b.WriteString(strings.ToLower(it.Brand))
		for _, key := range sortedKeysOf(it.Attributes) {
			if key == k {
				continue
			}
			b.WriteString("|" + key + "=" + strings.ToLower(it.Attributes[key]))
		}
		return b.String()
	}
	groups := map[string]map[string]int{}
	for _, it := range items {
		s := sig(it)
		if groups[s] == nil {
			groups[s] = map[string]int{}
		}
		groups[s][strings.ToLower(it.Attributes[k])]++
	}
	with := 0
	for _, it := range items {
		if len(groups[sig(it)]) > 1 {
			with++
		}
	}
	return with*2 >= len(items)
}

func distinctValues(items []skills.VocabularyItem, keys []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, it := range items {
		for _, k := range keys {
			if v, ok := it.Attributes[k]; ok && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// optionValues lists the candidates' values for key, in size order for
// sizes, numerically for numbers, else alphabetically.
func optionValues(items []skills.VocabularyItem, key string) []string {
	vals := distinctValues(items, []string{key})
	sort.SliceStable(vals, func(i, j int) bool {
		a, b := strings.ToLower(vals[i]), strings.ToLower(vals[j])
		ra, oka := sizeRank[a]
		rb, okb := sizeRank[b]
		if oka && okb {
			return ra < rb
		}
		na, ea := strconv.ParseFloat(a, 64)
		nb, eb := strconv.ParseFloat(b, 64)
		if ea == nil && eb == nil {
			return na < nb
		}
		return a < b
	})
	return vals
}

var sizeRank = map[string]int{"xxs": 0, "xs": 1, "s": 2, "small": 2, "m": 3, "medium": 3, "l": 4, "large": 4,
	"xl": 5, "extra large": 5, "xxl": 6, "xxxl": 7}

func allNumeric(vs []string) bool {
	if len(vs) == 0 {
		return false
	}
	for _, v := range vs {
		if !isAllDigits(v) {
			return false
		}
	}
	return true
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// letterSizes reports whether the category's sizes are letters (xs|s|m|l|
// xl) rather than words (small|medium|large): some key of it uses them.
func (x *vindex) letterSizes(cat string) bool {
	if cat == "" {
		return false
	}
	for _, vs := range x.catVocab(strings.ToLower(cat)).Attributes {
		for _, v := range vs {
			switch strings.ToLower(v) {
			case "xs", "s", "m", "l", "xl", "xxl":
				return true
			}
		}
	}
	return false
}

// partialFor reports whether key is carried by none of the products the
// item's word names in cat (then key = val is a preference, not a filter:
// a filter would reject every product of that kind, "coconut" yogurt where
// only drinks carry a milk).
func (x *vindex) partialFor(d *draft, cat, key, val string) bool {
	_, partial := x.keyShape(cat, key)
	if !partial {
		return false
	}
	generic := x.genericHead(d, cat) || !strings.EqualFold(d.headCat, cat) || d.head == ""
	lc := strings.ToLower(cat)
	var named []bool
	if !generic {
		named = x.cat.names(lc, d.head)
	}
	for i, it := range x.cat.items[lc] {
		if !generic && !named[i] {
			continue
		}
		if _, ok := lookup(it.Attributes, key); ok {
			return false // the kind carries the key: a value it lacks is still asked for
		}
	}
	return true
}

// titlePhrase returns the head phrase as a title of cat writes it, when a
// multi-word head ("wheat toast") is not a value: the title must say it.
func (x *vindex) titlePhrase(d *draft, cat string) string {
	f := strings.Fields(strings.ToLower(d.headRaw))
	if len(f) < 2 || cat == "" {
		return ""
	}
	phrase := strings.Join(f, " ")
	for _, it := range x.cat.items[strings.ToLower(cat)] {
		if planner.ContainsWord(strings.ToLower(it.Title), phrase) {
			return phrase
		}
	}
	return ""
}

// kindKeys lists the keys of cat whose values name products ("type":
// "rain jacket"; "drink": "latte").
func (x *vindex) kindKeys(cat string) []string {
	cv := x.catVocab(strings.ToLower(cat))
	var out []string
	for _, k := range sortedKeysOf(cv.Attributes) {
		for _, v := range cv.Attributes[k] {
			if e, ok := x.cat.nouns[squashString(v)]; ok && strings.EqualFold(e.cat, cat) && !e.weak {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// flatNouns reads product words from a vocabulary whose merchants publish
// no per-category catalog (or not for every category): every value of
// three letters or more that is not a size or yes/no is a weak product
// word, of the one category the uncovered part of the world has, else of
// none (searched by its words).
func flatNouns(v planner.Vocabulary, ci catalogIndex) map[string]nounEntry {
	var uncovered []string
	for _, c := range v.Categories {
		if _, ok := ci.items[strings.ToLower(c)]; !ok {
			uncovered = append(uncovered, c)
		}
	}
	if len(v.Catalog) > 0 && len(uncovered) == 0 {
		return nil
	}
	cat := ""
	if len(uncovered) == 1 {
		cat = uncovered[0]
	}
	out := map[string]nounEntry{}
	for _, vals := range v.Attributes {
		for _, val := range vals {
			l := strings.ToLower(val)
			sv := squashString(l)
			if len(sv) < 3 || sizeRank[l] != 0 || sizeWords[l] != "" || yesValues[l] || noValues[l] ||
				strings.ContainsAny(sv, "0123456789") || stopwords[sv] {
				continue
			}
			out[sv] = nounEntry{cat: cat, weak: true}
		}
	}
	for _, c := range uncovered {
		out[squashString(strings.ToLower(c))] = nounEntry{cat: c}
	}
	return out
}

// attrCategory returns the one category whose catalog has a value of every
// attribute span (negated and diet spans aside), or "".
func (x *vindex) attrCategory(attrs []attrHit) string {
	var common map[string]bool
	for _, a := range attrs {
		if a.neg || a.diet != "" || len(a.cands) == 0 {
			continue
		}
		here := map[string]bool{}
		for _, c := range x.v.Catalog {
			for _, kv := range a.cands {
				if contains(c.Attributes[kv.key], kv.val) {
					here[strings.ToLower(c.Category)] = true
				}
			}
		}
		if common == nil {
			common = here
			continue
		}
		for c := range common {
			if !here[c] {
				delete(common, c)
			}
		}
	}
	if len(common) != 1 {
		return ""
	}
	for c := range common {
		return x.catVocab(c).Category
	}
	return ""
}

// catHasAnyKey reports whether cat's products carry a key of some span.
func (x *vindex) catHasAnyKey(cat string, attrs []attrHit) bool {
	cv := x.catVocab(strings.ToLower(cat))
	for _, a := range attrs {
		for _, kv := range a.cands {
			if _, ok := cv.Attributes[kv.key]; ok {
				return true
			}
		}
	}
	return false
}

// resolveFor picks the candidate reading of a value for the item: one that
// some product the item's word names in cat carries, else the first that
// fits cat ("2kg" of a detergent is its capacity when detergents carry it
// there).
func (x *vindex) resolveFor(d *draft, cands []kv, cat string) (kv, bool) {
	if len(cands) > 1 && cat != "" && d.head != "" && strings.EqualFold(d.headCat, cat) && !x.genericHead(d, cat) {
		for _, c := range cands {
			if !x.keyFits(cat, c.key) {
				continue
			}
			n := x.normalize(c, cat)
			lc := strings.ToLower(cat)
			named := x.cat.names(lc, d.head)
			for i, it := range x.cat.items[lc] {
				if got, ok := lookup(it.Attributes, n.key); ok && strings.EqualFold(got, n.val) && named[i] {
					return n, true
				}
			}
		}
	}
	return x.resolve(cands, cat)
}

// providerKey: every value of key k is the name of the brand of the
// records carrying it (and each brand has one value): the key says who
// provides the thing
// ("carrier": China Mobile's top-ups are China Mobile's), so which one is
// the person's to say.
func providerKey(items []skills.VocabularyItem, k string) bool {
	v2b, b2v := map[string]string{}, map[string]string{}
	per := map[string]int{}
	for _, it := range items {
		v, ok := it.Attributes[k]
		if !ok {
			continue
		}
		v, b := strings.ToLower(v), strings.ToLower(it.Brand)
		if b == "" || !planner.ContainsWord(b, v) {
			return false // the value is the provider's own name
		}
		if old, ok := v2b[v]; ok && old != b {
			return false
		}
		if old, ok := b2v[b]; ok && old != v {
			return false
		}
		v2b[v], b2v[b] = b, v
		per[b]++
	}
	several := 0
	for _, n := range per {
		if n >= 2 {
			several++
		}
	}
	return len(v2b) > 1 && several >= 2
}

// categoryWord reports whether w is a word cat's titles or values use.
func (x *vindex) categoryWord(cat, w string) bool {
	ws := x.cat.words[strings.ToLower(cat)]
	return ws[squashString(w)] || ws[squashString(singular(w))]
}

// wordSizes reports whether some key of cat uses small|medium|large.
func (x *vindex) wordSizes(cat string) bool {
	for _, vs := range x.catVocab(strings.ToLower(cat)).Attributes {
		for _, v := range vs {
			switch strings.ToLower(v) {
			case "small", "medium", "large":
				return true
			}
		}
	}
	return false
}

// isCategoryWord reports whether sq (squashed) is a category's name.
func (x *vindex) isCategoryWord(sq string) bool {
	for _, c := range x.v.Categories {
		if squashString(c) == sq || squashString(singular(strings.ToLower(c))) == sq {
			return true
		}
	}
	return false
}

// packed reports whether the products of cat the word head names come in
// packs of a count (a value is a count: "10-pack", "6 rolls"), so that
// "20 eggs" is an amount matched against packs, not 20 packs.
func (x *vindex) packed(cat, head string) bool {
	if cat == "" {
		return false
	}
	lc := strings.ToLower(cat)
	var named []bool
	if head != "" {
		named = x.cat.names(lc, head)
	}
	for i, it := range x.cat.items[lc] {
		if named != nil && !named[i] {
			continue
		}
		for _, v := range it.Attributes {
			if m, ok := lang.Parse(v); ok && m.Dim == lang.Count {
				return true
			}
		}
	}
	return false
}

// everydayWord reports whether w is a word the catalog uses outside brand
// names: in a title's name part or a value.
func (x *vindex) everydayWord(w string) bool {
	sw := squashString(w)
	if _, ok := x.nouns[sw]; ok {
		return true
	}
	if _, ok := x.surf[sw]; ok {
		return true
	}
	return stopwords[w]
}

// anyCategoryWord reports whether some category's titles or values use w.
func (x *vindex) anyCategoryWord(w string) bool {
	for c := range x.cat.words {
		if x.categoryWord(c, w) {
			return true
		}
	}
	return false
}

// plainVariant applies the catalog's own "standard" reading: when the item
// is named by its bare product word ("two medium cappuccinos") and the
// catalog sells a product whose name is just that word beside variants
// whose names add a value ("Oat Milk Cappuccino", "Iced Latte"), those
// added values are excluded unless asked for. A stated, preferred or
// excluded value of the key, or an exclusion of the plain value (a diet),
// leaves the key alone. It returns the exclusions added, per key.
func (x *vindex) plainVariant(d *draft, spec *planner.ItemSpec) map[string][]string {
	if d.head == "" || spec.Category == "" || !strings.EqualFold(d.headCat, spec.Category) {
		return nil
	}
	cands := x.candidates(d, *spec)
	if len(cands) < 2 {
		return nil
	}
	var plain, rest []skills.VocabularyItem
	for _, it := range cands {
		if squashString(strings.Join(nameWords(it.Title, it.Brand), "")) == d.head ||
			squashString(singular(strings.Join(nameWords(it.Title, it.Brand), " "))) == d.head {
			plain = append(plain, it)
		} else {
			rest = append(rest, it)
		}
	}
	if len(plain) == 0 || len(rest) == 0 {
		return nil
	}
	out := map[string][]string{}
	for _, k := range sortedKeysOf(plain[0].Attributes) {
		if _, ok := spec.Attributes[k]; ok {
			continue
		}
		if _, ok := spec.Prefer[k]; ok || len(spec.ExcludeAttributes[k]) > 0 {
			continue
		}
		plainVals := map[string]bool{}
		for _, it := range plain {
			plainVals[strings.ToLower(it.Attributes[k])] = true
		}
		for _, it := range rest {
			v, ok := it.Attributes[k]
			if !ok || plainVals[strings.ToLower(v)] {
				continue
			}
			name := " " + strings.Join(nameWords(it.Title, it.Brand), " ") + " "
			if strings.Contains(name, " "+strings.ToLower(v)+" ") && !contains(out[k], v) {
				out[k] = append(out[k], v)
			}
		}
	}
	for k, vs := range out {
		if spec.ExcludeAttributes == nil {
			spec.ExcludeAttributes = map[string][]string{}
		}
		for _, v := range vs {
			spec.ExcludeAttributes[k] = appendUnique(spec.ExcludeAttributes[k], v)
		}
	}
	return out
}

// soldAsPair reports whether the products the item's word names come as
// two: "pair" in a title or value, a count of 2 in a title ("Set of 2"),
// or a pack-size value of 2 (one of them is the pair asked for).
func (x *vindex) soldAsPair(d *draft) bool {
	if d.cat == "" || d.head == "" {
		return false
	}
	lc := strings.ToLower(d.cat)
	named := x.cat.names(lc, d.head)
	for i, it := range x.cat.items[lc] {
		if !named[i] {
			continue
		}
		hay := strings.ToLower(it.Title)
		for _, v := range it.Attributes {
			hay += " " + strings.ToLower(v)
		}
		if planner.ContainsWord(hay, "pair") || planner.ContainsWord(hay, "pairs") {
			return true
		}
		// a pack of two: "Set of 2", "2-pack", pack_size = 2
		for _, m := range lang.Find(it.Title) {
			if m.Dim == lang.Count && m.String() == "2 count" {
				return true
			}
		}
		for k, v := range it.Attributes {
			lk := strings.ToLower(k)
			if strings.TrimSpace(v) == "2" && (strings.Contains(lk, "pack") || strings.Contains(lk, "count") || strings.Contains(lk, "set") || strings.Contains(lk, "piece")) {
				return true
			}
		}
	}
	return false
}
