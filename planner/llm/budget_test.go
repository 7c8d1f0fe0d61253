package llm

import (
	"context"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// Call budgets: at most 2 model calls for a single-merchant single-item
// purchase, at most 3 for anything the offline planner could also do (no
// fit to judge). Each session runs Understand and then Rank for every item,
// as the runtime does.
func TestCallBudget(t *testing.T) {
	oneItemFit := `{"items":[{"query":"jacket","category":"apparel","quantity":1,"fit":"` + jacketFit + `"}],"merchants":{"allow":["outfitters"]}}`
	threeItems := `{"items":[{"query":"latte","category":"coffee","quantity":2},{"query":"green tea","category":"tea","quantity":1},{"query":"socks","category":"apparel","quantity":1,"prefer":{"material":"cotton"}}]}`
	rank := rankCall(`{"choice":"c1","ranking":[{"id":"c1","score":90,"reason":"warm"}]}`)
	cases := []struct {
		name    string
		text    string
		script  []string // submit_intent arguments, in order
		rank    bool     // a ranking reply is scripted
		maxCall int
		calls   int
		judged  bool
	}{
		{"single merchant, single item, fit judged", "a jacket for Iceland in March from outfitters", []string{oneItemFit}, true, 2, 2, true},
		{"single item after a repair: fit ranked by rules", "a jacket for Iceland in March from outfitters", []string{`{"items":[]}`, oneItemFit}, false, 2, 2, false},
		{"offline-capable, three items, three merchants, repaired", "two lattes, one green tea and socks", []string{`{"items":[]}`, threeItems}, false, 3, 2, false},
		{"offline-capable, first try", "two lattes, one green tea and socks", []string{threeItems}, false, 3, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			for _, a := range c.script {
				f.srv.Push(intentCall(a))
			}
			if c.rank {
				f.srv.Push(rank)
			}
			in, err := f.p.Understand(context.Background(), planner.Request{Text: c.text, Vocabulary: vocab()})
			if err != nil {
				t.Fatal(err)
			}
			merchants := []string{"outfitters", "beanery", "cupful"}
			for i := range in.Items {
				var offers []planner.Offer
				for j, m := range merchants {
					offers = append(offers, planner.Offer{Item: i, Product: skills.Product{Merchant: m, SKU: "S" + m,
						Price: skills.M(int64(1000*(j+1)), "CNY"), Stock: 9}})
				}
				got, err := f.p.Rank(context.Background(), in, i, offers, nil)
				if err != nil {
					t.Fatal(err)
				}
				if in.Items[i].Fit != "" && c.judged != strings.HasPrefix(got[0].Reason, "model's choice") {
					t.Errorf("item %d judged by the model = %v, want %v (%s)", i, !c.judged, c.judged, got[0].Reason)
				}
			}
			rep := f.p.Session(in)
			if rep.Usage.Calls != c.calls || len(f.srv.Requests()) != c.calls {
				t.Errorf("session used %d calls (%d requests), want %d", rep.Usage.Calls, len(f.srv.Requests()), c.calls)
			}
			if rep.Usage.Calls > c.maxCall {
				t.Errorf("%d calls exceed the budget of %d", rep.Usage.Calls, c.maxCall)
			}
			if f.srv.Remaining() != 0 {
				t.Errorf("%d scripted replies unused", f.srv.Remaining())
			}
			spent := len(rep.Notes) > 0 && strings.Contains(rep.Notes[0].Text, "call budget (2) spent")
			if wantSpent := in.Items[0].Fit != "" && !c.judged; spent != wantSpent {
				t.Errorf("notes %v; want a budget-spent note: %v", rep.Notes, wantSpent)
			}
		})
	}
}

func TestExplicitCallBudget(t *testing.T) {
	f := newFixture(t, Config{MaxCalls: 1}, intentCall(`{"items":[]}`))
	_, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
	if err == nil || len(f.srv.Requests()) != 1 {
		t.Fatalf("err %v after %d calls; MaxCalls 1 allows no repair", err, len(f.srv.Requests()))
	}
	if _, err := New(Config{Model: f.p.cfg.Model, MaxCalls: -1}); err == nil {
		t.Error("negative MaxCalls accepted")
	}
}

// A Rank for an intent this planner did not make (a resumed session)
// counts the calls the intent reports against the budget.
func TestRankForeignIntentCountsItsUsage(t *testing.T) {
	f := newFixture(t, Config{})
	in := planner.Intent{Items: []planner.ItemSpec{{Query: "jacket", Quantity: 1, Fit: jacketFit}}, Usage: &planner.ModelUsage{Calls: 2}}
	got, err := f.p.Rank(context.Background(), in, 0, jacketOffers(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.srv.Requests()) != 0 || !strings.Contains(got[0].Reason, "call budget spent") {
		t.Errorf("ranked %+v after %d calls", got[0], len(f.srv.Requests()))
	}
}

// Successive Rank calls for the same foreign intent share one budget.
func TestRankForeignIntentSharesOneBudget(t *testing.T) {
	f := newFixture(t, Config{})
	in := planner.Intent{Items: []planner.ItemSpec{{Query: "jacket", Quantity: 1, Fit: jacketFit}, {Query: "gloves", Quantity: 1, Fit: jacketFit}},
		Usage: &planner.ModelUsage{Calls: 1}}
	reply := `{"choice":"c1","ranking":[{"id":"c1","score":80,"reason":"fine"}]}`
	f.srv.Push(rankCall(reply), rankCall(reply))
	offers := func(item int) []planner.Offer {
		os := jacketOffers()
		for i := range os {
			os[i].Item = item
		}
		return os
	}
	for i, wantModel := range []bool{true, true, false} {
		got, err := f.p.Rank(context.Background(), in, i%2, offers(i%2), nil)
		if err != nil {
			t.Fatal(err)
		}
		if judged := strings.HasPrefix(got[0].Reason, "model's choice"); judged != wantModel {
			t.Errorf("rank %d judged by the model: %v, want %v (%s)", i, judged, wantModel, got[0].Reason)
		}
	}
	if rep := f.p.Session(in); rep.Usage.Calls != 3 || rep.CallsLeft != 0 {
		t.Errorf("session %+v", rep)
	}
}
