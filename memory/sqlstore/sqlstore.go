// Package sqlstore is the embedded memory store: entries and their vectors
// live in the state database (skills/store: the SQLite file by default, or
// PostgreSQL), vectors as BLOBs of little-endian float32, and search is an
// exact brute-force cosine scan over one user's entries — held in memory as
// one contiguous matrix per user, loaded once and kept fresh by a per-user
// change counter (index.go).
//
// That is the right tool at personal scale — a user has tens to a few
// thousand memories — and needs no extension. BenchmarkNearest measures the
// store's share of a search (top-5 over one user's n entries, 384 dims): the
// scan is ~3.8 M multiply-adds at 10k entries; past ~100k entries per user
// the matrix (150 MB) and the scan (~15 ms) say use memory/pgvector (HNSW).
// Add is ~0.3–0.7 ms at every size.
package sqlstore

import (
	"container/heap"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// Config configures the store.
type Config struct {
	DB *store.DB
	// Table prefixes the store's tables (<Table>_entries, <Table>_space,
	// <Table>_versions); "memory" when empty. Lower-case letters, digits and
	// underscores.
	Table string
	// CacheBytes bounds the vectors held in memory for search
	// (DefaultCacheBytes when zero); see index.go.
	CacheBytes int64
}

// Store is the embedded memory store.
type Store struct {
	db       *store.DB
	entries  string
	space    string
	versions string
	cache    *matrixCache
}

var _ memory.Store = (*Store)(nil)

// TimeLayout stores times so that text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Open applies the store's migrations and returns it.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.DB == nil {
		return nil, errors.New("sqlstore: Config.DB is nil")
	}
	if cfg.Table == "" {
		cfg.Table = "memory"
	}
	if !memory.ValidIdent(cfg.Table) {
		return nil, fmt.Errorf("sqlstore: Config.Table %q: want lower-case letters, digits and underscores, starting with a letter, at most 40 bytes", cfg.Table)
	}
	s := &Store{db: cfg.DB, entries: cfg.Table + "_entries", space: cfg.Table + "_space",
		versions: cfg.Table + "_versions", cache: newCache(cfg.CacheBytes)}
	blob := "BLOB"
	if cfg.DB.Dialect == store.Postgres {
		blob = "BYTEA"
	}
	// Identifiers below come from ValidIdent-checked Config.Table: no value
	// is ever formatted into SQL.
	steps := []string{
		fmt.Sprintf(`CREATE TABLE %s (
			id TEXT PRIMARY KEY,
			user_id TEXT NOT NULL,
			kind TEXT NOT NULL,
			text TEXT NOT NULL,
			source TEXT NOT NULL,
			dedup TEXT NOT NULL,
			created_at TEXT NOT NULL,
			embedder TEXT NOT NULL,
			dim INTEGER NOT NULL,
			vector %s NOT NULL)`, s.entries, blob),
		fmt.Sprintf(`CREATE UNIQUE INDEX %s_dedup ON %s (user_id, dedup)`, s.entries, s.entries),
		fmt.Sprintf(`CREATE INDEX %s_user_kind ON %s (user_id, kind)`, s.entries, s.entries),
		fmt.Sprintf(`CREATE TABLE %s (id INTEGER PRIMARY KEY CHECK (id = 1), embedder TEXT NOT NULL, dim INTEGER NOT NULL)`, s.space),
		// One change counter per user, bumped by every write in its
		// transaction: what keeps in-memory matrices fresh (index.go).
		fmt.Sprintf(`CREATE TABLE %s (user_id TEXT PRIMARY KEY, version INTEGER NOT NULL)`, s.versions),
	}
	if err := cfg.DB.Migrate(ctx, "memory:"+cfg.Table, steps); err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	return s, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Store) readSpace(ctx context.Context, q querier) (memory.Space, error) {
	var sp memory.Space
	err := q.QueryRowContext(ctx, `SELECT embedder, dim FROM `+s.space+` WHERE id = 1`).Scan(&sp.Embedder, &sp.Dim)
	if errors.Is(err, sql.ErrNoRows) {
		return memory.Space{}, nil
	}
	if err != nil {
		return memory.Space{}, fmt.Errorf("sqlstore: read space: %w", err)
	}
	return sp, nil
}

// Space implements memory.Store.
func (s *Store) Space(ctx context.Context) (memory.Space, error) { return s.readSpace(ctx, s.db) }

