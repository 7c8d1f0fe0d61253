package mandate

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/yamlfield"
)

// Spec is the human-written mandate file `cartwright mandate create` reads
// (YAML or JSON). Amounts are decimal strings in major units ("40.00").
//
//	user: alice
//	description: coffee for the office
//	currency: CNY
//	max_total: "40.00"          # per purchase
//	per_item_cap: "20.00"       # per unit
//	budget: {amount: "200.00", period: week}
//	merchants: [brewlab, beanhub]
//	categories: [coffee]
//	confirm_above: "30.00"
//	require_confirmation: false
//	expires_in: 720h            # or expires_at: 2026-12-31T00:00:00Z
type Spec struct {
	User                string      `yaml:"user"`
	Description         string      `yaml:"description"`
	Currency            string      `yaml:"currency"`
	MaxTotal            string      `yaml:"max_total"`
	PerItemCap          string      `yaml:"per_item_cap"`
	Budget              *BudgetSpec `yaml:"budget"`
	Merchants           []string    `yaml:"merchants"`
	Categories          []string    `yaml:"categories"`
	ConfirmAbove        string      `yaml:"confirm_above"`
	RequireConfirmation bool        `yaml:"require_confirmation"`
	NotBefore           string      `yaml:"not_before"`
	ExpiresAt           string      `yaml:"expires_at"`
	ExpiresIn           string      `yaml:"expires_in"`
}

// BudgetSpec is the cumulative budget in a Spec.
type BudgetSpec struct {
	Amount string `yaml:"amount"`
	Period string `yaml:"period"`
}

// ParseSpec reads a mandate spec strictly: unknown fields, duplicate keys,
// malformed or negative amounts, unknown currencies and missing fields are
// errors naming the file, line and field. name labels the input in errors.
func ParseSpec(name string, r io.Reader, now time.Time) (Intent, error) {
	in, _, err := ParseSpecWith(name, r, now, Defaults{})
	return in, err
}

// Defaults fill fields a mandate file leaves out. Empty: the field is
// required.
type Defaults struct {
	User      string // the signing user
	Currency  string // the wallet's currency
	ExpiresIn string // e.g. "30d"
}

// DefaultExpiry is how long a mandate whose file names no expiry lasts
// when the caller allows a default.
const DefaultExpiry = "30d"

// specFields are the fields a mandate file may have, in documentation order.
var specFields = []string{"user", "description", "currency", "max_total", "per_item_cap", "budget", "merchants", "categories",
	"confirm_above", "require_confirmation", "not_before", "expires_at", "expires_in"}

// ParseSpecWith is ParseSpec with defaults for user, currency and expiry;
// used lists each default applied ("currency CNY (the wallet's)"), for the
// caller to show.
func ParseSpecWith(name string, r io.Reader, now time.Time, def Defaults) (in Intent, used []string, err error) {
	in, used, err = parseSpec(name, r, now, def)
	return in, used, err
}

