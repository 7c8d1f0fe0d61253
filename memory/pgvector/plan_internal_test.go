package pgvector

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pgv "github.com/pgvector/pgvector-go"

	"github.com/cartwright-agent/cartwright/memory"
)

var errRollback = errors.New("rollback")

// On a user with many entries the planner serves the search from the HNSW
// index, and never the exact variant. (For a user with a handful of entries
// it rightly prefers the btree on user_id and sorts: exact and cheap.)
func TestSearchUsesHNSWIndex(t *testing.T) {
	url := os.Getenv("CARTWRIGHT_TEST_PGVECTOR")
	if url == "" {
		t.Skip("CARTWRIGHT_TEST_PGVECTOR not set: no PostgreSQL+pgvector server")
	}
	ctx := context.Background()
	s, err := Open(ctx, Config{URL: url, Table: fmt.Sprintf("plan%d", os.Getpid()), Dim: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Drop(ctx); s.Close() }()
	var recs []memory.Record
	sp := memory.Space{Embedder: "test", Dim: 3}
	now := time.Now()
	for i := 0; i < 3000; i++ {
		x := float32(i%97) / 97
		recs = append(recs, memory.Record{
			Entry:  memory.Entry{ID: fmt.Sprintf("e%05d", i), UserID: "u1", Kind: memory.Preference, Text: fmt.Sprintf("entry %d", i), CreatedAt: now},
			Vector: []float32{1 - x, x, float32(i%13) / 13}, Space: sp,
		})
	}
	if err := s.BulkLoad(ctx, recs); err != nil {
		t.Fatal(err)
	}
	explain := func(sql string, args ...any) string {
		var plan []string
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `EXPLAIN `+sql, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					return err
				}
				plan = append(plan, line)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return errRollback // nothing to keep
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		return strings.Join(plan, "\n")
	}
	v := pgv.NewVector([]float32{1, 0, 0})
	plan := explain(s.nearestSQL(false, true), v, "u1", 5, []string{"preference"})
	if !strings.Contains(plan, s.index) {
		t.Fatalf("search plan does not use %s:\n%s", s.index, plan)
	}
	if plan := explain(s.nearestSQL(true, false), v, "u1", 5); strings.Contains(plan, s.index) {
		t.Fatalf("exact plan uses the index:\n%s", plan)
	}
}
