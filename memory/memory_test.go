package memory_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/memorytest"
	"github.com/cartwright-agent/cartwright/skills"
)

func TestInferKindRules(t *testing.T) {
	for _, tc := range []struct {
		text string
		want memory.Kind
	}{
		// 1. constraint
		{"I'm allergic to peanuts", memory.Constraint},
		{"Lactose intolerant", memory.Constraint},
		{"coeliac", memory.Constraint},
		{"Never buy from QuickMart", memory.Constraint},
		{"You must not add sugar", memory.Constraint},
		{"Avoid palm oil", memory.Constraint},
		{"I can't eat shellfish", memory.Constraint},
		{"I cannot have caffeine after 3pm", memory.Constraint},
		{"Don’t buy Adidas", memory.Constraint},
		{"do not send to the office", memory.Constraint},
		{"I am vegan", memory.Constraint},
		{"We're strictly halal", memory.Constraint},
		{"No peanuts please.", memory.Constraint},
		{"Husband is diabetic: no sugary drinks", memory.Constraint},
		// 2. history
		{"Bought 2 lattes last week", memory.History},
		{"I ordered a kettle in May", memory.History},
		{"Last time I got the blue one", memory.History},
		// 3. preference beats profile words
		{"I prefer deliveries to the office", memory.Preference},
		{"I usually wear size M", memory.Preference},
		{"Favourite brand is Luckin", memory.Preference},
		{"I don't like cilantro", memory.Preference}, // a dislike, not a prohibition
		{"Green packaging if possible", memory.Preference},
		// 4. strong profile
		{"My address is 1 Main St", memory.Profile},
		{"I wear size L", memory.Profile},
		{"Ship to 5 Nanjing West Road", memory.Profile},
		{"Call 138 0013 8000", memory.Profile},
		{"Contact: +86 (21) 6543-2100", memory.Profile},
		{"bo@example.com for receipts", memory.Profile},
		{"The kids are 4 and 7 years old", memory.Profile},
		// 5. weak profile
		{"Office: Room 508, 77 Jianguo Road", memory.Profile},
		// 6. default
		{"Spicy food is great", memory.Preference},
		{"Dark roast, whole beans", memory.Preference},
		{"Meeting on 2026-11-26 at noon", memory.Preference}, // an ISO date is not a phone number
		{"No", memory.Preference},                            // a lone "no" is no rule
	} {
		if got := memory.InferKind(tc.text); got != tc.want {
			t.Errorf("InferKind(%q) = %s, want %s", tc.text, got, tc.want)
		}
	}
}

// The labelled sets carry a kind for every memory: measure the rules on
// them. Every labelled constraint must be inferred as one (misreading a hard
// rule as soft is the costly error).
func TestInferKindOnLabelledSets(t *testing.T) {
	for _, load := range []func() (memorytest.Set, error){memorytest.RetrievalSet, memorytest.HeldOutSet} {
		set, err := load()
		if err != nil {
			t.Fatal(err)
		}
		right := 0
		for _, m := range set.Memories {
			got := memory.InferKind(m.Text)
			if got == m.Kind {
				right++
			} else {
				t.Logf("line %d %q: inferred %s, labelled %s", m.Line, m.Text, got, m.Kind)
			}
			if (m.Kind == memory.Constraint) != (got == memory.Constraint) {
				t.Errorf("line %d %q: inferred %s, labelled %s (constraints must match exactly)", m.Line, m.Text, got, m.Kind)
			}
		}
		acc := float64(right) / float64(len(set.Memories))
		t.Logf("InferKind accuracy %.3f (%d/%d)", acc, right, len(set.Memories))
		if acc < 0.9 {
			t.Errorf("InferKind accuracy %.3f below 0.9", acc)
		}
	}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string]memory.Kind{"constraint": memory.Constraint, " Preferences ": memory.Preference, "PROFILE": memory.Profile, "history": memory.History} {
		got, err := memory.ParseKind(in)
		if err != nil || got != want {
			t.Errorf("ParseKind(%q) = %s, %v", in, got, err)
		}
	}
	if _, err := memory.ParseKind("wish"); !errors.Is(err, memory.ErrInvalid) {
		t.Errorf("ParseKind(wish): %v", err)
	}
}

