package evals

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/skills"
)

// Explain writes, for one run of s: the request, the intent the planner
// produced, the offers considered, the basket, the decision, what the world
// saw happen, and exactly why the run scored as it did.
func Explain(w io.Writer, s *Scenario, r Run) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("scenario  %s  (%s:%d)", s.ID, s.File, s.Line)
	if s.Title != "" {
		p("title     %s", s.Title)
	}
	p("request   %q", s.Request)
	p("user      %s, wallet %s, confirm=%s, clarify=%q", s.User.ID, s.User.Wallet, s.User.Answers.Confirm, s.User.Answers.Clarify)
	for _, m := range s.User.Memory {
		p("memory    %q (%s)", m.Text, orDash(m.Kind))
	}
	if md := s.User.Mandate.forAgent(); md != nil {
		p("mandate   max_total=%s confirm_above=%s merchants=%v categories=%v", moneyOr(md.MaxTotal), moneyOr(md.ConfirmAbove), md.Merchants, md.Categories)
	}
	p("expect    purchase=%v confirmation=%s clarification=%s max_total=%s", s.Expect.Purchase, s.Expect.Confirmation, s.Expect.Clarification, moneyOr(s.Expect.MaxTotal))
	for i, it := range s.Expect.Items {
		p("          items[%d]: %s × %d", i, describeMatch(it.Match), it.Quantity)
	}
	for _, f := range s.Expect.Forbidden {
		p("          forbidden: %s", describeMatch(f))
	}
	p("")
	p("run       trial %d, seed %d, planner %s: status %s, %s, %d steps, %d merchant calls, %d model calls",
		r.Trial, r.Seed, r.Planner, r.Status, r.Wall.Round(1e6), r.Steps, r.MerchantCalls, r.ModelCalls)
	if r.Error != "" {
		p("error     %s", r.Error)
	}
	if d := r.Detail; d != nil {
		in := d.Intent
		p("")
		p("intent (planner %s):", orDash(in.Planner))
		for i, it := range in.Items {
			p("  [%d] %q category=%s qty=%d attrs=%v exclude=%v brand=%s max_unit=%s prefer=%v", i, it.Query, orDash(it.Category), it.Quantity,
				it.Attributes, it.ExcludeAttributes, orDash(it.Brand), moneyOr(it.MaxUnitPrice), it.Prefer)
		}
		if in.Budget != nil {
			p("  budget %s", in.Budget)
		}
		if len(in.Merch.Allow)+len(in.Merch.Deny)+len(in.Category.Allow)+len(in.Category.Deny) > 0 {
			p("  merchants %+v categories %+v", in.Merch, in.Category)
		}
		if in.Clarify != nil {
			p("  clarify: %q %v", in.Clarify.Question, in.Clarify.Options)
		}
		for _, n := range in.Notes {
			p("  note: %s%s", n.Text, ifNotEmpty(" (memory "+n.Source+")", n.Source))
		}
		if len(d.Considered) > 0 {
			p("")
			p("offers considered (%d):", len(d.Considered))
			cs := append(d.Considered[:0:0], d.Considered...)
			sort.SliceStable(cs, func(i, j int) bool {
				if cs[i].Item != cs[j].Item {
					return cs[i].Item < cs[j].Item
				}
				if cs[i].Accepted != cs[j].Accepted {
					return cs[i].Accepted
				}
				return cs[i].Rank < cs[j].Rank
			})
			shown := 0
			for _, c := range cs {
				if shown >= 25 {
					p("  … %d more", len(cs)-shown)
					break
				}
				shown++
				verdict := fmt.Sprintf("rank %d", c.Rank)
				if !c.Accepted {
					verdict = "rejected: " + c.Reason
				}
				p("  [%d] %s/%s %q %s — %s", c.Item, c.Product.Merchant, c.Product.SKU, c.Product.Title, c.Product.Price, verdict)
			}
		}
		p("")
		p("basket: total %s (per-item cheapest baseline %s)", d.Basket.Total, d.Basket.Baseline)
		for _, l := range d.Basket.Lines {
			p("  [%d] %s %s %q × %d @ %s = %s", l.Item, l.Merchant, l.SKU, l.Title, l.Quantity, l.UnitPrice, l.Total)
		}
		for _, m := range d.Basket.Merchants {
			p("  %s: subtotal %s − %s %s + shipping %s = %s", m.Merchant, m.Subtotal, m.Discount, orDash(m.Coupon), m.Shipping, m.Total)
		}
		p("decision: %s", orDash(d.Decision.Action))
		for _, rs := range d.Decision.Reasons {
			p("  %s: %s", rs.Code, rs.Detail)
		}
		for _, e := range d.Explanation {
			p("  · %s", e)
		}
		for _, e := range d.Errors {
			p("  ! %s", e)
		}
	}
	p("")
	p("observed: charged %s, x402 fees %s; confirmation asked=%v; clarification asked=%v%s", r.Charged, r.Fees, r.ConfirmationAsked, r.ClarificationAsked, ifNotEmpty(" ("+r.Question+")", r.Question))
	for _, e := range r.Exchanges {
		if e.Kind == ExchangeConfirm {
			p("  user asked to confirm %s: %s", moneyOr(e.Total), e.Answer)
		} else {
			p("  user asked %q: %s", e.Question, orDash(fmt.Sprintf("%q", e.Answer)))
		}
	}
	if d := r.Detail; d != nil {
		for _, o := range d.Orders {
			p("  order %s at %s: %s", o.ID, o.Merchant, o.Total)
		}
	}
	p("")
	sc := r.Score
	p("score: completed=%v wrong_purchase=%v match=%d optimality=%s", sc.Completed, sc.WrongPurchase, sc.MatchScore, optOr(sc.PriceOptimality))
	for _, f := range sc.Wrong {
		p("  WRONG  %s", f)
	}
	for _, f := range sc.Failures {
		p("  FAIL   %s", f)
	}
	if sc.Optimum != nil {
		p("  optimum %s: %s (%d baskets searched)", sc.Optimum.Total, describePicks(sc.Optimum.Picks), sc.Optimum.Tried)
	} else if s.Expect.Purchase {
		if opt, err := CheapestBasket(s); err == nil {
			p("  optimum (for reference) %s: %s", opt.Total, describePicks(opt.Picks))
		}
	}
	for _, m := range sc.MatchDetail {
		p("  match  %s", m)
	}
	p("why: %s", r.Reason)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func ifNotEmpty(s, v string) string {
	if v == "" {
		return ""
	}
	return s
}

func moneyOr(m *skills.Money) string {
	if m == nil {
		return "-"
	}
	return m.String()
}

func optOr(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *p)
}
