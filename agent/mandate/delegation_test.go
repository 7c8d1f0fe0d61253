package mandate

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

// world is the delegated-payment path end to end: the rail builds the chain,
// the mock payment network's hook verifies it before issuing a token.
type world struct {
	*fixture
	store *Store
	w     *wallet.Wallet
	net   *paynet.Network
	rail  *Rail
	srv   *httptest.Server
	now   time.Time
}

func newWorld(t *testing.T) *world {
	ctx := context.Background()
	db := openDB(t)
	s, err := OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{fixture: newFixture(t), store: s, now: t0}
	clock := func() time.Time { return w.now }
	w.w, err = wallet.Open(ctx, wallet.Config{DB: db, Currency: "CNY", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.Save(ctx, w.intent); err != nil {
		t.Fatal(err)
	}
	v := &DelegationVerifier{Trust: w.trust, Store: s, Now: clock,
		Spent: func(ctx context.Context, _ Intent, from, to time.Time) (skills.Money, error) {
			return w.w.Spent(ctx, from, to)
		}}
	w.net = paynet.New(paynet.Config{Verifier: v.Hook(), Now: clock})
	w.srv = httptest.NewServer(w.net.Handler())
	t.Cleanup(w.srv.Close)
	dr, err := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: w.srv.URL, Now: clock, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	w.rail = &Rail{Delegated: dr, Store: s, AgentKey: w.agentK, Now: clock,
		Categories: func(_, sku string) string {
			if sku == "beer" {
				return "alcohol"
			}
			return "coffee"
		}}
	return w
}

func (w *world) request(t *testing.T, q skills.Quote, key string) agent.CredentialRequest {
	m, err := AgentMandate(w.intent)
	if err != nil {
		t.Fatal(err)
	}
	return agent.CredentialRequest{SessionID: "s1", IdempotencyKey: key, Merchant: q.Merchant, Quote: q, Amount: q.Total, Mandate: m}
}

func TestDelegatedPaymentThroughNetwork(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	cred, err := w.rail.Credential(ctx, w.request(t, w.quote, "s1/brewlab/cred"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cred.Token, "vt_") {
		t.Fatal(cred)
	}
	// a crashed runtime asking again with the same key gets the same token
	again, err := w.rail.Credential(ctx, w.request(t, w.quote, "s1/brewlab/cred"))
	if err != nil || again != cred {
		t.Fatalf("replay: %v %v", again, err)
	}
	// the token pays exactly this quote, once
	if _, err := w.net.Capture(ctx, paynet.CaptureRequest{Token: cred.Token, MerchantID: "brewlab", SessionID: "cs_1", Amount: cny(3500), IdempotencyKey: "c1"}); err != nil {
		t.Fatal(err)
	}
	_, err = w.net.Capture(ctx, paynet.CaptureRequest{Token: cred.Token, MerchantID: "brewlab", SessionID: "cs_1", Amount: cny(3500), IdempotencyKey: "c2"})
	if !errors.Is(err, paynet.ErrDeclined) {
		t.Fatalf("reused token: %v", err)
	}
}

// TestCannotPayOutsideMandate: however the quote handed to the rail is
// crafted, the network issues no token and names the reason.
func TestCannotPayOutsideMandate(t *testing.T) {
	ctx := context.Background()
	q := func(mut func(*skills.Quote)) skills.Quote {
		w := newFixture(t)
		c := w.quote
		c.Lines = append([]skills.QuoteLine(nil), c.Lines...)
		mut(&c)
		return c
	}
	cases := []struct {
		name  string
		quote skills.Quote
		setup func(*world)
		want  string
	}{
		{"wrong merchant", q(func(c *skills.Quote) { c.Merchant = "evilmart" }), nil, CodeMerchant},
		{"over per-item cap", q(func(c *skills.Quote) {
			c.Lines[0].UnitPrice, c.Lines[0].Quantity, c.Lines[0].Total = cny(2500), 1, cny(2500)
			c.Subtotal, c.Total = cny(2500), cny(3000)
		}), nil, CodeOverItemCap},
		{"over mandate total", q(func(c *skills.Quote) {
			c.Lines[0].Quantity, c.Lines[0].Total, c.Subtotal, c.Total = 3, cny(4500), cny(4500), cny(5000)
		}), nil, CodeOverTotal},
		{"model-proposed add-on", q(func(c *skills.Quote) {
			c.Lines = append(c.Lines, skills.QuoteLine{ID: "l2", SKU: "cookie", Title: "Cookie", Quantity: 1, UnitPrice: cny(300), Total: cny(300), AddOn: true})
			c.Subtotal, c.Total = cny(3300), cny(3800)
		}), nil, CodeUnrequestedAddOn},
		{"category not allowed", q(func(c *skills.Quote) { c.Lines[0].SKU = "beer" }), nil, CodeCategory},
		{"cumulative budget exceeded", q(func(*skills.Quote) {}), func(w *world) {
			w.w.TopUp(ctx, "t", cny(100000), "")
			h, _ := w.w.Hold(ctx, "h", cny(8000), "")
			w.w.Capture(ctx, "c", h, cny(8000))
		}, CodeBudgetExceeded},
		{"expired mandate", q(func(*skills.Quote) {}), func(w *world) { w.now = t0.Add(40 * 24 * time.Hour) }, CodeExpired},
		{"revoked mandate", q(func(*skills.Quote) {}), func(w *world) { w.store.Revoke(ctx, w.intent.ID, "test") }, CodeRevoked},
		{"inconsistent cart arithmetic", q(func(c *skills.Quote) { c.Total = cny(100) }), nil, CodeCartArithmetic},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			_, err := w.rail.Credential(ctx, w.request(t, tc.quote, "k-"+tc.name))
			// refused by the network's verifier, or before any request by the rail
			if !(errors.Is(err, pay.ErrRefused) || errors.Is(err, ErrVerify)) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a refusal naming %s", err, tc.want)
			}
			if n := len(w.net.Ledger()); n != 0 {
				t.Fatalf("ledger has %d entries", n)
			}
		})
	}
}

