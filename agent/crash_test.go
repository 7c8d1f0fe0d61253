//go:build unix

package agent_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acpclient"
	"github.com/cartwright-agent/cartwright/skills/pay"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// The crash test runs the agent in a child process (this test binary,
// re-executed with crashRole set) against a merchant world and a state file
// that live in the parent. The child kills itself with SIGKILL at one
// payment checkpoint — no deferred function, no flush, no goodbye — and the
// parent resumes the session with a fresh Agent on the same state file and
// checks the world converged: one order, one capture at the payment network
// and one wallet capture; or, when the network refuses to pay after the
// restart, no order, no capture and the hold released.
const (
	crashRole     = "CARTWRIGHT_CRASHTEST_ROLE"
	crashState    = "CARTWRIGHT_CRASHTEST_STATE"
	crashMerchant = "CARTWRIGHT_CRASHTEST_MERCHANT"
	crashPaynet   = "CARTWRIGHT_CRASHTEST_PAYNET"
	crashKillAt   = "CARTWRIGHT_CRASHTEST_KILL_AT"
	crashSession  = "CARTWRIGHT_CRASHTEST_SESSION"
)

const crashWorld = `
currency: CNY
seed: 11
merchants:
  - id: brew
    name: Brew
    interface: api
    shipping: {fee: "6.00", free_over: "30.00", eta_days: 1}
    products:
      - {sku: BR-OAT-L, title: Oat Milk Latte (Large), category: coffee, brand: Brew, price: "18.00", stock: 10, attributes: {milk: oat, size: large}}
`

// crashWalletID names the wallet in the shared state file; crashAuditSeed
// makes parent and child sign the audit log with the same agent key.
const crashWalletID = "crash-wallet"

var crashAuditSeed = []byte("cartwright crash test audit key!") // 32 bytes

// crashAgent wires the runtime as the CLI does, against the world's URLs:
// the ACP client, the delegated-token rail of the payment network, the
// wallet and audit log in the state file.
func crashAgent(ctx context.Context, db *store.DB, merchantURL, paynetURL string, hook func(context.Context, agent.Checkpoint)) (*agent.Agent, *wallet.Wallet, *audit.Log, error) {
	hc := &http.Client{Timeout: 10 * time.Second}
	m, err := acpclient.New(acpclient.Config{BaseURL: merchantURL, HTTPClient: hc, Retries: -1})
	if err != nil {
		return nil, nil, nil, err
	}
	w, err := wallet.Open(ctx, wallet.Config{DB: db, Currency: cny, ID: crashWalletID})
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: paynetURL, HTTPClient: hc, Card: pay.VirtualCard(w.ID()), Retries: -1})
	if err != nil {
		return nil, nil, nil, err
	}
	rail := agent.RailFunc(func(ctx context.Context, req agent.CredentialRequest) (skills.Credential, error) {
		return d.Delegate(ctx, pay.Delegation{MerchantID: req.Merchant, CheckoutSessionID: req.Quote.ID,
			Amount: req.Amount, IdempotencyKey: req.IdempotencyKey})
	})
	log, err := audit.Open(ctx, audit.Config{DB: db, Key: ed25519.NewKeyFromSeed(crashAuditSeed)})
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := agent.New(ctx, agent.Config{Merchants: []skills.Merchant{m}, Planner: &fixedPlanner{intent: latteIntent(2, 0)},
		Wallet: w, Rail: rail, Store: db, Audit: log, RetryBackoff: time.Millisecond, OnCheckpoint: hook,
		Policy: &policy.Engine{Wallet: w}})
	return a, w, log, err
}

