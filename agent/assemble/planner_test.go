package assemble

import (
	"testing"
)

// TestPlannerByNameAuto: "auto" is the offline planner until a model is
// configured, then the LLM planner (what `cartwright shop` does by default).
func TestPlannerByNameAuto(t *testing.T) {
	for _, k := range []string{"OPENAI_API_KEY", "OPENAI_BASE_URL", "CARTWRIGHT_MODEL", "OPENAI_ORGANIZATION", "CARTWRIGHT_LLM_MODE"} {
		t.Setenv(k, "")
	}
	p, err := PlannerByName("auto")
	if err != nil || p.Name() != "offline" {
		t.Fatalf("auto without a model: %v %v", p, err)
	}
	if _, err := PlannerByName("llm"); err == nil {
		t.Fatal("llm without a model must be an error")
	}
	// A configured endpoint (never called here: building the planner makes
	// no request) switches auto to the LLM planner.
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
	t.Setenv("CARTWRIGHT_MODEL", "test-model")
	p, err = PlannerByName("auto")
	if err != nil || p.Name() != "llm" {
		t.Fatalf("auto with a model: %v %v", p, err)
	}
	if _, err := PlannerByName("gpt"); err == nil {
		t.Fatal("an unknown planner name must be an error")
	}
}
