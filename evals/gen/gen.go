// Package gen generates eval scenarios: seeded, deterministic worlds in many
// domain families (real-word vocabularies whose words collide across
// catalogs, and vocabularies invented from nonsense syllables), numbers
// with units written in different notations in the catalog and in the
// request, near-miss products that differ from the right one in exactly one
// stated requirement and are cheaper, and requests in many phrasing
// patterns. Every case is an evals.Scenario like the loader's, graded by the
// harness from the world's own records: no word list inside the system
// under test can be tuned to it, because the words change with the seed.
package gen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cartwright-agent/cartwright/evals"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills"
)

// Config selects what to generate.
type Config struct {
	// Seed makes the suite: the same seed gives byte-identical scenarios.
	Seed int64
	// Families and Patterns restrict the draw (empty: all; see
	// FamilyNames and PatternNames).
	Families []string
	Patterns []string
}

// Case is one generated scenario with what the generator knows about it.
type Case struct {
	Scenario *evals.Scenario
	// Families are the domain families of the expected items (or of the
	// request when nothing fits), first the main one.
	Families []string
	Pattern  string
	// Stated lists, per item the request names, the requirements it
	// states as "key=value" in the catalog's spelling ("brand=…" for a
	// brand): what a bought product must evidence.
	Stated [][]string
	// Slots are byte offsets in the request between phrases, where filler
	// words can go without splitting a stated requirement (the fuzz target
	// inserts text there).
	Slots []int
	// Vocabulary is every word the world's catalog uses (titles,
	// categories, brands, attribute keys and values), lower case.
	Vocabulary map[string]bool
	// Traps are the products planted to be bought by mistake; each is
	// also in expect.forbidden.
	Traps []Trap
	// Intended is, for a case where nothing may be bought, the
	// expectation that would hold had the world sold what the request
	// asks for (the grader's search finds no basket for it).
	Intended *evals.Expect
}

// Trap kinds.
const (
	// TrapNearMiss differs from what the request states in exactly one
	// requirement and is cheaper than the target.
	TrapNearMiss = "near-miss"
	// TrapUnderFloor meets every stated requirement but costs less than
	// the stated price floor.
	TrapUnderFloor = "under-floor"
	// TrapOtherFit is the product in another fit (size, model) than the
	// simulated user answers, cheaper than the answered one.
	TrapOtherFit = "other-fit"
)

// Trap is one planted product.
type Trap struct {
	Merchant, SKU, Kind string
	// Item indexes Stated: the item the trap imitates.
	Item int
	// Target is the SKU of the product the trap imitates ("" when the
	// world has none: nothing fits).
	Target string
}

// FamilyNames lists the domain families, real-word then invented.
func FamilyNames() []string { return familyNames() }

// PatternNames lists the phrasing patterns.
func PatternNames() []string {
	out := make([]string, len(patterns))
	for i, p := range patterns {
		out[i] = p.name
	}
	return out
}

// Generate builds n scenarios from seed with every family and pattern.
func Generate(n int, seed int64) ([]*evals.Scenario, error) {
	cs, err := Cases(n, Config{Seed: seed})
	if err != nil {
		return nil, err
	}
	out := make([]*evals.Scenario, len(cs))
	for i, c := range cs {
		out[i] = c.Scenario
	}
	return out, nil
}

