package lang

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cartwright-agent/cartwright/skills"
)

// Word is one word of a text: lower case as written (Text), its singular
// (Norm), and its byte offsets.
type Word struct {
	Text  string `json:"text"`
	Norm  string `json:"norm"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	// Joined: the word was joined to the previous one by a hyphen
	// ("fragrance-free", "t-shirt").
	Joined bool `json:"joined,omitempty"`
}

// Words splits text into words: runs of letters and digits (apostrophes
// inside a word are kept: "don't"). Hyphens split words but mark the
// second as Joined. Norm is the singular, lower case.
func Words(text string) []Word {
	var out []Word
	i := 0
	joined := false
	for i < len(text) {
		r, sz := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			joined = r == '-' && len(out) > 0 && out[len(out)-1].End == i
			i += sz
			continue
		}
		j := i
		for j < len(text) {
			r, sz := utf8.DecodeRuneInString(text[j:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				j += sz
				continue
			}
			if (r == '\'' || r == '’') && j+sz < len(text) {
				if r2, _ := utf8.DecodeRuneInString(text[j+sz:]); unicode.IsLetter(r2) {
					j += sz
					continue
				}
			}
			if r == '.' && j+1 < len(text) && isDigitByte(text[j+1]) && j > i && isDigitByte(text[j-1]) {
				j++ // "1.8l", "22.5w"
				continue
			}
			break
		}
		w := strings.ToLower(strings.ReplaceAll(text[i:j], "’", "'"))
		out = append(out, Word{Text: w, Norm: Singular(w), Start: i, End: j, Joined: joined && i > 0 && text[i-1] == '-'})
		joined = false
		i = j
	}
	return out
}

// irregular plurals.
var irregular = map[string]string{"men": "man", "women": "woman", "feet": "foot", "teeth": "tooth", "children": "child",
	"mice": "mouse", "geese": "goose", "people": "person", "knives": "knife", "leaves": "leaf", "loaves": "loaf",
	"halves": "half", "shelves": "shelf", "wolves": "wolf", "lives": "life", "wives": "wife", "dice": "die"}

// Singular returns the singular of a lower-case English word ("batteries"
// → "battery", "boxes" → "box", "lattes" → "latte"); other words are
// returned as they are.
func Singular(w string) string {
	if s, ok := irregular[w]; ok {
		return s
	}
	n := len(w)
	if n <= 3 || !isLetterByte(w[n-1]) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n > 4:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "ches"),
		strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zzes"):
		return w[:n-2]
	case strings.HasSuffix(w, "oes") && n > 4 && !strings.HasSuffix(w, "shoes"):
		return w[:n-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"), strings.HasSuffix(w, "ous"):
		return w
	case strings.HasSuffix(w, "s"):
		return w[:n-1]
	}
	return w
}

// Fold is a text lower-cased, with hyphens, slashes and runs of
// punctuation turned into single spaces, and each word singular: the form
// in which two phrases are compared ("T-Shirts" and "t shirt" fold alike).
func Fold(s string) string {
	ws := Words(s)
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Norm
	}
	return strings.Join(parts, " ")
}

// functionWords carry no requirement by themselves: articles, pronouns,
// prepositions, auxiliaries, politeness, request verbs and the like.
var functionWords = set(`a an the some any of for to from in on at by with into onto per via as than then and or nor but
so if too also just only really very quite please pls plz thanks thank thx hi hello hey ok okay yes yeah
i i'm im me my mine we us our you your it it's its they them their this that these those which who what whom
whose there here is are was were be been being am do does did done have has had having will would shall should
can could may might must need needs needed want wants wanted like love prefer get gets getting got buy buying
order ordering grab pick send bring find fetch deliver delivered delivering delivery ship shipping shipped make
let let's lets go going put add help looking look search something anything thing things stuff one ones kind
sort type item items product products whatever whichever either both each every all another other same such
ideally preferably maybe perhaps possibly possible probably sure definitely actually basically instead rather
again now today tomorrow asap soon quickly quick fast fastest cheap cheaper cheapest cheapy inexpensive affordable
best better good nice great decent top rated rating ratings review reviews popular recommended
price prices priced cost costs costing spend spending budget total totals max maximum min minimum least most
more less fewer under over above below between around about approx approximately roughly within up upto
including include includes incl excluding plus extra tops limit ceiling floor range
sorry oops`)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// IsFunctionWord reports whether a lower-case word is a function word,
// politeness, a request verb, or a word about price, speed or rating: on
// its own it never names something the product must have.
func IsFunctionWord(w string) bool { return functionWords[w] }

// negators turn the words after them into something excluded.
var negators = set(`not no without never none nothing neither nor don't dont doesn't doesnt won't wont isn't isnt
aren't arent can't cant cannot avoid except excluding minus hate hates dislike dislikes allergic skip`)

// IsNegation reports whether a lower-case word negates what follows it
// ("not", "no", "without", "don't", "except"). See NegatesPrevious for
// "fragrance-free".
func IsNegation(w string) bool { return negators[w] }

// NegatesPrevious reports whether word i of ws negates the word before it:
// "free" after a word ("fragrance-free", "sugar free"), unless a hyphen
// joins it to the word after ("free-range").
func NegatesPrevious(ws []Word, i int) bool {
	if i <= 0 || i >= len(ws) || ws[i].Text != "free" {
		return false
	}
	if i+1 < len(ws) && ws[i+1].Joined {
		return false
	}
	return true
}

// numberWords are counts written as words.
var numberWords = map[string]int{"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
	"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
	"fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
	"couple": 2, "pair": 2, "single": 1, "once": 1, "twice": 2, "half": 0}

// NumberWord returns the count a word names ("two" → 2, "dozen" → 12,
// "couple" → 2).
func NumberWord(w string) (int, bool) {
	n, ok := numberWords[w]
	return n, ok
}

// IsNumber reports whether w is written in digits (with an optional
// decimal point or fraction: "2", "1.5", "3/4").
func IsNumber(w string) bool {
	if w == "" {
		return false
	}
	_, e, ok := number(w, 0)
	return ok && e == len(w)
}

// IsModelToken reports whether a token mixes letters and digits the way a
// model, standard or grade does ("IP68", "10W-40", "RTX4090", "A15") and
// is not a measure ("750ml", "65W"): such tokens are compared exactly.
func IsModelToken(tok string) bool {
	t := strings.ToLower(strings.TrimSpace(tok))
	if t == "" || strings.ContainsAny(t, " \t") {
		return false
	}
	if _, ok := Parse(t); ok {
		return false
	}
	letters, digits := false, false
	for _, r := range t {
		switch {
		case unicode.IsLetter(r):
			letters = true
		case unicode.IsDigit(r):
			digits = true
		case r == '-' || r == '.' || r == '/' || r == '+':
		default:
			return false
		}
	}
	return letters && digits
}

// containers are words for how a thing comes packed or served ("a bag of",
// "a bottle of"): they say how it comes, not what it is.
var containers = set(`bag bags bottle bottles box boxes case cases carton cartons tub tubs loaf loaves tin tins can cans
jar jars packet packets pouch pouches sachet sachets cup cups glass glasses bunch bunches piece pieces slice slices
roll rolls bar bars tube tubes pack packs pk package packages crate crates tray trays container containers unit units
serving servings portion portions set sets`)

// IsContainer reports whether a lower-case word names a container or
// portion ("bag", "bottle", "box", "case", "pack").
func IsContainer(w string) bool { return containers[w] }

// currencyWords are currency names and symbols as people write them.
var currencyWords = set(`yuan rmb 元 块 kuai dollar dollars buck bucks usd us$ cent cents euro euros eur € pound pounds
quid gbp £ pence penny yen jpy ¥ peso pesos php ₱ rupee rupees inr ₹ won krw ₩ franc francs chf real reais brl
ringgit myr baht thb dong vnd rupiah idr lira lire try rand zar krona kronor krone kroner sek nok dkk zloty pln
dirham dirhams aed riyal riyals sar shekel shekels ils naira ngn hkd sgd aud cad nzd mxn twd ntd`)

// IsCurrencyWord reports whether a lower-case word is a currency's name,
// symbol or ISO 4217 code ("yuan", "€", "php", "usd").
func IsCurrencyWord(w string) bool {
	if currencyWords[w] {
		return true
	}
	if len(w) == 3 {
		if skills.Currency(strings.ToUpper(w)).Valid() && w != "all" && w != "top" && w != "try" && w != "cup" {
			return true
		}
	}
	return false
}
