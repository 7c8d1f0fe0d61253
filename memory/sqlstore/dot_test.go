package sqlstore

import (
	"github.com/cartwright-agent/cartwright/memory"
	"math/rand/v2"
	"testing"
)

func TestDotMatchesSequential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 50; n++ {
		d := r.IntN(40)
		a, b := make([]float32, d), make([]float32, d)
		var want float64
		for i := range a {
			a[i], b[i] = r.Float32()-0.5, r.Float32()-0.5
			want += float64(a[i]) * float64(b[i])
		}
		if got := float64(Dot(a, b)); got-want > 1e-5 || want-got > 1e-5 {
			t.Fatalf("dim %d: Dot %v, want %v", d, got, want)
		}
	}
}

// BenchmarkScan: the matrix scan alone, 10k rows of 384 dimensions.
func BenchmarkScan(b *testing.B) {
	const n, d = 10000, 384
	r := rand.New(rand.NewPCG(1, 2))
	u := &userMatrix{dim: d, ids: make([]string, n), kinds: make([]memory.Kind, n), vecs: make([]float32, n*d)}
	for i := range u.vecs {
		u.vecs[i] = r.Float32() - 0.5
	}
	for i := range u.ids {
		u.ids[i] = string(rune('a' + i%26))
	}
	q := u.vecs[:d]
	for b.Loop() {
		u.scan(q, nil, &topK{k: 5})
	}
}
