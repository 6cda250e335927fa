// Package recipes reads build recipes and checkouts as manifests: the
// install lines of Dockerfile/Containerfile RUN instructions, Makefile
// recipes, tox.ini, noxfile.py and Jenkinsfile sh steps, and the scripts of CI configurations in
// any checkout (GitHub workflows and actions, GitLab CI, CircleCI, Azure,
// Bitbucket, Travis, Drone/Woodpecker, Buildkite, CodeBuild), every
// command read by the one install-command parser (installcmd): an exact
// pin of a bad release is high, a range that admits one medium (it would
// have resolved to it during the window), as for lockfiles; and the
// remotes of .git/config whose repository is one the campaign's
// exfiltration creates (the pack's ci.repo_names); and Kubernetes
// manifests (Pods, DaemonSets, in Lists too) whose name and shape match
// the pack's Kubernetes patterns (kubeobj.Fits, the cluster sweep's
// matcher).
//
// Evidence is built from allow-listed parts only: the installer's words,
// the rebuilt request of the tracked package and the reduced source
// options (as for shell history); a remote is shown as its host, owner and
// the pack's repository name.
package recipes

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Options configure the collector.
type Options struct {
	Matcher *iocs.Matcher
	Homes   []sweep.Home
	// MaxBytes caps one recipe file (default 8 MiB; a larger one is a
	// located error).
	MaxBytes int64
}

// Collector is the build-recipe and checkout collector.
type Collector struct {
	o     Options
	judge *installcmd.Judge
	// imageNeedles: a file naming a pack image contains one (images.go).
	imageNeedles [][]byte
}

// New returns the collector.
func New(o Options) *Collector {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 8 << 20
	}
	c := &Collector{o: o, judge: installcmd.NewJudge(o.Matcher)}
	for _, n := range o.Matcher.ImageNeedles() {
		c.imageNeedles = append(c.imageNeedles, []byte(n))
	}
	return c
}

// Name implements sweep.Collector.
func (c *Collector) Name() string { return "recipes/build" }

// isGitConfig: the config of a checkout's .git directory.
func isGitConfig(p string) bool {
	return path.Base(p) == "config" && path.Base(path.Dir(p)) == ".git"
}

// kindOf names what a file is for the collector, or "". It runs on
// every path of a sweep: names are compared before anything allocates.
func kindOf(p string) string {
	b := p[strings.LastIndexByte(p, '/')+1:]
	switch b {
	case "Makefile", "makefile", "GNUmakefile":
		return "makefile"
	case "tox.ini":
		return "tox"
	case "noxfile.py":
		return "nox"
	case "Jenkinsfile":
		return "jenkins"
	case "config":
		if isGitConfig(p) {
			return "git-config"
		}
		return ""
	}
	if dot := strings.LastIndexByte(b, '.'); dot >= 0 {
		switch b[dot+1:] {
		case "mk":
			return "makefile"
		case "yml", "yaml", "YML", "YAML":
			if ciKind(p) != "" {
				return "ci"
			}
			return "yaml"
		}
	}
	if foldAffix(b, "dockerfile") || foldAffix(b, "containerfile") {
		if isDockerfile(p) {
			return "dockerfile"
		}
	}
	return ""
}

// foldAffix reports whether b starts or ends with w, ignoring ASCII case.
func foldAffix(b, w string) bool {
	return len(b) >= len(w) && (strings.EqualFold(b[:len(w)], w) || strings.EqualFold(b[len(b)-len(w):], w))
}

// FileRequired implements sweep.Collector.
func (c *Collector) FileRequired(e *sweep.Entry) bool {
	return !e.IsSymlink() && e.Type.IsRegular() && kindOf(e.Path) != ""
}

