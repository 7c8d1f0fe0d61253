package evals

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// WriteHTML writes a self-contained page (it loads nothing from the
// network): the summary, a filterable and sortable table of every run, a
// drill-down per run (report.html#run=KEY opens one; see drill.go), the
// per-tag table and inline SVG charts (completion and wrong purchase by
// tag, price-optimality distribution, time per run).
func (r *Report) WriteHTML(w io.Writer) error {
	data := pageData{R: r, ByTag: tagChart(r.ByTag), Optimal: optimalityChart(r.Runs), Times: timeChart(r.Runs),
		Generated: r.Started.UTC().Format(time.RFC3339)}
	tags, planners := map[string]bool{}, map[string]bool{}
	for _, run := range r.Runs {
		run = inertRun(run)
		data.Drills = append(data.Drills, drillView{R: run, ID: "run=" + run.Key()})
		for _, t := range run.Tags {
			tags[t] = true
		}
		planners[run.PlannerLabel()] = true
		data.RunTime += run.Wall
		data.Count[outcomeIndex(run.Outcome())]++
	}
	data.Tags, data.Planners = sortedKeys(tags), sortedKeys(planners)
	return htmlPage.Execute(w, data)
}

type pageData struct {
	R                     *Report
	ByTag, Optimal, Times template.HTML
	Generated             string
	Drills                []drillView
	Tags, Planners        []string
	// RunTime is the sum of the runs' own times (larger than the wall
	// clock when runs overlap).
	RunTime time.Duration
	// Count is completed, wrong, failed, skipped.
	Count [4]int
}