func parseSpec(name string, r io.Reader, now time.Time, def Defaults) (Intent, []string, error) {
	var used []string
	raw, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return Intent{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return Intent{}, nil, fmt.Errorf("%s: empty mandate file", name)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return Intent{}, nil, fmt.Errorf("%s: malformed: %w", name, err)
	}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		d := &yamlfield.Decoder{File: name, FirstOnly: true}
		vals, _ := d.Fields(root.Content[0], "", specFields...)
		if b, ok := vals["budget"]; ok && b.Kind == yaml.MappingNode {
			d.Fields(b, "budget", "amount", "period")
		}
		if err := d.Err(); err != nil {
			return Intent{}, nil, err
		}
	}
	lines := map[string][2]int{}
	indexLines(&root, "", lines)
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return Intent{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := dec.Decode(new(any)); err != io.EOF {
		return Intent{}, nil, fmt.Errorf("%s: more than one document", name)
	}
	at := func(field, format string, a ...any) error {
		if l, ok := lines[field]; ok {
			return fmt.Errorf("%s:%d:%d: %s: %s", name, l[0], l[1], field, fmt.Sprintf(format, a...))
		}
		return fmt.Errorf("%s: %s: %s", name, field, fmt.Sprintf(format, a...))
	}
	if strings.TrimSpace(s.User) == "" && def.User != "" {
		s.User = def.User
		used = append(used, fmt.Sprintf("user %s (you)", def.User))
	}
	if s.Currency == "" && def.Currency != "" {
		s.Currency = def.Currency
		used = append(used, fmt.Sprintf("currency %s (your wallet's)", def.Currency))
	}
	if s.ExpiresAt == "" && s.ExpiresIn == "" && def.ExpiresIn != "" {
		s.ExpiresIn = def.ExpiresIn
		used = append(used, "expires in "+def.ExpiresIn)
	}
	in := Intent{Type: TypeIntent, UserID: strings.TrimSpace(s.User), Description: strings.TrimSpace(s.Description),
		RequireConfirmation: s.RequireConfirmation}
	if in.UserID == "" {
		return Intent{}, nil, at("user", "is required")
	}
	if s.Currency == "" {
		return Intent{}, nil, at("currency", "is required")
	}
	cur, err := skills.ParseCurrency(s.Currency)
	if err != nil {
		return Intent{}, nil, at("currency", "%v", err)
	}
	in.Currency = cur
	amount := func(field, v string, zeroOK bool) (*skills.Money, error) {
		if strings.TrimSpace(v) == "" {
			return nil, nil
		}
		m, err := skills.ParseMoney(v, cur)
		if errors.Is(err, skills.ErrOverflow) {
			return nil, at(field, "amount %q overflows", v)
		}
		if err != nil {
			return nil, at(field, "%v", err)
		}
		if m.Minor < 0 || (m.Minor == 0 && !zeroOK) {
			return nil, at(field, "amount %q must be positive", v)
		}
		return &m, nil
	}
	mt, err := amount("max_total", s.MaxTotal, false)
	if err != nil {
		return Intent{}, nil, err
	}
	if mt == nil {
		return Intent{}, nil, at("max_total", "is required")
	}
	in.MaxTotal = *mt
	if in.PerItemCap, err = amount("per_item_cap", s.PerItemCap, false); err != nil {
		return Intent{}, nil, err
	}
	if in.ConfirmAbove, err = amount("confirm_above", s.ConfirmAbove, true); err != nil {
		return Intent{}, nil, err
	}
	if s.Budget != nil {
		b, err := amount("budget.amount", s.Budget.Amount, false)
		if err != nil {
			return Intent{}, nil, err
		}
		if b == nil {
			return Intent{}, nil, at("budget.amount", "is required when budget is given")
		}
		switch s.Budget.Period {
		case PeriodDay, PeriodWeek, PeriodMonth, PeriodTotal:
		default:
			return Intent{}, nil, at("budget.period", "%q: want day, week, month or total", s.Budget.Period)
		}
		in.Budget = &Budget{Amount: *b, Period: s.Budget.Period}
	}
	for i, m := range s.Merchants {
		if strings.TrimSpace(m) == "" {
			return Intent{}, nil, at("merchants", "entry %d is empty", i)
		}
		in.Merchants = append(in.Merchants, strings.TrimSpace(m))
	}
	for i, c := range s.Categories {
		if strings.TrimSpace(c) == "" {
			return Intent{}, nil, at("categories", "entry %d is empty", i)
		}
		in.Categories = append(in.Categories, strings.TrimSpace(c))
	}
	in.NotBefore = now
	if s.NotBefore != "" {
		if in.NotBefore, err = time.Parse(time.RFC3339, s.NotBefore); err != nil {
			return Intent{}, nil, at("not_before", "%q is not an RFC 3339 time", s.NotBefore)
		}
	}
	switch {
	case s.ExpiresAt != "" && s.ExpiresIn != "":
		return Intent{}, nil, at("expires_at", "give expires_at or expires_in, not both")
	case s.ExpiresAt != "":
		if in.ExpiresAt, err = time.Parse(time.RFC3339, s.ExpiresAt); err != nil {
			return Intent{}, nil, at("expires_at", "%q is not an RFC 3339 time", s.ExpiresAt)
		}
	case s.ExpiresIn != "":
		d, err := parseDuration(s.ExpiresIn)
		if err != nil {
			return Intent{}, nil, at("expires_in", "%v", err)
		}
		in.ExpiresAt = in.NotBefore.Add(d)
	default:
		return Intent{}, nil, at("expires_in", "an expiry (expires_in or expires_at) is required")
	}
	if !in.ExpiresAt.After(now) {
		return Intent{}, nil, at("expires_at", "%s is already past", in.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if !in.ExpiresAt.After(in.NotBefore) {
		return Intent{}, nil, at("expires_at", "must be after not_before")
	}
	if err := CheckLimits(in.MaxTotal, in.PerItemCap, in.ConfirmAbove); err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			return Intent{}, nil, at(le.Field, "%s", le.Msg)
		}
		return Intent{}, nil, err
	}
	return in, used, nil
}

