package merchants

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// openapi.cartwright.yaml documents Cartwright's extension routes. This
// test starts mock merchants on loopback and checks the file against them
// both ways: every documented path, method and status is produced by a
// real request whose body validates against the documented schema (and
// carries the documented required headers); every route the merchant API
// serves is documented here or is an ACP route (documented by ACP).

const openapiID = "https://cartwright.invalid/merchants/openapi.cartwright.yaml"

// acpRoutes are the routes ACP's own OpenAPI files define
// (openapi.agentic_checkout.yaml, openapi.feed.yaml, discovery).
var acpRoutes = []string{
	"POST /checkout_sessions", "POST /checkout_sessions/{id}", "GET /checkout_sessions/{id}",
	"POST /checkout_sessions/{id}/complete", "POST /checkout_sessions/{id}/cancel",
	"GET /.well-known/acp.json",
	"POST /feeds", "GET /feeds/{id}", "GET /feeds/{id}/products", "PATCH /feeds/{id}/products",
}

type openapiDoc struct {
	Paths map[string]map[string]struct {
		Responses map[string]openapiResponse `yaml:"responses"`
	} `yaml:"paths"`
	Components struct {
		Responses map[string]openapiResponse `yaml:"responses"`
	} `yaml:"components"`
}

type openapiResponse struct {
	Ref     string `yaml:"$ref"`
	Headers map[string]struct {
		Required bool `yaml:"required"`
	} `yaml:"headers"`
	Content map[string]struct {
		Schema map[string]any `yaml:"schema"`
	} `yaml:"content"`
}

func loadOpenAPI(t *testing.T) (openapiDoc, *jsonschema.Compiler) {
	t.Helper()
	b, err := os.ReadFile("openapi.cartwright.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc openapiDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var raw any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(js)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(openapiID, inst); err != nil {
		t.Fatal(err)
	}
	return doc, c
}

const openapiWorld = `currency: CNY
merchants:
  - id: shop
    name: Shop
    shipping: {fee: "6.00", free_over: "30.00"}
    coupons: [{code: SAVE5, amount_off: "5.00", min_spend: "35.00"}]
    products:
      - {sku: A-1, title: Alpha Tea, category: tea, brand: Alpha, price: "10.00", stock: 50, rating: 4.5, group: alpha, attributes: {pack: 100g}, description: "Green tea."}
  - id: paid
    x402: {search_fee: "0.05"}
    products:
      - {sku: P-1, title: Paid Tea, category: tea, price: "1.00"}
  - id: down
    faults: {error_rate: 1}
    products:
      - {sku: D-1, title: Down Tea, category: tea, price: "1.00"}
`

