package kube

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/litesweep/litesweep/collectors/kubeobj"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// CollectorName is the collector recorded on findings and errors.
const CollectorName = "kube/cluster"

// Options tune a cluster sweep.
type Options struct {
	Matcher *iocs.Matcher
	// ServiceAccounts ("namespace/name") the responder knows ran a bad
	// version; their tokens and readable secrets are reported as exposed.
	ServiceAccounts []string
	// MaxServiceAccounts caps how many service accounts get RBAC checks.
	MaxServiceAccounts int
	// MaxSecretNames caps the secret names listed per namespace.
	MaxSecretNames int
}

// Result is what a cluster sweep found.
type Result struct {
	Findings []sweep.Finding
	Errors   []sweep.Error
	Pods     int
	Sets     int
}

type sweeper struct {
	c       *Client
	o       Options
	cluster string
	res     *Result
	// node -> objects that ran there with the host's root mounted
	nodes map[string][]string
	first map[string]time.Time
	// service accounts in scope, "ns/name" -> reasons
	scope    map[string][]string
	evidence map[string]bool
	sarOK    bool
	sarErr   bool
	secrets  map[string][]string // namespace -> secret names (nil: not listable)
	nsList   []string
}

// Sweep checks the cluster behind c.
func Sweep(ctx context.Context, c *Client, o Options) *Result {
	if o.MaxServiceAccounts <= 0 {
		o.MaxServiceAccounts = 50
	}
	if o.MaxSecretNames <= 0 {
		o.MaxSecretNames = 500
	}
	s := &sweeper{c: c, o: o, cluster: c.cfg.Cluster, res: &Result{}, nodes: map[string][]string{}, first: map[string]time.Time{},
		scope: map[string][]string{}, evidence: map[string]bool{}, sarOK: true, secrets: map[string][]string{}}
	pods := s.listPods(ctx)
	sets := s.listDaemonSets(ctx)
	s.res.Pods, s.res.Sets = len(pods), len(sets)
	pack := o.Matcher.Pack().Kubernetes
	iocFound := false
	for _, k := range pack {
		switch k.Kind {
		case "Pod":
			iocFound = s.matchPods(k, pods) || iocFound
		case "DaemonSet":
			iocFound = s.matchDaemonSets(k, sets, pods) || iocFound
		}
	}
	s.shapeOnly(pack, pods)
	s.nodeFindings()
	s.trackedImages(pods)
	s.badImages(pods)
	for _, sa := range o.ServiceAccounts {
		s.addScope(sa, "named with --service-account", true)
	}
	if iocFound && ctx.Err() == nil {
		s.podCreators(ctx, pods)
	}
	if len(s.scope) > 0 && ctx.Err() == nil {
		s.readableSecrets(ctx, pods)
	}
	return s.res
}

func (s *sweeper) loc(ns, object string) sweep.Location {
	return sweep.Location{Cluster: s.cluster, Namespace: ns, Object: object}
}

func (s *sweeper) errorf(loc sweep.Location, kind sweep.ErrorKind, format string, a ...any) {
	s.res.Errors = append(s.res.Errors, sweep.Error{Location: loc, Collector: CollectorName, Kind: kind, Message: fmt.Sprintf(format, a...)})
}

func (s *sweeper) listPods(ctx context.Context) []Pod {
	pods, err := list[Pod](ctx, s.c, "/api/v1/pods", "")
	if err == nil {
		return pods
	}
	if !Forbidden(err) {
		s.errorf(s.loc("", "pods"), sweep.ErrKindError, "cannot list pods: %v", err)
		return nil
	}
	s.errorf(s.loc("", "pods"), sweep.ErrKindError, "cannot list pods in all namespaces (%v): checked kube-system only; run with cluster-wide read access to cover every namespace", err)
	pods, err = list[Pod](ctx, s.c, "/api/v1/namespaces/kube-system/pods", "")
	if err != nil {
		s.errorf(s.loc("kube-system", "pods"), sweep.ErrKindError, "cannot list pods in kube-system: %v", err)
	}
	return pods
}