// Cases builds n cases. Case i depends only on (cfg, i), so a suite of n
// is the prefix of a suite of n+1.
func Cases(n int, cfg Config) ([]*Case, error) {
	if n < 0 {
		return nil, fmt.Errorf("generate: negative count %d", n)
	}
	out := make([]*Case, 0, n)
	for i := range n {
		c, err := One(cfg, i)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// One builds case i of cfg's suite. Patterns take turns, families rotate
// against them, so every pairing appears in a long enough suite.
func One(cfg Config, i int) (*Case, error) {
	fams, pats := cfg.Families, cfg.Patterns
	if len(fams) == 0 {
		fams = familyNames()
	}
	if len(pats) == 0 {
		pats = PatternNames()
	}
	for _, f := range fams {
		if !slices.Contains(familyNames(), f) {
			return nil, fmt.Errorf("generate: unknown family %q (have: %s)", f, strings.Join(familyNames(), ", "))
		}
	}
	var pat *pattern
	pname := pats[i%len(pats)]
	for k := range patterns {
		if patterns[k].name == pname {
			pat = &patterns[k]
		}
	}
	if pat == nil {
		return nil, fmt.Errorf("generate: unknown pattern %q (have: %s)", pname, strings.Join(PatternNames(), ", "))
	}
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)))
	b := &builder{r: r, cur: currencies[r.IntN(len(currencies))], pattern: pat.name}
	// The family: rotate against the pattern; skip families the pattern
	// cannot use (a pack-count pattern needs a family sold in packs).
	start := (i + i/len(pats)) % len(fams)
	for k := range fams {
		f := familyByName(r, fams[(start+k)%len(fams)])
		if pat.fits == nil || pat.fits(&f) {
			b.main = f
			break
		}
	}
	if b.main.Name == "" {
		return nil, fmt.Errorf("generate: pattern %q fits none of the families %v", pat.name, fams)
	}
	b.id = fmt.Sprintf("gen-%d-%04d-%s-%s", cfg.Seed, i, b.main.Name, pat.name)
	b.fams = fams
	pat.build(b)
	return b.finish()
}

// builder assembles one case.
type builder struct {
	r       *rand.Rand
	cur     currency
	pattern string
	id      string
	main    family
	fams    []string

	merchants []*merchants.Merchant
	products  []*skills.Product
	segs      []*segment
	sku       int

	// The request, as phrases joined by single spaces; pieces are never
	// split by Slots.
	pieces []string

	expect   evals.Expect
	clarify  string
	freeShip bool
	stated   [][]string
	famNames []string
	traps    []Trap
	intended *evals.Expect
}

// segment is one thing the person asks for and the products around it.
type segment struct {
	fam    family
	forms  map[string]func(int) string // catalog notation per measure key
	target spec
	stated []req
	qty    int
	// products of this segment, by role.
	targets, nearMisses, alternatives, fillers, others []*skills.Product
}

// spec is a product's attributes (catalog spelling) and brand.
type spec struct {
	attrs map[string]string
	brand string
}

func (s spec) clone() spec {
	c := spec{attrs: map[string]string{}, brand: s.brand}
	for k, v := range s.attrs {
		c.attrs[k] = v
	}
	return c
}

type reqKind int

const (
	kAttr reqKind = iota
	kMeasure
	kCount
	kBrand
)

// req is one requirement the request states.
type req struct {
	kind  reqKind
	key   string // attribute key ("" for the brand)
	value string // the catalog's spelling
	pre   string // said before the noun
	post  string // said after the noun
	alt   string // a near-miss's value for the same key (catalog spelling)
}

func (q req) String() string {
	if q.kind == kBrand {
		return "brand=" + q.value
	}
	return q.key + "=" + q.value
}

