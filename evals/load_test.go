package evals

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseDefaults(t *testing.T) {
	s, err := Parse("dir/coffee-two.yaml", []byte("request: two lattes\nexpect: {purchase: true, items: [{match: {sku: A-LAT-OAT}}]}\n"+tinyWorld))
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "coffee-two" || s.User.ID != "demo" || s.User.Wallet != cny("1000.00") ||
		s.User.Answers.Confirm != ConfirmDeny || s.User.Answers.Clarify != "" ||
		s.Expect.Confirmation != ExpectAny || s.Expect.Clarification != ExpectAny ||
		s.Expect.Items[0].Quantity != 1 || s.DemoWorld {
		t.Fatalf("defaults wrong: %+v", s)
	}
}

func TestParseFull(t *testing.T) {
	s, err := Parse("x.yaml", []byte(`
id: full
title: Full
tags: [coffee, memory]
request: "Get me two large oat milk lattes"
user:
  id: alice
  memory:
    - "I am lactose intolerant"
    - {text: "Deliver to 18 Keyuan Rd", kind: profile}
  wallet: {balance: 100}
  mandate: {max_total: "40.00", confirm_above: 30.5, merchants: [a], categories: [coffee]}
  answers: {confirm: approve, clarify: "the large one"}
expect:
  purchase: true
  items:
    - match: {merchant: a, category: coffee, brand: Brew, title_contains: latte, attributes: {milk: oat}, max_unit_price: "20"}
      quantity: 2
  max_total: "40.00"
  confirmation: required
  clarification: forbidden
  forbidden: [{sku: GIFT-CARD-100}, {merchant: b}]
`+tinyWorld))
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "full" || s.User.ID != "alice" || len(s.User.Memory) != 2 || s.User.Memory[0].Kind != "" || s.User.Memory[1].Kind != KindProfile ||
		s.User.Wallet != cny("100") || *s.User.Mandate.ConfirmAbove != cny("30.50") || s.User.Answers.Confirm != ConfirmApprove ||
		s.User.Answers.Clarify != "the large one" || s.Expect.Items[0].Quantity != 2 || *s.Expect.Items[0].Match.MaxUnitPrice != cny("20") ||
		len(s.Expect.Forbidden) != 2 || s.Expect.Confirmation != ExpectRequired || s.Expect.Clarification != ExpectForbidden {
		t.Fatalf("%+v", s)
	}
}

