package llm

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
	"github.com/cartwright-agent/cartwright/planner/offline"
	"github.com/cartwright-agent/cartwright/skills"
)

// latteIntent is the Intent for latteRequest, written out by hand: what
// the offline planner yields, and what the LLM planner must yield from a
// model's correct submit_intent call (Planner, Usage and Extra aside).
func latteIntent() planner.Intent {
	return planner.Intent{
		Request: latteRequest,
		Items: []planner.ItemSpec{{
			Query: "large oat latte", Category: "coffee", Quantity: 2,
			Attributes: map[string]string{"size": "large", "milk": "oat"},
		}},
		Budget:   cny(4000),
		Currency: "CNY",
		Sort:     planner.SortCheapest,
	}
}

// The offline planner agrees with the hand-written intent, so the test
// below compares the two planners, not two guesses.
func TestOfflinePlannerYieldsLatteIntent(t *testing.T) {
	got, err := offline.New(offline.Config{}).Understand(context.Background(), planner.Request{Text: latteRequest, UserID: "u1", Vocabulary: vocab()})
	if err != nil {
		t.Fatal(err)
	}
	got.Planner, got.Usage, got.Extra = "", nil, nil
	for i := range got.Items {
		if len(got.Items[i].Accounting) == 0 {
			t.Errorf("items[%d]: no accounting of the person's words", i)
		}
		got.Items[i].Accounting = nil // the hand-written intent has none to compare
	}
	if want := latteIntent(); mustJSON(t, got) != mustJSON(t, want) {
		t.Errorf("offline planner's intent changed\n got: %s\nwant: %s", mustJSON(t, got), mustJSON(t, want))
	}
}

// The scripted model's submit_intent call must yield exactly the Intent the
// offline planner yields for the same request, apart from the provenance
// fields Planner, Usage and Extra.
func TestUnderstandEqualsOfflineIntent(t *testing.T) {
	step := intentCall(latteArgs)
	step.PromptTokens, step.CompletionTokens = 812, 64
	f := newFixture(t, Config{}, step)
	req := planner.Request{Text: latteRequest, UserID: "u1", Vocabulary: vocab()}

	got, err := f.p.Understand(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := latteIntent()
	if got.Planner != "llm" {
		t.Errorf("Planner = %q, want llm", got.Planner)
	}
	if got.Usage == nil || got.Usage.Calls != 1 || got.Usage.TokensIn != 812 || got.Usage.TokensOut != 64 {
		t.Errorf("Usage = %+v, want 1 call, 812 in, 64 out", got.Usage)
	}
	if got.Extra[SessionKey] == "" {
		t.Errorf("Extra[%s] not set", SessionKey)
	}
	got.Planner, got.Usage, got.Extra = "", nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("intent differs from the offline planner's\n got: %s\nwant: %s", mustJSON(t, got), mustJSON(t, want))
	}

	// What went over the wire: a forced submit_intent call whose schema is
	// bound to the vocabulary, a system prompt, the request as data.
	reqs := f.srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Model != "test-model" || len(r.Tools) != 1 || r.Tools[0].Function.Name != "submit_intent" {
		t.Fatalf("request model %q tools %+v", r.Model, r.Tools)
	}
	tc, _ := json.Marshal(r.ToolChoice)
	if string(tc) != `{"function":{"name":"submit_intent"},"type":"function"}` {
		t.Errorf("tool_choice = %s", tc)
	}
	schema, _ := json.Marshal(r.Tools[0].Function.Parameters)
	for _, frag := range []string{`"enum":["apparel","coffee","tea"]`, `"enum":["beanery","cupful","outfitters"]`, `"minimum":1`} {
		if !strings.Contains(string(schema), frag) {
			t.Errorf("schema lacks %s: %s", frag, schema)
		}
	}
	if r.Messages[0].Role != "system" || !strings.Contains(r.Messages[1].Content, latteRequest) {
		t.Errorf("messages: %+v", r.Messages)
	}
}

