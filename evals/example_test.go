package evals_test

import (
	"context"
	"fmt"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/evals"
)

// A System is the plug-in point for the runtime under test: here one that
// never buys anything, run against a scenario with its own small world.
func ExampleSystemFunc() {
	s, err := evals.Parse("tea.yaml", []byte(`
request: A 500g bag of green tea
expect: {purchase: true, items: [{match: {category: tea}}]}
world:
  merchants:
    - id: teahouse
      products: [{sku: TH-GT-500, title: Longjing Green Tea 500g, category: tea, price: "50.00"}]
`))
	if err != nil {
		panic(err)
	}
	idle := evals.SystemFunc(func(ctx context.Context, env *evals.Env) (*agent.Result, error) {
		return &agent.Result{Status: agent.StatusNoOffers}, nil
	})
	r := evals.RunOne(context.Background(), s, 1, evals.Options{System: idle})
	fmt.Println(r.Status, r.Score.Completed, r.Score.WrongPurchase)
	fmt.Println(r.Reason)
	// Output:
	// no_offers false false
	// not completed: no_purchase: a purchase was expected; no order was completed
}
