package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/memorytest"
	"github.com/cartwright-agent/cartwright/memory/sqlstore"
	"github.com/cartwright-agent/cartwright/skills/store"
)

func openSQLite(t *testing.T) memory.Store {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := sqlstore.Open(context.Background(), sqlstore.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestConformanceSQLite(t *testing.T) {
	memorytest.Run(t, openSQLite, memorytest.Options{})
}

var pgSeq atomic.Int64

// The embedded store also runs on the state database when that is
// PostgreSQL (no pgvector needed): each subtest gets its own table prefix.
func TestConformancePostgres(t *testing.T) {
	dsn := os.Getenv("CARTWRIGHT_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("CARTWRIGHT_TEST_POSTGRES not set: no PostgreSQL server to test the embedded store on")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	run := fmt.Sprintf("mt%d_%d", os.Getpid(), pgSeq.Add(1))
	memorytest.Run(t, func(t *testing.T) memory.Store {
		table := fmt.Sprintf("%s_%d", run, pgSeq.Add(1))
		st, err := sqlstore.Open(ctx, sqlstore.Config{DB: db, Table: table})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			for _, tb := range []string{table + "_entries", table + "_space", table + "_versions"} {
				_, _ = db.Exec(`DROP TABLE IF EXISTS ` + tb)
			}
			_, _ = db.Exec(`DELETE FROM schema_migrations WHERE component = $1`, "memory:"+table)
		})
		return st
	}, memorytest.Options{})
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	if _, err := sqlstore.Open(ctx, sqlstore.Config{}); err == nil {
		t.Error("nil DB: want error")
	}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"Memory", "mem; DROP TABLE x", "1mem", strings.Repeat("m", 41), "mem-x"} {
		if _, err := sqlstore.Open(ctx, sqlstore.Config{DB: db, Table: table}); err == nil || !strings.Contains(err.Error(), "Config.Table") {
			t.Errorf("table %q: want a Config.Table error, got %v", table, err)
		}
	}
}

func TestVectorEncoding(t *testing.T) {
	v := []float32{0, 1, -1.5, 3.25e-7, 1e30}
	b := sqlstore.EncodeVector(v)
	if len(b) != 4*len(v) {
		t.Fatalf("%d bytes", len(b))
	}
	got, err := sqlstore.DecodeVector(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v {
		if got[i] != v[i] {
			t.Fatalf("round trip [%d]: %v != %v", i, got[i], v[i])
		}
	}
	// Little-endian: 1.0 is 00 00 80 3f.
	if b[4] != 0 || b[5] != 0 || b[6] != 0x80 || b[7] != 0x3f {
		t.Fatalf("not little-endian float32: % x", b[4:8])
	}
	if _, err := sqlstore.DecodeVector([]byte{1, 2, 3}); err == nil {
		t.Fatal("3-byte blob: want error")
	}
	if d := sqlstore.DotBlob([]float32{1, 2, 0, 0, 0}, b); d != 2 {
		t.Fatalf("DotBlob = %v, want 2", d)
	}
}

// The store shares the state database file and survives reopening.
func TestPersistsAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	var id string
	for round := 0; round < 2; round++ {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := sqlstore.Open(ctx, sqlstore.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		m, err := memory.New(memory.Config{Store: st, Embedder: localEmbedder()})
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			e, err := m.Add(ctx, memory.Entry{UserID: "u1", Text: "I am lactose intolerant"})
			if err != nil {
				t.Fatal(err)
			}
			id = e.ID
		} else {
			hits, err := m.Search(ctx, memory.Query{UserID: "u1", Text: "milk", K: 1})
			if err != nil || len(hits) != 1 || hits[0].ID != id {
				t.Fatalf("after reopen: %v, %v", hits, err)
			}
		}
		db.Close()
	}
}

// Two stores over one SQLite file (two processes, as far as each knows):
// what one adds, forgets or re-embeds, the other's in-memory matrix sees on
// its next search.
func TestMatrixFreshAcrossConnections(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	open := func() (*sqlstore.Store, *memory.Service) {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		st, err := sqlstore.Open(ctx, sqlstore.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		m, err := memory.New(memory.Config{Store: st, Embedder: localembed.Default()})
		if err != nil {
			t.Fatal(err)
		}
		return st, m
	}
	_, a := open()
	_, b := open()
	search := func(m *memory.Service, text string) []string {
		hits, err := m.Search(ctx, memory.Query{UserID: "u", Text: text, K: 3})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Text)
		}
		return out
	}
	if _, err := a.Add(ctx, memory.Entry{UserID: "u", Text: "I like oat milk in my latte"}); err != nil {
		t.Fatal(err)
	}
	if got := search(b, "oat milk"); len(got) != 1 {
		t.Fatalf("b sees %v after a's add", got)
	}
	e, err := a.Add(ctx, memory.Entry{UserID: "u", Text: "deliver to the office on weekdays"})
	if err != nil {
		t.Fatal(err)
	}
	if got := search(b, "office delivery"); len(got) != 2 || got[0] != e.Text {
		t.Fatalf("b sees %v after a's second add", got)
	}
	if err := a.Forget(ctx, "u", e.ID); err != nil {
		t.Fatal(err)
	}
	if got := search(b, "office delivery"); len(got) != 1 || got[0] == e.Text {
		t.Fatalf("b still sees the forgotten entry: %v", got)
	}
	// b's own writes keep its matrix current too.
	if _, err := b.Add(ctx, memory.Entry{UserID: "u", Text: "size 42 running shoes"}); err != nil {
		t.Fatal(err)
	}
	if got := search(b, "running shoes"); len(got) != 2 || !strings.Contains(got[0], "running shoes") {
		t.Fatalf("b after its own add: %v", got)
	}
	if got := search(a, "running shoes"); len(got) != 2 || !strings.Contains(got[0], "running shoes") {
		t.Fatalf("a after b's add: %v", got)
	}
}
