package memory

import (
	"regexp"
	"strings"
	"unicode"
)

// InferKind classifies a plain-text entry that came without a kind. The
// rules are deterministic and checked in this order; the first that matches
// decides:
//
//  1. constraint — a hard rule. Allergy and intolerance words (allergic,
//     allergy, intolerant, intolerance, anaphylaxis, celiac, coeliac); a
//     prohibition: "never", "must not", "mustn't", "avoid", "can't"/"cannot"/
//     "can not" + eat|drink|have|use|wear|tolerate, "do not"/"don't"/"dont" +
//     buy|order|get|send|eat|drink|use|add|include|give; a diet identity
//     ("vegan", "vegetarian", "halal", "kosher") after am/i'm/we're/is/are/
//     strictly/eat/only; a sentence, or a clause after a colon, that starts
//     with "no" ("No peanuts.", "Diabetic: no sugary drinks").
//     A rule misread as soft is the costly mistake, so this comes first.
//  2. history — a past purchase: bought, ordered, purchased, paid, returned,
//     reordered, "last order|time|purchase", "previous order|purchase".
//  3. preference — prefer…, favourite…/favorite…, dislike…, like(s),
//     love(s), usually, rather, enjoy(s), go-to, ideally, hate(s), "fan of",
//     "if possible", "when possible", "tend to". A stated liking wins over
//     the profile words it mentions ("I prefer deliveries to the office").
//  4. profile (strong) — "my address|phone|mobile|email|size|name|number|
//     postcode|zip|shoe|office|home|birthday", "address is", "i wear",
//     "i live", "wear size", "lives at|in", "ship to", "deliver to",
//     "deliveries to", "years old", postcode/zipcode/"zip code"/"postal
//     code", an e-mail address, a phone number (7+ digits in a run that
//     allows spaces, dashes and parentheses; ISO dates excluded).
//  5. profile (weak) — address, delivery, office, home, apartment, street,
//     road, floor, building, phone, email, size.
//  6. otherwise preference: a fact with no marker is soft, never hard.
func InferKind(text string) Kind {
	words := kindWords(text)
	has := func(w ...string) bool {
		for _, x := range w {
			for _, y := range words {
				if x == y {
					return true
				}
			}
		}
		return false
	}
	seq := func(a string, b ...string) bool { // a followed by one of b
		for i := 0; i+1 < len(words); i++ {
			if words[i] == a {
				for _, x := range b {
					if words[i+1] == x {
						return true
					}
				}
			}
		}
		return false
	}
	prefix := func(p ...string) bool {
		for _, w := range words {
			for _, x := range p {
				if strings.HasPrefix(w, x) {
					return true
				}
			}
		}
		return false
	}

	// 1. constraint
	if prefix("allerg", "intoleran", "anaphyla", "celiac", "coeliac") ||
		has("never", "avoid", "mustn't") || seq("must", "not") {
		return Constraint
	}
	consume := []string{"eat", "drink", "have", "use", "wear", "tolerate"}
	if seq("can't", consume...) || seq("cannot", consume...) || seq("cant", consume...) ||
		containsSeq(words, "can", "not") && seq("not", consume...) {
		return Constraint
	}
	acts := []string{"buy", "order", "get", "send", "eat", "drink", "use", "add", "include", "give"}
	if seq("don't", acts...) || seq("dont", acts...) || containsSeq(words, "do", "not") && seq("not", acts...) {
		return Constraint
	}
	diets := []string{"vegan", "vegetarian", "halal", "kosher"}
	for _, lead := range []string{"am", "i'm", "im", "we're", "is", "are", "strictly", "eat", "only"} {
		if seq(lead, diets...) {
			return Constraint
		}
	}
	if startsWithNo(text) {
		return Constraint
	}

	// 2. history
	if has("bought", "ordered", "purchased", "paid", "returned", "reordered") ||
		seq("last", "order", "time", "purchase") || seq("previous", "order", "purchase") {
		return History
	}

	// 3. preference
	if prefix("prefer", "favourite", "favorite", "dislike") ||
		has("like", "likes", "love", "loves", "usually", "rather", "enjoy", "enjoys", "go-to", "ideally", "hate", "hates") ||
		seq("fan", "of") || seq("if", "possible") || seq("when", "possible") || seq("tend", "to") {
		return Preference
	}

	// 4. strong profile
	if seq("my", "address", "phone", "mobile", "email", "size", "name", "number", "postcode", "zip", "shoe", "office", "home", "birthday") ||
		seq("address", "is") || seq("i", "wear", "live") || seq("wear", "size") || seq("lives", "at", "in") ||
		seq("ship", "to") || seq("deliver", "to") || seq("deliveries", "to") ||
		has("postcode", "zipcode") || seq("zip", "code") || seq("postal", "code") || hasPhoneNumber(text) ||
		seq("years", "old") || emailAddr.MatchString(text) {
		return Profile
	}

	// 5. weak profile
	if has("address", "delivery", "office", "home", "apartment", "street", "road", "floor", "building", "phone", "email", "size") {
		return Profile
	}
	return Preference
}

// kindWords lowercases and splits text into words; apostrophes stay inside
// words (don't), curly ones are straightened.
func kindWords(text string) []string {
	text = strings.ReplaceAll(strings.ToLower(text), "’", "'")
	return strings.FieldsFunc(text, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-')
	})
}

func containsSeq(words []string, a, b string) bool {
	for i := 0; i+1 < len(words); i++ {
		if words[i] == a && words[i+1] == b {
			return true
		}
	}
	return false
}

// startsWithNo reports a sentence that opens with the word "no".
func startsWithNo(text string) bool {
	for _, s := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return r == '.' || r == ';' || r == ':' || r == '!' || r == '\n' }) {
		w := kindWords(s)
		if len(w) > 1 && w[0] == "no" {
			return true
		}
	}
	return false
}

// hasPhoneNumber reports a run of 7 or more digits, spaces, dashes or
// parentheses between them allowed, that is not an ISO date.
func hasPhoneNumber(text string) bool {
	for _, m := range phoneRun.FindAllString(text, -1) {
		if isoDate.MatchString(strings.TrimSpace(m)) {
			continue
		}
		n := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				n++
			}
		}
		if n >= 7 {
			return true
		}
	}
	return false
}

var (
	phoneRun  = regexp.MustCompile(`\+?\(?\d[\d \-()]{5,}\d`)
	isoDate   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	emailAddr = regexp.MustCompile(`[^\s@]+@[^\s@]+\.[a-zA-Z]{2,}`)
)
