package evals

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/skills/safetext"
)

// WriteHTML writes a self-contained page: summary, inline SVG charts
// (completion and wrong purchase by tag, price-optimality distribution, time
// per run) and every run with its reason. It loads nothing from the network.
func (r *Report) WriteHTML(w io.Writer) error {
	data := struct {
		R        *Report
		ByTag    template.HTML
		Optimal  template.HTML
		Times    template.HTML
		Runs     []Run
		Generate string
	}{
		R:        r,
		ByTag:    tagChart(r.ByTag),
		Optimal:  optimalityChart(r.Runs),
		Times:    timeChart(r.Runs),
		Runs:     r.Runs,
		Generate: r.Started.UTC().Format(time.RFC3339),
	}
	return htmlPage.Execute(w, data)
}

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": pct,
	"opt": optStr,
	"ms":  func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"optf": func(p *float64) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprintf("%.3f", *p)
	},
	"join": strings.Join,
	// merchant text (titles in reasons and findings) is escaped for HTML by
	// the template and shown inert: control characters and bidi marks as
	// visible escapes
	"inert": func(s string) string { return safetext.Terminal(s, 2000) },
	"rowclass": func(r Run) string {
		switch {
		case r.Skipped:
			return "skip"
		case r.Score.WrongPurchase:
			return "wrong"
		case !r.Score.Completed:
			return "fail"
		}
		return "ok"
	},
	"findings": func(r Run) []string {
		if r.Skipped {
			return []string{safetext.Terminal("skipped: "+r.SkipReason, 2000)}
		}
		fs := findingStrings(append(append([]Finding(nil), r.Score.Wrong...), r.Score.Failures...))
		for i := range fs {
			fs[i] = safetext.Terminal(fs[i], 2000)
		}
		return fs
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Cartwright eval report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.wrong td{background:#fde8e8}tr.fail td{background:#fff6e0}tr.skip td{color:#888}
.kpi{display:flex;gap:1em;flex-wrap:wrap}.kpi div{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:9em}
.kpi b{display:block;font-size:1.5em}
svg text{font:12px system-ui,sans-serif}
ul.f{margin:0;padding-left:1.2em}
</style></head><body>
<h1>Cartwright eval report</h1>
<p>{{.Generate}} · planner <b>{{.R.Planner}}</b> · seed {{.R.Seed}} · {{.R.Trials}} trial(s) per scenario · parallel {{.R.Parallel}} · wall {{ms .R.Wall}}</p>
<div class="kpi">
<div>completion<b>{{pct .R.Overall.CompletionRate}}</b></div>
<div>wrong purchase<b>{{pct .R.Overall.WrongPurchaseRate}}</b></div>
<div>mean price optimality<b>{{opt .R.Overall}}</b></div>
<div>pass^{{.R.Trials}}<b>{{printf "%.3f" .R.Overall.PassK}}</b></div>
<div>runs<b>{{.R.Overall.Runs}}</b></div>
<div>scenarios<b>{{.R.Overall.Scenarios}}</b></div>
</div>
<h2>By tag</h2>
<table><tr><th>tag</th><th>scenarios</th><th>runs</th><th>completed</th><th>wrong purchase</th><th>price optimality</th><th>pass^{{.R.Trials}}</th><th>match</th><th>time</th></tr>
{{range .R.ByTag}}<tr><td>{{.Label}}</td><td class="n">{{.Scenarios}}</td><td class="n">{{.Runs}}</td><td class="n">{{pct .CompletionRate}}</td><td class="n">{{pct .WrongPurchaseRate}}</td><td class="n">{{opt .}}</td><td class="n">{{printf "%.3f" .PassK}}</td><td class="n">{{printf "%.0f" .MeanMatchScore}}</td><td class="n">{{ms .Wall}}</td></tr>
{{end}}</table>
<h2>Completion and wrong purchase by tag</h2>
{{.ByTag}}
<h2>Price optimality (completed purchases)</h2>
{{.Optimal}}
<h2>Time per run</h2>
{{.Times}}
<h2>Runs</h2>
<table><tr><th>scenario</th><th>trial</th><th>status</th><th>completed</th><th>wrong</th><th>optimality</th><th>match</th><th>charged</th><th>steps</th><th>calls</th><th>time</th><th>why</th></tr>
{{range .Runs}}<tr class="{{rowclass .}}"><td title="{{.File}}">{{.Scenario}}</td><td class="n">{{.Trial}}</td><td>{{.Status}}</td><td>{{.Score.Completed}}</td><td>{{.Score.WrongPurchase}}</td><td class="n">{{optf .Score.PriceOptimality}}</td><td class="n">{{.Score.MatchScore}}</td><td class="n">{{.Charged}}{{if .Fees.Minor}} + fees {{.Fees}}{{end}}</td><td class="n">{{.Steps}}</td><td class="n">{{.MerchantCalls}}</td><td class="n">{{ms .Wall}}</td><td>{{inert .Reason}}{{with findings .}}<ul class="f">{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}</td></tr>
{{end}}</table>
</body></html>
`))

func esc(s string) string { return template.HTMLEscapeString(s) }

// tagChart draws, per tag, a green bar (completion) and a red bar (wrong
// purchase) on a 0–100% axis.
func tagChart(tags []Summary) template.HTML {
	const left, width, rowH = 160, 560, 34
	h := len(tags)*rowH + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="completion and wrong purchase by tag">`, left+width+80, h)
	for i := 0; i <= 4; i++ {
		x := left + width*i/4
		fmt.Fprintf(&b, `<line x1="%d" y1="10" x2="%d" y2="%d" stroke="#eee"/><text x="%d" y="%d" text-anchor="middle" fill="#777">%d%%</text>`, x, x, h-20, x, h-5, 25*i)
	}
	for i, s := range tags {
		y := 14 + i*rowH
		cw := int(math.Round(float64(width) * s.CompletionRate))
		ww := int(math.Round(float64(width) * s.WrongPurchaseRate))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-8, y+16, esc(s.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="12" fill="#3a9d5d"><title>%s completion %s</title></rect>`, left, y, cw, esc(s.Label), pct(s.CompletionRate))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="12" fill="#d64541"><title>%s wrong purchase %s</title></rect>`, left, y+14, ww, esc(s.Label), pct(s.WrongPurchaseRate))
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#3a9d5d">%s</text><text x="%d" y="%d" fill="#d64541">%s</text>`, left+cw+4, y+10, pct(s.CompletionRate), left+ww+4, y+24, pct(s.WrongPurchaseRate))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// optimalityChart is a histogram of price optimality over completed
// purchases: 1.00 exactly, then bins of 0.05 up to ≥1.50.
func optimalityChart(runs []Run) template.HTML {
	labels := []string{"<1.00", "1.00", "≤1.05", "≤1.10", "≤1.20", "≤1.50", ">1.50"}
	counts := make([]int, len(labels))
	n := 0
	for _, r := range runs {
		p := r.Score.PriceOptimality
		if p == nil {
			continue
		}
		n++
		switch v := *p; {
		case v < 0.9999999:
			counts[0]++
		case v <= 1.0000001:
			counts[1]++
		case v <= 1.05:
			counts[2]++
		case v <= 1.10:
			counts[3]++
		case v <= 1.20:
			counts[4]++
		case v <= 1.50:
			counts[5]++
		default:
			counts[6]++
		}
	}
	if n == 0 {
		return template.HTML(`<p>No completed purchases.</p>`)
	}
	return barChart(labels, counts, "#3b73b9", "completed purchases")
}

// timeChart is a histogram of wall time per run.
func timeChart(runs []Run) template.HTML {
	if len(runs) == 0 {
		return template.HTML(`<p>No runs.</p>`)
	}
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = r.Wall
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	bounds := []time.Duration{10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond,
		250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second}
	labels := make([]string, 0, len(bounds)+1)
	counts := make([]int, len(bounds)+1)
	for _, b := range bounds {
		labels = append(labels, "≤"+b.String())
	}
	labels = append(labels, ">"+bounds[len(bounds)-1].String())
	for _, d := range ds {
		i := sort.Search(len(bounds), func(i int) bool { return d <= bounds[i] })
		counts[i]++
	}
	p50, p95 := ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*95/100)]
	return template.HTML(string(barChart(labels, counts, "#8a5cb8", "runs")) +
		fmt.Sprintf(`<p>median %s · p95 %s · max %s</p>`, p50.Round(time.Millisecond), p95.Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond)))
}

// barChart draws a vertical bar chart with a label under each bar.
func barChart(labels []string, counts []int, colour, what string) template.HTML {
	const barW, gap, plotH, top = 56, 14, 160, 20
	maxC := 1
	for _, c := range counts {
		maxC = max(maxC, c)
	}
	w := len(labels)*(barW+gap) + gap + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="%s">`, w, plotH+top+40, esc(what))
	fmt.Fprintf(&b, `<line x1="30" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, top+plotH, w, top+plotH)
	for i, c := range counts {
		x := 30 + gap + i*(barW+gap)
		h := plotH * c / maxC
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %d %s</title></rect>`, x, top+plotH-h, barW, h, colour, esc(labels[i]), c, esc(what))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%d</text>`, x+barW/2, top+plotH-h-4, c)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">%s</text>`, x+barW/2, top+plotH+16, esc(labels[i]))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
