package evals

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/cartwright-agent/cartwright/skills/cliflag"
	"github.com/cartwright-agent/cartwright/skills/safetext"
)

// Change kinds of `cartwright eval compare`.
const (
	ChangeCompletedToFailed = "completed → failed"
	ChangeRightToWrong      = "right → wrong"
	ChangeOptimalityDown    = "optimality down"
	ChangeTimeUp            = "time up"
	ChangeNoLongerGraded    = "no longer graded"
	ChangeFailedToCompleted = "failed → completed"
	ChangeWrongToRight      = "wrong → right"
	ChangeOptimalityUp      = "optimality up"
	ChangeNowGraded         = "now graded"
	ChangeOnlyInA           = "only in A"
	ChangeOnlyInB           = "only in B"
)

// CompareOptions tune what counts as a change.
type CompareOptions struct {
	// TimeFactor: a scenario whose median run time grew by more than this
	// factor… (default 2)
	TimeFactor float64
	// TimeFloor: …and by at least this much (default 500ms, so that
	// millisecond jitter is not a regression) is "time up".
	TimeFloor time.Duration
}

func (o *CompareOptions) defaults() {
	if o.TimeFactor <= 0 {
		o.TimeFactor = 2
	}
	if o.TimeFloor <= 0 {
		o.TimeFloor = 500 * time.Millisecond
	}
}

// Change is one scenario whose outcome differs between two results files.
type Change struct {
	Scenario string `json:"scenario"`
	Kind     string `json:"kind"`
	// Regression: B is worse than A in this respect.
	Regression bool   `json:"regression"`
	Detail     string `json:"detail"`
	// A and B are a representative run of each side (nil when the
	// scenario is absent there): B's worst run and A's run of the same
	// trial.
	A *Run `json:"-"`
	B *Run `json:"-"`
}

// scenarioTally summarizes one scenario's runs in one results file.
type scenarioTally struct {
	runs, completed, wrong, skipped int
	opt                             []float64
	walls                           []time.Duration
	all                             []*Run
	skipReason                      string
}

func tallies(rep *Report) (map[string]*scenarioTally, []string) {
	out := map[string]*scenarioTally{}
	var order []string
	for i := range rep.Runs {
		r := &rep.Runs[i]
		t := out[r.Scenario]
		if t == nil {
			t = &scenarioTally{}
			out[r.Scenario] = t
			order = append(order, r.Scenario)
		}
		t.all = append(t.all, r)
		if r.Skipped {
			t.skipped++
			t.skipReason = r.SkipReason
			continue
		}
		t.runs++
		if r.Score.Completed {
			t.completed++
		}
		if r.Score.WrongPurchase {
			t.wrong++
		}
		if p := r.Score.PriceOptimality; p != nil {
			t.opt = append(t.opt, *p)
		}
		t.walls = append(t.walls, r.Wall)
	}
	return out, order
}

func (t *scenarioTally) meanOpt() (float64, bool) {
	if len(t.opt) == 0 {
		return 0, false
	}
	s := 0.0
	for _, v := range t.opt {
		s += v
	}
	return s / float64(len(t.opt)), true
}

func (t *scenarioTally) medianWall() time.Duration {
	if len(t.walls) == 0 {
		return 0
	}
	w := append([]time.Duration(nil), t.walls...)
	sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
	return w[len(w)/2]
}

// worst is the tally's worst graded run (wrong, then failed, then the
// slowest), or its first run.
func (t *scenarioTally) worst() *Run {
	var best *Run
	rank := func(r *Run) int {
		switch {
		case r.Skipped:
			return 3
		case r.Score.WrongPurchase:
			return 0
		case !r.Score.Completed:
			return 1
		}
		return 2
	}
	for _, r := range t.all {
		if best == nil || rank(r) < rank(best) || rank(r) == rank(best) && r.Wall > best.Wall {
			best = r
		}
	}
	return best
}

func (t *scenarioTally) trial(n int) *Run {
	for _, r := range t.all {
		if r.Trial == n {
			return r
		}
	}
	if len(t.all) > 0 {
		return t.all[0]
	}
	return nil
}

