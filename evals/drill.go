package evals

import (
	"fmt"
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// The per-run drill-down of report.html and of the compare page: what was
// asked, what the planner made of it, the offers and why each was taken or
// not, the basket and why, the user's questions and answers, the policy
// decision, what was bought beside what was expected (and the rule a wrong
// purchase broke), orders, fees, step times and calls. Every value goes
// through html/template, so merchant text (titles, reasons, messages) is
// escaped wherever it shows.

// drillView is one drill-down: the run, the element id that opens it
// ("run=KEY" in report.html) and a caption (the compare page's "A"/"B").
type drillView struct {
	R       Run
	ID      string
	Caption string
}

// offerGroup is one intent item's offers: accepted by rank, rejected.
type offerGroup struct {
	Item     int
	Query    string
	Accepted []agent.Considered
	Rejected []agent.Considered
}

// stepRow is one line of a run's timings.
type stepRow struct {
	Name          string
	Duration      time.Duration
	MerchantCalls int
	Input, Detail string
	Harness       bool
}

var drillFuncs = template.FuncMap{
	"pct": pct,
	"opt": optStr,
	"ms":  func(d time.Duration) string { return fmtDur(d) },
	"optf": func(p *float64) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprintf("%.3f", *p)
	},
	"join":     strings.Join,
	"attrs":    attrString,
	"money":    moneyOr,
	"describe": describeMatch,
	"findings": func(r Run) []Finding {
		if r.Skipped {
			return []Finding{{Code: "skipped", Detail: r.SkipReason}}
		}
		out := append([]Finding(nil), r.Score.Wrong...)
		for _, f := range r.Score.Failures {
			if f.Code != FailWrongPurchase { // the wrong findings above say it
				out = append(out, f)
			}
		}
		return out
	},
	"offers": offerGroups,
	"steps":  stepRows,
	"add":    func(a, b int) int { return a + b },
	// runlink is the fragment that opens a run's drill-down, "/" kept
	// literal so the link reads as it is typed.
	"runlink": func(r Run) template.URL {
		return template.URL("#run=" + url.PathEscape(r.Scenario) + "/" + strconv.Itoa(max(r.Trial, 1)))
	},
	"lower":   strings.ToLower,
	"bought":  boughtShort,
	"ended":   endedAs,
	"short":   shortWhy,
	"exclude": excludeString,
	"prange": func(it planner.ItemSpec) string {
		switch {
		case it.MinUnitPrice != nil && it.MaxUnitPrice != nil:
			return it.MinUnitPrice.String() + " – " + it.MaxUnitPrice.String() + " each"
		case it.MaxUnitPrice != nil:
			return "at most " + it.MaxUnitPrice.String() + " each"
		case it.MinUnitPrice != nil:
			return "at least " + it.MinUnitPrice.String() + " each"
		}
		return ""
	},
	"lists": func(l planner.Lists) string {
		var p []string
		if len(l.Allow) > 0 {
			p = append(p, "only "+strings.Join(l.Allow, ", "))
		}
		if len(l.Deny) > 0 {
			p = append(p, "not "+strings.Join(l.Deny, ", "))
		}
		return strings.Join(p, "; ")
	},
	"line": func(r Run, i int) *LineVerdict {
		if i < 0 || i >= len(r.Score.Bought) {
			return nil
		}
		return &r.Score.Bought[i]
	},
	"claimed": claimedNotAsked,
	"expectWord": func(v string) string {
		switch v {
		case ExpectRequired:
			return "must be asked"
		case ExpectForbidden:
			return "must not be asked"
		}
		return "either"
	},
	"yesno": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
	"quantityOK": func(v ItemVerdict) bool { return v.Bought == v.Quantity },
	"hasMoney":   func(m skills.Money) bool { return m.Minor != 0 },
}

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Minute:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// attrString renders attributes as "key=value, …", keys sorted.
func attrString(m map[string]string) string {
	keys := sortedMapKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ", ")
}

