// Package obs is vidb's observability: the structured logger (log/slog, JSON) that every
// component receives through its constructor, and a small Prometheus metrics registry written
// with the standard library (counters, gauges and histograms with fixed buckets and labels,
// exposed in the text format 0.0.4), and the request plumbing the API and the web UI share:
// the response recorder, request IDs and security headers.
//
// Nothing here redacts: secrets, image bytes, GPS positions and victim details are never passed
// to the logger or to metric labels in the first place.
//
// This package must not import any other vidb package, a database driver or a Prometheus
// client library; it imports the standard library only.
package obs
