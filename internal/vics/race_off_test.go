//go:build !race

package vics

// raceEnabled reports whether the race detector is on; it slows the streaming tests several fold.
const raceEnabled = false
