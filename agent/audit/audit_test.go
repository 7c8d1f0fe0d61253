package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cartwright-agent/cartwright/skills/store"
)

func openDB(t testing.TB) *store.DB {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newLog(t testing.TB, db *store.DB) *Log {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	l, err := Open(context.Background(), Config{DB: db, Key: k})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// fill writes two interleaved sessions of five entries each.
func fill(t testing.TB, l *Log) {
	ctx := context.Background()
	kinds := []string{KindRequest, KindIntent, KindDecision, KindPayment, KindOrder}
	for i, k := range kinds {
		for _, s := range []string{"s_a", "s_b"} {
			if err := l.Record(ctx, s, k, map[string]any{"i": i, "s": s, "amount": 1800 + i}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func problems(t *testing.T, l *Log, session string) []Problem {
	t.Helper()
	_, err := l.Verify(context.Background(), session)
	var ve *VerifyError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	return ve.Problems
}

func TestAppendAndVerify(t *testing.T) {
	ctx := context.Background()
	l := newLog(t, openDB(t))
	if n, err := l.Verify(ctx, ""); err != nil || n != 0 {
		t.Fatal(n, err)
	}
	fill(t, l)
	n, err := l.Verify(ctx, "")
	if err != nil || n != 10 {
		t.Fatal(n, err)
	}
	if n, err := l.Verify(ctx, "s_a"); err != nil || n != 5 {
		t.Fatal(n, err)
	}
	es, _ := l.Entries(ctx, "s_b")
	if len(es) != 5 || es[0].Seq != 1 || es[4].Seq != 5 || es[4].Kind != KindOrder {
		t.Fatalf("%+v", es)
	}
	var buf bytes.Buffer
	if err := Render(&buf, es); err != nil || !strings.Contains(buf.String(), "session s_b") || !strings.Contains(buf.String(), `"amount":1804`) {
		t.Fatal(buf.String(), err)
	}
	if err := l.Record(ctx, "", KindError, nil); err == nil {
		t.Fatal("empty session accepted")
	}
	if err := l.Record(ctx, "s", "DROP TABLE", nil); err == nil {
		t.Fatal("bad kind accepted")
	}
	if err := l.Record(ctx, "s", KindError, func() {}); err == nil {
		t.Fatal("unencodable payload accepted")
	}
	if _, err := l.Verify(ctx, "nope"); err == nil {
		t.Fatal("unknown session verified")
	}
}

func TestTamperDetected(t *testing.T) {
	cases := []struct {
		name    string
		sql     string
		where   int64 // entry id the problem must name
		what    string
		session string
	}{
		{"payload byte edited", `UPDATE audit_entries SET payload = REPLACE(payload, '1802', '9802') WHERE id = 5`, 5, "edited", "s_a"},
		{"kind edited", `UPDATE audit_entries SET kind = 'refund' WHERE id = 3`, 3, "edited", "s_a"},
		{"hash replaced", `UPDATE audit_entries SET hash = '00' || substr(hash, 3) WHERE id = 4`, 4, "hash", "s_b"},
		{"signature replaced", `UPDATE audit_entries SET sig = (SELECT sig FROM audit_entries WHERE id = 1) WHERE id = 6`, 6, "signature", "s_b"},
		{"middle entry deleted", `DELETE FROM audit_entries WHERE id = 6`, 7, "missing", "s_a"},
		{"last entry deleted", `DELETE FROM audit_entries WHERE id = 10`, 9, "head", "s_b"},
		{"entries reordered", `UPDATE audit_entries SET id = -3, seq = -2 WHERE id = 3; UPDATE audit_entries SET id = 3, seq = 2 WHERE id = 5; UPDATE audit_entries SET id = 5, seq = 3 WHERE id = -3`, 3, "", "s_a"},
		{"payloads swapped", `UPDATE audit_entries SET payload = CASE id WHEN 1 THEN (SELECT payload FROM audit_entries WHERE id = 3) ELSE (SELECT payload FROM audit_entries WHERE id = 1) END WHERE id IN (1, 3)`, 1, "edited", "s_a"},
		{"entry inserted", `INSERT INTO audit_entries (id, session, seq, at, kind, payload, prev_hash, hash, sig)
			SELECT 11, session, 6, at, 'refund', payload, hash, hash, sig FROM audit_entries WHERE id = 10`, 11, "", "s_b"},
		{"head rolled back", `UPDATE audit_head SET id = 9, hash = (SELECT hash FROM audit_entries WHERE id = 9)`, 9, "head", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openDB(t)
			l := newLog(t, db)
			fill(t, l)
			for _, q := range strings.Split(c.sql, ";") {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			ps := problems(t, l, "")
			found := false
			for _, p := range ps {
				if p.ID == c.where && strings.Contains(p.What, c.what) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want a problem at entry %d mentioning %q, got %v", c.where, c.what, ps)
			}
			if c.session != "" && len(problems(t, l, c.session)) == 0 {
				t.Fatalf("verify of session %s missed it", c.session)
			}
		})
	}
}

// TestWrongKey: a log signed by another agent key (a wrong --keys) is
// reported as such, naming both keys, not as tampering; tampering on top of
// it still is.
func TestWrongKey(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		legacy bool // the log predates recording the agent key
		tamper bool
	}{{"recorded key", false, false}, {"legacy log", true, false}, {"recorded key, tampered", false, true}, {"legacy log, tampered", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			signer := newLog(t, db)
			fill(t, signer)
			if tc.legacy {
				db.ExecContext(ctx, `UPDATE audit_head SET agent_key = ''`)
			}
			if tc.tamper {
				db.ExecContext(ctx, `UPDATE audit_entries SET payload = '{"i":0,"s":"s_a","amount":1}' WHERE id = 1`)
			}
			other := newLog(t, db) // same database, another key
			_, err := other.Verify(ctx, "")
			var km *KeyMismatchError
			if tc.tamper {
				var ve *VerifyError
				if !errors.As(err, &ve) || errors.As(err, &km) {
					t.Fatalf("tampered log signed by another key: %v, want a VerifyError", err)
				}
				return
			}
			if !errors.As(err, &km) {
				t.Fatalf("Verify with another key: %v, want a KeyMismatchError", err)
			}
			if !strings.Contains(err.Error(), KeyString(other.pub)) || !strings.Contains(err.Error(), "wrong --keys") {
				t.Errorf("message does not name the key given: %v", err)
			}
			if !tc.legacy && (km.Logged != KeyString(signer.pub) || !strings.Contains(err.Error(), km.Logged)) {
				t.Errorf("message does not name the signing key %s: %v", KeyString(signer.pub), err)
			}
			h, err := ReadHead(ctx, db)
			if err != nil || h.ID != 10 || (!tc.legacy && h.AgentKey != KeyString(signer.pub)) {
				t.Errorf("ReadHead = %+v, %v", h, err)
			}
		})
	}
}

// TestHeadMissing: a deleted head record is named as tampering or
// truncation, not a bare "no rows".
func TestHeadMissing(t *testing.T) {
	db := openDB(t)
	l := newLog(t, db)
	fill(t, l)
	db.Exec(`DELETE FROM audit_head`)
	_, err := l.Verify(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "head record") || !strings.Contains(err.Error(), "tampered") {
		t.Fatalf("Verify without a head: %v", err)
	}
	if err := l.Record(context.Background(), "s_c", KindRequest, 1); err == nil || !strings.Contains(err.Error(), "head record") {
		t.Fatalf("Record without a head: %v", err)
	}
}

// TestSessionDeleted: verifying a session whose every entry was deleted
// flags tampering when the chain shows entries missing; a session never
// recorded in an intact log is just unknown.
func TestSessionDeleted(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	l := newLog(t, db)
	fill(t, l)
	_, err := l.Verify(ctx, "never")
	if err == nil || errors.As(err, new(*VerifyError)) || !strings.Contains(err.Error(), "no entries") {
		t.Fatalf("unknown session on an intact log: %v", err)
	}
	l.Record(ctx, "s_c", KindRequest, 1)
	l.Record(ctx, "s_d", KindRequest, 1)
	db.Exec(`DELETE FROM audit_entries WHERE session = 's_c'`)
	ps := problems(t, l, "s_c")
	if len(ps) == 0 || !strings.Contains(ps[0].What, "deleted") {
		t.Fatalf("verify of a deleted session: %v", ps)
	}
}

func TestConcurrentAppend(t *testing.T) {
	dbs := map[string]*store.DB{"sqlite": openDB(t)}
	if dsn := os.Getenv("CARTWRIGHT_TEST_POSTGRES"); dsn != "" {
		dbs["postgres"] = openPostgresSchema(t, dsn)
	} else {
		t.Log("CARTWRIGHT_TEST_POSTGRES not set: PostgreSQL part skipped")
	}
	for name, db := range dbs {
		t.Run(name, func(t *testing.T) {
			l := newLog(t, db)
			var wg sync.WaitGroup
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 25; i++ {
						if err := l.Record(context.Background(), fmt.Sprintf("s%d", g%3), KindPayment, i); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			if n, err := l.Verify(context.Background(), ""); err != nil || n != 200 {
				t.Fatal(n, err)
			}
		})
	}
}

// openPostgresSchema opens PostgreSQL with a fresh schema first on the
// search path: the audit tables are global, so a test gets its own.
func openPostgresSchema(t testing.TB, dsn string) *store.DB {
	ctx := context.Background()
	admin, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := fmt.Sprintf("audit_test_%x", b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := store.Open(ctx, dsn); err == nil {
			a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			a.Close()
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := store.Open(ctx, dsn+sep+"options="+strings.ReplaceAll(url.QueryEscape("-c search_path="+schema), "+", "%20"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkAppend measures one audit entry (hash, sign, one transaction);
// a purchase writes about ten.
func BenchmarkAppend(b *testing.B) {
	l := newLog(b, openDB(b))
	payload := map[string]any{"merchant": "brewlab", "total": map[string]any{"amount": 3500, "currency": "CNY"}}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := l.Record(ctx, "s_bench", KindPayment, payload); err != nil {
			b.Fatal(err)
		}
	}
}
