package assemble

import (
	"errors"
	"fmt"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm"
	"github.com/cartwright-agent/cartwright/planner/offline"
)

// PlannerByName builds the offline planner ("offline"), or the LLM
// planner configured from the environment ("llm": OPENAI_API_KEY /
// OPENAI_BASE_URL, CARTWRIGHT_MODEL), with the offline planner as its
// fallback. "auto" (and "") is the LLM planner when a model is configured
// and the offline planner otherwise: what `cartwright shop` does by default.
func PlannerByName(name string) (planner.Planner, error) {
	off := offline.New(offline.Config{})
	switch name {
	case "offline":
		return off, nil
	case "", "auto":
		p, configured, err := llm.FromEnv(llm.Config{Fallback: off})
		if err != nil {
			return nil, fmt.Errorf("llm planner: %w", err)
		}
		if !configured {
			return off, nil
		}
		return p, nil
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
	return nil, fmt.Errorf("unknown planner %q (auto | offline | llm)", name)
}
