package llm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
)

func TestOpenAIModelCall(t *testing.T) {
	srv := llmtest.New(t, llmtest.Step{Tool: "f", Arguments: `{"a":1}`, PromptTokens: 11, CompletionTokens: 7})
	m, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL, APIKey: testKey, Model: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Call(context.Background(), Prompt{
		System: "sys",
		Messages: []Message{
			{Role: RoleUser, Text: "hi"},
			{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_9", Name: "f", Arguments: `{}`}}},
			{Role: RoleTool, ToolCallID: "call_9", ToolName: "f", Text: "rejected"},
		},
		Tools:      []Tool{{Name: "f", Description: "d", Parameters: map[string]any{"type": "object"}}},
		ToolChoice: "f",
		MaxTokens:  99,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Reply{ToolCalls: []ToolCall{{ID: "call_1", Name: "f", Arguments: `{"a":1}`}}, StopReason: "tool_calls", TokensIn: 11, TokensOut: 7}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("reply %+v, want %+v", r, want)
	}
	got := srv.Requests()[0]
	if got.Model != "m1" || got.MaxCompletionTokens != 99 || got.Temperature != 0 || len(got.Messages) != 4 ||
		got.Messages[2].ToolCalls[0].ID != "call_9" || got.Messages[3].ToolCallID != "call_9" || got.Messages[3].Content != "rejected" {
		t.Errorf("request %+v", got)
	}
	if _, err := m.Call(context.Background(), Prompt{Messages: []Message{{Role: "boss"}}}); err == nil || !strings.Contains(err.Error(), `unknown role "boss"`) {
		t.Errorf("unknown role: %v", err)
	}
}

func TestOpenAIRefusalIsSurfaced(t *testing.T) {
	srv := llmtest.New(t, llmtest.Step{Refusal: "I can't assist with that."})
	m, _ := NewOpenAI(OpenAIConfig{BaseURL: srv.URL, APIKey: testKey, Model: "m"})
	r, err := m.Call(context.Background(), Prompt{Messages: []Message{{Role: RoleUser, Text: "x"}}})
	if err != nil || r.Refusal != "I can't assist with that." {
		t.Fatalf("reply %+v err %v", r, err)
	}
}

// The client only talks to its configured endpoint: a redirect elsewhere
// is refused, not followed, and not retried.
func TestOpenAIOnlyCallsItsEndpoint(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("request reached the other host")
	}))
	defer other.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v1/chat/completions", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	m, _ := NewOpenAI(OpenAIConfig{BaseURL: redirect.URL + "/v1", APIKey: testKey, Model: "m"})
	_, err := m.Call(context.Background(), Prompt{Messages: []Message{{Role: RoleUser, Text: "x"}}})
	var ce *CallError
	if !errors.As(err, &ce) || ce.Temporary() || !strings.Contains(err.Error(), "only the configured model endpoint") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewOpenAIConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  OpenAIConfig
		want string
	}{
		{OpenAIConfig{Model: "m"}, "API key is required"},
		{OpenAIConfig{APIKey: "k"}, "no model name"},
		{OpenAIConfig{APIKey: "k", Model: "m", BaseURL: "ftp://x"}, "must be an http(s) URL"},
		{OpenAIConfig{APIKey: "k", Model: "m", BaseURL: "http://h/v1?x=1"}, "must not have a query"},
	} {
		if _, err := NewOpenAI(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.cfg, err, c.want)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:11434":            "http://127.0.0.1:11434/v1",
		"http://127.0.0.1:11434/":           "http://127.0.0.1:11434/v1",
		"http://localhost:8000/v1/":         "http://localhost:8000/v1",
		"https://api.openai.com/v1":         "https://api.openai.com/v1",
		"https://example.com/openai/v1beta": "https://example.com/openai/v1beta",
	} {
		u, err := parseBaseURL(in)
		if err != nil || u.String() != want {
			t.Errorf("parseBaseURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	if _, err := parseBaseURL("http://user:hunter2@/v1"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad URL error %v leaks or passes", err)
	}
}

func TestRetryAfter(t *testing.T) {
	if d := retryAfter("2"); d != 2*time.Second {
		t.Errorf("2 → %s", d)
	}
	if d := retryAfter("0.5"); d != 500*time.Millisecond {
		t.Errorf("0.5 → %s", d)
	}
	if d := retryAfter(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)); d < 59*time.Minute {
		t.Errorf("HTTP date → %s", d)
	}
	if retryAfter("soon") != 0 || retryAfter("") != 0 {
		t.Error("garbage Retry-After not ignored")
	}
}