func (s *sweeper) listDaemonSets(ctx context.Context) []DaemonSet {
	sets, err := list[DaemonSet](ctx, s.c, "/apis/apps/v1/daemonsets", "")
	if err == nil {
		return sets
	}
	if !Forbidden(err) {
		s.errorf(s.loc("", "daemonsets"), sweep.ErrKindError, "cannot list DaemonSets: %v", err)
		return nil
	}
	s.errorf(s.loc("", "daemonsets"), sweep.ErrKindError, "cannot list DaemonSets in all namespaces (%v): checked kube-system only", err)
	sets, err = list[DaemonSet](ctx, s.c, "/apis/apps/v1/namespaces/kube-system/daemonsets", "")
	if err != nil {
		s.errorf(s.loc("kube-system", "daemonsets"), sweep.ErrKindError, "cannot list DaemonSets in kube-system: %v", err)
	}
	return sets
}

// shape is what a pod spec does to its node (kubeobj.Shape).
type shape = kubeobj.Shape

func shapeOf(sp PodSpec) shape { return kubeobj.ShapeOf(sp) }

func fits(k iocs.KubeIOC, sh shape) (bool, []string) { return kubeobj.Fits(k, sh) }

func indicator(k iocs.KubeIOC) *sweep.Indicator {
	return &sweep.Indicator{ID: k.ID, Kind: "kubernetes", Confidence: string(k.Provenance.Confidence), Sources: k.Provenance.Sources}
}

func severity(k iocs.KubeIOC) sweep.Severity {
	if sev, err := sweep.ParseSeverity(k.Severity); err == nil {
		return sev
	}
	return sweep.Critical
}

func managers(m ObjectMeta) string {
	var out []string
	for _, f := range m.ManagedFields {
		if f.Manager != "" && !slices.Contains(out, f.Manager) {
			out = append(out, f.Manager)
		}
	}
	return strings.Join(out, ", ")
}

func command(sp PodSpec) string {
	for _, c := range sp.Containers {
		if len(c.Command)+len(c.Args) > 0 {
			return clip(strings.Join(append(slices.Clone(c.Command), c.Args...), " "), 200)
		}
	}
	return ""
}

func nodeNote(node string) string {
	return "ran on node " + node + ": that node's root needs `litesweep host` (e.g. deploy/kubernetes/daemonset.yaml)"
}

func (s *sweeper) ranOn(node, object string, t time.Time) {
	if node == "" {
		return
	}
	if !slices.Contains(s.nodes[node], object) {
		s.nodes[node] = append(s.nodes[node], object)
	}
	if f, ok := s.first[node]; !ok || t.Before(f) {
		s.first[node] = t
	}
}

func (s *sweeper) matchPods(k iocs.KubeIOC, pods []Pod) bool {
	found := false
	for _, p := range pods {
		m := p.Metadata
		if !strings.HasPrefix(m.Name, k.NamePrefix) || (k.Namespace != "" && m.Namespace != k.Namespace) {
			continue
		}
		sh := shapeOf(p.Spec)
		ok, missing := fits(k, sh)
		t := m.CreationTimestamp.UTC()
		f := sweep.Finding{Category: CatCluster, Location: s.loc(m.Namespace, "Pod/"+m.Name), Indicator: indicator(k), Collector: CollectorName,
			Evidence: sweep.Evidence{Time: &t, Text: command(p.Spec)}}
		f.Evidence.Details = append(f.Evidence.Details, sh.Details()...)
		if p.Spec.NodeName != "" {
			f.Evidence.Details = append([]string{nodeNote(p.Spec.NodeName)}, f.Evidence.Details...)
		}
		f.Evidence.Details = append(f.Evidence.Details, "phase: "+p.Status.Phase, "service account: "+saName(p))
		if mg := managers(m); mg != "" {
			f.Evidence.Details = append(f.Evidence.Details, "written by: "+mg+" (managedFields; the payload's client is Python-urllib)")
		}
		if ok {
			found = true
			f.Severity = severity(k)
			f.Title = fmt.Sprintf("%s pod %s/%s mounts the node's root%s", k.ID, m.Namespace, m.Name, onNode(p.Spec.NodeName))
			s.ranOn(p.Spec.NodeName, "Pod "+m.Namespace+"/"+m.Name, t)
		} else {
			f.Severity = sweep.Medium
			f.Title = fmt.Sprintf("pod %s/%s has the name of %s but %s: check it by hand", m.Namespace, m.Name, k.ID, strings.Join(missing, ", "))
		}
		s.res.Findings = append(s.res.Findings, f)
	}
	return found
}

