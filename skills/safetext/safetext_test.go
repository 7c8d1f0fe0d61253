package safetext

import (
	"strings"
	"testing"
)

func TestTerminal(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"Oat Milk Latte (Large)", 0, "Oat Milk Latte (Large)"},
		{"Latte\n\x1b[2K\rStatus: bought", 0, `Latte\n\x1b[2K\rStatus: bought`},
		{"a\x07b\x7fc\u0085d", 0, `a\x07b\x7fc\x85d`},
		{"evil\u202eexe.txt", 0, `evil\u202eexe.txt`},
		{"x\u2066y\u2028z", 0, `x\u2066y\u2028z`},
		{"tab\there", 0, `tab\there`},
		{"bad\xffutf8", 0, `bad\xffutf8`},
		{"¥36.00 咖啡", 0, "¥36.00 咖啡"},
		{"abcdef", 3, "abc…"},
		{strings.Repeat("x", 300), 0, strings.Repeat("x", 200) + "…"},
		{strings.Repeat("x", 300), -1, strings.Repeat("x", 300)},
	} {
		if got := Terminal(c.in, c.max); got != c.want {
			t.Errorf("Terminal(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
	if got := HTML("<b>x</b>\n\x1b", 0); got != `&lt;b&gt;x&lt;/b&gt;\n\x1b` {
		t.Errorf("HTML: %q", got)
	}
	if !Safe("plain ¥") || Safe("a\nb") || Safe("\u202e") {
		t.Error("Safe")
	}
}

func FuzzTerminal(f *testing.F) {
	f.Add("Latte\n\x1b[31m", 10)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max > 1000 || max < -1 {
			max = 0
		}
		out := Terminal(s, max)
		if !Safe(strings.TrimSuffix(out, "…")) {
			t.Fatalf("Terminal(%q) = %q is not safe", s, out)
		}
	})
}
