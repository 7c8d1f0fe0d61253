package wallet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

func cny(minor int64) skills.Money { return skills.M(minor, "CNY") }

// backend is one database the conformance suite runs against.
type backend struct {
	name string
	open func(t testing.TB) *store.DB
}

func backends() []backend {
	return []backend{
		{"sqlite", func(t testing.TB) *store.DB {
			db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"postgres", openPostgres},
	}
}

func openPostgres(t testing.TB) *store.DB {
	dsn := os.Getenv("CARTWRIGHT_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("CARTWRIGHT_TEST_POSTGRES not set: no PostgreSQL server to test against (eval \"$(scripts/start-postgres.sh)\" starts one)")
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// uniqueID isolates tests sharing one PostgreSQL database.
func uniqueID(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

func newWallet(t testing.TB, db *store.DB, cfg Config) *Wallet {
	t.Helper()
	cfg.DB = db
	if cfg.ID == "" {
		cfg.ID = uniqueID("w")
	}
	if cfg.Currency == "" {
		cfg.Currency = "CNY"
	}
	w, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func mustBalance(t *testing.T, w *Wallet, avail, held, spent int64) {
	t.Helper()
	b, err := w.Balance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b.Available.Minor != avail || b.Held.Minor != held || b.Spent.Minor != spent {
		t.Fatalf("balance: available %d held %d spent %d; want %d %d %d", b.Available.Minor, b.Held.Minor, b.Spent.Minor, avail, held, spent)
	}
	if err := w.CheckInvariants(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestConformance runs one suite against every backend.
func TestConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Run("lifecycle", func(t *testing.T) { testLifecycle(t, b.open(t)) })
			t.Run("idempotency", func(t *testing.T) { testIdempotency(t, b.open(t)) })
			t.Run("limits", func(t *testing.T) { testLimits(t, b.open(t)) })
			t.Run("bad input", func(t *testing.T) { testBadInput(t, b.open(t)) })
			t.Run("statement and holds", func(t *testing.T) { testStatement(t, b.open(t)) })
			t.Run("crash recovery", func(t *testing.T) { testCrashRecovery(t, b.open(t)) })
			t.Run("concurrent purchases", func(t *testing.T) { testConcurrent(t, b.open(t)) })
			t.Run("overflow", func(t *testing.T) { testOverflow(t, b.open(t)) })
		})
	}
}

func testLifecycle(t *testing.T, db *store.DB) {
	ctx := context.Background()
	w := newWallet(t, db, Config{})
	if err := w.TopUp(ctx, "top-1", cny(10000), "monthly"); err != nil {
		t.Fatal(err)
	}
	mustBalance(t, w, 10000, 0, 0)
	h1, err := w.Hold(ctx, "h1", cny(3000), "order 1")
	if err != nil {
		t.Fatal(err)
	}
	mustBalance(t, w, 7000, 3000, 0)
	// partial capture releases the rest
	if err := w.Capture(ctx, "c1", h1, cny(2500)); err != nil {
		t.Fatal(err)
	}
	mustBalance(t, w, 7500, 0, 2500)
	h2, err := w.Hold(ctx, "h2", cny(1000), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Release(ctx, "r2", h2); err != nil {
		t.Fatal(err)
	}
	mustBalance(t, w, 7500, 0, 2500)
	if err := w.Refund(ctx, "f1", h1, cny(500)); err != nil {
		t.Fatal(err)
	}
	mustBalance(t, w, 8000, 0, 2000)
	// refunds never exceed the capture
	if err := w.Refund(ctx, "f2", h1, cny(2001)); !errors.Is(err, ErrInvalidAmount) {
		t.Fatalf("over-refund: %v", err)
	}
	if err := w.Refund(ctx, "f3", h1, cny(2000)); err != nil {
		t.Fatal(err)
	}
	mustBalance(t, w, 10000, 0, 0)
	// closed holds cannot be captured, released or refunded again
	if err := w.Capture(ctx, "c1b", h1, cny(1)); !errors.Is(err, ErrHoldState) {
		t.Fatalf("capture of captured hold: %v", err)
	}
	if err := w.Release(ctx, "r1b", h1); !errors.Is(err, ErrHoldState) {
		t.Fatalf("release of captured hold: %v", err)
	}
	if err := w.Refund(ctx, "f2b", h2, cny(1)); !errors.Is(err, ErrHoldState) {
		t.Fatalf("refund of released hold: %v", err)
	}
	// insufficient funds reserves nothing
	if _, err := w.Hold(ctx, "big", cny(10001), ""); !errors.Is(err, agent.ErrInsufficientFunds) {
		t.Fatalf("overdraw: %v", err)
	}
	mustBalance(t, w, 10000, 0, 0)
	// capture above the hold
	h3, _ := w.Hold(ctx, "h3", cny(100), "")
	if err := w.Capture(ctx, "c3", h3, cny(101)); !errors.Is(err, ErrInvalidAmount) {
		t.Fatalf("capture over hold: %v", err)
	}
	if err := w.Capture(ctx, "c3", h3, cny(100)); err != nil { // failed call left no record: key reusable
		t.Fatal(err)
	}
	mustBalance(t, w, 9900, 0, 100)
	if _, err := w.Hold(ctx, "ghost", cny(1), ""); err != nil {
		t.Fatal(err)
	}
	if err := w.Capture(ctx, "cx", "hold_nope", cny(1)); !errors.Is(err, ErrHoldNotFound) {
		t.Fatalf("unknown hold: %v", err)
	}
	// reopen: state persisted, currency checked
	w2, err := Open(ctx, Config{DB: db, ID: w.ID()})
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := w2.Available(ctx); a.Minor != 9899 {
		t.Fatalf("reopened available %v", a)
	}
	if _, err := Open(ctx, Config{DB: db, ID: w.ID(), Currency: "USD"}); err == nil {
		t.Fatal("reopen with another currency should fail")
	}
	if _, err := Open(ctx, Config{DB: db, ID: uniqueID("nocur")}); err == nil {
		t.Fatal("creating a wallet without currency should fail")
	}
}

func testIdempotency(t *testing.T, db *store.DB) {
	ctx := context.Background()
	w := newWallet(t, db, Config{})
	for i := 0; i < 3; i++ {
		if err := w.TopUp(ctx, "top", cny(5000), "x"); err != nil {
			t.Fatal(err)
		}
	}
	mustBalance(t, w, 5000, 0, 0)
	h, err := w.Hold(ctx, "hold-a", cny(1000), "m")
	if err != nil {
		t.Fatal(err)
	}
	h2, err := w.Hold(ctx, "hold-a", cny(1000), "m")
	if err != nil || h2 != h {
		t.Fatalf("replayed hold: %q %v, want %q", h2, err, h)
	}
	mustBalance(t, w, 4000, 1000, 0)
	if _, err := w.Hold(ctx, "hold-a", cny(999), "m"); !errors.Is(err, ErrIdempotencyConflict) {
		t.Fatalf("same key, other amount: %v", err)
	}
	if err := w.TopUp(ctx, "hold-a", cny(1000), "m"); !errors.Is(err, ErrIdempotencyConflict) {
		t.Fatalf("same key, other kind: %v", err)
	}
	for i := 0; i < 2; i++ {
		if err := w.Capture(ctx, "cap-a", h, cny(600)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Capture(ctx, "cap-a", h, cny(700)); !errors.Is(err, ErrIdempotencyConflict) {
		t.Fatalf("capture replay with other amount: %v", err)
	}
	mustBalance(t, w, 4400, 0, 600)
	for i := 0; i < 2; i++ {
		if err := w.Refund(ctx, "ref-a", h, cny(100)); err != nil {
			t.Fatal(err)
		}
	}
	mustBalance(t, w, 4500, 0, 500)
	if err := w.TopUp(ctx, "", cny(1), ""); err == nil {
		t.Fatal("empty key accepted")
	}
	got, ok, err := w.HoldByKey(ctx, "hold-a")
	if err != nil || !ok || got.ID != h || got.Status != HoldCaptured || got.Captured.Minor != 600 || got.Refunded.Minor != 100 {
		t.Fatalf("HoldByKey: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := w.HoldByKey(ctx, "never"); ok {
		t.Fatal("HoldByKey found a hold that was never made")
	}
}

func testLimits(t *testing.T, db *store.DB) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)
	w := newWallet(t, db, Config{PerTransaction: cny(5000), PerDay: cny(8000), Now: func() time.Time { return now }})
	if err := w.TopUp(ctx, "t", cny(100000), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Hold(ctx, "a", cny(5001), ""); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("per-transaction: %v", err)
	}
	a, err := w.Hold(ctx, "b", cny(5000), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Hold(ctx, "c", cny(3001), ""); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("per-day: %v", err)
	}
	// releasing part of the day's holds frees the day limit
	if err := w.Capture(ctx, "cap", a, cny(2000)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Hold(ctx, "d", cny(5000), ""); err != nil {
		t.Fatalf("after partial capture: %v", err)
	}
	if _, err := w.Hold(ctx, "e", cny(1001), ""); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("per-day after capture: %v", err)
	}
	now = now.Add(2 * time.Hour) // next day
	if _, err := w.Hold(ctx, "f", cny(5000), ""); err != nil {
		t.Fatalf("next day: %v", err)
	}
	if err := w.SetLimits(ctx, cny(0), cny(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Hold(ctx, "g", cny(20000), ""); err != nil {
		t.Fatalf("no limits: %v", err)
	}
	if err := w.CheckInvariants(ctx); err != nil {
		t.Fatal(err)
	}
	spent, err := w.Spent(ctx, now.Add(-24*time.Hour), now.Add(time.Hour))
	if err != nil || spent.Minor != 2000 {
		t.Fatalf("spent %v %v", spent, err)
	}
}

func testBadInput(t *testing.T, db *store.DB) {
	ctx := context.Background()
	w := newWallet(t, db, Config{})
	for name, call := range map[string]func() error{
		"negative topup":  func() error { return w.TopUp(ctx, "k1", cny(-5), "") },
		"zero topup":      func() error { return w.TopUp(ctx, "k2", cny(0), "") },
		"other currency":  func() error { return w.TopUp(ctx, "k3", skills.M(5, "USD"), "") },
		"no currency":     func() error { return w.TopUp(ctx, "k4", skills.Money{Minor: 5}, "") },
		"negative hold":   func() error { _, err := w.Hold(ctx, "k5", cny(-1), ""); return err },
		"negative refund": func() error { return w.Refund(ctx, "k6", "hold_x", cny(-1)) },
		"long key":        func() error { return w.TopUp(ctx, strings.Repeat("k", 300), cny(1), "") },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	mustBalance(t, w, 0, 0, 0)
	if _, err := Open(ctx, Config{DB: db, ID: uniqueID("x"), Currency: "XXX"}); err == nil {
		t.Error("unknown currency accepted")
	}
	if _, err := Open(ctx, Config{DB: db, ID: uniqueID("x"), Currency: "CNY", PerDay: cny(-1)}); err == nil {
		t.Error("negative limit accepted")
	}
	if _, err := Open(ctx, Config{}); err == nil {
		t.Error("nil DB accepted")
	}
}

func testStatement(t *testing.T, db *store.DB) {
	ctx := context.Background()
	w := newWallet(t, db, Config{})
	w.TopUp(ctx, "t", cny(1000), "load")
	h, _ := w.Hold(ctx, "h", cny(400), "coffee")
	w.Capture(ctx, "c", h, cny(300))
	h2, _ := w.Hold(ctx, "h2", cny(50), "open one")
	lines, err := w.Statement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind         string
		avail, after int64
	}{{KindTopUp, 1000, 1000}, {KindHold, -400, 600}, {KindCapture, 100, 700}, {KindHold, -50, 650}}
	if len(lines) != len(want) {
		t.Fatalf("statement has %d lines: %+v", len(lines), lines)
	}
	for i, l := range lines {
		if l.Kind != want[i].kind || l.Available.Minor != want[i].avail || l.AvailableAfter.Minor != want[i].after {
			t.Errorf("line %d: %+v, want %+v", i, l, want[i])
		}
	}
	open, err := w.OpenHolds(ctx)
	if err != nil || len(open) != 1 || open[0].ID != h2 || open[0].Memo != "open one" {
		t.Fatalf("open holds: %+v %v", open, err)
	}
}

// testCrashRecovery: a run that crashed after its hold (before capture or
// release) leaves an open hold a resumed run finds by its key, and replaying
// any step with its key never moves money twice.
func testCrashRecovery(t *testing.T, db *store.DB) {
	ctx := context.Background()
	w := newWallet(t, db, Config{})
	w.TopUp(ctx, "fund", cny(10000), "")
	for _, sess := range []string{"s1", "s2"} {
		if _, err := w.Hold(ctx, sess+"/brewlab/0/hold", cny(3000), "session "+sess); err != nil {
			t.Fatal(err)
		}
	}
	// "crash": a new process opens the same wallet
	w2, err := Open(ctx, Config{DB: db, ID: w.ID()})
	if err != nil {
		t.Fatal(err)
	}
	open, err := w2.OpenHolds(ctx)
	if err != nil || len(open) != 2 {
		t.Fatalf("open holds after crash: %+v %v", open, err)
	}
	// resume s1: the merchant completed the order, so capture
	h1, ok, err := w2.HoldByKey(ctx, "s1/brewlab/0/hold")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	again, err := w2.Hold(ctx, "s1/brewlab/0/hold", cny(3000), "session s1") // the resumed run replays its hold step
	if err != nil || again != h1.ID {
		t.Fatalf("replayed hold %q %v, want %q", again, err, h1.ID)
	}
	for i := 0; i < 2; i++ { // the capture itself crashes and is replayed
		if err := w2.Capture(ctx, "s1/brewlab/0/capture", h1.ID, cny(2800)); err != nil {
			t.Fatal(err)
		}
	}
	// resume s2: no order at the merchant, so release
	h2, _, _ := w2.HoldByKey(ctx, "s2/brewlab/0/hold")
	for i := 0; i < 2; i++ {
		if err := w2.Release(ctx, "s2/brewlab/0/release", h2.ID); err != nil {
			t.Fatal(err)
		}
	}
	mustBalance(t, w2, 7200, 0, 2800)
	if open, _ := w2.OpenHolds(ctx); len(open) != 0 {
		t.Fatalf("holds still open: %+v", open)
	}
}

// testConcurrent: 200 concurrent purchases (hold + capture), each sent twice
// with the same keys, against a wallet that can pay for exactly 100 of them.
func testConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	w := newWallet(t, db, Config{})
	if err := w.TopUp(ctx, "fund", cny(100*100), ""); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	paid, refused := map[int]bool{}, 0
	for i := 0; i < 200; i++ {
		for dup := 0; dup < 2; dup++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := purchase(ctx, w, fmt.Sprintf("p%d", i), 100)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					t.Errorf("purchase %d: %v", i, err)
				case ok:
					paid[i] = true
				default:
					refused++
				}
			}()
		}
	}
	wg.Wait()
	b, err := w.Balance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(paid) != 100 || b.Available.Minor != 0 || b.Spent.Minor != 100*100 || b.Held.Minor != 0 {
		t.Fatalf("paid %d distinct purchases, balance %+v", len(paid), b)
	}
	if err := w.CheckInvariants(ctx); err != nil {
		t.Fatal(err)
	}
}

// purchase holds and captures amount under keys derived from id; it reports
// false when the wallet refused for lack of funds.
func purchase(ctx context.Context, w *Wallet, id string, amount int64) (bool, error) {
	h, err := w.Hold(ctx, id+"/hold", cny(amount), id)
	if errors.Is(err, agent.ErrInsufficientFunds) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, w.Capture(ctx, id+"/capture", h, cny(amount))
}

// TestMultiProcessPostgres: four OS processes (this test binary re-executed
// as workers) race 200 purchases, each sent by two workers, against one
// wallet in PostgreSQL that can pay for exactly 100.
func TestMultiProcessPostgres(t *testing.T) {
	db := openPostgres(t)
	ctx := context.Background()
	w := newWallet(t, db, Config{})
	if err := w.TopUp(ctx, "fund", cny(100*100), ""); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const workers = 4
	outs := make([][]byte, workers)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "-test.run=^TestWorkerProcess$")
			// workers k and k+2 send the same purchases (duplicates)
			cmd.Env = append(os.Environ(), "CARTWRIGHT_WALLET_WORKER="+w.ID(), "CARTWRIGHT_WALLET_WORKER_HALF="+strconv.Itoa(k%2))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("worker %d: %v\n%s", k, err, out)
			}
			outs[k] = out
		}()
	}
	wg.Wait()
	paid := map[string]bool{}
	for _, out := range outs {
		for _, line := range strings.Split(string(out), "\n") {
			if id, ok := strings.CutPrefix(line, "PAID "); ok {
				paid[id] = true
			}
		}
	}
	b, err := w.Balance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(paid) != 100 || b.Available.Minor != 0 || b.Spent.Minor != 10000 || b.Held.Minor != 0 {
		t.Fatalf("%d distinct paid, balance %+v", len(paid), b)
	}
	if err := w.CheckInvariants(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestWorkerProcess is the worker side of TestMultiProcessPostgres; it does
// nothing unless started by it.
func TestWorkerProcess(t *testing.T) {
	id := os.Getenv("CARTWRIGHT_WALLET_WORKER")
	if id == "" {
		t.Skip("worker process for TestMultiProcessPostgres only")
	}
	half, _ := strconv.Atoi(os.Getenv("CARTWRIGHT_WALLET_WORKER_HALF"))
	db := openPostgres(t)
	ctx := context.Background()
	w, err := Open(ctx, Config{DB: db, ID: id})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := half; i < 200; i += 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pid := fmt.Sprintf("mp%d", i)
			ok, err := purchase(ctx, w, pid, 100)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("%s: %v", pid, err)
			} else if ok {
				fmt.Printf("PAID %s\n", pid)
			}
		}()
	}
	wg.Wait()
}

