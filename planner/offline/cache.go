package offline

import (
	"hash/fnv"
	"reflect"
	"sort"
	"sync"

	"github.com/cartwright-agent/cartwright/planner"
)

// indexCache keeps the last few prepared vocabularies: a runtime asks many
// questions of one world, and preparing its vocabulary is most of the work
// of reading a short request. Entries are read-only once built.
type indexCache struct {
	mu      sync.Mutex
	entries []cacheEntry // most recent last
}

type cacheEntry struct {
	sum uint64
	v   planner.Vocabulary
	x   *vindex
}

const cacheSize = 8

func (c *indexCache) get(v planner.Vocabulary, catKeys map[string][]string) *vindex {
	sum := vocabSum(v)
	c.mu.Lock()
	for i, e := range c.entries {
		if e.sum == sum && reflect.DeepEqual(e.v, v) {
			c.entries = append(append(c.entries[:i:i], c.entries[i+1:]...), e)
			c.mu.Unlock()
			return e.x
		}
	}
	c.mu.Unlock()
	x := newIndex(v, catKeys)
	c.mu.Lock()
	if len(c.entries) == cacheSize {
		c.entries = c.entries[1:]
	}
	c.entries = append(c.entries, cacheEntry{sum: sum, v: cloneVocab(v), x: x})
	c.mu.Unlock()
	return x
}

func vocabSum(v planner.Vocabulary) uint64 {
	h := fnv.New64a()
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
	ids := make([]string, 0, len(v.Merchants))
	for id := range v.Merchants {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		w(id)
		w(v.Merchants[id])
	}
	return h.Sum64()
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
	if v.Merchants != nil {
		out.Merchants = make(map[string]string, len(v.Merchants))
		for k, n := range v.Merchants {
			out.Merchants[k] = n
		}
	}
	return out
}
