package agent_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// scriptedPlanner plays a planner with memory: its intent carries notes,
// its ranking scores and cites memory entries, and it asks follow-up
// questions until the replies it has seen (Request.Answer) match a script.
type scriptedPlanner struct {
	intent planner.Intent
	// questions[i] is asked when i replies have been given; after the last
	// one the intent is returned.
	questions []string
	// scores and sources rank offers: merchant/sku → score, memory id
	scores  map[string]int
	sources map[string]string

	mu      sync.Mutex
	answers []string        // Request.Answer of every Understand call
	offers  []planner.Offer // every offer Rank saw
	memory  []planner.MemoryItem
}

func (p *scriptedPlanner) Name() string { return "scripted" }

func (p *scriptedPlanner) Understand(_ context.Context, req planner.Request) (planner.Intent, error) {
	p.mu.Lock()
	p.answers = append(p.answers, req.Answer)
	p.memory = req.Memory
	p.mu.Unlock()
	n := 0
	if req.Answer != "" {
		n = len(strings.Split(req.Answer, "\n"))
	}
	if n < len(p.questions) {
		return planner.Intent{Request: req.Text, Planner: "scripted", Clarify: &planner.Clarification{Question: p.questions[n]}}, nil
	}
	in := p.intent
	in.Request = req.Text
	return in, nil
}

