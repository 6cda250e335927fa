package images

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// The real-engine tests need the private dockerd that .ci/test starts
// (vfs storage, no network): LITESWEEP_DOCKER_HOST and
// LITESWEEP_DOCKER_DATA_ROOT. No registry is reachable, so the base image is
// imported from a busybox-static rootfs and the fixture images are built
// through the Engine API with COPY and RUN steps; the site-packages and the
// pip cache they copy are written by the machine's real pip from a loopback
// index serving the benign litellm fixtures.

const (
	tagBase    = "litesweep-test/base:1"
	tagDeleted = "litesweep-test/bad-deleted:1"
	tagVisible = "litesweep-test/bad-visible:1"
	tagClean   = "litesweep-test/clean:1"
	tagCache   = "litesweep-test/cache-only:1"
	// tagHardlink's .pth is a hard link (RUN ln) to payload bytes stored
	// under another name; not in fixtureTags.
	tagHardlink = "litesweep-test/hardlink:1"
	imgSite     = "/usr/local/lib/python3.11/site-packages"
)

var fixtureTags = []string{tagDeleted, tagVisible, tagClean, tagCache}

func requireEngine(t *testing.T) string {
	t.Helper()
	h := os.Getenv("LITESWEEP_DOCKER_HOST")
	if h == "" {
		testenv.SkipOrFail(t, "LITESWEEP_DOCKER_HOST not set (run .ci/test as root to start a private dockerd)")
	}
	return h
}

// apiClient is a minimal Engine API client for building fixtures (POST),
// separate from the code under test.
type apiClient struct {
	c    *http.Client
	base string
}

func newAPIClient(t *testing.T, host string) *apiClient {
	t.Helper()
	u, err := url.Parse(host)
	if err != nil || u.Scheme != "unix" {
		t.Fatalf("LITESWEEP_DOCKER_HOST %q: want unix://", host)
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", u.Path)
	}}
	return &apiClient{c: &http.Client{Transport: tr}, base: "http://docker/v1.41"}
}

