// Package evals is Cartwright's evaluation harness: it loads scenario files
// (the contract in evals/scenarios/README.md), runs each one against a fresh
// mock world and a fresh runtime with a simulated user, scores every run
// (wrong purchase, completion, price optimality, match score, pass^k) and
// reports the results as a table, JSON, JUnit and a self-contained HTML page.
package evals

import (
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/skills"
)

// Enumerations of the scenario format.
const (
	ConfirmApprove = "approve"
	ConfirmDeny    = "deny"

	ExpectRequired  = "required"
	ExpectForbidden = "forbidden"
	ExpectAny       = "any"

	KindPreference = "preference"
	KindConstraint = "constraint"
	KindProfile    = "profile"
)

// Scenario is one loaded, validated scenario file.
type Scenario struct {
	ID      string   `json:"id"`
	Title   string   `json:"title,omitempty"`
	Tags    []string `json:"tags,omitempty"`
	Request string   `json:"request"`
	User    User     `json:"user"`
	Expect  Expect   `json:"expect"`

	// File and Line locate the scenario for messages.
	File string `json:"file"`
	Line int    `json:"line"`
	// DemoWorld is true when the scenario has no world of its own.
	DemoWorld bool `json:"demo_world"`
	// Currency is the world's currency; every amount above is in it.
	Currency skills.Currency `json:"currency"`
	// Catalog is the grader's view of the scenario's world.
	Catalog *Catalog `json:"-"`
	// world is the loaded world the runner starts (see world.go).
	world worldHandle
}

// User is the simulated user: identity, memory, wallet, mandate, answers.
type User struct {
	ID      string        `json:"id"`
	Memory  []MemoryEntry `json:"memory,omitempty"`
	Wallet  skills.Money  `json:"wallet"`
	Mandate Mandate       `json:"mandate"`
	Answers Answers       `json:"answers"`
}

// MemoryEntry is one fact stored in preference memory before the run.
// Kind is empty when the file gave plain text (the agent decides).
type MemoryEntry struct {
	Text string `json:"text"`
	Kind string `json:"kind,omitempty"`
}

// Mandate is what the user authorised before the run.
type Mandate struct {
	MaxTotal     *skills.Money `json:"max_total,omitempty"`
	ConfirmAbove *skills.Money `json:"confirm_above,omitempty"`
	Merchants    []string      `json:"merchants,omitempty"`
	Categories   []string      `json:"categories,omitempty"`
}

// Answers is how the simulated user replies.
type Answers struct {
	Confirm string `json:"confirm"`           // approve | deny
	Clarify string `json:"clarify,omitempty"` // "" = says nothing
}

// Expect is what a correct run does.
type Expect struct {
	Purchase      bool           `json:"purchase"`
	Items         []ExpectedItem `json:"items,omitempty"`
	MaxTotal      *skills.Money  `json:"max_total,omitempty"`
	Confirmation  string         `json:"confirmation"`
	Clarification string         `json:"clarification"`
	Forbidden     []Match        `json:"forbidden,omitempty"`
	// CheapestTotal is an addition to the format: the suite author's
	// hand-computed cheapest completing total. `--check` and the suite's
	// tests compare it with the exhaustive search, so an expectation is
	// computed twice, independently.
	CheapestTotal *skills.Money `json:"cheapest_total,omitempty"`
	// Fees is an addition to the format: bounds on the x402 per-request
	// fees the run pays (nil: any within the max_total caps).
	Fees *FeeBounds `json:"fees,omitempty"`
}

// FeeBounds bound the x402 fees a run pays: a run that pays fewer than
// Min or more than Max is not completed (fees are data fees, never a wrong
// purchase by themselves; over a max_total cap they are).
type FeeBounds struct {
	Min *skills.Money `json:"min,omitempty"`
	Max *skills.Money `json:"max,omitempty"`
}

// ExpectedItem is matched by order lines.
type ExpectedItem struct {
	Match    Match `json:"match"`
	Quantity int   `json:"quantity"`
}

// Match selects products; every given key must hold.
type Match struct {
	SKU           string            `json:"sku,omitempty"`
	Merchant      string            `json:"merchant,omitempty"`
	Category      string            `json:"category,omitempty"`
	Brand         string            `json:"brand,omitempty"`
	TitleContains string            `json:"title_contains,omitempty"`
	Attributes    map[string]string `json:"attributes,omitempty"`
	MaxUnitPrice  *skills.Money     `json:"max_unit_price,omitempty"`
}

// IsZero reports whether the match gives no key at all.
func (m Match) IsZero() bool {
	return m.SKU == "" && m.Merchant == "" && m.Category == "" && m.Brand == "" &&
		m.TitleContains == "" && len(m.Attributes) == 0 && m.MaxUnitPrice == nil
}

// check evaluates every key of m against a product bought (or buyable) at
// merchant for unit price. known is false when the catalog does not know the
// SKU (a merchant-added line): then only sku, merchant, title and price can
// hold. It returns how many keys held, out of how many, and the first miss.
func (m Match) check(merchant string, p skills.Product, known bool, unit skills.Money) (held, total int, miss string) {
	try := func(ok bool, what string) {
		total++
		if ok {
			held++
		} else if miss == "" {
			miss = what
		}
	}
	if m.SKU != "" {
		try(strings.EqualFold(m.SKU, p.SKU), "sku is "+p.SKU+", not "+m.SKU)
	}
	if m.Merchant != "" {
		try(strings.EqualFold(m.Merchant, merchant), "merchant is "+merchant+", not "+m.Merchant)
	}
	if m.Category != "" {
		try(known && strings.EqualFold(m.Category, p.Category), "category is "+quoteOr(p.Category, known)+", not "+m.Category)
	}
	if m.Brand != "" {
		try(known && strings.EqualFold(m.Brand, p.Brand), "brand is "+quoteOr(p.Brand, known)+", not "+m.Brand)
	}
	if m.TitleContains != "" {
		try(strings.Contains(strings.ToLower(p.Title), strings.ToLower(m.TitleContains)), "title "+p.Title+" lacks "+m.TitleContains)
	}
	for _, k := range sortedMapKeys(m.Attributes) {
		want := m.Attributes[k]
		got, ok := attrFold(p.Attributes, k)
		try(known && ok && strings.EqualFold(got, want), k+" is "+quoteOr(got, known && ok)+", not "+want)
	}
	if m.MaxUnitPrice != nil {
		try(unit.Currency == m.MaxUnitPrice.Currency && unit.Minor <= m.MaxUnitPrice.Minor,
			"unit price "+unit.String()+" exceeds "+m.MaxUnitPrice.String())
	}
	return held, total, miss
}

// Matches reports whether every key holds.
func (m Match) matches(merchant string, p skills.Product, known bool, unit skills.Money) bool {
	h, t, _ := m.check(merchant, p, known, unit)
	return h == t
}

func quoteOr(s string, known bool) string {
	if !known || s == "" {
		return "unknown"
	}
	return s
}

func attrFold(m map[string]string, k string) (string, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v, true
		}
	}
	return "", false
}

func sortedMapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// permits is an allow-list check (empty allows everything), case-insensitive.
func permits(allow []string, v string) bool {
	if len(allow) == 0 {
		return true
	}
	for _, a := range allow {
		if strings.EqualFold(a, v) {
			return true
		}
	}
	return false
}
