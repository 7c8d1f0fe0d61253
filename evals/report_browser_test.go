package evals

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/cartwright-agent/cartwright/skills/browser"
)

// screenshotDir is where TestReportInChromium keeps its PNGs:
// $CARTWRIGHT_TEST_ARTIFACTS/report when set, else a fixed directory under
// the system's temporary directory (overwritten by the next run). The
// test logs it.
func screenshotDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("CARTWRIGHT_TEST_ARTIFACTS")
	if base == "" {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "cartwright-report-screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The report a person opens after `cartwright eval --out DIR`, rendered
// in headless Chromium for a small suite with a wrong purchase, a
// clarification, a web purchase and a merchant with hostile text: the
// drill-down opened by a deep link shows what was bought beside what was
// expected and the rule that made it wrong; the conversation with the
// simulated user and the web purchase show; filters work; merchant markup
// stays text. Screenshots are kept (see screenshotDir).
func TestReportInChromium(t *testing.T) {
	path, ok := browser.ExecPath()
	if !ok {
		t.Skipf("Chromium not found at %s: run scripts/install-chromium.sh (or set CARTWRIGHT_CHROMIUM)", path)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := RunCLIWith(context.Background(), []string{"--out", out, "-q", "testdata/report"}, &stdout, &stderr, CLIConfig{IsTerminal: func() bool { return false }})
	if code != 0 {
		t.Fatalf("eval exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	rep, err := ReadReport(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	outcome := map[string]Run{}
	for _, r := range rep.Runs {
		outcome[r.Scenario] = r
	}
	if r := outcome["wrong-milk"]; !r.Score.WrongPurchase {
		t.Fatalf("wrong-milk: %s (the fixture is built to grade as a wrong purchase)", r.Reason)
	}
	if r := outcome["coffee-answered"]; !r.Score.Completed || len(r.Exchanges) == 0 {
		t.Fatalf("coffee-answered: %s, %d exchanges", r.Reason, len(r.Exchanges))
	}
	// The web purchase drives a cold Chromium inside the run; on a very
	// loaded machine its first page can miss the runtime's deadline. The
	// drill-down must show the run either way; what it bought only when it
	// bought.
	webWants := []string{"lanecafe"}
	if r := outcome["web-purchase"]; r.Score.Completed {
		webWants = append(webWants, "Oat Milk Latte (Large)", "completed")
	} else {
		t.Logf("web-purchase did not complete (%s): its drill-down is checked without the purchase", r.Reason)
	}
	shots := screenshotDir(t)
	t.Logf("screenshots in %s", shots)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 1000))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	var dialogs atomic.Int32
	opened := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range opened {
			if err != nil {
				return
			}
			dialogs.Add(1)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	url := "file://" + filepath.ToSlash(filepath.Join(out, "report.html"))
	save := func(name string, png []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	visibleRows := func() int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[].filter.call(document.querySelectorAll('#runs tbody tr'), function(r){return r.style.display!=='none'}).length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	drill := func(link, key string, wants ...string) {
		t.Helper()
		sel := chromedp.CSS(`article[id="run=` + key + `"]`)
		if err := chromedp.Do(ctx, chromedp.Navigate(url+"#run="+link), chromedp.WaitVisible(sel)); err != nil {
			t.Fatalf("open #run=%s: %v", link, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.Screenshot(sel))
		if err != nil {
			t.Fatal(err)
		}
		save(strings.ReplaceAll(key, "/", "-")+".png", png)
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("drill-down %s lacks %q:\n%s", key, w, text)
			}
		}
	}

	// The wrong purchase, opened by a bare scenario id: bought beside
	// expected, and the rule.
	drill("wrong-milk", "wrong-milk/1", "Get me two large oat milk lattes", "Bought beside expected", "Requirement check", "Policy decision")
	bvse, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`article[id="run=wrong-milk/1"] .bvse`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Expected", "milk=whole", "Bought", "Oat Milk Latte (Large)", "milk=oat", "line_matches_no_item", "milk is oat, not whole"} {
		if !strings.Contains(bvse, w) {
			t.Errorf("bought-versus-expected lacks %q:\n%s", w, bvse)
		}
	}
	// The clarification: the question the simulated user got and its answer.
	drill("coffee-answered/1", "coffee-answered/1", "Conversation with the simulated user", "question", "A large hot oat milk latte", "completed")
	// The web purchase: bought at the web-only shop.
	drill("web-purchase", "web-purchase/1", webWants...)
	// Hostile merchant text is shown as text, never run.
	drill("hostile-title", "hostile-title/1", "<script>alert(1)</script><img src=x onerror=alert(2)>")
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('script').length`))
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('img').length`))
	if err != nil {
		t.Fatal(err)
	}
	if scripts != 1 || imgs != 0 || dialogs.Load() != 0 {
		t.Errorf("merchant markup became page markup: %d scripts (want the report's own 1), %d images, %d dialogs", scripts, imgs, dialogs.Load())
	}

	// Filters: only the wrong purchase left when showing wrong purchases;
	// the search box finds requests.
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`#runs`))); err != nil {
		t.Fatal(err)
	}
	summary, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	save("summary.png", summary)
	if n := visibleRows(); n != 4 {
		t.Errorf("no filter: %d rows visible, want 4", n)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#f-status`), "wrong"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('f-status').dispatchEvent(new Event('change'))`)); err != nil {
		t.Fatal(err)
	}
	if n := visibleRows(); n != 1 {
		t.Errorf("status filter 'wrong': %d rows visible, want 1", n)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#f-status`), ""),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('f-status').dispatchEvent(new Event('change'))`),
		chromedp.SendKeys(chromedp.CSS(`#f-q`), "coffee")); err != nil {
		t.Fatal(err)
	}
	if n := visibleRows(); n != 1 {
		t.Errorf("search 'coffee': %d rows visible, want 1 (\"Buy me a coffee\")", n)
	}
	// Time: the web purchase drives a real browser; the filter keeps the
	// runs slower than a threshold (here: slower than the fastest run).
	fastest, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`Math.min.apply(null, [].map.call(document.querySelectorAll('#runs tbody tr'), function(r){return +r.dataset.time}))`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`(function(){var q=document.getElementById('f-q');q.value='';q.dispatchEvent(new Event('input'))})()`),
		chromedp.Evaluate[chromedp.Void](`(function(){var s=document.getElementById('f-time');var o=document.createElement('option');o.value='`+fmt.Sprint(int64(fastest))+`';s.appendChild(o);s.value=o.value;s.dispatchEvent(new Event('change'))})()`)); err != nil {
		t.Fatal(err)
	}
	if n := visibleRows(); n != 3 {
		t.Errorf("time filter over the fastest run's time: %d rows visible, want 3", n)
	}
}
