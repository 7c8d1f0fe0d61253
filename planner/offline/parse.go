package offline

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// moneyHit is an amount of money written in the text.
type moneyHit struct {
	num, cur   string // cur: resolved code or "" (the world's)
	start, end int    // token range
	raw        string
	explicit   bool // the currency was written
}

// unitLimit is a per-item price limit ("under 20 each") at a token position.
type unitLimit struct {
	m   skills.Money
	pos int
}

// reqState is what the parser read from the request text.
type reqState struct {
	toks        []token
	used        []bool
	totals      []skills.Money
	totalRaw    []string
	units       []unitLimit
	floors      []unitLimit // per-item price floors
	sorts       []string
	allow, deny []string
	place       string
	address     *skills.Address
	items       []*draft
	vague       bool
	usual       bool
	badBudget   string
	notes       []string
	bare        bool // an answer: one-letter values need no "size" before them
}

// attrHit is a span of words naming attribute values.
type attrHit struct {
	cands      []kv
	start, end int
	raw        string
	neg        bool
	shared     bool // in a "for my iPhone 16" clause
	diet       string
	coversHead bool // the words name the product itself ("oat milk")
	partial    bool // one word of a multi-word value ("unicom"): yields to a full value
}

type nounHit struct {
	e          nounEntry
	sq         string
	start, end int
	raw        string
	neg        bool
	afterFor   bool
}

type brandHit struct {
	brand      string
	start, end int
	neg        bool
	prefer     bool
}

// draft is one item as the request describes it, before memory.
type draft struct {
	head      string // squashed head noun
	headRaw   string
	headCat   string   // the category the head word names by itself
	clause    bool     // the segment has clause words ("both from the same café")
	attrItem  bool     // an item named by values only one category has
	textItem  bool     // an item named by words no catalog knows, searched by them
	text      string   // the person's words for the item
	qtyText   string   // the words that said the count
	unsettled []string // words that became nothing the filters check: evidenced by agent/check
	cat       string   // category from the noun table ("" unknown)
	cands     []ambiguity
	implied   []kv
	qty       int
	qtyNote   string
	qtyAsk    bool
	qtyBig    int
	attrs     []attrHit
	negAttrs  []attrHit
	diets     []string
	terms     []string
	brands    []string
	notBrands []string
	prefBrand []string
	unknown   []string
	require   []string // unknown words before the product word: hard title terms
	sizeReq   []string // sizes the vocabulary does not list ("size m"): hard, on the size attribute or title
	query     []string
	money     []moneyHit
	numbers   []string // bare numbers after the head (top-up amounts)
	unitMax   *skills.Money
	unitMin   *skills.Money    // a price floor: hard
	measure   *planner.Measure // "2 liters", "a dozen", "3 bottles": matched against packs at run time
	start     int
	end       int
	plural    bool
	// set by answers to clarifications
	answered map[string]string
	override map[string]bool // memory ids the user overrode for this item
	dropAttr map[string]bool // request attributes the user gave up
	ctx      map[string]bool // squashed words of the segment (disambiguation)

	vague, vagueOnly, usual, article, content, qtySaid bool
}

var explicitAddress = regexp.MustCompile(`(?i)\b(?:deliver(?:ed)?|ship(?:ped)?|send|sent|bring|address(?:\s+is)?)\s+(?:it\s+|them\s+|this\s+|everything\s+|all\s+)?(?:to\s*:?|:)\s*(.+)`)

var addressStop = regexp.MustCompile(`(?i)(\s+(under|below|budget|cheapest|fastest|asap|please|by|before|within|max|no more than|at most|for less than|and (get|buy|order|also))\b|[;!?]|\.\s|\.$)`)

var streetWord = regexp.MustCompile(`(?i)\b(rd|road|st|street|ave|avenue|lane|ln|blvd|boulevard|way|drive|dr|building|bldg|floor|fl|room|rm|apt|suite|tower|park|plaza|district|lu|jie|hao)\b|路|街|号|楼|室`)

