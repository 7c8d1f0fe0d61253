package openaiembed_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/openaiembed"
)

// fakeOpenAI speaks OpenAI's embeddings wire format (go-openai's own
// types), answering with the local embedder's vectors in shuffled order, as
// servers may. fail makes the next n requests answer with that status.
type fakeOpenAI struct {
	t        *testing.T
	dim      int
	requests atomic.Int32
	failN    atomic.Int32
	failCode int
	mangle   func(*openai.EmbeddingResponse)
	lastReq  openai.EmbeddingRequest
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if r.Header.Get("Authorization") != "Bearer test-key" {
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": openai.APIError{Message: "Incorrect API key provided", Type: "invalid_request_error", Code: "invalid_api_key"}})
		return
	}
	if f.failN.Load() > 0 {
		f.failN.Add(-1)
		w.WriteHeader(f.failCode)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": openai.APIError{Message: "overloaded", Type: "server_error"}})
		return
	}
	var req openai.EmbeddingRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.lastReq = req
	raw, _ := json.Marshal(req.Input)
	var texts []string
	if err := json.Unmarshal(raw, &texts); err != nil {
		http.Error(w, "input must be a list of strings", http.StatusBadRequest)
		return
	}
	e, _ := localembed.New(localembed.Config{Dim: f.dim})
	vecs, err := e.Embed(r.Context(), texts)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp := openai.EmbeddingResponse{Object: "list", Model: req.Model}
	for i, v := range vecs {
		resp.Data = append(resp.Data, openai.Embedding{Object: "embedding", Embedding: v, Index: i})
	}
	rand.Shuffle(len(resp.Data), func(i, j int) { resp.Data[i], resp.Data[j] = resp.Data[j], resp.Data[i] })
	if f.mangle != nil {
		f.mangle(&resp)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func serve(t *testing.T, dim int) (*fakeOpenAI, string) {
	f := &fakeOpenAI{t: t, dim: dim, failCode: http.StatusServiceUnavailable}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL + "/v1"
}

func TestEmbedOrderBatchesAndProbe(t *testing.T) {
	ctx := context.Background()
	f, url := serve(t, 128)
	e, err := openaiembed.New(ctx, openaiembed.Config{BaseURL: url, APIKey: "test-key", Model: "nomic-embed-text", BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if e.Dim() != 128 || e.Name() != "openai:nomic-embed-text" || f.requests.Load() != 1 {
		t.Fatalf("probe: dim %d name %s requests %d", e.Dim(), e.Name(), f.requests.Load())
	}
	texts := []string{"I am lactose intolerant", "a medium t-shirt", "deliver to the office", "oat milk", "green tea", "size M", "board games"}
	got, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.requests.Load(); n != 1+3 {
		t.Fatalf("7 texts in batches of 3: %d requests, want 3 (+1 probe)", n-1)
	}
	local, _ := localembed.New(localembed.Config{Dim: 128})
	want, _ := local.Embed(ctx, texts)
	for i := range texts {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("text %d: vectors out of order (server shuffles data[])", i)
			}
		}
	}
	if f.lastReq.Model != "nomic-embed-text" || f.lastReq.Dimensions != 0 {
		t.Fatalf("request: %+v", f.lastReq)
	}
}

func TestRequestDim(t *testing.T) {
	f, url := serve(t, 64)
	e, err := openaiembed.New(context.Background(), openaiembed.Config{BaseURL: url, APIKey: "test-key", Model: "text-embedding-3-small", Dim: 64, RequestDim: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.requests.Load() != 0 {
		t.Fatal("a known Dim needs no probe")
	}
	if _, err := e.Embed(context.Background(), []string{"tea"}); err != nil {
		t.Fatal(err)
	}
	if f.lastReq.Dimensions != 64 {
		t.Fatalf("dimensions not sent: %+v", f.lastReq)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	f, url := serve(t, 64)
	if _, err := openaiembed.New(ctx, openaiembed.Config{BaseURL: url, APIKey: "wrong-secret", Model: "m"}); err == nil ||
		!strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("bad key: want a 401 error without the key, got %v", err)
	}
	if _, err := openaiembed.New(ctx, openaiembed.Config{BaseURL: url, APIKey: "test-key"}); err == nil || !strings.Contains(err.Error(), "Model") {
		t.Fatalf("no model: %v", err)
	}
	// The server says 64 dims but we were told 32: caught, named.
	e, _ := openaiembed.New(ctx, openaiembed.Config{BaseURL: url, APIKey: "test-key", Model: "m", Dim: 32})
	if _, err := e.Embed(ctx, []string{"tea"}); err == nil || !strings.Contains(err.Error(), "64-dimensional") {
		t.Fatalf("wrong dimension: %v", err)
	}
	// Fewer embeddings than texts, or a repeated index.
	e, _ = openaiembed.New(ctx, openaiembed.Config{BaseURL: url, APIKey: "test-key", Model: "m", Dim: 64})
	f.mangle = func(r *openai.EmbeddingResponse) { r.Data = r.Data[:1] }
	if _, err := e.Embed(ctx, []string{"tea", "coffee"}); err == nil || !strings.Contains(err.Error(), "1 embeddings for 2 texts") {
		t.Fatalf("short answer: %v", err)
	}
	f.mangle = func(r *openai.EmbeddingResponse) { r.Data[0].Index, r.Data[1].Index = 0, 0 }
	if _, err := e.Embed(ctx, []string{"tea", "coffee"}); err == nil || !strings.Contains(err.Error(), "index") {
		t.Fatalf("repeated index: %v", err)
	}
	f.mangle = nil
	// Not retried: 400.
	f.failCode, f.failN = http.StatusBadRequest, atomic.Int32{}
	f.failN.Store(1)
	before := f.requests.Load()
	if _, err := e.Embed(ctx, []string{"tea"}); err == nil || f.requests.Load()-before != 1 {
		t.Fatalf("400 must fail without retry: %v, %d requests", err, f.requests.Load()-before)
	}
}

func TestRetriesOverloadedServer(t *testing.T) {
	ctx := context.Background()
	f, url := serve(t, 64)
	e, err := openaiembed.New(ctx, openaiembed.Config{BaseURL: url, APIKey: "test-key", Model: "m", Dim: 64, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	openaiembed.SetBackoff(e, time.Millisecond)
	f.failN.Store(2) // two 503s, then success
	if _, err := e.Embed(ctx, []string{"tea"}); err != nil {
		t.Fatalf("after two 503s: %v", err)
	}
	f.failN.Store(3) // more than the retries
	if _, err := e.Embed(ctx, []string{"tea"}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("three 503s with 2 retries: %v", err)
	}
	f.failN.Store(0)
	f.failCode = http.StatusTooManyRequests
	f.failN.Store(1)
	if _, err := e.Embed(ctx, []string{"tea"}); err != nil {
		t.Fatalf("429 then success: %v", err)
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(openaiembed.EnvModel, "")
	if _, ok, err := openaiembed.FromEnv(context.Background()); ok || err != nil {
		t.Fatalf("unset model: ok=%v err=%v", ok, err)
	}
	_, url := serve(t, 96)
	t.Setenv(openaiembed.EnvModel, "nomic-embed-text")
	t.Setenv(openaiembed.EnvBaseURL, url)
	t.Setenv(openaiembed.EnvAPIKey, "test-key")
	e, ok, err := openaiembed.FromEnv(context.Background())
	if !ok || err != nil || e.Dim() != 96 {
		t.Fatalf("FromEnv: %v %v %v", e, ok, err)
	}
}

// The embedder plugs into memory like any other: its vectors go through
// memory's checks, and a model switch is a clear mismatch.
func TestAsMemoryEmbedder(t *testing.T) {
	ctx := context.Background()
	_, url := serve(t, 64)
	e, err := openaiembed.New(ctx, openaiembed.Config{BaseURL: url, APIKey: "test-key", Model: "m", Dim: 64})
	if err != nil {
		t.Fatal(err)
	}
	vecs, err := e.Embed(ctx, []string{"I am lactose intolerant"})
	if err != nil {
		t.Fatal(err)
	}
	if err := memory.CheckVectors(memory.SpaceOf(e), 1, vecs); err != nil {
		t.Fatal(err)
	}
	other, _ := openaiembed.New(ctx, openaiembed.Config{BaseURL: url, APIKey: "test-key", Model: "other", Dim: 64})
	if memory.SpaceOf(e) == memory.SpaceOf(other) {
		t.Fatal("two models share a space")
	}
	if err := memory.CheckStoreVector(memory.SpaceOf(e), memory.SpaceOf(other), vecs[0]); !errors.Is(err, memory.ErrEmbedderMismatch) {
		t.Fatalf("model switch: %v", err)
	}
}
