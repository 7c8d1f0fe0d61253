package llm

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
	"github.com/cartwright-agent/cartwright/skills"
)

// BenchmarkUnderstandLoopback is the planner's own cost per Understand:
// prompt and schema building, langchaingo's client, loopback HTTP to the
// scripted server, decoding and validation (no model time).
func BenchmarkUnderstandLoopback(b *testing.B) {
	srv := llmtest.New(b)
	m, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL, APIKey: testKey, Model: "m", Timeout: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	p, _ := New(Config{Model: m})
	req := planner.Request{Text: latteRequest, Vocabulary: vocab()}
	b.ReportAllocs()
	for b.Loop() {
		srv.Push(intentCall(latteArgs))
		if _, err := p.Understand(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRankRules ranks 200 offers without a model call.
func BenchmarkRankRules(b *testing.B) {
	p, _ := New(Config{Model: funcModel(scripted)})
	in := planner.Intent{Items: []planner.ItemSpec{{Query: "jacket", Quantity: 1, Prefer: map[string]string{"material": "down"}}}}
	var offers []planner.Offer
	for i := 0; i < 200; i++ {
		offers = append(offers, planner.Offer{Product: skills.Product{Merchant: fmt.Sprint("m", i%7), SKU: fmt.Sprint("s", i),
			Price: skills.M(int64(1000+i*37%500), "CNY"), Attributes: map[string]string{"material": []string{"down", "cotton"}[i%2]}}})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Rank(context.Background(), in, 0, offers, nil); err != nil {
			b.Fatal(err)
		}
	}
}
