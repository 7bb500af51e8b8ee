package e2e

import (
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"syscall"
	"time"
)

// Where the journeys' time goes (issue 20, target 9). With
// PARTNERHUB_E2E_PHASES=1 the package prints to its standard error (shown
// by go test -v, or when it fails), or with PARTNERHUB_E2E_PHASES=FILE
// appends to FILE, when it ends, each kind of
// step's count and wall time summed over the journeys (they overlap, so
// the sums exceed the package's wall time), the CPU of the processes the
// steps ran (servers, CLI commands), and the CPU of the test binary and
// of all its children (Chromium among them).
var phases struct {
	mu sync.Mutex
	m  map[string]*phaseStat
}

type phaseStat struct {
	n         int
	wall, cpu time.Duration
}

// phase starts timing one step of kind name; call the result when it ends.
func phase(name string) func() {
	start := time.Now()
	return func() { phaseAdd(name, time.Since(start), nil) }
}

// phaseAdd adds one step, with the CPU of the process it ran when ps is
// not nil.
func phaseAdd(name string, wall time.Duration, ps *os.ProcessState) {
	phases.mu.Lock()
	defer phases.mu.Unlock()
	if phases.m == nil {
		phases.m = map[string]*phaseStat{}
	}
	s := phases.m[name]
	if s == nil {
		s = &phaseStat{}
		phases.m[name] = s
	}
	s.n++
	s.wall += wall
	if ps != nil {
		s.cpu += ps.UserTime() + ps.SystemTime()
	}
}

// printPhases writes the table when PARTNERHUB_E2E_PHASES is set.
func printPhases(w io.Writer) {
	switch to := os.Getenv("PARTNERHUB_E2E_PHASES"); to {
	case "", "0":
		return
	case "1":
	default:
		f, err := os.OpenFile(to, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintf(w, "e2e phases: %v\n", err)
			return
		}
		defer f.Close()
		w = f
	}
	phases.mu.Lock()
	defer phases.mu.Unlock()
	names := make([]string, 0, len(phases.m))
	for n := range phases.m {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return phases.m[names[i]].wall > phases.m[names[j]].wall })
	fmt.Fprintf(w, "e2e phases: %-16s %6s %10s %10s\n", "step", "count", "wall s", "proc cpu s")
	for _, n := range names {
		s := phases.m[n]
		fmt.Fprintf(w, "e2e phases: %-16s %6d %10.1f %10.1f\n", n, s.n, s.wall.Seconds(), s.cpu.Seconds())
	}
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	cpu := func(r syscall.Rusage) float64 {
		return time.Duration(syscall.TimevalToNsec(r.Utime) + syscall.TimevalToNsec(r.Stime)).Seconds()
	}
	fmt.Fprintf(w, "e2e phases: CPU s: test binary %.1f, its children (servers, CLI, go build, Chromium) %.1f\n", cpu(self), cpu(children))
}
