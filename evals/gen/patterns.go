package gen

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/evals"
	"github.com/cartwright-agent/cartwright/skills"
)

// pattern is a way people phrase a request; build writes the request and
// the expectation of one case.
type pattern struct {
	name  string
	fits  func(f *family) bool
	build func(b *builder)
}

func hasCount(f *family) bool   { return f.Count != nil }
func hasMeasure(f *family) bool { return f.Measure != nil }
func hasFit(f *family) bool {
	if f.Measure != nil && (f.Measure.Unit == uEUSize || f.Measure.Unit == uIntSize) {
		return true
	}
	return slices.ContainsFunc(f.Attrs, func(a attr) bool { return a.Fit })
}

var patterns = []pattern{
	{name: "attr-before", build: func(b *builder) {
		s := b.single(1+b.r.IntN(3), false)
		b.say(b.opener(), b.np(s, s.stated, true))
		b.sayCounts(s)
		b.expectSegments(s)
	}},
	{name: "attr-after", build: func(b *builder) {
		s := b.single(1+b.r.IntN(3), false)
		b.say(b.opener(), b.np(s, nil, false))
		b.sayPosts(s.stated)
		b.expectSegments(s)
	}},
	{name: "trailing-clause", build: func(b *builder) {
		s := b.single(1+b.r.IntN(2), false)
		last := s.stated[len(s.stated)-1]
		b.say(b.opener(), b.np(s, s.stated[:len(s.stated)-1], true))
		b.sayCountsOf(s.stated[:len(s.stated)-1])
		v := last.pre
		b.say("," + " " + pick(b.r, []string{"has to be the " + v + " one", "it must be " + v, "make sure it's " + v,
			"needs to be " + v, "only " + v + " please", "the " + v + " kind"}))
		b.expectSegments(s)
	}},
	{name: "restate", build: func(b *builder) {
		s := b.single(1+b.r.IntN(3), false)
		b.say(b.opener(), b.np(s, nil, false)+".")
		vs := make([]string, 0, len(s.stated))
		for _, q := range s.stated {
			vs = append(vs, q.pre)
		}
		list := andList(vs)
		b.say(pick(b.r, []string{"Show me the ones in " + list + ".", "It should be " + list + ".",
			"The " + strings.Join(vs, ", ") + " kind.", "Has to be " + list + ", please."}))
		b.expectSegments(s)
	}},
	{name: "negated-alternative", build: func(b *builder) {
		s := b.single(1+b.r.IntN(2), false)
		neg := s.stated[b.r.IntN(len(s.stated))]
		alt := b.sayAlt(s, neg)
		b.say(b.opener(), b.np(s, s.stated, true))
		b.sayCounts(s)
		b.say(pick(b.r, []string{", not the " + alt + " one", ", no " + alt, "(not " + alt + ")", ", " + alt + " won't do"}))
		b.expectSegments(s)
	}},
	{name: "pack-count", fits: hasCount, build: func(b *builder) {
		s := b.singleWith(1+b.r.IntN(2), false, kCount)
		b.say(b.opener(), b.packPhrase(s, 1))
		b.expectSegments(s)
	}},
	{name: "quantity-and-pack", fits: hasCount, build: func(b *builder) {
		s := b.singleWith(1+b.r.IntN(2), false, kCount)
		s.qty = 2 + b.r.IntN(3)
		b.say(b.opener(), b.packPhrase(s, s.qty))
		b.expectSegments(s)
	}},
	{name: "measure", fits: hasMeasure, build: func(b *builder) {
		s := b.singleWith(1+b.r.IntN(2), false, kMeasure)
		if b.r.IntN(2) == 0 {
			b.say(b.opener(), b.np(s, s.stated, true))
			b.sayCounts(s)
		} else {
			b.say(b.opener(), b.np(s, nil, false))
			b.sayPosts(s.stated)
		}
		b.expectSegments(s)
	}},
	{name: "multi-plus", build: func(b *builder) {
		segs := b.multi(2)
		for i, s := range segs {
			if i > 0 {
				b.say("+")
			}
			b.sayItem(s)
		}
		b.expectSegments(segs...)
	}},
	{name: "multi-list", build: func(b *builder) {
		segs := b.multi(2 + b.r.IntN(2))
		b.say(b.opener())
		for i, s := range segs {
			switch {
			case i == 0:
			case i == len(segs)-1:
				b.say(pick(b.r, []string{"and", ", and", "; also", ", plus"}))
			default:
				b.say(pick(b.r, []string{",", ";"}))
			}
			b.sayItem(s)
		}
		b.expectSegments(segs...)
	}},
	{name: "price-ceiling", build: func(b *builder) {
		b.freeShip = true
		s := b.single(1+b.r.IntN(2), false)
		premium := b.premium(s)
		low, _ := b.priceRange(s.satisfying(b), nil)
		cheapNM := b.minPrice(s.nearMisses)
		say := pick(b.r, []string{"under %s", "below %s", "for less than %s", "max %s", "no more than %s"})
		b.say(b.opener(), b.np(s, s.stated, true))
		b.sayCounts(s)
		if n, ok := b.cur.wholeBetween(cheapNM, low); ok && b.r.IntN(3) == 0 {
			// Nothing that fits costs that little; the near-misses do.
			b.say(fmt.Sprintf(say, b.cur.say(b.r, n)))
			b.expectNothing(s, func(e *evals.Expect) {
				c := b.cur.money(n)
				e.Items[0].Match.MaxUnitPrice = &c
			})
			return
		}
		n, ok := b.cur.wholeBetween(low, premium.Price.Minor)
		if !ok {
			n = low
		}
		b.say(fmt.Sprintf(say, b.cur.say(b.r, roundUp(n, b.cur.unit()))))
		b.expectSegments(s)
		cap := b.cur.money(roundUp(n, b.cur.unit()))
		b.expect.Items[0].Match.MaxUnitPrice = &cap
	}},
	{name: "price-floor", build: func(b *builder) {
		s := b.single(1+b.r.IntN(2), false)
		copies := b.copies(s)
		_, hiCopy := b.priceRange(copies, nil)
		low, _ := b.priceRange(s.satisfying(b), copies)
		n, ok := b.cur.wholeBetween(hiCopy, low)
		if !ok {
			panic("gen: no whole amount between the copies and the real thing")
		}
		b.say(b.opener(), b.np(s, s.stated, true))
		b.sayCounts(s)
		b.say(fmt.Sprintf(pick(b.r, []string{"priced above %s", ", over %s", ", more than %s", "— nothing cheaper than %s", "above %s"}), b.cur.say(b.r, n)))
		for _, c := range copies {
			b.trap(s, c, TrapUnderFloor)
		}
		b.expectSegments(s)
	}},
	{name: "price-range", build: func(b *builder) {
		s := b.single(1+b.r.IntN(2), false)
		copies := b.copies(s)
		premium := b.premium(s)
		_, hiCopy := b.priceRange(copies, nil)
		low, high := b.priceRange(s.satisfying(b), append(copies, premium))
		lo, ok1 := b.cur.wholeBetween(hiCopy, low)
		hi, ok2 := b.cur.wholeBetween(high, premium.Price.Minor)
		if !ok1 || !ok2 {
			panic("gen: no whole amounts around the range")
		}
		f := pick(b.r, b.cur.Say)
		major := func(v int64) string { return f(fmt.Sprint(v / b.cur.unit())) }
		b.say(b.opener(), b.np(s, s.stated, true))
		b.sayCounts(s)
		b.say(fmt.Sprintf(pick(b.r, []string{"between %s and %s", ", from %s to %s", "somewhere between %s and %s", "priced %s to %s"}), major(lo), major(hi)))
		for _, c := range copies {
			b.trap(s, c, TrapUnderFloor)
		}
		b.expectSegments(s)
		cap := b.cur.money(hi)
		b.expect.Items[0].Match.MaxUnitPrice = &cap
	}},
	{name: "everyday-budget", build: func(b *builder) {
		s := b.single(1+b.r.IntN(2), false)
		s.qty = 1 + b.r.IntN(2)
		best := b.cheapestTotal(s.satisfying(b), s.qty)
		nm := b.cheapestTotal(s.nearMisses, s.qty)
		say := pick(b.r, []string{", don't spend more than %s", ", %s tops", ", keep it under %s all in", ". My budget is %s",
			", I can spend up to %s", ", no more than %s total"})
		b.say(b.opener(), b.np(s, s.stated, true))
		b.sayCounts(s)
		if n, ok := b.cur.wholeBetween(nm, best); ok && b.r.IntN(3) == 0 {
			b.say(fmt.Sprintf(say, b.cur.say(b.r, n)))
			b.expectNothing(s, func(e *evals.Expect) {
				c := b.cur.money(n)
				e.MaxTotal = &c
			})
			return
		}
		n, ok := b.cur.wholeBetween(best, best+best/3+b.cur.unit())
		if !ok {
			n = roundUp(best+1, b.cur.unit())
		}
		b.say(fmt.Sprintf(say, b.cur.say(b.r, n)))
		b.expectSegments(s)
		cap := b.cur.money(n)
		b.expect.MaxTotal = &cap
	}},
	{name: "brand-typo", build: func(b *builder) {
		s := b.singleWith(1+b.r.IntN(2), false, kBrand)
		for i := range s.stated {
			if s.stated[i].kind == kBrand {
				s.stated[i].pre = typo(b.r, s.stated[i].value)
			}
		}
		b.say(b.opener(), b.np(s, s.stated, true))
		b.sayCounts(s)
		b.expectSegments(s)
	}},
	{name: "ambiguous-answered", fits: hasFit, build: func(b *builder) {
		s := b.newSegment(b.main, 1, true)
		b.segs = append(b.segs, s)
		b.stock(s)
		// The fit dimension the request leaves open: the target's value is
		// the answer; another value is cheaper.
		fit := b.fitReq(s)
		others := slices.DeleteFunc(slices.Clone(s.values(fit)), func(v string) bool { return v == fit.value })
		target := s.targets[0]
		for i, v := range others {
			sp := s.target.clone()
			sp.attrs[fit.key] = v
			p := b.product(s, sp, 0)
			p.Price.Minor = target.Price.Minor + int64(i+1)*b.cur.Step
			if i == 0 {
				b.cheaper(p, target)
			}
			s.fillers = append(s.fillers, p)
			b.trap(s, p, TrapOtherFit)
		}
		b.say(b.opener(), b.np(s, s.stated, true))
		b.sayCounts(s)
		s.stated = append(s.stated, fit)
		b.clarify = pick(b.r, []string{fit.pre, "the " + fit.pre + " one", fit.pre + ", please", "I need " + fit.pre})
		b.expectSegments(s)
		b.expect.Clarification = evals.ExpectRequired
	}},
	{name: "whatever-cheapest", build: func(b *builder) {
		b.freeShip = true
		s := b.newSegment(b.main, 1, true)
		b.segs = append(b.segs, s)
		b.stock(s)
		b.say(b.opener(), b.np(s, s.stated, true))
		b.sayCounts(s)
		b.say(pick(b.r, []string{", whatever's cheapest", ", the cheapest one", ", any brand, cheapest please", "— cheapest you can find", ", whichever is cheapest"}))
		b.expectSegments(s)
		low, _ := b.priceRange(s.satisfying(b), nil)
		cap := b.cur.money(low)
		b.expect.Items[0].Match.MaxUnitPrice = &cap
		b.expect.Clarification = evals.ExpectForbidden
	}},
	{name: "nothing-fits", build: func(b *builder) {
		s := b.single(2+b.r.IntN(2), false)
		b.remove(s.satisfies)
		s.targets, s.alternatives = nil, nil
		s.fillers = slices.DeleteFunc(s.fillers, s.satisfies)
		if b.r.IntN(2) == 0 {
			b.say(b.opener(), b.np(s, s.stated, true))
			b.sayCounts(s)
		} else {
			b.say(b.opener(), b.np(s, nil, false))
			b.sayPosts(s.stated)
		}
		b.expectNothing(s)
	}},
	{name: "quantity-words", build: func(b *builder) {
		s := b.single(1+b.r.IntN(2), false)
		s.qty = 2 + b.r.IntN(2)
		var pres []string
		for _, q := range s.stated {
			if q.kind != kCount {
				pres = append(pres, q.pre)
			}
		}
		thing := strings.Join(pres, " ") + " " + s.fam.Plural
		if s.fam.Mass {
			thing = plural(s.fam.Unit) + " of " + strings.Join(pres, " ") + " " + s.fam.Noun
		}
		forms := []string{numberWord(s.qty) + " " + thing, thing + " x" + fmt.Sprint(s.qty), fmt.Sprint(s.qty) + "x " + thing}
		if s.qty == 2 {
			forms = append(forms, "a couple of "+thing)
		}
		b.say(b.opener(), strings.Join(strings.Fields(pick(b.r, forms)), " "))
		b.sayCounts(s)
		b.expectSegments(s)
	}},
}

