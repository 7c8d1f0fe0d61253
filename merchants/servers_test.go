package merchants

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServersHaveTimeouts: every server the world runs bounds reading a
// request (headers and body) and idle keep-alive connections.
func TestServersHaveTimeouts(t *testing.T) {
	h := startSmall(t)
	if len(h.r.servers) == 0 {
		t.Fatal("no servers")
	}
	for _, s := range h.r.servers {
		if s.ReadTimeout <= 0 || s.IdleTimeout <= 0 || s.ReadHeaderTimeout <= 0 || s.MaxHeaderBytes <= 0 {
			t.Errorf("server %s: ReadTimeout %v IdleTimeout %v ReadHeaderTimeout %v MaxHeaderBytes %d", s.Addr, s.ReadTimeout, s.IdleTimeout, s.ReadHeaderTimeout, s.MaxHeaderBytes)
		}
	}
}

// TestServersSlowBodyBounded: a client that declares a body and never
// sends it is cut off, at the merchant API and at the payment network.
func TestServersSlowBodyBounded(t *testing.T) {
	h := start(t, loadSmall(t), Options{ReadTimeout: 300 * time.Millisecond})
	for _, base := range []string{h.r.URL("brewhouse"), h.r.PaynetURL} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "POST /checkout_sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: slow\r\nContent-Length: 100\r\n\r\n")
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, err = io.ReadAll(bufio.NewReader(conn))
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("%s: the server kept a connection with a body that never came open for 20s", base)
		}
		conn.Close()
	}
}

// TestServers405WithAllow: a known path with the wrong method is 405 with
// an Allow header, in the ACP error shape.
func TestServers405WithAllow(t *testing.T) {
	h := startSmall(t)
	for _, c := range []struct{ method, base, path, allow string }{
		{"GET", h.r.URL("brewhouse"), "/checkout_sessions", "POST"},
		{"DELETE", h.r.URL("brewhouse"), "/checkout_sessions/cs_1", "GET, POST"},
		{"GET", h.r.PaynetURL, "/agentic_commerce/delegate_payment", "POST"},
		{"PUT", h.r.PaynetURL, "/processor/ledger", "GET"},
	} {
		r := h.send(c.method, c.base, c.path, "k-"+c.method, "")
		if r.status != http.StatusMethodNotAllowed || !strings.Contains(r.header.Get("Allow"), strings.Split(c.allow, ",")[0]) {
			t.Errorf("%s %s: %d Allow %q, want 405 with %s\n%s", c.method, c.path, r.status, r.header.Get("Allow"), c.allow, r.body)
			continue
		}
		if e := r.errObj(t); e.Code != "method_not_allowed" {
			t.Errorf("%s %s: code %q", c.method, c.path, e.Code)
		}
	}
	if r := h.send("GET", h.r.URL("brewhouse"), "/no/such/route", "", ""); r.status != http.StatusNotFound {
		t.Errorf("unknown path: %d", r.status)
	}
}

var goTypeName = regexp.MustCompile(`acp\.|paynet\.|struct|map\[|\[\]|int64|float64|\*`)

// TestServersErrorsNameNoGoTypes: a body of the wrong JSON shape is
// described in JSON's terms, not Go's.
func TestServersErrorsNameNoGoTypes(t *testing.T) {
	h := startSmall(t)
	for _, c := range []struct{ base, path, body string }{
		{h.r.URL("brewhouse"), "/checkout_sessions", `[]`},
		{h.r.URL("brewhouse"), "/checkout_sessions", `{"items":{}}`},
		{h.r.URL("brewhouse"), "/checkout_sessions", `{"items":[{"id":"BH-LAT-OAT-L","quantity":"two"}]}`},
		{h.r.PaynetURL, "/agentic_commerce/delegate_payment", `"x"`},
		{h.r.PaynetURL, "/processor/captures", `{"amount":[]}`},
	} {
		r := h.send("POST", c.base, c.path, h.key(), c.body)
		e := r.errObj(t)
		if r.status != http.StatusBadRequest || goTypeName.MatchString(e.Message) {
			t.Errorf("POST %s %s: %d %q", c.path, c.body, r.status, e.Message)
		}
	}
}
