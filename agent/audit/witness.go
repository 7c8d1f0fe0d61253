package audit

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/skills/witness"
)

// Witness shows the payment network a head of the log and returns its
// countersignature (witness.Client.Witness fits).
type Witness func(ctx context.Context, r witness.Request) (witness.Countersignature, error)

// witnessKinds: after an entry of these kinds the head is witnessed (the
// order and payment entries a purchase writes, a refund).
var witnessKinds = map[string]bool{KindPayment: true, KindRefund: true}

// coveredKinds: every entry of these kinds written since witnessing began
// must be covered by a witnessed head at or after it.
var coveredKinds = map[string]bool{KindOrder: true, KindRefund: true}

// SetWitness makes the log show its head to a payment network after every
// payment and refund entry and store the countersignature. pins is the
// trusted list of network keys, kept apart from the database (in the key
// directory): a key is pinned the first time a live network countersigns.
func (l *Log) SetWitness(w Witness, pins *Pins) {
	l.wmu.Lock()
	l.witness, l.pins = w, pins
	l.wmu.Unlock()
}

// SetPins sets the trusted network keys Verify checks countersignatures
// against, without witnessing new heads (audit verify, offline).
func (l *Log) SetPins(pins *Pins) {
	l.wmu.Lock()
	l.pins = pins
	l.wmu.Unlock()
}

// witnessHead asks the network to countersign the head at e and stores the
// answer. A failure is logged, not returned: the entry is written; Verify
// reports the order the network never countersigned.
func (l *Log) witnessHead(ctx context.Context, e Entry) {
	l.wmu.Lock()
	w, pins := l.witness, l.pins
	l.wmu.Unlock()
	if w == nil {
		return
	}
	// Witness the current head: with concurrent appends it may be past e,
	// which covers e too.
	var id int64
	var hash string
	if err := l.db.QueryRowContext(ctx, `SELECT id, hash FROM audit_head WHERE one = 1`).Scan(&id, &hash); err != nil || id < e.ID {
		id, hash = e.ID, e.Hash
	}
	cs, err := w(context.WithoutCancel(ctx), witness.Request{AgentKey: KeyString(l.pub), Seq: id, Hash: hash})
	if err == nil {
		err = l.StoreWitness(ctx, cs, pins)
	}
	if err != nil {
		l.log.Warn("audit: the payment network did not witness the log head", "entry", e.ID, "kind", e.Kind, "err", err)
	}
}

// StoreWitness keeps a countersignature after checking its signature and
// that it names this log's agent key; pins (if any) learns its network key
// on first use and records from which entry on that network witnesses.
func (l *Log) StoreWitness(ctx context.Context, cs witness.Countersignature, pins *Pins) error {
	if err := cs.Verify(); err != nil {
		return err
	}
	if cs.AgentKey != KeyString(l.pub) {
		return fmt.Errorf("audit: the network countersigned agent key %s, not ours", cs.AgentKey)
	}
	if pins != nil {
		if err := pins.Learn(cs.NetworkKey, cs.Seq); err != nil {
			return err
		}
	}
	doc, err := json.Marshal(cs)
	if err != nil {
		return err
	}
	_, err = l.db.ExecContext(ctx, `INSERT INTO audit_witness (seq, network_key, hash, witnessed_at, doc) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (seq, network_key) DO NOTHING`, cs.Seq, cs.NetworkKey, cs.Hash, cs.WitnessedAt.Format(time.RFC3339Nano), string(doc))
	return err
}

// Witnesses returns every stored countersignature, oldest head first.
func (l *Log) Witnesses(ctx context.Context) ([]witness.Countersignature, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT doc FROM audit_witness ORDER BY seq, network_key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []witness.Countersignature
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var cs witness.Countersignature
		if err := json.Unmarshal([]byte(doc), &cs); err != nil {
			out = append(out, witness.Countersignature{Signature: "undecodable: " + err.Error()})
			continue
		}
		out = append(out, cs)
	}
	return out, rows.Err()
}