// correction finds where a request corrects itself ("… sorry, make it …",
// "… scratch that, …"): what follows replaces the items said before it.
var correction = regexp.MustCompile(`(?i)(?:\b(?:sorry|actually|no wait|wait|oops|correction)\b[\s,.:;!-]*(?:(?:make|change)\s+(?:it|that)|i\s+mean[t]?|instead)\b|\bscratch that\b|\bon second thought\b|\bno,?\s+wait\b)[\s,.:;!-]*`)

// parseRequest reads text into a reqState.
func (p *Planner) parseRequest(text string, x *vindex) *reqState {
	if locs := correction.FindAllStringIndex(text, -1); len(locs) > 0 {
		last := locs[len(locs)-1]
		before, after := text[:last[0]], text[last[1]:]
		st := p.parseRequestPart(after, x)
		if len(st.items) > 0 {
			old := p.parseRequestPart(before, x)
			if len(st.totals) == 0 && len(st.units) == 0 {
				st.totals, st.totalRaw, st.units = old.totals, old.totalRaw, old.units
			}
			if len(st.allow) == 0 && len(st.deny) == 0 {
				st.allow, st.deny = old.allow, old.deny
			}
			if len(st.sorts) == 0 {
				st.sorts = old.sorts
			}
			if st.address == nil && st.place == "" {
				st.address, st.place = old.address, old.place
			}
			st.notes = append(st.notes, fmt.Sprintf("the request corrects itself; items read from %q", strings.TrimSpace(after)))
			return st
		}
	}
	return p.parseRequestPart(text, x)
}

func (p *Planner) parseRequestPart(text string, x *vindex) *reqState {
	st := &reqState{}
	if m := explicitAddress.FindStringSubmatchIndex(text); m != nil {
		body := text[m[2]:m[3]]
		if loc := addressStop.FindStringIndex(body); loc != nil {
			body = body[:loc[0]]
		}
		body = strings.TrimSpace(strings.TrimRight(body, " ,."))
		if strings.ContainsAny(body, "0123456789") && streetWord.MatchString(body) {
			st.address = parseAddress(body)
			cut := m[0] + (m[2] - m[0]) + len(body)
			text = text[:m[0]] + " " + text[cut:]
		}
	}
	st.toks = tokenize(text)
	st.used = make([]bool, len(st.toks))
	p.markFloors(st, x)
	p.markBudgets(st, x)
	markSort(st)
	markPlace(st)
	markMerchants(st, x)
	p.buildItems(st, x)
	return st
}

func (st *reqState) free(i int) bool {
	return i >= 0 && i < len(st.toks) && !st.used[i]
}

// seqAt reports whether the words of seq start at toks[i] (unused only).
func (st *reqState) seqAt(i int, seq []string) bool {
	if i+len(seq) > len(st.toks) {
		return false
	}
	for k, w := range seq {
		if st.used[i+k] || st.toks[i+k].t != w {
			return false
		}
	}
	return true
}

func (st *reqState) use(i, j int) {
	for k := max(i, 0); k < j && k < len(st.used); k++ {
		st.used[k] = true
	}
}

var budgetTriggers = [][]string{
	{"don't", "spend", "more", "than"}, {"dont", "spend", "more", "than"}, {"do", "not", "spend", "more", "than"},
	{"not", "spend", "more", "than"}, {"won't", "spend", "more", "than"}, {"shouldn't", "cost", "more", "than"},
	{"should", "not", "cost", "more", "than"}, {"cost", "no", "more", "than"}, {"costs", "no", "more", "than"},
	{"no", "more", "than"}, {"not", "more", "than"}, {"no", "higher", "than"}, {"not", "over"},
	{"not", "exceeding"}, {"a", "budget", "of"}, {"my", "budget", "is"}, {"budget", "of"}, {"budget", "is"},
	{"budget", ":"}, {"budget"}, {"less", "than"}, {"cheaper", "than"}, {"lower", "than"}, {"at", "most"},
	{"up", "to"}, {"max", "of"}, {"maximum", "of"}, {"max"}, {"maximum"}, {"under"}, {"below"},
	{"within"}, {"capped", "at"}, {"cap", "of"}, {"cap"}, {"limit", "of"}, {"limit"}, {"spend", "at", "most"},
	{"spend", "up", "to"}, {"spend", "no", "more", "than"}, {"spend"}, {"spending"}, {"<="}, {"<"}, {"≤"},
	{"不", "超", "过"}, {"预", "算"}, {"少", "于"}, {"低", "于"}, {"最", "多"},
}

