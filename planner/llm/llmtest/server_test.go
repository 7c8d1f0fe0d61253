package llmtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
)

func do(t *testing.T, url, auth string, body any) (*http.Response, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

var chatReq = openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}

func TestServerProtocol(t *testing.T) {
	s := llmtest.New(t, llmtest.Step{Status: 429, RetryAfter: "3"}, llmtest.Step{Tool: "f", Arguments: `{"x":1}`})
	if resp, _ := do(t, s.URL+"/chat/completions", "", chatReq); resp.StatusCode != 401 {
		t.Errorf("no key: %d", resp.StatusCode)
	}
	if resp, _ := do(t, s.URL+"/models/x", "k", chatReq); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
	if resp, body := do(t, s.URL+"/chat/completions", "k", map[string]any{"model": "m"}); resp.StatusCode != 400 {
		t.Errorf("no messages: %d %v", resp.StatusCode, body)
	}
	resp, body := do(t, s.URL+"/chat/completions", "k", chatReq)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" || body["error"].(map[string]any)["type"] != "rate_limit_exceeded" {
		t.Errorf("429 step: %d %v", resp.StatusCode, body)
	}
	resp, body = do(t, s.URL+"/chat/completions", "k", chatReq)
	var cr openai.ChatCompletionResponse
	b, _ := json.Marshal(body)
	json.Unmarshal(b, &cr)
	if resp.StatusCode != 200 || cr.Choices[0].FinishReason != "tool_calls" || cr.Choices[0].Message.ToolCalls[0].Function.Arguments != `{"x":1}` || cr.Usage.TotalTokens == 0 {
		t.Errorf("tool step: %+v", cr)
	}
	if len(s.Requests()) != 2 || s.Remaining() != 0 { // the malformed one is not recorded
		t.Errorf("requests %d remaining %d", len(s.Requests()), s.Remaining())
	}
}

// recordingTB captures Errorf so a test can check the server reports a
// request beyond its script.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestServerReportsExhaustedScript(t *testing.T) {
	tb := &recordingTB{TB: t}
	s := llmtest.New(tb)
	resp, _ := do(t, s.URL+"/chat/completions", "k", chatReq)
	if resp.StatusCode != 500 || len(tb.errs) != 1 || !strings.Contains(tb.errs[0], "after the script (0 steps) ended") {
		t.Errorf("status %d, errors %v", resp.StatusCode, tb.errs)
	}
}

func TestEmbeddings(t *testing.T) {
	s := llmtest.New(t)
	resp, body := do(t, s.URL+"/embeddings", "k", map[string]any{"model": "e", "input": []string{"warm down jacket", "down jacket warm", "oat latte"}, "dimensions": 32})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, body)
	}
	var er openai.EmbeddingResponse
	b, _ := json.Marshal(body)
	json.Unmarshal(b, &er)
	if len(er.Data) != 3 || len(er.Data[0].Embedding) != 32 || er.Data[2].Index != 2 {
		t.Fatalf("embeddings %+v", er)
	}
	same, _ := er.Data[0].DotProduct(&er.Data[1])
	other, _ := er.Data[0].DotProduct(&er.Data[2])
	if same < 0.999 || other > 0.5 {
		t.Errorf("same words %.3f, other words %.3f", same, other)
	}
	if resp, _ := do(t, s.URL+"/embeddings", "k", map[string]any{"model": "e", "input": 5}); resp.StatusCode != 400 {
		t.Errorf("numeric input: %d", resp.StatusCode)
	}
	resp, body = do(t, s.URL+"/embeddings", "k", map[string]any{"model": "e", "input": "one"})
	if resp.StatusCode != 200 || len(body["data"].([]any)) != 1 {
		t.Errorf("single input: %v", body)
	}
}

// A NewFunc server answers each request from its content, in any order and
// concurrently, and still reports what it received.
func TestServerFunc(t *testing.T) {
	s := llmtest.NewFunc(t, func(r openai.ChatCompletionRequest) llmtest.Step {
		text := r.Messages[0].Content
		if text == "fail" {
			return llmtest.Step{Status: 503}
		}
		return llmtest.Step{Tool: "echo", Arguments: fmt.Sprintf(`{"said":%q}`, text)}
	})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			said := fmt.Sprint("msg ", i)
			req := openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: said}}}
			resp, body := do(t, s.URL+"/chat/completions", "k", req)
			var cr openai.ChatCompletionResponse
			b, _ := json.Marshal(body)
			json.Unmarshal(b, &cr)
			if resp.StatusCode != 200 || len(cr.Choices) != 1 || cr.Choices[0].Message.ToolCalls[0].Function.Arguments != fmt.Sprintf(`{"said":%q}`, said) {
				t.Errorf("%s: %d %+v", said, resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	fail := openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "fail"}}}
	if resp, _ := do(t, s.URL+"/chat/completions", "k", fail); resp.StatusCode != 503 {
		t.Errorf("error step: %d", resp.StatusCode)
	}
	if n := len(s.Requests()); n != 9 || s.Remaining() != 0 {
		t.Errorf("requests %d remaining %d, want 9 and 0", n, s.Remaining())
	}
}
