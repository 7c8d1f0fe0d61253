package offline

import (
	"regexp"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// fact is one thing a memory entry says, in planner terms.
type fact struct {
	id, kind string
	text     string

	diet          string   // dairy | nuts | gluten | sugar: hard exclusions
	avoidBrand    string   // never buy this brand
	avoidMerchant string   // never buy here
	avoidTerms    []string // never buy things with these words
	dislikeTerms  []string // soft: rank lower
	prefer        *kv      // soft preference (hard when the item requires the key)
	preferCats    []string // categories the preference is about ("" = any where the key fits)
	preferBrand   string
	preferMerch   string
	onlyBrand     string   // hard: only this brand …
	onlyMerchant  string   // hard: only from this merchant
	onlyHeads     []string // … for these products (squashed nouns; none: any)
	address       *skills.Address
	place         string // office | home | … ("" = the default address)
	name          string
	phone         string // "my phone number is …"
	usual         string // "my usual is …"
	liked         string // history: something the user liked (+) or disliked (−)
	likedScore    int
}

var (
	allergyMarkers = []string{"allergic", "allergy", "allergies", "intolerant", "intolerance", "can't have",
		"cannot have", "can't eat", "cannot eat", "can't drink", "cannot drink", "don't eat", "do not eat",
		"don't drink", "do not drink", "avoid", "no ", "free", "sensitive", "sensitivity", "must not", "mustn't",
		"never", "don't take", "do not take", "without", "cut out", "disease"}
	onlyMarkers = []string{"only buy", "only use", "only get", "only want", "only order", "only ever buy",
		"only shop", "only from", "nothing but", "exclusively", "always buy", "stick to", "only drink"}
	avoidMarkers = []string{"never buy", "never order", "never get", "don't buy", "do not buy", "don't order",
		"do not order", "never use", "don't use", "do not use", "stop buying", "no more", "boycott", "avoid",
		"never shop", "don't shop", "do not shop", "never from", "not from", "hate", "banned", "blacklist"}
	dislikeMarkers = []string{"don't like", "do not like", "dislike", "didn't like", "did not like", "not a fan",
		"too sweet", "too bitter", "not keen", "wasn't good", "was bad", "was awful", "was terrible", "never again",
		"returned", "disappointing", "disappointed"}
	likeMarkers = []string{"liked", "loved", "enjoyed", "favourite", "favorite", "was great", "was good",
		"was perfect", "was excellent", "really good", "great", "love", "like", "the best"}
	preferMarkers = []string{"prefer", "like", "love", "usually", "always", "favourite", "favorite", "wear",
		"size", "i take", "i drink", "go-to", "go to", "i have", "i own", "i use", "my phone", "my carrier",
		"my mobile", "my number", "my device", "i'm a", "i am a", "fits"}
	addressMarkers = []string{"deliver", "ship", "address", "live", "lives", "office", "home", "work", "located",
		"send", "apartment", "flat", "dorm", "school"}
)

var usualRe = regexp.MustCompile(`(?i)\busual\b(?:\s+order)?\s*(?:is|=|:|-)?\s*(.+)$`)
var nameRe = regexp.MustCompile(`(?i)\bmy name is\s+([\p{L} .'-]+)`)
var phoneRe = regexp.MustCompile(`(?i)\bmy (?:phone|mobile|cell|telephone)(?: number)? is\s+(\+?\d[\d\s().-]*\d)`)
var addrRe = regexp.MustCompile(`(?i)(?::|\bis at\b|\bat\b|\bto\b|\bis\b)\s*([^:]*\d[^:]*)$`)

// parseMemory reads memory entries into facts, in entry order.
func parseMemory(items []planner.MemoryItem, x *vindex) []fact {
	var out []fact
	for i, m := range items {
		id := m.ID
		if id == "" {
			id = "memory[" + itoa(i) + "]"
		}
		out = append(out, parseFact(id, strings.ToLower(strings.TrimSpace(m.Kind)), m.Text, x)...)
	}
	return out
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}

func containsAny(s string, subs []string) string {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return x
		}
	}
	return ""
}

