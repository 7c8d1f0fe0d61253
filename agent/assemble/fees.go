package assemble

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// x402 fees are what merchants charge per request (a paid catalog search,
// say) over HTTP 402. They are paid from the agent wallet like any other
// spend and count against the same signed mandate:
//
//   - before paying, approveFee asks the policy engine about a one-line
//     cart from the payee (policy.CategoryX402) with the fees this session
//     already paid counted as paid: the payee must be an allowed merchant,
//     the mandate valid and not revoked, fees so far plus this one within
//     max_total, the budget and the wallet; a fee that would need the user's
//     confirmation is refused (no one is asked about a background data fee).
//     A refused fee is never paid: the request fails and the runtime reports
//     that merchant as degraded.
//   - a paid fee is in the wallet ledger (hold and capture, memo "x402 …"),
//     in the audit log (kind payment, rail x402) and in this package's fee
//     book, per session (Result.Fees, Result.FeePayments).
//   - feePolicy then decides the basket with the session's fees added to
//     what was paid: basket + fees must stay within the mandate's max_total
//     and the request's budget.

var feeMigrations = []string{
	`CREATE TABLE x402_fees (
		hold_id TEXT PRIMARY KEY,
		session_id TEXT NOT NULL,
		merchant TEXT NOT NULL,
		resource TEXT NOT NULL,
		amount BIGINT NOT NULL,
		currency TEXT NOT NULL,
		network TEXT NOT NULL,
		transaction_id TEXT NOT NULL,
		created_at TEXT NOT NULL)`,
	`CREATE INDEX x402_fees_session ON x402_fees (session_id)`,
}

const tsLayout = "2006-01-02T15:04:05.000000000Z07:00"

// feeBook records fees per session in the state database and remembers
// each live session's mandate for the approver.
type feeBook struct {
	db       *store.DB
	mu       sync.Mutex
	mandates map[string]*agent.Mandate
	planned  map[string]skills.Money // the session's last basket the policy did not refuse
	// pending are fees approved and not yet known paid or unpaid, per
	// session (minor units): counted against the mandate like paid ones,
	// so parallel searches cannot each spend the same headroom.
	pending map[string]int64
	// approve serialises check-and-reserve of fees.
	approve sync.Mutex
}

func openFeeBook(ctx context.Context, db *store.DB) (*feeBook, error) {
	if err := db.Migrate(ctx, "x402_fees", feeMigrations); err != nil {
		return nil, fmt.Errorf("x402 fee book: %w", err)
	}
	return &feeBook{db: db, mandates: map[string]*agent.Mandate{}, planned: map[string]skills.Money{}, pending: map[string]int64{}}, nil
}

func (b *feeBook) bind(session string, m *agent.Mandate) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mandates[session] = m
}

func (b *feeBook) plan(session string, basket skills.Money) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.planned[session] = basket
}

func (b *feeBook) plannedBasket(session string, cur skills.Currency) skills.Money {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.planned[session]; ok && p.Currency == cur {
		return p
	}
	return skills.M(0, cur)
}

func (b *feeBook) pendingFees(session string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pending[session]
}

func (b *feeBook) reserve(session string, minor int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending[session] += minor
}

func (b *feeBook) unreserve(session string, minor int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pending[session] -= minor; b.pending[session] <= 0 {
		delete(b.pending, session)
	}
}

func (b *feeBook) mandate(session string) (*agent.Mandate, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.mandates[session]
	return m, ok
}

