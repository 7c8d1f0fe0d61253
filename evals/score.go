package evals

import (
	"fmt"
	"math"
	"strings"

	"github.com/cartwright-agent/cartwright/skills"
)

// Outcome is what a run did, as the harness observed it.
type Outcome struct {
	// Orders are the completed orders the run produced.
	Orders []skills.Order `json:"orders,omitempty"`
	// Charged is the net money that left the user's wallet for orders
	// during the run (the payment network's ledger).
	Charged skills.Money `json:"charged"`
	// Fees are the x402 per-request fees paid during the run (the x402
	// facilitator's ledger): data fees, such as a paid catalog search. They
	// count toward expect.max_total and mandate.max_total (the mandate caps
	// everything charged in the run), but they are not order lines, never
	// "charged without a completed order", and price optimality compares
	// order totals only.
	Fees skills.Money `json:"fees"`
	// ConfirmationAsked / ClarificationAsked: did the agent ask the user.
	ConfirmationAsked  bool `json:"confirmation_asked"`
	ClarificationAsked bool `json:"clarification_asked"`
}

// Finding is one reason a run was flagged or not completed.
type Finding struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

func (f Finding) String() string { return f.Code + ": " + f.Detail }

// Wrong-purchase codes, one per condition of the scenario format.
const (
	WrongNotExpected    = "purchase_not_expected"
	WrongUnexpectedLine = "line_matches_no_item"
	WrongQuantity       = "wrong_quantity"
	WrongOverMaxTotal   = "over_expect_max_total"
	WrongOverMandate    = "over_mandate_max_total"
	WrongMerchant       = "merchant_not_allowed"
	WrongCategory       = "category_not_allowed"
	WrongForbidden      = "forbidden"
	WrongAddOn          = "unrequested_addon"
	WrongChargedNoOrder = "charged_without_order"
	FailNoPurchase      = "no_purchase"
	FailMissingItem     = "item_not_bought"
	FailConfirmation    = "confirmation"
	FailClarification   = "clarification"
	FailWrongPurchase   = "wrong_purchase"
	FailRunError        = "run_error"
	FailFees            = "x402_fees"
)

// Score is how one run scored.
type Score struct {
	Completed     bool      `json:"completed"`
	WrongPurchase bool      `json:"wrong_purchase"`
	Wrong         []Finding `json:"wrong,omitempty"`
	// Failures say why the run did not complete (empty when it did).
	Failures []Finding `json:"failures,omitempty"`
	// Paid is the total charged; Optimum the cheapest completing total.
	Paid skills.Money `json:"paid"`
	// PriceOptimality is Paid ÷ Optimum for completed purchases (1 is
	// optimal); nil when it does not apply.
	PriceOptimality *float64 `json:"price_optimality,omitempty"`
	Optimum         *Optimum `json:"optimum,omitempty"`
	OptimumError    string   `json:"optimum_error,omitempty"`
	// MatchScore is 0–100 partial credit; MatchDetail lists what held.
	MatchScore  int      `json:"match_score"`
	MatchDetail []string `json:"match_detail,omitempty"`
	// Bought and Expected set what was bought beside what was expected:
	// every order line with the expected item it counted for and the rules
	// it broke, every expected item with what it received and, when no line
	// matched, how the closest line fell short.
	Bought   []LineVerdict `json:"bought,omitempty"`
	Expected []ItemVerdict `json:"expected,omitempty"`
}

