package images

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// benchBase is a shared base: a Python site-packages of 150 distributions
// (METADATA, RECORD, a module of ~16 KB of incompressible text each),
// about 2.5 MB compressed, so reading it costs what a real base costs.
func benchBase(b *testing.B) []step {
	rng := rand.New(rand.NewSource(1))
	var ms []member
	for i := range 150 {
		pkg := fmt.Sprintf("dep%03d", i)
		di := site + pkg + "-1.0.dist-info/"
		buf := make([]byte, 12<<10)
		rng.Read(buf)
		ms = append(ms,
			member{name: di + "METADATA", body: metadata(pkg, "1.0")},
			member{name: di + "RECORD", body: pkg + "/__init__.py,,\n"},
			member{name: di + "INSTALLER", body: "pip\n"},
			member{name: site + pkg + "/__init__.py", body: "# " + base64.StdEncoding.EncodeToString(buf) + "\n"})
	}
	return []step{{"ADD rootfs.tar /", baseLayer(b)}, {"RUN apt-get install python3", pythonLayer(b)}, {"RUN pip install -r requirements.txt", layerOf(b, ms...)}}
}

// BenchmarkRegistrySweep: a real docker-registry holding 50 images (5
// repositories x 10 tags) that share a base, one of them with the payload.
// Each iteration sweeps the whole registry (--registry) and then, in the
// same run, each image on its own with a fresh scanner (--remote, the
// baseline), and reports both times, their ratio, and the blob requests
// and bytes each needed.
func BenchmarkRegistrySweep(b *testing.B) {
	rr := startRegistry(b)
	base := benchBase(b)
	var refs []string
	for r := range 5 {
		for tg := range 10 {
			app := layerOf(b, member{name: "app/main.py", body: fmt.Sprintf("print(%d, %d)\n", r, tg)})
			steps := append(append([]step(nil), base...), step{"COPY app /app", app})
			if r == 2 && tg == 7 {
				steps = append(steps, step{"RUN pip install litellm==1.82.8", litellmLayer(b, "1.82.8")})
			}
			ref := fmt.Sprintf("team/svc%d:v%d", r, tg)
			rr.push(b, ref, buildImage(b, steps...))
			refs = append(refs, ref)
		}
	}
	m := sweeptest.Matcher(b)
	newScanner := func() (*Scanner, *sweep.Collection) {
		sink := sweep.NewCollection(nil)
		return &Scanner{Options: collectors.Options{Matcher: m}, Sink: sink}, sink
	}
	target, err := ParseRegistryTarget(rr.proxy, true)
	if err != nil {
		b.Fatal(err)
	}
	var regD, reg1D, singleD time.Duration
	var regGets, singleGets int
	for b.Loop() {
		before := sumCounts(rr.blobCounts())
		t0 := time.Now()
		s, sink := newScanner()
		names := s.ScanRegistry(context.Background(), target, RegistryOptions{RemoteOptions: RemoteOptions{Insecure: true}})
		regD += time.Since(t0)
		regGets += sumCounts(rr.blobCounts()) - before
		fs, es := sink.Drain()
		if len(names) != 50 || len(fs) == 0 || len(es) != 0 {
			b.Fatalf("registry sweep: %d images, %d findings, errors %v", len(names), len(fs), es)
		}
		// The same sweep one image at a time, to separate the layer reuse
		// from the parallelism.
		t2 := time.Now()
		s, _ = newScanner()
		s.ScanRegistry(context.Background(), target, RegistryOptions{RemoteOptions: RemoteOptions{Insecure: true}, Jobs: 1})
		reg1D += time.Since(t2)
		mid := sumCounts(rr.blobCounts())
		found := 0
		t1 := time.Now()
		for _, ref := range refs {
			s, sink := newScanner()
			s.ScanRemote(context.Background(), rr.proxy+"/"+ref, RemoteOptions{Insecure: true})
			fs, _ := sink.Drain()
			found += len(fs)
		}
		singleD += time.Since(t1)
		if found == 0 {
			b.Fatal("single-image sweeps found nothing")
		}
		singleGets += sumCounts(rr.blobCounts()) - mid
	}
	n := float64(b.N)
	b.ReportMetric(regD.Seconds()/n, "registry-s")
	b.ReportMetric(singleD.Seconds()/n, "single-sum-s")
	b.ReportMetric(reg1D.Seconds()/n, "registry-jobs1-s")
	b.ReportMetric(singleD.Seconds()/regD.Seconds(), "x-faster")
	b.ReportMetric(singleD.Seconds()/reg1D.Seconds(), "x-faster-jobs1")
	b.ReportMetric(float64(regGets)/n, "registry-blob-GETs")
	b.ReportMetric(float64(singleGets)/n, "single-blob-GETs")
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
