package llm

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// Grounding: what the model answers must come from what the person said.
// Quantities must be numbers they stated (statedNumbers); money limits must
// be amounts they stated; every item must name something they asked for.
// A model that invents a budget, raises one, or adds an item of its own
// (say, obeying text that reached it from elsewhere) is sent back once with
// the reason, and then the request goes to the fallback planner.

// groundText is everything the person said that an intent may draw on: the
// request, their answer to a clarification question, and their memory
// entries (their own words, stored earlier).
func groundText(req planner.Request) string {
	var b strings.Builder
	b.WriteString(req.Text)
	b.WriteString("\n")
	b.WriteString(req.Answer)
	for _, m := range req.Memory {
		b.WriteString("\n")
		b.WriteString(m.Text)
	}
	return b.String()
}

// statedAmounts returns the amounts the text could mean as money, as
// decimal strings: numbers written in digits ("40", "39.50", "1,000", "40元",
// "¥40") that are not part of a measure or a name ("500g", "65W", "1.8L",
// "6-pack", "iPhone16"), and numbers written in words ("forty").
func statedAmounts(text string) []string {
	var out []string
	rs := []rune(text)
	// glued: a letter or hyphen touching a number makes it a measure or a
	// name; CJK characters ("40元") do not.
	glued := func(r rune) bool { return r == '-' || r < unicode.MaxASCII && unicode.IsLetter(r) }
	for i := 0; i < len(rs); {
		if !unicode.IsDigit(rs[i]) {
			i++
			continue
		}
		start := i
		var num strings.Builder
		dot := false
	scan:
		for i < len(rs) {
			switch r := rs[i]; {
			case unicode.IsDigit(r):
				num.WriteRune(r)
			case r == ',' && thousands(rs, i):
				// a thousands separator: 1,000
			case r == '.' && !dot && i+1 < len(rs) && unicode.IsDigit(rs[i+1]):
				num.WriteRune(r)
				dot = true
			default:
				break scan
			}
			i++
		}
		if start > 0 && glued(rs[start-1]) || i < len(rs) && glued(rs[i]) {
			continue
		}
		out = append(out, num.String())
	}
	noDigits := strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return ' '
		}
		return r
	}, text)
	for n := range statedNumbers(noDigits) {
		out = append(out, strconv.Itoa(n))
	}
	return out
}

// thousands reports whether the comma at rs[i] separates thousands: exactly
// three digits follow it.
func thousands(rs []rune, i int) bool {
	if i+3 >= len(rs) {
		return false
	}
	for _, r := range rs[i+1 : i+4] {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return i+4 == len(rs) || !unicode.IsDigit(rs[i+4])
}

// amountStated reports whether m is one of the amounts the text states.
func amountStated(m skills.Money, amounts []string) bool {
	for _, a := range amounts {
		if x, err := skills.ParseMoney(a, m.Currency); err == nil && x.Minor == m.Minor {
			return true
		}
	}
	return false
}

// stopWords never ground an item on their own.
var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "of": true, "and": true, "or": true, "for": true, "with": true, "to": true,
	"in": true, "on": true, "at": true, "my": true, "me": true, "i": true, "it": true, "is": true, "be": true,
	"some": true, "any": true, "please": true, "get": true, "buy": true, "want": true, "need": true, "order": true,
	"from": true, "by": true, "no": true, "not": true, "more": true, "than": true, "under": true, "up": true,
}

// wordsOf splits text into lower-case words; a hyphenated word also yields
// its parts ("top-up" → top-up, top, up).
func wordsOf(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	}) {
		w = strings.Trim(w, "-")
		if w == "" {
			continue
		}
		out = append(out, w)
		if strings.Contains(w, "-") {
			for _, p := range strings.Split(w, "-") {
				if p != "" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// stem forgives a plural: lattes → latte, boxes → box.
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && (strings.HasSuffix(w, "ses") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes")):
		return strings.TrimSuffix(w, "es")
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return w[:len(w)-1]
	}
	return w
}

// hasLatin reports whether s has a Latin letter: word matching needs the
// person and the model to write in the same script.
func hasLatin(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Latin, r) {
			return true
		}
	}
	return false
}

// squash lower-cases s and drops everything but letters and digits, so
// "top up", "top-up" and "topup" compare equal.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// itemGrounded reports whether an item names something the person said: a
// word of its query (not a stop word), its brand or its category occurs in
// what they said. When what they said has no Latin letters (a request in
// Chinese) and the model answered in catalog words, this cannot be judged
// by matching words, and the item passes.
func itemGrounded(it planner.ItemSpec, said string) bool {
	if !hasLatin(said) {
		return true
	}
	have := map[string]bool{}
	for _, w := range wordsOf(said) {
		have[stem(w)] = true
	}
	for _, w := range wordsOf(it.Query) {
		if !stopWords[w] && have[stem(w)] {
			return true
		}
	}
	flat := squash(said)
	for _, s := range []string{it.Brand, it.Category} {
		if q := squash(s); len(q) > 1 && strings.Contains(flat, q) {
			return true
		}
	}
	return false
}

// wordsGrounded reports whether every word of term (stop words aside)
// occurs in what the person said, plurals forgiven.
func wordsGrounded(term, said string) bool {
	if !hasLatin(said) {
		return true
	}
	have := map[string]bool{}
	for _, w := range wordsOf(said) {
		have[stem(w)] = true
	}
	for _, w := range wordsOf(term) {
		if !stopWords[w] && !strings.Contains(w, "-") && !have[stem(w)] {
			return false
		}
	}
	return true
}

// nameGrounded reports whether the person named one of names (a brand, a
// merchant id or its display name), spacing and punctuation aside.
func nameGrounded(said string, names ...string) bool {
	if !hasLatin(said) {
		return true
	}
	flat := squash(said)
	for _, n := range names {
		if q := squash(n); len(q) > 1 && strings.Contains(flat, q) {
			return true
		}
	}
	return false
}