// newSegment draws a target for family f and the requirements the request
// will state: k of them, every fit-deciding one among them unless
// keepFitUnsaid.
func (b *builder) newSegment(f family, k int, keepFitUnsaid bool) *segment {
	r := b.r
	s := &segment{fam: f, forms: map[string]func(int) string{}, qty: 1}
	for _, m := range []*measure{f.Measure, f.Count} {
		if m != nil {
			s.forms[m.Key] = pick(r, m.Unit.catalogForms())
		}
	}
	s.target = b.randomSpec(s)
	// The candidate requirements, fit-deciding first.
	var fit, rest []req
	for _, a := range f.Attrs {
		q := req{kind: kAttr, key: a.Key, value: s.target.attrs[a.Key]}
		if a.Fit {
			fit = append(fit, q)
		} else {
			rest = append(rest, q)
		}
	}
	if m := f.Measure; m != nil {
		q := req{kind: kMeasure, key: m.Key, value: s.target.attrs[m.Key]}
		if m.Unit == uEUSize || m.Unit == uIntSize {
			fit = append(fit, q)
		} else {
			rest = append(rest, q)
		}
	}
	if m := f.Count; m != nil {
		rest = append(rest, req{kind: kCount, key: m.Key, value: s.target.attrs[m.Key]})
	}
	if r.IntN(4) == 0 {
		rest = append(rest, req{kind: kBrand, value: s.target.brand})
	}
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	var chosen []req
	if !keepFitUnsaid {
		chosen = append(chosen, fit...)
	}
	for _, q := range rest {
		if len(chosen) >= k {
			break
		}
		chosen = append(chosen, q)
	}
	for i := range chosen {
		b.phrase(s, &chosen[i])
	}
	s.stated = chosen
	return s
}

// randomSpec draws a full product spec in s's family.
func (b *builder) randomSpec(s *segment) spec {
	r := b.r
	sp := spec{attrs: map[string]string{}, brand: pick(r, s.fam.Brands)}
	for _, a := range s.fam.Attrs {
		sp.attrs[a.Key] = pick(r, a.Values)
	}
	for _, m := range []*measure{s.fam.Measure, s.fam.Count} {
		if m != nil {
			sp.attrs[m.Key] = s.forms[m.Key](pick(r, m.Values))
		}
	}
	return sp
}

// values lists the catalog values a requirement's key can take.
func (s *segment) values(q req) []string {
	switch q.kind {
	case kBrand:
		return s.fam.Brands
	case kMeasure, kCount:
		m := s.fam.Measure
		if q.kind == kCount {
			m = s.fam.Count
		}
		out := make([]string, len(m.Values))
		for i, v := range m.Values {
			out[i] = s.forms[m.Key](v)
		}
		return out
	}
	for _, a := range s.fam.Attrs {
		if a.Key == q.key {
			return a.Values
		}
	}
	return nil
}

// measureValue finds the number behind a catalog measure value.
func (s *segment) measureValue(q req) int {
	m := s.fam.Measure
	if q.kind == kCount {
		m = s.fam.Count
	}
	for _, v := range m.Values {
		if s.forms[m.Key](v) == q.value {
			return v
		}
	}
	panic("gen: measure value not in family: " + q.value)
}

// phrase fills how the request says q, in the person's notation, and picks
// the alternative value a near-miss carries.
func (b *builder) phrase(s *segment, q *req) {
	r := b.r
	others := slices.DeleteFunc(slices.Clone(s.values(*q)), func(v string) bool { return v == q.value })
	q.alt = pick(r, others)
	switch q.kind {
	case kBrand:
		q.pre = q.value
		q.post = pick(r, []string{"from ", "by ", "made by "}) + q.value
	case kMeasure:
		v := s.measureValue(*q)
		m := pick(r, s.fam.Measure.Unit.requestForms())(v)
		q.pre = m
		switch s.fam.Measure.Unit {
		case uEUSize, uIntSize:
			q.post = pick(r, []string{"in ", ", ", ""}) + m
		default:
			q.post = pick(r, []string{", ", "in ", "with ", ""}) + m
		}
	case kCount:
		v := s.measureValue(*q)
		q.pre = pick(r, uCount.requestForms())(v)
		q.post = pick(r, countTrailing(v))
	default:
		v := sayValue(r, q.value)
		q.pre = v
		var word string
		for _, a := range s.fam.Attrs {
			if a.Key == q.key {
				word = a.Word
			}
		}
		forms := []string{"in " + v, "that is " + v, ", " + v, "(" + v + ")"}
		if word != "" {
			forms = append(forms, "with "+article(v)+" "+v+" "+word, "with "+v+" "+word)
		}
		q.post = pick(r, forms)
	}
}

