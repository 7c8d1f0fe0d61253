package offline

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/lang"
)

var splitWords = map[string]bool{"and": true, "plus": true, "&": true, "also": true, "then": true, "+": true, "和": true}

// andWords join two things to buy ("milk and eggs").
var andWords = map[string]bool{"and": true, "plus": true, "&": true, "+": true, "和": true}

var quantityX = regexp.MustCompile(`^(\d{1,4})x$`)
var xQuantity = regexp.MustCompile(`^x(\d{1,4})$`)

// segment is a run of unused tokens between separators.
type segment struct {
	idx []int // indices into reqState.toks
	// afterAnd: the segment follows "and", "plus", "&" — another thing
	// to buy, unless it only qualifies the one before
	afterAnd bool
}

// buildItems splits the remaining words into item segments and reads each.
func (p *Planner) buildItems(st *reqState, x *vindex) {
	brands := findBrands(st, x)
	inBrand := map[int]bool{}
	for _, b := range brands {
		for j := b.start; j < b.end; j++ {
			inBrand[j] = true
		}
	}
	var segs []segment
	cur := segment{}
	flush := func() {
		if len(cur.idx) > 0 {
			segs = append(segs, cur)
		}
		cur = segment{}
	}
	for i, t := range st.toks {
		if st.used[i] {
			continue
		}
		if !inBrand[i] && (t.kind == kPunct && t.t != "/" || splitWords[t.t]) {
			flush()
			cur.afterAnd = andWords[t.t]
			continue
		}
		if t.t == "with" && !inBrand[i] && withStartsItem(st, x, x.nouns, i) {
			flush()
			continue
		}
		cur.idx = append(cur.idx, i)
	}
	flush()

	// read every segment, then merge modifier segments into items
	type readSeg struct {
		d        *draft
		item     bool
		all      bool
		afterAnd bool
	}
	var reads []readSeg
	for _, s := range segs {
		d := p.readSegment(st, x, s, brands)
		if d == nil {
			continue
		}
		all := false
		for _, i := range s.idx {
			switch st.toks[i].t {
			case "all", "both", "every", "everything":
				all = true
			}
		}
		reads = append(reads, readSeg{d: d, item: d.head != "" || d.textItem || d.isUnknownItem() || d.attrItem, all: all, afterAnd: s.afterAnd})
	}
	var items []*draft
	var lead []*draft
	for k, r := range reads {
		if r.item {
			for _, m := range lead {
				r.d.absorb(m)
			}
			lead = nil
			items = append(items, r.d)
			continue
		}
		if r.d.vagueOnly {
			st.vague = true
			if r.d.usual {
				st.usual = true
			}
			continue
		}
		if len(items) == 0 {
			lead = append(lead, r.d)
			continue
		}
		prev := items[len(items)-1]
		last := k == len(reads)-1
		switch {
		case r.d.elliptic(prev, x):
			// "… 50 yuan on China Mobile and 50 yuan on China Telecom",
			// "one large latte and one small": another of the same thing
			items = append(items, prev.sibling(r.d))
		case last && r.all:
			for _, it := range items {
				it.absorbShared(r.d, x)
			}
		case r.afterAnd && r.d.productLike():
			// "a latte and kombucha": a thing the catalog words do not
			// know is still another thing to buy, never dropped into the
			// previous item; it is searched by its words, which the
			// title must have
			r.d.query = nil // finalize searches by the required words
			for _, w := range r.d.unknown {
				r.d.require = appendUnique(r.d.require, w)
			}
			r.d.unknown = nil
			items = append(items, r.d)
		default:
			prev.absorb(r.d)
			if last && len(items) > 1 {
				// safety constraints at the end ("…, dairy-free", "…, no
				// Anker") hold for every item
				for _, it := range items[:len(items)-1] {
					it.absorbConstraints(r.d)
				}
			}
		}
	}
	if len(items) == 0 {
		// "Coca-Cola": a brand alone is what to buy
		for _, m := range lead {
			if len(m.brands) > 0 && !m.vague {
				m.query = append(m.query, strings.ToLower(strings.Join(m.brands, " ")))
				m.query = append(m.query, m.unknown...)
				m.unknown = nil
				items = append(items, m)
				break
			}
		}
	}
	for _, m := range lead {
		// modifiers with no item: keep what they say for the usual / answer
		if m.usual {
			st.usual = true
		}
		if m.vague || m.usual {
			st.vague = true
		}
	}
	// "for my iPhone 16" at the end applies to every item that needs a device
	for _, d := range items {
		for _, a := range d.attrs {
			if !a.shared {
				continue
			}
			for _, o := range items {
				if o == d || o.hasKeyHit(a.cands) {
					continue
				}
				if o.needsAny(a.cands, x) || len(o.cands) > 0 {
					o.attrs = append(o.attrs, a)
				}
			}
		}
	}
	// a bare category word next to real items ("groceries: milk and eggs")
	// is a heading, not an item; a category word that carries anything of
	// its own ("China Unicom top-up 50", "2 groceries") is an item and is
	// never dropped
	if len(items) > 1 {
		var keep []*draft
		for _, d := range items {
			if x.isCategoryWord(d.head) && d.bareHeading() {
				continue
			}
			keep = append(keep, d)
		}
		if len(keep) > 0 {
			items = keep
		}
	}
	// floors hold for every item (a floor is said of what is bought)
	for _, f := range st.floors {
		for _, d := range items {
			m := f.m
			if d.unitMin == nil || d.unitMin.Minor < m.Minor {
				d.unitMin = &m
			}
		}
	}
	// per-item limits go to the item they follow; after a comma, to all
	for _, u := range st.units {
		var target *draft
		sep := false
		for _, d := range items {
			if d.start <= u.pos {
				target = d
			}
		}
		if target != nil {
			for j := target.end; j < u.pos; j++ {
				if st.toks[j].kind == kPunct {
					sep = true
				}
			}
		}
		if target == nil || sep || target.start > u.pos {
			for _, d := range items {
				m := u.m
				d.unitMax = &m
			}
			continue
		}
		m := u.m
		target.unitMax = &m
	}
	st.items = items
}

