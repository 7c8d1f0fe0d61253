package merchants

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/skills/acp"
)

// A client that gives up during the latency fault must not leave an empty
// answer behind its Idempotency-Key: the merchant finishes the request and a
// retry with the same key gets the real response (201 session, or the 400
// error the original earned), marked as a replay.
func TestClientDisconnectStoresRealResponse(t *testing.T) {
	w := loadSmall(t)
	w.Merchant("brewhouse").Faults.LatencyMS = 300
	h := start(t, w, Options{})
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"created", `{"line_items":[{"id":"BH-AME-L"}]}`, http.StatusCreated},
		{"rejected", `{"line_items":[{"id":"NO-SUCH-SKU"}]}`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "disconnect-" + tc.name
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			req, _ := http.NewRequestWithContext(ctx, "POST", h.r.URL("brewhouse")+"/checkout_sessions", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
				t.Fatalf("the impatient client got HTTP %d before the latency elapsed", res.StatusCode)
			}
			cancel()
			// Retry until the first request has finished (409 while it runs).
			var r resp
			for range 400 {
				r = h.send("POST", "brewhouse", "/checkout_sessions", key, tc.body)
				if r.status != http.StatusConflict {
					break
				}
				if e := r.errObj(t); e.Code != "idempotency_in_flight" {
					t.Fatalf("409 %+v", e)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if r.status != tc.want || r.header.Get(acp.HeaderReplayed) != "true" || len(r.body) == 0 {
				t.Fatalf("replay: HTTP %d replayed=%q body=%q", r.status, r.header.Get(acp.HeaderReplayed), r.body)
			}
			if tc.want == http.StatusCreated {
				h.session(r, http.StatusCreated, "CheckoutSession")
			} else if e := r.errObj(t); e.Type != acp.ErrTypeInvalidRequest {
				t.Fatalf("error %+v", e)
			}
			again := h.send("POST", "brewhouse", "/checkout_sessions", key, tc.body)
			if again.status != r.status || string(again.body) != string(r.body) {
				t.Fatalf("second replay differs: %d %s", again.status, again.body)
			}
		})
	}
}
