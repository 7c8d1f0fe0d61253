package memory_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cartwright-agent/cartwright/memory"
	"github.com/cartwright-agent/cartwright/memory/localembed"
	"github.com/cartwright-agent/cartwright/memory/sqlstore"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// The default memory: the embedded store in the state database and the
// local embedder. Swap sqlstore for memory/pgvector and localembed for
// memory/openaiembed at scale; the Memory interface stays the same.
func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "cartwright-example")
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	st, err := sqlstore.Open(ctx, sqlstore.Config{DB: db})
	if err != nil {
		panic(err)
	}
	m, err := memory.New(memory.Config{Store: st, Embedder: localembed.Default()})
	if err != nil {
		panic(err)
	}
	for _, text := range []string{"I am lactose intolerant", "My office is at 88 Century Avenue", "I like board games"} {
		e, _ := m.Add(ctx, memory.Entry{UserID: "alice", Text: text}) // kind inferred
		fmt.Printf("%-10s %s\n", e.Kind, e.Text)
	}
	hits, _ := m.Search(ctx, memory.Query{UserID: "alice", Text: "which milk for my latte", K: 1})
	fmt.Println("best match:", hits[0].Text)
	items, _ := memory.ForPlanner(ctx, m, "alice", "two oat lattes to the office")
	fmt.Println("for the planner:", len(items), "items, first:", items[0].Kind, "-", items[0].Text)
	// Output:
	// constraint I am lactose intolerant
	// profile    My office is at 88 Century Avenue
	// preference I like board games
	// best match: I am lactose intolerant
	// for the planner: 2 items, first: constraint - I am lactose intolerant
}
