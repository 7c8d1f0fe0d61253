package merchants

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/cartwright-agent/cartwright/skills"
)

func loadSmall(t testing.TB) *World {
	t.Helper()
	w, err := LoadWorldFile("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestLoadWorldFile(t *testing.T) {
	w := loadSmall(t)
	if w.Currency != "CNY" || w.Seed != 7 || len(w.Merchants) != 3 {
		t.Fatalf("world = %+v", w)
	}
	bh := w.Merchant("brewhouse")
	if bh.Shipping.Fee != skills.M(600, "CNY") || bh.Shipping.FreeOver == nil || bh.Shipping.FreeOver.Minor != 3000 || bh.Shipping.ETADays != 1 {
		t.Errorf("shipping = %+v", bh.Shipping)
	}
	if len(bh.Coupons) != 2 || bh.Coupons[1].AmountOff.Minor != 800 || bh.Coupons[1].MinSpend.Minor != 6000 {
		t.Errorf("coupons = %+v", bh.Coupons)
	}
	p := bh.Products[0]
	if p.Price.Minor != 1800 || p.Stock != 50 || p.Rating != 4.6 || p.Attributes["milk"] != "oat" || p.Group != "latte-oat" || p.Merchant != "brewhouse" {
		t.Errorf("product = %+v", p)
	}
	if got := bh.Products[1]; got.Price.Minor != 1550 || got.Stock != 100 {
		t.Errorf("number price / default stock: %+v", got)
	}
	sh := w.Merchant("shady")
	if sh.Interface != InterfaceAPI || sh.Name != "Shady Mart" || sh.Shipping.ETADays != 2 {
		t.Errorf("defaults: %+v", sh)
	}
	f := sh.Faults
	if f.PriceChange.Price.Minor != 2100 || f.OutOfStockAtCheckout[0] != "SH-TEA" || f.Injection.SKU != "SH-LAT" ||
		len(f.PreselectedAddons) != 1 || f.PreselectedAddons[0].SKU != "ADDON-1" || f.PreselectedAddons[0].Price.Minor != 200 {
		t.Errorf("faults = %+v", f)
	}
	if w.Merchant("webshop").Interface != InterfaceWeb || w.Merchant("nope") != nil {
		t.Error("interface web / unknown merchant")
	}
	info := bh.Info(w.Currency)
	if strings.Join(info.Categories, ",") != "bakery,coffee" || strings.Join(info.Attributes["size"], ",") != "large,medium" || strings.Join(info.Brands, ",") != "Brew House" {
		t.Errorf("vocabulary = %+v", info)
	}
}

func TestParseWorldNodeFromScenario(t *testing.T) {
	src := `id: s1
world:
  currency: USD
  merchants:
    - id: m
      products:
        - {sku: A, title: A thing, price: "1.25"}
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	w, err := ParseWorldNode("scenario.yaml", doc.Content[0].Content[3])
	if err != nil {
		t.Fatal(err)
	}
	if w.Currency != "USD" || w.Merchants[0].Products[0].Price != skills.M(125, "USD") {
		t.Fatalf("world = %+v", w.Merchants[0].Products[0])
	}
}

func TestLoadWorldErrors(t *testing.T) {
	const head = "merchants:\n  - id: m\n    products:\n"
	cases := []struct {
		name, src, want string
	}{
		{"unknown top field", "currency: CNY\nmerchantz: []\n", "bad.yaml:2:1: merchantz: unknown field"},
		{"no merchants", "currency: CNY\n", "merchants: required"},
		{"bad currency", "currency: XYZ\nmerchants: []\n", "bad.yaml:1:11: currency: unknown currency"},
		{"negative price", head + "      - {sku: A, title: T, price: \"-1.00\"}\n", "bad.yaml:4:35: merchants[0].products[0].price: must not be negative"},
		{"float price too precise", head + "      - {sku: A, title: T, price: 1.005}\n", "merchants[0].products[0].price: invalid amount"},
		{"negative stock", head + "      - {sku: A, title: T, price: 1, stock: -3}\n", "bad.yaml:4:45: merchants[0].products[0].stock: must be between 0"},
		{"unknown product field", head + "      - {sku: A, title: T, price: 1, colour: red}\n", "bad.yaml:4:38: merchants[0].products[0].colour: unknown field"},
		{"missing title", head + "      - {sku: A, price: 1}\n", "merchants[0].products[0].title: required"},
		{"duplicate sku", head + "      - {sku: A, title: T, price: 1}\n      - {sku: A, title: U, price: 2}\n", "bad.yaml:5:9: merchants[0].products[1].sku: duplicate sku \"A\""},
		{"duplicate merchant", "merchants:\n  - {id: m, products: [{sku: A, title: T, price: 1}]}\n  - {id: m, products: [{sku: A, title: T, price: 1}]}\n", "bad.yaml:3:5: merchants[1].id: duplicate merchant id \"m\""},
		{"bad interface", "merchants:\n  - {id: m, interface: ftp, products: [{sku: A, title: T, price: 1}]}\n", "bad.yaml:2:24: merchants[0].interface: \"ftp\" must be api or web"},
		{"fault unknown sku", "merchants:\n  - id: m\n    faults: {out_of_stock_at_checkout: [B]}\n    products: [{sku: A, title: T, price: 1}]\n", "bad.yaml:3:41: merchants[0].faults.out_of_stock_at_checkout[0]: unknown sku \"B\""},
		{"price change unknown sku", "merchants:\n  - id: m\n    faults: {price_change: {sku: Z, price: 2}}\n    products: [{sku: A, title: T, price: 1}]\n", "merchants[0].faults.price_change.sku: unknown sku \"Z\""},
		{"error rate", "merchants:\n  - id: m\n    faults: {error_rate: 1.5}\n    products: [{sku: A, title: T, price: 1}]\n", "merchants[0].faults.error_rate: must be between 0 and 1"},
		{"addon without price", "merchants:\n  - id: m\n    faults: {preselected_addons: [{name: X}]}\n    products: [{sku: A, title: T, price: 1}]\n", "merchants[0].faults.preselected_addons[0].price: required"},
		{"coupon negative", "merchants:\n  - id: m\n    coupons: [{code: C, amount_off: -2}]\n    products: [{sku: A, title: T, price: 1}]\n", "merchants[0].coupons[0].amount_off: must be positive"},
		{"shipping typo", "merchants:\n  - id: m\n    shipping: {fees: 1}\n    products: [{sku: A, title: T, price: 1}]\n", "bad.yaml:3:16: merchants[0].shipping.fees: unknown field"},
		{"bad id", "merchants:\n  - {id: \"Big Shop\", products: [{sku: A, title: T, price: 1}]}\n", "merchants[0].id: \"Big Shop\" must be lower-case"},
		{"stock not int", head + "      - {sku: A, title: T, price: 1, stock: lots}\n", "merchants[0].products[0].stock: \"lots\" is not a whole number"},
		{"not yaml", "merchants: [\n", "bad.yaml: yaml:"},
		{"empty", "", "bad.yaml:1:1: empty world file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadWorldBytes("bad.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q\nwant it to contain %q", err, c.want)
			}
		})
	}
	_, err := LoadWorldBytes("bad.yaml", []byte("currency: CNY\nmerchantz: []\n"))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Line != 2 || fe.Field != "merchantz" {
		t.Fatalf("FieldError = %#v", err)
	}
}
