// Package kube checks a Kubernetes cluster for the pack's Kubernetes
// indicators (the litellm payload's privileged node-setup-* pods in
// kube-system, the host-provisioner-* DaemonSets), names the nodes those
// objects ran on (whose roots then need `litesweep host`), and lists by name
// the secrets the exposed service accounts could read. It speaks plain REST
// over net/http with the current kubeconfig context or the in-cluster
// service account, and never prints a token or a secret value.
package kube

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// InClusterDir is where Kubernetes mounts a pod's service-account token.
const InClusterDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// Config is how to reach one cluster. Token and key material stay in memory
// and are never printed; String() names only the server and identity source.
type Config struct {
	Server        string
	Cluster       string // cluster name (kubeconfig) or "in-cluster"
	Context       string
	Namespace     string // the context's or service account's namespace
	CAData        []byte // PEM
	Insecure      bool
	TLSServerName string
	Token         string
	CertData      []byte // PEM client certificate
	KeyData       []byte // PEM client key
	Username      string // basic auth (old clusters)
	Password      string
	Source        string // kubeconfig path or the in-cluster directory
	// User is the kubeconfig user name or the service account, for the report.
	User string
}

// String names the cluster and where the credentials came from, never the
// credentials.
func (c *Config) String() string {
	s := c.Server
	if c.Context != "" {
		s = c.Context + " (" + c.Server + ")"
	}
	return s
}

type kubeconfig struct {
	CurrentContext string `yaml:"current-context"`
	Clusters       []struct {
		Name    string `yaml:"name"`
		Cluster struct {
			Server                   string `yaml:"server"`
			CertificateAuthority     string `yaml:"certificate-authority"`
			CertificateAuthorityData string `yaml:"certificate-authority-data"`
			InsecureSkipTLSVerify    bool   `yaml:"insecure-skip-tls-verify"`
			TLSServerName            string `yaml:"tls-server-name"`
			ProxyURL                 string `yaml:"proxy-url"`
		} `yaml:"cluster"`
	} `yaml:"clusters"`
	Contexts []struct {
		Name    string `yaml:"name"`
		Context struct {
			Cluster   string `yaml:"cluster"`
			User      string `yaml:"user"`
			Namespace string `yaml:"namespace"`
		} `yaml:"context"`
	} `yaml:"contexts"`
	Users []struct {
		Name string `yaml:"name"`
		User struct {
			Token                 string `yaml:"token"`
			TokenFile             string `yaml:"tokenFile"`
			ClientCertificate     string `yaml:"client-certificate"`
			ClientCertificateData string `yaml:"client-certificate-data"`
			ClientKey             string `yaml:"client-key"`
			ClientKeyData         string `yaml:"client-key-data"`
			Username              string `yaml:"username"`
			Password              string `yaml:"password"`
			Exec                  *struct {
				Command string `yaml:"command"`
			} `yaml:"exec"`
			AuthProvider *struct {
				Name string `yaml:"name"`
			} `yaml:"auth-provider"`
		} `yaml:"user"`
	} `yaml:"users"`
}

// maxConfigSize caps kubeconfig, token and certificate files.
const maxConfigSize = 4 << 20

func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxConfigSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, maxConfigSize>>20)
	}
	return b, nil
}

