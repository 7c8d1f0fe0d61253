package skills

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns prefix followed by n random bytes in hex, from crypto/rand:
// session ids, idempotency keys, nonces, tokens and entry ids all come from
// here.
func NewID(prefix string, n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error on supported platforms (it
	// crashes the program irrecoverably instead), per its documentation.
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
