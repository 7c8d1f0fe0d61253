// Package localembed is an embedder that needs no network and no model
// download: it hashes a text's features into a fixed number of dimensions
// (the "hashing trick") and adds features from a small built-in concept
// table, so that "lactose intolerant" lands near "which milk for my latte".
//
// Features, each hashed (FNV-1a, signed) into Dim buckets:
//   - word unigrams after lower-casing and light suffix stripping
//     ("allergies" → "allergy", "sizes" → "size"), stop words removed;
//   - bigrams of adjacent content words ("oat milk");
//   - character 3-grams of each word with boundary marks, weighted so that
//     a word's n-grams together weigh less than the word (sub-word matches:
//     "intolerant" ~ "intolerance", typos);
//   - concept features: each concept in the table (concepts.go) whose
//     trigger word or phrase occurs adds one feature, so texts that share a
//     concept share a dimension even with no word in common.
//
// The vector is L2-normalised. What the concept table buys is measured, not
// assumed: memory/memorytest's retrieval test reports recall@5 with and
// without it (Config.NoConcepts) on testdata/retrieval.txt.
package localembed

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"unicode"

	"github.com/cartwright-agent/cartwright/memory"
)

// DefaultDim is the default vector dimension.
const DefaultDim = 384

// Feature weights (tuned on testdata/retrieval.txt; see the retrieval test).
const (
	wUnigram = 1.0
	wBigram  = 0.6
	wChars   = 0.5 // all of one word's character n-grams together
	wConcept = 1.3
)

// Config configures the local embedder.
type Config struct {
	// Dim is the vector dimension; DefaultDim when zero. 64..4096.
	Dim int
	// NoConcepts turns the concept table off (hashing features only). It
	// exists to measure what the table adds; its vectors have another Name.
	NoConcepts bool
}

// Embedder is the local, offline embedder. It is safe for concurrent use.
type Embedder struct {
	dim      int
	concepts bool
	name     string
}

var _ memory.Embedder = (*Embedder)(nil)

// New returns a local embedder.
func New(cfg Config) (*Embedder, error) {
	if cfg.Dim == 0 {
		cfg.Dim = DefaultDim
	}
	if cfg.Dim < 64 || cfg.Dim > 4096 {
		return nil, fmt.Errorf("localembed: Dim %d out of range 64..4096", cfg.Dim)
	}
	name := "cartwright-local-v1"
	if cfg.NoConcepts {
		name += "-noconcepts"
	}
	return &Embedder{dim: cfg.Dim, concepts: !cfg.NoConcepts, name: name}, nil
}

// Default is New(Config{}), which cannot fail.
func Default() *Embedder {
	e, _ := New(Config{})
	return e
}

// Name implements memory.Embedder.
func (e *Embedder) Name() string { return e.name }

// Dim implements memory.Embedder.
func (e *Embedder) Dim() int { return e.dim }

// Embed implements memory.Embedder. A text with no word characters embeds
// to an error, not to a zero vector.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		v, err := e.embedOne(t)
		if err != nil {
			return nil, fmt.Errorf("localembed: text %d: %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}

var errNoWords = fmt.Errorf("%w: text has nothing to embed (no letters or digits)", memory.ErrInvalid)

func (e *Embedder) embedOne(text string) ([]float32, error) {
	words := Words(text)
	if len(words) == 0 {
		return nil, errNoWords
	}
	acc := make([]float64, e.dim)
	content := make([]string, 0, len(words))
	for _, w := range words {
		if !stopWords[w] {
			content = append(content, w)
		}
	}
	if len(content) == 0 { // only stop words: use them rather than nothing
		content = words
	}
	for i, w := range content {
		e.add(acc, "w:"+w, wUnigram)
		if i > 0 {
			e.add(acc, "b:"+content[i-1]+" "+w, wBigram)
		}
		e.addChars(acc, w)
	}
	if e.concepts {
		for _, c := range Concepts(words) {
			e.add(acc, "c:"+c, wConcept)
		}
	}
	var ss float64
	for _, x := range acc {
		ss += x * x
	}
	if ss == 0 {
		return nil, errNoWords
	}
	inv := 1 / math.Sqrt(ss)
	v := make([]float32, e.dim)
	for i, x := range acc {
		v[i] = float32(x * inv)
	}
	return v, nil
}

func (e *Embedder) add(acc []float64, feature string, w float64) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(feature))
	s := h.Sum64()
	idx := int(s % uint64(e.dim))
	if s>>63 == 1 {
		w = -w
	}
	acc[idx] += w
}

func (e *Embedder) addChars(acc []float64, w string) {
	r := []rune("<" + w + ">")
	if len(r) < 5 { // words of 1-2 letters: the unigram says it all
		return
	}
	n := len(r) - 2
	per := wChars / math.Sqrt(float64(n))
	for i := 0; i+3 <= len(r); i++ {
		e.add(acc, "g:"+string(r[i:i+3]), per)
	}
}

// Words lower-cases text, splits it into words (letters and digits; each
// CJK character is a word of its own; apostrophes are dropped so "don't" is
// "dont") and strips common English suffixes.
func Words(text string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, stem(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r):
			flush()
			out = append(out, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, r)
		case r == '\'' || r == '’':
			// inside a word: drop it (don't → dont)
		default:
			flush()
		}
	}
	flush()
	return out
}

// stem strips a few English suffixes; it is deliberately light.
func stem(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 4 && (strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes")):
		return w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

var stopWords = toSet(`a an the and or but if of to in on at for from by with as is are was were be been
being am i me my mine we our us you your he she it its they them their this that these those there here
do does did doing have has had having will would should could can may might shall just so than too very
also about into over under again then once all any both each few more most other some such own same
what which who whom when where why how please want wants need needs get got im ive id ill let lets`)

func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w], m[stem(w)] = true, true // Words stems before the lookup
	}
	return m
}