// claimSpace checks a vector against the store's embedding space, recording
// sp as the space when the store has none yet. Two first writers may race
// (on PostgreSQL both can see an empty space under READ COMMITTED): the
// insert yields to a concurrent one (ON CONFLICT DO NOTHING waits for it)
// and the check then runs against whichever space won.
func (s *Store) claimSpace(ctx context.Context, tx *sql.Tx, sp memory.Space, vec []float32) error {
	stored, err := s.readSpace(ctx, tx)
	if err != nil {
		return err
	}
	if stored.IsZero() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.space+` (id, embedder, dim) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`, sp.Embedder, sp.Dim); err != nil {
			return fmt.Errorf("sqlstore: record space: %w", err)
		}
		if stored, err = s.readSpace(ctx, tx); err != nil {
			return err
		}
	}
	return memory.CheckStoreVector(stored, sp, vec)
}

// Insert implements memory.Store.
func (s *Store) Insert(ctx context.Context, r memory.Record) (memory.Entry, error) {
	if err := memory.CheckEntry(r.Entry); err != nil {
		return memory.Entry{}, err
	}
	var out memory.Entry
	var newV int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.claimSpace(ctx, tx, r.Space, r.Vector); err != nil {
			return err
		}
		dedup := memory.DedupKey(r.Text)
		res, err := tx.ExecContext(ctx, `INSERT INTO `+s.entries+` (id, user_id, kind, text, source, dedup, created_at, embedder, dim, vector)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (user_id, dedup) DO NOTHING`,
			r.ID, r.UserID, string(r.Kind), r.Text, r.Source, dedup, r.CreatedAt.UTC().Format(TimeLayout),
			r.Space.Embedder, r.Space.Dim, EncodeVector(r.Vector))
		if err != nil {
			if store.IsUniqueViolation(err) {
				return fmt.Errorf("%w: id %q already exists", memory.ErrInvalid, r.ID)
			}
			return fmt.Errorf("sqlstore: insert: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			out = r.Entry
			out.CreatedAt = r.CreatedAt.UTC().Truncate(time.Microsecond)
			newV, err = s.bumpVersion(ctx, tx, r.UserID)
			return err
		}
		row := tx.QueryRowContext(ctx, `SELECT id, user_id, kind, text, source, created_at FROM `+s.entries+` WHERE user_id = $1 AND dedup = $2`, r.UserID, dedup)
		out, err = scanEntry(row)
		return err
	})
	if err == nil && newV > 0 {
		s.cache.applied(r.UserID, newV, func(u *userMatrix) {
			if u.dim != len(r.Vector) {
				u.version = -1 // cannot happen: the space was checked; reload to be safe
				return
			}
			u.ids = append(u.ids, r.ID)
			u.kinds = append(u.kinds, r.Kind)
			u.vecs = append(u.vecs, r.Vector...)
		})
	}
	return out, err
}

// InsertMany inserts records in one transaction, skipping texts the user
// already has. For bulk loads and benchmarks; every record must be in the
// store's space.
func (s *Store) InsertMany(ctx context.Context, rs []memory.Record) error {
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
	}
	users := map[string]bool{}
	defer func() {
		s.cache.mu.Lock()
		for u := range users {
			s.cache.drop(u)
		}
		s.cache.mu.Unlock()
	}()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.claimSpace(ctx, tx, rs[0].Space, rs[0].Vector); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO `+s.entries+` (id, user_id, kind, text, source, dedup, created_at, embedder, dim, vector)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (user_id, dedup) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("sqlstore: insert many: %w", err)
		}
		defer stmt.Close()
		for _, r := range rs {
			if len(r.Vector) != r.Space.Dim {
				return fmt.Errorf("%w: record %s: vector has %d dimensions, want %d", memory.ErrInvalid, r.ID, len(r.Vector), r.Space.Dim)
			}
			if _, err := stmt.ExecContext(ctx, r.ID, r.UserID, string(r.Kind), r.Text, r.Source, memory.DedupKey(r.Text),
				r.CreatedAt.UTC().Format(TimeLayout), r.Space.Embedder, r.Space.Dim, EncodeVector(r.Vector)); err != nil {
				return fmt.Errorf("sqlstore: insert many %s: %w", r.ID, err)
			}
			users[r.UserID] = true
		}
		for u := range users {
			if _, err := s.bumpVersion(ctx, tx, u); err != nil {
				return err
			}
		}
		return nil
	})
}

type scanner interface{ Scan(dest ...any) error }

