package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/cartwright-agent/cartwright/planner/llm/llmtest"
)

// readmeCmd is one command the README shows.
type readmeCmd struct {
	Line int
	Text string
	// Env holds the exports before it in its code block.
	Env map[string]string
	// Inline: shown in backticks in prose, not in a code block.
	Inline bool
}

var exportRe = regexp.MustCompile(`^export\s+(.*)$`)

// readmeCommands extracts every command the README shows: each line of a
// fenced code block (comments cut, exports gathered per block) and every
// backticked `cartwright …` in the prose.
func readmeCommands(t *testing.T, text string) (cmds []readmeCmd, other []readmeCmd) {
	t.Helper()
	inBlock, lang := false, ""
	env := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		if strings.HasPrefix(line, "```") {
			if !inBlock {
				inBlock, lang, env = true, strings.TrimPrefix(line, "```"), map[string]string{}
			} else {
				inBlock = false
			}
			continue
		}
		if !inBlock {
			for _, m := range regexp.MustCompile("`(cartwright [^`]+)`").FindAllStringSubmatch(line, -1) {
				cmds = append(cmds, readmeCmd{Line: n, Text: m[1], Inline: true})
			}
			continue
		}
		code := line
		if k := strings.Index(code, " #"); k >= 0 {
			code = code[:k]
		}
		code = strings.TrimSpace(code)
		if code == "" || strings.HasPrefix(code, "#") {
			continue
		}
		if m := exportRe.FindStringSubmatch(code); m != nil {
			for _, kv := range strings.Fields(m[1]) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			continue
		}
		if lang != "bash" && lang != "" {
			continue
		}
		c := readmeCmd{Line: n, Text: code, Env: map[string]string{}}
		for k, v := range env {
			c.Env[k] = v
		}
		if strings.HasPrefix(code, "cartwright ") || strings.HasPrefix(code, "go run ./cmd/cartwright ") {
			cmds = append(cmds, c)
		} else if lang == "bash" {
			other = append(other, c)
		}
	}
	return cmds, other
}

// shellWords splits a command line the way a POSIX shell would for the
// README's simple commands: whitespace separates, single and double
// quotes group.
func shellWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

