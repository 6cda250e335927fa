package scan

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/sbom"
)

// SBOMOptions name the SBOM documents of one sweep.
type SBOMOptions struct {
	Files    []string // CycloneDX or SPDX documents
	MaxBytes int64    // per document (0: sbom.DefaultMaxBytes)
}

// SBOM checks each document's components against the pack and returns the
// finished report; each document's subject (or its path) is a target.
func SBOM(ctx context.Context, env Env, o SBOMOptions) (*sweep.Report, error) {
	if err := env.check(); err != nil {
		return nil, err
	}
	r := newReport(env, sweep.KindSBOM)
	sink := sweep.NewCollection(nil)
	so := sbom.Options{Matcher: env.Matcher, MaxBytes: o.MaxBytes}
	var done atomic.Int64
	stop := Every(env.Progress, func() string { return fmt.Sprintf("%d of %d SBOMs read", done.Load(), len(o.Files)) })
	for _, f := range o.Files {
		subject := sbom.ScanFile(ctx, f, so, sink)
		if subject == "" {
			subject = f
		}
		r.Scan.Targets = append(r.Scan.Targets, subject)
		done.Add(1)
	}
	stop()
	r.Findings, r.Errors = sink.Drain()
	r.Stats.FilesRead = done.Load()
	return finish(ctx, env, r, finishing{}), nil
}
