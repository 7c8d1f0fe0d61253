//go:build unix

package sqlstore_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuMeter reports the process's CPU time per operation as cpu-ns/op beside
// ns/op: on a shared, loaded machine wall time per op mostly measures the
// wait for a core, CPU time what the operation costs.
type cpuMeter struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU(b *testing.B) *cpuMeter {
	b.Helper()
	return &cpuMeter{start: cpuNow()}
}

func (m *cpuMeter) report(b *testing.B) {
	b.Helper()
	b.ReportMetric(float64(cpuNow()-m.start)/float64(b.N), "cpu-ns/op")
}