// sayValue writes a catalog value the way a person might type it: lower
// case mostly, sometimes capitalised or shouted, hyphens sometimes spaces.
func sayValue(r *rand.Rand, v string) string {
	switch r.IntN(10) {
	case 0:
		v = strings.ToUpper(v)
	case 1, 2:
		v = strings.ReplaceAll(v, "-", " ")
	case 3:
		v = titleCase(v)
	}
	return v
}

// typo makes one small edit to a name (a dropped or swapped inner letter)
// and sometimes lower-cases it, as people type brands.
func typo(r *rand.Rand, name string) string {
	rs := []rune(name)
	if len(rs) >= 6 {
		i := 1 + r.IntN(len(rs)-3)
		if r.IntN(2) == 0 {
			rs = append(rs[:i:i], rs[i+1:]...)
		} else {
			rs[i], rs[i+1] = rs[i+1], rs[i]
		}
	}
	out := string(rs)
	if r.IntN(2) == 0 {
		out = strings.ToLower(out)
	}
	return out
}

func titleCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		ws[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(ws, " ")
}

func article(next string) string {
	if next == "" {
		return "a"
	}
	if strings.ContainsRune("aeiouAEIOU", rune(next[0])) && !strings.HasPrefix(strings.ToLower(next), "us") && !strings.HasPrefix(strings.ToLower(next), "eu") {
		return "an"
	}
	if c := next[0]; c == '8' || strings.HasPrefix(next, "11 ") || strings.HasPrefix(next, "18") {
		return "an"
	}
	return "a"
}

// stock fills a segment's world: the target, one near-miss per stated
// requirement (the target with that one value changed, and cheaper),
// alternatives that meet every stated requirement, fillers of the same
// category and products of neighbouring categories whose words collide.
func (b *builder) stock(s *segment) {
	r := b.r
	base := s.fam.BaseUSD * int64(70+r.IntN(70)) / 100
	t := b.product(s, s.target, base)
	s.targets = append(s.targets, t)
	for _, q := range s.stated {
		sp := s.target.clone()
		if q.kind == kBrand {
			sp.brand = q.alt
		} else {
			sp.attrs[q.key] = q.alt
		}
		nm := b.product(s, sp, base*int64(50+r.IntN(30))/100)
		b.cheaper(nm, t)
		s.nearMisses = append(s.nearMisses, nm)
	}
	for range 1 + r.IntN(3) {
		sp := b.randomSpec(s)
		for _, q := range s.stated {
			if q.kind == kBrand {
				sp.brand = q.value
			} else {
				sp.attrs[q.key] = q.value
			}
		}
		s.alternatives = append(s.alternatives, b.product(s, sp, base*int64(95+r.IntN(60))/100))
	}
	for range 1 + r.IntN(3) {
		s.fillers = append(s.fillers, b.product(s, b.randomSpec(s), base*int64(50+r.IntN(100))/100))
	}
	// Every near-miss undercuts everything that meets the request: the
	// cheapest "close enough" product is always a wrong one.
	low := int64(-1)
	for _, p := range b.products {
		if s.satisfies(p) && (low < 0 || p.Price.Minor < low) {
			low = p.Price.Minor
		}
	}
	for i, nm := range s.nearMisses {
		if ceil := low - int64(i+1)*b.cur.Step; nm.Price.Minor > ceil {
			nm.Price.Minor = max(roundDown(ceil, b.cur.Step), b.cur.Step)
		}
	}
	for _, o := range s.fam.Others {
		for range 1 + r.IntN(2) {
			sp := spec{attrs: map[string]string{}, brand: pick(r, s.fam.Brands)}
			for _, a := range o.Attrs {
				sp.attrs[a.Key] = pick(r, a.Values)
			}
			// A neighbour often shares a stated value word: "large",
			// "black", the same device model.
			for _, q := range s.stated {
				for _, a := range o.Attrs {
					if a.Key == q.key && slices.Contains(a.Values, q.value) {
						sp.attrs[a.Key] = q.value
					}
				}
			}
			s.others = append(s.others, b.otherProduct(o, sp, base*int64(30+r.IntN(60))/100))
		}
	}
}

