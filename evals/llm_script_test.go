package evals

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm"
	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
)

// Scripted model replies for eval scenarios (evals/testdata/llm/*.json).
//
// A script holds, for one scenario, the submit_intent arguments a competent
// model would produce for that request and memory, and — where an item has a
// fuzzy fit — its submit_ranking reply. scriptedModel serves them from an
// OpenAI-compatible test server (planner/llm/llmtest, loopback only) and, like
// a real model, answers from the prompt alone: it reads the request, the
// clarification answer, the memory entries and the vocabulary out of the
// planner's message, and the candidates out of a ranking prompt. Two
// scenarios whose prompts are the same must therefore be scripted the same
// (a model could not tell them apart); the model reports a conflict.
type llmScript struct {
	// Scenario is the id of the scenario the script is for.
	Scenario string `json:"scenario"`
	Comment  string `json:"comment,omitempty"`
	// Understand answers the planner's submit_intent calls.
	Understand []scriptIntent `json:"understand"`
	// Rank answers submit_ranking calls for items with a fit.
	Rank []scriptRank `json:"rank,omitempty"`
	// Expect is for hostile scripts (testdata/llm/hostile): what the run
	// must show.
	Expect *hostileExpect `json:"expect,omitempty"`

	file string
}

// scriptIntent is one submit_intent reply.
type scriptIntent struct {
	// Answer is the clarification answer the call carries ("" for the
	// first call of a run).
	Answer string `json:"answer,omitempty"`
	// Repair marks the reply to the planner sending an invalid answer
	// back; Feedback must then occur in the planner's rejection message.
	Repair   bool   `json:"repair,omitempty"`
	Feedback string `json:"feedback,omitempty"`
	// Arguments are the tool-call arguments. A note source written as
	// "memory:<text>" names the memory entry whose text contains <text>;
	// the model resolves it to that entry's id from the prompt.
	Arguments json.RawMessage `json:"submit_intent"`
}

// scriptRank is one submit_ranking reply, for the item with this query and
// fit. Choice and ranking entries name offers by SKU; the model turns a SKU
// it was shown into that candidate's id (c1, c2…) and leaves any other SKU
// as it is (a hostile reply naming an offer it was not shown).
type scriptRank struct {
	Query   string           `json:"query"`
	Fit     string           `json:"fit"`
	Choice  string           `json:"choice"`
	Ranking []map[string]any `json:"ranking"`
	// Extra fields are added to the reply object verbatim (hostile).
	Extra map[string]any `json:"extra,omitempty"`
}

// hostileExpect is what a hostile script's run must show.
type hostileExpect struct {
	// Purchase: whether an order may complete at all (wrong purchases are
	// never allowed).
	Purchase bool `json:"purchase"`
	// Planner is the intent's planner name ("llm" or "llm→offline").
	Planner string `json:"planner,omitempty"`
	// Visible are texts the run's account (status, errors, explanation,
	// considered offers, notes) must contain: the reason, shown.
	Visible []string `json:"visible"`
}

const scriptDir = "testdata/llm"

// loadScripts reads every script in dir, keyed by scenario id.
func loadScripts(t testing.TB, dir string) map[string]*llmScript {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*llmScript{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s llmScript
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(&s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if s.Scenario == "" || len(s.Understand) == 0 {
			t.Fatalf("%s: scenario and understand are required", f)
		}
		s.file = f
		key := strings.TrimSuffix(filepath.Base(f), ".json")
		if out[key] != nil {
			t.Fatalf("%s: duplicate script %s", f, key)
		}
		out[key] = &s
	}
	return out
}

// scenariosByID loads the public suite.
func scenariosByID(t testing.TB) map[string]*Scenario {
	t.Helper()
	ss, err := Load("scenarios")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*Scenario{}
	for _, s := range ss {
		out[s.ID] = s
	}
	return out
}

// scriptedModel answers chat completions from scripts.
type scriptedModel struct {
	t       testing.TB
	entries []scriptEntry

	mu    sync.Mutex
	calls map[string]int // script key → calls answered for it
}

type scriptEntry struct {
	key      string
	script   *llmScript
	scenario *Scenario
}

// newScriptedModel serves the scripts (keyed by file name) for their
// scenarios.
func newScriptedModel(t testing.TB, scripts map[string]*llmScript, scenarios map[string]*Scenario) *scriptedModel {
	t.Helper()
	m := &scriptedModel{t: t, calls: map[string]int{}}
	keys := make([]string, 0, len(scripts))
	for k := range scripts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := scripts[k]
		sc := scenarios[s.Scenario]
		if sc == nil {
			t.Fatalf("%s: no scenario %q in the public suite", s.file, s.Scenario)
		}
		m.entries = append(m.entries, scriptEntry{key: k, script: s, scenario: sc})
	}
	return m
}

// serve starts the OpenAI-compatible server answering from the scripts.
func (m *scriptedModel) serve(t testing.TB) *llmtest.Server {
	return llmtest.NewFunc(t, m.answer)
}

