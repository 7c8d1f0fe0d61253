package llm_test

import (
	"context"
	"fmt"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm"
)

// cannedModel is a Model of your own: anything that answers a Prompt with a
// Reply plugs into the planner (a different provider SDK, a cache, a stub).
type cannedModel struct{}

func (cannedModel) Call(ctx context.Context, p llm.Prompt) (llm.Reply, error) {
	return llm.Reply{
		ToolCalls: []llm.ToolCall{{ID: "call_1", Name: p.ToolChoice,
			Arguments: `{"items":[{"query":"oat latte","category":"coffee","quantity":2,"attributes":{"milk":"oat"}}],"budget":{"amount":"40"}}`}},
		TokensIn: 500, TokensOut: 40,
	}, nil
}

func ExampleNew() {
	p, err := llm.New(llm.Config{Model: cannedModel{}})
	if err != nil {
		panic(err)
	}
	in, err := p.Understand(context.Background(), planner.Request{
		Text: "two oat lattes under 40 yuan",
		Vocabulary: planner.Vocabulary{
			Categories: []string{"coffee"},
			Attributes: map[string][]string{"milk": {"oat", "whole"}},
			Currency:   "CNY",
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(in.Planner, in.Items[0].Quantity, in.Items[0].Query, in.Budget, in.Usage.Calls, "call")
	// Output: llm 2 oat latte ¥40.00 1 call
}

func ExampleFromEnv() {
	// With neither OPENAI_API_KEY nor OPENAI_BASE_URL set, the caller keeps
	// the offline planner.
	p, configured, err := llm.FromEnv(llm.Config{})
	fmt.Println(p == nil, configured, err)
	// Output: true false <nil>
}
