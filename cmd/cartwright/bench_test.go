package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/skills"
)

// BenchmarkShopDemoWorld runs the full pipeline (understand → search 7
// merchants over HTTP → compare → bundle → quote → policy → hold → delegated
// token → complete → capture, state persisted in SQLite) on the demo world
// under a signed mandate (policy engine, AP2 chain, network verifier,
// audit log) and reports, besides time and allocations, the merchant round trips per
// purchase against the minimum (one search per eligible merchant per item,
// one quote and one completion per merchant paid).
func BenchmarkShopDemoWorld(b *testing.B) {
	for _, req := range []string{
		"two large oat milk lattes under 40 yuan",
		"oat milk and eggs",
	} {
		b.Run(req, func(b *testing.B) {
			ctx := context.Background()
			s := &stdio{in: strings.NewReader(""), out: io.Discard, err: io.Discard, getenv: func(string) string { return "" }}
			f := &runtimeFlags{state: filepath.Join(b.TempDir(), "state.db"), user: "bench", timeout: 10e9}
			rt, err := buildRuntime(ctx, s, f, agent.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close()
			big, _ := skills.ParseMoney("100000000.00", rt.currency)
			if err := rt.wallet.TopUp(ctx, "bench-load", big, "benchmark"); err != nil {
				b.Fatal(err)
			}
			max, _ := skills.ParseMoney("500.00", rt.currency)
			above, _ := skills.ParseMoney("100.00", rt.currency)
			mandate, _, err := rt.sessionMandate(ctx, s, assemble.RunLimits{MaxTotal: &max, ConfirmAbove: &above})
			if err != nil {
				b.Fatal(err)
			}
			calls, minimum := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				res, err := rt.agent.Run(ctx, agent.Request{Text: req, UserID: "bench", SessionID: fmt.Sprintf("bench-%d", i), Mandate: mandate})
				if err != nil || res.Status != agent.StatusBought {
					b.Fatalf("run %d: %v %v %v", i, err, res.Status, res.Explanation)
				}
				calls += res.MerchantCalls
				minimum += res.Calls.Minimum
			}
			n := float64(b.N)
			b.ReportMetric(float64(calls)/n, "merchant-calls/op")
			b.ReportMetric(float64(minimum)/n, "minimum-calls/op")
		})
	}
}