func (b *feeBook) record(ctx context.Context, f Fee) error {
	_, err := b.db.ExecContext(ctx, `INSERT INTO x402_fees (hold_id, session_id, merchant, resource, amount, currency, network, transaction_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, f.HoldID, f.SessionID, f.Merchant, f.Resource, f.Amount.Minor, string(f.Amount.Currency),
		f.Network, f.Transaction, f.At.UTC().Format(tsLayout))
	if store.IsUniqueViolation(err) {
		return nil // recorded before (a replay)
	}
	return err
}

func (b *feeBook) list(ctx context.Context, session string) ([]Fee, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT hold_id, merchant, resource, amount, currency, network, transaction_id, created_at
		FROM x402_fees WHERE session_id = $1 ORDER BY created_at, hold_id`, session)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Fee
	for rows.Next() {
		f := Fee{SessionID: session}
		var cur, at string
		if err := rows.Scan(&f.HoldID, &f.Merchant, &f.Resource, &f.Amount.Minor, &cur, &f.Network, &f.Transaction, &at); err != nil {
			return nil, err
		}
		f.Amount.Currency = skills.Currency(cur)
		f.At, _ = time.Parse(tsLayout, at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// total sums the session's fees in cur.
func (b *feeBook) total(ctx context.Context, session string, cur skills.Currency) (skills.Money, error) {
	fs, err := b.list(ctx, session)
	if err != nil {
		return skills.Money{}, err
	}
	t := skills.M(0, cur)
	for _, f := range fs {
		if f.Amount.Currency != cur {
			return skills.Money{}, fmt.Errorf("x402 fee %s is in %s, the session in %s", f.HoldID, f.Amount.Currency, cur)
		}
		var ok bool
		if t.Minor, ok = skills.AddMinor(t.Minor, f.Amount.Minor); !ok {
			return skills.Money{}, skills.ErrOverflow
		}
	}
	return t, nil
}

// approveFee is the x402 transport's approval: the fee is decided by the
// policy engine against the session's signed mandate, with the session's
// earlier fees counted as paid and money on open holds as spent.
func (r *Runtime) approveFee(ctx context.Context, c pay.X402Charge) error {
	// Check and reserve under one lock: fees approved for parallel
	// searches count against each other until they are known paid.
	r.fees.approve.Lock()
	err := r.decideFee(ctx, c)
	if err == nil {
		r.fees.reserve(skills.SessionFrom(ctx), c.Amount.Minor)
	}
	r.fees.approve.Unlock()
	if err != nil {
		_ = r.Authority.Audit.Record(ctx, sessionOr(ctx), audit.KindDecision, map[string]any{"rail": "x402", "action": agent.ActionRefuse,
			"merchant": c.PayTo, "resource": c.Resource, "amount": c.Amount, "reason": err.Error()})
	}
	return err
}

func (r *Runtime) decideFee(ctx context.Context, c pay.X402Charge) error {
	sid := skills.SessionFrom(ctx)
	m, _ := r.fees.mandate(sid)
	if m == nil {
		return fmt.Errorf("no signed mandate for this session: a per-request fee is paid only inside one")
	}
	if r.Engine == nil {
		return fmt.Errorf("no policy engine to decide the fee")
	}
	paid, err := r.fees.total(ctx, sid, c.Amount.Currency)
	if err != nil {
		return err
	}
	paid.Minor += r.fees.pendingFees(sid) // approved, outcome not known yet
	q := skills.Quote{ID: "x402", Merchant: c.PayTo, Total: c.Amount, Subtotal: c.Amount,
		Lines: []skills.QuoteLine{{SKU: c.Resource, Title: "x402 " + c.Resource, Quantity: 1, UnitPrice: c.Amount, Total: c.Amount}}}
	in := agent.PolicyInput{SessionID: sid, Mandate: m, Now: time.Now(), Quotes: []skills.Quote{q}, Total: c.Amount,
		Requested:  map[string]map[string]int{c.PayTo: {c.Resource: 1}},
		Categories: map[string]string{c.PayTo + "/" + c.Resource: policy.CategoryX402}}
	in.Intent.Currency = c.Amount.Currency
	x, err := r.Engine.Input(ctx, in)
	if err != nil {
		return err
	}
	x.Paid = paid
	if held, err := r.Wallet.Held(ctx); err != nil {
		return err
	} else if held.Currency == x.SpentInPeriod.Currency {
		x.SpentInPeriod.Minor += held.Minor
	}
	d := policy.Decide(x)
	// What is left of max_total must still hold the planned basket (the
	// last one the policy let through in this session, orders already paid
	// included): a fee may not eat the money the purchase needs.
	if planned := r.fees.plannedBasket(sid, c.Amount.Currency); planned.Minor > 0 && x.Mandate != nil && x.Mandate.MaxTotal != nil &&
		x.Mandate.MaxTotal.Currency == planned.Currency {
		all, ok := skills.AddMinor(d.Total.Minor, planned.Minor)
		if !ok || all > x.Mandate.MaxTotal.Minor {
			if d.Action == agent.ActionPay {
				d.Reasons = nil
			}
			d.Action = agent.ActionRefuse
			d.Reasons = append(d.Reasons, agent.Reason{Code: policy.OverMandateTotal, Detail: fmt.Sprintf(
				"the planned basket %s + fees %s is over the mandate's maximum %s", planned, skills.M(all-planned.Minor, planned.Currency), *x.Mandate.MaxTotal)})
		}
	}
	if d.Action == agent.ActionPay {
		return nil
	}
	var parts []string
	for _, rs := range d.Reasons {
		parts = append(parts, rs.Code+": "+rs.Detail)
	}
	return fmt.Errorf("%s %s to %s (fees already paid in this session: %s): %s", d.Action, c.Amount, c.PayTo, paid, strings.Join(parts, "; "))
}

// feePaid records a settled fee in the fee book and the audit log.
func (r *Runtime) feePaid(ctx context.Context, c pay.X402Charge, holdID string, s pay.X402SettleResponse) {
	ctx = context.WithoutCancel(ctx)
	f := Fee{SessionID: sessionOr(ctx), Merchant: c.PayTo, Resource: c.Resource, Amount: c.Amount, Network: c.Network,
		Transaction: s.Transaction, HoldID: holdID, At: time.Now().UTC()}
	if err := r.fees.record(ctx, f); err != nil {
		r.log.Error("record x402 fee", "session", f.SessionID, "hold", holdID, "err", err)
	}
	if err := r.Authority.Audit.Record(ctx, f.SessionID, audit.KindPayment, map[string]any{"rail": "x402", "merchant": c.PayTo,
		"resource": c.Resource, "amount": c.Amount, "network": c.Network, "transaction": s.Transaction, "hold": holdID}); err != nil {
		r.log.Error("audit x402 fee", "session", f.SessionID, "err", err)
	}
}

// feeDone ends a fee's reservation once its outcome is known (a paid one
// is in the fee book by then: OnPaid runs first).
func (r *Runtime) feeDone(ctx context.Context, c pay.X402Charge, _ bool) {
	r.fees.unreserve(skills.SessionFrom(ctx), c.Amount.Minor)
}

func sessionOr(ctx context.Context) string {
	if s := skills.SessionFrom(ctx); s != "" {
		return s
	}
	return "x402"
}

// feePolicy decides a basket with the session's x402 fees counted: the
// engine's decision stands, and basket + fees over the mandate's max_total
// or the request's budget is refused.
type feePolicy struct {
	engine *policy.Engine
	fees   *feeBook
}

var _ agent.Policy = (*feePolicy)(nil)

func (p *feePolicy) Decide(ctx context.Context, in agent.PolicyInput) (agent.Decision, error) {
	x, err := p.engine.Input(ctx, in)
	if err != nil {
		return agent.Decision{}, err
	}
	d := policy.Decide(x)
	sid := in.SessionID
	if sid == "" {
		sid = skills.SessionFrom(ctx)
	}
	cur := d.Total.Currency
	if cur == "" {
		return d.Agent(), nil
	}
	fees, err := p.fees.total(ctx, sid, cur)
	if err != nil {
		return agent.Decision{}, fmt.Errorf("policy: x402 fees: %w", err)
	}
	fees.Minor += p.fees.pendingFees(sid) // outcome unknown: counted, the safe side
	d = withFees(d, x, fees)
	if d.Action != agent.ActionRefuse {
		p.fees.plan(sid, d.Total) // withFees changes Total only when it refuses
	}
	return d.Agent(), nil
}

// withFees adds the refusals fees cause to a decision: basket (d.Total) +
// fees over the mandate's max_total or the request's budget.
func withFees(d policy.Decision, x policy.Input, fees skills.Money) policy.Decision {
	if fees.Minor == 0 {
		return d
	}
	all, ok := skills.AddMinor(d.Total.Minor, fees.Minor)
	var add []agent.Reason
	over := func(limit *skills.Money, code, what string) {
		if limit != nil && limit.Currency == fees.Currency && (!ok || all > limit.Minor) {
			add = append(add, agent.Reason{Code: code, Detail: fmt.Sprintf("basket %s + x402 fees %s paid in this session is %s, over %s %s",
				d.Total, fees, skills.M(all, fees.Currency), what, *limit)})
		}
	}
	if x.Mandate != nil {
		over(x.Mandate.MaxTotal, policy.OverMandateTotal, "the mandate's maximum")
	}
	over(x.Budget, policy.OverBudget, "the requested budget")
	if len(add) == 0 {
		return d
	}
	if d.Action == agent.ActionPay {
		d.Reasons = nil // "within mandate" no longer holds
	}
	d.Action = agent.ActionRefuse
	d.Reasons = append(add, d.Reasons...)
	d.Total = skills.M(all, fees.Currency)
	return d
}
