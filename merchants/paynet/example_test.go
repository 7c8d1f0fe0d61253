package paynet_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
)

// Plug a verifier into the network: it sees every delegation request
// (the AP2 mandate chain travels in its metadata) and can refuse it.
func ExampleNetwork_SetVerifier() {
	n := paynet.New(paynet.Config{})
	n.SetVerifier(func(_ context.Context, req paynet.DelegateRequest) error {
		if req.Metadata["mandate"] == "" {
			return errors.New("no signed mandate")
		}
		return nil
	})
	req := paynet.NewDelegateRequest("brewhouse", "cs_1", skills.M(3100, "CNY"), time.Now().Add(time.Hour))
	_, err := n.Delegate(context.Background(), req)
	fmt.Println(err)

	req.Metadata["mandate"] = "…signed chain…"
	tok, err := n.Delegate(context.Background(), req)
	fmt.Println(err, tok.ID[:3])

	_, err = n.Capture(context.Background(), paynet.CaptureRequest{Token: tok.ID, MerchantID: "brewhouse", SessionID: "cs_1", Amount: skills.M(3200, "CNY"), IdempotencyKey: "k"})
	fmt.Println(errors.Is(err, paynet.ErrDeclined), err)
	// Output:
	// delegation refused: no signed mandate
	// <nil> vt_
	// true payment declined: over_amount: capture 3200 exceeds allowance 3100
}