// single makes the case's one segment in the main family and stocks it.
func (b *builder) single(k int, keepFitUnsaid bool) *segment {
	s := b.newSegment(b.main, k, keepFitUnsaid)
	b.segs = append(b.segs, s)
	b.stock(s)
	return s
}

// singleWith is single with a requirement of kind must among the stated.
func (b *builder) singleWith(k int, keepFitUnsaid bool, must reqKind) *segment {
	s := b.newSegment(b.main, k, keepFitUnsaid)
	if !slices.ContainsFunc(s.stated, func(q req) bool { return q.kind == must }) {
		q := req{kind: must}
		switch must {
		case kBrand:
			q.value = s.target.brand
		case kMeasure:
			q.key, q.value = s.fam.Measure.Key, s.target.attrs[s.fam.Measure.Key]
		case kCount:
			q.key, q.value = s.fam.Count.Key, s.target.attrs[s.fam.Count.Key]
		}
		b.phrase(s, &q)
		s.stated = append([]req{q}, s.stated...)
	}
	b.segs = append(b.segs, s)
	b.stock(s)
	return s
}

// multi makes n segments in distinct families, the main one first.
func (b *builder) multi(n int) []*segment {
	names := []string{b.main.Name}
	pool := slices.DeleteFunc(slices.Clone(b.fams), func(f string) bool { return f == b.main.Name })
	b.r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	var segs []*segment
	for len(segs) < n {
		f := b.main
		if len(segs) > 0 {
			if len(pool) == 0 {
				break
			}
			f = familyByName(b.r, pool[0])
			pool = pool[1:]
			// Two segments sharing a category would make their items one.
			if slices.ContainsFunc(segs, func(s *segment) bool { return overlap(s.fam, f) }) {
				continue
			}
			names = append(names, f.Name)
		}
		s := b.newSegment(f, 1+b.r.IntN(2), false)
		if b.r.IntN(3) == 0 {
			s.qty = 2
		}
		b.segs = append(b.segs, s)
		b.stock(s)
		segs = append(segs, s)
	}
	b.famNames = names
	return segs
}

