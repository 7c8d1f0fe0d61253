package agent_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

func coffeeEnv(t *testing.T, budget float64) (*env, *fakeMerchant, *fakeMerchant) {
	_, brew, corner := coffeeWorld()
	e := newEnv(t, 100, brew, corner)
	e.planner = &fixedPlanner{intent: latteIntent(2, budget)}
	return e, brew, corner
}

func run(t *testing.T, a *agent.Agent, req agent.Request) *agent.Result {
	t.Helper()
	if req.Text == "" {
		req.Text = "two large oat milk lattes under 40 yuan"
	}
	if req.Mandate == nil {
		req.Mandate = runMandate()
	}
	res, err := a.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// runMandate is what a shipped runtime always has when the user signed
// nothing: a one-run mandate with the CLI's default limits (max 500.00,
// confirm above 100.00). Without any mandate the policy engine asks the
// user about every basket.
func runMandate() *agent.Mandate {
	return &agent.Mandate{ID: "run", MaxTotal: yp(500), ConfirmAbove: yp(100)}
}

func explanation(r *agent.Result) string { return strings.Join(r.Explanation, "\n") }

func TestBuysTheOptimalBasketNotPerItemCheapest(t *testing.T) {
	e, brew, corner := coffeeEnv(t, 40)
	res := run(t, e.agent(), agent.Request{UserID: "alice"})
	if res.Status != agent.StatusBought {
		t.Fatalf("status %s: %s %v", res.Status, explanation(res), res.Errors)
	}
	// Per-item cheapest is corner (2 × ¥16.50 + ¥6 shipping = ¥39); brew
	// ships free over ¥30 and SAVE5 applies over ¥35: 2 × ¥18 − ¥5 = ¥31.
	if res.Charged != y(31) || res.Basket.Total != y(31) || res.Basket.Baseline != y(39) {
		t.Fatalf("charged %s basket %s baseline %s", res.Charged, res.Basket.Total, res.Basket.Baseline)
	}
	if len(res.Orders) != 1 || res.Orders[0].Merchant != "brew" || res.Orders[0].Lines[0].Quantity != 2 {
		t.Fatalf("orders %+v", res.Orders)
	}
	if got := e.available(); got != y(69) {
		t.Fatalf("wallet available %s, want ¥69.00", got)
	}
	if e.net.total() != 3100 {
		t.Fatalf("payment network captured %d", e.net.total())
	}
	if corner.orderCount() != 0 || brew.orderCount() != 1 {
		t.Fatal("wrong orders at merchants")
	}
	// Every offer is recorded with its verdict.
	reasons := map[string]string{}
	for _, c := range res.Considered {
		reasons[c.Product.SKU] = c.Reason
		if c.Accepted != (c.Reason == "") {
			t.Errorf("%s: accepted %v with reason %q", c.Product.SKU, c.Accepted, c.Reason)
		}
	}
	for sku, want := range map[string]string{"BR-OAT-M": `size is "medium"`, "BR-WHL-L": `milk is "whole"`, "CO-SOY-L": `milk is "soy"`, "BR-OAT-L": "", "CO-OAT-L": ""} {
		if got, ok := reasons[sku]; !ok || !strings.Contains(got, want) {
			t.Errorf("%s: reason %q, want %q (seen %v)", sku, got, want, ok)
		}
	}
	ex := explanation(res)
	for _, want := range []string{"per-item cheapest", "coupon SAVE5 at brew", "free shipping at brew", "policy: pay"} {
		if !strings.Contains(ex, want) {
			t.Errorf("explanation lacks %q:\n%s", want, ex)
		}
	}
	// Merchant round trips: the minimum is one search per merchant per item
	// plus one quote and one completion for the one merchant paid.
	c := res.Calls
	if c.Search != 2 || c.Quote != 1 || c.Complete != 1 || c.Minimum != 4 || c.Info != 2 || res.MerchantCalls != 6 {
		t.Fatalf("calls %+v total %d", c, res.MerchantCalls)
	}
	var names []string
	for _, s := range res.Steps {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "merchants,understand,search,compare,bundle,quote,policy,hold,pay" {
		t.Fatalf("steps %s", got)
	}
	if res.Steps[2].MerchantCalls != 2 {
		t.Fatalf("search step calls %d", res.Steps[2].MerchantCalls)
	}
	// The finished session is stored: Run with its id returns the result
	// without touching a merchant again.
	again := run(t, e.agent(), agent.Request{SessionID: res.SessionID, UserID: "alice"})
	if again.Status != agent.StatusBought || brew.orderCount() != 1 || brew.count("complete") != 1 {
		t.Fatal("replaying a finished session did work again")
	}
}

func TestRemovesPreselectedAddOn(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	brew.addOn = &skills.QuoteLine{ID: "li_addon", SKU: "ADDON-INSURE", Title: "Cup insurance", Quantity: 1, UnitPrice: y(2), Total: y(2), AddOn: true}
	res := run(t, e.agent(), agent.Request{})
	if res.Status != agent.StatusBought || res.Charged != y(31) {
		t.Fatalf("status %s charged %s", res.Status, res.Charged)
	}
	for _, l := range res.Orders[0].Lines {
		if l.AddOn || l.SKU == "ADDON-INSURE" {
			t.Fatal("paid for an add-on")
		}
	}
	if res.Calls.Quote != 2 || !strings.Contains(explanation(res), `removed brew's unrequested line "Cup insurance"`) {
		t.Fatalf("quotes %d:\n%s", res.Calls.Quote, explanation(res))
	}
}

func TestPriceRiseAtCompletionRedecidesAndAsks(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	brew.priceAt["BR-OAT-L"] = y(21)
	mandate := &agent.Mandate{MaxTotal: yp(40), ConfirmAbove: yp(32)}
	res := run(t, e.agent(), agent.Request{Mandate: mandate})
	// ¥31 paid without asking would have been fine; at completion brew
	// wants ¥21 a latte: 2 × ¥21 − ¥5 = ¥37 still beats corner's ¥39, but
	// is above the confirmation threshold, so the user is asked.
	if res.Status != agent.StatusBought || res.Charged != y(37) {
		t.Fatalf("status %s charged %s:\n%s", res.Status, res.Charged, explanation(res))
	}
	if e.confirm.asked != 1 || e.confirm.last.Total != y(37) || !res.Confirmation.Asked || !res.Confirmation.Approved {
		t.Fatalf("confirmation asked %d total %s", e.confirm.asked, e.confirm.last.Total)
	}
	if e.available() != y(63) || e.net.total() != 3700 {
		t.Fatalf("available %s captured %d", e.available(), e.net.total())
	}
	if !strings.Contains(explanation(res), "changed the quote at completion") {
		t.Fatal(explanation(res))
	}
}

func TestPriceRiseAsksEvenWithinLimits(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	brew.priceAt["BR-OAT-L"] = y(21)
	res := run(t, e.agent(), agent.Request{}) // the default one-run limits only
	if res.Status != agent.StatusBought || res.Charged != y(37) || e.confirm.asked != 1 {
		t.Fatalf("status %s charged %s asked %d", res.Status, res.Charged, e.confirm.asked)
	}
	if !strings.Contains(fmt.Sprint(res.Decision.Reasons), "price_rose") {
		t.Fatalf("reasons %+v", res.Decision.Reasons)
	}
}

func TestPriceRiseDeclinedChargesNothing(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	brew.priceAt["BR-OAT-L"] = y(21)
	e.confirm.approve = false
	res := run(t, e.agent(), agent.Request{Mandate: &agent.Mandate{ConfirmAbove: yp(32)}})
	if res.Status != agent.StatusDeclined || !res.Charged.IsZero() || len(res.Orders) != 0 {
		t.Fatalf("status %s charged %s orders %d", res.Status, res.Charged, len(res.Orders))
	}
	if e.available() != y(100) || e.net.total() != 0 {
		t.Fatalf("available %s captured %d", e.available(), e.net.total())
	}
	holds, _ := e.wallet.OpenHolds(context.Background())
	if len(holds) != 0 {
		t.Fatalf("%d open holds", len(holds))
	}
}

func TestStatuses(t *testing.T) {
	cases := []struct {
		name    string
		budget  float64
		mandate *agent.Mandate
		confirm *bool
		status  string
		reason  string
	}{
		{"over budget", 5, nil, nil, agent.StatusNoOffers, "over_budget"},
		{"over mandate", 40, &agent.Mandate{MaxTotal: yp(20)}, nil, agent.StatusRefused, "over_mandate_total"},
		// the mandate, not the market, blocks: a refusal, exit 4 (issue 13)
		{"merchant outside mandate", 40, &agent.Mandate{Merchants: []string{"nowhere"}}, nil, agent.StatusRefused, "merchant_not_allowed"},
		{"user declines", 40, &agent.Mandate{ConfirmAbove: yp(10)}, new(bool), agent.StatusDeclined, "confirm_above_threshold"},
		{"nobody to ask", 40, &agent.Mandate{RequireConfirmation: true}, nil, agent.StatusDeclined, "user_requires_confirmation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, brew, corner := coffeeEnv(t, c.budget)
			var a *agent.Agent
			switch {
			case c.confirm != nil:
				e.confirm.approve = *c.confirm
				a = e.agent()
			case c.name == "nobody to ask":
				a = e.agent(func(cfg *agent.Config) { cfg.Confirmer = nil })
			default:
				a = e.agent()
			}
			res := run(t, a, agent.Request{Mandate: c.mandate})
			if res.Status != c.status {
				t.Fatalf("status %s, want %s:\n%s", res.Status, c.status, explanation(res))
			}
			found := false
			for _, r := range res.Decision.Reasons {
				found = found || r.Code == c.reason
			}
			if !found {
				t.Fatalf("reasons %+v lack %s", res.Decision.Reasons, c.reason)
			}
			if !res.Charged.IsZero() || e.available() != y(100) || e.net.total() != 0 || brew.orderCount()+corner.orderCount() != 0 {
				t.Fatalf("something was charged: %s", res.Charged)
			}
			if brew.count("quote") > 0 && brew.count("cancel") == 0 {
				t.Fatal("an abandoned quote was not cancelled")
			}
		})
	}
}

func TestInsufficientFundsRefusesBeforePaying(t *testing.T) {
	_, brew, corner := coffeeWorld()
	e := newEnv(t, 10, brew, corner)
	e.planner = &fixedPlanner{intent: latteIntent(2, 40)}
	res := run(t, e.agent(), agent.Request{})
	if res.Status != agent.StatusRefused || brew.orderCount() != 0 || e.available() != y(10) {
		t.Fatalf("status %s orders %d available %s", res.Status, brew.orderCount(), e.available())
	}
	if !strings.Contains(fmt.Sprint(res.Decision.Reasons), "insufficient_funds") {
		t.Fatalf("%+v", res.Decision.Reasons)
	}
}

func TestClarification(t *testing.T) {
	e, _, _ := coffeeEnv(t, 40)
	q := &planner.Clarification{Question: "Which size: medium or large?", Options: []string{"medium", "large"}, Item: 0}
	e.planner.clarify = q
	e.planner.answers = map[string]planner.Intent{"large": latteIntent(2, 40)}

	res := run(t, e.agent(), agent.Request{})
	if res.Status != agent.StatusNeedsClarification || !res.Clarification.Asked || res.Clarification.Question != q.Question {
		t.Fatalf("no clarifier: %s %+v", res.Status, res.Clarification)
	}
	cl := &clarifier{answer: "large"}
	res = run(t, e.agent(func(c *agent.Config) { c.Clarifier = cl }), agent.Request{})
	if res.Status != agent.StatusBought || res.Clarification.Answer != "large" || len(cl.asked) != 1 {
		t.Fatalf("with clarifier: %s %+v", res.Status, res.Clarification)
	}
	cl = &clarifier{answer: ""}
	res = run(t, e.agent(func(c *agent.Config) { c.Clarifier = cl }), agent.Request{})
	if res.Status != agent.StatusNeedsClarification || len(cl.asked) != 1 {
		t.Fatalf("silent user: %s", res.Status)
	}
}

func TestDegradedMerchantAndRetries(t *testing.T) {
	e, brew, corner := coffeeEnv(t, 40)
	corner.failNext["search"] = 100 // down for the whole run
	brew.failNext["search"] = 1     // one 503, then fine
	res := run(t, e.agent(), agent.Request{})
	if res.Status != agent.StatusBought || res.Charged != y(31) {
		t.Fatalf("status %s", res.Status)
	}
	if !strings.Contains(strings.Join(res.Errors, "\n"), "merchant corner degraded") {
		t.Fatalf("errors %v", res.Errors)
	}
	// brew: 1 failure + 1 retry; corner: 1 + 2 retries.
	if res.Calls.Search != 5 || res.Calls.Retries != 3 || brew.count("search") != 2 || corner.count("search") != 3 {
		t.Fatalf("calls %+v brew %d corner %d", res.Calls, brew.count("search"), corner.count("search"))
	}
}

// crashRail aborts the run (like a killed process) the first time a
// credential is asked for: after the quote and the wallet hold were
// persisted, before the merchant is paid.
type crashRail struct {
	inner  agent.Rail
	cancel context.CancelFunc
	once   sync.Once
}

func (c *crashRail) Credential(ctx context.Context, req agent.CredentialRequest) (skills.Credential, error) {
	crashed := false
	c.once.Do(func() { c.cancel(); crashed = true })
	if crashed {
		return skills.Credential{}, ctx.Err()
	}
	return c.inner.Credential(ctx, req)
}

func TestCrashBetweenHoldAndCompletionResumesOnce(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	ctx, cancel := context.WithCancel(context.Background())
	rail := &crashRail{inner: e.net, cancel: cancel}
	sid := "s_crash1_" + newID()
	a := e.agent(func(c *agent.Config) { c.Rail = rail })
	_, err := a.Run(ctx, agent.Request{Text: "two large oat lattes", SessionID: sid})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	mid, err := a.Session(context.Background(), sid)
	if err != nil || mid.Status != agent.StatusRunning {
		t.Fatalf("after crash: %v %+v", err, mid)
	}
	if e.available() != y(69) { // the hold is in place
		t.Fatalf("available after crash %s", e.available())
	}
	// A fresh process: new Agent, same state database.
	res, err := e.agent().Resume(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != agent.StatusBought || len(res.Orders) != 1 || brew.orderCount() != 1 || e.net.total() != 3100 || res.Charged != y(31) {
		t.Fatalf("status %s orders %d merchant orders %d captured %d", res.Status, len(res.Orders), brew.orderCount(), e.net.total())
	}
	if e.available() != y(69) {
		t.Fatalf("available %s: charged twice or hold leaked", e.available())
	}
	if holds, _ := e.wallet.OpenHolds(context.Background()); len(holds) != 0 {
		t.Fatalf("%d open holds", len(holds))
	}
	if brew.count("quote") != 1 { // the quote was not redone
		t.Fatalf("quotes %d", brew.count("quote"))
	}
}

func TestCrashAfterMerchantCompletedReplaysIdempotently(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	var once sync.Once
	brew.hookAfter["complete"] = func() error {
		err := error(nil)
		once.Do(func() { err = errors.New("connection reset by peer") })
		return err
	}
	a := e.agent()
	sid := "s_crash2_" + newID()
	_, err := a.Run(context.Background(), agent.Request{Text: "two large oat lattes", SessionID: sid})
	if err == nil || !strings.Contains(err.Error(), "resume") {
		t.Fatalf("run: %v", err)
	}
	if brew.orderCount() != 1 { // the merchant did complete
		t.Fatal("merchant did not complete")
	}
	res, err := e.agent().Resume(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != agent.StatusBought || len(res.Orders) != 1 || brew.orderCount() != 1 || e.net.total() != 3100 || e.available() != y(69) {
		t.Fatalf("status %s orders %d merchant %d captured %d available %s", res.Status, len(res.Orders), brew.orderCount(), e.net.total(), e.available())
	}
}

func TestMultiMerchantAllOrNothing(t *testing.T) {
	net, brew, corner := coffeeWorld()
	tea := skills.Product{SKU: "CO-TEA", Title: "Jasmine Tea", Category: "tea", Price: y(12), Attributes: map[string]string{"kind": "jasmine"}}
	corner.products["CO-TEA"] = skills.Product{Merchant: "corner", SKU: tea.SKU, Title: tea.Title, Category: tea.Category, Price: tea.Price, Stock: 10, Attributes: tea.Attributes}
	e := newEnv(t, 100, brew, corner)
	in := latteIntent(2, 0)
	in.Items = append(in.Items, planner.ItemSpec{Query: "jasmine tea", Category: "tea", Quantity: 1})
	e.planner = &fixedPlanner{intent: in}
	corner.decline = true
	_ = net
	res := run(t, e.agent(), agent.Request{Text: "two large oat lattes and a jasmine tea"})
	if res.Status != agent.StatusFailed {
		t.Fatalf("status %s:\n%s", res.Status, explanation(res))
	}
	if brew.orderCount() != 1 || len(res.Refunds) != 1 || !res.Charged.IsZero() || e.available() != y(100) || e.net.total() != 0 {
		t.Fatalf("brew orders %d refunds %d charged %s available %s captured %d", brew.orderCount(), len(res.Refunds), res.Charged, e.available(), e.net.total())
	}
	if !strings.Contains(explanation(res), "refunded order") {
		t.Fatal(explanation(res))
	}
}

func TestConcurrentSessions(t *testing.T) {
	e, brew, corner := coffeeEnv(t, 40)
	e.planner.intent.Items[0].Quantity = 1
	e.planner.intent.Budget = nil
	a := e.agent()
	var wg sync.WaitGroup
	results := make([]*agent.Result, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = a.Run(context.Background(), agent.Request{Text: "one large oat latte", UserID: fmt.Sprint("u", i)})
		}()
	}
	wg.Wait()
	var total int64
	for i, r := range results {
		if errs[i] != nil || r.Status != agent.StatusBought {
			t.Fatalf("run %d: %v %+v", i, errs[i], r)
		}
		total += r.Charged.Minor
	}
	if brew.orderCount()+corner.orderCount() != 4 || total != e.net.total() || y(100).Minor-total != e.available().Minor {
		t.Fatalf("charged %d captured %d available %s", total, e.net.total(), e.available())
	}
	for i := range results {
		list, err := a.Sessions(context.Background(), fmt.Sprint("u", i), 10)
		if err != nil || len(list) == 0 || list[0].Status != agent.StatusBought {
			t.Fatalf("sessions of u%d: %v %+v", i, err, list)
		}
	}
}

func TestNewNamesMissingConfig(t *testing.T) {
	_, err := agent.New(context.Background(), agent.Config{})
	if err == nil || !strings.Contains(err.Error(), "Planner") || !strings.Contains(err.Error(), "Store") {
		t.Fatalf("got %v", err)
	}
}

// TestOnPostgres runs the runtime's state-sensitive tests on PostgreSQL:
// the same sessions table, wallet ledger and crash recovery as on SQLite.
func TestOnPostgres(t *testing.T) {
	dsn := os.Getenv("CARTWRIGHT_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("CARTWRIGHT_TEST_POSTGRES not set: no PostgreSQL server to test against (scripts/test.sh starts one)")
	}
	old := stateDSN
	stateDSN = func(*testing.T) string { return dsn }
	defer func() { stateDSN = old }()
	t.Run("buy", TestBuysTheOptimalBasketNotPerItemCheapest)
	t.Run("crash-before-completion", TestCrashBetweenHoldAndCompletionResumesOnce)
	t.Run("crash-after-completion", TestCrashAfterMerchantCompletedReplaysIdempotently)
	t.Run("all-or-nothing", TestMultiMerchantAllOrNothing)
	t.Run("concurrent", TestConcurrentSessions)
}

type recordingAuditor struct {
	mu    sync.Mutex
	kinds []string
	data  []string
}

func (a *recordingAuditor) Record(_ context.Context, _ string, kind string, data any) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.kinds = append(a.kinds, kind)
	a.data = append(a.data, fmt.Sprintf("%+v", data))
	return nil
}

func TestAuditTrail(t *testing.T) {
	e, _, _ := coffeeEnv(t, 40)
	rec := &recordingAuditor{}
	res := run(t, e.agent(func(c *agent.Config) { c.Audit = rec }), agent.Request{Mandate: &agent.Mandate{ID: "m1", MaxTotal: yp(40)}})
	if res.Status != agent.StatusBought {
		t.Fatal(res.Status)
	}
	got := strings.Join(rec.kinds, ",")
	for _, want := range []string{"request", "mandate", "intent", "search", "offers", "decision", "token", "order", "payment", "session.end"} {
		if !strings.Contains(","+got+",", ","+want+",") {
			t.Errorf("audit lacks %q: %s", want, got)
		}
	}
	for _, tok := range e.net.byKey { // bearer tokens never reach the log
		if strings.Contains(strings.Join(rec.data, "\n"), tok) {
			t.Fatal("audit log contains a payment token")
		}
	}
}

// An item nobody sells does not sink the rest of the basket, and does not
// let the rest be paid silently either: the person is asked, naming what
// is missing; yes buys the rest, no buys nothing.
func TestUnavailableItemAsksToBuyTheRest(t *testing.T) {
	for _, approve := range []bool{true, false} {
		e, brew, corner := coffeeEnv(t, 0)
		in := latteIntent(2, 0)
		in.Items = append(in.Items, planner.ItemSpec{Query: "blueberry muffin", Category: "bakery", Quantity: 1})
		e.planner = &fixedPlanner{intent: in}
		e.confirm.approve = approve
		res := run(t, e.agent(), agent.Request{Text: "two large oat lattes and a blueberry muffin"})
		if e.confirm.asked != 1 || !strings.Contains(fmt.Sprint(e.confirm.last.Reasons), "items_unavailable") ||
			!strings.Contains(fmt.Sprint(e.confirm.last.Reasons), "blueberry muffin") {
			t.Fatalf("approve=%v: asked %d, reasons %+v", approve, e.confirm.asked, e.confirm.last.Reasons)
		}
		if len(res.Unavailable) != 1 || res.Unavailable[0].Item != 1 {
			t.Fatalf("approve=%v: unavailable %+v", approve, res.Unavailable)
		}
		orders := brew.orderCount() + corner.orderCount()
		if approve && (res.Status != agent.StatusBought || orders != 1 || res.Charged != y(31)) {
			t.Fatalf("approved: status %s orders %d charged %s:\n%s", res.Status, orders, res.Charged, explanation(res))
		}
		if !approve && (res.Status != agent.StatusDeclined || orders != 0 || !res.Charged.IsZero() || e.available() != y(100)) {
			t.Fatalf("declined: status %s orders %d charged %s", res.Status, orders, res.Charged)
		}
	}
}

// When no item of the request can be bought, nothing is asked: there is no
// rest to buy.
func TestNothingBuyableIsNoOffers(t *testing.T) {
	e, _, _ := coffeeEnv(t, 0)
	e.planner = &fixedPlanner{intent: planner.Intent{Items: []planner.ItemSpec{{Query: "blueberry muffin", Category: "bakery", Quantity: 1}},
		Currency: cny, Planner: "fixed"}}
	res := run(t, e.agent(), agent.Request{Text: "a blueberry muffin"})
	if res.Status != agent.StatusNoOffers || e.confirm.asked != 0 || len(res.Unavailable) != 0 {
		t.Fatalf("status %s asked %d unavailable %+v", res.Status, e.confirm.asked, res.Unavailable)
	}
}
