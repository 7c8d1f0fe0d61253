package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"
)

// DefaultBaseURL is OpenAI's API root.
const DefaultBaseURL = "https://api.openai.com/v1"

// OpenAIConfig configures NewOpenAI. Every field is explicit: nothing is read
// from OPENAI_* environment variables here (FromEnv does that, once).
type OpenAIConfig struct {
	// BaseURL is the API root including /v1 (OpenAI, Ollama, vLLM, LM
	// Studio…); empty means DefaultBaseURL.
	BaseURL string
	// APIKey is sent as a bearer token. Local servers ignore it, but the
	// client needs a non-empty value.
	APIKey       string
	Model        string
	Organization string
	// Transport carries the HTTP requests (nil: http.DefaultTransport). Tests
	// put the record/replay transport here.
	Transport http.RoundTripper
	// Timeout bounds one call (default 60s).
	Timeout time.Duration
}

// OpenAI is a Model speaking the OpenAI chat-completions protocol through
// langchaingo's openai provider. It only ever sends requests to its BaseURL.
type OpenAI struct {
	llm     *openai.LLM
	model   string
	timeout time.Duration
}

var _ Model = (*OpenAI)(nil)

// NewOpenAI builds a Model on langchaingo's OpenAI-compatible client.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := parseBaseURL(base)
	if err != nil {
		return nil, err
	}
	if cfg.APIKey == "" {
		return nil, errors.New("llm: an API key is required (any non-empty value for servers that ignore it)")
	}
	if cfg.Model == "" {
		return nil, errors.New("llm: no model name")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	rt := cfg.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	client := &http.Client{Transport: &endpointTransport{base: rt, scheme: u.Scheme, host: u.Host}}
	l, err := openai.New(
		openai.WithToken(cfg.APIKey),
		openai.WithBaseURL(u.String()),
		openai.WithModel(cfg.Model),
		openai.WithOrganization(cfg.Organization),
		openai.WithHTTPClient(client),
	)
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	return &OpenAI{llm: l, model: cfg.Model, timeout: cfg.Timeout}, nil
}

// parseBaseURL checks an API root: http(s), a host, no query; an empty path
// becomes /v1 (what every OpenAI-compatible server serves).
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: base URL %q must be an http(s) URL such as http://127.0.0.1:11434/v1", redactURL(s))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("llm: base URL %q must not have a query or fragment", redactURL(s))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	if u.Path == "" {
		u.Path = "/v1"
	}
	return u, nil
}

// redactURL drops user info from a URL for messages and logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if i := strings.Index(s, "@"); i >= 0 {
			return "…" + s[i:]
		}
		return s
	}
	u.User = nil
	return u.String()
}

// Call sends one chat completion.
func (o *OpenAI) Call(ctx context.Context, p Prompt) (Reply, error) {
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	ex := &exchange{}
	cctx = context.WithValue(cctx, exchangeKey{}, ex)

	msgs, err := toLangchain(p)
	if err != nil {
		return Reply{}, &CallError{Kind: KindBadRequest, Err: err}
	}
	opts := []llms.CallOption{llms.WithTemperature(0)}
	if p.MaxTokens > 0 {
		opts = append(opts, llms.WithMaxTokens(p.MaxTokens))
	}
	if len(p.Tools) > 0 {
		tools := make([]llms.Tool, len(p.Tools))
		for i, t := range p.Tools {
			tools[i] = llms.Tool{Type: "function", Function: &llms.FunctionDefinition{
				Name: t.Name, Description: t.Description, Parameters: t.Parameters,
			}}
		}
		opts = append(opts, llms.WithTools(tools))
	}
	if p.ToolChoice != "" {
		opts = append(opts, llms.WithToolChoice(llms.ToolChoice{
			Type: "function", Function: &llms.FunctionReference{Name: p.ToolChoice},
		}))
	}
	if p.JSON {
		opts = append(opts, llms.WithJSONMode())
	}
	resp, err := o.llm.GenerateContent(cctx, msgs, opts...)
	if err != nil {
		return Reply{}, o.classify(ctx, cctx, ex, err)
	}
	if len(resp.Choices) == 0 || resp.Choices[0] == nil {
		return Reply{}, &CallError{Kind: KindBadReply, Status: ex.status, Err: errors.New("reply has no choices")}
	}
	ch := resp.Choices[0]
	r := Reply{Text: ch.Content, StopReason: ch.StopReason, Refusal: ex.refusal()}
	for _, tc := range ch.ToolCalls {
		if tc.FunctionCall == nil {
			continue
		}
		r.ToolCalls = append(r.ToolCalls, ToolCall{ID: tc.ID, Name: tc.FunctionCall.Name, Arguments: tc.FunctionCall.Arguments})
	}
	r.TokensIn = intInfo(ch.GenerationInfo, "PromptTokens")
	r.TokensOut = intInfo(ch.GenerationInfo, "CompletionTokens")
	return r, nil
}

