package vics

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseTime parses a VICS time as exporters write them: ISO 8601 with or without fractional
// seconds (any number of digits) and with "Z", an offset or no zone (taken as UTC); with a space
// instead of the "T"; or .NET's "/Date(1700000000000)/" (milliseconds since 1970, an optional
// offset ignored). The reader keeps times as the strings it found; use ParseTime to interpret them.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "/Date("); ok {
		rest, ok = strings.CutSuffix(rest, ")/")
		if ok {
			end := len(rest)
			if i := strings.LastIndexAny(rest, "+-"); i > 0 {
				end = i
			}
			if ms, err := strconv.ParseInt(rest[:end], 10, 64); err == nil {
				return time.UnixMilli(ms).UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("%w: %q", ErrTime, s)
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	// Some exporters append "Z" after an offset ("2025-01-02T03:04:05.000+01:00Z").
	if trimmed, ok := strings.CutSuffix(s, "Z"); ok {
		if t, err := time.Parse(time.RFC3339Nano, trimmed); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: %q", ErrTime, s)
}
