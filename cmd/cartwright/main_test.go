package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/agent"
)

func testIO(t *testing.T) (*stdio, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errb bytes.Buffer
	state := t.TempDir()
	return &stdio{in: strings.NewReader(""), out: &out, err: &errb, getenv: func(k string) string {
		if k == "XDG_STATE_HOME" {
			return state
		}
		return ""
	}}, &out, &errb
}

// readmeCommand extracts the shop command the README shows, so the test
// runs exactly what a reader would type.
func readmeCommand(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`go run ./cmd/cartwright shop "([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("README lacks the `go run ./cmd/cartwright shop \"…\"` command")
	}
	return string(m[1])
}

func TestReadmeShopCommandBuysTwoLargeOatLattes(t *testing.T) {
	req := readmeCommand(t)
	s, out, errb := testIO(t)
	code := run(context.Background(), s, []string{"shop", req, "--json"}) // flags after the argument
	if code != exitBought {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errb)
	}
	var res agent.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != agent.StatusBought || len(res.Orders) != 1 {
		t.Fatalf("status %s orders %d", res.Status, len(res.Orders))
	}
	n := 0
	for _, o := range res.Orders {
		for _, l := range o.Lines {
			if l.AddOn || !strings.Contains(strings.ToLower(l.Title), "oat milk latte (large)") {
				t.Fatalf("bought %q", l.Title)
			}
			n += l.Quantity
		}
	}
	if n != 2 || res.Charged.Minor > 4000 || res.Charged.Minor <= 0 {
		t.Fatalf("bought %d lattes for %s", n, res.Charged)
	}
}

