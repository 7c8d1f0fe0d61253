package agent

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Request is one purchase request.
type Request struct {
	Text   string `json:"text"`
	UserID string `json:"user_id"`
	// SessionID names the session; a Run with the id of an existing session
	// resumes it (or returns its result when it finished). Empty: a new id.
	SessionID string `json:"session_id,omitempty"`
	// Mandate is what the user authorised beforehand (nil: no mandate; the
	// policy then decides on the request alone).
	Mandate *Mandate `json:"mandate,omitempty"`
	// Answer pre-answers a clarification question (used when no Clarifier
	// is configured, e.g. a second CLI invocation).
	Answer string `json:"answer,omitempty"`
}

// MaxRequestBytes bounds a request's text, and separately its answers
// (bytes, UTF-8), for every planner: it is what the offline planner reads
// (planner/offline.MaxRequestBytes), and an LLM planner gains nothing from
// more. A longer request is refused before a session or a merchant call.
const MaxRequestBytes = 4000

// Request errors (CheckRequest); errors.Is tells them apart.
var (
	ErrEmptyRequest     = errors.New("empty request")
	ErrRequestTooLong   = errors.New("request too long")
	ErrInvalidSessionID = errors.New("invalid session id")
)

// sessionIDPattern is what a session id may look like: ids go into
// idempotency keys, evidence paths and log lines.
var sessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidateSessionID reports whether id can name a session: 1–64 ASCII
// letters, digits, '_' or '-'.
func ValidateSessionID(id string) error {
	if !sessionIDPattern.MatchString(id) {
		shown := id
		if len(shown) > 70 {
			shown = shown[:64] + "…"
		}
		return fmt.Errorf("%w %q: want 1-64 characters of A-Z, a-z, 0-9, '_' or '-'", ErrInvalidSessionID, shown)
	}
	return nil
}

// CheckRequest validates a request before any work: a non-blank text of
// at most MaxRequestBytes, answers of at most MaxRequestBytes, and a valid
// session id when one is given.
func CheckRequest(req Request) error {
	if strings.TrimSpace(req.Text) == "" {
		return fmt.Errorf("%w: say what to buy", ErrEmptyRequest)
	}
	if n := len(req.Text); n > MaxRequestBytes {
		return fmt.Errorf("%w: %d bytes, at most %d are read", ErrRequestTooLong, n, MaxRequestBytes)
	}
	if n := len(req.Answer); n > MaxRequestBytes {
		return fmt.Errorf("%w: the answers are %d bytes, at most %d are read", ErrRequestTooLong, n, MaxRequestBytes)
	}
	if req.SessionID != "" {
		return ValidateSessionID(req.SessionID)
	}
	return nil
}

// SessionConflictError: a Run named an existing session that was created
// for another request. errors.Is(err, ErrSessionConflict).
type SessionConflictError struct {
	SessionID string
	Request   string // the request the session belongs to
}

// ErrSessionConflict is what a *SessionConflictError unwraps to.
var ErrSessionConflict = errors.New("session belongs to another request")

func (e *SessionConflictError) Error() string {
	req := e.Request
	if r := []rune(req); len(r) > 80 {
		req = string(r[:79]) + "…"
	}
	return fmt.Sprintf("session %s belongs to another request: %q", e.SessionID, req)
}

// Unwrap makes errors.Is(err, ErrSessionConflict) hold.
func (e *SessionConflictError) Unwrap() error { return ErrSessionConflict }