var postBudget = [][]string{{"or", "less"}, {"or", "under"}, {"max"}, {"maximum"}, {"tops"}, {"at", "most"},
	{"以", "内"}, {"以", "下"}, {"内"}, {"budget"}}

var perUnitMarkers = [][]string{{"each"}, {"apiece"}, {"a", "piece"}, {"per", "item"}, {"per", "piece"},
	{"per", "unit"}, {"per", "cup"}, {"per", "drink"}, {"per", "one"}, {"per", "bottle"}, {"per", "pack"},
	{"a", "cup"}, {"a", "drink"}, {"an", "item"}, {"for", "each"}, {"each", "one"}, {"per"}, {"/", "each"},
	{"一", "杯"}, {"每", "杯"}}

var totalMarkers = [][]string{{"in", "total"}, {"total"}, {"altogether"}, {"overall"}, {"for", "everything"},
	{"for", "all"}, {"all", "in"}, {"combined"}, {"for", "the", "lot"}, {"in", "all"}, {"总", "共"}}

var timeUnits = map[string]bool{"day": true, "days": true, "hour": true, "hours": true, "hr": true, "hrs": true,
	"minute": true, "minutes": true, "min": true, "mins": true, "week": true, "weeks": true, "km": true,
	"miles": true, "mile": true, "pm": true, "am": true, "天": true, "小": true}

// moneyAt reads an amount at toks[i]: "¥40", "40 yuan", "40元", "RMB 200",
// "HK$50", "forty dollars". needCur: only with a currency.
func (st *reqState) moneyAt(i int, world skills.Currency, needCur bool) (moneyHit, bool) {
	toks := st.toks
	k := i
	cur := ""
	if st.free(k) {
		t := toks[k].t
		if c, ok := dollarPrefix[t]; ok && st.free(k+1) && toks[k+1].t == "$" && (len(t) > 1 || toks[k].raw != t) {
			cur = c
			k += 2
		} else if c, ok := currencyWords[t]; ok && (toks[k].kind == kSym || len(t) == 3) {
			cur = c
			k++
		}
	}
	if !st.free(k) {
		return moneyHit{}, false
	}
	num := ""
	if toks[k].kind == kNum {
		num = toks[k].t
		k++
	} else if v, n := tokenNumber(toks, k); n > 0 && cur == "" {
		for j := k; j < k+n; j++ {
			if st.used[j] {
				return moneyHit{}, false
			}
		}
		num = strconv.Itoa(v)
		k += n
	} else {
		return moneyHit{}, false
	}
	if cur == "" && st.free(k) {
		if c, ok := currencyWords[toks[k].t]; ok {
			cur = c
			k++
			if st.free(k) && toks[k].t == "钱" {
				k++
			}
		}
	}
	if st.free(k) && timeUnits[toks[k].t] {
		return moneyHit{}, false
	}
	if needCur && cur == "" {
		return moneyHit{}, false
	}
	raw := make([]string, 0, k-i)
	for j := i; j < k; j++ {
		raw = append(raw, toks[j].raw)
	}
	return moneyHit{num: num, cur: resolveCurrency(cur, world), start: i, end: k, raw: strings.Join(raw, " "), explicit: cur != ""}, true
}