func benchCapture(b *testing.B, db *store.DB) {
	ctx := context.Background()
	w := newWallet(b, db, Config{})
	if err := w.TopUp(ctx, "fund", cny(int64(b.N)*100+100), ""); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if ok, err := purchase(ctx, w, "b"+strconv.Itoa(i), 100); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "purchases/s")
}

// BenchmarkPurchase measures one hold + capture (two ledger transactions).
func BenchmarkPurchaseSQLite(b *testing.B)   { benchCapture(b, backends()[0].open(b)) }
func BenchmarkPurchasePostgres(b *testing.B) { benchCapture(b, openPostgres(b)) }

// BenchmarkPurchaseParallel: purchases from several goroutines against one
// wallet (they serialise on the wallet lock; latency overlaps).
func BenchmarkPurchaseParallelSQLite(b *testing.B)   { benchParallel(b, backends()[0].open(b)) }
func BenchmarkPurchaseParallelPostgres(b *testing.B) { benchParallel(b, openPostgres(b)) }

func benchParallel(b *testing.B, db *store.DB) {
	ctx := context.Background()
	w := newWallet(b, db, Config{})
	if err := w.TopUp(ctx, "fund", cny(int64(b.N)*100+100), ""); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.ResetTimer()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, err := purchase(ctx, w, "pp"+strconv.FormatInt(n.Add(1), 10), 100); err != nil || !ok {
				b.Error(ok, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "purchases/s")
}

// testOverflow: amounts near int64's limit are refused with nothing moved,
// and the wallet stays readable (QA: a top-up of 92233720368547758.07 on top
// of 200.00 wrapped the balance and broke every later read).
func testOverflow(t *testing.T, db *store.DB) {
	ctx := context.Background()
	w := newWallet(t, db, Config{})
	if err := w.TopUp(ctx, "t1", cny(20000), "first"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		amount int64
	}{
		{"int64 max", 9223372036854775807},
		{"just over the maximum", MaxBalance + 1},
		{"fills past the maximum", MaxBalance - 10000},
	} {
		err := w.TopUp(ctx, "big-"+tc.name, cny(tc.amount), "huge")
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%s: top-up of %d: err %v, want ErrTooLarge", tc.name, tc.amount, err)
		}
		if !strings.Contains(err.Error(), "maximum") {
			t.Errorf("%s: error does not name the maximum: %v", tc.name, err)
		}
	}
	mustBalance(t, w, 20000, 0, 0)
	// Up to exactly the maximum is fine; one more minor unit is not.
	if err := w.TopUp(ctx, "t2", cny(MaxBalance-20000), "to the brim"); err != nil {
		t.Fatal(err)
	}
	mustBalance(t, w, MaxBalance, 0, 0)
	if err := w.TopUp(ctx, "t3", cny(1), "one more"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("top-up over a full wallet: %v, want ErrTooLarge", err)
	}
	// Spending and refunding a full wallet stay exact.
	h, err := w.Hold(ctx, "h1", cny(MaxBalance), "all of it")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Capture(ctx, "c1", h, cny(MaxBalance)); err != nil {
		t.Fatal(err)
	}
	if err := w.Refund(ctx, "r1", h, cny(MaxBalance)); err != nil {
		t.Fatal(err)
	}
	mustBalance(t, w, MaxBalance, 0, 0)
	// The total ever loaded is capped too (funding would pass −MaxBalance).
	h2, err := w.Hold(ctx, "h2", cny(MaxBalance), "all again")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Capture(ctx, "c2", h2, cny(MaxBalance)); err != nil {
		t.Fatal(err)
	}
	if err := w.TopUp(ctx, "t4", cny(1), "past the lifetime maximum"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("top-up past the total loaded maximum: %v, want ErrTooLarge", err)
	}
	if err := w.CheckInvariants(ctx); err != nil {
		t.Fatal(err)
	}
	lines, err := w.Statement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if l.AvailableAfter.Minor < 0 || l.HeldAfter.Minor < 0 {
			t.Errorf("statement line %d: negative balance %s / %s", l.Seq, l.AvailableAfter, l.HeldAfter)
		}
	}
	if got := lines[len(lines)-1].AvailableAfter.Minor; got != 0 {
		t.Errorf("statement ends at %d available, want 0", got)
	}
	spent, err := w.Spent(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || spent.Minor != MaxBalance {
		t.Errorf("Spent = %v, %v; want %d", spent, err, MaxBalance)
	}
}

// TestDamagedBalance: a balance an older version let SQLite overflow into a
// float gives a clear error, not a driver conversion message.
func TestDamagedBalance(t *testing.T) {
	ctx := context.Background()
	db := backends()[0].open(t)
	w := newWallet(t, db, Config{})
	if _, err := db.ExecContext(ctx, `UPDATE wallet_accounts SET balance = 9.3e18 WHERE wallet_id = $1 AND name = 'available'`, w.ID()); err != nil {
		t.Fatal(err)
	}
	_, err := w.Balance(ctx)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Balance of a damaged ledger: %v", err)
	}
	if err := w.TopUp(ctx, "x", cny(100), ""); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("TopUp on a damaged ledger: %v", err)
	}
}
