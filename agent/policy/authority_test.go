package policy_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// authority wires every payment-authority part as the runtime does: policy
// engine, wallet, mandate rail, the payment network with the mandate
// verifier, and the audit log.
type authority struct {
	w      *wallet.Wallet
	e      *policy.Engine
	rail   *mandate.Rail
	net    *paynet.Network
	log    *audit.Log
	intent mandate.Intent
	now    time.Time
}

func newAuthority(t *testing.T) *authority {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := &authority{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return a.now }
	_, user, _ := ed25519.GenerateKey(rand.Reader)
	_, agentKey, _ := ed25519.GenerateKey(rand.Reader)
	a.w, _ = wallet.Open(ctx, wallet.Config{DB: db, Currency: "CNY", Now: clock})
	a.w.TopUp(ctx, "fund", skills.M(100000, "CNY"), "")
	ms, _ := mandate.OpenStore(ctx, db)
	a.log, _ = audit.Open(ctx, audit.Config{DB: db, Key: agentKey, Now: clock})
	capAmt := skills.M(2000, "CNY")
	a.intent = mandate.Intent{UserID: "alice", Currency: "CNY", MaxTotal: skills.M(5000, "CNY"), PerItemCap: &capAmt,
		Budget: &mandate.Budget{Amount: skills.M(10000, "CNY"), Period: mandate.PeriodWeek}, Merchants: []string{"brewlab"},
		Categories: []string{"coffee"}, NotBefore: a.now.Add(-time.Hour), ExpiresAt: a.now.Add(24 * time.Hour)}
	a.intent.Sign(user)
	ms.Save(ctx, a.intent)
	trust := mandate.Trust{Users: map[string]string{"alice": mandate.PublicKeyString(user.Public().(ed25519.PublicKey))},
		Agents: []string{mandate.PublicKeyString(agentKey.Public().(ed25519.PublicKey))}, AllowAgentAttestedCarts: true}
	a.e = &policy.Engine{Trust: trust, Store: ms, Wallet: a.w, RequireSigned: true}
	v := &mandate.DelegationVerifier{Trust: trust, Store: ms, Now: clock,
		Spent: func(ctx context.Context, _ mandate.Intent, from, to time.Time) (skills.Money, error) {
			return a.w.Spent(ctx, from, to)
		}}
	a.net = paynet.New(paynet.Config{Verifier: v.Hook(), Now: clock})
	srv := httptest.NewServer(a.net.Handler())
	t.Cleanup(srv.Close)
	dr, _ := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: srv.URL, Now: clock, Retries: -1})
	a.rail = &mandate.Rail{Delegated: dr, Store: ms, AgentKey: agentKey, Now: clock}
	return a
}

