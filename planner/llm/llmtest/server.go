// Package llmtest is an OpenAI-compatible model server for tests: it speaks
// /v1/chat/completions and /v1/embeddings on httptest (loopback only),
// decoding and encoding with go-openai's wire types, and answers from a
// script: tool calls, plain text or JSON, malformed bodies, refusals, slow
// replies that give up when the client does, and HTTP errors such as 429
// and 500 with Retry-After.
package llmtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Step is one scripted answer to a chat completion.
type Step struct {
	// Tool and Arguments answer with a call of that tool; Arguments is the
	// raw JSON text (it may be malformed on purpose).
	Tool, Arguments string
	// Content is plain assistant text (prose, or JSON for JSON mode).
	Content string
	// Refusal answers the way OpenAI refuses: content null, refusal set.
	Refusal string
	// FinishReason defaults to "tool_calls" with a Tool, else "stop".
	FinishReason string
	// Status other than 200 answers with an OpenAI error body.
	Status     int
	Message    string // the error's message
	RetryAfter string // Retry-After header value
	// Raw is sent as the 200 body verbatim (a broken server).
	Raw string
	// Delay holds the answer back; the handler gives up as soon as the
	// client goes away (its context ends).
	Delay time.Duration
	// Token counts reported in usage; zero estimates them from the text.
	PromptTokens, CompletionTokens int
	// Check, when set, inspects the request; a returned error fails the
	// test and the server answers 400.
	Check func(openai.ChatCompletionRequest) error
}

// Server is a scripted OpenAI-compatible server. Steps are consumed in
// order; a request after the script ends fails the test. A server made by
// NewFunc answers every request from its function instead.
type Server struct {
	// URL is the API root, ending in /v1.
	URL string
	// EmbeddingDim is the length of returned embedding vectors (default 16).
	EmbeddingDim int

	t   testing.TB
	srv *httptest.Server

	// answer, when set (NewFunc), builds each answer from its request.
	answer func(openai.ChatCompletionRequest) Step

	mu       sync.Mutex
	steps    []Step
	next     int
	requests []openai.ChatCompletionRequest
	bodies   [][]byte
}

// New starts a server answering with steps; it stops when the test ends.
func New(t testing.TB, steps ...Step) *Server {
	t.Helper()
	return start(t, &Server{t: t, steps: steps, EmbeddingDim: 16})
}

func start(t testing.TB, s *Server) *Server {
	t.Helper()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1"
	t.Cleanup(s.srv.Close)
	return s
}

// NewFunc starts a server that answers every chat completion with the step
// answer builds from the request: a model that reads its prompt, for tests
// where requests arrive in no fixed order (concurrent sessions). A Check on
// the returned step runs as usual. It stops when the test ends.
func NewFunc(t testing.TB, answer func(openai.ChatCompletionRequest) Step) *Server {
	t.Helper()
	return start(t, &Server{t: t, answer: answer, EmbeddingDim: 16})
}

// Push appends steps to the script.
func (s *Server) Push(steps ...Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, steps...)
}

// Requests returns the chat requests received so far, decoded.
func (s *Server) Requests() []openai.ChatCompletionRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]openai.ChatCompletionRequest(nil), s.requests...)
}

// RawRequests returns the chat request bodies received so far.
func (s *Server) RawRequests() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

// Remaining is the number of steps not yet served (always 0 for a server
// made by NewFunc).
func (s *Server) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.answer != nil {
		return 0
	}
	return len(s.steps) - s.next
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method "+r.Method+" not allowed", "")
		return
	}
	if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "Bearer ") || strings.TrimSpace(a[len("Bearer "):]) == "" {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "You didn't provide an API key.", "")
		return
	}
	switch r.URL.Path {
	case "/v1/chat/completions":
		s.chat(w, r)
	case "/v1/embeddings":
		s.embeddings(w, r)
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "Unknown request URL: POST "+r.URL.Path, "")
	}
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req openai.ChatCompletionRequest
	body, ok := decodeBody(w, r, &req)
	if !ok {
		return
	}
	if req.Model == "" || len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "model and messages are required", "")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.bodies = append(s.bodies, body)
	n := s.next
	if s.answer != nil {
		s.next++
		s.mu.Unlock()
		s.reply(w, r, n, req, body, s.answer(req))
		return
	}
	if n >= len(s.steps) {
		s.mu.Unlock()
		s.t.Errorf("llmtest: request %d arrived after the script (%d steps) ended", n+1, len(s.steps))
		writeError(w, http.StatusInternalServerError, "server_error", "llmtest: script exhausted", "")
		return
	}
	st := s.steps[n]
	s.next++
	s.mu.Unlock()
	s.reply(w, r, n, req, body, st)
}

