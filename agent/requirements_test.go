package agent_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// alwaysPay is a policy that would pay anything: the runtime's own
// requirement invariant must hold regardless.
var alwaysPay = agent.PolicyFunc(func(context.Context, agent.PolicyInput) (agent.Decision, error) {
	return agent.Decision{Action: agent.ActionPay, Reasons: []agent.Reason{{Code: "ok", Detail: "pays anything"}}}, nil
})

// droppedMilk is a planner's intent that dropped the milk the person asked
// for: every large latte passes its hard constraints.
func droppedMilk(query string) planner.Intent {
	return planner.Intent{Items: []planner.ItemSpec{{Query: query, Category: "coffee", Quantity: 2,
		Attributes: map[string]string{"size": "large"}}}, Currency: cny, Planner: "fixed"}
}

func TestRequirementCheckPicksConformingOffer(t *testing.T) {
	_, brew, corner := coffeeWorld()
	e := newEnv(t, 200, brew, corner)
	e.planner = &fixedPlanner{intent: droppedMilk("latte")}
	res, err := e.agent(func(c *agent.Config) { c.Policy = alwaysPay }).Run(context.Background(), agent.Request{Text: "two large oat milk lattes"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != agent.StatusBought {
		t.Fatalf("status %s: %v", res.Status, res.Explanation)
	}
	for _, o := range res.Orders {
		for _, l := range o.Lines {
			if !strings.Contains(l.SKU, "OAT") {
				t.Errorf("bought %s for oat milk lattes", l.SKU)
			}
		}
	}
	rejected := 0
	for _, c := range res.Considered {
		if strings.HasPrefix(c.Reason, "requirement conflict") {
			rejected++
		}
	}
	if rejected == 0 || len(res.Checks) == 0 || res.Checks[0].Outcome != "pass" {
		t.Errorf("conflicts rejected %d, checks %+v", rejected, res.Checks)
	}
}

func TestRequirementConflictIsNeverPaid(t *testing.T) {
	net := newNet()
	// oat is in the catalog (a medium one), just not in the size asked
	shop := newMerchant("shop", net, skills.Shipping{Fee: y(6)}, nil, latte("W-L", "whole", "large", 15, 4), latte("S-L", "soy", "large", 14, 4),
		latte("O-M", "oat", "medium", 13, 4))
	e := newEnv(t, 200, shop)
	e.planner = &fixedPlanner{intent: droppedMilk("latte")}
	res, err := e.agent(func(c *agent.Config) { c.Policy = alwaysPay }).Run(context.Background(), agent.Request{Text: "two large oat milk lattes"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status == agent.StatusBought || len(res.Orders) != 0 || res.Charged.Minor != 0 || net.total() != 0 {
		t.Fatalf("status %s, orders %v, charged %s", res.Status, res.Orders, res.Charged)
	}
}

func TestRequirementUnverifiedIsAsked(t *testing.T) {
	_, brew, _ := coffeeWorld()
	e := newEnv(t, 200, brew)
	e.confirm.approve = false
	e.planner = &fixedPlanner{intent: droppedMilk("oat milk latte cinnamon")}
	res, err := e.agent(func(c *agent.Config) { c.Policy = alwaysPay }).Run(context.Background(), agent.Request{Text: "two large oat milk lattes with cinnamon"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != agent.StatusDeclined || e.confirm.asked != 1 || len(res.Orders) != 0 {
		t.Fatalf("status %s, asked %d, orders %v: %v", res.Status, e.confirm.asked, res.Orders, res.Explanation)
	}
	found := false
	for _, r := range e.confirm.last.Reasons {
		found = found || r.Code == agent.ReasonRequirementUnverified && strings.Contains(r.Detail, "cinnamon")
	}
	if !found {
		t.Errorf("the person was not shown what lacks evidence: %+v", e.confirm.last.Reasons)
	}
}
