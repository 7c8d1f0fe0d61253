package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cartwright-agent/cartwright/skills/cliflag"
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

// parseArgs parses flags before, between or after the positional
// arguments (skills/cliflag, shared by every command).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) { return cliflag.Parse(fs, args) }

// stringList is a repeatable string flag.
type stringList = cliflag.StringList

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
