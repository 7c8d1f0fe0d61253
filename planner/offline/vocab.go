package offline

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/cartwright-agent/cartwright/planner"
)

// vindex is a request's vocabulary prepared for matching.
type vindex struct {
	v         planner.Vocabulary
	surf      map[string][]kv     // squashed surface → candidate attribute values
	ctxOnly   map[string][]kv     // one-letter values ("m"): only after "size" or written in capitals
	keyVals   map[string][]string // key → vocabulary values
	brands    map[string]string   // squashed → brand as the catalog spells it
	merchants map[string]string   // squashed name or id → merchant id
	cats      map[string]string   // lower → category as the catalog spells it
	catKeys   map[string][]string
	pairs     map[string]kv // squashed "key=value" → as the catalog spells it
	maxN      int           // longest surface, in tokens
	nouns     map[string]nounEntry
	cat       catalogIndex
	partial   map[string][]kv // one word of a multi-word value ("unicom"): read only when nothing else claims it
}

var unitValue = regexp.MustCompile(`^(\d+(?:\.\d+)?)-?([a-z]+)$`)

func newIndex(v planner.Vocabulary, catKeys map[string][]string, extraNouns map[string]nounEntry) *vindex {
	x := &vindex{v: v, surf: map[string][]kv{}, ctxOnly: map[string][]kv{}, keyVals: map[string][]string{},
		brands: map[string]string{}, merchants: map[string]string{}, cats: map[string]string{}, catKeys: catKeys, maxN: 4,
		partial: map[string][]kv{}}
	x.cat = buildCatalog(v.Catalog)
	if catKeys == nil {
		x.catKeys = x.cat.catKeys
	}
	x.nouns = x.cat.nouns
	if fb := flatNouns(v, x.cat); len(fb) > 0 {
		x.nouns = make(map[string]nounEntry, len(x.cat.nouns)+len(fb))
		for w, e := range x.cat.nouns {
			x.nouns[w] = e
		}
		for w, e := range fb {
			if _, dup := x.nouns[w]; !dup {
				x.nouns[w] = e
			}
		}
	}
	if len(extraNouns) > 0 {
		x.nouns = make(map[string]nounEntry, len(x.cat.nouns)+len(extraNouns))
		for w, e := range x.nouns {
			x.nouns[w] = e
		}
		for w, e := range extraNouns {
			x.nouns[w] = e
		}
	}
	keys := make([]string, 0, len(v.Attributes))
	for k := range v.Attributes {
		keys = append(keys, k)
	}
	// a bare value word ("medium") is first read under the key most of
	// the catalog's products carry
	carried := map[string]int{}
	for _, c := range v.Catalog {
		for k, n := range c.KeyCounts {
			carried[k] += n
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return carried[keys[i]] > carried[keys[j]] || carried[keys[i]] == carried[keys[j]] && keys[i] < keys[j]
	})
	var plurals []struct {
		s string
		c kv
	}
	x.pairs = map[string]kv{}
	for _, k := range keys {
		for _, val := range v.Attributes[k] {
			p := squashString(k) + "=" + squashString(val)
			if _, dup := x.pairs[p]; !dup {
				x.pairs[p] = kv{k, val}
			}
		}
	}
	for _, k := range keys {
		vals := append([]string(nil), v.Attributes[k]...)
		sort.Strings(vals)
		x.keyVals[strings.ToLower(k)] = vals
		boolKey := isBoolKey(vals)
		sk := squashString(k)
		for _, val := range vals {
			sv := squashString(val)
			if sv == "" {
				continue
			}
			c := kv{k, val}
			if boolKey {
				if yesValues[strings.ToLower(val)] && !allergenKeys[strings.ToLower(k)] {
					x.add(sk, c)
				}
				if noValues[strings.ToLower(val)] && !allergenKeys[strings.ToLower(k)] {
					x.add("non"+sk, c)
					x.add("not"+sk, c)
				}
				continue
			}
			if strings.ToLower(k) == "amount" || isAllDigits(sv) {
				continue // bare numbers are counts or money, read in context
			}
			if len([]rune(sv)) == 1 {
				x.ctxOnly[sv] = append(x.ctxOnly[sv], c)
			} else if !stopwords[sv] || sv == "none" {
				x.add(sv, c)
				if strings.HasSuffix(sv, "s") {
					plurals = append(plurals, struct {
						s string
						c kv
					}{singular(sv), c})
				}
			}
			x.add(sv+sk, c)
			x.add(sk+sv, c)
			if sk == "color" {
				x.add("colour"+sv, c)
			}
			if m := unitValue.FindStringSubmatch(sv); m != nil {
				num, unit := m[1], m[2]
				for _, syn := range unitSynonyms[unit] {
					x.add(num+syn, c)
				}
				if unit == "pack" || unit == "rolls" || unit == "roll" {
					x.add(num+singular(unit), c)
					x.add(num+unit+"s", c)
					x.add(singular(unit)+"of"+num, c)
					x.add(singular(unit)+"sof"+num, c)
				}
			}
		}
	}
	// a value's singular ("oat" of "oats") after every exact spelling
	for _, p := range plurals {
		x.add(p.s, p.c)
	}
	for surface, targets := range valueAliases {
		s := squashString(surface)
		for _, k := range keys {
			for _, t := range targets {
				if got, ok := x.has(k, t); ok {
					x.add(s, got)
				}
			}
		}
	}
	// "no sugar", "less ice": an amount word before a key's name;
	// "sugar-free", "sugarless": the key's none
	for _, k := range keys {
		if isBoolKey(v.Attributes[k]) {
			continue // yes/no keys: "no dairy" is a diet, read as one
		}
		sk := squashString(k)
		for _, t := range amountWords["no"] {
			if got, ok := x.has(k, t); ok {
				x.add(sk+"free", got)
				x.add(sk+"less", got)
				break
			}
		}
		for w, targets := range amountWords {
			for _, t := range targets {
				if got, ok := x.has(k, t); ok {
					x.add(squashString(w)+sk, got)
					break
				}
			}
		}
	}
	// "unicom" for "china unicom": a word of a multi-word value that no
	// other value of its key uses
	for _, k := range keys {
		count := map[string]int{}
		for _, val := range v.Attributes[k] {
			for _, w := range strings.Fields(strings.ToLower(val)) {
				count[w]++
			}
		}
		for _, val := range v.Attributes[k] {
			f := strings.Fields(strings.ToLower(val))
			if len(f) < 2 {
				continue
			}
			for _, w := range f {
				sw := squashString(w)
				if count[w] == 1 && len(sw) >= 4 && !stopwords[sw] && len(x.surf[sw]) == 0 {
					x.partial[sw] = append(x.partial[sw], kv{k, val})
				}
			}
		}
	}
	for _, b := range v.Brands {
		for _, s := range nameForms(b) {
			if _, dup := x.brands[s]; !dup {
				x.brands[s] = b
			}
		}
	}
	ids := make([]string, 0, len(v.Merchants))
	for id := range v.Merchants {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, s := range append(nameForms(v.Merchants[id]), nameForms(id)...) {
			if _, dup := x.merchants[s]; !dup {
				x.merchants[s] = id
			}
		}
	}
	for _, c := range v.Categories {
		x.cats[strings.ToLower(c)] = c
	}
	x.maxN = 5
	return x
}