// fitReq is the fit-deciding requirement the request left unsaid, with the
// answer phrased.
func (b *builder) fitReq(s *segment) req {
	var q req
	if m := s.fam.Measure; m != nil && (m.Unit == uEUSize || m.Unit == uIntSize) {
		q = req{kind: kMeasure, key: m.Key, value: s.target.attrs[m.Key]}
	} else {
		for _, a := range s.fam.Attrs {
			if a.Fit {
				q = req{kind: kAttr, key: a.Key, value: s.target.attrs[a.Key]}
				break
			}
		}
	}
	b.phrase(s, &q)
	return q
}

// opener starts a request the way people do.
func (b *builder) opener() string {
	return pick(b.r, []string{"", "", "I need", "Get me", "Can you order", "Please buy", "Looking for", "I want", "Order"})
}

// np is the noun phrase for s with its quantity and, when pre, the stated
// requirements in front of the noun (pack counts are said separately).
func (b *builder) np(s *segment, qs []req, pre bool) string {
	var mods []string
	if pre {
		for _, q := range qs {
			if q.kind == kBrand {
				mods = append([]string{q.pre}, mods...)
			} else if q.kind != kCount {
				mods = append(mods, q.pre)
			}
		}
	}
	mod := strings.Join(mods, " ")
	var out string
	switch {
	case s.fam.Mass && s.qty == 1:
		if b.r.IntN(2) == 0 {
			out = mod + " " + s.fam.Noun
		} else {
			out = "a " + s.fam.Unit + " of " + mod + " " + s.fam.Noun
		}
	case s.fam.Mass:
		out = b.qtyWord(s.qty) + " " + plural(s.fam.Unit) + " of " + mod + " " + s.fam.Noun
	case s.qty == 1:
		w := strings.TrimSpace(mod + " " + s.fam.Noun)
		out = pick(b.r, []string{article(w), article(w), "one"}) + " " + w
	default:
		out = b.qtyWord(s.qty) + " " + mod + " " + s.fam.Plural
	}
	return strings.Join(strings.Fields(out), " ")
}

