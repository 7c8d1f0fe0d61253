package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Render writes entries for people: one block per session, one line per
// entry (time, seq, kind, a compact payload), hashes abbreviated.
func Render(w io.Writer, entries []Entry) error {
	cur := ""
	for _, e := range entries {
		if e.Session != cur {
			cur = e.Session
			if _, err := fmt.Fprintf(w, "session %s\n", cur); err != nil {
				return err
			}
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, e.Payload); err != nil {
			compact.Reset()
			compact.Write(e.Payload)
		}
		p := compact.String()
		if len(p) > 200 {
			p = p[:200] + "…"
		}
		p = strings.ReplaceAll(p, "\n", " ")
		if _, err := fmt.Fprintf(w, "  %s  #%-3d %-14s %s  [%s]\n", e.Time.UTC().Format(time.RFC3339), e.Seq, e.Kind, p, short(e.Hash)); err != nil {
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
