package evals

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cartwright-agent/cartwright/skills/safetext"
)

// Report is everything one `cartwright eval` produced.
type Report struct {
	Started  time.Time     `json:"started"`
	Wall     time.Duration `json:"wall_ns"`
	Planner  string        `json:"planner"`
	Seed     int64         `json:"seed"`
	Trials   int           `json:"trials"`
	Parallel int           `json:"parallel"`
	Overall  Summary       `json:"overall"`
	ByTag    []Summary     `json:"by_tag"`
	Runs     []Run         `json:"runs"`
}

// NewReport summarizes runs.
func NewReport(runs []Run, opts Options, started time.Time, wall time.Duration) *Report {
	k := max(opts.Trials, 1)
	return &Report{
		Started: started, Wall: wall, Planner: opts.Planner, Seed: opts.Seed, Trials: k, Parallel: opts.Parallel,
		Overall: Summarize("overall", runs, k), ByTag: ByTag(runs, k), Runs: runs,
	}
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

func optStr(s Summary) string {
	if s.OptimalityRuns == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", s.MeanPriceOptimality)
}

// WriteTable prints the summary table: overall, then per tag. The "run
// time" column sums the runs' own times (runs overlap with --parallel, so
// it can exceed the wall clock, which the last line gives); pass^k shows
// only with more than one trial per scenario.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	passK := r.Trials > 1
	head := "\tscenarios\truns\tcompleted\twrong purchase\tprice optimality\t"
	if passK {
		head += fmt.Sprintf("pass^%d\t", r.Trials)
	}
	fmt.Fprint(tw, head+"match\trun time (sum)\t\n")
	row := func(s Summary) {
		if s.Runs == 0 && s.Skipped > 0 {
			fmt.Fprintf(tw, "%s\t%d\t%d\tskipped\t-\t-\t", s.Label, s.Scenarios, s.Runs)
			if passK {
				fmt.Fprint(tw, "-\t")
			}
			fmt.Fprintf(tw, "-\t%s\t\n", fmtDur(s.Wall))
			return
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t", s.Label, s.Scenarios, s.Runs, pct(s.CompletionRate), pct(s.WrongPurchaseRate), optStr(s))
		if passK {
			fmt.Fprintf(tw, "%.3f\t", s.PassK)
		}
		fmt.Fprintf(tw, "%.0f\t%s\t\n", s.MeanMatchScore, fmtDur(s.Wall))
	}
	row(r.Overall)
	fmt.Fprintln(tw, strings.Repeat("\t", strings.Count(head, "\t")+2))
	for _, s := range r.ByTag {
		row(s)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	o := r.Overall
	k := ""
	if passK {
		k = fmt.Sprintf("  pass^%d %.3f", r.Trials, o.PassK)
	}
	_, err := fmt.Fprintf(w, "\ncompletion %s  wrong-purchase %s  mean price optimality %s%s  (%d runs of %d scenarios, planner %s, %s wall clock, %s summed run time)\n",
		pct(o.CompletionRate), pct(o.WrongPurchaseRate), optStr(o), k, o.Runs, o.Scenarios, r.Planner, fmtDur(r.Wall), fmtDur(o.Wall))
	if used := r.plannersUsed(); err == nil && used != "" {
		_, err = fmt.Fprintf(w, "planners used: %s\n", used)
	}
	if err == nil && (o.ModelCalls > 0 || r.Planner == "llm") {
		n := max(o.Runs, 1)
		_, err = fmt.Fprintf(w, "model calls %d (%.2f per run)  tokens %d (%d per run)\n",
			o.ModelCalls, float64(o.ModelCalls)/float64(n), o.Tokens, o.Tokens/n)
	}
	if err == nil && o.Skipped > 0 {
		_, err = fmt.Fprintf(w, "%d runs skipped: %s\n", o.Skipped, safetext.Terminal(strings.Join(o.SkipReasons, "; "), 2000))
	}
	if err == nil && o.Fallbacks > 0 {
		_, err = fmt.Fprintf(w, "warning: %d of %d runs fell back to the offline planner (the model failed or answered invalidly twice)\n", o.Fallbacks, o.Runs)
	}
	return err
}

// plannersUsed counts the runs per planner that produced their intent
// ("offline 150, llm→offline 6"); "" when every run used the planner asked
// for.
func (r *Report) plannersUsed() string {
	counts := map[string]int{}
	differs := false
	for _, run := range r.Runs {
		if run.Skipped {
			continue
		}
		p := run.PlannerLabel()
		counts[p]++
		if p != r.Planner {
			differs = true
		}
	}
	if !differs {
		return ""
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, counts[n])
	}
	return strings.Join(parts, ", ")
}

// WriteFailures lists every run that did not complete, with its reason.
func (r *Report) WriteFailures(w io.Writer) {
	for _, run := range r.Runs {
		if run.Skipped {
			fmt.Fprintf(w, "%-5s %s#%d [%s] %s\n", "SKIP", safetext.Line(run.Scenario), run.Trial, run.Status, safetext.Terminal(run.Reason, 1000))
			continue
		}
		if run.Score.Completed {
			continue
		}
		mark := "FAIL"
		if run.Score.WrongPurchase {
			mark = "WRONG"
		}
		// Reasons quote merchant text (titles): shown inert.
		fmt.Fprintf(w, "%-5s %s#%d [%s] %s\n", mark, safetext.Line(run.Scenario), run.Trial, run.Status, safetext.Terminal(run.Reason, 1000))
	}
}

// WriteFiles writes results.json and report.html into dir.
func (r *Report) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	t := r.trimmed()
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "report.html"))
	if err != nil {
		return err
	}
	if err := t.WriteHTML(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// maxRejectedPerItem bounds the rejected offers results.json and
// report.html keep per item (every accepted one is kept; --explain shows
// them all).
const maxRejectedPerItem = 30

// trimmed is r with each run's rejected offers cut to maxRejectedPerItem
// per item, the number left out recorded.
func (r *Report) trimmed() *Report {
	c := *r
	c.Runs = make([]Run, len(r.Runs))
	for i, run := range r.Runs {
		if run.Detail != nil {
			d := *run.Detail
			d.Considered = nil
			rejected := map[int]int{}
			for _, o := range run.Detail.Considered {
				if !o.Accepted {
					if rejected[o.Item] >= maxRejectedPerItem {
						d.RejectedOmitted++
						continue
					}
					rejected[o.Item]++
				}
				o.Product.Description = "" // merchant prose: the report shows titles and attributes
				d.Considered = append(d.Considered, o)
			}
			run.Detail = &d
		}
		c.Runs[i] = run
	}
	return &c
}

// JUnit XML shapes (the de-facto schema CI systems read).
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Errors  int          `xml:"errors,attr"`
	Skipped int          `xml:"skipped,attr"`
	Time    string       `xml:"time,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name    string      `xml:"name,attr"`
	Tests   int         `xml:"tests,attr"`
	Fails   int         `xml:"failures,attr"`
	Errors  int         `xml:"errors,attr"`
	Skipped int         `xml:"skipped,attr"`
	Time    string      `xml:"time,attr"`
	Cases   []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Out       string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes one test case per run, grouped by scenario directory.
func (r *Report) WriteJUnit(w io.Writer) error {
	suites := map[string]*junitSuite{}
	var order []string
	out := junitSuites{Name: "cartwright eval", Time: secs(r.Wall)}
	for _, run := range r.Runs {
		name := filepath.Dir(run.File)
		s := suites[name]
		if s == nil {
			s = &junitSuite{Name: name}
			suites[name] = s
			order = append(order, name)
		}
		c := junitCase{Name: fmt.Sprintf("%s#%d", run.Scenario, run.Trial), Classname: name, Time: secs(run.Wall),
			Out: fmt.Sprintf("status=%s match=%d charged=%s fees=%s", run.Status, run.Score.MatchScore, run.Charged, run.Fees)}
		body := strings.Join(findingStrings(append(append([]Finding(nil), run.Score.Wrong...), run.Score.Failures...)), "\n")
		switch {
		case run.Skipped:
			c.Skipped = &junitSkipped{Message: run.SkipReason}
			c.Out = "status=" + run.Status + " " + run.Error
			s.Skipped++
			out.Skipped++
		case run.Error != "" && (run.Status == StatusCrashed || run.Status == StatusTimeout):
			c.Error = &junitFailure{Message: run.Reason, Type: run.Status, Body: body}
			s.Errors++
			out.Errors++
		case run.Score.WrongPurchase:
			c.Failure = &junitFailure{Message: run.Reason, Type: "wrong_purchase", Body: body}
			s.Fails++
			out.Fails++
		case !run.Score.Completed:
			c.Failure = &junitFailure{Message: run.Reason, Type: "not_completed", Body: body}
			s.Fails++
			out.Fails++
		}
		s.Tests++
		out.Tests++
		s.Cases = append(s.Cases, c)
	}
	for _, n := range order {
		var t time.Duration
		for _, run := range r.Runs {
			if filepath.Dir(run.File) == n {
				t += run.Wall
			}
		}
		suites[n].Time = secs(t)
		out.Suites = append(out.Suites, *suites[n])
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func findingStrings(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.String()
	}
	return out
}
