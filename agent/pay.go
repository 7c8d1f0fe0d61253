package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cartwright-agent/cartwright/agent/bundle"
	"github.com/cartwright-agent/cartwright/skills"
)

// errUnsettled stops a run whose merchant call has an unknown outcome (a
// completion that timed out after every retry): the session stays
// "running" with its state persisted, and Resume replays the call under
// the same idempotency key instead of guessing.
var errUnsettled = errors.New("checkout outcome unknown; resume the session to settle it")

func (r *run) key(co *checkout, step string) string {
	return fmt.Sprintf("%s/%s/%d/%s", r.s.ID, co.Merchant, co.Round, step)
}

// current lists the live checkouts of the current round.
func (r *run) current() []*checkout {
	var out []*checkout
	for _, co := range r.s.Checkouts {
		if co.Round == r.s.Round && co.State != coCanceled && co.State != coRefunded {
			out = append(out, co)
		}
	}
	return out
}

// paid lists checkouts whose order exists (completed or captured).
func (r *run) paid() []*checkout {
	var out []*checkout
	for _, co := range r.s.Checkouts {
		if co.State == coCompleted || co.State == coCaptured {
			out = append(out, co)
		}
	}
	return out
}

// pay runs plan → quote → authorize → hold → complete → capture, re-deciding
// when a merchant's quote or checkout disagrees with what was predicted.
func (r *run) pay(ctx context.Context) error {
	s := r.s
	if _, err := r.infos(ctx); err != nil { // merchant clients for a resumed session
		return err
	}
	for {
		if s.Phase == phaseSearched {
			if s.Round >= r.a.cfg.MaxRounds {
				r.explain("gave up after %d re-decisions: merchants kept changing prices or stock", s.Round)
				r.unwind(ctx, "could not settle a basket")
				return r.finish(ctx, StatusFailed)
			}
			done, err := r.decide(ctx)
			if err != nil || done {
				return err
			}
		}
		cur := r.current()
		changed, err := r.quoteAll(ctx, cur)
		if err != nil {
			return err
		}
		if changed {
			if err := r.redecide(ctx, cur); err != nil {
				return err
			}
			continue
		}
		done, err := r.authorize(ctx, cur)
		if err != nil || done {
			return err
		}
		if done, err := r.holdAll(ctx, cur); err != nil || done {
			return err
		}
		changed, done, err = r.completeAll(ctx, cur)
		if err != nil || done {
			return err
		}
		if changed {
			if err := r.redecide(ctx, cur); err != nil {
				return err
			}
			continue
		}
		r.refreshBasket()
		s.Result.Calls.Minimum += 2 * len(r.paid()) // one quote and one completion per merchant paid
		r.explain("bought: %d order(s), charged %s", len(s.Result.Orders), s.Result.Charged)
		r.rememberPurchases(ctx)
		return r.finish(ctx, StatusBought)
	}
}

// redecide abandons the round's unpaid checkouts and asks for a new plan.
func (r *run) redecide(ctx context.Context, cur []*checkout) error {
	r.abandon(ctx, cur)
	r.s.Round++
	r.s.Phase = phaseSearched
	r.progress("decide", "re-deciding with what checkout revealed (round %d)", r.s.Round+1)
	return r.save(ctx)
}

// offerKey names a product at a merchant.
func offerKey(merchant, sku string) string { return merchant + "/" + sku }

