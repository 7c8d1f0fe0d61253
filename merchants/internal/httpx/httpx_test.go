package httpx

import (
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
