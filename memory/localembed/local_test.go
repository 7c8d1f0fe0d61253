package localembed_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/memorytest"
	"github.com/cartwright-agent/cartwright/memory/sqlstore"
	"github.com/cartwright-agent/cartwright/skills/store"
)

func cos(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func embed(t testing.TB, e *localembed.Embedder, texts ...string) [][]float32 {
	t.Helper()
	v, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVectorsAreUnitAndDeterministic(t *testing.T) {
	e := localembed.Default()
	if e.Dim() != 384 || e.Name() != "cartwright-local-v1" {
		t.Fatalf("%s %d", e.Name(), e.Dim())
	}
	a := embed(t, e, "I am lactose intolerant", "I am lactose intolerant", "抹茶拿铁")
	if !reflect.DeepEqual(a[0], a[1]) {
		t.Fatal("same text, different vectors")
	}
	for i, v := range a {
		if len(v) != 384 {
			t.Fatalf("vector %d has %d dims", i, len(v))
		}
		if n := cos(v, v); math.Abs(n-1) > 1e-5 {
			t.Fatalf("vector %d has norm² %v", i, n)
		}
	}
	// Another instance (another process) gives the same vectors: nothing
	// random, nothing depending on map order.
	b := embed(t, localembed.Default(), "I am lactose intolerant")
	if !reflect.DeepEqual(a[0], b[0]) {
		t.Fatal("vectors differ between instances")
	}
}

func TestConfig(t *testing.T) {
	for _, d := range []int{-1, 10, 63, 5000} {
		if _, err := localembed.New(localembed.Config{Dim: d}); err == nil {
			t.Errorf("Dim %d: want error", d)
		}
	}
	e, err := localembed.New(localembed.Config{Dim: 64, NoConcepts: true})
	if err != nil || e.Dim() != 64 || e.Name() != "cartwright-local-v1-noconcepts" {
		t.Fatalf("%v %v", e, err)
	}
}

func TestNoWords(t *testing.T) {
	_, err := localembed.Default().Embed(context.Background(), []string{"ok", "?!… --"})
	if !errors.Is(err, memory.ErrInvalid) || !strings.Contains(err.Error(), "text 1") {
		t.Fatalf("want ErrInvalid naming text 1, got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := localembed.Default().Embed(ctx, []string{"tea"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"I don't like Allergies!":  "i dont like allergy",
		"Size M t-shirts, 2 boxes": "size m t shirt 2 box",
		"抹茶 latte":                 "抹 茶 latte",
		"glass classes bus":        "glass class bus",
	} {
		if got := strings.Join(localembed.Words(in), " "); got != want {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConcepts(t *testing.T) {
	for in, want := range map[string][]string{
		"I am lactose intolerant":       {"allergy", "dairy"},
		"which milk for my latte":       {"coffee", "dairy", "drink"},
		"a medium t-shirt":              {"apparel", "size", "size-m"},
		"I prefer Huggies over Pampers": {"baby", "brand"},
		"deliver to the office":         {"address", "office"},
		"board games":                   {},
	} {
		got := localembed.Concepts(localembed.Words(in))
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Concepts(%q) = %v, want %v", in, got, want)
		}
	}
	if n := len(localembed.ConceptNames()); n < 40 {
		t.Errorf("%d concepts", n)
	}
}

// Similar meaning scores higher than unrelated text, with no shared word.
func TestConceptsBridgeWords(t *testing.T) {
	e := localembed.Default()
	plain, _ := localembed.New(localembed.Config{NoConcepts: true})
	for _, tc := range []struct{ a, near, far string }{
		{"I am lactose intolerant", "which milk for my cappuccino", "a phone charger"},
		{"I wear size M", "a medium t-shirt", "green tea"},
		{"My office is at 88 Century Avenue", "deliver it to work", "a birthday cake"},
		{"I prefer Huggies over Pampers", "which diaper brand", "oat milk"},
		{"I have a tree nut allergy", "cookies with almonds", "a winter coat"},
	} {
		v := embed(t, e, tc.a, tc.near, tc.far)
		if cos(v[0], v[1]) <= cos(v[0], v[2]) {
			t.Errorf("%q: near %q (%.3f) should beat far %q (%.3f)", tc.a, tc.near, cos(v[0], v[1]), tc.far, cos(v[0], v[2]))
		}
		p := embed(t, plain, tc.a, tc.near)
		t.Logf("%-36q ~ %-30q concepts %.3f, hashing only %.3f", tc.a, tc.near, cos(v[0], v[1]), cos(p[0], p[1]))
	}
}

// recall evaluates an embedder on a labelled set through the embedded store.
func recall(tb testing.TB, e memory.Embedder, set memorytest.Set) memorytest.Report {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "state.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	st, err := sqlstore.Open(ctx, sqlstore.Config{DB: db})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := memory.New(memory.Config{Store: st, Embedder: e})
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := memorytest.Evaluate(ctx, m, set, "u-", 5)
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// What the concept table buys, measured on both labelled sets.
func TestRecallWithAndWithoutConcepts(t *testing.T) {
	plain, _ := localembed.New(localembed.Config{NoConcepts: true})
	for _, load := range []struct {
		name string
		fn   func() (memorytest.Set, error)
	}{{"retrieval.txt (tuning)", memorytest.RetrievalSet}, {"heldout.txt (held out)", memorytest.HeldOutSet}} {
		set, err := load.fn()
		if err != nil {
			t.Fatal(err)
		}
		with := recall(t, localembed.Default(), set)
		without := recall(t, plain, set)
		t.Logf("%s: with concepts %s", load.name, with)
		t.Logf("%s: hashing only  %s", load.name, without)
		if with.Recall() <= without.Recall() {
			t.Errorf("%s: the concept table does not help: %.3f vs %.3f", load.name, with.Recall(), without.Recall())
		}
		if with.CFound != with.Critical {
			t.Errorf("%s: planner-critical %d/%d", load.name, with.CFound, with.Critical)
		}
	}
	if set, _ := memorytest.RetrievalSet(); set.Pairs() < 100 {
		t.Errorf("retrieval set has %d pairs, want ≥ 100", set.Pairs())
	}
}

// BenchmarkRecall reports recall@5 as a metric (go test -bench Recall).
func BenchmarkRecall(b *testing.B) {
	sets := map[string]func() (memorytest.Set, error){"tuning": memorytest.RetrievalSet, "heldout": memorytest.HeldOutSet}
	for name, load := range sets {
		set, err := load()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			var rep memorytest.Report
			for b.Loop() {
				rep = recall(b, localembed.Default(), set)
			}
			b.ReportMetric(rep.Recall(), "recall@5")
			b.ReportMetric(rep.MRR, "MRR")
		})
	}
}

func BenchmarkEmbed(b *testing.B) {
	e := localembed.Default()
	text := []string{"I prefer oat milk in my latte, large, from Luckin, delivered to the office"}
	for b.Loop() {
		if _, err := e.Embed(context.Background(), text); err != nil {
			b.Fatal(err)
		}
	}
}