// resolveCurrency turns a currency word's code into an ISO code: "$"
// follows a dollar world, "¥" a yen world, "" is the world's own.
func resolveCurrency(c string, world skills.Currency) string {
	switch c {
	case "":
		return string(world)
	case "$":
		if world == "USD" || world == "HKD" || world == "SGD" {
			return string(world)
		}
		return "USD"
	case "¥":
		if world == "JPY" {
			return "JPY"
		}
		return "CNY"
	case "peso":
		switch world {
		case "MXN", "PHP", "CLP", "ARS", "COP", "CUP", "DOP", "UYU":
			return string(world)
		}
		return "PHP"
	}
	return c
}

func (h moneyHit) money() (skills.Money, error) {
	return skills.ParseMoney(h.num, skills.Currency(h.cur))
}

// floorTriggers start a price floor ("priced above 250", "at least 100");
// rangeTriggers a range ("between 120 and 480", "from 50 to 80").
var floorTriggers = [][]string{{"at", "least"}, {"no", "less", "than"}, {"not", "less", "than"}, {"more", "than"},
	{"above"}, {"over"}, {"minimum", "of"}, {"minimum"}, {"min"}, {"starting", "at"}, {"upwards", "of"}, {">="}, {">"}}
var rangeStarts = [][]string{{"between"}, {"from"}, {"priced", "between"}, {"priced", "from"}}
var rangeJoins = [][]string{{"and"}, {"to"}, {"-"}, {"up", "to"}, {"till"}, {"through"}}
var postFloor = [][]string{{"or", "more"}, {"and", "up"}, {"and", "above"}, {"or", "above"}, {"minimum"}, {"min"}, {"at", "least"}}

// markFloors finds price floors and ranges: floors are hard (a unit
// price below one is never bought); a range is a floor and a per-item
// ceiling.
func (p *Planner) markFloors(st *reqState, x *vindex) {
	world := x.v.Currency
	for i := 0; i < len(st.toks); i++ {
		if st.used[i] {
			continue
		}
		for _, seq := range rangeStarts {
			if !st.seqAt(i, seq) {
				continue
			}
			lo, ok := st.moneyAt(i+len(seq), world, false)
			if !ok {
				continue
			}
			for _, join := range rangeJoins {
				if !st.seqAt(lo.end, join) {
					continue
				}
				hi, ok := st.moneyAt(lo.end+len(join), world, false)
				if !ok {
					continue
				}
				if lo.cur != hi.cur && !lo.explicit {
					lo.cur = hi.cur
				}
				l, err1 := lo.money()
				h, err2 := hi.money()
				if err1 != nil || err2 != nil {
					st.badBudget = lo.raw + " " + hi.raw
				} else {
					st.floors = append(st.floors, unitLimit{m: l, pos: i})
					st.units = append(st.units, unitLimit{m: h, pos: i})
				}
				st.use(i, hi.end)
				i = hi.end - 1
				break
			}
			break
		}
		if st.used[i] {
			continue
		}
		for _, seq := range floorTriggers {
			if !st.seqAt(i, seq) {
				continue
			}
			// "no more than", "don't spend more than": a ceiling, read by
			// markBudgets
			if seq[0] == "more" && i > 0 && (negWords[st.toks[i-1].t] || st.toks[i-1].t == "spend" || st.toks[i-1].t == "cost" || st.toks[i-1].t == "costs") {
				break
			}
			h, ok := st.moneyAt(i+len(seq), world, false)
			if !ok {
				break
			}
			if !h.explicit && !pricedContext(st, i) {
				break // "over 2 days", "more than 3": money only with a currency or a price word
			}
			if m, err := h.money(); err != nil {
				st.badBudget = h.raw
			} else {
				st.floors = append(st.floors, unitLimit{m: m, pos: i})
			}
			st.use(i, h.end)
			i = h.end - 1
			break
		}
		if st.used[i] {
			continue
		}
		if h, ok := st.moneyAt(i, world, false); ok && (h.explicit || pricedContext(st, i)) {
			for _, seq := range postFloor {
				if st.seqAt(h.end, seq) {
					if m, err := h.money(); err == nil {
						st.floors = append(st.floors, unitLimit{m: m, pos: i})
					}
					st.use(i, h.end+len(seq))
					i = h.end + len(seq) - 1
					break
				}
			}
		}
	}
}

