package mirror

import (
	"context"
	"fmt"
	"time"

	"github.com/litesweep/litesweep/sweep"
)

// Kind is the mirror target's report kind: package mirrors and proxies.
const Kind sweep.ScanKind = "mirror"

// Target names the package mirrors of one sweep and how to read them.
type Target struct {
	// IndexURLs are PyPI simple-index URLs (PIP_INDEX_URL form, userinfo allowed).
	IndexURLs []string
	// Registries are npm registry URLs (npm's registry config form,
	// userinfo allowed).
	Registries []string
	// Storages are Verdaccio storage directories (its config's storage:).
	Storages []string
	// Netrc supplies per-host credentials (nil: none).
	Netrc *Netrc
	// Npmrc supplies npm registries' credentials (nil: none).
	Npmrc *Npmrc
	// Download fetches every bad file to confirm its hash.
	Download     bool
	MaxPageBytes int64
	MaxFileBytes int64
	Timeout      time.Duration
}

func (Target) Kind() sweep.ScanKind             { return Kind }
func (Target) Categories() []sweep.CategoryInfo { return Categories }

// Exposures: none.
func (Target) Exposures() []sweep.ExposedKind { return nil }

// Sweep reads each mirror's pages (PyPI) or packuments (npm, a Verdaccio
// storage directory) for the packs' packages.
func (t *Target) Sweep(ctx context.Context, env sweep.TargetEnv, out *sweep.TargetOut) error {
	r := out.Report
	if t.Download {
		r.Scan.Options = append(r.Scan.Options, "download")
	}
	sink := sweep.NewCollection(nil)
	st := &Stats{}
	mo := Options{Matcher: env.Matcher, Netrc: t.Netrc, Npmrc: t.Npmrc, Download: t.Download, MaxPageBytes: t.MaxPageBytes,
		MaxFileBytes: t.MaxFileBytes, Timeout: t.Timeout}
	stop := sweep.Every(env.Progress, func() string {
		return fmt.Sprintf("%d requests, %d pages, %d files or versions listed", st.Requests.Load(), st.Pages.Load(), st.Files.Load())
	})
	for _, u := range t.IndexURLs {
		r.Scan.Targets = append(r.Scan.Targets, Sweep(ctx, u, mo, st, sink))
	}
	for _, u := range t.Registries {
		r.Scan.Targets = append(r.Scan.Targets, SweepNPM(ctx, u, mo, st, sink))
	}
	for _, d := range t.Storages {
		r.Scan.Targets = append(r.Scan.Targets, SweepStorage(ctx, d, mo, st, sink))
	}
	stop()
	r.Findings, r.Errors = sink.Drain()
	r.Stats.APICalls = st.Requests.Load()
	r.Stats.FilesSeen = st.Files.Load()
	r.Stats.BytesRead = st.Downloaded.Load()
	return nil
}
