// Package wallet is the agent's isolated spending card (the "AI card"
// quota): a double-entry ledger kept in the state database, separate from
// anything else the user owns.
//
// Accounts per wallet:
//
//	funding     the user's main account, seen from the card: a top-up moves
//	            money funding → available, so funding is the (negative)
//	            total ever loaded; the only account allowed below zero
//	available   spendable balance
//	held        money reserved by open holds
//	settlement  money paid out to merchants (captured, net of refunds)
//
// Every movement is a transaction of balanced entries (they sum to zero),
// written in one database transaction together with the balance updates and
// the idempotency record. A mutating call with a key it has seen before
// returns the first call's result without moving money again; the same key
// with different parameters is an error (ErrIdempotencyConflict).
//
// Concurrency: every mutation first takes the wallet's row lock
// (UPDATE … RETURNING on wallet_wallets: a row lock on PostgreSQL, and the
// database write lock SQLite takes at BEGIN IMMEDIATE), so checks and moves
// of one wallet are serialised across goroutines and processes; debits are
// compare-and-set updates besides (… WHERE balance = the balance read), and a
// CHECK constraint keeps every account but funding non-negative.
//
// Overflow: every balance change is computed in Go with checked int64
// arithmetic before it is written, and no account may go beyond MaxBalance
// minor units (funding: below −MaxBalance, the most ever loaded). A movement
// that would is refused with ErrTooLarge and nothing moves. Sums over many
// rows (statement, per-day use, spend) are added up in Go, checked, never
// by SQL SUM (SQLite turns an overflowing integer sum into a float or an
// error; PostgreSQL into NUMERIC).
package wallet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// Account names.
const (
	AccountFunding    = "funding"
	AccountAvailable  = "available"
	AccountHeld       = "held"
	AccountSettlement = "settlement"
)

// Transaction kinds.
const (
	KindTopUp   = "topup"
	KindHold    = "hold"
	KindCapture = "capture"
	KindRelease = "release"
	KindRefund  = "refund"
)

// Hold states.
const (
	HoldOpen     = "open"
	HoldCaptured = "captured"
	HoldReleased = "released"
)

// Errors, for errors.Is. Insufficient funds is agent.ErrInsufficientFunds.
var (
	ErrIdempotencyConflict = errors.New("wallet: idempotency key reused with different parameters")
	ErrLimitExceeded       = errors.New("wallet: limit exceeded")
	ErrHoldNotFound        = errors.New("wallet: hold not found")
	ErrHoldState           = errors.New("wallet: hold is not in a state that allows this")
	ErrInvalidAmount       = errors.New("wallet: invalid amount")
	ErrNotFound            = errors.New("wallet: wallet not found")
	ErrTooLarge            = errors.New("wallet: amount too large")
)

// MaxBalance is the most, in minor units, any one movement may be and any
// account may hold (10^15: ten trillion yuan, dollars or euros; a
// quadrillion yen). It keeps every sum the ledger computes far from int64's
// limit.
const MaxBalance int64 = 1_000_000_000_000_000

