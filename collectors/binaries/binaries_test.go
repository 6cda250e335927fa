package binaries_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/collectors/binaries"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// The pack's marker, assembled so that this source file does not carry it
// in one piece.
var marker = "aquasec" + "urtiy"

// TestScanFindsMarkerAcrossReads: a marker at every offset around the
// read boundaries is found, whatever the reader's read sizes, and the hash
// and size are the whole stream's.
func TestScanFindsMarkerAcrossReads(t *testing.T) {
	const chunk = 256 << 10
	keep := len(marker) - 1
	first := chunk + keep // what the first Read of a bytes.Reader returns
	var offsets []int
	for _, b := range []int{first, first + chunk, chunk} {
		for d := -len(marker); d <= 1; d++ {
			offsets = append(offsets, b+d)
		}
	}
	offsets = append(offsets, 0, 3*chunk-len(marker))
	readers := map[string]func(io.Reader) io.Reader{
		"whole":   func(r io.Reader) io.Reader { return r },
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
		"dataerr": iotest.DataErrReader,
	}
	for _, off := range offsets {
		data := bytes.Repeat([]byte{0x90}, 3*chunk)
		copy(data[off:], marker)
		sum := sha256.Sum256(data)
		for name, wrap := range readers {
			if name == "onebyte" && off%7 != 0 {
				continue // slow; a few offsets suffice
			}
			res, err := binaries.Scan(context.Background(), wrap(bytes.NewReader(data)), int64(len(data)), []string{"other-marker", marker})
			if err != nil {
				t.Fatalf("offset %d %s: %v", off, name, err)
			}
			if !slices.Equal(res.Markers, []string{marker}) {
				t.Errorf("offset %d %s: markers %q", off, name, res.Markers)
			}
			if res.SHA256 != hex.EncodeToString(sum[:]) || res.Size != int64(len(data)) {
				t.Errorf("offset %d %s: hash %s size %d", off, name, res.SHA256, res.Size)
			}
		}
	}
	// Almost the marker, split across the boundary: not found.
	data := bytes.Repeat([]byte{0x90}, 2*chunk)
	copy(data[first-4:], marker[:len(marker)-1]+"X")
	res, err := binaries.Scan(context.Background(), bytes.NewReader(data), int64(len(data)), []string{marker})
	if err != nil || len(res.Markers) != 0 {
		t.Errorf("a near miss: %q %v", res.Markers, err)
	}
}

