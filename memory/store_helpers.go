package memory

// Helpers every Store implementation shares: the re-embedding loop and
// entry validation.

import (
	"context"
	"fmt"
)

// RewriteEach is the re-embedding loop every Store's Rewrite runs inside
// its own transaction: it pages through the entries in id order
// (ReembedBatch at a time), embeds each page, checks that every vector
// belongs to space sp, and hands each entry and its vector to write. It
// returns how many entries were rewritten. page returns the entries after
// the given id, at most n; an empty page ends the loop.
func RewriteEach(ctx context.Context, sp Space, embed func(context.Context, []Entry) ([][]float32, error),
	page func(after string, n int) ([]Entry, error), write func(e Entry, vec []float32) error) (int, error) {
	total, after := 0, ""
	for {
		batch, err := page(after, ReembedBatch)
		if err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		vecs, err := embed(ctx, batch)
		if err != nil {
			return total, err
		}
		if len(vecs) != len(batch) {
			return total, fmt.Errorf("rewrite: %d vectors for %d entries", len(vecs), len(batch))
		}
		for i, e := range batch {
			if len(vecs[i]) != sp.Dim {
				return total, fmt.Errorf("%w: rewrite: entry %s got a %d-dimensional vector, want %d", ErrInvalid, e.ID, len(vecs[i]), sp.Dim)
			}
			if err := write(e, vecs[i]); err != nil {
				return total, fmt.Errorf("rewrite %s: %w", e.ID, err)
			}
		}
		total += len(batch)
		after = batch[len(batch)-1].ID
	}
}

// CheckEntry validates an entry a Store is asked to insert: an id, a known
// kind, a creation time, a valid user id and text.
func CheckEntry(e Entry) error {
	switch {
	case e.ID == "":
		return fmt.Errorf("%w: id: empty", ErrInvalid)
	case !e.Kind.Valid():
		return fmt.Errorf("%w: kind %q", ErrInvalid, e.Kind)
	case e.CreatedAt.IsZero():
		return fmt.Errorf("%w: created_at: zero", ErrInvalid)
	}
	if err := ValidateUserID(e.UserID); err != nil {
		return err
	}
	return ValidateText("text", e.Text)
}
