package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/skills"
)

// worldMeter measures the wall time during which at least one of the
// world's handlers (merchants, payment network) is running: the union of
// their intervals, so parallel searches and a merchant calling the payment
// network are counted once. A run's total minus that is the runtime's own
// overhead.
type worldMeter struct {
	mu     sync.Mutex
	active int
	since  time.Time
	sum    time.Duration
}

func (m *worldMeter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		if m.active == 0 {
			m.since = time.Now()
		}
		m.active++
		m.mu.Unlock()
		defer func() {
			m.mu.Lock()
			m.active--
			if m.active == 0 {
				m.sum += time.Since(m.since)
			}
			m.mu.Unlock()
		}()
		h.ServeHTTP(w, r)
	})
}

func (m *worldMeter) total() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.sum
	if m.active > 0 {
		t += time.Since(m.since)
	}
	return t
}

// BenchmarkShopDemoWorld runs the full pipeline (understand → search 7
// merchants over HTTP → compare → bundle → quote → policy → hold → delegated
// token → complete → capture, state persisted in SQLite) on the demo world
// under a signed mandate (policy engine, AP2 chain, network verifier,
// audit log) and reports, besides time and allocations, the runtime's
// overhead per purchase (total minus the time inside the world's handlers), the merchant round trips per
// purchase against the minimum (one search per eligible merchant per item,
// one quote and one completion per merchant paid).
func BenchmarkShopDemoWorld(b *testing.B) {
	w := &worldMeter{}
	benchWrap = w.wrap
	defer func() { benchWrap = nil }()
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
			start, inWorld := time.Now(), w.total()
			for i := 0; b.Loop(); i++ {
				res, err := rt.agent.Run(ctx, agent.Request{Text: req, UserID: "bench", SessionID: fmt.Sprintf("bench-%d", i), Mandate: mandate})
				if err != nil || res.Status != agent.StatusBought {
					b.Fatalf("run %d: %v %v %v", i, err, res.Status, res.Explanation)
				}
				calls += res.MerchantCalls
				minimum += res.Calls.Minimum
			}
			n := float64(b.N)
			world := w.total() - inWorld
			b.ReportMetric(float64(time.Since(start)-world)/n, "overhead-ns/op")
			b.ReportMetric(float64(world)/n, "merchant-ns/op")
			b.ReportMetric(float64(calls)/n, "merchant-calls/op")
			b.ReportMetric(float64(minimum)/n, "minimum-calls/op")
		})
	}
}
