// Package replay records and replays HTTP traffic to a model server, so
// tests of the LLM planner run without a network or a key.
//
// In record mode (CARTWRIGHT_RECORD=1) requests go to the real endpoint and
// each request/response pair is written, normalised, to a JSON file:
// credentials (Authorization, api-key and similar headers; any body field
// named like a key, token or secret) are dropped, JSON bodies are
// canonicalised. In replay mode the file answers instead, and a request
// that matches no unused recording fails.
package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// EnvRecord switches to record mode when set to 1.
const EnvRecord = "CARTWRIGHT_RECORD"

// File is a recording on disk.
type File struct {
	// Comment says what the recording was made against.
	Comment string `json:"comment"`
	// Rerecord is the command that makes the recording again.
	Rerecord     string        `json:"rerecord"`
	Interactions []Interaction `json:"interactions"`
}

// Interaction is one normalised request and its response.
type Interaction struct {
	Request  Request  `json:"request"`
	Response Response `json:"response"`
}

// Request is a normalised request: no host, no headers, canonical body.
type Request struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body,omitempty"`
}

// Response is a recorded response.
type Response struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header,omitempty"`
	Body   json.RawMessage   `json:"body,omitempty"`
}

// ErrNoRecording: replay mode and the recording file does not exist.
var ErrNoRecording = errors.New("replay: no recording")

// Options configure Open.
type Options struct {
	// Record forces record mode (default: CARTWRIGHT_RECORD=1).
	Record bool
	// Real carries requests in record mode (default http.DefaultTransport).
	Real http.RoundTripper
	// Comment and Rerecord are written into a new recording.
	Comment, Rerecord string
}

// Transport is an http.RoundTripper that records or replays.
type Transport struct {
	file   string
	record bool
	real   http.RoundTripper
	mu     sync.Mutex
	rec    File
	used   []bool
}

// Recording reports whether requests go to the real endpoint.
func (t *Transport) Recording() bool { return t.record }

// Open prepares a transport for file.
func Open(file string, opt Options) (*Transport, error) {
	t := &Transport{file: file, record: opt.Record || os.Getenv(EnvRecord) == "1", real: opt.Real}
	if t.record {
		if t.real == nil {
			t.real = http.DefaultTransport
		}
		t.rec = File{Comment: opt.Comment, Rerecord: opt.Rerecord}
		return t, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoRecording, file)
	}
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if err := json.Unmarshal(b, &t.rec); err != nil {
		return nil, fmt.Errorf("replay: %s: %w", file, err)
	}
	for i := range t.rec.Interactions {
		in := &t.rec.Interactions[i]
		if in.Request.Method == "" || in.Request.Path == "" || in.Response.Status == 0 {
			return nil, fmt.Errorf("replay: %s: interactions[%d]: method, path and status are required", file, i)
		}
		// The file is indented for reading; compare and serve compact JSON.
		in.Request.Body, in.Response.Body = compact(in.Request.Body), compact(in.Response.Body)
	}
	t.used = make([]bool, len(t.rec.Interactions))
	return t, nil
}

// ForTest opens file for a test: it skips the test, with the command to
// record, when there is no recording; fails it on an unexpected request or
// an unused recording; and writes the recording when the test ends.
func ForTest(t testing.TB, file string, opt Options) *Transport {
	t.Helper()
	tr, err := Open(file, opt)
	if errors.Is(err, ErrNoRecording) {
		t.Skipf("no recording %s and not recording; to record: %s", file, opt.Rerecord)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Error(err)
		}
	})
	return tr
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("replay: reading request body: %w", err)
		}
		body = b
	}
	nreq := Request{Method: req.Method, Path: req.URL.Path, Body: normalise(body)}
	if t.record {
		return t.recordTrip(req, body, nreq)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	closest := -1
	for i, in := range t.rec.Interactions {
		if t.used[i] || in.Request.Method != nreq.Method || in.Request.Path != nreq.Path {
			continue
		}
		if bytes.Equal(in.Request.Body, nreq.Body) {
			t.used[i] = true
			return in.Response.http(req), nil
		}
		if closest < 0 {
			closest = i
		}
	}
	msg := fmt.Sprintf("replay: unexpected request %s %s: no unused recording in %s matches", nreq.Method, nreq.Path, t.file)
	if closest >= 0 {
		msg += "; " + firstDifference(t.rec.Interactions[closest].Request.Body, nreq.Body, closest)
	}
	if t.rec.Rerecord != "" {
		msg += "; to record again: " + t.rec.Rerecord
	}
	return nil, errors.New(msg)
}

func (t *Transport) recordTrip(req *http.Request, body []byte, nreq Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	resp, err := t.real.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	rb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("replay: reading response: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	nr := Response{Status: resp.StatusCode, Body: normalise(rb), Header: map[string]string{}}
	for _, h := range []string{"Content-Type", "Retry-After"} {
		if v := resp.Header.Get(h); v != "" {
			nr.Header[h] = v
		}
	}
	t.mu.Lock()
	t.rec.Interactions = append(t.rec.Interactions, Interaction{Request: nreq, Response: nr})
	t.mu.Unlock()
	return resp, nil
}

func (r Response) http(req *http.Request) *http.Response {
	h := http.Header{}
	for k, v := range r.Header {
		h.Set(k, v)
	}
	body := []byte(r.Body)
	var s string
	if json.Unmarshal(r.Body, &s) == nil && !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		body = []byte(s) // a non-JSON body recorded as a JSON string
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status)), StatusCode: r.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}
}

// Close writes the recording (record mode) or reports recordings that were
// never requested (replay mode).
func (t *Transport) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.record {
		var unused []string
		for i, u := range t.used {
			if !u {
				unused = append(unused, fmt.Sprint(i))
			}
		}
		if len(unused) > 0 {
			return fmt.Errorf("replay: %s: interactions %s were never requested", t.file, strings.Join(unused, ", "))
		}
		return nil
	}
	b, err := json.MarshalIndent(t.rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(t.file), 0o755); err != nil {
		return err
	}
	tmp := t.file + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, t.file)
}

// secretField reports whether a JSON field or header name may carry a
// credential: api keys, tokens (not token counts), secrets, passwords.
func secretField(name string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(name))
	for _, s := range []string{"authorization", "secret", "password", "organization", "bearer"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return strings.HasSuffix(n, "token") || strings.HasSuffix(n, "key")
}

// normalise canonicalises a JSON body (sorted keys, no credentials); other
// bodies are kept as a JSON string.
func normalise(b []byte) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil || d.More() {
		s, _ := json.Marshal(string(b))
		return s
	}
	out, _ := json.Marshal(scrub(v))
	return out
}

func scrub(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretField(k) {
				delete(x, k)
				continue
			}
			x[k] = scrub(val)
		}
	case []any:
		for i := range x {
			x[i] = scrub(x[i])
		}
	}
	return v
}

func compact(b json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if len(b) == 0 || json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

func firstDifference(want, got []byte, idx int) string {
	n := 0
	for n < len(want) && n < len(got) && want[n] == got[n] {
		n++
	}
	lo := max(0, n-40)
	snip := func(b []byte) string { return string(b[lo:min(len(b), n+40)]) }
	return fmt.Sprintf("closest is interaction %d, bodies differ at byte %d: recorded …%s… got …%s…", idx, n, snip(want), snip(got))
}
