// Package pgvector is the memory store for PostgreSQL with the pgvector
// extension: vectors in a vector(dim) column, nearest-neighbour search by
// cosine distance through an HNSW index (vector_cosine_ops). It talks to
// the server with pgx (pgxpool) and pgvector-go directly, in its own schema
// of two tables, with every value passed as a query parameter.
//
// A server without the extension is refused at Open with ErrNoExtension.
// Search filters by user; on pgvector ≥ 0.8 the store turns on iterative
// index scans (hnsw.iterative_scan = relaxed_order) so that a filtered HNSW
// search still returns k rows when the user's entries are sparse in the
// index, and re-sorts the rows exactly.
//
// PGlite (scripts/start-pglite.sh) works for tests, with its traps: put
// default_query_exec_mode=simple_protocol in the URL; the store never uses
// COPY (InsertMany is a multi-row INSERT).
package pgvector

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pgv "github.com/pgvector/pgvector-go"

	"github.com/cartwright-agent/cartwright/memory"
)

// ErrNoExtension is a PostgreSQL server without pgvector.
var ErrNoExtension = errors.New("pgvector: the server has no pgvector extension")

// Config configures the store.
type Config struct {
	// URL is a postgres:// URL. For PGlite add
	// default_query_exec_mode=simple_protocol.
	URL string
	// Table prefixes the store's tables (<Table>_entries, <Table>_space);
	// "memory" when empty. Lower-case letters, digits and underscores.
	Table string
	// Dim is the vector dimension a new table is created with (the
	// embedder's Dim). An existing table keeps its own; Rewrite changes it.
	Dim int
	// M and EfConstruction are HNSW build parameters (pgvector defaults 16
	// and 64 when zero). EfSearch is the search beam (default 40); higher
	// is slower and closer to exact.
	M, EfConstruction, EfSearch int
	// MaxConns bounds the pool (default 8).
	MaxConns int32
}

// Store is the pgvector memory store.
type Store struct {
	pool      *pgxpool.Pool
	entries   string
	space     string
	index     string
	m, efc    int
	ready     atomic.Bool
	iterative atomic.Bool
	efSearch  atomic.Int64
	version   string
}

var _ memory.Store = (*Store)(nil)

// Open connects, checks for the extension, creates it and the store's
// tables if missing, and returns the store. Close it when done.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URL == "" {
		return nil, errors.New("pgvector: Config.URL is empty")
	}
	if cfg.Table == "" {
		cfg.Table = "memory"
	}
	if !memory.ValidIdent(cfg.Table) {
		return nil, fmt.Errorf("pgvector: Config.Table %q: want lower-case letters, digits and underscores, starting with a letter, at most 40 bytes", cfg.Table)
	}
	if cfg.Dim < 1 || cfg.Dim > 16000 {
		return nil, fmt.Errorf("pgvector: Config.Dim %d out of range 1..16000 (pgvector's limit)", cfg.Dim)
	}
	for name, v := range map[string]int{"M": cfg.M, "EfConstruction": cfg.EfConstruction, "EfSearch": cfg.EfSearch} {
		if v < 0 || v > 1000 {
			return nil, fmt.Errorf("pgvector: Config.%s %d out of range 0..1000", name, v)
		}
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("pgvector: parse URL: %w", err) // pgx's message carries no password
	}
	pc.MaxConns = 8
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	s := &Store{entries: cfg.Table + "_entries", space: cfg.Table + "_space", index: cfg.Table + "_entries_hnsw", m: cfg.M, efc: cfg.EfConstruction}
	s.efSearch.Store(int64(cfg.EfSearch))
	pc.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if !s.ready.Load() {
			return nil // during setup: the extension may not be there yet
		}
		if s.iterative.Load() {
			if _, err := c.Exec(ctx, `SELECT set_config('hnsw.iterative_scan', 'relaxed_order', false)`); err != nil {
				return fmt.Errorf("pgvector: set hnsw.iterative_scan: %w", err)
			}
		}
		if ef := s.efSearch.Load(); ef > 0 {
			if _, err := c.Exec(ctx, `SELECT set_config('hnsw.ef_search', $1, false)`, strconv.FormatInt(ef, 10)); err != nil {
				return fmt.Errorf("pgvector: set hnsw.ef_search: %w", err)
			}
		}
		return nil
	}
	octx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(octx, pc)
	if err != nil {
		return nil, fmt.Errorf("pgvector: connect to %s:%d: %w", pc.ConnConfig.Host, pc.ConnConfig.Port, err)
	}
	s.pool = pool
	if err := s.setup(octx, cfg.Dim); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) setup(ctx context.Context, dim int) error {
	var available int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'`).Scan(&available); err != nil {
		return fmt.Errorf("pgvector: connect: %w", err)
	}
	if available == 0 {
		return fmt.Errorf("%w (pg_available_extensions has no \"vector\"): install pgvector on the server (e.g. the pgvector/pgvector image) or use the embedded store", ErrNoExtension)
	}
	if _, err := s.pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`); err != nil {
		return fmt.Errorf("%w: CREATE EXTENSION vector failed (needs a role allowed to create it): %v", ErrNoExtension, err)
	}
	if err := s.pool.QueryRow(ctx, `SELECT extversion FROM pg_extension WHERE extname = 'vector'`).Scan(&s.version); err != nil {
		return fmt.Errorf("pgvector: read extension version: %w", err)
	}
	// Identifiers come from ValidIdent-checked Config.Table and numbers from
	// validated ints; DDL takes no parameters, no value is formatted in.
	ddl := []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
			id TEXT PRIMARY KEY,
			user_id TEXT NOT NULL,
			kind TEXT NOT NULL,
			text TEXT NOT NULL,
			source TEXT NOT NULL,
			dedup TEXT NOT NULL,
			created_at TIMESTAMPTZ NOT NULL,
			embedder TEXT NOT NULL,
			embedding vector(%d) NOT NULL,
			UNIQUE (user_id, dedup))`, s.entries, dim),
		fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_user_kind ON %s (user_id, kind)`, s.entries, s.entries),
		s.indexDDL(),
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY CHECK (id = 1), embedder TEXT NOT NULL, dim INTEGER NOT NULL)`, s.space),
	}
	for _, q := range ddl {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgvector: create schema: %w", err)
		}
	}
	s.iterative.Store(versionAtLeast(s.version, 0, 8))
	s.ready.Store(true)
	s.pool.Reset() // reconnect so AfterConnect applies the settings
	return nil
}

