package images

import (
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/collectors/binaries"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestBinaryStreamedFromLayer: an image layer's trivy (a real Go ELF far
// larger than the per-file buffer cap, here 64 KiB) carrying the typosquat
// domain is found by the host collectors run on the layer: the binaries
// collector reads it from the tar stream, nothing is buffered or skipped.
// A clean trivy and the marked bytes under another name are nothing.
func TestBinaryStreamedFromLayer(t *testing.T) {
	marked := sweeptest.GoBinary(t, "https://scan."+"aquasec"+"urtiy.org/")
	clean := sweeptest.GoBinary(t, "https://mirror.gcr.io/aquasec/trivy-db")
	const capFile = 64 << 10
	if len(marked) <= capFile {
		t.Fatalf("fixture of %d bytes does not exceed the buffer cap", len(marked))
	}
	m := sweeptest.Matcher(t)
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	s := &Scanner{Options: collectors.Options{Matcher: m, MaxHashSize: capFile}, Sink: sink, Counters: counters}
	img := buildImage(t,
		step{createdBy: "base", layer: baseLayer(t)},
		step{createdBy: "COPY trivy /usr/local/bin/trivy", layer: layerOf(t,
			member{name: "usr/local/bin/trivy", body: string(marked)},
			member{name: "opt/clean/trivy", body: string(clean)},
			member{name: "opt/notes/trivy.txt", body: string(marked)},
		)})
	scanV1(t, s, "example/scanner:1", img)
	findings, errs := sink.Drain()
	for _, e := range errs {
		if strings.Contains(e.Location.Path, "trivy") {
			t.Errorf("error at a trivy: %+v", e)
		}
	}
	var got []string
	for _, f := range findings {
		if f.Category == binaries.CatBinary {
			got = append(got, string(f.Severity)+"|"+f.Location.Path+"|"+f.Indicator.ID)
			if f.Evidence.Size != int64(len(marked)) || f.Location.Layer == nil {
				t.Errorf("evidence %+v location %+v", f.Evidence, f.Location)
			}
		}
	}
	if strings.Join(got, "\n") != "high|/usr/local/bin/trivy|trivy-0694-typosquat-marker" {
		for _, f := range findings {
			t.Logf("%s %s %s %q", f.Severity, f.Category, f.Location.Path, f.Title)
		}
		t.Fatalf("binaries in the image: %q", got)
	}
}
