package check

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/lang"
	"github.com/cartwright-agent/cartwright/skills"
)

// amountRe is a money amount: an optional symbol, digits (thousands
// separators, decimals) and an optional currency word or code after.
const amountRe = `([$€£¥₱₹₩]|[A-Za-z]{3}\s?)?\s?(\d[\d,]*(?:\.\d+)?)(\s?(?:[A-Za-z]{3}|yuan|dollars?|euros?|pounds?|pesos?|rupees?|won|yen|bucks|kuai|quid)\b)?`

var (
	// floors: "priced above 250", "at least $20", "more than ₱2,000"
	floorPhrase = regexp.MustCompile(`(?i)\b(above|over|more than|at least|no less than|not less than|minimum(?: of)?|min|starting at)\s+` + amountRe)
	// ranges: "between 120 and 480", "from $20 to $60"
	rangePhrase = regexp.MustCompile(`(?i)\b(?:between|from)\s+` + amountRe + `\s*(?:and|to|-|–)\s*` + amountRe)
)

// money reads an amount matched by amountRe in the product's currency; ok
// is false when it names another currency or says no currency while it
// could be a measure.
func money(sym, num, word string, cur skills.Currency) (skills.Money, bool) {
	sym, word = strings.TrimSpace(sym), strings.ToLower(strings.TrimSpace(word))
	if sym != "" && len(sym) == 3 {
		if c := skills.Currency(strings.ToUpper(sym)); c.Valid() {
			if c != cur {
				return skills.Money{}, false
			}
		} else {
			sym = "" // a word, not a code
		}
	}
	if sym != "" && len(sym) != 3 && !strings.Contains(cur.Symbol(), sym) {
		return skills.Money{}, false
	}
	if len(word) == 3 {
		if c := skills.Currency(strings.ToUpper(word)); c.Valid() && c != cur {
			return skills.Money{}, false
		}
	}
	m, err := skills.ParseMoney(strings.ReplaceAll(num, ",", ""), cur)
	if err != nil {
		return skills.Money{}, false
	}
	return m, true
}

// negatedBefore reports whether the words just before i negate a phrase
// ("no more than", "don't spend more than").
func negatedBefore(text string, i int) bool {
	ws := lang.Words(text[:i])
	if len(ws) == 0 {
		return false
	}
	last := ws[len(ws)-1].Text
	return lang.IsNegation(last) || strings.HasSuffix(last, "n't") || last == "spend" && len(ws) > 1 && lang.IsNegation(ws[len(ws)-2].Text)
}

// prices re-reads price floors and ranges in the request text: a product
// priced under a stated floor, or above a range's top, conflicts.
func prices(vd *verdict, x *product, text string) {
	cur := x.p.Price.Currency
	if cur == "" {
		return
	}
	measured := lang.Find(text)
	inMeasure := func(i int) bool {
		for _, m := range measured {
			if i >= m.Start && i < m.End {
				return true
			}
		}
		return false
	}
	check := func(phrase string, floor, ceil *skills.Money) {
		r := Requirement{Text: strings.TrimSpace(phrase), Kind: KindPrice, From: "request", Status: Evidenced, Where: "price " + x.p.Price.String()}
		if floor != nil && x.p.Price.Minor < floor.Minor || ceil != nil && x.p.Price.Minor > ceil.Minor {
			r.Status, r.Got, r.Where = Conflict, "price "+x.p.Price.String(), ""
		}
		vd.add(r)
	}
	for _, loc := range rangePhrase.FindAllStringSubmatchIndex(text, -1) {
		g := func(k int) string {
			if loc[2*k] < 0 {
				return ""
			}
			return text[loc[2*k]:loc[2*k+1]]
		}
		if inMeasure(loc[4]) || inMeasure(loc[10]) {
			continue
		}
		lo, ok1 := money(g(1), g(2), g(3), cur)
		hi, ok2 := money(g(4), g(5), g(6), cur)
		if !ok1 || !ok2 || lo.Minor > hi.Minor {
			continue
		}
		check(text[loc[0]:loc[1]], &lo, &hi)
	}
	for _, loc := range floorPhrase.FindAllStringSubmatchIndex(text, -1) {
		g := func(k int) string {
			if loc[2*k] < 0 {
				return ""
			}
			return text[loc[2*k]:loc[2*k+1]]
		}
		if negatedBefore(text, loc[0]) || inMeasure(loc[6]) {
			continue
		}
		word := strings.ToLower(g(1))
		// a bare number after "over" or "min" is not surely money
		if g(2) == "" && g(4) == "" && (word == "over" || word == "min") && !pricedBefore(text, loc[0]) {
			continue
		}
		lo, ok := money(g(2), g(3), g(4), cur)
		if !ok {
			continue
		}
		check(text[loc[0]:loc[1]], &lo, nil)
	}
}

func pricedBefore(text string, i int) bool {
	ws := lang.Words(text[:i])
	if len(ws) == 0 {
		return false
	}
	switch ws[len(ws)-1].Text {
	case "priced", "price", "costing", "costs", "cost", "for":
		return true
	}
	return false
}

// yearRe is a year a model or fitment names ("2019 Honda Civic").
var yearRe = regexp.MustCompile(`^(19[5-9]\d|20\d\d)$`)

// rangeInRecord finds "a-b" number ranges in a text.
var rangeInRecord = regexp.MustCompile(`\b(\d+)\s*[-–]\s*(\d+)\b`)