// LoadKubeconfig reads the kubeconfig at path and resolves contextName (the
// current context when empty). Relative file references are resolved
// against the kubeconfig's directory, as kubectl does.
func LoadKubeconfig(path, contextName string) (*Config, error) {
	data, err := readCapped(path)
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig: %w", err)
	}
	var kc kubeconfig
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return nil, fmt.Errorf("parse kubeconfig %s: %w", path, err)
	}
	if contextName == "" {
		contextName = kc.CurrentContext
	}
	if contextName == "" {
		return nil, fmt.Errorf("kubeconfig %s has no current-context; pass --context", path)
	}
	dir := filepath.Dir(path)
	resolve := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	cfg := &Config{Context: contextName, Source: path}
	var clusterName, userName string
	found := false
	for _, c := range kc.Contexts {
		if c.Name == contextName {
			clusterName, userName, cfg.Namespace = c.Context.Cluster, c.Context.User, c.Context.Namespace
			found = true
		}
	}
	if !found {
		return nil, fmt.Errorf("kubeconfig %s has no context %q", path, contextName)
	}
	found = false
	for _, c := range kc.Clusters {
		if c.Name != clusterName {
			continue
		}
		found = true
		cl := c.Cluster
		cfg.Cluster, cfg.Server, cfg.Insecure, cfg.TLSServerName = c.Name, cl.Server, cl.InsecureSkipTLSVerify, cl.TLSServerName
		if cl.ProxyURL != "" {
			return nil, fmt.Errorf("cluster %q uses proxy-url, which litesweep does not support", c.Name)
		}
		switch {
		case cl.CertificateAuthorityData != "":
			if cfg.CAData, err = base64.StdEncoding.DecodeString(strings.TrimSpace(cl.CertificateAuthorityData)); err != nil {
				return nil, fmt.Errorf("cluster %q: certificate-authority-data is not base64: %w", c.Name, err)
			}
		case cl.CertificateAuthority != "":
			if cfg.CAData, err = readCapped(resolve(cl.CertificateAuthority)); err != nil {
				return nil, fmt.Errorf("cluster %q: certificate-authority: %w", c.Name, err)
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("context %q names cluster %q, which kubeconfig %s does not define", contextName, clusterName, path)
	}
	if cfg.Server == "" {
		return nil, fmt.Errorf("cluster %q has no server", clusterName)
	}
	if userName == "" {
		return cfg, nil
	}
	found = false
	for _, u := range kc.Users {
		if u.Name != userName {
			continue
		}
		found = true
		cfg.User = u.Name
		us := u.User
		switch {
		case us.Token != "":
			cfg.Token = strings.TrimSpace(us.Token)
		case us.TokenFile != "":
			b, err := readCapped(resolve(us.TokenFile))
			if err != nil {
				return nil, fmt.Errorf("user %q: tokenFile: %w", u.Name, err)
			}
			cfg.Token = strings.TrimSpace(string(b))
		}
		if us.ClientCertificateData != "" {
			if cfg.CertData, err = base64.StdEncoding.DecodeString(strings.TrimSpace(us.ClientCertificateData)); err != nil {
				return nil, fmt.Errorf("user %q: client-certificate-data is not base64", u.Name)
			}
		} else if us.ClientCertificate != "" {
			if cfg.CertData, err = readCapped(resolve(us.ClientCertificate)); err != nil {
				return nil, fmt.Errorf("user %q: client-certificate: %w", u.Name, err)
			}
		}
		if us.ClientKeyData != "" {
			if cfg.KeyData, err = base64.StdEncoding.DecodeString(strings.TrimSpace(us.ClientKeyData)); err != nil {
				return nil, fmt.Errorf("user %q: client-key-data is not base64", u.Name)
			}
		} else if us.ClientKey != "" {
			if cfg.KeyData, err = readCapped(resolve(us.ClientKey)); err != nil {
				return nil, fmt.Errorf("user %q: client-key: %w", u.Name, err)
			}
		}
		cfg.Username, cfg.Password = us.Username, us.Password
		if cfg.Token == "" && cfg.CertData == nil && cfg.Username == "" {
			switch {
			case us.Exec != nil:
				return nil, &PluginError{User: u.Name, What: "exec credential plugin " + filepath.Base(us.Exec.Command)}
			case us.AuthProvider != nil:
				return nil, &PluginError{User: u.Name, What: "auth-provider " + us.AuthProvider.Name}
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("context %q names user %q, which kubeconfig %s does not define", contextName, userName, path)
	}
	return cfg, nil
}

// PluginError is a kubeconfig user whose credentials come from a program.
// litesweep runs nothing it did not ship; the responder passes a token.
type PluginError struct{ User, What string }

func (e *PluginError) Error() string {
	return fmt.Sprintf("kubeconfig user %q gets its credentials from an %s, which litesweep does not run: "+
		"write a short-lived token to a file (e.g. `kubectl create token NAME -n NS` or your cloud CLI's get-token) and pass --token-file FILE", e.User, e.What)
}

// InCluster reads the service-account token, CA and namespace mounted into a
// pod at dir, and the API server address from the environment.
func InCluster(dir string, getenv func(string) string) (*Config, error) {
	host, port := getenv("KUBERNETES_SERVICE_HOST"), getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, errors.New("not running in a pod: KUBERNETES_SERVICE_HOST/PORT are not set")
	}
	tok, err := readCapped(filepath.Join(dir, "token"))
	if err != nil {
		return nil, fmt.Errorf("in-cluster service account: %w", err)
	}
	ca, err := readCapped(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("in-cluster service account: %w", err)
	}
	ns, _ := readCapped(filepath.Join(dir, "namespace"))
	return &Config{Server: "https://" + net.JoinHostPort(host, port), Cluster: "in-cluster", Context: "in-cluster",
		Namespace: strings.TrimSpace(string(ns)), CAData: ca, Token: strings.TrimSpace(string(tok)), Source: dir,
		User: "service account in " + strings.TrimSpace(string(ns))}, nil
}

// Discover finds the cluster to check: an explicit kubeconfig, the first
// existing file in $KUBECONFIG, ~/.kube/config, or the in-cluster service
// account, in that order.
func Discover(kubeconfigPath, contextName string, getenv func(string) string, home string) (*Config, error) {
	if kubeconfigPath != "" {
		return LoadKubeconfig(kubeconfigPath, contextName)
	}
	if list := getenv("KUBECONFIG"); list != "" {
		for _, p := range filepath.SplitList(list) {
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return LoadKubeconfig(p, contextName)
			}
		}
	}
	if home != "" {
		p := filepath.Join(home, ".kube", "config")
		if _, err := os.Stat(p); err == nil {
			return LoadKubeconfig(p, contextName)
		}
	}
	if _, err := os.Stat(filepath.Join(InClusterDir, "token")); err == nil {
		return InCluster(InClusterDir, getenv)
	}
	return nil, errors.New("no cluster to check: no --kubeconfig, $KUBECONFIG or ~/.kube/config, and not running in a pod")
}