// withStartsItem: "a latte with a croissant" (split) vs "a latte with oat
// milk" (one item).
func withStartsItem(st *reqState, x *vindex, table map[string]nounEntry, i int) bool {
	j := i + 1
	if !st.free(j) {
		return false
	}
	t := st.toks[j].t
	_, n := tokenNumber(st.toks, j)
	if t != "a" && t != "an" && t != "some" && n == 0 {
		return false
	}
	hasWord := func(from, to int) bool {
		for k := from; k < to; k++ {
			if st.used[k] || st.toks[k].kind != kWord || stopwords[st.toks[k].t] || descriptors[st.toks[k].t] {
				continue
			}
			if _, an := matchAt(st.toks, k, 4, x.surf, func(q int) bool { return !st.used[q] }); an > 0 {
				continue
			}
			return true
		}
		return false
	}
	hasNoun := func(from, to int) bool {
		for k := from; k < to; k++ {
			if st.used[k] || st.toks[k].kind == kPunct {
				continue
			}
			if _, n := matchAt(st.toks, k, 4, table, func(q int) bool { return !st.used[q] }); n > 0 {
				// a noun that is only an attribute value ("oat milk") does not count
				if _, an := matchAt(st.toks, k, 4, x.surf, func(q int) bool { return !st.used[q] }); an > n {
					continue
				}
				return true
			}
		}
		return false
	}
	end := j
	for end < len(st.toks) && st.toks[end].kind != kPunct && !splitWords[st.toks[end].t] {
		end++
	}
	start := i - 1
	for start >= 0 && st.toks[start].kind != kPunct && !splitWords[st.toks[start].t] {
		start--
	}
	return (hasNoun(j, end) || hasWord(j, end)) && hasNoun(start+1, i)
}

func findBrands(st *reqState, x *vindex) []brandHit {
	var out []brandHit
	for i := 0; i < len(st.toks); i++ {
		if st.used[i] {
			continue
		}
		b, n := matchAt(st.toks, i, 4, x.brands, func(j int) bool { return !st.used[j] })
		if n == 0 {
			continue
		}
		if _, isValue := x.surf[squash(st.toks[i:i+n])]; isValue {
			i += n - 1
			continue // "China Mobile" the carrier: the attribute says it
		}
		if n == 1 {
			t := st.toks[i]
			// a brand that is also a word of product names or values,
			// written in lower case, is read as the word ("glad" vs Glad)
			lower := t.raw == strings.ToLower(t.raw)
			if lower && x.everydayWord(t.t) {
				continue
			}
		}
		h := brandHit{brand: b, start: i, end: i + n}
		pol, _ := polarity(st, i)
		h.neg = pol < 0
		for j := i - 1; j >= 0 && j >= i-3; j-- {
			switch st.toks[j].t {
			case "prefer", "preferably", "ideally", "prefer:", "preferred":
				h.prefer = true
			}
		}
		if st.free(i+n) && (st.toks[i+n].t == "preferred" || st.toks[i+n].t == "ideally") {
			h.prefer = true
		}
		if st.free(i+n+1) && st.toks[i+n].t == "if" && st.toks[i+n+1].t == "possible" {
			h.prefer = true
		}
		out = append(out, h)
		i += n - 1
	}
	// "no Anker or Baseus": a bare brand after a negated one inherits it
	for k := 1; k < len(out); k++ {
		if out[k].neg || !out[k-1].neg {
			continue
		}
		only := true
		for j := out[k-1].end; j < out[k].start; j++ {
			if !connectors[st.toks[j].t] {
				only = false
			}
		}
		if only {
			out[k].neg = true
		}
	}
	return out
}

// fields of draft used while reading
type readFlags struct {
	vague, vagueOnly, usual, article bool
}

