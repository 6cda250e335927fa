package images

import (
	"slices"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// imageEvidence is what the sweep knows about an image for the pack's
// bad-image rule (iocs.Matcher.Images): its names as references (tags and
// repo@digest names such as an engine's RepoDigests), the distribution
// digests it was reached by (its manifest's, the indexes above it), and
// its config's creation time.
func imageEvidence(img *Image) iocs.ImageEvidence {
	var ev iocs.ImageEvidence
	for _, n := range img.Names {
		if r, err := iocs.ParseImageRef(n); err == nil {
			ev.Refs = append(ev.Refs, r)
		}
	}
	ev.Digests = slices.Clone(img.Digests)
	if img.Config != nil && !img.Config.Created.IsZero() {
		ev.Built = img.Config.Created.Time
	}
	return ev
}

// badImageFindings matches the image (by name and digest, before any
// layer is read: a published digest is a fact whatever the layers hold)
// against the pack's bad images.
func (s *Scanner) badImageFindings(img *Image) []sweep.Finding {
	m := s.Options.Matcher
	if m == nil {
		return nil
	}
	var out []sweep.Finding
	for _, h := range m.Images(imageEvidence(img)) {
		out = append(out, sweep.BadImageFinding(h, collectorName, sweep.Location{Image: img.Name, ImageID: img.ID}, CatBadImage))
	}
	return out
}
