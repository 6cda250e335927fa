package images

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/litesweep/litesweep/sweep"
)

// TestErrorsBelongToTheirSource: two OCI layouts hold the same image; in
// one the litellm layer's blob is broken (missing, a FIFO, tampered). The
// broken layout reports the error against its own image, whatever order
// the sources come in, and the intact one is judged on its own bytes.
func TestErrorsBelongToTheirSource(t *testing.T) {
	img := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")})
	ls, _ := img.Layers()
	d, _ := ls[1].Digest()
	breaks := map[string]struct {
		do     func(t *testing.T, p string)
		errSub string
		// orders in which the break is detectable without re-hashing a
		// blob another source already proved (a tampered blob is only
		// caught when it is read first)
		bothOrders bool
	}{
		"missing": {func(t *testing.T, p string) { os.Remove(p) }, "is missing from", true},
		"fifo": {func(t *testing.T, p string) {
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file", true},
		"tampered": {func(t *testing.T, p string) {
			replaceBlob(t, p, gz(t, tarBytes(t, member{name: "opt/a", body: "other"})))
		}, "digest mismatch", false},
	}
	for name, br := range breaks {
		for _, brokenFirst := range []bool{true, false} {
			if !brokenFirst && !br.bothOrders {
				continue
			}
			t.Run(name+map[bool]string{true: "/broken-first", false: "/intact-first"}[brokenFirst], func(t *testing.T) {
				broken, intact := t.TempDir(), t.TempDir()
				writeLayout(t, broken, map[string]v1.Image{"broken:1": img})
				writeLayout(t, intact, map[string]v1.Image{"intact:1": img})
				br.do(t, filepath.Join(broken, "blobs", "sha256", d.Hex))
				s, sink := newTestScanner(t)
				order := []string{broken, intact}
				if !brokenFirst {
					order = []string{intact, broken}
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					for _, dir := range order {
						s.ScanLayout(context.Background(), dir)
					}
				}()
				select {
				case <-done:
				case <-time.After(60 * time.Second):
					t.Fatal("layout scan did not finish (blocked on a blob?)")
				}
				fs, es := sink.Drain()
				if len(findingsAt(fs, "intact:1", pthPath)) != 1 {
					t.Errorf("intact image not judged on its own bytes: %v", titles(fs))
				}
				var mine []sweep.Error
				for _, e := range es {
					if e.Location.Image == "intact:1" {
						t.Errorf("the intact image carries an error: %+v", e)
					}
					if e.Location.Image == "broken:1" && strings.Contains(e.Message, br.errSub) {
						mine = append(mine, e)
					}
				}
				if len(mine) != 1 {
					t.Errorf("broken layout: %d errors mentioning %q, want 1: %+v", len(mine), br.errSub, es)
				}
				if len(findingsAt(fs, "broken:1", pthPath)) != 0 {
					t.Errorf("the broken layout's image is credited with bytes it does not have")
				}
			})
		}
	}
}