func intInfo(m map[string]any, k string) int {
	switch v := m[k].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

// classify turns langchaingo's string errors into a CallError, using what
// the transport saw (status, Retry-After) rather than parsing messages.
func (o *OpenAI) classify(parent, call context.Context, ex *exchange, err error) error {
	switch {
	case parent.Err() != nil:
		return &CallError{Kind: KindTimeout, Err: parent.Err()}
	case ex.refused != nil:
		return &CallError{Kind: KindBadRequest, Err: ex.refused}
	case call.Err() != nil:
		return &CallError{Kind: KindTimeout, Err: fmt.Errorf("no reply within %s: %w", o.timeout, context.DeadlineExceeded)}
	}
	ce := &CallError{Status: ex.status, Err: err, RetryAfter: retryAfter(ex.header.Get("Retry-After"))}
	switch s := ex.status; {
	case s == 0:
		ce.Kind = KindNetwork
		if ex.transportErr != nil {
			ce.Err = ex.transportErr
		}
	case s == http.StatusTooManyRequests:
		ce.Kind = KindRateLimit
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		ce.Kind = KindAuth
	case s >= 500:
		ce.Kind = KindServer
	case s >= 400:
		ce.Kind = KindBadRequest
	default:
		ce.Kind = KindBadReply
	}
	return ce
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h string) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func toLangchain(p Prompt) ([]llms.MessageContent, error) {
	var out []llms.MessageContent
	if p.System != "" {
		out = append(out, llms.TextParts(llms.ChatMessageTypeSystem, p.System))
	}
	for i, m := range p.Messages {
		switch m.Role {
		case RoleUser:
			out = append(out, llms.TextParts(llms.ChatMessageTypeHuman, m.Text))
		case RoleAssistant:
			mc := llms.MessageContent{Role: llms.ChatMessageTypeAI}
			if m.Text != "" {
				mc.Parts = append(mc.Parts, llms.TextPart(m.Text))
			}
			for _, tc := range m.ToolCalls {
				mc.Parts = append(mc.Parts, llms.ToolCall{ID: tc.ID, Type: "function",
					FunctionCall: &llms.FunctionCall{Name: tc.Name, Arguments: tc.Arguments}})
			}
			if len(mc.Parts) == 0 {
				mc.Parts = append(mc.Parts, llms.TextPart(""))
			}
			out = append(out, mc)
		case RoleTool:
			out = append(out, llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{
				llms.ToolCallResponse{ToolCallID: m.ToolCallID, Name: m.ToolName, Content: m.Text},
			}})
		default:
			return nil, fmt.Errorf("messages[%d]: unknown role %q", i, m.Role)
		}
	}
	return out, nil
}

// exchange is what the transport saw of one call's HTTP response.
type exchange struct {
	status  int
	header  http.Header
	body    bytes.Buffer
	refused error
	// transportErr is the transport's own error: langchaingo replaces it
	// with a generic "network error" message.
	transportErr error
}

type exchangeKey struct{}

// refusal digs the OpenAI "refusal" field out of the reply body: langchaingo
// v0.1.14 does not surface it.
func (ex *exchange) refusal() string {
	var w struct {
		Choices []struct {
			Message struct {
				Refusal string `json:"refusal"`
			} `json:"message"`
		} `json:"choices"`
	}
	if json.Unmarshal(ex.body.Bytes(), &w) != nil || len(w.Choices) == 0 {
		return ""
	}
	return w.Choices[0].Message.Refusal
}

// endpointTransport sends requests only to the configured endpoint and
// notes each response's status, headers and (bounded) body for classify.
type endpointTransport struct {
	base         http.RoundTripper
	scheme, host string
}

const maxCapture = 4 << 20

func (t *endpointTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if req.URL.Scheme != t.scheme || req.URL.Host != t.host {
		err := fmt.Errorf("refusing request to %s://%s: only the configured model endpoint may be called", req.URL.Scheme, req.URL.Host)
		if ex != nil {
			ex.refused = err
		}
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if ex == nil {
		return resp, err
	}
	if err != nil {
		ex.transportErr = err
		return resp, err
	}
	ex.status, ex.header = resp.StatusCode, resp.Header.Clone()
	resp.Body = &teeBody{rc: resp.Body, buf: &ex.body}
	return resp, nil
}

type teeBody struct {
	rc  io.ReadCloser
	buf *bytes.Buffer
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 && b.buf.Len() < maxCapture {
		b.buf.Write(p[:min(n, maxCapture-b.buf.Len())])
	}
	return n, err
}

func (b *teeBody) Close() error { return b.rc.Close() }
