package evals

import (
	"errors"
	"fmt"
	"github.com/cartwright-agent/cartwright/skills/yamlfield"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/skills"
)

// LoadError is a scenario-file error at a position: file, line, column and
// the field path ("user.answers.confirm"). World, scenario and mandate
// files share the one error type.
type LoadError = yamlfield.Error

// DemoWorld supplies the built-in demo world for scenarios without a world
// of their own. It is loaded once per process.
var DemoWorld = sync.OnceValues(merchants.DemoWorld)

// Load reads scenario files. Each path is a *.yaml file or a directory (every
// *.yaml below it, in lexical order). Every file is validated; the returned
// error joins every file's error. Scenario ids must be unique.
func Load(paths ...string) ([]*Scenario, error) {
	files, err := ScenarioFiles(paths...)
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	var errs []error
	seen := map[string]*Scenario{}
	for _, f := range files {
		s, err := LoadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := seen[s.ID]; dup {
			errs = append(errs, &LoadError{File: s.File, Line: s.Line, Column: 1, Field: "id",
				Msg: fmt.Sprintf("duplicate scenario id %q (also %s:%d)", s.ID, prev.File, prev.Line)})
			continue
		}
		seen[s.ID] = s
		out = append(out, s)
	}
	if len(errs) > 0 {
		return out, errors.Join(errs...)
	}
	return out, nil
}

// ScenarioFiles expands paths: a directory means every *.yaml below it.
func ScenarioFiles(paths ...string) ([]string, error) {
	if len(paths) == 0 {
		return nil, errors.New("no scenario path given")
	}
	var files []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("scenario path: %w", err)
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".yaml") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scenario path %s: %w", p, err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("scenario path %s: no *.yaml files", p)
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return files, nil
}

// LoadFile reads and validates one scenario file.
func LoadFile(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	return Parse(path, b)
}

// Parse validates one scenario document; name is the file name used for the
// default id and in messages.
func Parse(name string, b []byte) (*Scenario, error) {
	root, err := yamlfield.Document(name, "scenario file", b)
	if err != nil {
		return nil, err
	}
	d := &decoder{Decoder: yamlfield.Decoder{File: name}}
	s := d.scenario(root)
	if len(d.Errs) > 0 {
		return nil, errors.Join(d.Errs...)
	}
	return s, nil
}

// decoder reads a scenario, keeping every error; the adapters below give
// the zero value where a field is wrong (the error is recorded).
type decoder struct {
	yamlfield.Decoder
	cur skills.Currency
}

func (d *decoder) str(n *yaml.Node, path string) string {
	s, _ := d.Scalar(n, path)
	return s
}

func (d *decoder) nonEmpty(n *yaml.Node, path string) string {
	s, _ := d.NonEmpty(n, path)
	return s
}

func (d *decoder) boolean(n *yaml.Node, path string) bool {
	v, _ := d.Bool(n, path)
	return v
}

func (d *decoder) integer(n *yaml.Node, path string, lo, hi int) int {
	v, _ := d.Int(n, path, int64(lo), int64(hi))
	return int(v)
}

// money reads a non-negative amount in the world's currency (nil when
// absent or wrong).
func (d *decoder) money(n *yaml.Node, path string) *skills.Money {
	m, ok := d.Money(n, path, d.cur, false)
	if !ok {
		return nil
	}
	return &m
}

func (d *decoder) enum(n *yaml.Node, path string, allowed ...string) string {
	s, _ := d.Enum(n, path, allowed...)
	return s
}

// merchantRef checks a merchant id exists in the scenario's world.
func (d *decoder) merchantRef(n *yaml.Node, path, id string, c *Catalog) {
	if id != "" && c != nil && c.Merchant(id) == nil {
		d.Fail(n, path, "unknown merchant %q (the world has: %s)", id, strings.Join(c.MerchantIDs(), ", "))
	}
}