// call sends a request and returns the body; JSON progress streams are
// checked for an "error" member.
func (a *apiClient) call(t *testing.T, method, p, ctype string, body io.Reader) []byte {
	t.Helper()
	req, err := http.NewRequest(method, a.base+p, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, p, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified && resp.StatusCode != http.StatusNotFound {
		t.Fatalf("%s %s: %s: %s", method, p, resp.Status, b)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.Error != "" {
			t.Fatalf("%s %s: %s", method, p, m.Error)
		}
	}
	return b
}

// dirTar tars a directory (symlinks kept as symlinks) for a build context or rootfs.
func dirTar(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if fi.IsDir() {
			h.Name += "/"
		}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "root", "root"
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	return buf.Bytes()
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o644)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

type engineFixture struct {
	host     string
	matcher  *iocs.Matcher
	ids      map[string]string // tag → image ID
	err      error
	runningC string
	exitedC  string
	// diffIDs are the distinct layers of the fixture images; totalLayers counts them per image.
	diffIDs     map[string]bool
	totalLayers int
	// wantContainers is set by sources that know the engine's containers.
	wantContainers bool
}

var (
	fixtureOnce sync.Once
	fixture     *engineFixture
)

// buildFixtures imports the base image and builds the four fixture images
// once per test binary.
func buildFixtures(t *testing.T) *engineFixture {
	host := requireEngine(t)
	py := pyindex.RequirePython(t)
	fixtureOnce.Do(func() {
		fixture = &engineFixture{host: host, ids: map[string]string{}, diffIDs: map[string]bool{}}
		ok := t.Run("build-fixtures", func(t *testing.T) { fixture.build(t, py) })
		if !ok {
			fixture.err = fmt.Errorf("fixture build failed")
		}
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return fixture
}

func (f *engineFixture) build(t *testing.T, py *pyindex.Python) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	api := newAPIClient(t, f.host)
	fx := pyindex.Litellm()
	f.matcher = fx.TestMatcher(t)
	idx := pyindex.NewIndex(t, fx.Artifacts(t)...)
	work := t.TempDir()

	// Real pip writes the site-packages and the pip cache the images copy.
	install := func(version, cache string) string {
		venv := filepath.Join(work, "venv-"+version)
		if err := py.Venv(ctx, venv); err != nil {
			t.Fatal(err)
		}
		if out, err := py.Install(ctx, venv, pyindex.InstallOptions{Index: idx.URL(), CacheDir: cache, NoDeps: true, NoCompile: true},
			"litellm=="+version); err != nil {
			t.Fatal(out, err)
		}
		return py.SitePackages(venv)
	}
	cache := filepath.Join(work, "pip-cache")
	site8 := install("1.82.8", cache)
	site6 := install("1.82.6", "")
	if _, err := os.Stat(filepath.Join(site8, "litellm_init.pth")); err != nil {
		t.Fatalf("pip did not install the fixture .pth: %v", err)
	}

	// Base image: busybox-static with its applets as symlinks.
	bb, err := exec.LookPath("busybox")
	if err != nil {
		testenv.SkipOrFail(t, "busybox not installed (Debian busybox-static)")
	}
	rootfs := filepath.Join(work, "rootfs")
	for _, d := range []string{"bin", "etc", "root", "tmp", "usr/local/lib/python3.11/site-packages", "home/app"} {
		os.MkdirAll(filepath.Join(rootfs, d), 0o755)
	}
	b, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), b, 0o755)
	for _, a := range []string{"sh", "rm", "mkdir", "cp", "true", "sleep", "cat", "ls", "ln"} {
		os.Symlink("busybox", filepath.Join(rootfs, "bin", a))
	}
	os.WriteFile(filepath.Join(rootfs, "etc", "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"), 0o644)
	repo, tag, _ := strings.Cut(tagBase, ":")
	api.call(t, "POST", "/images/create?fromSrc=-&repo="+url.QueryEscape(repo)+"&tag="+tag, "application/x-tar", bytes.NewReader(dirTar(t, rootfs)))

	build := func(tag, dockerfile string, files map[string]string) {
		ctxDir := filepath.Join(work, "ctx-"+strings.NewReplacer("/", "-", ":", "-").Replace(tag))
		os.MkdirAll(ctxDir, 0o755)
		os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(dockerfile), 0o644)
		for dst, src := range files {
			copyTree(t, src, filepath.Join(ctxDir, dst))
		}
		api.call(t, "POST", "/build?rm=1&forcerm=1&t="+url.QueryEscape(tag), "application/x-tar", bytes.NewReader(dirTar(t, ctxDir)))
	}
	build(tagDeleted, "FROM "+tagBase+"\nENV PYTHONDONTWRITEBYTECODE=1\nCOPY site-packages/ "+imgSite+"/\n"+
		"RUN rm -rf "+imgSite+"/litellm_init.pth "+imgSite+"/litellm-1.82.8.dist-info "+imgSite+"/litellm\nCMD [\"/bin/sh\"]\n",
		map[string]string{"site-packages": site8})
	build(tagVisible, "FROM "+tagBase+"\nCOPY site-packages/ "+imgSite+"/\n", map[string]string{"site-packages": site8})
	build(tagClean, "FROM "+tagBase+"\nCOPY site-packages/ "+imgSite+"/\n", map[string]string{"site-packages": site6})
	build(tagCache, "FROM "+tagBase+"\nCOPY pip-cache/ /root/.cache/pip/\nRUN ls /root/.cache/pip >/dev/null\n", map[string]string{"pip-cache": cache})
	payloadDir := filepath.Join(work, "payload")
	os.MkdirAll(payloadDir, 0o755)
	os.WriteFile(filepath.Join(payloadDir, "changelog.bin"), []byte(hardlinkPayload), 0o644)
	build(tagHardlink, "FROM "+tagBase+"\nCOPY payload/ /tmp/p/\n"+
		"RUN mkdir -p /opt/x && cp /tmp/p/changelog.bin /opt/x/changelog.bin && "+
		"ln /opt/x/changelog.bin "+imgSite+"/zz_hook.pth && rm -rf /tmp/p\n", map[string]string{"payload": payloadDir})

	for _, tg := range append([]string{tagBase, tagHardlink}, fixtureTags...) {
		var insp struct {
			ID     string
			RootFS struct{ Layers []string }
		}
		if err := json.Unmarshal(api.call(t, "GET", "/images/"+url.PathEscape(tg)+"/json", "", nil), &insp); err != nil || insp.ID == "" {
			t.Fatalf("inspect %s: %v", tg, err)
		}
		f.ids[tg] = insp.ID
		if tg != tagBase && tg != tagHardlink {
			for _, l := range insp.RootFS.Layers {
				f.diffIDs[l] = true
			}
			f.totalLayers += len(insp.RootFS.Layers)
		}
	}
	// Containers of the affected image: one running, one exited.
	mk := func(nm string, cmd []string) string {
		api.call(t, "DELETE", "/containers/"+nm+"?force=1", "", nil)
		body, _ := json.Marshal(map[string]any{"Image": tagVisible, "Cmd": cmd, "NetworkDisabled": true})
		var cr struct {
			ID string `json:"Id"`
		}
		json.Unmarshal(api.call(t, "POST", "/containers/create?name="+nm, "application/json", bytes.NewReader(body)), &cr)
		api.call(t, "POST", "/containers/"+cr.ID+"/start", "", nil)
		return cr.ID
	}
	f.runningC = mk("litesweep-test-running", []string{"/bin/sleep", "600"})
	f.exitedC = mk("litesweep-test-exited", []string{"/bin/true"})
	api.call(t, "POST", "/containers/"+f.exitedC+"/wait", "", nil)
	t.Cleanup(func() {}) // the private engine is discarded by .ci/test
}

