// Command cartwright is the Cartwright CLI: shop with the agent, serve the
// mock merchant world, and (in their own files) manage the wallet, mandates,
// orders, the audit log, memory and evals.
//
// Exit codes (documented in `cartwright --help` and the README):
//
//	0  bought
//	1  error (including a checkout that failed and was rolled back)
//	2  usage error
//	3  declined by the user
//	4  refused by policy
//	5  needs clarification
//	6  nothing suitable found
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitBought        = 0
	exitError         = 1
	exitUsage         = 2
	exitDeclined      = 3
	exitRefused       = 4
	exitClarification = 5
	exitNoOffers      = 6
)

// command is one top-level subcommand. Run gets the arguments after the
// command name and returns the process exit code.
type command struct {
	Summary string
	Run     func(ctx context.Context, io *stdio, args []string) int
}

// commands is the CLI's command table. Each command group lives in its own
// file (shop.go, merchants.go, …) and is listed here explicitly: to add one,
// write <group>.go with a `var <group>Command = command{…}` and add a line
// below. Nothing registers itself behind the reader's back.
var commands = map[string]command{
	"shop":      shopCommand,      // shop.go
	"resume":    resumeCommand,    // shop.go
	"sessions":  sessionsCommand,  // shop.go
	"merchants": merchantsCommand, // merchants.go
	"eval":      evalCommand,      // eval.go
	"mandate":   mandateCommand,   // mandate.go
	"wallet":    walletCommand,    // wallet.go
	"orders":    ordersCommand,    // orders.go
	"audit":     auditCommand,     // audit.go
	"memory":    memoryCommand,    // memory.go
}

// stdio is the process's streams and environment, injectable for tests.
type stdio struct {
	in     io.Reader
	out    io.Writer
	err    io.Writer
	getenv func(string) string
	// interactive reports whether in/err are terminals (prompts, progress).
	inTTY, errTTY bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv, inTTY: isTerminal(os.Stdin), errTTY: isTerminal(os.Stderr)}
	os.Exit(run(ctx, s, os.Args[1:]))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

const exitCodesHelp = `Exit codes:
  0  bought
  1  error (a failed checkout is rolled back: nothing stays charged)
  2  usage error
  3  declined by the user at confirmation
  4  refused by policy (mandate, budget cap, wallet)
  5  needs clarification (answer with --answer)
  6  nothing suitable found (no offer passes the constraints or the budget)
`

func usage(w io.Writer) {
	fmt.Fprintf(w, "Cartwright: an agent that shops end-to-end within limits you signed.\n\nUsage:\n  cartwright <command> [flags] [args]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintf(w, "\nRun 'cartwright <command> --help' for a command's flags.\n\n%s", exitCodesHelp)
	fmt.Fprintf(w, `
Examples:
  cartwright shop "two large oat milk lattes under 40 yuan"
  cartwright shop --json --yes "three large oat milk lattes"
  cartwright merchants serve --world world.yaml
`)
}

func run(ctx context.Context, s *stdio, args []string) int {
	if len(args) == 0 {
		usage(s.err)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.Run(ctx, s, []string{"--help"})
			}
		}
		usage(s.out)
		return exitBought
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(s.err, "cartwright: unknown command %q\n\n", args[0])
		usage(s.err)
		return exitUsage
	}
	return c.Run(ctx, s, args[1:])
}

// errorf prints an error line and returns exitError.
func errorf(s *stdio, format string, args ...any) int {
	fmt.Fprintf(s.err, "cartwright: "+strings.TrimRight(format, "\n")+"\n", args...)
	return exitError
}
