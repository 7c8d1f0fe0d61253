package agent

import (
	"errors"
	"fmt"
	"github.com/cartwright-agent/cartwright/agent/check"
	"regexp"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// Session statuses (Result.Status).
const (
	StatusBought             = "bought"
	StatusDeclined           = "declined" // the user denied confirmation
	StatusRefused            = "refused"  // the policy refused
	StatusNeedsClarification = "needs_clarification"
	StatusNoOffers           = "no_offers"
	StatusFailed             = "failed"
	// StatusRunning is a session that has not finished (crashed or in
	// progress); Resume continues it.
	StatusRunning = "running"
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

// Result is what a session did. Evals and the CLI depend on its shape.
type Result struct {
	SessionID     string             `json:"session_id"`
	Status        string             `json:"status"`
	Intent        planner.Intent     `json:"intent"`
	Orders        []skills.Order     `json:"orders"`
	Charged       skills.Money       `json:"charged"` // captured minus refunded
	Basket        Basket             `json:"basket"`
	Considered    []Considered       `json:"considered"`
	Decision      Decision           `json:"decision"`
	Confirmation  Confirmation       `json:"confirmation"`
	Clarification Clarification      `json:"clarification"`
	Steps         []Step             `json:"steps"`
	MerchantCalls int                `json:"merchant_calls"`
	Calls         CallCounts         `json:"calls"`
	Usage         planner.ModelUsage `json:"usage"`
	Explanation   []string           `json:"explanation"`
	Errors        []string           `json:"errors,omitempty"`
	Refunds       []skills.Refund    `json:"refunds,omitempty"`
	// Evidence lists what merchant adapters kept of the pages a quote or an
	// order rested on (skills.EvidenceSource), with each file's hash.
	Evidence []skills.Evidence `json:"evidence,omitempty"`
	// Checks are the requirement check's verdicts on the lines last put
	// to the policy: every stated requirement and where the product
	// evidences it, or why it does not.
	Checks []check.Verdict `json:"checks,omitempty"`
}

// CallCounts breaks merchant round trips down by operation.
type CallCounts struct {
	Info     int `json:"info"`
	Search   int `json:"search"`
	Quote    int `json:"quote"`
	Complete int `json:"complete"`
	Cancel   int `json:"cancel"`
	Refund   int `json:"refund"`
	Retries  int `json:"retries"`
	// Minimum is the least a purchase like this one can take: one search
	// per eligible merchant per item, one quote and one completion per
	// merchant paid.
	Minimum int `json:"minimum"`
}

// Basket is the chosen basket.
type Basket struct {
	Lines     []BasketLine    `json:"lines"`
	Merchants []MerchantTotal `json:"merchants"`
	Total     skills.Money    `json:"total"`
	// Baseline is the per-item cheapest basket's total, for comparison.
	Baseline skills.Money `json:"baseline"`
}

// BasketLine is one chosen line.
type BasketLine struct {
	Item      int          `json:"item"`
	Merchant  string       `json:"merchant"`
	SKU       string       `json:"sku"`
	Title     string       `json:"title"`
	Quantity  int          `json:"quantity"`
	UnitPrice skills.Money `json:"unit_price"`
	Total     skills.Money `json:"total"`
}

// MerchantTotal is one merchant's cart total.
type MerchantTotal struct {
	Merchant string       `json:"merchant"`
	Subtotal skills.Money `json:"subtotal"`
	Discount skills.Money `json:"discount"`
	Shipping skills.Money `json:"shipping"`
	Total    skills.Money `json:"total"`
	Coupon   string       `json:"coupon,omitempty"`
}

// Considered is one offer the runtime looked at, and what it made of it.
type Considered struct {
	Item     int            `json:"item"`
	Product  skills.Product `json:"product"`
	Accepted bool           `json:"accepted"`
	Reason   string         `json:"reason,omitempty"` // why it was rejected
	Rank     int            `json:"rank"`             // soft-preference rank among accepted (0 best)
	Score    int            `json:"score,omitempty"`
	Why      string         `json:"why,omitempty"` // the planner's ranking reason
	// Source is the memory entry that moved this offer's rank, when one did.
	Source string `json:"memory,omitempty"`
}

// Confirmation says whether the user was asked and what they said.
type Confirmation struct {
	Asked    bool `json:"asked"`
	Approved bool `json:"approved"`
}

// Clarification says whether a question was asked and the answer: the
// first question, and every reply (one per line, a pre-answer first).
// Exchanges lists each round asked through the Clarifier.
type Clarification struct {
	Asked     bool       `json:"asked"`
	Question  string     `json:"question,omitempty"`
	Answer    string     `json:"answer,omitempty"`
	Exchanges []Exchange `json:"exchanges,omitempty"`
}

// Exchange is one clarification question and the user's reply.
type Exchange struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Step is one pipeline step's record.
type Step struct {
	Name          string        `json:"name"`
	Start         time.Time     `json:"start"`
	Duration      time.Duration `json:"duration"`
	MerchantCalls int           `json:"merchant_calls"`
	Input         string        `json:"input,omitempty"`  // what the step worked on
	Detail        string        `json:"detail,omitempty"` // what it produced (or its error)
}
