package offline

import (
	"sort"
	"strconv"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/lang"
)

// account fills spec.Accounting: what became of every piece of the
// person's words for this item. Hard spans are what the product bought
// must evidence (agent/check reads them); nothing the person said is left
// out: a content word that maps to nothing is a hard RoleUnknown span.
func account(d *draft, spec *planner.ItemSpec, resolved []resolvedHit, x *vindex) {
	var out []planner.Span
	add := func(s planner.Span) {
		if strings.TrimSpace(s.Text) == "" {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	if d.headRaw != "" && d.headCat != "" && spec.Category != "" && !strings.EqualFold(d.headCat, spec.Category) {
		// "my China Unicom phone": the values name the item; the word is
		// the person's context
		out = append(out, planner.Span{Text: d.headRaw, Role: planner.RoleFiller})
	} else if d.headRaw != "" {
		s := planner.Span{Text: d.headRaw, Role: planner.RoleItem, Hard: true}
		for k, v := range spec.Attributes {
			if squashString(v) == d.head {
				s.Key, s.Value = k, v
			}
		}
		add(s)
	}
	for _, r := range resolved {
		switch {
		case r.prefer:
			add(planner.Span{Text: r.raw, Role: planner.RolePreference, Key: r.key, Value: r.val})
		case r.neg:
			add(planner.Span{Text: r.raw, Role: planner.RoleNegation, Key: r.key, Value: r.val, Hard: true})
		default:
			add(planner.Span{Text: r.raw, Role: planner.RoleAttribute, Key: r.key, Value: r.val, Hard: true, Source: r.source})
		}
	}
	for _, t := range spec.ExcludeTerms {
		if containsFold(d.text, t) {
			add(planner.Span{Text: t, Role: planner.RoleNegation, Hard: true})
		}
	}
	for _, b := range d.brands {
		add(planner.Span{Text: b, Role: planner.RoleBrand, Value: b, Hard: true})
	}
	for _, b := range d.notBrands {
		add(planner.Span{Text: b, Role: planner.RoleNegation, Key: "brand", Value: b, Hard: true})
	}
	for _, b := range d.prefBrand {
		add(planner.Span{Text: b, Role: planner.RolePreference, Key: "brand", Value: b})
	}
	said := ""
	if d.measure != nil {
		// an amount to buy ("2 liters of"), matched against packs at run
		// time: how much to order, not a measure of the product
		said = strings.ToLower(d.measure.Said)
		add(planner.Span{Text: d.measure.Said, Role: planner.RoleQuantity, Value: strconv.FormatInt(d.measure.Value, 10) + " " + d.measure.Unit})
	}
	for _, m := range lang.Find(d.text) {
		if said != "" && strings.Contains(said, strings.ToLower(m.Text)) {
			continue
		}
		add(planner.Span{Text: m.Text, Role: planner.RoleMeasure, Value: m.String(), Hard: true})
	}
	for _, t := range spec.RequireTerms {
		if strings.HasPrefix(t, "size ") {
			add(planner.Span{Text: t, Role: planner.RoleAttribute, Key: "size", Value: strings.TrimPrefix(t, "size "), Hard: true})
			continue
		}
		add(planner.Span{Text: t, Role: planner.RoleUnknown, Hard: true})
	}
	for _, w := range d.unsettled {
		add(planner.Span{Text: w, Role: planner.RoleUnknown, Hard: true})
	}
	identified := len(x.candidates(d, *spec)) == 1
	for _, w := range strings.Fields(spec.Fit) {
		other := spec.Category != "" && !x.categoryWord(spec.Category, w)
		if lang.IsFunctionWord(w) || beforeOf(d.text, w) || identified && other {
			// a request verb, a container ("a tub of"), another
			// category's word ("phone top-up"), or words beside values
			// that already name one product: how the person put it
			add(planner.Span{Text: w, Role: planner.RoleFiller})
			continue
		}
		if aboutThePerson(d.text, w) {
			// "my China Mobile number", "for my husband": context about
			// the person, not a property of the product
			add(planner.Span{Text: w, Role: planner.RoleFiller})
			continue
		}
		add(planner.Span{Text: w, Role: planner.RoleUnknown, Hard: true})
	}
	if d.qtySaid {
		q := d.qtyText
		if q == "" {
			q = strconv.Itoa(d.qty)
		}
		add(planner.Span{Text: q, Role: planner.RoleQuantity, Value: strconv.Itoa(spec.Quantity)})
	}
	if spec.MaxUnitPrice != nil {
		add(planner.Span{Text: spec.MaxUnitPrice.String(), Role: planner.RolePrice, Key: "max", Value: spec.MaxUnitPrice.Decimal(), Hard: true})
	}
	if spec.MinUnitPrice != nil {
		add(planner.Span{Text: spec.MinUnitPrice.String(), Role: planner.RolePrice, Key: "min", Value: spec.MinUnitPrice.Decimal(), Hard: true})
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Index(strings.ToLower(d.text), strings.ToLower(out[i].Text)) < strings.Index(strings.ToLower(d.text), strings.ToLower(out[j].Text))
	})
	spec.Accounting = out
}

// resolvedHit is a span of attribute words and the key = value it became.
type resolvedHit struct {
	raw, key, val, source string
	neg, prefer           bool
}

func containsFold(hay, t string) bool {
	return t != "" && planner.ContainsWord(strings.ToLower(hay), strings.ToLower(t))
}

// aboutThePerson reports whether w follows a possessive or "for" within
// three words ("my … number", "for my husband").
func aboutThePerson(text, w string) bool {
	ws := strings.Fields(strings.ToLower(text))
	for i, x := range ws {
		if strings.Trim(x, ",.;:!?") != strings.ToLower(w) {
			continue
		}
		for j := i - 1; j >= 0 && j >= i-3; j-- {
			switch strings.Trim(ws[j], ",.;:!?") {
			case "my", "our", "his", "her", "their", "your", "for", "to":
				return true
			}
		}
	}
	return false
}

// beforeOf reports whether w is followed by "of" ("a tub of", "a pack of").
func beforeOf(text, w string) bool {
	ws := strings.Fields(strings.ToLower(text))
	for i := 0; i+1 < len(ws); i++ {
		if strings.Trim(ws[i], ",.;:!?") == strings.ToLower(w) && ws[i+1] == "of" {
			return true
		}
	}
	return false
}