// readSegment reads one segment into a draft (which may hold only modifiers).
func (p *Planner) readSegment(st *reqState, x *vindex, s segment, brands []brandHit) *draft {
	toks := make([]token, len(s.idx))
	for k, i := range s.idx {
		toks[k] = st.toks[i]
	}
	d := &draft{start: s.idx[0], end: s.idx[len(s.idx)-1] + 1, ctx: map[string]bool{}, text: rawOf(toks)}
	for _, t := range toks {
		d.ctx[squashString(t.t)] = true
		d.ctx[squashString(singular(t.t))] = true
	}
	covered := make([]bool, len(toks))
	// brands in this segment
	for _, b := range brands {
		for k, i := range s.idx {
			if i == b.start {
				n := b.end - b.start
				for q := k; q < k+n && q < len(toks); q++ {
					covered[q] = true
				}
				switch {
				case b.neg:
					d.notBrands = appendUnique(d.notBrands, b.brand)
				case b.prefer:
					d.prefBrand = appendUnique(d.prefBrand, b.brand)
				default:
					d.brands = appendUnique(d.brands, b.brand)
				}
			}
		}
	}
	// "2 liters of", "3 bottles of": an amount in units, read before the
	// attribute spans so "2 liters" never becomes a capacity value
	meas, measAt, measEnd := readMeasure(toks, covered)
	if meas != nil {
		for q := measAt; q < measEnd; q++ {
			covered[q] = true
		}
	}
	forAt := -1
	// attribute spans
	var attrs []attrHit
	for i := 0; i < len(toks); i++ {
		if covered[i] {
			continue
		}
		if toks[i].t == "for" && forAt < 0 {
			forAt = i
		}
		free := func(j int) bool { return !covered[j] }
		if diet, n := matchAt(toks, i, 3, freeFrom, free); n > 0 {
			attrs = append(attrs, attrHit{start: i, end: i + n, raw: rawOf(toks[i : i+n]), diet: diet, neg: true})
			i += n - 1
			continue
		}
		if c, n := matchAt(toks, i, x.maxN, x.surf, free); n > 0 {
			// "2 packs of tea bags" counts packs; "a 6-pack of cola" is a pack size
			if last := toks[i+n-1].t; (last == "packs" || last == "boxes") && n == 2 && toks[i].kind == kNum && i+n < len(toks) && toks[i+n].t == "of" {
				if _, c := tokenNumber(toks, max(i-1, 0)); i == 0 || c == 0 {
					continue
				}
			}
			attrs = append(attrs, attrHit{cands: c, start: i, end: i + n, raw: rawOf(toks[i : i+n])})
			i += n - 1
			continue
		}
		if strings.HasSuffix(toks[i].t, "-free") {
			w := strings.TrimSuffix(toks[i].t, "-free")
			if diet, ok := dietWords[w]; ok {
				attrs = append(attrs, attrHit{start: i, end: i + 1, raw: toks[i].raw, diet: diet, neg: true})
				continue
			}
		}
		if c, ok := x.partial[squashString(toks[i].t)]; ok && !x.claimed(toks, i) {
			attrs = append(attrs, attrHit{cands: c, start: i, end: i + 1, raw: toks[i].raw, partial: true})
			continue
		}
		if c, ok := x.ctxOnly[toks[i].t]; ok {
			prevSize := i > 0 && (toks[i-1].t == "size" || toks[i-1].t == "in" || toks[i-1].t == "sized")
			caps := toks[i].raw != strings.ToLower(toks[i].raw) && toks[i].raw != "I" && toks[i].raw != "A"
			if prevSize || caps || st.bare {
				attrs = append(attrs, attrHit{cands: c, start: i, end: i + 1, raw: toks[i].raw})
			}
		}
	}
	// noun spans (may overlap attribute spans)
	var nounsFound []nounHit
	for i := 0; i < len(toks); i++ {
		if covered[i] {
			continue
		}
		e, n := matchAt(toks, i, 4, x.nouns, func(j int) bool { return !covered[j] })
		if n == 0 {
			continue
		}
		sq := squash(toks[i : i+n])
		if _, hit := x.nouns[sq]; !hit {
			sq = squash(toks[i:i+n-1]) + squashString(singular(toks[i+n-1].t))
		}
		nounsFound = append(nounsFound, nounHit{e: e, sq: sq, start: i, end: i + n, raw: rawOf(toks[i : i+n]), afterFor: forAt >= 0 && i > forAt})
		i += n - 1
	}
	// negation markers apply to the next span
	negAt := map[int]bool{}
	inSpan := func(i int) bool {
		for _, a := range attrs {
			if i >= a.start && i < a.end {
				return true
			}
		}
		return covered[i]
	}
	for i, t := range toks {
		if inSpan(i) {
			continue
		}
		neg := negWords[t.t] && t.t != "avoid" || t.t == "but" && i > 0 && (toks[i-1].t == "anything" || toks[i-1].t == "anywhere")
		if !neg {
			continue
		}
		j := i + 1
		for j < len(toks) && (toks[j].t == "any" || toks[j].t == "a" || toks[j].t == "the" || toks[j].t == "added" || toks[j].t == "extra" || toks[j].t == "too" || toks[j].t == "much" || toks[j].t == "from" || negWords[toks[j].t]) {
			j++
		}
		if j < len(toks) {
			negAt[j] = true
		}
	}
	for k := range attrs {
		if negAt[attrs[k].start] {
			attrs[k].neg = true
		}
	}
	for k := range nounsFound {
		if negAt[nounsFound[k].start] {
			nounsFound[k].neg = true
		}
	}
	// head noun: rightmost noun not inside a longer attribute span, not
	// negated, not after "for" when one comes before
	isCovered := func(n nounHit) bool {
		for _, a := range attrs {
			if a.start <= n.start && n.end <= a.end && a.end-a.start > n.end-n.start {
				return true
			}
		}
		return false
	}
	// a title's head word before any other word of a title's name
	head := -1
	for pass := 0; pass < 4 && head < 0; pass++ {
		for k := len(nounsFound) - 1; k >= 0; k-- {
			n := nounsFound[k]
			if n.neg || pass%2 == 0 && isCovered(n) || n.e.weak != (pass >= 2) {
				continue
			}
			if n.afterFor && hasNounBefore(nounsFound, forAt) {
				continue
			}
			head = k
			break
		}
	}
	// no product word, but a value that names a kind of product ("a
	// raincoat" for type = rain jacket): the value is the item
	if head < 0 {
		for _, a := range attrs {
			if a.neg || a.diet != "" {
				continue
			}
			for _, c := range a.cands {
				if e, ok := x.nouns[squashString(c.val)]; ok && !e.weak && e.cat != "" {
					nounsFound = append(nounsFound, nounHit{e: e, sq: squashString(c.val), start: a.start, end: a.end, raw: a.raw})
					head = len(nounsFound) - 1
					break
				}
			}
			if head >= 0 {
				break
			}
		}
	}
	// an attribute that overlaps the head but does not contain it is part of
	// the product's name ("black tea", "cold brew"): drop it
	if head >= 0 {
		h := nounsFound[head]
		var keep []attrHit
		for _, a := range attrs {
			overlap := a.start < h.end && h.start < a.end
			contains := a.start <= h.start && h.end <= a.end
			if overlap && !contains && a.end != h.end {
				continue
			}
			keep = append(keep, a)
		}
		attrs = keep
		d.head, d.headRaw = h.sq, singularPhrase(h.raw)
		d.cat = h.e.cat
		d.headCat = h.e.cat
		// a word some titles use, said with values only another category
		// has ("China Unicom phone"): the values name the category
		if c := x.attrCategory(attrs); c != "" && !strings.EqualFold(c, d.cat) && h.e.weak {
			d.cat = c
		}
		d.implied = h.e.implied
		d.plural = singular(toks[h.end-1].t) != toks[h.end-1].t
		if len(h.e.amb) > 0 {
			d.cands = x.ambiguities(h.e.amb, h.sq)
			d.cat = ""
		}
	}
	for _, n := range nounsFound {
		if n.neg {
			if diet, ok := dietWords[n.sq]; ok {
				d.diets = appendUnique(d.diets, diet)
			} else {
				d.terms = appendUnique(d.terms, strings.ToLower(n.raw))
			}
		}
	}
	for _, a := range attrs {
		a.coversHead = head >= 0 && a.start <= nounsFound[head].start && nounsFound[head].end <= a.end
		a.shared = forAt >= 0 && a.start > forAt && head >= 0 && nounsFound[head].start < forAt
		switch {
		case a.diet != "":
			d.diets = appendUnique(d.diets, a.diet)
		case a.neg:
			if diet := dietOfCands(a.cands); diet != "" {
				d.diets = appendUnique(d.diets, diet)
			} else {
				d.negAttrs = append(d.negAttrs, a)
			}
		default:
			d.attrs = append(d.attrs, a)
		}
	}
	// query: attribute words and the head, in the order said
	qstart := len(toks)
	if head >= 0 {
		qstart = nounsFound[head].start
	}
	headInAttr := false
	for _, a := range d.attrs {
		if head >= 0 && a.start <= nounsFound[head].start && nounsFound[head].end <= a.end {
			q := strings.ToLower(a.raw)
			if a.start == nounsFound[head].start && a.end == nounsFound[head].end {
				q = strings.ToLower(d.headRaw)
			}
			d.query = append(d.query, q)
			headInAttr = true
			continue
		}
		if a.start < qstart && a.diet == "" && !a.shared {
			d.query = append(d.query, strings.ToLower(a.raw))
		}
	}
	if head >= 0 && !headInAttr {
		d.query = append(d.query, strings.ToLower(d.headRaw))
	}
	// quantity, money, numbers, leftover words
	used := make([]bool, len(toks))
	mark := func(i, j int) {
		for k := i; k < j && k < len(used); k++ {
			used[k] = true
		}
	}
	for _, a := range attrs {
		mark(a.start, a.end)
	}
	for k, n := range nounsFound {
		if n.e.weak && k != head && !n.neg {
			continue // a word of some title's name: narrows the item, read below
		}
		mark(n.start, n.end)
	}
	// a size the vocabulary has no value for ("size M" where no merchant
	// lists sizes) is still the person's constraint: kept as a hard
	// "size m" requirement, never dropped
	readUnlistedSize(d, toks, used, mark, x.letterSizes(d.cat))
	for i := range toks {
		if covered[i] {
			used[i] = true
			continue
		}
		if !negAt[i] || used[i] || toks[i].kind != kWord {
			continue
		}
		used[i] = true
		w := toks[i].t
		if diet, ok := dietWords[w]; ok {
			d.diets = appendUnique(d.diets, diet)
		} else if !stopwords[w] {
			d.terms = appendUnique(d.terms, w)
		}
	}
	headStart := len(toks)
	if head >= 0 {
		headStart = nounsFound[head].start
	}
	// money written in the segment ("a ¥50 top-up")
	sub := &reqState{toks: toks, used: used}
	for i := 0; i < len(toks); i++ {
		if used[i] {
			continue
		}
		if h, ok := sub.moneyAt(i, x.v.Currency, true); ok {
			d.money = append(d.money, h)
			mark(h.start, h.end)
			i = h.end - 1
		}
	}
	p.readQuantity(d, toks, used, headStart, mark)
	// "a pair of dumbbells" where the catalog sells them as a pair: one
	if qt := strings.ToLower(d.qtyText); d.qty == 2 && (strings.HasPrefix(qt, "a pair") || strings.HasPrefix(qt, "pair")) && head >= 0 && x.soldAsPair(d) {
		d.qty = 1
	}
	// a number with its unit ("100 ct", "20 quart", "6 doses") is a
	// measure of the product: accounted as one (agent/check evidences it),
	// never leftover words
	for i := 0; i < len(toks); i++ {
		if used[i] {
			continue
		}
		if toks[i].kind == kNum && i+1 < len(toks) && !used[i+1] && toks[i+1].kind == kWord {
			if _, ok := lang.Parse(toks[i].raw + " " + toks[i+1].raw); ok {
				mark(i, i+2)
				i++
				continue
			}
		}
		if toks[i].kind == kWord && strings.ContainsAny(toks[i].t, "0123456789") {
			if _, ok := lang.Parse(toks[i].raw); ok {
				mark(i, i+1)
			}
		}
	}
	if meas != nil {
		d.measure = meas
		d.qty, d.qtySaid, d.qtyNote = 1, true, ""
		if meas.Unit == planner.UnitEach && meas.Value <= 1000 {
			d.qty = int(meas.Value) // single things, until a pack says otherwise
		}
	} else if d.measure == nil && d.qtySaid && d.qty > 1 && d.qty <= 1000 && d.plural && head >= 0 && x.packed(d.cat, d.head) && !countsPacks(toks, headStart) {
		// "20 eggs" counts eggs, not packs of eggs (groceries and
		// household goods come in packs; lattes and jackets do not)
		d.measure = &planner.Measure{Value: int64(d.qty), Unit: planner.UnitEach, Said: itoa(d.qty) + " " + strings.ToLower(nounsFound[head].raw)}
	}
	// the unknown words directly before the head (past attributes and
	// brands, up to a stopword, number or punctuation)
	adjacent := map[int]bool{}
	if head >= 0 {
		for k := headStart - 1; k >= 0; k-- {
			t := toks[k]
			if covered[k] || used[k] && t.kind == kWord && inAttrOrBrand(attrs, k) {
				continue
			}
			if used[k] || t.kind != kWord || stopwords[t.t] || descriptors[t.t] || vagueWords[t.t] ||
				negWords[t.t] || strings.ContainsAny(t.t, "0123456789") || len([]rune(t.t)) < 3 {
				break
			}
			adjacent[k] = true
		}
	}
	var flags readFlags
	for i, t := range toks {
		if used[i] {
			continue
		}
		if t.kind == kNum {
			d.numbers = append(d.numbers, t.t)
			continue
		}
		w := t.t
		switch {
		case vagueWords[w]:
			flags.vague = true
			if w == "usual" {
				flags.usual = true
			}
		case x.letterSizes(d.cat) && sizeWords[w] != "":
			// "a hoodie, medium", "a medium hoodie" where the catalog lists no sizes
			d.sizeReq = appendUnique(d.sizeReq, "size "+sizeWords[w])
		case descriptors[w]:
			d.unknown = append(d.unknown, w)
		case negWords[w] || stopwords[w] || t.kind == kPunct || t.kind == kSym:
		case len([]rune(w)) < 2 && t.kind != kHan:
		case adjacent[i]:
			// an unknown word right before the product word narrows it
			// ("whole wheat toast"): the title must have it
			d.require = appendUnique(d.require, w)
		default:
			d.unknown = append(d.unknown, w)
			d.content = true
		}
	}
	for _, t := range toks {
		if t.t == "a" || t.t == "an" {
			flags.article = true
		}
		if clauseWords[t.t] {
			d.clause = true
		}
	}
	d.vague, d.usual = flags.vague, flags.usual
	d.vagueOnly = head < 0 && flags.vague
	d.article = flags.article || d.qtySaid
	// no product word, but words of its own and values only one
	// category has ("recharge ¥30 China Telecom"): an item of that
	// category, searched by the values
	if head < 0 && !d.vagueOnly && !d.clause && (len(d.unknown) > 0 || len(d.money) > 0) {
		named := len(d.money) > 0
		for _, w := range d.unknown {
			if !chatWords[w] && !descriptors[w] {
				named = true
			}
		}
		if c := x.attrCategory(attrs); c != "" && named {
			d.cat, d.attrItem = c, true
			// the words no catalog knows still name the thing ("a wool
			// scarf"): the title must say them
			for _, w := range d.unknown {
				if !chatWords[w] && !descriptors[w] && !x.categoryWord(c, w) {
					d.require = appendUnique(d.require, w)
				}
			}
			d.unknown = nil
			return d
		}
	}
	if head < 0 && !d.vagueOnly && d.isUnknownItem() {
		d.textItem = true
		if !d.content {
			d.query = append(d.query, strings.ToLower(strings.Join(d.brands, " ")))
		}
		d.query = append(d.query, d.unknown...)
		// words no catalog knows name the thing itself ("pepperoni
		// pizza"): the title must say them, never a match on "large" alone
		for _, w := range d.unknown {
			if !descriptors[w] && !chatWords[w] {
				d.require = appendUnique(d.require, w)
			}
		}
		d.unknown = nil
	}
	return d
}