// decide runs the exact bundle optimiser over the accepted offers (with
// facts learnt at checkout applied) for the items not yet bought, and
// records the plan's checkouts.
func (r *run) decide(ctx context.Context) (done bool, err error) {
	s := r.s
	in := s.Result.Intent
	bought := map[int]bool{}
	paidMerchant := map[string]bool{}
	var charged skills.Money
	for _, co := range r.paid() {
		for _, i := range co.Items {
			bought[i] = true
		}
		paidMerchant[co.Merchant] = true
		charged.Currency = co.Captured.Currency
		charged.Minor += co.Captured.Minor
	}
	var sol *bundle.Solution
	var open []int
	err = r.step(ctx, "bundle", r.bundleInput(bought), func() (string, error) {
		p := bundle.Problem{Merchants: s.Infos}
		skip := map[int]bool{}
		for _, u := range s.Result.Unavailable {
			skip[u.Item] = true
		}
		for ii, it := range in.Items {
			if bought[ii] || skip[ii] {
				continue
			}
			open = append(open, ii)
			item := bundle.Item{Name: it.Query, Quantity: it.Quantity}
			for ci := range s.Result.Considered {
				c := &s.Result.Considered[ci]
				if c.Item != ii || !c.Accepted || paidMerchant[c.Product.Merchant] {
					continue // a paid merchant's order is closed: no more lines there
				}
				if why := r.factReject(c); why != "" {
					c.Accepted, c.Reason = false, why
					continue
				}
				item.Offers = append(item.Offers, bundle.Offer{Merchant: c.Product.Merchant, SKU: c.Product.SKU,
					Title: c.Product.Title, UnitPrice: c.Product.Price, Rank: c.Rank})
			}
			p.Items = append(p.Items, item)
		}
		if in.Budget != nil {
			left, err := in.Budget.Sub(charged)
			if err != nil {
				return "", err
			}
			p.Budget = &left
		}
		var err error
		sol, err = bundle.Solve(p)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s over %d candidate(s), %d node(s)", sol.Basket.Total, sol.Candidates, sol.Nodes), nil
	})
	if errors.Is(err, bundle.ErrNoOffers) {
		r.explain("no acceptable offer is left: %v", err)
		s.Result.Decision = Decision{Action: ActionRefuse, Reasons: []Reason{{"no_offers", err.Error()}}}
		r.unwind(ctx, "nothing suitable left to complete the basket")
		return true, r.finish(ctx, StatusNoOffers)
	}
	if err != nil {
		return false, err
	}
	prefix := ""
	if s.Round > 0 {
		prefix = fmt.Sprintf("round %d: ", s.Round+1)
	}
	for _, e := range sol.Explanation {
		r.explain("%s%s", prefix, e)
	}
	r.explainMemoryChoices(ctx, sol, open)
	s.Result.Basket.Baseline = sol.Baseline.Total // of the latest decision: what was still available
	s.Solution = sol
	if s.Planned == nil {
		planned := sol.Basket.Total
		s.Planned = &planned
	}
	if !sol.WithinBudget {
		s.Result.Decision = Decision{Action: ActionRefuse, Reasons: []Reason{{"over_budget",
			fmt.Sprintf("the cheapest basket costs %s, over the budget %s", sol.Basket.Total, *in.Budget)}}}
		r.unwind(ctx, "over budget")
		return true, r.finish(ctx, StatusNoOffers)
	}
	for _, cart := range sol.Basket.Carts {
		co := &checkout{Merchant: cart.Merchant, Round: s.Round, State: coNew, Predicted: cart.Totals}
		qty, first := map[string]int{}, map[string]int{}
		var order []string
		for _, l := range cart.Lines {
			co.Items = append(co.Items, open[l.Item])
			if qty[l.Offer.SKU] == 0 {
				order = append(order, l.Offer.SKU)
				first[l.Offer.SKU] = open[l.Item]
			}
			qty[l.Offer.SKU] += l.Quantity
		}
		for _, sku := range order { // one line per SKU, even when two items share it
			co.Lines = append(co.Lines, skills.LineRequest{SKU: sku, Quantity: qty[sku]})
			co.LineItems = append(co.LineItems, first[sku])
		}
		s.Checkouts = append(s.Checkouts, co)
	}
	r.refreshBasket()
	r.progress("bundle", "plan: %s across %d merchant(s)", sol.Basket.Total, len(sol.Basket.Carts))
	s.Phase = phasePaying
	return false, r.save(ctx)
}

// factReject says why a once-accepted offer can no longer be used.
func (r *run) factReject(c *Considered) string {
	m, sku := c.Product.Merchant, c.Product.SKU
	if f, ok := r.s.Facts[m]; ok && f.Excluded != "" {
		return "merchant excluded at checkout: " + f.Excluded
	}
	f, ok := r.s.Facts[offerKey(m, sku)]
	if !ok {
		return ""
	}
	if f.OutOfStock {
		return "out of stock at checkout"
	}
	if f.Price != nil && *f.Price != c.Product.Price {
		old := c.Product.Price
		c.Product.Price = *f.Price
		if ok, why := r.accepts(c.Item, c.Product); !ok {
			return fmt.Sprintf("price changed at checkout from %s to %s: %s", old, *f.Price, why)
		}
	}
	return ""
}

// quoteAll creates each new checkout's quote, removes lines the merchant
// added on its own, and verifies the quote against the plan. changed
// reports that a quote disagreed (facts were recorded; re-decide).
func (r *run) quoteAll(ctx context.Context, cur []*checkout) (changed bool, err error) {
	err = r.step(ctx, "quote", cartsText(cur), func() (string, error) {
		var notes []string
		for _, co := range cur {
			if co.State != coNew {
				continue
			}
			ok, note, err := r.quote(ctx, co)
			if err != nil {
				return "", err
			}
			notes = append(notes, note)
			if !ok {
				changed = true
			}
			if err := r.save(ctx); err != nil {
				return "", err
			}
			if ok {
				r.checkpoint(ctx, co, CheckpointQuoted)
			}
		}
		return strings.Join(notes, "; "), nil
	})
	return changed, err
}

