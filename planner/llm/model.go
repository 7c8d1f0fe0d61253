package llm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Model is the planner's only door to a language model: one chat call with
// optional tools. The langchaingo-backed OpenAI-compatible client (NewOpenAI)
// implements it; tests script it through an OpenAI-compatible test server.
type Model interface {
	Call(ctx context.Context, p Prompt) (Reply, error)
}

// Role is who speaks a Message.
type Role string

// Message roles.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool" // the result of a tool call, sent back to the model
)

// Message is one turn of a conversation after the system prompt.
type Message struct {
	Role Role
	Text string
	// ToolCalls are the calls an assistant turn made.
	ToolCalls []ToolCall
	// ToolCallID names the call a tool turn answers.
	ToolCallID string
	// ToolName names the tool a tool turn answers.
	ToolName string
}

// ToolCall is a model's request to call a function; Arguments is its raw
// JSON text, exactly as the model produced it.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string
}

// Tool is a function the model may call; Parameters is a JSON Schema object.
type Tool struct {
	Name        string
	Description string
	Parameters  map[string]any
}

// Prompt is one model call.
type Prompt struct {
	System   string
	Messages []Message
	Tools    []Tool
	// ToolChoice names the tool the model must call; empty lets it choose.
	ToolChoice string
	// JSON asks for a JSON object as plain text (for servers without tools).
	JSON      bool
	MaxTokens int
}

// Reply is what the model answered, with the provider's token counts.
type Reply struct {
	Text      string
	ToolCalls []ToolCall
	// Refusal is the model's refusal message, when the provider sent one.
	Refusal    string
	StopReason string
	TokensIn   int
	TokensOut  int
}

// ErrorKind classifies a failed model call.
type ErrorKind string

// Error kinds. Temporary ones (rate limit, server, timeout, network) are
// retried with backoff by the planner; the others are not.
const (
	KindRateLimit  ErrorKind = "rate_limited"
	KindServer     ErrorKind = "server_error"
	KindTimeout    ErrorKind = "timeout"
	KindNetwork    ErrorKind = "network"
	KindAuth       ErrorKind = "unauthorized"
	KindBadRequest ErrorKind = "bad_request"
	KindBadReply   ErrorKind = "bad_reply"
)

// CallError is a model call that did not produce a reply.
type CallError struct {
	Kind   ErrorKind
	Status int // HTTP status, 0 when none arrived
	// RetryAfter is the wait the server asked for (429/503), zero if none.
	RetryAfter time.Duration
	Err        error
}

func (e *CallError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("model call failed (%s, HTTP %d): %v", e.Kind, e.Status, e.Err)
	}
	return fmt.Sprintf("model call failed (%s): %v", e.Kind, e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }

// Temporary reports whether retrying the same call may succeed.
func (e *CallError) Temporary() bool {
	switch e.Kind {
	case KindRateLimit, KindServer, KindTimeout, KindNetwork:
		return true
	}
	return false
}

// Errors the planner returns, for callers to test with errors.Is.
var (
	// ErrInvalidOutput: the model's answer failed validation twice (the
	// second time after being shown the first error).
	ErrInvalidOutput = errors.New("llm planner: model output invalid")
	// ErrUnavailable: the model could not be reached or kept failing after
	// retries (rate limits, server errors, timeouts).
	ErrUnavailable = errors.New("llm planner: model unavailable")
	// ErrBudget: the session's model-call budget is spent.
	ErrBudget = errors.New("llm planner: model call budget spent")
)
