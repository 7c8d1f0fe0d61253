package mandate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cartwright-agent/cartwright/skills/store"
)

var migrations = []string{
	`CREATE TABLE mandate_intents (
		id TEXT PRIMARY KEY,
		user_id TEXT NOT NULL,
		hash TEXT NOT NULL,
		doc TEXT NOT NULL,
		expires_at TEXT NOT NULL,
		created_at TEXT NOT NULL)`,
	`CREATE INDEX mandate_intents_user ON mandate_intents (user_id, created_at)`,
	`CREATE TABLE mandate_revocations (
		id TEXT PRIMARY KEY,
		reason TEXT NOT NULL,
		revoked_at TEXT NOT NULL)`,
	`CREATE TABLE mandate_payments (
		id TEXT PRIMARY KEY,
		intent_id TEXT NOT NULL,
		cart_hash TEXT NOT NULL,
		payee TEXT NOT NULL,
		amount BIGINT NOT NULL,
		currency TEXT NOT NULL,
		used_at TEXT NOT NULL)`,
	// chains the rail built, by idempotency key: a resumed call resends
	// the identical request
	`CREATE TABLE mandate_chains (
		idem_key TEXT PRIMARY KEY,
		payment_id TEXT NOT NULL,
		chain TEXT NOT NULL,
		created_at TEXT NOT NULL)`,
	// the live token per cart: one merchant, checkout session and cart
	// contents get at most one unexpired delegated token
	`CREATE TABLE mandate_cart_tokens (
		cart_key TEXT PRIMARY KEY,
		payment_id TEXT NOT NULL,
		expires_at TEXT NOT NULL)`,
}

// Store keeps signed intent mandates, the revocation list and the payment
// mandates already spent (replay protection) in the state database.
type Store struct {
	db  *store.DB
	now func() time.Time
}

// ErrNotFound: no such mandate.
var ErrNotFound = errors.New("mandate not found")

// OpenStore migrates and returns the mandate store.
func OpenStore(ctx context.Context, db *store.DB) (*Store, error) {
	if err := db.Migrate(ctx, "mandate", migrations); err != nil {
		return nil, err
	}
	return &Store{db: db, now: time.Now}, nil
}

const tsLayout = "2006-01-02T15:04:05.000000000Z"

// Save stores a signed intent (idempotent on its id; a different document
// under the same id is an error).
func (s *Store) Save(ctx context.Context, in Intent) error {
	if err := ValidateIntent(in); err != nil {
		return err
	}
	doc, err := json.Marshal(in)
	if err != nil {
		return err
	}
	h, err := in.Hash()
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO mandate_intents (id, user_id, hash, doc, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		in.ID, in.UserID, h, string(doc), in.ExpiresAt.UTC().Format(tsLayout), s.now().UTC().Format(tsLayout))
	if store.IsUniqueViolation(err) {
		var got string
		if err := s.db.QueryRowContext(ctx, `SELECT hash FROM mandate_intents WHERE id = $1`, in.ID).Scan(&got); err != nil {
			return err
		}
		if got != h {
			return fmt.Errorf("mandate %s already stored with different contents", in.ID)
		}
		return nil
	}
	return err
}

// Get loads a stored intent.
func (s *Store) Get(ctx context.Context, id string) (Intent, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, `SELECT doc FROM mandate_intents WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return Intent{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Intent{}, err
	}
	return ParseSigned("mandate "+id, []byte(doc))
}

// Active returns the mandate that applies to the user at now: the newest
// one that is neither revoked nor expired and already valid (not_before
// reached). Older such mandates are superseded by it. ErrNotFound: none.
func (s *Store) Active(ctx context.Context, userID string, now time.Time) (Intent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.doc FROM mandate_intents m
		WHERE m.user_id = $1 AND m.expires_at > $2 AND NOT EXISTS (SELECT 1 FROM mandate_revocations r WHERE r.id = m.id)
		ORDER BY m.created_at DESC, m.id DESC`, userID, now.UTC().Format(tsLayout))
	if err != nil {
		return Intent{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return Intent{}, err
		}
		in, err := ParseSigned("mandate "+id, []byte(doc))
		if err != nil {
			return Intent{}, err
		}
		if in.IsRun() {
			continue // signed for one run: never the standing mandate
		}
		if !now.Before(in.NotBefore) {
			return in, nil
		}
	}
	if err := rows.Err(); err != nil {
		return Intent{}, err
	}
	return Intent{}, fmt.Errorf("%w: no active mandate for user %q", ErrNotFound, userID)
}

// Mandate statuses, as Statuses reports them.
const (
	StatusActive     = "active"     // the one that applies now
	StatusSuperseded = "superseded" // valid, but a newer mandate applies
	StatusPending    = "pending"    // not valid yet (not_before in the future)
	StatusExpired    = "expired"
	StatusRevoked    = "revoked"
)

// Listed is a stored mandate and its status at some time.
type Listed struct {
	Intent
	Status string `json:"status"`
}