func parseFact(id, kind, text string, x *vindex) []fact {
	low := " " + strings.ToLower(strings.ReplaceAll(text, "’", "'")) + " "
	base := fact{id: id, kind: kind, text: text}
	var out []fact
	toks := tokenize(text)

	// history and "the usual"
	if m := usualRe.FindStringSubmatch(strings.TrimSpace(text)); m != nil && strings.TrimSpace(m[1]) != "" {
		f := base
		f.usual = strings.TrimSpace(m[1])
		out = append(out, f)
		return out
	}
	if kind == "history" || containsAny(low, []string{"last time", "bought", "ordered", "previously"}) != "" {
		f := base
		f.liked = text
		switch {
		case containsAny(low, dislikeMarkers) != "":
			f.likedScore = -15
		case containsAny(low, likeMarkers) != "":
			f.likedScore = 15
		default:
			f.likedScore = 5
		}
		out = append(out, f)
		if kind == "history" {
			return out
		}
	}

	// diet
	diet := ""
	switch {
	case strings.Contains(low, "vegan") || strings.Contains(low, "lactose") || strings.Contains(low, "dairy-free") || strings.Contains(low, "dairy free"):
		diet = dietDairy
	case strings.Contains(low, "coeliac") || strings.Contains(low, "celiac"):
		diet = dietGluten
	case strings.Contains(low, "diabetic"):
		diet = dietSugar
	case containsAny(low, allergyMarkers) != "":
		for _, t := range toks {
			if d, ok := dietWords[t.t]; ok {
				diet = d
				break
			}
			if strings.HasSuffix(t.t, "-free") {
				if d, ok := dietWords[strings.TrimSuffix(t.t, "-free")]; ok {
					diet = d
					break
				}
			}
		}
	}
	if diet != "" {
		f := base
		f.diet = diet
		out = append(out, f)
		return out
	}

	// "I only buy Anker chargers", "I only shop at FreshMart" (hard)
	if containsAny(low, onlyMarkers) != "" && containsAny(low, dislikeMarkers) == "" {
		var heads, cats []string
		for i := 0; i < len(toks); i++ {
			if e, n := matchAt(toks, i, 4, x.nouns, nil); n > 0 {
				sq := squash(toks[i : i+n])
				if _, ok := x.nouns[sq]; !ok {
					sq = squash(toks[i:i+n-1]) + squashString(singular(toks[i+n-1].t))
				}
				heads = appendUnique(heads, sq)
				cats = appendUnique(cats, e.cat)
				i += n - 1
			}
		}
		for i := range toks {
			if id, n := matchAt(toks, i, 4, x.merchants, nil); n > 0 {
				f := base
				f.onlyMerchant = id
				out = append(out, f)
				return out
			}
			if b, n := matchAt(toks, i, 4, x.brands, nil); n > 0 {
				f := base
				f.onlyBrand, f.onlyHeads, f.preferCats = b, heads, cats
				out = append(out, f)
				return out
			}
		}
	}

	// avoid (hard) and dislike (soft)
	if mk := containsAny(low, avoidMarkers); mk != "" && containsAny(low, dislikeMarkers) == "" {
		after := low[strings.Index(low, mk)+len(mk):]
		found := false
		for i := range toks {
			if id, n := matchAt(toks, i, 4, x.merchants, nil); n > 0 {
				f := base
				f.avoidMerchant = id
				out = append(out, f)
				found = true
				break
			}
		}
		if !found {
			for i := range toks {
				if b, n := matchAt(toks, i, 4, x.brands, nil); n > 0 {
					f := base
					f.avoidBrand = b
					out = append(out, f)
					found = true
					break
				}
			}
		}
		if !found {
			if terms := contentWords(after); len(terms) > 0 {
				f := base
				f.avoidTerms = terms
				out = append(out, f)
			}
		}
		return out
	}
	if mk := containsAny(low, dislikeMarkers); mk != "" {
		after := low[strings.Index(low, mk)+len(mk):]
		if terms := contentWords(after); len(terms) > 0 {
			f := base
			f.dislikeTerms = terms
			out = append(out, f)
		}
		return out
	}

	// profile: name and addresses
	if m := nameRe.FindStringSubmatch(text); m != nil {
		f := base
		f.name = strings.TrimSpace(strings.TrimRight(m[1], ". "))
		out = append(out, f)
	}
	if m := phoneRe.FindStringSubmatch(text); m != nil && phoneLike(m[1]) {
		f := base
		f.phone = strings.TrimSpace(m[1])
		out = append(out, f)
	}
	if strings.ContainsAny(text, "0123456789") && (containsAny(low, addressMarkers) != "" || streetWord.MatchString(text)) {
		place := ""
		for _, t := range toks {
			if pl := placeOf(t.t); pl != "" {
				place = pl
				break
			}
		}
		body := ""
		if m := explicitAddress.FindStringSubmatch(text); m != nil {
			body = m[1]
		} else if m := addrRe.FindStringSubmatch(text); m != nil {
			body = m[1]
		}
		if body != "" && streetWord.MatchString(body) {
			if a := parseAddress(body); a != nil {
				f := base
				f.address, f.place = a, place
				out = append(out, f)
				return out
			}
		}
	}

	// preferences: attribute values, brands, merchants
	if containsAny(low, preferMarkers) != "" || kind == "preference" || kind == "profile" {
		// the categories the entry is about: its product words, not counting
		// words that are part of a value ("oat milk" is not about groceries)
		inValue := make([]bool, len(toks))
		for i := 0; i < len(toks); i++ {
			if _, n := matchAt(toks, i, x.maxN, x.surf, nil); n > 1 {
				for j := i; j < i+n; j++ {
					inValue[j] = true
				}
				i += n - 1
			}
		}
		cats := []string{}
		for i := 0; i < len(toks); i++ {
			if inValue[i] {
				continue
			}
			if e, n := matchAt(toks, i, 4, x.nouns, func(j int) bool { return !inValue[j] }); n > 0 {
				cats = appendUnique(cats, e.cat)
				i += n - 1
			}
		}
		for i := 0; i < len(toks); i++ {
			if c, n := matchAt(toks, i, x.maxN, x.surf, nil); n > 0 {
				for _, cand := range c {
					cc := cand
					f := base
					f.prefer = &cc
					f.preferCats = cats
					out = append(out, f)
				}
				i += n - 1
				continue
			}
			if c, ok := x.ctxOnly[toks[i].t]; ok {
				prev := i > 0 && (toks[i-1].t == "size" || toks[i-1].t == "a" || toks[i-1].t == "wear" || toks[i-1].t == "in")
				if prev || toks[i].raw != strings.ToLower(toks[i].raw) && toks[i].raw != "I" && toks[i].raw != "A" {
					for _, cand := range c {
						cc := cand
						f := base
						f.prefer = &cc
						f.preferCats = cats
						out = append(out, f)
					}
				}
			}
		}
		for i := 0; i < len(toks); i++ {
			if b, n := matchAt(toks, i, 4, x.brands, nil); n > 0 {
				if _, isValue := x.surf[squash(toks[i:i+n])]; isValue {
					i += n - 1
					continue // "China Mobile" the carrier, read above
				}
				f := base
				f.preferBrand = b
				f.preferCats = cats
				out = append(out, f)
				i += n - 1
				continue
			}
			if id, n := matchAt(toks, i, 4, x.merchants, nil); n > 0 {
				f := base
				f.preferMerch = id
				out = append(out, f)
				i += n - 1
			}
		}
	}
	return out
}