func onNode(n string) string {
	if n == "" {
		return ""
	}
	return " on node " + n
}

func saName(p Pod) string {
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	return p.Metadata.Namespace + "/" + sa
}

func ownedBy(p Pod, kind string) string {
	for _, o := range p.Metadata.OwnerReferences {
		if o.Kind == kind {
			return o.Name
		}
	}
	return ""
}

func (s *sweeper) matchDaemonSets(k iocs.KubeIOC, sets []DaemonSet, pods []Pod) bool {
	found := false
	seen := map[string]bool{}
	for _, d := range sets {
		m := d.Metadata
		if !strings.HasPrefix(m.Name, k.NamePrefix) || (k.Namespace != "" && m.Namespace != k.Namespace) {
			continue
		}
		seen[m.Namespace+"/"+m.Name] = true
		sh := shapeOf(d.Spec.Template.Spec)
		ok, missing := fits(k, sh)
		t := m.CreationTimestamp.UTC()
		f := sweep.Finding{Category: CatCluster, Location: s.loc(m.Namespace, "DaemonSet/"+m.Name), Indicator: indicator(k), Collector: CollectorName,
			Evidence: sweep.Evidence{Time: &t, Text: command(d.Spec.Template.Spec)}}
		var nodes []string
		for _, p := range pods {
			if p.Metadata.Namespace == m.Namespace && ownedBy(p, "DaemonSet") == m.Name && p.Spec.NodeName != "" {
				nodes = append(nodes, p.Spec.NodeName)
				if ok {
					s.ranOn(p.Spec.NodeName, "DaemonSet "+m.Namespace+"/"+m.Name, t)
				}
			}
		}
		slices.Sort(nodes)
		nodes = slices.Compact(nodes)
		for _, n := range nodes {
			f.Evidence.Details = append(f.Evidence.Details, nodeNote(n))
		}
		if len(nodes) == 0 {
			f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("no pods of it were listed; it wanted %d nodes: sweep the root of every node it could schedule on",
				d.Status.DesiredNumberScheduled))
		}
		f.Evidence.Details = append(f.Evidence.Details, sh.Details()...)
		f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("scheduled: %d of %d nodes", d.Status.CurrentNumberScheduled, d.Status.DesiredNumberScheduled))
		if mg := managers(m); mg != "" {
			f.Evidence.Details = append(f.Evidence.Details, "written by: "+mg+" (managedFields)")
		}
		if ok {
			found = true
			f.Severity = severity(k)
			f.Title = fmt.Sprintf("%s DaemonSet %s/%s mounts the nodes' root (%d nodes)", k.ID, m.Namespace, m.Name, len(nodes))
		} else {
			f.Severity = sweep.Medium
			f.Title = fmt.Sprintf("DaemonSet %s/%s has the name of %s but %s: check it by hand", m.Namespace, m.Name, k.ID, strings.Join(missing, ", "))
		}
		s.res.Findings = append(s.res.Findings, f)
	}
	// Pods of a matching DaemonSet that is gone (deleted after the wipe).
	orphans := map[string][]Pod{}
	for _, p := range pods {
		ds := ownedBy(p, "DaemonSet")
		if ds != "" && strings.HasPrefix(ds, k.NamePrefix) && (k.Namespace == "" || p.Metadata.Namespace == k.Namespace) && !seen[p.Metadata.Namespace+"/"+ds] {
			orphans[p.Metadata.Namespace+"/"+ds] = append(orphans[p.Metadata.Namespace+"/"+ds], p)
		}
	}
	for key, ps := range orphans {
		ns, name, _ := strings.Cut(key, "/")
		sh := shapeOf(ps[0].Spec)
		ok, _ := fits(k, sh)
		t := ps[0].Metadata.CreationTimestamp.UTC()
		f := sweep.Finding{Category: CatCluster, Location: s.loc(ns, "DaemonSet/"+name), Indicator: indicator(k), Collector: CollectorName,
			Severity: sweep.High, Evidence: sweep.Evidence{Time: &t, Text: command(ps[0].Spec)},
			Title: fmt.Sprintf("pods of DaemonSet %s/%s (%s) remain after the DaemonSet was deleted", ns, name, k.ID)}
		if ok {
			f.Severity = severity(k)
			found = true
		}
		for _, p := range ps {
			f.Evidence.Details = append(f.Evidence.Details, "pod "+p.Metadata.Name+" "+nodeNote(p.Spec.NodeName))
			if ok {
				s.ranOn(p.Spec.NodeName, "DaemonSet "+key, t)
			}
		}
		f.Evidence.Details = append(f.Evidence.Details, sh.Details()...)
		s.res.Findings = append(s.res.Findings, f)
	}
	return found
}