// pricedContext: a price word ("priced", "costs", "price") shortly before.
func pricedContext(st *reqState, i int) bool {
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		switch st.toks[j].t {
		case "priced", "price", "costs", "cost", "costing", "pricing", "budget", "spend":
			return true
		}
	}
	return false
}

// markBudgets finds total budgets and per-item limits.
func (p *Planner) markBudgets(st *reqState, x *vindex) {
	world := x.v.Currency
	for i := 0; i < len(st.toks); i++ {
		if st.used[i] {
			continue
		}
		trig := 0
		for _, seq := range budgetTriggers {
			if st.seqAt(i, seq) {
				trig = len(seq)
				break
			}
		}
		if trig > 0 && st.toks[i].t == "up" && i > 0 && st.toks[i-1].t == "top" {
			trig = 0 // "top up to ¥50" is a top-up amount
		}
		start := i
		var h moneyHit
		var ok bool
		if trig > 0 {
			h, ok = st.moneyAt(i+trig, world, false)
			if !ok {
				continue
			}
		} else {
			h, ok = st.moneyAt(i, world, false)
			if !ok {
				continue
			}
			// no trigger: only "40 yuan max", "40元以内", "20 yuan each"
			post := false
			for _, seq := range postBudget {
				if st.seqAt(h.end, seq) {
					post = true
					st.use(h.end, h.end+len(seq))
					break
				}
			}
			if !post {
				hasCur := h.explicit
				if hasCur && perUnitAt(st, h.end) > 0 {
					n := perUnitAt(st, h.end)
					st.use(h.start, h.end+n)
					p.addUnit(st, h, h.start)
					i = h.end + n - 1
				} else if hasCur {
					i = h.end - 1 // read with its item: a top-up amount or the budget
				}
				continue
			}
		}
		end := h.end
		per := false
		if n := perUnitAt(st, end); n > 0 {
			per = true
			end += n
		} else if start > 0 && st.toks[start-1].t == "each" && !st.used[start-1] {
			per = true
			start--
		}
		for _, seq := range totalMarkers {
			if !per && st.seqAt(end, seq) {
				end += len(seq)
				break
			}
		}
		for _, seq := range postBudget {
			if st.seqAt(end, seq) {
				end += len(seq)
				break
			}
		}
		st.use(start, end)
		if per {
			p.addUnit(st, h, start)
		} else {
			m, err := h.money()
			if err != nil {
				st.badBudget = h.raw
			} else {
				st.totals = append(st.totals, m)
				st.totalRaw = append(st.totalRaw, h.raw)
			}
		}
		i = end - 1
	}
}

func (p *Planner) addUnit(st *reqState, h moneyHit, pos int) {
	m, err := h.money()
	if err != nil {
		st.badBudget = h.raw
		return
	}
	st.units = append(st.units, unitLimit{m: m, pos: pos})
}

func perUnitAt(st *reqState, i int) int {
	for _, seq := range perUnitMarkers {
		if st.seqAt(i, seq) {
			n := len(seq)
			if seq[0] == "per" && len(seq) == 1 {
				if st.free(i+1) && st.toks[i+1].kind == kWord {
					n = 2 // "per latte"
				}
			}
			return n
		}
	}
	return 0
}

