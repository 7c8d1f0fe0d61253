package acpclient_test

import (
	"context"
	"fmt"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acpclient"
)

// Reach any merchant speaking the API from its URL alone.
func ExampleNew() {
	w, _ := merchants.LoadWorldBytes("w.yaml", []byte(`
merchants:
  - id: corner
    shipping: {fee: "5.00", free_over: "20.00"}
    products:
      - {sku: TEA-1, title: Green Tea, category: tea, price: "8.00"}
`))
	r, err := merchants.Start(context.Background(), w, merchants.Options{})
	if err != nil {
		panic(err)
	}
	defer r.Close()

	var m skills.Merchant
	m, err = acpclient.New(acpclient.Config{BaseURL: r.URL("corner")})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	info, _ := m.Info(ctx)
	ps, _ := m.Search(ctx, skills.Query{Text: "green tea"})
	q, _ := m.Quote(ctx, skills.QuoteRequest{Lines: []skills.LineRequest{{SKU: ps[0].SKU, Quantity: 3}}})
	fmt.Println(info.Name, ps[0].Title, q.Subtotal, q.Shipping, q.Total)
	// Output: corner Green Tea ¥24.00 ¥0.00 ¥24.00
}
