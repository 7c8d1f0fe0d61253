package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/cartwright-agent/cartwright/memory"
)

// The in-memory index: each user's vectors as one contiguous row-major
// matrix, loaded from SQLite on the user's first search and scanned with an
// unrolled dot product. SQLite stays the durable copy and the arbiter of
// freshness: every write bumps the user's row in <Table>_versions in the
// same transaction, and a search first reads that number (together with
// the store's space, in one query). A matrix whose version differs — another
// process or connection changed the user — is reloaded; this process's own
// writes are applied to the matrix directly when it was current just
// before them. Rewrite (re-embedding) bumps every user.
//
// DefaultCacheBytes bounds the vectors held; past it the least recently
// searched users are dropped (and reloaded when searched again).

// DefaultCacheBytes is the default bound on cached vector bytes (256 MiB:
// ~170k 384-dimensional vectors).
const DefaultCacheBytes = 256 << 20

type userMatrix struct {
	version int64
	dim     int
	ids     []string
	kinds   []memory.Kind
	vecs    []float32 // len(ids)·dim
	used    uint64    // last search tick, for eviction
}

func (u *userMatrix) bytes() int64 { return int64(len(u.vecs))*4 + int64(len(u.ids))*48 }

type matrixCache struct {
	mu    sync.Mutex
	users map[string]*userMatrix
	size  int64
	limit int64
	tick  uint64
}

func newCache(limit int64) *matrixCache {
	if limit <= 0 {
		limit = DefaultCacheBytes
	}
	return &matrixCache{users: map[string]*userMatrix{}, limit: limit}
}

func (c *matrixCache) drop(user string) {
	if u, ok := c.users[user]; ok {
		c.size -= u.bytes()
		delete(c.users, user)
	}
}

func (c *matrixCache) dropAll() {
	c.users = map[string]*userMatrix{}
	c.size = 0
}

func (c *matrixCache) put(user string, u *userMatrix) {
	c.drop(user)
	c.users[user] = u
	c.size += u.bytes()
	for c.size > c.limit && len(c.users) > 1 {
		var victim string
		var oldest uint64 = ^uint64(0)
		for id, v := range c.users {
			if id != user && v.used < oldest {
				victim, oldest = id, v.used
			}
		}
		c.drop(victim)
	}
}

// applied updates a cached matrix after this process's own write moved the
// user from version newV−1 to newV; any other history drops it.
func (c *matrixCache) applied(user string, newV int64, change func(*userMatrix)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.users[user]
	if !ok {
		return
	}
	if u.version != newV-1 {
		c.drop(user)
		return
	}
	c.size -= u.bytes()
	change(u)
	u.version = newV
	c.size += u.bytes()
}

// bumpVersion records a change to user's entries inside tx and returns the
// new version.
func (s *Store) bumpVersion(ctx context.Context, tx *sql.Tx, user string) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `INSERT INTO `+s.versions+` (user_id, version) VALUES ($1, 1)
		ON CONFLICT (user_id) DO UPDATE SET version = `+s.versions+`.version + 1 RETURNING version`, user).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: bump version: %w", err)
	}
	return v, nil
}

// spaceAndVersion reads the store's space and the user's version in one
// query (version 0: the user never wrote).
func (s *Store) spaceAndVersion(ctx context.Context, user string) (memory.Space, int64, error) {
	var sp memory.Space
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT embedder, dim, (SELECT version FROM `+s.versions+` WHERE user_id = $1) FROM `+s.space+` WHERE id = 1`, user).
		Scan(&sp.Embedder, &sp.Dim, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return memory.Space{}, 0, nil
	}
	if err != nil {
		return memory.Space{}, 0, fmt.Errorf("sqlstore: read space: %w", err)
	}
	return sp, v.Int64, nil
}

// matrix returns the user's current matrix, loading it when the cached one
// is missing or stale.
func (s *Store) matrix(ctx context.Context, user string, version int64, dim int) (*userMatrix, error) {
	s.cache.mu.Lock()
	s.cache.tick++
	if u, ok := s.cache.users[user]; ok && u.version == version && u.dim == dim {
		u.used = s.cache.tick
		s.cache.mu.Unlock()
		return u, nil
	}
	s.cache.mu.Unlock()
	u, err := s.load(ctx, user, dim)
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if u.version == version {
		u.used = s.cache.tick
		s.cache.put(user, u)
	}
	// A load that saw a newer version than the search read serves this
	// search (it is at least as fresh) but is cached only when it matches,
	// to keep the version check exact.
	return u, nil
}

// load reads the user's ids, kinds and vectors and the version they belong
// to, in one read transaction.
func (s *Store) load(ctx context.Context, user string, dim int) (*userMatrix, error) {
	u := &userMatrix{dim: dim}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var v sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT version FROM `+s.versions+` WHERE user_id = $1`, user).Scan(&v); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlstore: read version: %w", err)
		}
		u.version = v.Int64
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+s.entries+` WHERE user_id = $1`, user).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: count: %w", err)
		}
		u.ids = make([]string, 0, n)
		u.kinds = make([]memory.Kind, 0, n)
		u.vecs = make([]float32, 0, n*dim)
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, vector FROM `+s.entries+` WHERE user_id = $1`, user)
		if err != nil {
			return fmt.Errorf("sqlstore: load: %w", err)
		}
		defer rows.Close()
		want := 4 * dim
		for rows.Next() {
			var id, kind string
			var blob sql.RawBytes
			if err := rows.Scan(&id, &kind, &blob); err != nil {
				return fmt.Errorf("sqlstore: load: %w", err)
			}
			if len(blob) != want {
				return fmt.Errorf("sqlstore: entry %s: stored vector has %d bytes, want %d", id, len(blob), want)
			}
			u.ids = append(u.ids, id)
			u.kinds = append(u.kinds, memory.Kind(kind))
			u.vecs = appendDecoded(u.vecs, blob)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// scan offers every row of u (of the wanted kinds) to top.
func (u *userMatrix) scan(q []float32, kinds []memory.Kind, top *topK) {
	d := u.dim
	for r, id := range u.ids {
		if len(kinds) > 0 && !hasKind(kinds, u.kinds[r]) {
			continue
		}
		score := float64(Dot(q, u.vecs[r*d:(r+1)*d:(r+1)*d]))
		if top.admitsString(score, id) {
			top.offer(memory.Hit{Entry: memory.Entry{ID: id}, Score: score})
		}
	}
}

func hasKind(ks []memory.Kind, k memory.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Dot is the dot product of two vectors of the same length, unrolled by
// eight with four accumulators so the multiplies pipeline.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		aa, bb := a[i:i+8:i+8], b[i:i+8:i+8]
		s0 += aa[0]*bb[0] + aa[4]*bb[4]
		s1 += aa[1]*bb[1] + aa[5]*bb[5]
		s2 += aa[2]*bb[2] + aa[6]*bb[6]
		s3 += aa[3]*bb[3] + aa[7]*bb[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
