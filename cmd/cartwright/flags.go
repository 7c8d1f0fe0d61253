package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlags returns a FlagSet for a subcommand whose --help prints the
// summary, the usage line and the flags.
func newFlags(name, usageLine, about string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage:\n  cartwright %s\n\n%s\n\nFlags:\n", usageLine, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags that may come before, between or after positional
// arguments (gh and kubectl style): "shop --json 'two lattes' --yes" works.
// A lone "--" ends flag parsing. It returns the positional arguments;
// flag.ErrHelp means --help was asked for.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first non-flag or after "--".
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// usageError prints a usage problem and returns exitUsage; --help exits 0.
func usageError(s *stdio, fs *flag.FlagSet, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitBought
	}
	if err != nil {
		fmt.Fprintf(s.err, "cartwright %s: %v\n", fs.Name(), err)
	}
	fmt.Fprintf(s.err, "Run 'cartwright %s --help' for usage.\n", fs.Name())
	return exitUsage
}
