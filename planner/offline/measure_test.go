package offline

import (
	"context"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
)

// A measure travels in Intent.Extra: it survives a round trip, and a
// malformed one (a model or a stored session cannot smuggle one in) fails
// Validate with the key named.
func TestItemMeasureRoundTripAndValidate(t *testing.T) {
	in, err := New(Config{}).Understand(context.Background(), planner.Request{Text: "2 liters of milk and a dozen eggs", Vocabulary: demoVocab()})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []planner.Measure{{Value: 2000, Unit: planner.UnitML, Said: "2 liters"}, {Value: 12, Unit: planner.UnitEach, Said: "a dozen"}} {
		if got, ok := in.ItemMeasure(i); !ok || got != want {
			t.Errorf("item %d measure %+v (%v), want %+v", i, got, ok, want)
		}
	}
	for _, tc := range []struct{ key, val, want string }{
		{"measure/0", "2000 cups", "unknown unit"},
		{"measure/0", "0 ml", "out of range"},
		{"measure/0", "ml", "want"},
		{"measure/9", "1 each", "no such item"},
		{"measure/x", "1 each", "no such item"},
	} {
		bad := in
		bad.Extra = map[string]string{tc.key: tc.val}
		err := bad.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s=%q: Validate() = %v, want an error naming %s and %q", tc.key, tc.val, err, tc.key, tc.want)
		}
	}
	var none planner.Intent
	none.SetItemMeasure(0, planner.Measure{Value: 3, Unit: planner.UnitEach})
	if m, ok := none.ItemMeasure(0); !ok || m.Value != 3 || m.Said != "" {
		t.Errorf("set then get: %+v %v", m, ok)
	}
	if _, ok := none.ItemMeasure(1); ok {
		t.Error("item without a measure reports one")
	}
}
