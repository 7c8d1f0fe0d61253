package llm

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
)

// funcModel answers each call from the prompt alone, so concurrent sessions
// get their own answers.
type funcModel func(Prompt) (Reply, error)

func (f funcModel) Call(ctx context.Context, p Prompt) (Reply, error) { return f(p) }

func scripted(p Prompt) (Reply, error) {
	switch p.ToolChoice {
	case "submit_intent":
		return Reply{ToolCalls: []ToolCall{{ID: "1", Name: "submit_intent",
			Arguments: `{"items":[{"query":"jacket","category":"apparel","quantity":1,"fit":"` + jacketFit + `"}]}`}}, TokensIn: 10, TokensOut: 5}, nil
	case "submit_ranking":
		return Reply{ToolCalls: []ToolCall{{ID: "2", Name: "submit_ranking",
			Arguments: `{"choice":"c3","ranking":[{"id":"c3","score":90,"reason":"down"}]}`}}, TokensIn: 20, TokensOut: 7}, nil
	}
	return Reply{}, fmt.Errorf("unexpected tool choice %q", p.ToolChoice)
}

func TestConcurrentSessions(t *testing.T) {
	p, err := New(Config{Model: funcModel(scripted)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, err := p.Understand(context.Background(), planner.Request{Text: "a jacket for Iceland", Vocabulary: vocab()})
			if err != nil {
				errs <- err
				return
			}
			got, err := p.Rank(context.Background(), in, 0, jacketOffers(), nil)
			if err != nil {
				errs <- err
				return
			}
			if rep := p.Session(in); rep.Usage.Calls != 2 || rep.Usage.TokensIn != 30 || got[0].Offer.Product.SKU != "J-DOWN" {
				errs <- fmt.Errorf("session %+v, top %s", rep, got[0].Offer.Product.SKU)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if u := p.Usage(); u.Calls != 2*n || u.TokensOut != 12*n {
		t.Errorf("total usage %+v", u)
	}
}

// Concurrent Rank calls of one session never overspend its budget.
func TestConcurrentRanksShareTheBudget(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	model := funcModel(func(p Prompt) (Reply, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		if p.ToolChoice == "submit_intent" {
			return Reply{ToolCalls: []ToolCall{{Name: "submit_intent", Arguments: `{"items":[` +
				`{"query":"jacket","quantity":1,"fit":"warm"},{"query":"gloves","quantity":1,"fit":"warm"}]}`}}}, nil
		}
		return scripted(p)
	})
	p, _ := New(Config{Model: model})
	in, err := p.Understand(context.Background(), planner.Request{Text: "a jacket and gloves", Vocabulary: vocab()})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			offers := jacketOffers()
			for j := range offers {
				offers[j].Item = i % 2
			}
			if _, err := p.Rank(context.Background(), in, i%2, offers, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if rep := p.Session(in); calls != 3 || rep.Usage.Calls != 3 || rep.CallsLeft != 0 {
		t.Errorf("%d model calls, session %+v; budget is 3", calls, rep)
	}
}
