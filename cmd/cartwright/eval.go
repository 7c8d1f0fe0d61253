package main

import (
	"context"

	"github.com/cartwright-agent/cartwright/evals"
	"github.com/cartwright-agent/cartwright/evals/gen"
)

// evalCommand is `cartwright eval`: run eval scenarios (the format in
// evals/scenarios/README.md) and report completion, wrong purchases, price
// optimality and pass^k. Its exit status: 0 ok, 1 a --min-completion or
// --max-wrong-purchase gate was missed, 2 usage or scenario-file errors.
var evalCommand = command{
	Summary: "run eval scenarios and report completion, wrong purchases, price optimality, pass^k",
	Run:     runEval,
}

func runEval(ctx context.Context, s *stdio, args []string) int {
	return evals.RunCLIWith(ctx, args, s.out, s.err, evals.CLIConfig{IsTerminal: func() bool { return s.errTTY },
		Generate: gen.Generate})
}
