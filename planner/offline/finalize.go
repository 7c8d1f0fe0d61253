package offline

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

type pendingKind int

const (
	askWhat pendingKind = iota + 1
	askCategory
	askQuantity
	askConflict
	askAttr
	askAddress
	askBudget
)

// pending is the clarification the planner needs before it can plan.
type pending struct {
	kind     pendingKind
	item     int
	keys     []string // askAttr: the keys of which one is missing
	memID    string   // askConflict
	key, val string   // askConflict
	question string
	options  []string
}

// finalize combines what the request said with memory into an Intent, or
// the first clarification needed.
func (p *Planner) finalize(req planner.Request, st *reqState, x *vindex, facts []fact) (planner.Intent, *pending) {
	in := planner.Intent{Request: req.Text, Planner: Name, Currency: x.v.Currency}
	note := func(text, src string) { in.Notes = append(in.Notes, planner.Note{Text: text, Source: src}) }
	for _, n := range st.notes {
		note(n, "")
	}
	if len(st.items) == 0 {
		q := "What would you like me to buy?"
		if st.usual {
			q = "I have no record of your usual order. What would you like me to buy?"
		}
		return in, &pending{kind: askWhat, item: -1, question: q, options: sortStrings(x.v.Categories)}
	}
	if st.badBudget != "" {
		return in, &pending{kind: askBudget, item: -1, question: fmt.Sprintf("I could not read the budget %q. How much may I spend in total?", st.badBudget)}
	}
	totals := append([]skills.Money(nil), st.totals...)
	for _, d := range st.items {
		if x.keyFits(d.cat, "amount") && d.cat != "" {
			continue
		}
		for _, h := range d.money {
			if m, err := h.money(); err == nil {
				totals = append(totals, m)
				note(fmt.Sprintf("read %q as the budget", h.raw), "")
			}
		}
	}
	if len(totals) > 0 {
		b := totals[0]
		for _, m := range totals[1:] {
			if m.Currency == b.Currency && m.Minor < b.Minor {
				b = m
			}
		}
		if len(totals) > 1 {
			note("several budgets stated; the lowest, "+b.String()+", applies", "")
		}
		if b.Minor <= 0 {
			return in, &pending{kind: askBudget, item: -1, question: fmt.Sprintf("A budget of %s buys nothing. How much may I spend in total?", b)}
		}
		in.Budget = &b
		in.Currency = b.Currency
		if x.v.Currency != "" && b.Currency != x.v.Currency {
			note(fmt.Sprintf("the budget is in %s and the shops price in %s; no conversion is made", b.Currency, x.v.Currency), "")
		}
	}
	for k, d := range st.items {
		if u := d.unitMax; u != nil && u.Minor <= 0 {
			return in, &pending{kind: askBudget, item: k, question: fmt.Sprintf("A price limit of %s per item buys nothing. What is the most one may cost?", u)}
		}
	}

	// merchants: the request's lists, then memory's never-buy-here
	in.Merch.Allow = append(in.Merch.Allow, st.allow...)
	in.Merch.Deny = append(in.Merch.Deny, st.deny...)
	for _, f := range facts {
		if f.onlyMerchant == "" {
			continue
		}
		if len(st.allow) > 0 || contains(st.deny, f.onlyMerchant) {
			note("the request names its own shops; memory's only-"+f.onlyMerchant+" is not used", f.id)
			continue
		}
		in.Merch.Allow = appendUnique(in.Merch.Allow, f.onlyMerchant)
		note("only from "+f.onlyMerchant, f.id)
	}
	for _, f := range facts {
		if f.avoidMerchant == "" {
			continue
		}
		if contains(st.allow, f.avoidMerchant) {
			note(fmt.Sprintf("the request names %s although memory says to avoid it; the request wins", f.avoidMerchant), f.id)
			continue
		}
		if !contains(in.Merch.Deny, f.avoidMerchant) {
			in.Merch.Deny = append(in.Merch.Deny, f.avoidMerchant)
			note("never buy from "+f.avoidMerchant, f.id)
		}
	}

	for k, d := range st.items {
		if len(d.cands) > 0 && !disambiguate(d, st.items) {
			opts := make([]string, len(d.cands))
			for i, c := range d.cands {
				opts[i] = c.label
			}
			return in, &pending{kind: askCategory, item: k, options: opts,
				question: fmt.Sprintf("By %q, do you mean %s?", d.headRaw, orList(opts))}
		}
		if d.qtyAsk {
			return in, &pending{kind: askQuantity, item: k, options: []string{"1", "2", "3"},
				question: fmt.Sprintf("How many %s would you like?", plural(d.headRaw))}
		}
		if d.qtyBig > 0 {
			return in, &pending{kind: askQuantity, item: k,
				question: fmt.Sprintf("%d %s is more than the 1000 I can order of one item. How many would you like?", d.qtyBig, plural(d.headRaw))}
		}
		spec, pend, notes := p.buildSpec(d, k, x, facts)
		in.Notes = append(in.Notes, notes...)
		if pend != nil {
			return in, pend
		}
		in.Items = append(in.Items, spec)
		if d.measure != nil {
			in.SetItemMeasure(len(in.Items)-1, *d.measure)
		}
	}

	// delivery
	switch {
	case st.address != nil:
		a := *st.address
		in.Delivery = &a
	case st.place != "":
		for _, f := range facts {
			if f.address != nil && f.place == st.place {
				a := *f.address
				in.Delivery = &a
				note("deliver to the "+st.place+" address from memory", f.id)
				break
			}
		}
		if in.Delivery == nil {
			return in, &pending{kind: askAddress, item: -1, question: fmt.Sprintf("I have no address for your %s. Where should I deliver?", st.place)}
		}
	default:
		for _, want := range []string{"", "home"} {
			for _, f := range facts {
				if f.address != nil && f.place == want && in.Delivery == nil {
					a := *f.address
					in.Delivery = &a
					note("deliver to the address from memory", f.id)
				}
			}
		}
	}
	if in.Delivery != nil && in.Delivery.Name == "" {
		for _, f := range facts {
			if f.name != "" {
				in.Delivery.Name = f.name
				note("recipient name from memory", f.id)
				break
			}
		}
	}

	if in.Delivery != nil && in.Delivery.Phone == "" {
		for _, f := range facts {
			if f.phone != "" {
				in.Delivery.Phone = f.phone
				note("recipient phone from memory", f.id)
				break
			}
		}
	}

	in.Sort = planner.SortCheapest
	if len(st.sorts) > 0 {
		in.Sort = st.sorts[0]
		for _, s := range st.sorts[1:] {
			if s != in.Sort {
				note(fmt.Sprintf("both %s and %s asked for; %s, said first, orders offers", in.Sort, s, in.Sort), "")
				break
			}
		}
	}
	return in, nil
}

