package pyindex

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWheelRecord(t *testing.T) {
	fx := Litellm()
	for _, tc := range []struct {
		w        Wheel
		omitted  string
		wantFile string
	}{
		{fx.Bad8, "", "litellm_init.pth"},
		{fx.Bad8Orph, "litellm_init.pth", "litellm_init.pth"},
		{fx.Clean, "", "litellm/proxy/proxy_server.py"},
	} {
		b, err := tc.w.Build()
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := tc.w.Build()
		if !bytes.Equal(b, b2) {
			t.Fatalf("%s: build is not deterministic", tc.w.Filename())
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, f := range zr.File {
			r, _ := f.Open()
			d, _ := io.ReadAll(r)
			r.Close()
			files[f.Name] = d
		}
		if _, ok := files[tc.wantFile]; !ok {
			t.Fatalf("%s: %s missing", tc.w.Filename(), tc.wantFile)
		}
		for _, need := range []string{"METADATA", "WHEEL", "RECORD"} {
			if _, ok := files[tc.w.DistInfo()+"/"+need]; !ok {
				t.Fatalf("%s: %s missing", tc.w.Filename(), need)
			}
		}
		rows, err := csv.NewReader(bytes.NewReader(files[tc.w.DistInfo()+"/RECORD"])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		for _, r := range rows {
			listed[r[0]] = true
			if r[0] == tc.w.DistInfo()+"/RECORD" {
				if r[1] != "" || r[2] != "" {
					t.Errorf("RECORD row for itself has hash/size: %v", r)
				}
				continue
			}
			d, ok := files[r[0]]
			if !ok {
				t.Errorf("RECORD lists %s, not in wheel", r[0])
				continue
			}
			if RecordHash(d) != r[1] || r[2] != strconv.Itoa(len(d)) {
				t.Errorf("RECORD row %v does not match content", r)
			}
		}
		for name := range files {
			if !listed[name] && name != tc.omitted {
				t.Errorf("%s in wheel but not in RECORD", name)
			}
		}
		if tc.omitted != "" && listed[tc.omitted] {
			t.Errorf("%s should be omitted from RECORD", tc.omitted)
		}
	}
	if got := fx.Bad8.Filename(); got != "litellm-1.82.8-py3-none-any.whl" {
		t.Errorf("filename %q", got)
	}
	if got := (Wheel{Name: "LiteLLM.Proxy", Version: "1"}).DistInfo(); got != "LiteLLM_Proxy-1.dist-info" {
		t.Errorf("dist-info %q", got)
	}
}

func TestIndexServesPEP503(t *testing.T) {
	fx := Litellm()
	ix := NewIndex(t, fx.Artifacts(t)...)
	get := func(u, etag string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", u, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get(ix.URL()+"LiteLLM/", "")
	if resp.StatusCode != 200 {
		t.Fatalf("project page: %d", resp.StatusCode)
	}
	w8 := WheelArtifact(t, fx.Bad8)
	if !strings.Contains(string(body), "/files/"+w8.Filename+"#sha256="+w8.SHA256()) {
		t.Fatalf("project page lacks the 1.82.8 anchor:\n%s", body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "max-age=365000000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	resp, body = get(ix.FileURL(w8.Filename), "")
	if !bytes.Equal(body, w8.Data) || resp.Header.Get("ETag") == "" {
		t.Fatalf("file download differs or has no ETag")
	}
	if resp2, _ := get(ix.FileURL(w8.Filename), resp.Header.Get("ETag")); resp2.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d, want 304", resp2.StatusCode)
	}
	if resp, _ := get(ix.URL()+"nosuch/", ""); resp.StatusCode != 404 {
		t.Errorf("unknown project: %d", resp.StatusCode)
	}
}

func TestTestMatcherSubstitutesFixtureHashes(t *testing.T) {
	fx := Litellm()
	m := fx.TestMatcher(t)
	if f, ok := m.File(SHA256(fx.Pth)); !ok || f.Name != "litellm_init.pth" {
		t.Fatalf("fixture .pth hash not in test pack: %v %v", f, ok)
	}
	if !m.HashWorthy(int64(len(fx.Pth))) {
		t.Errorf("fixture .pth size is not hash-worthy")
	}
	if f, ok := m.File(SHA256(fx.Proxy)); !ok || f.PathSuffix != fx.ProxyPath {
		t.Fatalf("fixture proxy_server.py hash not in test pack")
	}
	b, _ := fx.Bad8.Build()
	if h, ok := m.Artifact(SHA256(b)); !ok || h.Artifact.Filename != fx.Bad8.Filename() {
		t.Fatalf("fixture 1.82.8 wheel hash not in test pack")
	}
	if _, ok := m.File("71e35aef03099cd1f2d6446734273025a163597de93912df321ef118bf135238"); ok {
		t.Errorf("real hash still present")
	}
}

// TestRealPipInstall installs the fixtures with the machine's pip into a
// real venv and checks what pip wrote.
func TestRealPipInstall(t *testing.T) {
	py := RequirePython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fx := Litellm()
	ix := NewIndex(t, fx.Artifacts(t)...)
	dir := t.TempDir()
	venv := filepath.Join(dir, "venv")
	if err := py.Venv(ctx, venv); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "pip-cache")
	if out, err := py.Install(ctx, venv, InstallOptions{Index: ix.URL(), CacheDir: cache}, "litellm==1.82.8"); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(out, "Successfully installed litellm-1.82.8") {
		t.Fatalf("unexpected pip output:\n%s", out)
	}
	sp := py.SitePackages(venv)
	pth, err := os.ReadFile(filepath.Join(sp, "litellm_init.pth"))
	if err != nil || string(pth) != BenignPth {
		t.Fatalf("installed .pth: %q %v", pth, err)
	}
	inst, _ := os.ReadFile(filepath.Join(sp, fx.Bad8.DistInfo(), "INSTALLER"))
	if strings.TrimSpace(string(inst)) != "pip" {
		t.Errorf("INSTALLER %q", inst)
	}
	if ents, _ := os.ReadDir(filepath.Join(cache, "http-v2")); len(ents) == 0 {
		if ents, _ := os.ReadDir(filepath.Join(cache, "http")); len(ents) == 0 {
			t.Errorf("private pip cache is empty")
		}
	}
	// A downgrade through the real pip removes the RECORD-listed .pth.
	if _, err := py.Install(ctx, venv, InstallOptions{Index: ix.URL(), CacheDir: cache}, "litellm==1.82.6"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(sp, "litellm_init.pth")); !os.IsNotExist(err) {
		t.Errorf("pip downgrade left litellm_init.pth although RECORD lists it: %v", err)
	}
	// An unknown version fails with pip's own words.
	if _, err := py.Install(ctx, venv, InstallOptions{Index: ix.URL()}, "litellm==9.9.9"); err == nil || !strings.Contains(err.Error(), "No matching distribution") {
		t.Errorf("want pip's error, got %v", err)
	}
}
