package obs

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// ParseLevel returns the slog level named s: "debug", "info", "warn" or "error" in any case,
// optionally with an offset such as "info+2"; "" is info.
func ParseLevel(s string) (slog.Level, error) {
	if strings.TrimSpace(s) == "" {
		return slog.LevelInfo, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error: %w", s, err)
	}
	return l, nil
}

// NewLogger returns a logger writing one JSON object per line to w at the given level (see
// ParseLevel).
func NewLogger(w io.Writer, level string) (*slog.Logger, error) {
	l, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}
