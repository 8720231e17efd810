//go:build !unix

package vics

import "time"

// cpuTime returns 0: the CPU time is not read on this system.
func cpuTime() time.Duration { return 0 }
