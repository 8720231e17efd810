//go:build !unix

package video

import "os/exec"

// setProcessGroup keeps exec's default on systems without process groups: cancellation kills
// the process itself.
func setProcessGroup(*exec.Cmd) {}