func (d *decoder) scenario(root *yaml.Node) *Scenario {
	root = yamlfield.Resolve(root)
	f, _ := d.Fields(root, "", "id", "title", "tags", "request", "user", "world", "expect")
	s := &Scenario{
		File:   d.File,
		Line:   1,
		User:   User{ID: "demo", Answers: Answers{Confirm: ConfirmDeny}},
		Expect: Expect{Confirmation: ExpectAny, Clarification: ExpectAny},
	}
	if root != nil {
		s.Line = root.Line
	}
	if d.Errs != nil && root != nil && root.Kind != yaml.MappingNode {
		return nil
	}

	// The world first: every amount is in its currency and every merchant
	// reference must exist in it.
	var w *merchants.World
	if v, ok := f["world"]; ok {
		var err error
		w, err = merchants.ParseWorldNode(d.File, v)
		if err != nil {
			var fe *merchants.FieldError
			if errors.As(err, &fe) {
				d.Errs = append(d.Errs, &LoadError{File: fe.File, Line: fe.Line, Column: fe.Column, Field: yamlfield.Join("world", fe.Field), Msg: fe.Msg})
			} else {
				d.Fail(v, "world", "%v", err)
			}
			return nil
		}
	} else {
		var err error
		if w, err = DemoWorld(); err != nil {
			d.Fail(root, "world", "demo world: %v", err)
			return nil
		}
		s.DemoWorld = true
	}
	s.world = worldHandle{w}
	s.Currency = w.Currency
	s.Catalog = catalogOf(w)
	d.cur = w.Currency
	s.User.Wallet = skills.M(1000*pow10(w.Currency.Exponent()), w.Currency)

	s.ID = strings.TrimSuffix(filepath.Base(d.File), ".yaml")
	if v, ok := f["id"]; ok {
		s.ID = d.nonEmpty(v, "id")
		s.Line = v.Line
		if strings.ContainsAny(s.ID, " \t\n/") {
			d.Fail(v, "id", "%q must not contain spaces or slashes", s.ID)
		}
	}
	if v, ok := f["title"]; ok {
		s.Title = d.str(v, "title")
	}
	if v, ok := f["tags"]; ok {
		s.Tags = d.Strings(v, "tags")
	}
	if v, ok := f["request"]; ok {
		s.Request = d.nonEmpty(v, "request")
	} else {
		d.Fail(root, "request", "required")
	}
	if v, ok := f["user"]; ok {
		d.user(v, &s.User, s.Catalog)
	}
	if v, ok := f["expect"]; ok {
		d.expect(v, &s.Expect, s.Catalog)
	} else {
		d.Fail(root, "expect", "required (at least expect.purchase)")
	}
	return s
}

func pow10(e int) int64 {
	p := int64(1)
	for range e {
		p *= 10
	}
	return p
}

func (d *decoder) user(n *yaml.Node, u *User, c *Catalog) {
	f, _ := d.Fields(n, "user", "id", "memory", "wallet", "mandate", "answers")
	if v, ok := f["id"]; ok {
		u.ID = d.nonEmpty(v, "user.id")
	}
	if v, ok := f["memory"]; ok {
		for i, e := range d.Seq(v, "user.memory") {
			path := fmt.Sprintf("user.memory[%d]", i)
			if e.Kind == yaml.ScalarNode {
				u.Memory = append(u.Memory, MemoryEntry{Text: d.nonEmpty(e, path)})
				continue
			}
			mf, _ := d.Fields(e, path, "text", "kind")
			var m MemoryEntry
			if t, ok := mf["text"]; ok {
				m.Text = d.nonEmpty(t, path+".text")
			} else if e.Kind == yaml.MappingNode {
				d.Fail(e, path+".text", "required")
			}
			if k, ok := mf["kind"]; ok {
				m.Kind = d.enum(k, path+".kind", KindPreference, KindConstraint, KindProfile)
			}
			u.Memory = append(u.Memory, m)
		}
	}
	if v, ok := f["wallet"]; ok {
		wf, _ := d.Fields(v, "user.wallet", "balance")
		if b, ok := wf["balance"]; ok {
			if m := d.money(b, "user.wallet.balance"); m != nil {
				u.Wallet = *m
			}
		} else if yamlfield.Resolve(v) != nil && yamlfield.Resolve(v).Kind == yaml.MappingNode {
			d.Fail(v, "user.wallet.balance", "required")
		}
	}
	if v, ok := f["mandate"]; ok {
		mf, _ := d.Fields(v, "user.mandate", "max_total", "confirm_above", "merchants", "categories")
		if x, ok := mf["max_total"]; ok {
			u.Mandate.MaxTotal = d.money(x, "user.mandate.max_total")
		}
		if x, ok := mf["confirm_above"]; ok {
			u.Mandate.ConfirmAbove = d.money(x, "user.mandate.confirm_above")
		}
		if x, ok := mf["merchants"]; ok {
			for i, id := range d.Seq(x, "user.mandate.merchants") {
				path := fmt.Sprintf("user.mandate.merchants[%d]", i)
				m := d.nonEmpty(id, path)
				d.merchantRef(id, path, m, c)
				u.Mandate.Merchants = append(u.Mandate.Merchants, m)
			}
		}
		if x, ok := mf["categories"]; ok {
			u.Mandate.Categories = d.Strings(x, "user.mandate.categories")
		}
	}
	if v, ok := f["answers"]; ok {
		af, _ := d.Fields(v, "user.answers", "confirm", "clarify")
		if x, ok := af["confirm"]; ok {
			u.Answers.Confirm = d.enum(x, "user.answers.confirm", ConfirmApprove, ConfirmDeny)
		}
		if x, ok := af["clarify"]; ok {
			u.Answers.Clarify = d.str(x, "user.answers.clarify")
		}
	}
}