func scanEntry(sc scanner, extra ...any) (memory.Entry, error) {
	var e memory.Entry
	var kind, created string
	dest := append([]any{&e.ID, &e.UserID, &kind, &e.Text, &e.Source, &created}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return memory.Entry{}, fmt.Errorf("sqlstore: read entry: %w", err)
	}
	e.Kind = memory.Kind(kind)
	t, err := time.Parse(TimeLayout, created)
	if err != nil {
		return memory.Entry{}, fmt.Errorf("sqlstore: entry %s: created_at %q: %w", e.ID, created, err)
	}
	e.CreatedAt = t
	return e, nil
}

// kindFilter returns " AND kind IN ($n, …)" with placeholders from next on,
// and the kind strings as arguments.
func kindFilter(kinds []memory.Kind, next int) (string, []any, error) {
	ks, err := memory.KindStrings(kinds)
	if err != nil || len(ks) == 0 {
		return "", nil, err
	}
	ph := make([]string, len(ks))
	args := make([]any, len(ks))
	for i, k := range ks {
		ph[i] = fmt.Sprintf("$%d", next+i)
		args[i] = k
	}
	return " AND kind IN (" + strings.Join(ph, ", ") + ")", args, nil
}

// Nearest implements memory.Store: an exact scan of the user's vectors.
func (s *Store) Nearest(ctx context.Context, q memory.NearestQuery) ([]memory.Hit, error) {
	if err := memory.ValidateUserID(q.UserID); err != nil {
		return nil, err
	}
	if q.K <= 0 {
		return nil, fmt.Errorf("%w: k: %d, must be positive", memory.ErrInvalid, q.K)
	}
	stored, version, err := s.spaceAndVersion(ctx, q.UserID)
	if err != nil {
		return nil, err
	}
	if stored.IsZero() {
		return nil, nil // nothing stored yet, by anyone
	}
	if err := memory.CheckStoreVector(stored, q.Space, q.Vector); err != nil {
		return nil, err
	}
	if _, err := memory.KindStrings(q.Kinds); err != nil {
		return nil, err
	}
	// Pass 1 scans the user's in-memory matrix (index.go) and keeps the k
	// best; pass 2 reads those k entries in full.
	u, err := s.matrix(ctx, q.UserID, version, stored.Dim)
	if err != nil {
		return nil, err
	}
	top := &topK{k: q.K}
	s.cache.mu.Lock() // own writes update a cached matrix in place
	u.scan(q.Vector, q.Kinds, top)
	s.cache.mu.Unlock()
	hits := top.sorted()
	if len(hits) == 0 {
		return nil, nil
	}
	// By primary key only: with user_id in the WHERE clause SQLite's
	// planner walks the (user_id, kind) index over every row of the user.
	ph := make([]string, len(hits))
	args := make([]any, len(hits))
	for i, h := range hits {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = h.ID
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, user_id, kind, text, source, created_at FROM `+s.entries+
		` WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: search: %w", err)
	}
	defer rows.Close()
	full := make(map[string]memory.Entry, len(hits))
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		if e.UserID == q.UserID {
			full[e.ID] = e
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: search: %w", err)
	}
	out := hits[:0]
	for _, h := range hits {
		e, ok := full[h.ID]
		if !ok {
			continue // forgotten since the matrix was read
		}
		h.Entry = e
		out = append(out, h)
	}
	return out, nil
}

