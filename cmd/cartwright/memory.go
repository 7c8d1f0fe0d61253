package main

import (
	"context"
	"errors"
	"strings"

	"github.com/cartwright-agent/cartwright/memory/cli"
	"github.com/cartwright-agent/cartwright/skills/store"
)

var memoryCommand = command{
	Summary: "add, list, search, forget or re-embed what the agent remembers about you",
	Run:     runMemory,
}

// runMemory opens the preference memory the shop command uses (the same
// state, the same store and embedder) and hands the rest of the arguments
// to memory/cli. --state (and DATABASE_URL) choose the state as for shop;
// the subcommands' own flags (--user, --kind, --json, …) are memory/cli's.
func runMemory(ctx context.Context, s *stdio, args []string) int {
	state, rest, err := takeStateFlag(args)
	if err != nil {
		fs := newFlags("memory", "memory add|list|search|forget|reembed [flags]", "", s.err)
		return usageError(s, fs, err)
	}
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" {
		return cli.Run(ctx, rest, s.out, helpOut(s, rest), cli.Config{})
	}
	path, err := statePath(&runtimeFlags{state: state}, s.getenv)
	if err != nil {
		return errorf(s, "%v", err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return errorf(s, "%v", err)
	}
	defer db.Close()
	m, err := openMemory(ctx, db, path, s.getenv)
	if err != nil {
		return errorf(s, "preference memory: %v", err)
	}
	return cli.Run(ctx, rest, s.out, s.err, cli.Config{Memory: m, Store: m.Store(), Embedder: m.Embedder(), User: "demo"})
}

// takeStateFlag removes --state PATH / --state=PATH (one dash works too)
// from args, wherever it stands, and returns the path and the remaining
// arguments.
func takeStateFlag(args []string) (state string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--state" || a == "-state" {
			if i+1 >= len(args) {
				return "", nil, errors.New("flag needs an argument: --state")
			}
			state = args[i+1]
			i++
			continue
		}
		if v, ok := strings.CutPrefix(a, "--state="); ok {
			state = v
			continue
		}
		if v, ok := strings.CutPrefix(a, "-state="); ok {
			state = v
			continue
		}
		rest = append(rest, a)
	}
	return state, rest, nil
}
