package bundle

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cartwright-agent/cartwright/skills"
)

// scaleProblem is a close-priced world: m merchants, each selling every one
// of n items in k variants whose prices lie within ±6% of the item's base
// price, with shipping fees, free-shipping thresholds and one or two coupons
// whose minimum spends sit where a few items reach them — the shape where
// splitting and threshold-chasing interact and no offer dominates another.
func scaleProblem(r *rand.Rand, n, m, k int) Problem {
	infos := map[string]skills.MerchantInfo{}
	for j := 0; j < m; j++ {
		id := fmt.Sprintf("m%d", j)
		info := skills.MerchantInfo{ID: id, Currency: cny}
		info.Shipping.Fee = skills.M(int64(300+r.IntN(9)*50), cny)
		if r.IntN(5) > 0 {
			fo := skills.M(int64(4000+r.IntN(80)*100), cny)
			info.Shipping.FreeOver = &fo
		}
		for c := 1 + r.IntN(2); c > 0; c-- {
			info.Coupons = append(info.Coupons, skills.Coupon{
				Code:      fmt.Sprintf("C%d-%d", j, c),
				AmountOff: skills.M(int64(2+r.IntN(12))*100, cny),
				MinSpend:  skills.M(int64(30+r.IntN(120))*100, cny),
			})
		}
		infos[id] = info
	}
	p := Problem{Merchants: infos}
	for i := 0; i < n; i++ {
		base := int64(800 + r.IntN(2200))
		it := Item{Name: fmt.Sprintf("item%d", i), Quantity: 1 + r.IntN(2)}
		for j := 0; j < m; j++ {
			for v := 0; v < k; v++ {
				price := base + base*int64(r.IntN(121)-60)/1000
				it.Offers = append(it.Offers, Offer{Merchant: fmt.Sprintf("m%d", j),
					SKU: fmt.Sprintf("I%d-M%d-V%d", i, j, v), UnitPrice: skills.M(price, cny), Rank: r.IntN(3)})
			}
		}
		p.Items = append(p.Items, it)
	}
	return p
}

// BenchmarkSolveScale times the optimiser on close-priced worlds of growing
// size; each sub-benchmark cycles through 8 seeded worlds of its shape.
func BenchmarkSolveScale(b *testing.B) {
	for _, n := range []int{1, 4, 8, 12, 20} {
		for _, m := range []int{3, 7} {
			for _, k := range []int{1, 3, 5} {
				b.Run(fmt.Sprintf("items=%d/merchants=%d/offers=%d", n, m, k), func(b *testing.B) {
					r := rand.New(rand.NewPCG(uint64(n*100+m*10+k), 14))
					ps := make([]Problem, 8)
					for i := range ps {
						ps[i] = scaleProblem(r, n, m, k)
					}
					b.ReportAllocs()
					cpu := startCPU(b)
					nodes := 0
					for i := 0; b.Loop(); i++ {
						sol, err := Solve(ps[i%len(ps)])
						if err != nil {
							b.Fatal(err)
						}
						nodes += sol.Nodes
					}
					cpu.report(b)
					b.ReportMetric(float64(nodes)/float64(b.N), "nodes/op")
				})
			}
		}
	}
}

// TestSolveMatchesReference is the differential test: on medium
// close-priced worlds (too large to enumerate) the optimiser returns exactly
// the basket of the previous branch-and-bound (reference_test.go), tie-breaks
// included.
func TestSolveMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 14))
	cases := 120
	if testing.Short() {
		cases = 30
	}
	for n := 0; n < cases; n++ {
		p := scaleProblem(r, 3+r.IntN(4), 2+r.IntN(3), 1+r.IntN(2))
		if n%3 == 0 { // duplicate prices make ties the tie-break must settle
			for i := range p.Items {
				for o := range p.Items[i].Offers {
					p.Items[i].Offers[o].UnitPrice.Minor -= p.Items[i].Offers[o].UnitPrice.Minor % 100
				}
			}
		}
		got, err := Solve(p)
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		want, err := referenceSolve(p)
		if err != nil {
			t.Fatalf("case %d: reference: %v", n, err)
		}
		if !sameBasket(got.Basket, want.Basket) {
			t.Fatalf("case %d: optimiser %s (%s), reference %s (%s)", n, describe(&got.Basket), got.Basket.Total, describe(&want.Basket), want.Basket.Total)
		}
		if got.Nodes > want.Nodes {
			t.Logf("case %d: %d nodes against the reference's %d", n, got.Nodes, want.Nodes)
		}
	}
}

// TestSolveScaleMatchesBruteForce: the property test on small close-priced
// worlds, where every product is a near-tie.
func TestSolveScaleMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 14))
	for n := 0; n < 200; n++ {
		p := scaleProblem(r, 1+r.IntN(4), 1+r.IntN(3), 1+r.IntN(2))
		sol, err := Solve(p)
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		if want := bruteForce(t, p); !sameBasket(sol.Basket, want) {
			t.Fatalf("case %d: optimiser %s (%s), brute force %s (%s)", n, describe(&sol.Basket), sol.Basket.Total, describe(&want), want.Total)
		}
	}
}
