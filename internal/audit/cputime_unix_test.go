//go:build unix

package audit

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) the process has used so far, on all threads,
// or 0 where it cannot be read. Benchmarks report it per operation: on a machine shared with
// other work it says more than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
