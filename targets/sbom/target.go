package sbom

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/litesweep/litesweep/sweep"
)

// Kind is the SBOM target's report kind: software bills of materials.
const Kind sweep.ScanKind = "sbom"

// Target names the SBOM documents of one sweep.
type Target struct {
	Files    []string // CycloneDX or SPDX documents
	MaxBytes int64    // per document (0: DefaultMaxBytes)
}

func (Target) Kind() sweep.ScanKind             { return Kind }
func (Target) Categories() []sweep.CategoryInfo { return Categories }

// Exposures: none; an SBOM's subject exposes its own inventory.
func (Target) Exposures() []sweep.ExposedKind { return nil }

// Sweep checks each document's components against the pack; each
// document's subject (or its path) is a target.
func (t *Target) Sweep(ctx context.Context, env sweep.TargetEnv, out *sweep.TargetOut) error {
	r := out.Report
	sink := sweep.NewCollection(nil)
	so := Options{Matcher: env.Matcher, MaxBytes: t.MaxBytes}
	var done atomic.Int64
	stop := sweep.Every(env.Progress, func() string { return fmt.Sprintf("%d of %d SBOMs read", done.Load(), len(t.Files)) })
	for _, f := range t.Files {
		subject := ScanFile(ctx, f, so, sink)
		if subject == "" {
			subject = f
		}
		r.Scan.Targets = append(r.Scan.Targets, subject)
		done.Add(1)
	}
	stop()
	r.Findings, r.Errors = sink.Drain()
	r.Stats.FilesRead = done.Load()
	return nil
}
