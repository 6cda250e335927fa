package scan

import (
	"context"
	"fmt"
	"time"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/mirror"
)

// MirrorOptions name the package mirrors of one sweep and how to read them.
type MirrorOptions struct {
	// IndexURLs are simple-index URLs (PIP_INDEX_URL form, userinfo allowed).
	IndexURLs []string
	// Netrc supplies per-host credentials (nil: none).
	Netrc *mirror.Netrc
	// Download fetches every bad file to confirm its hash.
	Download     bool
	MaxPageBytes int64
	MaxFileBytes int64
	Timeout      time.Duration
}

// Mirror reads each mirror's pages for the pack's affected projects and
// returns the finished report.
func Mirror(ctx context.Context, env Env, o MirrorOptions) (*sweep.Report, error) {
	if err := env.check(); err != nil {
		return nil, err
	}
	r := newReport(env, sweep.KindMirror)
	if o.Download {
		r.Scan.Options = append(r.Scan.Options, "download")
	}
	sink := sweep.NewCollection(nil)
	st := &mirror.Stats{}
	mo := mirror.Options{Matcher: env.Matcher, Netrc: o.Netrc, Download: o.Download, MaxPageBytes: o.MaxPageBytes,
		MaxFileBytes: o.MaxFileBytes, Timeout: o.Timeout}
	stop := Every(env.Progress, func() string {
		return fmt.Sprintf("%d requests, %d pages, %d files listed", st.Requests.Load(), st.Pages.Load(), st.Files.Load())
	})
	for _, u := range o.IndexURLs {
		r.Scan.Targets = append(r.Scan.Targets, mirror.Sweep(ctx, u, mo, st, sink))
	}
	stop()
	r.Findings, r.Errors = sink.Drain()
	r.Stats.APICalls = st.Requests.Load()
	r.Stats.FilesSeen = st.Files.Load()
	r.Stats.BytesRead = st.Downloaded.Load()
	return finish(ctx, env, r, finishing{}), nil
}
