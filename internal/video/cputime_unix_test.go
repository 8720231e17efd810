//go:build unix

package video

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user plus system) used so far by this process and by its
// children that have been waited for (ffmpeg). On a shared, noisy machine it measures the work
// done better than the wall clock does.
func cpuTime() (time.Duration, bool) {
	var self, children syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) != nil {
		return 0, false
	}
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + children.Utime.Nano() + children.Stime.Nano()), true
}
