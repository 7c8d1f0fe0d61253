package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/cli"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/sqlstore"
	"github.com/cartwright-agent/cartwright/skills/store"
)

func setup(t *testing.T) cli.Config {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := sqlstore.Open(ctx, sqlstore.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	m, err := memory.New(memory.Config{Store: st, Embedder: localembed.Default()})
	if err != nil {
		t.Fatal(err)
	}
	return cli.Config{Memory: m, Store: st, Embedder: localembed.Default(), User: "alice"}
}

func run(cfg cli.Config, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, &out, &errb, cfg)
	return code, out.String(), errb.String()
}

func TestAddListSearchForget(t *testing.T) {
	cfg := setup(t)
	code, out, _ := run(cfg, "add", "I", "am", "lactose", "intolerant")
	if code != 0 || !strings.Contains(out, "\tconstraint\tI am lactose intolerant") {
		t.Fatalf("add: %d %q", code, out)
	}
	id := strings.SplitN(out, "\t", 2)[0]
	// Flags after the text work too.
	if code, out, errs := run(cfg, "add", "My office is at 88 Century Avenue", "--kind", "profile", "--source", "onboarding"); code != 0 || !strings.Contains(out, "profile") {
		t.Fatalf("add --kind after text: %d %q %q", code, out, errs)
	}
	if code, _, _ := run(cfg, "add", "--user", "bob", "I like green tea"); code != 0 {
		t.Fatal("add for bob")
	}
	code, out, _ = run(cfg, "list")
	if code != 0 || !strings.Contains(out, "lactose") || !strings.Contains(out, "onboarding") || strings.Contains(out, "green tea") {
		t.Fatalf("list (alice): %d\n%s", code, out)
	}
	code, out, _ = run(cfg, "list", "--kind", "profile", "--json")
	var es []memory.Entry
	if code != 0 || json.Unmarshal([]byte(out), &es) != nil || len(es) != 1 || es[0].Kind != memory.Profile {
		t.Fatalf("list --kind profile --json: %d %q", code, out)
	}
	code, out, _ = run(cfg, "search", "--k", "1", "--json", "which", "milk", "for", "my", "latte")
	var hits []memory.Hit
	if code != 0 || json.Unmarshal([]byte(out), &hits) != nil || len(hits) != 1 || hits[0].ID != id {
		t.Fatalf("search --json: %d %q", code, out)
	}
	code, out, _ = run(cfg, "search", "office delivery")
	if code != 0 || !strings.HasPrefix(out, "SCORE") || !strings.Contains(out, "Century") {
		t.Fatalf("search table: %d %q", code, out)
	}
	code, out, _ = run(cfg, "list", "--user", "bob", "--json")
	if code != 0 || !strings.Contains(out, "green tea") {
		t.Fatalf("list --user bob: %q", out)
	}
	if code, out, _ := run(cfg, "forget", id); code != 0 || !strings.Contains(out, "forgot "+id) {
		t.Fatalf("forget: %d %q", code, out)
	}
	if code, _, errs := run(cfg, "forget", id); code != cli.ExitError || !strings.Contains(errs, "not found") {
		t.Fatalf("forget twice: %d %q", code, errs)
	}
	if code, out, _ := run(cfg, "forget", "--all"); code != 0 || !strings.Contains(out, "forgot 1 entries of alice") {
		t.Fatalf("forget --all: %d %q", code, out)
	}
	if _, out, _ := run(cfg, "list", "--user", "bob", "--json"); !strings.Contains(out, "green tea") {
		t.Fatal("forget --all for alice touched bob")
	}
	if _, out, _ := run(cfg, "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty list as JSON: %q", out)
	}
}

func TestReembed(t *testing.T) {
	cfg := setup(t)
	run(cfg, "add", "I like green tea")
	run(cfg, "add", "--user", "bob", "I wear size M")
	small, _ := localembed.New(localembed.Config{Dim: 128})
	cfg.Embedder = small
	code, out, errs := run(cfg, "reembed")
	if code != 0 || !strings.Contains(out, "re-embedded 2 entries with cartwright-local-v1 (dim 128)") {
		t.Fatalf("reembed: %d %q %q", code, out, errs)
	}
	// The old Memory (384-dim embedder) is now refused, with the remedy.
	code, _, errs = run(cfg, "search", "tea")
	if code != cli.ExitError || !strings.Contains(errs, "embedder mismatch") {
		t.Fatalf("search with the old embedder after reembed: %d %q", code, errs)
	}
}

func TestUsageErrors(t *testing.T) {
	cfg := setup(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, cli.ExitUsage, "usage:"},
		{[]string{"help"}, cli.ExitOK, "usage:"},
		{[]string{"frobnicate"}, cli.ExitUsage, `unknown command "frobnicate"`},
		{[]string{"add"}, cli.ExitUsage, "no text"},
		{[]string{"add", "--kind", "wish", "x"}, cli.ExitUsage, `kind "wish"`},
		{[]string{"add", "--bogus", "x"}, cli.ExitUsage, "bogus"},
		{[]string{"add", "--user", "", "tea"}, cli.ExitUsage, "no user"},
		{[]string{"add", strings.Repeat("x", memory.MaxTextBytes+1)}, cli.ExitError, "at most 2000"},
		{[]string{"search"}, cli.ExitUsage, "no text"},
		{[]string{"search", "--k", "0", "tea"}, cli.ExitUsage, "--k: 0"},
		{[]string{"list", "extra"}, cli.ExitUsage, "unexpected argument"},
		{[]string{"list", "--kind", "nope"}, cli.ExitUsage, "--kind"},
		{[]string{"forget"}, cli.ExitUsage, "exactly one"},
		{[]string{"forget", "--all", "mem_1"}, cli.ExitUsage, "not both"},
		{[]string{"reembed", "x"}, cli.ExitUsage, "unexpected argument"},
	} {
		code, _, errs := run(cfg, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	if code, _, errs := run(cli.Config{}, "list"); code != cli.ExitError || !strings.Contains(errs, "no memory configured") {
		t.Errorf("no memory: %d %q", code, errs)
	}
	cfg.Store = nil
	if code, _, errs := run(cfg, "reembed"); code != cli.ExitError || !strings.Contains(errs, "needs the memory store") {
		t.Errorf("reembed without store: %d %q", code, errs)
	}
}

// "--help" after a subcommand prints the usage and exits 0, like every
// other cartwright command.
func TestSubcommandHelpExitsZero(t *testing.T) {
	cfg := setup(t)
	for _, sub := range []string{"add", "list", "search", "forget", "reembed"} {
		code, out, errs := run(cfg, sub, "--help")
		if code != cli.ExitOK || !strings.Contains(out, "reembed") || errs != "" {
			t.Errorf("memory %s --help: exit %d\nstdout:\n%s\nstderr:\n%s", sub, code, out, errs)
		}
	}
}
