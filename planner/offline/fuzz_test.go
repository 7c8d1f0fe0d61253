package offline

import (
	"context"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
)

// FuzzUnderstand: whatever the text, answer and memory, Understand returns a
// valid intent or a clarification; it never panics. Understand validates its
// own output and reports an invalid intent as an error, so an error is a
// failure here unless the input is one it must refuse (over
// MaxRequestBytes).
func FuzzUnderstand(f *testing.F) {
	for _, c := range phrasings {
		mt := ""
		if len(c.memory) > 0 {
			mt = c.memory[0]
		}
		f.Add(c.text, c.answer, mt)
	}
	for _, s := range []string{"", " ", ",,,", "and and and", "under", "under ¥", "¥", "$$$", "x", "1x", "x1000000",
		"99999999999999999999 lattes", "a latte under 99999999999999999999 yuan", "latte under 0.001 yuan",
		"half a", "a pair of", "deliver to", "deliver to 1 rd", "not not not", "from from", "一", "十个拿铁",
		"\x00\xff", "size", "size M", "for my for my", "case case case", "twenty-", "-twenty", "a-", "…", "🙂 latte"} {
		f.Add(s, "", "")
		f.Add("a case", s, s)
	}
	p := New(Config{})
	v := demoVocab()
	f.Fuzz(func(t *testing.T, text, answer, memText string) {
		req := planner.Request{Text: text, Answer: answer, Vocabulary: v}
		if memText != "" {
			req.Memory = []planner.MemoryItem{{ID: "m1", Text: memText}}
		}
		in, err := p.Understand(context.Background(), req)
		if err != nil {
			if len(text) > MaxRequestBytes || len(answer) > MaxRequestBytes {
				return
			}
			t.Fatalf("Understand(%q, answer %q, memory %q): %v", text, answer, memText, err)
		}
		if verr := in.Validate(); verr != nil {
			t.Fatalf("invalid intent for %q/%q/%q: %v", text, answer, memText, verr)
		}
		if in.Clarify == nil && len(in.Items) == 0 {
			t.Fatalf("neither items nor a question for %q", text)
		}
		if in.Planner != Name {
			t.Fatalf("planner %q", in.Planner)
		}
	})
}
