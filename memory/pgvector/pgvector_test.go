package pgvector_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/memorytest"
	"github.com/cartwright-agent/cartwright/memory/pgvector"
)

// pgURL is the pgvector server to test against, or a skip.
func pgURL(tb testing.TB) string {
	u := os.Getenv("CARTWRIGHT_TEST_PGVECTOR")
	if u == "" {
		tb.Skip("CARTWRIGHT_TEST_PGVECTOR not set: no PostgreSQL+pgvector server (start one with `eval \"$(scripts/start-pglite.sh)\"`)")
	}
	return u
}

var seq atomic.Int64

// table is a prefix no other test or run uses: PGlite lands every database
// name in one database and one session, so isolation is by table name.
func table() string { return fmt.Sprintf("mt%d_%d", os.Getpid(), seq.Add(1)) }

func open(tb testing.TB, cfg pgvector.Config) *pgvector.Store {
	tb.Helper()
	cfg.URL = pgURL(tb)
	if cfg.Table == "" {
		cfg.Table = table()
	}
	if cfg.Dim == 0 {
		cfg.Dim = localembed.DefaultDim
	}
	st, err := pgvector.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := st.Drop(context.Background()); err != nil {
			tb.Errorf("drop: %v", err)
		}
		st.Close()
	})
	return st
}

// PGlite serves all connections from one session: no concurrency test.
func TestConformance(t *testing.T) {
	pgURL(t)
	memorytest.Run(t, func(t *testing.T) memory.Store { return open(t, pgvector.Config{}) }, memorytest.Options{NoConcurrency: true})
}

func TestExtensionVersionAndIterativeScan(t *testing.T) {
	st := open(t, pgvector.Config{})
	v := st.ExtensionVersion()
	if v == "" {
		t.Fatal("no extension version")
	}
	t.Logf("pgvector %s", v)
}

// A plain PostgreSQL without pgvector (CARTWRIGHT_TEST_POSTGRES: the real
// server here has none) is refused with ErrNoExtension.
func TestServerWithoutExtension(t *testing.T) {
	dsn := os.Getenv("CARTWRIGHT_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("CARTWRIGHT_TEST_POSTGRES not set: no plain PostgreSQL to show the missing-extension error on")
	}
	st, err := pgvector.Open(context.Background(), pgvector.Config{URL: dsn, Dim: 8, Table: table()})
	if err == nil {
		_ = st.Drop(context.Background())
		st.Close()
		t.Skip("this PostgreSQL has pgvector: nothing to refuse")
	}
	if !errors.Is(err, pgvector.ErrNoExtension) || !strings.Contains(err.Error(), "pgvector") {
		t.Fatalf("want ErrNoExtension, got %v", err)
	}
	t.Logf("error: %v", err)
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		cfg  pgvector.Config
		want string
	}{
		{pgvector.Config{}, "URL is empty"},
		{pgvector.Config{URL: "postgres://127.0.0.1:1/x", Dim: 8, Table: "Bad-Name"}, "Config.Table"},
		{pgvector.Config{URL: "postgres://127.0.0.1:1/x", Dim: 0}, "Config.Dim"},
		{pgvector.Config{URL: "postgres://127.0.0.1:1/x", Dim: 20000}, "Config.Dim"},
		{pgvector.Config{URL: "postgres://127.0.0.1:1/x", Dim: 8, EfSearch: -1}, "Config.EfSearch"},
		{pgvector.Config{URL: "::not a url", Dim: 8}, "parse URL"},
		{pgvector.Config{URL: "postgres://postgres:secret@127.0.0.1:1/x?connect_timeout=2", Dim: 8}, "connect"},
	} {
		_, err := pgvector.Open(ctx, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%+v): want error containing %q, got %v", tc.cfg, tc.want, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

// An existing table keeps its dimension: a store reopened with another
// Dim refuses vectors of that Dim until Reembed retypes the column.
func TestReopenWithOtherDim(t *testing.T) {
	ctx := context.Background()
	name := table()
	a := open(t, pgvector.Config{Table: name, Dim: 384})
	b, err := pgvector.Open(ctx, pgvector.Config{URL: pgURL(t), Table: name, Dim: 128})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	small, _ := localembed.New(localembed.Config{Dim: 128})
	m, _ := memory.New(memory.Config{Store: b, Embedder: small})
	_, err = m.Add(ctx, memory.Entry{UserID: "u1", Text: "I like tea"})
	if !errors.Is(err, memory.ErrEmbedderMismatch) {
		t.Fatalf("128-dim vector into a 384-dim column: want ErrEmbedderMismatch, got %v", err)
	}
	if n, err := memory.Reembed(ctx, a, small); err != nil || n != 0 {
		t.Fatalf("Reembed: %d, %v", n, err)
	}
	if _, err := m.Add(ctx, memory.Entry{UserID: "u1", Text: "I like tea"}); err != nil {
		t.Fatalf("after Reembed to 128: %v", err)
	}
}
