//go:build race

package video

// raceEnabled reports a build with the race detector, under which hashing is about ten times
// slower: the longest tests then check a prefix of each video instead of every frame (see
// TestHashMatchesReference).
const raceEnabled = true
