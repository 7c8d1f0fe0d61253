package agent

import (
	"time"

	"github.com/cartwright-agent/cartwright/agent/check"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// Session statuses (Result.Status).
const (
	StatusBought             = "bought"
	StatusDeclined           = "declined" // the user denied confirmation
	StatusRefused            = "refused"  // the policy refused
	StatusNeedsClarification = "needs_clarification"
	StatusNoOffers           = "no_offers"
	StatusFailed             = "failed"
	// StatusRunning is a session that has not finished (crashed or in
	// progress); Resume continues it.
	StatusRunning = "running"
)

// Result is what a session did. Evals and the CLI depend on its shape.
type Result struct {
	SessionID  string         `json:"session_id"`
	Status     string         `json:"status"`
	Intent     planner.Intent `json:"intent"`
	Orders     []skills.Order `json:"orders"`
	Charged    skills.Money   `json:"charged"` // captured minus refunded
	Basket     Basket         `json:"basket"`
	Considered []Considered   `json:"considered"`
	Decision   Decision       `json:"decision"`
	// Unavailable lists the items no merchant offers acceptably while the
	// rest of the basket can be bought: the rest is bought only after the
	// person confirms (reason items_unavailable), never silently.
	Unavailable   []Unavailable      `json:"unavailable,omitempty"`
	Confirmation  Confirmation       `json:"confirmation"`
	Clarification Clarification      `json:"clarification"`
	Steps         []Step             `json:"steps"`
	MerchantCalls int                `json:"merchant_calls"`
	Calls         CallCounts         `json:"calls"`
	Usage         planner.ModelUsage `json:"usage"`
	Explanation   []string           `json:"explanation"`
	Errors        []string           `json:"errors,omitempty"`
	Refunds       []skills.Refund    `json:"refunds,omitempty"`
	// Evidence lists what merchant adapters kept of the pages a quote or an
	// order rested on (skills.EvidenceSource), with each file's hash.
	Evidence []skills.Evidence `json:"evidence,omitempty"`
	// Checks are the requirement check's verdicts on the lines last put
	// to the policy: every stated requirement and where the product
	// evidences it, or why it does not.
	Checks []check.Verdict `json:"checks,omitempty"`
}

// CallCounts breaks merchant round trips down by operation.
type CallCounts struct {
	Info     int `json:"info"`
	Search   int `json:"search"`
	Quote    int `json:"quote"`
	Complete int `json:"complete"`
	Cancel   int `json:"cancel"`
	Refund   int `json:"refund"`
	Retries  int `json:"retries"`
	// Minimum is the least a purchase like this one can take: one search
	// per eligible merchant per item, one quote and one completion per
	// merchant paid.
	Minimum int `json:"minimum"`
}

// Basket is the chosen basket.
type Basket struct {
	Lines     []BasketLine    `json:"lines"`
	Merchants []MerchantTotal `json:"merchants"`
	Total     skills.Money    `json:"total"`
	// Baseline is the per-item cheapest basket's total, for comparison.
	Baseline skills.Money `json:"baseline"`
}

// BasketLine is one chosen line.
type BasketLine struct {
	Item      int          `json:"item"`
	Merchant  string       `json:"merchant"`
	SKU       string       `json:"sku"`
	Title     string       `json:"title"`
	Quantity  int          `json:"quantity"`
	UnitPrice skills.Money `json:"unit_price"`
	Total     skills.Money `json:"total"`
}

// MerchantTotal is one merchant's cart total.
type MerchantTotal struct {
	Merchant string       `json:"merchant"`
	Subtotal skills.Money `json:"subtotal"`
	Discount skills.Money `json:"discount"`
	Shipping skills.Money `json:"shipping"`
	Total    skills.Money `json:"total"`
	Coupon   string       `json:"coupon,omitempty"`
}

// Considered is one offer the runtime looked at, and what it made of it.
type Considered struct {
	Item     int            `json:"item"`
	Product  skills.Product `json:"product"`
	Accepted bool           `json:"accepted"`
	Reason   string         `json:"reason,omitempty"` // why it was rejected
	Rank     int            `json:"rank"`             // soft-preference rank among accepted (0 best)
	Score    int            `json:"score,omitempty"`
	Why      string         `json:"why,omitempty"` // the planner's ranking reason
	// Source is the memory entry that moved this offer's rank, when one did.
	Source string `json:"memory,omitempty"`
}

// Confirmation says whether the user was asked and what they said.
type Confirmation struct {
	Asked    bool `json:"asked"`
	Approved bool `json:"approved"`
}

// Clarification says whether a question was asked and the answer: the
// first question, and every reply (one per line, a pre-answer first).
// Exchanges lists each round asked through the Clarifier.
type Clarification struct {
	Asked     bool       `json:"asked"`
	Question  string     `json:"question,omitempty"`
	Answer    string     `json:"answer,omitempty"`
	Exchanges []Exchange `json:"exchanges,omitempty"`
}

// Exchange is one clarification question and the user's reply.
type Exchange struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Step is one pipeline step's record.
type Step struct {
	Name          string        `json:"name"`
	Start         time.Time     `json:"start"`
	Duration      time.Duration `json:"duration"`
	MerchantCalls int           `json:"merchant_calls"`
	Input         string        `json:"input,omitempty"`  // what the step worked on
	Detail        string        `json:"detail,omitempty"` // what it produced (or its error)
}

// Unavailable is an item left out of the basket because nothing offered
// fits it.
type Unavailable struct {
	Item  int    `json:"item"`
	Query string `json:"query"`
	Why   string `json:"why"`
}
