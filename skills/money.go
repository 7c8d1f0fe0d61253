// Package skills holds the vocabulary every part of Cartwright speaks when it
// deals with a merchant: money, products, quotes, orders, the Merchant
// interface and its registry. Implementations live in sub-packages (acp for
// HTTP checkout APIs, browser for web storefronts, pay for payment rails).
package skills

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Currency is an ISO 4217 code in upper case.
type Currency string

// currencies lists the currencies Cartwright knows: every current ISO 4217
// currency (the funds codes, precious metals and the test codes XTS/XXX
// excepted), with its minor-unit exponent (digits after the decimal point)
// and, for the common ones, a display symbol.
//
// Why a table and not golang.org/x/text/currency alone: x/text's data is
// CLDR's, whose "standard" digits are display rounding, not ISO 4217 minor
// units (IDR, COP, PKR … have 2 in ISO 4217, 0 in CLDR), and its list of
// tender currencies lags the ISO amendments (no VES, ZWG, XCG, SLE, MRU).
// TestCurrencyTableTracksXText keeps the table honest against x/text: a
// code x/text adds fails the test until it is placed here, and every code
// here that x/text lacks is named there as a newer ISO amendment.
var currencies = func() map[Currency]struct {
	exp    int
	symbol string
} {
	m := map[Currency]struct {
		exp    int
		symbol string
	}{}
	for _, g := range []struct {
		exp   int
		codes string
	}{
		{2, "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG YER ZAR ZMW ZWG"},
		{0, "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"},
		{3, "BHD IQD JOD KWD LYD OMR TND"},
		{4, "CLF UYW"},
	} {
		for _, c := range strings.Fields(g.codes) {
			m[Currency(c)] = struct {
				exp    int
				symbol string
			}{exp: g.exp}
		}
	}
	for c, sym := range map[Currency]string{
		"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "SGD": "S$", "JPY": "JP¥", "KRW": "₩",
		"INR": "₹", "PHP": "₱", "AUD": "A$", "CAD": "CA$", "NZD": "NZ$", "TWD": "NT$", "THB": "฿", "VND": "₫",
		"ILS": "₪", "NGN": "₦", "UAH": "₴", "TRY": "₺", "MXN": "MX$", "BRL": "R$",
	} {
		e := m[c]
		e.symbol = sym
		m[c] = e
	}
	return m
}()

// ParseCurrency validates a currency code (case-insensitive).
func ParseCurrency(s string) (Currency, error) {
	c := Currency(strings.ToUpper(strings.TrimSpace(s)))
	if _, ok := currencies[c]; !ok {
		return "", fmt.Errorf("unknown currency %q", s)
	}
	return c, nil
}

// Valid reports whether c is a known currency.
func (c Currency) Valid() bool { _, ok := currencies[c]; return ok }

// Exponent is the number of minor-unit digits (2 for CNY, 0 for JPY).
func (c Currency) Exponent() int { return currencies[c].exp }

// Symbol is the display symbol ("¥" for CNY).
func (c Currency) Symbol() string {
	if s := currencies[c].symbol; s != "" {
		return s
	}
	return string(c) + " "
}

// Money is an exact amount in integer minor units of one currency.
// There are no floats anywhere in Cartwright's money path.
type Money struct {
	Minor    int64    `json:"amount"`
	Currency Currency `json:"currency"`
}

// ErrOverflow is returned when money arithmetic would overflow int64.
var ErrOverflow = errors.New("money: amount overflows")

// ErrCurrencyMismatch is returned when two amounts of different currencies meet.
var ErrCurrencyMismatch = errors.New("money: currency mismatch")

// M builds a Money from minor units.
func M(minor int64, c Currency) Money { return Money{Minor: minor, Currency: c} }

// ParseMoney parses a decimal string in major units ("18.00", "18", "18.5",
// "-3.20") into exact minor units of c. More fractional digits than the
// currency has, exponents, thousands separators and overflow are errors.
func ParseMoney(s string, c Currency) (Money, error) {
	if !c.Valid() {
		return Money{}, fmt.Errorf("unknown currency %q", c)
	}
	minor, err := parseMinor(strings.TrimSpace(s), c.Exponent())
	if err != nil {
		return Money{}, fmt.Errorf("invalid amount %q: %w", s, err)
	}
	return Money{Minor: minor, Currency: c}, nil
}

