package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// OpenTest opens the database a conformance test should use: PostgreSQL when
// CARTWRIGHT_TEST_POSTGRES is set, else a fresh SQLite file.
func TestOpenSQLiteAndMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	steps := []string{`CREATE TABLE things (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`}
	for i := 0; i < 2; i++ { // second run must be a no-op
		if err := db.Migrate(ctx, "test", steps); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO things (id, n) VALUES ($1, $2)`, "a", 1); err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`INSERT INTO things (id, n) VALUES ($1, $2)`, "a", 2)
	if !IsUniqueViolation(err) {
		t.Fatalf("duplicate insert: want unique violation, got %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejects(t *testing.T) {
	for _, dsn := range []string{"", ":memory:"} {
		if _, err := Open(context.Background(), dsn); err == nil {
			t.Errorf("Open(%q) should fail", dsn)
		}
	}
}

func TestRedact(t *testing.T) {
	got := redact("postgres://u:secret@127.0.0.1:5432/db?sslmode=disable")
	if got != "postgres://u:xxxxx@127.0.0.1:5432/db?sslmode=disable" {
		t.Fatal(got)
	}
}

func TestPostgresWhenConfigured(t *testing.T) {
	dsn := os.Getenv("CARTWRIGHT_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("CARTWRIGHT_TEST_POSTGRES not set: no PostgreSQL server to test against (scripts/test.sh starts one)")
	}
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Dialect != Postgres {
		t.Fatal(db.Dialect)
	}
}
