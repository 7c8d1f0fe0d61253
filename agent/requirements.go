package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/cartwright-agent/cartwright/agent/check"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// Reason codes of the requirement check (agent/check): a chosen product
// that shows something else than a stated requirement is refused; one that
// shows no evidence for it is asked, never paid silently.
const (
	ReasonRequirementConflict   = "requirement_conflict"
	ReasonRequirementUnverified = "requirement_unverified"
)

// RequirementFact is one line's requirement that the product does not
// evidence, as code found it (agent/check): Code is
// ReasonRequirementConflict or ReasonRequirementUnverified.
type RequirementFact struct {
	Merchant string `json:"merchant"`
	SKU      string `json:"sku"`
	Item     int    `json:"item"`
	Code     string `json:"code"`
	Detail   string `json:"detail"`
}

// requirementReasons turns facts into policy reasons: conflicts refuse,
// unverified requirements need the person's confirmation.
func requirementReasons(facts []RequirementFact) (refuse, confirm []Reason) {
	for _, f := range facts {
		r := Reason{f.Code, fmt.Sprintf("%s %s: %s", f.Merchant, f.SKU, f.Detail)}
		if f.Code == ReasonRequirementConflict {
			refuse = append(refuse, r)
		} else {
			confirm = append(confirm, r)
		}
	}
	return refuse, confirm
}

// checkCatalog is the run's catalog vocabulary: the merchants' published
// vocabularies and every product the searches returned.
func (r *run) checkCatalog() *check.Catalog {
	if r.catalog != nil {
		return r.catalog
	}
	list := make([]skills.MerchantInfo, 0, len(r.s.Infos))
	for _, id := range sortedIDs(r.s.Infos) {
		list = append(list, r.s.Infos[id])
	}
	ps := make([]skills.Product, 0, len(r.s.Result.Considered))
	for _, c := range r.s.Result.Considered {
		ps = append(ps, c.Product)
	}
	r.catalog = check.NewCatalog(planner.MergeVocabulary(list), ps)
	return r.catalog
}

// checkRequest is what the person said, for item ii: the request, the
// answers given, and the intent.
func (r *run) checkRequest(ii int) check.Request {
	answers := []string{r.s.Request.Answer}
	for _, e := range r.s.Result.Clarification.Exchanges {
		answers = append(answers, e.Answer)
	}
	in := r.s.Result.Intent
	if in.Request == "" {
		in.Request = r.s.Request.Text
	}
	req := check.For(in, ii, answers...)
	for _, m := range r.s.Memory {
		req.Memory = append(req.Memory, m.Text)
	}
	return req
}

// screen applies the requirement check while comparing: an offer that
// conflicts with a stated requirement is rejected, and when some offer of
// an item evidences every requirement, the offers that leave one
// unverified are set aside, so the optimiser picks a conforming product
// instead of the policy refusing at the end. The final check before
// authorisation runs regardless (authorize).
func (r *run) screen(cs []Considered) {
	cat := r.checkCatalogFrom(cs)
	verdicts := make([]check.Verdict, len(cs))
	conforming := map[int]bool{}
	for ci := range cs {
		c := &cs[ci]
		if !c.Accepted {
			continue
		}
		v := check.Check(r.checkRequest(c.Item), c.Product, cat)
		verdicts[ci] = v
		switch v.Outcome {
		case check.Refuse:
			c.Accepted, c.Reason = false, "requirement conflict: "+v.Summary()
		case check.Pass:
			conforming[c.Item] = true
		}
	}
	for ci := range cs {
		c := &cs[ci]
		if c.Accepted && verdicts[ci].Outcome == check.Confirm && conforming[c.Item] {
			c.Accepted, c.Reason = false, "requirement unverified: "+verdicts[ci].Summary()+" (another offer evidences every requirement)"
		}
	}
}

// checkCatalogFrom builds the catalog from the offers being compared (the
// session's Considered is not set yet while comparing).
func (r *run) checkCatalogFrom(cs []Considered) *check.Catalog {
	saved := r.s.Result.Considered
	r.s.Result.Considered = cs
	r.catalog = nil
	cat := r.checkCatalog()
	r.s.Result.Considered = saved
	return cat
}

// checkLines runs the requirement check on every line about to be paid
// and returns the facts for the policy. It records each verdict in the
// session result and the audit log.
func (r *run) checkLines(ctx context.Context, cur []*checkout) []RequirementFact {
	s := r.s
	cat := r.checkCatalog()
	var facts []RequirementFact
	var verdicts []check.Verdict
	for _, co := range cur {
		if len(co.Items) > len(co.Lines) && len(co.Lines) > 0 {
			// one product serves several of the request's items
			seen := map[int]bool{}
			var items []string
			for _, ii := range co.Items {
				if !seen[ii] {
					seen[ii] = true
					items = append(items, fmt.Sprint(ii+1))
				}
			}
			if len(items) > 1 {
				for li, l := range co.Lines {
					if li < len(co.LineItems) {
						facts = append(facts, RequirementFact{Merchant: co.Merchant, SKU: l.SKU, Item: co.LineItems[li], Code: ReasonRequirementUnverified,
							Detail: fmt.Sprintf("items %s of the request are bought as the same product: did the person ask for it twice?", strings.Join(items, ", "))})
					}
				}
			}
		}
		for li, l := range co.Lines {
			var items []int
			if li < len(co.LineItems) {
				items = append(items, co.LineItems[li])
			}
			// then every item of this cart, for a line whose item is unknown
			for _, ii := range co.Items {
				if len(items) == 0 || ii != items[0] {
					items = append(items, ii)
				}
			}
			for _, ii := range items {
				p, ok := r.product(co.Merchant, l.SKU, ii)
				if !ok {
					continue
				}
				v := check.Check(r.checkRequest(ii), p, cat)
				verdicts = append(verdicts, v)
				for _, req := range v.Problems() {
					code := ReasonRequirementUnverified
					if req.Status == check.Conflict {
						code = ReasonRequirementConflict
					}
					facts = append(facts, RequirementFact{Merchant: co.Merchant, SKU: l.SKU, Item: ii, Code: code, Detail: req.String()})
				}
				break
			}
		}
	}
	s.Result.Checks = verdicts
	r.a.audit(ctx, s, "check", verdicts)
	for _, v := range verdicts {
		if v.Outcome != check.Pass {
			r.explain("check %s %s: %s: %s", v.Merchant, v.SKU, v.Outcome, v.Summary())
		}
	}
	return facts
}

// product finds the record of merchant/sku compared for item ii (any item
// when ii's is missing).
func (r *run) product(merchant, sku string, ii int) (skills.Product, bool) {
	var any *skills.Product
	for ci := range r.s.Result.Considered {
		c := &r.s.Result.Considered[ci]
		if c.Product.Merchant != merchant || c.Product.SKU != sku {
			continue
		}
		if c.Item == ii {
			return c.Product, true
		}
		if any == nil {
			any = &c.Product
		}
	}
	if any != nil {
		return *any, true
	}
	return skills.Product{}, false
}

// requirementText is the facts for a person, one per line.
func requirementText(facts []RequirementFact) string {
	parts := make([]string, len(facts))
	for i, f := range facts {
		parts[i] = f.Detail
	}
	return strings.Join(parts, "; ")
}