// LimitError names the limit that contradicts max_total.
type LimitError struct {
	Field string // "confirm_above" or "per_item_cap"
	Msg   string
}

func (e *LimitError) Error() string { return e.Field + ": " + e.Msg }

// CheckLimits checks limits against each other as `mandate create` does: a
// confirmation threshold above the purchase maximum would never apply, and
// a per-item cap above it could never be reached. Callers taking the same
// limits elsewhere (the shop command's --max-total / --confirm-above) call
// it to refuse what mandate create refuses. A nil limit is not set.
func CheckLimits(maxTotal skills.Money, perItemCap, confirmAbove *skills.Money) error {
	if confirmAbove != nil && confirmAbove.Minor > maxTotal.Minor {
		return &LimitError{"confirm_above", fmt.Sprintf("%s is above max_total %s: it would never apply", *confirmAbove, maxTotal)}
	}
	if perItemCap != nil && perItemCap.Minor > maxTotal.Minor {
		return &LimitError{"per_item_cap", fmt.Sprintf("%s is above max_total %s", *perItemCap, maxTotal)}
	}
	return nil
}

// MaxValidity is the longest a mandate may be valid for (about ten years).
const MaxValidity = maxDays * 24 * time.Hour

const maxDays = 3660

// parseDuration accepts Go durations and a day suffix ("30d"), up to
// MaxValidity.
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q: want a whole number of days from 1 to %d", s, maxDays)
		}
		if n > maxDays {
			return 0, fmt.Errorf("%q: at most %dd (about ten years)", s, maxDays)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a positive duration like 720h or 30d (at most %dd)", s, maxDays)
	}
	if d > MaxValidity {
		return 0, fmt.Errorf("%q: at most %dd (%s)", s, maxDays, MaxValidity)
	}
	return d, nil
}

// indexLines records the line and column of every mapping key by dotted path.
func indexLines(n *yaml.Node, prefix string, out map[string][2]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			indexLines(c, prefix, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if prefix != "" {
				k = prefix + "." + k
			}
			out[k] = [2]int{n.Content[i].Line, n.Content[i].Column}
			indexLines(n.Content[i+1], k, out)
		}
	}
}

// Create parses a spec and signs it with the user's key.
func Create(name string, r io.Reader, user ed25519.PrivateKey, now time.Time) (Intent, error) {
	in, _, err := CreateWith(name, r, user, now, Defaults{})
	return in, err
}

// CreateWith is Create with defaults (see ParseSpecWith).
func CreateWith(name string, r io.Reader, user ed25519.PrivateKey, now time.Time, def Defaults) (Intent, []string, error) {
	in, used, err := ParseSpecWith(name, r, now, def)
	if err != nil {
		return Intent{}, nil, err
	}
	if err := in.Sign(user); err != nil {
		return Intent{}, nil, err
	}
	return in, used, ValidateIntent(in)
}

// ParseSigned decodes a signed intent mandate document strictly (unknown
// fields are errors). It does not verify the signature: VerifyIntent does.
func ParseSigned(name string, raw []byte) (Intent, error) {
	var in Intent
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&in); err != nil {
		return Intent{}, fmt.Errorf("%s: malformed intent mandate: %w", name, err)
	}
	if d.More() {
		return Intent{}, fmt.Errorf("%s: trailing data after the mandate", name)
	}
	if err := ValidateIntent(in); err != nil {
		return Intent{}, fmt.Errorf("%s: %w", name, err)
	}
	return in, nil
}

// DecodeChain decodes a chain strictly.
func DecodeChain(raw []byte) (Chain, error) {
	var ch Chain
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&ch); err != nil {
		return Chain{}, fail("chain", "", CodeMalformed, "%v", err)
	}
	return ch, nil
}
