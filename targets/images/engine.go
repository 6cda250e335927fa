package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/litesweep/litesweep/sweep"
)

// DefaultDockerHost is used when neither --docker-host nor DOCKER_HOST is set.
const DefaultDockerHost = "unix:///var/run/docker.sock"

// maxAPIVersion is the newest Engine API version litesweep speaks; the
// client pins min(this, the daemon's version from /_ping).
const maxAPIVersion = "1.47"

// minAPIVersion is the oldest version whose fields litesweep relies on.
const minAPIVersion = "1.25"

// DockerHost returns the engine address: flag, then DOCKER_HOST, then the default.
func DockerHost(flag string) string {
	if flag != "" {
		return flag
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return DefaultDockerHost
}

// Engine talks to the Docker Engine API with net/http only.
type Engine struct {
	Host    string
	client  *http.Client
	base    string
	version string
}

// EngineImage is one entry of GET /images/json.
type EngineImage struct {
	ID          string   `json:"Id"`
	RepoTags    []string `json:"RepoTags"`
	RepoDigests []string `json:"RepoDigests"`
	Created     int64    `json:"Created"`
	Size        int64    `json:"Size"`
}

// NewEngine parses a DOCKER_HOST-style address (unix://, tcp://, http://).
func NewEngine(host string) (*Engine, error) {
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("docker host %q: %w", host, err)
	}
	tr := &http.Transport{ResponseHeaderTimeout: 60 * time.Second, DisableCompression: true}
	e := &Engine{Host: host}
	switch u.Scheme {
	case "unix":
		sock := u.Path
		if sock == "" {
			sock = u.Opaque
		}
		d := &net.Dialer{Timeout: 10 * time.Second}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) { return d.DialContext(ctx, "unix", sock) }
		e.base = "http://docker"
	case "tcp", "http":
		e.base = "http://" + u.Host
	case "https":
		return nil, fmt.Errorf("docker host %q: TLS engines are not supported; use the unix socket or an SSH tunnel", host)
	default:
		return nil, fmt.Errorf("docker host %q: unsupported scheme %q (want unix:// or tcp://)", host, u.Scheme)
	}
	e.client = &http.Client{Transport: tr}
	return e, nil
}

// Ping checks the engine and pins the API version.
func (e *Engine) Ping(ctx context.Context) error {
	resp, err := e.do(ctx, "/_ping", false)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	v := resp.Header.Get("Api-Version")
	switch {
	case v == "":
		e.version = minAPIVersion
	case versionLess(maxAPIVersion, v):
		e.version = maxAPIVersion
	case versionLess(v, minAPIVersion):
		return fmt.Errorf("engine API version %s is older than %s", v, minAPIVersion)
	default:
		e.version = v
	}
	return nil
}

// Version is the pinned API version (after Ping).
func (e *Engine) Version() string { return e.version }