func excludeString(m map[string][]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " ∉ {" + strings.Join(m[k], ", ") + "}"
	}
	return strings.Join(parts, ", ")
}

// endedAs says in words how the runtime ended the run ("bought", "asked a
// question", "refused by policy", …).
func endedAs(r Run) string {
	switch r.Status {
	case agent.StatusBought:
		return "bought"
	case agent.StatusDeclined:
		return "user declined"
	case agent.StatusRefused:
		return "refused by policy"
	case agent.StatusNeedsClarification:
		return "asked a question"
	case agent.StatusNoOffers:
		return "nothing suitable"
	case agent.StatusFailed:
		return "error"
	}
	return strings.ReplaceAll(r.Status, "_", " ")
}

// shortWhy is the runs table's one-line reason: for a completed run what
// made it right, else the run's reason.
func shortWhy(r Run) string {
	sc := r.Score
	switch {
	case r.Skipped:
		return r.SkipReason
	case sc.WrongPurchase, !sc.Completed:
		return r.Reason
	case sc.PriceOptimality != nil && *sc.PriceOptimality <= 1.0000001:
		return "right, at the cheapest total"
	case sc.PriceOptimality != nil && sc.Optimum != nil:
		return fmt.Sprintf("right; paid %s, the cheapest was %s", sc.Paid, sc.Optimum.Total)
	case len(sc.Bought) == 0:
		return "right to buy nothing"
	}
	return "right"
}

// boughtShort is a run's purchase in a few words ("2 × Oat Latte at a").
func boughtShort(r Run) string {
	if len(r.Score.Bought) == 0 {
		if r.Score.Paid.Minor > 0 {
			return "charged " + r.Score.Paid.String() + ", no order"
		}
		return "nothing"
	}
	parts := make([]string, 0, len(r.Score.Bought))
	for _, l := range r.Score.Bought {
		parts = append(parts, fmt.Sprintf("%d × %s", l.Quantity, l.Title))
	}
	return strings.Join(parts, "; ")
}

// offerGroups groups a run's considered offers by intent item: accepted by
// rank, then rejected.
func offerGroups(r Run) []offerGroup {
	if r.Detail == nil {
		return nil
	}
	byItem := map[int]*offerGroup{}
	var order []int
	for _, c := range r.Detail.Considered {
		g := byItem[c.Item]
		if g == nil {
			g = &offerGroup{Item: c.Item}
			if c.Item >= 0 && c.Item < len(r.Detail.Intent.Items) {
				g.Query = r.Detail.Intent.Items[c.Item].Query
			}
			byItem[c.Item] = g
			order = append(order, c.Item)
		}
		if c.Accepted {
			g.Accepted = append(g.Accepted, c)
		} else {
			g.Rejected = append(g.Rejected, c)
		}
	}
	sort.Ints(order)
	out := make([]offerGroup, 0, len(order))
	for _, i := range order {
		g := byItem[i]
		sort.SliceStable(g.Accepted, func(a, b int) bool { return g.Accepted[a].Rank < g.Accepted[b].Rank })
		out = append(out, *g)
	}
	return out
}