// CheckWitnesses checks entries (the whole log, in id order) against the
// network's countersignatures: each must verify with a pinned network key
// and match the entry it names (hash and position), and every order or
// refund entry of a session written since a pinned network began
// witnessing must be covered by a countersigned head at or after it. pins maps a network key
// to the first entry it witnessed (nil: no trust anchor is configured, as
// in an eval run — signatures and positions are still checked); agentKey
// is this log's key.
func CheckWitnesses(all []Entry, ws []witness.Countersignature, pins map[string]int64, agentKey string) []Problem {
	var probs []Problem
	byID := make(map[int64]Entry, len(all))
	var last int64
	for _, e := range all {
		byID[e.ID] = e
		last = max(last, e.ID)
	}
	covered := int64(0) // the highest head a valid countersignature covers
	seen := map[string]bool{}
	for _, w := range ws {
		p := func(format string, a ...any) {
			probs = append(probs, Problem{ID: w.Seq, What: "witness: " + fmt.Sprintf(format, a...)})
		}
		if err := w.Verify(); err != nil {
			p("a stored countersignature does not verify (%v): edited (tampering)", err)
			continue
		}
		if _, ok := pins[w.NetworkKey]; !ok && pins != nil {
			p("countersigned by network key %s, which is not pinned (tampering, or a network never seen by this agent)", w.NetworkKey)
			continue
		}
		if w.AgentKey != agentKey {
			p("countersigns agent key %s, not this log's %s", w.AgentKey, agentKey)
			continue
		}
		e, ok := byID[w.Seq]
		switch {
		case w.Seq > last:
			p("the payment network witnessed the log at entry %d (hash %s) at %s; the log ends at entry %d: entries were removed (tampering)",
				w.Seq, short(w.Hash), w.WitnessedAt.UTC().Format(time.RFC3339), last)
			continue
		case !ok:
			p("the payment network witnessed entry %d, which is missing (tampering)", w.Seq)
			continue
		case e.Hash != w.Hash:
			p("the payment network witnessed entry %d with hash %s at %s; the log now has %s there: history was rewritten after it was witnessed (tampering, even if re-signed with the agent key)",
				w.Seq, short(w.Hash), w.WitnessedAt.UTC().Format(time.RFC3339), short(e.Hash))
			continue
		}
		seen[w.NetworkKey] = true
		covered = max(covered, w.Seq)
	}
	since := int64(0)
	for _, key := range sortedKeys(pins) {
		from := pins[key]
		if since == 0 || from < since {
			since = from
		}
		if !seen[key] && from > 0 {
			probs = append(probs, Problem{ID: from, What: fmt.Sprintf("witness: network %s has countersigned this log since entry %d, but no valid countersignature of it is stored: they were deleted (tampering)", key, from)})
		}
	}
	if since == 0 {
		return probs // never witnessed (an older log, or no network): nothing to cover
	}
	// A session with any entry since witnessing began is witnessed whole
	// (its order entry comes just before the payment entry the network
	// countersigned first).
	witnessed := map[string]bool{}
	for _, e := range all {
		if e.ID >= since {
			witnessed[e.Session] = true
		}
	}
	for _, e := range all {
		if witnessed[e.Session] && coveredKinds[e.Kind] && e.ID > covered {
			probs = append(probs, Problem{ID: e.ID, Session: e.Session, Seq: e.Seq,
				What: "witness: this " + e.Kind + " entry is not covered by any head the payment network countersigned (its countersignature was deleted, or the network did not answer)"})
		}
	}
	return probs
}

// Pins is the file of trusted payment-network witness keys, one per line:
// "<key> <first entry witnessed>". It lives in the key directory, apart from
// the state database, so editing the database cannot add a network.
type Pins struct{ Path string }

// PinsFile is the pins file's name in the key directory.
const PinsFile = "witnesses"

// NewPins is the pins file in dir ("" : none).
func NewPins(dir string) *Pins {
	if dir == "" {
		return nil
	}
	return &Pins{Path: filepath.Join(dir, PinsFile)}
}

func (p *Pins) load() map[string]int64 {
	out := map[string]int64{}
	if p == nil {
		return out
	}
	f, err := os.Open(p.Path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 2 {
			if n, err := strconv.ParseInt(fs[1], 10, 64); err == nil {
				out[fs[0]] = n
			}
		}
	}
	return out
}

