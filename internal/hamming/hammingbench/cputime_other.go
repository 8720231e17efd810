//go:build !linux

package hammingbench

import "time"

// threadCPU falls back to wall time where thread CPU time is not available; only differences
// of its values are used.
func threadCPU() time.Duration { return time.Duration(time.Now().UnixNano()) }

// processCPU falls back to zero where process CPU time is not available.
func processCPU() time.Duration { return 0 }

// threadCPUAvailable reports whether threadCPU measures CPU time rather than wall time.
const threadCPUAvailable = false