// shapeOnly flags bare privileged pods mounting the node's root in the
// namespace a pod indicator names, under any name: the payload renamed.
func (s *sweeper) shapeOnly(pack []iocs.KubeIOC, pods []Pod) {
	for _, k := range pack {
		if k.Kind != "Pod" || k.Namespace == "" {
			continue
		}
		for _, p := range pods {
			m := p.Metadata
			if m.Namespace != k.Namespace || strings.HasPrefix(m.Name, k.NamePrefix) || len(m.OwnerReferences) > 0 {
				continue
			}
			sh := shapeOf(p.Spec)
			if ok, _ := fits(k, sh); !ok || !sh.Privileged || !sh.MountsHost("/") {
				continue
			}
			t := m.CreationTimestamp.UTC()
			f := sweep.Finding{Severity: sweep.Medium, Category: CatCluster, Location: s.loc(m.Namespace, "Pod/"+m.Name), Collector: CollectorName,
				Title:    fmt.Sprintf("bare privileged pod %s/%s mounts the node's root (the shape of %s under another name)", m.Namespace, m.Name, k.ID),
				Evidence: sweep.Evidence{Time: &t, Text: command(p.Spec), Details: append([]string{"node: " + p.Spec.NodeName}, sh.Details()...)}}
			s.res.Findings = append(s.res.Findings, f)
		}
	}
}

func (s *sweeper) nodeFindings() {
	for node, objs := range s.nodes {
		t := s.first[node]
		f := sweep.Finding{Severity: sweep.High, Category: CatCluster, Location: s.loc("", "Node/"+node), Collector: CollectorName,
			Title: fmt.Sprintf("node %s ran a pod that mounted its root: sweep the node with litesweep host", node),
			Evidence: sweep.Evidence{Time: &t, Details: append(slices.Clone(objs),
				"run `litesweep host --root /host --format json` on the node (deploy/kubernetes/daemonset.yaml does it for every node)")}}
		f.Evidence.Details = append(f.Evidence.Details, s.drops()...)
		f.Evidence.Details = append(f.Evidence.Details, "rotate the node's kubelet credentials and every kubeconfig on it (/etc/kubernetes/*.conf)")
		s.res.Findings = append(s.res.Findings, f)
	}
}

// drops says, for each Kubernetes indicator of the pack that writes onto
// its node, what it drops there (its persistence entries, as root).
func (s *sweeper) drops() []string {
	p := s.o.Matcher.Pack()
	var out []string
	for _, k := range p.Kubernetes {
		var paths []string
		campaign := ""
		for _, id := range k.Drops {
			for _, pe := range p.Persistence {
				if pe.ID == id {
					paths = append(paths, rootPath(pe.Path))
					if campaign == "" {
						campaign = pe.Campaign
					}
				}
			}
		}
		if len(paths) == 0 {
			continue
		}
		who := "the payload"
		if campaign != "" {
			who = "the " + campaign + " payload"
		}
		out = append(out, who+" drops "+joinAnd(paths)+" on the node")
	}
	return out
}

// rootPath is a pack path as it is on a node for root ("~/" is /root/).
func rootPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return "/root/" + rest
	}
	return p
}

