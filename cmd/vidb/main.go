// Command vidb is the victim-identification database: one binary whose subcommands hash files,
// run the server, triage seized devices, exchange VICS data and administer a deployment.
//
// This package holds wiring only: flags, rendering of results and progress, and exit codes.
// Business logic lives in the packages under internal/ and in pdq.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit codes are stable: scripts depend on them. They are listed in the README.
const (
	exitOK      = 0 // everything succeeded
	exitFailure = 1 // the command could not do its work (bad configuration, I/O failure, ...)
	exitUsage   = 2 // the command line was wrong
	exitPartial = 3 // the command ran, but some inputs failed (each failure is reported)
)

// defaultDataDir is the embedded deployment's data folder unless --data says otherwise.
const defaultDataDir = "./vidb-data"

// errPartial reports that a command finished but some of its inputs failed; the failures have
// already been reported to the user.
var errPartial = errors.New("some inputs failed")

// usageError is a mistake on the command line; it is printed with the command's usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// streams are the standard streams a command talks to, injected so that tests can capture them.
type streams struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// stderrIsTerminal says whether progress bars may be drawn on stderr.
	stderrIsTerminal bool
	// getenv reads the environment (VIDB_* settings); nil reads nothing.
	getenv func(string) string
}

// command is one vidb subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, s streams) error
}

// commands maps each subcommand name to its implementation; each lives in a file of its own.
func commands() map[string]command {
	return map[string]command{
		"hash":    {summary: "hash files and folders: MD5, SHA-1, SHA-256 and PDQ", run: runHash},
		"init":    {summary: "create a deployment: data folder, keys, the first country and coordinator", run: runInit},
		"audit":   {summary: "verify the tamper-evident audit log (audit verify)", run: runAudit},
		"bench":   {summary: "measure vidb's hot paths (bench index)", run: runBench},
		"serve":   {summary: "run the server: the web UI and the JSON API, on the embedded default or PostgreSQL and S3", run: runServe},
		"user":    {summary: "manage accounts (user add, list, disable, enable, reset-password)", run: runUser},
		"triage":  {summary: "sort a seized folder or archive into known, near, unknown (--known, --data, --server)", run: runTriage},
		"import":  {summary: "import a VICS hash set or case export as known records (import vics)", run: runImport},
		"export":  {summary: "export what a user may see as VICS 1.3 or 2.0 (export vics)", run: runExport},
		"watch":   {summary: "follow a live stream (HLS, RTMP, RTSP, a growing file) and alert on held material (--data or --server)", run: runWatch},
		"country": {summary: "register the countries a deployment connects (country add, list)", run: runCountry},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	s := streams{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stderrIsTerminal: isTerminal(os.Stderr), getenv: os.Getenv}
	code := run(ctx, os.Args[1:], s)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and maps its error to an exit code.
func run(ctx context.Context, args []string, s streams) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(s.stderr, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(s.stderr, "vidb: unknown command %q\n\n", args[0])
		printUsage(s.stderr, cmds)
		return exitUsage
	}
	err := cmd.run(ctx, args[1:], s)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(s.stderr, "vidb %s: %s\n", args[0], ue.msg)
		return exitUsage
	case errors.Is(err, errPartial):
		return exitPartial
	default:
		fmt.Fprintf(s.stderr, "vidb %s: %v\n", args[0], err)
		return exitFailure
	}
}

// parseFlags parses args into fs, turning flag errors into usage errors; -h is not an error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err.Error()}
	}
	return nil
}

// errHelp reports that a command printed its help on request: exit 0, nothing else to say.
var errHelp = errors.New("help requested")

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: vidb COMMAND [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(cmds))
	for name := range cmds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-8s %s\n", name, cmds[name].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'vidb COMMAND -h' for a command's flags.")
}

// isTerminal reports whether f is a character device (a terminal), without a dependency.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