func TestUnderstandRepairsInvalidAnswerOnce(t *testing.T) {
	bad := `{"items":[{"query":"latte","quantity":3,"attributes":{"colour":"red"}}],"merchants":{"allow":["amazon"]}}`
	f := newFixture(t, Config{}, intentCall(bad), intentCall(latteArgs))
	in, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
	if err != nil {
		t.Fatal(err)
	}
	if in.Usage.Calls != 2 || in.Items[0].Quantity != 2 {
		t.Fatalf("usage %+v items %+v", in.Usage, in.Items)
	}
	second := f.srv.Requests()[1].Messages
	// system, user, assistant (the rejected call), tool (the error)
	if len(second) != 4 {
		t.Fatalf("second request has %d messages, want 4: %+v", len(second), second)
	}
	asst, tool := second[2], second[3]
	if asst.Role != "assistant" || len(asst.ToolCalls) != 1 || asst.ToolCalls[0].Function.Arguments != bad {
		t.Errorf("rejected answer not echoed: %+v", asst)
	}
	if tool.Role != "tool" || tool.ToolCallID != asst.ToolCalls[0].ID {
		t.Errorf("tool message %+v does not answer call %q", tool, asst.ToolCalls[0].ID)
	}
	for _, want := range []string{
		`items[0].quantity: 3 is not a number the person stated`,
		`items[0].attributes: unknown attribute "colour"`,
		`merchants.allow[0]: "amazon" is not a known merchant id`,
	} {
		if !strings.Contains(tool.Content, want) {
			t.Errorf("feedback lacks %q:\n%s", want, tool.Content)
		}
	}
}

