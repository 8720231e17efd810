// Package hammingbench measures package hamming's index the way shared/spec/hamming.md does:
// it generates the spec's data sets (uniform random codes with clusters of near-duplicates,
// half-matching queries), builds the index, times single queries on one core and a batch on
// all cores, checks results against a linear scan, and writes HRS1 result sets.
//
// It is the engine of `vidb bench index`; the command only parses flags and prints. Like
// hamming it imports the standard library only, and never net/http, database/sql or os/exec.
package hammingbench
