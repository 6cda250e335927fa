package sweep

import (
	"fmt"
	"strings"

	"github.com/litesweep/litesweep/iocs"
)

// BadImageFinding is the finding of a bad-image hit at a location: the
// one wording for images, registries, pods and files. Its text is built
// from the parsed reference only (a registry host, a path, a tag and a
// digest, in the reference grammar's characters).
func BadImageFinding(h iocs.ImageHit, collector string, loc Location, cat Category) Finding {
	sev, err := ParseSeverity(h.Severity)
	if err != nil {
		sev = High
	}
	im := h.Image
	ref := h.Ref.String()
	what := im.Repositories[0]
	title := fmt.Sprintf("image %s is the bad image %s", ref, what)
	switch {
	case h.By == "digest":
		title = fmt.Sprintf("image %s has the digest of the bad image %s %s (%s)", ref, what, strings.Join(h.Digest.Tags, ", "), h.Digest.Platform)
		if ref == "" {
			title = fmt.Sprintf("an image has the digest of the bad image %s %s (%s)", what, strings.Join(h.Digest.Tags, ", "), h.Digest.Platform)
		}
	case sev == Medium:
		title = fmt.Sprintf("image %s carries a tag of the bad image %s: check which image it is", ref, what)
	default:
		title = fmt.Sprintf("image %s carries a tag of the bad image %s", ref, what)
	}
	details := []string{h.Why, im.Description}
	if h.Mirror {
		details = append(details, fmt.Sprintf("%s is not one of the repositories the sources name, but has the path of one (%s) under another registry: a mirror or pull-through cache of it", h.Ref.Repository, strings.Join(im.Repositories, ", ")))
	}
	text := "image " + ref
	if h.Digest != nil {
		text += " digest " + h.Digest.Digest
	}
	return Finding{Severity: sev, Category: cat, Collector: collector, Title: title, Location: loc,
		Evidence:  Evidence{Text: strings.TrimSpace(text), Details: details},
		Indicator: &Indicator{ID: im.ID, Kind: "image", Confidence: string(im.Provenance.Confidence), Sources: im.Provenance.Sources}}
}
