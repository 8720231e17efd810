package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/datadir"
)

const auditUsage = `usage: vidb audit verify [--data DIR] [--trusted FILE] [--save-head FILE] [--json]

Recomputes the audit log's Merkle tree from the stored events and checks every signed
checkpoint. It names the first event that was changed, removed or reordered. Deleting the newest
events together with their checkpoints can only be seen against a checkpoint kept outside the
database: --save-head writes the newest verified checkpoint to FILE, and --trusted FILE checks
the log against one saved earlier.

Exit status: 0 when the log verifies, 1 when it does not (or cannot be read), 2 on usage errors.

flags:
`

// errAuditFailed reports a log that did not verify; the problem has been printed.
var errAuditFailed = errors.New("the audit log did not verify")

func runAudit(ctx context.Context, args []string, s streams) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(s.stderr, auditUsage)
		return usageError{"want a subcommand: verify"}
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, auditUsage); fs.PrintDefaults() }
	dir := fs.String("data", defaultDataDir, "the data `folder`")
	trustedFile := fs.String("trusted", "", "a checkpoint `file` saved earlier (by --save-head) to check the log against")
	saveHead := fs.String("save-head", "", "write the newest verified checkpoint to `file`")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}

	d, err := datadir.Open(ctx, *dir, datadir.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	var trusted *audit.Checkpoint
	if *trustedFile != "" {
		msg, err := os.ReadFile(*trustedFile)
		if err != nil {
			return err
		}
		c, err := audit.OpenCheckpoint(msg, d.Verifier)
		if err != nil {
			return fmt.Errorf("trusted checkpoint %s: %w", *trustedFile, err)
		}
		trusted = &c
	}
	snap, err := d.Store.AuditSource(ctx)
	if err != nil {
		return err
	}
	defer snap.Close()
	report, err := audit.Verify(ctx, snap, d.Verifier, trusted)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(s.stdout)
		if err := enc.Encode(auditReportJSON(report)); err != nil {
			return err
		}
	} else {
		printAuditReport(s, report)
	}
	if !report.OK() {
		return errAuditFailed
	}
	if *saveHead != "" && report.Head != nil {
		if err := os.WriteFile(*saveHead, report.Head.Note, 0o600); err != nil {
			return err
		}
	}
	return nil
}

type auditJSON struct {
	OK          bool           `json:"ok"`
	Events      int64          `json:"events"`
	Checkpoints int64          `json:"checkpoints"`
	HeadSize    int64          `json:"head_size,omitempty"`
	Problem     *audit.Problem `json:"problem,omitempty"`
}

func auditReportJSON(r *audit.Report) auditJSON {
	j := auditJSON{OK: r.OK(), Events: r.Events, Checkpoints: r.Checkpoints, Problem: r.Problem}
	if r.Head != nil {
		j.HeadSize = r.Head.Size
	}
	return j
}

func printAuditReport(s streams, r *audit.Report) {
	if r.OK() {
		fmt.Fprintf(s.stdout, "audit log OK: %d events, %d signed checkpoints\n", r.Events, r.Checkpoints)
		return
	}
	p := r.Problem
	where := fmt.Sprintf("event %d", p.Seq)
	if p.Last > p.Seq {
		where = fmt.Sprintf("events %d to %d", p.Seq, p.Last)
	}
	fmt.Fprintf(s.stdout, "audit log FAILED: %s: %s (%s)\n", p.Kind, where, p.Detail)
}