// disambiguate settles an ambiguous noun from context (a word of the
// request only one reading's category uses); false: ask.
func disambiguate(d *draft, all []*draft) bool {
	var hits []ambiguity
	for _, o := range d.cands {
		ok := false
		for w := range d.ctx {
			if o.context[w] && w != d.head {
				ok = true
			}
		}
		if ok {
			hits = append(hits, o)
		}
	}
	if len(hits) != 1 {
		return false
	}
	choose(d, hits[0])
	return true
}

func choose(d *draft, o ambiguity) {
	d.cat = o.cat
	d.cands = nil
	if strings.EqualFold(o.label, o.cat) {
		return // the category settles it; the words stay the person's
	}
	old := d.headRaw
	d.head, d.headRaw = squashString(o.label), o.label
	for i := range d.query {
		if d.query[i] == strings.ToLower(old) {
			d.query[i] = o.label
		}
	}
	if len(d.query) == 0 {
		d.query = []string{o.label}
	}
}

// buildSpec turns a draft into an ItemSpec and applies memory.
func (p *Planner) buildSpec(d *draft, k int, x *vindex, facts []fact) (planner.ItemSpec, *pending, []planner.Note) {
	var notes []planner.Note
	note := func(text, src string) {
		notes = append(notes, planner.Note{Text: fmt.Sprintf("items[%d]: %s", k, text), Source: src})
	}
	cat := d.cat
	spec := planner.ItemSpec{Quantity: d.qty}
	if d.measure != nil {
		m := *d.measure
		note(fmt.Sprintf("%q is matched against each product's pack: the number of packs that gives it exactly is bought, or I ask", m.Said), "")
	}
	if cat != "" {
		if c, ok := x.category(cat); ok {
			spec.Category = c
		} else {
			note(fmt.Sprintf("no %q category in the catalog; searching by text", cat), "")
		}
	}
	if d.qtyNote != "" {
		note(d.qtyNote, "")
	}
	explicit := map[string]bool{}
	set := func(key, val string) {
		if spec.Attributes == nil {
			spec.Attributes = map[string]string{}
		}
		spec.Attributes[key] = val
		explicit[strings.ToLower(key)] = true
	}
	var clash *pending
	ordered := make([]attrHit, 0, len(d.attrs))
	for _, a := range d.attrs {
		if a.coversHead {
			ordered = append(ordered, a)
		}
	}
	for _, a := range d.attrs {
		if !a.coversHead {
			ordered = append(ordered, a)
		}
	}
	fromHead := map[string]bool{}
	var hits []resolvedHit
	for _, a := range ordered {
		r, ok := x.resolveFor(d, a.cands, cat)
		if !ok {
			if sz := sizeWords[strings.ToLower(a.raw)]; sz != "" && x.letterSizes(cat) {
				// "medium" is a roast elsewhere, but on a garment it is a size
				// the catalog does not list: hard, never dropped
				d.sizeReq = appendUnique(d.sizeReq, "size "+sz)
			} else if cat != "" && !a.partial {
				// a value of another category's key: the words stay a
				// requirement the product must evidence, never dropped
				for _, w := range strings.Fields(strings.ToLower(a.raw)) {
					if !stopwords[w] {
						d.require = appendUnique(d.require, w)
					}
				}
			}
			continue
		}
		if d.dropAttr[strings.ToLower(r.key)] {
			continue
		}
		if x.partialFor(d, cat, r.key, r.val) && !a.coversHead {
			if spec.Prefer == nil {
				spec.Prefer = map[string]string{}
			}
			spec.Prefer[r.key] = r.val
			hits = append(hits, resolvedHit{raw: a.raw, key: r.key, val: r.val, prefer: true})
			note(fmt.Sprintf("%s %s preferred: not every %s product has a %s", r.key, r.val, cat, r.key), "")
			continue
		}
		if old, dup := spec.Attributes[r.key]; dup && !strings.EqualFold(old, r.val) {
			if a.partial {
				note(fmt.Sprintf("%s %s said in full; %q is not read as a %s", r.key, old, a.raw, r.key), "")
				continue
			}
			if fromHead[r.key] {
				// the word stays the person's: it must be evidenced
				note(fmt.Sprintf("%s %s names the product; %q must still be evidenced", r.key, old, a.raw), "")
				d.unsettled = appendUnique(d.unsettled, strings.ToLower(a.raw))
				continue
			}
			if _, settled := d.answered[r.key]; !settled && clash == nil {
				clash = &pending{kind: askAttr, item: k, keys: []string{r.key}, options: []string{old, r.val},
					question: fmt.Sprintf("You said both %s and %s for the %s. Which %s?", old, r.val, d.headRaw, r.key)}
			}
			continue
		}
		set(r.key, r.val)
		hits = append(hits, resolvedHit{raw: a.raw, key: r.key, val: r.val})
		if a.coversHead {
			fromHead[r.key] = true
		}
	}
	if clash != nil {
		return spec, clash, notes
	}
	for _, im := range d.implied {
		if got, ok := x.has(im.key, im.val); ok && x.keyFits(cat, got.key) {
			if _, dup := spec.Attributes[got.key]; !dup {
				set(got.key, got.val)
			}
		}
	}
	// top-up amounts
	var amountMiss string
	if x.keyFits(cat, "amount") && cat != "" && spec.Attributes["amount"] == "" {
		cands := make([]string, 0, len(d.money)+len(d.numbers))
		for _, h := range d.money {
			cands = append(cands, h.num)
		}
		cands = append(cands, d.numbers...)
		for _, n := range cands {
			if v, ok := amountValue(x, n); ok {
				set("amount", v)
				break
			} else if amountMiss == "" {
				amountMiss = n
			}
		}
	}
	keys := make([]string, 0, len(d.answered))
	for key := range d.answered {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		set(key, d.answered[key])
		hits = append(hits, resolvedHit{raw: d.answered[key], key: key, val: d.answered[key], source: "answer"})
	}
	for _, a := range d.negAttrs {
		r, ok := x.resolve(a.cands, cat)
		if !ok {
			for _, w := range strings.Fields(strings.ToLower(a.raw)) {
				spec.ExcludeTerms = appendUnique(spec.ExcludeTerms, w)
			}
			continue
		}
		if spec.ExcludeAttributes == nil {
			spec.ExcludeAttributes = map[string][]string{}
		}
		spec.ExcludeAttributes[r.key] = appendUnique(spec.ExcludeAttributes[r.key], r.val)
		hits = append(hits, resolvedHit{raw: a.raw, key: r.key, val: r.val, neg: true})
	}
	for _, t := range d.terms {
		spec.ExcludeTerms = appendUnique(spec.ExcludeTerms, t)
		if sg := singular(t); sg != t {
			spec.ExcludeTerms = appendUnique(spec.ExcludeTerms, sg)
		}
	}
	for _, diet := range d.diets {
		if txt := applyDiet(&spec, diet, cat, x); txt != "" {
			note(txt+" (as asked)", "")
		}
	}
	switch len(d.brands) {
	case 0:
	case 1:
		spec.Brand = d.brands[0]
	default:
		for _, b := range sortStrings(x.v.Brands) {
			if !contains(d.brands, b) {
				spec.ExcludeBrands = appendUnique(spec.ExcludeBrands, b)
			}
		}
		note("only brands "+strings.Join(d.brands, ", ")+": every other brand is excluded", "")
	}
	for _, b := range d.notBrands {
		spec.ExcludeBrands = appendUnique(spec.ExcludeBrands, b)
	}
	for _, b := range d.prefBrand {
		spec.PreferBrands = appendUnique(spec.PreferBrands, b)
	}
	if d.unitMax != nil {
		m := *d.unitMax
		spec.MaxUnitPrice = &m
	}
	if d.unitMin != nil {
		m := *d.unitMin
		if spec.MaxUnitPrice != nil && (m.Currency != spec.MaxUnitPrice.Currency || m.Minor > spec.MaxUnitPrice.Minor) {
			return spec, &pending{kind: askBudget, item: k, question: fmt.Sprintf("A price of at least %s and at most %s cannot both hold. What price range should the %s be in?", m, *spec.MaxUnitPrice, d.headRaw)}, notes
		}
		spec.MinUnitPrice = &m
	}
	if x.letterSizes(cat) && spec.Attributes["size"] == "" {
		// "a hoodie, medium" read in a segment of its own: a size the
		// catalog does not list stays a hard requirement
		var rest []string
		for _, w := range d.unknown {
			if sz := sizeWords[w]; sz != "" {
				d.sizeReq = appendUnique(d.sizeReq, "size "+sz)
			} else {
				rest = append(rest, w)
			}
		}
		d.unknown = rest
	}
	if len(d.unknown) > 0 {
		spec.Fit = strings.Join(d.unknown, " ")
	}
	query := d.query
	if len(d.require) > 0 {
		spec.RequireTerms = append([]string(nil), d.require...)
		if n := len(query); n > 0 && d.head != "" {
			query = append(append(append([]string(nil), query[:n-1]...), d.require...), query[n-1])
		} else {
			query = append(append([]string(nil), d.require...), query...)
		}
		note("the title must say "+strings.Join(d.require, ", "), "")
	}
	if len(d.sizeReq) > 0 && spec.Attributes["size"] == "" {
		for _, sz := range d.sizeReq {
			spec.RequireTerms = appendUnique(spec.RequireTerms, sz)
		}
		note(strings.Join(d.sizeReq, ", ")+" is required: no merchant lists that size, so the product's size or title must say it", "")
	}
	// the product word always constrains the type: when the catalog has no
	// type value for it ("jacket", where types are "rain jacket", "down
	// jacket" …), the title must say it, so "a travel jacket" never buys
	// travel socks
	if w := x.titlePhrase(d, cat); w != "" && !headIsValue(d, spec) {
		spec.RequireTerms = appendUnique(spec.RequireTerms, w)
		note("the title must say "+w+" (the product asked for)", "")
	}
	if w := p.nounTerm(d, cat, spec, x); w != "" {
		spec.RequireTerms = appendUnique(spec.RequireTerms, w)
		note("the title must say "+w+" (the product asked for)", "")
	}
	spec.Query = dedupWords(strings.Join(query, " "))
	if spec.Query == "" {
		spec.Query = d.headRaw
	}
	if spec.Query == "" && spec.Category != "" {
		spec.Query = spec.Category
	}
	spec.Query = withValues(spec.Query, spec.Attributes)

	// memory
	for _, f := range facts {
		switch {
		case f.diet != "":
			if d.override[f.id] {
				note("memory overridden for this item at the user's request", f.id)
				continue
			}
			if key, val, bad := dietConflict(spec, f.diet, x); bad {
				return spec, &pending{kind: askConflict, item: k, memID: f.id, key: key, val: val,
					options:  []string{"yes, buy it anyway", "no, leave it out"},
					question: fmt.Sprintf("You asked for %s %s, but I remember %q. Buy it anyway?", val, key, f.text)}, notes
			}
			if txt := applyDiet(&spec, f.diet, cat, x); txt != "" {
				note(txt, f.id)
			}
		case f.onlyBrand != "":
			if !f.coversItem(d, cat) {
				continue
			}
			if spec.Brand != "" {
				if !strings.EqualFold(spec.Brand, f.onlyBrand) {
					note("the request names "+spec.Brand+" although memory says only "+f.onlyBrand+"; the request wins", f.id)
				}
				continue
			}
			spec.Brand = f.onlyBrand
			note("only "+f.onlyBrand, f.id)
		case f.avoidBrand != "":
			if strings.EqualFold(spec.Brand, f.avoidBrand) {
				note("the request names "+f.avoidBrand+" although memory says never; the request wins", f.id)
				continue
			}
			spec.ExcludeBrands = appendUnique(spec.ExcludeBrands, f.avoidBrand)
			note("never buy "+f.avoidBrand, f.id)
		case len(f.avoidTerms) > 0:
			skip := false
			for _, t := range f.avoidTerms {
				if strings.Contains(" "+strings.ToLower(spec.Query)+" ", " "+t+" ") {
					skip = true
				}
			}
			if skip {
				note("the request asks for what memory says to avoid; the request wins", f.id)
				continue
			}
			for _, t := range f.avoidTerms {
				spec.ExcludeTerms = appendUnique(spec.ExcludeTerms, t)
			}
			note("never buy "+strings.Join(f.avoidTerms, "/"), f.id)
		case f.prefer != nil:
			if !x.keyFits(cat, f.prefer.key) || !f.prefersCategory(cat, x) || cat == "" {
				continue
			}
			r := x.normalize(*f.prefer, cat)
			lk := strings.ToLower(r.key)
			if explicit[lk] {
				if !strings.EqualFold(spec.Attributes[r.key], r.val) {
					note(fmt.Sprintf("the request says %s %s; memory's %s is not used", r.key, spec.Attributes[r.key], r.val), f.id)
				}
				continue
			}
			if _, dup := spec.Prefer[r.key]; dup {
				continue
			}
			if p.requires(d, spec, r.key, x) {
				set(r.key, r.val)
				hits = append(hits, resolvedHit{raw: f.text, key: r.key, val: r.val, source: f.id})
				note(fmt.Sprintf("%s %s from memory (needed to buy)", r.key, r.val), f.id)
				continue
			}
			if spec.Prefer == nil {
				spec.Prefer = map[string]string{}
			}
			spec.Prefer[r.key] = r.val
			note(fmt.Sprintf("prefer %s %s", r.key, r.val), f.id)
			// an optional component ("oat milk", when there is milk at all):
			// the other kinds are excluded, "none" stays allowed, so the
			// preference holds without ruling out a drink made without it
			if none, ok := x.noneValue(r.key); ok && !strings.EqualFold(none, r.val) {
				var others []string
				for _, v := range x.values(r.key) {
					if !strings.EqualFold(v, r.val) && !strings.EqualFold(v, none) {
						others = append(others, v)
					}
				}
				if len(others) > 0 {
					if spec.ExcludeAttributes == nil {
						spec.ExcludeAttributes = map[string][]string{}
					}
					for _, v := range others {
						spec.ExcludeAttributes[r.key] = appendUnique(spec.ExcludeAttributes[r.key], v)
					}
					note(fmt.Sprintf("%s: if any, %s (other kinds excluded)", r.key, r.val), f.id)
				}
			}
		case f.preferBrand != "":
			if spec.Brand != "" || len(f.preferCats) > 0 && !contains(f.preferCats, cat) {
				continue
			}
			if contains(spec.ExcludeBrands, f.preferBrand) {
				continue
			}
			spec.PreferBrands = appendUnique(spec.PreferBrands, f.preferBrand)
			note("prefer brand "+f.preferBrand, f.id)
		}
	}

	if ex := x.plainVariant(d, &spec); len(ex) > 0 {
		for _, k := range sortedKeysOf(ex) {
			note(fmt.Sprintf("the plain %s: %s %s only when asked for", d.headRaw, k, strings.Join(ex[k], ", ")), "")
		}
	}

	// required attributes
	for _, alts := range p.required(d, spec, x) {
		var have []string
		for _, key := range alts {
			if len(x.values(key)) > 0 {
				have = append(have, key)
			}
		}
		if len(have) == 0 {
			continue
		}
		ok := false
		for _, key := range have {
			if _, set := spec.Attributes[key]; set {
				ok = true
			}
		}
		if ok {
			continue
		}
		return spec, p.askFor(d, k, have, spec, x, amountMiss), notes
	}
	// words the item's own category never uses ("phone" in "China Mobile
	// phone top-up 100") beside values that already name one product are
	// the person's context, not a narrower kind
	if len(spec.RequireTerms) > 0 && spec.Category != "" {
		var keep, ctx []string
		for _, t := range spec.RequireTerms {
			if !strings.Contains(t, " ") && !x.categoryWord(spec.Category, t) && x.anyCategoryWord(t) {
				ctx = append(ctx, t)
			} else {
				keep = append(keep, t)
			}
		}
		if len(ctx) > 0 {
			probe := spec
			probe.RequireTerms = keep
			if len(x.candidates(d, probe)) == 1 {
				spec.RequireTerms = keep
				d.unknown = append(d.unknown, ctx...)
				spec.Fit = strings.TrimSpace(spec.Fit + " " + strings.Join(ctx, " "))
			}
		}
	}
	account(d, &spec, hits, x)
	return spec, nil, notes
}