// TestScanBounded: one byte over the limit is an error wrapping
// sweep.ErrTooLarge; a cancelled context stops the read.
func TestScanBounded(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 1000)
	if _, err := binaries.Scan(context.Background(), bytes.NewReader(data), 999, []string{marker}); !errors.Is(err, sweep.ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := binaries.Scan(context.Background(), bytes.NewReader(data), 1000, nil); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := binaries.Scan(ctx, bytes.NewReader(data), 1000, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func fixtures(t *testing.T) (marked, clean []byte) {
	t.Helper()
	marked = sweeptest.GoBinary(t, "https://scan."+marker+".org/")
	clean = sweeptest.GoBinary(t, "https://mirror.gcr.io/aquasec/trivy-db")
	if bytes.Contains(clean, []byte(marker)) {
		t.Fatal("the clean fixture carries the marker")
	}
	return marked, clean
}

// overlay composes the built-in packs with a test pack (as --iocs does)
// that publishes the given SHA-256s as bad binaries of these names.
func overlay(t *testing.T, bad map[string]string) *iocs.Matcher {
	t.Helper()
	srcs, err := iocs.BuiltinSources()
	if err != nil {
		t.Fatal(err)
	}
	var y strings.Builder
	y.WriteString("schema_version: 1\nid: test-binaries\nversion: \"1\"\ntitle: test binaries\nfiles:\n")
	names := make([]string, 0, len(bad))
	for n := range bad {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		fmt.Fprintf(&y, "  - {id: test-bin-%d, kind: binary, name: %q, sha256: %s, severity: critical, description: \"test payload %s\", provenance: {confidence: derived, sources: [test]}}\n", i, n, bad[n], n)
	}
	l, err := iocs.Compose(append(srcs, iocs.Source{From: "test.yaml", Data: []byte(y.String())}), iocs.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := iocs.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestBinariesOnATree: the whole host collector set on a --root tree. A
// trivy ELF carrying the typosquat domain is high (marker, no known hash);
// a trivy whose hash a pack publishes is critical (here a test pack
// publishes the clean fixture's own hash, so the repository never holds a
// file that looks infected), also as TRIVY.EXE's Windows twin and under the
// telnyx implant's name in any case; decoys (a clean trivy, the marked
// bytes as trivy.txt, a symlink named trivy, a clean msbuild.exe of
// another size) are nothing.
func TestBinariesOnATree(t *testing.T) {
	marked, clean := fixtures(t)
	// A second clean build (different bytes) is the pack's payload.
	payload := append(append([]byte(nil), clean...), "litesweep-test-payload"...)
	m := overlay(t, map[string]string{"trivy": sha(payload), "msbuild.exe": sha(payload)})
	root := t.TempDir()
	sweeptest.WriteFiles(t, root, map[string][]byte{
		"etc/passwd":                                  []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"),
		"usr/local/bin/trivy":                         marked,
		"home/alice/.local/bin/trivy":                 payload,
		"opt/tools/trivy-0.69.4/trivy-linux":          payload,
		"opt/clean/trivy":                             clean,
		"home/alice/notes/trivy.txt":                  marked,
		"Users/bob/Downloads/Trivy.EXE":               marked,
		"Users/bob/AppData/Roaming/x/MSBuild.exe":     payload,
		"Windows/Microsoft.NET/Framework/MSBuild.exe": clean,
	})
	for link, target := range map[string]string{
		"opt/tools/trivy-link": "/usr/local/bin/trivy",      // not a candidate's name
		"home/alice/trivy":     "../../usr/local/bin/trivy", // checked at the target, once
		"opt/tools/trivy":      "trivy-0.69.4/trivy-linux",  // a versioned install: checked at the link
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	homes := sweep.Homes(os.DirFS(root))
	cs := collectors.Host(collectors.Options{Matcher: m, Homes: homes})
	counters := &sweep.Counters{}
	sink := sweeptest.Walk(t, &sweep.Walker{Root: root, Collectors: cs, Skips: sweep.DefaultSkips, Counters: counters})
	findings, errs := sink.Drain()
	for _, e := range errs {
		t.Errorf("error: %+v", e)
	}
	var got []string
	for _, f := range findings {
		if f.Category == binaries.CatBinary {
			got = append(got, fmt.Sprintf("%s|%s|%s|%s", f.Severity, f.Location.Path, f.Indicator.ID, f.User))
			if f.Evidence.SHA256 == "" || f.Evidence.Size == 0 {
				t.Errorf("%s: evidence %+v", f.Location.Path, f.Evidence)
			}
		}
	}
	sort.Strings(got)
	want := []string{
		"critical|/Users/bob/AppData/Roaming/x/MSBuild.exe|test-bin-0|bob",
		"critical|/home/alice/.local/bin/trivy|test-bin-1|alice",
		"critical|/opt/tools/trivy|test-bin-1|",
		"high|/Users/bob/Downloads/Trivy.EXE|trivy-0694-typosquat-marker-exe|bob",
		"high|/usr/local/bin/trivy|trivy-0694-typosquat-marker|",
	}
	if !slices.Equal(got, want) {
		for _, f := range findings {
			t.Logf("%s %s %s %q %v", f.Severity, f.Category, f.Location.Path, f.Title, f.Evidence.Details)
		}
		t.Fatalf("binaries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBinaryTooLargeIsLocated: a candidate over the cap is a located
// error (nobody checked it); a large file of another name is not opened.
func TestBinaryTooLargeIsLocated(t *testing.T) {
	m := sweeptest.Matcher(t)
	root := t.TempDir()
	big := bytes.Repeat([]byte{0}, 4096)
	sweeptest.WriteFiles(t, root, map[string][]byte{"usr/bin/trivy": big, "usr/bin/grype": big})
	c := binaries.New(binaries.Options{Matcher: m, MaxSize: 1024})
	counters := &sweep.Counters{}
	sink := sweeptest.Walk(t, &sweep.Walker{Root: root, Collectors: []sweep.Collector{c}, Counters: counters})
	findings, errs := sink.Drain()
	if len(findings) != 0 || len(errs) != 1 || errs[0].Location.Path != "/usr/bin/trivy" || errs[0].Kind != sweep.ErrKindError ||
		!strings.Contains(errs[0].Message, "larger than the 1024-byte cap") {
		t.Fatalf("findings %v errors %+v", findings, errs)
	}
	if n := counters.FilesRead.Load(); n != 0 {
		t.Errorf("%d files opened, want none", n)
	}
}

// TestSizeDecidesWithoutReading: a file named like a binary whose every
// entry carries a size and no marker (the telnyx implant: 179,712 bytes)
// is not opened when its size differs: a Windows disk holds many a
// legitimate MSBuild.exe.
func TestSizeDecidesWithoutReading(t *testing.T) {
	m := sweeptest.Matcher(t)
	ents := m.Binaries("MSBuild.exe")
	if len(ents) == 0 || ents[0].Size != 179712 {
		t.Fatalf("the pack's msbuild.exe: %+v", ents)
	}
	root := t.TempDir()
	sweeptest.WriteFiles(t, root, map[string][]byte{
		"Windows/Microsoft.NET/Framework64/v4.0.30319/MSBuild.exe": bytes.Repeat([]byte("M"), 1000),
		"Users/bob/Startup/msbuild.exe":                            bytes.Repeat([]byte("M"), 179712),
	})
	counters := &sweep.Counters{}
	sink := sweeptest.Walk(t, &sweep.Walker{Root: root, Collectors: []sweep.Collector{binaries.New(binaries.Options{Matcher: m})}, Counters: counters})
	findings, errs := sink.Drain()
	if len(findings) != 0 || len(errs) != 0 {
		t.Fatalf("findings %v errors %v", findings, errs)
	}
	if n := counters.FilesRead.Load(); n != 1 {
		t.Errorf("%d files opened, want 1 (the one of the implant's size)", n)
	}
}
