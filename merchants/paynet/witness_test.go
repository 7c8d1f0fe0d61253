package paynet_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills/witness"
)

// TestWitnessHeads: the network countersigns heads over HTTP, the same head
// again, a later head; it refuses a rolled-back or forked head, and a
// tampered countersignature does not verify.
func TestWitnessHeads(t *testing.T) {
	n := paynet.New(paynet.Config{})
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	c := &witness.Client{BaseURL: srv.URL}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	agent := witness.KeyString(pub)
	h := func(b byte) string { return strings.Repeat(string(rune('a'+b)), 64) }
	ctx := context.Background()
	cs, err := c.Witness(ctx, witness.Request{AgentKey: agent, Seq: 5, Hash: h(0)})
	if err != nil || cs.NetworkKey != witness.KeyString(n.WitnessKey()) || cs.Verify() != nil {
		t.Fatal(cs, err)
	}
	if _, err := c.Witness(ctx, witness.Request{AgentKey: agent, Seq: 5, Hash: h(0)}); err != nil {
		t.Fatal("the same head again:", err)
	}
	if _, err := c.Witness(ctx, witness.Request{AgentKey: agent, Seq: 9, Hash: h(1)}); err != nil {
		t.Fatal("a later head:", err)
	}
	if _, err := c.Witness(ctx, witness.Request{AgentKey: agent, Seq: 7, Hash: h(2)}); !errors.Is(err, witness.ErrConflict) {
		t.Fatal("rolled back:", err)
	}
	if _, err := c.Witness(ctx, witness.Request{AgentKey: agent, Seq: 9, Hash: h(3)}); !errors.Is(err, witness.ErrConflict) {
		t.Fatal("forked:", err)
	}
	if _, err := c.Witness(ctx, witness.Request{AgentKey: "nope", Seq: 1, Hash: h(0)}); err == nil {
		t.Fatal("a bad agent key was witnessed")
	}
	cs.Seq++
	if cs.Verify() == nil {
		t.Fatal("a tampered countersignature verified")
	}
}
