// Package memory is Cartwright's preference memory: what the agent knows
// about a user (allergies, sizes, brands, addresses, past purchases), stored
// as short texts with embedding vectors and searched by meaning.
//
// The pieces:
//   - Memory, the small interface callers use (Add, Search, List, Forget,
//     ForgetAll), always scoped to one user;
//   - Embedder, which turns texts into vectors (memory/localembed needs no
//     network; memory/openaiembed calls an OpenAI-compatible endpoint);
//   - Store, the persistence a Memory stands on (memory/sqlstore: the
//     embedded default, in the state database; memory/pgvector: PostgreSQL +
//     pgvector with an HNSW index). memory/memorytest is the conformance
//     suite every Store passes.
//
// New joins an Embedder and a Store into a Memory. Vectors record which
// embedder made them; using a different one is ErrEmbedderMismatch until
// Reembed rewrites everything.
package memory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cartwright-agent/cartwright/skills"
)

// Kind classifies an entry. Constraints are hard (the planner turns them into
// filters); preferences are soft (they rank); profile is facts about the user
// (address, phone, sizes); history is past purchases.
type Kind string

const (
	Constraint Kind = "constraint"
	Preference Kind = "preference"
	Profile    Kind = "profile"
	History    Kind = "history"
)

// Kinds lists every kind, in the order the planner reads them.
var Kinds = []Kind{Constraint, Profile, Preference, History}

// Valid reports whether k is one of the four kinds.
func (k Kind) Valid() bool {
	switch k {
	case Constraint, Preference, Profile, History:
		return true
	}
	return false
}

// ParseKind parses a kind name (case-insensitive; plural accepted).
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "s"))
	if k == "histories" || k == "historie" {
		k = History
	}
	if !k.Valid() {
		return "", fmt.Errorf("%w: kind %q is not one of constraint, preference, profile, history", ErrInvalid, s)
	}
	return k, nil
}

// Limits on input.
const (
	// MaxTextBytes bounds one entry's or query's text. Memories are short
	// facts; anything longer is almost certainly a paste by mistake.
	MaxTextBytes = 2000
	// MaxUserIDBytes bounds a user id.
	MaxUserIDBytes = 200
	// DefaultK is the number of hits Search returns when Query.K is zero.
	DefaultK = 5
	// MaxK bounds Query.K.
	MaxK = 100
)

// Errors, for errors.Is.
var (
	// ErrInvalid is bad input: the message says which field and why.
	ErrInvalid = errors.New("memory: invalid input")
	// ErrNotFound is an id that does not exist for that user.
	ErrNotFound = errors.New("memory: not found")
	// ErrEmbedderMismatch is a store whose vectors were made by another
	// embedder (or another dimension) than the one in use.
	ErrEmbedderMismatch = errors.New("memory: embedder mismatch")
)

// Entry is one thing memory knows about a user.
type Entry struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	Kind   Kind   `json:"kind"`
	Text   string `json:"text"`
	// Source says where the entry came from ("user", "cli", "order:ord_1").
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Query searches one user's memory.
type Query struct {
	UserID string
	Text   string
	K      int    // 0: DefaultK
	Kinds  []Kind // empty: every kind
}

// Hit is a search result; Score is cosine similarity (1 is identical).
type Hit struct {
	Entry
	Score float64 `json:"score"`
}

// Memory is a user's preference memory. Every call is scoped to one user:
// no call returns, changes or deletes another user's entries.
type Memory interface {
	// Add stores an entry and returns it with ID and CreatedAt set. An empty
	// Kind is inferred from the text (InferKind). Adding the same text for
	// the same user again returns the existing entry (Add is idempotent).
	Add(ctx context.Context, e Entry) (Entry, error)
	// Search returns the user's K entries nearest in meaning to q.Text,
	// best first.
	Search(ctx context.Context, q Query) ([]Hit, error)
	// List returns the user's entries of the given kinds (all when none),
	// oldest first.
	List(ctx context.Context, userID string, kinds ...Kind) ([]Entry, error)
	// Forget deletes one entry; ErrNotFound when the user has no such id.
	Forget(ctx context.Context, userID, id string) error
	// ForgetAll deletes every entry of the user and says how many.
	ForgetAll(ctx context.Context, userID string) (int, error)
}

// ValidateUserID checks a user id.
func ValidateUserID(userID string) error {
	switch {
	case strings.TrimSpace(userID) == "":
		return fmt.Errorf("%w: user_id: empty", ErrInvalid)
	case len(userID) > MaxUserIDBytes:
		return fmt.Errorf("%w: user_id: %d bytes, at most %d", ErrInvalid, len(userID), MaxUserIDBytes)
	case !utf8.ValidString(userID):
		return fmt.Errorf("%w: user_id: not valid UTF-8", ErrInvalid)
	}
	return nil
}

// ValidateText checks an entry's or query's text; field names it in the error.
func ValidateText(field, text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return fmt.Errorf("%w: %s: empty", ErrInvalid, field)
	case len(text) > MaxTextBytes:
		return fmt.Errorf("%w: %s: %d bytes, at most %d (memories are short facts)", ErrInvalid, field, len(text), MaxTextBytes)
	case !utf8.ValidString(text):
		return fmt.Errorf("%w: %s: not valid UTF-8", ErrInvalid, field)
	}
	for _, r := range text {
		if r == 0 || unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return fmt.Errorf("%w: %s: contains control character %U", ErrInvalid, field, r)
		}
	}
	return nil
}

// normalizeText collapses whitespace; stored text is what the user wrote,
// tidied.
func normalizeText(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// DedupKey is the identity of an entry's text for idempotent Add: the same
// user adding the same words (case and spacing aside) gets one entry.
func DedupKey(text string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(normalizeText(text))))
	return hex.EncodeToString(sum[:16])
}

// NewID returns a fresh entry id ("mem_" + 20 hex digits).
func NewID() string { return skills.NewID("mem_", 10) }