// TestReadmeCommandsRun runs every command the README shows, so an example
// that drifts (a flag renamed, a scenario id that does not exist, a path
// that moved) fails CI. Everything stays on loopback: state lives in a
// temporary directory, the model endpoints the examples export are pointed
// at a scripted OpenAI-compatible server on 127.0.0.1, and `merchants
// serve` is stopped once it has printed its URLs. Three adjustments keep it
// fast, each said in the subtest's log: eval commands that run the whole
// public suite run one scenario of it (--run; scripts/test.sh runs the
// whole suite through the CLI), --generate N generates 3, placeholders
// (ID) are filled with real
// values, and commands with other placeholders (<command>, URL, FILE, …)
// run once per command name with --help, or are listed as not runnable.
func TestReadmeCommandsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every README command (a few seconds); -short skips it")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds, other := readmeCommands(t, string(b))
	if len(cmds) < 15 {
		t.Fatalf("found only %d commands in README.md: the extractor is broken", len(cmds))
	}

	// The non-cartwright lines: only the CI entry point, which is CI itself.
	for _, c := range other {
		if c.Text != "bash scripts/test.sh" {
			t.Errorf("README.md:%d: %q: not a cartwright command and not known to this test", c.Line, c.Text)
			continue
		}
		st, err := os.Stat(filepath.Join(root, "scripts", "test.sh"))
		if err != nil || st.IsDir() {
			t.Errorf("README.md:%d: scripts/test.sh: %v", c.Line, err)
		}
	}

	// A working directory like the repository's root: evals/ is the real
	// one, outputs (eval-out, before, after, compare.html) land in a
	// temporary directory.
	work := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "evals"), filepath.Join(work, "evals")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	state := filepath.Join(work, "state")
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("HOME", filepath.Join(work, "home"))
	for _, k := range []string{"OPENAI_API_KEY", "OPENAI_BASE_URL", "CARTWRIGHT_MODEL", "CARTWRIGHT_LLM_MODE", "CARTWRIGHT_EMBED_MODEL", "DATABASE_URL", "CARTWRIGHT_MEMORY_STORE"} {
		t.Setenv(k, "")
	}
	// The scripted model answers in prose, which the LLM planner rejects
	// and falls back to the offline one: the point here is that the
	// commands and their configuration work, not what a model says.
	model := llmtest.NewFunc(t, func(openai.ChatCompletionRequest) llmtest.Step {
		return llmtest.Step{Content: "I would rather not say."}
	})

	ids := map[string]string{} // placeholder → value seen earlier
	memID := regexp.MustCompile(`mem_[0-9a-f]+`)
	ran := 0
	for _, c := range cmds {
		name := fmt.Sprintf("README.md:%d", c.Line)
		t.Run(name, func(t *testing.T) {
			words, err := shellWords(c.Text)
			if err != nil {
				t.Fatal(err)
			}
			if words[0] == "go" { // go run ./cmd/cartwright …
				words = words[3:]
			} else {
				words = words[1:]
			}
			switch {
			case len(words) > 0 && words[0] == "<command>":
				if !strings.Contains(c.Text, "--help") {
					t.Logf("%q is the CLI's shape, not a command; run below as <command> --help for every command", c.Text)
					return
				}
				names := make([]string, 0, len(commands))
				for n := range commands {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					code, out, errs := runReadme(t, []string{n, "--help"}, 0)
					if code != 0 || len(out)+len(errs) == 0 {
						t.Errorf("cartwright %s --help: exit %d\n%s%s", n, code, out, errs)
					}
				}
				ran++
				return
			}
			for i, w := range words {
				if w == "ID" {
					if ids["ID"] == "" {
						t.Fatalf("%q: no memory id seen before it", c.Text)
					}
					words[i] = ids["ID"]
					t.Logf("ID → %s (the first memory added above)", ids["ID"])
				}
				if w == "URL" || w == "FILE" || w == "…" || strings.HasPrefix(w, "<") {
					t.Logf("%q has a placeholder (%s): shown, not runnable as is", c.Text, w)
					return
				}
			}
			for k, v := range c.Env {
				t.Setenv(k, v)
			}
			if _, ok := c.Env["OPENAI_API_KEY"]; ok || c.Env["OPENAI_BASE_URL"] != "" {
				t.Setenv("OPENAI_BASE_URL", model.URL)
				t.Logf("model endpoint %q → the scripted loopback model %s", c.Env["OPENAI_BASE_URL"], model.URL)
				if c.Env["OPENAI_BASE_URL"] == "" && c.Env["CARTWRIGHT_MODEL"] == "" {
					t.Setenv("CARTWRIGHT_MODEL", "gpt-4o-mini") // OpenAI's default, named for the loopback server
				}
			}
			serve := len(words) > 1 && words[0] == "merchants" && words[1] == "serve"
			if c.Inline && !strings.Contains(c.Text, `"`) && !serve {
				// A command named in prose ("the active mandate from
				// `cartwright mandate create`"): it must exist.
				words = append(words, "--help")
				t.Logf("named in prose: runs %s", strings.Join(words, " "))
			}
			if words[0] == "eval" && slices.Contains(words, "evals/scenarios") && !slices.Contains(words, "--explain") && !slices.Contains(words, "--check") {
				words = append(words, "--run", "oat-latte-large-2")
				t.Logf("runs one scenario of the suite: %s", strings.Join(words, " "))
			}
			if i := slices.Index(words, "--generate"); words[0] == "eval" && i >= 0 && i+1 < len(words) {
				words[i+1] = "3"
				t.Logf("generates 3 scenarios, not %s: %s", c.Text, strings.Join(words, " "))
			}
			wait := time.Duration(0)
			if serve {
				wait = 3 * time.Second // long-running: stopped once it has printed its URLs
			}
			code, out, errs := runReadme(t, words, wait)
			ran++
			want := expectedExit(string(b), c)
			if !want(code) {
				t.Errorf("%q: exit %d\nstdout:\n%s\nstderr:\n%s", c.Text, code, out, errs)
			}
			if m := memID.FindString(out); m != "" && ids["ID"] == "" && words[0] == "memory" && words[1] == "add" {
				ids["ID"] = m
			}
			if wait > 0 && !strings.Contains(out, "http://127.0.0.1:") {
				t.Errorf("%q printed no loopback URL:\n%s%s", c.Text, out, errs)
			}
		})
	}
	if ran < 15 {
		t.Errorf("ran only %d README commands", ran)
	}
}

// expectedExit is what exit status a README command must end with: the
// code its own line states ("exits with code 6"), the codes `shop` ends a
// run with (bought, declined, refused, needs clarification, nothing found:
// the examples cannot answer prompts), or 0.
func expectedExit(readme string, c readmeCmd) func(int) bool {
	if c.Inline {
		i := strings.Index(readme, "`"+c.Text+"`")
		rest := readme[i:min(len(readme), i+len(c.Text)+200)]
		if m := regexp.MustCompile(`exits with code (\d)`).FindStringSubmatch(rest); m != nil {
			return func(code int) bool { return fmt.Sprint(code) == m[1] }
		}
	}
	if strings.Contains(c.Text, " shop ") || strings.HasPrefix(c.Text, "cartwright shop") {
		return func(code int) bool { return code != exitError && code != exitUsage }
	}
	return func(code int) bool { return code == 0 }
}

// runReadme runs one CLI command in-process; with wait > 0 it is stopped
// (its context cancelled) after that long, as an interrupt would.
func runReadme(t *testing.T, args []string, wait time.Duration) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	s := &stdio{in: strings.NewReader(""), out: &out, err: &errb, getenv: os.Getenv}
	ctx := context.Background()
	if wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
	}
	code := run(ctx, s, args)
	return code, out.String(), errb.String()
}

// syncBuffer is a bytes.Buffer safe for a command that writes from several
// goroutines (merchants serve).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