func (b *builder) qtyWord(q int) string {
	if b.r.IntN(2) == 0 {
		return fmt.Sprint(q)
	}
	return numberWord(q)
}

func numberWord(q int) string {
	if q >= 0 && q < 11 {
		return []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}[q]
	}
	return fmt.Sprint(q)
}

func plural(w string) string {
	switch {
	case strings.HasSuffix(w, "s"), strings.HasSuffix(w, "x"):
		return w + "es"
	}
	return w + "s"
}

// sayCounts adds the pack counts the noun phrase left out, after the noun.
func (b *builder) sayCounts(s *segment) { b.sayCountsOf(s.stated) }

func (b *builder) sayCountsOf(qs []req) {
	for _, q := range qs {
		if q.kind == kCount {
			b.say(", " + q.post)
		}
	}
}

// sayPosts states requirements after the noun, joined as people list them.
func (b *builder) sayPosts(qs []req) {
	for i, q := range qs {
		p := q.post
		if i > 0 && !strings.HasPrefix(p, ",") && !strings.HasPrefix(p, "(") {
			p = pick(b.r, []string{"and ", ", ", ", and "}) + p
		}
		b.say(p)
	}
}

// sayItem states one item of a list: requirements before or after the noun.
func (b *builder) sayItem(s *segment) {
	if b.r.IntN(2) == 0 {
		b.say(b.np(s, s.stated, true))
		b.sayCounts(s)
		return
	}
	b.say(b.np(s, nil, false))
	b.sayPosts(s.stated)
}

