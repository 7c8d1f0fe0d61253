package bundle

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The independent oracle: every instance is written as a mixed-integer
// programme straight from the published rules (skills.MerchantInfo's
// documentation), not through skills.PriceCart, and solved by GLPK's glpsol.
// Per merchant m with offers o and items i (quantity q_i):
//
//	x[i,o] ∈ {0,1}, Σ_o x[i,o] = 1                 every item filled once
//	S_m = Σ q_i·price_o·x[i,o]                      merchandise subtotal
//	u_m ∈ {0,1}, x[i,o] ≤ u_m                       the merchant has an order
//	z_m ∈ {0,1}, z_m ≤ u_m, S_m ≥ free_over·z_m     shipping waived (only with a threshold)
//	y_mc ∈ {0,1}, Σ_c y_mc ≤ u_m, S_m ≥ min_spend_c·y_mc   at most one coupon per order
//	0 ≤ d_mc ≤ amount_off_c·y_mc, d_mc ≤ S_m        its discount, never above the subtotal
//	minimise Σ_m S_m + fee_m·(u_m − z_m) − Σ_c d_mc
//
// The solver picks the best coupon and takes free shipping whenever allowed,
// which is what the rules say a merchant does. The test then checks three
// things: the optimiser's total equals the MILP optimum; the MILP's own
// assignment, priced through skills.PriceCart, costs exactly the MILP's
// objective (so a pricing-rule bug shows up as a disagreement); and the
// oracle saw threshold and coupon interactions.

func glpsolPath(t testing.TB) string {
	if p := os.Getenv("CARTWRIGHT_GLPSOL"); p != "" {
		return p
	}
	p, err := exec.LookPath("glpsol")
	if err != nil {
		t.Skip("glpsol (Debian package glpk-utils) is not installed: run scripts/install-glpk.sh or set CARTWRIGHT_GLPSOL")
	}
	return p
}

// writeMILP renders p in CPLEX LP format; vars maps x column names back to
// (item, offer).
func writeMILP(p Problem) (lp string, vars map[string][2]int) {
	var obj, st, bin strings.Builder
	vars = map[string][2]int{}
	mi := map[string]int{}
	for _, id := range sortedKeys(p.Merchants) {
		mi[id] = len(mi)
	}
	sub := make([][]string, len(mi)) // subtotal terms per merchant
	for i, it := range p.Items {
		var row []string
		for o, of := range it.Offers {
			m := mi[of.Merchant]
			x := fmt.Sprintf("x%d_%d", i, o)
			vars[x] = [2]int{i, o}
			row = append(row, x)
			sub[m] = append(sub[m], fmt.Sprintf("- %d %s", of.UnitPrice.Minor*int64(it.Quantity), x))
			fmt.Fprintf(&st, " xu%d_%d: %s - u%d <= 0\n", i, o, x, m)
			fmt.Fprintf(&bin, " %s", x)
		}
		fmt.Fprintf(&st, " a%d: %s = 1\n", i, strings.Join(row, " + "))
	}
	fmt.Fprintf(&obj, " obj:")
	for _, id := range sortedKeys(p.Merchants) {
		m, info := mi[id], p.Merchants[id]
		if len(sub[m]) == 0 {
			continue
		}
		fmt.Fprintf(&st, " s%d: S%d %s = 0\n", m, m, strings.Join(sub[m], " "))
		fee := info.Shipping.Fee.Minor
		fmt.Fprintf(&obj, " + S%d + %d u%d", m, fee, m)
		fmt.Fprintf(&bin, " u%d", m)
		if info.Shipping.FreeOver != nil {
			fmt.Fprintf(&obj, " - %d z%d", fee, m)
			fmt.Fprintf(&st, " zu%d: z%d - u%d <= 0\n zf%d: S%d - %d z%d >= 0\n", m, m, m, m, m, info.Shipping.FreeOver.Minor, m)
			fmt.Fprintf(&bin, " z%d", m)
		}
		if len(info.Coupons) > 0 {
			var ys []string
			for c, cp := range info.Coupons {
				y, d := fmt.Sprintf("y%d_%d", m, c), fmt.Sprintf("d%d_%d", m, c)
				ys = append(ys, y)
				fmt.Fprintf(&obj, " - %s", d)
				fmt.Fprintf(&st, " cm%d_%d: S%d - %d %s >= 0\n", m, c, m, cp.MinSpend.Minor, y)
				fmt.Fprintf(&st, " da%d_%d: %s - %d %s <= 0\n", m, c, d, cp.AmountOff.Minor, y)
				fmt.Fprintf(&st, " ds%d_%d: %s - S%d <= 0\n", m, c, d, m)
				fmt.Fprintf(&bin, " %s", y)
			}
			fmt.Fprintf(&st, " cu%d: %s - u%d <= 0\n", m, strings.Join(ys, " + "), m)
		}
	}
	return "Minimize\n" + obj.String() + "\nSubject To\n" + st.String() + "Binary\n" + bin.String() + "\nEnd\n", vars
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// solveMILP runs glpsol and returns the optimum and the chosen offer per item.
func solveMILP(t *testing.T, glpsol, dir string, n int, p Problem) (int64, []int, time.Duration) {
	t.Helper()
	lp, vars := writeMILP(p)
	in, out := filepath.Join(dir, fmt.Sprintf("p%d.lp", n)), filepath.Join(dir, fmt.Sprintf("p%d.txt", n))
	if err := os.WriteFile(in, []byte(lp), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command(glpsol, "--lp", in, "--mipgap", "0", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("case %d: glpsol: %v\n%s", n, err, b)
	}
	took := time.Since(start)
	rep, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	obj, choice := int64(math.MinInt64), make([]int, len(p.Items))
	for i := range choice {
		choice[i] = -1
	}
	sc := bufio.NewScanner(bytes.NewReader(rep))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 2 && f[0] == "Status:" && f[1] != "INTEGER":
			t.Fatalf("case %d: glpsol status %s\n%s", n, strings.Join(f[1:], " "), lp)
		case len(f) >= 4 && f[0] == "Objective:":
			v, err := strconv.ParseFloat(f[3], 64)
			if err != nil {
				t.Fatalf("case %d: objective %q", n, f[3])
			}
			obj = int64(math.Round(v))
		case len(f) >= 4 && f[2] == "*":
			if io, ok := vars[f[1]]; ok {
				if v, _ := strconv.ParseFloat(f[3], 64); v > 0.5 {
					choice[io[0]] = io[1]
				}
			}
		}
	}
	if obj == math.MinInt64 {
		t.Fatalf("case %d: no objective in glpsol's report:\n%s", n, rep)
	}
	for i, c := range choice {
		if c < 0 {
			t.Fatalf("case %d: glpsol chose no offer for item %d", n, i)
		}
	}
	return obj, choice, took
}

