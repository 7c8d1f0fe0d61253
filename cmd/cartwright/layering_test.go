package main

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// The module's layers, top to bottom:
//
//	cmd → evals → agent → memory → planner | merchants → skills
//
// A package may import its own layer and the layers below it, never one
// above; planner and merchants sit side by side and never import each
// other (the runtime reaches merchants only through the skills'
// protocols, so what works against the mock world works against a real
// one). examples are users of the module and may import anything.
var mayImport = map[string][]string{
	"skills":    {"skills"},
	"planner":   {"planner", "skills"},
	"merchants": {"merchants", "skills"},
	"memory":    {"memory", "planner", "skills"},
	"agent":     {"agent", "memory", "planner", "skills"},
	"evals":     {"evals", "agent", "memory", "planner", "merchants", "skills"},
	"cmd":       {"cmd", "evals", "agent", "memory", "planner", "merchants", "skills"},
	"examples":  {"examples", "cmd", "evals", "agent", "memory", "planner", "merchants", "skills"},
}

// mustNotImport names packages a layer may not import although the
// layering allows their layer: the mock merchants serve the protocol
// (skills/acp), they never use Cartwright's client of it.
var mustNotImport = map[string][]string{
	"merchants": {"skills/acpclient"},
}

const modulePath = "github.com/cartwright-agent/cartwright"

// layer is the top-level folder of a module package ("" outside the module).
func layer(importPath string) string {
	rest, ok := strings.CutPrefix(importPath, modulePath+"/")
	if !ok {
		return ""
	}
	top, _, _ := strings.Cut(rest, "/")
	return top
}

// layerViolations lists every import in graph (package → its direct
// imports) that runs against the layering, as "from imports to".
func layerViolations(graph map[string][]string) []string {
	var out []string
	for from, imports := range graph {
		fl := layer(from)
		if fl == "" {
			continue
		}
		allowed, known := mayImport[fl]
		if !known {
			out = append(out, from+": top-level folder "+fl+" is not in the layering")
			continue
		}
		for _, to := range imports {
			tl := layer(to)
			if tl == "" {
				continue
			}
			ok := false
			for _, a := range allowed {
				ok = ok || a == tl
			}
			for _, d := range mustNotImport[fl] {
				ok = ok && to != modulePath+"/"+d && !strings.HasPrefix(to, modulePath+"/"+d+"/")
			}
			if !ok {
				out = append(out, from+" imports "+to)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestLayering checks every non-test import in the module against the
// layering, from `go list` (what the compiler sees, build tags included).
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", modulePath+"/...")
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Skipf("go list not runnable here: %v", err)
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			graph[f[0]] = f[1:]
		}
	}
	if len(graph) < 20 {
		t.Fatalf("go list saw only %d packages; the module has more", len(graph))
	}
	for _, v := range layerViolations(graph) {
		t.Errorf("layering: %s", v)
	}
}

// TestLayeringCatchesUpwardImports shows the check fails on the imports it
// exists to stop, such as memory importing the runtime again.
func TestLayeringCatchesUpwardImports(t *testing.T) {
	m := func(p string) string { return modulePath + "/" + p }
	for _, c := range []struct {
		from, to string
		bad      bool
	}{
		{"memory/sqlstore", "agent/store", true},
		{"memory/sqlstore", "skills/store", false},
		{"agent", "merchants", true},
		{"skills/acp", "agent", true},
		{"planner/offline", "merchants/demo", true},
		{"merchants", "agent/policy", true},
		{"merchants/paynet", "skills/acp", false},
		{"merchants/paynet", "skills/acpclient", true},
		{"evals", "cmd/cartwright", true},
		{"agent/assemble", "memory/pgvector", false},
	} {
		got := layerViolations(map[string][]string{m(c.from): {m(c.to), "fmt"}})
		if (len(got) > 0) != c.bad {
			t.Errorf("%s → %s: violations %q, want bad=%v", c.from, c.to, got, c.bad)
		}
	}
	if got := layerViolations(map[string][]string{m("internal/x"): {"fmt"}}); len(got) != 1 {
		t.Errorf("a new top-level folder must be placed in the layering: %q", got)
	}
}