// contentWords are the non-stopwords of s, with singular forms added.
func contentWords(s string) []string {
	var out []string
	for _, t := range tokenize(s) {
		if t.kind != kWord || stopwords[t.t] || len(t.t) < 3 {
			continue
		}
		out = appendUnique(out, t.t)
		if sg := singular(t.t); sg != t.t {
			out = appendUnique(out, sg)
		} else {
			out = appendUnique(out, t.t+"s")
		}
	}
	return out
}

// prefersCategory reports whether a preference fact is about cat with key:
// its categories when it names some, else where the key fits, sizes by style.
func (f fact) prefersCategory(cat string, x *vindex) bool {
	if len(f.preferCats) > 0 {
		for _, c := range f.preferCats {
			if strings.EqualFold(c, cat) {
				return true
			}
		}
		return false
	}
	if f.prefer == nil {
		return true
	}
	if !x.keyFits(cat, f.prefer.key) {
		return false
	}
	if strings.EqualFold(f.prefer.key, "size") {
		v := strings.ToLower(f.prefer.val)
		_, isWord := wordToLetter[v]
		_, isLetter := letterToWord[v]
		letters := x.letterSizes(cat)
		if isLetter || v == "xs" || v == "xl" || v == "xxl" {
			return letters
		}
		if isWord {
			return !letters
		}
	}
	return true
}
