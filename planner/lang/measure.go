// Package lang is Cartwright's knowledge of language, never of a catalog:
// measures and their units (volume, weight, length, counts per pack, power,
// battery capacity, energy, storage), size notations ("eu:38", "US 9",
// "size L"), words (tokens, plural/singular, function words, negation,
// number words) and model-like tokens ("IP68", "10W-40") that must be
// compared exactly. Conversions are exact: values are rationals in a base
// unit per dimension, so 750 ml = 0.75 L and 3/4 in = 0.75" hold without
// floating point.
//
// The planner reads requests with it; the requirement check (agent/check)
// compares what a request says with what a product's title and attributes
// say. Nothing here names a product category, attribute key or brand.
package lang

import (
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Dim is what a measure measures.
type Dim string

// Dimensions. Each has one base unit in which Measure.Value is kept.
const (
	Volume  Dim = "volume"  // base: ml
	Weight  Dim = "weight"  // base: g
	Length  Dim = "length"  // base: mm
	Count   Dim = "count"   // base: count (things per pack)
	Power   Dim = "power"   // base: W
	Charge  Dim = "charge"  // base: mAh (battery capacity)
	Energy  Dim = "energy"  // base: Wh
	Storage Dim = "storage" // base: MB (decimal: 1 GB = 1000 MB)
	Voltage Dim = "voltage" // base: V
)

// BaseUnit is the unit Measure.Value is expressed in for each dimension.
var BaseUnit = map[Dim]string{Volume: "ml", Weight: "g", Length: "mm", Count: "count", Power: "W",
	Charge: "mAh", Energy: "Wh", Storage: "MB", Voltage: "V"}

type unitDef struct {
	dim Dim
	per *big.Rat // base units per one of this unit
	// ambiguous: a bare "oz", weight unless compared with a volume, when it
	// is read as US fluid ounces.
	ambiguous bool
	canon     string
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("lang: bad rational " + s)
	}
	return r
}

// units maps a lower-case unit spelling to its definition. US customary
// volumes are the exact US definitions.
var units = map[string]unitDef{}

// flOz is one US fluid ounce in ml (exact).
var flOz = rat("29.5735295625")

func defUnit(dim Dim, per, canon string, names ...string) {
	u := unitDef{dim: dim, per: rat(per), canon: canon}
	for _, n := range names {
		units[n] = u
	}
}

