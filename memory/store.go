package memory

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// Embedder turns texts into vectors of Dim() floats. Name identifies the
// model and its version: vectors from different names are not comparable.
type Embedder interface {
	Name() string
	Dim() int
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Space identifies the vector space stored vectors live in.
type Space struct {
	Embedder string `json:"embedder"`
	Dim      int    `json:"dim"`
}

// SpaceOf is the space an embedder's vectors live in.
func SpaceOf(e Embedder) Space { return Space{Embedder: e.Name(), Dim: e.Dim()} }

// IsZero reports an unset space (an empty store).
func (s Space) IsZero() bool { return s.Embedder == "" && s.Dim == 0 }

func (s Space) String() string { return fmt.Sprintf("%s (dim %d)", s.Embedder, s.Dim) }

// MismatchError builds the ErrEmbedderMismatch error stores and New return.
func MismatchError(stored, using Space) error {
	return fmt.Errorf("%w: stored vectors are from %s but the embedder in use is %s; re-embed with `cartwright memory reembed` (memory.Reembed)",
		ErrEmbedderMismatch, stored, using)
}

// Record is an entry with its vector, as a Store keeps it.
type Record struct {
	Entry
	Vector []float32
	Space  Space
}

// NearestQuery asks a Store for a user's nearest entries to Vector.
type NearestQuery struct {
	UserID string
	Vector []float32 // unit length, Space.Dim long
	Space  Space
	K      int
	Kinds  []Kind // empty: every kind
}

// Store persists entries with their vectors. Implementations: sqlstore
// (embedded, brute force) and pgvector (HNSW). memorytest.Run is the
// conformance suite each must pass. Vectors are unit length (New normalises
// them), so cosine similarity is their dot product.
type Store interface {
	// Space is the space of the stored vectors; zero when the store has
	// never held one.
	Space(ctx context.Context) (Space, error)
	// Insert stores r unless the user already has an entry with the same
	// DedupKey, in which case it returns that entry unchanged. r.Space must
	// match the store's (MismatchError otherwise); the first insert into an
	// empty store sets it.
	Insert(ctx context.Context, r Record) (Entry, error)
	// Nearest returns up to q.K of the user's entries by descending cosine
	// similarity to q.Vector. q.Space must match the store's.
	Nearest(ctx context.Context, q NearestQuery) ([]Hit, error)
	// List returns the user's entries of the given kinds (all when empty),
	// oldest first (ties by id).
	List(ctx context.Context, userID string, kinds []Kind) ([]Entry, error)
	// Delete removes one of the user's entries; ErrNotFound when absent.
	Delete(ctx context.Context, userID, id string) error
	// DeleteUser removes all the user's entries and says how many.
	DeleteUser(ctx context.Context, userID string) (int, error)
	// Rewrite replaces every stored vector, of every user, with embed's
	// output and records sp as the store's space, all or nothing. embed is
	// called with batches of entries and returns one sp.Dim-long unit
	// vector per entry. It returns how many entries were rewritten.
	Rewrite(ctx context.Context, sp Space, embed func(context.Context, []Entry) ([][]float32, error)) (int, error)
}

// CheckVectors validates an embedder's output: count, dimension, finite,
// non-zero. It normalises each vector to unit length in place.
func CheckVectors(sp Space, n int, vecs [][]float32) error {
	if len(vecs) != n {
		return fmt.Errorf("memory: embedder %s returned %d vectors for %d texts", sp.Embedder, len(vecs), n)
	}
	for i, v := range vecs {
		if len(v) != sp.Dim {
			return fmt.Errorf("memory: embedder %s returned a %d-dimensional vector (text %d), want %d", sp.Embedder, len(v), i, sp.Dim)
		}
		var ss float64
		for _, x := range v {
			f := float64(x)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("memory: embedder %s returned a non-finite value (text %d)", sp.Embedder, i)
			}
			ss += f * f
		}
		if ss == 0 {
			return fmt.Errorf("%w: text %d has nothing to embed (embedder %s gave a zero vector)", ErrInvalid, i, sp.Embedder)
		}
		inv := 1 / math.Sqrt(ss)
		for j := range v {
			v[j] = float32(float64(v[j]) * inv)
		}
	}
	return nil
}

// CheckStoreVector is what a Store checks on a vector it is given.
func CheckStoreVector(stored Space, want Space, v []float32) error {
	if !stored.IsZero() && stored != want {
		return MismatchError(stored, want)
	}
	if want.Embedder == "" || want.Dim <= 0 {
		return fmt.Errorf("%w: vector space %q with dimension %d", ErrInvalid, want.Embedder, want.Dim)
	}
	if len(v) != want.Dim {
		return fmt.Errorf("%w: vector has %d dimensions, space %s wants %d", ErrInvalid, len(v), want, want.Dim)
	}
	return nil
}

// KindStrings converts kinds for SQL parameters, rejecting unknown ones.
func KindStrings(kinds []Kind) ([]string, error) {
	out := make([]string, 0, len(kinds))
	for _, k := range kinds {
		if !k.Valid() {
			return nil, fmt.Errorf("%w: kind %q is not one of constraint, preference, profile, history", ErrInvalid, k)
		}
		out = append(out, string(k))
	}
	return out, nil
}

// ValidIdent reports whether s is safe as an SQL identifier prefix: lower
// case letters, digits and underscores, starting with a letter, at most 40
// bytes. Stores accept table names only through it.
func ValidIdent(s string) bool {
	if s == "" || len(s) > 40 || !(s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	}) < 0
}
