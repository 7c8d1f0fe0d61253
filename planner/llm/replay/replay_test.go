package replay_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
	"github.com/cartwright-agent/cartwright/planner/llm/replay"
)

const secret = "sk-live-SECRET-0123456789abcdef"

func post(t *testing.T, c *http.Client, url, body string) (*http.Response, string, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("api-key", secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

func TestRecordThenReplay(t *testing.T) {
	srv := llmtest.New(t,
		llmtest.Step{Content: "hello"},
		llmtest.Step{Status: 429, RetryAfter: "7", Message: "slow down"},
	)
	file := filepath.Join(t.TempDir(), "rec.json")
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}],"api_key":"` + secret + `","user":"u1"}`

	rec, err := replay.Open(file, replay.Options{Record: true, Comment: "test", Rerecord: "go test ./x"})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: rec}
	_, first, err := post(t, c, srv.URL+"/chat/completions", body)
	if err != nil {
		t.Fatal(err)
	}
	resp, second, err := post(t, c, srv.URL+"/chat/completions", body)
	if err != nil || resp.StatusCode != 429 {
		t.Fatalf("second: %v %v", resp, err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(file)
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(bytes.ToLower(raw), []byte("authorization")) {
		t.Fatalf("recording holds a credential:\n%s", raw)
	}
	for _, want := range []string{`"comment": "test"`, `"rerecord": "go test ./x"`, `"Retry-After": "7"`, `"prompt_tokens"`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("recording lacks %s", want)
		}
	}

	// Replay: same answers, in order, from the file alone; key order in the
	// request body does not matter.
	rp, err := replay.Open(file, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c = &http.Client{Transport: rp}
	reordered := `{"user":"u1","messages":[{"content":"hi","role":"user"}],"model":"m"}`
	_, got1, err := post(t, c, "http://anything.invalid/v1/chat/completions", reordered)
	if err != nil || !sameJSON(got1, first) {
		t.Fatalf("replayed %q, recorded %q, err %v", got1, first, err)
	}
	resp, got2, err := post(t, c, "http://anything.invalid/v1/chat/completions", body)
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || !sameJSON(got2, second) {
		t.Fatalf("replayed %v %q err %v", resp, got2, err)
	}
	_, _, err = post(t, c, "http://anything.invalid/v1/chat/completions", body)
	if err == nil || !strings.Contains(err.Error(), "unexpected request POST /v1/chat/completions") || !strings.Contains(err.Error(), "go test ./x") {
		t.Fatalf("third request: %v", err)
	}
	if err := rp.Close(); err != nil {
		t.Fatal(err)
	}
}

func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

func TestReplayFailures(t *testing.T) {
	if _, err := replay.Open(filepath.Join(t.TempDir(), "none.json"), replay.Options{}); !errors.Is(err, replay.ErrNoRecording) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"interactions":[{"request":{"method":"POST"}}]}`), 0o644)
	if _, err := replay.Open(bad, replay.Options{}); err == nil || !strings.Contains(err.Error(), "interactions[0]") {
		t.Errorf("incomplete interaction: %v", err)
	}
	unused := filepath.Join(t.TempDir(), "unused.json")
	os.WriteFile(unused, []byte(`{"interactions":[{"request":{"method":"POST","path":"/v1/x","body":{"a":1}},"response":{"status":200,"body":{}}}]}`), 0o644)
	rp, err := replay.Open(unused, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rp.Close(); err == nil || !strings.Contains(err.Error(), "never requested") {
		t.Errorf("unused interaction: %v", err)
	}
	reached := false
	t.Run("skips without a recording", func(t *testing.T) {
		replay.ForTest(t, filepath.Join(t.TempDir(), "none.json"), replay.Options{Rerecord: "make it"})
		reached = true
	})
	if reached {
		t.Error("ForTest did not skip without a recording")
	}
}
