package skills

import (
	"context"
	"time"
)

// Evidence is a record a merchant adapter kept of what a decision rested on,
// for example a screenshot of the cart page a quote was read from or of an
// order confirmation. The runtime writes Path and SHA256 into the audit log;
// the hash makes the file tamper-evident.
type Evidence struct {
	Kind    string    `json:"kind"` // "quote" | "confirmation"
	QuoteID string    `json:"quote_id"`
	OrderID string    `json:"order_id,omitempty"`
	URL     string    `json:"url"`
	Path    string    `json:"path"`
	SHA256  string    `json:"sha256"`
	TakenAt time.Time `json:"taken_at"`
}

// EvidenceSource is implemented by merchants that keep evidence (the browser
// skill does). The runtime asks for it by quote id after Quote and Complete.
type EvidenceSource interface {
	Evidence(quoteID string) []Evidence
}

type sessionKey struct{}

// WithSession names the agent session a merchant call belongs to, so an
// adapter can file what it keeps per session.
func WithSession(ctx context.Context, sessionID string) context.Context {
	return context.WithValue(ctx, sessionKey{}, sessionID)
}

// SessionFrom returns the session named by WithSession ("" if none).
func SessionFrom(ctx context.Context) string {
	s, _ := ctx.Value(sessionKey{}).(string)
	return s
}