// TestSolveMatchesMILP: 1,200 random instances (the property test's small
// worlds and close-priced ones with several merchants whose thresholds and
// coupons interact) solved by the optimiser and by GLPK.
func TestSolveMatchesMILP(t *testing.T) {
	glpsol := glpsolPath(t)
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(14, 2026))
	var ours, theirs time.Duration
	beat, coupons, freeShip, both := 0, 0, 0, 0
	const cases = 1200
	for n := 0; n < cases; n++ {
		var p Problem
		if n%2 == 0 {
			p = randomProblem(r)
		} else {
			p = scaleProblem(r, 2+r.IntN(5), 2+r.IntN(3), 1+r.IntN(2))
		}
		start := time.Now()
		sol, err := Solve(p)
		ours += time.Since(start)
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		obj, choice, took := solveMILP(t, glpsol, dir, n, p)
		theirs += took
		if sol.Basket.Total.Minor != obj {
			t.Fatalf("case %d: optimiser %s (%s), MILP optimum %d\nproblem: %+v", n, sol.Basket.Total, describe(&sol.Basket), obj, p)
		}
		priced, err := Price(p, choice)
		if err != nil {
			t.Fatal(err)
		}
		if priced.Total.Minor != obj {
			t.Fatalf("case %d: the MILP's basket %s costs %d by its own rules but %s by skills.PriceCart", n, describe(&priced), obj, priced.Total)
		}
		if sol.Baseline.Total.Minor > obj {
			beat++
		}
		c, f := false, false
		for _, cart := range sol.Basket.Carts {
			info := p.Merchants[cart.Merchant]
			c = c || cart.Totals.Coupon != ""
			f = f || info.Shipping.FreeOver != nil && info.Shipping.Fee.Minor > 0 && cart.Totals.Shipping.Minor == 0
		}
		if c {
			coupons++
		}
		if f {
			freeShip++
		}
		if c && f {
			both++
		}
	}
	t.Logf("%d instances: optimiser %v in all, glpsol %v in all (process start included); ratio optimiser:MILP = 1:%.0f",
		cases, ours, theirs, float64(theirs)/float64(max(ours, 1)))
	t.Logf("optimum below the per-item cheapest in %d; a coupon in %d, free shipping reached in %d, both in %d", beat, coupons, freeShip, both)
	if beat < cases/10 || both < cases/20 {
		t.Fatalf("too few threshold/coupon interactions (%d beat the per-item cheapest, %d use both): the generators are too weak", beat, both)
	}
}