func parseMinor(s string, exp int) (int64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, errors.New("no digits")
	}
	if hasDot && frac == "" {
		return 0, errors.New("no digits after the decimal point")
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("unexpected character %q", r)
		}
	}
	if len(frac) > exp {
		// "1200.00" yen is exactly 1200: only digits that would be lost
		// are an error.
		if strings.TrimRight(frac[exp:], "0") != "" {
			return 0, fmt.Errorf("more than %d decimal places", exp)
		}
		frac = frac[:exp]
	}
	frac += strings.Repeat("0", exp-len(frac))
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, ErrOverflow
	}
	if neg {
		v = -v
	}
	return v, nil
}

// IsZero reports whether m is zero.
func (m Money) IsZero() bool { return m.Minor == 0 }

// Add returns m+n; currencies must match and the sum must fit.
func (m Money) Add(n Money) (Money, error) {
	if err := m.same(n); err != nil {
		return Money{}, err
	}
	s, ok := AddMinor(m.Minor, n.Minor)
	if !ok {
		return Money{}, ErrOverflow
	}
	return Money{Minor: s, Currency: m.cur(n)}, nil
}

// Sub returns m-n; currencies must match and the difference must fit.
func (m Money) Sub(n Money) (Money, error) {
	if n.Minor == math.MinInt64 {
		return Money{}, ErrOverflow
	}
	return m.Add(Money{Minor: -n.Minor, Currency: n.Currency})
}

// Mul returns m*q for a quantity q.
func (m Money) Mul(q int64) (Money, error) {
	p, ok := MulMinor(m.Minor, q)
	if !ok {
		return Money{}, ErrOverflow
	}
	return Money{Minor: p, Currency: m.Currency}, nil
}

// Cmp compares two amounts of the same currency: -1, 0 or +1. It panics on a
// currency mismatch, which is a programming error by the time amounts meet.
func (m Money) Cmp(n Money) int {
	if err := m.same(n); err != nil {
		panic(err)
	}
	switch {
	case m.Minor < n.Minor:
		return -1
	case m.Minor > n.Minor:
		return 1
	}
	return 0
}

func (m Money) same(n Money) error {
	if m.Currency != n.Currency && m.Currency != "" && n.Currency != "" {
		return fmt.Errorf("%w: %s and %s", ErrCurrencyMismatch, m.Currency, n.Currency)
	}
	return nil
}

func (m Money) cur(n Money) Currency {
	if m.Currency != "" {
		return m.Currency
	}
	return n.Currency
}

// Decimal renders the amount in major units without a symbol ("18.00").
func (m Money) Decimal() string { return FormatMinor(m.Minor, m.Currency.Exponent()) }

// String renders the amount with its symbol ("¥18.00").
func (m Money) String() string {
	if m.Currency == "" {
		return FormatMinor(m.Minor, 2)
	}
	d := FormatMinor(m.Minor, m.Currency.Exponent())
	if strings.HasPrefix(d, "-") {
		return "-" + m.Currency.Symbol() + d[1:]
	}
	return m.Currency.Symbol() + d
}

// FormatMinor renders minor units as a decimal string with exp fraction digits.
func FormatMinor(minor int64, exp int) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = uint64(-(minor + 1)) + 1
	}
	s := strconv.FormatUint(u, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// AddMinor adds with overflow detection.
func AddMinor(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// MulMinor multiplies with overflow detection.
func MulMinor(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	return p, true
}

// UnmarshalJSON accepts {"amount": 1800, "currency": "CNY"} only: amounts on
// the wire are integers in minor units, never floats.
func (m *Money) UnmarshalJSON(b []byte) error {
	var w struct {
		Minor    json.Number `json:"amount"`
		Currency Currency    `json:"currency"`
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&w); err != nil {
		return err
	}
	v, err := strconv.ParseInt(string(w.Minor), 10, 64)
	if err != nil {
		return fmt.Errorf("money amount %q is not an integer number of minor units", w.Minor)
	}
	if w.Currency != "" && !w.Currency.Valid() {
		return fmt.Errorf("unknown currency %q", w.Currency)
	}
	m.Minor, m.Currency = v, w.Currency
	return nil
}