func inAttrOrBrand(attrs []attrHit, k int) bool {
	for _, a := range attrs {
		if k >= a.start && k < a.end {
			return true
		}
	}
	return false
}

func hasNounBefore(ns []nounHit, forAt int) bool {
	for _, n := range ns {
		if n.start < forAt && !n.neg {
			return true
		}
	}
	return false
}

func dietOfCands(cands []kv) string {
	for _, c := range cands {
		switch strings.ToLower(c.key) {
		case "dairy":
			return dietDairy
		case "nuts":
			return dietNuts
		case "gluten":
			return dietGluten
		}
	}
	return ""
}

func rawOf(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && !(t.kind == kHan && toks[i-1].kind == kHan) {
			b.WriteByte(' ')
		}
		b.WriteString(t.raw)
	}
	return b.String()
}

func singularPhrase(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return s
	}
	last := strings.ToLower(f[len(f)-1])
	if !pairedGoods[last] {
		f[len(f)-1] = singular(last)
	}
	for i := 0; i < len(f)-1; i++ {
		f[i] = strings.ToLower(f[i])
	}
	return strings.Join(f, " ")
}

// readQuantity reads the count before the head ("two", "a couple of",
// "half a dozen", "3x") or after it ("x3").
func (p *Planner) readQuantity(d *draft, toks []token, used []bool, headStart int, mark func(i, j int)) {
	d.qty = 1
	i := 0
	for i < headStart && i < len(toks) && (used[i] || quantityFiller[toks[i].t] || stopwords[toks[i].t] && !quantityWords[toks[i].t]) {
		i++
	}
	at := func(k int, w ...string) bool {
		for q, x := range w {
			if k+q >= len(toks) || used[k+q] || toks[k+q].t != x {
				return false
			}
		}
		return true
	}
	set := func(n, from, to int, note string) {
		d.qty, d.qtyNote, d.qtySaid = n, note, true
		if from < to && to <= len(toks) {
			d.qtyText = rawOf(toks[from:to])
		}
		mark(from, to)
	}
	if i < headStart {
		switch {
		case at(i, "half", "a", "dozen"):
			set(6, i, i+3, "")
			d.measure = &planner.Measure{Value: 6, Unit: planner.UnitEach, Said: "half a dozen"}
		case at(i, "a", "half", "dozen") || at(i, "half", "dozen"):
			set(6, i, i+3, "")
			d.measure = &planner.Measure{Value: 6, Unit: planner.UnitEach, Said: "half a dozen"}
		case at(i, "a", "dozen"):
			set(12, i, i+2, "")
			d.measure = &planner.Measure{Value: 12, Unit: planner.UnitEach, Said: "a dozen"}
		case at(i, "a", "couple", "of") || at(i, "couple", "of"):
			set(2, i, i+3, "")
		case at(i, "a", "couple"):
			set(2, i, i+2, "")
		case at(i, "a", "pair", "of"):
			n := 2
			if d.isPaired() {
				n = 1
			}
			set(n, i, i+3, "")
		case at(i, "a", "few"):
			set(aFew, i, i+2, "\"a few\" read as "+strconv.Itoa(aFew))
		case at(i, "few"):
			set(aFew, i, i+1, "\"few\" read as "+strconv.Itoa(aFew))
		case at(i, "several"):
			d.qtyAsk = true
			mark(i, i+1)
		case at(i, "some"):
			set(1, i, i+1, "\"some\" read as 1")
		case at(i, "a") || at(i, "an") || at(i, "single") || at(i, "a", "single"):
			set(1, i, i+1, "")
		default:
			t := toks[i].t
			if m := quantityX.FindStringSubmatch(t); m != nil {
				n, _ := strconv.Atoi(m[1])
				set(n, i, i+1, "")
				break
			}
			n, used1 := tokenNumber(toks, i)
			if used1 == 0 || n <= 0 {
				break
			}
			j := i + used1
			// "100 ct", "6 doses", "20 quart", "3/4 in": a measure of the
			// product, never how many to order
			if j < len(toks) && !used[j] && toks[j].kind == kWord && !packWords[toks[j].t] && toks[j].t != "dozen" &&
				!(toks[j].t == "x") {
				if _, ok := lang.Parse(toks[i].raw + " " + toks[j].raw); ok {
					break
				}
			}
			// a count above 10 that does not count the item itself ("36
			// pencil set") is asked, never bought
			if n > 10 && j < headStart && !packWords[toks[j].t] && toks[j].t != "dozen" && toks[j].t != "of" &&
				!(toks[j].t == "pairs" || toks[j].t == "pair" || toks[j].t == "x") {
				d.qtyAsk = true
				mark(i, j)
				break
			}
			switch {
			case at(j, "dozen"):
				set(n*12, i, j+1, "")
				d.measure = &planner.Measure{Value: int64(n) * 12, Unit: planner.UnitEach, Said: itoa(n) + " dozen"}
			case at(j, "pairs", "of") || at(j, "pair", "of"):
				set(n, i, j+2, "")
			case at(j, "x"):
				set(n, i, j+1, "")
			default:
				set(n, i, j, "")
			}
		}
	}
	// "latte x3", "lattes × 2", "3 of them"
	for k := headStart; k < len(toks); k++ {
		if used[k] {
			continue
		}
		if m := xQuantity.FindStringSubmatch(toks[k].t); m != nil {
			n, _ := strconv.Atoi(m[1])
			set(n, k, k+1, "")
			break
		}
		if (toks[k].t == "x" || toks[k].t == "times") && k+1 < len(toks) && toks[k+1].kind == kNum {
			if n, c := tokenNumber(toks, k+1); c > 0 {
				set(n, k, k+2, "")
				break
			}
		}
		if m := quantityX.FindStringSubmatch(toks[k].t); m != nil && k > headStart {
			n, _ := strconv.Atoi(m[1])
			set(n, k, k+1, "")
			break
		}
	}
	if d.qty > 1000 {
		d.qtyBig = d.qty
	}
}

