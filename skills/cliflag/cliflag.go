// Package cliflag parses command lines the way gh and kubectl do: flags
// may come before, between or after the positional arguments ("shop --json
// 'two lattes' --yes"), and a lone "--" ends flag parsing. Every command of
// the cartwright CLI (shop, eval, memory, …) parses through it, on the
// standard library's flag.FlagSet.
package cliflag

import (
	"flag"
	"strings"
)

// Parse parses fs's flags anywhere among args and returns the positional
// arguments in order. flag.ErrHelp means --help was asked for; any other
// error is fs's own message about a bad flag.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first non-flag, or after "--".
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// StringList is a repeatable string flag ("--answer a --answer b").
type StringList []string

func (l *StringList) String() string     { return strings.Join(*l, ",") }
func (l *StringList) Set(v string) error { *l = append(*l, v); return nil }
