//go:build unix

package vics

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) the process has used so far, on all threads
// (the garbage collector's included), or 0 where it cannot be read. Benchmarks report records
// per CPU second next to records per second: on a machine shared with other work the wall time
// says more about the neighbours than about this code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