var quantityWords = map[string]bool{"a": true, "an": true, "one": true, "single": true, "half": true, "few": true,
	"couple": true, "dozen": true, "pair": true, "pairs": true, "some": true, "several": true, "x": true}

var quantityFiller = map[string]bool{"get": true, "me": true, "buy": true, "i": true, "want": true, "need": true,
	"please": true, "i'd": true, "id": true, "like": true, "to": true, "order": true, "could": true, "can": true,
	"you": true, "would": true, "grab": true, "pick": true, "up": true, "us": true, "also": true, "another": false,
	"we": true, "let's": true, "just": true, "purchase": true, "find": true, "and": true, "plus": true, "then": true,
	"with": true, "add": true, "for": true, "my": true, "our": true, "the": true, "帮": true, "我": true, "买": true,
	"要": true, "pay": true, "do": true, "hey": true, "hi": true, "ok": true, "okay": true, "so": true, "now": true}

func (d *draft) isPaired() bool {
	return pairedGoods[d.head] || pairedGoods[strings.ToLower(d.headRaw)]
}

// isUnknownItem: no known noun, but an article or count and words we do
// not know ("a bluetooth speaker stand"): searched by text.
func (d *draft) isUnknownItem() bool {
	if d.head != "" || d.vague {
		return false
	}
	if d.article {
		return d.content || len(d.brands) > 0 && len(d.unknown) == 0
	}
	// no article ("running shoes size 42"): words of its own and nothing
	// that only qualifies another item
	named := false
	for _, w := range d.unknown {
		if !chatWords[w] && !descriptors[w] {
			named = true
		}
	}
	return d.content && named && !d.clause && len(d.attrs) == 0 && len(d.negAttrs) == 0 && len(d.diets) == 0 && len(d.terms) == 0 &&
		len(d.money) == 0 && len(d.notBrands) == 0
}

