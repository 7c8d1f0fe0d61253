package offline_test

import (
	"context"
	"fmt"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/offline"
	"github.com/cartwright-agent/cartwright/skills"
)

func Example() {
	p := offline.New(offline.Config{})
	// the vocabulary is the merchants' published catalogs: every word the
	// planner maps comes from them
	var products []skills.Product
	for _, size := range []string{"small", "medium", "large"} {
		for _, milk := range []string{"oat", "whole"} {
			products = append(products, skills.Product{Title: milk + " Milk Latte (" + size + ")", Category: "coffee",
				Brand: "Brew House", Attributes: map[string]string{"drink": "latte", "milk": milk, "size": size}})
		}
	}
	for _, size := range []string{"s", "m", "l"} {
		products = append(products, skills.Product{Title: "Fleece Hoodie (Grey, " + size + ")", Category: "apparel",
			Brand: "Threadline", Attributes: map[string]string{"type": "hoodie", "color": "grey", "size": size}})
	}
	vocab := planner.MergeVocabulary([]skills.MerchantInfo{{ID: "brewhouse", Name: "Brew House", Currency: "CNY",
		Categories: []string{"apparel", "coffee"}, Catalog: skills.CatalogVocabulary(products),
		Attributes: map[string][]string{"milk": {"oat", "whole"}, "size": {"small", "medium", "large", "s", "m", "l"},
			"drink": {"latte"}, "type": {"hoodie"}, "color": {"grey"}}}})
	in, _ := p.Understand(context.Background(), planner.Request{
		Text:       "two large oat lattes under 40 yuan from Brew House",
		Vocabulary: vocab,
		Memory:     []planner.MemoryItem{{ID: "m1", Text: "I am lactose intolerant"}},
	})
	it := in.Items[0]
	fmt.Println(it.Quantity, it.Category, it.Attributes["size"], it.Attributes["milk"], it.ExcludeAttributes["milk"])
	fmt.Println(in.Budget, in.Merch.Allow, in.Sort)

	// hoodies differ in size: the planner asks, with the catalog's sizes,
	// and plans once answered
	q, _ := p.Understand(context.Background(), planner.Request{Text: "a hoodie", Vocabulary: vocab})
	fmt.Println(q.Clarify.Question, q.Clarify.Options)
	a, _ := p.Understand(context.Background(), planner.Request{Text: "a hoodie", Answer: "medium", Vocabulary: vocab})
	fmt.Println(a.Items[0].Attributes["size"])
	// Output:
	// 2 coffee large oat [whole]
	// ¥40.00 [brewhouse] cheapest
	// Which size should the hoodie be? [s m l]
	// m
}