// The submit_intent schema is generated from types that mirror
// planner.Intent: every field a model may set has its counterpart.
func TestIntentArgsMirrorIntent(t *testing.T) {
	// accounting is derived by code from the request and the answer, never
	// taken from a model.
	byCode := map[string]bool{"request": true, "planner": true, "usage": true, "extra": true, "accounting": true}
	check := func(model, args reflect.Type) {
		have := map[string]bool{}
		for i := 0; i < args.NumField(); i++ {
			name, _, _ := strings.Cut(args.Field(i).Tag.Get("json"), ",")
			have[name] = true
		}
		for i := 0; i < model.NumField(); i++ {
			name, _, _ := strings.Cut(model.Field(i).Tag.Get("json"), ",")
			if !byCode[name] && !have[name] {
				t.Errorf("%s.%s (%q) has no counterpart in %s", model.Name(), model.Field(i).Name, name, args.Name())
			}
		}
	}
	check(reflect.TypeOf(planner.Intent{}), reflect.TypeOf(intentArgs{}))
	check(reflect.TypeOf(planner.ItemSpec{}), reflect.TypeOf(itemArgs{}))
}

func TestIntentSchema(t *testing.T) {
	s := intentSchema(planner.Request{Vocabulary: vocab(), Memory: []planner.MemoryItem{{ID: "m7"}}})
	b, _ := json.Marshal(s)
	var back struct {
		Required   []string `json:"required"`
		Properties struct {
			Items struct {
				Items struct {
					Required   []string `json:"required"`
					Properties struct {
						Quantity   map[string]any `json:"quantity"`
						Attributes struct {
							Properties map[string]struct {
								Enum []string `json:"enum"`
							} `json:"properties"`
							AdditionalProperties bool `json:"additionalProperties"`
						} `json:"attributes"`
						ExcludeAttributes struct {
							Properties map[string]struct {
								Items struct {
									Enum []string `json:"enum"`
								} `json:"items"`
							} `json:"properties"`
						} `json:"exclude_attributes"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"items"`
			Notes struct {
				Items struct {
					Properties struct {
						Source struct {
							Enum []string `json:"enum"`
						} `json:"source"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"notes"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	it := back.Properties.Items.Items
	if !reflect.DeepEqual(back.Required, []string{"items"}) || !reflect.DeepEqual(it.Required, []string{"query", "quantity"}) {
		t.Errorf("required %v / %v", back.Required, it.Required)
	}
	if it.Properties.Quantity["minimum"] != 1.0 || it.Properties.Quantity["maximum"] != 1000.0 {
		t.Errorf("quantity %v", it.Properties.Quantity)
	}
	if got := it.Properties.Attributes.Properties["milk"].Enum; !reflect.DeepEqual(got, []string{"oat", "skim", "soy", "whole"}) || it.Properties.Attributes.AdditionalProperties {
		t.Errorf("attributes.milk enum %v", got)
	}
	if got := it.Properties.ExcludeAttributes.Properties["size"].Items.Enum; len(got) != 3 {
		t.Errorf("exclude_attributes.size enum %v", got)
	}
	if got := back.Properties.Notes.Items.Properties.Source.Enum; !reflect.DeepEqual(got, []string{"m7"}) {
		t.Errorf("notes.source enum %v", got)
	}
}

func TestStatedNumbers(t *testing.T) {
	got := statedNumbers("Two lattes, 3 teas, a dozen eggs and 两杯奶茶 under 40")
	for _, n := range []int{2, 3, 12, 40} {
		if !got[n] {
			t.Errorf("%d not found in %v", n, got)
		}
	}
	if got[7] {
		t.Error("7 found")
	}
}