// absorb merges a modifier segment into d.
func (d *draft) absorb(m *draft) {
	d.attrs = append(d.attrs, m.attrs...)
	d.negAttrs = append(d.negAttrs, m.negAttrs...)
	for _, x := range m.diets {
		d.diets = appendUnique(d.diets, x)
	}
	for _, x := range m.terms {
		d.terms = appendUnique(d.terms, x)
	}
	for _, x := range m.brands {
		d.brands = appendUnique(d.brands, x)
	}
	for _, x := range m.notBrands {
		d.notBrands = appendUnique(d.notBrands, x)
	}
	for _, x := range m.prefBrand {
		d.prefBrand = appendUnique(d.prefBrand, x)
	}
	d.unknown = append(d.unknown, m.unknown...)
	d.unknown = append(d.unknown, m.require...)
	for _, x := range m.sizeReq {
		d.sizeReq = appendUnique(d.sizeReq, x)
	}
	d.money = append(d.money, m.money...)
	d.numbers = append(d.numbers, m.numbers...)
	d.text = strings.TrimSpace(d.text + " " + m.text)
	d.unsettled = append(d.unsettled, m.unsettled...)
	if m.qtySaid && !d.qtySaid {
		d.qty, d.qtySaid, d.qtyNote, d.measure = m.qty, true, m.qtyNote, m.measure
	}
	for k, v := range m.ctx {
		d.ctx[k] = v
	}
	d.start, d.end = min(d.start, m.start), max(d.end, m.end)
}

// absorbShared applies a trailing modifier ("…, all iced", "…, no Anker")
// to an item where it fits.
func (d *draft) absorbShared(m *draft, x *vindex) {
	for _, a := range m.attrs {
		if _, ok := x.resolve(a.cands, d.category()); ok {
			d.attrs = append(d.attrs, a)
		}
	}
	for _, a := range m.negAttrs {
		if _, ok := x.resolve(a.cands, d.category()); ok {
			d.negAttrs = append(d.negAttrs, a)
		}
	}
	if x.letterSizes(d.category()) {
		for _, v := range m.sizeReq {
			d.sizeReq = appendUnique(d.sizeReq, v)
		}
	}
	d.absorbConstraints(m)
	for _, v := range m.prefBrand {
		d.prefBrand = appendUnique(d.prefBrand, v)
	}
}