// realScanner runs the real host collectors, plus the probe on pip cache
// files only (so that everything about site-packages is the real collectors' work).
func realScanner(f *engineFixture) (*Scanner, *sweep.Collection) {
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	s := &Scanner{Options: collectors.Options{Matcher: f.matcher}, Sink: sink, Counters: counters,
		NewCollectors: func(o collectors.Options) []sweep.Collector {
			return append(collectors.Host(o), &probe{m: o.Matcher, cacheOnly: true})
		}}
	return s, sink
}

// checkFixtureFindings asserts what every source must report for the four
// fixture images, whatever they are named by the source.
func checkFixtureFindings(t *testing.T, f *engineFixture, fs []sweep.Finding, es []sweep.Error, nameOf func(tag string) string) {
	t.Helper()
	for _, e := range es {
		if e.Kind != "skipped" {
			t.Errorf("unexpected error: %s: %s", e.Location, e.Message)
		}
	}
	byImage := map[string][]sweep.Finding{}
	for _, x := range fs {
		byImage[x.Location.Image] = append(byImage[x.Location.Image], x)
	}
	pth := imgSite + "/litellm_init.pth"

	// Deleted in a later layer: reported at the COPY layer, history only, high.
	del := byImage[nameOf(tagDeleted)]
	pthHit, distHit := false, false
	for _, x := range del {
		if x.Location.ImageID != f.ids[tagDeleted] {
			t.Errorf("%s: image id %s, want %s", x.Title, x.Location.ImageID, f.ids[tagDeleted])
		}
		if x.Location.Path == "" || x.Category == "image/container" {
			continue
		}
		if x.Location.Visible == nil || *x.Location.Visible {
			t.Errorf("deleted image: %s at %s is marked visible", x.Title, x.Location)
		}
		if x.Severity.Rank() > sweep.High.Rank() {
			t.Errorf("deleted image: history-only finding %s has severity %s", x.Title, x.Severity)
		}
		if x.Location.Layer == nil || *x.Location.Layer != 1 || !strings.Contains(x.Location.CreatedBy, "COPY") {
			t.Errorf("deleted image: %s attributed to layer %v step %q, want layer 1 (COPY)", x.Title, x.Location.Layer, x.Location.CreatedBy)
		}
		if x.Location.Path == pth {
			pthHit = true
		}
		if strings.HasPrefix(x.Location.Path, imgSite+"/litellm-1.82.8.dist-info") {
			distHit = true
		}
	}
	if !pthHit || !distHit {
		t.Errorf("deleted image: the host collectors did not report litellm_init.pth (%v) and the 1.82.8 dist-info (%v): %v", pthHit, distHit, titles(del))
	}

	// Visible: critical, and the two containers are named.
	vis := byImage[nameOf(tagVisible)]
	crit, running, exited := false, false, false
	for _, x := range vis {
		if x.Location.Path == pth && x.Location.Visible != nil && *x.Location.Visible && x.Severity == sweep.Critical {
			crit = true
		}
		if strings.Contains(x.Title, "orphan") {
			t.Errorf("visible image: %q: the dist-info's RECORD (a companion file) was not available to the collector", x.Title)
		}
		if x.Category == "image/container" {
			running = running || strings.Contains(x.Title, "litesweep-test-running")
			exited = exited || strings.Contains(x.Title, "litesweep-test-exited")
		}
	}
	if !crit {
		t.Errorf("visible image: no critical visible finding at %s: %v", pth, titles(vis))
	}
	if f.wantContainers && (!running || !exited) {
		t.Errorf("visible image: containers not listed (running %v, exited %v): %v", running, exited, titles(vis))
	}

	// Clean 1.82.6: nothing at medium or above.
	for _, x := range byImage[nameOf(tagClean)] {
		if x.Severity.Rank() >= sweep.Medium.Rank() {
			t.Errorf("clean image: %s (%s) at %s", x.Title, x.Severity, x.Location)
		}
	}

	// Pip cache only: the cache is evidence, nothing claims an installed package.
	cacheHit := false
	for _, x := range byImage[nameOf(tagCache)] {
		if strings.HasPrefix(x.Location.Path, "/root/.cache/pip/") {
			cacheHit = true
		}
		if strings.HasPrefix(x.Location.Path, imgSite) {
			t.Errorf("cache-only image: finding in site-packages: %s", x.Title)
		}
	}
	if !cacheHit {
		t.Errorf("cache-only image: the pip cache was not reported: %v", titles(byImage[nameOf(tagCache)]))
	}
}

