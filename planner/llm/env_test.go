package llm

import (
	"context"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestOpenAIConfigFromEnv(t *testing.T) {
	cases := []struct {
		name       string
		env        map[string]string
		configured bool
		want       OpenAIConfig
		err        string
	}{
		{"nothing set", nil, false, OpenAIConfig{}, ""},
		{"OpenAI key only", map[string]string{EnvAPIKey: testKey}, true,
			OpenAIConfig{BaseURL: DefaultBaseURL, APIKey: testKey, Model: DefaultOpenAIModel}, ""},
		{"OpenAI with model and org", map[string]string{EnvAPIKey: testKey, EnvModel: "gpt-4.1", EnvOrg: "org-1"}, true,
			OpenAIConfig{BaseURL: DefaultBaseURL, APIKey: testKey, Model: "gpt-4.1", Organization: "org-1"}, ""},
		{"Ollama without key", map[string]string{EnvBaseURL: "http://127.0.0.1:11434", EnvModel: "llama3.1"}, true,
			OpenAIConfig{BaseURL: "http://127.0.0.1:11434/v1", APIKey: "unused", Model: "llama3.1"}, ""},
		{"local server without model", map[string]string{EnvBaseURL: "http://127.0.0.1:8000/v1", EnvAPIKey: testKey}, true,
			OpenAIConfig{}, "CARTWRIGHT_MODEL must name the model served at http://127.0.0.1:8000/v1"},
		{"bad URL", map[string]string{EnvBaseURL: "127.0.0.1:11434", EnvAPIKey: testKey}, true, OpenAIConfig{}, "OPENAI_BASE_URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, configured, err := openAIConfigFromEnv(envOf(c.env))
			if configured != c.configured {
				t.Errorf("configured = %v", configured)
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				if strings.Contains(err.Error(), testKey) {
					t.Error("error contains the key")
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestFromEnvTalksToTheConfiguredServer(t *testing.T) {
	srv := llmtest.New(t, intentCall(latteArgs))
	p, configured, err := fromEnv(envOf(map[string]string{EnvBaseURL: srv.URL, EnvModel: "qwen2.5:7b"}), Config{})
	if err != nil || !configured {
		t.Fatalf("configured %v err %v", configured, err)
	}
	in, err := p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
	if err != nil || in.Items[0].Quantity != 2 || srv.Requests()[0].Model != "qwen2.5:7b" {
		t.Fatalf("intent %+v err %v", in, err)
	}

	if _, _, err := fromEnv(envOf(map[string]string{EnvBaseURL: srv.URL, EnvModel: "m", EnvMode: "xml"}), Config{}); err == nil {
		t.Error("unknown mode accepted")
	}
	p, _, err = fromEnv(envOf(map[string]string{EnvBaseURL: srv.URL, EnvModel: "m", EnvMode: "json"}), Config{})
	if err != nil || !p.cfg.JSONMode {
		t.Errorf("json mode: %v", err)
	}
	if p, configured, err := FromEnv(Config{}); p != nil || configured || err != nil {
		t.Errorf("blank environment: %v %v %v", p, configured, err)
	}
}