// nameForms are the squashed ways to write a name ("Leaf & Bean" →
// "leaf&bean", "leafandbean", "leafbean").
func nameForms(name string) []string {
	s := squashString(name)
	if s == "" {
		return nil
	}
	out := []string{s}
	if strings.Contains(s, "&") {
		out = append(out, strings.ReplaceAll(s, "&", "and"), strings.ReplaceAll(s, "&", ""))
	}
	return out
}

func (x *vindex) add(s string, c kv) {
	if s == "" {
		return
	}
	for _, e := range x.surf[s] {
		if e == c {
			return
		}
	}
	x.surf[s] = append(x.surf[s], c)
}

// has reports whether the vocabulary has key=val, returning it as the
// catalog spells it.
func (x *vindex) has(key, val string) (kv, bool) {
	c, ok := x.pairs[squashString(key)+"="+squashString(val)]
	return c, ok
}

// values lists the vocabulary's values for key.
func (x *vindex) values(key string) []string { return x.keyVals[strings.ToLower(key)] }

// category returns the vocabulary's spelling of cat, or "" when the world
// has no such category. A world with no categories accepts any.
func (x *vindex) category(cat string) (string, bool) {
	if len(x.cats) == 0 {
		return cat, true
	}
	c, ok := x.cats[strings.ToLower(cat)]
	return c, ok
}

// keyFits reports whether products of cat carry key.
func (x *vindex) keyFits(cat, key string) bool {
	fits, _ := x.keyShape(cat, key)
	return fits
}

