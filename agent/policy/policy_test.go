package policy

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
	"github.com/cartwright-agent/cartwright/skills/store"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func cny(v int64) skills.Money { return skills.M(v, "CNY") }
func pm(v int64) *skills.Money { m := cny(v); return &m }

func baseInput() Input {
	return Input{
		Now: now,
		Mandate: &Limits{ID: "im_1", Currency: "CNY", MaxTotal: pm(5000), PerItemCap: pm(2000), Budget: pm(10000),
			Merchants: []string{"brewlab", "beanhub"}, Categories: []string{"coffee"}, ConfirmAbove: pm(4000),
			NotBefore: now.Add(-time.Hour), ExpiresAt: now.Add(24 * time.Hour)},
		Available: cny(50000), SpentInPeriod: cny(0), Paid: cny(0),
		Carts: []Cart{{
			Quote: skills.Quote{ID: "cs_1", Merchant: "brewlab", Total: cny(3500), Lines: []skills.QuoteLine{
				{SKU: "latte", Title: "Oat latte", Quantity: 2, UnitPrice: cny(1500), Total: cny(3000)}}},
			Requested: map[string]int{"latte": 2}, Categories: map[string]string{"latte": "coffee"}, Predicted: pm(3500),
		}},
	}
}

func codes(d Decision) string {
	var c []string
	for _, r := range d.Reasons {
		c = append(c, r.Code)
	}
	return strings.Join(c, ",")
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name   string
		mut    func(*Input)
		action string
		code   string // must appear among the reasons
	}{
		{"within everything", func(*Input) {}, agent.ActionPay, WithinMandate},
		{"over request budget", func(in *Input) { in.Budget = pm(3000) }, agent.ActionRefuse, OverBudget},
		{"over mandate total", func(in *Input) { in.Paid = cny(2000) }, agent.ActionRefuse, OverMandateTotal},
		{"over item cap", func(in *Input) { in.Carts[0].Quote.Lines[0].UnitPrice = cny(2100) }, agent.ActionRefuse, OverItemCap},
		{"cumulative budget", func(in *Input) { in.SpentInPeriod = cny(7000) }, agent.ActionRefuse, CumulativeBudgetExceeded},
		{"merchant not in mandate", func(in *Input) { in.Carts[0].Quote.Merchant = "evilmart" }, agent.ActionRefuse, MerchantNotAllowed},
		{"merchant denied by request", func(in *Input) { in.DenyMerch = []string{"BrewLab"} }, agent.ActionRefuse, MerchantNotAllowed},
		{"category not in mandate", func(in *Input) { in.Carts[0].Categories["latte"] = "alcohol" }, agent.ActionRefuse, CategoryNotAllowed},
		{"category unknown", func(in *Input) { delete(in.Carts[0].Categories, "latte") }, agent.ActionRefuse, CategoryNotAllowed},
		{"price rose", func(in *Input) { in.Carts[0].Predicted = pm(3400) }, agent.ActionConfirm, PriceRose},
		{"add-on", func(in *Input) {
			in.Carts[0].Quote.Lines = append(in.Carts[0].Quote.Lines, skills.QuoteLine{SKU: "cookie", Title: "Cookie", Quantity: 1, UnitPrice: cny(300), Total: cny(300), AddOn: true})
		}, agent.ActionRefuse, UnrequestedAddOn},
		{"unrequested item", func(in *Input) {
			in.Carts[0].Quote.Lines = append(in.Carts[0].Quote.Lines, skills.QuoteLine{SKU: "mug", Title: "Mug", Quantity: 1, UnitPrice: cny(300), Total: cny(300)})
			in.Carts[0].Categories["mug"] = "coffee"
		}, agent.ActionRefuse, UnrequestedItem},
		{"quantity", func(in *Input) { in.Carts[0].Requested["latte"] = 1 }, agent.ActionRefuse, QuantityMismatch},
		{"requested line missing", func(in *Input) { in.Carts[0].Requested["scone"] = 1 }, agent.ActionRefuse, QuantityMismatch},
		{"expired", func(in *Input) { in.Now = now.Add(25 * time.Hour) }, agent.ActionRefuse, MandateExpired},
		{"not yet valid", func(in *Input) { in.Now = now.Add(-2 * time.Hour) }, agent.ActionRefuse, MandateExpired},
		{"revoked", func(in *Input) { in.Mandate.Revoked = true }, agent.ActionRefuse, MandateRevoked},
		{"invalid signature", func(in *Input) { in.Mandate.Invalid = "bad signature" }, agent.ActionRefuse, MandateInvalid},
		{"insufficient funds", func(in *Input) { in.Available = cny(3499) }, agent.ActionRefuse, InsufficientFunds},
		{"currency", func(in *Input) { in.Carts[0].Quote.Total = skills.M(3500, "USD") }, agent.ActionRefuse, CurrencyMismatch},
		{"confirm above", func(in *Input) { in.Mandate.ConfirmAbove = pm(3000) }, agent.ActionConfirm, ConfirmAboveThreshold},
		{"mandate requires confirmation", func(in *Input) { in.Mandate.RequireConfirmation = true }, agent.ActionConfirm, UserRequiresConfirmation},
		{"user requires confirmation", func(in *Input) { in.UserRequiresConfirmation = true }, agent.ActionConfirm, UserRequiresConfirmation},
		{"no mandate: ask", func(in *Input) { in.Mandate = nil }, agent.ActionConfirm, UserRequiresConfirmation},
		{"refuse beats confirm", func(in *Input) { in.Mandate.RequireConfirmation = true; in.Available = cny(0) }, agent.ActionRefuse, UserRequiresConfirmation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := baseInput()
			c.mut(&in)
			d := Decide(in)
			if d.Action != c.action || !strings.Contains(","+codes(d)+",", ","+c.code+",") {
				t.Fatalf("got %s [%s], want %s with %s", d.Action, codes(d), c.action, c.code)
			}
			again := Decide(in)
			if codes(again) != codes(d) || again.Action != d.Action {
				t.Fatal("not deterministic")
			}
		})
	}
}