func init() {
	defUnit(Volume, "1", "ml", "ml", "millilitre", "millilitres", "milliliter", "milliliters", "mls")
	defUnit(Volume, "10", "cl", "cl", "centilitre", "centilitres", "centiliter", "centiliters")
	defUnit(Volume, "100", "dl", "dl")
	defUnit(Volume, "1000", "l", "l", "litre", "litres", "liter", "liters", "ltr", "ltrs", "lt")
	defUnit(Volume, "29.5735295625", "fl oz", "fl oz", "fl. oz", "fl.oz", "floz", "fluid ounce", "fluid ounces", "fl oz.")
	defUnit(Volume, "236.5882365", "cup", "cup", "cups")
	defUnit(Volume, "473.176473", "pt", "pint", "pints", "pt")
	defUnit(Volume, "946.352946", "qt", "quart", "quarts", "qt", "qts")
	defUnit(Volume, "3785.411784", "gal", "gallon", "gallons", "gal")
	defUnit(Volume, "4.92892159375", "tsp", "tsp", "teaspoon", "teaspoons")
	defUnit(Volume, "14.78676478125", "tbsp", "tbsp", "tablespoon", "tablespoons")
	defUnit(Weight, "1/1000", "mg", "mg", "milligram", "milligrams", "milligramme", "milligrammes")
	defUnit(Weight, "1/1000000", "mcg", "mcg", "µg", "microgram", "micrograms")
	defUnit(Weight, "1", "g", "g", "gram", "grams", "gramme", "grammes", "gr", "grs")
	defUnit(Weight, "1000", "kg", "kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes")
	defUnit(Weight, "453.59237", "lb", "lb", "lbs")
	defUnit(Length, "1", "mm", "mm", "millimetre", "millimetres", "millimeter", "millimeters")
	defUnit(Length, "10", "cm", "cm", "centimetre", "centimetres", "centimeter", "centimeters")
	defUnit(Length, "1000", "m", "m", "metre", "metres", "meter", "meters")
	defUnit(Length, "1000000", "km", "km")
	defUnit(Length, "25.4", "in", "in", "inch", "inches", `"`, "″", "in.")
	defUnit(Length, "304.8", "ft", "ft", "foot", "feet", "ft.")
	defUnit(Power, "1", "W", "w", "watt", "watts")
	defUnit(Power, "1000", "kW", "kw", "kilowatt", "kilowatts")
	defUnit(Charge, "1", "mAh", "mah")
	defUnit(Charge, "1000", "Ah", "ah")
	defUnit(Energy, "1", "Wh", "wh")
	defUnit(Energy, "1000", "kWh", "kwh")
	defUnit(Storage, "1", "MB", "mb")
	defUnit(Storage, "1000", "GB", "gb")
	defUnit(Storage, "1000000", "TB", "tb")
	defUnit(Voltage, "1", "V", "v", "volt", "volts")
	defUnit(Count, "1", "count", "ct", "cts", "count", "counts", "pcs", "pc", "pce", "piece", "pieces", "pk", "pks",
		"pack", "packs", "pkt", "per pack", "pieces per pack")
	u := unitDef{dim: Weight, per: rat("28.349523125"), canon: "oz", ambiguous: true}
	units["oz"], units["ozs"], units["ounce"], units["ounces"] = u, u, u, u
}