// CompareReports lists the scenarios whose outcome changed from a to b:
// completion, wrong purchases, price optimality and median run time, and
// scenarios graded on one side only. Regressions come first, then
// improvements, each in b's scenario order.
func CompareReports(a, b *Report, o CompareOptions) []Change {
	o.defaults()
	ta, orderA := tallies(a)
	tb, orderB := tallies(b)
	var regs, imps []Change
	add := func(c Change) {
		if c.Regression {
			regs = append(regs, c)
		} else {
			imps = append(imps, c)
		}
	}
	frac := func(n, d int) string { return fmt.Sprintf("%d/%d", n, d) }
	for _, id := range orderB {
		y := tb[id]
		x, ok := ta[id]
		if !ok {
			add(Change{Scenario: id, Kind: ChangeOnlyInB, Detail: "not in A", B: y.worst()})
			continue
		}
		rb := y.worst()
		ra := x.trial(rb.Trial)
		pair := func(kind string, reg bool, detail string) {
			add(Change{Scenario: id, Kind: kind, Regression: reg, Detail: detail, A: ra, B: rb})
		}
		switch {
		case x.runs > 0 && y.runs == 0:
			pair(ChangeNoLongerGraded, true, "graded in A, skipped in B: "+y.skipReason)
			continue
		case x.runs == 0 && y.runs > 0:
			pair(ChangeNowGraded, false, "skipped in A, graded in B")
			continue
		case x.runs == 0 && y.runs == 0:
			continue
		}
		// Shares, compared exactly: c_b/n_b vs c_a/n_a.
		if cmp := y.completed*x.runs - x.completed*y.runs; cmp < 0 {
			pair(ChangeCompletedToFailed, true, "completed "+frac(x.completed, x.runs)+" → "+frac(y.completed, y.runs)+": "+rb.Reason)
		} else if cmp > 0 {
			pair(ChangeFailedToCompleted, false, "completed "+frac(x.completed, x.runs)+" → "+frac(y.completed, y.runs))
		}
		if cmp := y.wrong*x.runs - x.wrong*y.runs; cmp > 0 {
			pair(ChangeRightToWrong, true, "wrong purchases "+frac(x.wrong, x.runs)+" → "+frac(y.wrong, y.runs)+": "+rb.Reason)
		} else if cmp < 0 {
			pair(ChangeWrongToRight, false, "wrong purchases "+frac(x.wrong, x.runs)+" → "+frac(y.wrong, y.runs))
		}
		if oa, ok := x.meanOpt(); ok {
			if ob, ok := y.meanOpt(); ok {
				const eps = 1e-9
				if ob > oa+eps { // paid more than the cheapest, relative to A
					pair(ChangeOptimalityDown, true, fmt.Sprintf("price optimality %.3f → %.3f (paid %s)", oa, ob, rb.Score.Paid))
				} else if ob < oa-eps {
					pair(ChangeOptimalityUp, false, fmt.Sprintf("price optimality %.3f → %.3f", oa, ob))
				}
			}
		}
		wa, wb := x.medianWall(), y.medianWall()
		if wa > 0 && float64(wb) > o.TimeFactor*float64(wa) && wb-wa >= o.TimeFloor {
			pair(ChangeTimeUp, true, fmt.Sprintf("median run time %s → %s (%.1f×)", fmtDur(wa), fmtDur(wb), float64(wb)/float64(wa)))
		}
	}
	for _, id := range orderA {
		if _, ok := tb[id]; !ok {
			add(Change{Scenario: id, Kind: ChangeOnlyInA, Detail: "not in B", A: ta[id].worst()})
		}
	}
	return append(regs, imps...)
}

// ReadReport reads a results.json written by `cartwright eval --out`.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(b, se.Offset)
			return nil, fmt.Errorf("%s:%d:%d: not a results.json: %v", path, line, col, err)
		}
		return nil, fmt.Errorf("%s: not a results.json: %v", path, err)
	}
	if r.Runs == nil {
		return nil, fmt.Errorf("%s: not a results.json: no \"runs\"", path)
	}
	return &r, nil
}

