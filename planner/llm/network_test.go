package llm

import (
	"context"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
)

// A whole session (understand, then rank with a model call) makes no HTTP
// request except to the configured endpoint: no tokenizer download, no
// telemetry. Requests leaving loopback through http.DefaultTransport would
// be counted by the TestMain guard.
func TestSessionMakesNoOtherNetworkRequests(t *testing.T) {
	before := strayRequests.Load()
	f := newFixture(t, Config{})
	in := jacketIntent(t, f)
	f.srv.Push(rankCall(`{"choice":"c1","ranking":[{"id":"c1","score":50,"reason":"ok"}]}`))
	if _, err := f.p.Rank(context.Background(), in, 0, jacketOffers(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Rank(context.Background(), planner.Intent{Items: []planner.ItemSpec{{Query: "x", Quantity: 1}}}, 0, jacketOffers(), nil); err != nil {
		t.Fatal(err)
	}
	if n := strayRequests.Load() - before; n != 0 {
		t.Fatalf("%d requests tried to leave loopback", n)
	}
	if n := len(f.srv.Requests()); n != 2 {
		t.Fatalf("%d requests to the model endpoint, want 2", n)
	}
}
