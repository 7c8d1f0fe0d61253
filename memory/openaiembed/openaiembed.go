// Package openaiembed is a memory.Embedder over any OpenAI-compatible
// embeddings endpoint (OpenAI, Ollama, vLLM, LM Studio, …), through
// go-openai's embeddings API.
//
// Configure it from the environment with FromEnv: OPENAI_BASE_URL (default
// https://api.openai.com/v1), OPENAI_API_KEY, CARTWRIGHT_EMBED_MODEL (its
// presence turns this embedder on). Vectors are tagged with the model name,
// so switching models is detected (memory.ErrEmbedderMismatch) until
// memory.Reembed rewrites the store.
package openaiembed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/cartwright-agent/cartwright/memory"
)

// Environment variables FromEnv reads.
const (
	EnvBaseURL = "OPENAI_BASE_URL"
	EnvAPIKey  = "OPENAI_API_KEY"
	EnvModel   = "CARTWRIGHT_EMBED_MODEL"
)

// Config configures the embedder.
type Config struct {
	// BaseURL is the API root ending in /v1; OpenAI's when empty.
	BaseURL string
	// APIKey is sent as a bearer token; local servers accept any value.
	APIKey string
	// Model names the embedding model ("text-embedding-3-small",
	// "nomic-embed-text"). Required.
	Model string
	// Dim is the vector dimension. Zero: New asks the server once (one
	// probe request) and uses what it returns. When RequestDim is set, Dim
	// is also sent as the request's "dimensions" (text-embedding-3 models).
	Dim        int
	RequestDim bool
	// BatchSize bounds texts per request (default 96).
	BatchSize int
	// Timeout bounds one request (default 30s); Retries is how many times
	// a 429 or 5xx answer is retried (default 2).
	Timeout time.Duration
	Retries int
	// HTTPClient overrides the HTTP client (tests).
	HTTPClient *http.Client
}

// Embedder is the OpenAI-compatible embedder.
type Embedder struct {
	client  *openai.Client
	cfg     Config
	dim     int
	name    string
	backoff time.Duration
}

var _ memory.Embedder = (*Embedder)(nil)

// FromEnv returns the embedder configured by the environment, or ok=false
// when CARTWRIGHT_EMBED_MODEL is not set (use the local embedder then).
func FromEnv(ctx context.Context) (e *Embedder, ok bool, err error) {
	model := strings.TrimSpace(os.Getenv(EnvModel))
	if model == "" {
		return nil, false, nil
	}
	e, err = New(ctx, Config{BaseURL: os.Getenv(EnvBaseURL), APIKey: os.Getenv(EnvAPIKey), Model: model})
	if err != nil {
		return nil, true, err
	}
	return e, true, nil
}

// New returns the embedder; with Config.Dim zero it probes the server for
// the dimension.
func New(ctx context.Context, cfg Config) (*Embedder, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, fmt.Errorf("openaiembed: Config.Model is empty (set %s)", EnvModel)
	}
	if cfg.Dim < 0 || cfg.Dim > 16000 {
		return nil, fmt.Errorf("openaiembed: Config.Dim %d out of range 0..16000", cfg.Dim)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 96
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	}
	e := &Embedder{client: openai.NewClientWithConfig(oc), cfg: cfg, dim: cfg.Dim, name: "openai:" + cfg.Model, backoff: 500 * time.Millisecond}
	if e.dim == 0 {
		vecs, err := e.request(ctx, []string{"dimension probe"})
		if err != nil {
			return nil, fmt.Errorf("openaiembed: probe %s for its dimension: %w", cfg.Model, err)
		}
		e.dim = len(vecs[0])
		if e.dim == 0 {
			return nil, fmt.Errorf("openaiembed: model %s returned an empty vector", cfg.Model)
		}
	}
	return e, nil
}

// Name implements memory.Embedder: "openai:" + the model name.
func (e *Embedder) Name() string { return e.name }

// Dim implements memory.Embedder.
func (e *Embedder) Dim() int { return e.dim }

// Embed implements memory.Embedder, in batches of Config.BatchSize.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.cfg.BatchSize {
		batch := texts[start:min(start+e.cfg.BatchSize, len(texts))]
		vecs, err := e.request(ctx, batch)
		if err != nil {
			return nil, err
		}
		for i, v := range vecs {
			if len(v) != e.dim {
				return nil, fmt.Errorf("openaiembed: model %s returned a %d-dimensional vector for text %d, want %d", e.cfg.Model, len(v), start+i, e.dim)
			}
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// request sends one batch, retrying 429 and 5xx answers, and returns the
// vectors in input order.
func (e *Embedder) request(ctx context.Context, texts []string) ([][]float32, error) {
	req := openai.EmbeddingRequest{Input: texts, Model: openai.EmbeddingModel(e.cfg.Model)}
	if e.cfg.RequestDim && e.cfg.Dim > 0 {
		req.Dimensions = e.cfg.Dim
	}
	var resp openai.EmbeddingResponse
	var err error
	for attempt := 0; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
		resp, err = e.client.CreateEmbeddings(rctx, req)
		cancel()
		if err == nil || attempt >= e.cfg.Retries || !retryable(err) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(e.backoff << attempt):
		}
	}
	if err != nil {
		return nil, fmt.Errorf("openaiembed: model %s: %w", e.cfg.Model, err) // go-openai errors carry status and message, never the key
	}
	if len(resp.Data) != len(texts) {
		return nil, fmt.Errorf("openaiembed: model %s returned %d embeddings for %d texts", e.cfg.Model, len(resp.Data), len(texts))
	}
	out := make([][]float32, len(texts))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil {
			return nil, fmt.Errorf("openaiembed: model %s returned a bad or repeated index %d", e.cfg.Model, d.Index)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

func retryable(err error) bool {
	var api *openai.APIError
	if errors.As(err, &api) {
		return api.HTTPStatusCode == http.StatusTooManyRequests || api.HTTPStatusCode >= 500
	}
	var re *openai.RequestError
	if errors.As(err, &re) {
		return re.HTTPStatusCode == http.StatusTooManyRequests || re.HTTPStatusCode >= 500
	}
	return false
}
