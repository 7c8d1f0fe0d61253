package check_test

import (
	"fmt"

	"github.com/cartwright-agent/cartwright/agent/check"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// A planner dropped "induction" (it went after the noun); the check reads
// it from the request against the catalog's own values and refuses the
// gas-hob saucepan.
func ExampleCheck() {
	gas := skills.Product{Merchant: "m", SKU: "PAN-GAS", Title: "Alu Saucepan 20cm", Category: "cookware",
		Price: skills.M(1900, "EUR"), Attributes: map[string]string{"hob": "gas"}}
	induction := skills.Product{Merchant: "m", SKU: "PAN-IND", Title: "Steel Saucepan 20cm", Category: "cookware",
		Price: skills.M(3900, "EUR"), Attributes: map[string]string{"hob": "induction"}}
	cat := check.NewCatalog(planner.Vocabulary{}, []skills.Product{gas, induction})
	in := planner.Intent{Request: "a saucepan that works on induction", Items: []planner.ItemSpec{{Query: "saucepan", Quantity: 1}}}
	for _, p := range []skills.Product{gas, induction} {
		v := check.Check(check.For(in, 0), p, cat)
		fmt.Printf("%s: %s: %s\n", p.SKU, v.Outcome, v.Summary())
	}
	// Output:
	// PAN-GAS: refuse: "induction" → hob = induction conflicts: the product has hob = gas
	// PAN-IND: pass: "induction" → hob = induction (attribute hob); "saucepan" → item (title)
}
