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

// TestStatePermissions: the state file holds delegated payment tokens, so it
// and its -wal/-shm are 0600 and a directory Open creates is 0700; an
// existing world-readable state file is made private.
func TestStatePermissions(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "state.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, "perm", []string{`CREATE TABLE t (x INTEGER)`}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO t (x) VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	check := func(p string, want os.FileMode) {
		t.Helper()
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", filepath.Base(p), got, want)
		}
	}
	check(dir, 0o700)
	check(path, 0o600)
	check(path+"-wal", 0o600)
	check(path+"-shm", 0o600)
	db.Close()

	old := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(old, 0o644) // past the umask
	db, err = Open(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	check(old, 0o600)
}
