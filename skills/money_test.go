package skills

import (
	"errors"
	"testing"
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