func (p *Planner) askFor(d *draft, k int, keys []string, spec planner.ItemSpec, x *vindex, amountMiss string) *pending {
	pd := &pending{kind: askAttr, item: k, keys: keys}
	what := d.headRaw
	if what == "" {
		what = "item"
	}
	cands := x.candidates(d, spec)
	generic := x.genericHead(d, spec.Category) && len(keys) > 0 && contains(x.kindKeys(spec.Category), keys[0])
	var opts []string
	for _, key := range keys {
		opts = append(opts, optionValues(cands, key)...)
	}
	if len(opts) > 12 {
		opts = opts[:12]
	}
	pd.options = opts
	switch {
	case len(keys) == 1 && amountMiss != "" && allNumeric(x.values(keys[0])):
		pd.question = fmt.Sprintf("A %s %s is not offered. Which %s should it be?", amountMiss, what, keys[0])
	case generic:
		pd.question = fmt.Sprintf("Which %s would you like?", what)
	default:
		pd.question = fmt.Sprintf("Which %s should the %s be?", strings.Join(keys, " or "), what)
	}
	return pd
}

// required lists the requirement groups of an item: Config.Required's
// table when set, else the catalog rule (fitKeys).
func (p *Planner) required(d *draft, spec planner.ItemSpec, x *vindex) [][]string {
	if p.req != nil {
		return p.req[spec.Category]
	}
	return p.fitKeys(d, spec, x)
}

