package recipes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// CatImageRef: a recipe or manifest on disk names a bad image of the pack.
const CatImageRef sweep.Category = "image-reference"

// imageRef is an image reference written in a file, at its line.
type imageRef struct {
	text string // as written, variables resolved
	line int
	what string // "compose service web", "Dockerfile FROM", "Kubernetes container app"
}

// mentionsBadImage is the cheap test before any parse: the file names the
// last path component of a pack image repository (trivy, kics) or pins a
// digest (iocs.Matcher.ImageNeedles).
func (c *Collector) mentionsBadImage(b []byte) bool {
	for _, n := range c.imageNeedles {
		if bytes.Contains(b, n) {
			return true
		}
	}
	return false
}

// reportImages judges the references of one file with the one image rule
// (iocs.Matcher.Images). A file is a recipe, not the image: what it pins
// ran the bad image whenever it ran, so a published digest or a tag that
// only named the bad release is high (as an exact pin of a bad package),
// and a tag that named it only during a window is medium (at risk: it
// resolved to the bad image if it ran then, as a range in a lockfile).
func (c *Collector) reportImages(f *sweep.File, refs []imageRef, out sweep.Sink) {
	user := sweep.UserOf(c.o.Homes, f.Path)
	n := 0
	for _, r := range refs {
		ref, err := iocs.ParseImageRef(r.text)
		if err != nil {
			continue // a build argument or variable not resolved here, a stage name: not a reference
		}
		for _, h := range c.o.Matcher.Images(iocs.ImageEvidence{Refs: []iocs.ImageRef{ref}}) {
			if n >= maxPerFile {
				out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindSkipped,
					Message: fmt.Sprintf("more than %d references to bad images: the rest are not reported", maxPerFile)})
				return
			}
			n++
			if h.Severity == "critical" {
				h.Severity = "high"
			}
			loc := f.Location()
			loc.Line = r.line
			fd := sweep.BadImageFinding(h, c.Name(), loc, CatImageRef)
			fd.Title = r.what + ": " + fd.Title
			fd.User = user
			fd.Evidence.Details = append(fd.Evidence.Details, "recipe: "+r.what+"; whatever ran it pulled this reference")
			out.Finding(fd)
		}
	}
}

// shownWhat is a service, container or stage name shown as written (else
// nothing: it comes from the file).
var shownWhat = regexp.MustCompile(`^[A-Za-z0-9._-]{1,63}$`)

func named(kind, name string) string {
	if shownWhat.MatchString(name) {
		return kind + " " + name
	}
	return kind
}

// yamlImages reports the image references of a YAML file (every document):
// an `image:` value (a Compose service's unless it has `build:`, which
// names what Compose builds; a Kubernetes container's; a CI job's, GitLab's
// `image: {name:}` too; Helm-style `image: {registry, repository, tag,
// digest}`), a GitHub job's `container:` and a `docker://` step or action
// image. Compose's ${VAR:-default} takes its default; other variables are
// not resolved, so such a reference is not judged.
func (c *Collector) yamlImages(f *sweep.File, b []byte, out sweep.Sink) {
	if !c.mentionsBadImage(b) {
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var refs []imageRef
	for n := 0; n < maxDocs; n++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) || err != nil {
			break // not YAML a tool would read: nothing it would pull
		}
		refs = append(refs, yamlImageRefs(&doc)...)
	}
	c.reportImages(f, refs, out)
}

// yamlImageRefs walks one document.
func yamlImageRefs(doc *yaml.Node) []imageRef {
	var out []imageRef
	add := func(v *yaml.Node, what string) {
		if v == nil || v.Kind != yaml.ScalarNode {
			return
		}
		out = append(out, imageRef{text: interpolate(strings.TrimPrefix(strings.TrimSpace(v.Value), "docker://")), line: v.Line, what: what})
	}
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node, parent string, depth int)
	walk = func(n *yaml.Node, parent string, depth int) {
		n = deref(n)
		if n == nil || depth > 64 || seen[n] {
			return
		}
		seen[n] = true
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, x := range n.Content {
				walk(x, parent, depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i].Value, deref(n.Content[i+1])
				switch {
				case k == "image" && v != nil && v.Kind == yaml.ScalarNode:
					if mapGet(n, "build") != nil {
						continue // Compose builds this image and tags it so: nothing is pulled
					}
					add(v, imageWhat(n, parent))
					continue
				case k == "image" && v != nil && v.Kind == yaml.MappingNode:
					if name := mapGet(v, "name"); name != nil {
						add(name, "CI job image")
						continue
					}
					if repo := mapGet(v, "repository"); repo != nil && repo.Kind == yaml.ScalarNode {
						out = append(out, helmImage(v, repo))
						continue
					}
				case k == "container" && v != nil && v.Kind == yaml.ScalarNode && mapGet(n, "runs-on") != nil:
					add(v, "GitHub job container")
					continue
				case k == "uses" && v != nil && v.Kind == yaml.ScalarNode && strings.HasPrefix(v.Value, "docker://"):
					add(v, "GitHub step docker://")
					continue
				}
				walk(v, k, depth+1)
			}
		}
	}
	walk(doc, "", 0)
	return out
}

