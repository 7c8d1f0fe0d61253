package assemble_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/assemble"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/demo"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// confirmFunc adapts a function to agent.Confirmer.
type confirmFunc func(p agent.Proposal) bool

func (f confirmFunc) Confirm(_ context.Context, p agent.Proposal) (bool, error) { return f(p), nil }

// TestDemoRequestsNeverBuyTheWrongThing runs issue 11's demo-world
// requests through the real runtime (offline planner, policy engine,
// mock merchants over HTTP) and reads what was bought from the merchants'
// own order records: nothing bought may fail to evidence the request. Each
// request runs twice: with a person who approves every confirmation (as
// --yes does) — a conflicting product must still never be paid — and with
// one who approves amounts but declines when a requirement lacks evidence.
func TestDemoRequestsNeverBuyTheWrongThing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo world per request")
	}
	cases := []struct {
		request string
		// fits reports whether a bought product evidences the request.
		fits func(p skills.Product) bool
		// want: the right product must be bought (with the careful person)
		want bool
	}{
		{"a large pepperoni pizza", func(p skills.Product) bool { return titleHas(p, "pepperoni pizza") }, false},
		{"a black umbrella", func(p skills.Product) bool { return titleHas(p, "umbrella") && p.Attributes["color"] == "black" }, false},
		{"2 Redmi Buds 6 Active, white", func(p skills.Product) bool {
			return titleHas(p, "redmi buds 6 active") && p.Attributes["color"] == "white"
		}, true},
		{"a 30000mAh power bank", func(p skills.Product) bool { return p.Attributes["capacity"] == "30000mah" }, false},
		{"a 1000ml water bottle", func(p skills.Product) bool {
			return titleHas(p, "1000ml") || titleHas(p, "1l") || p.Attributes["pack"] == "1l"
		}, false},
		{"white sneakers size M", func(p skills.Product) bool {
			return titleHas(p, "sneaker") && p.Attributes["color"] == "white" && p.Attributes["size"] == "m"
		}, false},
	}
	people := map[string]confirmFunc{
		"approves everything": func(agent.Proposal) bool { return true },
		"careful": func(p agent.Proposal) bool {
			for _, r := range p.Reasons {
				if r.Code == agent.ReasonRequirementUnverified {
					return false
				}
			}
			return true
		},
	}
	for _, c := range cases {
		for who, person := range people {
			t.Run(c.request+"/"+who, func(t *testing.T) {
				running, rt := demoRuntime(t, person)
				md := signMandate(t, rt, "500.00", "100.00")
				res, err := rt.Run(context.Background(), agent.Request{Text: c.request, UserID: "ann", Mandate: md})
				if err != nil {
					t.Fatal(err)
				}
				bought := 0
				for _, m := range running.Merchants {
					for _, o := range m.Engine.Orders() {
						for _, l := range o.Lines {
							p, err := m.Engine.Product(l.SKU)
							if err != nil {
								t.Fatal(err)
							}
							bought++
							if !c.fits(p) {
								t.Errorf("%q bought %d × %q (%s %s, %v): it does not evidence the request; decision %+v",
									c.request, l.Quantity, p.Title, m.ID, p.SKU, p.Attributes, res.Decision)
							}
						}
					}
				}
				if c.want && who == "careful" && (bought == 0 || res.Status != agent.StatusBought) {
					t.Errorf("%q: the right product exists but was not bought: %s %+v %v", c.request, res.Status, res.Decision, res.Explanation)
				}
				if bought == 0 && res.Charged.Minor != 0 {
					t.Errorf("%q: charged %s without an order", c.request, res.Charged)
				}
			})
		}
	}
}

func titleHas(p skills.Product, s string) bool {
	return strings.Contains(strings.ToLower(p.Title), s)
}

func demoRuntime(t *testing.T, c agent.Confirmer) (*merchants.Running, *assemble.Runtime) {
	t.Helper()
	ctx := context.Background()
	w, err := merchants.LoadWorldBytes("demo", demo.WorldYAML)
	if err != nil {
		t.Fatal(err)
	}
	running, err := merchants.Start(ctx, w, merchants.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { running.Close() })
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var ms []assemble.Merchant
	for _, m := range running.Merchants {
		ms = append(ms, assemble.Merchant{ID: m.ID, Interface: m.Interface, URL: m.URL})
	}
	rt, err := assemble.Build(ctx, assemble.Config{DB: db, UserID: "ann", Merchants: ms, PaynetURL: running.PaynetURL,
		Currency: w.Currency, InitialBalance: "1000.00", PlannerName: "offline",
		Agent: agent.Config{RetryBackoff: time.Millisecond, Confirmer: c}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	running.Paynet.SetVerifier(rt.Verifier.Hook())
	return running, rt
}

func signMandate(t *testing.T, rt *assemble.Runtime, max, confirmAbove string) *agent.Mandate {
	t.Helper()
	m, _ := skills.ParseMoney(max, "CNY")
	ca, _ := skills.ParseMoney(confirmAbove, "CNY")
	now := time.Now()
	md, err := rt.Authority.Sign(context.Background(), mandate.Intent{Description: "test", Currency: "CNY", MaxTotal: m,
		ConfirmAbove: &ca, NotBefore: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return md
}