// cheaper makes p strictly cheaper than than.
func (b *builder) cheaper(p, than *skills.Product) {
	if p.Price.Minor >= than.Price.Minor {
		p.Price.Minor = max(than.Price.Minor-b.cur.Step, b.cur.Step)
	}
	if p.Price.Minor >= than.Price.Minor { // than is at the floor
		than.Price.Minor = p.Price.Minor + b.cur.Step
	}
}

// product adds a product of s's category to a random merchant.
func (b *builder) product(s *segment, sp spec, usdCents int64) *skills.Product {
	f := s.fam
	var words []string
	words = append(words, sp.brand)
	for _, a := range f.Attrs {
		words = append(words, titleCase(sp.attrs[a.Key]))
	}
	words = append(words, titleCase(f.Noun))
	if m := f.Measure; m != nil {
		words = append(words, sp.attrs[m.Key])
	}
	if m := f.Count; m != nil {
		words = append(words, "("+sp.attrs[m.Key]+")")
	}
	p := &skills.Product{Title: strings.Join(words, " "), Category: f.Category, Brand: sp.brand,
		Price: b.cur.money(b.cur.price(usdCents)), Stock: 100, Attributes: sp.attrs,
		Rating: float64(30+b.r.IntN(20)) / 10}
	b.place(p)
	return p
}

func (b *builder) otherProduct(o other, sp spec, usdCents int64) *skills.Product {
	var words []string
	words = append(words, sp.brand)
	for _, a := range o.Attrs {
		words = append(words, titleCase(sp.attrs[a.Key]))
	}
	words = append(words, titleCase(o.Noun))
	p := &skills.Product{Title: strings.Join(words, " "), Category: o.Category, Brand: sp.brand,
		Price: b.cur.money(b.cur.price(usdCents)), Stock: 100, Attributes: sp.attrs,
		Rating: float64(30+b.r.IntN(20)) / 10}
	b.place(p)
	return p
}

var merchantNames = []struct{ id, name string }{
	{"northmart", "North Mart"}, {"harbour-shop", "Harbour Shop"}, {"pinecrest", "Pinecrest Store"},
	{"lumen-market", "Lumen Market"}, {"corner-depot", "Corner Depot"}, {"bazaar-11", "Bazaar Eleven"},
}

// place puts p at one of the world's merchants (made on first use).
func (b *builder) place(p *skills.Product) {
	if b.merchants == nil {
		n := 1 + b.r.IntN(3)
		for _, k := range b.r.Perm(len(merchantNames))[:n] {
			m := &merchants.Merchant{ID: merchantNames[k].id, Name: merchantNames[k].name, Interface: merchants.InterfaceAPI,
				Shipping: skills.Shipping{Fee: b.cur.money(0), ETADays: 1 + b.r.IntN(4)}}
			if !b.freeShip && b.r.IntN(2) == 0 {
				m.Shipping.Fee = b.cur.money(b.cur.price(int64(200 + b.r.IntN(500))))
				if b.r.IntN(2) == 0 {
					fo := b.cur.money(b.cur.price(int64(3000 + b.r.IntN(5000))))
					m.Shipping.FreeOver = &fo
				}
			}
			b.merchants = append(b.merchants, m)
		}
	}
	m := b.merchants[b.r.IntN(len(b.merchants))]
	b.sku++
	p.SKU = fmt.Sprintf("%s-%03d", strings.ToUpper(m.ID[:2]), b.sku)
	p.Merchant = m.ID
	b.products = append(b.products, p)
}

// match is what a product must be to meet the segment's stated
// requirements (the category names the thing asked for).
func (s *segment) match() evals.Match {
	m := evals.Match{Category: s.fam.Category, Attributes: map[string]string{}}
	for _, q := range s.stated {
		if q.kind == kBrand {
			m.Brand = q.value
		} else {
			m.Attributes[q.key] = q.value
		}
	}
	if len(m.Attributes) == 0 {
		m.Attributes = nil
	}
	return m
}

