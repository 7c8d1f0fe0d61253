package browser

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/cartwright-agent/cartwright/skills"
)

var (
	codeRe     = regexp.MustCompile(`\b([A-Z]{3})\b`)
	thousandRe = regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d+)?$`)
)

// parsePrice reads an amount shown on a page ("¥18.00", "CNY 18.00",
// "18.00 CNY", "-¥5.00", "1,299.00") as exact money in cur. The amount must
// name cur, by its code or its symbol: a page in another currency is an
// error, not a conversion.
func parsePrice(text string, cur skills.Currency) (skills.Money, error) {
	s := strings.TrimSpace(strings.ReplaceAll(text, "−", "-"))
	if s == "" {
		return skills.Money{}, fmt.Errorf("no amount")
	}
	named := false
	if m := codeRe.FindStringSubmatch(s); m != nil {
		if skills.Currency(m[1]) != cur {
			return skills.Money{}, fmt.Errorf("amount %q is not in %s", text, cur)
		}
		s = strings.Replace(s, m[1], "", 1)
		named = true
	}
	if sym := cur.Symbol(); !named && strings.Contains(s, sym) {
		s = strings.Replace(s, sym, "", 1)
		named = true
	}
	if !named {
		return skills.Money{}, fmt.Errorf("amount %q does not name the currency %s", text, cur)
	}
	s = strings.ReplaceAll(s, " ", "")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if thousandRe.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	m, err := skills.ParseMoney(s, cur)
	if err != nil {
		return skills.Money{}, err
	}
	if neg {
		m.Minor = -m.Minor
	}
	return m, nil
}

// abs is |m|; pages show discounts with or without a minus sign.
func abs(m skills.Money) skills.Money {
	if m.Minor < 0 {
		m.Minor = -m.Minor
	}
	return m
}