func (p *Planner) requires(d *draft, spec planner.ItemSpec, key string, x *vindex) bool {
	for _, alts := range p.required(d, spec, x) {
		for _, k := range alts {
			if strings.EqualFold(k, key) {
				return true
			}
		}
	}
	return false
}

// coversItem reports whether an only-this-brand fact is about the item: its
// product words when it names some ("Anker chargers"), else every item.
func (f fact) coversItem(d *draft, cat string) bool {
	if len(f.onlyHeads) == 0 {
		return true
	}
	for _, h := range f.onlyHeads {
		if h == d.head || strings.HasSuffix(d.head, h) {
			return true
		}
	}
	return false
}

// isDrink: a made-to-order drink (it has a drink attribute).
func isDrink(spec planner.ItemSpec) bool {
	_, ok := spec.Attributes["drink"]
	return ok
}

// amountValue matches a number to the vocabulary's top-up amounts ("50" ↔
// "50", "50.00", "¥50"). With no amounts in the vocabulary the number is
// used as written.
func amountValue(x *vindex, n string) (string, bool) {
	vals := x.values("amount")
	if len(vals) == 0 {
		return n, true
	}
	want := numericKey(n)
	for _, v := range vals {
		if numericKey(v) == want && want != "" {
			return v, true
		}
	}
	return "", false
}

func numericKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' || r == '.' {
			b.WriteRune(r)
		}
	}
	t := b.String()
	if strings.Contains(t, ".") {
		t = strings.TrimRight(strings.TrimRight(t, "0"), ".")
	}
	t = strings.TrimLeft(t, "0")
	return t
}

// dietSets returns what a diet excludes in the vocabulary's terms.
func dietSets(diet string, x *vindex) (map[string][]string, []string) {
	ex := map[string][]string{}
	var terms []string
	switch diet {
	case dietDairy:
		if m := x.dairyMilks(); len(m) > 0 {
			ex["milk"] = m
		}
		if y, ok := x.boolValue("dairy", true); ok {
			ex["dairy"] = []string{y}
		}
		if y, ok := x.boolValue("lactose", true); ok {
			ex["lactose"] = []string{y}
		}
	case dietNuts:
		if y, ok := x.boolValue("nuts", true); ok {
			ex["nuts"] = []string{y}
		}
		if m := x.nutMilks(); len(m) > 0 {
			ex["milk"] = m
		}
		terms = nutTerms
	case dietGluten:
		if y, ok := x.boolValue("gluten", true); ok {
			ex["gluten"] = []string{y}
		}
	case dietSugar:
		if none, ok := x.noneValue("sugar"); ok {
			for _, v := range x.values("sugar") {
				if v != none {
					ex["sugar"] = append(ex["sugar"], v)
				}
			}
		}
	}
	return ex, terms
}