func lineCol(b []byte, off int64) (int, int) {
	line, col := 1, 1
	for i := int64(0); i < off-1 && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

const compareUsage = `usage: cartwright eval compare [flags] A/results.json B/results.json

Lists the scenarios whose outcome changed from run A to run B (completed →
failed, right → wrong, price optimality down, median run time up by more
than --time-factor) and those graded on one side only. Exit status 1 when
anything regressed, 0 when nothing did, 2 on bad usage or unreadable files.

flags:
`

// compareCmd is `cartwright eval compare`.
func compareCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, compareUsage); fs.PrintDefaults() }
	var (
		htmlOut = fs.String("html", "", "write a page with the changed scenarios' drill-downs side by side to this file")
		factor  = fs.Float64("time-factor", 2, "a median run time more than this many times A's is a regression…")
		floor   = fs.Duration("time-floor", 500*time.Millisecond, "…when it also grew by at least this much")
		quiet   = fs.Bool("q", false, "list regressions only")
	)
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(stdout)
			fs.Usage = func() { fmt.Fprint(stdout, compareUsage); fs.PrintDefaults() }
			break
		}
	}
	paths, err := cliflag.Parse(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(paths) != 2 {
		fmt.Fprintf(stderr, "eval compare: want two results files (A then B), got %d\n", len(paths))
		fs.Usage()
		return 2
	}
	if *factor <= 1 {
		fmt.Fprintf(stderr, "eval compare: --time-factor %v: must be above 1\n", *factor)
		return 2
	}
	if *htmlOut != "" {
		if err := checkOutputFile(*htmlOut); err != nil {
			fmt.Fprintf(stderr, "eval compare: --html: %v\n", err)
			return 2
		}
	}
	a, err := ReadReport(paths[0])
	if err != nil {
		fmt.Fprintf(stderr, "eval compare: A: %v\n", err)
		return 2
	}
	b, err := ReadReport(paths[1])
	if err != nil {
		fmt.Fprintf(stderr, "eval compare: B: %v\n", err)
		return 2
	}
	changes := CompareReports(a, b, CompareOptions{TimeFactor: *factor, TimeFloor: *floor})
	regressed := writeComparison(stdout, paths, a, b, changes, *quiet)
	if *htmlOut != "" {
		f, err := os.Create(*htmlOut)
		if err == nil {
			err = WriteCompareHTML(f, paths, a, b, changes)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "eval compare: --html: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "wrote %s\n", *htmlOut)
	}
	if regressed > 0 {
		return 1
	}
	return 0
}

// writeComparison prints the overall numbers of both sides and every
// change; it returns the number of regressions.
func writeComparison(w io.Writer, paths []string, a, b *Report, changes []Change, quiet bool) int {
	oa, ob := a.Overall, b.Overall
	fmt.Fprintf(w, "A %s: %d runs of %d scenarios, planner %s, %s\n", paths[0], oa.Runs, oa.Scenarios, a.Planner, a.Started.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "B %s: %d runs of %d scenarios, planner %s, %s\n", paths[1], ob.Runs, ob.Scenarios, b.Planner, b.Started.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "completion %s → %s  wrong-purchase %s → %s  mean price optimality %s → %s  wall clock %s → %s\n\n",
		pct(oa.CompletionRate), pct(ob.CompletionRate), pct(oa.WrongPurchaseRate), pct(ob.WrongPurchaseRate), optStr(oa), optStr(ob),
		fmtDur(a.Wall), fmtDur(b.Wall))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	regSet, impSet, otherSet := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range changes {
		mark := "improved"
		switch {
		case c.Regression:
			mark = "REGRESSED"
			regSet[c.Scenario] = true
		case c.Kind == ChangeOnlyInA || c.Kind == ChangeOnlyInB || c.Kind == ChangeNowGraded:
			mark = "changed"
			otherSet[c.Scenario] = true
		default:
			impSet[c.Scenario] = true
		}
		if quiet && !c.Regression {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", mark, safetext.Line(c.Scenario), c.Kind, safetext.Terminal(c.Detail, 300))
	}
	tw.Flush()
	if len(changes) > 0 && !(quiet && len(regSet) == 0) {
		fmt.Fprintln(w)
	}
	for id := range regSet {
		delete(impSet, id) // a scenario that regressed in any respect counts as regressed
	}
	fmt.Fprintf(w, "%d scenario(s) regressed, %d improved, %d added, removed or newly graded\n", len(regSet), len(impSet), len(otherSet))
	return len(regSet)
}

// WriteCompareHTML writes a self-contained page: both sides' numbers and,
// per changed scenario, A's and B's drill-downs side by side.
func WriteCompareHTML(w io.Writer, paths []string, a, b *Report, changes []Change) error {
	type side struct {
		Path string
		R    *Report
	}
	type row struct {
		Scenario   string
		Regression bool
		Changes    []Change
		A, B       *drillView
	}
	data := struct {
		A, B side
		Rows []*row
	}{A: side{paths[0], a}, B: side{paths[1], b}}
	byID := map[string]*row{}
	for _, c := range changes {
		r := byID[c.Scenario]
		if r == nil {
			r = &row{Scenario: safetext.Terminal(c.Scenario, inertMax)}
			i := len(data.Rows)
			if c.A != nil {
				v := drillView{R: inertRun(*c.A), ID: fmt.Sprintf("a%d", i), Caption: "A"}
				r.A = &v
			}
			if c.B != nil {
				v := drillView{R: inertRun(*c.B), ID: fmt.Sprintf("b%d", i), Caption: "B"}
				r.B = &v
			}
			byID[c.Scenario] = r
			data.Rows = append(data.Rows, r)
		}
		c.Detail = safetext.Terminal(c.Detail, inertMax)
		r.Changes = append(r.Changes, c)
		r.Regression = r.Regression || c.Regression
	}
	return comparePage.Execute(w, data)
}

var comparePage = template.Must(template.Must(template.New("compare").Funcs(drillFuncs).Parse(drillTemplate)).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Cartwright eval compare</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em auto;max-width:1600px;color:#222;padding:0 1em;background:#fafafa}
h1{font-size:1.5em}table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f0f0f0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.reg td{background:#fde8e8}tr.imp td{background:#eef7f0}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em;align-items:start}.pair>div{min-width:0}
.dlinks{display:none}.change{margin-top:2em;border-top:3px solid #ccc;padding-top:.5em}.change.reg{border-color:#c0392b}.change.imp{border-color:#3a9d5d}
` + drillCSS + `
</style></head><body>
<h1>Cartwright eval compare</h1>
<table><tr><th></th><th>results</th><th>planner</th><th>runs</th><th>completion</th><th>wrong purchase</th><th>price optimality</th><th>wall clock</th></tr>
<tr><td>A</td><td>{{.A.Path}}</td><td>{{.A.R.Planner}}</td><td class="n">{{.A.R.Overall.Runs}}</td><td class="n">{{pct .A.R.Overall.CompletionRate}}</td><td class="n">{{pct .A.R.Overall.WrongPurchaseRate}}</td><td class="n">{{opt .A.R.Overall}}</td><td class="n">{{ms .A.R.Wall}}</td></tr>
<tr><td>B</td><td>{{.B.Path}}</td><td>{{.B.R.Planner}}</td><td class="n">{{.B.R.Overall.Runs}}</td><td class="n">{{pct .B.R.Overall.CompletionRate}}</td><td class="n">{{pct .B.R.Overall.WrongPurchaseRate}}</td><td class="n">{{opt .B.R.Overall}}</td><td class="n">{{ms .B.R.Wall}}</td></tr></table>
<h2>Changed scenarios ({{len .Rows}})</h2>
{{if .Rows}}<table><tr><th>scenario</th><th>change</th><th>detail</th></tr>
{{range $i, $r := .Rows}}{{range $r.Changes}}<tr class="{{if .Regression}}reg{{else}}imp{{end}}"><td><a href="#c{{$i}}">{{$r.Scenario}}</a></td><td>{{if .Regression}}<b>regressed</b>: {{end}}{{.Kind}}</td><td>{{.Detail}}</td></tr>
{{end}}{{end}}</table>{{else}}<p>No scenario changed its outcome.</p>{{end}}
{{range $i, $r := .Rows}}<section class="change {{if $r.Regression}}reg{{else}}imp{{end}}" id="c{{$i}}"><h2>{{$r.Scenario}}</h2>
<ul>{{range $r.Changes}}<li>{{if .Regression}}<b>regressed</b>: {{end}}{{.Kind}} — {{.Detail}}</li>{{end}}</ul>
<div class="pair"><div>{{with $r.A}}{{template "drill" .}}{{else}}<p>not in A</p>{{end}}</div><div>{{with $r.B}}{{template "drill" .}}{{else}}<p>not in B</p>{{end}}</div></div></section>
{{end}}
</body></html>
`))

// checkOutputFile checks, before any run, that path can be written: its
// directory exists and takes new files, and path is not a directory.
func checkOutputFile(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	return probeDir(filepath.Dir(path), path)
}

// probeDir checks that dir exists, is a directory and takes a new file
// (created and removed at once).
func probeDir(dir, what string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s: directory %s does not exist", what, dir)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s: %s is not a directory", what, dir)
	}
	f, err := os.CreateTemp(dir, ".cartwright-write-check-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write in %s: %w", what, dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
