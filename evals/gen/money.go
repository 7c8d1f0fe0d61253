package gen

import (
	"fmt"
	"math/rand/v2"

	"github.com/cartwright-agent/cartwright/skills"
)

// currency is a world currency with how prices look in it and how people
// write an amount of it.
type currency struct {
	Code skills.Currency
	// PerUSDCent is how many minor units one US cent is worth, in
	// hundredths (a rough exchange rate: prices only need to look local).
	PerUSDCent int64
	// Step is what prices are rounded to, in minor units.
	Step int64
	// Say are the ways a person writes a whole amount ("₱500", "500 pesos").
	Say []func(major string) string
}

var currencies = []currency{
	{Code: "USD", PerUSDCent: 100, Step: 50, Say: sayings("$%s", "%s dollars", "%s bucks", "USD %s")},
	{Code: "EUR", PerUSDCent: 92, Step: 50, Say: sayings("€%s", "%s euros", "%s EUR", "%s€")},
	{Code: "GBP", PerUSDCent: 79, Step: 50, Say: sayings("£%s", "%s pounds", "%s quid", "GBP %s")},
	{Code: "JPY", PerUSDCent: 150, Step: 10, Say: sayings("¥%s", "%s yen", "%s円", "JPY %s")},
	{Code: "PHP", PerUSDCent: 5600, Step: 100, Say: sayings("₱%s", "%s pesos", "PHP %s", "Php%s")},
	{Code: "CNY", PerUSDCent: 720, Step: 50, Say: sayings("¥%s", "%s yuan", "%s元", "RMB %s")},
	{Code: "KRW", PerUSDCent: 1350, Step: 100, Say: sayings("₩%s", "%s won", "KRW %s")},
	{Code: "INR", PerUSDCent: 8300, Step: 100, Say: sayings("₹%s", "%s rupees", "Rs %s", "INR %s")},
}

func sayings(forms ...string) []func(string) string {
	out := make([]func(string) string, len(forms))
	for i, f := range forms {
		out[i] = func(major string) string { return fmt.Sprintf(f, major) }
	}
	return out
}

// price converts a price in US cents to c's minor units, rounded to c's
// step and never below one step.
func (c currency) price(usdCents int64) int64 {
	v := usdCents * c.PerUSDCent / 100
	v = (v + c.Step/2) / c.Step * c.Step
	return max(v, c.Step)
}

// unit is one major unit in minor units.
func (c currency) unit() int64 { return pow10(c.Code.Exponent()) }

// say writes a whole amount of minor units (a multiple of unit) as a person
// would, with thousands separators for large amounts half of the time.
func (c currency) say(r *rand.Rand, minor int64) string {
	major := minor / c.unit()
	s := fmt.Sprint(major)
	if major >= 10000 && r.IntN(2) == 0 {
		s = grouped(int(major))
	}
	return pick(r, c.Say)(s)
}

func (c currency) money(minor int64) skills.Money { return skills.M(minor, c.Code) }

func pow10(e int) int64 {
	p := int64(1)
	for range e {
		p *= 10
	}
	return p
}

// wholeBetween is a whole amount (a multiple of one major unit, rounded to
// a "nice" figure when the gap allows) strictly between lo and hi, both in
// minor units; false when there is none.
func (c currency) wholeBetween(lo, hi int64) (int64, bool) {
	u := c.unit()
	first := (lo/u + 1) * u
	if first >= hi {
		return 0, false
	}
	// Prefer the roundest figure in the gap: multiples of 100, 50, 10, 5
	// major units, then any whole one.
	for _, nice := range []int64{1000, 500, 100, 50, 10, 5, 1} {
		step := nice * u
		v := (lo/step + 1) * step
		if v < hi {
			return v, true
		}
	}
	return first, true
}
