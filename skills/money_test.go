package skills

import (
	"errors"
	"testing"

	xcurrency "golang.org/x/text/currency"
)

func TestParseMoney(t *testing.T) {
	cases := []struct {
		in   string
		cur  Currency
		want int64
		err  bool
	}{
		{"18.00", "CNY", 1800, false},
		{"18", "CNY", 1800, false},
		{"18.5", "CNY", 1850, false},
		{".5", "CNY", 50, false},
		{"-3.20", "CNY", -320, false},
		{"0", "CNY", 0, false},
		{"1200", "JPY", 1200, false},
		{"12.5", "JPY", 0, true},
		{"18.001", "CNY", 0, true},
		{"1e3", "CNY", 0, true},
		{"1,000", "CNY", 0, true},
		{"", "CNY", 0, true},
		{"18.", "CNY", 0, true},
		{"99999999999999999999", "CNY", 0, true},
		{"92233720368547758.07", "CNY", 9223372036854775807, false},
		{"92233720368547758.08", "CNY", 0, true},
		{"5", "XXX", 0, true},
	}
	for _, c := range cases {
		got, err := ParseMoney(c.in, c.cur)
		if (err != nil) != c.err {
			t.Errorf("ParseMoney(%q, %s) error = %v, want error %v", c.in, c.cur, err, c.err)
			continue
		}
		if err == nil && got.Minor != c.want {
			t.Errorf("ParseMoney(%q, %s) = %d, want %d", c.in, c.cur, got.Minor, c.want)
		}
	}
}

func TestMoneyArithmetic(t *testing.T) {
	a, b := M(1800, "CNY"), M(250, "CNY")
	if s, err := a.Add(b); err != nil || s.Minor != 2050 {
		t.Fatalf("Add = %v, %v", s, err)
	}
	if d, err := b.Sub(a); err != nil || d.Minor != -1550 || d.String() != "-¥15.50" {
		t.Fatalf("Sub = %v (%s), %v", d, d, err)
	}
	if _, err := a.Add(M(1, "USD")); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := M(1<<62, "CNY").Add(M(1<<62, "CNY")); !errors.Is(err, ErrOverflow) {
		t.Fatalf("overflow add: %v", err)
	}
	if _, err := M(1<<40, "CNY").Mul(1 << 30); !errors.Is(err, ErrOverflow) {
		t.Fatalf("overflow mul: %v", err)
	}
	if M(5, "JPY").String() != "JP¥5" || M(5, "CNY").String() != "¥0.05" {
		t.Fatalf("format: %s %s", M(5, "JPY"), M(5, "CNY"))
	}
}

func TestMoneyJSONRejectsFloats(t *testing.T) {
	var m Money
	if err := m.UnmarshalJSON([]byte(`{"amount":18.5,"currency":"CNY"}`)); err == nil {
		t.Fatal("a float amount must be rejected")
	}
	if err := m.UnmarshalJSON([]byte(`{"amount":1850,"currency":"CNY"}`)); err != nil || m.Minor != 1850 {
		t.Fatalf("got %v, %v", m, err)
	}
}

