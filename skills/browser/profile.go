package browser

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Profile says how to shop one kind of storefront: where its pages are and
// which CSS selector finds each element the skill reads or uses (its
// "roles"). A role the profile leaves out is found by the generic
// heuristics, so a profile only needs what the heuristics get wrong or what
// makes a site faster to shop. The zero Profile is the generic profile.
//
// A profile file (YAML; unknown keys are errors) looks like:
//
//	name: classic
//	urls:                      # relative to the storefront's base URL
//	  product: "p/{sku}"       # {sku} and {query} are filled in, escaped
//	  cart: cart
//	  checkout: checkout
//	  info: help/delivery
//	refunds: true              # the order page has a refund form
//	selectors:
//	  search_box: "#q"
//	  add_to_cart: "#add-to-cart"
//	  total: "#total"
type Profile struct {
	Name string `yaml:"name"`
	URLs URLs   `yaml:"urls"`
	// Refunds says the order page offers a refund form. For the generic
	// profile the skill looks for one.
	Refunds bool `yaml:"refunds"`
	// Selectors maps roles (see Roles) to CSS selectors.
	Selectors map[string]string `yaml:"selectors"`
}

// URLs are page paths relative to a storefront's base URL.
type URLs struct {
	Search   string `yaml:"search"`
	Product  string `yaml:"product"`
	Cart     string `yaml:"cart"`
	Checkout string `yaml:"checkout"`
	Info     string `yaml:"info"`
}

// Roles lists every role a profile may give a selector for, with what it
// finds.
var Roles = map[string]string{
	"search_box": "the search input", "search_submit": "the search form's submit button",
	"result": "one search result", "result_link": "a result's link to its product page", "result_title": "a result's title",
	"result_price": "a result's price", "result_sku": "a result's SKU (text or data-sku)",
	"product_title": "a product page's title", "product_price": "a product page's price", "product_sku": "a product page's SKU",
	"product_description": "a product page's description", "option": "an option picker (select) in the add-to-cart form",
	"variants": "an element holding the variants as JSON", "quantity": "the add-to-cart quantity input",
	"add_to_cart": "the add-to-cart button",
	"cart_link":   "the link to the cart", "cart_line": "one cart, checkout or order line", "line_sku": "a line's SKU",
	"line_title": "a line's title", "line_qty": "a line's quantity input", "line_unit": "a line's unit price",
	"line_total": "a line's total", "line_addon": "a pre-selected extra's checkbox", "line_remove": "a line's remove button",
	"cart_update": "the cart's update button", "cart_empty": "the button that empties the cart",
	"coupon_box": "the promotion code input",
	"subtotal":   "the subtotal", "discount": "the discount", "shipping": "the delivery fee", "total": "the total",
	"reference": "the cart or checkout reference (the checkout session id)", "message": "a notice or error on the page",
	"checkout_button": "the button or link to checkout",
	"field_name":      "checkout: full name", "field_line1": "checkout: address line 1", "field_line2": "checkout: address line 2",
	"field_city": "checkout: city", "field_region": "checkout: region", "field_postal": "checkout: postal code",
	"field_country": "checkout: country", "field_phone": "checkout: phone", "field_email": "checkout: email",
	"field_token": "checkout: delegated payment token", "place_order": "the place-order button",
	"order_id": "the confirmation's order number", "order_total": "the confirmation's total charged", "order_status": "the order status",
	"refund_amount": "the refund amount input", "refund_submit": "the refund button", "refund_result": "the refund confirmation",
	"shipping_fee": "info page: delivery fee", "free_over": "info page: free delivery threshold", "eta": "info page: delivery days",
	"offer": "info page: one promotion code row",
}

// Generic is the profile for storefronts nobody described: every role is
// found by heuristics.
var Generic = &Profile{Name: "generic"}

//go:embed profiles/*.yaml
var builtin embed.FS

// Builtin returns a profile shipped with the skill by name ("classic").
func Builtin(name string) (*Profile, error) {
	b, err := builtin.ReadFile("profiles/" + name + ".yaml")
	if err != nil {
		names, _ := builtin.ReadDir("profiles")
		var have []string
		for _, n := range names {
			have = append(have, strings.TrimSuffix(n.Name(), ".yaml"))
		}
		return nil, fmt.Errorf("browser: no built-in profile %q (have %s)", name, strings.Join(have, ", "))
	}
	return ParseProfile("profiles/"+name+".yaml", b)
}

// LoadProfile reads a profile file.
func LoadProfile(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("browser: profile: %w", err)
	}
	return ParseProfile(path, b)
}

// ParseProfile parses a profile; errors name the file, line and field.
func ParseProfile(file string, b []byte) (*Profile, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty profile", file)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if p.Name == "" {
		return nil, fmt.Errorf("%s:%d: name: required", file, root.Content[0].Line)
	}
	// Check roles and URLs, naming the line of each mistake.
	var errs []error
	doc := root.Content[0]
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "selectors":
			for j := 0; j+1 < len(v.Content); j += 2 {
				rk, rv := v.Content[j], v.Content[j+1]
				if _, ok := Roles[rk.Value]; !ok {
					errs = append(errs, fmt.Errorf("%s:%d: selectors.%s: unknown role (known: %s)", file, rk.Line, rk.Value, strings.Join(roleNames(), ", ")))
				} else if strings.TrimSpace(rv.Value) == "" {
					errs = append(errs, fmt.Errorf("%s:%d: selectors.%s: empty selector", file, rv.Line, rk.Value))
				}
			}
		case "urls":
			for j := 0; j+1 < len(v.Content); j += 2 {
				uk, uv := v.Content[j], v.Content[j+1]
				if strings.Contains(uv.Value, "://") || strings.HasPrefix(uv.Value, "/") {
					errs = append(errs, fmt.Errorf("%s:%d: urls.%s: %q must be relative to the storefront's base URL", file, uv.Line, uk.Value, uv.Value))
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &p, nil
}

func roleNames() []string {
	out := make([]string, 0, len(Roles))
	for r := range Roles {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}
