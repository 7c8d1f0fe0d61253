package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cartwright-agent/cartwright/agent/check"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// Config wires an Agent. Merchants (or Registry), Planner, Wallet, Rail and
// Store are required; the rest have defaults.
type Config struct {
	// Registry or Merchants name the merchants the agent may reach. With
	// Merchants, each merchant's id is what its Info reports.
	Registry  *skills.Registry
	Merchants []skills.Merchant
	Planner   planner.Planner
	Wallet    Wallet
	Rail      Rail
	// Policy decides pay / confirm / refuse (agent/policy.Engine).
	Policy Policy
	// Confirmer asks the user; nil means nobody can be asked, so a basket
	// that needs confirmation is declined and nothing is charged.
	Confirmer Confirmer
	// Clarifier asks clarification questions; nil ends such a run with
	// status needs_clarification.
	Clarifier Clarifier
	Memory    Memory  // optional
	Audit     Auditor // optional
	Store     *store.DB
	Logger    *slog.Logger
	Clock     func() time.Time
	// MerchantTimeout is each merchant's deadline per step (default 10s).
	MerchantTimeout time.Duration
	// Retries is how often a call that failed with skills.ErrUnavailable is
	// retried (default 2; negative: never). The runtime is the one retry
	// layer: configure merchant clients not to retry on their own.
	Retries int
	// CompleteRetries is how often a checkout completion that failed with
	// skills.ErrUnavailable (a 503, a timeout) is retried (default 5;
	// negative: never). A completion carries its idempotency key, so a
	// retry is a replay: the merchant completes once. Each attempt gets its
	// own MerchantTimeout. Only when every retry failed is the outcome
	// unknown and the session left for Resume.
	CompleteRetries int
	// RetryBackoff is the first retry's delay, doubled each time up to
	// MaxRetryBackoff (default 100ms).
	RetryBackoff time.Duration
	// MaxRetryBackoff caps a retry's delay (default 2s).
	MaxRetryBackoff time.Duration
	// InfoTTL is how long merchants' published info is cached, in memory
	// and in the state database for the next process (default 5m).
	InfoTTL time.Duration
	// InfoScope, when set, persists merchants' info in Store under this
	// name for later processes (infocache.go): it must change whenever the
	// merchant ids could mean other merchants (the CLI hashes its world).
	InfoScope string
	// MaxRounds bounds re-decisions after checkout surprises (default 3).
	MaxRounds int
	// MaxClarifications bounds the clarification questions asked per
	// request (default 3): the planner may have a follow-up question after
	// an answer, but a conversation must end.
	MaxClarifications int
	// Progress, when set, receives a line per step (for a terminal).
	Progress func(step, msg string)
	// OnCheckpoint, when set, is called synchronously at each payment
	// checkpoint (see Checkpoint) with what is durable at that moment. It is
	// an explicit hook for observers (metrics, tracing) and for tests that
	// kill the process there to prove a resumed session converges. It must
	// not call back into the Agent; a slow hook slows the payment.
	OnCheckpoint func(ctx context.Context, cp Checkpoint)
}

// Checkpoint is a point in paying one merchant's cart.
type Checkpoint struct {
	SessionID string `json:"session_id"`
	Merchant  string `json:"merchant"`
	Step      string `json:"step"` // one of the Checkpoint… constants
}

// Payment checkpoints, in order. At each one the session state says exactly
// what the comment says; Resume continues from any of them without buying
// or charging twice.
const (
	// CheckpointQuoted: the merchant's quote was verified and recorded.
	CheckpointQuoted = "quoted"
	// CheckpointHeld: the wallet hold was taken and recorded.
	CheckpointHeld = "held"
	// CheckpointToken: the payment credential was issued and recorded.
	CheckpointToken = "token"
	// CheckpointCompleted: the merchant completed the order (it has the
	// money); the session has not recorded it yet.
	CheckpointCompleted = "completed"
	// CheckpointRecorded: the order is recorded; the wallet hold is not
	// captured yet.
	CheckpointRecorded = "recorded"
	// CheckpointCaptured: the wallet captured the hold; the session has not
	// recorded the capture yet.
	CheckpointCaptured = "captured"
)

