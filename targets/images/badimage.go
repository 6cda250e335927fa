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

// reportBadImage reports an image whose layers are not read (older than
// --since) by its names and digests alone.
func (s *Scanner) reportBadImage(img *Image) {
	s.emitScoped(img, s.badImageFindings(img))
}

// emitScoped sends an image's findings, scoped to the image (environment
// "<image> /"), when its layers are not assembled.
func (s *Scanner) emitScoped(img *Image, fs []sweep.Finding) {
	sc := scope{img: img, homes: homesFromPasswd(nil)}
	for _, f := range fs {
		sc.finding(&f)
		s.Sink.Finding(f)
	}
}