// Calls reports the calls answered per script key.
func (m *scriptedModel) Calls() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for k, v := range m.calls {
		out[k] = v
	}
	return out
}

// fail reports a request the scripts cannot answer: the test fails and the
// planner gets a 400 (not retried), as from a server rejecting the request.
func (m *scriptedModel) fail(format string, a ...any) llmtest.Step {
	msg := fmt.Sprintf(format, a...)
	m.t.Errorf("scripted model: %s", msg)
	return llmtest.Step{Status: 400, Message: "scripted model: " + msg}
}

func (m *scriptedModel) answer(req openai.ChatCompletionRequest) llmtest.Step {
	// The tool the planner offers decides what the call is for.
	tool := ""
	if len(req.Tools) == 1 && req.Tools[0].Function != nil {
		tool = req.Tools[0].Function.Name
	}
	var user string
	repair, feedback := false, ""
	for _, msg := range req.Messages {
		switch {
		case msg.Role == openai.ChatMessageRoleUser && user == "":
			user = msg.Content
		case msg.Role == openai.ChatMessageRoleTool || (msg.Role == openai.ChatMessageRoleUser && user != ""):
			repair = true
			feedback += msg.Content + "\n"
		}
	}
	switch tool {
	case "submit_intent":
		return m.understand(user, repair, feedback)
	case "submit_ranking":
		return m.rank(user)
	}
	return m.fail("request with tools %v: expected submit_intent or submit_ranking (tool calling mode)", req.Tools)
}

// understandPrompt is the part of the planner's message the script keys on.
type understandPrompt struct {
	Request    string               `json:"request"`
	Answer     string               `json:"answer_to_clarification"`
	Memory     []planner.MemoryItem `json:"memory"`
	Vocabulary planner.Vocabulary   `json:"vocabulary"`
}

func (m *scriptedModel) understand(user string, repair bool, feedback string) llmtest.Step {
	var p understandPrompt
	if err := json.Unmarshal([]byte(user), &p); err != nil {
		return m.fail("understand message is not the planner's JSON: %v", err)
	}
	var (
		reply   string
		matched []string
	)
	for _, e := range m.entries {
		sc := e.scenario
		if sc.Request != p.Request || !worldHasMerchants(sc, p.Vocabulary.Merchants) || !memoryFrom(sc, p.Memory) {
			continue
		}
		for _, si := range e.script.Understand {
			if si.Answer != p.Answer || si.Repair != repair {
				continue
			}
			if si.Feedback != "" && !strings.Contains(feedback, si.Feedback) {
				return m.fail("%s: the planner's rejection %q does not say %q", e.script.file, strings.TrimSpace(feedback), si.Feedback)
			}
			args, err := resolveMemory(si.Arguments, p.Memory)
			if err != nil {
				return m.fail("%s: %v", e.script.file, err)
			}
			if reply != "" && args != reply {
				return m.fail("scripts %s disagree on the same prompt (request %q, answer %q): a model could not tell them apart",
					strings.Join(append(matched, e.key), ", "), p.Request, p.Answer)
			}
			reply = args
			matched = append(matched, e.key)
			break
		}
	}
	if reply == "" {
		return m.fail("no script answers request %q (answer %q, repair %v, memory %d entries, merchants %v)",
			p.Request, p.Answer, repair, len(p.Memory), sortedMapKeys(p.Vocabulary.Merchants))
	}
	m.count(matched)
	return llmtest.Step{Tool: "submit_intent", Arguments: reply}
}

func (m *scriptedModel) count(keys []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		m.calls[k]++
	}
}

// worldHasMerchants: every merchant the agent could reach is in the
// scenario's world (an unreachable one may be missing from the vocabulary).
func worldHasMerchants(sc *Scenario, ids map[string]string) bool {
	have := map[string]bool{}
	for _, m := range sc.World().Merchants {
		have[m.ID] = true
	}
	for id := range ids {
		if !have[id] {
			return false
		}
	}
	return len(ids) > 0
}

