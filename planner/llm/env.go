package llm

import (
	"fmt"
	"os"
	"strings"
)

// Environment variables FromEnv reads.
const (
	EnvAPIKey  = "OPENAI_API_KEY"
	EnvBaseURL = "OPENAI_BASE_URL"
	EnvModel   = "CARTWRIGHT_MODEL"
	EnvOrg     = "OPENAI_ORGANIZATION"
	// EnvMode set to "json" asks for plain JSON answers instead of tool
	// calls (servers or models without tool support).
	EnvMode = "CARTWRIGHT_LLM_MODE"
)

// DefaultOpenAIModel is used against api.openai.com when CARTWRIGHT_MODEL is unset.
const DefaultOpenAIModel = "gpt-4o-mini"

// FromEnv builds the LLM planner when a model is configured in the
// environment: OPENAI_API_KEY and/or OPENAI_BASE_URL (an OpenAI-compatible
// server such as Ollama, vLLM or LM Studio), and CARTWRIGHT_MODEL. cfg
// supplies everything else (Fallback, Logger, retries…); its Model is
// replaced. configured is false, with no error, when neither variable is
// set: the caller keeps the offline planner.
func FromEnv(cfg Config) (p *Planner, configured bool, err error) {
	return fromEnv(os.Getenv, cfg)
}

func fromEnv(getenv func(string) string, cfg Config) (*Planner, bool, error) {
	oc, configured, err := openAIConfigFromEnv(getenv)
	if !configured || err != nil {
		return nil, configured, err
	}
	m, err := NewOpenAI(oc)
	if err != nil {
		return nil, true, err
	}
	cfg.Model = m
	switch mode := strings.ToLower(strings.TrimSpace(getenv(EnvMode))); mode {
	case "", "tools":
	case "json":
		cfg.JSONMode = true
	default:
		return nil, true, fmt.Errorf("llm: %s=%q: want \"tools\" or \"json\"", EnvMode, mode)
	}
	p, err := New(cfg)
	if err != nil {
		return nil, true, err
	}
	p.log.Info("LLM planner configured", "endpoint", redactURL(oc.BaseURL), "model", oc.Model, "json_mode", cfg.JSONMode)
	return p, true, nil
}

// openAIConfigFromEnv reads the model endpoint from the environment. The
// key is never put into an error or a log line.
func openAIConfigFromEnv(getenv func(string) string) (OpenAIConfig, bool, error) {
	key := strings.TrimSpace(getenv(EnvAPIKey))
	base := strings.TrimSpace(getenv(EnvBaseURL))
	model := strings.TrimSpace(getenv(EnvModel))
	if key == "" && base == "" {
		return OpenAIConfig{}, false, nil
	}
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := parseBaseURL(base)
	if err != nil {
		return OpenAIConfig{}, true, fmt.Errorf("%s: %w", EnvBaseURL, err)
	}
	official := u.Host == "api.openai.com"
	if key == "" {
		if official {
			return OpenAIConfig{}, true, fmt.Errorf("llm: %s is required for %s", EnvAPIKey, DefaultBaseURL)
		}
		key = "unused" // local servers ignore it; the client needs one
	}
	if model == "" {
		if !official {
			return OpenAIConfig{}, true, fmt.Errorf("llm: %s must name the model served at %s (for example llama3.1 for Ollama)", EnvModel, redactURL(u.String()))
		}
		model = DefaultOpenAIModel
	}
	return OpenAIConfig{BaseURL: u.String(), APIKey: key, Model: model, Organization: strings.TrimSpace(getenv(EnvOrg))}, true, nil
}