// Config configures a wallet.
type Config struct {
	DB *store.DB
	// ID names the wallet inside the database (default "default"); several
	// wallets can share one database.
	ID string
	// Currency of the wallet (required on first open; later opens must match).
	Currency skills.Currency
	// PerTransaction caps one hold (zero: no cap). PerDay caps the holds
	// opened in one calendar day of Location, net of released amounts
	// (zero: no cap). Limits given here are stored; an Open with zero
	// limits keeps the stored ones.
	PerTransaction skills.Money
	PerDay         skills.Money
	// Location decides where a day starts (default UTC).
	Location *time.Location
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Wallet is a ledger-backed agent.Wallet.
type Wallet struct {
	db       *store.DB
	id       string
	currency skills.Currency
	loc      *time.Location
	now      func() time.Time
}

var _ agent.Wallet = (*Wallet)(nil)

var migrations = []string{
	`CREATE TABLE wallet_wallets (
		id TEXT PRIMARY KEY,
		currency TEXT NOT NULL,
		per_tx_limit BIGINT NOT NULL DEFAULT 0,
		per_day_limit BIGINT NOT NULL DEFAULT 0,
		version BIGINT NOT NULL DEFAULT 0,
		created_at TEXT NOT NULL)`,
	`CREATE TABLE wallet_accounts (
		wallet_id TEXT NOT NULL,
		name TEXT NOT NULL,
		balance BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (wallet_id, name),
		CHECK (balance >= 0 OR name = 'funding'))`,
	`CREATE TABLE wallet_txns (
		wallet_id TEXT NOT NULL,
		seq BIGINT NOT NULL,
		idem_key TEXT NOT NULL,
		kind TEXT NOT NULL,
		params TEXT NOT NULL,
		hold_id TEXT NOT NULL DEFAULT '',
		amount BIGINT NOT NULL,
		memo TEXT NOT NULL DEFAULT '',
		created_at TEXT NOT NULL,
		PRIMARY KEY (wallet_id, seq),
		UNIQUE (wallet_id, idem_key))`,
	`CREATE TABLE wallet_entries (
		wallet_id TEXT NOT NULL,
		seq BIGINT NOT NULL,
		n INTEGER NOT NULL,
		account TEXT NOT NULL,
		amount BIGINT NOT NULL,
		PRIMARY KEY (wallet_id, seq, n))`,
	`CREATE TABLE wallet_holds (
		wallet_id TEXT NOT NULL,
		id TEXT NOT NULL,
		idem_key TEXT NOT NULL,
		amount BIGINT NOT NULL,
		captured BIGINT NOT NULL DEFAULT 0,
		released BIGINT NOT NULL DEFAULT 0,
		refunded BIGINT NOT NULL DEFAULT 0,
		status TEXT NOT NULL,
		memo TEXT NOT NULL DEFAULT '',
		day TEXT NOT NULL,
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL,
		PRIMARY KEY (wallet_id, id),
		CHECK (captured + released <= amount AND refunded <= captured AND captured >= 0 AND released >= 0 AND refunded >= 0))`,
	`CREATE INDEX wallet_holds_open ON wallet_holds (wallet_id, status)`,
	`CREATE INDEX wallet_holds_day ON wallet_holds (wallet_id, day)`,
	`CREATE INDEX wallet_txns_time ON wallet_txns (wallet_id, created_at)`,
}

// Migrate creates the wallet tables (Open calls it).
func Migrate(ctx context.Context, db *store.DB) error { return db.Migrate(ctx, "wallet", migrations) }

// Open opens (creating on first use) the wallet cfg.ID in cfg.DB.
func Open(ctx context.Context, cfg Config) (*Wallet, error) {
	if cfg.DB == nil {
		return nil, errors.New("wallet: Config.DB is nil")
	}
	if cfg.ID == "" {
		cfg.ID = "default"
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Currency != "" && !cfg.Currency.Valid() {
		return nil, fmt.Errorf("wallet: unknown currency %q", cfg.Currency)
	}
	for name, lim := range map[string]skills.Money{"per-transaction": cfg.PerTransaction, "per-day": cfg.PerDay} {
		if lim.Minor < 0 {
			return nil, fmt.Errorf("wallet: %s limit %s is negative", name, lim)
		}
		if lim.Minor > 0 && lim.Currency != cfg.Currency {
			return nil, fmt.Errorf("wallet: %s limit in %s, wallet in %s", name, lim.Currency, cfg.Currency)
		}
	}
	if err := Migrate(ctx, cfg.DB); err != nil {
		return nil, err
	}
	w := &Wallet{db: cfg.DB, id: cfg.ID, loc: cfg.Location, now: cfg.Now}
	err := cfg.DB.Tx(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT currency FROM wallet_wallets WHERE id = $1`, cfg.ID).Scan(&cur)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if cfg.Currency == "" {
				return fmt.Errorf("wallet %q does not exist yet: a currency is needed to create it", cfg.ID)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO wallet_wallets (id, currency, per_tx_limit, per_day_limit, created_at) VALUES ($1, $2, $3, $4, $5)`,
				cfg.ID, string(cfg.Currency), cfg.PerTransaction.Minor, cfg.PerDay.Minor, ts(w.now())); err != nil {
				return err
			}
			for _, a := range []string{AccountFunding, AccountAvailable, AccountHeld, AccountSettlement} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO wallet_accounts (wallet_id, name, balance) VALUES ($1, $2, 0)`, cfg.ID, a); err != nil {
					return err
				}
			}
			cur = string(cfg.Currency)
		case err != nil:
			return err
		default:
			if cfg.Currency != "" && skills.Currency(cur) != cfg.Currency {
				return fmt.Errorf("wallet %q holds %s, not %s", cfg.ID, cur, cfg.Currency)
			}
			if cfg.PerTransaction.Minor > 0 || cfg.PerDay.Minor > 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE wallet_wallets SET per_tx_limit = $1, per_day_limit = $2 WHERE id = $3`,
					cfg.PerTransaction.Minor, cfg.PerDay.Minor, cfg.ID); err != nil {
					return err
				}
			}
		}
		w.currency = skills.Currency(cur)
		return nil
	})
	if err != nil && store.IsUniqueViolation(err) {
		return Open(ctx, cfg) // created concurrently by another process
	}
	if err != nil {
		return nil, fmt.Errorf("wallet: open %q: %w", cfg.ID, err)
	}
	return w, nil
}

// ID is the wallet's name; Currency its currency.
func (w *Wallet) ID() string                { return w.id }
func (w *Wallet) Currency() skills.Currency { return w.currency }