// numbers checks the numbers the request states that are not amounts,
// measures, sizes or how many to buy — model numbers, years, fitments
// ("HP 8710", "a 2019 Civic", "iPhone 16"): each must be in the record
// (as a token, or inside a range the record states).
func numbers(vd *verdict, it planner.ItemSpec, x *product, text string) {
	ws := lang.Words(text)
	measured := lang.Find(text)
	for i, w := range ws {
		if !isDigits(w.Text) && !lang.IsModelToken(w.Text) {
			continue
		}
		inside := false
		for _, m := range measured {
			if w.Start < m.End && w.End > m.Start {
				inside = true
			}
		}
		if inside || moneyAround(text, ws, i) {
			continue
		}
		if w.Start >= 2 && (text[w.Start-1] == ',' || text[w.Start-1] == '.') && isDigits(text[w.Start-2:w.Start-1]) {
			continue // "1,000": the thousands of a number already read
		}
		next := ""
		if i+1 < len(ws) {
			next = ws[i+1].Text
		}
		year := yearRe.MatchString(w.Text)
		if isDigits(w.Text) && !year {
			// a count of something ("2 lattes", "6 Active"), or a size
			if next != "" && !lang.IsFunctionWord(next) && text[w.End:ws[i+1].Start] != ", " {
				continue
			}
			if i > 0 && (ws[i-1].Text == "size" || ws[i-1].Text == "us" || ws[i-1].Text == "eu" || ws[i-1].Text == "uk") {
				continue
			}
			if n, err := strconv.Atoi(w.Text); err == nil && n == it.Quantity {
				continue
			}
		}
		vd.add(number(x, w.Text))
	}
}

func number(x *product, tok string) Requirement {
	r := Requirement{Text: tok, Kind: KindTerm, Value: strings.ToLower(tok), From: "request"}
	t := lang.Fold(tok)
	if where := x.inRecord(t); where != "" {
		r.Status, r.Where = Evidenced, where
		return r
	}
	n, err := strconv.Atoi(tok)
	hay := x.p.Title
	for _, v := range x.p.Attributes {
		hay += " ; " + v
	}
	if err == nil {
		var other []string
		for _, m := range rangeInRecord.FindAllStringSubmatch(hay, -1) {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			if a <= n && n <= b {
				r.Status, r.Where = Evidenced, "range "+m[0]
				return r
			}
			if len(m[1]) == len(tok) {
				other = append(other, m[0])
			}
		}
		if len(other) > 0 {
			r.Status, r.Got = Conflict, fmt.Sprintf("%q (%s)", x.p.Title, strings.Join(other, ", "))
			return r
		}
	}
	if has(x.desc, t) {
		r.Status, r.Where = DescriptionOnly, "description"
		return r
	}
	r.Status = Unverified
	return r
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// moneyAround reports whether word i is an amount of money: a currency
// symbol or word next to it, or a price word before it.
func moneyAround(text string, ws []lang.Word, i int) bool {
	w := ws[i]
	before := strings.TrimSpace(text[max(0, w.Start-4):w.Start])
	for _, sym := range []string{"$", "€", "£", "¥", "₱", "₹", "₩"} {
		if strings.HasSuffix(before, sym) {
			return true
		}
	}
	if i+1 < len(ws) && lang.IsCurrencyWord(ws[i+1].Text) || i > 0 && lang.IsCurrencyWord(ws[i-1].Text) {
		return true
	}
	// the head of "1,000" is money when its tail is
	if i+1 < len(ws) && ws[i+1].Start == w.End+1 && text[w.End] == ',' && moneyAround(text, ws, i+1) {
		return true
	}
	if i > 0 {
		switch ws[i-1].Text {
		case "under", "below", "above", "over", "max", "budget", "between", "than", "least", "most", "to", "and", "upto",
			"within", "spend", "priced", "costing", "tops", "about", "around", "from":
			return true
		}
	}
	return false
}

// quantity checks that how many to order was stated as a count of the
// item: a quantity read from a measure ("8 fl oz", "100 ct") conflicts;
// one above 10 the person did not state is asked.
func quantity(vd *verdict, it planner.ItemSpec, text string, amount bool) {
	if it.Quantity <= 1 || amount {
		return
	}
	ws := lang.Words(text)
	measured := lang.Find(text)
	stated, fromMeasure := false, ""
	for _, w := range ws {
		n := -1
		if isDigits(w.Text) {
			n, _ = strconv.Atoi(w.Text)
		} else if k, ok := lang.NumberWord(w.Text); ok {
			n = k
		}
		if n != it.Quantity {
			continue
		}
		in := false
		for _, m := range measured {
			if w.Start < m.End && w.End > m.Start {
				in, fromMeasure = true, m.Text
			}
		}
		if !in {
			stated = true
		}
	}
	switch {
	case !stated && fromMeasure != "":
		vd.add(Requirement{Text: fromMeasure, Kind: KindAmount, Value: strconv.Itoa(it.Quantity), From: "request", Status: Conflict,
			Got: fmt.Sprintf("an order of %d: %q is a measure of the product, not how many to buy", it.Quantity, fromMeasure)})
	case !stated && it.Quantity > 10:
		vd.add(Requirement{Text: fmt.Sprintf("%d of them", it.Quantity), Kind: KindAmount, Value: strconv.Itoa(it.Quantity), From: "request", Status: Unverified})
	}
}