// reply answers request n (zero-based) with step st.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, n int, req openai.ChatCompletionRequest, body []byte, st Step) {
	if st.Check != nil {
		if err := st.Check(req); err != nil {
			s.t.Errorf("llmtest: request %d: %v", n+1, err)
			writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error(), "")
			return
		}
	}
	if st.Delay > 0 {
		t := time.NewTimer(st.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if st.RetryAfter != "" {
		w.Header().Set("Retry-After", st.RetryAfter)
	}
	if st.Status != 0 && st.Status != http.StatusOK {
		typ := "server_error"
		if st.Status == http.StatusTooManyRequests {
			typ = "rate_limit_exceeded"
		} else if st.Status < 500 {
			typ = "invalid_request_error"
		}
		msg := st.Message
		if msg == "" {
			msg = http.StatusText(st.Status)
		}
		writeError(w, st.Status, typ, msg, "")
		return
	}
	if st.Raw != "" {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, st.Raw)
		return
	}
	msg := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: st.Content, Refusal: st.Refusal}
	finish := openai.FinishReason(st.FinishReason)
	if st.Tool != "" {
		msg.ToolCalls = []openai.ToolCall{{ID: fmt.Sprintf("call_%d", n+1), Type: openai.ToolTypeFunction,
			Function: openai.FunctionCall{Name: st.Tool, Arguments: st.Arguments}}}
		if finish == "" {
			finish = openai.FinishReasonToolCalls
		}
	}
	if finish == "" {
		finish = openai.FinishReasonStop
	}
	pt, ct := st.PromptTokens, st.CompletionTokens
	if pt == 0 {
		pt = estimateTokens(string(body))
	}
	if ct == 0 {
		ct = estimateTokens(st.Content + st.Refusal + st.Tool + st.Arguments)
	}
	writeJSON(w, http.StatusOK, openai.ChatCompletionResponse{
		ID: fmt.Sprintf("chatcmpl-llmtest-%d", n+1), Object: "chat.completion", Created: 1767225600, Model: req.Model,
		Choices: []openai.ChatCompletionChoice{{Index: 0, Message: msg, FinishReason: finish}},
		Usage:   openai.Usage{PromptTokens: pt, CompletionTokens: ct, TotalTokens: pt + ct},
	})
}

// embeddings answers with deterministic bag-of-words vectors: texts that
// share words get similar vectors, the same text always the same vector.
func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	var req openai.EmbeddingRequest
	if _, ok := decodeBody(w, r, &req); !ok {
		return
	}
	var inputs []string
	switch in := req.Input.(type) {
	case string:
		inputs = []string{in}
	case []any:
		for i, x := range in {
			str, ok := x.(string)
			if !ok {
				writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("input[%d] is not a string", i), "input")
				return
			}
			inputs = append(inputs, str)
		}
	default:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "input must be a string or a list of strings", "input")
		return
	}
	dim := s.EmbeddingDim
	if req.Dimensions > 0 {
		dim = req.Dimensions
	}
	resp := openai.EmbeddingResponse{Object: "list", Model: req.Model}
	tokens := 0
	for i, text := range inputs {
		resp.Data = append(resp.Data, openai.Embedding{Object: "embedding", Index: i, Embedding: Embed(text, dim)})
		tokens += estimateTokens(text)
	}
	resp.Usage = openai.Usage{PromptTokens: tokens, TotalTokens: tokens}
	writeJSON(w, http.StatusOK, resp)
}

// Embed is the server's embedding: a normalised hashed bag of words.
func Embed(text string, dim int) []float32 {
	v := make([]float64, dim)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f)
	}) {
		h := fnv.New64a()
		h.Write([]byte(w))
		x := h.Sum64()
		sign := 1.0
		if x&1 == 1 {
			sign = -1
		}
		v[(x>>1)%uint64(dim)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, dim)
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

func estimateTokens(s string) int { return len(s)/4 + 1 }

// decodeBody reads a JSON request body (at most 8 MiB) into v; on failure
// it has answered 400.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	defer r.Body.Close()
	b, err := io.ReadAll(io.LimitReader(r.Body, 8<<20+1))
	if err == nil && len(b) > 8<<20 {
		err = fmt.Errorf("body over 8 MiB")
	}
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "could not parse the JSON body: "+err.Error(), "")
		return nil, false
	}
	return b, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, typ, msg, param string) {
	e := &openai.APIError{Type: typ, Message: msg}
	if param != "" {
		e.Param = &param
	}
	writeJSON(w, status, openai.ErrorResponse{Error: e})
}
