package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Where the journeys' time goes (issue 20, target 9). With
// PARTNERHUB_E2E_PHASES=1 the package prints to its standard error (shown
// by go test -v, or when it fails), or with PARTNERHUB_E2E_PHASES=FILE
// appends to FILE, when it ends, each kind of
// step's count and wall time summed over the journeys (they overlap, so
// the sums exceed the package's wall time), the CPU of the processes the
// steps ran (servers, CLI commands), and the CPU of the test binary and
// of all its children and their descendants (Chromium's among them).
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

// cpuAtEnd is the CPU that the test binary's children used, taken by
// snapshotCPU when the tests have ended: what the children the binary
// reaped used (getrusage), and what its descendants still running then
// used, with the children they reaped (/proc). Chromium's renderers and
// GPU process are not the binary's children: the browser is killed at the
// end and never reaps them, so getrusage alone missed about two thirds of
// the package's CPU (a cpuacct cgroup around 4 journeys counted 83 s
// where /usr/bin/time and getrusage counted 25 s).
var cpuAtEnd struct {
	reaped, running time.Duration
	procErr         error
}

// snapshotCPU fills cpuAtEnd.
func snapshotCPU() {
	var children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	cpuAtEnd.reaped = rusageCPU(children)
	cpuAtEnd.running, cpuAtEnd.procErr = descendantsCPU(os.Getpid())
}

func rusageCPU(r syscall.Rusage) time.Duration {
	return time.Duration(syscall.TimevalToNsec(r.Utime) + syscall.TimevalToNsec(r.Stime))
}

// descendantsCPU sums, over the running descendants of process pid, their
// user and system time and that of the children they reaped (fields 14
// to 17 of /proc/PID/stat, in USER_HZ ticks: 100 a second on Linux).
func descendantsCPU(pid int) (time.Duration, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return 0, fmt.Errorf("no /proc: %v", err)
	}
	parent := map[int]int{}
	ticks := map[int]int64{}
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the process has ended
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		s := string(b)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		p, err := strconv.Atoi(strings.TrimSpace(s[:strings.IndexByte(s, '(')]))
		if err != nil {
			continue
		}
		fields := strings.Fields(s[end+1:]) // fields[0] is field 3, state
		if len(fields) < 15 {
			continue
		}
		parent[p], _ = strconv.Atoi(fields[1])
		for _, v := range fields[11:15] { // utime stime cutime cstime
			n, _ := strconv.ParseInt(v, 10, 64)
			ticks[p] += n
		}
	}
	var sum int64
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				sum += ticks[p]
				break
			}
		}
	}
	return time.Duration(sum) * time.Second / 100, nil
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
	var self syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	running := fmt.Sprintf("%.1f", cpuAtEnd.running.Seconds())
	if cpuAtEnd.procErr != nil {
		running = "unknown (" + cpuAtEnd.procErr.Error() + ")"
	}
	fmt.Fprintf(w, "e2e phases: CPU s: test binary %.1f, its children and their descendants %.1f: reaped (servers, CLI, go build) %.1f, running at the end (Chromium's processes) %s\n",
		rusageCPU(self).Seconds(), (cpuAtEnd.reaped + cpuAtEnd.running).Seconds(), cpuAtEnd.reaped.Seconds(), running)
}

// TestDescendantsCPUCountsGrandchildren: the CPU of a process the test
// binary did not start itself (like Chromium's renderers), already
// reaped by its parent, is in the table.
func TestDescendantsCPUCountsGrandchildren(t *testing.T) {
	// The loop runs in a subshell: a grandchild of the test binary.
	cmd := exec.Command("sh", "-c", `(i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done); echo ready; read x || true`)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("no sh: %v", err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("sh said %q (%v)", line, err)
	}
	running, err := descendantsCPU(os.Getpid())
	if err != nil {
		t.Skip(err) // no /proc
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	// wait4 gives the child's CPU with that of the children it reaped.
	used := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if used < 50*time.Millisecond {
		t.Fatalf("the loop used only %v of CPU; make it longer", used)
	}
	if running < used/2 {
		t.Errorf("descendantsCPU counted %v while sh and its subshell had used %v", running, used)
	}
}