// Every way a model answer can be wrong: after the one repair it is a clear
// error naming the problem.
func TestUnderstandInvalidTwiceFails(t *testing.T) {
	cases := []struct {
		name string
		step llmtest.Step
		want string
	}{
		{"malformed JSON", intentCall(`{"items":[{"query":"latte",`), "not a valid arguments object"},
		{"trailing data", intentCall(latteArgs + `{}`), "trailing data"},
		{"quantity wrong type", intentCall(`{"items":[{"query":"latte","quantity":"two"}]}`), "items.quantity: expected int, got string"},
		{"unknown field", intentCall(`{"items":[{"query":"latte","quantity":1}],"priority":"high"}`), `unknown field "priority"`},
		{"no items", intentCall(`{"items":[]}`), "items: none"},
		{"quantity zero", intentCall(`{"items":[{"query":"latte","quantity":0}]}`), "out of range"},
		{"invented quantity", intentCall(`{"items":[{"query":"latte","quantity":7}]}`), "7 is not a number the person stated"},
		{"attribute value outside vocabulary", intentCall(`{"items":[{"query":"latte","quantity":1,"attributes":{"milk":"almond"}}]}`), `items[0].attributes.milk: "almond" is not in the vocabulary`},
		{"excluded attribute outside vocabulary", intentCall(`{"items":[{"query":"latte","quantity":1,"exclude_attributes":{"sugar":["yes"]}}]}`), `unknown attribute "sugar"`},
		{"preference outside vocabulary", intentCall(`{"items":[{"query":"latte","quantity":1,"prefer":{"size":"venti"}}]}`), `"venti" is not in the vocabulary`},
		{"category outside vocabulary", intentCall(`{"items":[{"query":"latte","category":"drinks","quantity":1}]}`), `items[0].category: "drinks"`},
		{"brand outside vocabulary", intentCall(`{"items":[{"query":"latte","quantity":1,"brand":"Starbucks"}]}`), `items[0].brand: "Starbucks"`},
		{"merchant outside vocabulary", intentCall(`{"items":[{"query":"latte","quantity":1}],"merchants":{"deny":["evil-mart"]}}`), `merchants.deny[0]: "evil-mart"`},
		{"unknown currency", intentCall(`{"items":[{"query":"latte","quantity":1}],"budget":{"amount":"40","currency":"XYZ"}}`), `budget.currency: unknown "XYZ"`},
		{"inexact money", intentCall(`{"items":[{"query":"latte","quantity":1}],"budget":{"amount":"39.999"}}`), "more than 2 decimal places"},
		{"negative budget", intentCall(`{"items":[{"query":"latte","quantity":1}],"budget":{"amount":"-5"}}`), "budget.amount"},
		{"currency mismatch", intentCall(`{"items":[{"query":"latte","quantity":1}],"currency":"CNY","budget":{"amount":"40","currency":"USD"}}`), "differs from currency CNY"},
		{"bad sort", intentCall(`{"items":[{"query":"latte","quantity":1}],"sort":"random"}`), `sort: unknown "random"`},
		{"note from unknown memory", intentCall(`{"items":[{"query":"latte","quantity":1}],"notes":[{"text":"x","source":"m99"}]}`), `notes[0].source: "m99"`},
		{"clarify about a missing item", intentCall(`{"items":[],"clarify":{"question":"Which?","item":3}}`), "clarify.item: 3"},
		{"refusal", llmtest.Step{Refusal: "I can't help with purchases."}, "the model refused: I can't help with purchases."},
		{"prose instead of a call", llmtest.Step{Content: "Sure! Two lattes coming up."}, "the reply was text, not a submit_intent call"},
		{"empty reply", llmtest.Step{FinishReason: "length"}, `empty reply (finish reason "length")`},
		{"wrong tool", llmtest.Step{Tool: "buy_now", Arguments: `{}`}, `called unknown tool "buy_now"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Config{}, c.step, c.step)
			_, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab(), Memory: []planner.MemoryItem{{ID: "m1", Kind: "preference", Text: "likes oat milk"}}})
			if !errors.Is(err, ErrInvalidOutput) {
				t.Fatalf("err = %v, want ErrInvalidOutput", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, c.want)
			}
			if n := len(f.srv.Requests()); n != 2 {
				t.Errorf("%d model calls, want 2 (one repair)", n)
			}
		})
	}
}

func TestUnderstandAcceptsPlainJSONAndJSONMode(t *testing.T) {
	t.Run("JSON in a text answer", func(t *testing.T) {
		f := newFixture(t, Config{}, llmtest.Step{Content: "Here you go:\n```json\n" + latteArgs + "\n```"})
		in, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
		if err != nil || in.Items[0].Quantity != 2 {
			t.Fatalf("intent %+v, err %v", in, err)
		}
	})
	t.Run("JSON mode", func(t *testing.T) {
		check := func(r openai.ChatCompletionRequest) error {
			if len(r.Tools) != 0 || r.ResponseFormat == nil || r.ResponseFormat.Type != "json_object" {
				return errors.New("JSON mode must send response_format json_object and no tools")
			}
			if !strings.Contains(r.Messages[0].Content, `"quantity"`) {
				return errors.New("JSON mode must put the schema in the system prompt")
			}
			return nil
		}
		f := newFixture(t, Config{JSONMode: true}, llmtest.Step{Content: latteArgs, Check: check})
		in, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
		if err != nil || in.Budget == nil || *in.Budget != skills.M(4000, "CNY") {
			t.Fatalf("intent %+v, err %v", in, err)
		}
	})
}

func TestUnderstandClarification(t *testing.T) {
	f := newFixture(t, Config{}, intentCall(`{"items":[],"clarify":{"question":"Which size?","options":["small","large"],"item":-1}}`))
	in, err := f.p.Understand(context.Background(), planner.Request{Text: "a latte", Vocabulary: vocab()})
	if err != nil {
		t.Fatal(err)
	}
	if in.Clarify == nil || in.Clarify.Question != "Which size?" || len(in.Items) != 0 {
		t.Fatalf("intent %+v", in)
	}
}

func TestUnderstandMemoryNotesAndDelivery(t *testing.T) {
	args := `{"items":[{"query":"latte","quantity":1,"exclude_attributes":{"milk":["Whole","skim"]}}],
	"delivery":{"line1":"1 Example Rd","city":"Shanghai"},
	"notes":[{"text":"excluded dairy milk: lactose intolerant","source":"m1"}]}`
	f := newFixture(t, Config{}, intentCall(args))
	in, err := f.p.Understand(context.Background(), planner.Request{Text: "a latte to the office", Vocabulary: vocab(),
		Memory: []planner.MemoryItem{{ID: "m1", Kind: "constraint", Text: "lactose intolerant"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Items[0].ExcludeAttributes["milk"]; !reflect.DeepEqual(got, []string{"whole", "skim"}) {
		t.Errorf("exclude milk = %v", got)
	}
	if in.Delivery == nil || in.Delivery.City != "Shanghai" || len(in.Notes) != 1 || in.Notes[0].Source != "m1" {
		t.Errorf("intent %+v", in)
	}
}

func TestUnderstandFallback(t *testing.T) {
	offline := planner.Intent{Items: []planner.ItemSpec{{Query: "latte", Quantity: 2}}, Currency: "CNY"}
	cases := []struct {
		name  string
		steps []llmtest.Step
		calls int
		cause string
	}{
		{"invalid twice", []llmtest.Step{intentCall(`{"items":[]}`), intentCall(`{"items":[]}`)}, 2, "model output invalid"},
		{"server down", []llmtest.Step{{Status: 500}, {Status: 502}, {Status: 503}}, 0, "model unavailable"},
		{"unreadable body", []llmtest.Step{{Raw: "{not json"}}, 0, "bad_reply"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fb := &fakePlanner{intent: offline}
			f := newFixture(t, Config{Fallback: fb}, c.steps...)
			in, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
			if err != nil {
				t.Fatal(err)
			}
			if in.Planner != NameFallback || fb.understands != 1 {
				t.Errorf("Planner = %q, fallback called %d times", in.Planner, fb.understands)
			}
			if len(in.Notes) != 1 || !strings.Contains(in.Notes[0].Text, c.cause) || !strings.Contains(in.Notes[0].Text, "offline planner understood") {
				t.Errorf("notes %+v do not explain the fallback (%s)", in.Notes, c.cause)
			}
			if in.Usage == nil || in.Usage.Calls != c.calls {
				t.Errorf("usage %+v, want %d calls", in.Usage, c.calls)
			}
			if f.srv.Remaining() != 0 {
				t.Errorf("%d scripted steps unused", f.srv.Remaining())
			}
		})
	}
	t.Run("fallback fails too", func(t *testing.T) {
		fb := &fakePlanner{err: errors.New("no idea")}
		f := newFixture(t, Config{Fallback: fb}, intentCall(`{}`), intentCall(`{}`))
		_, err := f.p.Understand(context.Background(), planner.Request{Text: latteRequest, Vocabulary: vocab()})
		if !errors.Is(err, ErrInvalidOutput) || !strings.Contains(err.Error(), "fallback planner offline also failed: no idea") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestUnderstandTransportFailures(t *testing.T) {
	req := planner.Request{Text: latteRequest, Vocabulary: vocab()}
	t.Run("429 then success is retried", func(t *testing.T) {
		f := newFixture(t, Config{}, llmtest.Step{Status: 429, RetryAfter: "0", Message: "Rate limit reached"}, intentCall(latteArgs))
		in, err := f.p.Understand(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if in.Usage.Calls != 1 || len(f.srv.Requests()) != 2 {
			t.Errorf("calls %d, requests %d; want 1 answered call after 2 requests", in.Usage.Calls, len(f.srv.Requests()))
		}
	})
	t.Run("500 until retries run out", func(t *testing.T) {
		f := newFixture(t, Config{MaxRetries: 2}, llmtest.Step{Status: 500}, llmtest.Step{Status: 500}, llmtest.Step{Status: 500})
		_, err := f.p.Understand(context.Background(), req)
		var ce *CallError
		if !errors.Is(err, ErrUnavailable) || !errors.As(err, &ce) || ce.Kind != KindServer || ce.Status != 500 {
			t.Fatalf("err = %v", err)
		}
		if n := len(f.srv.Requests()); n != 3 {
			t.Errorf("%d requests, want 3 (1 + 2 retries)", n)
		}
	})
	t.Run("Retry-After beyond the cap is not waited for", func(t *testing.T) {
		f := newFixture(t, Config{}, llmtest.Step{Status: 429, RetryAfter: "3600"})
		_, err := f.p.Understand(context.Background(), req)
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "would have to wait 1h0m0s") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("401 is not retried", func(t *testing.T) {
		f := newFixture(t, Config{}, llmtest.Step{Status: 401, Message: "Incorrect API key provided"})
		_, err := f.p.Understand(context.Background(), req)
		var ce *CallError
		if !errors.As(err, &ce) || ce.Kind != KindAuth || len(f.srv.Requests()) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(f.srv.Requests()))
		}
		if strings.Contains(err.Error(), testKey) {
			t.Error("error contains the API key")
		}
	})
	t.Run("slow reply times out per call", func(t *testing.T) {
		srv := llmtest.New(t, llmtest.Step{Delay: time.Minute})
		m, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL, APIKey: testKey, Model: "m", Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := New(Config{Model: m, MaxRetries: -1})
		_, err = p.Understand(context.Background(), req)
		var ce *CallError
		if !errors.As(err, &ce) || ce.Kind != KindTimeout || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("caller's deadline ends it without retry or fallback", func(t *testing.T) {
		fb := &fakePlanner{}
		f := newFixture(t, Config{Fallback: fb}, llmtest.Step{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := f.p.Understand(ctx, req)
		if !errors.Is(err, context.DeadlineExceeded) || fb.understands != 0 || len(f.srv.Requests()) != 1 {
			t.Fatalf("err = %v, fallback calls %d, requests %d", err, fb.understands, len(f.srv.Requests()))
		}
	})
	t.Run("cancel during backoff", func(t *testing.T) {
		f := newFixture(t, Config{RetryBaseDelay: time.Hour, MaxRetryWait: 2 * time.Hour}, llmtest.Step{Status: 503})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := f.p.Understand(ctx, req)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestUnderstandRejectsBadInput(t *testing.T) {
	f := newFixture(t, Config{})
	if _, err := f.p.Understand(context.Background(), planner.Request{Text: "  "}); err == nil || !strings.Contains(err.Error(), "empty request") {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without a model succeeded")
	}
}