// applyDiet adds a diet's exclusions to spec and describes them.
func applyDiet(spec *planner.ItemSpec, diet, cat string, x *vindex) string {
	ex, terms := dietSets(diet, x)
	keys := make([]string, 0, len(ex))
	for k := range ex {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if spec.ExcludeAttributes == nil {
			spec.ExcludeAttributes = map[string][]string{}
		}
		for _, v := range ex[k] {
			spec.ExcludeAttributes[k] = appendUnique(spec.ExcludeAttributes[k], v)
		}
		parts = append(parts, k+" ∉ {"+strings.Join(ex[k], ", ")+"}")
	}
	for _, t := range terms {
		spec.ExcludeTerms = appendUnique(spec.ExcludeTerms, t)
	}
	if len(terms) > 0 {
		parts = append(parts, "no "+diet+" in the title")
	}
	if len(parts) == 0 {
		return ""
	}
	return diet + "-free: " + strings.Join(parts, "; ")
}

// dietConflict reports a request attribute the diet would exclude.
func dietConflict(spec planner.ItemSpec, diet string, x *vindex) (string, string, bool) {
	ex, _ := dietSets(diet, x)
	keys := make([]string, 0, len(ex))
	for k := range ex {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		got, ok := spec.Attributes[k]
		if !ok {
			continue
		}
		for _, v := range ex[k] {
			if strings.EqualFold(v, got) {
				return k, got, true
			}
		}
	}
	return "", "", false
}

