package check

import (
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/lang"
	"github.com/cartwright-agent/cartwright/skills"
)

// Catalog is the catalog vocabulary a run saw: the merchants' published
// vocabularies and the records of the products their searches returned.
// It is built per run from data, never from tables in code; build it once
// (NewCatalog) and share it between checks — it is read-only afterwards.
type Catalog struct {
	categories map[string]bool // folded
	catSquash  map[string]bool // folded, spaces removed ("topup")
	brands     map[string]string
	merchants  map[string]bool
	// all: folded value phrase → keys, over every category;
	// byCat: category (folded) → folded value phrase → keys.
	all   map[string][]string
	byCat map[string]map[string][]string
	// keys: every attribute key, folded; catKeys per category.
	keys    map[string]bool
	catKeys map[string]map[string]bool
	maxLen  int // longest phrase, in words
}

// NewCatalog indexes a merged vocabulary (planner.MergeVocabulary of the
// merchants' info) and the products seen in search results (their
// categories, attribute values and brands, per category).
func NewCatalog(v planner.Vocabulary, products []skills.Product) *Catalog {
	c := &Catalog{categories: map[string]bool{}, catSquash: map[string]bool{}, brands: map[string]string{},
		merchants: map[string]bool{}, all: map[string][]string{}, byCat: map[string]map[string][]string{},
		keys: map[string]bool{}, catKeys: map[string]map[string]bool{}}
	addCat := func(s string) {
		f := lang.Fold(s)
		if f == "" {
			return
		}
		c.categories[f] = true
		c.catSquash[strings.ReplaceAll(f, " ", "")] = true
	}
	for _, s := range v.Categories {
		addCat(s)
	}
	for _, b := range v.Brands {
		c.addBrand(b)
	}
	for id, name := range v.Merchants {
		for _, s := range []string{id, name} {
			if f := lang.Fold(s); f != "" {
				c.merchants[f] = true
			}
		}
	}
	for k, vals := range v.Attributes {
		for _, x := range vals {
			c.addValue(c.all, k, x)
		}
		c.keys[lang.Fold(k)] = true
	}
	for _, p := range products {
		addCat(p.Category)
		if p.Brand != "" {
			c.addBrand(p.Brand)
		}
		cat := lang.Fold(p.Category)
		if c.byCat[cat] == nil {
			c.byCat[cat] = map[string][]string{}
			c.catKeys[cat] = map[string]bool{}
		}
		for k, x := range p.Attributes {
			c.addValue(c.byCat[cat], k, x)
			c.addValue(c.all, k, x)
			c.keys[lang.Fold(k)] = true
			c.catKeys[cat][lang.Fold(k)] = true
		}
	}
	for _, m := range c.byCat {
		for p, ks := range m {
			sort.Strings(ks)
			m[p] = ks
		}
	}
	for p, ks := range c.all {
		sort.Strings(ks)
		c.all[p] = ks
	}
	return c
}

func (c *Catalog) addBrand(b string) {
	if f := lang.Fold(b); f != "" {
		c.brands[f] = b
		if n := len(strings.Fields(f)); n > c.maxLen {
			c.maxLen = n
		}
	}
}

// addValue indexes value x of key k under its folded phrase. Values that
// carry no requirement on their own ("yes", "none") and measures (compared
// as measures) are left out.
func (c *Catalog) addValue(m map[string][]string, k, x string) {
	f := lang.Fold(x)
	if f == "" || lang.IsFunctionWord(f) || lang.IsNegation(f) || lang.IsNumber(f) {
		return
	}
	if _, ok := lang.Parse(x); ok {
		return
	}
	k = strings.ToLower(k)
	for _, have := range m[f] {
		if have == k {
			return
		}
	}
	m[f] = append(m[f], k)
	if n := len(strings.Fields(f)); n > c.maxLen {
		c.maxLen = n
	}
}

// values returns the value index for a product's category: the category's
// own when search results showed it, else every category's.
func (c *Catalog) values(category string) map[string][]string {
	if m, ok := c.byCat[lang.Fold(category)]; ok && len(m) > 0 {
		return m
	}
	return c.all
}

func (c *Catalog) isKey(category, w string) bool {
	if ks, ok := c.catKeys[lang.Fold(category)]; ok && ks[w] {
		return true
	}
	return c.keys[w]
}