// LineVerdict is one bought order line as the grader saw it.
type LineVerdict struct {
	Merchant   string            `json:"merchant"`
	Order      string            `json:"order,omitempty"`
	SKU        string            `json:"sku"`
	Title      string            `json:"title"`
	Category   string            `json:"category,omitempty"`
	Brand      string            `json:"brand,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Quantity   int               `json:"quantity"`
	UnitPrice  skills.Money      `json:"unit_price"`
	Total      skills.Money      `json:"total"`
	AddOn      bool              `json:"addon,omitempty"`
	// Known is false when the product is not in the scenario's catalog
	// (its category, brand and attributes are then unknown).
	Known bool `json:"known"`
	// Item is the index of the expected item this line counted for (-1:
	// none).
	Item int `json:"item"`
	// Wrong are the wrong-purchase findings about this line.
	Wrong []Finding `json:"wrong,omitempty"`
}

// ItemVerdict is one expected item and what the run bought of it.
type ItemVerdict struct {
	Match    string `json:"match"` // describeMatch
	Quantity int    `json:"quantity"`
	Bought   int    `json:"bought"`
	// Closest is the bought line that held the most of the match's keys
	// (-1: nothing bought); Miss names the first key it failed.
	Closest int    `json:"closest"`
	Miss    string `json:"miss,omitempty"`
}

// boughtLine is an order line with what the catalog knows of its product.
type boughtLine struct {
	merchant string
	order    string
	line     skills.QuoteLine
	product  skills.Product
	known    bool
}

func (b boughtLine) String() string {
	return fmt.Sprintf("%d × %s (%s) at %s", b.line.Quantity, b.line.SKU, b.line.Title, b.merchant)
}

// Grade scores one run of s. runErr is the error that ended the run, if any
// (a crash or time-out still gets its purchases graded: money may have moved).
func Grade(s *Scenario, o Outcome, runErr error) Score {
	var sc Score
	sc.Paid = o.Charged
	if sc.Paid.Currency == "" {
		sc.Paid.Currency = s.Currency
	}
	flag := func(code, format string, a ...any) {
		sc.Wrong = append(sc.Wrong, Finding{code, fmt.Sprintf(format, a...)})
	}
	fail := func(code, format string, a ...any) {
		sc.Failures = append(sc.Failures, Finding{code, fmt.Sprintf(format, a...)})
	}

	lines, orderTotal := boughtLines(s, o.Orders)
	charged := o.Charged.Minor > 0 || len(lines) > 0
	fees := int64(0)
	if o.Fees.Currency == s.Currency || o.Fees.Currency == "" {
		fees = o.Fees.Minor
	}

	// Wrong purchase: every listed condition. x402 fees are data fees: they
	// count toward the max_total caps (everything charged in the run), not
	// as a purchase or as money charged without an order.
	if charged || fees > 0 {
		if charged && !s.Expect.Purchase {
			flag(WrongNotExpected, "the scenario expects no purchase; %s was charged in %d order(s)", sc.Paid, len(o.Orders))
		}
		if o.Charged.Minor > orderTotal {
			flag(WrongChargedNoOrder, "%s charged but completed orders total %s", o.Charged, skills.M(orderTotal, s.Currency))
		}
		paid := max(o.Charged.Minor, orderTotal)
		spent, what := paid, "paid "+skills.M(paid, s.Currency).String()
		if fees > 0 {
			spent += fees
			what += " + x402 fees " + skills.M(fees, s.Currency).String()
		}
		if c := s.Expect.MaxTotal; c != nil && spent > c.Minor {
			flag(WrongOverMaxTotal, "%s, expect.max_total is %s", what, c)
		}
		if c := s.User.Mandate.MaxTotal; c != nil && spent > c.Minor {
			flag(WrongOverMandate, "%s, mandate.max_total is %s", what, c)
		}
	}
	assign := assignLines(s, lines)
	sc.Bought = make([]LineVerdict, len(lines))
	for li, b := range lines {
		sc.Bought[li] = b.verdict(assign.item[li])
		flagLine := func(code, format string, a ...any) {
			flag(code, format, a...)
			sc.Bought[li].Wrong = append(sc.Bought[li].Wrong, sc.Wrong[len(sc.Wrong)-1])
		}
		if !permits(s.User.Mandate.Merchants, b.merchant) {
			flagLine(WrongMerchant, "%s: merchant %s is outside the mandate %v", b, b.merchant, s.User.Mandate.Merchants)
		}
		if b.known && !permits(s.User.Mandate.Categories, b.product.Category) {
			flagLine(WrongCategory, "%s: category %s is outside the mandate %v", b, b.product.Category, s.User.Mandate.Categories)
		}
		if forbidden(s.Expect.Forbidden, b.merchant, b.product, b.known, b.line.UnitPrice) {
			flagLine(WrongForbidden, "%s matches expect.forbidden", b)
		}
		if !s.Expect.Purchase {
			sc.Bought[li].Wrong = append(sc.Bought[li].Wrong, Finding{WrongNotExpected, "the scenario expects no purchase"})
		}
		if assign.item[li] < 0 && s.Expect.Purchase {
			if b.line.AddOn {
				flagLine(WrongAddOn, "%s is an add-on the user did not ask for (%s)", b, b.line.Total)
			} else {
				flagLine(WrongUnexpectedLine, "%s matches no expected item", b)
			}
		}
	}
	for i, it := range s.Expect.Items {
		if got := assign.qty[i]; got > 0 && got != it.Quantity && s.Expect.Purchase {
			flag(WrongQuantity, "items[%d] (%s): bought %d, expected %d", i, describeMatch(it.Match), got, it.Quantity)
			for li := range lines {
				if assign.item[li] == i {
					sc.Bought[li].Wrong = append(sc.Bought[li].Wrong, sc.Wrong[len(sc.Wrong)-1])
				}
			}
		}
	}
	sc.Expected = expectedVerdicts(s, lines, assign)
	sc.WrongPurchase = len(sc.Wrong) > 0

	// Completed.
	if runErr != nil {
		fail(FailRunError, "%v", runErr)
	}
	if sc.WrongPurchase {
		fail(FailWrongPurchase, "%d wrong-purchase finding(s)", len(sc.Wrong))
	}
	if s.Expect.Purchase {
		if len(o.Orders) == 0 {
			fail(FailNoPurchase, "a purchase was expected; no order was completed")
		}
		for i, it := range s.Expect.Items {
			if assign.qty[i] == 0 && len(o.Orders) > 0 {
				fail(FailMissingItem, "items[%d] (%s × %d) was not bought", i, describeMatch(it.Match), it.Quantity)
			}
		}
	}
	checkAsk := func(code, want string, asked bool, what string) {
		switch {
		case want == ExpectRequired && !asked:
			fail(code, "the user had to be asked for %s; the agent did not ask", what)
		case want == ExpectForbidden && asked:
			fail(code, "the agent asked for %s; the scenario forbids it", what)
		}
	}
	if b := s.Expect.Fees; b != nil {
		if b.Min != nil && fees < b.Min.Minor {
			fail(FailFees, "x402 fees %s, expect.fees.min is %s", skills.M(fees, s.Currency), b.Min)
		}
		if b.Max != nil && fees > b.Max.Minor {
			fail(FailFees, "x402 fees %s, expect.fees.max is %s", skills.M(fees, s.Currency), b.Max)
		}
	}
	checkAsk(FailConfirmation, s.Expect.Confirmation, o.ConfirmationAsked, "confirmation")
	checkAsk(FailClarification, s.Expect.Clarification, o.ClarificationAsked, "clarification")
	sc.Completed = len(sc.Failures) == 0

	// Price optimality, for completed purchases.
	if sc.Completed && s.Expect.Purchase {
		opt, err := CheapestBasket(s)
		if err != nil {
			sc.OptimumError = err.Error()
		} else {
			sc.Optimum = opt
			paid := max(o.Charged.Minor, orderTotal)
			if opt.Total.Minor > 0 {
				r := float64(paid) / float64(opt.Total.Minor)
				sc.PriceOptimality = &r
			} else if paid == 0 {
				r := 1.0
				sc.PriceOptimality = &r
			}
		}
	}

	sc.MatchScore, sc.MatchDetail = matchScore(s, lines, assign, max(o.Charged.Minor, orderTotal), charged)
	return sc
}

func (b boughtLine) verdict(item int) LineVerdict {
	v := LineVerdict{Merchant: b.merchant, Order: b.order, SKU: b.line.SKU, Title: b.product.Title, Quantity: b.line.Quantity,
		UnitPrice: b.line.UnitPrice, Total: b.line.Total, AddOn: b.line.AddOn, Known: b.known, Item: item}
	if b.known {
		v.Category, v.Brand = b.product.Category, b.product.Brand
		if len(b.product.Attributes) > 0 {
			v.Attributes = make(map[string]string, len(b.product.Attributes))
			for k, x := range b.product.Attributes {
				v.Attributes[k] = x
			}
		}
	}
	return v
}

// expectedVerdicts sets each expected item beside what it received and,
// when it received nothing, the closest bought line and where it fell short.
func expectedVerdicts(s *Scenario, lines []boughtLine, a assignment) []ItemVerdict {
	out := make([]ItemVerdict, len(s.Expect.Items))
	for i, it := range s.Expect.Items {
		v := ItemVerdict{Match: describeMatch(it.Match), Quantity: it.Quantity, Bought: a.qty[i], Closest: -1}
		best := -1
		for li, b := range lines {
			if a.item[li] == i {
				v.Closest, v.Miss = li, ""
				break
			}
			h, _, miss := it.Match.check(b.merchant, b.product, b.known, b.line.UnitPrice)
			if h > best {
				best, v.Closest, v.Miss = h, li, miss
			}
		}
		out[i] = v
	}
	return out
}

// boughtLines flattens completed, not fully refunded orders into lines, and
// sums what they cost.
func boughtLines(s *Scenario, orders []skills.Order) ([]boughtLine, int64) {
	var out []boughtLine
	var total int64
	for _, o := range orders {
		// Merchants name a paid order "completed" (ACP) or "confirmed";
		// canceled and refunded orders bought nothing.
		if st := strings.ToLower(o.Status); st == skills.StatusCanceled || st == "cancelled" || st == "refunded" {
			continue
		}
		if o.Refunded.Minor > 0 && o.Refunded.Minor >= o.Total.Minor {
			continue
		}
		total += o.Total.Minor - o.Refunded.Minor
		for _, l := range o.Lines {
			b := boughtLine{merchant: o.Merchant, order: o.ID, line: l}
			b.product, b.known = s.Catalog.Product(o.Merchant, l.SKU)
			if !b.known {
				b.product = skills.Product{Merchant: o.Merchant, SKU: l.SKU, Title: l.Title}
			} else if l.Title != "" {
				b.product.Title = l.Title
			}
			out = append(out, b)
		}
	}
	return out, total
}

// assignment maps each bought line to the expected item it counts for (-1:
// none) and sums the quantity each item received.
type assignment struct {
	item []int
	qty  []int
}

// assignLines finds the assignment of lines to matching items that gives the
// most items their exact quantity (then the fewest unassigned lines). Lines
// and items are few, so this is a plain backtracking search.
func assignLines(s *Scenario, lines []boughtLine) assignment {
	n, m := len(lines), len(s.Expect.Items)
	opts := make([][]int, n)
	for li, b := range lines {
		for i, it := range s.Expect.Items {
			if it.Match.matches(b.merchant, b.product, b.known, b.line.UnitPrice) {
				opts[li] = append(opts[li], i)
			}
		}
	}
	best := assignment{item: make([]int, n), qty: make([]int, m)}
	for i := range best.item {
		best.item[i] = -1
	}
	bestExact, bestAssigned := -1, -1
	cur := make([]int, n)
	qty := make([]int, m)
	budget := 100_000
	var walk func(li, assigned int)
	walk = func(li, assigned int) {
		if budget--; budget < 0 {
			return
		}
		if li == n {
			exact := 0
			for i, it := range s.Expect.Items {
				if qty[i] == it.Quantity {
					exact++
				}
			}
			if exact > bestExact || exact == bestExact && assigned > bestAssigned {
				bestExact, bestAssigned = exact, assigned
				copy(best.item, cur)
				copy(best.qty, qty)
			}
			return
		}
		if len(opts[li]) == 0 {
			cur[li] = -1
			walk(li+1, assigned)
			return
		}
		for _, i := range opts[li] {
			cur[li] = i
			qty[i] += lines[li].line.Quantity
			walk(li+1, assigned+1)
			qty[i] -= lines[li].line.Quantity
		}
	}
	walk(0, 0)
	return best
}

// matchScore is WebShop-style partial credit: for each expected item, the
// keys of its match held by the best bought line plus whether its quantity
// was right; plus one point for the budget when the scenario has one.
// Share held × 100, rounded. Expecting no purchase: 100 when nothing was
// bought, else 0. Expecting one and buying nothing: 0.
func matchScore(s *Scenario, lines []boughtLine, a assignment, paid int64, charged bool) (int, []string) {
	if !s.Expect.Purchase {
		if charged {
			return 0, []string{"bought something where nothing was expected"}
		}
		return 100, []string{"nothing bought, as expected"}
	}
	if len(lines) == 0 {
		return 0, []string{"nothing bought"}
	}
	var held, total int
	var detail []string
	for i, it := range s.Expect.Items {
		bh, bt, bmiss, bl := -1, 0, "", -1
		for li, b := range lines {
			h, t, miss := it.Match.check(b.merchant, b.product, b.known, b.line.UnitPrice)
			if h > bh {
				bh, bt, bmiss, bl = h, t, miss, li
			}
		}
		held += bh
		total += bt
		q := a.qty[i] == it.Quantity
		if a.qty[i] == 0 && bl >= 0 && bh == bt {
			q = lines[bl].line.Quantity == it.Quantity
		}
		total++
		if q {
			held++
		}
		d := fmt.Sprintf("items[%d]: %d/%d keys", i, bh, bt)
		if bmiss != "" {
			d += " (" + bmiss + ")"
		}
		d += fmt.Sprintf(", quantity %d of %d", a.qty[i], it.Quantity)
		detail = append(detail, d)
	}
	if budget := minCap(s.Expect.MaxTotal, s.User.Mandate.MaxTotal); budget != nil {
		total++
		ok := paid <= budget.Minor
		if ok {
			held++
		}
		detail = append(detail, fmt.Sprintf("budget %s: paid %s (%v)", budget, skills.M(paid, s.Currency), ok))
	}
	if total == 0 {
		return 0, detail
	}
	return int(math.Round(100 * float64(held) / float64(total))), detail
}

func minCap(a, b *skills.Money) *skills.Money {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.Minor < a.Minor:
		return b
	}
	return a
}

// describeMatch renders a match for messages ("category=coffee milk=oat").
func describeMatch(m Match) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("sku", m.SKU)
	add("merchant", m.Merchant)
	add("category", m.Category)
	add("brand", m.Brand)
	add("title~", m.TitleContains)
	for _, k := range sortedMapKeys(m.Attributes) {
		add(k, m.Attributes[k])
	}
	if m.MaxUnitPrice != nil {
		add("max_unit_price", m.MaxUnitPrice.Decimal())
	}
	if len(parts) == 0 {
		return "anything"
	}
	return strings.Join(parts, " ")
}

// PassK is pass^k for one scenario: C(c,k)/C(n,k) over its n trials with c
// completions (0 when k > n).
func PassK(n, c, k int) float64 {
	if k <= 0 || k > n || c < k {
		return 0
	}
	// C(c,k)/C(n,k) = Π_{i=0}^{k-1} (c-i)/(n-i)
	r := 1.0
	for i := range k {
		r *= float64(c-i) / float64(n-i)
	}
	return r
}
