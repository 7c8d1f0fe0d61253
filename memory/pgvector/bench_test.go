package pgvector_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/memorytest"
	"github.com/cartwright-agent/cartwright/memory/pgvector"
)

// Benchmarks run on demand:
//
//	eval "$(scripts/start-pglite.sh)"
//	go test -run '^$' -bench . -timeout 60m ./memory/pgvector
//
// PGlite is PostgreSQL compiled to WebAssembly, single-session: its numbers
// show the HNSW code path works at these sizes, not what a real pgvector
// server does (expect it to be several times faster there).

func loaded(b *testing.B, n int) *pgvector.Store {
	b.Helper()
	st := open(b, pgvector.Config{})
	recs, err := memorytest.Records(localembed.Default(), "bench-user", memorytest.Synthetic(n, 1))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := st.BulkLoad(context.Background(), recs); err != nil {
		b.Fatal(err)
	}
	b.Logf("bulk-loaded %d entries and built the HNSW index in %s", n, time.Since(start).Round(time.Millisecond))
	return st
}

var pgSizes = []int{10_000, 100_000}

// BenchmarkStore loads each size once (BulkLoad: insert, then build the
// HNSW index) and measures, on that table: top-5 Search, recall@10 of HNSW
// against an exact scan at ef_search 40 (pgvector's default) and 100, and
// Add (last, since it grows the table).
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	queries := []string{"which milk for my latte", "running shoes in my size", "deliver to the office", "dog food", "something without peanuts"}
	for _, n := range pgSizes {
		st := loaded(b, n)
		m, _ := memory.New(memory.Config{Store: st, Embedder: localembed.Default()})
		b.Run(fmt.Sprintf("n=%d/search", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				hits, err := m.Search(ctx, memory.Query{UserID: "bench-user", Text: queries[i%len(queries)], K: 5})
				if err != nil || len(hits) != 5 {
					b.Fatalf("%d hits, %v", len(hits), err)
				}
				i++
			}
		})
		qs := memorytest.Synthetic(50, 99)
		vecs, err := localembed.Default().Embed(ctx, qs)
		if err != nil {
			b.Fatal(err)
		}
		sp := memory.SpaceOf(localembed.Default())
		for _, ef := range []int{40, 100} {
			if err := st.SetEfSearch(ctx, ef); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("n=%d/recall@10/ef_search=%d", n, ef), func(b *testing.B) {
				var recall float64
				for b.Loop() {
					found, total := 0, 0
					for _, v := range vecs {
						q := memory.NearestQuery{UserID: "bench-user", Vector: v, Space: sp, K: 10}
						approx, err := st.Nearest(ctx, q)
						if err != nil {
							b.Fatal(err)
						}
						exact, err := st.NearestExact(ctx, q)
						if err != nil {
							b.Fatal(err)
						}
						// Ties at the 10th score make several answers equally
						// right: an approximate hit counts when it scores at
						// least the exact 10th.
						cut := exact[len(exact)-1].Score - 1e-6
						total += len(exact)
						found += min(countAtLeast(approx, cut), len(exact))
					}
					recall = float64(found) / float64(total)
				}
				b.ReportMetric(recall, "recall@10")
			})
		}
		if err := st.SetEfSearch(ctx, 40); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d/add", n), func(b *testing.B) {
			texts := memorytest.Synthetic(n+2000, 2)[n:]
			i := 0
			for b.Loop() {
				if _, err := m.Add(ctx, memory.Entry{UserID: "bench-user", Text: texts[i%len(texts)] + fmt.Sprintf(" #%d", i)}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		_ = st.Drop(ctx) // free PGlite's memory before the next size
	}
}

func countAtLeast(hs []memory.Hit, score float64) int {
	n := 0
	for _, h := range hs {
		if h.Score >= score {
			n++
		}
	}
	return n
}