var sortPhrases = []struct {
	seq  []string
	sort string
}{
	{[]string{"as", "cheap", "as", "possible"}, "cheapest"}, {[]string{"as", "soon", "as", "possible"}, "fastest"},
	{[]string{"as", "fast", "as", "possible"}, "fastest"},
	{[]string{"lowest", "price"}, "cheapest"}, {[]string{"lowest", "prices"}, "cheapest"},
	{[]string{"least", "expensive"}, "cheapest"}, {[]string{"best", "price"}, "cheapest"},
	{[]string{"best", "deal"}, "cheapest"}, {[]string{"lowest", "cost"}, "cheapest"}, {[]string{"cheapest"}, "cheapest"},
	{[]string{"cheaply"}, "cheapest"}, {[]string{"fastest"}, "fastest"}, {[]string{"quickest"}, "fastest"},
	{[]string{"asap"}, "fastest"}, {[]string{"right", "away"}, "fastest"}, {[]string{"right", "now"}, "fastest"},
	{[]string{"today"}, "fastest"}, {[]string{"by", "tomorrow"}, "fastest"}, {[]string{"tomorrow"}, "fastest"}, {[]string{"tonight"}, "fastest"}, {[]string{"urgent"}, "fastest"},
	{[]string{"urgently"}, "fastest"}, {[]string{"soonest"}, "fastest"}, {[]string{"earliest"}, "fastest"},
	{[]string{"fast", "delivery"}, "fastest"}, {[]string{"quick", "delivery"}, "fastest"},
	{[]string{"same", "day"}, "fastest"}, {[]string{"same-day"}, "fastest"}, {[]string{"express"}, "fastest"},
	{[]string{"best", "rated"}, "rating"}, {[]string{"best-rated"}, "rating"}, {[]string{"top", "rated"}, "rating"},
	{[]string{"top-rated"}, "rating"}, {[]string{"highest", "rated"}, "rating"}, {[]string{"highest-rated"}, "rating"},
	{[]string{"highly", "rated"}, "rating"}, {[]string{"best", "reviewed"}, "rating"},
	{[]string{"best", "reviews"}, "rating"}, {[]string{"well", "reviewed"}, "rating"},
	{[]string{"highest", "rating"}, "rating"}, {[]string{"best", "quality"}, "rating"},
	{[]string{"top", "quality"}, "rating"}, {[]string{"most", "popular"}, "rating"},
}

func markSort(st *reqState) {
	for i := 0; i < len(st.toks); i++ {
		for _, sp := range sortPhrases {
			if st.seqAt(i, sp.seq) {
				st.sorts = append(st.sorts, sp.sort)
				st.use(i, i+len(sp.seq))
				i += len(sp.seq) - 1
				break
			}
		}
	}
}

var deliverVerbs = map[string]bool{"deliver": true, "delivered": true, "delivery": true, "send": true, "sent": true,
	"ship": true, "shipped": true, "bring": true, "drop": true, "it": true, "them": true, "everything": true}

// markPlace finds "to the office", "delivered home", "at home".
func markPlace(st *reqState) {
	for i, t := range st.toks {
		if st.used[i] || t.kind != kWord && t.kind != kHan {
			continue
		}
		label := placeOf(t.t)
		if label == "" {
			continue
		}
		start, ok := -1, false
		for j := i - 1; j >= 0 && j >= i-4; j-- {
			w := st.toks[j].t
			if st.used[j] {
				break
			}
			if w == "to" || w == "at" || deliverVerbs[w] || w == "送到" {
				ok, start = true, j
				continue
			}
			if w == "the" || w == "my" || w == "our" {
				continue
			}
			break
		}
		if !ok {
			continue
		}
		for start > 0 && !st.used[start-1] && deliverVerbs[st.toks[start-1].t] {
			start--
		}
		st.place = label
		st.use(start, i+1)
	}
}

var negWords = map[string]bool{"nothing": true, "not": true, "no": true, "never": true, "except": true, "excluding": true,
	"exclude": true, "avoid": true, "without": true, "nor": true, "neither": true, "besides": true,
	"non": true, "don't": true, "dont": true, "isn't": true, "skip": true, "minus": true, "hold": true, "不要": true}
var allowWords = map[string]bool{"only": true, "just": true, "exclusively": true, "from": true, "at": true, "via": true}
var connectors = map[string]bool{"or": true, "and": true, ",": true, "nor": true, "either": true, "the": true,
	"&": true, "/": true}