// joinAnd joins "a", "a and b", "a, b and c".
func joinAnd(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

var tagVersion = regexp.MustCompile(`(?:^|[^0-9])v?(\d+\.\d+\.\d+(?:\.?(?:a|b|rc|post|dev)\d+)?)`)

// trackedImages notes workloads whose image is named after a tracked
// package (litellm): the image needs `litesweep images`, and a tag naming a
// bad version puts the pod's service account in scope.
func (s *sweeper) trackedImages(pods []Pod) {
	names := s.o.Matcher.TrackedNames()
	type group struct {
		pods []string
		sa   string
		ns   string
		obj  string
		img  string
		bad  string
		t    time.Time
	}
	groups := map[string]*group{}
	var order []string
	for _, p := range pods {
		for _, c := range append(slices.Clone(p.Spec.InitContainers), p.Spec.Containers...) {
			ref, err := iocs.ParseImageRef(c.Image)
			if err != nil {
				continue
			}
			tag := ref.Tag
			base := path.Base(ref.Path())
			var pkg string
			for _, n := range names {
				if strings.Contains(base, strings.ToLower(n)) {
					pkg = n
				}
			}
			if pkg == "" {
				continue
			}
			obj := "Pod/" + p.Metadata.Name
			for _, o := range p.Metadata.OwnerReferences {
				obj = o.Kind + "/" + o.Name
			}
			key := p.Metadata.Namespace + "\x00" + obj + "\x00" + c.Image
			g, ok := groups[key]
			if !ok {
				g = &group{sa: saName(p), ns: p.Metadata.Namespace, obj: obj, img: c.Image, t: p.Metadata.CreationTimestamp.UTC()}
				if m := tagVersion.FindStringSubmatch(tag); m != nil {
					if _, bad := s.o.Matcher.Package(pkg, m[1]); bad {
						g.bad = pkg + " " + m[1]
					}
				}
				groups[key] = g
				order = append(order, key)
			}
			if !slices.Contains(g.pods, p.Metadata.Name) {
				g.pods = append(g.pods, p.Metadata.Name)
			}
		}
	}
	for _, key := range order {
		g := groups[key]
		t := g.t
		f := sweep.Finding{Category: CatCluster, Location: s.loc(g.ns, g.obj), Collector: CollectorName,
			Evidence: sweep.Evidence{Time: &t, Details: []string{"pods: " + clip(strings.Join(g.pods, ", "), 300), "service account: " + g.sa,
				"sweep the image with `litesweep images " + g.img + "`"}}}
		if g.bad != "" {
			f.Severity = sweep.High
			f.Title = fmt.Sprintf("%s runs image %s, tagged with the bad release %s", g.obj, g.img, g.bad)
			f.Evidence.Package, f.Evidence.Version, _ = strings.Cut(g.bad, " ")
			s.addScope(g.sa, "its pods run "+g.img+" ("+g.bad+")", true)
		} else {
			f.Severity = sweep.Low
			f.Title = fmt.Sprintf("%s runs image %s, which is named after a tracked package: sweep the image", g.obj, g.img)
			s.addScope(g.sa, "its pods run "+g.img, false)
		}
		s.res.Findings = append(s.res.Findings, f)
	}
}

func (s *sweeper) addScope(sa, why string, evidence bool) {
	if !strings.Contains(sa, "/") {
		sa = "default/" + sa
	}
	if !slices.Contains(s.scope[sa], why) {
		s.scope[sa] = append(s.scope[sa], why)
	}
	if evidence {
		s.evidence[sa] = true
	}
}

// can asks the API server whether a service account may do verb on
// resource in ns ("" = cluster-wide) with a SubjectAccessReview.
func (s *sweeper) can(ctx context.Context, sa, ns, verb, resource string) (allowed, known bool) {
	if !s.sarOK {
		return false, false
	}
	saNS, saName, _ := strings.Cut(sa, "/")
	var req subjectAccessReview
	req.APIVersion, req.Kind = "authorization.k8s.io/v1", "SubjectAccessReview"
	req.Spec.User = "system:serviceaccount:" + saNS + ":" + saName
	req.Spec.Groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + saNS, "system:authenticated"}
	req.Spec.ResourceAttributes.Namespace, req.Spec.ResourceAttributes.Verb, req.Spec.ResourceAttributes.Resource = ns, verb, resource
	var resp subjectAccessReview
	if err := s.c.do(ctx, http.MethodPost, "/apis/authorization.k8s.io/v1/subjectaccessreviews", "", req, &resp); err != nil {
		s.sarOK = false
		s.errorf(s.loc("", "subjectaccessreviews"), sweep.ErrKindError,
			"cannot evaluate RBAC for service accounts (%v): the secrets they could read are assumed to be those of their own namespace", err)
		return false, false
	}
	return resp.Status.Allowed, true
}

