package openaiembed

import "time"

// SetBackoff shortens retry waits in tests.
func SetBackoff(e *Embedder, d time.Duration) { e.backoff = d }
