package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/cartwright-agent/cartwright/skills/safetext"
)

// Render writes entries for people: one block per session, one line per
// entry (time, seq, kind, a compact payload), hashes abbreviated.
func Render(w io.Writer, entries []Entry) error {
	cur := ""
	for _, e := range entries {
		if e.Session != cur {
			cur = e.Session
			if _, err := fmt.Fprintf(w, "session %s\n", safetext.Line(cur)); err != nil {
				return err
			}
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, e.Payload); err != nil {
			compact.Reset()
			compact.Write(e.Payload)
		}
		// JSON escapes C0 controls; DEL, C1 and bidi marks it leaves raw,
		// and merchant text reaches payloads: show it inert and bounded.
		p := safetext.Terminal(compact.String(), 200)
		if _, err := fmt.Fprintf(w, "  %s  #%-3d %-14s %s  [%s]\n", e.Time.UTC().Format(time.RFC3339), e.Seq, safetext.Line(e.Kind), p, short(e.Hash)); err != nil {
			return err
		}
	}
	return nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
