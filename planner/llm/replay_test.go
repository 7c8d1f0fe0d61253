package llm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
	"github.com/cartwright-agent/cartwright/planner/llm/replay"
	"github.com/cartwright-agent/cartwright/skills"
)

const replayRerecord = "CARTWRIGHT_RECORD=1 OPENAI_API_KEY=… [OPENAI_BASE_URL=… CARTWRIGHT_MODEL=…] go test ./planner/llm -run TestReplayUnderstandLatte " +
	"(or CARTWRIGHT_RECORD=1 CARTWRIGHT_RECORD_AGAINST=llmtest … to record against the scripted test server)"

// TestReplayUnderstandLatte runs Understand through langchaingo against a
// committed recording. Its assertions hold for any competent model, so the
// recording can be remade against a real one (see replayRerecord). It also
// fails when the prompt or schema the planner sends drifts from the
// recording.
func TestReplayUnderstandLatte(t *testing.T) {
	const file = "testdata/understand_latte.replay.json"
	opts := replay.Options{Real: http.DefaultTransport, Rerecord: replayRerecord}
	var oc OpenAIConfig
	if os.Getenv(replay.EnvRecord) == "1" {
		if recordEnv["CARTWRIGHT_RECORD_AGAINST"] == "llmtest" {
			srv := llmtest.New(t, intentCall(latteArgs))
			oc = OpenAIConfig{BaseURL: srv.URL, APIKey: "llmtest-key", Model: "llmtest-scripted"}
			opts.Comment = "Recorded against planner/llm/llmtest, the scripted OpenAI-compatible test server, NOT a real model: " +
				"the reply is the test's scripted submit_intent call. Re-record against a real model with the rerecord command."
		} else {
			var configured bool
			var err error
			oc, configured, err = openAIConfigFromEnv(func(k string) string { return recordEnv[k] })
			if !configured || err != nil {
				t.Skipf("recording needs OPENAI_API_KEY and/or OPENAI_BASE_URL (+ CARTWRIGHT_MODEL): %v", err)
			}
			u, _ := url.Parse(oc.BaseURL)
			opts.Comment = "Recorded against " + u.Host + ", model " + oc.Model + "."
		}
	}
	tr := replay.ForTest(t, file, opts)
	if !tr.Recording() {
		oc = OpenAIConfig{BaseURL: "http://replay.invalid/v1", APIKey: "replay", Model: recordedModel(t, file)}
	}
	oc.Transport = tr
	m, err := NewOpenAI(oc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Model: m, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	in, err := p.Understand(context.Background(), planner.Request{Text: latteRequest, UserID: "u1", Vocabulary: vocab()})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Items) != 1 {
		t.Fatalf("items %+v", in.Items)
	}
	it := in.Items[0]
	if it.Quantity != 2 || it.Attributes["size"] != "large" || it.Attributes["milk"] != "oat" {
		t.Errorf("item %+v", it)
	}
	if in.Budget == nil || *in.Budget != skills.M(4000, "CNY") || in.Planner != Name {
		t.Errorf("budget %v planner %q", in.Budget, in.Planner)
	}
	if in.Usage.Calls < 1 || in.Usage.Calls > 2 || in.Usage.TokensIn == 0 {
		t.Errorf("usage %+v", in.Usage)
	}
}

// recordedModel reads the model name the recording was made with, so the
// replayed request matches it.
func recordedModel(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var f replay.File
	if err := json.Unmarshal(b, &f); err != nil || len(f.Interactions) == 0 {
		t.Fatalf("%s: %v", file, err)
	}
	var body struct {
		Model string `json:"model"`
	}
	if err := json.Unmarshal(f.Interactions[0].Request.Body, &body); err != nil || body.Model == "" {
		t.Fatalf("%s: no model in the first request: %v", file, err)
	}
	return body.Model
}
