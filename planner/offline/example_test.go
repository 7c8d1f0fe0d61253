package offline_test

import (
	"context"
	"fmt"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/offline"
)

func Example() {
	p := offline.New(offline.Config{})
	vocab := planner.Vocabulary{
		Currency:   "CNY",
		Categories: []string{"coffee", "apparel"},
		Attributes: map[string][]string{
			"milk": {"oat", "whole"}, "size": {"small", "medium", "large", "s", "m", "l"}, "drink": {"latte"},
		},
		Merchants: map[string]string{"brewhouse": "Brew House"},
	}
	in, _ := p.Understand(context.Background(), planner.Request{
		Text:       "two large oat lattes under 40 yuan from Brew House",
		Vocabulary: vocab,
		Memory:     []planner.MemoryItem{{ID: "m1", Text: "I am lactose intolerant"}},
	})
	it := in.Items[0]
	fmt.Println(it.Quantity, it.Category, it.Attributes["size"], it.Attributes["milk"], it.ExcludeAttributes["milk"])
	fmt.Println(in.Budget, in.Merch.Allow, in.Sort)

	// a hoodie needs a size: the planner asks, and plans once answered
	q, _ := p.Understand(context.Background(), planner.Request{Text: "a hoodie", Vocabulary: vocab})
	fmt.Println(q.Clarify.Question, q.Clarify.Options)
	a, _ := p.Understand(context.Background(), planner.Request{Text: "a hoodie", Answer: "medium", Vocabulary: vocab})
	fmt.Println(a.Items[0].Attributes["size"])
	// Output:
	// 2 coffee large oat [whole]
	// ¥40.00 [brewhouse] cheapest
	// What size should the hoodie be? [s m l]
	// m
}
