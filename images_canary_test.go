package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/render"
)

// canaryHistoryImage is an image whose build history carries the canary
// the ways real builders record secrets: build arguments a RUN used
// (BuildKit "RUN |1 K=v /bin/sh -c …", the classic builder and buildah
// "|2 K=v K=v /bin/sh -c …"), ENV and ARG values, credentials in an index
// URL, a variable set on the command line. Layer 1 installs litellm
// 1.82.8 (its files stay visible), layer 2 holds nothing of note.
func canaryHistoryImage(t *testing.T) v1.Image {
	t.Helper()
	c := credtest.Canary
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: tarLayer(t, [][2]string{{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"}, {testSite, ""}}),
			History: v1.History{CreatedBy: "/bin/sh -c #(nop) ADD file:5f1c8a0e5b0d4e6f1e0f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d in / "}},
		mutate.Addendum{History: v1.History{CreatedBy: "/bin/sh -c #(nop)  ENV AWS_SECRET_ACCESS_KEY=" + c, EmptyLayer: true}},
		mutate.Addendum{History: v1.History{CreatedBy: "ARG NPM_TOKEN=" + c, EmptyLayer: true}},
		mutate.Addendum{History: v1.History{CreatedBy: "ENV GITHUB_TOKEN=ghp_" + c, EmptyLayer: true}},
		mutate.Addendum{History: v1.History{CreatedBy: "LABEL org.example.token=" + c, EmptyLayer: true}},
		mutate.Addendum{Layer: installedLayer(t), History: v1.History{CreatedBy: "RUN |1 NPM_TOKEN=" + c +
			" /bin/sh -c GITHUB_TOKEN=ghp_" + c + " pip install --index-url https://ci:" + c + "@pypi.example.com/simple litellm==1.82.8 && echo //registry.npmjs.org/:_authToken=" + c + " > /root/.npmrc # buildkit"}},
		mutate.Addendum{Layer: tarLayer(t, [][2]string{{"app/", ""}, {"app/main.py", "print(1)\n"}}),
			History: v1.History{CreatedBy: "|2 NPM_TOKEN=" + c + " PIP_PASSWORD=" + c + " /bin/sh -c npm ci --registry=https://" + c + "@npm.example.com/ && pip install litellm==1.82.7 --extra-index-url https://u:" + c + "@pypi.example.com/simple"}},
		mutate.Addendum{History: v1.History{CreatedBy: `/bin/sh -c #(nop)  CMD ["python" "-c" "` + c + `"]`, EmptyLayer: true}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestCanaryNeverInImageHistory: a build step's created_by reaches no
// report format, while the findings still name the step that introduced
// them by its keyword and install command.
func TestCanaryNeverInImageHistory(t *testing.T) {
	cf, err := canaryHistoryImage(t).ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, h := range cf.History {
		if strings.Contains(h.CreatedBy, credtest.Canary) {
			n++
		}
	}
	if n != 7 {
		t.Fatalf("the fixture's history holds the canary in %d steps, want 7: the test would prove nothing", n)
	}
	archive := filepath.Join(t.TempDir(), "saved.tar")
	tag, _ := name.NewTag("team/app:canary")
	if err := tarball.WriteToFile(archive, tag, canaryHistoryImage(t)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, f := range render.Formats {
		code, out, errs := runArgs(ctx, "images", "--archive", archive, "--format", f)
		if code == 2 {
			t.Fatalf("images --format %s: exit 2: %s", f, errs)
		}
		assertNoCanary(t, "images --format "+f, out, errs)
		outFile := filepath.Join(t.TempDir(), "r."+f)
		_, _, errs = runArgs(ctx, "images", "--archive", archive, "--format", f, "--output", outFile)
		b, err := os.ReadFile(outFile)
		if err != nil {
			t.Fatalf("images --output %s: %v", f, err)
		}
		assertNoCanary(t, "images --output "+f, string(b), errs)
	}
	_, out, _ := runArgs(ctx, "images", "--archive", archive, "--format", "json")
	r := decodeReport(t, out)
	var pth, steps []string
	for _, f := range r.Findings {
		switch {
		case f.Location.Path == "/"+testSite+"litellm_init.pth":
			pth = append(pth, f.Location.CreatedBy)
		case f.Category == "image/build-step":
			steps = append(steps, f.Location.CreatedBy+" | "+f.Evidence.Text)
		}
	}
	// The layer's files name the step by keyword and install command, the
	// index reduced to its host.
	want := "RUN … pip install --index-url https://pypi.example.com/… litellm==1.82.8 …"
	if len(pth) != 1 || pth[0] != want {
		t.Errorf("litellm_init.pth attributed to steps %q, want [%q]", pth, want)
	}
	wantSteps := []string{want + " | " + want,
		"RUN npm ci --registry=https://npm.example.com … pip install litellm==1.82.7 --extra-index-url https://pypi.example.com/… | " +
			"RUN npm ci --registry=https://npm.example.com … pip install litellm==1.82.7 --extra-index-url https://pypi.example.com/…"}
	if strings.Join(steps, "\n") != strings.Join(wantSteps, "\n") {
		t.Errorf("build-step findings:\n%s\nwant:\n%s", strings.Join(steps, "\n"), strings.Join(wantSteps, "\n"))
	}
}