// Collect implements sweep.Collector.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	kind := kindOf(f.Path)
	b, err := f.ReadAll(c.o.MaxBytes)
	if err != nil {
		out.Error(sweep.ErrorAt(f.Location(), c.Name(), fmt.Errorf("%s: %s", kind, sweep.TrimPathErr(err))))
		return
	}
	data := string(b)
	var scripts []script
	switch kind {
	case "dockerfile":
		scripts = dockerfileScripts(data)
		c.dockerfileImages(f, data, out)
	case "makefile":
		scripts = makefileScripts(data)
	case "tox":
		scripts = toxScripts(data)
	case "nox":
		scripts = noxScripts(data)
	case "jenkins":
		scripts = jenkinsScripts(data)
	case "git-config":
		c.gitRemotes(f, data, out)
		return
	case "yaml":
		if isActionMetadata(f.Path) {
			c.compositeAction(f, b, out)
		}
		c.kubeManifests(f, b, out)
		c.yamlImages(f, b, out)
		return
	case "ci":
		ck := ciKind(f.Path)
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			out.Error(sweep.ErrorAt(f.Location(), c.Name(), fmt.Errorf("%s: not readable YAML: %s", ck, err)))
			return
		}
		scripts = ciScriptsOf(&doc, ck)
		c.actionUses(f, &doc, ck, out)
		c.yamlImages(f, b, out)
	}
	user := sweep.UserOf(c.o.Homes, f.Path)
	n := 0
	for _, s := range scripts {
		if ctx.Err() != nil {
			return
		}
		for _, hit := range c.installs(s) {
			if n >= maxPerFile {
				out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindSkipped,
					Message: fmt.Sprintf("more than %d installs of bad releases: the rest are not reported", maxPerFile)})
				return
			}
			out.Finding(c.finding(f, s, hit, user))
			n++
		}
	}
}

const maxPerFile = 200

// hit is an install of a bad release in a script.
type hit struct {
	in   installcmd.Install
	line int
	text string
}

// installs finds the installs that admit a bad release in a script.
func (c *Collector) installs(s script) []hit {
	var out []hit
	if s.words != nil {
		w := make([]installcmd.Word, len(s.words))
		for i, x := range s.words {
			w[i] = installcmd.Word{Lit: x}
		}
		ins, keep := c.judge.Analyze(w)
		for _, in := range ins {
			if len(in.Admits) > 0 {
				out = append(out, hit{in: in, line: s.lineAt(0), text: installcmd.Render(w, keep)})
			}
		}
		return out
	}
	cmds, err := installcmd.Parse(s.text, s.dialect)
	if err != nil {
		// A script the shell parser cannot read: its lines one by one.
		off := 0
		for _, l := range strings.SplitAfter(s.text, "\n") {
			cs, err := installcmd.Parse(l, s.dialect)
			if err != nil {
				for _, lc := range installcmd.Lenient(l) {
					ins, _ := c.judge.Analyze(lc.Words)
					for _, in := range ins {
						if len(in.Admits) > 0 {
							out = append(out, hit{in: in, line: s.lineAt(off), text: "[unparsed command] " + in.Package.Name})
						}
					}
				}
			}
			for _, cmd := range cs {
				cmd.Offset += off
				out = append(out, c.analyze(s, cmd)...)
			}
			off += len(l)
		}
		return out
	}
	for _, cmd := range cmds {
		out = append(out, c.analyze(s, cmd)...)
	}
	return out
}

func (c *Collector) analyze(s script, cmd installcmd.Command) []hit {
	var out []hit
	ins, keep := c.judge.Analyze(cmd.Words)
	for _, in := range ins {
		if len(in.Admits) > 0 {
			out = append(out, hit{in: in, line: s.lineAt(cmd.Offset), text: installcmd.Render(cmd.Words, keep)})
		}
	}
	return out
}

