package cache

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/iocs"
)

var update = flag.Bool("update", false, "rewrite committed fixtures (real pip cache entry, fuzz seeds)")

// realPipEntry is a legacy http/ entry written by the real pip 23.2.1 for
// the fixture litellm 1.82.8 wheel (TestRealPipLegacyHTTPCache -update).
const realPipEntry = "testdata/pip-23.2.1-http-litellm-1.82.8"

type pyindexMatcher struct{ m *iocs.Matcher }

func fuzzMatcher(f *testing.F) *pyindexMatcher {
	fx := pyindex.Litellm()
	return &pyindexMatcher{m: fx.TestMatcher(f)}
}

// Run the fuzzers locally with a short minimisation time, e.g.
//
//	go test -run XXX -fuzz '^FuzzPipHTTPCache$' -fuzztime 60s -fuzzminimizetime 2s ./collectors/cache
//
// (the default 60 s minimisation of a new input looks like a stalled fuzzer).

// FuzzPipHTTPCache feeds arbitrary bytes to the CacheControl entry parser
// and, when it locates an inline body, to the wheel and sdist inspectors.
func FuzzPipHTTPCache(f *testing.F) {
	pm := fuzzMatcher(f)
	if b, err := os.ReadFile(realPipEntry); err == nil {
		f.Add(b)
	}
	for _, b := range hostileEntries(4096) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		e, err := ParseHTTPEntry(r, int64(len(data)))
		if err != nil {
			return
		}
		if e.BodyLen < 0 || (e.BodyOff >= 0 && e.BodyOff+e.BodyLen > int64(len(data))) {
			t.Fatalf("body outside the entry: off %d len %d size %d", e.BodyOff, e.BodyLen, len(data))
		}
		if body := e.Body(r); body != nil {
			InspectZip(body, body.Size(), pm.m, 1<<20)
			InspectSdist(body)
		}
		e.Date()
		e.IsPage()
	})
}

// FuzzInspectZip feeds arbitrary bytes to the wheel inspector.
func FuzzInspectZip(f *testing.F) {
	pm := fuzzMatcher(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, _ := InspectZip(bytes.NewReader(data), int64(len(data)), pm.m, 1<<20)
		if a != nil && a.Members > maxMembers {
			t.Fatalf("member cap not enforced: %d", a.Members)
		}
	})
}

// FuzzUVPointer feeds arbitrary bytes to the uv pointer parser.
func FuzzUVPointer(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseUVPointer(data)
		if err == nil && (p.ArchiveID == "" || bytes.ContainsAny([]byte(p.ArchiveID), "/\\")) {
			t.Fatalf("unusable archive id accepted: %q", p.ArchiveID)
		}
	})
}

// TestWriteFuzzSeeds writes the committed seed corpora (go test -run
// TestWriteFuzzSeeds -update).
func TestWriteFuzzSeeds(t *testing.T) {
	fx := pyindex.Litellm()
	w8 := build(t, fx.Bad8)
	hdr := map[string]string{"date": date, "x-pypi-file-project": "litellm", "x-pypi-file-version": "1.82.8"}
	bomb := rawZip(t, [2]string{"litellm-1.82.7.dist-info/METADATA", string(make([]byte, 2<<20))})
	hostile := rawZip(t, [2]string{"litellm-1.82.8.dist-info/METADATA", "Name: litellm\nVersion: 1.82.8\n"}, [2]string{"../x", "x"})
	seeds := map[string][][]byte{
		"FuzzPipHTTPCache": {ccEntry(t, hdr, nil), ccEntry(t, hdr, w8), ccEntry(t, hdr, w8)[:60], []byte("cc=2,xx"), []byte("cc=4,\x81")},
		"FuzzInspectZip":   {w8, w8[:len(w8)/2], bomb, hostile, []byte("PK\x05\x06" + string(make([]byte, 18)))},
		"FuzzUVPointer":    {uvPointer(t, "abc", "litellm-1.82.8-py3-none-any.whl"), uvPointer(t, "../x", "y")[:10], []byte{0x92, 0xa3, 'a', 'b', 'c', 0xa1, 'x'}},
	}
	if b, err := os.ReadFile(realPipEntry); err == nil {
		seeds["FuzzPipHTTPCache"] = append(seeds["FuzzPipHTTPCache"], b)
	}
	for name, list := range seeds {
		dir := filepath.Join("testdata", "fuzz", name)
		if !*update {
			// The committed corpus must hold every seed this test would write
			// (go test -run TestWriteFuzzSeeds -update rewrites them).
			for i := range list {
				if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("seed-%d", i))); err != nil {
					t.Errorf("seed corpus incomplete: %v", err)
				}
			}
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, b := range list {
			content := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%d", i)), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