// keyShape reports whether products of cat carry key, and whether only
// some of them do (a "?" in the category table: groceries' milk is on plant
// milks only).
func (x *vindex) keyShape(cat, key string) (fits, partial bool) {
	if cat == "" {
		return true, false
	}
	ks, ok := x.catKeys[strings.ToLower(cat)]
	if !ok {
		return true, false
	}
	for _, k := range ks {
		base, part := strings.CutSuffix(k, "?")
		if strings.EqualFold(base, key) {
			return true, part
		}
	}
	return false, false
}

// resolve picks the candidate that fits cat; ok is false when none does.
func (x *vindex) resolve(cands []kv, cat string) (kv, bool) {
	for _, c := range cands {
		if x.keyFits(cat, c.key) {
			return x.normalize(c, cat), true
		}
	}
	return kv{}, false
}

// normalize turns a size into the category's style (apparel m ↔ drinks
// medium) when the vocabulary has that spelling.
func (x *vindex) normalize(c kv, cat string) kv {
	if !strings.EqualFold(c.key, "size") {
		return c
	}
	v := strings.ToLower(c.val)
	if x.letterSizes(cat) {
		if l, ok := wordToLetter[v]; ok {
			if got, ok := x.has(c.key, l); ok {
				return got
			}
		}
	} else if cat != "" {
		if w, ok := letterToWord[v]; ok {
			if got, ok := x.has(c.key, w); ok {
				return got
			}
		}
	}
	return c
}

// sizeOptions lists the vocabulary's sizes in the category's style, in
// size order.
func (x *vindex) sizeOptions(cat string) []string {
	order := []string{"xxs", "xs", "s", "small", "m", "medium", "l", "large", "xl", "xxl", "xxxl"}
	letters := x.letterSizes(cat)
	var out []string
	seen := map[string]bool{}
	for _, o := range order {
		isLetter := o != "small" && o != "medium" && o != "large"
		if isLetter != letters {
			continue
		}
		if got, ok := x.has("size", o); ok && !seen[got.val] {
			seen[got.val] = true
			out = append(out, got.val)
		}
	}
	if len(out) == 0 {
		out = append(out, x.values("size")...)
	}
	return out
}

func isBoolKey(vals []string) bool {
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		l := strings.ToLower(v)
		if !yesValues[l] && !noValues[l] {
			return false
		}
	}
	return true
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' {
			return false
		}
	}
	return true
}

// yesOf and noOf return the vocabulary's spelling of yes and no for a
// boolean key.
func (x *vindex) boolValue(key string, yes bool) (string, bool) {
	for _, v := range x.values(key) {
		l := strings.ToLower(v)
		if yes && yesValues[l] || !yes && noValues[l] {
			return v, true
		}
	}
	return "", false
}

// noneValue is the vocabulary's "none" for key (sugar=none).
func (x *vindex) noneValue(key string) (string, bool) {
	for _, n := range noneValues {
		if got, ok := x.has(key, n); ok {
			return got.val, true
		}
	}
	return "", false
}

// dairyMilks are the milk values that are dairy: every milk the vocabulary
// has that is not plant-based.
func (x *vindex) dairyMilks() []string {
	var out []string
	for _, v := range x.values("milk") {
		if !plantMilks[strings.ToLower(v)] {
			out = append(out, v)
		}
	}
	return out
}

func (x *vindex) nutMilks() []string {
	var out []string
	for _, v := range x.values("milk") {
		if nutMilks[strings.ToLower(v)] {
			out = append(out, v)
		}
	}
	return out
}

// matchAt finds the longest surface starting at toks[i] in table; it
// returns its length in tokens (0: none).
func matchAt[V any](toks []token, i, maxN int, table map[string]V, ok func(j int) bool) (V, int) {
	var zero V
	for n := min(maxN, len(toks)-i); n >= 1; n-- {
		good := true
		for j := i; j < i+n; j++ {
			if toks[j].kind == kPunct || ok != nil && !ok(j) {
				good = false
				break
			}
		}
		if !good {
			continue
		}
		s := squash(toks[i : i+n])
		if v, hit := table[s]; hit {
			return v, n
		}
		last := toks[i+n-1].t
		if sg := singular(last); sg != last {
			s2 := squash(toks[i:i+n-1]) + squashString(sg)
			if v, hit := table[s2]; hit {
				return v, n
			}
		}
	}
	return zero, 0
}