// podCreators puts in scope every service account (of a listed pod) that may
// create pods in kube-system: one of them created the payload's pods.
func (s *sweeper) podCreators(ctx context.Context, pods []Pod) {
	var sas []string
	for _, p := range pods {
		if sa := saName(p); !slices.Contains(sas, sa) && p.Metadata.Namespace != "kube-system" {
			sas = append(sas, sa)
		}
	}
	sort.Strings(sas)
	if len(sas) > 300 {
		s.errorf(s.loc("", "serviceaccounts"), sweep.ErrKindError, "%d service accounts run pods; checked the first 300 for the right to create pods in kube-system", len(sas))
		sas = sas[:300]
	}
	for _, sa := range sas {
		if ok, known := s.can(ctx, sa, "kube-system", "create", "pods"); known && ok {
			s.addScope(sa, "it may create pods in kube-system, as the payload's pods were", true)
		} else if !known {
			return
		}
	}
}

func (s *sweeper) namespaces(ctx context.Context, pods []Pod) []string {
	if s.nsList != nil {
		return s.nsList
	}
	items, err := list[objectName](ctx, s.c, "/api/v1/namespaces", "")
	set := map[string]bool{}
	if err != nil {
		s.errorf(s.loc("", "namespaces"), sweep.ErrKindError, "cannot list namespaces (%v): checked only namespaces that have pods", err)
		for _, p := range pods {
			set[p.Metadata.Namespace] = true
		}
	}
	for _, it := range items {
		set[it.Metadata.Name] = true
	}
	for ns := range set {
		s.nsList = append(s.nsList, ns)
	}
	sort.Strings(s.nsList)
	return s.nsList
}

// secretNames lists the names of the secrets in ns, asking for metadata
// only so no secret value is ever sent.
func (s *sweeper) secretNames(ctx context.Context, ns string) ([]string, bool) {
	if names, ok := s.secrets[ns]; ok {
		return names, names != nil
	}
	items, err := list[objectName](ctx, s.c, "/api/v1/namespaces/"+ns+"/secrets", partialMetadata)
	if err != nil {
		s.errorf(s.loc(ns, "secrets"), sweep.ErrKindError, "cannot list secret names in %s (%v): rotate what could be read there by other means", ns, err)
		s.secrets[ns] = nil
		return nil, false
	}
	names := []string{}
	for _, it := range items {
		names = append(names, it.Metadata.Name)
	}
	sort.Strings(names)
	s.secrets[ns] = names
	return names, true
}

