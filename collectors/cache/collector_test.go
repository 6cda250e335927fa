package cache

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// ccEntry builds a CacheControl "cc=4," entry as pip's vendored
// CacheControl serialises it (serialize.py: msgpack of {"response":
// {"body", "headers", "status", "version", "reason", "decode_content"},
// "vary"}). This is the documented format (shared/formats.md §2.2) encoded
// with an independent msgpack implementation, because the machine's pip
// (23.2.1) predates http-v2 (pip >= 23.3); the legacy layout is covered by
// TestRealPipLegacyHTTPCache with the real pip.
func ccEntry(t testing.TB, headers map[string]string, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("cc=4,")
	enc := msgpack.NewEncoder(&buf)
	enc.SetSortMapKeys(true)
	if body == nil {
		body = []byte{}
	}
	err := enc.Encode(map[string]any{
		"response": map[string]any{"body": body, "headers": headers, "status": 200, "version": 11,
			"reason": "OK", "decode_content": false},
		"vary": map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// httpPath is the CacheControl FileCache path of a URL under dir
// (sha224, five one-character directories).
func httpPath(dir, url string) string {
	sum := sha256.Sum224([]byte(url))
	h := hex.EncodeToString(sum[:])
	return path.Join(dir, h[0:1], h[1:2], h[2:3], h[3:4], h[4:5], h)
}

// uvPointer builds a uv .http pointer: msgpack data ‖ policy ‖ u64-LE len(policy)
// (shared/formats.md §2.4; uv is not installable here).
func uvPointer(t testing.TB, id, filename string) []byte {
	t.Helper()
	data, err := msgpack.Marshal(map[string]any{"id": id, "hashes": []any{}, "filename": filename, "version": "1.82.8", "size": 1234})
	if err != nil {
		t.Fatal(err)
	}
	policy := []byte("rkyv-cache-policy-bytes-not-parsed")
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(policy)))
	return append(append(data, policy...), n[:]...)
}

func build(t testing.TB, w pyindex.Wheel) []byte {
	t.Helper()
	b, err := w.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rawZip builds a zip from name/data pairs (for hostile and bomb cases).
func rawZip(t testing.TB, members ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m[0], Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(m[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lieAboutSize patches the central directory so member name declares a
// tiny uncompressed size while it inflates to much more.
func lieAboutSize(t testing.TB, z []byte, name string) []byte {
	t.Helper()
	z = bytes.Clone(z)
	i := bytes.Index(z, append([]byte("PK\x01\x02"), z[4:4]...))
	for i >= 0 && i < len(z) {
		nameLen := int(binary.LittleEndian.Uint16(z[i+28:]))
		if string(z[i+46:i+46+nameLen]) == name {
			binary.LittleEndian.PutUint32(z[i+24:], 10)
			return z
		}
		j := bytes.Index(z[i+4:], []byte("PK\x01\x02"))
		if j < 0 {
			break
		}
		i += 4 + j
	}
	t.Fatalf("member %s not found", name)
	return nil
}

const date = "Tue, 24 Mar 2026 11:02:03 GMT"

func TestCollectorCaches(t *testing.T) {
	fx := pyindex.Litellm()
	m := fx.TestMatcher(t)
	w8, w7, w6, wt := build(t, fx.Bad8), build(t, fx.Bad7), build(t, fx.Clean), build(t, fx.Telnyx)
	pypi := func(proj, ver string) map[string]string {
		return map[string]string{"Date": date, "Content-Type": "binary/octet-stream", "x-pypi-file-project": proj,
			"x-pypi-file-version": ver, "x-pypi-file-package-type": "bdist_wheel", "ETag": `"x"`}
	}
	mirror := map[string]string{"date": date, "content-type": "application/octet-stream"}
	macV2 := "/Users/bob/Library/Caches/pip/http-v2"
	winV2 := "/Users/carol/AppData/Local/pip/Cache/http-v2"
	linV2 := "/home/alice/.cache/pip/http-v2"
	poetryHTTP := "/home/dave/.cache/pypoetry/cache/repositories/PyPI/_http"
	pA := httpPath(macV2, "https://files.pythonhosted.org/packages/litellm-1.82.8-py3-none-any.whl")
	pB := httpPath(macV2, "https://files.pythonhosted.org/packages/litellm-1.82.6-py3-none-any.whl")
	pC := httpPath(winV2, "https://mirror.example/litellm-1.82.7-py3-none-any.whl")
	pD := httpPath(linV2, "https://pypi.org/simple/litellm/")
	pE := httpPath(linV2, "https://files.pythonhosted.org/packages/litellm-1.82.8-broken.whl")
	pF := httpPath(linV2, "https://files.pythonhosted.org/packages/truncated.whl")
	pP := httpPath(poetryHTTP, "https://files.pythonhosted.org/packages/litellm-1.82.8-py3-none-any.whl")
	pQ := httpPath("/opt/pipcache/http-v2", "https://mirror.example/orphan.whl")
	pR := httpPath(linV2, "https://mirror.example/telnyx.whl")
	pL := httpPath("/srv/ci-cache/http", "https://mirror.example/legacy/litellm-1.82.7-py3-none-any.whl")
	pS := httpPath(linV2, "https://mirror.example/oldpkg-1.0.zip")
	pT := httpPath(linV2, "https://mirror.example/litellm-1.82.6-py3-none-any.whl")
	bomb := rawZip(t, [2]string{"litellm-1.82.7.dist-info/METADATA", strings.Repeat("\x00", 2<<20)},
		[2]string{"litellm-1.82.7.dist-info/RECORD", ""})
	liar := lieAboutSize(t, rawZip(t, [2]string{"litellm-1.82.8.dist-info/METADATA", "Name: litellm\nVersion: 1.82.8\n" + strings.Repeat("A", 1<<20)},
		[2]string{"litellm-1.82.8.dist-info/RECORD", ""}), "litellm-1.82.8.dist-info/METADATA")
	hostile := rawZip(t, [2]string{"litellm-1.82.8.dist-info/METADATA", "Name: litellm\nVersion: 1.82.8\n"},
		[2]string{"../../../etc/cron.d/evil", "x"})
	files := map[string][]byte{
		pA:           ccEntry(t, pypi("litellm", "1.82.8"), nil),
		pA + ".body": w8,
		pB:           ccEntry(t, pypi("litellm", "1.82.6"), nil),
		pB + ".body": []byte("never read: the headers say this is the clean 1.82.6"),
		pC:           ccEntry(t, mirror, nil),
		pC + ".body": w7,
		pD:           ccEntry(t, map[string]string{"content-type": "text/html", "date": date}, nil),
		pD + ".body": []byte("<html>litellm-1.82.8-py3-none-any.whl</html>"),
		pE:           ccEntry(t, pypi("litellm", "1.82.8"), nil),
		pE + ".body": []byte("this body is not a zip"),
		pF:           ccEntry(t, pypi("litellm", "1.82.8"), nil)[:40],
		pP:           ccEntry(t, pypi("litellm", "1.82.8"), nil),
		pP + ".body": w8,
		pQ + ".body": w8,
		pR:           ccEntry(t, mirror, nil),
		pR + ".body": wt,
		pL:           ccEntry(t, mirror, w7),  // legacy: body inline
		pS:           ccEntry(t, mirror, nil), // a .zip sdist: a zip, not a wheel, not an error
		pS + ".body": rawZip(t, [2]string{"oldpkg-1.0/setup.py", "pass"}),
		pT:           ccEntry(t, mirror, nil), // the clean release, identified by its dist-info
		pT + ".body": w6,
		// uv: pointer + unzipped archive
		"/home/alice/.cache/uv/wheels-v5/pypi/litellm/1.82.8-py3-none-any.http":                   uvPointer(t, "A1b2C3d4", "litellm-1.82.8-py3-none-any.whl"),
		"/home/alice/.cache/uv/wheels-v5/pypi/litellm/1.82.6-py3-none-any.http":                   uvPointer(t, "Z9", "litellm-1.82.6-py3-none-any.whl"),
		"/home/alice/.cache/uv/archive-v0/A1b2C3d4/litellm-1.82.8.dist-info/METADATA":             fx.Bad8.MetadataText(),
		"/home/alice/.cache/uv/archive-v0/A1b2C3d4/litellm_init.pth":                              fx.Pth,
		"/home/alice/.cache/uv/wheels-v5/pypi/litellm/1.82.7-py3-none-any.http":                   []byte("\xde\xad"),
		"/home/dave/.cache/pypoetry/artifacts/12/34/56/789abcdef/litellm-1.82.8-py3-none-any.whl": w8,
		"/root/.cache/pip/wheels/ab/cd/ef/0123456789/litellm-1.82.7-py3-none-any.whl":             w7,
		"/opt/conda/pkgs/litellm-1.82.8-pyhd8ed1ab_0/info/index.json":                             []byte(`{"name":"litellm","version":"1.82.8","build":"pyhd8ed1ab_0"}`),
		"/opt/conda/pkgs/litellm-1.82.6-pyhd8ed1ab_0/info/index.json":                             []byte(`{"name":"litellm","version":"1.82.6","build":"pyhd8ed1ab_0"}`),
		"/srv/wheelhouse/litellm-1.82.8-py3-none-any.whl":                                         hostile,
		"/srv/bomb/litellm-1.82.7-py3-none-any.whl":                                               bomb,
		"/srv/liar/litellm-1.82.8-py3-none-any.whl":                                               liar,
		"/srv/trunc/litellm-1.82.8-py3-none-any.whl":                                              w8[:len(w8)/2],
		"/srv/clean/litellm-1.82.6-py3-none-any.whl":                                              w6,
		"/srv/other/requests-2.0-py3-none-any.whl":                                                w8,
	}
	root := sweeptest.MkTree(t, files)
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(root, "home/erin/.cache"), 0o755)
	os.MkdirAll(filepath.Join(root, "home/frank/.cache"), 0o755)
	os.MkdirAll(filepath.Join(root, "home/gina/.cache/pip-real"), 0o755)
	for link, target := range map[string]string{
		"home/erin/.cache/pip":  "../../../../../../../../" + strings.TrimPrefix(outside, "/"),
		"home/frank/.cache/pip": "/mnt/shared/pipcache",
		"home/gina/.cache/pip":  "pip-real", // inside the tree: walked at its own path
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	homes := []sweep.Home{{User: "alice", Dir: "/home/alice"}, {User: "bob", Dir: "/Users/bob"}, {User: "root", Dir: "/root"}}
	findings, errs := sweeptest.Sweep(t, root, New(Options{Matcher: m, Homes: homes, MaxHashSize: 64 << 20}))

	var got []string
	for _, f := range findings {
		got = append(got, fmt.Sprintf("%s | %s | %s %s", f.Location.Path, f.Title, f.Evidence.Package, f.Evidence.Version))
		if f.Severity != sweep.High || f.Category != "cache" || f.Evidence.Time == nil {
			t.Errorf("finding fields: %+v", f)
		}
	}
	slices.Sort(got)
	want := []string{
		pA + " | pip HTTP cache (http-v2) holds litellm-1.82.8-py3-none-any.whl | litellm 1.82.8",
		pC + " | pip HTTP cache (http-v2) holds litellm-1.82.7-py3-none-any.whl | litellm 1.82.7",
		pE + " | pip HTTP cache (http-v2) holds litellm 1.82.8 | litellm 1.82.8",
		pL + " | pip HTTP cache (legacy http/) holds litellm-1.82.7-py3-none-any.whl | litellm 1.82.7",
		pP + " | poetry HTTP cache holds litellm-1.82.8-py3-none-any.whl | litellm 1.82.8",
		pQ + ".body | pip HTTP cache (http-v2) holds litellm-1.82.8-py3-none-any.whl | litellm 1.82.8",
		pR + " | pip HTTP cache (http-v2) holds telnyx-4.87.1-py3-none-any.whl | telnyx 4.87.1",
		"/home/alice/.cache/uv/archive-v0/A1b2C3d4/litellm-1.82.8.dist-info/METADATA | uv cache (unzipped wheel) holds litellm 1.82.8 | litellm 1.82.8",
		"/home/alice/.cache/uv/wheels-v5/pypi/litellm/1.82.7-py3-none-any.http | uv cache holds litellm 1.82.7 | litellm 1.82.7",
		"/home/alice/.cache/uv/wheels-v5/pypi/litellm/1.82.8-py3-none-any.http | uv cache holds litellm-1.82.8-py3-none-any.whl | litellm 1.82.8",
		"/home/dave/.cache/pypoetry/artifacts/12/34/56/789abcdef/litellm-1.82.8-py3-none-any.whl | poetry artifact cache holds litellm-1.82.8-py3-none-any.whl | litellm 1.82.8",
		"/opt/conda/pkgs/litellm-1.82.8-pyhd8ed1ab_0/info/index.json | conda package cache holds litellm 1.82.8 | litellm 1.82.8",
		"/root/.cache/pip/wheels/ab/cd/ef/0123456789/litellm-1.82.7-py3-none-any.whl | pip wheel cache holds litellm-1.82.7-py3-none-any.whl | litellm 1.82.7",
		"/srv/bomb/litellm-1.82.7-py3-none-any.whl | downloaded distribution file holds litellm-1.82.7-py3-none-any.whl | litellm 1.82.7",
		"/srv/liar/litellm-1.82.8-py3-none-any.whl | downloaded distribution file holds litellm-1.82.8-py3-none-any.whl | litellm 1.82.8",
		"/srv/trunc/litellm-1.82.8-py3-none-any.whl | downloaded distribution file holds litellm-1.82.8-py3-none-any.whl | litellm 1.82.8",
		"/srv/wheelhouse/litellm-1.82.8-py3-none-any.whl | downloaded distribution file holds litellm-1.82.8-py3-none-any.whl | litellm 1.82.8",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}

	var gotErrs []string
	for _, e := range errs {
		gotErrs = append(gotErrs, string(e.Kind)+" "+e.Location.Path+" "+e.Message)
	}
	slices.Sort(gotErrs)
	wantErrs := []string{
		"error " + pE + ".body cached body claimed to be a distribution file is not a zip or gzip archive",
		"error " + pF + " pip HTTP cache (http-v2) entry: cc=4 msgpack: truncated msgpack",
		"error /home/alice/.cache/uv/wheels-v5/pypi/litellm/1.82.7-py3-none-any.http uv pointer",
		"error /home/erin/.cache/pip cache directory is a symlink to",
		"error /home/frank/.cache/pip cache directory is a symlink to \"/mnt/shared/pipcache\", which is not in the scanned tree",
		"error /srv/bomb/litellm-1.82.7-py3-none-any.whl wheel: member litellm-1.82.7.dist-info/METADATA declares 2097152 bytes",
		"error /srv/liar/litellm-1.82.8-py3-none-any.whl wheel: member litellm-1.82.8.dist-info/METADATA",
		"error /srv/trunc/litellm-1.82.8-py3-none-any.whl wheel: not a valid zip",
		"error /srv/wheelhouse/litellm-1.82.8-py3-none-any.whl wheel: hostile member path \"../../../etc/cron.d/evil\"",
	}
	slices.Sort(wantErrs)
	if len(gotErrs) != len(wantErrs) {
		t.Fatalf("errors:\n got %s\nwant %s", strings.Join(gotErrs, "\n     "), strings.Join(wantErrs, "\n     "))
	}
	for i := range wantErrs {
		if !strings.HasPrefix(gotErrs[i], wantErrs[i]) {
			t.Errorf("error %d:\n got %s\nwant prefix %s", i, gotErrs[i], wantErrs[i])
		}
	}

	// Spot-check evidence of a few findings.
	for _, f := range findings {
		all := strings.Join(f.Evidence.Details, "\n")
		switch f.Location.Path {
		case pA:
			if f.Evidence.Time.Format("2006-01-02T15:04:05Z") != "2026-03-24T11:02:03Z" {
				t.Errorf("http-v2 time is not the Date header: %v", f.Evidence.Time)
			}
			for _, w := range []string{"x-pypi-file-project/-version headers", "macOS layout", "RECORD lists litellm_init.pth", "body SHA-256 equals"} {
				if !strings.Contains(all, w) {
					t.Errorf("%s: details lack %q:\n%s", pA, w, all)
				}
			}
			if f.User != "bob" || f.Indicator.Kind != "artifact" {
				t.Errorf("user/indicator: %+v", f)
			}
		case pC:
			if !strings.Contains(all, "Windows layout") || !strings.Contains(all, "identified by the wheel's litellm-1.82.7.dist-info") {
				t.Errorf("%s details:\n%s", pC, all)
			}
		case "/home/alice/.cache/uv/wheels-v5/pypi/litellm/1.82.8-py3-none-any.http":
			if !strings.Contains(all, "unzipped wheel present: /home/alice/.cache/uv/archive-v0/A1b2C3d4") || !strings.Contains(all, "litellm_init.pth present") {
				t.Errorf("uv details:\n%s", all)
			}
		}
	}
}

// TestCommittedRealPipEntry reads the legacy http/ entry the real pip
// 23.2.1 wrote (committed by TestRealPipLegacyHTTPCache -update), so the
// format is checked even where python3 is missing.
func TestCommittedRealPipEntry(t *testing.T) {
	b, err := os.ReadFile(realPipEntry)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseHTTPEntry(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if e.Serde != 4 || e.Status != 200 || e.BodyLen == 0 || e.Headers["etag"] == "" || e.Date().IsZero() ||
		!strings.Contains(e.Headers["cache-control"], "max-age=365000000") {
		t.Fatalf("entry: %+v", e)
	}
	body := e.Body(bytes.NewReader(b))
	fx := pyindex.Litellm()
	a, err := InspectZip(body, body.Size(), fx.TestMatcher(t), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "litellm" || a.Version != "1.82.8" || a.DistInfo != "litellm-1.82.8.dist-info" {
		t.Errorf("archive: %+v", a)
	}
	// Truncating the real entry anywhere must give an error, never a panic.
	for _, n := range []int{0, 3, 5, 6, 20, len(b) / 2, len(b) - 1} {
		if _, err := ParseHTTPEntry(bytes.NewReader(b[:n]), int64(n)); err == nil && n < int(e.BodyOff+e.BodyLen) {
			t.Errorf("truncated at %d: no error", n)
		}
	}
}