func (c *Collector) finding(f *sweep.File, s script, h hit, user string) sweep.Finding {
	in := h.in
	pk := in.Package
	req := pk.Name
	if in.Spec != "" {
		req += " " + in.Spec
	}
	sev := sweep.Medium
	title := fmt.Sprintf("%s: %s %s (admits %s)", s.what, in.Tool, req, strings.Join(in.Admits, ", "))
	window := "while the bad releases were published"
	if w, ok := c.o.Matcher.Window(pk.Window); ok {
		window = fmt.Sprintf("during the window %s – %s UTC", w.Start.UTC().Format("2006-01-02 15:04"), w.End.UTC().Format("2006-01-02 15:04"))
	}
	why := fmt.Sprintf("The command requests %s, which admits %s: run %s it would have resolved to %s, the newest release then.",
		req, strings.Join(in.Admits, " and "), window, in.Admits[0])
	if in.Exact != "" {
		sev = sweep.High
		title = fmt.Sprintf("%s: %s %s %s", s.what, in.Tool, pk.Name, in.Exact)
		why = fmt.Sprintf("The command pins %s to the malicious %s: every run installs the bad release (from the index during the window, or from a cache or mirror later).", pk.Name, in.Exact)
	}
	loc := f.Location()
	loc.Line = h.line
	details := []string{why, "recipe: " + s.what}
	if in.Upgrade {
		details = append(details, "upgrade requested")
	}
	return sweep.Finding{Severity: sev, Category: CatRecipe, Title: title, Location: loc, User: user, Collector: c.Name(),
		Evidence:  sweep.Evidence{Package: pk.Name, Version: in.Admits[0], Installer: strings.Fields(in.Tool)[0], Text: h.text, Details: details},
		Indicator: &sweep.Indicator{ID: pk.ID, Kind: "package", Confidence: string(pk.Provenance.Confidence), Sources: pk.Provenance.Sources}}
}

var (
	gitSection = regexp.MustCompile(`^\s*\[\s*remote\s+"([^"]*)"\s*\]`)
	gitURL     = regexp.MustCompile(`^\s*url\s*=\s*(.*?)\s*$`)
	plainWord  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	hostWord   = regexp.MustCompile(`^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$`)
)

// repoOf splits a git remote URL (https://host/owner/name.git,
// ssh://git@host:22/owner/name, git@host:owner/name.git) into host,
// owner and repository name.
func repoOf(u string) (host, owner, name string) {
	u = strings.Trim(u, `"`)
	rest := u
	if _, r, ok := strings.Cut(u, "://"); ok {
		rest = r
		if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
			rest = rest[at+1:] // userinfo (may hold a token) dropped
		}
		host, rest, _ = strings.Cut(rest, "/")
	} else if h, r, ok := strings.Cut(u, ":"); ok && !strings.Contains(h, "/") {
		if at := strings.LastIndex(h, "@"); at >= 0 {
			h = h[at+1:]
		}
		host, rest = h, r
	}
	rest = strings.TrimSuffix(strings.TrimSuffix(strings.Trim(rest, "/"), "/"), ".git")
	parts := strings.Split(rest, "/")
	name = parts[len(parts)-1]
	if len(parts) >= 2 {
		owner = parts[len(parts)-2]
	}
	return host, owner, name
}

// gitRemotes reports remotes whose repository name is a campaign
// exfiltration repository's.
func (c *Collector) gitRemotes(f *sweep.File, data string, out sweep.Sink) {
	ci := c.o.Matcher.Pack().CI
	if len(ci.RepoNames) == 0 {
		return
	}
	remote := ""
	for i, l := range strings.Split(data, "\n") {
		if m := gitSection.FindStringSubmatch(l); m != nil {
			remote = m[1]
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(l), "[") {
			remote = ""
			continue
		}
		m := gitURL.FindStringSubmatch(l)
		if m == nil || remote == "" {
			continue
		}
		host, owner, name := repoOf(m[1])
		for _, bad := range ci.RepoNames {
			if !strings.EqualFold(name, bad) {
				continue
			}
			shown := bad
			if plainWord.MatchString(owner) {
				shown = owner + "/" + bad
			}
			if hostWord.MatchString(host) {
				shown = host + "/" + shown
			}
			rname := "…"
			if plainWord.MatchString(remote) {
				rname = remote
			}
			loc := f.Location()
			loc.Line = i + 1
			out.Finding(sweep.Finding{Severity: sweep.High, Category: CatGitRemote, Collector: c.Name(),
				Title:    fmt.Sprintf("git remote %s is %s, a campaign exfiltration repository", rname, shown),
				Location: loc, User: sweep.UserOf(c.o.Homes, f.Path),
				Evidence: sweep.Evidence{Text: "remote " + rname + " url " + shown, Details: []string{
					"the campaign's fallback exfiltration creates a repository named " + bad + " in a victim's account and pushes stolen data to it: this checkout is a clone of one"}},
				Indicator: &sweep.Indicator{ID: "ci-repo-names", Kind: "ci-repo", Confidence: string(ci.RepoProvenance.Confidence), Sources: ci.RepoProvenance.Sources}})
		}
	}
}