func (r *run) quote(ctx context.Context, co *checkout) (ok bool, note string, err error) {
	s := r.s
	m, err := r.a.merchant(co.Merchant)
	if err != nil {
		return false, "", err
	}
	mctx, cancel := context.WithTimeout(ctx, r.a.cfg.MerchantTimeout)
	defer cancel()
	req := skills.QuoteRequest{Lines: co.Lines, Coupon: co.Predicted.Coupon, Address: s.Result.Intent.Delivery, IdempotencyKey: r.key(co, "quote")}
	var q *skills.Quote
	err = r.call(mctx, opQuote, func(c context.Context) error {
		var err error
		q, err = m.Quote(c, req)
		return err
	})
	if q != nil {
		r.collectEvidence(ctx, m, q.ID)
	}
	if err != nil {
		if ctx.Err() != nil {
			return false, "", ctx.Err()
		}
		if errors.Is(err, skills.ErrOutOfStock) {
			for _, l := range co.Lines {
				s.Facts[offerKey(co.Merchant, l.SKU)] = fact{OutOfStock: true}
			}
		} else {
			s.Facts[co.Merchant] = fact{Excluded: "quote failed: " + err.Error()}
		}
		r.errorf("quote at %s: %v", co.Merchant, err)
		co.State = coCanceled
		return false, co.Merchant + ": quote failed", nil
	}
	co.Quote = q
	if extra := unrequested(co, q); len(extra) > 0 {
		co.RemovedAddOns = append(co.RemovedAddOns, extra...)
		for _, l := range extra {
			r.explain("removed %s's unrequested line %q (%s)", co.Merchant, l.Title, l.Total)
		}
		req.QuoteID, req.IdempotencyKey = q.ID, r.key(co, "requote")
		err = r.call(mctx, opQuote, func(c context.Context) error {
			var err error
			q, err = m.Quote(c, req)
			return err
		})
		if q != nil {
			r.collectEvidence(ctx, m, q.ID)
		}
		if err != nil {
			if ctx.Err() != nil {
				return false, "", ctx.Err()
			}
			s.Facts[co.Merchant] = fact{Excluded: "could not remove unrequested lines: " + err.Error()}
			r.errorf("re-quote at %s: %v", co.Merchant, err)
			return false, co.Merchant + ": re-quote failed", nil
		}
		co.Quote = q
		if extra := unrequested(co, q); len(extra) > 0 {
			s.Facts[co.Merchant] = fact{Excluded: "keeps unrequested lines in the cart"}
			r.explain("%s keeps unrequested lines in the cart: not buying there", co.Merchant)
			return false, co.Merchant + ": unrequested lines kept", nil
		}
	}
	// Verify against the plan: the merchant's prices, stock and rules.
	predicted := map[string]skills.Money{}
	for _, c := range s.Result.Considered {
		if c.Product.Merchant == co.Merchant {
			predicted[c.Product.SKU] = c.Product.Price
		}
	}
	same := true
	for _, l := range q.Lines {
		if p, ok := predicted[l.SKU]; ok && l.UnitPrice != p {
			np := l.UnitPrice
			s.Facts[offerKey(co.Merchant, l.SKU)] = fact{Price: &np}
			r.explain("%s quotes %s at %s, not %s", co.Merchant, l.SKU, l.UnitPrice, p)
			same = false
		}
	}
	for _, msg := range q.Messages {
		if msg.Code == "out_of_stock" {
			if sku := lineSKU(q, msg.Param); sku != "" {
				s.Facts[offerKey(co.Merchant, sku)] = fact{OutOfStock: true}
			} else {
				for _, l := range co.Lines {
					s.Facts[offerKey(co.Merchant, l.SKU)] = fact{OutOfStock: true}
				}
			}
			r.explain("%s: out of stock at quote: %s", co.Merchant, msg.Text)
			same = false
		}
	}
	if same && q.Status != skills.StatusReady {
		why := quoteMessages(q)
		s.Facts[co.Merchant] = fact{Excluded: fmt.Sprintf("quote status %q", q.Status) + colonIf(why)}
		r.explain("%s's quote is %q, not ready for payment%s", co.Merchant, q.Status, colonIf(why))
		same = false
	}
	if same && q.Total.Currency == co.Predicted.Total.Currency && q.Total.Minor > co.Predicted.Total.Minor {
		s.Facts[co.Merchant] = fact{Excluded: fmt.Sprintf("quoted %s, its published rules give %s", q.Total, co.Predicted.Total)}
		r.explain("%s quoted %s where its published rules give %s: not buying there", co.Merchant, q.Total, co.Predicted.Total)
		same = false
	}
	if same && q.Total.Currency != co.Predicted.Total.Currency {
		s.Facts[co.Merchant] = fact{Excluded: "quoted in " + string(q.Total.Currency)}
		same = false
	}
	if !same {
		return false, co.Merchant + ": quote differs from the plan", nil
	}
	co.State = coQuoted
	return true, fmt.Sprintf("%s: %s", co.Merchant, q.Total), nil
}

// quoteMessages is what the merchant said about a quote, for a person:
// each message's text with its code and, when it names a field, what is
// missing ("the checkout needs a delivery address (missing: address)").
func quoteMessages(q *skills.Quote) string {
	var out []string
	for _, m := range q.Messages {
		text := strings.TrimSpace(m.Text)
		var tags []string
		switch {
		case m.Code == "missing" && m.Param != "":
			tags = append(tags, "missing: "+m.Param)
		case m.Code != "" && m.Param != "":
			tags = append(tags, m.Code+": "+m.Param)
		case m.Code != "":
			tags = append(tags, m.Code)
		}
		if text == "" && len(tags) == 0 {
			continue
		}
		if text == "" {
			out = append(out, tags[0])
			continue
		}
		if len(tags) > 0 {
			text += " (" + tags[0] + ")"
		}
		out = append(out, text)
	}
	return strings.Join(out, "; ")
}

