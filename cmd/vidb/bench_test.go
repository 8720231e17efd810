package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchCLI runs `vidb bench ...` in-process and returns its exit code and output.
func benchCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"bench"}, args...),
		streams{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut})
	return code, out.String(), errOut.String()
}

func TestBenchIndex(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, queries, out := filepath.Join(dir, "db.bin"), filepath.Join(dir, "q.bin"), filepath.Join(dir, "out.hrs")
	code, stdout, stderr := benchCLI(t, "index", "--gen", "20000", "--gen-queries", "300",
		"--db", db, "--queries", queries, "--out", out, "--check", "50")
	if code != exitOK {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitOK, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var rep map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("the last line is not JSON: %v\n%s", err, stdout)
	}
	for _, k := range []string{"n", "radius", "build_s", "bytes_per_code", "qps_1core", "qps_all_cores", "p50_us", "p99_us"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("the JSON line lacks %q: %s", k, lines[len(lines)-1])
		}
	}
	if rep["n"] != 20000.0 || rep["radius"] != 31.0 {
		t.Errorf("n, radius = %v, %v; want 20000, 31", rep["n"], rep["radius"])
	}
	if !strings.Contains(stdout, "queries/s") || !strings.Contains(stderr, "building the index") {
		t.Errorf("missing human output or progress:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	for _, f := range []string{db, queries, out} {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Errorf("%s: not written (%v)", f, err)
		}
	}
	if fi, _ := os.Stat(db); fi != nil && fi.Size() != 20000*32 {
		t.Errorf("db.bin holds %d bytes, want %d", fi.Size(), 20000*32)
	}

	// The written files run again, at another radius, with --json alone.
	code, stdout, stderr = benchCLI(t, "index", "--db", db, "--queries", queries, "--radius", "70", "--json", "--single", "20")
	if code != exitOK {
		t.Fatalf("rerun: exit code %d; stderr:\n%s", code, stderr)
	}
	if strings.Count(strings.TrimSpace(stdout), "\n") != 0 || !strings.Contains(stdout, `"radius":70`) {
		t.Errorf("--json printed more than one line or the wrong radius:\n%s", stdout)
	}
}

func TestBenchUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "missing benchmark"},
		{[]string{"nosuch"}, exitUsage, "unknown benchmark"},
		{[]string{"index"}, exitUsage, "need --db and --queries"},
		{[]string{"index", "--gen", "10", "--radius", "300"}, exitUsage, "outside 0 to 256"},
		{[]string{"index", "--gen", "10", "--radius", "256", "--out", "x"}, exitUsage, "HRS1"},
		{[]string{"index", "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"index", "--gen", "10", "extra"}, exitUsage, "unexpected argument"},
		{[]string{"index", "--db", "/nonexistent/db.bin", "--queries", "/nonexistent/q.bin"}, exitFailure, "no such file"},
		{[]string{"index", "-h"}, exitOK, "--radius"},
	} {
		code, _, stderr := benchCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("vidb bench %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