// crashWorker is the child: it runs the request and SIGKILLs itself at the
// checkpoint named in its environment. Reaching the end alive is a failure.
func crashWorker() {
	ctx := context.Background()
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "crash worker: "+format+"\n", args...)
		os.Exit(3)
	}
	db, err := store.Open(ctx, os.Getenv(crashState))
	if err != nil {
		fail("open state: %v", err)
	}
	killAt := os.Getenv(crashKillAt)
	hook := func(_ context.Context, cp agent.Checkpoint) {
		if cp.Step == killAt {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	a, _, _, err := crashAgent(ctx, db, os.Getenv(crashMerchant), os.Getenv(crashPaynet), hook)
	if err != nil {
		fail("wire agent: %v", err)
	}
	res, err := a.Run(ctx, agent.Request{Text: "two large oat milk lattes", UserID: "crash", SessionID: os.Getenv(crashSession), Mandate: runMandate()})
	if err != nil {
		fail("run: %v", err)
	}
	fail("finished with status %s without reaching checkpoint %q", res.Status, killAt)
}

func TestCrashAtEveryPaymentStepConverges(t *testing.T) {
	if os.Getenv(crashRole) == "worker" {
		crashWorker()
		return
	}
	if testing.Short() {
		t.Skip("starts a child process per checkpoint")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("cannot re-execute the test binary: %v", err)
	}
	world, err := merchants.LoadWorldBytes("crash-world.yaml", []byte(crashWorld))
	if err != nil {
		t.Fatal(err)
	}
	const total = 3600 // 2 × ¥18.00, free shipping over ¥30

	for _, tc := range []struct {
		killAt string
		// what the crash left behind, before the restart
		ordersAtCrash int
		holdAtCrash   string // "" none, else the hold's status
		// refuse: the payment network refuses every delegation after the
		// restart, so the session must end with nothing charged
		refuse bool
	}{
		{killAt: agent.CheckpointQuoted},
		{killAt: agent.CheckpointHeld, holdAtCrash: wallet.HoldOpen},
		{killAt: agent.CheckpointToken, holdAtCrash: wallet.HoldOpen},
		{killAt: agent.CheckpointCompleted, ordersAtCrash: 1, holdAtCrash: wallet.HoldOpen},
		{killAt: agent.CheckpointRecorded, ordersAtCrash: 1, holdAtCrash: wallet.HoldOpen},
		{killAt: agent.CheckpointCaptured, ordersAtCrash: 1, holdAtCrash: wallet.HoldCaptured},
		{killAt: agent.CheckpointHeld, holdAtCrash: wallet.HoldOpen, refuse: true},
	} {
		name := "killed after " + tc.killAt
		if tc.refuse {
			name += ", payment refused after restart"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			running, err := merchants.Start(ctx, world, merchants.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			defer running.Close()
			eng := running.Engine("brew")
			statePath := filepath.Join(t.TempDir(), "state.db")
			sessionID := "s_crash_" + tc.killAt

			// The parent funds the wallet; the child does the shopping.
			db, err := store.Open(ctx, statePath)
			if err != nil {
				t.Fatal(err)
			}
			w, err := wallet.Open(ctx, wallet.Config{DB: db, Currency: cny, ID: crashWalletID})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.TopUp(ctx, "fund", y(100), "crash test"); err != nil {
				t.Fatal(err)
			}
			db.Close()

			cmd := exec.CommandContext(ctx, exe, "-test.run=^TestCrashAtEveryPaymentStepConverges$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashRole+"=worker", crashState+"="+statePath, crashMerchant+"="+running.URL("brew"),
				crashPaynet+"="+running.PaynetURL, crashKillAt+"="+tc.killAt, crashSession+"="+sessionID)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("child: want death by SIGKILL, got err=%v\n%s", err, out)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child: want death by SIGKILL, got %v\n%s", err, out)
			}

			// What the crash left behind is what the checkpoint promises.
			if n := len(eng.Orders()); n != tc.ordersAtCrash {
				t.Fatalf("orders at the merchant after the crash: %d, want %d", n, tc.ordersAtCrash)
			}
			db, err = store.Open(ctx, statePath)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tc.refuse {
				running.Paynet.SetVerifier(func(context.Context, paynet.DelegateRequest) error {
					return errors.New("card frozen by the issuer")
				})
			}
			a, w2, log, err := crashAgent(ctx, db, running.URL("brew"), running.PaynetURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			holds, err := w2.Holds(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.holdAtCrash == "" && len(holds) != 0:
				t.Fatalf("holds after the crash: %+v, want none", holds)
			case tc.holdAtCrash != "" && (len(holds) != 1 || holds[0].Status != tc.holdAtCrash):
				t.Fatalf("holds after the crash: %+v, want one %s", holds, tc.holdAtCrash)
			}
			if s, err := a.Session(ctx, sessionID); err != nil || s.Status != agent.StatusRunning {
				t.Fatalf("session after the crash: %+v, %v; want it running", s, err)
			}

			res, err := a.Resume(ctx, sessionID)
			if err != nil {
				t.Fatalf("resume: %v", err)
			}

			captures := running.Paynet.Captures()
			orders := eng.Orders()
			holds, err = w2.Holds(ctx)
			if err != nil {
				t.Fatal(err)
			}
			bal, err := w2.Balance(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := w2.CheckInvariants(ctx); err != nil {
				t.Errorf("wallet ledger: %v", err)
			}
			if len(holds) != 1 {
				t.Fatalf("wallet holds: %+v, want exactly one", holds)
			}
			if tc.refuse {
				if res.Status != agent.StatusFailed || len(res.Orders) != 0 || res.Charged.Minor != 0 {
					t.Errorf("result: status %s, %d order(s), charged %s; want failed, none, 0", res.Status, len(res.Orders), res.Charged)
				}
				if len(orders) != 0 || len(captures) != 0 {
					t.Errorf("merchant orders %d, network captures %d; want none", len(orders), len(captures))
				}
				if holds[0].Status != wallet.HoldReleased || bal.Held.Minor != 0 || bal.Spent.Minor != 0 || bal.Available != y(100) {
					t.Errorf("wallet: hold %+v, balance %+v; want the hold released and ¥100.00 available", holds[0], bal)
				}
			} else {
				if res.Status != agent.StatusBought || len(res.Orders) != 1 || res.Charged.Minor != total {
					t.Fatalf("result: status %s, %d order(s), charged %s; want bought, one order, ¥36.00\n%v", res.Status, len(res.Orders), res.Charged, res.Errors)
				}
				if len(orders) != 1 || orders[0].ID != res.Orders[0].ID || orders[0].Total.Minor != total {
					t.Errorf("merchant orders %+v, want exactly the session's order %s", orders, res.Orders[0].ID)
				}
				if len(captures) != 1 {
					t.Errorf("network captures %+v, want exactly one", captures)
				}
				for _, c := range captures {
					if c.Amount.Minor != total || c.MerchantID != "brew" {
						t.Errorf("capture %+v, want ¥36.00 at brew", c)
					}
				}
				if net := running.Paynet.Net()["brew"]; net != total {
					t.Errorf("network net for brew %d, want %d", net, total)
				}
				if holds[0].Status != wallet.HoldCaptured || holds[0].Captured.Minor != total ||
					bal.Spent.Minor != total || bal.Held.Minor != 0 || bal.Available != y(64) {
					t.Errorf("wallet: hold %+v, balance %+v; want one capture of ¥36.00 and ¥64.00 available", holds[0], bal)
				}
			}

			// A second resume is a no-op: the session is finished.
			again, err := a.Resume(ctx, sessionID)
			if err != nil || again.Status != res.Status || len(eng.Orders()) != len(orders) || len(running.Paynet.Captures()) != len(captures) {
				t.Errorf("second resume: %v, %v; it must change nothing", again, err)
			}
			// The audit chain survived the kill: every entry still links.
			if n, err := log.Verify(ctx, ""); err != nil || n == 0 {
				t.Errorf("audit chain after crash and resume: %d entries, %v", n, err)
			}
		})
	}
}
