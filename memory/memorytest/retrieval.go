package memorytest

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/cartwright-agent/cartwright/memory"
)

//go:embed testdata/retrieval.txt
var retrievalTxt string

//go:embed testdata/heldout.txt
var heldoutTxt string

// SetMemory is one labelled memory of the retrieval set.
type SetMemory struct {
	User, ID string
	Kind     memory.Kind
	Text     string
	Line     int
}

// SetQuery is one request with the memories relevant to it.
type SetQuery struct {
	User     string
	Relevant []string // SetMemory ids
	Critical bool     // planner-critical: must be in the top 5
	Text     string
	Line     int
}

// Set is the labelled retrieval set (testdata/retrieval.txt).
type Set struct {
	Memories []SetMemory
	Queries  []SetQuery
}

// Pairs counts (query, relevant memory) pairs.
func (s Set) Pairs() int {
	n := 0
	for _, q := range s.Queries {
		n += len(q.Relevant)
	}
	return n
}

// RetrievalSet parses the embedded retrieval set.
func RetrievalSet() (Set, error) { return ParseSet("testdata/retrieval.txt", retrievalTxt) }

// HeldOutSet parses the held-out set (testdata/heldout.txt): written after
// the local embedder's concept table was frozen, never used to tune it.
func HeldOutSet() (Set, error) { return ParseSet("testdata/heldout.txt", heldoutTxt) }

// ParseSet parses the retrieval-set format; errors name file and line.
func ParseSet(name, text string) (Set, error) {
	var set Set
	user := ""
	ids := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%s:%d: %s", name, ln, fmt.Sprintf(format, a...))
		}
		head, body, hasBar := strings.Cut(line, "|")
		f := strings.Fields(head)
		switch {
		case len(f) == 2 && f[0] == "user" && !hasBar:
			user = f[1]
		case len(f) == 3 && f[0] == "m" && hasBar:
			if user == "" {
				return Set{}, bad("memory before any user line")
			}
			k, err := memory.ParseKind(f[2])
			if err != nil {
				return Set{}, bad("%v", err)
			}
			key := user + "/" + f[1]
			if ids[key] {
				return Set{}, bad("duplicate memory id %s", f[1])
			}
			ids[key] = true
			set.Memories = append(set.Memories, SetMemory{User: user, ID: f[1], Kind: k, Text: strings.TrimSpace(body), Line: ln})
		case (len(f) == 2 || len(f) == 3) && f[0] == "q" && hasBar:
			q := SetQuery{User: user, Relevant: strings.Split(f[1], ","), Text: strings.TrimSpace(body), Line: ln}
			if len(f) == 3 {
				if f[2] != "!" {
					return Set{}, bad("want \"!\" or nothing after the ids, got %q", f[2])
				}
				q.Critical = true
			}
			for _, id := range q.Relevant {
				if !ids[user+"/"+id] {
					return Set{}, bad("query names unknown memory %q (memories must come before their queries)", id)
				}
			}
			if q.Text == "" {
				return Set{}, bad("empty query text")
			}
			set.Queries = append(set.Queries, q)
		default:
			return Set{}, bad("want `user NAME`, `m ID KIND | text` or `q ID[,ID…] [!] | text`")
		}
	}
	return set, sc.Err()
}

// Miss is a relevant memory that was not retrieved.
type Miss struct {
	Query    SetQuery
	MemoryID string
	Got      []string // the ids retrieved, best first
}

// Report is the outcome of a retrieval evaluation.
type Report struct {
	K                int
	Pairs, Found     int
	Critical, CFound int
	Misses           []Miss
	// MRR is the mean reciprocal rank of relevant memories (0 when missed).
	MRR float64
}

// Recall is Found/Pairs.
func (r Report) Recall() float64 {
	if r.Pairs == 0 {
		return 0
	}
	return float64(r.Found) / float64(r.Pairs)
}

func (r Report) String() string {
	return fmt.Sprintf("recall@%d = %.3f (%d/%d pairs), planner-critical %d/%d, MRR %.3f",
		r.K, r.Recall(), r.Found, r.Pairs, r.CFound, r.Critical, r.MRR)
}

// Evaluate loads set into m under user ids prefixed with userPrefix and
// measures recall@k of Search over every (query, relevant memory) pair.
func Evaluate(ctx context.Context, m memory.Memory, set Set, userPrefix string, k int) (Report, error) {
	idOf := map[string]string{} // user/setID → entry id
	for _, sm := range set.Memories {
		e, err := m.Add(ctx, memory.Entry{UserID: userPrefix + sm.User, Kind: sm.Kind, Text: sm.Text, Source: "retrieval-set"})
		if err != nil {
			return Report{}, fmt.Errorf("line %d: add: %w", sm.Line, err)
		}
		idOf[sm.User+"/"+sm.ID] = e.ID
	}
	setID := map[string]string{}
	for k, v := range idOf {
		setID[v] = k[strings.Index(k, "/")+1:]
	}
	rep := Report{K: k}
	var rr float64
	for _, q := range set.Queries {
		// One extra hit shows ties at the cut: a relevant memory whose score
		// equals the first one left out was in the top k by the luck of
		// tie-breaking (random ids), so it counts as missed. Results are
		// deterministic that way.
		hits, err := m.Search(ctx, memory.Query{UserID: userPrefix + q.User, Text: q.Text, K: k + 1})
		if err != nil {
			return Report{}, fmt.Errorf("line %d: search: %w", q.Line, err)
		}
		cut := -2.0
		if len(hits) > k {
			cut = hits[k].Score
			hits = hits[:k]
		}
		var got []string
		for _, h := range hits {
			if h.Score > cut {
				got = append(got, setID[h.ID])
			}
		}
		for _, id := range q.Relevant {
			rep.Pairs++
			if q.Critical {
				rep.Critical++
			}
			rank := 0
			for i, g := range got {
				if g == id {
					rank = i + 1
					break
				}
			}
			if rank > 0 {
				rep.Found++
				rr += 1 / float64(rank)
				if q.Critical {
					rep.CFound++
				}
			} else {
				rep.Misses = append(rep.Misses, Miss{Query: q, MemoryID: id, Got: got})
			}
		}
	}
	if rep.Pairs > 0 {
		rep.MRR = rr / float64(rep.Pairs)
	}
	return rep, nil
}
