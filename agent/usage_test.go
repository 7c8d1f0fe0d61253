package agent_test

import (
	"context"
	"sync"
	"testing"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/planner"
)

// meteredPlanner is a planner that "calls a model" in Understand and in
// Rank, and reports its session's usage like the LLM planner does.
type meteredPlanner struct {
	fixedPlanner
	mu    sync.Mutex
	usage planner.ModelUsage
}

func (p *meteredPlanner) spend(tokens int) planner.ModelUsage {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.usage.Calls++
	p.usage.TokensIn += tokens
	p.usage.TokensOut += tokens / 10
	return p.usage
}

func (p *meteredPlanner) Understand(ctx context.Context, req planner.Request) (planner.Intent, error) {
	in, err := p.fixedPlanner.Understand(ctx, req)
	u := p.spend(1000)
	in.Usage = &u
	return in, err
}

func (p *meteredPlanner) Rank(ctx context.Context, in planner.Intent, item int, offers []planner.Offer, mem []planner.MemoryItem) ([]planner.Ranked, error) {
	p.spend(500)
	return p.fixedPlanner.Rank(ctx, in, item, offers, mem)
}

func (p *meteredPlanner) SessionUsage(planner.Intent) planner.ModelUsage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.usage
}

// TestRankModelCallsAreCounted: a planner's ranking calls land in the
// session's usage beside its understanding call (Rank returns no usage of
// its own; the runtime asks the planner's session).
func TestRankModelCallsAreCounted(t *testing.T) {
	e, _, _ := coffeeEnv(t, 40)
	mp := &meteredPlanner{fixedPlanner: *e.planner}
	a := e.agent(func(c *agent.Config) { c.Planner = mp })
	res := run(t, a, agent.Request{UserID: "alice"})
	if res.Status != agent.StatusBought {
		t.Fatalf("status %s", res.Status)
	}
	want := planner.ModelUsage{Calls: 2, TokensIn: 1500, TokensOut: 150}
	if res.Usage != want {
		t.Fatalf("usage %+v, want %+v (one understanding and one ranking call)", res.Usage, want)
	}
}
