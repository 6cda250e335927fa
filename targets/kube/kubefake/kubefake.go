// Package kubefake is a fake Kubernetes API server for tests: TLS, bearer
// token or client-certificate authentication, paginated pod lists, DaemonSets,
// namespaces, SubjectAccessReviews answered from a table, and secrets that
// carry a canary value unless the client asks for metadata only. The pod and
// DaemonSet lists in fixtures/ use the API's real JSON shapes.
package kubefake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

//go:embed fixtures/*.json
var fixtures embed.FS

// Canary is the value of every secret's data and must never appear in any
// output.
const Canary = "CANARY-k8s-secret-value-7f3a9c"

// Server is the fake API server.
type Server struct {
	*httptest.Server
	Token string
	// ForbidClusterWide answers 403 to cluster-wide pod and DaemonSet lists.
	ForbidClusterWide bool
	// ForbidSAR answers 403 to SubjectAccessReviews.
	ForbidSAR bool
	// ForbidSecrets answers 403 to secret lists in these namespaces (the
	// sweep's own credentials may not list them).
	ForbidSecrets map[string]bool
	// Allow maps "namespace/sa verb resource namespace" to allowed.
	Allow map[string]bool
	// Secrets maps namespace to secret names.
	Secrets map[string][]string
	// Namespaces the cluster has.
	Namespaces []string
	// ExtraPods are pod objects (the API's JSON) served after the
	// fixtures' pods, on the last page.
	ExtraPods []string

	mu       sync.Mutex
	requests []string
	accepts  []string // Accept headers of secrets requests
	// ClientCAPEM, ClientCertPEM, ClientKeyPEM are set by NewMTLS.
	ClientCAPEM, ClientCertPEM, ClientKeyPEM []byte
}

// New starts a TLS server that accepts the bearer token.
func New(token string) *Server {
	s := defaults(token)
	s.Server = httptest.NewTLSServer(s)
	return s
}

// NewMTLS starts a TLS server that requires a client certificate signed by
// a CA it generates (ClientCertPEM/ClientKeyPEM are a valid pair).
func NewMTLS() (*Server, error) {
	s := defaults("")
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubefake-ca"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "responder", Organization: []string{"system:masters"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	s.ClientCAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	s.ClientCertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	s.ClientKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	s.Server = httptest.NewUnstartedServer(s)
	s.Server.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	s.StartTLS()
	return s, nil
}

func defaults(token string) *Server {
	return &Server{
		Token: token,
		Allow: map[string]bool{
			// The litellm proxy's account could create the payload's pods
			// and read the secrets of two namespaces.
			"ai/litellm create pods kube-system": true,
			"ai/litellm list secrets ai":         true,
			"ai/litellm list secrets payments":   true,
		},
		Secrets: map[string][]string{
			"ai":          {"litellm-master", "openai-api", "anthropic-api"},
			"payments":    {"stripe-live", "postgres-payments"},
			"default":     {"registry-pull"},
			"kube-system": {"bootstrap-token-abcdef"},
			"research":    {},
		},
		Namespaces: []string{"ai", "default", "kube-system", "payments", "research"},
	}
}

// Requests returns "METHOD path" of every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// SecretAccepts returns the Accept header of every secrets request.
func (s *Server) SecretAccepts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.accepts...)
}

// CAPEM is the server certificate's CA in PEM (for a kubeconfig).
func (s *Server) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

// WriteKubeconfig writes a kubeconfig for this server into dir, with the CA
// inline (certificate-authority-data) and, for a token server, the token;
// for an mTLS server the client certificate and key are written as files
// referenced by relative paths. It returns the kubeconfig path.
func (s *Server) WriteKubeconfig(dir string) (string, error) {
	user := "    token: " + s.Token + "\n"
	if s.ClientCertPEM != nil {
		if err := os.WriteFile(filepath.Join(dir, "client.crt"), s.ClientCertPEM, 0o600); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, "client.key"), s.ClientKeyPEM, 0o600); err != nil {
			return "", err
		}
		user = "    client-certificate: client.crt\n    client-key: client.key\n"
	}
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
preferences: {}
current-context: prod
clusters:
- name: other
  cluster:
    server: https://192.0.2.1:6443
- name: prod-cluster
  cluster:
    certificate-authority-data: %s
    server: %s
contexts:
- name: staging
  context:
    cluster: other
    user: nobody
- name: prod
  context:
    cluster: prod-cluster
    user: responder
    namespace: default
users:
- name: nobody
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: ["eks", "get-token"]
- name: responder
  user:
%s`, base64.StdEncoding.EncodeToString(s.CAPEM()), s.URL, user)
	p := filepath.Join(dir, "config")
	return p, os.WriteFile(p, []byte(cfg), 0o600)
}

func status(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": msg, "reason": reason, "code": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func fixture(name string) map[string]any {
	b, err := fixtures.ReadFile("fixtures/" + name)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return m
}

func onlyNamespace(list map[string]any, ns string) map[string]any {
	var keep []any
	for _, it := range list["items"].([]any) {
		if it.(map[string]any)["metadata"].(map[string]any)["namespace"] == ns {
			keep = append(keep, it)
		}
	}
	list["items"] = keep
	return list
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	authed := r.Header.Get("Authorization") == "Bearer "+s.Token && s.Token != ""
	if s.ClientCertPEM != nil {
		authed = r.TLS != nil && len(r.TLS.PeerCertificates) > 0
	}
	if !authed {
		status(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/apis/authorization.k8s.io/v1/subjectaccessreviews" {
		s.review(w, r)
		return
	}
	if r.Method != http.MethodGet {
		status(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "the fake API server is read-only")
		return
	}
	if r.URL.Query().Get("limit") == "" {
		status(w, http.StatusBadRequest, "BadRequest", "lists must be paginated (limit)")
		return
	}
	p := r.URL.Path
	switch {
	case p == "/api/v1/pods":
		if s.ForbidClusterWide {
			status(w, http.StatusForbidden, "Forbidden", `pods is forbidden: User "system:serviceaccount:sweep:litesweep" cannot list resource "pods" in API group "" at the cluster scope`)
			return
		}
		// Two pages, joined by a continue token.
		if r.URL.Query().Get("continue") == "" {
			page := fixture("pods.json")
			page["metadata"].(map[string]any)["continue"] = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6OTE4MjczfQ"
			writeJSON(w, page)
			return
		}
		page := fixture("pods-page2.json")
		for _, x := range s.ExtraPods {
			var pod any
			if err := json.Unmarshal([]byte(x), &pod); err != nil {
				panic(fmt.Sprintf("ExtraPods: %v", err))
			}
			page["items"] = append(page["items"].([]any), pod)
		}
		writeJSON(w, page)
	case p == "/api/v1/namespaces/kube-system/pods":
		a, b := onlyNamespace(fixture("pods.json"), "kube-system"), onlyNamespace(fixture("pods-page2.json"), "kube-system")
		a["items"] = append(a["items"].([]any), b["items"].([]any)...)
		writeJSON(w, a)
	case p == "/apis/apps/v1/daemonsets":
		if s.ForbidClusterWide {
			status(w, http.StatusForbidden, "Forbidden", `daemonsets.apps is forbidden`)
			return
		}
		writeJSON(w, fixture("daemonsets.json"))
	case p == "/apis/apps/v1/namespaces/kube-system/daemonsets":
		writeJSON(w, onlyNamespace(fixture("daemonsets.json"), "kube-system"))
	case p == "/api/v1/namespaces":
		var items []any
		for _, ns := range s.Namespaces {
			items = append(items, map[string]any{"metadata": map[string]any{"name": ns}, "status": map[string]any{"phase": "Active"}})
		}
		writeJSON(w, map[string]any{"kind": "NamespaceList", "apiVersion": "v1", "metadata": map[string]any{}, "items": items})
	case strings.HasPrefix(p, "/api/v1/namespaces/") && strings.HasSuffix(p, "/secrets"):
		ns := strings.TrimSuffix(strings.TrimPrefix(p, "/api/v1/namespaces/"), "/secrets")
		s.mu.Lock()
		s.accepts = append(s.accepts, r.Header.Get("Accept"))
		s.mu.Unlock()
		if s.ForbidSecrets[ns] {
			status(w, http.StatusForbidden, "Forbidden", fmt.Sprintf(`secrets is forbidden: User "sweeper" cannot list resource "secrets" in API group "" in the namespace %q`, ns))
			return
		}
		names, ok := s.Secrets[ns]
		if !ok {
			status(w, http.StatusNotFound, "NotFound", fmt.Sprintf("namespaces %q not found", ns))
			return
		}
		var items []any
		if strings.Contains(r.Header.Get("Accept"), "as=PartialObjectMetadataList") {
			for _, n := range names {
				items = append(items, map[string]any{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
					"metadata": map[string]any{"name": n, "namespace": ns, "creationTimestamp": "2026-01-01T00:00:00Z"}})
			}
			writeJSON(w, map[string]any{"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": map[string]any{}, "items": items})
			return
		}
		for _, n := range names {
			items = append(items, map[string]any{"metadata": map[string]any{"name": n, "namespace": ns}, "type": "Opaque",
				"data": map[string]any{"value": base64.StdEncoding.EncodeToString([]byte(Canary))}})
		}
		writeJSON(w, map[string]any{"kind": "SecretList", "apiVersion": "v1", "metadata": map[string]any{}, "items": items})
	default:
		status(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	}
}

func (s *Server) review(w http.ResponseWriter, r *http.Request) {
	if s.ForbidSAR {
		status(w, http.StatusForbidden, "Forbidden", `subjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:sweep:litesweep" cannot create resource "subjectaccessreviews"`)
		return
	}
	var req struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Spec       map[string]any `json:"spec"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Kind != "SubjectAccessReview" {
		status(w, http.StatusBadRequest, "BadRequest", "not a SubjectAccessReview")
		return
	}
	user, _ := req.Spec["user"].(string)
	ra, _ := req.Spec["resourceAttributes"].(map[string]any)
	ns, _ := ra["namespace"].(string)
	verb, _ := ra["verb"].(string)
	res, _ := ra["resource"].(string)
	sa := strings.Replace(strings.TrimPrefix(user, "system:serviceaccount:"), ":", "/", 1)
	allowed := s.Allow[fmt.Sprintf("%s %s %s %s", sa, verb, res, ns)]
	writeJSON(w, map[string]any{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": req.Spec,
		"status": map[string]any{"allowed": allowed}})
}
