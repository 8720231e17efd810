//go:build !unix

package video

import "time"

// cpuTime is not available here; benchmarks then report wall-clock figures only.
func cpuTime() (time.Duration, bool) { return 0, false }