func (p *scriptedPlanner) Rank(_ context.Context, _ planner.Intent, _ int, offers []planner.Offer, _ []planner.MemoryItem) ([]planner.Ranked, error) {
	p.mu.Lock()
	p.offers = append(p.offers, offers...)
	p.mu.Unlock()
	out := make([]planner.Ranked, len(offers))
	for i, o := range offers {
		k := o.Product.Merchant + "/" + o.Product.SKU
		out[i] = planner.Ranked{Offer: o, Score: p.scores[k], Source: p.sources[k]}
		if out[i].Source != "" {
			out[i].Reason = "memory: likes " + o.Product.Merchant
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Score > out[j-1].Score; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

type scriptedClarifier struct {
	replies []string
	asked   []string
}

func (c *scriptedClarifier) Clarify(_ context.Context, q string, _ []string) (string, error) {
	c.asked = append(c.asked, q)
	if len(c.asked) > len(c.replies) {
		return "", nil
	}
	return c.replies[len(c.asked)-1], nil
}

func memoryOf(ids ...string) agent.Memory {
	return agent.MemoryFunc(func(context.Context, string, string) ([]planner.MemoryItem, error) {
		var out []planner.MemoryItem
		for _, id := range ids {
			out = append(out, planner.MemoryItem{ID: id, Kind: "preference", Text: "entry " + id})
		}
		return out, nil
	})
}

// Issue 6 item 4: every decision memory changed names the entry that did
// it, in the result's explanation (what `shop` prints) and in the audit log.
func TestMemoryDecisionsNameTheirEntry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		recalled []string
		// explanation lines that must / must not appear
		want, wantNot []string
	}{
		{name: "every cited entry was recalled", recalled: []string{"m1", "m2", "m3"},
			want: []string{
				"oat milk, as remembered (from memory m1)",
				"items[0]: chose BR-OAT-L at brew, ranked 2 by preference: memory: likes brew (from memory m3)",
				"items[0]: memory favoured CO-OAT-L at corner (memory: likes corner), but brew/BR-OAT-L made the basket cheaper (from memory m2)",
			}},
		{name: "a planner cannot cite what memory did not recall", recalled: []string{"m1", "m2"},
			want:    []string{"(from memory m1)", "(from memory m2)"},
			wantNot: []string{"m3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, brew, corner := coffeeWorld()
			e := newEnv(t, 100, brew, corner)
			in := latteIntent(2, 40)
			in.Notes = []planner.Note{{Text: "oat milk, as remembered", Source: "m1"}, {Text: "read \"two\" as 2"}}
			p := &scriptedPlanner{intent: in,
				scores:  map[string]int{"corner/CO-OAT-L": 20, "brew/BR-OAT-L": 10},
				sources: map[string]string{"corner/CO-OAT-L": "m2", "brew/BR-OAT-L": "m3"}}
			rec := &recordingAuditor{}
			a := e.agent(func(c *agent.Config) { c.Planner, c.Memory, c.Audit = p, memoryOf(tc.recalled...), rec })
			res := run(t, a, agent.Request{})
			if res.Status != agent.StatusBought || res.Basket.Lines[0].Merchant != "brew" {
				t.Fatalf("status %s, basket %+v", res.Status, res.Basket.Lines)
			}
			ex := explanation(res)
			for _, w := range tc.want {
				if !strings.Contains(ex, w) {
					t.Errorf("explanation lacks %q:\n%s", w, ex)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(ex, w) {
					t.Errorf("explanation has %q:\n%s", w, ex)
				}
			}
			if strings.Contains(ex, `read "two" as 2 (from memory`) {
				t.Errorf("a note without a source is credited to memory:\n%s", ex)
			}
			for _, c := range res.Considered {
				want := map[string]string{"corner/CO-OAT-L": "m2", "brew/BR-OAT-L": "m3"}[c.Product.Merchant+"/"+c.Product.SKU]
				if !contains(tc.recalled, want) {
					want = ""
				}
				if c.Source != want {
					t.Errorf("considered %s/%s: memory %q, want %q", c.Product.Merchant, c.Product.SKU, c.Source, want)
				}
			}
			// The audit log says the same, entry by entry.
			var audited []string
			for i, k := range rec.kinds {
				if k == "memory" {
					audited = append(audited, rec.data[i])
				}
			}
			for _, id := range tc.recalled[:2] {
				found := false
				for _, d := range audited {
					if strings.Contains(d, "source:"+id+"]") {
						found = true
					}
				}
				if !found {
					t.Errorf("audit has no memory record for %s: %q", id, audited)
				}
			}
			if i := indexOf(rec.kinds, "offers"); i < 0 || !strings.Contains(rec.data[i], "Source:m2") {
				t.Errorf("the audited offers do not name memory m2 on the offer it ranked")
			}
		})
	}
}

func TestClarificationFollowUpsAreBounded(t *testing.T) {
	t.Run("two rounds, then buys", func(t *testing.T) {
		_, brew, corner := coffeeWorld()
		e := newEnv(t, 100, brew, corner)
		p := &scriptedPlanner{intent: latteIntent(2, 40), questions: []string{"Which size?", "Which milk?"}}
		cl := &scriptedClarifier{replies: []string{"large", "oat"}}
		rec := &recordingAuditor{}
		res := run(t, e.agent(func(c *agent.Config) { c.Planner, c.Clarifier, c.Audit = p, cl, rec }), agent.Request{})
		if res.Status != agent.StatusBought {
			t.Fatalf("status %s", res.Status)
		}
		if got := strings.Join(cl.asked, "|"); got != "Which size?|Which milk?" {
			t.Errorf("asked %q", got)
		}
		if got := strings.Join(p.answers, "|"); got != "|large|large\noat" {
			t.Errorf("planner saw answers %q, want every reply so far, one per line", got)
		}
		c := res.Clarification
		if !c.Asked || c.Question != "Which size?" || c.Answer != "large\noat" || len(c.Exchanges) != 2 || c.Exchanges[1] != (agent.Exchange{Question: "Which milk?", Answer: "oat"}) {
			t.Errorf("clarification %+v", c)
		}
		n := 0
		for _, k := range rec.kinds {
			if k == "clarification" {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d clarification audit records, want 2", n)
		}
	})
	t.Run("a planner that never stops asking", func(t *testing.T) {
		_, brew, corner := coffeeWorld()
		e := newEnv(t, 100, brew, corner)
		p := &scriptedPlanner{intent: latteIntent(2, 40), questions: []string{"q1", "q2", "q3", "q4", "q5"}}
		cl := &scriptedClarifier{replies: []string{"a", "b", "c", "d", "e"}}
		res := run(t, e.agent(func(c *agent.Config) { c.Planner, c.Clarifier = p, cl }), agent.Request{})
		if res.Status != agent.StatusNeedsClarification || len(cl.asked) != 3 || e.net.total() != 0 {
			t.Fatalf("status %s after %d question(s), charged %d; want needs_clarification after the default 3", res.Status, len(cl.asked), e.net.total())
		}
	})
	t.Run("a pre-answer counts as the first reply", func(t *testing.T) {
		_, brew, corner := coffeeWorld()
		e := newEnv(t, 100, brew, corner)
		p := &scriptedPlanner{intent: latteIntent(2, 40), questions: []string{"Which size?", "Which milk?"}}
		cl := &scriptedClarifier{replies: []string{"oat"}}
		res := run(t, e.agent(func(c *agent.Config) { c.Planner, c.Clarifier = p, cl }), agent.Request{Answer: "large"})
		if res.Status != agent.StatusBought || strings.Join(cl.asked, "|") != "Which milk?" || res.Clarification.Answer != "large\noat" {
			t.Fatalf("status %s, asked %q, clarification %+v", res.Status, cl.asked, res.Clarification)
		}
	})
}

func TestOffersCarryTheMerchantsDeliveryEstimate(t *testing.T) {
	_, brew, corner := coffeeWorld()
	brew.info.Shipping.ETADays, corner.info.Shipping.ETADays = 1, 3
	e := newEnv(t, 100, brew, corner)
	p := &scriptedPlanner{intent: latteIntent(2, 40)}
	run(t, e.agent(func(c *agent.Config) { c.Planner = p }), agent.Request{})
	if len(p.offers) == 0 {
		t.Fatal("nothing ranked")
	}
	for _, o := range p.offers {
		want := map[string]int{"brew": 1, "corner": 3}[o.Product.Merchant]
		if o.ETADays != want {
			t.Errorf("offer %s/%s: ETADays %d, want %d", o.Product.Merchant, o.Product.SKU, o.ETADays, want)
		}
	}
}

func TestEvidenceIsRecordedPerSession(t *testing.T) {
	e, brew, _ := coffeeEnv(t, 40)
	brew.evidence = true
	rec := &recordingAuditor{}
	res := run(t, e.agent(func(c *agent.Config) { c.Audit = rec }), agent.Request{})
	if res.Status != agent.StatusBought || len(res.Orders) != 1 || res.Orders[0].Merchant != "brew" {
		t.Fatalf("status %s, orders %+v", res.Status, res.Orders)
	}
	quote, order := res.Orders[0].QuoteID, res.Orders[0].ID
	var kinds []string
	for _, ev := range res.Evidence {
		kinds = append(kinds, ev.Kind)
		if ev.QuoteID != quote || ev.SHA256 == "" || ev.Path == "" || ev.URL == "" {
			t.Errorf("evidence %+v: want quote %s with path, url and hash", ev, quote)
		}
		if ev.Kind == "confirmation" && ev.OrderID != order {
			t.Errorf("confirmation evidence for order %q, want %q", ev.OrderID, order)
		}
	}
	if strings.Join(kinds, ",") != "quote,confirmation" {
		t.Errorf("evidence kinds %q, want each record once: quote,confirmation", kinds)
	}
	n := 0
	for i, k := range rec.kinds {
		if k == "evidence" {
			n++
			if !strings.Contains(rec.data[i], "sha256:") || !strings.Contains(rec.data[i], quote) {
				t.Errorf("audit evidence record %s lacks the hash or the quote", rec.data[i])
			}
		}
	}
	if n != 2 {
		t.Errorf("%d evidence audit records, want 2", n)
	}
	brew.mu.Lock()
	defer brew.mu.Unlock()
	if len(brew.sessionOf) == 0 {
		t.Fatal("no merchant call recorded")
	}
	for _, s := range brew.sessionOf {
		if s != res.SessionID {
			t.Errorf("merchant call in session %q, want %q (skills.WithSession)", s, res.SessionID)
		}
	}
}

// One line of a two-line cart runs out at completion: only that SKU is
// given up; the merchant's other line stays in the re-plan.
func TestStockOutDropsOnlyTheMissingLine(t *testing.T) {
	net := newNet()
	tea := func(sku string, price float64) skills.Product {
		return skills.Product{SKU: sku, Title: "Green Tea 500g", Category: "tea", Price: y(price), Attributes: map[string]string{"tea": "green"}}
	}
	corner := newMerchant("corner", net, skills.Shipping{Fee: y(5), FreeOver: yp(60)}, nil,
		latte("CO-OAT-L", "oat", "large", 16, 4), tea("CO-GT", 45))
	teahouse := newMerchant("teahouse", net, skills.Shipping{Fee: y(5), FreeOver: yp(40)}, nil, tea("TH-GT", 48))
	corner.oosAt["CO-GT"] = true
	e := newEnv(t, 200, corner, teahouse)
	in := latteIntent(1, 0)
	in.Items = append(in.Items, planner.ItemSpec{Query: "green tea", Category: "tea", Quantity: 1, Attributes: map[string]string{"tea": "green"}})
	e.planner = &fixedPlanner{intent: in}
	res := run(t, e.agent(), agent.Request{})
	if res.Status != agent.StatusBought {
		t.Fatalf("status %s: %s", res.Status, explanation(res))
	}
	got := map[string]string{}
	for _, l := range res.Basket.Lines {
		got[l.SKU] = l.Merchant
	}
	if got["CO-OAT-L"] != "corner" || got["TH-GT"] != "teahouse" || len(got) != 2 {
		t.Errorf("basket %v: want the latte still from corner, the tea from teahouse", got)
	}
	if res.Charged != y(69) || e.net.total() != 6900 {
		t.Errorf("charged %s (network %d), want ¥69.00", res.Charged, e.net.total())
	}
	if !strings.Contains(explanation(res), "corner: CO-GT is out of stock; only that line is given up") {
		t.Errorf("explanation:\n%s", explanation(res))
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return v != ""
		}
	}
	return false
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// A quote that is not ready for payment is explained with what the merchant
// said (a storefront that needs a delivery address), not only its status.
func TestNotReadyQuoteExplainsTheMerchantsMessages(t *testing.T) {
	_, brew, _ := coffeeWorld()
	brew.notReady = []skills.Message{
		{Type: "error", Code: "missing", Param: "address", Text: "the checkout needs a delivery address"},
		{Type: "warning", Code: "coupon_invalid", Text: "SAVE5 has expired"},
	}
	e := newEnv(t, 100, brew)
	e.planner = &fixedPlanner{intent: latteIntent(2, 40)}
	res := run(t, e.agent(), agent.Request{})
	if res.Status == agent.StatusBought || brew.orderCount() != 0 {
		t.Fatalf("paid a quote that was not ready: %s", res.Status)
	}
	got := explanation(res)
	for _, want := range []string{`not_ready_for_payment`, "the checkout needs a delivery address (missing: address)", "SAVE5 has expired (coupon_invalid)"} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q:\n%s", want, got)
		}
	}
}
