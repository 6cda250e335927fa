package recipes

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// discard is a sink that checks evidence is one line and short.
type discard struct{ t *testing.T }

func (d discard) Finding(f sweep.Finding) {
	if strings.ContainsAny(f.Evidence.Text, "\n\r") || len(f.Evidence.Text) > 4096 {
		d.t.Fatalf("evidence %q", f.Evidence.Text)
	}
}
func (discard) Error(sweep.Error) {}

// FuzzRecipes: arbitrary bytes read as every recipe kind never panic or
// hang, and evidence stays one short line.
func FuzzRecipes(f *testing.F) {
	for _, s := range []string{scanWorkflow, compositeActionYAML, dockerfile, windowsDockerfile, makefile, toxINI, noxfile, gitlabCI, workflow, jenkinsfile, podManifest, listManifest, gitConfig} {
		f.Add([]byte(s))
	}
	c := New(Options{Matcher: sweeptest.Matcher(f)})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := string(b)
		var scripts []script
		scripts = append(scripts, dockerfileScripts(s)...)
		scripts = append(scripts, makefileScripts(s)...)
		scripts = append(scripts, toxScripts(s)...)
		scripts = append(scripts, noxScripts(s)...)
		scripts = append(scripts, jenkinsScripts(s)...)
		if ci, err := ciScripts(b, "GitLab CI"); err == nil {
			scripts = append(scripts, ci...)
		}
		for _, sc := range scripts {
			for _, h := range c.installs(sc) {
				if strings.ContainsAny(h.text, "\n\r") || h.line < 0 {
					t.Fatalf("hit %+v", h)
				}
			}
		}
		file := &sweep.File{Entry: sweep.NewEntry("/k.yaml", 0, nil)}
		c.kubeManifests(file, b, discard{t})
		c.compositeAction(file, b, discard{t})
		var doc yaml.Node
		if yaml.Unmarshal(b, &doc) == nil {
			c.actionUses(file, &doc, kindWorkflow, discard{t})
		}
		c.gitRemotes(file, s, discard{t})
		_ = installcmd.Ellipsis
	})
}
