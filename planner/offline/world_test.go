package offline

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/demo"
	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

var (
	demoOnce          sync.Once
	demoWorld, noSize planner.Vocabulary
)

func loadDemo() {
	demoOnce.Do(func() {
		w, err := merchants.LoadWorldBytes("demo", demo.WorldYAML)
		if err != nil {
			panic(err)
		}
		demoWorld = vocabOfWorld(w)
		// the same world whose merchants list no sizes (and no warmth, so
		// "medium" can only be a size)
		for _, m := range w.Merchants {
			for i := range m.Products {
				attrs := map[string]string{}
				for k, v := range m.Products[i].Attributes {
					if k != "size" && k != "warmth" {
						attrs[k] = v
					}
				}
				m.Products[i].Attributes = attrs
			}
		}
		noSize = vocabOfWorld(w)
	})
}

// demoVocab is the vocabulary of the real demo world (merchants/demo), as
// the runtime merges its merchants' published info. Callers must not
// change it.
func demoVocab() planner.Vocabulary { loadDemo(); return demoWorld }

// noSizeVocab is the demo world with every size (and warmth) removed from
// its products: a world whose merchants list no sizes.
func noSizeVocab() planner.Vocabulary { loadDemo(); return noSize }

func worldVocab(t testing.TB) planner.Vocabulary { t.Helper(); return demoVocab() }

func vocabOfWorld(w *merchants.World) planner.Vocabulary {
	infos := make([]skills.MerchantInfo, 0, len(w.Merchants))
	for _, m := range w.Merchants {
		infos = append(infos, m.Info(w.Currency))
	}
	return planner.MergeVocabulary(infos)
}

// TestDebugRequest prints the intent for $PLANNER_REQ (with $PLANNER_ANSWER)
// on the demo world; it is skipped without it.
func TestDebugRequest(t *testing.T) {
	text := os.Getenv("PLANNER_REQ")
	if text == "" {
		t.Skip("set PLANNER_REQ")
	}
	var memory []planner.MemoryItem
	if m := os.Getenv("PLANNER_MEM"); m != "" {
		memory = []planner.MemoryItem{{ID: "m1", Text: m}}
	}
	in, err := New(Config{}).Understand(context.Background(), planner.Request{Text: text, Answer: os.Getenv("PLANNER_ANSWER"), Memory: memory, Vocabulary: worldVocab(t)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(in, "", " ")
	t.Log(string(b))
}