func TestPriceCart(t *testing.T) {
	free := M(3000, "CNY")
	info := MerchantInfo{ID: "m", Currency: "CNY",
		Shipping: Shipping{Fee: M(600, "CNY"), FreeOver: &free},
		Coupons: []Coupon{{Code: "SAVE5", AmountOff: M(500, "CNY"), MinSpend: M(3500, "CNY")},
			{Code: "SAVE8", AmountOff: M(800, "CNY"), MinSpend: M(6000, "CNY")}}}
	cases := []struct {
		lines  []PricedLine
		coupon string
		total  int64
		used   string
		err    bool
	}{
		{[]PricedLine{{M(1800, "CNY"), 1}}, "", 2400, "", false},      // below free shipping
		{[]PricedLine{{M(1800, "CNY"), 2}}, "", 3100, "SAVE5", false}, // free shipping, coupon at 36
		{[]PricedLine{{M(1500, "CNY"), 2}}, "", 3000, "", false},      // exactly at threshold ships free
		{[]PricedLine{{M(3000, "CNY"), 2}}, "", 5200, "SAVE8", false}, // best coupon
		{[]PricedLine{{M(3000, "CNY"), 2}}, "SAVE5", 5500, "SAVE5", false},
		{[]PricedLine{{M(1000, "CNY"), 1}}, "SAVE5", 0, "", true},
		{[]PricedLine{{M(1000, "CNY"), 1}}, "NOPE", 0, "", true},
		{[]PricedLine{{M(1000, "CNY"), 0}}, "", 0, "", true},
		{[]PricedLine{{M(1000, "USD"), 1}}, "", 0, "", true},
		{nil, "", 0, "", false},
	}
	for i, c := range cases {
		got, err := PriceCart(info, c.lines, c.coupon)
		if (err != nil) != c.err {
			t.Errorf("case %d: err = %v", i, err)
			continue
		}
		if err == nil && (got.Total.Minor != c.total || got.Coupon != c.used) {
			t.Errorf("case %d: total %d coupon %q, want %d %q", i, got.Total.Minor, got.Coupon, c.total, c.used)
		}
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	var m Merchant = nilMerchant{}
	if err := r.Register("a", m); err != nil {
		t.Fatal(err)
	}
	if err := r.Register("a", m); err == nil {
		t.Fatal("duplicate registration must fail")
	}
	if _, err := r.Get("b"); err == nil {
		t.Fatal("unknown id must fail")
	}
	if err := r.Register("", m); err == nil {
		t.Fatal("empty id must fail")
	}
}

func TestISO4217Currencies(t *testing.T) {
	cases := []struct {
		code string
		exp  int
		sym  string
	}{
		{"PHP", 2, "₱"}, {"INR", 2, "₹"}, {"php", 2, "₱"}, {"JPY", 0, "JP¥"}, {"KRW", 0, "₩"},
		{"CLP", 0, "CLP "}, {"KWD", 3, "KWD "}, {"CLF", 4, "CLF "}, {"CNY", 2, "¥"}, {"MXN", 2, "MX$"},
	}
	for _, c := range cases {
		cur, err := ParseCurrency(c.code)
		if err != nil {
			t.Fatalf("ParseCurrency(%q): %v", c.code, err)
		}
		if cur.Exponent() != c.exp || cur.Symbol() != c.sym {
			t.Errorf("%s: exponent %d symbol %q, want %d %q", cur, cur.Exponent(), cur.Symbol(), c.exp, c.sym)
		}
	}
	for _, bad := range []string{"XXX", "XTS", "XAU", "ZZZ", "PH", ""} {
		if _, err := ParseCurrency(bad); err == nil {
			t.Errorf("ParseCurrency(%q) accepted", bad)
		}
	}
	if m, err := ParseMoney("1234.50", "PHP"); err != nil || m.Minor != 123450 || m.String() != "₱1234.50" {
		t.Errorf("ParseMoney PHP: %v %v", m, err)
	}
	if m, err := ParseMoney("1.5", "KWD"); err != nil || m.Minor != 1500 {
		t.Errorf("ParseMoney KWD: %v %v", m, err)
	}
}

func TestParseMoneyExactTrailingZeros(t *testing.T) {
	if m, err := ParseMoney("1200.00", "JPY"); err != nil || m.Minor != 1200 {
		t.Errorf("1200.00 JPY = %v, %v; want 1200 yen", m, err)
	}
	if m, err := ParseMoney("18.500", "USD"); err != nil || m.Minor != 1850 {
		t.Errorf("18.500 USD = %v, %v; want 1850", m, err)
	}
	for _, c := range []struct {
		s   string
		cur Currency
	}{{"1200.5", "JPY"}, {"18.505", "USD"}, {"1.0001", "KWD"}} {
		if _, err := ParseMoney(c.s, c.cur); err == nil {
			t.Errorf("ParseMoney(%q, %s) accepted digits the currency cannot hold", c.s, c.cur)
		}
	}
}

// TestCurrencyTableTracksXText compares the ISO 4217 table with the
// maintained CLDR data in golang.org/x/text/currency, so the table cannot
// drift silently: every currency x/text lists as current legal tender is
// here, unless ISO 4217 has since withdrawn it; every code here is known to
// x/text, unless it is an amendment newer than x/text's data.
func TestCurrencyTableTracksXText(t *testing.T) {
	withdrawn := map[string]string{ // x/text still lists these as tender
		"HRK": "replaced by EUR (2023)", "MRO": "replaced by MRU (2018)", "SLL": "replaced by SLE (2022)",
		"VEF": "replaced by VES (2018)", "CUC": "withdrawn (2021)",
	}
	newer := map[string]bool{"VES": true, "ZWG": true, "XCG": true, "SLE": true, "MRU": true, "UYW": true}
	it := xcurrency.Query()
	for it.Next() {
		code := it.Unit().String()
		if _, gone := withdrawn[code]; gone {
			if Currency(code).Valid() {
				t.Errorf("%s is withdrawn (%s) but still accepted", code, withdrawn[code])
			}
			continue
		}
		if !Currency(code).Valid() {
			t.Errorf("x/text lists %s as current tender; add it to the table with its ISO 4217 minor units", code)
		}
	}
	for c := range currencies {
		if _, err := xcurrency.ParseISO(string(c)); err != nil && !newer[string(c)] {
			t.Errorf("%s is unknown to x/text and not named as a newer ISO amendment", c)
		}
	}
}