// packPhrase says a pack count and an order quantity together: "a 100 ct
// bottle of ibuprofen", "3 bags of 24-count …", "E27 bulbs, pack of 4".
func (b *builder) packPhrase(s *segment, qty int) string {
	var count req
	var mods []string
	for _, q := range s.stated {
		switch q.kind {
		case kCount:
			count = q
		case kBrand:
			mods = append([]string{q.pre}, mods...)
		default:
			mods = append(mods, q.pre)
		}
	}
	mod := strings.Join(mods, " ")
	n := s.measureValue(count)
	var out string
	switch {
	case s.fam.Mass && qty == 1:
		out = pick(b.r, []string{"a " + count.pre + " " + s.fam.Unit + " of " + mod + " " + s.fam.Noun,
			mod + " " + s.fam.Noun + ", " + count.post})
	case s.fam.Mass:
		out = b.qtyWord(qty) + " " + plural(s.fam.Unit) + " of " + count.pre + " " + mod + " " + s.fam.Noun
	case qty == 1:
		out = pick(b.r, []string{mod + " " + s.fam.Plural + ", " + count.post, fmt.Sprintf("a %d-pack of %s %s", n, mod, s.fam.Plural)})
	default:
		out = pick(b.r, []string{fmt.Sprintf("%s packs of %d %s %s", b.qtyWord(qty), n, mod, s.fam.Plural),
			fmt.Sprintf("%s %s %s, %s packs", mod, s.fam.Plural, count.post, b.qtyWord(qty))})
	}
	out = strings.Join(strings.Fields(out), " ")
	return strings.ReplaceAll(out, " ,", ",")
}

// sayAlt says the near-miss value of q the way the request says values.
func (b *builder) sayAlt(s *segment, q req) string {
	switch q.kind {
	case kMeasure:
		alt := q
		alt.value = q.alt
		return pick(b.r, s.fam.Measure.Unit.requestForms())(s.measureValue(alt))
	case kCount:
		alt := q
		alt.value = q.alt
		return pick(b.r, uCount.requestForms())(s.measureValue(alt))
	case kBrand:
		return q.alt
	}
	return sayValue(b.r, q.alt)
}

// satisfying lists the products meeting every stated requirement of s.
func (s *segment) satisfying(b *builder) []*skills.Product {
	var out []*skills.Product
	for _, p := range b.products {
		if s.satisfies(p) {
			out = append(out, p)
		}
	}
	return out
}

// premium adds a product meeting every stated requirement, priced well
// above the rest (a ceiling or range excludes it).
func (b *builder) premium(s *segment) *skills.Product {
	_, high := b.priceRange(s.satisfying(b), nil)
	sp := s.target.clone()
	p := b.product(s, sp, 0)
	p.Price.Minor = roundUp(high*17/10, b.cur.unit()) + b.cur.unit()
	s.alternatives = append(s.alternatives, p)
	return p
}