// pay runs the runtime's payment step for one crafted basket: policy (unless
// skipped, as a compromised runtime would), hold, credential, and on any
// refusal release; every step is audited. It returns the outcome code.
func (a *authority) pay(t *testing.T, in agent.PolicyInput, skipPolicy bool) string {
	ctx := context.Background()
	sess := in.SessionID
	if !skipPolicy {
		d, err := a.e.Decide(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		a.log.Record(ctx, sess, audit.KindDecision, d)
		if d.Action != agent.ActionPay {
			return d.Action + ":" + d.Reasons[0].Code
		}
	}
	q := in.Quotes[0]
	hold, err := a.w.Hold(ctx, sess+"/hold", q.Total, "session "+sess)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := a.rail.Credential(ctx, agent.CredentialRequest{SessionID: sess, IdempotencyKey: sess + "/cred", Merchant: q.Merchant,
		Quote: q, Amount: q.Total, Mandate: in.Mandate})
	if err != nil {
		a.w.Release(ctx, sess+"/release", hold)
		a.log.Record(ctx, sess, audit.KindError, map[string]string{"step": "token", "error": err.Error()})
		return "rail:" + err.Error()
	}
	a.log.Record(ctx, sess, audit.KindToken, map[string]string{"merchant": q.Merchant}) // never the token itself
	if _, err := a.net.Capture(ctx, paynet.CaptureRequest{Token: cred.Token, MerchantID: q.Merchant, SessionID: q.ID, Amount: q.Total, IdempotencyKey: sess}); err != nil {
		a.w.Release(ctx, sess+"/release", hold)
		return "capture:" + err.Error()
	}
	a.w.Capture(ctx, sess+"/capture", hold, q.Total)
	a.log.Record(ctx, sess, audit.KindPayment, q.Total)
	return "paid"
}

func (a *authority) basket(t *testing.T, sess, merchant, sku, category string, qty int, unit int64, addOn *skills.QuoteLine) agent.PolicyInput {
	m, err := mandate.AgentMandate(a.intent)
	if err != nil {
		t.Fatal(err)
	}
	c := func(v int64) skills.Money { return skills.M(v, "CNY") }
	q := skills.Quote{ID: "cs_" + sess, Merchant: merchant, Discount: c(0), Shipping: c(0),
		Lines: []skills.QuoteLine{{SKU: sku, Title: sku, Quantity: qty, UnitPrice: c(unit), Total: c(unit * int64(qty))}}}
	if addOn != nil {
		q.Lines = append(q.Lines, *addOn)
	}
	for _, l := range q.Lines {
		q.Subtotal.Minor += l.Total.Minor
	}
	q.Subtotal.Currency = "CNY"
	q.Total = q.Subtotal
	return agent.PolicyInput{SessionID: sess, UserID: "alice", Intent: planner.Intent{Currency: "CNY"}, Mandate: m,
		Quotes: []skills.Quote{q}, Total: q.Total, Requested: map[string]map[string]int{merchant: {sku: qty}},
		Categories: map[string]string{merchant + "/" + sku: category}, Now: a.now}
}

// TestCannotPayOutsideTheMandate: however the basket is crafted — and even
// when the runtime skips the policy — nothing outside the signed mandate is
// charged, and the reason is in the audit log.
func TestCannotPayOutsideTheMandate(t *testing.T) {
	ctx := context.Background()
	cookie := &skills.QuoteLine{SKU: "cookie", Title: "Cookie", Quantity: 1, UnitPrice: skills.M(300, "CNY"), Total: skills.M(300, "CNY"), AddOn: true}
	cases := []struct {
		name    string
		basket  func(a *authority) agent.PolicyInput
		prepare func(a *authority)
		policy  string // reason code the policy gives
		network string // reason the rail/network gives when the policy is skipped
	}{
		{"wrong merchant", func(a *authority) agent.PolicyInput {
			return a.basket(t, "s1", "evilmart", "latte", "coffee", 2, 1500, nil)
		}, nil,
			policy.MerchantNotAllowed, mandate.CodeMerchant},
		{"over item cap", func(a *authority) agent.PolicyInput {
			return a.basket(t, "s2", "brewlab", "gold-latte", "coffee", 1, 2500, nil)
		}, nil,
			policy.OverItemCap, mandate.CodeOverItemCap},
		{"over mandate total", func(a *authority) agent.PolicyInput {
			return a.basket(t, "s3", "brewlab", "latte", "coffee", 4, 1500, nil)
		}, nil,
			policy.OverMandateTotal, mandate.CodeOverTotal},
		{"cumulative budget exceeded", func(a *authority) agent.PolicyInput {
			return a.basket(t, "s4", "brewlab", "latte", "coffee", 2, 1500, nil)
		},
			func(a *authority) {
				h, _ := a.w.Hold(ctx, "earlier", skills.M(8000, "CNY"), "")
				a.w.Capture(ctx, "earlier-c", h, skills.M(8000, "CNY"))
			}, policy.CumulativeBudgetExceeded, mandate.CodeBudgetExceeded},
		{"expired mandate", func(a *authority) agent.PolicyInput {
			a.now = a.now.Add(48 * time.Hour)
			return a.basket(t, "s5", "brewlab", "latte", "coffee", 2, 1500, nil)
		}, nil, policy.MandateExpired, mandate.CodeExpired},
		{"model-proposed add-on", func(a *authority) agent.PolicyInput {
			return a.basket(t, "s6", "brewlab", "latte", "coffee", 2, 1500, cookie)
		}, nil,
			policy.UnrequestedAddOn, mandate.CodeUnrequestedAddOn},
		{"forged mandate", func(a *authority) agent.PolicyInput {
			in := a.basket(t, "s7", "brewlab", "latte", "coffee", 2, 1500, nil)
			in.Mandate.Signed = json.RawMessage(strings.Replace(string(in.Mandate.Signed), `"amount":5000`, `"amount":900000`, 1))
			return in
		}, nil, policy.MandateInvalid, mandate.CodeBadSignature},
	}
	for _, c := range cases {
		for _, skip := range []bool{false, true} {
			name := c.name + "/policy"
			if skip {
				name = c.name + "/policy skipped"
			}
			t.Run(name, func(t *testing.T) {
				a := newAuthority(t)
				if c.prepare != nil {
					c.prepare(a)
				}
				before, _ := a.w.Balance(ctx)
				in := c.basket(a)
				got := a.pay(t, in, skip)
				want := "refuse:" + c.policy
				if skip {
					want = c.network
				}
				if !strings.Contains(got, want) {
					t.Fatalf("outcome %q, want %q", got, want)
				}
				after, _ := a.w.Balance(ctx)
				if after.Spent != before.Spent || after.Available != before.Available || after.Held.Minor != 0 {
					t.Fatalf("money moved: %+v → %+v", before, after)
				}
				if len(a.net.Ledger()) != 0 {
					t.Fatal("the network captured something")
				}
				es, _ := a.log.Entries(ctx, in.SessionID)
				if len(es) == 0 || !strings.Contains(string(es[len(es)-1].Payload), strings.TrimPrefix(want, "refuse:")) {
					t.Fatalf("reason not audited: %+v", es)
				}
				if _, err := a.log.Verify(ctx, ""); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	t.Run("reused token", func(t *testing.T) {
		a := newAuthority(t)
		in := a.basket(t, "s8", "brewlab", "latte", "coffee", 2, 1500, nil)
		if got := a.pay(t, in, false); got != "paid" {
			t.Fatal(got)
		}
		// a crashed runtime replaying the whole payment: every step replays, nothing twice
		if got := a.pay(t, in, true); got != "paid" {
			t.Fatalf("replay: %s", got)
		}
		// the merchant capturing the same single-use token again: declined
		cred, err := a.rail.Credential(ctx, agent.CredentialRequest{SessionID: "s8", IdempotencyKey: "s8/cred", Merchant: "brewlab",
			Quote: in.Quotes[0], Amount: in.Quotes[0].Total, Mandate: in.Mandate})
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.net.Capture(ctx, paynet.CaptureRequest{Token: cred.Token, MerchantID: "brewlab", SessionID: in.Quotes[0].ID,
			Amount: in.Quotes[0].Total, IdempotencyKey: "second-capture"})
		if err == nil || !strings.Contains(err.Error(), "token_used") {
			t.Fatalf("reused token: %v", err)
		}
		// and a fresh payment mandate for the already-paid cart gets no new token
		_, err = a.rail.Credential(ctx, agent.CredentialRequest{SessionID: "s8", IdempotencyKey: "s8/cred-again", Merchant: "brewlab",
			Quote: in.Quotes[0], Amount: in.Quotes[0].Total, Mandate: in.Mandate})
		if err == nil || !strings.Contains(err.Error(), mandate.CodeReplayed) {
			t.Fatalf("second token for the same cart: %v", err)
		}
		b, _ := a.w.Balance(ctx)
		if b.Spent.Minor != 3000 || b.Held.Minor != 0 {
			t.Fatalf("%+v", b)
		}
	})
}
