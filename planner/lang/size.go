package lang

import (
	"strings"
)

// Size is a size as people and catalogs write it: a system ("eu", "us",
// "uk", "int"; "" when none is said) and a value ("38", "9.5", "m").
// Letter sizes are normalised: "medium" → "m", "extra large" → "xl",
// "2xl" → "xxl".
type Size struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value"`
}

func (s Size) String() string {
	if s.System == "" {
		return s.Value
	}
	return s.System + ":" + s.Value
}

// sizeSystems are the size systems a notation may name.
var sizeSystems = map[string]string{"eu": "eu", "us": "us", "uk": "uk", "int": "int", "intl": "int",
	"international": "int", "jp": "jp", "cn": "cn", "fr": "fr", "it": "it", "au": "au", "mx": "mx", "br": "br", "kr": "kr"}

// letterSizes normalises letter sizes and their words.
var letterSizes = map[string]string{
	"xxxs": "xxxs", "xxs": "xxs", "xs": "xs", "s": "s", "m": "m", "l": "l", "xl": "xl", "xxl": "xxl", "xxxl": "xxxl",
	"2xs": "xxs", "3xs": "xxxs", "2xl": "xxl", "3xl": "xxxl", "4xl": "xxxxl", "xxxxl": "xxxxl",
	"small": "s", "medium": "m", "large": "l", "x-small": "xs", "x-large": "xl", "xx-large": "xxl", "xx-small": "xxs",
	"extra small": "xs", "extra large": "xl", "extra-small": "xs", "extra-large": "xl", "med": "m", "sm": "s", "lg": "l",
}

// ParseSize reads a size notation: "eu:38", "EU 38", "int:m", "US 9",
// "size L", "L", "medium", "9.5", "42". ok is false when s is not one.
func ParseSize(s string) (Size, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "size ")
	t = strings.TrimPrefix(t, "size:")
	t = strings.TrimSpace(t)
	sys := ""
	for _, sep := range []string{":", " ", "-"} {
		if a, b, ok := strings.Cut(t, sep); ok {
			if n, known := sizeSystems[strings.TrimSpace(a)]; known {
				sys, t = n, strings.TrimSpace(b)
				break
			}
		}
	}
	if l, ok := letterSizes[t]; ok {
		return Size{System: sys, Value: l}, true
	}
	if t == "" {
		return Size{}, false
	}
	if r, e, ok := number(t, 0); ok && e == len(t) && r.Sign() > 0 {
		return Size{System: sys, Value: ratString(r)}, true
	}
	return Size{}, false
}

// Matches reports whether two sizes are the same: equal values, and equal
// systems when both name one (no conversion between systems is guessed).
func (s Size) Matches(o Size) bool {
	if s.Value != o.Value {
		return false
	}
	return s.System == "" || o.System == "" || s.System == o.System
}
