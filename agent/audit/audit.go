// Package audit is Cartwright's append-only, hash-chained, signed log of
// what every session did: the request, the intent, searches, offers, the
// policy's decision, the user's confirmation, mandates, tokens, payments,
// orders, refunds and errors.
//
// All entries form one chain in append order (id 1, 2, 3, …): each entry's
// hash covers its id, session, per-session sequence number, time, kind,
// payload and the previous entry's hash, and is signed with the agent's
// ed25519 key. A signed head records the last id and hash, so deleting the
// newest entries is detected too (it would need the agent's key to re-sign
// the head). Verify walks the chain and says where it breaks: an edited
// byte, a deleted, inserted or reordered entry, a bad signature.
//
// Limit: someone holding the agent's private key can rewrite history; the
// key lives in the state directory with mode 0600, apart from the database.
package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// Standard entry kinds.
const (
	KindRequest      = "request"
	KindIntent       = "intent"
	KindSearch       = "search"
	KindOffers       = "offers"
	KindDecision     = "decision"
	KindConfirmation = "confirmation"
	KindMandate      = "mandate"
	KindToken        = "token"
	KindPayment      = "payment"
	KindOrder        = "order"
	KindRefund       = "refund"
	KindError        = "error"
)

var kindRe = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// Entry is one log record.
type Entry struct {
	ID      int64           `json:"id"`
	Session string          `json:"session"`
	Seq     int64           `json:"seq"`
	Time    time.Time       `json:"time"`
	Kind    string          `json:"kind"`
	Payload json.RawMessage `json:"payload"`
	Prev    string          `json:"prev_hash"`
	Hash    string          `json:"hash"`
	Sig     string          `json:"sig"`
}

// Config configures a Log.
type Config struct {
	DB  *store.DB
	Key ed25519.PrivateKey // the agent's key: signs every entry
	Now func() time.Time
	// Logger receives witnessing failures (default slog.Default()).
	Logger *slog.Logger
}

// Log is the audit log. It implements agent.Auditor.
type Log struct {
	db  *store.DB
	key ed25519.PrivateKey
	pub ed25519.PublicKey
	now func() time.Time
	log *slog.Logger

	wmu     sync.Mutex
	witness Witness // nil: no network witnesses this log
	pins    *Pins
}

var _ agent.Auditor = (*Log)(nil)

var migrations = []string{
	`CREATE TABLE audit_entries (
		id BIGINT PRIMARY KEY,
		session TEXT NOT NULL,
		seq BIGINT NOT NULL,
		at TEXT NOT NULL,
		kind TEXT NOT NULL,
		payload TEXT NOT NULL,
		prev_hash TEXT NOT NULL,
		hash TEXT NOT NULL,
		sig TEXT NOT NULL,
		UNIQUE (session, seq))`,
	`CREATE TABLE audit_head (
		one INTEGER PRIMARY KEY CHECK (one = 1),
		id BIGINT NOT NULL,
		hash TEXT NOT NULL,
		sig TEXT NOT NULL)`,
	`INSERT INTO audit_head (one, id, hash, sig) VALUES (1, 0, '', '')`,
	// The public key of the agent that signed the newest entry: not trusted
	// (the key file is), only used to tell "signed with another key" apart
	// from tampering.
	`ALTER TABLE audit_head ADD COLUMN agent_key TEXT NOT NULL DEFAULT ''`,
	// Heads of the log countersigned by a payment network (witness.go).
	`CREATE TABLE audit_witness (
		seq BIGINT NOT NULL,
		network_key TEXT NOT NULL,
		hash TEXT NOT NULL,
		witnessed_at TEXT NOT NULL,
		doc TEXT NOT NULL,
		PRIMARY KEY (seq, network_key))`,
}

// KeyString is how the log names an agent key: "ed25519:" + base64url (the
// same form as mandate.PublicKeyString).
func KeyString(pub ed25519.PublicKey) string {
	return "ed25519:" + base64.RawURLEncoding.EncodeToString(pub)
}