// absorbConstraints takes only the exclusions of m: diets, excluded words
// and brands.
func (d *draft) absorbConstraints(m *draft) {
	for _, v := range m.diets {
		d.diets = appendUnique(d.diets, v)
	}
	for _, v := range m.terms {
		d.terms = appendUnique(d.terms, v)
	}
	for _, v := range m.notBrands {
		d.notBrands = appendUnique(d.notBrands, v)
	}
}

// elliptic reports whether m, a segment with no product word, is another
// one of prev: it has its own count or amount and a value that differs
// from prev's for the same key.
func (m *draft) elliptic(prev *draft, x *vindex) bool {
	if prev.head == "" || !(m.qtySaid || len(m.money) > 0) {
		return false
	}
	if len(m.money) > 0 && len(prev.money) > 0 {
		return true
	}
	for _, a := range m.attrs {
		ra, ok := x.resolve(a.cands, prev.cat)
		if !ok {
			continue
		}
		for _, b := range prev.attrs {
			if rb, ok := x.resolve(b.cands, prev.cat); ok && strings.EqualFold(ra.key, rb.key) && !strings.EqualFold(ra.val, rb.val) {
				return true
			}
		}
	}
	return false
}

// sibling is a new item like d (same product word and category) described
// by m, keeping d's values for keys m does not state.
func (d *draft) sibling(m *draft) *draft {
	n := &draft{head: d.head, headRaw: d.headRaw, cat: d.cat, cands: d.cands, implied: d.implied,
		qty: 1, start: m.start, end: m.end, ctx: map[string]bool{}, plural: d.plural}
	if m.qtySaid {
		n.qty, n.qtySaid, n.qtyNote, n.measure = m.qty, true, m.qtyNote, m.measure
	}
	for _, a := range d.attrs {
		if a.coversHead {
			n.attrs = append(n.attrs, a)
		}
	}
	n.attrs = append(n.attrs, m.attrs...)
	n.query = append(n.query, d.query...)
	n.money = m.money
	n.numbers = m.numbers
	n.absorbConstraints(m)
	n.brands = append(n.brands, m.brands...)
	for k, v := range d.ctx {
		n.ctx[k] = v
	}
	return n
}

func (d *draft) category() string { return d.cat }

// productLike reports whether d, a segment with no known product word,
// names something to buy: words of its own and nothing that qualifies
// another item (attributes, exclusions, amounts, vague or "usual" words).
func (d *draft) productLike() bool {
	if !(d.head == "" && d.content && len(d.unknown) > 0 && !d.vague && !d.usual && len(d.attrs) == 0 &&
		len(d.negAttrs) == 0 && len(d.diets) == 0 && len(d.terms) == 0 && len(d.money) == 0 &&
		len(d.numbers) == 0 && len(d.notBrands) == 0 && len(d.prefBrand) == 0) {
		return false
	}
	for _, w := range d.unknown {
		if !chatWords[w] && !descriptors[w] {
			return true
		}
	}
	return false
}

// chatWords are what people add after "and" that is not a thing to buy
// ("… and please hurry", "… and thanks").
var chatWords = map[string]bool{"hurry": true, "quick": true, "quickly": true, "fast": true, "asap": true,
	"thanks": true, "thank": true, "cheers": true, "urgent": true, "urgently": true, "soon": true, "today": true,
	"tonight": true, "tomorrow": true, "now": true, "cheap": true, "cheaply": true, "done": true, "pay": true,
	"checkout": true, "rush": true, "fine": true, "good": true, "great": true, "it": true, "that's": true, "all": true}

// bareHeading reports whether d says nothing beyond its product word: no
// count, attribute, amount, number, brand or narrowing word.
func (d *draft) bareHeading() bool {
	return !d.qtySaid && len(d.attrs) == 0 && len(d.negAttrs) == 0 && len(d.money) == 0 && len(d.numbers) == 0 &&
		len(d.brands) == 0 && len(d.notBrands) == 0 && len(d.require) == 0 && len(d.implied) == 0 && len(d.unknown) == 0
}

func (d *draft) hasKeyHit(cands []kv) bool {
	for _, a := range d.attrs {
		for _, c := range a.cands {
			for _, o := range cands {
				if strings.EqualFold(c.key, o.key) {
					return true
				}
			}
		}
	}
	return false
}

// needsAny reports whether the item's category carries one of the
// candidates' keys, so a shared "for my …" clause applies to it.
func (d *draft) needsAny(cands []kv, x *vindex) bool {
	if d.cat == "" {
		return false
	}
	for _, c := range cands {
		if fits, partial := x.keyShape(d.cat, c.key); fits && !partial && len(x.cat.catKeys) > 0 {
			return true
		}
	}
	return false
}

// measureUnits maps a unit word to its planner unit and the multiplier
// into it: volume in ml, weight in g, containers counted one by one.
var measureUnits = map[string]struct {
	unit string
	mult int64
}{
	"liter": {planner.UnitML, 1000}, "liters": {planner.UnitML, 1000}, "litre": {planner.UnitML, 1000},
	"litres": {planner.UnitML, 1000}, "l": {planner.UnitML, 1000}, "ml": {planner.UnitML, 1},
	"milliliters": {planner.UnitML, 1}, "millilitres": {planner.UnitML, 1},
	"kg": {planner.UnitG, 1000}, "kilo": {planner.UnitG, 1000}, "kilos": {planner.UnitG, 1000},
	"kilogram": {planner.UnitG, 1000}, "kilograms": {planner.UnitG, 1000}, "g": {planner.UnitG, 1},
	"grams": {planner.UnitG, 1}, "gram": {planner.UnitG, 1},
	"bottle": {planner.UnitEach, 1}, "bottles": {planner.UnitEach, 1}, "can": {planner.UnitEach, 1},
	"cans": {planner.UnitEach, 1}, "carton": {planner.UnitEach, 1}, "cartons": {planner.UnitEach, 1},
	"jar": {planner.UnitEach, 1}, "jars": {planner.UnitEach, 1}, "tins": {planner.UnitEach, 1},
}

