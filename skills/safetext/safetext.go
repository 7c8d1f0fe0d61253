// Package safetext keeps text that came from outside (merchant titles,
// descriptions, messages, ids, pages) inert wherever Cartwright shows it.
//
// Terminal escapes every character that could move the cursor, colour or
// clear the screen, set a window title, or reorder what a reader sees:
// C0 and C1 control characters (newline and tab included), DEL, the bidi
// embedding, override and isolate marks, and the line and paragraph
// separators; each becomes a visible Go-style escape (\n, \x1b, \u202e),
// so a forged line like "Status: bought" can never appear as one. It also
// bounds the length. HTML does the same and then escapes for HTML.
package safetext

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// DefaultMax is the rune bound Terminal and HTML apply when max is 0.
const DefaultMax = 200

// Terminal returns s with every dangerous character escaped and at most
// max runes of the original kept (0: DefaultMax; negative: no bound); a cut
// ends in "…". Invalid UTF-8 bytes are escaped as \xNN.
func Terminal(s string, max int) string {
	if max == 0 {
		max = DefaultMax
	}
	if safe(s) && (max < 0 || utf8.RuneCountInString(s) <= max) {
		return s
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if max > 0 && n == max {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case dangerous(r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
		i += size
		n++
	}
	return b.String()
}

// Line is Terminal with the default bound: one field on one line.
func Line(s string) string { return Terminal(s, 0) }

// HTML is Terminal's escaping followed by HTML escaping, for a report.
func HTML(s string, max int) string { return html.EscapeString(Terminal(s, max)) }

// Safe reports whether s holds nothing Terminal would escape.
func Safe(s string) bool { return safe(s) }

func safe(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\n' || r == '\r' || r == '\t' || dangerous(r) {
			return false
		}
		i += size
	}
	return true
}

// dangerous: control characters and the invisible marks that reorder or
// hide text.
func dangerous(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidi embeddings, overrides, isolates and marks
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
	}
	return false
}
