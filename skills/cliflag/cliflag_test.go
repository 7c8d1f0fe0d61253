package cliflag

import (
	"errors"
	"flag"
	"io"
	"reflect"
	"testing"
)

func TestParseInterspersed(t *testing.T) {
	for _, c := range []struct {
		args []string
		pos  []string
		json bool
		ans  []string
	}{
		{[]string{"--json", "two lattes", "--yes"}, []string{"two lattes"}, true, nil},
		{[]string{"two lattes", "--answer", "oat", "--answer=large", "more"}, []string{"two lattes", "more"}, false, []string{"oat", "large"}},
		{[]string{"a", "--", "--json", "-x"}, []string{"a", "--json", "-x"}, false, nil},
		{[]string{"--json", "--", "a"}, []string{"a"}, true, nil},
		{nil, nil, false, nil},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		js := fs.Bool("json", false, "")
		fs.Bool("yes", false, "")
		var ans StringList
		fs.Var(&ans, "answer", "")
		pos, err := Parse(fs, c.args)
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if !reflect.DeepEqual(pos, c.pos) || *js != c.json || !reflect.DeepEqual([]string(ans), c.ans) {
			t.Errorf("%q: pos %q json %v answers %q; want %q %v %q", c.args, pos, *js, ans, c.pos, c.json, c.ans)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := Parse(fs, []string{"x", "--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v, want flag.ErrHelp", err)
	}
	if _, err := Parse(fs, []string{"x", "--nope"}); err == nil {
		t.Error("an unknown flag after a positional argument was accepted")
	}
}