func titles(fs []sweep.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s [%s %s %s]", f.Title, f.Severity, f.Collector, f.Location))
	}
	return out
}

func TestEngineAPI(t *testing.T) {
	f := buildFixtures(t)
	s, sink := realScanner(f)
	start := time.Now()
	targets, err := s.ScanEngine(context.Background(), f.host, fixtureTags)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("engine scan of %d images in %v", len(targets), time.Since(start))
	if len(targets) != len(fixtureTags) {
		t.Fatalf("targets %v", targets)
	}
	fs, es := sink.Drain()
	f.wantContainers = true
	checkFixtureFindings(t, f, fs, es, func(tag string) string { return tag })
	// The base layer is shared by four images (and identical COPY layers
	// by two): each distinct layer is read once.
	imgs, layers := s.Stats()
	if imgs != 4 || int(layers) != len(f.diffIDs) || len(f.diffIDs) >= f.totalLayers {
		t.Errorf("scanned %d images and %d layers, want 4 and %d distinct of %d", imgs, layers, len(f.diffIDs), f.totalLayers)
	}
}

func TestDockerSaveArchive(t *testing.T) {
	f := buildFixtures(t)
	file := saveImages(t, f)
	s, sink := realScanner(f)
	imgs := s.ScanArchiveFile(context.Background(), file)
	if len(imgs) != len(fixtureTags) {
		t.Fatalf("%d images in the archive", len(imgs))
	}
	fs, es := sink.Drain()
	f.wantContainers = false
	checkFixtureFindings(t, f, fs, es, func(tag string) string { return tag })
}

func TestOCILayoutFromSave(t *testing.T) {
	f := buildFixtures(t)
	file := saveImages(t, f)
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range fixtureTags {
		ref, err := name.NewTag(tg)
		if err != nil {
			t.Fatal(err)
		}
		img, err := tarball.ImageFromPath(file, &ref)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"io.containerd.image.name": tg})); err != nil {
			t.Fatal(err)
		}
	}
	s, sink := realScanner(f)
	if imgs := s.ScanLayout(context.Background(), dir); len(imgs) != len(fixtureTags) {
		t.Fatalf("%d images in the layout", len(imgs))
	}
	fs, es := sink.Drain()
	f.wantContainers = false
	checkFixtureFindings(t, f, fs, es, func(tag string) string { return tag })
}

