// Package yamlfield decodes strict YAML documents field by field: every
// error names the file, line, column and field path ("user.answers.confirm"),
// unknown fields are errors (a typo must not silently weaken a file), and
// amounts are parsed from their literal text, never through a float. World
// files, scenario files and mandate files all decode through it, so they
// report errors the same way.
package yamlfield

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cartwright-agent/cartwright/skills"
)

// Error is a decoding error at a position in a file.
type Error struct {
	File   string
	Line   int
	Column int
	Field  string // dotted path; empty for the document itself
	Msg    string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Column, e.Field, e.Msg)
}

// Document parses b and returns its root node; name is the file name used
// in errors and what says what kind of file it is ("world file"). An empty
// document is an error.
func Document(name, what string, b []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{File: name, Line: 1, Column: 1, Msg: "empty " + what}
	}
	return Resolve(doc.Content[0]), nil
}

// Decoder collects errors while a document is read. The zero value with
// File set is ready to use.
type Decoder struct {
	File string
	// FirstOnly keeps only the first error (later ones are usually its
	// consequences); otherwise every error is kept.
	FirstOnly bool
	Errs      []error
}

// Fail records an error at n (nil: position unknown).
func (d *Decoder) Fail(n *yaml.Node, field, format string, args ...any) {
	if d.FirstOnly && len(d.Errs) > 0 {
		return
	}
	e := &Error{File: d.File, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.Errs = append(d.Errs, e)
}

// Err is nil, the only error, or every error joined.
func (d *Decoder) Err() error {
	switch len(d.Errs) {
	case 0:
		return nil
	case 1:
		return d.Errs[0]
	}
	return errors.Join(d.Errs...)
}

// Resolve follows aliases.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// Join appends a field name to a dotted path.
func Join(path, f string) string {
	if path == "" {
		return f
	}
	return path + "." + f
}

// Fields checks that n is a mapping whose keys are all allowed and given
// once; it returns the values and the key nodes (for positions).
func (d *Decoder) Fields(n *yaml.Node, path string, allowed ...string) (vals, keys map[string]*yaml.Node) {
	n = Resolve(n)
	vals, keys = map[string]*yaml.Node{}, map[string]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		d.Fail(n, path, "must be a mapping")
		return vals, keys
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := Join(path, k.Value)
		if !Contains(allowed, k.Value) {
			d.Fail(k, name, "unknown field (allowed: %s)", strings.Join(allowed, ", "))
			continue
		}
		if _, dup := vals[k.Value]; dup {
			d.Fail(k, name, "field given twice")
			continue
		}
		vals[k.Value], keys[k.Value] = Resolve(v), k
	}
	return vals, keys
}

// Contains reports whether list holds s.
func Contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Scalar returns n's text when n is a non-null scalar.
func (d *Decoder) Scalar(n *yaml.Node, path string) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		d.Fail(n, path, "must be a single value")
		return "", false
	}
	if n.Tag == "!!null" {
		d.Fail(n, path, "must not be empty")
		return "", false
	}
	return n.Value, true
}

// NonEmpty is Scalar that also refuses blank text.
func (d *Decoder) NonEmpty(n *yaml.Node, path string) (string, bool) {
	s, ok := d.Scalar(n, path)
	if ok && strings.TrimSpace(s) == "" {
		d.Fail(n, path, "must not be empty")
		return s, false
	}
	return s, ok
}

// Bool reads true or false.
func (d *Decoder) Bool(n *yaml.Node, path string) (bool, bool) {
	s, ok := d.Scalar(n, path)
	if !ok {
		return false, false
	}
	if n.Tag != "!!bool" {
		d.Fail(n, path, "%q is not true or false", s)
		return false, false
	}
	return s == "true" || s == "True" || s == "TRUE", true
}

// Int reads a whole number in lo..hi.
func (d *Decoder) Int(n *yaml.Node, path string, lo, hi int64) (int64, bool) {
	s, ok := d.Scalar(n, path)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n.Tag != "!!int" {
		d.Fail(n, path, "%q is not a whole number", s)
		return 0, false
	}
	if v < lo || v > hi {
		d.Fail(n, path, "%q is out of range %d..%d", s, lo, hi)
		return 0, false
	}
	return v, true
}

// Enum reads one of the allowed words.
func (d *Decoder) Enum(n *yaml.Node, path string, allowed ...string) (string, bool) {
	s, ok := d.Scalar(n, path)
	if !ok {
		return "", false
	}
	if !Contains(allowed, s) {
		d.Fail(n, path, "%q must be one of %s", s, strings.Join(allowed, ", "))
		return "", false
	}
	return s, true
}

// Money reads an amount in major units in currency cur, exactly: the
// literal text ("18.00" or 18) is parsed, never a float. Negative amounts
// are refused unless negative is set.
func (d *Decoder) Money(n *yaml.Node, path string, cur skills.Currency, negative bool) (skills.Money, bool) {
	s, ok := d.Scalar(n, path)
	if !ok {
		return skills.Money{}, false
	}
	if n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float" {
		d.Fail(n, path, "%q is not an amount", s)
		return skills.Money{}, false
	}
	m, err := skills.ParseMoney(s, cur)
	if err != nil {
		d.Fail(n, path, "%v", err)
		return skills.Money{}, false
	}
	if m.Minor < 0 && !negative {
		d.Fail(n, path, "must not be negative (got %s)", m.Decimal())
		return m, false
	}
	return m, true
}

// Seq checks that n is a list and returns its items, aliases resolved.
func (d *Decoder) Seq(n *yaml.Node, path string) []*yaml.Node {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.Fail(n, path, "must be a list")
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = Resolve(c)
	}
	return out
}

// Strings reads a list of non-empty texts.
func (d *Decoder) Strings(n *yaml.Node, path string) []string {
	var out []string
	for i, c := range d.Seq(n, path) {
		s, _ := d.NonEmpty(c, fmt.Sprintf("%s[%d]", path, i))
		out = append(out, s)
	}
	return out
}
