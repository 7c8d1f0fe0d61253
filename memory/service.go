package memory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Config builds a Memory from a Store and an Embedder.
type Config struct {
	Store    Store
	Embedder Embedder
	// Now stamps CreatedAt; time.Now when nil.
	Now func() time.Time
}

// Service is the Memory over a Store and an Embedder.
type Service struct {
	store Store
	emb   Embedder
	space Space
	now   func() time.Time
}

var _ Memory = (*Service)(nil)

// New returns the Memory for cfg. It does not touch the store: a store
// filled by another embedder is reported by the first Add or Search.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("memory: Config.Store is nil")
	}
	if cfg.Embedder == nil {
		return nil, errors.New("memory: Config.Embedder is nil")
	}
	sp := SpaceOf(cfg.Embedder)
	if sp.Embedder == "" || sp.Dim <= 0 {
		return nil, fmt.Errorf("memory: embedder %q reports dimension %d", sp.Embedder, sp.Dim)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{store: cfg.Store, emb: cfg.Embedder, space: sp, now: now}, nil
}

// Embedder returns the embedder in use.
func (s *Service) Embedder() Embedder { return s.emb }

// Store returns the store underneath.
func (s *Service) Store() Store { return s.store }

// checkSpace fails early, with the remedy, when the store holds vectors of
// another embedder.
func (s *Service) checkSpace(ctx context.Context) error {
	stored, err := s.store.Space(ctx)
	if err != nil {
		return err
	}
	if !stored.IsZero() && stored != s.space {
		return MismatchError(stored, s.space)
	}
	return nil
}

func (s *Service) embed(ctx context.Context, texts []string) ([][]float32, error) {
	vecs, err := s.emb.Embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("memory: embed with %s: %w", s.space.Embedder, err)
	}
	if err := CheckVectors(s.space, len(texts), vecs); err != nil {
		return nil, err
	}
	return vecs, nil
}

// Add implements Memory.
func (s *Service) Add(ctx context.Context, e Entry) (Entry, error) {
	if err := ValidateUserID(e.UserID); err != nil {
		return Entry{}, err
	}
	if err := ValidateText("text", e.Text); err != nil {
		return Entry{}, err
	}
	if len(e.Source) > MaxUserIDBytes {
		return Entry{}, fmt.Errorf("%w: source: %d bytes, at most %d", ErrInvalid, len(e.Source), MaxUserIDBytes)
	}
	e.Text = normalizeText(e.Text)
	if e.Kind == "" {
		e.Kind = InferKind(e.Text)
	} else if !e.Kind.Valid() {
		return Entry{}, fmt.Errorf("%w: kind %q is not one of constraint, preference, profile, history", ErrInvalid, e.Kind)
	}
	if e.ID == "" {
		e.ID = NewID()
	} else if len(e.ID) > 100 || strings.ContainsFunc(e.ID, func(r rune) bool { return r <= ' ' || r == 0x7f }) || !utf8.ValidString(e.ID) {
		return Entry{}, fmt.Errorf("%w: id %.40q: at most 100 bytes of printable UTF-8 without spaces", ErrInvalid, e.ID)
	}
	e.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	if err := s.checkSpace(ctx); err != nil {
		return Entry{}, err
	}
	vecs, err := s.embed(ctx, []string{e.Text})
	if err != nil {
		return Entry{}, err
	}
	return s.store.Insert(ctx, Record{Entry: e, Vector: vecs[0], Space: s.space})
}

// Search implements Memory.
func (s *Service) Search(ctx context.Context, q Query) ([]Hit, error) {
	if err := ValidateUserID(q.UserID); err != nil {
		return nil, err
	}
	if err := ValidateText("query", q.Text); err != nil {
		return nil, err
	}
	if q.K < 0 || q.K > MaxK {
		return nil, fmt.Errorf("%w: k: %d out of range 1..%d", ErrInvalid, q.K, MaxK)
	}
	if q.K == 0 {
		q.K = DefaultK
	}
	if _, err := KindStrings(q.Kinds); err != nil {
		return nil, err
	}
	if err := s.checkSpace(ctx); err != nil {
		return nil, err
	}
	vecs, err := s.embed(ctx, []string{normalizeText(q.Text)})
	if err != nil {
		return nil, err
	}
	return s.store.Nearest(ctx, NearestQuery{UserID: q.UserID, Vector: vecs[0], Space: s.space, K: q.K, Kinds: q.Kinds})
}

// List implements Memory.
func (s *Service) List(ctx context.Context, userID string, kinds ...Kind) ([]Entry, error) {
	if err := ValidateUserID(userID); err != nil {
		return nil, err
	}
	if _, err := KindStrings(kinds); err != nil {
		return nil, err
	}
	return s.store.List(ctx, userID, kinds)
}

// Forget implements Memory.
func (s *Service) Forget(ctx context.Context, userID, id string) error {
	if err := ValidateUserID(userID); err != nil {
		return err
	}
	if strings.TrimSpace(id) == "" {
		return fmt.Errorf("%w: id: empty", ErrInvalid)
	}
	return s.store.Delete(ctx, userID, id)
}

// ForgetAll implements Memory.
func (s *Service) ForgetAll(ctx context.Context, userID string) (int, error) {
	if err := ValidateUserID(userID); err != nil {
		return 0, err
	}
	return s.store.DeleteUser(ctx, userID)
}

// ReembedBatch is how many entries Reembed sends to the embedder at once.
const ReembedBatch = 64

// Reembed re-embeds every entry in st, of every user, with e and records
// e's space, all or nothing. Use it after switching embedders (another
// model, another dimension). It returns how many entries were rewritten.
func Reembed(ctx context.Context, st Store, e Embedder) (int, error) {
	if st == nil || e == nil {
		return 0, errors.New("memory: Reembed needs a store and an embedder")
	}
	sp := SpaceOf(e)
	if sp.Embedder == "" || sp.Dim <= 0 {
		return 0, fmt.Errorf("memory: embedder %q reports dimension %d", sp.Embedder, sp.Dim)
	}
	return st.Rewrite(ctx, sp, func(ctx context.Context, batch []Entry) ([][]float32, error) {
		texts := make([]string, len(batch))
		for i, en := range batch {
			texts[i] = en.Text
		}
		vecs, err := e.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("memory: reembed with %s: %w", sp.Embedder, err)
		}
		if err := CheckVectors(sp, len(texts), vecs); err != nil {
			return nil, err
		}
		return vecs, nil
	})
}