// polarity looks left of a mention for negation or allow-list words and
// returns -1 (deny), +1 (explicit allow), 0 (none) and where the marker
// words start.
func polarity(st *reqState, i int) (int, int) {
	pol, start := 0, i
	for j := i - 1; j >= 0 && j >= i-5; j-- {
		if st.used[j] {
			break
		}
		w := st.toks[j].t
		switch {
		case w == "but" && j > 0 && (st.toks[j-1].t == "anywhere" || st.toks[j-1].t == "anything" || st.toks[j-1].t == "anyone" || st.toks[j-1].t == "all"):
			return -1, j - 1
		case w == "than" && j > 0 && (st.toks[j-1].t == "other" || st.toks[j-1].t == "rather"):
			return -1, j - 1
		case w == "of" && j > 0 && st.toks[j-1].t == "instead":
			return -1, j - 1
		case negWords[w]:
			return -1, j
		case allowWords[w]:
			pol, start = 1, j
		case w == "the" || w == "shop" || w == "store" || w == "buy" || w == "order" || w == "it" || w == "them" || w == "get":
			if pol == 0 {
				start = j + 1
			}
		default:
			return pol, start
		}
	}
	return pol, start
}

// markMerchants finds merchant mentions and their allow/deny polarity.
func markMerchants(st *reqState, x *vindex) {
	prevEnd, prevPol := -10, 0
	for i := 0; i < len(st.toks); i++ {
		if st.used[i] {
			continue
		}
		id, n := matchAt(st.toks, i, 4, x.merchants, func(j int) bool { return !st.used[j] })
		if n == 0 {
			continue
		}
		s := squash(st.toks[i : i+n])
		pol, start := polarity(st, i)
		if pol == 0 && prevEnd >= 0 && onlyConnectors(st, prevEnd, i) {
			pol = prevPol
			start = prevEnd
		}
		if _, isBrand := x.brands[s]; isBrand && pol == 0 {
			continue // "a Brew House latte": the brand
		}
		end := i + n
		if st.free(end) && st.toks[end].t == "only" {
			pol = 1
			end++
		}
		if pol < 0 {
			st.deny = appendUnique(st.deny, id)
		} else {
			st.allow = appendUnique(st.allow, id)
			if pol == 0 {
				pol = 1
			}
		}
		st.use(start, end)
		prevEnd, prevPol = end, pol
		i = end - 1
	}
}

func onlyConnectors(st *reqState, from, to int) bool {
	if from > to {
		return false
	}
	for j := from; j < to; j++ {
		if st.used[j] {
			continue
		}
		if !connectors[st.toks[j].t] && st.toks[j].t != "from" && st.toks[j].t != "at" {
			return false
		}
	}
	return true
}

func appendUnique(s []string, v string) []string {
	for _, e := range s {
		if e == v {
			return s
		}
	}
	return append(s, v)
}