// copies adds cheap products meeting every stated requirement (a floor
// excludes them): one or two, below half the cheapest real one.
func (b *builder) copies(s *segment) []*skills.Product {
	low, _ := b.priceRange(s.satisfying(b), nil)
	var out []*skills.Product
	for i := range 1 + b.r.IntN(2) {
		sp := b.randomSpec(s)
		for _, q := range s.stated {
			if q.kind == kBrand {
				sp.brand = q.value
			} else {
				sp.attrs[q.key] = q.value
			}
		}
		p := b.product(s, sp, 0)
		p.Price.Minor = max(roundDown(low*(40-int64(i)*10)/100, b.cur.Step), b.cur.Step)
		out = append(out, p)
	}
	return out
}

// priceRange is the lowest and highest unit price among ps, ignoring the
// products in except.
func (b *builder) priceRange(ps, except []*skills.Product) (low, high int64) {
	low = -1
	for _, p := range ps {
		if slices.Contains(except, p) {
			continue
		}
		if low < 0 || p.Price.Minor < low {
			low = p.Price.Minor
		}
		high = max(high, p.Price.Minor)
	}
	if low < 0 {
		panic("gen: no product in range")
	}
	return low, high
}

func (b *builder) minPrice(ps []*skills.Product) int64 {
	low, _ := b.priceRange(ps, nil)
	return low
}

// cheapestTotal is the least a person pays for qty of one of ps, shipping
// included (no coupons in generated worlds).
func (b *builder) cheapestTotal(ps []*skills.Product, qty int) int64 {
	best := int64(-1)
	for _, p := range ps {
		sub := p.Price.Minor * int64(qty)
		for _, m := range b.merchants {
			if m.ID != p.Merchant {
				continue
			}
			if fo := m.Shipping.FreeOver; fo == nil || sub < fo.Minor {
				sub += m.Shipping.Fee.Minor
			}
		}
		if best < 0 || sub < best {
			best = sub
		}
	}
	return best
}

// expectSegments expects every segment bought in its quantity; buying a
// near-miss is named as forbidden.
func (b *builder) expectSegments(segs ...*segment) {
	b.expect.Purchase = true
	for _, s := range segs {
		b.expect.Items = append(b.expect.Items, evals.ExpectedItem{Match: s.match(), Quantity: s.qty})
		b.forbid(s)
		b.record(s)
	}
}

// expectNothing expects no purchase: nothing in the world meets what s
// states.
func (b *builder) expectNothing(s *segment, caps ...func(e *evals.Expect)) {
	b.expect.Purchase = false
	b.forbid(s)
	in := &evals.Expect{Purchase: true, Items: []evals.ExpectedItem{{Match: s.match(), Quantity: s.qty}},
		Forbidden: b.expect.Forbidden, Confirmation: evals.ExpectAny, Clarification: evals.ExpectAny}
	for _, c := range caps {
		c(in)
	}
	b.intended = in
	b.record(s)
}

// forbid names the segment's near-misses as forbidden and records them as
// traps of the item about to be recorded.
func (b *builder) forbid(s *segment) {
	for _, p := range s.nearMisses {
		b.trap(s, p, TrapNearMiss)
	}
}

// trap records p as a trap of s (and forbids it).
func (b *builder) trap(s *segment, p *skills.Product, kind string) {
	b.expect.Forbidden = append(b.expect.Forbidden, evals.Match{SKU: p.SKU, Merchant: p.Merchant})
	t := Trap{Merchant: p.Merchant, SKU: p.SKU, Kind: kind, Item: len(b.stated)}
	if len(s.targets) > 0 {
		t.Target = s.targets[0].SKU
	}
	b.traps = append(b.traps, t)
}

func (b *builder) record(s *segment) {
	var st []string
	for _, q := range s.stated {
		st = append(st, q.String())
	}
	sort.Strings(st)
	b.stated = append(b.stated, st)
}

func andList(vs []string) string {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " and " + vs[len(vs)-1]
}

func roundUp(v, step int64) int64   { return (v + step - 1) / step * step }
func roundDown(v, step int64) int64 { return v / step * step }

// overlap reports whether two families sell in a common category (their
// own or a neighbour's).
func overlap(a, b family) bool {
	cats := func(f family) []string {
		out := []string{f.Category}
		for _, o := range f.Others {
			out = append(out, o.Category)
		}
		return out
	}
	for _, x := range cats(a) {
		if slices.Contains(cats(b), x) {
			return true
		}
	}
	return false
}