// readMeasure finds "N <unit> [of]" at the quantity position of a segment
// (after fillers only): "2 liters of milk", "3 bottles of water", "two
// cans of cola". A pack size written onto the product ("a 1.8L bottle")
// is not a measure: it has an article, not a count, before it.
func readMeasure(toks []token, covered []bool) (*planner.Measure, int, int) {
	i := 0
	for i < len(toks) && !covered[i] && (quantityFiller[toks[i].t] || toks[i].t == "of") {
		i++
	}
	if i >= len(toks) || covered[i] {
		return nil, 0, 0
	}
	n, c := tokenNumber(toks, i)
	if c == 0 || n <= 0 || i+c >= len(toks) || covered[i+c] {
		return nil, 0, 0
	}
	u, ok := measureUnits[toks[i+c].t]
	if !ok {
		return nil, 0, 0
	}
	end := i + c + 1
	if end < len(toks) && toks[end].t == "of" && !covered[end] {
		end++
	}
	if end >= len(toks) {
		return nil, 0, 0 // "2 liters" with nothing after it: not an amount of something
	}
	return &planner.Measure{Value: int64(n) * u.mult, Unit: u.unit, Said: rawOf(toks[i : i+c+1])}, i, end
}

// packWords name what is sold as one unit: "two packs of socks" counts
// packs, not socks.
var packWords = map[string]bool{"pack": true, "packs": true, "box": true, "boxes": true, "bag": true, "bags": true,
	"packet": true, "packets": true, "set": true, "sets": true, "case": true, "cases": true, "crate": true,
	"crates": true, "tray": true, "trays": true, "multipack": true, "multipacks": true}

func countsPacks(toks []token, headStart int) bool {
	for k := 0; k < headStart && k < len(toks); k++ {
		if packWords[toks[k].t] || strings.HasSuffix(toks[k].t, "-packs") || strings.HasSuffix(toks[k].t, "-pack") {
			return true
		}
	}
	return false
}

// sizeWords are the ways to say a garment size, as the letter size.
var sizeWords = map[string]string{"xxs": "xxs", "xs": "xs", "s": "s", "m": "m", "l": "l", "xl": "xl", "xxl": "xxl",
	"xxxl": "xxxl", "2xl": "xxl", "3xl": "xxxl", "small": "s", "medium": "m", "large": "l"}

// readUnlistedSize finds a stated size that no attribute span took ("size
// M", "in size 10", "size-L", "an XL hoodie", "a hoodie in M") and keeps it
// as a hard requirement in d.sizeReq: the product's size attribute or title
// must say it ("size m"). Letters stand alone only in capitals or after
// "size"/"in" for apparel, so "a m" or "l" in a sentence is not a size.
func readUnlistedSize(d *draft, toks []token, used []bool, mark func(i, j int), apparel bool) {
	sizeValue := func(t token) (string, bool) {
		if t.kind == kNum && !strings.Contains(t.t, "-") {
			return t.t, true
		}
		if t.kind != kWord {
			return "", false
		}
		v, ok := sizeWords[t.t]
		return v, ok
	}
	for i := 0; i < len(toks); i++ {
		if used[i] {
			continue
		}
		t := toks[i]
		if v, ok := strings.CutPrefix(t.t, "size-"); ok && t.kind == kWord {
			if sv, ok := sizeValue(token{t: v, kind: kindOf(v)}); ok {
				d.sizeReq = appendUnique(d.sizeReq, "size "+sv)
				mark(i, i+1)
			}
			continue
		}
		if (t.t == "size" || t.t == "sized") && i+1 < len(toks) && !used[i+1] {
			if sv, ok := sizeValue(toks[i+1]); ok {
				d.sizeReq = appendUnique(d.sizeReq, "size "+sv)
				mark(i, i+2)
				i++
				continue
			}
		}
		sv, ok := sizeValue(t)
		if !ok || t.kind != kWord {
			continue
		}
		if i+1 < len(toks) && !used[i+1] && (toks[i+1].t == "size" || toks[i+1].t == "sized") {
			d.sizeReq = appendUnique(d.sizeReq, "size "+sv) // "a medium size hoodie"
			mark(i, i+2)
			i++
			continue
		}
		// a size letter in capitals ("XL", "in M") is a size in any
		// category with a product word; lower-case words only where the
		// catalog's sizes are letters
		caps := t.raw == strings.ToUpper(t.raw) && t.raw != strings.ToLower(t.raw) && len(t.raw) <= 4 && len(t.raw) <= 3
		afterIn := i > 0 && toks[i-1].t == "in" && len(t.t) <= 4
		if !apparel && !(caps && d.head != "" && t.raw != "I" && t.raw != "A" && t.raw != "L") {
			continue
		}
		if caps || afterIn || len(t.t) >= 2 && len(t.t) <= 4 && t.t != "s" {
			d.sizeReq = appendUnique(d.sizeReq, "size "+sv)
			mark(i, i+1)
		}
	}
}

func kindOf(s string) byte {
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' {
			return kWord
		}
	}
	return kNum
}

// clauseWords start a clause about the items rather than name one ("both
// from the same café", "all for the office").
var clauseWords = map[string]bool{"from": true, "both": true, "all": true, "if": true, "same": true, "for": true,
	"to": true, "at": true, "by": true, "in": true, "on": true, "via": true, "when": true, "because": true,
	"each": true, "every": true, "them": true, "it": true, "they": true, "is": true, "are": true}

// claimed reports whether toks[i] is a product word or brand word, which
// a partial value word ("mobile" of "china mobile") never overrides.
func (x *vindex) claimed(toks []token, i int) bool {
	w := squashString(toks[i].t)
	if _, ok := x.nouns[w]; ok {
		return true
	}
	for j := max(i-1, 0); j <= i; j++ {
		if _, n := matchAt(toks, j, 3, x.nouns, nil); n > 0 && j+n > i {
			return true
		}
	}
	return false
}
