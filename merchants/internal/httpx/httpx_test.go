package httpx

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cartwright-agent/cartwright/skills/acp"
)

func TestPanicBecomesErrorObject(t *testing.T) {
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret internals") })
	for name, h := range map[string]http.Handler{
		"get":  Recover(NewIdempotency().Wrap(boom)),
		"post": Recover(NewIdempotency().Wrap(boom)),
	} {
		srv := httptest.NewServer(h)
		method := strings.ToUpper(name)
		req, _ := http.NewRequest(method, srv.URL+"/x", strings.NewReader("{}"))
		req.Header.Set("Idempotency-Key", "k")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		srv.Close()
		var e acp.Error
		if res.StatusCode != 500 || json.Unmarshal(b, &e) != nil || e.Type != "processing_error" || strings.Contains(string(b), "secret") || strings.Contains(string(b), "goroutine") {
			t.Fatalf("%s: %d %s", name, res.StatusCode, b)
		}
	}
}

// 5xx answers are not remembered: a retry with the same key runs again.
func TestServerErrorsNotReplayed(t *testing.T) {
	var calls atomic.Int32
	h := NewIdempotency().Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			WriteError(w, 503, acp.ErrTypeServiceUnavailable, "service_unavailable", "later", "")
			return
		}
		WriteJSON(w, 201, map[string]string{"ok": "yes"})
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	codes := []int{}
	for range 3 {
		req, _ := http.NewRequest("POST", srv.URL+"/x", strings.NewReader(`{"a":1}`))
		req.Header.Set("Idempotency-Key", "same")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != 503 || codes[1] != 201 || codes[2] != 201 || calls.Load() != 2 {
		t.Fatalf("codes %v, calls %d", codes, calls.Load())
	}
}

func post(t *testing.T, ctx context.Context, url, key, body string) (*http.Response, []byte, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	req.Header.Set("Idempotency-Key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b, nil
}

// A client that disconnects mid-request does not abort the work: the
// handler runs to completion, its real answer is stored, a retry while it
// runs gets 409 in flight, and a retry afterwards gets the stored answer.
func TestClientGoneHandlerCompletesAndIsReplayed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
	}{{"created", 201}, {"rejected", 400}} {
		t.Run(tc.name, func(t *testing.T) {
			started, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
			var calls atomic.Int32
			h := NewIdempotency().Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(finished)
				calls.Add(1)
				close(started)
				select {
				case <-r.Context().Done(): // what a latency fault does
					return
				case <-release:
				}
				if tc.status == 400 {
					Invalid(w, "invalid", "bad item", "$.line_items[0].id")
					return
				}
				WriteJSON(w, tc.status, map[string]string{"id": "cs_1"})
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()

			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, _, err := post(t, ctx, srv.URL+"/s", "k", `{"a":1}`)
				errc <- err
			}()
			<-started
			cancel()
			if err := <-errc; err == nil {
				t.Fatal("the canceled client got an answer")
			}
			res, b, err := post(t, context.Background(), srv.URL+"/s", "k", `{"a":1}`)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 409 || !strings.Contains(string(b), "idempotency_in_flight") {
				t.Fatalf("while running: %d %s", res.StatusCode, b)
			}
			close(release)
			<-finished
			for range 2 {
				res, b, err = post(t, context.Background(), srv.URL+"/s", "k", `{"a":1}`)
				if err != nil {
					t.Fatal(err)
				}
				if res.StatusCode != tc.status || res.Header.Get(acp.HeaderReplayed) != "true" || len(b) == 0 || res.ContentLength == 0 {
					t.Fatalf("replay: %d replayed=%q %q", res.StatusCode, res.Header.Get(acp.HeaderReplayed), b)
				}
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatalf("replay body %q: %v", b, err)
				}
			}
			if calls.Load() != 1 {
				t.Fatalf("handler ran %d times", calls.Load())
			}
		})
	}
}

// A handler that writes nothing has produced no answer to remember: the
// client gets a 500 and the key is free for a retry, never an empty 200.
func TestEmptyResponseNeverStored(t *testing.T) {
	var calls atomic.Int32
	h := NewIdempotency().Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			return
		}
		WriteJSON(w, 201, map[string]string{"ok": "yes"})
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	var codes []int
	for range 3 {
		res, b, err := post(t, context.Background(), srv.URL+"/x", "k", `{}`)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			t.Fatalf("empty body with %d", res.StatusCode)
		}
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != 500 || codes[1] != 201 || codes[2] != 201 || calls.Load() != 2 {
		t.Fatalf("codes %v, calls %d", codes, calls.Load())
	}
}