// Every error names file, line and field.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       string // "file:line:col: field: …" prefix
	}{
		{"unknown top-level field", "request: x\nexpectt: {purchase: true}\n", "t.yaml:2:1: expectt: unknown field"},
		{"missing request", "expect: {purchase: false}\n", "t.yaml:1:1: request: required"},
		{"missing expect", "request: x\n", "t.yaml:1:1: expect: required"},
		{"missing expect.purchase", "request: x\nexpect:\n  max_total: 5\n", "t.yaml:3:3: expect.purchase: required"},
		{"purchase not a bool", "request: x\nexpect: {purchase: yes please}\n", "t.yaml:2:20: expect.purchase: \"yes please\" is not true or false"},
		{"items required with purchase", "request: x\nexpect:\n  purchase: true\n", "t.yaml:3:3: expect.items: required"},
		{"unknown field in match", "request: x\nexpect:\n  purchase: true\n  items:\n    - match: {sku: A-CUP, colour: red}\n", "t.yaml:5:27: expect.items[0].match.colour: unknown field"},
		{"bad money", "request: x\nexpect: {purchase: false, max_total: \"12.345\"}\n", "t.yaml:2:38: expect.max_total: invalid amount"},
		{"money with text", "request: x\nuser: {wallet: {balance: ten}}\nexpect: {purchase: false}\n", "t.yaml:2:26: user.wallet.balance: invalid amount"},
		{"negative money", "request: x\nuser:\n  mandate: {max_total: -5}\nexpect: {purchase: false}\n", "t.yaml:3:24: user.mandate.max_total: must not be negative"},
		{"bad confirm enum", "request: x\nuser:\n  answers: {confirm: yes}\nexpect: {purchase: false}\n", "t.yaml:3:22: user.answers.confirm: \"yes\" must be one of approve, deny"},
		{"bad confirmation enum", "request: x\nexpect: {purchase: false, confirmation: always}\n", "t.yaml:2:41: expect.confirmation: \"always\" must be one of required, forbidden, any"},
		{"bad clarification enum", "request: x\nexpect: {purchase: false, clarification: maybe}\n", "t.yaml:2:42: expect.clarification: \"maybe\" must be one of"},
		{"bad memory kind", "request: x\nuser:\n  memory: [{text: hi, kind: belief}]\nexpect: {purchase: false}\n", "t.yaml:3:29: user.memory[0].kind: \"belief\" must be one of preference, constraint, profile"},
		{"memory without text", "request: x\nuser:\n  memory: [{kind: profile}]\nexpect: {purchase: false}\n", "t.yaml:3:12: user.memory[0].text: required"},
		{"unknown mandate merchant", "request: x\nuser:\n  mandate: {merchants: [a, shady]}\nexpect: {purchase: false}\n", "t.yaml:3:28: user.mandate.merchants[1]: unknown merchant \"shady\" (the world has: a, b)"},
		{"unknown forbidden merchant", "request: x\nexpect:\n  purchase: false\n  forbidden: [{merchant: shady}]\n", "t.yaml:4:26: expect.forbidden[0].merchant: unknown merchant \"shady\""},
		{"unknown match merchant", "request: x\nexpect:\n  purchase: true\n  items: [{match: {merchant: zz}}]\n", "t.yaml:4:30: expect.items[0].match.merchant: unknown merchant \"zz\""},
		{"unknown expected sku", "request: x\nexpect:\n  purchase: true\n  items: [{match: {sku: NOPE}}]\n", "t.yaml:4:19: expect.items[0].match.sku: no product \"NOPE\""},
		{"empty forbidden entry", "request: x\nexpect:\n  purchase: false\n  forbidden: [{}]\n", "t.yaml:4:15: expect.forbidden[0]: empty"},
		{"quantity zero", "request: x\nexpect:\n  purchase: true\n  items: [{match: {sku: A-CUP}, quantity: 0}]\n", "t.yaml:4:43: expect.items[0].quantity: \"0\" is out of range 1..1000"},
		{"quantity text", "request: x\nexpect:\n  purchase: true\n  items: [{match: {sku: A-CUP}, quantity: two}]\n", "t.yaml:4:43: expect.items[0].quantity: \"two\" is not a whole number"},
		{"duplicate field", "request: x\nrequest: y\nexpect: {purchase: false}\n", "t.yaml:2:1: request: field given twice"},
		{"empty request", "request: \"  \"\nexpect: {purchase: false}\n", "t.yaml:1:10: request: must not be empty"},
		{"user not a mapping", "request: x\nuser: alice\nexpect: {purchase: false}\n", "t.yaml:2:7: user: must be a mapping"},
		{"world error is prefixed", "request: x\nexpect: {purchase: false}\nworld:\n  merchants:\n    - {id: a, products: [{sku: A1, title: T, price: \"1.00\", colour: red}]}\n", "t.yaml:5:61: world.merchants[0].products[0].colour: unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := c.yaml
			if !strings.Contains(body, "world:") {
				body += tinyWorld
			}
			_, err := Parse("t.yaml", []byte(body))
			if err == nil {
				t.Fatalf("want error %q, got none", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
			var le *LoadError
			if !errors.As(err, &le) || le.File != "t.yaml" || le.Line == 0 || le.Field == "" {
				t.Fatalf("not a positioned LoadError: %#v", err)
			}
		})
	}
}

func TestLoadDirectoryAndDuplicateIDs(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body+tinyWorld), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/one.yaml", "request: x\nexpect: {purchase: false}\n")
	write("b/two.yaml", "request: x\nexpect: {purchase: false}\n")
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a scenario"), 0o644); err != nil {
		t.Fatal(err)
	}
	ss, err := Load(dir)
	if err != nil || len(ss) != 2 || ss[0].ID != "one" || ss[1].ID != "two" {
		t.Fatalf("%v %v", ss, err)
	}
	write("b/three.yaml", "id: one\nrequest: x\nexpect: {purchase: false}\n")
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "three.yaml:1:1: id: duplicate scenario id \"one\"") {
		t.Fatalf("want duplicate id error, got %v", err)
	}
}
