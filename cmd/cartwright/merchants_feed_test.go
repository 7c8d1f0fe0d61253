package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `merchants feed` writes one feed per merchant of the world; a bad world
// fails with the file and position and writes nothing.
func TestMerchantsFeed(t *testing.T) {
	s, out, errb := testIO(t)
	dir := filepath.Join(t.TempDir(), "feeds")
	if code := run(context.Background(), s, []string{"merchants", "feed", "--world", "testdata/faults.yaml", "--out", dir}); code != exitBought {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := strings.Fields(out.String())
	if len(lines) == 0 {
		t.Fatal("no feed directory printed")
	}
	for _, d := range lines {
		var meta struct {
			ID string `json:"id"`
		}
		b, err := os.ReadFile(filepath.Join(d, "metadata.json"))
		if err != nil || json.Unmarshal(b, &meta) != nil || meta.ID != "feed_"+filepath.Base(d) {
			t.Errorf("%s/metadata.json: %s %v", d, b, err)
		}
		f, err := os.Open(filepath.Join(d, "products.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			var p struct {
				ID       string            `json:"id"`
				Variants []json.RawMessage `json:"variants"`
			}
			if err := json.Unmarshal(sc.Bytes(), &p); err != nil || p.ID == "" || len(p.Variants) == 0 {
				t.Errorf("%s line %d: %s", d, n+1, sc.Bytes())
			}
			n++
		}
		f.Close()
		if n == 0 {
			t.Errorf("%s: empty products.jsonl", d)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("merchants:\n  - id: m\n    products: [{sku: A, title: A, price: \"1\"}]\n    faults: {stale_feed: {sku: Z, price: \"1\"}}\n"), 0o644)
	s, _, errb = testIO(t)
	out2 := filepath.Join(t.TempDir(), "none")
	if code := run(context.Background(), s, []string{"merchants", "feed", "--world", bad, "--out", out2}); code == exitBought || !strings.Contains(errb.String(), "bad.yaml:4:") || !strings.Contains(errb.String(), "stale_feed.sku") {
		t.Errorf("bad world: exit %d: %s", code, errb)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Errorf("a refused world wrote %s", out2)
	}
	s, _, errb = testIO(t)
	if code := run(context.Background(), s, []string{"merchants", "feed"}); code != exitUsage || !strings.Contains(errb.String(), "--out") {
		t.Errorf("no --out: exit %d: %s", code, errb)
	}
}
