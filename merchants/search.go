package merchants

import (
	"sort"
	"strings"
	"unicode"

	"github.com/cartwright-agent/cartwright/skills"
)

// DefaultSearchLimit and MaxSearchLimit bound how many products Search returns.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 200
)

// Search finds products. Filters (category, brand, attributes, price range)
// must all hold; category, brand and attribute values compare
// case-insensitively. Text is split into words; a product matches a word
// when its title, brand, category, sku or an attribute key or value contains
// it (a trailing plural "s"/"es" is forgiven). Products matching every word
// come first, then those matching most words; ties go to the higher rating,
// then the lower price, then the sku. Descriptions are not searched: they
// are merchant prose, not catalog facts.
func (e *Engine) Search(q skills.Query) []skills.Product {
	words := tokenize(q.Text)
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)

	type hit struct {
		p     *skills.Product
		score int
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var hits []hit
	for _, sku := range e.skus {
		p := e.products[sku]
		if !filterOK(p, q) {
			continue
		}
		score := 0
		if len(words) > 0 {
			hay := e.hay[sku]
			for _, w := range words {
				if wordIn(hay, w) {
					score++
				}
			}
			if score == 0 {
				continue
			}
		}
		hits = append(hits, hit{p, score})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.p.Rating != b.p.Rating {
			return a.p.Rating > b.p.Rating
		}
		if a.p.Price.Minor != b.p.Price.Minor {
			return a.p.Price.Minor < b.p.Price.Minor
		}
		return a.p.SKU < b.p.SKU
	})
	out := make([]skills.Product, 0, min(limit, len(hits)))
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		out = append(out, copyProduct(h.p))
	}
	return out
}

func filterOK(p *skills.Product, q skills.Query) bool {
	if q.Category != "" && !strings.EqualFold(p.Category, q.Category) {
		return false
	}
	if q.Brand != "" && !strings.EqualFold(p.Brand, q.Brand) {
		return false
	}
	for k, v := range q.Attributes {
		pv, ok := p.Attributes[k]
		if !ok || !strings.EqualFold(pv, v) {
			return false
		}
	}
	if q.MinPrice > 0 && p.Price.Minor < q.MinPrice {
		return false
	}
	if q.MaxPrice > 0 && p.Price.Minor > q.MaxPrice {
		return false
	}
	return true
}

func tokenize(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	})
	seen := map[string]bool{}
	out := f[:0]
	for _, w := range f {
		w = strings.Trim(w, "-")
		if w == "" || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

func haystack(p *skills.Product) string {
	var b strings.Builder
	keys := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, s := range []string{p.Title, p.Brand, p.Category, p.SKU, p.Group} {
		b.WriteString(strings.ToLower(s))
		b.WriteByte(' ')
	}
	for _, k := range keys {
		b.WriteString(strings.ToLower(k))
		b.WriteByte(' ')
		b.WriteString(strings.ToLower(p.Attributes[k]))
		b.WriteByte(' ')
	}
	return b.String()
}

func wordIn(hay, w string) bool {
	if strings.Contains(hay, w) {
		return true
	}
	for _, suf := range []string{"es", "s"} {
		if s, ok := strings.CutSuffix(w, suf); ok && len(s) >= 3 && strings.Contains(hay, s) {
			return true
		}
	}
	return false
}
