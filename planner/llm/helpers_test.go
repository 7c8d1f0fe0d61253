package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
	"github.com/cartwright-agent/cartwright/skills"
)

const testKey = "sk-test-SECRET-do-not-log-0123456789"

// vocab is a small coffee-and-clothing world.
func vocab() planner.Vocabulary {
	return planner.Vocabulary{
		Categories: []string{"apparel", "coffee", "tea"},
		Attributes: map[string][]string{
			"size":     {"small", "medium", "large"},
			"milk":     {"whole", "skim", "oat", "soy"},
			"material": {"down", "fleece", "cotton"},
		},
		Brands:    []string{"Arctica", "Beanery", "Northwind"},
		Merchants: map[string]string{"beanery": "Beanery Coffee", "cupful": "Cupful", "outfitters": "Outfitters"},
		Currency:  "CNY",
		Catalog:   catalog(),
	}
}

// catalog is the world's per-category vocabulary (what its merchants
// publish): lattes in every milk and size, and jackets.
func catalog() []skills.CategoryVocabulary {
	var ps []skills.Product
	for _, size := range []string{"small", "medium", "large"} {
		for _, milk := range []string{"whole", "skim", "oat", "soy"} {
			ps = append(ps, skills.Product{Title: milk + " Milk Latte (" + size + ")", Category: "coffee", Brand: "Beanery",
				Attributes: map[string]string{"milk": milk, "size": size}})
		}
	}
	for _, m := range []string{"down", "fleece", "cotton"} {
		ps = append(ps, skills.Product{Title: "Northwind " + m + " Jacket", Category: "apparel", Brand: "Northwind",
			Attributes: map[string]string{"material": m}})
	}
	return skills.CatalogVocabulary(ps)
}

func cny(minor int64) *skills.Money { m := skills.M(minor, "CNY"); return &m }

// logBuffer is a concurrency-safe slog sink for checking what was logged.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type fixture struct {
	srv  *llmtest.Server
	p    *Planner
	logs *logBuffer
}

// newFixture starts a scripted server and an LLM planner talking to it
// through langchaingo. cfg.Model is filled in; retries wait 1ms.
func newFixture(t *testing.T, cfg Config, steps ...llmtest.Step) *fixture {
	t.Helper()
	srv := llmtest.New(t, steps...)
	m, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL, APIKey: testKey, Model: "test-model", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	cfg.Model = m
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.RetryBaseDelay == 0 {
		cfg.RetryBaseDelay = time.Millisecond
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), testKey) {
			t.Errorf("the API key appears in the logs")
		}
	})
	return &fixture{srv: srv, p: p, logs: logs}
}

// intentCall scripts a submit_intent tool call.
func intentCall(args string) llmtest.Step {
	return llmtest.Step{Tool: "submit_intent", Arguments: args}
}

// rankCall scripts a submit_ranking tool call.
func rankCall(args string) llmtest.Step { return llmtest.Step{Tool: "submit_ranking", Arguments: args} }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakePlanner stands in for the offline planner given as Config.Fallback.
type fakePlanner struct {
	intent      planner.Intent
	err         error
	ranked      []planner.Ranked
	understands int
	ranks       int
}

func (f *fakePlanner) Name() string { return "offline" }

func (f *fakePlanner) Understand(ctx context.Context, req planner.Request) (planner.Intent, error) {
	f.understands++
	in := f.intent
	in.Request = req.Text
	in.Planner = "offline"
	return in, f.err
}

func (f *fakePlanner) Rank(ctx context.Context, in planner.Intent, item int, offers []planner.Offer, memory []planner.MemoryItem) ([]planner.Ranked, error) {
	f.ranks++
	return f.ranked, nil
}

const latteRequest = "two large oat lattes under 40 yuan, cheapest please"

// latteArgs is what a model should submit for latteRequest (mixed case on
// purpose: the planner maps values to the vocabulary's spelling).
const latteArgs = `{"items":[{"query":"large oat latte","category":"Coffee","quantity":2,"attributes":{"Size":"LARGE","milk":"oat"}}],"budget":{"amount":"40"},"sort":"cheapest"}`
