// Package codebase holds no code: its tests guard the codebase itself. They fail when a package
// lacks a package comment, or when a package imports what the architecture forbids it (see
// DESIGN.md: the pure packages do no networking, SQL or process spawning).
package codebase
