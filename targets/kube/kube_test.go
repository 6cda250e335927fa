package kube_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/kube"
	"github.com/litesweep/litesweep/targets/kube/kubefake"
)

const token = "CANARY-bearer-token-0d9e8f"

func clientFor(t *testing.T, srv *kubefake.Server) *kube.Client {
	t.Helper()
	p, err := srv.WriteKubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := kube.LoadKubeconfig(p, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := kube.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func titles(fs []sweep.Finding) map[string]sweep.Finding {
	out := map[string]sweep.Finding{}
	for _, f := range fs {
		out[f.Location.Namespace+" "+f.Location.Object] = f
	}
	return out
}

func TestSweep(t *testing.T) {
	srv := kubefake.New(token)
	defer srv.Close()
	c := clientFor(t, srv)
	res := kube.Sweep(context.Background(), c, kube.Options{Matcher: sweeptest.Matcher(t)})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	if res.Pods != 10 || res.Sets != 2 {
		t.Errorf("listed %d pods (both pages?) and %d DaemonSets, want 10 and 2", res.Pods, res.Sets)
	}
	var exposures []sweep.Finding
	got := titles(slices.DeleteFunc(slices.Clone(res.Findings), func(f sweep.Finding) bool {
		if f.Exposure != nil {
			exposures = append(exposures, f)
		}
		return f.Exposure != nil
	}))
	want := map[string]sweep.Severity{
		"kube-system Pod/node-setup-worker-1":        sweep.Critical,
		"kube-system Pod/node-setup-control-plane-1": sweep.Critical,
		"kube-system Pod/node-setup-tools":           sweep.Medium, // the name, not the shape
		"kube-system Pod/debug-root":                 sweep.Medium, // the shape, not the name
		"kube-system DaemonSet/host-provisioner-std": sweep.Critical,
		" Node/worker-1":                             sweep.High,
		" Node/control-plane-1":                      sweep.High,
		" Node/worker-3":                             sweep.High,
		"ai ReplicaSet/litellm-proxy-7c9d8b6f5":      sweep.High, // image tagged 1.82.8
		"ai ServiceAccount/litellm":                  sweep.Info,
	}
	for k, sev := range want {
		f, ok := got[k]
		if !ok {
			t.Errorf("no finding for %s", k)
			continue
		}
		if f.Severity != sev {
			t.Errorf("%s: severity %s, want %s (%s)", k, f.Severity, sev, f.Title)
		}
	}
	if len(got) != len(want) {
		for k, f := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected finding %s: %s", k, f.Title)
			}
		}
	}
	ns := got["kube-system Pod/node-setup-worker-1"]
	joined := strings.Join(ns.Evidence.Details, "\n")
	for _, s := range []string{"ran on node worker-1: that node's root needs `litesweep host`", "privileged", "hostPID", "hostPath / at /host",
		"tolerates every taint", "written by: Python-urllib, kubelet", "phase: Succeeded"} {
		if !strings.Contains(joined, s) {
			t.Errorf("node-setup finding lacks %q:\n%s", s, joined)
		}
	}
	if ns.Indicator == nil || ns.Indicator.ID != "k8s-node-setup" || ns.Evidence.Time == nil || ns.Evidence.Time.Format("15:04:05") != "11:14:05" {
		t.Errorf("indicator/time: %+v %v", ns.Indicator, ns.Evidence.Time)
	}
	if d := strings.Join(got[" Node/worker-3"].Evidence.Details, "\n"); !strings.Contains(d, "DaemonSet kube-system/host-provisioner-std") {
		t.Errorf("worker-3 should name the DaemonSet: %s", d)
	}
	// Exposure findings (info): the litellm account's token and the
	// secrets of the two namespaces it could list, names only.
	var exp []string
	for _, f := range exposures {
		if f.Severity != sweep.Info || f.Category != kube.CatExposure {
			t.Errorf("exposure finding %s %s", f.Severity, f.Category)
		}
		var names []string
		for _, c := range f.Exposure.Credentials {
			names = append(names, string(c.Kind)+" "+c.Scope+"/"+c.Name+" "+strings.Join(c.Names, ","))
		}
		exp = append(exp, f.Location.Namespace+" "+f.Location.Object+": "+f.Title+": "+strings.Join(names, "; "))
	}
	sort.Strings(exp)
	wantExp := []string{
		"ai ServiceAccount/litellm: token of service account ai/litellm exposed: service-account-token ai/litellm ",
		"ai secrets: 3 secrets in namespace ai readable by an exposed service account: kubernetes-secrets ai/* anthropic-api,litellm-master,openai-api",
		"payments secrets: 2 secrets in namespace payments readable by an exposed service account: kubernetes-secrets payments/* postgres-payments,stripe-live",
	}
	if !slices.Equal(exp, wantExp) {
		t.Errorf("exposure findings:\n%s\nwant:\n%s", strings.Join(exp, "\n"), strings.Join(wantExp, "\n"))
	}
	// Rotation: the litellm account's token and the secrets it could read.
	var kinds []string
	for _, it := range planned(t, res) {
		kinds = append(kinds, it.Kind+" "+it.Title+" "+strings.Join(it.Names, ","))
	}
	sort.Strings(kinds)
	wantRot := []string{
		"kubernetes Service account token ai/litellm litellm",
		"kubernetes-secret Kubernetes secrets in namespace ai anthropic-api,litellm-master,openai-api",
		"kubernetes-secret Kubernetes secrets in namespace payments postgres-payments,stripe-live",
	}
	if !slices.Equal(kinds, wantRot) {
		t.Errorf("rotation:\n%s\nwant:\n%s", strings.Join(kinds, "\n"), strings.Join(wantRot, "\n"))
	}
	// Secrets were only ever listed as metadata, and no value or token
	// reached the result.
	accepts := srv.SecretAccepts()
	if len(accepts) != 2 {
		t.Errorf("secrets listed %d times, want 2 (ai, payments): %v", len(accepts), srv.Requests())
	}
	for _, a := range accepts {
		if a != "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1" {
			t.Errorf("secrets requested with Accept %q: values could be sent", a)
		}
	}
	b, _ := json.Marshal(res)
	for _, canary := range []string{kubefake.Canary, token} {
		if strings.Contains(string(b), canary) {
			t.Errorf("result contains %q", canary)
		}
	}
	for _, r := range srv.Requests() {
		if !strings.HasPrefix(r, "GET ") && r != "POST /apis/authorization.k8s.io/v1/subjectaccessreviews" {
			t.Errorf("non-read-only request %s", r)
		}
	}
	if c.Calls() != int64(len(srv.Requests())) {
		t.Errorf("Calls() = %d, server saw %d", c.Calls(), len(srv.Requests()))
	}
}