// imageWhat names the construct an image: key sits in.
func imageWhat(m *yaml.Node, parent string) string {
	name := ""
	if n := mapGet(m, "name"); n != nil && n.Kind == yaml.ScalarNode {
		name = n.Value
	}
	switch parent {
	case "containers", "initContainers", "ephemeralContainers":
		return named("Kubernetes container", name)
	}
	return named("image of", parent)
}

// helmImage joins a Helm-style image block (registry, repository, tag,
// digest) into a reference.
func helmImage(v, repo *yaml.Node) imageRef {
	s := repo.Value
	if r := mapGet(v, "registry"); r != nil && r.Kind == yaml.ScalarNode && r.Value != "" {
		s = r.Value + "/" + s
	}
	if t := mapGet(v, "tag"); t != nil && t.Kind == yaml.ScalarNode && t.Value != "" {
		s += ":" + t.Value
	}
	if d := mapGet(v, "digest"); d != nil && d.Kind == yaml.ScalarNode && d.Value != "" {
		s += "@" + d.Value
	}
	return imageRef{text: interpolate(s), line: repo.Line, what: "Helm values image"}
}

// composeVar is ${VAR:-default} or ${VAR-default} (Compose and shell
// defaults); any other variable form is left as written.
var composeVar = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}$]*)\}`)

// interpolate resolves variables to their written defaults.
func interpolate(s string) string {
	return composeVar.ReplaceAllString(s, "$1")
}

// dockerfileImages reports the base images of a Dockerfile's FROM lines
// (read by the one Dockerfile reader, parseDockerfile): --platform= and
// other flags skipped, "AS name" recorded so a later FROM
// naming an earlier stage is not an image, "scratch" skipped, and the
// defaults of ARGs declared before the first FROM substituted as the
// builder substitutes them (an ARG without a default, or a variable
// declared nowhere, leaves the reference unresolved: not judged).
func (c *Collector) dockerfileImages(f *sweep.File, data string, out sweep.Sink) {
	if !c.mentionsBadImage([]byte(data)) {
		return
	}
	c.reportImages(f, dockerfileFroms(data), out)
}

var dockerArg = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))`)

func dockerfileFroms(data string) []imageRef {
	var out []imageRef
	args := map[string]string{} // global ARGs with a default
	stages := map[string]bool{}
	seenFrom := false
	_, instrs := parseDockerfile(data)
	for _, in := range instrs {
		fields := strings.Fields(in.text)
		if len(fields) == 0 {
			continue
		}
		switch in.instr {
		case "ARG":
			if seenFrom {
				continue
			}
			for _, a := range fields {
				k, v, ok := strings.Cut(a, "=")
				if ok {
					args[k] = strings.Trim(v, `"'`)
				} else {
					delete(args, k)
				}
			}
		case "FROM":
			seenFrom = true
			rest := fields
			for len(rest) > 0 && strings.HasPrefix(rest[0], "--") {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				continue
			}
			img := rest[0]
			alias := ""
			if len(rest) >= 3 && strings.EqualFold(rest[1], "AS") {
				alias = strings.ToLower(rest[2])
			}
			resolved, ok := substituteArgs(img, args)
			switch {
			case !ok:
				// unresolved build argument: not a reference here
			case strings.EqualFold(resolved, "scratch"), stages[strings.ToLower(resolved)]:
				// no image, or an earlier stage
			default:
				out = append(out, imageRef{text: resolved, line: in.line, what: "Dockerfile FROM"})
			}
			if alias != "" {
				stages[alias] = true
			}
		}
	}
	return out
}

// substituteArgs replaces $X and ${X} (with ${X:-d} and ${X:+a} as the
// builder reads them) by the global ARGs' defaults; ok is false when a
// variable has no value.
func substituteArgs(s string, args map[string]string) (string, bool) {
	ok := true
	r := dockerArg.ReplaceAllStringFunc(s, func(m string) string {
		sm := dockerArg.FindStringSubmatch(m)
		name := sm[1]
		if name == "" {
			name = sm[4]
		}
		v, set := args[name]
		switch sm[2] {
		case "-":
			if !set || v == "" {
				return sm[3]
			}
		case "+":
			if set && v != "" {
				return sm[3]
			}
			return ""
		}
		if !set {
			ok = false
		}
		return v
	})
	return r, ok
}