// engineWorld is a signed mandate, a wallet and the engine.
type engineWorld struct {
	e      *Engine
	w      *wallet.Wallet
	s      *mandate.Store
	intent mandate.Intent
	user   ed25519.PrivateKey
}

func newEngineWorld(t testing.TB) *engineWorld {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, user, _ := ed25519.GenerateKey(rand.Reader)
	ew := &engineWorld{user: user}
	ew.w, err = wallet.Open(ctx, wallet.Config{DB: db, Currency: "CNY", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ew.w.TopUp(ctx, "t", cny(50000), "")
	ew.s, _ = mandate.OpenStore(ctx, db)
	cap := cny(2000)
	ew.intent = mandate.Intent{UserID: "alice", Currency: "CNY", MaxTotal: cny(5000), PerItemCap: &cap,
		Budget: &mandate.Budget{Amount: cny(10000), Period: mandate.PeriodWeek}, Merchants: []string{"brewlab"},
		Categories: []string{"coffee"}, NotBefore: now.Add(-time.Hour), ExpiresAt: now.Add(24 * time.Hour)}
	ew.intent.Sign(user)
	ew.e = &Engine{Trust: mandate.Trust{Users: map[string]string{"alice": mandate.PublicKeyString(user.Public().(ed25519.PublicKey))}},
		Store: ew.s, Wallet: ew.w, RequireSigned: true}
	return ew
}

func (ew *engineWorld) input(t testing.TB) agent.PolicyInput {
	m, err := mandate.AgentMandate(ew.intent)
	if err != nil {
		t.Fatal(err)
	}
	q := skills.Quote{ID: "cs_1", Merchant: "brewlab", Total: cny(3500), Lines: []skills.QuoteLine{
		{SKU: "latte", Title: "Oat latte", Quantity: 2, UnitPrice: cny(1500), Total: cny(3000)}}}
	return agent.PolicyInput{SessionID: "s", UserID: "alice", Intent: planner.Intent{Currency: "CNY"}, Mandate: m,
		Quotes: []skills.Quote{q}, Total: cny(3500), Requested: map[string]map[string]int{"brewlab": {"latte": 2}},
		Categories: map[string]string{"brewlab/latte": "coffee"}, Now: now}
}

// TestEngineCannotBeWidened: however the planner's intent or the runtime's
// unsigned copy of the mandate is crafted, the signed mandate decides.
func TestEngineCannotBeWidened(t *testing.T) {
	ctx := context.Background()
	ew := newEngineWorld(t)
	d, err := ew.e.Decide(ctx, ew.input(t))
	if err != nil || d.Action != agent.ActionPay {
		t.Fatalf("baseline: %+v %v", d, err)
	}
	cases := []struct {
		name string
		mut  func(*agent.PolicyInput)
		want string
	}{
		{"planner allows any merchant, quote from evilmart", func(in *agent.PolicyInput) {
			in.Intent.Merch = planner.Lists{Allow: []string{"evilmart"}}
			in.Quotes[0].Merchant = "evilmart"
			in.Requested = map[string]map[string]int{"evilmart": {"latte": 2}}
			in.Categories = map[string]string{"evilmart/latte": "coffee"}
		}, MerchantNotAllowed},
		{"runtime copy of the mandate widened", func(in *agent.PolicyInput) {
			big := cny(1 << 40)
			in.Mandate.MaxTotal, in.Mandate.Merchants = &big, nil
			in.Quotes[0].Merchant = "evilmart"
			in.Requested = map[string]map[string]int{"evilmart": {"latte": 2}}
		}, MerchantNotAllowed},
		{"signed document edited", func(in *agent.PolicyInput) {
			in.Mandate.Signed = json.RawMessage(strings.Replace(string(in.Mandate.Signed), `"amount":5000`, `"amount":500000`, 1))
		}, MandateInvalid},
		{"unsigned mandate", func(in *agent.PolicyInput) { in.Mandate.Signed = nil }, MandateInvalid},
		{"over item cap", func(in *agent.PolicyInput) {
			in.Quotes[0].Lines[0].UnitPrice, in.Quotes[0].Lines[0].Quantity = cny(3500), 1
			in.Quotes[0].Lines[0].Total = cny(3500)
			in.Requested["brewlab"]["latte"] = 1
		}, OverItemCap},
		{"model-proposed add-on", func(in *agent.PolicyInput) {
			in.Quotes[0].Lines = append(in.Quotes[0].Lines, skills.QuoteLine{SKU: "cookie", Title: "Cookie", Quantity: 1, UnitPrice: cny(300), Total: cny(300)})
			in.Quotes[0].Total = cny(3800)
		}, UnrequestedItem},
		{"expired", func(in *agent.PolicyInput) { in.Now = now.Add(48 * time.Hour) }, MandateExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ew.input(t)
			c.mut(&in)
			d, err := ew.e.Decide(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Action != agent.ActionRefuse || !strings.Contains(codesA(d), c.want) {
				t.Fatalf("got %s [%s], want refuse with %s", d.Action, codesA(d), c.want)
			}
		})
	}
	// cumulative budget: spend recorded in the wallet counts
	h, _ := ew.w.Hold(ctx, "h", cny(8000), "")
	ew.w.Capture(ctx, "c", h, cny(8000))
	d, _ = ew.e.Decide(ctx, ew.input(t))
	if d.Action != agent.ActionRefuse || !strings.Contains(codesA(d), CumulativeBudgetExceeded) {
		t.Fatalf("budget: %+v", d)
	}
	ew.s.Revoke(ctx, ew.intent.ID, "test")
	d, _ = ew.e.Decide(ctx, ew.input(t))
	if !strings.Contains(codesA(d), MandateRevoked) {
		t.Fatalf("revoked: %+v", d)
	}
}

func codesA(d agent.Decision) string {
	var c []string
	for _, r := range d.Reasons {
		c = append(c, r.Code)
	}
	return strings.Join(c, ",")
}

// BenchmarkDecide measures one policy decision on a two-merchant basket.
func BenchmarkDecide(b *testing.B) {
	in := baseInput()
	c2 := in.Carts[0]
	c2.Quote.Merchant = "beanhub"
	in.Carts = append(in.Carts, c2)
	in.Mandate.MaxTotal = pm(10000)
	for i := 0; i < b.N; i++ {
		if d := Decide(in); d.Action == "" {
			b.Fatal(d)
		}
	}
}

// BenchmarkEngine includes signature verification and the wallet reads.
func BenchmarkEngine(b *testing.B) {
	ew := newEngineWorld(b)
	in := ew.input(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ew.e.Decide(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestX402CountsAgainstMandate: micro-payments are decided like any spend.
func TestX402CountsAgainstMandate(t *testing.T) {
	ctx := context.Background()
	ew := newEngineWorld(t)
	ew.intent.Merchants = []string{"brewlab", "pricewatch"}
	ew.intent.Categories = []string{"coffee", CategoryX402}
	ew.intent.Sign(ew.user)
	m, _ := mandate.AgentMandate(ew.intent)
	approve := ew.e.X402Approver(m, func() time.Time { return now })
	charge := pay.X402Charge{Resource: "https://pricewatch/history", PayTo: "pricewatch", Network: pay.NetworkLedger, Amount: cny(5)}
	if err := approve(ctx, charge); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]pay.X402Charge{
		"payee not in mandate": {Resource: "r", PayTo: "datahoarder", Amount: cny(5)},
		"over item cap":        {Resource: "r", PayTo: "pricewatch", Amount: cny(2001)},
		"other currency":       {Resource: "r", PayTo: "pricewatch", Amount: skills.M(5, "USD")},
	} {
		if err := approve(ctx, c); err == nil {
			t.Errorf("%s approved", name)
		}
	}
	// spend and holds count: 8000 captured + 1995 held leaves 5 of the 10000 budget
	h, _ := ew.w.Hold(ctx, "h", cny(8000), "")
	ew.w.Capture(ctx, "c", h, cny(8000))
	ew.w.Hold(ctx, "h2", cny(1995), "")
	if err := approve(ctx, charge); err != nil {
		t.Fatalf("last 5 of the budget: %v", err)
	}
	charge.Amount = cny(6)
	if err := approve(ctx, charge); err == nil || !strings.Contains(err.Error(), CumulativeBudgetExceeded) {
		t.Fatalf("over budget: %v", err)
	}
	// no mandate: nothing approved
	if err := ew.e.X402Approver(nil, nil)(ctx, charge); err == nil {
		t.Fatal("approved without a mandate")
	}
}

// TestCurrencyMessageNamesTheMandate: a USD mandate against CNY carts names
// which side is in which currency (QA: it said "the basket is in USD").
func TestCurrencyMessageNamesTheMandate(t *testing.T) {
	in := baseInput()
	in.Mandate.Currency = "USD"
	usd := func(v int64) *skills.Money { m := skills.M(v, "USD"); return &m }
	in.Mandate.MaxTotal, in.Mandate.PerItemCap, in.Mandate.Budget, in.Mandate.ConfirmAbove = usd(5000), usd(2000), usd(10000), usd(4000)
	in.Available, in.SpentInPeriod, in.Paid = skills.M(50000, "USD"), skills.M(0, "USD"), skills.M(0, "USD")
	d := Decide(in)
	if d.Action != agent.ActionRefuse {
		t.Fatalf("action %s", d.Action)
	}
	var detail string
	for _, r := range d.Reasons {
		if r.Code == CurrencyMismatch {
			detail = r.Detail
		}
	}
	if !strings.Contains(detail, "the mandate is in USD and the basket in CNY") || strings.Contains(detail, "basket is in USD") {
		t.Fatalf("currency reason %q", detail)
	}
}

// TestRequirementFacts: the requirement check's findings reach the
// decision through the engine — a conflict refuses (whatever else would
// allow it), an unverified requirement asks.
func TestRequirementFacts(t *testing.T) {
	conflict := agent.RequirementFact{Merchant: "brewlab", SKU: "latte", Code: RequirementConflict, Detail: `"oat" conflicts: the product has milk = whole`}
	unverified := agent.RequirementFact{Merchant: "brewlab", SKU: "latte", Code: RequirementUnverified, Detail: `"pizza" → item has no evidence`}
	for _, c := range []struct {
		facts  []agent.RequirementFact
		action string
		code   string
	}{
		{[]agent.RequirementFact{conflict}, agent.ActionRefuse, RequirementConflict},
		{[]agent.RequirementFact{unverified}, agent.ActionConfirm, RequirementUnverified},
		{[]agent.RequirementFact{unverified, conflict}, agent.ActionRefuse, RequirementConflict},
	} {
		in := baseInput()
		in.Requirements = c.facts
		d := Decide(in)
		if d.Action != c.action || !strings.Contains(codes(d), c.code) {
			t.Errorf("Decide %v: %s %s, want %s with %s", c.facts, d.Action, codes(d), c.action, c.code)
		}
		// the engine carries the runtime's facts into its input
		e := &Engine{}
		x, err := e.Input(context.Background(), agent.PolicyInput{Requirements: c.facts, Now: now})
		if err != nil || len(x.Requirements) != len(c.facts) {
			t.Errorf("Engine.Input dropped the requirement facts: %v %v", x.Requirements, err)
		}
	}
}
