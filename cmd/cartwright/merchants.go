package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cartwright-agent/cartwright/merchants"
	"github.com/cartwright-agent/cartwright/merchants/storefront"
)

var merchantsCommand = command{
	Summary: "run the mock merchant world (merchants serve) or write its product feeds (merchants feed)",
	Run:     runMerchants,
}

func runMerchants(ctx context.Context, s *stdio, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := s.out
		if len(args) == 0 {
			w = s.err
		}
		fmt.Fprintf(w, "Usage:\n  cartwright merchants serve [--world FILE]\n  cartwright merchants feed [--world FILE] --out DIR\n\nSubcommands:\n  serve   start the world's merchants and payment network on loopback until interrupted\n  feed    write every merchant's catalog as an ACP product feed (metadata.json + products.jsonl)\n")
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
	case "feed":
		var world, out string
		fs := newFlags("merchants feed", "merchants feed [--world FILE] --out DIR",
			"Writes every merchant's catalog (the built-in demo world by default) as an ACP\nproduct feed in file form: DIR/<merchant>/metadata.json (FeedMetadata) and\nDIR/<merchant>/products.jsonl (one Product per line, variants grouped). The\nsame feeds are served live by `merchants serve` at GET /feeds/feed_<merchant>/products.", helpOut(s, args[1:]))
		fs.StringVar(&world, "world", "", "world file (the `world:` block of the scenario format at top level)")
		fs.StringVar(&out, "out", "", "output directory (created if missing)")
		pos, err := parseArgs(fs, args[1:])
		if err != nil {
			return usageError(s, fs, err)
		}
		if len(pos) > 0 {
			return usageError(s, fs, fmt.Errorf("unexpected argument %q", pos[0]))
		}
		if out == "" {
			return usageError(s, fs, fmt.Errorf("--out DIR is required"))
		}
		var w *merchants.World
		if world == "" {
			w, err = merchants.DemoWorld()
		} else {
			w, err = merchants.LoadWorldFile(world)
		}
		if err != nil {
			return errorf(s, "%v", err)
		}
		dirs, err := merchants.WriteWorldFeeds(out, w, time.Now())
		if err != nil {
			return errorf(s, "%v", err)
		}
		for _, d := range dirs {
			fmt.Fprintln(s.out, d)
		}
		return exitBought
	}
	fmt.Fprintf(s.err, "cartwright merchants: unknown subcommand %q (want serve or feed)\n", args[0])
	return exitUsage
}