// stepRows lays out a run's time: the harness starting the world, the
// system's set-up phases, the runtime's steps in order (each with its
// merchant calls, input and output), grading and teardown.
func stepRows(r Run) []stepRow {
	var out []stepRow
	get := func(k string) time.Duration { return time.Duration(r.StepTimes[k]) }
	if d, ok := r.StepTimes["harness:world"]; ok {
		out = append(out, stepRow{Name: "start the world", Duration: time.Duration(d), Harness: true})
	}
	var setup []string
	for k := range r.StepTimes {
		if strings.HasPrefix(k, "agent:setup:") {
			setup = append(setup, k)
		}
	}
	sort.Strings(setup)
	for _, k := range setup {
		out = append(out, stepRow{Name: "set up " + strings.TrimPrefix(k, "agent:setup:"), Duration: get(k), Harness: true})
	}
	if r.Detail != nil && len(r.Detail.Steps) > 0 {
		for _, st := range r.Detail.Steps {
			out = append(out, stepRow{Name: st.Name, Duration: st.Duration, MerchantCalls: st.MerchantCalls, Input: st.Input, Detail: st.Detail})
		}
	} else {
		var names []string
		for k := range r.StepTimes {
			if !strings.HasPrefix(k, "harness:") && !strings.HasPrefix(k, "agent:setup:") {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			out = append(out, stepRow{Name: k, Duration: get(k)})
		}
	}
	for _, k := range []string{"harness:grade", "harness:teardown"} {
		if d, ok := r.StepTimes[k]; ok {
			out = append(out, stepRow{Name: strings.TrimPrefix(k, "harness:"), Duration: time.Duration(d), Harness: true})
		}
	}
	return out
}

// claimedNotAsked lists what the runtime says it asked that the simulated
// user never saw (the grade ignores such claims).
func claimedNotAsked(r Run) []string {
	if r.Detail == nil {
		return nil
	}
	var confirms, clarifies int
	for _, e := range r.Exchanges {
		if e.Kind == ExchangeConfirm {
			confirms++
		} else {
			clarifies++
		}
	}
	var out []string
	if r.Detail.Confirmation.Asked && confirms == 0 {
		out = append(out, "the runtime reports a confirmation the simulated user never received")
	}
	if r.Detail.Clarification.Asked && clarifies == 0 {
		q := r.Detail.Clarification.Question
		out = append(out, "the runtime reports a clarification the simulated user never received: "+q)
	}
	return out
}

// drillTemplate is the drill-down, {{template "drill" drillView}}.
const drillTemplate = `{{define "drill"}}{{$r := .R}}<article class="drill {{$r.Outcome}}" id="{{.ID}}" data-key="{{$r.Key}}">
<header class="dh"><span class="badge {{$r.Outcome}}">{{$r.Outcome}}</span> <span class="meta">the runtime {{if eq (ended $r) "bought"}}bought{{else}}ended: {{ended $r}}{{end}}</span>
{{with .Caption}}<span class="cap">{{.}}</span>{{end}}
<h2>{{$r.Scenario}}{{if gt $r.Trial 1}} <small>trial {{$r.Trial}}</small>{{end}}</h2>
{{with $r.Title}}<p class="sub">{{.}}</p>{{end}}
<p class="meta">{{$r.File}} · seed {{$r.Seed}} · planner <b>{{$r.PlannerLabel}}</b>{{if and $r.PlannerUsed (ne $r.PlannerUsed $r.Planner)}} (asked for {{$r.Planner}}){{end}}{{range $r.Tags}} · <span class="tag">{{.}}</span>{{end}} <span class="dlinks"> · <a href="{{runlink $r}}">link to this run</a> · <a href="#runs-h">back to the runs</a></span></p>
</header>
<div class="why {{$r.Outcome}}"><b>Why:</b> {{short $r}}
{{with findings $r}}<ul>{{range .}}<li><code>{{.Code}}</code> {{.Detail}}</li>{{end}}</ul>{{end}}</div>

<h3>What was asked</h3>
<blockquote class="req">{{$r.Request}}</blockquote>
{{with $r.User}}<p class="meta">user {{.ID}} · wallet {{.Wallet}}{{with .Mandate.MaxTotal}} · mandate max {{.}}{{end}}{{with .Mandate.ConfirmAbove}} · confirm above {{.}}{{end}}{{with .Mandate.Merchants}} · merchants {{join . ", "}}{{end}}{{with .Mandate.Categories}} · categories {{join . ", "}}{{end}} · answers: confirm <b>{{or .Answers.Confirm "deny"}}</b>, clarify <b>{{if .Answers.Clarify}}“{{.Answers.Clarify}}”{{else}}(says nothing){{end}}</b></p>
{{with .Memory}}<p class="meta">memory: {{range $i, $m := .}}{{if $i}}; {{end}}“{{$m.Text}}”{{with $m.Kind}} ({{.}}){{end}}{{end}}</p>{{end}}{{end}}

<h3>Bought beside expected</h3>
<div class="bvse">
<div class="col"><h4>Expected</h4>
{{with $r.Expect}}{{if .Purchase}}<table><tr><th>item</th><th>qty</th><th>got</th></tr>
{{range $i, $v := $r.Score.Expected}}<tr class="{{if quantityOK $v}}okc{{else}}bad{{end}}"><td>[{{$i}}] {{$v.Match}}{{if and $v.Miss (ge $v.Closest 0)}}<div class="miss">closest bought line: {{$v.Miss}}</div>{{end}}</td><td class="n">{{$v.Quantity}}</td><td class="n">{{$v.Bought}}</td></tr>
{{else}}{{range $i, $it := .Items}}<tr><td>[{{$i}}] {{describe $it.Match}}</td><td class="n">{{$it.Quantity}}</td><td class="n">–</td></tr>{{end}}{{end}}</table>
{{else}}<p><b>nothing may be bought</b></p>{{end}}
<ul class="plain">{{with .MaxTotal}}<li>total at most {{.}}</li>{{end}}
<li>confirmation: {{expectWord .Confirmation}}</li><li>clarification: {{expectWord .Clarification}}</li>
{{range .Forbidden}}<li>forbidden: {{describe .}}</li>{{end}}
{{with .Fees}}<li>x402 fees {{with .Min}}≥ {{.}} {{end}}{{with .Max}}≤ {{.}}{{end}}</li>{{end}}</ul>
{{else}}<p class="meta">(the results file does not carry the expectation)</p>{{end}}
{{with $r.Score.Optimum}}<p class="meta">cheapest completing basket: {{.Total}}</p>{{end}}
</div>
<div class="col"><h4>Bought</h4>
{{if $r.Score.Bought}}<table><tr><th>line</th><th>qty</th><th>price</th><th>verdict</th></tr>
{{range $li, $l := $r.Score.Bought}}<tr class="{{if $l.Wrong}}bad{{else}}okc{{end}}"><td><b>{{$l.Title}}</b><div class="meta">{{$l.SKU}} at {{$l.Merchant}}{{with $l.Category}} · {{.}}{{end}}{{with $l.Brand}} · {{.}}{{end}}{{if $l.AddOn}} · add-on{{end}}</div>{{with attrs $l.Attributes}}<div class="meta">{{.}}</div>{{end}}</td>
<td class="n">{{$l.Quantity}}</td><td class="n">{{$l.UnitPrice}}<div class="meta">= {{$l.Total}}</div></td>
<td>{{if ge $l.Item 0}}counts for item [{{$l.Item}}]{{end}}{{range $l.Wrong}}<div class="rule"><code>{{.Code}}</code> {{.Detail}}</div>{{end}}</td></tr>
{{end}}</table>{{else}}<p><b>nothing bought</b></p>{{end}}
<p class="meta">charged {{$r.Charged}}{{if hasMoney $r.Fees}} · x402 fees {{$r.Fees}}{{end}}{{with $r.Score.PriceOptimality}} · optimality {{optf .}}{{end}} · match {{$r.Score.MatchScore}}/100</p>
</div></div>

{{with $r.Detail}}{{$d := .}}
<h3>What the planner understood <small>({{or .Intent.Planner $r.PlannerLabel}})</small></h3>
{{range $i, $it := .Intent.Items}}<div class="item"><b>[{{$i}}] “{{$it.Query}}”</b> × {{$it.Quantity}}{{with $it.Category}} · category {{.}}{{end}}{{with $it.Brand}} · brand {{.}}{{end}}{{with prange $it}} · {{.}}{{end}}
<ul class="plain">{{with attrs $it.Attributes}}<li>must have: {{.}}</li>{{end}}{{with exclude $it.ExcludeAttributes}}<li>must not have: {{.}}</li>{{end}}{{with $it.RequireTerms}}<li>must mention: {{join . ", "}}</li>{{end}}{{with $it.ExcludeTerms}}<li>must not mention: {{join . ", "}}</li>{{end}}{{with $it.ExcludeBrands}}<li>not brands: {{join . ", "}}</li>{{end}}{{with attrs $it.Prefer}}<li>prefers: {{.}}</li>{{end}}{{with $it.PreferBrands}}<li>prefers brands: {{join . ", "}}</li>{{end}}{{with $it.Fit}}<li>fit: {{.}}</li>{{end}}</ul>
{{with $it.Accounting}}<table class="acct"><tr><th>the person's words</th><th>became</th><th></th></tr>{{range .}}<tr class="role-{{.Role}}"><td>“{{.Text}}”</td><td>{{.Role}}{{if .Key}}: {{.Key}}{{if .Value}} = {{.Value}}{{end}}{{else if .Value}}: {{.Value}}{{end}}{{with .Source}} <span class="meta">(memory {{.}})</span>{{end}}</td><td>{{if .Hard}}<span class="hard">must be evidenced</span>{{end}}</td></tr>{{end}}</table>{{else}}<p class="meta">no requirement accounting recorded for this item</p>{{end}}
</div>{{else}}<p>no items</p>{{end}}
<p class="meta">{{with .Intent.Budget}}budget {{.}} · {{end}}{{with lists .Intent.Merch}}merchants {{.}} · {{end}}{{with lists .Intent.Category}}categories {{.}} · {{end}}{{with .Intent.Sort}}sort {{.}}{{end}}</p>
{{with .Intent.Clarify}}<p>planner's question: “{{.Question}}”{{with .Options}} ({{join . " / "}}){{end}}</p>{{end}}
{{with .Intent.Notes}}<ul class="plain">{{range .}}<li>note: {{.Text}}{{with .Source}} <span class="meta">(memory {{.}})</span>{{end}}</li>{{end}}</ul>{{end}}

{{with offers $r}}<h3>Offers considered</h3>
{{range .}}<div class="offers"><b>item [{{.Item}}]{{with .Query}} “{{.}}”{{end}}</b>: {{len .Accepted}} accepted, {{len .Rejected}} rejected listed
{{with .Accepted}}<table><tr><th>rank</th><th>offer</th><th>price</th><th>why</th></tr>{{range .}}<tr><td class="n">{{.Rank}}</td><td>{{.Product.Title}} <span class="meta">{{.Product.SKU}} at {{.Product.Merchant}}{{with attrs .Product.Attributes}} · {{.}}{{end}}</span></td><td class="n">{{.Product.Price}}</td><td>{{.Why}}{{with .Source}} <span class="meta">(memory {{.}})</span>{{end}}</td></tr>{{end}}</table>{{end}}
{{with .Rejected}}<details><summary>the rejected ones, with reasons</summary><table><tr><th>offer</th><th>price</th><th>rejected because</th></tr>{{range .}}<tr><td>{{.Product.Title}} <span class="meta">{{.Product.SKU}} at {{.Product.Merchant}}{{with attrs .Product.Attributes}} · {{.}}{{end}}</span></td><td class="n">{{.Product.Price}}</td><td>{{.Reason}}</td></tr>{{end}}</table></details>{{end}}
</div>{{end}}{{if $d.RejectedOmitted}}<p class="meta">{{$d.RejectedOmitted}} more rejected offers left out of this report (cartwright eval --explain {{$r.Scenario}} lists them all)</p>{{end}}{{end}}

<h3>Basket and why</h3>
{{if .Basket.Lines}}<table><tr><th>item</th><th>line</th><th>qty</th><th>unit</th><th>total</th></tr>{{range .Basket.Lines}}<tr><td class="n">[{{.Item}}]</td><td>{{.Title}} <span class="meta">{{.SKU}} at {{.Merchant}}</span></td><td class="n">{{.Quantity}}</td><td class="n">{{.UnitPrice}}</td><td class="n">{{.Total}}</td></tr>{{end}}</table>
<ul class="plain">{{range .Basket.Merchants}}<li>{{.Merchant}}: subtotal {{.Subtotal}}{{if hasMoney .Discount}} − {{.Discount}}{{with .Coupon}} ({{.}}){{end}}{{end}} + shipping {{.Shipping}} = <b>{{.Total}}</b></li>{{end}}
<li>basket total <b>{{.Basket.Total}}</b>; the per-item cheapest choice would cost {{.Basket.Baseline}}</li></ul>{{else}}<p class="meta">no basket was chosen</p>{{end}}
{{with .Explanation}}<ol class="expl">{{range .}}<li>{{.}}</li>{{end}}</ol>{{end}}

<h3>Requirement check</h3>
{{range .Checks}}<div class="check"><span class="badge {{.Outcome}}">{{.Outcome}}</span> item [{{.Item}}] <b>{{.Title}}</b> <span class="meta">{{.SKU}} at {{.Merchant}}</span>
{{with .Requirements}}<table><tr><th>the person's words</th><th>requirement</th><th>read from</th><th>the product shows</th></tr>{{range .}}<tr class="st-{{.Status}}"><td>“{{.Text}}”</td><td>{{.Kind}}{{if .Key}}: {{.Key}}{{if .Value}} = {{.Value}}{{end}}{{else if .Value}}: {{.Value}}{{end}}</td><td class="meta">{{.From}}</td><td><b>{{.Status}}</b>{{with .Where}} in {{.}}{{end}}{{with .Got}}: {{.}}{{end}}</td></tr>{{end}}</table>{{else}}<p class="meta">no stated requirement to check</p>{{end}}</div>
{{else}}<p class="meta">no requirement check was recorded (nothing reached the policy)</p>{{end}}

<h3>Policy decision</h3>
<p><b>{{or .Decision.Action "none (the run stopped before paying)"}}</b></p>
{{with .Decision.Reasons}}<ul class="plain">{{range .}}<li><code>{{.Code}}</code> {{.Detail}}</li>{{end}}</ul>{{end}}
{{end}}

<h3>Conversation with the simulated user</h3>
{{with $r.Exchanges}}<ol class="conv">{{range .}}{{if eq .Kind "confirm"}}<li><b>confirm</b> {{with .Total}}{{.}}{{end}}{{range .Reasons}} <code>{{.Code}}</code> {{.Detail}}{{end}} → <b>{{.Answer}}</b></li>{{else}}<li><b>question</b> “{{.Question}}”{{with .Options}} <span class="meta">({{join . " / "}})</span>{{end}} → {{if .Answer}}<b>“{{.Answer}}”</b>{{else}}<i>no answer</i>{{end}}</li>{{end}}{{end}}</ol>{{else}}<p class="meta">the user was asked nothing</p>{{end}}
{{range claimed $r}}<p class="warn">{{.}}</p>{{end}}

<h3>Orders in the merchants' books</h3>
{{with $r.Orders}}<table><tr><th>order</th><th>status</th><th>lines</th><th>total</th></tr>{{range .}}<tr><td>{{.ID}} <span class="meta">at {{.Merchant}}</span></td><td>{{.Status}}</td><td>{{range .Lines}}<div>{{.Quantity}} × {{.Title}} <span class="meta">{{.SKU}} @ {{.UnitPrice}}{{if .AddOn}} · add-on{{end}}</span></div>{{end}}</td><td class="n">{{.Total}}{{if hasMoney .Refunded}}<div class="meta">refunded {{.Refunded}}</div>{{end}}</td></tr>{{end}}</table>{{else}}<p class="meta">no orders</p>{{end}}
<p class="meta">charged {{$r.Charged}} (payment network, captures minus refunds){{if hasMoney $r.Fees}} · x402 fees {{$r.Fees}}{{end}}</p>

<h3>Time and calls</h3>
<table class="steps"><tr><th>step</th><th>time</th><th>merchant calls</th><th>detail</th></tr>{{range steps $r}}<tr{{if .Harness}} class="harness"{{end}}><td>{{.Name}}</td><td class="n">{{ms .Duration}}</td><td class="n">{{if .MerchantCalls}}{{.MerchantCalls}}{{end}}</td><td>{{with .Input}}<span class="meta">{{.}}</span> {{end}}{{.Detail}}</td></tr>{{end}}
<tr class="total"><td>run (wall)</td><td class="n">{{ms $r.Wall}}</td><td class="n">{{$r.MerchantCalls}}</td><td>{{with $r.Detail}}info {{.Calls.Info}} · search {{.Calls.Search}} · quote {{.Calls.Quote}} · complete {{.Calls.Complete}}{{if .Calls.Cancel}} · cancel {{.Calls.Cancel}}{{end}}{{if .Calls.Refund}} · refund {{.Calls.Refund}}{{end}}{{if .Calls.Retries}} · retries {{.Calls.Retries}}{{end}} · ({{.Calls.Minimum}} at least) · {{end}}model calls {{$r.ModelCalls}}{{if $r.ModelCalls}} ({{$r.TokensIn}} tokens in, {{$r.TokensOut}} out){{end}}</td></tr></table>
{{with $r.Error}}<p class="warn">error: {{.}}</p>{{end}}
{{with $r.Detail}}{{with .Errors}}<ul class="plain">{{range .}}<li class="warn">{{.}}</li>{{end}}</ul>{{end}}{{end}}
</article>{{end}}`

// drillCSS styles the drill-down (shared by report.html and compare).
const drillCSS = `
.drill{scroll-margin-top:4.5em;border:1px solid #ccc;border-radius:8px;padding:.4em 1.2em 1em;margin:1em 0;background:#fff}
.drill h2{display:inline;font-size:1.2em;margin-left:.4em}.drill h3{font-size:1em;margin:1.3em 0 .3em;border-bottom:1px solid #eee}
.drill .sub{margin:.2em 0;color:#444}.meta{color:#666;font-size:.92em}.cap{font-weight:bold;margin-left:.4em}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.85em;font-weight:bold;color:#fff;background:#3a9d5d}
.badge.wrong{background:#c0392b}.badge.failed{background:#d68910}.badge.skipped{background:#888}
.why{padding:.5em .8em;border-radius:6px;background:#eef7f0;margin:.6em 0}.why.wrong{background:#fde8e8}.why.failed{background:#fff6e0}.why.skipped{background:#f2f2f2}
.why ul{margin:.3em 0 0;padding-left:1.3em}
blockquote.req{margin:.3em 0;padding:.4em .8em;border-left:4px solid #3b73b9;background:#f4f7fc;font-size:1.1em}
.bvse{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:1em}.bvse .col{min-width:0}.bvse h4{margin:.2em 0}
tr.bad td{background:#fde8e8}tr.okc td{background:#eef7f0}.rule{color:#a93226}.miss{color:#a93226;font-size:.9em}
ul.plain{list-style:none;padding-left:0;margin:.3em 0}.item{margin:.5em 0}
table.acct td{padding:2px 8px}.hard{color:#a93226;font-size:.85em}tr.role-filler td{color:#999}tr.role-unknown td{background:#fff6e0}
.badge.pass{background:#3a9d5d}.badge.confirm{background:#d68910}.badge.refuse{background:#c0392b}.check{margin:.4em 0}
tr.st-conflict td{background:#fde8e8}tr.st-unverified td,tr.st-description_only td{background:#fff6e0}
.warn{color:#a93226}details summary{cursor:pointer;color:#3b73b9}
tr.harness td{color:#777}tr.total td{font-weight:bold;border-top:2px solid #ccc}
ol.expl{margin:.3em 0;padding-left:1.5em;color:#333}
`
