package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/memorytest"
	"github.com/cartwright-agent/cartwright/memory/sqlstore"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// Benchmarks run on demand (go test -bench . ./memory/sqlstore). One user
// holds all n entries: the worst case for a per-user brute-force scan.

var sizes = []int{1_000, 10_000, 100_000}

type fixture struct {
	m  *memory.Service
	st *sqlstore.Store
}

// filled returns a store holding n synthetic entries of one user, in a
// fresh SQLite file removed when the calling benchmark ends. Each benchmark
// gets its own (Add grows its store; Search must not see that).
func filled(b *testing.B, n int) *fixture {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	st, err := sqlstore.Open(ctx, sqlstore.Config{DB: db})
	if err != nil {
		b.Fatal(err)
	}
	recs, err := memorytest.Records(localembed.Default(), "bench-user", memorytest.Synthetic(n, 1))
	if err != nil {
		b.Fatal(err)
	}
	if err := st.InsertMany(ctx, recs); err != nil {
		b.Fatal(err)
	}
	m, err := memory.New(memory.Config{Store: st, Embedder: localembed.Default()})
	if err != nil {
		b.Fatal(err)
	}
	return &fixture{m: m, st: st}
}

// BenchmarkAdd: one Add (embed + transaction + insert) into a store that
// already holds n entries of the user.
func BenchmarkAdd(b *testing.B) {
	for _, n := range sizes {
		f := filled(b, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			ctx := context.Background()
			texts := memorytest.Synthetic(b.N+n, 2)[n:]
			i := 0
			for b.Loop() {
				if _, err := f.m.Add(ctx, memory.Entry{UserID: "bench-user", Text: texts[i%len(texts)] + fmt.Sprintf(" #%d", i)}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkSearch: one top-5 Search over the user's n entries.
func BenchmarkSearch(b *testing.B) {
	queries := []string{"which milk for my latte", "running shoes in my size", "deliver to the office", "dog food", "something without peanuts"}
	for _, n := range sizes {
		f := filled(b, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			ctx := context.Background()
			i := 0
			for b.Loop() {
				hits, err := f.m.Search(ctx, memory.Query{UserID: "bench-user", Text: queries[i%len(queries)], K: 5})
				if err != nil || len(hits) != 5 {
					b.Fatalf("%d hits, %v", len(hits), err)
				}
				i++
			}
		})
	}
}

// BenchmarkNearest: one top-5 Nearest over the user's n entries with an
// already embedded query (the store's share of a search), after one warm-up
// search (which loads the in-memory matrix).
func BenchmarkNearest(b *testing.B) {
	queries := []string{"which milk for my latte", "running shoes in my size", "deliver to the office", "dog food", "something without peanuts"}
	e := localembed.Default()
	vecs, err := e.Embed(context.Background(), queries)
	if err != nil {
		b.Fatal(err)
	}
	if err := memory.CheckVectors(memory.SpaceOf(e), len(queries), vecs); err != nil {
		b.Fatal(err)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			f := filled(b, n)
			ctx := context.Background()
			q := memory.NearestQuery{UserID: "bench-user", Space: memory.SpaceOf(e), K: 5}
			q.Vector = vecs[0]
			if _, err := f.st.Nearest(ctx, q); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := startCPU(b)
			i := 0
			for b.Loop() {
				q.Vector = vecs[i%len(vecs)]
				hits, err := f.st.Nearest(ctx, q)
				if err != nil || len(hits) != 5 {
					b.Fatalf("%d hits, %v", len(hits), err)
				}
				i++
			}
			cpu.report(b)
		})
	}
}
