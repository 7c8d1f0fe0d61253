package offline

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// Score weights. Soft preferences only order offers that already passed the
// hard filters; the bundle optimiser decides on cost.
const (
	scorePrefer      = 10 // per preferred attribute value the offer has
	scorePreferBrand = 8
	scorePreferShop  = 5
	scoreDislike     = -10
	scoreRatingUnit  = 10 // per rating point, with sort=rating
	scoreETADay      = -20
)

// Rank implements planner.Planner: it orders offers for one item by soft
// preference and explains each score. It only reorders what it is given.
func (p *Planner) Rank(ctx context.Context, in planner.Intent, item int, offers []planner.Offer, memory []planner.MemoryItem) ([]planner.Ranked, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if item < 0 || item >= len(in.Items) {
		return nil, fmt.Errorf("rank: item %d out of range (intent has %d items)", item, len(in.Items))
	}
	spec := in.Items[item]
	x := newIndex(offerVocabulary(offers), p.catKeys, p.nouns)
	facts := parseMemory(memory, x)
	out := make([]planner.Ranked, len(offers))
	for i, o := range offers {
		out[i] = p.score(in, spec, o, facts, x)
	}
	sort.SliceStable(out, func(i, j int) bool { return less(in.Sort, out[i], out[j]) })
	return out, nil
}

func (p *Planner) score(in planner.Intent, spec planner.ItemSpec, o planner.Offer, facts []fact, x *vindex) planner.Ranked {
	r := planner.Ranked{Offer: o}
	var why []string
	src := func(id string) {
		if r.Source == "" {
			r.Source = id
		}
	}
	pr := o.Product
	keys := make([]string, 0, len(spec.Prefer))
	for k := range spec.Prefer {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := spec.Prefer[k]
		got, ok := lookup(pr.Attributes, k)
		if !ok || !strings.EqualFold(got, want) {
			continue
		}
		r.Score += scorePrefer
		why = append(why, fmt.Sprintf("%s %s as preferred", k, got))
		for _, f := range facts {
			if f.prefer != nil && strings.EqualFold(f.prefer.key, k) && strings.EqualFold(x.normalize(*f.prefer, pr.Category).val, want) {
				src(f.id)
				break
			}
		}
	}
	for _, b := range spec.PreferBrands {
		if !strings.EqualFold(b, pr.Brand) {
			continue
		}
		r.Score += scorePreferBrand
		why = append(why, "preferred brand "+pr.Brand)
		for _, f := range facts {
			if strings.EqualFold(f.preferBrand, b) {
				src(f.id)
				break
			}
		}
	}
	title := strings.ToLower(pr.Title)
	for _, f := range facts {
		switch {
		case f.liked != "" && mentions(f.liked, pr):
			r.Score += f.likedScore
			if f.likedScore < 0 {
				why = append(why, "disliked before")
			} else {
				why = append(why, "bought and liked before")
			}
			src(f.id)
		case len(f.dislikeTerms) > 0:
			for _, t := range f.dislikeTerms {
				if planner.ContainsWord(title, t) {
					r.Score += scoreDislike
					why = append(why, "memory says the user dislikes "+t)
					src(f.id)
					break
				}
			}
		case f.preferMerch != "" && strings.EqualFold(f.preferMerch, pr.Merchant):
			r.Score += scorePreferShop
			why = append(why, "preferred shop "+pr.Merchant)
			src(f.id)
		}
	}
	switch in.Sort {
	case planner.SortRating:
		r.Score += int(pr.Rating*scoreRatingUnit + 0.5)
		why = append(why, fmt.Sprintf("rated %.1f", pr.Rating))
	case planner.SortFastest:
		r.Score += o.ETADays * scoreETADay
		why = append(why, fmt.Sprintf("arrives in %d day(s)", o.ETADays))
	default:
		why = append(why, "price "+pr.Price.String())
	}
	r.Reason = strings.Join(why, "; ")
	return r
}

// less orders by score, then by the sort's own key, then price, then
// merchant and SKU so that equal offers keep one stable order.
func less(sortBy string, a, b planner.Ranked) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	pa, pb := a.Offer.Product, b.Offer.Product
	switch sortBy {
	case planner.SortFastest:
		if a.Offer.ETADays != b.Offer.ETADays {
			return a.Offer.ETADays < b.Offer.ETADays
		}
	case planner.SortRating:
		if pa.Rating != pb.Rating {
			return pa.Rating > pb.Rating
		}
	}
	if c := comparePrice(pa.Price, pb.Price); c != 0 {
		return c < 0
	}
	if pa.Merchant != pb.Merchant {
		return pa.Merchant < pb.Merchant
	}
	return pa.SKU < pb.SKU
}

func comparePrice(a, b skills.Money) int {
	if a.Currency != b.Currency {
		return strings.Compare(string(a.Currency), string(b.Currency))
	}
	switch {
	case a.Minor < b.Minor:
		return -1
	case a.Minor > b.Minor:
		return 1
	}
	return 0
}

// mentions reports whether a history text names the product: its SKU, or
// every significant word of its title.
func mentions(text string, p skills.Product) bool {
	low := strings.ToLower(text)
	if p.SKU != "" && strings.Contains(low, strings.ToLower(p.SKU)) {
		return true
	}
	words := 0
	for _, t := range tokenize(p.Title) {
		if t.kind != kWord && t.kind != kNum || stopwords[t.t] {
			continue
		}
		words++
		if !planner.ContainsWord(low, t.t) && !planner.ContainsWord(low, singular(t.t)) {
			return false
		}
	}
	return words > 0
}

func lookup(m map[string]string, k string) (string, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v, true
		}
	}
	return "", false
}

// offerVocabulary is the vocabulary the offers themselves show, for reading
// memory at rank time.
func offerVocabulary(offers []planner.Offer) planner.Vocabulary {
	v := planner.Vocabulary{Attributes: map[string][]string{}, Merchants: map[string]string{}}
	seenB := map[string]bool{}
	seenA := map[string]map[string]bool{}
	cats := map[string]bool{}
	for _, o := range offers {
		p := o.Product
		if p.Brand != "" && !seenB[p.Brand] {
			seenB[p.Brand] = true
			v.Brands = append(v.Brands, p.Brand)
		}
		if p.Merchant != "" {
			v.Merchants[p.Merchant] = p.Merchant
		}
		if p.Category != "" && !cats[p.Category] {
			cats[p.Category] = true
			v.Categories = append(v.Categories, p.Category)
		}
		for k, val := range p.Attributes {
			if seenA[k] == nil {
				seenA[k] = map[string]bool{}
			}
			if !seenA[k][val] {
				seenA[k][val] = true
				v.Attributes[k] = append(v.Attributes[k], val)
			}
		}
	}
	return v
}