func contains(s []string, v string) bool {
	for _, e := range s {
		if strings.EqualFold(e, v) {
			return true
		}
	}
	return false
}

func orList(opts []string) string {
	switch len(opts) {
	case 0:
		return ""
	case 1:
		return "a " + opts[0]
	}
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = article(o) + " " + o
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

func article(w string) string {
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an"
	}
	return "a"
}

func plural(w string) string {
	if w == "" {
		return "of them"
	}
	if strings.HasSuffix(w, "s") {
		return w
	}
	if strings.HasSuffix(w, "y") && !strings.HasSuffix(w, "ey") {
		return w[:len(w)-1] + "ies"
	}
	return w + "s"
}

// withValues adds to a search query the hard attribute values it lacks, in
// the catalog's own words: "credit … to my China Unicom phone" searches
// "credit china unicom 50", so a catalog that never says "credit" is still
// searched by what every acceptable product carries. Every product the
// hard filters accept has these values, so they only raise its place in a
// merchant's results. One-letter values ("m") are left out: they match
// nearly anything.
func withValues(query string, attrs map[string]string) string {
	have := map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(query)) {
		have[w] = true
		have[singular(w)] = true
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := query
	for _, k := range keys {
		v := strings.ToLower(strings.TrimSpace(attrs[k]))
		if len([]rune(v)) < 2 {
			continue
		}
		missing := false
		for _, w := range strings.Fields(v) {
			if !have[w] && !have[singular(w)] {
				missing = true
			}
		}
		if !missing {
			continue
		}
		out = strings.TrimSpace(out + " " + v)
		for _, w := range strings.Fields(v) {
			have[w] = true
		}
	}
	return out
}