func versionLess(a, b string) bool {
	pa, pb := strings.SplitN(a, ".", 2), strings.SplitN(b, ".", 2)
	for i := 0; i < 2; i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

func (e *Engine) do(ctx context.Context, p string, versioned bool) (*http.Response, error) {
	if versioned {
		p = "/v" + e.version + p
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+p, nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("docker engine at %s: %w", e.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		var msg struct{ Message string }
		if json.Unmarshal(b, &msg) == nil && msg.Message != "" {
			return nil, fmt.Errorf("docker engine GET %s: %s: %s", p, resp.Status, msg.Message)
		}
		return nil, fmt.Errorf("docker engine GET %s: %s", p, resp.Status)
	}
	return resp, nil
}

func (e *Engine) getJSON(ctx context.Context, p string, v any) error {
	resp, err := e.do(ctx, p, true)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(v); err != nil {
		return fmt.Errorf("docker engine GET %s: %w", p, err)
	}
	return nil
}

// Images lists the engine's images (GET /images/json).
func (e *Engine) Images(ctx context.Context) ([]EngineImage, error) {
	var out []EngineImage
	return out, e.getJSON(ctx, "/images/json?digests=1", &out)
}

// Containers lists running and stopped containers (GET /containers/json?all=1).
func (e *Engine) Containers(ctx context.Context) ([]Container, error) {
	var raw []struct {
		ID      string   `json:"Id"`
		Names   []string `json:"Names"`
		Image   string   `json:"Image"`
		ImageID string   `json:"ImageID"`
		State   string   `json:"State"`
	}
	if err := e.getJSON(ctx, "/containers/json?all=1", &raw); err != nil {
		return nil, err
	}
	out := make([]Container, 0, len(raw))
	for _, c := range raw {
		n := c.ID
		if len(c.Names) > 0 {
			n = c.Names[0]
		}
		out = append(out, Container{ID: c.ID, Name: strings.TrimPrefix(n, "/"), Image: c.Image, ImageID: c.ImageID, State: c.State})
	}
	return out, nil
}

// Export streams one image as a docker save tar (GET /images/{id}/get).
func (e *Engine) Export(ctx context.Context, id string) (io.ReadCloser, error) {
	resp, err := e.do(ctx, "/images/"+url.PathEscape(id)+"/get", true)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// ScanEngine scans the local engine's images, all of them or those whose
// name, ID or ID prefix is in only. Each image is exported as a stream and
// read once, never copied to disk; a layer shared with an image scanned
// before is skipped in the stream. It returns the images scanned.
func (s *Scanner) ScanEngine(ctx context.Context, host string, only []string) ([]string, error) {
	loc := sweep.Location{URL: host}
	e, err := NewEngine(host)
	if err != nil {
		s.sourceError(loc, err)
		return nil, err
	}
	if err := e.Ping(ctx); err != nil {
		err = fmt.Errorf("cannot reach the Docker engine: %w", err)
		s.sourceError(loc, err)
		return nil, err
	}
	list, err := e.Images(ctx)
	if err != nil {
		s.sourceError(loc, err)
		return nil, err
	}
	if cs, err := e.Containers(ctx); err != nil {
		s.sourceError(loc, fmt.Errorf("containers not listed (affected containers cannot be named): %w", err))
	} else {
		s.Containers = append(s.Containers, cs...)
	}
	var targets []string
	matched := map[string]bool{}
	for _, ei := range list {
		names := append(append([]string(nil), ei.RepoTags...), ei.RepoDigests...)
		names = dropNone(names)
		if len(only) > 0 {
			hit := ""
			for _, w := range only {
				if matchesImage(w, ei.ID, names) {
					hit = w
				}
			}
			if hit == "" {
				continue
			}
			matched[hit] = true
		}
		if ctx.Err() != nil {
			break
		}
		for _, img := range s.exportOne(ctx, e, ei.ID, names) {
			targets = append(targets, img.Name)
			s.ScanImage(ctx, img)
		}
	}
	for _, w := range only {
		if !matched[w] {
			s.sourceError(loc, fmt.Errorf("image %q not found in the engine", w))
		}
	}
	return targets, nil
}

// exportOne streams one image export and returns the image, its layers
// read. When the export breaks before its manifest, the layers read so far
// come back as unattributed one-layer images of this engine image.
func (s *Scanner) exportOne(ctx context.Context, e *Engine, id string, names []string) []*Image {
	src := "engine " + e.Host
	name := firstName(names, id)
	rc, err := e.Export(ctx, id)
	if err != nil {
		return []*Image{{Name: name, Names: names, ID: id, Source: src, Err: err}}
	}
	defer rc.Close()
	imgs, err := s.ReadArchive(ctx, rc, src, "engine:"+id+"!")
	for _, x := range imgs {
		if x.ID == id {
			x.Names, x.Name = names, name
			if err != nil {
				s.Sink.Error(sweep.Error{Location: sweep.Location{Image: name, ImageID: id}, Collector: collectorName,
					Message: fmt.Sprintf("export stream ended badly; what was read before is reported: %v", err)})
			}
			return []*Image{x}
		}
	}
	if err == nil && len(imgs) > 0 {
		// With the containerd image store the engine's ID is the manifest
		// (or index) digest, not the config digest: the export is the image.
		for _, x := range imgs {
			x.Names, x.Name = names, name
			if len(imgs) > 1 {
				x.Name = name + " (config " + shortID(x.ID) + ")"
			}
		}
		return imgs
	}
	if err == nil {
		err = errors.New("the export does not contain the image")
	}
	out := []*Image{{Name: name, Names: names, ID: id, Source: src, Err: fmt.Errorf("export stream: %w", err)}}
	for _, x := range imgs {
		x.Name = name + " " + x.Name
		out = append(out, x)
	}
	return out
}

func dropNone(names []string) []string {
	var out []string
	for _, n := range names {
		if n != "<none>:<none>" && n != "<none>@<none>" {
			out = append(out, n)
		}
	}
	return out
}

// matchesImage reports whether the user's word names the image.
func matchesImage(w, id string, names []string) bool {
	bare := strings.TrimPrefix(id, "sha256:")
	ww := strings.TrimPrefix(w, "sha256:")
	if len(ww) >= 4 && strings.HasPrefix(bare, ww) {
		return true
	}
	for _, n := range names {
		if n == w || (!strings.Contains(w, ":") && !strings.Contains(w, "@") && strings.TrimSuffix(n, ":latest") == w) {
			return true
		}
		if strings.TrimPrefix(n, "docker.io/library/") == w || strings.TrimPrefix(n, "docker.io/") == w {
			return true
		}
	}
	return false
}
