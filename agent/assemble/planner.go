package assemble

import (
	"errors"
	"fmt"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm"
	"github.com/cartwright-agent/cartwright/planner/offline"
)

// PlannerByName builds the offline planner ("" or "offline"), or the LLM
// planner configured from the environment ("llm": OPENAI_API_KEY /
// OPENAI_BASE_URL, CARTWRIGHT_MODEL), with the offline planner as its
// fallback.
func PlannerByName(name string) (planner.Planner, error) {
	off := offline.New(offline.Config{})
	switch name {
	case "", "offline":
		return off, nil
	case "llm":
		p, configured, err := llm.FromEnv(llm.Config{Fallback: off})
		if err != nil {
			return nil, fmt.Errorf("llm planner: %w", err)
		}
		if !configured {
			return nil, errors.New("llm planner: no model configured (set OPENAI_API_KEY or OPENAI_BASE_URL, and CARTWRIGHT_MODEL)")
		}
		return p, nil
	}
	return nil, fmt.Errorf("unknown planner %q (offline | llm)", name)
}
