// Package memorytest is the conformance suite every memory.Store passes
// (memory/sqlstore, memory/pgvector), plus the labelled retrieval set
// (testdata/retrieval.txt, testdata/heldout.txt) and its evaluation.
//
// A store's test calls Run with a function that opens a fresh, empty store
// for each subtest (a new file, or a new table prefix on a shared server).
package memorytest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/skills"
)

// Options tunes the suite to a backend.
type Options struct {
	// NoConcurrency skips the concurrent-writers test (PGlite serves every
	// connection from one session: no concurrency tests there).
	NoConcurrency bool
}

// Open returns a fresh, empty store; cleanup is the caller's (t.Cleanup).
type Open func(t *testing.T) memory.Store

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Open, opt Options) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Open)
	}{
		{"AddListSearch", testAddListSearch},
		{"AddIsIdempotent", testIdempotent},
		{"InferKind", testInferKind},
		{"UserIsolation", testIsolation},
		{"Forget", testForget},
		{"KindsFilter", testKindsFilter},
		{"BadInput", testBadInput},
		{"WrongDimensionVector", testWrongDimension},
		{"EmbedderMismatchAndReembed", testMismatchReembed},
		{"ForPlannerAndRecordPurchase", testForPlanner},
		{"RetrievalQuality", testRetrieval},
	}
	if !opt.NoConcurrency {
		tests = append(tests, struct {
			name string
			fn   func(t *testing.T, open Open)
		}{"ConcurrentWriters", testConcurrent})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

func newMem(t *testing.T, st memory.Store, e memory.Embedder) *memory.Service {
	t.Helper()
	if e == nil {
		e = localembed.Default()
	}
	m, err := memory.New(memory.Config{Store: st, Embedder: e})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustAdd(t *testing.T, m memory.Memory, e memory.Entry) memory.Entry {
	t.Helper()
	got, err := m.Add(context.Background(), e)
	if err != nil {
		t.Fatalf("Add(%q): %v", e.Text, err)
	}
	return got
}

func ids(es []memory.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func hitIDs(hs []memory.Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}

func testAddListSearch(t *testing.T, open Open) {
	ctx := context.Background()
	m := newMem(t, open(t), nil)
	start := time.Now().UTC().Add(-time.Second)
	a := mustAdd(t, m, memory.Entry{UserID: "u1", Kind: memory.Constraint, Text: "I am lactose intolerant", Source: "user"})
	b := mustAdd(t, m, memory.Entry{UserID: "u1", Kind: memory.Profile, Text: "  My office is at   88 Century Avenue, Floor 12 ", Source: "cli"})
	c := mustAdd(t, m, memory.Entry{UserID: "u1", Kind: memory.Preference, Text: "I prefer Nike running shoes"})
	if a.ID == "" || a.ID == b.ID || b.ID == c.ID {
		t.Fatalf("ids not unique and set: %q %q %q", a.ID, b.ID, c.ID)
	}
	if b.Text != "My office is at 88 Century Avenue, Floor 12" {
		t.Errorf("text not tidied: %q", b.Text)
	}
	if a.CreatedAt.Before(start) || a.Source != "user" || a.UserID != "u1" || a.Kind != memory.Constraint {
		t.Errorf("entry fields: %+v", a)
	}
	got, err := m.List(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != a.ID || got[1].ID != b.ID || got[2].ID != c.ID {
		t.Fatalf("List: want [%s %s %s] oldest first, got %v", a.ID, b.ID, c.ID, ids(got))
	}
	if got[1].Text != b.Text || got[1].Kind != memory.Profile || got[1].Source != "cli" || !got[1].CreatedAt.Equal(b.CreatedAt) {
		t.Errorf("List round trip: got %+v, added %+v", got[1], b)
	}
	hits, err := m.Search(ctx, memory.Query{UserID: "u1", Text: "which milk for my latte", K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].ID != a.ID {
		t.Fatalf("Search(milk): want %s first of 2, got %v", a.ID, hitIDs(hits))
	}
	if hits[0].Score < hits[1].Score || hits[0].Score > 1.0001 || hits[0].Score <= 0 {
		t.Errorf("scores not descending cosine: %v, %v", hits[0].Score, hits[1].Score)
	}
	if hits[0].Text != a.Text || hits[0].Kind != a.Kind || hits[0].UserID != "u1" {
		t.Errorf("hit entry: %+v", hits[0].Entry)
	}
	// Exactly the same text scores ~1.
	hits, err = m.Search(ctx, memory.Query{UserID: "u1", Text: "I prefer Nike running shoes"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 3 || hits[0].ID != c.ID || hits[0].Score < 0.999 {
		t.Fatalf("Search(same text): want %s at ~1 first of 3 (K defaults to %d), got %+v", c.ID, memory.DefaultK, hits)
	}
	// A user with no entries gets nothing, not an error.
	hits, err = m.Search(ctx, memory.Query{UserID: "nobody", Text: "milk"})
	if err != nil || len(hits) != 0 {
		t.Fatalf("Search(nobody): %v, %v", hits, err)
	}
}

func testIdempotent(t *testing.T, open Open) {
	ctx := context.Background()
	m := newMem(t, open(t), nil)
	a := mustAdd(t, m, memory.Entry{UserID: "u1", Text: "I prefer oat milk"})
	b := mustAdd(t, m, memory.Entry{UserID: "u1", Text: "  i PREFER oat   milk "})
	if a.ID != b.ID || b.Text != a.Text || !b.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("second Add of the same text: want existing %+v, got %+v", a, b)
	}
	c := mustAdd(t, m, memory.Entry{UserID: "u2", Text: "I prefer oat milk"})
	if c.ID == a.ID {
		t.Fatal("same text for another user must be another entry")
	}
	got, _ := m.List(ctx, "u1")
	if len(got) != 1 {
		t.Fatalf("u1 has %d entries, want 1", len(got))
	}
}

func testInferKind(t *testing.T, open Open) {
	m := newMem(t, open(t), nil)
	for text, want := range map[string]memory.Kind{
		"I'm allergic to peanuts":                 memory.Constraint,
		"My address is 1 Main St":                 memory.Profile,
		"I like dark roast coffee":                memory.Preference,
		"Bought 2 × Oat Latte (order ord_1)":      memory.History,
		"Nothing special about this sentence ok.": memory.Preference,
	} {
		e := mustAdd(t, m, memory.Entry{UserID: "u1", Text: text})
		if e.Kind != want {
			t.Errorf("Add(%q) with no kind: got %s, want %s", text, e.Kind, want)
		}
	}
	e := mustAdd(t, m, memory.Entry{UserID: "u1", Kind: memory.Preference, Text: "never mind the sugar"})
	if e.Kind != memory.Preference {
		t.Errorf("an explicit kind must be kept, got %s", e.Kind)
	}
}

func testIsolation(t *testing.T, open Open) {
	ctx := context.Background()
	m := newMem(t, open(t), nil)
	a := mustAdd(t, m, memory.Entry{UserID: "alice", Kind: memory.Constraint, Text: "I am allergic to peanuts"})
	mustAdd(t, m, memory.Entry{UserID: "alice", Kind: memory.Profile, Text: "My home is 1 Alice Road"})
	b := mustAdd(t, m, memory.Entry{UserID: "bob", Kind: memory.Constraint, Text: "I am allergic to peanuts and shellfish"})
	mustAdd(t, m, memory.Entry{UserID: "bob", Kind: memory.Profile, Text: "My home is 2 Bob Street"})
	// A user id that is a prefix or case variant of another is another user.
	mustAdd(t, m, memory.Entry{UserID: "Alice", Kind: memory.Profile, Text: "My home is 3 Capital Lane"})

	for _, u := range []string{"alice", "bob", "Alice"} {
		hits, err := m.Search(ctx, memory.Query{UserID: u, Text: "peanut allergy home address", K: 10})
		if err != nil {
			t.Fatal(err)
		}
		list, err := m.List(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.UserID != u {
				t.Errorf("Search as %s returned %s's entry %s", u, h.UserID, h.ID)
			}
		}
		for _, e := range list {
			if e.UserID != u {
				t.Errorf("List as %s returned %s's entry %s", u, e.UserID, e.ID)
			}
		}
		if want := map[string]int{"alice": 2, "bob": 2, "Alice": 1}[u]; len(list) != want || len(hits) != want {
			t.Errorf("%s: list %d, hits %d, want %d", u, len(list), len(hits), want)
		}
	}
	// Forgetting another user's entry by id fails and deletes nothing.
	if err := m.Forget(ctx, "bob", a.ID); !errors.Is(err, memory.ErrNotFound) {
		t.Fatalf("bob forgetting alice's entry: want ErrNotFound, got %v", err)
	}
	if got, _ := m.List(ctx, "alice"); len(got) != 2 {
		t.Fatalf("alice lost entries: %v", ids(got))
	}
	n, err := m.ForgetAll(ctx, "alice")
	if err != nil || n != 2 {
		t.Fatalf("ForgetAll(alice) = %d, %v; want 2", n, err)
	}
	if got, _ := m.List(ctx, "bob"); len(got) != 2 || got[0].ID != b.ID {
		t.Fatalf("ForgetAll(alice) touched bob: %v", ids(got))
	}
	if got, _ := m.List(ctx, "Alice"); len(got) != 1 {
		t.Fatalf("ForgetAll(alice) touched Alice: %v", ids(got))
	}
}

func testForget(t *testing.T, open Open) {
	ctx := context.Background()
	m := newMem(t, open(t), nil)
	a := mustAdd(t, m, memory.Entry{UserID: "u1", Text: "I prefer oat milk"})
	b := mustAdd(t, m, memory.Entry{UserID: "u1", Text: "My phone is 138 0013 8000"})
	if err := m.Forget(ctx, "u1", a.ID); err != nil {
		t.Fatal(err)
	}
	if err := m.Forget(ctx, "u1", a.ID); !errors.Is(err, memory.ErrNotFound) {
		t.Fatalf("second Forget: want ErrNotFound, got %v", err)
	}
	got, _ := m.List(ctx, "u1")
	if len(got) != 1 || got[0].ID != b.ID {
		t.Fatalf("after Forget: %v", ids(got))
	}
	hits, _ := m.Search(ctx, memory.Query{UserID: "u1", Text: "oat milk"})
	for _, h := range hits {
		if h.ID == a.ID {
			t.Fatal("a forgotten entry is still found by Search")
		}
	}
	// Forgotten text can be added again (a fresh entry).
	c := mustAdd(t, m, memory.Entry{UserID: "u1", Text: "I prefer oat milk"})
	if c.ID == a.ID {
		t.Fatal("re-adding forgotten text returned the forgotten id")
	}
	if n, err := m.ForgetAll(ctx, "u1"); err != nil || n != 2 {
		t.Fatalf("ForgetAll = %d, %v; want 2", n, err)
	}
	if n, err := m.ForgetAll(ctx, "u1"); err != nil || n != 0 {
		t.Fatalf("ForgetAll on empty = %d, %v; want 0", n, err)
	}
}

func testKindsFilter(t *testing.T, open Open) {
	ctx := context.Background()
	m := newMem(t, open(t), nil)
	con := mustAdd(t, m, memory.Entry{UserID: "u1", Kind: memory.Constraint, Text: "No dairy milk, I am lactose intolerant"})
	pref := mustAdd(t, m, memory.Entry{UserID: "u1", Kind: memory.Preference, Text: "I prefer oat milk in my latte"})
	hist := mustAdd(t, m, memory.Entry{UserID: "u1", Kind: memory.History, Text: "Bought 2 × Oat Milk Latte (order ord_9)"})
	prof := mustAdd(t, m, memory.Entry{UserID: "u1", Kind: memory.Profile, Text: "My office is at 1 Milk Street"})
	hits, err := m.Search(ctx, memory.Query{UserID: "u1", Text: "milk latte", K: 10, Kinds: []memory.Kind{memory.Preference, memory.History}})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(hitIDs(hits), ",")
	if len(hits) != 2 || !strings.Contains(got, pref.ID) || !strings.Contains(got, hist.ID) {
		t.Fatalf("Search kinds=preference,history: got %v", got)
	}
	list, err := m.List(ctx, "u1", memory.Constraint, memory.Profile)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != con.ID || list[1].ID != prof.ID {
		t.Fatalf("List constraint,profile: %v", ids(list))
	}
}

func testBadInput(t *testing.T, open Open) {
	ctx := context.Background()
	m := newMem(t, open(t), nil)
	mustAdd(t, m, memory.Entry{UserID: "u1", Text: "I prefer oat milk"})
	huge := strings.Repeat("oat milk ", memory.MaxTextBytes/8)
	adds := []struct {
		e    memory.Entry
		want string
	}{
		{memory.Entry{UserID: "u1", Text: ""}, "text: empty"},
		{memory.Entry{UserID: "u1", Text: "   \n\t "}, "text: empty"},
		{memory.Entry{UserID: "u1", Text: huge}, "text: "},
		{memory.Entry{UserID: "u1", Text: "bad \xff utf8"}, "not valid UTF-8"},
		{memory.Entry{UserID: "u1", Text: "nul \x00 byte"}, "control character"},
		{memory.Entry{UserID: "", Text: "I like tea"}, "user_id: empty"},
		{memory.Entry{UserID: strings.Repeat("u", memory.MaxUserIDBytes+1), Text: "I like tea"}, "user_id: "},
		{memory.Entry{UserID: "u1", Kind: "wish", Text: "I like tea"}, `kind "wish"`},
		{memory.Entry{UserID: "u1", Text: "!!! ??? ..."}, "nothing to embed"},
		{memory.Entry{UserID: "u1", ID: "has space", Text: "I like tea"}, "id "},
		{memory.Entry{UserID: "u1", ID: strings.Repeat("i", 101), Text: "I like tea"}, "id "},
	}
	for _, tc := range adds {
		_, err := m.Add(ctx, tc.e)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Add(%.40q, user %.20q, kind %q): want error containing %q, got %v", tc.e.Text, tc.e.UserID, tc.e.Kind, tc.want, err)
		}
		if err != nil && !errors.Is(err, memory.ErrInvalid) {
			t.Errorf("Add(%.40q): error %v is not ErrInvalid", tc.e.Text, err)
		}
	}
	searches := []struct {
		q    memory.Query
		want string
	}{
		{memory.Query{UserID: "u1", Text: ""}, "query: empty"},
		{memory.Query{UserID: "u1", Text: huge}, "query: "},
		{memory.Query{UserID: "", Text: "milk"}, "user_id: empty"},
		{memory.Query{UserID: "u1", Text: "milk", K: -1}, "k: -1"},
		{memory.Query{UserID: "u1", Text: "milk", K: memory.MaxK + 1}, "k: "},
		{memory.Query{UserID: "u1", Text: "milk", Kinds: []memory.Kind{"wish"}}, `kind "wish"`},
	}
	for _, tc := range searches {
		_, err := m.Search(ctx, tc.q)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, memory.ErrInvalid) {
			t.Errorf("Search(%+.40v): want ErrInvalid containing %q, got %v", tc.q, tc.want, err)
		}
	}
	if _, err := m.List(ctx, "u1", "wish"); err == nil {
		t.Error("List with an unknown kind: want error")
	}
	if err := m.Forget(ctx, "u1", ""); !errors.Is(err, memory.ErrInvalid) {
		t.Errorf("Forget with empty id: want ErrInvalid, got %v", err)
	}
	if _, err := m.ForgetAll(ctx, ""); !errors.Is(err, memory.ErrInvalid) {
		t.Errorf("ForgetAll with empty user: want ErrInvalid, got %v", err)
	}
	// No partial side effect: the one good entry is all there is.
	if got, _ := m.List(ctx, "u1"); len(got) != 1 {
		t.Fatalf("bad input left entries behind: %v", ids(got))
	}
}

func testWrongDimension(t *testing.T, open Open) {
	ctx := context.Background()
	st := open(t)
	m := newMem(t, st, nil)
	mustAdd(t, m, memory.Entry{UserID: "u1", Text: "I prefer oat milk"})
	sp := memory.SpaceOf(localembed.Default())
	now := time.Now()
	// A vector of the wrong length for the store's own space.
	_, err := st.Insert(ctx, memory.Record{
		Entry:  memory.Entry{ID: memory.NewID(), UserID: "u1", Kind: memory.Preference, Text: "short vector", CreatedAt: now},
		Vector: make([]float32, sp.Dim-1), Space: sp,
	})
	if err == nil || !strings.Contains(err.Error(), "dimensions") {
		t.Fatalf("Insert of a %d-dim vector into a %d-dim store: want a dimension error, got %v", sp.Dim-1, sp.Dim, err)
	}
	// A vector from another space.
	other := memory.Space{Embedder: sp.Embedder, Dim: 16}
	_, err = st.Insert(ctx, memory.Record{
		Entry:  memory.Entry{ID: memory.NewID(), UserID: "u1", Kind: memory.Preference, Text: "other space", CreatedAt: now},
		Vector: make([]float32, 16), Space: other,
	})
	if !errors.Is(err, memory.ErrEmbedderMismatch) {
		t.Fatalf("Insert in another space: want ErrEmbedderMismatch, got %v", err)
	}
	_, err = st.Nearest(ctx, memory.NearestQuery{UserID: "u1", Vector: make([]float32, 16), Space: other, K: 3})
	if !errors.Is(err, memory.ErrEmbedderMismatch) {
		t.Fatalf("Nearest in another space: want ErrEmbedderMismatch, got %v", err)
	}
	_, err = st.Nearest(ctx, memory.NearestQuery{UserID: "u1", Vector: make([]float32, 7), Space: sp, K: 3})
	if err == nil || !strings.Contains(err.Error(), "dimensions") {
		t.Fatalf("Nearest with a 7-dim vector: want a dimension error, got %v", err)
	}
	// An embedder that returns the wrong dimension is caught before the store.
	bad := newMem(t, st, lyingEmbedder{sp: sp})
	if _, err := bad.Add(ctx, memory.Entry{UserID: "u1", Text: "anything"}); err == nil || !strings.Contains(err.Error(), "dimensional") {
		t.Fatalf("embedder returning short vectors: want error, got %v", err)
	}
	if got, _ := m.List(ctx, "u1"); len(got) != 1 {
		t.Fatalf("failed inserts left entries: %v", ids(got))
	}
}

// lyingEmbedder claims sp but returns vectors of half the dimension.
type lyingEmbedder struct{ sp memory.Space }

func (l lyingEmbedder) Name() string { return l.sp.Embedder }
func (l lyingEmbedder) Dim() int     { return l.sp.Dim }
func (l lyingEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = make([]float32, l.sp.Dim/2)
		out[i][0] = 1
	}
	return out, nil
}

func testMismatchReembed(t *testing.T, open Open) {
	ctx := context.Background()
	st := open(t)
	sp, err := st.Space(ctx)
	if err != nil || !sp.IsZero() {
		t.Fatalf("fresh store space = %v, %v; want zero", sp, err)
	}
	// Reembedding an empty store just records the space.
	small, err := localembed.New(localembed.Config{Dim: 128})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := memory.Reembed(ctx, st, small); err != nil || n != 0 {
		t.Fatalf("Reembed(empty) = %d, %v", n, err)
	}
	if sp, _ := st.Space(ctx); sp != memory.SpaceOf(small) {
		t.Fatalf("space after Reembed(empty) = %v", sp)
	}
	m := newMem(t, st, small)
	var added []memory.Entry
	for i, text := range []string{"I am lactose intolerant", "My office is at 88 Century Avenue", "I prefer Nike running shoes",
		"Bought 1 × Oat Latte (order ord_1)", "I wear size M", "I like green tea"} {
		added = append(added, mustAdd(t, m, memory.Entry{UserID: fmt.Sprintf("u%d", i%2), Text: text}))
	}
	// Another embedder (another name, or another dimension) is refused.
	for _, e := range []memory.Embedder{localembed.Default(), mustLocal(t, localembed.Config{Dim: 128, NoConcepts: true})} {
		other := newMem(t, st, e)
		_, err := other.Search(ctx, memory.Query{UserID: "u0", Text: "milk"})
		if !errors.Is(err, memory.ErrEmbedderMismatch) || !strings.Contains(err.Error(), "reembed") {
			t.Fatalf("Search with %s over %s vectors: want ErrEmbedderMismatch naming the remedy, got %v", memory.SpaceOf(e), memory.SpaceOf(small), err)
		}
		if _, err := other.Add(ctx, memory.Entry{UserID: "u0", Text: "I like tea"}); !errors.Is(err, memory.ErrEmbedderMismatch) {
			t.Fatalf("Add with %s: want ErrEmbedderMismatch, got %v", memory.SpaceOf(e), err)
		}
	}
	// Reembed with the default embedder: every entry of every user.
	def := localembed.Default()
	n, err := memory.Reembed(ctx, st, def)
	if err != nil || n != len(added) {
		t.Fatalf("Reembed = %d, %v; want %d", n, err, len(added))
	}
	if sp, _ := st.Space(ctx); sp != memory.SpaceOf(def) {
		t.Fatalf("space after Reembed = %v", sp)
	}
	m2 := newMem(t, st, def)
	hits, err := m2.Search(ctx, memory.Query{UserID: "u0", Text: "which milk for my latte", K: 1})
	if err != nil || len(hits) != 1 || hits[0].ID != added[0].ID {
		t.Fatalf("Search after Reembed: %v, %v", hits, err)
	}
	hits, err = m2.Search(ctx, memory.Query{UserID: "u0", Text: "I prefer Nike running shoes", K: 1})
	if err != nil || len(hits) != 1 || hits[0].Score < 0.999 {
		t.Fatalf("Search after Reembed (same text): %v, %v", hits, err)
	}
	if _, err := m.Search(ctx, memory.Query{UserID: "u0", Text: "milk"}); !errors.Is(err, memory.ErrEmbedderMismatch) {
		t.Fatalf("old embedder after Reembed: want ErrEmbedderMismatch, got %v", err)
	}
	// Entries are unchanged apart from their vectors.
	for _, u := range []string{"u0", "u1"} {
		got, _ := m2.List(ctx, u)
		if len(got) != 3 {
			t.Fatalf("%s after Reembed: %v", u, ids(got))
		}
	}
	// An embedder failing on the second batch leaves the store as it was
	// (all or nothing): fill past one batch first.
	for i := 0; i < memory.ReembedBatch; i++ {
		mustAdd(t, m2, memory.Entry{UserID: "u9", Kind: memory.History, Text: fmt.Sprintf("Bought item %d (order ord_%d)", i, i)})
	}
	calls := 0
	if _, err := memory.Reembed(ctx, st, failingEmbedder{after: 1, calls: &calls}); err == nil || calls != 2 {
		t.Fatal("Reembed with a failing embedder: want error")
	}
	if sp, _ := st.Space(ctx); sp != memory.SpaceOf(def) {
		t.Fatalf("failed Reembed changed the space to %v", sp)
	}
	if hits, err := m2.Search(ctx, memory.Query{UserID: "u0", Text: "I prefer Nike running shoes", K: 1}); err != nil || len(hits) != 1 || hits[0].Score < 0.999 {
		t.Fatalf("failed Reembed changed vectors: %v, %v", hits, err)
	}
}

func mustLocal(t *testing.T, cfg localembed.Config) *localembed.Embedder {
	t.Helper()
	e, err := localembed.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// failingEmbedder embeds its first `after` calls, then fails: a Reembed
// that breaks half way.
type failingEmbedder struct {
	after int
	calls *int
}

func (failingEmbedder) Name() string { return "failing" }
func (failingEmbedder) Dim() int     { return 8 }
func (f failingEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	*f.calls++
	if *f.calls > f.after {
		return nil, errors.New("embedding service unavailable")
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, 0, 0, 0, 0, 0, 0, 0}
	}
	return out, nil
}

func testForPlanner(t *testing.T, open Open) {
	ctx := context.Background()
	m := newMem(t, open(t), nil)
	con := mustAdd(t, m, memory.Entry{UserID: "u1", Text: "I am lactose intolerant"})
	prof := mustAdd(t, m, memory.Entry{UserID: "u1", Text: "My office is at 88 Century Avenue, Floor 12"})
	size := mustAdd(t, m, memory.Entry{UserID: "u1", Kind: memory.Profile, Text: "I wear size M"})
	pref := mustAdd(t, m, memory.Entry{UserID: "u1", Text: "I prefer oat milk in coffee"})
	far := mustAdd(t, m, memory.Entry{UserID: "u1", Text: "I like board games"})
	mustAdd(t, m, memory.Entry{UserID: "u2", Text: "I am allergic to shellfish"})
	items, err := memory.ForPlanner(ctx, m, "u1", "two large oat lattes delivered to the office")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.ID)
		if it.Text == "" || it.Kind == "" {
			t.Errorf("empty planner item %+v", it)
		}
	}
	want := []string{con.ID, prof.ID, size.ID, pref.ID}
	if len(got) < 4 || strings.Join(got[:4], ",") != strings.Join(want, ",") {
		t.Fatalf("ForPlanner: want %v first (constraints, profile, best preference), got %v", want, got)
	}
	for _, id := range got {
		if id == far.ID {
			t.Errorf("ForPlanner included the unrelated preference %q", far.Text)
		}
	}
	if items[0].Kind != "constraint" || items[0].Text != con.Text {
		t.Errorf("planner item: %+v", items[0])
	}

	o := skills.Order{ID: "ord_42", Merchant: "cafe-a", Status: "completed",
		Total:     skills.Money{Minor: 3600, Currency: "CNY"},
		CreatedAt: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC),
		Lines: []skills.QuoteLine{
			{SKU: "latte-oat-l", Title: "Oat Latte (large)", Quantity: 2},
			{SKU: "cup", Title: "Souvenir Cup", Quantity: 1, AddOn: true},
		}}
	h1, err := memory.RecordPurchase(ctx, m, "u1", o)
	if err != nil {
		t.Fatal(err)
	}
	if h1.Kind != memory.History || h1.Source != "order:ord_42" || !strings.Contains(h1.Text, "2 × Oat Latte (large)") ||
		strings.Contains(h1.Text, "Souvenir") || !strings.Contains(h1.Text, "ord_42") || !strings.Contains(h1.Text, "36.00") {
		t.Fatalf("RecordPurchase entry: %+v", h1)
	}
	h2, err := memory.RecordPurchase(ctx, m, "u1", o)
	if err != nil || h2.ID != h1.ID {
		t.Fatalf("recording the same order twice: %v, %v (want the same entry %s)", h2.ID, err, h1.ID)
	}
	items, err = memory.ForPlanner(ctx, m, "u1", "reorder my oat latte")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range items {
		found = found || it.ID == h1.ID
	}
	if !found {
		t.Fatalf("ForPlanner(reorder) misses the purchase history: %+v", items)
	}
	if _, err := memory.RecordPurchase(ctx, m, "u1", skills.Order{ID: "ord_x"}); !errors.Is(err, memory.ErrInvalid) {
		t.Fatalf("RecordPurchase with no lines: want ErrInvalid, got %v", err)
	}
	// With search broken (another embedder than the store's), the hard
	// facts still come back, with the error.
	small, _ := localembed.New(localembed.Config{Dim: 64})
	broken := newMem(t, m.Store(), small)
	items, err = memory.ForPlanner(ctx, broken, "u1", "an oat latte")
	if !errors.Is(err, memory.ErrEmbedderMismatch) || len(items) != 3 || items[0].ID != con.ID {
		t.Fatalf("ForPlanner with search failing: %v, %v; want the constraint and 2 profile items and the error", items, err)
	}
}