// KeyMismatchError says the log was signed by another agent key than the
// one given: a wrong key directory, not tampering.
type KeyMismatchError struct {
	Logged string // the key that signed the log ("" when the log predates recording it)
	Have   string // the key given
}

func (e *KeyMismatchError) Error() string {
	if e.Logged == "" {
		return fmt.Sprintf("audit: every entry's hash and link is intact but no signature verifies with agent key %s: the log was signed by another agent key (wrong --keys?)", e.Have)
	}
	return fmt.Sprintf("audit: the audit log was signed by agent key %s; the agent key given is %s (wrong --keys?)", e.Logged, e.Have)
}

// Head is what the log's head record says: the last entry's id and the
// agent key that signed it ("" before keys were recorded).
type Head struct {
	ID       int64
	AgentKey string
}

// ReadHead migrates db and reads the head record without needing a key: a
// caller about to create a new agent key checks first that no log signed by
// another key exists.
func ReadHead(ctx context.Context, db *store.DB) (Head, error) {
	if err := db.Migrate(ctx, "audit", migrations); err != nil {
		return Head{}, err
	}
	var h Head
	err := db.QueryRowContext(ctx, `SELECT id, agent_key FROM audit_head WHERE one = 1`).Scan(&h.ID, &h.AgentKey)
	if errors.Is(err, sql.ErrNoRows) {
		return Head{}, ErrHeadMissing
	}
	return h, err
}

// ErrHeadMissing: the head record is gone (tampering or truncation);
// Verify and Append report it.
var ErrHeadMissing = errors.New("audit: the head record (audit_head) is missing: the log was tampered with or truncated")

// Open migrates and returns the log.
func Open(ctx context.Context, cfg Config) (*Log, error) {
	if cfg.DB == nil || cfg.Key == nil {
		return nil, errors.New("audit: Config needs DB and Key")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := cfg.DB.Migrate(ctx, "audit", migrations); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Log{db: cfg.DB, key: cfg.Key, pub: cfg.Key.Public().(ed25519.PublicKey), now: cfg.Now, log: cfg.Logger}, nil
}

// Record implements agent.Auditor.
func (l *Log) Record(ctx context.Context, session, kind string, data any) error {
	_, err := l.Append(ctx, session, kind, data)
	return err
}

// Append adds an entry and returns it.
func (l *Log) Append(ctx context.Context, session, kind string, data any) (Entry, error) {
	if session == "" {
		return Entry{}, errors.New("audit: empty session id")
	}
	if !kindRe.MatchString(kind) {
		return Entry{}, fmt.Errorf("audit: kind %q: want lower-case letters, digits, '_', '.', '-'", kind)
	}
	payload, err := json.Marshal(data)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: encode %s payload: %w", kind, err)
	}
	var e Entry
	err = l.db.Tx(ctx, func(tx *sql.Tx) error {
		// Lock the head: a row lock on PostgreSQL, the write lock on SQLite.
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET id = id WHERE one = 1`); err != nil {
			return err
		}
		var headID int64
		var headHash string
		err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_head WHERE one = 1`).Scan(&headID, &headHash)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrHeadMissing
		}
		if err != nil {
			return err
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_entries WHERE session = $1`, session).Scan(&seq); err != nil {
			return err
		}
		e = Entry{ID: headID + 1, Session: session, Seq: seq + 1, Time: l.now().UTC().Truncate(time.Microsecond), Kind: kind,
			Payload: payload, Prev: headHash}
		e.Hash = entryHash(e)
		e.Sig = base64.RawURLEncoding.EncodeToString(ed25519.Sign(l.key, []byte(e.Hash)))
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_entries (id, session, seq, at, kind, payload, prev_hash, hash, sig)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e.ID, e.Session, e.Seq, e.Time.Format(time.RFC3339Nano), e.Kind, string(e.Payload), e.Prev, e.Hash, e.Sig); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE audit_head SET id = $1, hash = $2, sig = $3, agent_key = $4 WHERE one = 1`,
			e.ID, e.Hash, base64.RawURLEncoding.EncodeToString(ed25519.Sign(l.key, headBytes(e.ID, e.Hash))), KeyString(l.pub))
		return err
	})
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append %s/%s: %w", session, kind, err)
	}
	if witnessKinds[kind] {
		l.witnessHead(ctx, e)
	}
	return e, nil
}

