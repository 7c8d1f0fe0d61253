package assemble_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// ExampleBuild wires the runtime for merchants given as data — here the
// mock world's, one of which charges ¥0.05 per catalog search over x402 —
// and runs one request under a signed mandate.
func ExampleBuild() {
	ctx := context.Background()
	w, _ := merchants.LoadWorldBytes("example.yaml", []byte(fmt.Sprintf(world, "0.05", "18.00")))
	running, _ := merchants.Start(ctx, w, merchants.Options{})
	defer running.Close()
	dir, _ := os.MkdirTemp("", "assemble-example-")
	defer os.RemoveAll(dir)
	db, _ := store.Open(ctx, filepath.Join(dir, "state.db"))
	defer db.Close()

	var ms []assemble.Merchant
	for _, m := range running.Merchants {
		ms = append(ms, assemble.Merchant{ID: m.ID, Interface: m.Interface, URL: m.URL})
	}
	rt, err := assemble.Build(ctx, assemble.Config{DB: db, UserID: "ann", Merchants: ms, PaynetURL: running.PaynetURL,
		Currency: "CNY", InitialBalance: "100.00"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Close()
	running.Paynet.SetVerifier(rt.Verifier.Hook()) // the network checks the mandate chain

	max, _ := skills.ParseMoney("30.00", "CNY")
	md, _ := rt.Authority.Sign(ctx, mandate.Intent{Currency: "CNY", MaxTotal: max,
		NotBefore: time.Now().Add(-time.Minute), ExpiresAt: time.Now().Add(time.Hour)})
	res, err := rt.Run(ctx, agent.Request{Text: "two large oat milk lattes", UserID: "ann", Mandate: md})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Orders[0].Merchant, "charged", res.Charged, "fees", res.Fees, "spent", res.Spent())
	// Output: bought databrew charged ¥24.00 fees ¥0.05 spent ¥24.05
}
