// Package offline is Cartwright's embedded default planner: rule-based, no
// network, no model, deterministic. It reads a request through the catalog
// vocabulary of the merchants it will shop (req.Vocabulary) plus built-in
// tables of retail English: quantities, budgets in several currencies,
// several items per request, negations, merchant and brand lists, sort
// preferences, delivery places and memory (allergies become hard exclusions,
// sizes and brands soft preferences). When a request leaves something
// essential open it asks instead of guessing.
//
// Decisions worth knowing:
//   - "a few" is 3 and "some" is 1 (both noted on the item); "several" is
//     asked about, as is a count above 1000.
//   - "a pair of" is 1 for goods sold in pairs (socks, jeans, earbuds) and 2
//     otherwise.
//   - "under 40" is a budget for the whole basket; "under 20 each/per cup"
//     is a per-item MaxUnitPrice.
//   - a budget in another currency than the world's is kept as written
//     (the runtime refuses the mismatch); nothing is converted.
//   - required attributes are listed in requiredAttributes: apparel needs a
//     size, a top-up an amount and a carrier or utility, phone cases and
//     screen protectors a device, "a coffee" which coffee, and a
//     made-to-order drink its size (Config.AnySize buys any size instead).
//     Memory may supply a required value; it is then a hard constraint
//     (buying the wrong size is a wrong purchase).
//   - memory: allergies and diets are hard exclusions; "only buy Anker
//     chargers" / "never buy X" are hard; a preferred brand is soft
//     (PreferBrands); a preferred value of an optional component ("oat
//     milk", where the catalog also has "none") excludes the other kinds but
//     still allows none; other preferred values are soft (Prefer). The
//     request always wins over a preference, and a conflict with an allergy
//     is asked about. Every effect is a Note with the memory's ID.
//   - unknown words right before the product word ("whole wheat toast")
//     become RequireTerms, so a catalog without that attribute still cannot
//     sell the wrong variant; judgement words ("nice", "cute") and words
//     after the product ("for my husband") go to Fit.
//   - "sorry, make it …", "scratch that", "actually, I mean …": the items
//     after the correction replace those before it.
//   - a made-to-order drink named without its milk ("a cappuccino") is the
//     standard one: regular milk or none; oat, soy, skim … only when the
//     request, an answer or memory says so (a diet that excludes the
//     regular milk lifts the rule).
//   - the search query adds the hard attribute values it lacks, in the
//     catalog's words ("credit for China Unicom" searches "china unicom").
//   - a delivery address is read with its country (name or ISO code) and a
//     phone number; "my phone number is …" in memory fills a missing phone.
//   - Request.Answer may hold several replies, one per line, applied in
//     order to the questions asked (at most maxReplies).
//   - nothing product-like is dropped: a category word that carries a
//     value of its own ("China Unicom top-up 50") is an item, not a
//     heading, and unknown words after "and" ("… and kombucha") are an
//     item searched by those words (the title must have them).
//   - the product word constrains the type: when the catalog has no type
//     value for it but uses it in longer types ("jacket": "rain jacket",
//     "down jacket"), the title must say it. The category's own wording
//     ("phone top-up", "mobile recharge") never becomes a RequireTerm.
//   - an amount in units ("2 liters of", "3 bottles of", "a dozen", "20
//     eggs" for groceries and household goods) is a planner.Measure in
//     Intent.Extra (Intent.ItemMeasure); the runtime matches it against
//     the products' packs. "2 packs of …" counts packs, not a measure.
//   - MaxRequestBytes bounds the request; a runtime should check it before
//     it opens a session.
package offline