// Keys lists the pinned network keys with the first entry each witnessed.
func (p *Pins) Keys() map[string]int64 { return p.load() }

// Learn pins key (first witnessing entry seq) unless it is pinned already.
func (p *Pins) Learn(key string, seq int64) error {
	have := p.load()
	if _, ok := have[key]; ok {
		return nil
	}
	if _, err := witness.ParseKey(key); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.Path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(p.Path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit: pin witness key: %w", err)
	}
	if _, err := fmt.Fprintf(f, "%s %d\n", key, seq); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sortedKeys is for stable messages.
func sortedKeys(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Ledger is what the other books say happened: orders in the sessions'
// results and captures in the wallet ledger. CrossCheck holds the log
// against it.
type Ledger struct {
	Orders   []LedgerOrder
	Captures []LedgerCapture
}

// LedgerOrder is an order a session's result records.
type LedgerOrder struct{ Session, ID string }

// LedgerCapture is a captured wallet hold that paid an order.
type LedgerCapture struct {
	HoldID string
	Memo   string
}

// CrossCheck finds what one book has and the log lacks, and the reverse:
// every order has its order entry (in its session) and every captured
// order hold its payment entry; every order and payment entry has its
// order and its capture. An empty or short log beside a non-empty ledger is
// reported entry by entry.
func CrossCheck(all []Entry, l Ledger) []Problem {
	var probs []Problem
	orderEntries := map[string]Entry{} // session/order id
	holdEntries := map[string]Entry{}
	for _, e := range all {
		switch e.Kind {
		case KindOrder:
			var o struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(e.Payload, &o) == nil && o.ID != "" {
				orderEntries[e.Session+"\x00"+o.ID] = e
			}
		case KindPayment:
			var p struct {
				Hold  string `json:"hold"`
				Order string `json:"order"`
			}
			if json.Unmarshal(e.Payload, &p) == nil && p.Hold != "" && p.Order != "" {
				holdEntries[p.Hold] = e
			}
		}
	}
	orders := map[string]bool{}
	for _, o := range l.Orders {
		orders[o.Session+"\x00"+o.ID] = true
		if _, ok := orderEntries[o.Session+"\x00"+o.ID]; !ok {
			probs = append(probs, Problem{Session: o.Session, What: fmt.Sprintf("ledger: order %s is in the session's record but the audit log has no order entry for it (entries deleted: tampering)", o.ID)})
		}
	}
	holds := map[string]bool{}
	for _, c := range l.Captures {
		holds[c.HoldID] = true
		if _, ok := holdEntries[c.HoldID]; !ok {
			probs = append(probs, Problem{What: fmt.Sprintf("ledger: wallet capture of hold %s (%s) has no payment entry in the audit log (entries deleted: tampering)", c.HoldID, c.Memo)})
		}
	}
	for k, e := range orderEntries {
		if !orders[k] {
			probs = append(probs, Problem{ID: e.ID, Session: e.Session, Seq: e.Seq, What: "ledger: the audit log records an order its session does not have (the session record was edited or deleted)"})
		}
	}
	for h, e := range holdEntries {
		if !holds[h] {
			probs = append(probs, Problem{ID: e.ID, Session: e.Session, Seq: e.Seq, What: fmt.Sprintf("ledger: the audit log records a payment from wallet hold %s that the wallet has not captured (the wallet ledger was edited)", h)})
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].ID < probs[j].ID })
	return probs
}

// CheckEntry checks one entry on its own: its content against its hash and
// the hash against the agent key's signature (an evidence bundle's entries
// are checked this way, offline).
func CheckEntry(e Entry, pub ed25519.PublicKey) error {
	if entryHash(e) != e.Hash {
		return errors.New("content does not match its hash (edited)")
	}
	sig, err := base64.RawURLEncoding.DecodeString(e.Sig)
	if err != nil || !ed25519.Verify(pub, []byte(e.Hash), sig) {
		return errors.New(whatBadSig)
	}
	return nil
}
