package offline

import (
	"hash/fnv"
	"sort"
	"strconv"
	"sync"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// indexCache keeps the last few prepared vocabularies: a runtime asks many
// questions of one world, and preparing its vocabulary is most of the work
// of reading a short request. Entries are read-only once built.
type indexCache struct {
	mu      sync.Mutex
	entries []cacheEntry // most recent last
}

type cacheEntry struct {
	sum [16]byte
	x   *vindex
}

const cacheSize = 8

func (c *indexCache) get(v planner.Vocabulary, catKeys map[string][]string, nouns map[string]nounEntry) *vindex {
	sum := vocabSum(v)
	c.mu.Lock()
	for i, e := range c.entries {
		if e.sum == sum {
			c.entries = append(append(c.entries[:i:i], c.entries[i+1:]...), e)
			c.mu.Unlock()
			return e.x
		}
	}
	c.mu.Unlock()
	x := newIndex(cloneVocab(v), catKeys, nouns)
	c.mu.Lock()
	if len(c.entries) == cacheSize {
		c.entries = c.entries[1:]
	}
	c.entries = append(c.entries, cacheEntry{sum: sum, x: x})
	c.mu.Unlock()
	return x
}

// vocabSum is a 128-bit FNV-1a hash of everything in v (an entry is
// reused only for the same content; comparing the vocabularies themselves
// cost more than the rest of reading a request).
func vocabSum(v planner.Vocabulary) [16]byte {
	h := fnv.New128a()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(string(v.Currency))
	for _, c := range v.Categories {
		w(c)
	}
	w("\x01")
	for _, b := range v.Brands {
		w(b)
	}
	w("\x01")
	keys := make([]string, 0, len(v.Attributes))
	for k := range v.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w(k)
		for _, val := range v.Attributes[k] {
			w(val)
		}
		w("\x01")
	}
	for _, c := range v.Catalog {
		w(c.Category)
		w(strconv.Itoa(c.Products))
		w(strconv.Itoa(len(c.Items)))
		for _, k := range sortedKeysOf(c.KeyCounts) {
			w(k)
			w(strconv.Itoa(c.KeyCounts[k]))
		}
		for _, k := range sortedKeysOf(c.Attributes) {
			w(k)
			for _, val := range c.Attributes[k] {
				w(val)
			}
		}
		for _, b := range c.Brands {
			w(b)
		}
		for _, it := range c.Items {
			w(it.Title)
			w(it.Brand)
			for _, k := range sortedKeysOf(it.Attributes) {
				w(k)
				w(it.Attributes[k])
			}
			w("\x02")
		}
	}
	ids := make([]string, 0, len(v.Merchants))
	for id := range v.Merchants {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		w(id)
		w(v.Merchants[id])
	}
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

// cloneVocab copies v so a caller changing its maps later cannot change a
// cached entry's key.
func cloneVocab(v planner.Vocabulary) planner.Vocabulary {
	out := planner.Vocabulary{Currency: v.Currency,
		Categories: append([]string(nil), v.Categories...), Brands: append([]string(nil), v.Brands...)}
	if v.Attributes != nil {
		out.Attributes = make(map[string][]string, len(v.Attributes))
		for k, vals := range v.Attributes {
			out.Attributes[k] = append([]string(nil), vals...)
		}
	}
	if v.Catalog != nil {
		out.Catalog = make([]skills.CategoryVocabulary, len(v.Catalog))
		for i, c := range v.Catalog {
			out.Catalog[i] = c.Clone()
		}
	}
	if v.Merchants != nil {
		out.Merchants = make(map[string]string, len(v.Merchants))
		for k, n := range v.Merchants {
			out.Merchants[k] = n
		}
	}
	return out
}