// parseAddress reads "18 Keyuan Rd, Nanshan, Shenzhen 518057, China,
// phone +86 138 0013 8000": comma-separated parts, a postal code (its own
// part or trailing the city), a country (a name or ISO code, after the
// street), a phone number (labelled "phone"/"tel"/"mobile", or a part made of
// at least seven digits and phone punctuation) and an e-mail address.
// Storefront checkouts require the country and the phone.
func parseAddress(s string) *skills.Address {
	s = strings.TrimSpace(strings.Trim(s, " .;"))
	if s == "" {
		return nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' })
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	a := &skills.Address{}
	var rest []string
	for _, p := range parts {
		if p == "" {
			continue
		}
		// a phone or an e-mail may trail another part: "Shenzhen tel 138…"
		if m := labelledPhone.FindStringSubmatchIndex(p); m != nil && a.Phone == "" && phoneLike(p[m[2]:m[3]]) {
			a.Phone = strings.TrimSpace(p[m[2]:m[3]])
			if p = strings.TrimSpace(p[:m[0]]); p == "" {
				continue
			}
		}
		if m := emailRe.FindStringIndex(p); m != nil && a.Email == "" {
			a.Email = p[m[0]:m[1]]
			if p = strings.TrimSpace(strings.TrimSpace(p[:m[0]]) + " " + strings.TrimSpace(p[m[1]:])); p == "" {
				continue
			}
		}
		if len(rest) > 0 && a.Phone == "" && phoneLike(p) {
			a.Phone = p
			continue
		}
		if len(rest) > 0 && a.Country == "" {
			if c, ok := countryCode(p); ok {
				a.Country = c
				continue
			}
		}
		if c, ok := countryCode(p); ok && c == a.Country {
			continue // "Hong Kong, HK": said twice
		}
		if postal.MatchString(p) && a.PostalCode == "" && len(rest) > 0 {
			a.PostalCode = p
			continue
		}
		if m := trailingPostal.FindStringSubmatch(p); m != nil && len(rest) > 0 && a.PostalCode == "" {
			a.PostalCode = m[2]
			p = strings.TrimSpace(m[1])
		}
		rest = append(rest, p)
	}
	if len(rest) == 0 {
		return nil
	}
	// "…, San Francisco, CA": a region code after the city, not the city.
	if n := len(rest); n >= 3 && region.MatchString(rest[n-1]) {
		a.Region = rest[n-1]
		rest = rest[:n-1]
	}
	a.Line1 = rest[0]
	if len(rest) >= 2 {
		a.City = rest[len(rest)-1]
	}
	if len(rest) >= 3 {
		a.Line2 = strings.Join(rest[1:len(rest)-1], ", ")
	}
	return a
}

// labelledPhone finds "phone: +86 138 0013 8000", "tel 0755-8888 8888".
var labelledPhone = regexp.MustCompile(`(?i)\b(?:phone(?:\s+number)?|tel|telephone|mobile|cell)\b\.?\s*(?:no\.?|number)?\s*(?::|is)?\s*(\+?\(?\d[\d\s().-]*\d)`)

var emailRe = regexp.MustCompile(`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`)

// phoneLike: at least seven digits, only digits and phone punctuation.
func phoneLike(s string) bool {
	s = strings.TrimSpace(s)
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// countries maps country names and codes, as people write them in an
// address, to ISO 3166-1 alpha-2 codes.
var countries = map[string]string{
	"china": "CN", "cn": "CN", "prc": "CN", "people's republic of china": "CN", "中国": "CN", "mainland china": "CN",
	"hong kong": "HK", "hk": "HK", "macau": "MO", "macao": "MO", "taiwan": "TW", "tw": "TW",
	"singapore": "SG", "sg": "SG", "japan": "JP", "jp": "JP", "korea": "KR", "south korea": "KR", "kr": "KR",
	"united states": "US", "united states of america": "US", "usa": "US", "us": "US", "u.s.": "US", "u.s.a.": "US",
	"united kingdom": "GB", "uk": "GB", "gb": "GB", "great britain": "GB", "england": "GB",
	"germany": "DE", "france": "FR", "fr": "FR", "canada": "CA", "australia": "AU", "au": "AU",
	"india": "IN", "malaysia": "MY", "thailand": "TH",
	// two-letter codes that are also US states or words (CA, DE, IN, …)
	// are left out: "San Francisco, CA" is not in Canada
}

// countryCode reads a part that is only a country ("China", "CN").
func countryCode(p string) (string, bool) {
	c, ok := countries[strings.ToLower(strings.TrimSpace(p))]
	return c, ok
}

// postal is a postcode on its own: digits (518057, 94105, 1010) or the
// letter-digit forms of the UK ("NW1 6XE", "SW1A 1AA") and Canada
// ("K1A 0B1").
var postal = regexp.MustCompile(`^(?:\d{4,6}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d)$`)

// region is a state or province code standing alone ("CA", "NSW").
var region = regexp.MustCompile(`^[A-Z]{2,3}$`)
var trailingPostal = regexp.MustCompile(`^(.*\D)\s(\d{5,6})$`)

// sortStrings returns s sorted (for deterministic output).
func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// dollarPrefix: "HK$", "A$", "NZ$" … as the tokenizer splits them.
var dollarPrefix = map[string]string{"hk": "HKD", "s": "SGD", "us": "USD", "a": "AUD", "au": "AUD", "c": "CAD",
	"ca": "CAD", "nz": "NZD", "nt": "TWD", "mx": "MXN", "r": "BRL"}