// readableSecrets lists, for each service account in scope, the secrets it
// could list; with evidence, its token and those secrets are exposure
// findings.
func (s *sweeper) readableSecrets(ctx context.Context, pods []Pod) {
	sas := make([]string, 0, len(s.scope))
	for sa := range s.scope {
		sas = append(sas, sa)
	}
	sort.Slice(sas, func(i, j int) bool {
		if s.evidence[sas[i]] != s.evidence[sas[j]] {
			return s.evidence[sas[i]]
		}
		return sas[i] < sas[j]
	})
	if len(sas) > s.o.MaxServiceAccounts {
		s.errorf(s.loc("", "serviceaccounts"), sweep.ErrKindError, "%d service accounts in scope; checked the first %d", len(sas), s.o.MaxServiceAccounts)
		sas = sas[:s.o.MaxServiceAccounts]
	}
	byNS := map[string][]sweep.Reader{} // namespace -> accounts with evidence that could list its secrets
	for _, sa := range sas {
		if ctx.Err() != nil {
			return
		}
		saNS, _, _ := strings.Cut(sa, "/")
		var readable []string
		how := "RBAC (SubjectAccessReview)"
		if ok, known := s.can(ctx, sa, "", "list", "secrets"); known && ok {
			readable = s.namespaces(ctx, pods)
			how += ": cluster-wide"
		} else if known {
			for _, ns := range s.namespaces(ctx, pods) {
				if ok, known := s.can(ctx, sa, ns, "list", "secrets"); known && ok {
					readable = append(readable, ns)
				} else if !known {
					break
				}
			}
		}
		if !s.sarOK {
			readable, how = []string{saNS}, "assumed (RBAC could not be evaluated): its own namespace"
		}
		var parts []string
		for _, ns := range readable {
			names, ok := s.secretNames(ctx, ns)
			if ok {
				parts = append(parts, fmt.Sprintf("%s (%d)", ns, len(names)))
			} else {
				parts = append(parts, ns+" (names not listable)")
			}
			if s.evidence[sa] {
				byNS[ns] = append(byNS[ns], sweep.Reader{Name: sa, Why: slices.Clone(s.scope[sa])})
			}
		}
		sev := sweep.Info
		title := fmt.Sprintf("service account %s could list the secrets of %d namespaces", sa, len(readable))
		if len(readable) == 0 {
			title = fmt.Sprintf("service account %s cannot list secrets", sa)
		}
		details := []string{"why in scope: " + strings.Join(s.scope[sa], "; "), "how: " + how}
		if len(parts) > 0 {
			details = append(details, "namespaces (secret count): "+clip(strings.Join(parts, ", "), 1000))
		}
		if !s.evidence[sa] {
			details = append(details, "no evidence it ran a bad version: its secrets are not listed for rotation unless the image sweep finds one")
		}
		saName, saN, _ := strings.Cut(sa, "/")
		s.res.Findings = append(s.res.Findings, sweep.Finding{Severity: sev, Category: CatRBAC, Title: title,
			Location: s.loc(saName, "ServiceAccount/"+saN), Collector: CollectorName, Evidence: sweep.Evidence{Details: details}})
		if s.evidence[sa] {
			s.res.Findings = append(s.res.Findings, sweep.Finding{Severity: sweep.Info, Category: CatExposure,
				Title:    "token of service account " + sa + " exposed",
				Location: s.loc(saName, "ServiceAccount/"+saN), Collector: CollectorName,
				Evidence: sweep.Evidence{Details: []string{"why in scope: " + strings.Join(s.scope[sa], "; ")}},
				Exposure: &sweep.Exposure{Readers: []sweep.Reader{{Name: sa, Why: slices.Clone(s.scope[sa])}},
					Credentials: []sweep.ExposedCredential{{Kind: sweep.ExposedServiceAccountToken, Name: saN, Scope: saName}}}})
		}
	}
	nss := make([]string, 0, len(byNS))
	for ns := range byNS {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		readers := byNS[ns]
		names := s.secrets[ns] // nil: not listable; empty: none to rotate
		if names != nil && len(names) == 0 {
			continue
		}
		if len(names) > s.o.MaxSecretNames {
			names = append(names[:s.o.MaxSecretNames:s.o.MaxSecretNames], fmt.Sprintf("... and %d more", len(names)-s.o.MaxSecretNames))
		}
		var who []string
		for _, r := range readers {
			who = append(who, r.Name)
		}
		title := fmt.Sprintf("%d secrets in namespace %s readable by an exposed service account", len(s.secrets[ns]), ns)
		shown := "secret names: " + clip(strings.Join(names, ", "), 1000)
		c := sweep.ExposedCredential{Kind: sweep.ExposedKubeSecrets, Name: "*", Scope: ns, Names: names}
		if names == nil {
			title = fmt.Sprintf("secrets in namespace %s (names not listable) readable by an exposed service account", ns)
			shown = "secret names: not listable with these credentials"
			c.Note = "names not listable with the sweep's credentials: list them with kubectl -n " + ns + " get secrets"
		}
		s.res.Findings = append(s.res.Findings, sweep.Finding{Severity: sweep.Info, Category: CatExposure, Title: title,
			Location: s.loc(ns, "secrets"), Collector: CollectorName,
			Evidence: sweep.Evidence{Details: []string{"readable by: " + strings.Join(who, ", "), shown}},
			Exposure: &sweep.Exposure{Readers: readers, Credentials: []sweep.ExposedCredential{c}}})
	}
}
