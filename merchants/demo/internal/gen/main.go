// Command gen writes Cartwright's built-in demo world as YAML.
//
//	go run ./merchants/demo/internal/gen > merchants/demo/world.yaml
//	go run ./merchants/demo/internal/gen -o merchants/demo/world.yaml
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/cartwright-agent/cartwright/merchants/demo/internal/worldgen"
)

func main() {
	out := flag.String("o", "", "write to this file instead of standard output")
	flag.Parse()
	b, err := worldgen.Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if *out == "" {
		_, err = os.Stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