// nounTerm returns the product word an item's title must contain when
// nothing else pins its type: the category has a "type" key, the request
// resolved no type, the head is a plain product word (not a category name
// or a generic word) and the catalog's types use it as a word of a longer
// type ("jacket" in "rain jacket", "down jacket"): the person asked for any
// of those, never for socks. A word no type uses ("coke" where the type is
// "soda") stays search text: requiring it could reject the very product.
// Top-ups are pinned by carrier/utility and amount instead.
func (p *Planner) nounTerm(d *draft, cat string, spec planner.ItemSpec, x *vindex) string {
	if d.head == "" || cat == "" || len(d.cands) > 0 || x.genericHead(d, cat) {
		return ""
	}
	kinds := x.kindKeys(cat)
	if len(kinds) == 0 {
		return ""
	}
	for _, k := range kinds {
		if _, ok := spec.Attributes[k]; ok || len(spec.ExcludeAttributes[k]) > 0 {
			return ""
		}
	}
	f := strings.Fields(strings.ToLower(d.headRaw))
	if len(f) != 1 {
		return "" // a phrase ("oat milk") is already specific
	}
	w := f[0]
	if !isWordOnly(w) || contains(spec.RequireTerms, w) {
		return ""
	}
	cv := x.catVocab(strings.ToLower(cat))
	for _, k := range kinds {
		for _, v := range cv.Attributes[k] {
			for _, f := range strings.Fields(strings.ToLower(v)) {
				if f == w || singular(f) == w {
					return w
				}
			}
		}
	}
	return ""
}

func isWordOnly(w string) bool {
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return len(w) >= 3
}

// headIsValue reports whether a hard attribute value is the item's head
// phrase (the attribute already pins the product kind).
func headIsValue(d *draft, spec planner.ItemSpec) bool {
	for _, v := range spec.Attributes {
		if squashString(v) == d.head {
			return true
		}
	}
	return false
}

// dedupWords drops repeated words, keeping the first of each.
func dedupWords(q string) string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.Fields(q) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}
