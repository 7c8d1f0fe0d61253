package evals

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"
)

// BenchmarkPublicSuite runs the whole public suite against the Cartwright
// runtime (in-process API merchants on loopback, offline planner) with two
// runs at a time, and reports scenarios per second and where the time goes
// (per phase, summed over runs, as ms per scenario).
//
//	go test ./evals -run '^$' -bench PublicSuite -benchtime 3x -cpu 2
func BenchmarkPublicSuite(b *testing.B) {
	ss, err := Load("scenarios")
	if err != nil {
		b.Fatal(err)
	}
	sys, err := NewAgentSystem(AgentSystemConfig{Planner: "offline"})
	if err != nil {
		b.Fatal(err)
	}
	phases := map[string]time.Duration{}
	var runs int
	var wall time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		rs, err := RunSuite(context.Background(), ss, Options{System: sys, Parallel: 2, Planner: "offline"})
		if err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		for _, r := range rs {
			runs++
			var steps time.Duration
			for k, d := range r.StepTimes {
				phases[k] += time.Duration(d)
				steps += time.Duration(d)
			}
			phases["unaccounted"] += r.Wall - steps
			if r.Status == StatusCrashed || r.Status == StatusSetup || r.Status == StatusTimeout {
				b.Errorf("%s: %s %s", r.Scenario, r.Status, r.Error)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(runs)/wall.Seconds(), "scenarios/s")
	names := make([]string, 0, len(phases))
	for k := range phases {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return phases[names[i]] > phases[names[j]] })
	for _, k := range names {
		b.ReportMetric(float64(phases[k].Microseconds())/1000/float64(runs), "ms/"+k)
	}
	b.Log(fmt.Sprintf("%d runs in %s", runs, wall))
}
