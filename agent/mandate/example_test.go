package mandate_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/skills"
)

// Example signs an intent from a mandate file, builds the chain for one
// quote, and verifies it the way the payment network does.
func Example() {
	_, user, _ := ed25519.GenerateKey(rand.Reader)
	_, agentKey, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	intent, err := mandate.Create("coffee.yaml", strings.NewReader(`
user: alice
currency: CNY
max_total: "40.00"
merchants: [brewlab]
expires_in: 7d
`), user, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	cny := func(v int64) skills.Money { return skills.M(v, "CNY") }
	quote := skills.Quote{ID: "cs_1", Merchant: "brewlab", Subtotal: cny(3000), Discount: cny(0), Shipping: cny(500), Total: cny(3500),
		Lines: []skills.QuoteLine{{SKU: "latte", Title: "Oat latte", Quantity: 2, UnitPrice: cny(1500), Total: cny(3000)}}}
	cart := mandate.CartFromQuote(quote, nil)
	cart.Sign(mandate.SignerAgent, agentKey) // the mock merchants sign no carts: the agent attests
	payment, _ := mandate.NewPayment(agentKey, intent, cart, "delegated", now, 10*time.Minute)
	trust := mandate.Trust{
		Users:                   map[string]string{"alice": mandate.PublicKeyString(user.Public().(ed25519.PublicKey))},
		Agents:                  []string{mandate.PublicKeyString(agentKey.Public().(ed25519.PublicKey))},
		AllowAgentAttestedCarts: true,
	}
	fmt.Println(mandate.Verify(mandate.Chain{Intent: intent, Cart: cart, Payment: payment}, trust, now))

	payment.Amount = cny(9900) // an altered amount
	fmt.Println(mandate.Verify(mandate.Chain{Intent: intent, Cart: cart, Payment: payment}, trust, now))
	// Output:
	// <nil>
	// payment_mandate.signature: bad_signature: signature does not verify
}