// colonIf is ": s", or nothing when s is empty.
func colonIf(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// unrequested lists quote lines the runtime did not ask for (pre-selected
// add-ons, substitutes, wrong quantities).
func unrequested(co *checkout, q *skills.Quote) []skills.QuoteLine {
	want := map[string]int{}
	for _, l := range co.Lines {
		want[l.SKU] += l.Quantity
	}
	var extra []skills.QuoteLine
	for _, l := range q.Lines {
		if l.AddOn || want[l.SKU] == 0 {
			extra = append(extra, l)
			continue
		}
		want[l.SKU] -= l.Quantity
		if want[l.SKU] < 0 {
			extra = append(extra, l)
		}
	}
	return extra
}

// lineSKU resolves a message's param to the SKU of the quote line it names:
// a JSONPath into the checkout's line items ("$.line_items[1]", as ACP
// sends it), a line id, or the SKU itself. "" when it names no line.
func lineSKU(q *skills.Quote, param string) string {
	if param == "" {
		return ""
	}
	if m := lineIndex.FindStringSubmatch(param); m != nil {
		if i, err := strconv.Atoi(m[1]); err == nil && i >= 0 && i < len(q.Lines) {
			return q.Lines[i].SKU
		}
	}
	for _, l := range q.Lines {
		if l.ID != "" && (param == l.ID || strings.Contains(param, "'"+l.ID+"'") || strings.Contains(param, `"`+l.ID+`"`)) || param == l.SKU {
			return l.SKU
		}
	}
	return ""
}

// lineIndex matches a JSONPath to one line item by position.
var lineIndex = regexp.MustCompile(`line_items\[(\d+)\]`)

// basketKey identifies exactly what an authorisation was for.
func basketKey(round int, cos []*checkout) string {
	var b strings.Builder
	fmt.Fprintf(&b, "r%d", round)
	for _, co := range cos {
		if co.Quote != nil {
			fmt.Fprintf(&b, "|%s:%s:%d", co.Merchant, co.Quote.ID, co.Quote.Total.Minor)
		}
	}
	return b.String()
}

// authorize asks the policy about the whole basket and, when it says so,
// the user. done reports a finished session (refused or declined).
func (r *run) authorize(ctx context.Context, cur []*checkout) (done bool, err error) {
	s := r.s
	key := basketKey(s.Round, cur)
	if s.ApprovedKey == key {
		return false, nil // authorised before a crash: never ask twice
	}
	in := PolicyInput{SessionID: s.ID, UserID: s.Request.UserID, Intent: s.Result.Intent, Mandate: s.Request.Mandate,
		Requested: map[string]map[string]int{}, Categories: map[string]string{}, Predicted: map[string]skills.Money{}, Now: r.a.now()}
	if s.Planned != nil {
		in.Planned = *s.Planned
	}
	total := skills.M(0, s.Result.Intent.Currency)
	for _, co := range r.paid() {
		in.Paid = append(in.Paid, *co.Order)
		total.Currency = co.Captured.Currency
		total.Minor += co.Captured.Minor
	}
	for _, co := range cur {
		in.Quotes = append(in.Quotes, *co.Quote)
		req := map[string]int{}
		for _, l := range co.Lines {
			req[l.SKU] += l.Quantity
		}
		in.Requested[co.Merchant] = req
		in.Predicted[co.Merchant] = co.Predicted.Total
		if total, err = total.Add(co.Quote.Total); err != nil {
			return false, err
		}
	}
	for _, c := range s.Result.Considered {
		in.Categories[offerKey(c.Product.Merchant, c.Product.SKU)] = c.Product.Category
	}
	in.Total = total
	in.Requirements = r.checkLines(ctx, cur)
	var d Decision
	err = r.step(ctx, "policy", fmt.Sprintf("%s over %d cart(s)", in.Total, len(in.Quotes)), func() (string, error) {
		var err error
		d, err = r.a.cfg.Policy.Decide(ctx, in)
		if err != nil {
			return "", fmt.Errorf("policy: %w", err)
		}
		return d.Action + ": " + reasonText(d.Reasons), nil
	})
	if err != nil {
		return false, err
	}
	// The runtime's own invariant, whatever the policy: a basket that costs
	// more than first planned (checkout revealed higher prices) is never
	// paid without asking.
	if d.Action == ActionPay && in.Planned.Currency == total.Currency && total.Minor > in.Planned.Minor {
		d = Decision{Action: ActionConfirm, Reasons: append(d.Reasons, Reason{"price_rose",
			fmt.Sprintf("the basket now costs %s, more than the %s first planned", total, in.Planned)})}
	}
	// The requirement check, whatever the policy: a product that
	// conflicts with what the person asked is never paid, and one that
	// leaves a requirement without evidence is never paid without asking.
	if reqRefuse, reqConfirm := requirementReasons(in.Requirements); len(reqRefuse) > 0 && d.Action != ActionRefuse {
		d = Decision{Action: ActionRefuse, Reasons: append(reqRefuse, d.Reasons...)}
	} else if len(reqConfirm) > 0 && d.Action == ActionPay {
		d = Decision{Action: ActionConfirm, Reasons: reqConfirm}
	} else if len(reqConfirm) > 0 && d.Action == ActionConfirm && !hasReason(d.Reasons, ReasonRequirementUnverified) {
		d.Reasons = append(d.Reasons, reqConfirm...) // the person sees what lacks evidence
	}
	// Items nobody sells: the rest of the basket is a different purchase
	// from the one asked for, so it is never paid without the person.
	if len(s.Result.Unavailable) > 0 && d.Action != ActionRefuse && !hasReason(d.Reasons, ReasonItemsUnavailable) {
		var names []string
		for _, u := range s.Result.Unavailable {
			names = append(names, fmt.Sprintf("%q", u.Query))
		}
		reason := Reason{ReasonItemsUnavailable, fmt.Sprintf("nothing acceptable is offered for %s; buy the rest of the basket without it?", strings.Join(names, ", "))}
		if d.Action == ActionPay {
			d = Decision{Action: ActionConfirm, Reasons: []Reason{reason}}
		} else {
			d.Reasons = append(d.Reasons, reason)
		}
	}
	s.Result.Decision = d
	r.a.audit(ctx, s, "decision", map[string]any{"action": d.Action, "reasons": d.Reasons, "total": total, "quotes": in.Quotes})
	r.explain("policy: %s (%s)", d.Action, reasonText(d.Reasons))
	r.progress("policy", "%s %s: %s", d.Action, total, reasonText(d.Reasons))
	switch d.Action {
	case ActionPay:
	case ActionConfirm:
		if r.a.cfg.Confirmer == nil {
			s.Result.Confirmation = Confirmation{}
			r.explain("confirmation needed but nobody can be asked: nothing charged")
			r.unwind(ctx, "confirmation unavailable")
			return true, r.finish(ctx, StatusDeclined)
		}
		if err := r.save(ctx); err != nil {
			return false, err
		}
		var ok bool
		err := r.step(ctx, "confirm", total.String(), func() (string, error) {
			var err error
			ok, err = r.a.cfg.Confirmer.Confirm(ctx, Proposal{SessionID: s.ID, Request: s.Request.Text, Quotes: in.Quotes, Total: total, Reasons: d.Reasons})
			if err != nil {
				return "", fmt.Errorf("confirm: %w", err)
			}
			return fmt.Sprintf("approved=%v", ok), nil
		})
		if err != nil {
			return false, err
		}
		s.Result.Confirmation = Confirmation{Asked: true, Approved: ok}
		r.a.audit(ctx, s, "confirmation", map[string]any{"asked": true, "approved": ok, "total": total})
		if ok && (s.Planned == nil || total.Minor > s.Planned.Minor) {
			approved := total // the user agreed to this much: a later re-decision asks again only above it
			s.Planned = &approved
		}
		if !ok {
			r.explain("the user declined: nothing charged in this session")
			r.unwind(ctx, "declined by the user")
			return true, r.finish(ctx, StatusDeclined)
		}
	case ActionRefuse:
		r.unwind(ctx, "refused by policy")
		return true, r.finish(ctx, StatusRefused)
	default:
		return false, fmt.Errorf("policy returned unknown action %q", d.Action)
	}
	s.ApprovedKey = key
	return false, r.save(ctx)
}

func hasReason(rs []Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

func reasonText(rs []Reason) string {
	var parts []string
	for _, x := range rs {
		parts = append(parts, x.Code+": "+x.Detail)
	}
	return strings.Join(parts, "; ")
}

// holdAll reserves every cart's total in the wallet before any merchant is
// paid, so a basket the wallet cannot cover charges nothing.
func (r *run) holdAll(ctx context.Context, cur []*checkout) (done bool, err error) {
	s := r.s
	var refused error
	err = r.step(ctx, "hold", cartsText(cur), func() (string, error) {
		for _, co := range cur {
			if co.State != coQuoted {
				continue
			}
			id, err := r.a.cfg.Wallet.Hold(ctx, r.key(co, "hold"), co.Quote.Total, fmt.Sprintf("session %s: %s quote %s", s.ID, co.Merchant, co.Quote.ID))
			if err != nil {
				if ctx.Err() != nil {
					return "", ctx.Err()
				}
				refused = err
				return "", nil
			}
			co.HoldID, co.Held, co.State = id, co.Quote.Total, coHeld
			if err := r.save(ctx); err != nil {
				return "", err
			}
			r.checkpoint(ctx, co, CheckpointHeld)
		}
		return fmt.Sprintf("%d hold(s)", len(cur)), nil
	})
	if err != nil {
		return false, err
	}
	if refused != nil {
		code := "wallet_refused"
		if errors.Is(refused, ErrInsufficientFunds) {
			code = "insufficient_funds"
		}
		s.Result.Decision = Decision{Action: ActionRefuse, Reasons: append(s.Result.Decision.Reasons, Reason{code, refused.Error()})}
		r.explain("the wallet refused the payment: %v", refused)
		r.unwind(ctx, "wallet refused")
		return true, r.finish(ctx, StatusRefused)
	}
	return false, nil
}

// completeAll pays each held cart: credential → complete → capture.
func (r *run) completeAll(ctx context.Context, cur []*checkout) (changed, done bool, err error) {
	s := r.s
	var failure error
	err = r.step(ctx, "pay", cartsText(cur), func() (string, error) {
		var notes []string
		for _, co := range cur {
			if co.State == coCaptured {
				continue
			}
			ch, fatal, err := r.complete(ctx, co)
			if err != nil {
				return "", err
			}
			if fatal != nil {
				failure = fmt.Errorf("%s: %w", co.Merchant, fatal)
				return "checkout failed at " + co.Merchant, nil
			}
			if ch {
				changed = true
				return co.Merchant + ": quote changed at completion", nil
			}
			notes = append(notes, fmt.Sprintf("%s: order %s %s", co.Merchant, co.Order.ID, co.Order.Total))
		}
		return strings.Join(notes, "; "), nil
	})
	if err != nil || failure == nil {
		return changed, false, err
	}
	s.Result.Decision.Reasons = append(s.Result.Decision.Reasons, Reason{"checkout_failed", failure.Error()})
	r.explain("checkout failed: %v", failure)
	r.unwind(ctx, "checkout failed")
	return false, true, r.finish(ctx, StatusFailed)
}

// complete pays one cart. changed: the merchant changed the quote (facts
// recorded, hold released). fatal: an irrecoverable checkout failure.
func (r *run) complete(ctx context.Context, co *checkout) (changed bool, fatal, err error) {
	s := r.s
	m, err := r.a.merchant(co.Merchant)
	if err != nil {
		return false, nil, err
	}
	if co.State == coHeld {
		if co.Credential == nil {
			cred, err := r.a.cfg.Rail.Credential(ctx, CredentialRequest{SessionID: s.ID, IdempotencyKey: r.key(co, "credential"),
				Merchant: co.Merchant, Quote: *co.Quote, Amount: co.Quote.Total, Mandate: s.Request.Mandate})
			if err != nil {
				if ctx.Err() != nil {
					return false, nil, ctx.Err()
				}
				r.releaseHold(ctx, co)
				return false, fmt.Errorf("payment credential refused: %w", err), nil
			}
			co.Credential = &cred
			// The token is a bearer credential: the log keeps its fingerprint.
			r.a.audit(ctx, s, "token", map[string]any{"merchant": co.Merchant, "quote": co.Quote.ID, "amount": co.Quote.Total,
				"type": cred.Type, "fingerprint": fingerprint(cred.Token)})
			if err := r.save(ctx); err != nil {
				return false, nil, err
			}
			r.checkpoint(ctx, co, CheckpointToken)
		}
		// Retried while the merchant is unavailable: the idempotency key
		// makes every attempt the same completion.
		var order *skills.Order
		err := r.retry(ctx, opComplete, r.a.cfg.CompleteRetries, r.a.cfg.MerchantTimeout, func(c context.Context) error {
			var err error
			order, err = m.Complete(c, skills.CompleteRequest{QuoteID: co.Quote.ID, Credential: *co.Credential,
				Address: s.Result.Intent.Delivery, IdempotencyKey: r.key(co, "complete")})
			return err
		})
		r.collectEvidence(ctx, m, co.Quote.ID)
		var qc *skills.QuoteChangedError
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return false, nil, ctx.Err()
		case errors.As(err, &qc):
			r.learnChange(ctx, co, m, qc, false)
			r.releaseHold(ctx, co)
			return true, nil, r.save(ctx)
		case errors.Is(err, skills.ErrOutOfStock):
			// Which line ran out? The merchant's current cart says; only
			// when it cannot tell is every line of this cart given up.
			r.learnChange(ctx, co, m, &skills.QuoteChangedError{Reason: "out of stock: " + err.Error()}, true)
			r.releaseHold(ctx, co)
			return true, nil, r.save(ctx)
		case errors.Is(err, skills.ErrPaymentDeclined):
			r.releaseHold(ctx, co)
			return false, err, nil
		case errors.Is(err, skills.ErrInvalid), errors.Is(err, skills.ErrNotFound):
			// This merchant will not complete this checkout (its form wants
			// what we lack, the session vanished): nothing was charged, so
			// leave it out and re-decide among the others.
			s.Facts[co.Merchant] = fact{Excluded: "checkout refused: " + err.Error()}
			r.explain("%s refused the checkout: %v", co.Merchant, err)
			r.releaseHold(ctx, co)
			return true, nil, r.save(ctx)
		default:
			// Unavailable after every retry, or a transport failure: the
			// merchant may or may not have completed. Stop, keep the
			// state, and let Resume replay the same idempotent request.
			r.errorf("completion at %s: %v", co.Merchant, err)
			return false, nil, fmt.Errorf("%w: %s: %w", errUnsettled, co.Merchant, err)
		}
		r.checkpoint(ctx, co, CheckpointCompleted)
		if order.Total.Currency != co.Held.Currency || order.Total.Minor > co.Held.Minor {
			// A merchant reported more than was authorised: keep the hold's
			// amount as the cap and fail the basket.
			co.Order, co.State = order, coCompleted
			_ = r.save(ctx)
			return false, fmt.Errorf("%s charged %s, more than the authorised %s", co.Merchant, order.Total, co.Held), nil
		}
		co.Order, co.State = order, coCompleted
		if err := r.save(ctx); err != nil {
			return false, nil, err
		}
		r.checkpoint(ctx, co, CheckpointRecorded)
	}
	if co.State == coCompleted {
		if err := r.a.cfg.Wallet.Capture(ctx, r.key(co, "capture"), co.HoldID, co.Order.Total); err != nil {
			return false, nil, fmt.Errorf("wallet capture for %s: %w", co.Merchant, err)
		}
		r.checkpoint(ctx, co, CheckpointCaptured)
		co.Captured, co.State = co.Order.Total, coCaptured
		s.Result.Orders = append(s.Result.Orders, *co.Order)
		r.recharge()
		r.progress("pay", "order %s at %s: %s", co.Order.ID, co.Merchant, co.Order.Total)
		r.a.audit(ctx, s, "order", co.Order)
		r.a.audit(ctx, s, "payment", map[string]any{"merchant": co.Merchant, "order": co.Order.ID, "hold": co.HoldID,
			"captured": co.Captured, "payment_id": co.Order.PaymentID})
		if err := r.save(ctx); err != nil {
			return false, nil, err
		}
	}
	return false, nil, nil
}

// learnChange records what a QuoteChangedError revealed: a line whose
// price moved gets its new price, a line that ran out is out of stock — only
// that SKU, so the merchant's other lines stay in play for the re-decision.
// When nothing specific can be learnt, the merchant is left out
// (stockOut: every line of the cart is marked out of stock instead).
func (r *run) learnChange(ctx context.Context, co *checkout, m skills.Merchant, qc *skills.QuoteChangedError, stockOut bool) {
	s := r.s
	r.explain("%s changed the quote at completion: %s", co.Merchant, qc.Reason)
	q := qc.Quote
	if q == nil { // ask for the current cart
		mctx, cancel := context.WithTimeout(ctx, r.a.cfg.MerchantTimeout)
		defer cancel()
		_ = r.call(mctx, opQuote, func(c context.Context) error {
			var err error
			q, err = m.Quote(c, skills.QuoteRequest{QuoteID: co.Quote.ID, Lines: co.Lines, IdempotencyKey: r.key(co, "refresh")})
			return err
		})
	}
	learnt := false
	if q != nil {
		have := map[string]bool{}
		for _, l := range q.Lines {
			have[l.SKU] = true
			for _, old := range co.Quote.Lines {
				if old.SKU == l.SKU && old.UnitPrice != l.UnitPrice {
					np := l.UnitPrice
					s.Facts[offerKey(co.Merchant, l.SKU)] = fact{Price: &np}
					r.explain("%s: %s now %s (was %s)", co.Merchant, l.SKU, l.UnitPrice, old.UnitPrice)
					learnt = true
				}
			}
		}
		for _, l := range co.Lines {
			if !have[l.SKU] {
				s.Facts[offerKey(co.Merchant, l.SKU)] = fact{OutOfStock: true}
				learnt = true
			}
		}
		for _, msg := range q.Messages {
			if msg.Code == "out_of_stock" {
				if sku := lineSKU(q, msg.Param); sku != "" {
					s.Facts[offerKey(co.Merchant, sku)] = fact{OutOfStock: true}
					r.explain("%s: %s is out of stock; only that line is given up", co.Merchant, sku)
					learnt = true
				}
			}
		}
	}
	switch {
	case learnt:
	case stockOut: // out of stock, but which line is unknown: none of them
		for _, l := range co.Lines {
			s.Facts[offerKey(co.Merchant, l.SKU)] = fact{OutOfStock: true}
		}
		r.explain("%s ran out of stock at completion", co.Merchant)
	default: // nothing specific: do not try this merchant again
		s.Facts[co.Merchant] = fact{Excluded: "changed the quote at completion: " + qc.Reason}
	}
}

func (r *run) releaseHold(ctx context.Context, co *checkout) {
	if co.HoldID == "" || co.State != coHeld {
		return
	}
	if err := r.a.cfg.Wallet.Release(context.WithoutCancel(ctx), r.key(co, "release"), co.HoldID); err != nil {
		r.errorf("release hold %s: %v", co.HoldID, err)
		return
	}
	co.State = coQuoted
	co.Credential = nil
}

// abandon releases and cancels the given unpaid checkouts.
func (r *run) abandon(ctx context.Context, cos []*checkout) {
	ctx = context.WithoutCancel(ctx)
	for _, co := range cos {
		switch co.State {
		case coNew, coQuoted, coHeld:
		default:
			continue
		}
		r.releaseHold(ctx, co)
		if co.Quote != nil && co.Quote.ID != "" {
			if m, err := r.a.merchant(co.Merchant); err == nil {
				mctx, cancel := context.WithTimeout(ctx, r.a.cfg.MerchantTimeout)
				err := r.call(mctx, opCancel, func(c context.Context) error {
					return m.Cancel(c, co.Quote.ID, r.key(co, "cancel"))
				})
				cancel()
				if err != nil {
					r.errorf("cancel quote %s at %s: %v", co.Quote.ID, co.Merchant, err)
				}
			}
		}
		co.State = coCanceled
	}
}

// unwind makes a basket all-or-nothing: open checkouts are released and
// cancelled, orders already paid in this session are refunded.
func (r *run) unwind(ctx context.Context, reason string) {
	s := r.s
	ctx = context.WithoutCancel(ctx)
	var open []*checkout
	for _, co := range s.Checkouts {
		switch co.State {
		case coNew, coQuoted, coHeld:
			open = append(open, co)
		}
	}
	r.abandon(ctx, open)
	for _, co := range s.Checkouts {
		if co.State != coCompleted && co.State != coCaptured {
			continue
		}
		if co.State == coCompleted { // the merchant took the money: settle the ledger first
			amt := co.Order.Total
			if amt.Minor > co.Held.Minor {
				amt = co.Held
			}
			if err := r.a.cfg.Wallet.Capture(ctx, r.key(co, "capture"), co.HoldID, amt); err != nil {
				r.errorf("capture before refund at %s: %v", co.Merchant, err)
				continue
			}
			co.Captured, co.State = amt, coCaptured
			s.Result.Orders = append(s.Result.Orders, *co.Order)
		}
		m, err := r.a.merchant(co.Merchant)
		if err != nil {
			r.errorf("refund at %s: %v", co.Merchant, err)
			continue
		}
		var ref *skills.Refund
		mctx, cancel := context.WithTimeout(ctx, r.a.cfg.MerchantTimeout)
		err = r.call(mctx, opRefund, func(c context.Context) error {
			var err error
			ref, err = m.Refund(c, skills.RefundRequest{OrderID: co.Order.ID, Reason: reason, IdempotencyKey: r.key(co, "refund")})
			return err
		})
		cancel()
		if err != nil {
			r.errorf("refund order %s at %s: %v (money still with the merchant)", co.Order.ID, co.Merchant, err)
			continue
		}
		amt := ref.Amount
		if amt.Minor == 0 || amt.Minor > co.Captured.Minor {
			amt = co.Captured
		}
		if err := r.a.cfg.Wallet.Refund(ctx, r.key(co, "wallet-refund"), co.HoldID, amt); err != nil {
			r.errorf("wallet refund for %s: %v", co.Order.ID, err)
			continue
		}
		co.Refunded, co.State = amt, coRefunded
		for i := range s.Result.Orders {
			if s.Result.Orders[i].ID == co.Order.ID {
				s.Result.Orders[i].Refunded = amt
			}
		}
		s.Result.Refunds = append(s.Result.Refunds, *ref)
		r.a.audit(ctx, s, "refund", map[string]any{"merchant": co.Merchant, "order": co.Order.ID, "refund": ref.ID, "amount": amt, "reason": reason})
		r.explain("refunded order %s at %s (%s): %s", co.Order.ID, co.Merchant, amt, reason)
	}
	r.recharge()
	_ = r.save(ctx)
}

// recharge recomputes Charged: captured minus refunded.
func (r *run) recharge() {
	s := r.s
	c := skills.M(0, s.Result.Intent.Currency)
	for _, co := range s.Checkouts {
		if co.Captured.Currency != "" {
			c.Currency = co.Captured.Currency
		}
		c.Minor += co.Captured.Minor - co.Refunded.Minor
	}
	s.Result.Charged = c
}

// refreshBasket rebuilds Result.Basket from the live checkouts.
func (r *run) refreshBasket() {
	s := r.s
	b := Basket{Baseline: s.Result.Basket.Baseline}
	var live []*checkout
	for _, co := range s.Checkouts {
		if co.State == coCaptured || co.State == coCompleted || (co.Round == s.Round && co.State != coCanceled && co.State != coRefunded) {
			live = append(live, co)
		}
	}
	sort.SliceStable(live, func(i, j int) bool { return live[i].Merchant < live[j].Merchant })
	titles := map[string]string{}
	prices := map[string]skills.Money{}
	for _, c := range s.Result.Considered {
		titles[offerKey(c.Product.Merchant, c.Product.SKU)] = c.Product.Title
		prices[offerKey(c.Product.Merchant, c.Product.SKU)] = c.Product.Price
	}
	b.Total = skills.M(0, s.Result.Intent.Currency)
	for _, co := range live {
		mt := MerchantTotal{Merchant: co.Merchant, Subtotal: co.Predicted.Subtotal, Discount: co.Predicted.Discount,
			Shipping: co.Predicted.Shipping, Total: co.Predicted.Total, Coupon: co.Predicted.Coupon}
		if q := co.Quote; q != nil && co.State != coNew {
			mt = MerchantTotal{Merchant: co.Merchant, Subtotal: q.Subtotal, Discount: q.Discount, Shipping: q.Shipping, Total: q.Total, Coupon: q.Coupon}
		}
		if o := co.Order; o != nil {
			mt.Total = o.Total
		}
		b.Merchants = append(b.Merchants, mt)
		b.Total.Currency = mt.Total.Currency
		b.Total.Minor += mt.Total.Minor
		for li, l := range co.Lines {
			k := offerKey(co.Merchant, l.SKU)
			unit := prices[k]
			if co.Quote != nil {
				for _, ql := range co.Quote.Lines {
					if ql.SKU == l.SKU && !ql.AddOn {
						unit = ql.UnitPrice
					}
				}
			}
			item := -1
			if li < len(co.LineItems) {
				item = co.LineItems[li]
			}
			tot, _ := unit.Mul(int64(l.Quantity))
			b.Lines = append(b.Lines, BasketLine{Item: item, Merchant: co.Merchant, SKU: l.SKU, Title: titles[k], Quantity: l.Quantity, UnitPrice: unit, Total: tot})
		}
	}
	s.Result.Basket = b
}

// cartsText describes carts for step records: "brew: 2×SKU; …".
func cartsText(cos []*checkout) string {
	var parts []string
	for _, co := range cos {
		var ls []string
		for _, l := range co.Lines {
			ls = append(ls, fmt.Sprintf("%d×%s", l.Quantity, l.SKU))
		}
		parts = append(parts, co.Merchant+": "+strings.Join(ls, ", "))
	}
	return strings.Join(parts, "; ")
}

func (r *run) bundleInput(bought map[int]bool) string {
	in := r.s.Result.Intent
	n := 0
	for i := range in.Items {
		if !bought[i] {
			n++
		}
	}
	s := fmt.Sprintf("round %d: %d open item(s), %d fact(s) from checkout", r.s.Round+1, n, len(r.s.Facts))
	if in.Budget != nil {
		s += ", budget " + in.Budget.String()
	}
	return s
}

// fingerprint identifies a secret without revealing it.
func fingerprint(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(h[:8])
}
