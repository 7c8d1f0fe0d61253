package memorytest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cartwright-agent/cartwright/memory"
)

// Synthetic returns n distinct memory-like texts ("I prefer Nike running
// shoes in navy", "Bought 3 × oat milk at freshmart (order ord_17)"), the
// same for the same seed. Benchmarks fill stores with them: realistic word
// statistics, unlike random vectors, so index behaviour is realistic too.
func Synthetic(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	out := make([]string, 0, n)
	seen := make(map[string]bool, n)
	for i := 0; len(out) < n; i++ {
		var s string
		switch r.IntN(6) {
		case 0:
			s = fmt.Sprintf("I prefer %s %s %s", pick(synBrands), pick(synAdjs), pick(synItems))
		case 1:
			s = fmt.Sprintf("Never buy %s with %s", pick(synItems), pick(synIngredients))
		case 2:
			s = fmt.Sprintf("Bought %d × %s %s at %s (order ord_%d)", 1+r.IntN(5), pick(synAdjs), pick(synItems), pick(synShops), i)
		case 3:
			s = fmt.Sprintf("I like my %s %s, from %s", pick(synItems), pick(synAdjs), pick(synShops))
		case 4:
			s = fmt.Sprintf("Deliver %s to the %s on %s", pick(synItems), pick(synPlaces), pick(synDays))
		default:
			s = fmt.Sprintf("I am allergic to %s, so no %s %s", pick(synIngredients), pick(synAdjs), pick(synItems))
		}
		if seen[s] {
			s = fmt.Sprintf("%s (note %d)", s, i)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

var (
	synBrands      = []string{"Nike", "Adidas", "Uniqlo", "Luckin", "Starbucks", "Oatly", "Yili", "Huggies", "Pampers", "Apple", "Xiaomi", "Anker", "Muji", "Lavazza", "Royal Canin", "Barilla", "Deli", "Bose", "Sony", "Dove", "Tide", "local", "store-brand", "organic"}
	synAdjs        = []string{"large", "small", "medium", "black", "navy", "white", "decaf", "unsweetened", "spicy", "mild", "organic", "cheap", "premium", "wireless", "cotton", "wool", "gluten-free", "low-sugar", "fresh", "frozen", "family-size", "travel-size", "unscented", "recycled"}
	synItems       = []string{"latte", "flat white", "green tea", "oat milk", "running shoes", "t-shirt", "jeans", "hoodie", "diapers", "dog food", "cat litter", "pasta", "rice", "headphones", "charger", "notebook", "shampoo", "detergent", "chocolate", "yogurt", "bread", "coffee beans", "sunscreen", "socks", "jacket", "power bank", "snack bars", "orange juice"}
	synIngredients = []string{"peanuts", "tree nuts", "dairy", "lactose", "gluten", "shellfish", "eggs", "soy", "palm oil", "MSG", "wool", "latex", "fragrance", "sesame", "pork", "alcohol", "caffeine", "sugar"}
	synShops       = []string{"cafe-a", "freshmart", "techstore", "fashionhub", "babymart", "petplace", "daily-goods", "jd", "tea-house", "ecoshop"}
	synPlaces      = []string{"office", "home", "front desk", "parcel locker", "gym", "parents' flat"}
	synDays        = []string{"weekdays", "weekends", "Monday mornings", "Friday evenings", "any day", "Saturday mornings"}
)

// Records embeds texts with e as one user's entries (kinds inferred), ready
// for a store's bulk insert.
func Records(e memory.Embedder, userID string, texts []string) ([]memory.Record, error) {
	sp := memory.SpaceOf(e)
	out := make([]memory.Record, 0, len(texts))
	now := time.Now().UTC().Truncate(time.Microsecond)
	const batch = 1024
	for start := 0; start < len(texts); start += batch {
		chunk := texts[start:min(start+batch, len(texts))]
		vecs, err := e.Embed(context.Background(), chunk)
		if err != nil {
			return nil, err
		}
		if err := memory.CheckVectors(sp, len(chunk), vecs); err != nil {
			return nil, err
		}
		for i, t := range chunk {
			out = append(out, memory.Record{
				Entry:  memory.Entry{ID: memory.NewID(), UserID: userID, Kind: memory.InferKind(t), Text: t, Source: "synthetic", CreatedAt: now.Add(time.Duration(start+i) * time.Microsecond)},
				Vector: vecs[i], Space: sp,
			})
		}
	}
	return out, nil
}
