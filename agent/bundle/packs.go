package bundle

import (
	"regexp"
	"strconv"
	"strings"
)

// Size is what one unit of a product (one pack, as sold) holds: Count
// single things, each of Volume millilitres or Weight grams when known
// ("Nongfu Spring Water 550ml x 24": Count 24, Volume 550).
type Size struct {
	Count  int64 // single things in the pack; 1 when nothing says more
	Volume int64 // millilitres per single thing; 0: unknown
	Weight int64 // grams per single thing; 0: unknown
}

var (
	countValue = regexp.MustCompile(`^(\d{1,5})(?:\s*-?\s*(?:pack|packs|pk|rolls|roll|bottle|bottles|pcs|pieces|count|ct|pods|tablets|bags|eggs))?$`)
	measureVal = regexp.MustCompile(`^(\d{1,6}(?:\.\d{1,3})?)\s*(ml|l|g|kg)$`)
	titleMeas  = regexp.MustCompile(`(?i)\b(\d{1,6}(?:\.\d{1,3})?)\s*(ml|l|g|kg)\b`)
	titleTimes = regexp.MustCompile(`(?i)(?:\bx|×)\s*(\d{1,5})\b`)
	titleParen = regexp.MustCompile(`(?i)\((\d{1,5})(?:\s*(?:-?pack|packs|rolls|pcs|pieces|count))?\)`)
	titlePack  = regexp.MustCompile(`(?i)\b(\d{1,5})\s*-\s*pack\b`)
)

// sizeKeys are the attribute keys read for a pack, in order.
var sizeKeys = []string{"pack", "volume", "capacity", "weight", "count"}

// SizeOf reads a product's pack from its attributes (pack, volume,
// capacity, weight, count: "10-pack", "1l", "500g", "4-rolls") and its
// title ("(10)", "x 24", "550ml", "2-Pack"). Attributes win over the title.
func SizeOf(attrs map[string]string, title string) Size {
	s := Size{}
	lower := map[string]string{}
	for k, v := range attrs {
		lower[strings.ToLower(k)] = strings.ToLower(strings.TrimSpace(v))
	}
	for _, k := range sizeKeys {
		v, ok := lower[k]
		if !ok {
			continue
		}
		if m := countValue.FindStringSubmatch(v); m != nil && s.Count == 0 {
			s.Count, _ = strconv.ParseInt(m[1], 10, 64)
			continue
		}
		if m := measureVal.FindStringSubmatch(v); m != nil {
			setMeasure(&s, m[1], m[2])
		}
	}
	if s.Count == 0 {
		for _, re := range []*regexp.Regexp{titleTimes, titleParen, titlePack} {
			if m := re.FindStringSubmatch(title); m != nil {
				s.Count, _ = strconv.ParseInt(m[1], 10, 64)
				break
			}
		}
	}
	if s.Volume == 0 && s.Weight == 0 {
		if m := titleMeas.FindStringSubmatch(title); m != nil {
			setMeasure(&s, m[1], strings.ToLower(m[2]))
		}
	}
	if s.Count <= 0 {
		s.Count = 1
	}
	return s
}

func setMeasure(s *Size, num, unit string) {
	mult := int64(1)
	if unit == "l" || unit == "kg" {
		mult = 1000
	}
	v, ok := scaled(num, mult)
	if !ok || v <= 0 {
		return
	}
	if unit == "ml" || unit == "l" {
		s.Volume = v
	} else {
		s.Weight = v
	}
}

// scaled parses a decimal ("1.8") times mult exactly, in integers; ok is
// false when the product is not whole ("0.0005" l).
func scaled(num string, mult int64) (int64, bool) {
	whole, frac, _ := strings.Cut(num, ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	v := w * mult
	if frac != "" {
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil {
			return 0, false
		}
		den := int64(1)
		for range len(frac) {
			den *= 10
		}
		if f*mult%den != 0 {
			return 0, false
		}
		v += f * mult / den
	}
	return v, true
}

// Measure units, as planner.Measure spells them.
const (
	UnitEach = "each"
	UnitML   = "ml"
	UnitG    = "g"
)

// PacksFor is how many packs of size s give exactly value in unit: a count
// is matched against the single things in the pack (a 1-litre bottle is
// one bottle), a volume or weight against the pack's total. ok is false
// when no whole number of packs gives it, or the pack does not say.
func PacksFor(value int64, unit string, s Size) (packs int64, ok bool) {
	var per int64
	switch unit {
	case UnitEach:
		per = s.Count
	case UnitML:
		per = s.Count * s.Volume
	case UnitG:
		per = s.Count * s.Weight
	}
	if per <= 0 || value <= 0 || value%per != 0 {
		return 0, false
	}
	return value / per, true
}

// Describe names a pack in the unit asked ("10", "1000 ml").
func (s Size) Describe(unit string) string {
	switch unit {
	case UnitML:
		if s.Volume > 0 {
			return strconv.FormatInt(s.Count*s.Volume, 10) + " ml"
		}
	case UnitG:
		if s.Weight > 0 {
			return strconv.FormatInt(s.Count*s.Weight, 10) + " g"
		}
	}
	return strconv.FormatInt(s.Count, 10)
}
