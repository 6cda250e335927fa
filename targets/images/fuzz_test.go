package images

import (
	"bytes"
	"context"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// FuzzLayerReader feeds arbitrary bytes to the layer reader as a blob: it
// must never panic, hang or report a path outside the layer root, whatever
// the tar, gzip or zstd framing says. Seeds are in testdata/fuzz.
func FuzzLayerReader(f *testing.F) {
	f.Add(tarBytes(f, member{name: site + "litellm_init.pth", body: "import sys\n"}))
	f.Add(gz(f, tarBytes(f, member{name: "../../x/litellm_init.pth", body: "x"}, member{name: "a", typ: '2', linkname: "a"})))
	f.Add(zst(f, tarBytes(f, member{name: site + ".wh..wh..opq"}, member{name: site + ".wh.litellm_init.pth"})))
	m := sweeptest.Matcher(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := sweep.NewCollection(nil)
		s := &Scanner{Options: collectors.Options{Matcher: m}, Sink: sink,
			NewCollectors: func(o collectors.Options) []sweep.Collector { return []sweep.Collector{&probe{m: o.Matcher}} }}
		s.Limits = Limits{MaxLayerBytes: 4 << 20, MaxEntries: 2000, MaxFileBytes: 1 << 20, MaxBufferedBytes: 2 << 20}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res := s.scanLayer(ctx, layerInput{r: bytes.NewReader(data)})
		if res.complete && (!strings.HasPrefix(res.diffID, "sha256:") || !strings.HasPrefix(res.digest, "sha256:")) {
			t.Fatalf("complete layer without digests: %+v", res)
		}
		if !res.complete && len(res.errors) == 0 {
			t.Fatal("incomplete layer without an error")
		}
		for _, fd := range res.findings {
			if p := fd.Location.Path; p != "" && (p != path.Clean(p) || !strings.HasPrefix(p, "/") || strings.Contains(p, "..")) {
				t.Fatalf("finding path %q escapes the layer", p)
			}
		}
		_, _ = sink.Drain()
	})
}