func (r *run) checkpoint(ctx context.Context, co *checkout, step string) {
	if h := r.a.cfg.OnCheckpoint; h != nil {
		h(ctx, Checkpoint{SessionID: r.s.ID, Merchant: co.Merchant, Step: step})
	}
}

// Agent runs purchase sessions. It is safe for concurrent use.
type Agent struct {
	cfg Config
	db  *store.DB
	log *slog.Logger
	now func() time.Time

	mu        sync.Mutex
	infos     map[string]skills.MerchantInfo
	merchants map[string]skills.Merchant
	infoAt    time.Time
}

// New validates cfg and prepares the session table.
func New(ctx context.Context, cfg Config) (*Agent, error) {
	var missing []string
	if cfg.Registry == nil && len(cfg.Merchants) == 0 {
		missing = append(missing, "Registry or Merchants")
	}
	if cfg.Planner == nil {
		missing = append(missing, "Planner")
	}
	if cfg.Wallet == nil {
		missing = append(missing, "Wallet")
	}
	if cfg.Rail == nil {
		missing = append(missing, "Rail")
	}
	if cfg.Store == nil {
		missing = append(missing, "Store")
	}
	if cfg.Policy == nil {
		missing = append(missing, "Policy (agent/policy.Engine)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("agent: Config needs %s", strings.Join(missing, ", "))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.MerchantTimeout <= 0 {
		cfg.MerchantTimeout = 10 * time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.CompleteRetries == 0 {
		cfg.CompleteRetries = 5
	}
	if cfg.CompleteRetries < 0 {
		cfg.CompleteRetries = 0
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 100 * time.Millisecond
	}
	if cfg.MaxRetryBackoff <= 0 {
		cfg.MaxRetryBackoff = 2 * time.Second
	}
	if cfg.MaxRetryBackoff < cfg.RetryBackoff {
		cfg.MaxRetryBackoff = cfg.RetryBackoff
	}
	if cfg.InfoTTL <= 0 {
		cfg.InfoTTL = 5 * time.Minute
	}
	if cfg.MaxRounds <= 0 {
		cfg.MaxRounds = 3
	}
	if cfg.MaxClarifications <= 0 {
		cfg.MaxClarifications = 3
	}
	if err := MigrateSessions(ctx, cfg.Store); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	a := &Agent{cfg: cfg, db: cfg.Store, log: cfg.Logger, now: cfg.Clock}
	if err := MigrateInfoCache(ctx, a); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	return a, nil
}

// Run runs a purchase request to its end: bought, declined, refused,
// needs_clarification, no_offers or failed. An error means the run could not
// finish (cancelled, the state database failed); its session is then left
// as it was last persisted and Resume continues it.
//
// A request is checked before anything happens (CheckRequest): no session
// is created and no merchant is called for one that is empty, too long or
// names an invalid session id. A Run naming an existing session continues
// it only when it is the same request (user, text, answers); another
// request under that id is a *SessionConflictError.
func (a *Agent) Run(ctx context.Context, req Request) (*Result, error) {
	if err := CheckRequest(req); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if req.UserID == "" {
		req.UserID = "demo"
	}
	if req.SessionID != "" {
		if s, err := a.load(ctx, req.SessionID); err == nil {
			return a.continueSame(ctx, s, req)
		} else if !errors.Is(err, ErrSessionNotFound) {
			return nil, err
		}
	} else {
		req.SessionID = NewSessionID()
	}
	s := &session{ID: req.SessionID, Request: req, Phase: phaseNew, CreatedAt: a.now().UTC(), Facts: map[string]fact{}}
	s.Result = Result{SessionID: s.ID, Status: StatusRunning}
	if err := a.insert(ctx, s); err != nil {
		if store.IsUniqueViolation(err) { // a concurrent Run with the same id won
			s, err := a.load(ctx, req.SessionID)
			if err != nil {
				return nil, err
			}
			return a.continueSame(ctx, s, req)
		}
		return nil, fmt.Errorf("agent: create session: %w", err)
	}
	a.audit(ctx, s, "request", map[string]any{"request": req.Text, "user": req.UserID})
	if m := req.Mandate; m != nil {
		a.audit(ctx, s, "mandate", map[string]any{"id": m.ID, "max_total": m.MaxTotal, "confirm_above": m.ConfirmAbove,
			"merchants": m.Merchants, "categories": m.Categories, "signed": len(m.Signed) > 0})
	}
	return a.drive(ctx, s)
}

// continueSame resumes (or replays) stored session s for req, which must
// be the request s was created for.
func (a *Agent) continueSame(ctx context.Context, s *session, req Request) (*Result, error) {
	if !sameRequest(s.Request, req) {
		return nil, &SessionConflictError{SessionID: s.ID, Request: s.Request.Text}
	}
	return a.drive(ctx, s)
}

func sameRequest(stored, req Request) bool {
	user := stored.UserID
	if user == "" {
		user = "demo"
	}
	return user == req.UserID && strings.TrimSpace(stored.Text) == strings.TrimSpace(req.Text) &&
		strings.TrimSpace(stored.Answer) == strings.TrimSpace(req.Answer)
}

// Resume continues a session that did not finish (a crash, a cancellation)
// from its last persisted state; a finished session's result is returned as
// it is. Idempotency keys make every repeated merchant, wallet and payment
// call a replay, so nothing is bought or charged twice.
func (a *Agent) Resume(ctx context.Context, sessionID string) (*Result, error) {
	if err := ValidateSessionID(sessionID); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	s, err := a.load(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return a.drive(ctx, s)
}

// drive runs the session's remaining phases.
func (a *Agent) drive(ctx context.Context, s *session) (*Result, error) {
	if s.Phase == phaseDone {
		r := s.Result
		return &r, nil
	}
	if s.Facts == nil {
		s.Facts = map[string]fact{}
	}
	r := &run{a: a, s: s}
	err := r.steps(ctx)
	if err != nil && ctx.Err() == nil && !errors.Is(err, errPersist) && !errors.Is(err, errUnsettled) {
		// An unexpected failure that is not a cancellation: end the session
		// as failed, after undoing what can be undone.
		r.fail(ctx, err)
		err = nil
	}
	if err != nil {
		_ = a.save(ctx, s)
		return nil, &SessionError{SessionID: s.ID, Err: err}
	}
	res := s.Result
	return &res, nil
}

// SessionError is a run that stopped before its session finished (the
// outcome of a checkout is unknown, the run was cancelled, the state
// database failed): the session keeps its persisted state and Resume with
// SessionID continues it. It unwraps to the cause.
type SessionError struct {
	SessionID string
	Err       error
}

func (e *SessionError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *SessionError) Unwrap() error { return e.Err }

// ErrUnsettled: a merchant call's outcome is unknown after every retry (a
// completion that kept failing); Resume settles it.
var ErrUnsettled = errUnsettled

// errPersist wraps a failure to write the session: the run must stop
// before any further side effect.
var errPersist = errors.New("persist session")

// run is one drive of a session.
type run struct {
	a       *Agent
	s       *session
	catalog *check.Catalog // the run's catalog vocabulary (requirement check)
	calls   atomic.Int64
	mu      sync.Mutex // guards s.Result.Calls / Errors during fan-out
}

func (r *run) save(ctx context.Context) error {
	r.s.Result.MerchantCalls = r.s.Result.Calls.Info + r.s.Result.Calls.Search + r.s.Result.Calls.Quote +
		r.s.Result.Calls.Complete + r.s.Result.Calls.Cancel + r.s.Result.Calls.Refund
	if err := r.a.save(ctx, r.s); err != nil {
		return fmt.Errorf("%w: %w", errPersist, err)
	}
	return nil
}

func (r *run) progress(step, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.a.log.Debug(msg, "session", r.s.ID, "step", step)
	if r.a.cfg.Progress != nil {
		r.a.cfg.Progress(step, msg)
	}
}

func (r *run) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	r.s.Result.Errors = append(r.s.Result.Errors, msg)
	r.mu.Unlock()
	r.a.log.Warn(msg, "session", r.s.ID)
}

func (r *run) explain(format string, args ...any) {
	r.s.Result.Explanation = append(r.s.Result.Explanation, fmt.Sprintf(format, args...))
}

// step times fn and records it with its input and its output (detail).
func (r *run) step(ctx context.Context, name, input string, fn func() (string, error)) error {
	start := r.a.now()
	before := r.calls.Load()
	detail, err := fn()
	st := Step{Name: name, Start: start.UTC(), Duration: r.a.now().Sub(start), MerchantCalls: int(r.calls.Load() - before), Input: input, Detail: detail}
	if err != nil && detail == "" {
		st.Detail = err.Error()
	}
	r.s.Result.Steps = append(r.s.Result.Steps, st)
	r.a.audit(ctx, r.s, "step."+name, st)
	return err
}

// finish ends the session with a status.
func (r *run) finish(ctx context.Context, status string) error {
	r.s.Result.Status = status
	r.s.Phase = phaseDone
	if c := &r.s.Result.Charged; c.Currency == "" { // nothing charged: still say in what
		c.Currency = r.s.Result.Intent.Currency
		for _, id := range sortedIDs(r.s.Infos) {
			if c.Currency == "" {
				c.Currency = r.s.Infos[id].Currency
			}
		}
	}
	for _, e := range r.s.Result.Errors {
		r.a.audit(ctx, r.s, "error", e)
	}
	r.a.audit(ctx, r.s, "session.end", map[string]any{"status": status, "charged": r.s.Result.Charged, "orders": len(r.s.Result.Orders)})
	r.progress("done", "%s", status)
	return r.save(ctx)
}

// fail ends the session as failed after an unexpected error, undoing open
// holds and refunding what this session paid (all-or-nothing).
func (r *run) fail(ctx context.Context, cause error) {
	r.errorf("failed: %v", cause)
	r.unwind(ctx, "session failed: "+cause.Error())
	if err := r.finish(ctx, StatusFailed); err != nil {
		r.a.log.Error("could not record failed session", "session", r.s.ID, "err", err)
	}
}

func (r *run) steps(ctx context.Context) error {
	s := r.s
	if s.Phase == phaseNew {
		done, err := r.understand(ctx)
		if err != nil || done {
			return err
		}
		if done, err = r.searchAndCompare(ctx); err != nil || done {
			return err
		}
	}
	if s.Phase == phaseSearched || s.Phase == phasePaying {
		return r.pay(ctx)
	}
	return fmt.Errorf("session %s: unknown phase %q", s.ID, s.Phase)
}

// understand turns the request into an Intent, asking a clarification
// question when the planner has one. done reports a finished session.
func (r *run) understand(ctx context.Context) (done bool, err error) {
	a, s := r.a, r.s
	infos, err := r.infos(ctx)
	if err != nil {
		return false, err
	}
	s.Infos = infos
	if a.cfg.Memory != nil {
		err := r.step(ctx, "memory", "user "+s.Request.UserID, func() (string, error) {
			items, err := a.cfg.Memory.Recall(ctx, s.Request.UserID, s.Request.Text)
			if err != nil {
				r.errorf("memory: %v", err) // memory degrades the run, never ends it
				return "unavailable", nil
			}
			s.Memory = items
			return fmt.Sprintf("%d entries", len(items)), nil
		})
		if err != nil {
			return false, err
		}
	}
	list := make([]skills.MerchantInfo, 0, len(infos))
	for _, id := range sortedIDs(infos) {
		list = append(list, infos[id])
	}
	preq := planner.Request{Text: s.Request.Text, UserID: s.Request.UserID, Memory: s.Memory,
		Vocabulary: planner.MergeVocabulary(list), Answer: s.Request.Answer}
	var in planner.Intent
	err = r.step(ctx, "understand", fmt.Sprintf("%q", s.Request.Text), func() (string, error) {
		var err error
		in, err = r.plan(ctx, preq)
		if err != nil {
			return "", err
		}
		// Ask while the planner still has a question, at most
		// MaxClarifications rounds; each new plan sees every reply so far,
		// one per line, after any reply the request brought along.
		var answers []string
		if strings.TrimSpace(s.Request.Answer) != "" {
			answers = append(answers, s.Request.Answer)
		}
		c := &s.Result.Clarification
		*c = Clarification{Answer: s.Request.Answer}
		for round := 0; in.Clarify != nil && a.cfg.Clarifier != nil && round < a.cfg.MaxClarifications; round++ {
			q := in.Clarify
			if !c.Asked {
				c.Asked, c.Question = true, q.Question
			}
			r.progress("clarify", "%s", q.Question)
			ans, err := a.cfg.Clarifier.Clarify(ctx, q.Question, q.Options)
			if err != nil {
				return "", fmt.Errorf("clarify: %w", err)
			}
			ans = strings.TrimSpace(ans)
			c.Exchanges = append(c.Exchanges, Exchange{Question: q.Question, Answer: ans})
			a.audit(ctx, s, "clarification", map[string]any{"round": round + 1, "question": q.Question, "answer": ans})
			if ans == "" {
				break // the user said nothing: the run ends needing clarification
			}
			answers = append(answers, ans)
			preq.Answer = strings.Join(answers, "\n")
			c.Answer = preq.Answer
			if in, err = r.plan(ctx, preq); err != nil {
				return "", err
			}
		}
		if in.Clarify != nil && !c.Asked {
			c.Asked, c.Question = true, in.Clarify.Question
		}
		return summarizeIntent(in), nil
	})
	if err != nil {
		return false, err
	}
	s.Result.Intent = in
	a.audit(ctx, s, "intent", in)
	for _, n := range in.Notes {
		if n.Source != "" {
			r.memoryEffect(ctx, n.Source, n.Text)
		} else {
			r.explain("%s", n.Text)
		}
	}
	if in.Clarify != nil {
		r.explain("needs clarification: %s", in.Clarify.Question)
		return true, r.finish(ctx, StatusNeedsClarification)
	}
	r.progress("understand", "%s", summarizeIntent(in))
	return false, r.save(ctx)
}

// plan calls the planner and validates its output: a planner's intent is
// structure to check, never something to trust.
func (r *run) plan(ctx context.Context, preq planner.Request) (planner.Intent, error) {
	in, err := r.a.cfg.Planner.Understand(ctx, preq)
	if in.Usage != nil { // every model call of the session counts, clarification rounds too
		r.s.Result.Usage.Add(*in.Usage)
	}
	if err != nil {
		return planner.Intent{}, fmt.Errorf("planner %s: %w", r.a.cfg.Planner.Name(), err)
	}
	if err := in.Validate(); err != nil {
		return planner.Intent{}, fmt.Errorf("planner %s produced an invalid intent: %w", r.a.cfg.Planner.Name(), err)
	}
	if in.Request == "" {
		in.Request = preq.Text
	}
	return in, nil
}

func summarizeIntent(in planner.Intent) string {
	if in.Clarify != nil {
		return "clarify: " + in.Clarify.Question
	}
	var parts []string
	for _, it := range in.Items {
		p := fmt.Sprintf("%d× %s", it.Quantity, it.Query)
		var cons []string
		if it.Category != "" {
			cons = append(cons, "category="+it.Category)
		}
		for _, k := range sortedKeys(it.Attributes) {
			cons = append(cons, k+"="+it.Attributes[k])
		}
		for _, k := range sortedKeys(it.ExcludeAttributes) {
			cons = append(cons, k+"∉"+strings.Join(it.ExcludeAttributes[k], "|"))
		}
		if it.Brand != "" {
			cons = append(cons, "brand="+it.Brand)
		}
		if it.MaxUnitPrice != nil {
			cons = append(cons, "unit≤"+it.MaxUnitPrice.String())
		}
		if len(cons) > 0 {
			p += " (" + strings.Join(cons, ", ") + ")"
		}
		parts = append(parts, p)
	}
	s := strings.Join(parts, "; ")
	if in.Budget != nil {
		s += "; budget " + in.Budget.String()
	}
	return s
}

func (a *Agent) audit(ctx context.Context, s *session, kind string, data any) {
	if a.cfg.Audit == nil {
		return
	}
	if err := a.cfg.Audit.Record(context.WithoutCancel(ctx), s.ID, kind, data); err != nil {
		a.log.Error("audit record failed", "session", s.ID, "kind", kind, "err", err)
	}
}
