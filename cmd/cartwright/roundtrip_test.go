package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A second CLI run in the same state directory does not ask every merchant
// for its info again: the first run persisted it (agent/infocache.go), so
// the second makes the minimum number of merchant calls. A different world
// (another definition behind the same merchant ids) is asked afresh.
func TestSecondRunReusesMerchantInfo(t *testing.T) {
	dir := t.TempDir()
	type calls struct {
		Info    int `json:"info"`
		Minimum int `json:"minimum"`
	}
	var res struct {
		Status        string `json:"status"`
		MerchantCalls int    `json:"merchant_calls"`
		Calls         calls  `json:"calls"`
	}
	shop := func(extra ...string) {
		t.Helper()
		code, out, e := runCmd(t, dir, runShop, append([]string{"--json", "--yes", "--planner", "offline"}, append(extra, "two large oat milk lattes under 40 yuan")...)...)
		if code != 0 {
			t.Fatalf("shop: exit %d: %s", code, e)
		}
		res.Status, res.MerchantCalls, res.Calls = "", 0, calls{}
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != "bought" {
			t.Fatalf("shop: %v %q\n%s", err, res.Status, out)
		}
	}
	shop()
	if res.Calls.Info == 0 || res.MerchantCalls <= res.Calls.Minimum {
		t.Fatalf("first run: %d calls (%d info) against a minimum of %d: expected the info calls", res.MerchantCalls, res.Calls.Info, res.Calls.Minimum)
	}
	first := res.MerchantCalls
	shop()
	if res.Calls.Info != 0 || 10*res.MerchantCalls > 11*res.Calls.Minimum {
		t.Fatalf("second run: %d calls (%d info) against a minimum of %d (first run %d)", res.MerchantCalls, res.Calls.Info, res.Calls.Minimum, first)
	}
	t.Logf("merchant calls: first run %d, second run %d, minimum %d", first, res.MerchantCalls, res.Calls.Minimum)

	// The same ids in another world definition: asked again.
	src, err := os.ReadFile(filepath.Join("..", "..", "merchants", "demo", "world.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	world := filepath.Join(t.TempDir(), "world.yaml")
	if err := os.WriteFile(world, []byte(strings.Replace(string(src), "\n", "\n# another world\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	shop("--world", world)
	if res.Calls.Info == 0 {
		t.Fatalf("another world's merchants were not asked for their info: %+v", res.Calls)
	}
}