func testRetrieval(t *testing.T, open Open) {
	ctx := context.Background()
	for _, load := range []struct {
		name string
		set  func() (Set, error)
	}{{"retrieval.txt (tuning set)", RetrievalSet}, {"heldout.txt (held out)", HeldOutSet}} {
		set, err := load.set()
		if err != nil {
			t.Fatal(err)
		}
		m := newMem(t, open(t), nil)
		rep, err := Evaluate(ctx, m, set, "eval-", 5)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s, local embedder: %s", load.name, rep)
		for _, ms := range rep.Misses {
			if ms.Query.Critical {
				t.Errorf("planner-critical miss (%s line %d): %q should retrieve %s, got %v", load.name, ms.Query.Line, ms.Query.Text, ms.MemoryID, ms.Got)
			}
		}
		if rep.CFound != rep.Critical {
			t.Errorf("%s: planner-critical %d/%d", load.name, rep.CFound, rep.Critical)
		}
	}
}

func testConcurrent(t *testing.T, open Open) {
	ctx := context.Background()
	m := newMem(t, open(t), nil)
	const users, per = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, users*per)
	for u := 0; u < users; u++ {
		wg.Add(1)
		go func(u int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				user := fmt.Sprintf("user%d", u)
				if _, err := m.Add(ctx, memory.Entry{UserID: user, Text: fmt.Sprintf("I like item number %d", i)}); err != nil {
					errs <- err
				}
				if _, err := m.Search(ctx, memory.Query{UserID: user, Text: "item"}); err != nil {
					errs <- err
				}
			}
		}(u)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for u := 0; u < users; u++ {
		got, err := m.List(ctx, fmt.Sprintf("user%d", u))
		if err != nil || len(got) != per {
			t.Errorf("user%d: %d entries, %v; want %d", u, len(got), err, per)
		}
	}
}
