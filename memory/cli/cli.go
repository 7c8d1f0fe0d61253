// Package cli implements `cartwright memory add|list|search|forget|reembed`
// as a function the command wires in: Run parses the arguments after
// "memory", acts on the Memory it is given and writes to stdout/stderr.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/skills/cliflag"
)

// Config is what the command gives Run.
type Config struct {
	Memory memory.Memory
	// Store and Embedder are needed by reembed only: every entry in Store
	// is re-embedded with Embedder (the one now configured).
	Store    memory.Store
	Embedder memory.Embedder
	// User is the user id when --user is not given.
	User string
}

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

const usage = `usage: cartwright memory <command> [flags]

commands:
  add [--user U] [--kind K] [--source S] TEXT…   remember a fact (kind inferred when omitted)
  list [--user U] [--kind K,…] [--json]           list what is remembered, oldest first
  search [--user U] [--k N] [--kind K,…] [--json] TEXT…
                                                  entries nearest in meaning to TEXT
  forget [--user U] ID | --all                    delete one entry, or all of the user's
  reembed                                         re-embed every entry with the configured embedder

kinds: constraint (hard: allergies, never-buy), preference (soft), profile
(address, phone, sizes), history (past purchases)
`

// Run executes one memory command and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, cfg Config) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	if cfg.Memory == nil {
		fmt.Fprintln(stderr, "cartwright memory: no memory configured")
		return ExitError
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "add":
		err = runAdd(ctx, rest, stdout, cfg)
	case "list", "ls":
		err = runList(ctx, rest, stdout, cfg)
	case "search", "find":
		err = runSearch(ctx, rest, stdout, cfg)
	case "forget", "rm":
		err = runForget(ctx, rest, stdout, cfg)
	case "reembed":
		err = runReembed(ctx, rest, stdout, cfg)
	default:
		err = usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) { // "memory reembed --help"
		fmt.Fprint(stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "cartwright memory %s: %v\n", cmd, err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	return ExitError
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// parse parses flags anywhere among the arguments ("add I like tea --kind
// preference" works) and returns the positional ones; a bad flag is a
// usageError.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	pos, err := cliflag.Parse(fs, args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return nil, usageError{err.Error()}
	}
	return pos, err
}

func userFlag(fs *flag.FlagSet, cfg Config) *string {
	return fs.String("user", cfg.User, "user id")
}

func needUser(u string) error {
	if strings.TrimSpace(u) == "" {
		return usageError{"no user: give --user"}
	}
	return nil
}

func parseKinds(s string) ([]memory.Kind, error) {
	if s == "" {
		return nil, nil
	}
	var out []memory.Kind
	for _, part := range strings.Split(s, ",") {
		k, err := memory.ParseKind(part)
		if err != nil {
			return nil, usageError{fmt.Sprintf("--kind: %v", err)}
		}
		out = append(out, k)
	}
	return out, nil
}

func runAdd(ctx context.Context, args []string, stdout io.Writer, cfg Config) error {
	fs := flag.NewFlagSet("add", flag.ContinueOnError)
	user := userFlag(fs, cfg)
	kind := fs.String("kind", "", "constraint, preference, profile or history (inferred when empty)")
	source := fs.String("source", "cli", "where the fact came from")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needUser(*user); err != nil {
		return err
	}
	text := strings.Join(pos, " ")
	if strings.TrimSpace(text) == "" {
		return usageError{"no text to remember"}
	}
	var k memory.Kind
	if *kind != "" {
		if k, err = memory.ParseKind(*kind); err != nil {
			return usageError{fmt.Sprintf("--kind: %v", err)}
		}
	}
	e, err := cfg.Memory.Add(ctx, memory.Entry{UserID: *user, Kind: k, Text: text, Source: *source})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\t%s\t%s\n", e.ID, e.Kind, e.Text)
	return nil
}

func runList(ctx context.Context, args []string, stdout io.Writer, cfg Config) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	user := userFlag(fs, cfg)
	kinds := fs.String("kind", "", "comma-separated kinds")
	asJSON := fs.Bool("json", false, "JSON output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if err := needUser(*user); err != nil {
		return err
	}
	ks, err := parseKinds(*kinds)
	if err != nil {
		return err
	}
	es, err := cfg.Memory.List(ctx, *user, ks...)
	if err != nil {
		return err
	}
	if *asJSON {
		if es == nil {
			es = []memory.Entry{}
		}
		return writeJSON(stdout, es)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tCREATED\tSOURCE\tTEXT")
	for _, e := range es {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, e.Kind, e.CreatedAt.Format("2006-01-02 15:04"), e.Source, e.Text)
	}
	return tw.Flush()
}

func runSearch(ctx context.Context, args []string, stdout io.Writer, cfg Config) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	user := userFlag(fs, cfg)
	k := fs.Int("k", memory.DefaultK, "number of results")
	kinds := fs.String("kind", "", "comma-separated kinds")
	asJSON := fs.Bool("json", false, "JSON output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needUser(*user); err != nil {
		return err
	}
	text := strings.Join(pos, " ")
	if strings.TrimSpace(text) == "" {
		return usageError{"no text to search for"}
	}
	if *k < 1 || *k > memory.MaxK {
		return usageError{fmt.Sprintf("--k: %d out of range 1..%d", *k, memory.MaxK)}
	}
	ks, err := parseKinds(*kinds)
	if err != nil {
		return err
	}
	hits, err := cfg.Memory.Search(ctx, memory.Query{UserID: *user, Text: text, K: *k, Kinds: ks})
	if err != nil {
		return err
	}
	if *asJSON {
		if hits == nil {
			hits = []memory.Hit{}
		}
		return writeJSON(stdout, hits)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORE\tID\tKIND\tTEXT")
	for _, h := range hits {
		fmt.Fprintf(tw, "%.3f\t%s\t%s\t%s\n", h.Score, h.ID, h.Kind, h.Text)
	}
	return tw.Flush()
}

func runForget(ctx context.Context, args []string, stdout io.Writer, cfg Config) error {
	fs := flag.NewFlagSet("forget", flag.ContinueOnError)
	user := userFlag(fs, cfg)
	all := fs.Bool("all", false, "forget everything about the user")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needUser(*user); err != nil {
		return err
	}
	switch {
	case *all && len(pos) > 0:
		return usageError{"give an ID or --all, not both"}
	case *all:
		n, err := cfg.Memory.ForgetAll(ctx, *user)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "forgot %d entries of %s\n", n, *user)
		return nil
	case len(pos) != 1:
		return usageError{"give exactly one entry ID (or --all)"}
	}
	if err := cfg.Memory.Forget(ctx, *user, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "forgot %s\n", pos[0])
	return nil
}

func runReembed(ctx context.Context, args []string, stdout io.Writer, cfg Config) error {
	fs := flag.NewFlagSet("reembed", flag.ContinueOnError)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if cfg.Store == nil || cfg.Embedder == nil {
		return errors.New("reembed needs the memory store and the configured embedder")
	}
	n, err := memory.Reembed(ctx, cfg.Store, cfg.Embedder)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-embedded %d entries with %s\n", n, memory.SpaceOf(cfg.Embedder))
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
