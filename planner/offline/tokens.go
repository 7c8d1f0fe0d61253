package offline

import (
	"strconv"
	"strings"
	"unicode"
)

// Token kinds.
const (
	kWord  = 'w' // letters, digits, hyphens, apostrophes ("t-shirt", "20000mah", "3x")
	kNum   = 'n' // a plain number ("40", "12.50"); thousands separators removed
	kSym   = 'c' // a currency symbol
	kPunct = 'p' // a separator: , ; . ! ? : ( ) / newline
	kHan   = 'h' // one CJK character
)

type token struct {
	t    string // lower case, normalised
	raw  string // as written
	kind byte
}

// tokenize splits text into tokens. It never fails: unknown runes are
// dropped.
func tokenize(s string) []token {
	var out []token
	rs := []rune(s)
	n := len(rs)
	for i := 0; i < n; {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			if r == '\n' {
				out = append(out, token{t: ".", raw: "\n", kind: kPunct})
			}
			i++
		case unicode.Is(unicode.Sc, r): // every currency symbol ($ € £ ¥ ₩ ₱ ₹ ฿ ₫ …)
			out = append(out, token{t: string(r), raw: string(r), kind: kSym})
			i++
		case isHan(r):
			out = append(out, token{t: string(r), raw: string(r), kind: kHan})
			i++
		case r == '<' || r == '≤' || r == '+' || r == '&' || r == '×' || r == '%':
			t := string(r)
			if r == '<' && i+1 < n && rs[i+1] == '=' {
				t = "<="
				i++
			}
			if r == '×' {
				t = "x"
			}
			out = append(out, token{t: t, raw: t, kind: kWord})
			i++
		case isWordRune(r):
			j := i
			for j < n {
				c := rs[j]
				if isWordRune(c) || c == '-' || c == '\'' || c == '’' {
					j++
					continue
				}
				// a decimal point or thousands comma between digits stays in the number
				if (c == '.' || c == ',') && j > i && j+1 < n && unicode.IsDigit(rs[j-1]) && unicode.IsDigit(rs[j+1]) {
					if c == ',' && !(digitsAt(rs, j+1, 3) && (j+4 >= n || !unicode.IsDigit(rs[j+4]))) {
						break
					}
					j++
					continue
				}
				break
			}
			raw := strings.Trim(string(rs[i:j]), "-'’")
			i = j
			if raw == "" {
				continue
			}
			out = append(out, wordTokens(raw)...)
		default:
			switch r {
			case ',', ';', '.', '!', '?', ':', '(', ')', '/', '，', '。', '；', '、', '！', '？', '：':
				t := string(r)
				switch r {
				case '，', '、':
					t = ","
				case '。', '！', '？':
					t = "."
				case '；':
					t = ";"
				case '：':
					t = ":"
				}
				out = append(out, token{t: t, raw: string(r), kind: kPunct})
			}
			i++
		}
	}
	return out
}

func digitsAt(rs []rune, at, k int) bool {
	if at+k > len(rs) {
		return false
	}
	for _, r := range rs[at : at+k] {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// wordTokens normalises one word: numbers lose thousands separators, "20k"
// becomes 20000, "40yuan" splits into number and currency.
func wordTokens(raw string) []token {
	low := strings.ToLower(strings.ReplaceAll(raw, "’", "'"))
	if isNumber(low) {
		return []token{{t: strings.ReplaceAll(low, ",", ""), raw: raw, kind: kNum}}
	}
	// 20k → 20000
	if strings.HasSuffix(low, "k") && isNumber(low[:len(low)-1]) && !strings.Contains(low, ".") {
		if v, err := strconv.Atoi(strings.ReplaceAll(low[:len(low)-1], ",", "")); err == nil && v < 1000000 {
			return []token{{t: strconv.Itoa(v * 1000), raw: raw, kind: kNum}}
		}
	}
	// 40yuan, 50usd, 30rmb
	d := 0
	for d < len(low) && (low[d] >= '0' && low[d] <= '9' || low[d] == '.' || low[d] == ',') {
		d++
	}
	if d > 0 && d < len(low) && isNumber(low[:d]) {
		if _, ok := currencyWords[low[d:]]; ok {
			return []token{{t: strings.ReplaceAll(low[:d], ",", ""), raw: raw[:d], kind: kNum}, {t: low[d:], raw: raw[d:], kind: kWord}}
		}
	}
	if full, ok := abbreviations[low]; ok {
		return []token{{t: full, raw: raw, kind: kWord}}
	}
	return []token{{t: strings.ReplaceAll(low, ",", ""), raw: raw, kind: kWord}}
}

// abbreviations are shorthands hurried people type for words the planner
// reads ("work gloves sz M").
var abbreviations = map[string]string{"sz": "size", "sze": "size"}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		case c == ',' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) && !isHan(r) || unicode.IsDigit(r)
}

func isHan(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// squash is the matching form of a phrase: lower case without spaces,
// hyphens, apostrophes or underscores ("USB-C cable" → "usbccable").
func squash(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(squashString(t.t))
	}
	return b.String()
}

func squashString(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '-', '\'', '’', '_', '\t':
			continue
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'á', 'à', 'â', 'ä':
			r = 'a'
		case 'ö', 'ó', 'ô':
			r = 'o'
		case 'ü', 'ú':
			r = 'u'
		case 'ï', 'í':
			r = 'i'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// singular strips a plural ending for lookups ("lattes" → "latte",
// "batteries" → "battery", "boxes" → "box").
func singular(w string) string {
	switch {
	case ieNouns[w]:
		return w[:len(w)-1]
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 4 && (strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "sses")):
		return w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

// tokenNumber reads a count at toks[i]: digits or number words ("twenty
// five", "twenty-five"). It returns the value and how many tokens it used.
func tokenNumber(toks []token, i int) (int, int) {
	if i >= len(toks) {
		return 0, 0
	}
	t := toks[i]
	if t.kind == kNum {
		if strings.Contains(t.t, ".") {
			return 0, 0
		}
		v, err := strconv.Atoi(t.t)
		if err != nil || v > 1000000 {
			return 0, 0
		}
		return v, 1
	}
	if t.kind != kWord && t.kind != kHan {
		return 0, 0
	}
	// "twenty-five"
	if a, b, ok := strings.Cut(t.t, "-"); ok {
		ta, tb := numberWords[a], numberWords[b]
		if ta >= 20 && ta%10 == 0 && tb > 0 && tb < 10 {
			return ta + tb, 1
		}
		return 0, 0
	}
	v, ok := numberWords[t.t]
	if !ok {
		return 0, 0
	}
	used := 1
	if v == 100 || v == 1000 {
		return v, used
	}
	if v >= 20 && v%10 == 0 && i+1 < len(toks) {
		if u, ok := numberWords[toks[i+1].t]; ok && u > 0 && u < 10 {
			v += u
			used++
		}
	}
	if i+used < len(toks) {
		switch toks[i+used].t {
		case "hundred":
			v *= 100
			used++
		case "thousand":
			v *= 1000
			used++
		}
	}
	return v, used
}

// ieNouns end in "ie" in the singular ("hoodies" → "hoodie", not "hoody").
var ieNouns = map[string]bool{"hoodies": true, "cookies": true, "brownies": true, "smoothies": true,
	"beanies": true, "pies": true, "ties": true, "selfies": true, "onesies": true, "goodies": true,
	"veggies": true, "booties": true, "calories": true, "movies": true, "zombies": true, "hippies": true}