func TestSweepRestricted(t *testing.T) {
	srv := kubefake.New(token)
	srv.ForbidClusterWide, srv.ForbidSAR = true, true
	defer srv.Close()
	res := kube.Sweep(context.Background(), clientFor(t, srv), kube.Options{Matcher: sweeptest.Matcher(t), ServiceAccounts: []string{"ai/litellm"}})
	got := titles(res.Findings)
	for _, k := range []string{"kube-system Pod/node-setup-worker-1", "kube-system DaemonSet/host-provisioner-std", " Node/worker-1"} {
		if _, ok := got[k]; !ok {
			t.Errorf("kube-system fallback missed %s", k)
		}
	}
	msgs := ""
	for _, e := range res.Errors {
		msgs += e.Message + "\n"
		if e.Kind != "error" || e.Collector != kube.CollectorName {
			t.Errorf("error %+v", e)
		}
	}
	for _, s := range []string{"cannot list pods in all namespaces", "checked kube-system only", "403", "cannot evaluate RBAC for service accounts",
		"assumed to be those of their own namespace"} {
		if !strings.Contains(msgs, s) {
			t.Errorf("errors lack %q:\n%s", s, msgs)
		}
	}
	// Degraded: the named account's own namespace is listed for rotation.
	found := false
	items := planned(t, res)
	for _, it := range items {
		if it.Kind == "kubernetes-secret" && strings.HasSuffix(it.Where, "namespace ai") {
			found = true
		}
	}
	if !found {
		t.Errorf("no degraded rotation item for namespace ai: %+v", items)
	}
}

func TestClientCertificate(t *testing.T) {
	srv, err := kubefake.NewMTLS()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	res := kube.Sweep(context.Background(), clientFor(t, srv), kube.Options{Matcher: sweeptest.Matcher(t)})
	if len(res.Errors) > 0 || len(res.Findings) < 8 {
		t.Errorf("mTLS sweep: %d findings, errors %+v", len(res.Findings), res.Errors)
	}
}