// satisfies reports whether p meets every stated requirement of s.
func (s *segment) satisfies(p *skills.Product) bool {
	if p.Category != s.fam.Category {
		return false
	}
	for _, q := range s.stated {
		if q.kind == kBrand {
			if p.Brand != q.value {
				return false
			}
		} else if p.Attributes[q.key] != q.value {
			return false
		}
	}
	return true
}

// remove drops products from the world.
func (b *builder) remove(drop func(p *skills.Product) bool) {
	b.products = slices.DeleteFunc(b.products, drop)
}

func (b *builder) say(pieces ...string) {
	for _, p := range pieces {
		if p = strings.TrimSpace(p); p != "" {
			b.pieces = append(b.pieces, p)
		}
	}
}

// finish builds the scenario: the world (merchants with no product
// dropped), the request, the expectation, the simulated user.
func (b *builder) finish() (*Case, error) {
	for _, p := range b.products {
		for _, m := range b.merchants {
			if m.ID == p.Merchant {
				m.Products = append(m.Products, *p)
			}
		}
	}
	var ms []*merchants.Merchant
	for _, m := range b.merchants {
		if len(m.Products) > 0 {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("generate %s: empty world", b.id)
	}
	w := &merchants.World{Currency: b.cur.Code, Seed: 1, Merchants: ms}

	// The request: pieces joined by spaces, commas and full stops kept
	// tight to the word before them.
	var sb strings.Builder
	var slots []int
	for i, p := range b.pieces {
		if i > 0 {
			if !strings.ContainsAny(p[:1], ",.;?") {
				sb.WriteByte(' ')
			}
			slots = append(slots, sb.Len())
		}
		sb.WriteString(p)
	}
	slots = append(slots, sb.Len())
	text := sb.String()

	var most int64
	for _, p := range b.products {
		most = max(most, p.Price.Minor)
	}
	wallet := b.cur.money((most*8/b.cur.unit() + 1) * b.cur.unit() * 4)

	tags := []string{"generated", "family:" + b.main.Name, "pattern:" + b.pattern, "currency:" + string(b.cur.Code)}
	if b.main.Invented {
		tags = append(tags, "vocabulary:invented")
	} else {
		tags = append(tags, "vocabulary:real")
	}
	sc := evals.Scenario{
		ID:      b.id,
		Title:   fmt.Sprintf("%s / %s (%s)", b.main.Name, b.pattern, b.cur.Code),
		Tags:    tags,
		Request: text,
		User: evals.User{ID: "gen", Wallet: wallet,
			Answers: evals.Answers{Confirm: evals.ConfirmDeny, Clarify: b.clarify}},
		Expect: b.expect,
	}
	if sc.Expect.Confirmation == "" {
		sc.Expect.Confirmation = evals.ExpectAny
	}
	if sc.Expect.Clarification == "" {
		sc.Expect.Clarification = evals.ExpectAny
	}
	s, err := evals.NewScenario(sc, w)
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", b.id, err)
	}
	vocab := map[string]bool{}
	for _, m := range ms {
		for _, p := range m.Products {
			for _, t := range []string{p.Title, p.Category, p.Brand} {
				addWords(vocab, t)
			}
			for k, v := range p.Attributes {
				addWords(vocab, k)
				addWords(vocab, v)
			}
		}
	}
	famNames := b.famNames
	if len(famNames) == 0 {
		famNames = []string{b.main.Name}
	}
	return &Case{Scenario: s, Families: famNames, Pattern: b.pattern, Stated: b.stated, Slots: slots, Vocabulary: vocab,
		Traps: b.traps, Intended: b.intended}, nil
}

func addWords(set map[string]bool, s string) {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		set[w] = true
	}
}