// SetLimits changes the per-transaction and per-day limits (zero: none).
func (w *Wallet) SetLimits(ctx context.Context, perTx, perDay skills.Money) error {
	for _, m := range []skills.Money{perTx, perDay} {
		if err := w.checkAmount(m, true); err != nil {
			return err
		}
	}
	_, err := w.db.ExecContext(ctx, `UPDATE wallet_wallets SET per_tx_limit = $1, per_day_limit = $2 WHERE id = $3`, perTx.Minor, perDay.Minor, w.id)
	return err
}

// TopUp moves amount from the user's funding account onto the card.
func (w *Wallet) TopUp(ctx context.Context, key string, amount skills.Money, memo string) error {
	if err := w.checkAmount(amount, false); err != nil {
		return err
	}
	_, err := w.mutate(ctx, key, KindTopUp, params(KindTopUp, amount.Minor, "", memo), func(tx *sql.Tx, op *op) error {
		op.amount, op.memo = amount.Minor, memo
		return op.move(AccountFunding, AccountAvailable, amount.Minor)
	})
	return err
}

// Hold reserves amount; see agent.Wallet.
func (w *Wallet) Hold(ctx context.Context, key string, amount skills.Money, memo string) (string, error) {
	if err := w.checkAmount(amount, false); err != nil {
		return "", err
	}
	return w.mutate(ctx, key, KindHold, params(KindHold, amount.Minor, "", memo), func(tx *sql.Tx, op *op) error {
		if op.perTx > 0 && amount.Minor > op.perTx {
			return fmt.Errorf("%w: hold of %s is over the per-transaction limit of %s", ErrLimitExceeded, amount, skills.M(op.perTx, w.currency))
		}
		day := op.now.In(w.loc).Format("2006-01-02")
		if op.perDay > 0 {
			used, err := sumRows(ctx, tx, `SELECT amount - released FROM wallet_holds WHERE wallet_id = $1 AND day = $2`, w.id, day)
			if err != nil {
				return err
			}
			if sum, ok := skills.AddMinor(used, amount.Minor); !ok || sum > op.perDay {
				return fmt.Errorf("%w: hold of %s would bring today's spending to over the per-day limit of %s (already %s)",
					ErrLimitExceeded, amount, skills.M(op.perDay, w.currency), skills.M(used, w.currency))
			}
		}
		if err := op.move(AccountAvailable, AccountHeld, amount.Minor); err != nil {
			return err
		}
		id := "hold_" + randHex(10)
		if _, err := tx.ExecContext(ctx, `INSERT INTO wallet_holds (wallet_id, id, idem_key, amount, status, memo, day, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, w.id, id, key, amount.Minor, HoldOpen, memo, day, ts(op.now)); err != nil {
			return err
		}
		op.holdID, op.amount, op.memo = id, amount.Minor, memo
		return nil
	})
}

// Capture settles amount of an open hold; the rest of the hold returns to
// available. Capturing more than the hold is an error.
func (w *Wallet) Capture(ctx context.Context, key, holdID string, amount skills.Money) error {
	if err := w.checkAmount(amount, false); err != nil {
		return err
	}
	_, err := w.mutate(ctx, key, KindCapture, params(KindCapture, amount.Minor, holdID, ""), func(tx *sql.Tx, op *op) error {
		h, err := w.lockedHold(ctx, tx, holdID)
		if err != nil {
			return err
		}
		if h.Status != HoldOpen {
			return fmt.Errorf("%w: capture of %s which is %s", ErrHoldState, holdID, h.Status)
		}
		if amount.Minor > h.Amount.Minor {
			return fmt.Errorf("%w: capture of %s exceeds hold %s of %s", ErrInvalidAmount, amount, holdID, h.Amount)
		}
		rest := h.Amount.Minor - amount.Minor
		if err := op.move(AccountHeld, AccountSettlement, amount.Minor); err != nil {
			return err
		}
		if rest > 0 {
			if err := op.move(AccountHeld, AccountAvailable, rest); err != nil {
				return err
			}
		}
		op.holdID, op.amount, op.memo = holdID, amount.Minor, h.Memo
		return w.setHold(ctx, tx, holdID, `status = $3, captured = $4, released = $5, updated_at = $6`, HoldCaptured, amount.Minor, rest, ts(op.now))
	})
	return err
}

// Release frees an open hold without spending it.
func (w *Wallet) Release(ctx context.Context, key, holdID string) error {
	_, err := w.mutate(ctx, key, KindRelease, params(KindRelease, 0, holdID, ""), func(tx *sql.Tx, op *op) error {
		h, err := w.lockedHold(ctx, tx, holdID)
		if err != nil {
			return err
		}
		if h.Status != HoldOpen {
			return fmt.Errorf("%w: release of %s which is %s", ErrHoldState, holdID, h.Status)
		}
		if err := op.move(AccountHeld, AccountAvailable, h.Amount.Minor); err != nil {
			return err
		}
		op.holdID, op.amount, op.memo = holdID, h.Amount.Minor, h.Memo
		return w.setHold(ctx, tx, holdID, `status = $3, released = $4, updated_at = $5`, HoldReleased, h.Amount.Minor, ts(op.now))
	})
	return err
}

// Refund returns amount of a captured hold to the wallet; refunds of one
// hold never exceed what it captured.
func (w *Wallet) Refund(ctx context.Context, key, holdID string, amount skills.Money) error {
	if err := w.checkAmount(amount, false); err != nil {
		return err
	}
	_, err := w.mutate(ctx, key, KindRefund, params(KindRefund, amount.Minor, holdID, ""), func(tx *sql.Tx, op *op) error {
		h, err := w.lockedHold(ctx, tx, holdID)
		if err != nil {
			return err
		}
		if h.Status != HoldCaptured {
			return fmt.Errorf("%w: refund of %s which is %s", ErrHoldState, holdID, h.Status)
		}
		if left := h.Captured.Minor - h.Refunded.Minor; amount.Minor > left {
			return fmt.Errorf("%w: refund of %s exceeds the %s still refundable on %s", ErrInvalidAmount, amount, skills.M(left, w.currency), holdID)
		}
		if err := op.move(AccountSettlement, AccountAvailable, amount.Minor); err != nil {
			return err
		}
		op.holdID, op.amount, op.memo = holdID, amount.Minor, h.Memo
		return w.setHold(ctx, tx, holdID, `refunded = refunded + $3, updated_at = $4`, amount.Minor, ts(op.now))
	})
	return err
}

// Available is the spendable balance (money on open holds excluded).
func (w *Wallet) Available(ctx context.Context) (skills.Money, error) {
	v, err := scanBalance(w.db.QueryRowContext(ctx, `SELECT balance FROM wallet_accounts WHERE wallet_id = $1 AND name = $2`, w.id, AccountAvailable), w.id, AccountAvailable)
	return skills.M(v, w.currency), err
}

// Balance is a snapshot of the wallet's accounts.
type Balance struct {
	Available skills.Money `json:"available"`
	Held      skills.Money `json:"held"`
	// Spent is captured minus refunded, all time.
	Spent skills.Money `json:"spent"`
	// Funded is the net amount ever loaded onto the card.
	Funded skills.Money `json:"funded"`
	// Limits (zero: none).
	PerTransaction skills.Money `json:"per_transaction"`
	PerDay         skills.Money `json:"per_day"`
}

// Balance reads all accounts in one consistent read.
func (w *Wallet) Balance(ctx context.Context) (Balance, error) {
	b := Balance{}
	err := w.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT name, balance FROM wallet_accounts WHERE wallet_id = $1`, w.id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var raw any
			if err := rows.Scan(&name, &raw); err != nil {
				return err
			}
			v, err := scanBalance(valueRow{raw}, w.id, name)
			if err != nil {
				return err
			}
			m := skills.M(v, w.currency)
			switch name {
			case AccountAvailable:
				b.Available = m
			case AccountHeld:
				b.Held = m
			case AccountSettlement:
				b.Spent = m
			case AccountFunding:
				b.Funded = skills.M(-v, w.currency)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var ptx, pday int64
		if err := tx.QueryRowContext(ctx, `SELECT per_tx_limit, per_day_limit FROM wallet_wallets WHERE id = $1`, w.id).Scan(&ptx, &pday); err != nil {
			return err
		}
		b.PerTransaction, b.PerDay = skills.M(ptx, w.currency), skills.M(pday, w.currency)
		return nil
	})
	return b, err
}

// Hold is one reservation and what became of it.
type Hold struct {
	ID        string       `json:"id"`
	Key       string       `json:"key"`
	Amount    skills.Money `json:"amount"`
	Captured  skills.Money `json:"captured"`
	Released  skills.Money `json:"released"`
	Refunded  skills.Money `json:"refunded"`
	Status    string       `json:"status"`
	Memo      string       `json:"memo,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

const holdCols = `id, idem_key, amount, captured, released, refunded, status, memo, created_at, updated_at`

func (w *Wallet) scanHold(s interface{ Scan(...any) error }) (Hold, error) {
	var h Hold
	var amt, capd, rel, ref int64
	var created, updated string
	if err := s.Scan(&h.ID, &h.Key, &amt, &capd, &rel, &ref, &h.Status, &h.Memo, &created, &updated); err != nil {
		return Hold{}, err
	}
	c := w.currency
	h.Amount, h.Captured, h.Released, h.Refunded = skills.M(amt, c), skills.M(capd, c), skills.M(rel, c), skills.M(ref, c)
	h.CreatedAt, _ = time.Parse(tsLayout, created)
	h.UpdatedAt, _ = time.Parse(tsLayout, updated)
	return h, nil
}

// GetHold returns one hold.
func (w *Wallet) GetHold(ctx context.Context, holdID string) (Hold, error) {
	h, err := w.scanHold(w.db.QueryRowContext(ctx, `SELECT `+holdCols+` FROM wallet_holds WHERE wallet_id = $1 AND id = $2`, w.id, holdID))
	if errors.Is(err, sql.ErrNoRows) {
		return Hold{}, fmt.Errorf("%w: %s", ErrHoldNotFound, holdID)
	}
	return h, err
}

// HoldByKey finds the hold a Hold call with this idempotency key created
// (ok false: none — the call never committed, so nothing is reserved).
// A resumed run uses it to learn what a crashed run left behind.
func (w *Wallet) HoldByKey(ctx context.Context, key string) (Hold, bool, error) {
	h, err := w.scanHold(w.db.QueryRowContext(ctx, `SELECT `+holdCols+` FROM wallet_holds WHERE wallet_id = $1 AND idem_key = $2`, w.id, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Hold{}, false, nil
	}
	return h, err == nil, err
}

// OpenHolds lists holds neither captured nor released, oldest first: after a
// crash these are the payments whose outcome the runtime must settle
// (capture if the merchant completed the order, release otherwise).
func (w *Wallet) OpenHolds(ctx context.Context) ([]Hold, error) {
	return w.holds(ctx, `WHERE wallet_id = $1 AND status = 'open' ORDER BY created_at, id`)
}

// Holds lists every hold, oldest first.
func (w *Wallet) Holds(ctx context.Context) ([]Hold, error) {
	return w.holds(ctx, `WHERE wallet_id = $1 ORDER BY created_at, id`)
}

func (w *Wallet) holds(ctx context.Context, where string) ([]Hold, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT `+holdCols+` FROM wallet_holds `+where, w.id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Hold
	for rows.Next() {
		h, err := w.scanHold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Spent is captured minus refunded within [from, to): what counts against a
// cumulative budget over a period.
func (w *Wallet) Spent(ctx context.Context, from, to time.Time) (skills.Money, error) {
	v, err := sumRows(ctx, w.db, `SELECT e.amount FROM wallet_entries e
		JOIN wallet_txns t ON t.wallet_id = e.wallet_id AND t.seq = e.seq
		WHERE e.wallet_id = $1 AND e.account = $2 AND t.created_at >= $3 AND t.created_at < $4`,
		w.id, AccountSettlement, ts(from), ts(to))
	return skills.M(v, w.currency), err
}

// Line is one transaction of the statement, seen from the card.
type Line struct {
	Seq    int64        `json:"seq"`
	Time   time.Time    `json:"time"`
	Kind   string       `json:"kind"`
	Key    string       `json:"key"`
	HoldID string       `json:"hold_id,omitempty"`
	Amount skills.Money `json:"amount"`
	Memo   string       `json:"memo,omitempty"`
	// Available and Held are the changes to those accounts; AvailableAfter
	// and HeldAfter the balances after the transaction.
	Available      skills.Money `json:"available_change"`
	Held           skills.Money `json:"held_change"`
	AvailableAfter skills.Money `json:"available_after"`
	HeldAfter      skills.Money `json:"held_after"`
}

// Statement lists every transaction in order with running balances.
func (w *Wallet) Statement(ctx context.Context) ([]Line, error) {
	var out []Line
	err := w.readTx(ctx, func(tx *sql.Tx) error {
		// Per-transaction changes, added up in Go (checked), not by SQL SUM.
		type delta struct{ avail, held int64 }
		deltas := map[int64]*delta{}
		erows, err := tx.QueryContext(ctx, `SELECT seq, account, amount FROM wallet_entries WHERE wallet_id = $1 AND account IN ('available', 'held')`, w.id)
		if err != nil {
			return err
		}
		for erows.Next() {
			var seq, amt int64
			var acct string
			if err := erows.Scan(&seq, &acct, &amt); err != nil {
				erows.Close()
				return err
			}
			d := deltas[seq]
			if d == nil {
				d = &delta{}
				deltas[seq] = d
			}
			p := &d.avail
			if acct == AccountHeld {
				p = &d.held
			}
			var ok bool
			if *p, ok = skills.AddMinor(*p, amt); !ok {
				erows.Close()
				return fmt.Errorf("wallet %s: transaction %d: %s change overflows", w.id, seq, acct)
			}
		}
		erows.Close()
		if err := erows.Err(); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, created_at, kind, idem_key, hold_id, amount, memo
			FROM wallet_txns WHERE wallet_id = $1 ORDER BY seq`, w.id)
		if err != nil {
			return err
		}
		defer rows.Close()
		var avail, held int64
		for rows.Next() {
			var l Line
			var created string
			var amt int64
			if err := rows.Scan(&l.Seq, &created, &l.Kind, &l.Key, &l.HoldID, &amt, &l.Memo); err != nil {
				return err
			}
			var da, dh int64
			if d := deltas[l.Seq]; d != nil {
				da, dh = d.avail, d.held
			}
			l.Time, _ = time.Parse(tsLayout, created)
			var ok1, ok2 bool
			avail, ok1 = skills.AddMinor(avail, da)
			held, ok2 = skills.AddMinor(held, dh)
			if !ok1 || !ok2 {
				return fmt.Errorf("wallet %s: running balance overflows at transaction %d: the ledger is damaged", w.id, l.Seq)
			}
			c := w.currency
			l.Amount, l.Available, l.Held = skills.M(amt, c), skills.M(da, c), skills.M(dh, c)
			l.AvailableAfter, l.HeldAfter = skills.M(avail, c), skills.M(held, c)
			out = append(out, l)
		}
		return rows.Err()
	})
	return out, err
}

// CheckInvariants verifies the ledger: every transaction's entries sum to
// zero, account balances equal the sums of their entries, the holds account
// equals the open holds, the settlement account what holds captured net of
// refunds, and no account but funding is negative or beyond MaxBalance. All
// sums are computed in Go with checked arithmetic.
func (w *Wallet) CheckInvariants(ctx context.Context) error {
	return w.readTx(ctx, func(tx *sql.Tx) error {
		perTxn := map[int64]int64{}
		perAcct := map[string]int64{}
		rows, err := tx.QueryContext(ctx, `SELECT seq, account, amount FROM wallet_entries WHERE wallet_id = $1`, w.id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var seq, amt int64
			var acct string
			if err := rows.Scan(&seq, &acct, &amt); err != nil {
				rows.Close()
				return err
			}
			var ok1, ok2 bool
			perTxn[seq], ok1 = skills.AddMinor(perTxn[seq], amt)
			perAcct[acct], ok2 = skills.AddMinor(perAcct[acct], amt)
			if !ok1 || !ok2 {
				rows.Close()
				return fmt.Errorf("wallet %s: entries of transaction %d / account %s overflow", w.id, seq, acct)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		bad := 0
		for _, sum := range perTxn {
			if sum != 0 {
				bad++
			}
		}
		if bad > 0 {
			return fmt.Errorf("wallet %s: %d unbalanced transactions", w.id, bad)
		}
		rows, err = tx.QueryContext(ctx, `SELECT name, balance FROM wallet_accounts WHERE wallet_id = $1`, w.id)
		if err != nil {
			return err
		}
		bal := map[string]int64{}
		for rows.Next() {
			var name string
			var raw any
			if err := rows.Scan(&name, &raw); err != nil {
				rows.Close()
				return err
			}
			b, ok := raw.(int64)
			if !ok {
				rows.Close()
				return fmt.Errorf("wallet %s: account %s holds %v, not a whole number of minor units", w.id, name, raw)
			}
			if sum := perAcct[name]; b != sum {
				rows.Close()
				return fmt.Errorf("wallet %s: account %s balance %d but entries sum to %d", w.id, name, b, sum)
			}
			if b < 0 && name != AccountFunding {
				rows.Close()
				return fmt.Errorf("wallet %s: account %s is negative (%d)", w.id, name, b)
			}
			if b > MaxBalance || b < -MaxBalance {
				rows.Close()
				return fmt.Errorf("wallet %s: account %s (%d) is beyond the maximum balance %d", w.id, name, b, MaxBalance)
			}
			bal[name] = b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		open, err := sumRows(ctx, tx, `SELECT amount FROM wallet_holds WHERE wallet_id = $1 AND status = 'open'`, w.id)
		if err != nil {
			return err
		}
		if open != bal[AccountHeld] {
			return fmt.Errorf("wallet %s: held account %d but open holds sum to %d", w.id, bal[AccountHeld], open)
		}
		net, err := sumRows(ctx, tx, `SELECT captured - refunded FROM wallet_holds WHERE wallet_id = $1`, w.id)
		if err != nil {
			return err
		}
		if net != bal[AccountSettlement] {
			return fmt.Errorf("wallet %s: settlement account %d but holds captured net %d", w.id, bal[AccountSettlement], net)
		}
		return nil
	})
}

// valueRow hands an already-scanned value to scanBalance.
type valueRow struct{ v any }

func (r valueRow) Scan(dst ...any) error { *(dst[0].(*any)) = r.v; return nil }

// sumRows adds up the single integer column of query's rows in Go, with
// checked arithmetic: SQL SUM over BIGINT can leave int64 (SQLite: a float
// or an error; PostgreSQL: NUMERIC), which must never reach the money path.
func sumRows(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) (int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var sum int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return 0, err
		}
		var ok bool
		if sum, ok = skills.AddMinor(sum, v); !ok {
			return 0, fmt.Errorf("%w: sum overflows", ErrTooLarge)
		}
	}
	return sum, rows.Err()
}

// --- internals ---

type op struct {
	w             *Wallet
	ctx           context.Context
	tx            *sql.Tx
	seq           int64
	n             int
	now           time.Time
	perTx, perDay int64
	// result
	holdID string
	amount int64
	memo   string
}

// move writes one balanced pair of entries: amount from → to. The new
// balances are computed with checked arithmetic from the balances read under
// the wallet lock and written compare-and-set, so a balance never goes
// negative (funding excepted), never beyond MaxBalance, never wraps.
func (o *op) move(from, to string, amount int64) error {
	if amount == 0 {
		return nil
	}
	if amount < 0 || amount > MaxBalance {
		return fmt.Errorf("%w: movement of %s (the most is %s)", ErrTooLarge, skills.M(amount, o.w.currency), skills.M(MaxBalance, o.w.currency))
	}
	fromBal, err := o.balance(from)
	if err != nil {
		return err
	}
	toBal, err := o.balance(to)
	if err != nil {
		return err
	}
	newFrom := fromBal - amount // both within ±MaxBalance: cannot wrap
	if from != AccountFunding && newFrom < 0 {
		if from == AccountAvailable {
			return fmt.Errorf("%w: %s needed, %s available", agent.ErrInsufficientFunds, skills.M(amount, o.w.currency), skills.M(fromBal, o.w.currency))
		}
		return fmt.Errorf("wallet %s: account %s cannot cover %s", o.w.id, from, skills.M(amount, o.w.currency))
	}
	if newFrom < -MaxBalance {
		return fmt.Errorf("%w: loading %s would bring the total ever loaded onto wallet %s to over the maximum of %s",
			ErrTooLarge, skills.M(amount, o.w.currency), o.w.id, skills.M(MaxBalance, o.w.currency))
	}
	newTo, ok := skills.AddMinor(toBal, amount)
	if !ok || newTo > MaxBalance {
		return fmt.Errorf("%w: %s would bring %s of wallet %s (now %s) to over the maximum balance of %s",
			ErrTooLarge, skills.M(amount, o.w.currency), to, o.w.id, skills.M(toBal, o.w.currency), skills.M(MaxBalance, o.w.currency))
	}
	for _, u := range []struct {
		acct     string
		old, new int64
	}{{from, fromBal, newFrom}, {to, toBal, newTo}} {
		res, err := o.tx.ExecContext(o.ctx, `UPDATE wallet_accounts SET balance = $1 WHERE wallet_id = $2 AND name = $3 AND balance = $4`,
			u.new, o.w.id, u.acct, u.old)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("wallet %s: account %s changed under the wallet lock", o.w.id, u.acct)
		}
	}
	for _, e := range []struct {
		acct string
		amt  int64
	}{{from, -amount}, {to, amount}} {
		o.n++
		if _, err := o.tx.ExecContext(o.ctx, `INSERT INTO wallet_entries (wallet_id, seq, n, account, amount) VALUES ($1, $2, $3, $4, $5)`,
			o.w.id, o.seq, o.n, e.acct, e.amt); err != nil {
			return err
		}
	}
	return nil
}

// balance reads one account inside the operation's transaction; a balance
// outside ±MaxBalance (written by an older version) is refused rather than
// computed with.
func (o *op) balance(acct string) (int64, error) {
	v, err := scanBalance(o.tx.QueryRowContext(o.ctx, `SELECT balance FROM wallet_accounts WHERE wallet_id = $1 AND name = $2`, o.w.id, acct), o.w.id, acct)
	if err != nil {
		return 0, err
	}
	if v > MaxBalance || v < -MaxBalance {
		return 0, fmt.Errorf("%w: account %s of wallet %s holds %d minor units, beyond the maximum of %d", ErrTooLarge, acct, o.w.id, v, MaxBalance)
	}
	return v, nil
}

// scanBalance scans an integer balance; a non-integer one (an older version
// let SQLite overflow into a float) gets a clear error instead of a driver
// conversion message.
func scanBalance(row interface{ Scan(...any) error }, walletID, acct string) (int64, error) {
	var raw any
	if err := row.Scan(&raw); err != nil {
		return 0, err
	}
	switch v := raw.(type) {
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	default:
		return 0, fmt.Errorf("wallet %s: account %s holds %v, not a whole number of minor units: the ledger is damaged (an overflow in an earlier version); restore it from a backup", walletID, acct, raw)
	}
}

// mutate runs fn under the wallet lock with idempotency on key: a key seen
// before returns the stored result (or ErrIdempotencyConflict when the
// parameters differ) and fn does not run.
func (w *Wallet) mutate(ctx context.Context, key, kind, par string, fn func(*sql.Tx, *op) error) (string, error) {
	if strings.TrimSpace(key) == "" {
		return "", fmt.Errorf("wallet: %s needs an idempotency key", kind)
	}
	if len(key) > 255 {
		return "", fmt.Errorf("wallet: idempotency key longer than 255 bytes")
	}
	var result string
	err := w.db.Tx(ctx, func(tx *sql.Tx) error {
		o := &op{w: w, ctx: ctx, tx: tx, now: w.now().UTC()}
		// The wallet lock: a row lock on PostgreSQL, the (already held)
		// write lock on SQLite. The new version numbers the transaction.
		err := tx.QueryRowContext(ctx, `UPDATE wallet_wallets SET version = version + 1 WHERE id = $1 RETURNING version, per_tx_limit, per_day_limit`, w.id).
			Scan(&o.seq, &o.perTx, &o.perDay)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s", ErrNotFound, w.id)
		}
		if err != nil {
			return err
		}
		var gotKind, gotParams, gotHold string
		err = tx.QueryRowContext(ctx, `SELECT kind, params, hold_id FROM wallet_txns WHERE wallet_id = $1 AND idem_key = $2`, w.id, key).Scan(&gotKind, &gotParams, &gotHold)
		if err == nil {
			if gotKind != kind || gotParams != par {
				return fmt.Errorf("%w: key %q was used for %s (%s), now %s (%s)", ErrIdempotencyConflict, key, gotKind, gotParams, kind, par)
			}
			result = gotHold
			return errReplay // roll back the version bump; nothing new happened
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := fn(tx, o); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO wallet_txns (wallet_id, seq, idem_key, kind, params, hold_id, amount, memo, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, w.id, o.seq, key, kind, par, o.holdID, o.amount, o.memo, ts(o.now)); err != nil {
			return err
		}
		result = o.holdID
		return nil
	})
	if errors.Is(err, errReplay) {
		return result, nil
	}
	if err != nil {
		return "", err
	}
	return result, nil
}

var errReplay = errors.New("idempotent replay")

func (w *Wallet) lockedHold(ctx context.Context, tx *sql.Tx, id string) (Hold, error) {
	h, err := w.scanHold(tx.QueryRowContext(ctx, `SELECT `+holdCols+` FROM wallet_holds WHERE wallet_id = $1 AND id = $2`, w.id, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Hold{}, fmt.Errorf("%w: %s", ErrHoldNotFound, id)
	}
	return h, err
}

func (w *Wallet) setHold(ctx context.Context, tx *sql.Tx, id, set string, args ...any) error {
	_, err := tx.ExecContext(ctx, `UPDATE wallet_holds SET `+set+` WHERE wallet_id = $1 AND id = $2`, append([]any{w.id, id}, args...)...)
	return err
}

// readTx gives reads one snapshot (a deferred read transaction on SQLite
// would take the write lock with _txlock=immediate, so reads run in a plain
// transaction on PostgreSQL and under the write lock on SQLite).
func (w *Wallet) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if w.db.Dialect == store.Postgres {
		tx, err := w.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return err
		}
		defer tx.Rollback()
		return fn(tx)
	}
	return w.db.Tx(ctx, fn)
}

func (w *Wallet) checkAmount(m skills.Money, zeroOK bool) error {
	if m.Currency != w.currency {
		return fmt.Errorf("%w: %w: %s in a %s wallet", ErrInvalidAmount, skills.ErrCurrencyMismatch, m.Currency, w.currency)
	}
	if m.Minor < 0 || (m.Minor == 0 && !zeroOK) {
		return fmt.Errorf("%w: %s must be positive", ErrInvalidAmount, m)
	}
	if m.Minor > MaxBalance {
		return fmt.Errorf("%w: %s is over the maximum of %s", ErrTooLarge, m, skills.M(MaxBalance, m.Currency))
	}
	return nil
}

func params(kind string, amount int64, holdID, memo string) string {
	return kind + "|" + strconv.FormatInt(amount, 10) + "|" + holdID + "|" + memo
}

// tsLayout is fixed-width so timestamps compare correctly as text.
const tsLayout = "2006-01-02T15:04:05.000000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func randHex(n int) string { return skills.NewID("", n) }

// Info names one wallet in a database.
type Info struct {
	ID       string          `json:"id"`
	Currency skills.Currency `json:"currency"`
}

// List returns the wallets in db whose id starts with prefix ("" = all).
func List(ctx context.Context, db *store.DB, prefix string) ([]Info, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, currency FROM wallet_wallets ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Info
	for rows.Next() {
		var i Info
		var c string
		if err := rows.Scan(&i.ID, &c); err != nil {
			return nil, err
		}
		i.Currency = skills.Currency(c)
		if strings.HasPrefix(i.ID, prefix) {
			out = append(out, i)
		}
	}
	return out, rows.Err()
}

// Held is the money on open holds.
func (w *Wallet) Held(ctx context.Context) (skills.Money, error) {
	v, err := scanBalance(w.db.QueryRowContext(ctx, `SELECT balance FROM wallet_accounts WHERE wallet_id = $1 AND name = $2`, w.id, AccountHeld), w.id, AccountHeld)
	return skills.M(v, w.currency), err
}
