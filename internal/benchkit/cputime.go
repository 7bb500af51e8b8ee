package benchkit

import (
	"syscall"
	"time"
)

// CPUTime is the process's user and system CPU time so far. A benchmark
// divides by its difference to report a figure apart from waiting for a
// core on a busy machine (rows/cpu-s beside rows/s).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
