package browser

import (
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/skills"
)

func TestParseProfileErrorsNameLineAndField(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"unknown role", "name: x\nselectors:\n  search_box: \"#q\"\n  buy_button: \"#b\"\n", "shop.yaml:4: selectors.buy_button: unknown role"},
		{"empty selector", "name: x\nselectors:\n  total: \"\"\n", "shop.yaml:3: selectors.total: empty selector"},
		{"absolute url", "name: x\nurls:\n  cart: \"http://evil.example/cart\"\n", "shop.yaml:3: urls.cart"},
		{"rooted url", "name: x\nurls:\n  cart: /cart\n", "must be relative"},
		{"unknown key", "name: x\nrefund: true\n", "line 2: field refund not found"},
		{"no name", "urls: {cart: cart}\n", "shop.yaml:1: name: required"},
		{"empty", "", "empty profile"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseProfile("shop.yaml", []byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestBuiltinProfiles(t *testing.T) {
	p, err := Builtin("classic")
	if err != nil {
		t.Fatal(err)
	}
	if p.URLs.Product != "p/{sku}" || p.Selectors["total"] == "" || !p.Refunds {
		t.Fatalf("classic profile %+v", p)
	}
	if _, err := Builtin("nope"); err == nil || !strings.Contains(err.Error(), "have classic") {
		t.Fatalf("unknown profile: %v", err)
	}
}

func TestParsePrice(t *testing.T) {
	cases := []struct {
		in   string
		cur  skills.Currency
		want int64
		err  string
	}{
		{"¥18.00", "CNY", 1800, ""},
		{"CNY 18.00", "CNY", 1800, ""},
		{"18.5 CNY", "CNY", 1850, ""},
		{"-¥5.00", "CNY", -500, ""},
		{"CNY -5.00", "CNY", -500, ""},
		{"−¥5.00", "CNY", -500, ""},
		{"¥1,299.00", "CNY", 129900, ""},
		{"USD 3.00", "CNY", 0, "not in CNY"},
		{"18.00", "CNY", 0, "does not name the currency"},
		{"¥18.005", "CNY", 0, "decimal places"},
		{"¥1,2,3", "CNY", 0, "unexpected character"},
		{"JP¥500", "JPY", 500, ""},
		{"", "CNY", 0, "no amount"},
	}
	for _, c := range cases {
		m, err := parsePrice(c.in, c.cur)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parsePrice(%q): err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || m.Minor != c.want || m.Currency != c.cur {
			t.Errorf("parsePrice(%q) = %+v, %v; want %d", c.in, m, err, c.want)
		}
	}
}

func TestValidLines(t *testing.T) {
	if _, _, err := validLines(nil); err == nil {
		t.Fatal("empty lines accepted")
	}
	if _, _, err := validLines([]skills.LineRequest{{SKU: "A", Quantity: 0}}); err == nil || !strings.Contains(err.Error(), "lines[0].quantity") {
		t.Fatalf("zero quantity: %v", err)
	}
	want, order, err := validLines([]skills.LineRequest{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 2}, {SKU: "A", Quantity: 3}})
	if err != nil || want["A"] != 4 || strings.Join(order, ",") != "A,B" {
		t.Fatalf("merge: %v %v %v", want, order, err)
	}
}