// memoryFrom: every memory entry in the prompt is one of the scenario's.
func memoryFrom(sc *Scenario, mem []planner.MemoryItem) bool {
	for _, it := range mem {
		found := false
		for _, e := range sc.User.Memory {
			if strings.TrimSpace(e.Text) == strings.TrimSpace(it.Text) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// resolveMemory replaces "memory:<text>" note sources by the id of the
// memory entry containing <text>, and returns compact JSON.
func resolveMemory(raw json.RawMessage, mem []planner.MemoryItem) (string, error) {
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("submit_intent: %v", err)
	}
	notes, _ := v["notes"].([]any)
	for i, n := range notes {
		note, _ := n.(map[string]any)
		src, _ := note["source"].(string)
		want, ok := strings.CutPrefix(src, "memory:")
		if !ok {
			continue
		}
		id := ""
		for _, it := range mem {
			if strings.Contains(strings.ToLower(it.Text), strings.ToLower(want)) {
				id = it.ID
			}
		}
		if id == "" {
			return "", fmt.Errorf("notes[%d].source: no memory entry in the prompt contains %q", i, want)
		}
		note["source"] = id
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// rankPrompt is what the script keys on in a ranking message.
type rankPrompt struct {
	Query string `json:"query"`
	Fit   string `json:"fit"`
}

type rankCandidate struct {
	ID       string `json:"id"`
	Merchant string `json:"merchant"`
	SKU      string `json:"sku"`
}

func (m *scriptedModel) rank(user string) llmtest.Step {
	_, rest, ok := strings.Cut(user, "What the shopper wants (from their request):\n")
	want, _, ok2 := strings.Cut(rest, "\n")
	_, cands, ok3 := strings.Cut(user, "<merchant_data>\n")
	cands, _, ok4 := strings.Cut(cands, "\n</merchant_data>")
	if !ok || !ok2 || !ok3 || !ok4 {
		return m.fail("ranking message has no wants or no <merchant_data>: %.200q", user)
	}
	var p rankPrompt
	var cs []rankCandidate
	if err := json.Unmarshal([]byte(want), &p); err != nil {
		return m.fail("ranking wants: %v", err)
	}
	if err := json.Unmarshal([]byte(cands), &cs); err != nil {
		return m.fail("ranking candidates: %v", err)
	}
	idOf := func(sku string) (string, bool) {
		for _, c := range cs {
			if c.SKU == sku {
				return c.ID, true
			}
		}
		return "", false
	}
	var (
		reply   string
		matched []string
	)
	for _, e := range m.entries {
		for _, r := range e.script.Rank {
			if r.Query != p.Query || r.Fit != p.Fit {
				continue
			}
			obj := map[string]any{}
			for k, v := range r.Extra {
				obj[k] = v
			}
			if id, ok := idOf(r.Choice); ok {
				obj["choice"] = id
			} else {
				obj["choice"] = r.Choice
			}
			var ranking []map[string]any
			for _, en := range r.Ranking {
				out := map[string]any{}
				for k, v := range en {
					out[k] = v
				}
				if sku, _ := en["sku"].(string); sku != "" {
					if id, ok := idOf(sku); ok {
						delete(out, "sku")
						out["id"] = id
					}
				}
				ranking = append(ranking, out)
			}
			obj["ranking"] = ranking
			b, err := json.Marshal(obj)
			if err != nil {
				return m.fail("%s: %v", e.script.file, err)
			}
			if reply != "" && string(b) != reply {
				return m.fail("scripts %s disagree on the ranking for %q (%s)", strings.Join(append(matched, e.key), ", "), p.Query, p.Fit)
			}
			reply = string(b)
			matched = append(matched, e.key)
		}
	}
	if reply == "" {
		return m.fail("no script ranks %q for fit %q", p.Query, p.Fit)
	}
	m.count(matched)
	return llmtest.Step{Tool: "submit_ranking", Arguments: reply}
}

// scriptedPlanner is the LLM planner (offline fallback, as the CLI wires it)
// talking to srv through the real OpenAI-compatible client.
func scriptedPlanner(t testing.TB, srv *llmtest.Server) *llm.Planner {
	t.Helper()
	m, err := llm.NewOpenAI(llm.OpenAIConfig{BaseURL: srv.URL, APIKey: "test-key", Model: "scripted"})
	if err != nil {
		t.Fatal(err)
	}
	off, err := PlannerByName("offline")
	if err != nil {
		t.Fatal(err)
	}
	p, err := llm.New(llm.Config{Model: m, Fallback: off, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// blankModelEnv clears every variable the LLM client or planner reads, so
// nothing in the environment points a test at a real endpoint.
func blankModelEnv(t *testing.T) {
	for _, k := range []string{llm.EnvAPIKey, llm.EnvBaseURL, llm.EnvModel, llm.EnvOrg, llm.EnvMode,
		"OPENAI_API_BASE", "OPENAI_MODEL", "OPENAI_API_TYPE", "OPENAI_API_VERSION", "CARTWRIGHT_RECORD", "CARTWRIGHT_RECORD_AGAINST"} {
		t.Setenv(k, "")
	}
}

// recordedCalls is the model calls a run's records account for: the
// runtime's usage (Result.Usage, every understanding round) plus, when the
// runtime does not count ranking calls yet, the ones the planner's session
// report adds after understanding.
func recordedCalls(r Run, p *llm.Planner) int {
	if r.Detail == nil {
		return r.ModelCalls
	}
	in := r.Detail.Intent
	understood := 0
	if in.Usage != nil {
		understood = in.Usage.Calls
	}
	ranked := p.SessionUsage(in).Calls - understood
	if r.ModelCalls < understood+ranked && ranked > 0 {
		return r.ModelCalls + ranked
	}
	return r.ModelCalls
}
