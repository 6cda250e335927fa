package mirror

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/internal/testenv"
)

// TestRealVerdaccio: a real Verdaccio proxies the loopback registry as
// its uplink; the real npm installs the bad releases through it, so
// Verdaccio writes its own storage (package.json and cached tarballs).
// The sweep reads Verdaccio over HTTP (its packuments, its tarball URLs)
// and its storage directory on disk, and finds what the registry sweep
// finds, each stored tarball hashed against its integrity.
func TestRealVerdaccio(t *testing.T) {
	exe := testenv.LookPath(t, "verdaccio", "a real Verdaccio writes the storage layout the mirror sweep reads (npm install -g verdaccio@6)")
	up := npmRegistry(t)
	dir := t.TempDir()
	storage := filepath.Join(dir, "storage")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf(`storage: %s
uplinks:
  up:
    url: %s
    cache: true
packages:
  '@*/*':
    access: $all
    publish: $anonymous
    proxy: up
  '**':
    access: $all
    publish: $anonymous
    proxy: up
server:
  keepAliveTimeout: 60
log: {type: stdout, format: pretty, level: warn}
`, storage, up.URL())
	cfgPath := filepath.Join(dir, "config.yaml")
	writeFile(t, cfgPath, []byte(cfg))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "--config", cfgPath, "--listen", addr)
	cmd.Env = append(os.Environ(), "HOME="+dir, "NO_PROXY=*", "no_proxy=*")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	base := "http://" + addr + "/"
	for ready := false; !ready; {
		if ctx.Err() != nil {
			t.Fatalf("verdaccio did not start: %s", logs.String())
		}
		if resp, err := http.Get(base + "-/ping"); err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == 200
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The real npm installs through Verdaccio, which caches what it sends.
	n := npmreg.RequireNPM(t, up) // its --registry is overridden below
	for _, spec := range []string{"tpcp-fixture-left@2.0.1", "@tpcp-fixture/worm", "tpcp-fixture-dep@3.0.0"} {
		p := t.TempDir()
		if err := npmreg.Project(p, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := n.Run(ctx, p, "install", "--registry", base, spec); err != nil {
			t.Fatalf("%v\n%s", err, logs.String())
		}
	}

	fs, es, _ := sweepRegistry(t, base, Options{Download: true})
	if len(es) != 0 {
		t.Fatalf("errors %+v\n%s", es, logs.String())
	}
	want := strings.Join(wantNPM, "\n")
	if got := strings.Join(titles(fs), "\n"); got != want {
		t.Fatalf("over HTTP:\n%s\nwant\n%s", got, want)
	}
	for _, f := range fs {
		if !strings.HasPrefix(f.Location.URL, base) || strings.Contains(strings.Join(f.Evidence.Details, "\n"), "dist.integrity: other bytes") {
			t.Errorf("%s: %+v", f.Title, f)
		}
	}

	// On disk, as Verdaccio wrote it.
	if _, err := os.Stat(filepath.Join(storage, ".verdaccio-db.json")); err != nil {
		t.Fatalf("Verdaccio wrote no database: %v", err)
	}
	fs, es = sweepStorage(t, storage, Options{})
	if len(es) != 0 {
		t.Fatalf("storage errors %+v", es)
	}
	var got []string
	for _, f := range fs {
		rel, _ := filepath.Rel(storage, f.Location.Path)
		got = append(got, fmt.Sprintf("%s %s@%s %s", f.Severity, f.Evidence.Package, f.Evidence.Version, filepath.ToSlash(rel)))
		if f.Evidence.SHA256 == "" && !strings.HasSuffix(rel, "package.json") {
			t.Errorf("%s not hashed", rel)
		}
	}
	slices.Sort(got)
	wantDisk := []string{
		"high @tpcp-fixture/worm@1.4.0 @tpcp-fixture/worm/worm-1.4.0.tgz",
		"high tpcp-fixture-every@0.1.0 tpcp-fixture-every/tpcp-fixture-every-0.1.0.tgz", // never installed: cached when --download fetched it through Verdaccio
		"low tpcp-fixture-dep@3.0.0 tpcp-fixture-dep/tpcp-fixture-dep-3.0.0.tgz",
		"medium tpcp-fixture-left@2.0.1 tpcp-fixture-left/tpcp-fixture-left-2.0.1.tgz",
	}
	if !slices.Equal(got, wantDisk) {
		t.Errorf("storage findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantDisk, "\n"))
	}
}
