package skills

import (
	"strings"
	"testing"
)

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID("s_", 10)
		if !strings.HasPrefix(id, "s_") || len(id) != 2+20 {
			t.Fatalf("NewID = %q, want s_ and 20 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
}
