package gen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// unit is a kind of measure with the notations a catalog and a person write
// it in. Values are integers in the kind's base unit (millilitres, grams,
// quarter inches…), so every notation of one value is exactly that value.
type unit int

const (
	uML      unit = iota // volume, base ml
	uFlOz                // volume, base fl oz
	uMAh                 // battery capacity, base mAh
	uWatt                // power, base W
	uQuart               // volume, base quarts
	uGram                // weight, base g
	uMg                  // dose, base mg
	uQtrInch             // pipe size, base 1/4 inch
	uCM                  // length, base cm
	uInch                // length, base whole inches
	uCount               // items per pack
	uEUSize              // shoe size, EU
	uIntSize             // letter size, index into letterSizes
)

var letterSizes = []string{"xs", "s", "m", "l", "xl"}

// catalogForms are the notations a world may use in its records; a world
// picks one per measure and writes every product with it.
func (u unit) catalogForms() []func(int) string {
	switch u {
	case uML:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%d ml", v) },
			func(v int) string { return decimal(v, 1000) + " L" },
		}
	case uFlOz:
		return []func(int) string{func(v int) string { return fmt.Sprintf("%d fl oz", v) }}
	case uMAh:
		return []func(int) string{func(v int) string { return fmt.Sprintf("%d mAh", v) }}
	case uWatt:
		return []func(int) string{func(v int) string { return fmt.Sprintf("%d W", v) }}
	case uQuart:
		return []func(int) string{func(v int) string { return fmt.Sprintf("%d qt", v) }}
	case uGram:
		return []func(int) string{func(v int) string {
			if v%1000 == 0 {
				return fmt.Sprintf("%d kg", v/1000)
			}
			return fmt.Sprintf("%d g", v)
		}}
	case uMg:
		return []func(int) string{func(v int) string { return fmt.Sprintf("%d mg", v) }}
	case uQtrInch:
		return []func(int) string{
			func(v int) string { return quarters(v) + `"` },
			func(v int) string { return quarters(v) + " in" },
		}
	case uCM:
		return []func(int) string{func(v int) string { return fmt.Sprintf("%d cm", v) }}
	case uInch:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%d in", v) },
			func(v int) string { return fmt.Sprintf(`%d"`, v) },
		}
	case uCount:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%d ct", v) },
			func(v int) string { return fmt.Sprintf("%d count", v) },
			func(v int) string { return fmt.Sprintf("%d pack", v) },
			func(v int) string { return fmt.Sprintf("%d pcs", v) },
		}
	case uEUSize:
		return []func(int) string{func(v int) string { return fmt.Sprintf("eu:%d", v) }}
	case uIntSize:
		return []func(int) string{func(v int) string { return "int:" + letterSizes[v] }}
	}
	panic(fmt.Sprintf("gen: unit %d has no catalog form", u))
}

// requestForms are the notations a person writes a value in, as a
// modifier before the noun ("a 750ml …", "a 3-quart …").
func (u unit) requestForms() []func(int) string {
	switch u {
	case uML:
		fs := []func(int) string{
			func(v int) string { return fmt.Sprintf("%dml", v) },
			func(v int) string { return fmt.Sprintf("%d ml", v) },
			func(v int) string { return fmt.Sprintf("%d mL", v) },
			func(v int) string { return decimal(v, 1000) + "L" },
			func(v int) string { return decimal(v, 1000) + " litre" },
		}
		return fs
	case uFlOz:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%doz", v) },
			func(v int) string { return fmt.Sprintf("%d fl oz", v) },
			func(v int) string { return fmt.Sprintf("%d-ounce", v) },
			func(v int) string { return fmt.Sprintf("%d fl. oz", v) },
		}
	case uMAh:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%dmAh", v) },
			func(v int) string { return grouped(v) + " mAh" },
			func(v int) string { return fmt.Sprintf("%d mah", v) },
		}
	case uWatt:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%dW", v) },
			func(v int) string { return fmt.Sprintf("%d watt", v) },
			func(v int) string { return fmt.Sprintf("%d-watt", v) },
		}
	case uQuart:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%d-quart", v) },
			func(v int) string { return fmt.Sprintf("%d quart", v) },
			func(v int) string { return fmt.Sprintf("%dqt", v) },
		}
	case uGram:
		return []func(int) string{
			func(v int) string {
				if v%1000 == 0 {
					return fmt.Sprintf("%dkg", v/1000)
				}
				return fmt.Sprintf("%dg", v)
			},
			func(v int) string { return fmt.Sprintf("%d g", v) },
			func(v int) string { return decimal(v, 1000) + " kg" },
		}
	case uMg:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%dmg", v) },
			func(v int) string { return fmt.Sprintf("%d mg", v) },
		}
	case uQtrInch:
		return []func(int) string{
			func(v int) string { return quarters(v) + " in" },
			func(v int) string { return quarters(v) + " inch" },
			func(v int) string { return quarters(v) + `"` },
			func(v int) string { return decimal(v, 4) + " in" },
		}
	case uCM:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%dcm", v) },
			func(v int) string { return fmt.Sprintf("%d cm", v) },
			func(v int) string { return fmt.Sprintf("%d mm", v*10) },
		}
	case uInch:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%d inch", v) },
			func(v int) string { return fmt.Sprintf(`%d"`, v) },
			func(v int) string { return fmt.Sprintf("%d-inch", v) },
			func(v int) string { return fmt.Sprintf("%d in", v) },
		}
	case uCount:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("%d ct", v) },
			func(v int) string { return fmt.Sprintf("%d count", v) },
			func(v int) string { return fmt.Sprintf("%d-count", v) },
			func(v int) string { return fmt.Sprintf("%d-pack", v) },
			func(v int) string { return fmt.Sprintf("%d pk", v) },
		}
	case uEUSize:
		return []func(int) string{
			func(v int) string { return fmt.Sprintf("size %d", v) },
			func(v int) string { return fmt.Sprintf("EU %d", v) },
			func(v int) string { return fmt.Sprintf("size EU %d", v) },
		}
	case uIntSize:
		return []func(int) string{
			func(v int) string { return "size " + strings.ToUpper(letterSizes[v]) },
			func(v int) string { return "size " + letterSizes[v] },
		}
	}
	panic(fmt.Sprintf("gen: unit %d has no request form", u))
}

// trailingForms are how a person states a count after the noun.
func countTrailing(v int) []string {
	return []string{fmt.Sprintf("pack of %d", v), fmt.Sprintf("(%d ct)", v), fmt.Sprintf("%d pcs", v), fmt.Sprintf("%d per pack", v)}
}

// decimal writes v/div exactly ("0.75", "1.5", "2").
func decimal(v, div int) string {
	whole, frac := v/div, v%div
	if frac == 0 {
		return strconv.Itoa(whole)
	}
	// div is a power of ten or 4: write the exact fraction in decimals.
	f := float64(frac) / float64(div)
	s := strconv.FormatFloat(f, 'f', -1, 64)
	return strconv.Itoa(whole) + strings.TrimPrefix(s, "0")
}

// quarters writes v quarter inches as a mixed fraction ("3/4", "1 1/2", "2").
func quarters(v int) string {
	whole, q := v/4, v%4
	frac := map[int]string{1: "1/4", 2: "1/2", 3: "3/4"}[q]
	switch {
	case q == 0:
		return strconv.Itoa(whole)
	case whole == 0:
		return frac
	}
	return strconv.Itoa(whole) + " " + frac
}

// grouped writes v with thousands commas ("20,000").
func grouped(v int) string {
	s := strconv.Itoa(v)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