func (s *Store) indexDDL() string {
	with := []string{}
	if s.m > 0 {
		with = append(with, fmt.Sprintf("m = %d", s.m))
	}
	if s.efc > 0 {
		with = append(with, fmt.Sprintf("ef_construction = %d", s.efc))
	}
	q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s USING hnsw (embedding vector_cosine_ops)`, s.index, s.entries)
	if len(with) > 0 {
		q += " WITH (" + strings.Join(with, ", ") + ")"
	}
	return q
}

// versionAtLeast compares an extension version "0.8.1" with major.minor.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return a > major || a == major && b >= minor
}

// SetEfSearch changes hnsw.ef_search for the pool's connections from now
// on (benchmarks compare recall at several values).
func (s *Store) SetEfSearch(ctx context.Context, ef int) error {
	if ef < 1 || ef > 1000 {
		return fmt.Errorf("pgvector: ef_search %d out of range 1..1000", ef)
	}
	s.efSearch.Store(int64(ef))
	s.pool.Reset() // new connections apply it in AfterConnect
	return nil
}

// ExtensionVersion is the server's pgvector version.
func (s *Store) ExtensionVersion() string { return s.version }

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Drop removes the store's tables (tests and benchmarks clean up with it).
func (s *Store) Drop(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `DROP TABLE IF EXISTS `+s.entries+`, `+s.space)
	return err
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (s *Store) readSpace(ctx context.Context, q queryRower) (memory.Space, error) {
	var sp memory.Space
	err := q.QueryRow(ctx, `SELECT embedder, dim FROM `+s.space+` WHERE id = 1`).Scan(&sp.Embedder, &sp.Dim)
	if errors.Is(err, pgx.ErrNoRows) {
		return memory.Space{}, nil
	}
	if err != nil {
		return memory.Space{}, fmt.Errorf("pgvector: read space: %w", err)
	}
	return sp, nil
}

// Space implements memory.Store.
func (s *Store) Space(ctx context.Context) (memory.Space, error) { return s.readSpace(ctx, s.pool) }

// columnDim is the current dimension of the embedding column.
func (s *Store) columnDim(ctx context.Context, q queryRower) (int, error) {
	var typmod int
	err := q.QueryRow(ctx, `SELECT atttypmod FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'embedding'`, s.entries).Scan(&typmod)
	if err != nil {
		return 0, fmt.Errorf("pgvector: read column dimension: %w", err)
	}
	return typmod, nil
}

// Insert implements memory.Store.
func (s *Store) Insert(ctx context.Context, r memory.Record) (memory.Entry, error) {
	if err := memory.CheckEntry(r.Entry); err != nil {
		return memory.Entry{}, err
	}
	var out memory.Entry
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.claimSpace(ctx, tx, r.Space, r.Vector); err != nil {
			return err
		}
		dedup := memory.DedupKey(r.Text)
		row := tx.QueryRow(ctx, `INSERT INTO `+s.entries+` (id, user_id, kind, text, source, dedup, created_at, embedder, embedding)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::vector) ON CONFLICT (user_id, dedup) DO NOTHING
			RETURNING id, user_id, kind, text, source, created_at`,
			r.ID, r.UserID, string(r.Kind), r.Text, r.Source, dedup, r.CreatedAt.UTC(), r.Space.Embedder, pgv.NewVector(r.Vector))
		e, err := scanEntry(row)
		if errors.Is(err, pgx.ErrNoRows) { // the same text was there already
			e, err = scanEntry(tx.QueryRow(ctx, `SELECT id, user_id, kind, text, source, created_at FROM `+s.entries+
				` WHERE user_id = $1 AND dedup = $2`, r.UserID, dedup))
		}
		if err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("%w: id %q already exists", memory.ErrInvalid, r.ID)
			}
			return fmt.Errorf("pgvector: insert: %w", err)
		}
		out = e
		return nil
	})
	return out, err
}

// claimSpace checks sp against the store's space, recording it on the first
// insert, and the vector's length against the column.
func (s *Store) claimSpace(ctx context.Context, tx pgx.Tx, sp memory.Space, v []float32) error {
	stored, err := s.readSpace(ctx, tx)
	if err != nil {
		return err
	}
	if err := memory.CheckStoreVector(stored, sp, v); err != nil {
		return err
	}
	if stored.IsZero() {
		col, err := s.columnDim(ctx, tx)
		if err != nil {
			return err
		}
		if col != sp.Dim {
			return fmt.Errorf("%w: the table's vector column has dimension %d, the embedder %s; re-embed (memory.Reembed) to change it", memory.ErrEmbedderMismatch, col, sp)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+s.space+` (id, embedder, dim) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`, sp.Embedder, sp.Dim); err != nil {
			return fmt.Errorf("pgvector: record space: %w", err)
		}
	}
	return nil
}

// InsertMany inserts records in multi-row INSERTs (never COPY, which breaks
// PGlite), skipping texts the user already has, in one transaction. For
// bulk imports; every record must be in the store's space.
func (s *Store) InsertMany(ctx context.Context, rs []memory.Record) error {
	return s.insertMany(ctx, rs, false)
}

// BulkLoad is InsertMany for large loads: in the same transaction it drops
// the HNSW index, inserts, and builds the index again over all rows, which
// is much faster than maintaining the graph row by row.
func (s *Store) BulkLoad(ctx context.Context, rs []memory.Record) error {
	return s.insertMany(ctx, rs, true)
}

func (s *Store) insertMany(ctx context.Context, rs []memory.Record, rebuild bool) error {
	if len(rs) == 0 {
		return nil
	}
	for _, r := range rs {
		if err := memory.CheckEntry(r.Entry); err != nil {
			return err
		}
		if r.Space != rs[0].Space {
			return memory.MismatchError(rs[0].Space, r.Space)
		}
		if len(r.Vector) != r.Space.Dim {
			return fmt.Errorf("%w: record %s: vector has %d dimensions, want %d", memory.ErrInvalid, r.ID, len(r.Vector), r.Space.Dim)
		}
	}
	const perStmt = 500 // 9 parameters a row, well under 65535
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.claimSpace(ctx, tx, rs[0].Space, rs[0].Vector); err != nil {
			return err
		}
		if rebuild {
			if _, err := tx.Exec(ctx, `DROP INDEX IF EXISTS `+s.index); err != nil {
				return fmt.Errorf("pgvector: bulk load: drop index: %w", err)
			}
		}
		for start := 0; start < len(rs); start += perStmt {
			chunk := rs[start:min(start+perStmt, len(rs))]
			var sb strings.Builder
			sb.WriteString(`INSERT INTO ` + s.entries + ` (id, user_id, kind, text, source, dedup, created_at, embedder, embedding) VALUES `)
			args := make([]any, 0, 9*len(chunk))
			for i, r := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				b := 9 * i
				fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d::vector)", b+1, b+2, b+3, b+4, b+5, b+6, b+7, b+8, b+9)
				args = append(args, r.ID, r.UserID, string(r.Kind), r.Text, r.Source, memory.DedupKey(r.Text), r.CreatedAt.UTC(), r.Space.Embedder, pgv.NewVector(r.Vector))
			}
			sb.WriteString(` ON CONFLICT (user_id, dedup) DO NOTHING`)
			if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("pgvector: insert many: %w", err)
			}
		}
		if rebuild {
			// The graph build wants memory; the setting lasts for this
			// transaction only.
			if _, err := tx.Exec(ctx, `SELECT set_config('maintenance_work_mem', $1, true)`, "512MB"); err != nil {
				return fmt.Errorf("pgvector: bulk load: %w", err)
			}
			if _, err := tx.Exec(ctx, s.indexDDL()); err != nil {
				return fmt.Errorf("pgvector: bulk load: build index: %w", err)
			}
			// Fresh statistics, so the planner knows the table is big
			// enough for the index (servers without autovacuum, PGlite).
			if _, err := tx.Exec(ctx, `ANALYZE `+s.entries); err != nil {
				return fmt.Errorf("pgvector: bulk load: analyze: %w", err)
			}
		}
		return nil
	})
}

func scanEntry(row pgx.Row, extra ...any) (memory.Entry, error) {
	var e memory.Entry
	var kind string
	dest := append([]any{&e.ID, &e.UserID, &kind, &e.Text, &e.Source, &e.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return memory.Entry{}, err
	}
	e.Kind = memory.Kind(kind)
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

func isUniqueViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "SQLSTATE 23505") || strings.Contains(err.Error(), "duplicate key"))
}

// Nearest implements memory.Store: HNSW search by cosine distance.
func (s *Store) Nearest(ctx context.Context, q memory.NearestQuery) ([]memory.Hit, error) {
	return s.nearest(ctx, q, false)
}

// NearestExact is Nearest without the index (a sequential scan): the
// ground truth the HNSW recall is measured against.
func (s *Store) NearestExact(ctx context.Context, q memory.NearestQuery) ([]memory.Hit, error) {
	return s.nearest(ctx, q, true)
}

func (s *Store) nearest(ctx context.Context, q memory.NearestQuery, exact bool) ([]memory.Hit, error) {
	if err := memory.ValidateUserID(q.UserID); err != nil {
		return nil, err
	}
	if q.K <= 0 {
		return nil, fmt.Errorf("%w: k: %d, must be positive", memory.ErrInvalid, q.K)
	}
	kinds, err := memory.KindStrings(q.Kinds)
	if err != nil {
		return nil, err
	}
	stored, err := s.Space(ctx)
	if err != nil {
		return nil, err
	}
	if stored.IsZero() {
		return nil, nil
	}
	if err := memory.CheckStoreVector(stored, q.Space, q.Vector); err != nil {
		return nil, err
	}
	args := []any{pgv.NewVector(q.Vector), q.UserID, q.K}
	if len(kinds) > 0 {
		args = append(args, kinds)
	}
	sql := s.nearestSQL(exact, len(kinds) > 0)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("pgvector: search: %w", err)
	}
	defer rows.Close()
	var out []memory.Hit
	for rows.Next() {
		var h memory.Hit
		e, err := scanEntry(rows, &h.Score)
		if err != nil {
			return nil, fmt.Errorf("pgvector: search: %w", err)
		}
		h.Entry = e
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgvector: search: %w", err)
	}
	// relaxed_order iterative scans may return rows slightly out of order.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// nearestSQL is the search query: $1 the query vector, $2 the user, $3 k,
// $4 the kinds when filtered. ORDER BY the bare distance expression with a
// LIMIT is what the HNSW index serves; the exact variant orders by an
// expression the index cannot serve, so it scans.
func (s *Store) nearestSQL(exact, kinds bool) string {
	q := `SELECT id, user_id, kind, text, source, created_at, 1 - (embedding <=> $1::vector) FROM ` + s.entries + ` WHERE user_id = $2`
	if kinds {
		q += ` AND kind = ANY($4)`
	}
	if exact {
		return q + ` ORDER BY (embedding <=> $1::vector) + 0 LIMIT $3`
	}
	return q + ` ORDER BY embedding <=> $1::vector LIMIT $3`
}

// List implements memory.Store.
func (s *Store) List(ctx context.Context, userID string, kinds []memory.Kind) ([]memory.Entry, error) {
	if err := memory.ValidateUserID(userID); err != nil {
		return nil, err
	}
	ks, err := memory.KindStrings(kinds)
	if err != nil {
		return nil, err
	}
	sql := `SELECT id, user_id, kind, text, source, created_at FROM ` + s.entries + ` WHERE user_id = $1`
	args := []any{userID}
	if len(ks) > 0 {
		sql += ` AND kind = ANY($2)`
		args = append(args, ks)
	}
	rows, err := s.pool.Query(ctx, sql+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("pgvector: list: %w", err)
	}
	defer rows.Close()
	var out []memory.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("pgvector: list: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgvector: list: %w", err)
	}
	return out, nil
}

// Delete implements memory.Store.
func (s *Store) Delete(ctx context.Context, userID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM `+s.entries+` WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return fmt.Errorf("pgvector: delete: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: user %q has no entry %q", memory.ErrNotFound, userID, id)
	}
	return nil
}

// DeleteUser implements memory.Store.
func (s *Store) DeleteUser(ctx context.Context, userID string) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM `+s.entries+` WHERE user_id = $1`, userID)
	if err != nil {
		return 0, fmt.Errorf("pgvector: delete user: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Rewrite implements memory.Store, in one transaction. When the dimension
// changes, the column is retyped and the HNSW index rebuilt in the same
// transaction.
func (s *Store) Rewrite(ctx context.Context, sp memory.Space, embed func(context.Context, []memory.Entry) ([][]float32, error)) (int, error) {
	if sp.Embedder == "" || sp.Dim <= 0 || sp.Dim > 16000 {
		return 0, fmt.Errorf("%w: space %q dimension %d", memory.ErrInvalid, sp.Embedder, sp.Dim)
	}
	total := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		col, err := s.columnDim(ctx, tx)
		if err != nil {
			return err
		}
		if col != sp.Dim {
			for _, q := range []string{
				`DROP INDEX IF EXISTS ` + s.index,
				`ALTER TABLE ` + s.entries + ` ALTER COLUMN embedding DROP NOT NULL`,
				fmt.Sprintf(`ALTER TABLE %s ALTER COLUMN embedding TYPE vector(%d) USING NULL`, s.entries, sp.Dim),
			} {
				if _, err := tx.Exec(ctx, q); err != nil {
					return fmt.Errorf("pgvector: rewrite: change dimension: %w", err)
				}
			}
		}
		n, err := memory.RewriteEach(ctx, sp, embed,
			func(after string, n int) ([]memory.Entry, error) { return s.page(ctx, tx, after, n) },
			func(e memory.Entry, vec []float32) error {
				_, err := tx.Exec(ctx, `UPDATE `+s.entries+` SET embedder = $1, embedding = $2::vector WHERE id = $3`,
					sp.Embedder, pgv.NewVector(vec), e.ID)
				return err
			})
		total = n
		if err != nil {
			return fmt.Errorf("pgvector: %w", err)
		}
		if col != sp.Dim {
			for _, q := range []string{`ALTER TABLE ` + s.entries + ` ALTER COLUMN embedding SET NOT NULL`, s.indexDDL()} {
				if _, err := tx.Exec(ctx, q); err != nil {
					return fmt.Errorf("pgvector: rewrite: rebuild index: %w", err)
				}
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+s.space+` (id, embedder, dim) VALUES (1, $1, $2)
			ON CONFLICT (id) DO UPDATE SET embedder = EXCLUDED.embedder, dim = EXCLUDED.dim`, sp.Embedder, sp.Dim); err != nil {
			return fmt.Errorf("pgvector: rewrite space: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

func (s *Store) page(ctx context.Context, tx pgx.Tx, after string, n int) ([]memory.Entry, error) {
	rows, err := tx.Query(ctx, `SELECT id, user_id, kind, text, source, created_at FROM `+s.entries+
		` WHERE id > $1 ORDER BY id LIMIT $2`, after, n)
	if err != nil {
		return nil, fmt.Errorf("pgvector: rewrite: %w", err)
	}
	defer rows.Close()
	var out []memory.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("pgvector: rewrite: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
