package main

import (
	"strings"
	"testing"
)

// TestWalletOverflowCommand: QA found `wallet topup 92233720368547758.07`
// on top of 200.00 wrapped the balance negative and broke every later
// `wallet show`. It is refused now, nothing moves, the wallet stays usable.
func TestWalletOverflowCommand(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := runCmd(t, dir, runWallet, "topup", "--currency", "CNY", "200"); code != 0 {
		t.Fatalf("topup: %s", e)
	}
	for _, amt := range []string{"92233720368547758.07", "10000000000000.00"} {
		code, out, e := runCmd(t, dir, runWallet, "topup", "--currency", "CNY", amt)
		if code != exitError || !strings.Contains(e, "maximum") || strings.Contains(out, "Loaded") {
			t.Fatalf("topup %s: %d %q %q", amt, code, out, e)
		}
	}
	if code, out, e := runCmd(t, dir, runWallet, "show"); code != 0 || !strings.Contains(out, "available   ¥200.00") {
		t.Fatalf("show after refused top-ups: %d %s %s", code, out, e)
	}
	if code, out, _ := runCmd(t, dir, runWallet, "statement"); code != 0 || strings.Contains(out, "-¥") || strings.Contains(out, "¥-") || strings.Count(out, "topup") != 1 {
		t.Fatalf("statement: %s", out)
	}
}

func TestWalletLimitsMessages(t *testing.T) {
	dir := t.TempDir()
	runCmd(t, dir, runWallet, "topup", "--currency", "CNY", "200")
	code, _, e := runCmd(t, dir, runWallet, "limits", "--per-day", "-1")
	if code != exitUsage || !strings.Contains(e, "cannot be negative") || strings.Contains(e, "<nil>") {
		t.Fatalf("negative limit: %d %s", code, e)
	}
	code, _, e = runCmd(t, dir, runWallet, "limits", "--per-tx", "abc")
	if code != exitUsage || !strings.Contains(e, `--per-tx "abc"`) || strings.Contains(e, "<nil>") {
		t.Fatalf("malformed limit: %d %s", code, e)
	}
}