// entryHash is sha256 over an unambiguous encoding of every field but the
// hash and signature.
func entryHash(e Entry) string {
	b, _ := json.Marshal([]any{"cartwright-audit/v1", e.ID, e.Session, e.Seq, e.Time.UTC().Format(time.RFC3339Nano), e.Kind, string(e.Payload), e.Prev})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func headBytes(id int64, hash string) []byte {
	return []byte("cartwright-audit-head/v1\n" + strconv.FormatInt(id, 10) + "\n" + hash)
}

// Entries returns a session's entries in order ("" = every entry).
func (l *Log) Entries(ctx context.Context, session string) ([]Entry, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, session, seq, at, kind, payload, prev_hash, hash, sig FROM audit_entries
		WHERE ($1 = '' OR session = $1) ORDER BY id`, session)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at, payload string
		if err := rows.Scan(&e.ID, &e.Session, &e.Seq, &at, &e.Kind, &payload, &e.Prev, &e.Hash, &e.Sig); err != nil {
			return nil, err
		}
		e.Time, _ = time.Parse(time.RFC3339Nano, at)
		e.Payload = json.RawMessage(payload)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Problem is one place where the log fails verification.
type Problem struct {
	ID      int64  `json:"id"`
	Session string `json:"session"`
	Seq     int64  `json:"seq"`
	What    string `json:"what"`
}

func (p Problem) String() string {
	return fmt.Sprintf("entry %d (session %s, seq %d): %s", p.ID, p.Session, p.Seq, p.What)
}

// VerifyError lists every problem found.
type VerifyError struct{ Problems []Problem }

func (e *VerifyError) Error() string {
	s := fmt.Sprintf("audit log fails verification (%d problem(s))", len(e.Problems))
	for i, p := range e.Problems {
		if i == 5 {
			s += fmt.Sprintf("; … %d more", len(e.Problems)-5)
			break
		}
		s += "; " + p.String()
	}
	return s
}

// Verify checks the whole chain ("" session) or one session's entries and
// the links into and out of them. It returns the number of entries checked
// and a *VerifyError naming every break.
func (l *Log) Verify(ctx context.Context, session string) (int, error) {
	all, err := l.Entries(ctx, "")
	if err != nil {
		return 0, err
	}
	var headID int64
	var headHash, headSig, headKey string
	err = l.db.QueryRowContext(ctx, `SELECT id, hash, sig, agent_key FROM audit_head WHERE one = 1`).Scan(&headID, &headHash, &headSig, &headKey)
	if errors.Is(err, sql.ErrNoRows) {
		return len(all), ErrHeadMissing
	}
	if err != nil {
		return 0, err
	}
	probs := verifyChain(all, l.pub, headID, headHash, headSig)
	if len(probs) > 0 {
		if err := l.otherKey(all, probs, headID, headHash, headSig, headKey); err != nil {
			return len(all), err
		}
	}
	ws, err := l.Witnesses(ctx)
	if err != nil {
		return 0, err
	}
	var pins map[string]int64
	if l.pins != nil {
		pins = l.pins.load()
	}
	probs = append(probs, CheckWitnesses(all, ws, pins, KeyString(l.pub))...)
	n := len(all)
	if session != "" {
		var mine []Problem
		n = 0
		ids := map[int64]bool{}
		for _, e := range all {
			if e.Session == session {
				n++
				ids[e.ID] = true
			}
		}
		for _, p := range probs {
			// a problem belongs to the session if it is on one of its entries,
			// on the link into one, or names the session
			if p.Session == session || ids[p.ID] || ids[p.ID-1] || p.Session == "" {
				mine = append(mine, p)
			}
		}
		if n == 0 {
			// The session has no entries. If the chain has entries missing
			// or another entry names the session, they were deleted.
			if len(probs) > 0 || referenced(all, session) {
				what := "the log refers to this session but holds none of its entries: they were deleted (tampering)"
				if len(probs) > 0 {
					what = "no entries of this session remain while the chain has entries missing: if the session existed, they were deleted (tampering)"
				}
				return 0, &VerifyError{Problems: append([]Problem{{Session: session, What: what}}, probs...)}
			}
			return 0, fmt.Errorf("audit: no entries for session %q: it was never recorded in this log", session)
		}
		probs = mine
	}
	if len(probs) > 0 {
		return n, &VerifyError{Problems: probs}
	}
	return n, nil
}

// otherKey tells a log signed by another agent key apart from tampering:
// with a recorded head key other than ours, the whole chain verifies under
// it; with none recorded (an older log), every hash and link is intact and
// only the signatures fail.
func (l *Log) otherKey(all []Entry, probs []Problem, headID int64, headHash, headSig, headKey string) error {
	mine := KeyString(l.pub)
	if headKey != "" && headKey != mine {
		if pub, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(headKey, "ed25519:")); err == nil && len(pub) == ed25519.PublicKeySize {
			if len(verifyChain(all, ed25519.PublicKey(pub), headID, headHash, headSig)) == 0 {
				return &KeyMismatchError{Logged: headKey, Have: mine}
			}
		}
		return nil
	}
	if headKey != "" || len(all) == 0 {
		return nil
	}
	sigFails := 0
	for _, p := range probs {
		switch p.What {
		case whatBadSig:
			sigFails++
		case whatBadHeadSig:
		default:
			return nil // something besides signatures is wrong: tampering
		}
	}
	if sigFails == len(all) {
		return &KeyMismatchError{Have: mine}
	}
	return nil
}

const (
	whatBadSig     = "signature does not verify with the agent key"
	whatBadHeadSig = "head signature does not verify"
)

// referenced reports whether an entry's payload names session as a
// "session" value: evidence the session existed.
func referenced(all []Entry, session string) bool {
	needle, _ := json.Marshal(session)
	for _, e := range all {
		if strings.Contains(string(e.Payload), `"session":`+string(needle)) {
			return true
		}
	}
	return false
}

// verifyChain checks entries (in id order) against the signer and head.
func verifyChain(all []Entry, pub ed25519.PublicKey, headID int64, headHash, headSig string) []Problem {
	var probs []Problem
	bad := func(e Entry, format string, a ...any) {
		probs = append(probs, Problem{ID: e.ID, Session: e.Session, Seq: e.Seq, What: fmt.Sprintf(format, a...)})
	}
	prevHash, prevID := "", int64(0)
	lastSeq := map[string]int64{}
	for _, e := range all {
		if e.ID != prevID+1 {
			bad(e, "id %d follows id %d: %d entr(ies) missing", e.ID, prevID, e.ID-prevID-1)
		}
		if e.Prev != prevHash {
			bad(e, "prev_hash does not match the hash of the entry before it (deleted, inserted or reordered)")
		}
		if got := entryHash(e); got != e.Hash {
			bad(e, "content does not match its hash (edited)")
		} else if sig, err := base64.RawURLEncoding.DecodeString(e.Sig); err != nil || !ed25519.Verify(pub, []byte(e.Hash), sig) {
			bad(e, whatBadSig)
		}
		if want := lastSeq[e.Session] + 1; e.Seq != want {
			bad(e, "session sequence %d where %d was expected (deleted or reordered)", e.Seq, want)
		}
		lastSeq[e.Session] = e.Seq
		prevHash, prevID = e.Hash, e.ID
	}
	sig, err := base64.RawURLEncoding.DecodeString(headSig)
	switch {
	case headID == 0 && len(all) == 0:
	case err != nil || !ed25519.Verify(pub, headBytes(headID, headHash), sig):
		probs = append(probs, Problem{ID: headID, What: whatBadHeadSig})
	case headID != prevID || headHash != prevHash:
		probs = append(probs, Problem{ID: prevID, What: fmt.Sprintf("head says the log ends at entry %d, it ends at %d (entries removed or added at the end)", headID, prevID)})
	}
	return probs
}