// TestForgedDelegations posts requests an attacker could craft directly.
func TestForgedDelegations(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	good := w.chain(t, w.quote)
	dr, _ := pay.NewDelegatedRail(pay.DelegatedConfig{BaseURL: w.srv.URL, Now: func() time.Time { return w.now }, Retries: -1})
	send := func(key string, ch Chain, amount skills.Money, session string) error {
		meta, _ := EncodeChain(ch)
		_, err := dr.Delegate(ctx, pay.Delegation{MerchantID: ch.Cart.MerchantID, CheckoutSessionID: session, Amount: amount, Metadata: meta, IdempotencyKey: key})
		return err
	}
	altered := good
	altered.Cart.Lines = append([]CartLine(nil), good.Cart.Lines...)
	altered.Cart.Lines[0].Quantity = 1
	cases := []struct {
		name    string
		err     error
		want    string
		refused bool
	}{
		{"no chain", func() error {
			_, err := dr.Delegate(ctx, pay.Delegation{MerchantID: "brewlab", CheckoutSessionID: "cs_1", Amount: cny(3500), IdempotencyKey: "n"})
			return err
		}(), "no mandate chain", true},
		{"allowance above the cart", send("a", good, cny(9999), "cs_1"), CodeAllowanceMismatch, true},
		{"allowance for another session", send("b", good, cny(3500), "cs_2"), CodeSessionMismatch, true},
		{"altered cart", send("c", altered, cny(3500), "cs_1"), CodeCartArithmetic, true},
	}
	for _, c := range cases {
		if !errors.Is(c.err, pay.ErrRefused) || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: got %v, want refusal naming %s", c.name, c.err, c.want)
		}
	}
	if err := send("ok", good, cny(3500), "cs_1"); err != nil {
		t.Fatalf("good chain refused: %v", err)
	}
	// the same payment mandate under a new idempotency key: a second token is refused
	if err := send("ok-again", good, cny(3500), "cs_1"); !errors.Is(err, pay.ErrRefused) || !strings.Contains(err.Error(), CodeReplayed) {
		t.Fatalf("replayed payment mandate: %v", err)
	}
	// malformed metadata
	_, err := dr.Delegate(ctx, pay.Delegation{MerchantID: "brewlab", CheckoutSessionID: "cs_1", Amount: cny(3500),
		Metadata: map[string]string{MetaChain: `{"intent_mandate": 5}`}, IdempotencyKey: "m"})
	if !errors.Is(err, pay.ErrRefused) || !strings.Contains(err.Error(), CodeMalformed) {
		t.Fatalf("malformed chain: %v", err)
	}
}

func TestRailNeedsMandate(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	req := w.request(t, w.quote, "k")
	req.Mandate = nil
	if _, err := w.rail.Credential(ctx, req); err == nil || !strings.Contains(err.Error(), "no signed mandate") {
		t.Fatalf("no mandate: %v", err)
	}
	// human present: a one-off intent bounded to exactly this quote
	w.rail.HumanPresent, w.rail.UserID = w.user, "alice"
	cred, err := w.rail.Credential(ctx, req)
	if err != nil || !strings.HasPrefix(cred.Token, "vt_") {
		t.Fatalf("human present: %v %v", cred, err)
	}
	req.Amount = cny(1)
	req.IdempotencyKey = "k2"
	if _, err := w.rail.Credential(ctx, req); err == nil {
		t.Fatal("amount other than the quote total accepted")
	}
}

var _ = acp.Version
