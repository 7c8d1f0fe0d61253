package plugin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/examples/plugin"
	"github.com/cartwright-agent/cartwright/planner/offline"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// Example_shopAtKiosk registers a new merchant and shops there: the agent
// plans, searches, compares, bundles and pays without knowing anything
// about the kiosk beyond the skills.Merchant interface.
func Example_shopAtKiosk() {
	ctx := context.Background()
	cny := skills.Currency("CNY")
	free := skills.M(3000, cny)
	kiosk := &plugin.Kiosk{
		Meta: skills.MerchantInfo{ID: "kiosk", Name: "Station Kiosk", Currency: cny, Interface: "api",
			Shipping:   skills.Shipping{Fee: skills.M(500, cny), FreeOver: &free},
			Categories: []string{"coffee"}, Attributes: map[string][]string{"drink": {"latte"}, "milk": {"oat", "whole"}, "size": {"large"}}},
		Products: map[string]skills.Product{
			"K-OAT-L":   {Merchant: "kiosk", SKU: "K-OAT-L", Title: "Oat Milk Latte (Large)", Category: "coffee", Price: skills.M(1600, cny), Stock: 20, Attributes: map[string]string{"drink": "latte", "milk": "oat", "size": "large"}},
			"K-WHOLE-L": {Merchant: "kiosk", SKU: "K-WHOLE-L", Title: "Latte (Large)", Category: "coffee", Price: skills.M(1400, cny), Stock: 20, Attributes: map[string]string{"drink": "latte", "milk": "whole", "size": "large"}},
		},
	}
	reg := skills.NewRegistry()
	if err := reg.Register("kiosk", kiosk); err != nil {
		panic(err)
	}

	dir, _ := os.MkdirTemp("", "kiosk")
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	w, _ := wallet.Open(ctx, wallet.Config{DB: db, Currency: cny})
	_ = w.TopUp(ctx, "load", skills.M(10000, cny), "example")
	// The payment rail: in production skills/pay's delegated vt_ tokens.
	rail := agent.RailFunc(func(_ context.Context, r agent.CredentialRequest) (skills.Credential, error) {
		return skills.Credential{Type: "delegated_token", Token: "vt_" + r.IdempotencyKey}, nil
	})
	// The policy engine decides pay / confirm / refuse within the mandate.
	a, err := agent.New(ctx, agent.Config{Registry: reg, Planner: offline.New(offline.Config{}), Wallet: w, Rail: rail, Store: db,
		Policy: &policy.Engine{Wallet: w}})
	if err != nil {
		panic(err)
	}
	// What the user authorised: up to ¥50 without asking.
	limit := skills.M(5000, cny)
	res, err := a.Run(ctx, agent.Request{Text: "two large oat milk lattes", Mandate: &agent.Mandate{MaxTotal: &limit}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.Charged)
	for _, o := range res.Orders {
		for _, l := range o.Lines {
			fmt.Printf("%d × %s at %s\n", l.Quantity, l.Title, o.Merchant)
		}
	}
	// Output:
	// bought ¥32.00
	// 2 × Oat Milk Latte (Large) at kiosk
}
