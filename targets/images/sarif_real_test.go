package images_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/images"
)

// TestSARIFOfRealImageReport sweeps a real docker save export (through the
// Engine API, with a container of the image) with the host collectors, as
// `litesweep images` does, and checks that the SARIF carries the declared
// image remediation: the build step's, the container's, and for the host
// categories found in the layer, their own help and the image steps.
func TestSARIFOfRealImageReport(t *testing.T) {
	host := images.ServeAffectedEngine(t)
	m := sweeptest.Matcher(t)
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	s := &images.Scanner{Options: collectors.Options{Matcher: m, Now: time.Now}, Sink: sink, Counters: counters}
	if _, err := s.ScanEngine(context.Background(), host, nil); err != nil {
		t.Fatal(err)
	}
	r := &sweep.Report{Scan: sweep.Scan{Kind: "images"}}
	r.Findings, r.Errors = sink.Drain()
	r.Environments = sink.Environments()
	cat := catalog.All()
	sweep.BuildTimeline(r, nil, cat)
	r.Finalize()

	var buf bytes.Buffer
	if err := render.SARIF(&buf, r, render.Options{Catalog: cat}); err != nil {
		t.Fatal(err)
	}
	seen := sweeptest.SARIFHelpFollowsDeclarations(t, buf.Bytes(), r, cat)
	for _, c := range []sweep.Category{images.CatBuildStep, images.CatContainer, python.CatStartup, python.CatPackage} {
		if seen[c] == 0 {
			t.Errorf("the image sweep made no %s finding: %v", c, seen)
		}
	}
	if !bytes.Contains(buf.Bytes(), []byte("Rebuild the image from a clean base")) {
		t.Errorf("no image remediation in the SARIF")
	}
}
