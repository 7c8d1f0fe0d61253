// Package store opens Cartwright's state database: one embedded SQLite file
// by default (pure Go, no cgo), PostgreSQL when a postgres:// URL is given
// (DATABASE_URL). Every state-keeping package (wallet, sessions, orders,
// audit, memory) takes a *DB and applies its own migrations through Migrate.
//
// SQL is written once, in PostgreSQL's dialect with $1… placeholders; SQLite
// accepts those placeholders too. Where the dialects differ (an
// auto-increment key, an upsert), callers branch on DB.Dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open state database.
type DB struct {
	*sql.DB
	Dialect Dialect
	// DSN is what was opened, with any password removed (safe to print).
	DSN string
}

// Open opens dsn: a postgres:// or postgresql:// URL opens PostgreSQL;
// anything else is a SQLite file path (created with its directory if
// missing). ":memory:" is not accepted: state must survive a crash.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("store: empty database location")
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == ":memory:" || strings.Contains(path, "mode=memory") {
		return nil, errors.New("store: in-memory SQLite is not allowed; give a file path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", dir, err)
		}
	}
	if err := privateFile(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// One writer at a time is SQLite's model; a small pool keeps readers
	// going while a writer holds the lock (busy_timeout makes others wait).
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// A damaged file is found here, before any component reads it and long
	// before any payment step: a corrupt page is an error naming the file.
	if err := quickCheck(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s is corrupt (restore it from a backup): %w", path, err)
	}
	return &DB{DB: db, Dialect: SQLite, DSN: path}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	safe := redact(dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", safe, err)
	}
	db.SetMaxOpenConns(16)
	db.SetConnMaxIdleTime(time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect %s: %w", safe, err)
	}
	return &DB{DB: db, Dialect: Postgres, DSN: safe}, nil
}

// privateFile creates the SQLite file mode 0600 before SQLite opens it (its
// -wal and -shm files take the database file's mode), and takes group and
// other access away from an existing one and its -wal/-shm: the state holds
// delegated payment tokens. A new state directory is made 0700 by the
// caller; an existing directory's mode is left alone (it may be shared,
// such as the working directory).
func privateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if st.Mode().IsRegular() && st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, st.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("store: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// quickCheck runs SQLite's quick_check (every page, b-tree and record
// format; O(size) without the index cross-check of integrity_check).
func quickCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("… %d more", len(problems)-3))
		}
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// HasState reports whether db holds Cartwright state: any component's
// migrations applied. A caller that knows an installation exists (its keys
// do) treats false as a lost database, not a new one.
func (db *DB) HasState(ctx context.Context) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if err != nil {
		var exists int
		q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
		if db.Dialect == Postgres {
			q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'`
		}
		if err2 := db.QueryRowContext(ctx, q).Scan(&exists); err2 == nil && exists == 0 {
			return false, nil
		}
		return false, err
	}
	return n > 0, nil
}

// redact removes a password from a URL so it can be logged.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparseable)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	return u.String()
}

// Migrate applies a component's schema once per database: steps run in
// order inside one transaction per step and are recorded in
// schema_migrations under component, so a step never runs twice.
func (db *DB) Migrate(ctx context.Context, component string, steps []string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT NOT NULL, step INTEGER NOT NULL, applied_at TEXT NOT NULL,
		PRIMARY KEY (component, step))`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	for i, stmt := range steps {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE component = $1 AND step = $2`, component, i).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, step, applied_at) VALUES ($1, $2, $3)`,
				component, i, time.Now().UTC().Format(time.RFC3339Nano))
			return err
		})
		if err != nil {
			if db.Dialect == Postgres && isUniqueViolation(err) {
				continue // another process applied the same step concurrently
			}
			return fmt.Errorf("store: migrate %s: %w", component, err)
		}
	}
	return nil
}

// Tx runs fn in a transaction, committing on nil and rolling back otherwise.
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func isUniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "duplicate key")
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine (used to detect an idempotency key seen before).
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return isUniqueViolation(err) || strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "constraint failed: UNIQUE")
}
