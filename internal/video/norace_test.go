//go:build !race

package video

// raceEnabled reports a build with the race detector.
const raceEnabled = false