import (
	"context"
	"fmt"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// Name is the planner's name in Intent.Planner.
const Name = "offline"

// Config configures the offline planner. The zero value is ready to use:
// every word of a world comes from its catalog (planner.Vocabulary.Catalog).
type Config struct {
	// CategoryKeys says which attribute keys the products of a category
	// carry; a request value for another key stays search text instead of
	// becoming a hard filter. Nil: read from the catalog (a key only some
	// of a category's products carry is partial); a category missing from
	// it accepts every key.
	CategoryKeys map[string][]string
	// Nouns adds product words (lower case) → category to the ones the
	// catalog's titles and values give.
	Nouns map[string]string
	// Required replaces the clarification rule with fixed per-category
	// required attributes (alternatives per entry); nil: the rule reads
	// the catalog (see fitKeys).
	Required map[string][][]string
	// AnySize buys any variant (the cheapest) instead of asking which
	// size, model or amount when the request leaves it open.
	AnySize bool
}

// Planner is the offline planner. It is safe for concurrent use.
type Planner struct {
	catKeys map[string][]string // nil: the catalog's
	nouns   map[string]nounEntry
	req     map[string][][]string
	ask     bool // ask for an open variant dimension
	cache   indexCache
}

var _ planner.Planner = (*Planner)(nil)

// New returns an offline planner.
func New(cfg Config) *Planner {
	p := &Planner{req: cfg.Required, ask: !cfg.AnySize}
	if cfg.CategoryKeys != nil {
		p.catKeys = map[string][]string{}
		for k, v := range cfg.CategoryKeys {
			p.catKeys[strings.ToLower(k)] = append([]string(nil), v...)
		}
	}
	if len(cfg.Nouns) > 0 {
		p.nouns = make(map[string]nounEntry, len(cfg.Nouns))
		for w, c := range cfg.Nouns {
			p.nouns[squashString(w)] = nounEntry{cat: c}
		}
	}
	return p
}

// Name implements planner.Planner.
func (p *Planner) Name() string { return Name }

// MaxRequestBytes bounds the request text (and the answer) the planner
// reads; Understand refuses a longer one. A runtime should refuse such a
// request before it opens a session or calls a merchant. maxReplies bounds
// the clarification replies applied (a conversation, not a script).
const (
	MaxRequestBytes = 4000
	maxReplies      = 10
)

// Understand implements planner.Planner: it turns req into an Intent, or an
// Intent whose Clarify holds the question to ask. It fails only on a
// cancelled context or an input it must not read.
func (p *Planner) Understand(ctx context.Context, req planner.Request) (planner.Intent, error) {
	if err := ctx.Err(); err != nil {
		return planner.Intent{}, err
	}
	if len(req.Text) > MaxRequestBytes {
		return planner.Intent{}, fmt.Errorf("request text: %d bytes, more than the %d the offline planner reads", len(req.Text), MaxRequestBytes)
	}
	if len(req.Answer) > MaxRequestBytes {
		return planner.Intent{}, fmt.Errorf("answer: %d bytes, more than the %d the offline planner reads", len(req.Answer), MaxRequestBytes)
	}
	x := p.cache.get(req.Vocabulary, p.catKeys, p.nouns)
	facts := parseMemory(req.Memory, x)
	text := req.Text
	st := p.parse(text, x, facts)
	in, pend := p.finalize(req, st, x, facts)
	replies := 0
	for _, ans := range strings.Split(req.Answer, "\n") {
		ans = strings.TrimSpace(ans)
		if pend == nil || ans == "" || replies == maxReplies {
			continue
		}
		replies++
		if pend.kind == askWhat {
			text = text + "\n" + ans
			st = p.parse(text, x, facts)
		} else {
			p.applyAnswer(st, pend, ans, x, facts)
		}
		in, pend = p.finalize(req, st, x, facts)
	}
	if pend != nil {
		in = planner.Intent{Request: req.Text, Planner: Name, Currency: in.Currency, Notes: in.Notes,
			Clarify: &planner.Clarification{Question: pend.question, Options: pend.options, Item: pend.item}}
	}
	if err := in.Validate(); err != nil {
		return planner.Intent{}, fmt.Errorf("offline planner produced an invalid intent: %w", err)
	}
	return in, nil
}

// parse reads the request text, expanding "the usual" from memory.
func (p *Planner) parse(text string, x *vindex, facts []fact) *reqState {
	st := p.parseRequest(text, x)
	if len(st.items) == 0 && st.usual {
		// "my usual is …" first; else the most recent purchase history
		// the user did not dislike
		var cands []fact
		for _, f := range facts {
			if f.usual != "" {
				cands = append(cands, f)
			}
		}
		for i := len(facts) - 1; i >= 0; i-- {
			if f := facts[i]; f.kind == "history" && f.liked != "" && f.likedScore >= 0 {
				f.usual = f.liked
				cands = append(cands, f)
			}
		}
		for _, f := range cands {
			sub := p.parseRequest(f.usual, x)
			if len(sub.items) == 0 {
				continue
			}
			st.items = sub.items
			if len(st.allow) == 0 && len(st.deny) == 0 {
				st.allow, st.deny = sub.allow, sub.deny
			}
			if len(st.totals) == 0 {
				st.totals = sub.totals
			}
			st.units = append(st.units, sub.units...)
			if len(st.sorts) == 0 {
				st.sorts = sub.sorts
			}
			if st.address == nil && st.place == "" {
				st.address, st.place = sub.address, sub.place
			}
			st.notes = append(st.notes, "\"the usual\" read from memory "+f.id+": "+f.usual)
			break
		}
	}
	return st
}

// applyAnswer merges the user's reply to pd into the parsed request. A
// reply that settles nothing leaves the state as it was, so the same
// question is asked again.
func (p *Planner) applyAnswer(st *reqState, pd *pending, ans string, x *vindex, facts []fact) {
	at := &reqState{toks: tokenize(ans), bare: true}
	at.used = make([]bool, len(at.toks))
	var d *draft
	if pd.item >= 0 && pd.item < len(st.items) {
		d = st.items[pd.item]
	}
	low := strings.ToLower(ans)
	switch pd.kind {
	case askCategory:
		if d == nil {
			return
		}
		sq := squashString(ans)
		for i, o := range d.cands {
			ord := []string{"first", "second", "third"}
			if strings.Contains(sq, squashString(o.label)) || strings.Contains(sq, o.cat) ||
				i < len(ord) && (strings.Contains(low, ord[i]) || strings.TrimSpace(low) == itoa(i+1)) {
				choose(d, o)
				break
			}
			for _, t := range at.toks {
				if o.context[squashString(t.t)] || o.context[squashString(singular(t.t))] {
					choose(d, o)
					break
				}
			}
			if len(d.cands) == 0 {
				break
			}
		}
		if len(d.cands) == 0 {
			p.mergeAnswerAttrs(d, at, x)
		}
	case askQuantity:
		if d == nil {
			return
		}
		probe := &draft{ctx: map[string]bool{}, head: d.head, plural: true}
		used := make([]bool, len(at.toks))
		p.readQuantity(probe, at.toks, used, len(at.toks), func(int, int) {})
		if probe.qtySaid && !probe.qtyAsk && probe.qty >= 1 && probe.qty <= 1000 {
			d.qty, d.qtySaid, d.qtyAsk, d.qtyBig, d.qtyNote = probe.qty, true, false, 0, probe.qtyNote
		}
	case askAttr:
		if d == nil {
			return
		}
		p.mergeAnswerAttrs(d, at, x)
	case askConflict:
		if d == nil {
			return
		}
		switch {
		case yesAnswer(low):
			if d.override == nil {
				d.override = map[string]bool{}
			}
			d.override[pd.memID] = true
		case noAnswer(low):
			if d.dropAttr == nil {
				d.dropAttr = map[string]bool{}
			}
			d.dropAttr[strings.ToLower(pd.key)] = true
		}
	case askAddress:
		if strings.ContainsAny(ans, "0123456789") {
			if a := parseAddress(ans); a != nil {
				st.address = a
				st.place = ""
			}
			return
		}
		for _, t := range at.toks {
			if pl := placeOf(t.t); pl != "" {
				for _, f := range facts {
					if f.address != nil && f.place == pl {
						st.place = pl
						return
					}
				}
			}
		}
	case askBudget:
		for i := range at.toks {
			if h, ok := at.moneyAt(i, x.v.Currency, false); ok {
				if m, err := h.money(); err == nil && m.Minor > 0 {
					if pd.item >= 0 && d != nil {
						d.unitMax = &m
					} else {
						st.totals = []skills.Money{m}
					}
					st.badBudget = ""
				}
				return
			}
		}
	}
}

// mergeAnswerAttrs reads attribute values (and top-up amounts) from an
// answer into the item.
func (p *Planner) mergeAnswerAttrs(d *draft, at *reqState, x *vindex) {
	if len(at.toks) == 0 {
		return
	}
	idx := make([]int, len(at.toks))
	for i := range idx {
		idx[i] = i
	}
	a := p.readSegment(at, x, segment{idx: idx}, findBrands(at, x))
	if d.answered == nil {
		d.answered = map[string]string{}
	}
	for _, h := range a.attrs {
		if r, ok := x.resolve(h.cands, d.cat); ok {
			d.answered[r.key] = r.val
		}
	}
	if x.keyFits(d.cat, "amount") && d.cat != "" {
		var nums []string
		for _, h := range a.money {
			nums = append(nums, h.num)
		}
		nums = append(nums, a.numbers...)
		if a.qtySaid && a.head == "" && len(nums) == 0 {
			nums = append(nums, itoa(a.qty))
		}
		for _, n := range nums {
			if v, ok := amountValue(x, n); ok {
				d.answered["amount"] = v
				break
			}
		}
	}
	for _, b := range a.brands {
		d.brands = appendUnique(d.brands, b)
	}
	// "a coffee?" "a large oat latte": the answer names the product
	if a.head != "" && (a.cat == d.cat || d.cat == "") && a.head != d.head {
		d.head, d.headRaw, d.cat, d.query = a.head, a.headRaw, a.cat, a.query
		d.attrs = append(d.attrs, a.attrs...)
	}
}

func containsWordTok(toks []token, w string) bool {
	for _, t := range toks {
		if squashString(t.t) == w || squashString(singular(t.t)) == w {
			return true
		}
	}
	return false
}

func yesAnswer(s string) bool {
	s = strings.TrimSpace(s)
	for _, p := range []string{"yes", "yeah", "yep", "sure", "ok", "okay", "buy it", "anyway", "proceed", "go ahead", "it's for", "its for", "for a friend", "for someone"} {
		if strings.HasPrefix(s, p) || strings.Contains(s, " "+p) {
			return true
		}
	}
	return false
}

func noAnswer(s string) bool {
	s = strings.TrimSpace(s)
	for _, p := range []string{"no", "nope", "don't", "do not", "leave it", "keep it", "skip"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