func TestOpenAPICartwright(t *testing.T) {
	doc, c := loadOpenAPI(t)
	w, err := LoadWorldBytes("openapi world", []byte(openapiWorld))
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, w, Options{InProcessPayments: true})

	// Every route served is documented (here or by ACP), and every
	// documented route is served.
	var served, documented []string
	for _, rt := range append((&api{}).routes(), (&api{}).feedRoutes()...) {
		k := rt.method + " " + rt.pattern
		if strings.HasPrefix(rt.pattern, ExtPrefix+"/") {
			served = append(served, k)
		} else if !slices.Contains(acpRoutes, k) {
			t.Errorf("route %s is neither in openapi.cartwright.yaml nor an ACP route", k)
		}
	}
	for path, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+path)
		}
	}
	sort.Strings(served)
	sort.Strings(documented)
	if !slices.Equal(served, documented) {
		t.Errorf("served extension routes %v\ndocumented %v", served, documented)
	}

	order := func() string {
		s := h.create("shop", `{"line_items":[{"id":"A-1","quantity":2}]}`)
		done := h.session(h.post("shop", "/checkout_sessions/"+s.ID+"/complete", completeBody(h.token("shop", s.ID, 10000))), 200, "CheckoutSessionWithOrder")
		return done.Order.ID
	}
	o1, o2, o3, o4, o5 := order(), order(), order(), order(), order()
	if r := h.post("shop", ExtPrefix+"/orders/"+o2+"/refunds", `{}`); r.status != 201 {
		t.Fatalf("refund all: %d %s", r.status, r.body)
	}
	get := func(m, path string) func() resp { return func() resp { return h.send("GET", m, path, "", "") } }
	post := func(m, path, body string) func() resp { return func() resp { return h.post(m, path, body) } }
	reuse := func(path string) func() resp {
		return func() resp {
			k := h.key()
			h.send("POST", "shop", path, k, `{"reason":"one"}`)
			return h.send("POST", "shop", path, k, `{"reason":"two"}`)
		}
	}
	cases := map[string]func() resp{
		"GET /cartwright/v1/info 200":                 get("shop", ExtPrefix+"/info"),
		"GET /cartwright/v1/info 503":                 get("down", ExtPrefix+"/info"),
		"GET /cartwright/v1/products 200":             get("shop", ExtPrefix+"/products?q=tea&attr=pack:100g&max_price=2000&limit=5"),
		"GET /cartwright/v1/products 400":             get("shop", ExtPrefix+"/products?min_price=cheap"),
		"GET /cartwright/v1/products 402":             get("paid", ExtPrefix+"/products?q=tea"),
		"GET /cartwright/v1/products 503":             get("down", ExtPrefix+"/products"),
		"GET /cartwright/v1/products/{sku} 200":       get("shop", ExtPrefix+"/products/A-1"),
		"GET /cartwright/v1/products/{sku} 404":       get("shop", ExtPrefix+"/products/NOPE"),
		"GET /cartwright/v1/products/{sku} 503":       get("down", ExtPrefix+"/products/D-1"),
		"GET /cartwright/v1/orders/{id} 200":          get("shop", ExtPrefix+"/orders/"+o1),
		"GET /cartwright/v1/orders/{id} 404":          get("shop", ExtPrefix+"/orders/ord_nope"),
		"GET /cartwright/v1/orders/{id} 503":          get("down", ExtPrefix+"/orders/ord_nope"),
		"POST /cartwright/v1/orders/{id}/cancel 200":  post("shop", ExtPrefix+"/orders/"+o1+"/cancel", `{"reason":"changed my mind"}`),
		"POST /cartwright/v1/orders/{id}/cancel 400":  func() resp { return h.send("POST", "shop", ExtPrefix+"/orders/"+o4+"/cancel", "", `{}`) },
		"POST /cartwright/v1/orders/{id}/cancel 404":  post("shop", ExtPrefix+"/orders/ord_nope/cancel", ``),
		"POST /cartwright/v1/orders/{id}/cancel 409":  post("shop", ExtPrefix+"/orders/"+o2+"/cancel", ``),
		"POST /cartwright/v1/orders/{id}/cancel 422":  reuse(ExtPrefix + "/orders/" + o4 + "/cancel"),
		"POST /cartwright/v1/orders/{id}/cancel 503":  post("down", ExtPrefix+"/orders/ord_nope/cancel", ``),
		"POST /cartwright/v1/orders/{id}/refunds 201": post("shop", ExtPrefix+"/orders/"+o3+"/refunds", `{"amount":100,"reason":"dented"}`),
		"POST /cartwright/v1/orders/{id}/refunds 400": post("shop", ExtPrefix+"/orders/"+o3+"/refunds", `{"amount":-1}`),
		"POST /cartwright/v1/orders/{id}/refunds 404": post("shop", ExtPrefix+"/orders/ord_nope/refunds", `{}`),
		"POST /cartwright/v1/orders/{id}/refunds 409": post("shop", ExtPrefix+"/orders/"+o2+"/refunds", `{}`),
		"POST /cartwright/v1/orders/{id}/refunds 422": reuse(ExtPrefix + "/orders/" + o5 + "/refunds"),
		"POST /cartwright/v1/orders/{id}/refunds 503": post("down", ExtPrefix+"/orders/ord_nope/refunds", `{}`),
	}
	covered := map[string]bool{}
	for path, ops := range doc.Paths {
		for m, op := range ops {
			for status, res := range op.Responses {
				name := fmt.Sprintf("%s %s %s", strings.ToUpper(m), path, status)
				covered[name] = true
				run, ok := cases[name]
				if !ok {
					t.Errorf("%s is documented but no request here produces it", name)
					continue
				}
				if res.Ref != "" {
					res = doc.Components.Responses[strings.TrimPrefix(res.Ref, "#/components/responses/")]
				}
				r := run()
				if fmt.Sprint(r.status) != status {
					t.Errorf("%s: got HTTP %d: %s", name, r.status, r.body)
					continue
				}
				for hn, hd := range res.Headers {
					if hd.Required && r.header.Get(hn) == "" {
						t.Errorf("%s: required header %s missing", name, hn)
					}
				}
				ct, ok := res.Content["application/json"]
				if !ok {
					continue
				}
				ref, _ := ct.Schema["$ref"].(string)
				if ref == "" {
					t.Fatalf("%s: schema must be a $ref to components", name)
				}
				sch, err := c.Compile(openapiID + ref)
				if err != nil {
					t.Fatal(err)
				}
				inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(r.body)))
				if err != nil {
					t.Errorf("%s: body is not JSON: %s", name, r.body)
					continue
				}
				if err := sch.Validate(inst); err != nil {
					t.Errorf("%s: body does not validate against %s: %v\n%s", name, ref, err, r.body)
				}
			}
		}
	}
	for name := range cases {
		if !covered[name] {
			t.Errorf("%s: the server answers it but the file does not document it", name)
		}
	}
	// The documented error object is ACP's.
	if r := h.send("GET", "shop", ExtPrefix+"/products/NOPE", "", ""); len(validate("Error", r.body)) != 0 {
		t.Errorf("404 body is not an ACP Error: %s", r.body)
	}
}

// The schema check must be able to fail: a body with a field the file does
// not document, or a float amount, is refused.
func TestOpenAPICartwrightCatchesDrift(t *testing.T) {
	_, c := loadOpenAPI(t)
	sch, err := c.Compile(openapiID + "#/components/schemas/Product")
	if err != nil {
		t.Fatal(err)
	}
	good := `{"merchant":"m","sku":"A","title":"A","category":"c","price":{"amount":100,"currency":"CNY"},"stock":1}`
	for name, doc := range map[string]string{
		"good":           good,
		"unknown field":  strings.Replace(good, `"stock":1`, `"stock":1,"colour":"red"`, 1),
		"float amount":   strings.Replace(good, `"amount":100`, `"amount":1.5`, 1),
		"no sku":         strings.Replace(good, `"sku":"A",`, ``, 1),
		"lower currency": strings.Replace(good, `"CNY"`, `"cny"`, 1),
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		err := sch.Validate(inst)
		if (name == "good") != (err == nil) {
			t.Errorf("%s: validate = %v", name, err)
		}
	}
}