// Measure is an amount with a unit, exact.
type Measure struct {
	Dim Dim `json:"dim"`
	// Value is the amount in BaseUnit[Dim]; Max, when set, the top of a
	// range ("10-20 W").
	Value *big.Rat `json:"-"`
	Max   *big.Rat `json:"-"`
	// Unit is the unit as written, normalised ("ml", "fl oz", "count").
	Unit string `json:"unit"`
	// Noun is what a count counts, when it says ("rolls", "bottle").
	Noun string `json:"noun,omitempty"`
	// Ambiguous: a bare "oz", a weight unless compared with a volume.
	Ambiguous bool `json:"ambiguous,omitempty"`
	// Text is the span as written; Start and End its byte offsets in the
	// text given to Find (Parse: the whole value).
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// String is the measure in its base unit ("750 ml", "60 count",
// "19.05 mm"); a range is "a-b unit".
func (m Measure) String() string {
	if m.Value == nil {
		return ""
	}
	s := ratString(m.Value)
	if m.Max != nil {
		s += "-" + ratString(m.Max)
	}
	return s + " " + BaseUnit[m.Dim]
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(6)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// as returns m's value read in dimension d: a bare "oz" reads as US fluid
// ounces when a volume is wanted.
func (m Measure) as(d Dim) (lo, hi *big.Rat, ok bool) {
	if m.Value == nil {
		return nil, nil, false
	}
	if m.Dim == d {
		return m.Value, m.Max, true
	}
	if m.Ambiguous && m.Dim == Weight && d == Volume {
		ounces := new(big.Rat).Quo(m.Value, units["oz"].per)
		lo = new(big.Rat).Mul(ounces, flOz)
		if m.Max != nil {
			hi = new(big.Rat).Mul(new(big.Rat).Quo(m.Max, units["oz"].per), flOz)
		}
		return lo, hi, true
	}
	return nil, nil, false
}

// Comparable reports whether m and o measure the same thing (a bare "oz"
// compares with a volume as fluid ounces).
func (m Measure) Comparable(o Measure) bool {
	_, _, ok := m.align(o)
	return ok
}

func (m Measure) align(o Measure) (Dim, Dim, bool) {
	switch {
	case m.Value == nil || o.Value == nil:
		return "", "", false
	case m.Dim == o.Dim:
		return m.Dim, o.Dim, true
	case m.Ambiguous && m.Dim == Weight && o.Dim == Volume:
		return Volume, Volume, true
	case o.Ambiguous && o.Dim == Weight && m.Dim == Volume:
		return Volume, Volume, true
	}
	return "", "", false
}

// Equal reports whether m and o are the same amount of the same thing,
// exactly. A range equals a value inside it, and another range that
// overlaps it.
func (m Measure) Equal(o Measure) bool {
	d, _, ok := m.align(o)
	if !ok {
		return false
	}
	alo, ahi, _ := m.as(d)
	blo, bhi, _ := o.as(d)
	if ahi == nil {
		ahi = alo
	}
	if bhi == nil {
		bhi = blo
	}
	return alo.Cmp(bhi) <= 0 && blo.Cmp(ahi) <= 0
}

// Cmp compares two comparable measures' (lower) values: -1, 0 or +1; ok is
// false when they measure different things.
func (m Measure) Cmp(o Measure) (int, bool) {
	d, _, ok := m.align(o)
	if !ok {
		return 0, false
	}
	a, _, _ := m.as(d)
	b, _, _ := o.as(d)
	return a.Cmp(b), true
}

// Parse reads a whole value as a measure: "750ml", "0.75 L", "8 fl oz",
// "3/4 in", `1/2"`, "10-pack", "10-rolls", "pack of 6", "(24 ct)",
// "4-quart", "10-20 W". ok is false when s is not exactly one measure.
func Parse(s string) (Measure, bool) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(strings.TrimPrefix(t, "("), ")")
	ms := find(t, true)
	if len(ms) != 1 {
		return Measure{}, false
	}
	m := ms[0]
	if strings.TrimSpace(t[:m.Start]) != "" || strings.TrimSpace(strings.TrimRight(t[m.End:], ".")) != "" {
		return Measure{}, false
	}
	m.Text, m.Start, m.End = s, 0, len(s)
	return m, true
}

// Find lists the measures in free text, in order ("Nongfu Spring Water
// 550ml x 24" → 550 ml, 24 count). A number followed by no unit is not a
// measure; a model-like token ("10W-40", "IP68") is not read as one.
// Counts come from count units ("60 ct", "6-pack", "pack of 6", "x 24",
// "36 pencil set"), never from a bare number: how many to order is the
// planner's to decide.
func Find(text string) []Measure { return find(text, false) }

// countWrappers are words that, after "<n> <noun>", make the number a
// count per pack ("36 pencil set", "24-bottle case").
var countWrappers = map[string]bool{"set": true, "pack": true, "case": true, "box": true, "kit": true, "bundle": true,
	"carton": true, "crate": true, "tray": true, "multipack": true}

// packOf are words that introduce a count after "of" ("pack of 6").
var packOf = map[string]bool{"pack": true, "packs": true, "sets": true, "boxes": true, "cases": true, "bags": true, "set": true, "box": true, "case": true, "bundle": true, "carton": true,
	"bag": true, "tub": true, "tin": true, "jar": true, "packet": true, "tray": true, "crate": true, "kit": true}

func find(text string, whole bool) []Measure {
	low := lowerASCII(text) // byte offsets stay those of text
	var out []Measure
	i := 0
	for i < len(low) {
		// "pack of 6"
		if w, end := wordAt(low, i); w != "" {
			if packOf[w] {
				j := skipSpace(low, end)
				if of, e2 := wordAt(low, j); of == "of" {
					k := skipSpace(low, e2)
					if n, e3, ok := number(low, k); ok && n.IsInt() && boundary(low, e3) {
						out = append(out, Measure{Dim: Count, Value: n, Unit: "count", Noun: w, Text: text[i:e3], Start: i, End: e3})
						i = e3
						continue
					}
				}
			}
			// "x 24" / "× 24" right after a measure: a count per pack
			if (w == "x" || w == "×") && len(out) > 0 && out[len(out)-1].End >= i-2 {
				k := skipSpace(low, end)
				if n, e, ok := number(low, k); ok && n.IsInt() && boundary(low, e) {
					out = append(out, Measure{Dim: Count, Value: n, Unit: "x", Text: text[i:e], Start: i, End: e})
					i = e
					continue
				}
			}
			i = end
			continue
		}
		if strings.HasPrefix(low[i:], "×") {
			i += len("×")
			if len(out) > 0 && out[len(out)-1].End >= i-len("×")-2 {
				k := skipSpace(low, i)
				if n, e, ok := number(low, k); ok && n.IsInt() && boundary(low, e) {
					out = append(out, Measure{Dim: Count, Value: n, Unit: "x", Text: text[i-len("×") : e], Start: i - len("×"), End: e})
					i = e
				}
			}
			continue
		}
		if !startsNumber(low, i) || (i > 0 && (isLetterByte(low[i-1]) || low[i-1] == '-' && i > 1 && isWordByte(low[i-2]))) {
			// a digit inside a word ("ip68", "x3") is not a measure
			_, sz := utf8.DecodeRuneInString(low[i:])
			if startsNumber(low, i) {
				for i < len(low) && (isWordByte(low[i]) || low[i] == '.') {
					i++
				}
				continue
			}
			i += sz
			continue
		}
		n, e, ok := number(low, i)
		if !ok {
			i++
			continue
		}
		m, end, ok := unitAfter(low, e, n)
		if ok {
			m.Text, m.Start, m.End = text[i:end], i, end
			out = append(out, m)
			i = end
			continue
		}
		// "36 pencil set", "24-bottle case", "10-rolls" (a whole value)
		j := e
		if j < len(low) && (low[j] == '-' || low[j] == ' ') {
			j++
		}
		if noun, e2 := wordAt(low, j); noun != "" && n.IsInt() && !isUnitWord(noun) {
			k := skipSpace(low, e2)
			if low[j-1] == '-' && k < len(low) && low[k] == '-' {
				k++
			}
			if wr, e3 := wordAt(low, k); countWrappers[wr] && low[j-1] != '\n' {
				out = append(out, Measure{Dim: Count, Value: n, Unit: "count", Noun: noun, Text: text[i:e3], Start: i, End: e3})
				i = e3
				continue
			}
			if whole && low[e] == '-' && strings.TrimSpace(low[e2:]) == "" {
				out = append(out, Measure{Dim: Count, Value: n, Unit: "count", Noun: noun, Text: text[i:e2], Start: i, End: e2})
				i = e2
				continue
			}
		}
		// skip the rest of a token like "10w-40"
		for e < len(low) && (isWordByte(low[e]) || low[e] == '-' || low[e] == '.' || low[e] == '/') {
			e++
		}
		i = e
	}
	return out
}

// lowerASCII lower-cases ASCII letters only, so that byte offsets into
// the result are offsets into s.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// numStart finds where the number ending at e starts.
func numStart(low string, e int) int {
	i := e
	for i > 0 && (isDigitByte(low[i-1]) || low[i-1] == '.' || low[i-1] == ',' || low[i-1] == '/') {
		i--
	}
	return i
}

// articleBefore reports whether "a", "an", "one" or "the" comes right
// before i: "a 12 pack of cola" is one pack of 12, "2 packs of 10" two.
func articleBefore(low string, i int) bool {
	t := strings.TrimRight(low[:i], " ")
	for _, a := range []string{"a", "an", "one", "the"} {
		if strings.HasSuffix(t, " "+a) || t == a {
			return true
		}
	}
	return false
}

func isUnitWord(w string) bool { _, ok := units[w]; return ok }

// unitAfter reads a unit (or a range "-b unit") after a number ending at e.
func unitAfter(low string, e int, n *big.Rat) (Measure, int, bool) {
	var hi *big.Rat
	j := e
	// range: "10-20 w", "10 to 20 w", "10–20w"
	k := skipSpace(low, j)
	for _, conn := range []string{"-", "–", "to "} {
		if strings.HasPrefix(low[k:], conn) {
			k2 := skipSpace(low, k+len(conn))
			if h, e2, ok := number(low, k2); ok {
				if _, _, uok := readUnit(low, e2); uok {
					hi, j = h, e2
				}
			}
			break
		}
	}
	u, end, ok := readUnit(low, j)
	if !ok {
		return Measure{}, 0, false
	}
	// "10w-40": a model token, not 10 W
	if end < len(low) && low[end] == '-' && end+1 < len(low) && isDigitByte(low[end+1]) {
		return Measure{}, 0, false
	}
	// "12 in black": "in" is inches only before punctuation or the end,
	// or after a fraction or decimal ("3/4 in")
	if u.canon == "in" && strings.HasPrefix(low[skipSpace(low, j):], "in") && !strings.HasPrefix(low[skipSpace(low, j):], "inch") && low[end-1] != '.' {
		rest := strings.TrimLeft(low[end:], " .")
		if rest != "" && !strings.ContainsAny(rest[:1], ",;:)!?/") && n.IsInt() {
			return Measure{}, 0, false
		}
	}
	// "2 packs of 10", "2 packs": how many packs to order, not a count per
	// pack ("6-packs", "10 pack" and "pack of 6" are)
	if u.dim == Count && hi == nil {
		word := strings.TrimSpace(strings.TrimPrefix(low[e:end], "-"))
		of := strings.HasPrefix(strings.TrimLeft(low[end:], " "), "of ")
		if low[e] != '-' && (of && !articleBefore(low, numStart(low, e)) || word == "packs" || word == "pks") {
			return Measure{}, 0, false
		}
	}
	m := Measure{Dim: u.dim, Value: new(big.Rat).Mul(n, u.per), Unit: u.canon, Ambiguous: u.ambiguous}
	if hi != nil {
		m.Max = new(big.Rat).Mul(hi, u.per)
		if m.Max.Cmp(m.Value) < 0 {
			m.Value, m.Max = m.Max, m.Value
		}
	}
	return m, end, true
}

// readUnit reads the longest unit spelling at j (after optional space or
// one hyphen: "4-quart", "750 ml").
func readUnit(low string, j int) (unitDef, int, bool) {
	if j < len(low) && low[j] == '-' {
		j++
	} else {
		j = skipSpace(low, j)
	}
	best, bestEnd := unitDef{}, -1
	// candidate spellings: up to three words
	for _, cand := range unitCandidates(low, j) {
		if u, ok := units[cand.s]; ok && cand.end > bestEnd {
			best, bestEnd = u, cand.end
		}
	}
	if bestEnd < 0 {
		return unitDef{}, 0, false
	}
	return best, bestEnd, true
}

type cand struct {
	s   string
	end int
}

func unitCandidates(low string, j int) []cand {
	if j >= len(low) {
		return nil
	}
	var out []cand
	if strings.HasPrefix(low[j:], `"`) || strings.HasPrefix(low[j:], "″") {
		n := 1
		if low[j] != '"' {
			n = len("″")
		}
		out = append(out, cand{low[j : j+n], j + n})
		return out
	}
	if strings.HasPrefix(low[j:], "µg") {
		out = append(out, cand{"µg", j + len("µg")})
	}
	w1, e1 := wordAt(low, j)
	if w1 == "" {
		return out
	}
	out = append(out, cand{w1, e1})
	if e1 < len(low) && low[e1] == '.' { // "fl. oz", "in."
		out = append(out, cand{w1 + ".", e1 + 1})
		if w2, e2 := wordAt(low, skipSpace(low, e1+1)); w2 != "" {
			out = append(out, cand{w1 + ". " + w2, e2}, cand{w1 + "." + w2, e2})
		}
	}
	if w2, e2 := wordAt(low, skipSpace(low, e1)); w2 != "" && e2 > e1 {
		out = append(out, cand{w1 + " " + w2, e2})
		if w3, e3 := wordAt(low, skipSpace(low, e2)); w3 != "" {
			out = append(out, cand{w1 + " " + w2 + " " + w3, e3})
		}
	}
	return out
}

// number reads a number at i: "12", "1,000", "0.75", ".5", "3/4",
// "1 1/2", "1½", "½".
func number(low string, i int) (*big.Rat, int, bool) {
	j := i
	for j < len(low) && (isDigitByte(low[j]) || low[j] == ',' && j+3 < len(low)+0 && j+1 < len(low) && isDigitByte(low[j+1]) && thousands(low, j)) {
		j++
	}
	intPart := strings.ReplaceAll(low[i:j], ",", "")
	r := new(big.Rat)
	if intPart != "" {
		r.SetString(intPart)
	}
	e := j
	switch {
	case j < len(low) && low[j] == '.' && j+1 < len(low) && isDigitByte(low[j+1]):
		k := j + 1
		for k < len(low) && isDigitByte(low[k]) {
			k++
		}
		f, _ := new(big.Rat).SetString("0" + low[j:k])
		r.Add(r, f)
		e = k
	case j < len(low) && low[j] == '/' && intPart != "" && j+1 < len(low) && isDigitByte(low[j+1]):
		k := j + 1
		for k < len(low) && isDigitByte(low[k]) {
			k++
		}
		den, _ := new(big.Rat).SetString(low[j+1 : k])
		if den.Sign() == 0 {
			return nil, 0, false
		}
		r.Quo(r, den)
		e = k
	default:
		// mixed number "1 1/2"
		if intPart != "" && j < len(low) && low[j] == ' ' {
			k := j + 1
			a := k
			for k < len(low) && isDigitByte(low[k]) {
				k++
			}
			if k > a && k < len(low) && low[k] == '/' {
				b := k + 1
				c := b
				for c < len(low) && isDigitByte(low[c]) {
					c++
				}
				if c > b {
					num, _ := new(big.Rat).SetString(low[a:k])
					den, _ := new(big.Rat).SetString(low[b:c])
					if den.Sign() != 0 {
						r.Add(r, num.Quo(num, den))
						e = c
					}
				}
			}
		}
	}
	if rr, sz := utf8.DecodeRuneInString(low[e:]); sz > 0 {
		if f, ok := vulgar[rr]; ok {
			r.Add(r, f)
			e += sz
		}
	}
	if e == i {
		return nil, 0, false
	}
	return r, e, true
}

func thousands(low string, j int) bool {
	// a comma followed by exactly three digits
	k := j + 1
	n := 0
	for k < len(low) && isDigitByte(low[k]) {
		k++
		n++
	}
	return n == 3
}

var vulgar = map[rune]*big.Rat{'½': big.NewRat(1, 2), '¼': big.NewRat(1, 4), '¾': big.NewRat(3, 4),
	'⅓': big.NewRat(1, 3), '⅔': big.NewRat(2, 3), '⅛': big.NewRat(1, 8), '⅜': big.NewRat(3, 8),
	'⅝': big.NewRat(5, 8), '⅞': big.NewRat(7, 8)}

func startsNumber(low string, i int) bool {
	if isDigitByte(low[i]) {
		return true
	}
	if low[i] == '.' && i+1 < len(low) && isDigitByte(low[i+1]) && (i == 0 || !isWordByte(low[i-1])) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(low[i:])
	_, ok := vulgar[r]
	return ok
}

func wordAt(low string, i int) (string, int) {
	j := i
	for j < len(low) {
		r, sz := utf8.DecodeRuneInString(low[j:])
		if !unicode.IsLetter(r) {
			break
		}
		j += sz
	}
	return low[i:j], j
}

func skipSpace(low string, i int) int {
	for i < len(low) && low[i] == ' ' {
		i++
	}
	return i
}

func boundary(low string, e int) bool {
	return e >= len(low) || !isWordByte(low[e])
}

func isDigitByte(b byte) bool  { return b >= '0' && b <= '9' }
func isLetterByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
func isWordByte(b byte) bool   { return isDigitByte(b) || isLetterByte(b) || b == '_' }