func TestUnauthorized(t *testing.T) {
	srv := kubefake.New(token)
	defer srv.Close()
	p, _ := srv.WriteKubeconfig(t.TempDir())
	cfg, err := kube.LoadKubeconfig(p, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Token = "CANARY-wrong-token"
	c, _ := kube.NewClient(cfg)
	res := kube.Sweep(context.Background(), c, kube.Options{Matcher: sweeptest.Matcher(t)})
	if len(res.Findings) != 0 || len(res.Errors) < 2 {
		t.Fatalf("findings %d errors %+v", len(res.Findings), res.Errors)
	}
	b, _ := json.Marshal(res)
	if strings.Contains(string(b), "CANARY") || !strings.Contains(string(b), "401") {
		t.Errorf("errors: %s", b)
	}
}

func TestKubeconfig(t *testing.T) {
	srv := kubefake.New(token)
	defer srv.Close()
	dir := t.TempDir()
	p, err := srv.WriteKubeconfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := kube.LoadKubeconfig(p, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Context != "prod" || cfg.Cluster != "prod-cluster" || cfg.Server != srv.URL || cfg.Token != token || cfg.Namespace != "default" || len(cfg.CAData) == 0 {
		t.Errorf("config %+v", cfg)
	}
	if strings.Contains(cfg.String(), token) {
		t.Errorf("String() prints the token")
	}
	_, err = kube.LoadKubeconfig(p, "staging")
	var pe *kube.PluginError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "--token-file") {
		t.Errorf("exec plugin: %v", err)
	}
	if _, err := kube.LoadKubeconfig(p, "nope"); err == nil || !strings.Contains(err.Error(), `no context "nope"`) {
		t.Errorf("missing context: %v", err)
	}
	// A CA and token referenced by relative paths, as kubectl resolves them.
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), srv.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tok"), []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join(dir, "rel.yaml")
	os.WriteFile(rel, []byte("current-context: c\nclusters:\n- name: k\n  cluster:\n    server: "+srv.URL+"\n    certificate-authority: ca.pem\n"+
		"contexts:\n- name: c\n  context: {cluster: k, user: u}\nusers:\n- name: u\n  user:\n    tokenFile: tok\n"), 0o600)
	cfg, err = kube.LoadKubeconfig(rel, "")
	if err != nil || cfg.Token != token {
		t.Fatalf("relative paths: %v", err)
	}
	c, err := kube.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res := kube.Sweep(context.Background(), c, kube.Options{Matcher: sweeptest.Matcher(t)}); len(res.Errors) > 0 {
		t.Errorf("sweep with file CA: %+v", res.Errors)
	}
	// Discover: $KUBECONFIG list, first existing file wins.
	env := map[string]string{"KUBECONFIG": filepath.Join(dir, "missing") + string(os.PathListSeparator) + rel}
	cfg, err = kube.Discover("", "", func(k string) string { return env[k] }, t.TempDir())
	if err != nil || cfg.Source != rel {
		t.Errorf("Discover: %v %+v", err, cfg)
	}
	if _, err := kube.LoadKubeconfig(filepath.Join(dir, "missing"), ""); err == nil {
		t.Errorf("missing kubeconfig accepted")
	}
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("clusters: [\n"), 0o600)
	if _, err := kube.LoadKubeconfig(filepath.Join(dir, "bad.yaml"), ""); err == nil || !strings.Contains(err.Error(), "parse kubeconfig") {
		t.Errorf("bad YAML: %v", err)
	}
}

func TestInCluster(t *testing.T) {
	srv := kubefake.New(token)
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "token"), []byte(token), 0o600)
	os.WriteFile(filepath.Join(dir, "ca.crt"), srv.CAPEM(), 0o600)
	os.WriteFile(filepath.Join(dir, "namespace"), []byte("sweep"), 0o600)
	host, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "https://"), ":")
	env := map[string]string{"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}
	cfg, err := kube.InCluster(dir, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Namespace != "sweep" || cfg.Server != srv.URL {
		t.Errorf("in-cluster config %+v", cfg)
	}
	c, err := kube.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res := kube.Sweep(context.Background(), c, kube.Options{Matcher: sweeptest.Matcher(t)}); len(res.Errors) > 0 || len(res.Findings) == 0 {
		t.Errorf("in-cluster sweep: %d findings %+v", len(res.Findings), res.Errors)
	}
	if _, err := kube.InCluster(dir, func(string) string { return "" }); err == nil {
		t.Errorf("InCluster without KUBERNETES_SERVICE_HOST accepted")
	}
}
