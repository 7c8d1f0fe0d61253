package skills

import (
	"fmt"
	"sort"
	"sync"
)

// Registry is an explicit set of merchants by id. Nothing registers itself
// behind the caller's back: whoever wires the runtime adds what it wants.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Merchant
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: map[string]Merchant{}} }

// Register adds a merchant under id. An empty id or an id used twice is an
// error, so a mis-wired start-up fails loudly instead of shadowing a merchant.
func (r *Registry) Register(id string, m Merchant) error {
	if id == "" {
		return fmt.Errorf("register merchant: empty id")
	}
	if m == nil {
		return fmt.Errorf("register merchant %q: nil merchant", id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[id]; dup {
		return fmt.Errorf("register merchant %q: already registered", id)
	}
	r.m[id] = m
	return nil
}

// Get returns the merchant registered under id, or an error naming the ids
// that do exist.
func (r *Registry) Get(id string) (Merchant, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, ok := r.m[id]
	if !ok {
		return nil, fmt.Errorf("unknown merchant %q (registered: %v)", id, r.idsLocked())
	}
	return m, nil
}

// IDs lists the registered ids in sorted order.
func (r *Registry) IDs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.idsLocked()
}

func (r *Registry) idsLocked() []string {
	ids := make([]string, 0, len(r.m))
	for id := range r.m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