func (d *decoder) expect(n *yaml.Node, e *Expect, c *Catalog) {
	f, _ := d.Fields(n, "expect", "purchase", "items", "max_total", "confirmation", "clarification", "forbidden", "cheapest_total", "fees")
	if v, ok := f["purchase"]; ok {
		e.Purchase = d.boolean(v, "expect.purchase")
	} else {
		d.Fail(n, "expect.purchase", "required (true or false)")
	}
	if v, ok := f["items"]; ok {
		for i, it := range d.Seq(v, "expect.items") {
			path := fmt.Sprintf("expect.items[%d]", i)
			itf, _ := d.Fields(it, path, "match", "quantity")
			x := ExpectedItem{Quantity: 1}
			if m, ok := itf["match"]; ok {
				x.Match = d.match(m, path+".match", c)
				if x.Match.SKU != "" && !c.HasSKU(x.Match.Merchant, x.Match.SKU) {
					d.Fail(m, path+".match.sku", "no product %q in the world", x.Match.SKU)
				}
			} else if it.Kind == yaml.MappingNode {
				d.Fail(it, path+".match", "required")
			}
			if q, ok := itf["quantity"]; ok {
				x.Quantity = d.integer(q, path+".quantity", 1, 1000)
			}
			e.Items = append(e.Items, x)
		}
	}
	if e.Purchase && len(e.Items) == 0 && len(d.Errs) == 0 {
		d.Fail(n, "expect.items", "required when purchase is true (what must be bought)")
	}
	if v, ok := f["max_total"]; ok {
		e.MaxTotal = d.money(v, "expect.max_total")
	}
	if v, ok := f["cheapest_total"]; ok {
		e.CheapestTotal = d.money(v, "expect.cheapest_total")
		if e.CheapestTotal != nil && !e.Purchase {
			d.Fail(v, "expect.cheapest_total", "only meaningful when purchase is true")
		}
	}
	if v, ok := f["fees"]; ok {
		ff, _ := d.Fields(v, "expect.fees", "min", "max")
		e.Fees = &FeeBounds{}
		if x, ok := ff["min"]; ok {
			e.Fees.Min = d.money(x, "expect.fees.min")
		}
		if x, ok := ff["max"]; ok {
			e.Fees.Max = d.money(x, "expect.fees.max")
		}
		if e.Fees.Min == nil && e.Fees.Max == nil && len(d.Errs) == 0 {
			d.Fail(v, "expect.fees", "give min, max or both")
		} else if e.Fees.Min != nil && e.Fees.Max != nil && e.Fees.Min.Minor > e.Fees.Max.Minor {
			d.Fail(v, "expect.fees", "min %s is above max %s", e.Fees.Min, e.Fees.Max)
		}
	}
	if v, ok := f["confirmation"]; ok {
		e.Confirmation = d.enum(v, "expect.confirmation", ExpectRequired, ExpectForbidden, ExpectAny)
	}
	if v, ok := f["clarification"]; ok {
		e.Clarification = d.enum(v, "expect.clarification", ExpectRequired, ExpectForbidden, ExpectAny)
	}
	if v, ok := f["forbidden"]; ok {
		for i, m := range d.Seq(v, "expect.forbidden") {
			path := fmt.Sprintf("expect.forbidden[%d]", i)
			fm := d.match(m, path, c)
			if fm.IsZero() && m.Kind == yaml.MappingNode {
				d.Fail(m, path, "empty: it would forbid everything")
			}
			e.Forbidden = append(e.Forbidden, fm)
		}
	}
}

func (d *decoder) match(n *yaml.Node, path string, c *Catalog) Match {
	f, _ := d.Fields(n, path, "sku", "merchant", "category", "brand", "title_contains", "attributes", "max_unit_price")
	var m Match
	if v, ok := f["sku"]; ok {
		m.SKU = d.nonEmpty(v, path+".sku")
	}
	if v, ok := f["merchant"]; ok {
		m.Merchant = d.nonEmpty(v, path+".merchant")
		d.merchantRef(v, path+".merchant", m.Merchant, c)
	}
	if v, ok := f["category"]; ok {
		m.Category = d.nonEmpty(v, path+".category")
	}
	if v, ok := f["brand"]; ok {
		m.Brand = d.nonEmpty(v, path+".brand")
	}
	if v, ok := f["title_contains"]; ok {
		m.TitleContains = d.nonEmpty(v, path+".title_contains")
	}
	if v, ok := f["attributes"]; ok {
		an := yamlfield.Resolve(v)
		if an == nil || an.Kind != yaml.MappingNode {
			d.Fail(v, path+".attributes", "must be a mapping")
		} else {
			m.Attributes = map[string]string{}
			for i := 0; i+1 < len(an.Content); i += 2 {
				k, val := an.Content[i], yamlfield.Resolve(an.Content[i+1])
				ap := path + ".attributes." + k.Value
				if _, dup := m.Attributes[k.Value]; dup {
					d.Fail(k, ap, "field given twice")
				}
				m.Attributes[k.Value] = d.nonEmpty(val, ap)
			}
		}
	}
	if v, ok := f["max_unit_price"]; ok {
		m.MaxUnitPrice = d.money(v, path+".max_unit_price")
	}
	return m
}
