package evals

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/check"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// Run is one trial of one scenario: what happened and how it scored.
type Run struct {
	Scenario string   `json:"scenario"`
	Title    string   `json:"title,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	File     string   `json:"file"`
	Trial    int      `json:"trial"`
	Seed     int64    `json:"seed"`
	Planner  string   `json:"planner"`
	// PlannerUsed is what actually produced the run's intent: "llm",
	// "offline", or "llm→offline" when the LLM planner fell back.
	PlannerUsed string `json:"planner_used,omitempty"`

	// Status is the runtime's session status ("bought", "declined", …), or
	// "crashed" / "timeout" when the harness had to stop the run.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Skipped is a run that could not be set up for want of a component
	// the scenario needs (a web-only merchant without Chromium):
	// SkipReason says which and how to get it. A skipped run is neither
	// completed nor failed: it counts in no rate, only in Summary.Skipped.
	Skipped    bool   `json:"skipped,omitempty"`
	SkipReason string `json:"skip_reason,omitempty"`
	Score      Score  `json:"score"`
	// Reason is a one-line account of why the run scored as it did.
	Reason string `json:"reason"`

	Steps              int              `json:"steps"`
	MerchantCalls      int              `json:"merchant_calls"`
	ModelCalls         int              `json:"model_calls"`
	TokensIn           int              `json:"tokens_in"`
	TokensOut          int              `json:"tokens_out"`
	Wall               time.Duration    `json:"wall_ns"`
	Setup              time.Duration    `json:"setup_ns"`
	StepTimes          map[string]int64 `json:"step_ns,omitempty"`
	ConfirmationAsked  bool             `json:"confirmation_asked"`
	ClarificationAsked bool             `json:"clarification_asked"`
	Question           string           `json:"question,omitempty"`
	Charged            skills.Money     `json:"charged"`
	// Fees are the x402 per-request fees the run paid (data fees, not
	// orders; see Outcome.Fees).
	Fees skills.Money `json:"fees"`

	// Request, User and Expect are the scenario's, so a results.json
	// explains itself (report.html, eval compare) without the files.
	Request string  `json:"request,omitempty"`
	User    *User   `json:"user,omitempty"`
	Expect  *Expect `json:"expect,omitempty"`
	// Exchanges is what the simulated user was asked and answered, from
	// its own records.
	Exchanges []UserExchange `json:"exchanges,omitempty"`
	// Orders are the orders the world's merchants hold after the run (in
	// any state), from their own books.
	Orders []skills.Order `json:"orders,omitempty"`

	// Detail is the runtime's own account, for --explain and results.json.
	Detail *RunDetail `json:"detail,omitempty"`
}

// Key names a run in a report: the scenario id, "/trial" after it
// ("coffee-oat/2"). report.html#run=KEY opens its drill-down (a bare
// scenario id opens its first trial).
func (r Run) Key() string { return r.Scenario + "/" + strconv.Itoa(max(r.Trial, 1)) }

// Outcome is the run's status word for reports: "wrong", "failed",
// "completed" or "skipped".
func (r Run) Outcome() string {
	switch {
	case r.Skipped:
		return "skipped"
	case r.Score.WrongPurchase:
		return "wrong"
	case !r.Score.Completed:
		return "failed"
	}
	return "completed"
}

// PlannerLabel is the planner that produced the run's intent ("offline",
// "llm", "llm→offline"), or the one asked for when the run recorded none.
func (r Run) PlannerLabel() string {
	if r.PlannerUsed != "" {
		return r.PlannerUsed
	}
	return r.Planner
}

// RunDetail is the runtime's account of a run, trimmed for reports.
type RunDetail struct {
	Intent      planner.Intent     `json:"intent"`
	Considered  []agent.Considered `json:"considered,omitempty"`
	Basket      agent.Basket       `json:"basket"`
	Decision    agent.Decision     `json:"decision"`
	Orders      []skills.Order     `json:"orders,omitempty"`
	Explanation []string           `json:"explanation,omitempty"`
	Errors      []string           `json:"errors,omitempty"`
	// RejectedOmitted counts rejected offers left out of Considered to keep
	// results.json small (see Report.trimmed).
	RejectedOmitted int `json:"rejected_omitted,omitempty"`
	// Steps are the runtime's pipeline steps in order, with their times,
	// merchant calls, input and output.
	Steps []agent.Step `json:"steps,omitempty"`
	// Calls breaks the merchant round trips down by operation.
	Calls agent.CallCounts `json:"calls"`
	// Confirmation and Clarification are the runtime's own account of what
	// it asked (the grade uses Run.Exchanges, the simulated user's).
	Confirmation  agent.Confirmation  `json:"confirmation"`
	Clarification agent.Clarification `json:"clarification"`
	// Refunds are the refunds the runtime made.
	Refunds []skills.Refund `json:"refunds,omitempty"`
	// Checks are the requirement check's verdicts: per chosen line, every
	// stated requirement and where the product evidences it, or why not.
	Checks []check.Verdict `json:"checks,omitempty"`
}

// Summary aggregates runs (overall or for one tag).
type Summary struct {
	Label string `json:"label"`
	// Scenarios and Runs count what ran; skipped runs (and scenarios all
	// of whose runs were skipped) are only in Skipped and SkipReasons.
	Scenarios int `json:"scenarios"`
	Runs      int `json:"runs"`
	Skipped   int `json:"skipped,omitempty"`
	// SkipReasons are the distinct reasons of the skipped runs, sorted.
	SkipReasons []string `json:"skip_reasons,omitempty"`
	Completed   int      `json:"completed"`
	Wrong       int      `json:"wrong_purchases"`
	Errors      int      `json:"errors"`
	// CompletionRate and WrongPurchaseRate are shares of runs.
	CompletionRate    float64 `json:"completion_rate"`
	WrongPurchaseRate float64 `json:"wrong_purchase_rate"`
	// MeanPriceOptimality is over completed purchases (0 when none).
	MeanPriceOptimality float64 `json:"mean_price_optimality"`
	OptimalityRuns      int     `json:"optimality_runs"`
	MeanMatchScore      float64 `json:"mean_match_score"`
	// PassK is pass^k with k = the trials per scenario.
	K     int     `json:"k"`
	PassK float64 `json:"pass_k"`
	// Pass1 is pass^1 (mean completion per scenario).
	Pass1         float64       `json:"pass_1"`
	Wall          time.Duration `json:"wall_ns"`
	MeanWall      time.Duration `json:"mean_wall_ns"`
	MerchantCalls int           `json:"merchant_calls"`
	ModelCalls    int           `json:"model_calls"`
	Tokens        int           `json:"tokens"`
	// Fallbacks counts runs whose intent came from the offline fallback of
	// the LLM planner (the model failed or answered invalidly twice).
	Fallbacks int `json:"fallbacks"`
}

// Summarize aggregates runs with k trials per scenario.
func Summarize(label string, runs []Run, k int) Summary {
	s := Summary{Label: label, K: k}
	type tally struct{ n, c int }
	per := map[string]*tally{}
	var opt float64
	var match int
	reasons := map[string]bool{}
	for _, r := range runs {
		if r.Skipped {
			s.Skipped++
			if !reasons[r.SkipReason] {
				reasons[r.SkipReason] = true
				s.SkipReasons = append(s.SkipReasons, r.SkipReason)
			}
			continue
		}
		s.Runs++
		t := per[r.Scenario]
		if t == nil {
			t = &tally{}
			per[r.Scenario] = t
		}
		t.n++
		if r.Score.Completed {
			s.Completed++
			t.c++
		}
		if r.Score.WrongPurchase {
			s.Wrong++
		}
		if r.Error != "" {
			s.Errors++
		}
		if p := r.Score.PriceOptimality; p != nil {
			opt += *p
			s.OptimalityRuns++
		}
		match += r.Score.MatchScore
		s.Wall += r.Wall
		s.MerchantCalls += r.MerchantCalls
		s.ModelCalls += r.ModelCalls
		s.Tokens += r.TokensIn + r.TokensOut
		if strings.Contains(r.PlannerUsed, "→") {
			s.Fallbacks++
		}
	}
	s.Scenarios = len(per)
	sort.Strings(s.SkipReasons)
	if s.Runs > 0 {
		s.CompletionRate = float64(s.Completed) / float64(s.Runs)
		s.WrongPurchaseRate = float64(s.Wrong) / float64(s.Runs)
		s.MeanMatchScore = float64(match) / float64(s.Runs)
		s.MeanWall = s.Wall / time.Duration(s.Runs)
	}
	if s.OptimalityRuns > 0 {
		s.MeanPriceOptimality = opt / float64(s.OptimalityRuns)
	}
	if len(per) > 0 {
		var pk, p1 float64
		for _, t := range per {
			pk += PassK(t.n, t.c, k)
			p1 += PassK(t.n, t.c, 1)
		}
		s.PassK = pk / float64(len(per))
		s.Pass1 = p1 / float64(len(per))
	}
	return s
}

// ByTag summarizes runs per tag (a run counts under each of its tags),
// sorted by tag.
func ByTag(runs []Run, k int) []Summary {
	groups := map[string][]Run{}
	for _, r := range runs {
		tags := r.Tags
		if len(tags) == 0 {
			tags = []string{"(untagged)"}
		}
		for _, t := range tags {
			groups[t] = append(groups[t], r)
		}
	}
	names := make([]string, 0, len(groups))
	for t := range groups {
		names = append(names, t)
	}
	sort.Strings(names)
	out := make([]Summary, 0, len(names))
	for _, t := range names {
		out = append(out, Summarize(t, groups[t], k))
	}
	return out
}