func TestDataRootVFS(t *testing.T) {
	f := buildFixtures(t)
	root := os.Getenv("LITESWEEP_DOCKER_DATA_ROOT")
	if root == "" {
		testenv.SkipOrFail(t, "LITESWEEP_DOCKER_DATA_ROOT not set (run .ci/test as root to start a private dockerd)")
	}
	s, sink := realScanner(f)
	targets := s.ScanDataRoot(context.Background(), root, fixtureTags)
	if len(targets) != len(fixtureTags) {
		t.Fatalf("targets %v", targets)
	}
	fs, es := sink.Drain()
	f.wantContainers = true
	checkFixtureFindings(t, f, fs, es, func(tag string) string { return tag })
}

// saveImages writes the fixture images with the real docker CLI when it is
// installed (else through the API export, which is what the CLI calls).
func saveImages(t *testing.T, f *engineFixture, tags ...string) string {
	t.Helper()
	if len(tags) == 0 {
		tags = fixtureTags
	}
	file := filepath.Join(t.TempDir(), "saved.tar")
	if cli, err := exec.LookPath("docker"); err == nil {
		cmd := exec.Command(cli, append([]string{"-H", f.host, "save", "-o", file}, tags...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("docker save: %v\n%s", err, out)
		}
		return file
	}
	api := newAPIClient(t, f.host)
	q := url.Values{"names": tags}
	b := api.call(t, "GET", "/images/get?"+q.Encode(), "", nil)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

const hardlinkPayload = "import os, subprocess; subprocess.Popen(['sh', '-c', 'id'])\n"

// TestDockerSaveHardLink: a `docker save` of an image whose RUN step made
// the .pth a hard link to bytes stored under another name: the .pth is
// judged by that content, whether the engine wrote it as a tar hard link
// or as a file.
func TestDockerSaveHardLink(t *testing.T) {
	f := buildFixtures(t)
	file := saveImages(t, f, tagHardlink)
	links := tarLinksIn(t, file)
	t.Logf("hard links in the saved layers: %v", links)
	// The engine writes the first name it walks as the file and later
	// ones as links: /opt sorts before /usr, so the .pth is the link.
	if !slices.Contains(links, strings.TrimPrefix(imgSite, "/")+"/zz_hook.pth -> opt/x/changelog.bin") {
		t.Errorf("the engine did not write the .pth as a tar hard link: the test no longer exercises hard links")
	}
	s, sink := realScanner(f)
	if imgs := s.ScanArchiveFile(context.Background(), file); len(imgs) != 1 {
		t.Fatalf("%d images in the archive", len(imgs))
	}
	fs, es := sink.Drain()
	for _, e := range es {
		if e.Kind != "skipped" {
			t.Errorf("unexpected error: %s: %s", e.Location, e.Message)
		}
	}
	hit := false
	for _, x := range fs {
		if x.Location.Path == imgSite+"/zz_hook.pth" && x.Severity.Rank() >= sweep.High.Rank() && x.Location.Visible != nil && *x.Location.Visible {
			hit = true
		}
	}
	if !hit {
		t.Errorf("no visible high finding at the hard-linked .pth: %v", titles(fs))
	}
}

// tarLinksIn lists "name -> target" of the tar hard links in every layer
// of a docker save archive.
func tarLinksIn(t *testing.T, file string) []string {
	t.Helper()
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []string
	tr := tar.NewReader(fh)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(h.Name, ".tar") && !strings.HasPrefix(h.Name, "blobs/") {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		inner := tar.NewReader(bytes.NewReader(b))
		for {
			ih, err := inner.Next()
			if err != nil {
				break
			}
			if ih.Typeflag == tar.TypeLink {
				out = append(out, ih.Name+" -> "+ih.Linkname)
			}
		}
	}
	return out
}
