package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/storefront"
)

var merchantsCommand = command{
	Summary: "run the mock merchant world (merchants serve)",
	Run:     runMerchants,
}

func runMerchants(ctx context.Context, s *stdio, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := s.out
		if len(args) == 0 {
			w = s.err
		}
		fmt.Fprintf(w, "Usage:\n  cartwright merchants serve [--world FILE]\n\nSubcommands:\n  serve   start the world's merchants and payment network on loopback until interrupted\n")
		if len(args) == 0 {
			return exitUsage
		}
		return exitBought
	}
	switch args[0] {
	case "serve":
		var world string
		fs := newFlags("merchants serve", "merchants serve [--world FILE]",
			"Starts every merchant of the world (the built-in demo world by default) and the\nmock payment network on 127.0.0.1, prints each merchant's API URL and its\nstorefront URL (HTML pages for people and the browser skill), and serves until\ninterrupted. Shop there with: cartwright shop --merchant URL --paynet URL \"…\"", helpOut(s, args[1:]))
		fs.StringVar(&world, "world", "", "world file (the `world:` block of the scenario format at top level)")
		pos, err := parseArgs(fs, args[1:])
		if err != nil {
			return usageError(s, fs, err)
		}
		if len(pos) > 0 {
			return usageError(s, fs, fmt.Errorf("unexpected argument %q", pos[0]))
		}
		// Every merchant also serves its human storefront (the same back end
		// as its API) under /shop/: web-only merchants are reached only there.
		opts := merchants.Options{Mount: storefront.Mount(nil, slog.Default())}
		if err := merchants.Serve(ctx, world, s.out, opts); err != nil {
			return errorf(s, "%v", err)
		}
		return exitBought
	}
	fmt.Fprintf(s.err, "cartwright merchants: unknown subcommand %q (want serve)\n", args[0])
	return exitUsage
}
