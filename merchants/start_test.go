package merchants

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSessionExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := start(t, loadSmall(t), Options{Now: clock})
	s := h.create("brewhouse", `{"line_items":[{"id":"BH-AME-L"}]}`)
	tok := h.token("brewhouse", s.ID, 1800) // the token outlives the session (real clock + 1h)
	mu.Lock()
	now = now.Add(SessionTTL)
	mu.Unlock()
	got := h.session(h.send("GET", "brewhouse", "/checkout_sessions/"+s.ID, "", ""), 200, "CheckoutSession")
	if got.Status != StatusExpired || got.Messages[0].Code != "expired" {
		t.Fatalf("after TTL: %+v", got)
	}
	r := h.post("brewhouse", "/checkout_sessions/"+s.ID+"/complete", completeBody(tok))
	if r.status != 400 || r.errObj(t).Code != "session_expired" || len(h.r.Paynet.Ledger()) != 0 {
		t.Fatalf("complete expired: %d %s", r.status, r.body)
	}
}

// Concurrent completes of one session with different keys and tokens:
// exactly one order, one capture.
func TestConcurrentComplete(t *testing.T) {
	h := startSmall(t)
	s := h.create("brewhouse", `{"line_items":[{"id":"BH-LAT-OAT-L","quantity":2}]}`)
	toks := make([]string, 8)
	for i := range toks {
		toks[i] = h.token("brewhouse", s.ID, 3100)
	}
	var wg sync.WaitGroup
	statuses := make([]int, len(toks))
	for i := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = h.send("POST", "brewhouse", "/checkout_sessions/"+s.ID+"/complete", fmt.Sprintf("c-%d", i), completeBody(toks[i])).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		if st == 200 {
			ok++
		}
	}
	if ok != 1 || len(h.r.Engine("brewhouse").Orders()) != 1 || len(h.r.Paynet.Ledger()) != 1 {
		t.Fatalf("statuses %v, %d orders, ledger %v", statuses, len(h.r.Engine("brewhouse").Orders()), h.r.Paynet.Ledger())
	}
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "w.yaml")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, path, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	urls := map[string]string{}
	for len(urls) < 4 && sc.Scan() {
		f := strings.Fields(sc.Text())
		urls[f[0]] = f[len(f)-1]
	}
	if !strings.HasPrefix(urls["brewhouse"], "http://127.0.0.1:") || urls["payment"] == "" {
		t.Fatalf("printed %v", urls)
	}
	res, err := http.Get(urls["brewhouse"] + ExtPrefix + "/info")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("served API: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(urls["brewhouse"] + ExtPrefix + "/info"); err == nil {
		t.Fatal("server still up after ctx ended")
	}
	if err := Serve(context.Background(), filepath.Join(dir, "missing.yaml"), io.Discard); err == nil {
		t.Fatal("missing world file accepted")
	}
}

func TestStartDemoWorld(t *testing.T) {
	w, err := DemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, w, Options{})
	for _, m := range h.r.Merchants {
		if m.Interface != InterfaceAPI {
			continue
		}
		r := h.send("GET", m.ID, ExtPrefix+"/products?limit=1", "", "")
		if r.status != 200 {
			t.Errorf("%s: HTTP %d", m.ID, r.status)
		}
	}
}
