package merchants_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/cartwright-agent/cartwright/merchants"
)

// Start a world and mount an extra handler (for example the HTML
// storefront) under /shop/ on every merchant's port, over the same Engine
// the ACP API serves.
func ExampleStart() {
	w, err := merchants.LoadWorldBytes("example.yaml", []byte(`
merchants:
  - id: corner
    products:
      - {sku: TEA-1, title: Green Tea, category: tea, price: "8.00"}
`))
	if err != nil {
		panic(err)
	}
	r, err := merchants.Start(context.Background(), w, merchants.Options{
		Mount: func(id string, e *merchants.Engine) http.Handler {
			return http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
				p, _ := e.Product("TEA-1")
				fmt.Fprintf(rw, "%s sells %s at %s", id, p.Title, p.Price)
			})
		},
	})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	res, err := http.Get(r.Merchant("corner").ShopURL)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	fmt.Println(string(b))
	// Output: corner sells Green Tea at ¥8.00
}