func outcomeIndex(o string) int {
	switch o {
	case "completed":
		return 0
	case "wrong":
		return 1
	case "failed":
		return 2
	}
	return 3
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var htmlPage = template.Must(template.Must(template.New("report").Funcs(drillFuncs).Parse(drillTemplate)).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Cartwright eval report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em auto;max-width:1200px;color:#222;padding:0 1em;background:#fafafa}
h1{font-size:1.5em;margin:.2em 0}h2.sec{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.kpi{display:flex;gap:.8em;flex-wrap:wrap;margin:.8em 0}.kpi div{border:1px solid #ddd;border-radius:6px;padding:.5em .9em;min-width:8em;background:#fff}
.kpi b{display:block;font-size:1.4em}.kpi small{color:#777}
svg text{font:12px system-ui,sans-serif}
#runs tr.run{cursor:pointer}#runs tr.run:hover td{background:#eef3fb}
#runs tr.wrong td:first-child{border-left:4px solid #c0392b}#runs tr.failed td:first-child{border-left:4px solid #d68910}
#runs tr.completed td:first-child{border-left:4px solid #3a9d5d}#runs tr.skipped td{color:#888}
#runs tr.sel td{background:#e3ecfa}#runs td.whycol{min-width:14em}
td.req{max-width:16em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.filters{display:flex;gap:.6em;flex-wrap:wrap;align-items:center;background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5em .8em;position:sticky;top:0;z-index:2}
.filters input[type=search]{min-width:16em;padding:3px 6px}.filters label{color:#555}
#shown{color:#555;margin-left:auto}
.drill{display:none}.drill:target{display:block}
.note{background:#fff6e0;border:1px solid #f0d9a0;border-radius:6px;padding:.4em .8em}
` + drillCSS + `
</style></head><body>
<h1>Cartwright eval report</h1>
<p class="meta">{{.Generated}} · planner asked for <b>{{.R.Planner}}</b> · seed {{.R.Seed}} · {{.R.Trials}} trial(s) per scenario · {{.R.Parallel}} run(s) at once</p>
<div class="kpi">
<div>completion<b>{{pct .R.Overall.CompletionRate}}</b><small>{{.R.Overall.Completed}} of {{.R.Overall.Runs}} graded runs</small></div>
<div>wrong purchase<b>{{pct .R.Overall.WrongPurchaseRate}}</b><small>{{.R.Overall.Wrong}} run(s)</small></div>
<div>mean price optimality<b>{{opt .R.Overall}}</b><small>paid ÷ cheapest, 1.000 is optimal</small></div>
{{if gt .R.Trials 1}}<div>pass^{{.R.Trials}}<b>{{printf "%.3f" .R.Overall.PassK}}</b><small>all {{.R.Trials}} trials completed</small></div>{{end}}
<div>scenarios<b>{{.R.Overall.Scenarios}}</b><small>{{.R.Overall.Runs}} graded run(s){{if .R.Overall.Skipped}}, {{.R.Overall.Skipped}} skipped{{end}}</small></div>
<div>wall clock<b>{{ms .R.Wall}}</b><small>start to finish</small></div>
<div>summed run time<b>{{ms .RunTime}}</b><small>sum over runs; {{.R.Parallel}} at once</small></div>
</div>
{{with .R.Overall.SkipReasons}}<p class="note">{{$.R.Overall.Skipped}} run(s) skipped and left out of every rate: {{join . "; "}}</p>{{end}}
{{if .R.Overall.Fallbacks}}<p class="note">{{.R.Overall.Fallbacks}} of {{.R.Overall.Runs}} run(s) asked for the LLM planner fell back to the offline one (planner column: llm→offline).</p>{{end}}

<h2 class="sec" id="runs-h">Runs</h2>
<div class="filters" id="filters">
<label>show <select id="f-status"><option value="">all ({{len .R.Runs}})</option><option value="!completed">not completed ({{add (index .Count 1) (index .Count 2)}})</option><option value="wrong">wrong purchase ({{index .Count 1}})</option><option value="failed">failed ({{index .Count 2}})</option><option value="completed">completed ({{index .Count 0}})</option><option value="skipped">skipped ({{index .Count 3}})</option></select></label>
<label>tag <select id="f-tag"><option value="">any</option>{{range .Tags}}<option>{{.}}</option>{{end}}</select></label>
<label>planner <select id="f-planner"><option value="">any</option>{{range .Planners}}<option>{{.}}</option>{{end}}</select></label>
<label>time <select id="f-time"><option value="">any</option><option value="1000000000">over 1 s</option><option value="5000000000">over 5 s</option><option value="20000000000">over 20 s</option></select></label>
<input type="search" id="f-q" placeholder="search requests and ids…" aria-label="search requests">
<label>sort <select id="f-sort"><option value="status">worst first</option><option value="order">scenario order</option><option value="time-desc">slowest first</option><option value="time-asc">fastest first</option><option value="opt-desc">least optimal first</option><option value="id">id A–Z</option></select></label>
<span id="shown"></span>
</div>
<p class="meta">Click a run to open its drill-down: what was asked, what was understood, the offers, the basket, the questions, the decision, and what was bought beside what was expected. Links to a run: <code>report.html#run=ID</code>.</p>
<table id="runs"><thead><tr><th>scenario</th><th>outcome</th><th title="how the runtime ended the run">ended</th><th>planner</th><th>request</th><th>bought</th><th>charged</th><th>optimality</th><th title="this run's own time">time</th><th>why</th></tr></thead><tbody>
{{range $i, $d := .Drills}}{{$r := $d.R}}<tr class="run {{$r.Outcome}}" data-i="{{$i}}" data-key="{{$r.Key}}" data-status="{{$r.Outcome}}" data-tags="|{{join $r.Tags "|"}}|" data-planner="{{$r.PlannerLabel}}" data-time="{{$r.Wall.Nanoseconds}}" data-opt="{{optf $r.Score.PriceOptimality}}" data-q="{{lower $r.Scenario}} {{lower $r.Request}}"><td><a href="{{runlink $r}}">{{$r.Scenario}}</a>{{if gt $.R.Trials 1}} <span class="meta">#{{$r.Trial}}</span>{{end}}</td><td><span class="badge {{$r.Outcome}}">{{$r.Outcome}}</span></td><td>{{ended $r}}</td><td>{{$r.PlannerLabel}}</td><td class="req" title="{{$r.Request}}">{{$r.Request}}</td><td>{{bought $r}}</td><td class="n">{{$r.Charged}}{{if hasMoney $r.Fees}}<div class="meta">+ fees {{$r.Fees}}</div>{{end}}</td><td class="n">{{optf $r.Score.PriceOptimality}}</td><td class="n">{{ms $r.Wall}}</td><td class="whycol">{{short $r}}</td></tr>
{{end}}</tbody></table>

<div id="drills">{{range .Drills}}{{template "drill" .}}{{end}}</div>

<h2 class="sec">By tag</h2>
<p class="meta">A run counts under each of its tags. “Run time” sums the runs' own times; runs overlap ({{.R.Parallel}} at once), so it can exceed the wall clock ({{ms .R.Wall}} for the whole suite).</p>
<table><tr><th>tag</th><th>scenarios</th><th>runs</th><th>completed</th><th>wrong purchase</th><th>price optimality</th>{{if gt .R.Trials 1}}<th>pass^{{.R.Trials}}</th>{{end}}<th>match</th><th>run time (summed)</th><th>mean per run</th></tr>
{{range .R.ByTag}}<tr><td>{{.Label}}</td><td class="n">{{.Scenarios}}</td><td class="n">{{.Runs}}{{if .Skipped}} <span class="meta">(+{{.Skipped}} skipped)</span>{{end}}</td><td class="n">{{pct .CompletionRate}}</td><td class="n">{{pct .WrongPurchaseRate}}</td><td class="n">{{opt .}}</td>{{if gt $.R.Trials 1}}<td class="n">{{printf "%.3f" .PassK}}</td>{{end}}<td class="n">{{printf "%.0f" .MeanMatchScore}}</td><td class="n">{{ms .Wall}}</td><td class="n">{{ms .MeanWall}}</td></tr>
{{end}}</table>
<h2 class="sec">Completion and wrong purchase by tag</h2>
{{.ByTag}}
<h2 class="sec">Price optimality (completed purchases)</h2>
{{.Optimal}}
<h2 class="sec">Time per run</h2>
{{.Times}}
<script>
(function(){
var tbody=document.querySelector('#runs tbody'),rows=[].slice.call(tbody.rows);
var st=document.getElementById('f-status'),tg=document.getElementById('f-tag'),pl=document.getElementById('f-planner'),
q=document.getElementById('f-q'),so=document.getElementById('f-sort'),tm=document.getElementById('f-time'),shown=document.getElementById('shown');
var rank={wrong:0,failed:1,skipped:2,completed:3};
function apply(){
  var s=st.value,t=tg.value,p=pl.value,w=q.value.trim().toLowerCase(),m=tm.value?parseFloat(tm.value):0,n=0;
  rows.forEach(function(r){
    var d=r.dataset,ok=(!s||(s==='!completed'?(d.status==='wrong'||d.status==='failed'):d.status===s))&&
      (!t||d.tags.indexOf('|'+t+'|')>=0)&&(!p||d.planner===p)&&(!w||d.q.indexOf(w)>=0)&&(!m||parseFloat(d.time)>m);
    r.style.display=ok?'':'none';if(ok)n++;
  });
  var k=so.value,sorted=rows.slice();
  sorted.sort(function(a,b){
    var x=a.dataset,y=b.dataset;
    if(k==='status')return (rank[x.status]-rank[y.status])||(x.i-y.i);
    if(k==='time-desc')return y.time-x.time;
    if(k==='time-asc')return x.time-y.time;
    if(k==='opt-desc')return (parseFloat(y.opt)||0)-(parseFloat(x.opt)||0);
    if(k==='id')return x.key<y.key?-1:x.key>y.key?1:0;
    return x.i-y.i;
  });
  sorted.forEach(function(r){tbody.appendChild(r);});
  shown.textContent=n+' of '+rows.length+' run(s) shown';
}
[st,tg,pl,so,tm].forEach(function(e){e.addEventListener('change',apply);});
q.addEventListener('input',apply);
rows.forEach(function(r){r.addEventListener('click',function(e){if(e.target.tagName!=='A')location.hash='run='+r.dataset.key;});});
function open(){
  var h=decodeURIComponent(location.hash.slice(1));
  rows.forEach(function(r){r.classList.remove('sel');});
  if(h.indexOf('run=')!==0)return;
  var key=h.slice(4);
  if(!document.getElementById('run='+key)&&document.getElementById('run='+key+'/1')){location.replace('#run='+key+'/1');return;}
  var el=document.getElementById('run='+key);
  if(!el)return;
  rows.forEach(function(r){if(r.dataset.key===key)r.classList.add('sel');});
  el.scrollIntoView();
}
window.addEventListener('hashchange',open);
apply();open();
})();
</script>
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
