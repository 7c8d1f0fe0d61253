package policy_test

import (
	"fmt"
	"time"

	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/skills"
)

// ExampleDecide: a merchant slipped an add-on into the cart; the policy
// refuses and says why, whatever the planner thought of it.
func ExampleDecide() {
	cny := func(v int64) skills.Money { return skills.M(v, "CNY") }
	max := cny(5000)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	d := policy.Decide(policy.Input{
		Now:       now,
		Mandate:   &policy.Limits{ID: "im_1", Currency: "CNY", MaxTotal: &max, ExpiresAt: now.Add(time.Hour)},
		Available: cny(10000),
		Carts: []policy.Cart{{
			Quote: skills.Quote{Merchant: "brewlab", Total: cny(3300), Lines: []skills.QuoteLine{
				{SKU: "latte", Title: "Oat latte", Quantity: 2, UnitPrice: cny(1500), Total: cny(3000)},
				{SKU: "cookie", Title: "Cookie", Quantity: 1, UnitPrice: cny(300), Total: cny(300), AddOn: true},
			}},
			Requested: map[string]int{"latte": 2},
		}},
	})
	fmt.Println(d.Action)
	for _, r := range d.Reasons {
		fmt.Println(r.Code, "-", r.Detail)
	}
	// Output:
	// refuse
	// unrequested_addon - brewlab added "Cookie" (¥3.00) that nobody asked for
}
