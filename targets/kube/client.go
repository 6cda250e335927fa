package kube

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// maxBody caps one API response (a page of at most pageSize objects).
const maxBody = 64 << 20

// pageSize is the list page size (limit=...); lists follow continue tokens.
const pageSize = 500

// partialMetadata asks the API server for object metadata only: secrets
// are listed by name without their data ever being sent.
const partialMetadata = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"

// Client is a minimal Kubernetes REST client.
type Client struct {
	cfg   *Config
	http  *http.Client
	base  *url.URL
	calls atomic.Int64
}

// NewClient builds a client for cfg (TLS with the cluster CA, bearer token,
// client certificate or basic auth).
func NewClient(cfg *Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.Server, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("cluster server %q is not a URL", cfg.Server)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TLSServerName, InsecureSkipVerify: cfg.Insecure} //nolint:gosec // only when the kubeconfig says so
	if len(cfg.CAData) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CAData) {
			return nil, errors.New("cluster certificate authority holds no PEM certificate")
		}
		tc.RootCAs = pool
	}
	if len(cfg.CertData) > 0 || len(cfg.KeyData) > 0 {
		cert, err := tls.X509KeyPair(cfg.CertData, cfg.KeyData)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{TLSClientConfig: tc, Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: 15 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second, MaxIdleConnsPerHost: 4}
	return &Client{cfg: cfg, base: u, http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}, nil
}

// Calls is the number of API requests made.
func (c *Client) Calls() int64 { return c.calls.Load() }

// APIError is a non-2xx answer, with the API server's Status message.
type APIError struct {
	Method, Path string
	Code         int
	Reason       string
	Message      string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Code)
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Code, msg)
}

// Forbidden reports whether err is a 401/403 from the API server.
func Forbidden(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == http.StatusForbidden || ae.Code == http.StatusUnauthorized)
}

// NotFound reports whether err is a 404.
func NotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == http.StatusNotFound
}

func (c *Client) do(ctx context.Context, method, path, accept string, body, out any) error {
	u := *c.base
	p, q, _ := strings.Cut(path, "?")
	u.Path = strings.TrimRight(c.base.Path, "/") + p
	u.RawQuery = q
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "litesweep (incident response; read-only)")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.cfg.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	case c.cfg.Username != "":
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	}
	c.calls.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error carries the URL only (no header, so no token).
		return fmt.Errorf("%s %s: %w", method, p, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("%s %s: read: %w", method, p, err)
	}
	if len(data) > maxBody {
		return fmt.Errorf("%s %s: response larger than %d MiB", method, p, maxBody>>20)
	}
	if resp.StatusCode/100 != 2 {
		ae := &APIError{Method: method, Path: p, Code: resp.StatusCode}
		var st struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &st) == nil {
			ae.Reason, ae.Message = st.Reason, clip(st.Message, 300)
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode: %w", method, p, err)
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// list GETs every page of a collection.
func list[T any](ctx context.Context, c *Client, path, accept string) ([]T, error) {
	var all []T
	cont := ""
	for page := 0; ; page++ {
		q := url.Values{"limit": {fmt.Sprint(pageSize)}}
		if cont != "" {
			q.Set("continue", cont)
		}
		var resp struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
			Items []T `json:"items"`
		}
		if err := c.do(ctx, http.MethodGet, path+"?"+q.Encode(), accept, nil, &resp); err != nil {
			return all, err
		}
		all = append(all, resp.Items...)
		cont = resp.Metadata.Continue
		if cont == "" {
			return all, nil
		}
		if page > 10000 {
			return all, fmt.Errorf("GET %s: more than 10000 pages", path)
		}
	}
}
