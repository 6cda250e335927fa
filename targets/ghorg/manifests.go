package ghorg

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/sweep"
)

// maxManifests bounds the manifests read from one repository (each is one
// API request).
const maxManifests = 200

// sweepManifests reads the repository's Python manifests and lockfiles from
// the git tree and grades them with the host sweep's parsers
// (collectors/lockfile), project by project, so a range is only reported
// when no lock or pin of the same project fixes the version.
func (rs *repoSweep) sweepManifests(ctx context.Context, manifests []*github.TreeEntry, blobs map[string]*github.TreeEntry) error {
	if len(manifests) > maxManifests {
		rs.addErr(sweep.ErrKindSkipped, sweep.Location{}, fmt.Sprintf("%d Python manifests in the tree; only the first %d were read", len(manifests), maxManifests))
		manifests = manifests[:maxManifests]
	}
	// -r/-c includes are read from the same tree, never outside it.
	resolve := func(from, ref string) (string, []byte, error) {
		if strings.Contains(ref, "://") || path.IsAbs(ref) {
			return "", nil, fmt.Errorf("include %q is not a file of the repository", ref)
		}
		p := path.Clean(path.Join(path.Dir(from), ref))
		if p == ".." || strings.HasPrefix(p, "../") {
			return "", nil, fmt.Errorf("include %q leaves the repository", ref)
		}
		e := blobs[p]
		if e == nil {
			return "", nil, fmt.Errorf("include %q: no such file in the tree", ref)
		}
		b, err := rs.readBlob(ctx, e)
		return p, b, err
	}
	var results []lockfile.Result
	for _, e := range manifests {
		data, err := rs.readBlob(ctx, e)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		r, err := lockfile.Parse(e.GetPath(), data, resolve)
		if rs.cur.transient {
			return ctx.Err() // an include hit a rate limit: retried as a whole
		}
		if err != nil {
			rs.addErr(sweep.ErrKindError, sweep.Location{Path: e.GetPath()}, fmt.Sprintf("manifest could not be parsed: %v", err))
		}
		results = append(results, lockfile.Relevant(rs.s.m, r))
	}
	for _, h := range lockfile.Evaluate(rs.s.m, results) {
		f := lockfile.Finding(h, sweep.Location{Repo: rs.ri.FullName}, CollectorName)
		f.Category = CatManifest
		f.Location.URL = rs.blobURL(f.Location.Path)
		f.Evidence.Text = manifestText(h.Requirement)
		rs.cur.Findings = append(rs.cur.Findings, f)
	}
	return ctx.Err()
}

// manifestText is the evidence text of a manifest requirement, built from
// its parsed parts: name, extras, and the version specifier or the locked
// version; a direct reference shows only its file name.
func manifestText(q lockfile.Requirement) string {
	return clip(q.Text(true), maxTextBytes)
}
