package main

import (
	"os"
	"testing"
)

// TestMain keeps the CLI's tests offline and on their own state whatever the
// developer's shell has set: with a model configured, `shop` would plan with
// the LLM over the network; with an embeddings model, memory would embed
// there. Tests that want a model start a loopback server and set these
// themselves.
func TestMain(m *testing.M) {
	for _, k := range []string{"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORGANIZATION", "CARTWRIGHT_MODEL",
		"CARTWRIGHT_LLM_MODE", "CARTWRIGHT_EMBED_MODEL", "DATABASE_URL", "CARTWRIGHT_MEMORY_STORE"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}