func TestCheckVectors(t *testing.T) {
	sp := memory.Space{Embedder: "e", Dim: 3}
	v := [][]float32{{3, 0, 4}}
	if err := memory.CheckVectors(sp, 1, v); err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(v[0][0])-0.6) > 1e-6 || math.Abs(float64(v[0][2])-0.8) > 1e-6 {
		t.Fatalf("not normalised: %v", v[0])
	}
	for name, tc := range map[string]struct {
		n    int
		vecs [][]float32
		want string
	}{
		"count":    {2, [][]float32{{1, 0, 0}}, "1 vectors for 2 texts"},
		"dim":      {1, [][]float32{{1, 0}}, "2-dimensional"},
		"nan":      {1, [][]float32{{float32(math.NaN()), 0, 0}}, "non-finite"},
		"inf":      {1, [][]float32{{float32(math.Inf(1)), 0, 0}}, "non-finite"},
		"zero vec": {1, [][]float32{{0, 0, 0}}, "zero vector"},
	} {
		if err := memory.CheckVectors(sp, tc.n, tc.vecs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want error containing %q, got %v", name, tc.want, err)
		}
	}
}

func TestPurchaseText(t *testing.T) {
	o := skills.Order{ID: "ord_1", Merchant: "cafe-a", Total: skills.Money{Minor: 3600, Currency: "CNY"},
		CreatedAt: time.Date(2026, 11, 26, 23, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		Lines:     []skills.QuoteLine{{Title: "Oat Latte (large)", Quantity: 2}, {SKU: "straw-pack", Quantity: 1}, {Title: "Cup", Quantity: 1, AddOn: true}}}
	got, err := memory.PurchaseText(o)
	if err != nil {
		t.Fatal(err)
	}
	want := "Bought 2 × Oat Latte (large), 1 × straw-pack for " + o.Total.String() + " at cafe-a on 2026-11-26 (order ord_1)"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if memory.InferKind(got) != memory.History {
		t.Errorf("a purchase text must infer as history: %q", got)
	}
	for name, bad := range map[string]skills.Order{
		"no id":    {Lines: o.Lines},
		"no lines": {ID: "ord_2"},
		"add-ons":  {ID: "ord_3", Lines: []skills.QuoteLine{{Title: "Cup", Quantity: 1, AddOn: true}}},
		"zero qty": {ID: "ord_4", Lines: []skills.QuoteLine{{Title: "Tea", Quantity: 0}}},
		"no title": {ID: "ord_5", Lines: []skills.QuoteLine{{Quantity: 1}}},
	} {
		if _, err := memory.PurchaseText(bad); !errors.Is(err, memory.ErrInvalid) {
			t.Errorf("%s: want ErrInvalid, got %v", name, err)
		}
	}
	// A huge basket is summarised within the limit, never mid-character.
	var lines []skills.QuoteLine
	for i := 0; i < 300; i++ {
		lines = append(lines, skills.QuoteLine{Title: "抹茶拿铁 Matcha Latte", Quantity: 1})
	}
	long, err := memory.PurchaseText(skills.Order{ID: "ord_big", Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	if len(long) > memory.MaxTextBytes || !utf8.ValidString(long) || !strings.HasSuffix(long, " …") {
		t.Fatalf("huge basket: %d bytes, valid %v, suffix %q", len(long), utf8.ValidString(long), long[len(long)-8:])
	}
	if err := memory.ValidateText("text", long); err != nil {
		t.Fatal(err)
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := memory.New(memory.Config{}); err == nil {
		t.Error("New with no store: want error")
	}
}

func TestValidIdent(t *testing.T) {
	for s, want := range map[string]bool{"memory": true, "mt1_2": true, "": false, "Memory": false, "1m": false, "a-b": false, "a b": false, "a;drop": false, strings.Repeat("a", 41): false} {
		if memory.ValidIdent(s) != want {
			t.Errorf("ValidIdent(%q) != %v", s, want)
		}
	}
}

func TestDedupKey(t *testing.T) {
	if memory.DedupKey(" I like  TEA ") != memory.DedupKey("i like tea") {
		t.Error("case and spacing must not matter")
	}
	if memory.DedupKey("i like tea") == memory.DedupKey("i like coffee") {
		t.Error("different texts, same key")
	}
}
