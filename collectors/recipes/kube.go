package recipes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/collectors/kubeobj"
	"github.com/litesweep/litesweep/sweep"
)

// CatKubeManifest: a Kubernetes manifest on disk matches the pack's
// Kubernetes patterns.
const CatKubeManifest sweep.Category = "kubernetes-manifest"

// maxDocs bounds the documents of one YAML stream.
const maxDocs = 1000

// kubeManifests reports the Pods and DaemonSets of a YAML stream (List
// items too) that carry the name of a pack Kubernetes pattern: high when
// the spec has the pattern's shape (privileged, the host path), medium
// when only the name matches.
func (c *Collector) kubeManifests(f *sweep.File, b []byte, out sweep.Sink) {
	if !bytes.Contains(b, []byte("apiVersion")) || !bytes.Contains(b, []byte("kind")) {
		return
	}
	pats := c.o.Matcher.Pack().Kubernetes
	if len(pats) == 0 {
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for n := 0; n < maxDocs; n++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			return // not YAML a cluster would accept: not a manifest
		}
		var objs []*yaml.Node
		if len(doc.Content) > 0 {
			objs = append(objs, doc.Content[0])
		}
		for len(objs) > 0 {
			o := objs[0]
			objs = objs[1:]
			var head struct {
				APIVersion string                `yaml:"apiVersion"`
				Kind       string                `yaml:"kind"`
				Metadata   struct{ Name string } `yaml:"metadata"`
			}
			if o.Kind != yaml.MappingNode || o.Decode(&head) != nil || head.APIVersion == "" {
				continue
			}
			if strings.HasSuffix(head.Kind, "List") {
				for i := 0; i+1 < len(o.Content); i += 2 {
					if o.Content[i].Value == "items" && o.Content[i+1].Kind == yaml.SequenceNode {
						objs = append(objs, o.Content[i+1].Content...)
					}
				}
				continue
			}
			if head.Kind != "Pod" && head.Kind != "DaemonSet" {
				continue
			}
			var v any
			if o.Decode(&v) != nil {
				continue
			}
			js, err := json.Marshal(v)
			if err != nil {
				continue
			}
			var meta kubeobj.ObjectMeta
			var spec kubeobj.PodSpec
			if head.Kind == "Pod" {
				var p kubeobj.Pod
				if json.Unmarshal(js, &p) != nil {
					continue
				}
				meta, spec = p.Metadata, p.Spec
			} else {
				var d kubeobj.DaemonSet
				if json.Unmarshal(js, &d) != nil {
					continue
				}
				meta, spec = d.Metadata, d.Spec.Template.Spec
			}
			for _, k := range pats {
				if k.Kind != head.Kind || !strings.HasPrefix(meta.Name, k.NamePrefix) || (k.Namespace != "" && meta.Namespace != "" && meta.Namespace != k.Namespace) {
					continue
				}
				sh := kubeobj.ShapeOf(spec)
				ok, missing := kubeobj.Fits(k, sh)
				loc := f.Location()
				loc.Line, loc.Object = o.Line, head.Kind+"/"+meta.Name
				loc.Namespace = meta.Namespace
				fd := sweep.Finding{Severity: sweep.High, Category: CatKubeManifest, Collector: c.Name(), Location: loc,
					User:      sweep.UserOf(c.o.Homes, f.Path),
					Title:     fmt.Sprintf("Kubernetes manifest for %s %s has the shape of %s", head.Kind, meta.Name, k.ID),
					Evidence:  sweep.Evidence{Text: head.Kind + "/" + meta.Name, Details: append([]string{"a manifest of the campaign's object on disk: whoever applied it ran the payload's pod on the cluster's nodes"}, sh.Details()...)},
					Indicator: &sweep.Indicator{ID: k.ID, Kind: "kubernetes", Confidence: string(k.Provenance.Confidence), Sources: k.Provenance.Sources}}
				if !ok {
					fd.Severity = sweep.Medium
					fd.Title = fmt.Sprintf("Kubernetes manifest for %s %s has the name of %s but %s: check it by hand", head.Kind, meta.Name, k.ID, strings.Join(missing, ", "))
				}
				out.Finding(fd)
			}
		}
	}
}
