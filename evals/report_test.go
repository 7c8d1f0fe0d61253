package evals

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/skills"
)

// suiteDir writes two scenarios over the tiny world: one the scripted buyer
// completes, one where its purchase is wrong (nothing was to be bought).
func suiteDir(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"good.yaml": "tags: [coffee]\n" + twoLattes,
		"bad.yaml":  "tags: [coffee, restraint]\nrequest: just browsing\nexpect: {purchase: false}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body+tinyWorld), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func cli(t *testing.T, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	sys := buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-OAT", Quantity: 2}}}
	code := RunCLIWith(context.Background(), args, &out, &errb, CLIConfig{System: sys, IsTerminal: func() bool { return false }})
	return code, out.String(), errb.String()
}

func TestCLIRunReportsAndGates(t *testing.T) {
	dir := suiteDir(t)
	outDir := filepath.Join(t.TempDir(), "out")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out, errs := cli(t, "--trials", "2", "--parallel", "2", "--out", outDir, "--junit", junit, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"completion 50.0%", "wrong-purchase 50.0%", "mean price optimality 1.000", "pass^2 0.500", "restraint", "WRONG bad#1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// results.json: every run, every score, the reason.
	b, err := os.ReadFile(filepath.Join(outDir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 4 || rep.Overall.Runs != 4 || rep.Runs[0].Reason == "" || len(rep.ByTag) != 2 {
		t.Fatalf("results.json: %+v", rep.Overall)
	}
	// report.html: self-contained, with its charts.
	h, err := os.ReadFile(filepath.Join(outDir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(h)
	if strings.Count(html, "<svg") != 3 || strings.Contains(html, "src=") || strings.Contains(html, "<link") || strings.Contains(html, "@import") {
		t.Fatalf("report.html is not self-contained with 3 charts")
	}
	// JUnit: one case per run, the wrong ones failed.
	j, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var js junitSuites
	if err := xml.Unmarshal(j, &js); err != nil {
		t.Fatal(err)
	}
	if js.Tests != 4 || js.Fails != 2 {
		t.Fatalf("junit: %d tests, %d failures", js.Tests, js.Fails)
	}

	if code, _, errs := cli(t, "--min-completion", "0.9", dir); code != 1 || !strings.Contains(errs, "below --min-completion") {
		t.Fatalf("min-completion gate: exit %d %s", code, errs)
	}
	if code, _, errs := cli(t, "--max-wrong-purchase", "0.1", dir); code != 1 || !strings.Contains(errs, "above --max-wrong-purchase") {
		t.Fatalf("max-wrong-purchase gate: exit %d %s", code, errs)
	}
	if code, _, _ := cli(t, "--min-completion", "0.5", "--max-wrong-purchase", "0.5", dir); code != 0 {
		t.Fatalf("gates met: exit %d", code)
	}
	// Flags may follow the paths, as with every other command.
	if code, _, errs := cli(t, dir, "--min-completion", "0.9"); code != 1 || !strings.Contains(errs, "below --min-completion") {
		t.Fatalf("flag after the path: exit %d %s", code, errs)
	}
	after := filepath.Join(t.TempDir(), "after")
	if code, _, errs := cli(t, dir, "--out", after, "-q"); code != 0 {
		t.Fatalf("--out after the path: exit %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(after, "results.json")); err != nil {
		t.Fatalf("--out after the path wrote nothing: %v", err)
	}
}

func TestCLICheckAndErrors(t *testing.T) {
	dir := suiteDir(t)
	code, out, _ := cli(t, "--check", dir)
	if code != 0 || !strings.Contains(out, "optimum ¥31.00: a A-LAT-OAT×2@18.00") || !strings.Contains(out, "2 scenario(s) checked, 0 problem(s)") {
		t.Fatalf("check: %d\n%s", code, out)
	}
	bad := filepath.Join(dir, "typo.yaml")
	os.WriteFile(bad, []byte("request: x\nexpect: {purchase: false, confirmation: sometimes}\n"+tinyWorld), 0o644)
	code, _, errs := cli(t, "--check", dir)
	if code != 2 || !strings.Contains(errs, "typo.yaml:2:41: expect.confirmation") {
		t.Fatalf("check with a bad file: exit %d %s", code, errs)
	}
	os.Remove(bad)
	wrongOpt := filepath.Join(dir, "wrongopt.yaml")
	os.WriteFile(wrongOpt, []byte(strings.Replace(twoLattes, "forbidden:", "cheapest_total: \"30.00\"\n  forbidden:", 1)+tinyWorld), 0o644)
	code, _, errs = cli(t, "--check", dir)
	if code != 2 || !strings.Contains(errs, "cheapest_total: ¥30.00 given, the exhaustive search finds ¥31.00") {
		t.Fatalf("check with a wrong cheapest_total: exit %d %s", code, errs)
	}
	if code, _, _ := cli(t); code != 2 {
		t.Fatalf("no path: exit %d", code)
	}
	if code, _, _ := cli(t, "--planner", "magic", dir); code != 2 {
		t.Fatalf("bad planner: exit %d", code)
	}
}

func TestCLIExplain(t *testing.T) {
	dir := suiteDir(t)
	code, out, errs := cli(t, "--explain", "bad", dir)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errs)
	}
	for _, want := range []string{`request   "just browsing"`, "WRONG  purchase_not_expected", "observed: charged ¥31.00", "why: wrong purchase"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := cli(t, "--explain", "nope", dir); code != 2 {
		t.Fatalf("unknown id: exit %d", code)
	}
}

// report.html carries a drill-down per run: the request, what was bought
// beside what was expected and the rule that made it wrong; merchant text
// in it is escaped (a title with markup shows as text).
func TestHTMLDrillDownAndEscaping(t *testing.T) {
	dir := t.TempDir()
	hostile := strings.Replace(tinyWorld, "title: Whole Milk Latte", `title: "Whole <script>alert(1)</script><img src=x onerror=alert(2)> Latte"`, 1)
	body := "tags: [coffee]\n" + twoLattes
	if err := os.WriteFile(filepath.Join(dir, "wrong.yaml"), []byte(body+hostile), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := t.TempDir()
	var out, errb bytes.Buffer
	sys := buyer{merchant: "a", lines: []skills.LineRequest{{SKU: "A-LAT-WHOLE", Quantity: 2}}}
	if code := RunCLIWith(context.Background(), []string{"--out", outDir, "-q", dir}, &out, &errb, CLIConfig{System: sys, IsTerminal: func() bool { return false }}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	h, err := os.ReadFile(filepath.Join(outDir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(h)
	for _, want := range []string{
		`id="run=wrong/1"`, `href="#run=wrong/1"`, "two oat lattes under 40", "Bought beside expected",
		"category=coffee milk=oat size=large", // expected
		"A-LAT-WHOLE at a",                    // bought
		"line_matches_no_item",                // the rule
		"milk is whole, not oat",              // how the line fell short
		"Conversation with the simulated user",
		"Whole &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; Latte",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Count(html, "<script") != 1 || strings.Contains(html, "<img") {
		t.Errorf("merchant markup reached the page unescaped")
	}
	// results.json carries what the drill-down needs (eval compare reads it).
	b, err := os.ReadFile(filepath.Join(outDir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Request == "" || r.Expect == nil || len(r.Orders) != 1 || len(r.Score.Bought) != 1 || len(r.Score.Bought[0].Wrong) == 0 ||
		r.Score.Expected[0].Miss != "milk is whole, not oat" {
		t.Errorf("results.json run lacks the drill-down's facts: %+v", r)
	}
}