// Statuses lists the user's mandates newest first with their status at
// now: exactly one is active when Active finds one (the same one), valid
// older ones are superseded by it.
func (s *Store) Statuses(ctx context.Context, userID string, now time.Time) ([]Listed, error) {
	list, err := s.List(ctx, userID)
	if err != nil {
		return nil, err
	}
	revoked := map[string]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT r.id FROM mandate_revocations r JOIN mandate_intents m ON m.id = r.id WHERE ($1 = '' OR m.user_id = $1)`, userID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		revoked[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Listed, 0, len(list))
	active := map[string]bool{} // per user, when listing all users
	for _, in := range list {
		if in.IsRun() {
			continue // a run's own mandate is not one of the user's mandates
		}
		st := StatusSuperseded
		switch {
		case revoked[in.ID]:
			st = StatusRevoked
		case !now.Before(in.ExpiresAt):
			st = StatusExpired
		case now.Before(in.NotBefore):
			st = StatusPending
		case !active[in.UserID]:
			st, active[in.UserID] = StatusActive, true
		}
		out = append(out, Listed{Intent: in, Status: st})
	}
	return out, nil
}

// List returns every stored mandate of a user ("" = all), newest first.
func (s *Store) List(ctx context.Context, userID string) ([]Intent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, doc FROM mandate_intents WHERE ($1 = '' OR user_id = $1) ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Intent
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, err
		}
		in, err := ParseSigned("mandate "+id, []byte(doc))
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// Latest returns the user's newest own mandate (run mandates aside)
// whatever its status, with its status at now. ErrNotFound: the user never
// had one.
func (s *Store) Latest(ctx context.Context, userID string, now time.Time) (Listed, error) {
	list, err := s.Statuses(ctx, userID, now)
	if err != nil {
		return Listed{}, err
	}
	if len(list) == 0 {
		return Listed{}, fmt.Errorf("%w: user %q has no mandate", ErrNotFound, userID)
	}
	return list[0], nil
}

// RevokedAt returns why and when id was revoked (ok false: it was not).
func (s *Store) RevokedAt(ctx context.Context, id string) (reason string, at time.Time, ok bool, err error) {
	var ts string
	err = s.db.QueryRowContext(ctx, `SELECT reason, revoked_at FROM mandate_revocations WHERE id = $1`, id).Scan(&reason, &ts)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, err
	}
	at, _ = time.Parse(tsLayout, ts)
	return reason, at, true, nil
}

// RevokedChain reports whether in or the standing mandate it narrows
// (Parent) is on the revocation list, naming the revoked one.
func (s *Store) RevokedChain(ctx context.Context, in Intent) (string, bool, error) {
	for _, id := range []string{in.ID, in.Parent} {
		if id == "" {
			continue
		}
		r, err := s.Revoked(ctx, id)
		if err != nil || r {
			return id, r, err
		}
	}
	return "", false, nil
}

// ChainFor returns the authorisation chain the rail built for a session's
// checkout at merchant (the chains are stored under the session's
// idempotency keys "<session>/<merchant>/…"). ErrNotFound: none.
func (s *Store) ChainFor(ctx context.Context, session, merchant, checkoutID string) (Chain, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT chain FROM mandate_chains WHERE idem_key LIKE $1 ORDER BY created_at DESC`, likePrefix(session+"/"+merchant+"/"))
	if err != nil {
		return Chain{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return Chain{}, err
		}
		ch, err := DecodeChain([]byte(raw))
		if err != nil {
			return Chain{}, err
		}
		if ch.Cart.CheckoutSessionID == checkoutID && ch.Cart.MerchantID == merchant {
			return ch, nil
		}
	}
	if err := rows.Err(); err != nil {
		return Chain{}, err
	}
	return Chain{}, fmt.Errorf("%w: no mandate chain for %s checkout %s in session %s", ErrNotFound, merchant, checkoutID, session)
}

// likePrefix is a LIKE pattern matching strings that start with p (the
// wildcards in p escaped with the default escape-less form: '_' and '%'
// are matched literally by the caller's exact comparison afterwards).
func likePrefix(p string) string { return p + "%" }

// Revoke adds id to the revocation list (idempotent).
func (s *Store) Revoke(ctx context.Context, id, reason string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mandate_revocations (id, reason, revoked_at) VALUES ($1, $2, $3)`,
		id, reason, s.now().UTC().Format(tsLayout))
	if store.IsUniqueViolation(err) {
		return nil
	}
	return err
}

// Revoked reports whether id is on the revocation list.
func (s *Store) Revoked(ctx context.Context, id string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM mandate_revocations WHERE id = $1`, id).Scan(&n)
	return n > 0, err
}

// UsePayment records the chain's payment mandate as spent, atomically with
// the rule "one live token per cart". It fails with a *Error coded
// payment_mandate_replayed when the same payment mandate was used before,
// or when another payment mandate for the same merchant, checkout session
// and cart contents holds a token that has not expired at now (a second
// token for one cart would let a merchant capture twice).
func (s *Store) UsePayment(ctx context.Context, ch Chain, now time.Time) error {
	p := ch.Payment
	cartKey := fmt.Sprintf("%d:%s|%s|%s", len(ch.Cart.MerchantID), ch.Cart.MerchantID, ch.Cart.CheckoutSessionID, ch.Cart.CartHash)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mandate_payments (id, intent_id, cart_hash, payee, amount, currency, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.ID, ch.Intent.ID, p.CartHash, p.Payee, p.Amount.Minor, string(p.Amount.Currency), s.now().UTC().Format(tsLayout))
		if store.IsUniqueViolation(err) {
			return fail("payment_mandate", "id", CodeReplayed, "payment mandate %s was already used for a token", p.ID)
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO mandate_cart_tokens (cart_key, payment_id, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (cart_key) DO UPDATE SET payment_id = excluded.payment_id, expires_at = excluded.expires_at
			WHERE mandate_cart_tokens.expires_at <= $4`,
			cartKey, p.ID, p.ExpiresAt.UTC().Format(tsLayout), now.UTC().Format(tsLayout))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fail("payment_mandate", "cart_mandate_hash", CodeReplayed, "cart %s of %s already has a live token", ch.Cart.CheckoutSessionID, ch.Cart.MerchantID)
		}
		return nil
	})
}