func TestUnderFiveYuanIsNotBought(t *testing.T) {
	s, out, errb := testIO(t)
	code := run(context.Background(), s, []string{"shop", "--no-input", "two large oat milk lattes under 5 yuan"})
	if code != exitRefused && code != exitNoOffers {
		t.Fatalf("exit %d, want 4 or 6\n%s\n%s", code, out, errb)
	}
	if !strings.Contains(out.String(), "charged ¥0.00") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestHumanOutputAndSessions(t *testing.T) {
	s, out, errb := testIO(t)
	if code := run(context.Background(), s, []string{"shop", "--user", "bob", "three large oat milk lattes"}); code != exitBought {
		t.Fatalf("exit %d\n%s\n%s", code, out, errb)
	}
	for _, want := range []string{"Plan (offline planner)", "Offers for 3 × ", "MERCHANT", "Basket", "Why", "Receipt", "Status: bought"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out.Reset()
	if code := run(context.Background(), s, []string{"sessions", "--user", "bob"}); code != 0 || !strings.Contains(out.String(), "three large oat milk lattes") {
		t.Fatalf("sessions exit %d:\n%s", code, out)
	}
}

func TestConfirmationFlags(t *testing.T) {
	s, out, _ := testIO(t)
	// Above --confirm-above with nobody to ask: declined, exit 3.
	if code := run(context.Background(), s, []string{"shop", "--confirm-above", "10", "two large oat milk lattes"}); code != exitDeclined {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out.Reset()
	if code := run(context.Background(), s, []string{"shop", "--confirm-above", "10", "--yes", "two large oat milk lattes"}); code != exitBought {
		t.Fatalf("--yes: exit %d\n%s", code, out)
	}
	out.Reset()
	// Over the mandate's cap: refused by policy, exit 4.
	if code := run(context.Background(), s, []string{"shop", "--max-total", "20", "two large oat milk lattes"}); code != exitRefused {
		t.Fatalf("--max-total: exit %d\n%s", code, out)
	}
	out.Reset()
	// That cap was for that run only: the next run has the default limits.
	if code := run(context.Background(), s, []string{"shop", "oat milk and eggs"}); code != exitBought {
		t.Fatalf("after a one-run mandate: exit %d\n%s", code, out)
	}
}

// TestRepeatedPurchasesShareState: each CLI run starts its own in-process
// world, while state (wallet, mandates, tokens, sessions) persists across
// runs; buying at the same merchant twice must work.
func TestRepeatedPurchasesShareState(t *testing.T) {
	s, out, _ := testIO(t)
	for i := 0; i < 2; i++ {
		out.Reset()
		if code := run(context.Background(), s, []string{"shop", "two large oat milk lattes"}); code != exitBought {
			t.Fatalf("purchase %d: exit %d\n%s", i+1, code, out)
		}
	}
}

func TestUsageAndHelp(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Commands:"},
		{[]string{"--help"}, 0, "Exit codes:"},
		{[]string{"bogus"}, exitUsage, `unknown command "bogus"`},
		{[]string{"shop"}, exitUsage, "want exactly one request"},
		{[]string{"shop", "a", "b"}, exitUsage, "got 2 argument(s)"},
		{[]string{"shop", "--help"}, 0, "--confirm-above"},
		{[]string{"shop", "--yes", "--no-input", "x"}, exitUsage, "exclude each other"},
		{[]string{"shop", "--max-total", "abc", "x"}, exitUsage, "--max-total"},
		{[]string{"merchants"}, exitUsage, "merchants serve"},
		{[]string{"merchants", "serve", "--help"}, 0, "--world"},
		{[]string{"resume", "--help"}, 0, "idempotency"},
		{[]string{"help", "shop"}, 0, "--no-input"},
	}
	for _, c := range cases {
		s, out, errb := testIO(t)
		code := run(context.Background(), s, c.args)
		all := out.String() + errb.String()
		if code != c.code || !strings.Contains(all, c.want) {
			t.Errorf("%v: exit %d (want %d), output lacks %q:\n%s", c.args, code, c.code, c.want, all)
		}
	}
}

func TestParseArgsInterspersed(t *testing.T) {
	s, _, _ := testIO(t)
	fs := newFlags("x", "x", "", s.err)
	yes := fs.Bool("yes", false, "")
	n := fs.Int("n", 0, "")
	pos, err := parseArgs(fs, []string{"a", "--yes", "b", "-n", "3", "--", "--not-a-flag"})
	if err != nil || !*yes || *n != 3 || strings.Join(pos, "|") != "a|b|--not-a-flag" {
		t.Fatalf("pos %v yes %v n %d err %v", pos, *yes, *n, err)
	}
}

func TestExitCodesDocumentedInReadme(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(exitCodesHelp), "\n")[1:] {
		f := strings.Fields(line)
		if !regexp.MustCompile(`\|\s*` + f[0] + `\s*\|[^|\n]*` + regexp.QuoteMeta(f[1])).Match(b) {
			t.Errorf("README's exit code table lacks %q", strings.TrimSpace(line))
		}
	}
}

// TestBuiltBinary builds the CLI and runs the README command as a user
// would: a real process, a real state file, the demo world in-process.
func TestBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "cartwright")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	state := filepath.Join(t.TempDir(), "state.db")
	cmd := exec.Command(bin, "shop", "--state", state, readmeCommand(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Status: bought") || !regexp.MustCompile(`2 × Oat Milk Latte \(Large\)`).Match(out) {
		t.Fatalf("output:\n%s", out)
	}
	cmd = exec.Command(bin, "shop", "--state", state, "two large oat milk lattes under 5 yuan")
	out, err = cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || (ee.ExitCode() != exitRefused && ee.ExitCode() != exitNoOffers) {
		t.Fatalf("under 5 yuan: %v\n%s", err, out)
	}
}

func TestMerchantsServe(t *testing.T) {
	s, out, errb := testIO(t)
	pr, pw := io.Pipe()
	s.out = pw
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, s, []string{"merchants", "serve", "--world", "testdata/faults.yaml"})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) >= 2 && len(lines) <= 4 {
			// Each merchant line names its API and its storefront, and the
			// storefront serves HTML pages while the world runs.
			f := strings.Fields(sc.Text())
			if len(f) != 5 || f[3] != "shop" || !strings.HasSuffix(f[4], "/shop/") {
				t.Errorf("merchant line lacks a storefront URL: %q", sc.Text())
			} else if f[0] != "brewhouse" {
				// quickcup's error_rate fault answers some pages with 503
			} else if resp, err := http.Get(f[4] + "search?q=latte"); err != nil {
				t.Errorf("storefront %s: %v", f[4], err)
			} else {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), "<html") {
					t.Errorf("storefront %s: %d %.200s", f[4], resp.StatusCode, body)
				}
			}
		}
		if len(lines) == 4 { // payment network + 3 merchants
			cancel()
		}
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errb)
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"payment network  http://127.0.0.1:", "brewhouse", "quickcup", "cornercafe"} {
		if !strings.Contains(got, want) {
			t.Fatalf("output lacks %q:\n%s", want, got)
		}
	}
}