// List implements memory.Store.
func (s *Store) List(ctx context.Context, userID string, kinds []memory.Kind) ([]memory.Entry, error) {
	if err := memory.ValidateUserID(userID); err != nil {
		return nil, err
	}
	filter, kargs, err := kindFilter(kinds, 2)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, user_id, kind, text, source, created_at FROM `+s.entries+
		` WHERE user_id = $1`+filter+` ORDER BY created_at, id`, append([]any{userID}, kargs...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list: %w", err)
	}
	defer rows.Close()
	var out []memory.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list: %w", err)
	}
	return out, nil
}

// Delete implements memory.Store.
func (s *Store) Delete(ctx context.Context, userID, id string) error {
	var newV int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+s.entries+` WHERE user_id = $1 AND id = $2`, userID, id)
		if err != nil {
			return fmt.Errorf("sqlstore: delete: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: user %q has no entry %q", memory.ErrNotFound, userID, id)
		}
		newV, err = s.bumpVersion(ctx, tx, userID)
		return err
	})
	if err != nil {
		return err
	}
	s.cache.applied(userID, newV, func(u *userMatrix) {
		for r, x := range u.ids {
			if x != id {
				continue
			}
			last := len(u.ids) - 1
			u.ids[r], u.kinds[r] = u.ids[last], u.kinds[last]
			copy(u.vecs[r*u.dim:(r+1)*u.dim], u.vecs[last*u.dim:])
			u.ids, u.kinds, u.vecs = u.ids[:last], u.kinds[:last], u.vecs[:last*u.dim]
			return
		}
	})
	return nil
}

// DeleteUser implements memory.Store.
func (s *Store) DeleteUser(ctx context.Context, userID string) (int, error) {
	var n int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+s.entries+` WHERE user_id = $1`, userID)
		if err != nil {
			return fmt.Errorf("sqlstore: delete user: %w", err)
		}
		n, _ = res.RowsAffected()
		_, err = s.bumpVersion(ctx, tx, userID)
		return err
	})
	s.cache.mu.Lock()
	s.cache.drop(userID)
	s.cache.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// Rewrite implements memory.Store. It runs in one transaction (SQLite's
// write lock is held while embed runs: re-embedding is an offline chore).
func (s *Store) Rewrite(ctx context.Context, sp memory.Space, embed func(context.Context, []memory.Entry) ([][]float32, error)) (int, error) {
	if sp.Embedder == "" || sp.Dim <= 0 {
		return 0, fmt.Errorf("%w: space %q dimension %d", memory.ErrInvalid, sp.Embedder, sp.Dim)
	}
	total := 0
	defer func() {
		s.cache.mu.Lock()
		s.cache.dropAll()
		s.cache.mu.Unlock()
	}()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		n, err := memory.RewriteEach(ctx, sp, embed,
			func(after string, n int) ([]memory.Entry, error) { return s.page(ctx, tx, after, n) },
			func(e memory.Entry, vec []float32) error {
				_, err := tx.ExecContext(ctx, `UPDATE `+s.entries+` SET embedder = $1, dim = $2, vector = $3 WHERE id = $4`,
					sp.Embedder, sp.Dim, EncodeVector(vec), e.ID)
				return err
			})
		total = n
		if err != nil {
			return fmt.Errorf("sqlstore: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+s.versions+` SET version = version + 1`); err != nil {
			return fmt.Errorf("sqlstore: rewrite versions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+s.space+` WHERE id = 1`); err != nil {
			return fmt.Errorf("sqlstore: rewrite space: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.space+` (id, embedder, dim) VALUES (1, $1, $2)`, sp.Embedder, sp.Dim); err != nil {
			return fmt.Errorf("sqlstore: rewrite space: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

func (s *Store) page(ctx context.Context, tx *sql.Tx, after string, n int) ([]memory.Entry, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, user_id, kind, text, source, created_at FROM `+s.entries+
		` WHERE id > $1 ORDER BY id LIMIT $2`, after, n)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: rewrite: %w", err)
	}
	defer rows.Close()
	var out []memory.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EncodeVector is the stored form of a vector: float32 little-endian.
func EncodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// DecodeVector reverses EncodeVector.
func DecodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("sqlstore: vector blob of %d bytes is not a whole number of float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

func appendDecoded(v []float32, b []byte) []float32 {
	for i := 0; i+4 <= len(b); i += 4 {
		v = append(v, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
	}
	return v
}

// DotBlob is the dot product of q with an encoded vector of the same length,
// without decoding it into a slice.
func DotBlob(q []float32, b []byte) float64 {
	var s float32
	for i, x := range q {
		s += x * math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return float64(s)
}

// topK keeps the k best hits (a min-heap on score, ties by id).
type topK struct {
	k int
	h hitHeap
}

// admits reports whether a hit with this score and id would enter the top
// k, without allocating for it.
func (t *topK) admits(score float64, id []byte) bool {
	if len(t.h) < t.k {
		return true
	}
	w := t.h[0]
	return w.Score < score || w.Score == score && w.ID > string(id)
}

// admitsString is admits for a string id.
func (t *topK) admitsString(score float64, id string) bool {
	if len(t.h) < t.k {
		return true
	}
	w := t.h[0]
	return w.Score < score || w.Score == score && w.ID > id
}

func (t *topK) offer(h memory.Hit) {
	if len(t.h) < t.k {
		heap.Push(&t.h, h)
		return
	}
	if worse(t.h[0], h) {
		t.h[0] = h
		heap.Fix(&t.h, 0)
	}
}

func (t *topK) sorted() []memory.Hit {
	out := make([]memory.Hit, len(t.h))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&t.h).(memory.Hit)
	}
	return out
}

// worse reports whether a ranks below b: lower score, or equal score and a
// larger id (ids break ties so results are deterministic).
func worse(a, b memory.Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.ID > b.ID
}

type hitHeap []memory.Hit

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(i, j int) bool { return worse(h[i], h[j]) }
func (h hitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)        { *h = append(*h, x.(memory.Hit)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
