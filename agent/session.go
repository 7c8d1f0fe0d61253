package agent

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cartwright-agent/cartwright/agent/bundle"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// Session phases, in order. A session is persisted at every transition and
// before every side effect; Resume continues from the recorded phase.
const (
	phaseNew      = "new"
	phaseSearched = "searched" // offers found, compared and ranked
	phasePaying   = "paying"   // a plan exists; checkouts under way
	phaseDone     = "done"
)

// Checkout states, in order.
const (
	coNew       = "new"
	coQuoted    = "quoted"    // quote verified against the plan
	coHeld      = "held"      // wallet hold taken
	coCompleted = "completed" // merchant order exists
	coCaptured  = "captured"  // wallet captured: paid
	coCanceled  = "canceled"  // abandoned before payment
	coRefunded  = "refunded"  // paid, then refunded (all-or-nothing)
)

// checkout is the runtime's record of one merchant cart.
type checkout struct {
	Merchant      string               `json:"merchant"`
	Round         int                  `json:"round"`
	Items         []int                `json:"items"` // intent items this cart fills
	Lines         []skills.LineRequest `json:"lines"`
	LineItems     []int                `json:"line_items"` // the item each line fills
	Predicted     skills.Totals        `json:"predicted"`
	State         string               `json:"state"`
	Quote         *skills.Quote        `json:"quote,omitempty"`
	RemovedAddOns []skills.QuoteLine   `json:"removed_add_ons,omitempty"`
	HoldID        string               `json:"hold_id,omitempty"`
	Held          skills.Money         `json:"held"`
	// Credential is kept so that a resumed completion replays the very same
	// request under its idempotency key (a delegated token is single-use
	// and bound to this checkout session and amount; it is never logged).
	Credential *skills.Credential `json:"credential,omitempty"`
	Order      *skills.Order      `json:"order,omitempty"`
	Captured   skills.Money       `json:"captured"`
	Refunded   skills.Money       `json:"refunded"`
}

// fact is something learnt at checkout that overrides a search result.
type fact struct {
	Price      *skills.Money `json:"price,omitempty"`
	OutOfStock bool          `json:"out_of_stock,omitempty"`
	Excluded   string        `json:"excluded,omitempty"` // merchant-wide exclusion reason
}

// session is everything persisted about one run.
type session struct {
	ID        string                         `json:"id"`
	Request   Request                        `json:"request"`
	Phase     string                         `json:"phase"`
	Round     int                            `json:"round"`
	Infos     map[string]skills.MerchantInfo `json:"infos,omitempty"`
	Memory    []planner.MemoryItem           `json:"memory,omitempty"`
	Facts     map[string]fact                `json:"facts,omitempty"` // merchant/sku or merchant → fact
	Checkouts []*checkout                    `json:"checkouts,omitempty"`
	// ApprovedKey names the basket the policy (and, when asked, the user)
	// authorised: a resumed run never asks twice for the same basket.
	ApprovedKey string           `json:"approved_key,omitempty"`
	Solution    *bundle.Solution `json:"solution,omitempty"`
	// Planned is the first plan's total: what the user was first told.
	Planned   *skills.Money `json:"planned,omitempty"`
	Result    Result        `json:"result"`
	CreatedAt time.Time     `json:"created_at"`
}

var sessionMigrations = []string{
	`CREATE TABLE agent_sessions (
		id TEXT PRIMARY KEY,
		user_id TEXT NOT NULL,
		status TEXT NOT NULL,
		phase TEXT NOT NULL,
		request TEXT NOT NULL,
		state TEXT NOT NULL,
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL)`,
	`CREATE INDEX agent_sessions_user ON agent_sessions (user_id, created_at)`,
}

// MigrateSessions creates the session table (New calls it).
func MigrateSessions(ctx context.Context, db *store.DB) error {
	return db.Migrate(ctx, "agent_sessions", sessionMigrations)
}

// ErrSessionNotFound: no session with that id.
var ErrSessionNotFound = errors.New("session not found")

// NewSessionID returns a fresh session id in the runtime's format.
func NewSessionID() string { return skills.NewID("s_", 10) }

const tsLayout = "2006-01-02T15:04:05.000000000Z07:00"

// insert creates the session row; it fails if the id exists.
func (a *Agent) insert(ctx context.Context, s *session) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	now := a.now().UTC().Format(tsLayout)
	_, err = a.db.ExecContext(ctx, `INSERT INTO agent_sessions (id, user_id, status, phase, request, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, s.ID, s.Request.UserID, s.Result.Status, s.Phase, s.Request.Text, string(b), now, now)
	return err
}

// save persists the session. It runs with a context detached from the
// caller's cancellation: a state change that happened must be recorded even
// when the run is being cancelled.
func (a *Agent) save(ctx context.Context, s *session) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	res, err := a.db.ExecContext(sctx, `UPDATE agent_sessions SET status = $1, phase = $2, state = $3, updated_at = $4 WHERE id = $5`,
		s.Result.Status, s.Phase, string(b), a.now().UTC().Format(tsLayout), s.ID)
	if err != nil {
		return fmt.Errorf("save session %s: %w", s.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n != 1 {
		return fmt.Errorf("save session %s: %w", s.ID, ErrSessionNotFound)
	}
	return nil
}

func (a *Agent) load(ctx context.Context, id string) (*session, error) {
	var raw string
	err := a.db.QueryRowContext(ctx, `SELECT state FROM agent_sessions WHERE id = $1`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("session %q: %w", id, ErrSessionNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load session %q: %w", id, err)
	}
	s := &session{}
	if err := json.Unmarshal([]byte(raw), s); err != nil {
		return nil, fmt.Errorf("decode session %q: %w", id, err)
	}
	return s, nil
}

// SessionSummary is one row of Sessions.
type SessionSummary struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	Status    string    `json:"status"`
	Request   string    `json:"request"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Sessions lists a user's sessions, newest first (userID "": everyone's).
func (a *Agent) Sessions(ctx context.Context, userID string, limit int) ([]SessionSummary, error) {
	return ListSessions(ctx, a.db, userID, limit)
}

// ListSessions lists sessions in db without an Agent (for the CLI).
func ListSessions(ctx context.Context, db *store.DB, userID string, limit int) ([]SessionSummary, error) {
	if err := MigrateSessions(ctx, db); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	rows, err := db.QueryContext(ctx, `SELECT id, user_id, status, request, created_at, updated_at FROM agent_sessions
		WHERE ($1 = '' OR user_id = $1) ORDER BY created_at DESC, id LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []SessionSummary
	for rows.Next() {
		var s SessionSummary
		var c, u string
		if err := rows.Scan(&s.ID, &s.UserID, &s.Status, &s.Request, &c, &u); err != nil {
			return nil, err
		}
		s.CreatedAt, _ = time.Parse(tsLayout, c)
		s.UpdatedAt, _ = time.Parse(tsLayout, u)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Session returns a stored session's result (finished or not).
func (a *Agent) Session(ctx context.Context, id string) (*Result, error) {
	s, err := a.load(ctx, id)
	if err != nil {
		return nil, err
	}
	r := s.Result
	return &r, nil
}

// StoredResult reads a stored session's result from db without a running
// agent (audit's cross-ledger check and dispute evidence read it).
func StoredResult(ctx context.Context, db *store.DB, id string) (*Result, error) {
	a := &Agent{db: db}
	return a.Session(ctx, id)
}
