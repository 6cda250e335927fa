package images

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/litesweep/litesweep/sweep"
)

// ScanDataRoot scans an engine's on-disk store without the engine: a
// Docker data root (classic image/<driver>/imagedb + layerdb, and the
// containerd image store under containerd/daemon), a containerd root, or a
// containers/storage graph root (Podman, Buildah, CRI-O). dir may also be a
// mounted host's root, in which case the default store paths below it are
// tried. Nothing is locked: files are only read, so a running daemon is not
// disturbed (its bbolt databases are never opened).
func (s *Scanner) ScanDataRoot(ctx context.Context, dir string, only []string) []string {
	var targets []string
	found := false
	try := func(d string) {
		if t, ok := s.scanDockerClassic(ctx, d, only); ok {
			targets, found = append(targets, t...), true
		}
		for _, c := range []string{filepath.Join(d, "containerd", "daemon"), d} {
			if t, ok := s.scanContainerd(ctx, c, only); ok {
				targets, found = append(targets, t...), true
			}
		}
		if t, ok := s.scanContainersStorage(ctx, d, only); ok {
			targets, found = append(targets, t...), true
		}
	}
	try(dir)
	if !found {
		for _, sub := range []string{"var/lib/docker", "var/lib/containerd", "var/lib/containers/storage"} {
			if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
				try(filepath.Join(dir, sub))
			}
		}
	}
	if !found {
		s.sourceError(sweep.Location{Path: dir}, errors.New("no Docker, containerd or containers/storage image store found here"))
	}
	return targets
}

// dockerDrivers maps a graph driver to where its layer directories live.
var dockerDrivers = map[string]func(root, cacheID string) string{
	"overlay2":       func(r, id string) string { return filepath.Join(r, "overlay2", id, "diff") },
	"fuse-overlayfs": func(r, id string) string { return filepath.Join(r, "fuse-overlayfs", id, "diff") },
	"vfs":            func(r, id string) string { return filepath.Join(r, "vfs", "dir", id) },
	"btrfs":          func(r, id string) string { return filepath.Join(r, "btrfs", "subvolumes", id) },
	"zfs":            func(r, id string) string { return filepath.Join(r, "zfs", "graph", id) },
}

// scanDockerClassic reads <root>/image/<driver>/{repositories.json,imagedb,layerdb}.
// A layer's tar is rebuilt from its tar-split.json.gz (the exact headers,
// whiteouts included) and the files of its layer directory, and checked
// against the diff_id, so the same layer reader and whiteout logic apply.
func (s *Scanner) scanDockerClassic(ctx context.Context, root string, only []string) ([]string, bool) {
	var targets []string
	any := false
	drivers := make([]string, 0, len(dockerDrivers))
	for d := range dockerDrivers {
		drivers = append(drivers, d)
	}
	sort.Strings(drivers)
	for _, driver := range drivers {
		ib := filepath.Join(root, "image", driver)
		content := filepath.Join(ib, "imagedb", "content", "sha256")
		ents, err := os.ReadDir(content)
		if err != nil {
			continue
		}
		any = true
		src := "data-root " + root + " (" + driver + ")"
		tags := map[string][]string{}
		if b, err := os.ReadFile(filepath.Join(ib, "repositories.json")); err == nil {
			var rj struct{ Repositories map[string]map[string]string }
			if json.Unmarshal(b, &rj) == nil {
				for _, refs := range rj.Repositories {
					for ref, id := range refs {
						tags[id] = append(tags[id], ref)
					}
				}
			}
		}
		parents := map[string]bool{}
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join(ib, "imagedb", "metadata", "sha256", e.Name(), "parent")); err == nil {
				parents[strings.TrimSpace(string(b))] = true
			}
		}
		s.loadDockerContainers(root)
		for _, e := range ents {
			if ctx.Err() != nil {
				break
			}
			id := "sha256:" + e.Name()
			names := tags[id]
			sort.Strings(names)
			if len(names) == 0 && parents[id] {
				continue // an intermediate build image: its layers are scanned with its children
			}
			if len(only) > 0 && !matchesAny(only, id, names) {
				continue
			}
			img := s.dockerClassicImage(root, ib, driver, id, names, src)
			targets = append(targets, img.Name)
			s.ScanImage(ctx, img)
		}
	}
	return targets, any
}

func matchesAny(only []string, id string, names []string) bool {
	for _, w := range only {
		if matchesImage(w, id, names) {
			return true
		}
	}
	return false
}

func (s *Scanner) dockerClassicImage(root, ib, driver, id string, names []string, src string) *Image {
	img := &Image{Name: firstName(names, id), Names: names, ID: id, Source: src}
	raw, err := os.ReadFile(filepath.Join(ib, "imagedb", "content", "sha256", strings.TrimPrefix(id, "sha256:")))
	if err != nil {
		img.Err = fmt.Errorf("config: %s", sweep.TrimPathErr(err))
		return img
	}
	if sum := sha256.Sum256(raw); "sha256:"+hex.EncodeToString(sum[:]) != id {
		img.Err = fmt.Errorf("config %w: the imagedb file %s does not hash to its name", ErrDigestMismatch, id)
		return img
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		img.Err = fmt.Errorf("config: %w", err)
		return img
	}
	img.Config = cfg
	chain := ""
	for _, d := range cfg.RootFS.DiffIDs {
		diff := d.String()
		if chain == "" {
			chain = diff
		} else {
			sum := sha256.Sum256([]byte(chain + " " + diff))
			chain = "sha256:" + hex.EncodeToString(sum[:])
		}
		ldir := filepath.Join(ib, "layerdb", "sha256", strings.TrimPrefix(chain, "sha256:"))
		l := Layer{Key: "docker-layer:" + diff, DiffID: diff}
		l.Open = func(ctx context.Context) (io.ReadCloser, error) {
			cid, err := os.ReadFile(filepath.Join(ldir, "cache-id"))
			if err != nil {
				return nil, fmt.Errorf("layerdb entry for chain %s: %s", chain, sweep.TrimPathErr(err))
			}
			files := dockerDrivers[driver](root, strings.TrimSpace(string(cid)))
			return tarSplitReader(filepath.Join(ldir, "tar-split.json.gz"), files)
		}
		img.Layers = append(img.Layers, l)
	}
	return img
}

// loadDockerContainers reads containers/<id>/config.v2.json.
func (s *Scanner) loadDockerContainers(root string) {
	ents, err := os.ReadDir(filepath.Join(root, "containers"))
	if err != nil {
		return
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(root, "containers", e.Name(), "config.v2.json"))
		if err != nil || len(b) > maxJSON {
			continue
		}
		var c struct {
			ID     string
			Name   string
			Image  string
			Config struct{ Image string }
			State  struct {
				Running bool
				Paused  bool
			}
		}
		if json.Unmarshal(b, &c) != nil {
			continue
		}
		state := "exited"
		if c.State.Running {
			state = "running (at the time of the copy)"
		}
		s.mu.Lock()
		s.Containers = append(s.Containers, Container{ID: c.ID, Name: c.Name, ImageID: c.Image, Image: c.Config.Image, State: state})
		s.mu.Unlock()
	}
}

// tarSplitReader rebuilds a layer tar from a tar-split.json.gz (Docker's
// layerdb and containers/storage keep one per layer) and the layer's files.
// Files are opened through os.Root, so nothing outside the layer directory
// is read whatever the metadata says.
func tarSplitReader(splitFile, dir string) (io.ReadCloser, error) {
	sf, err := os.Open(splitFile)
	if err != nil {
		return nil, fmt.Errorf("tar-split: %s", sweep.TrimPathErr(err))
	}
	zr, err := gzip.NewReader(sf)
	if err != nil {
		sf.Close()
		return nil, fmt.Errorf("tar-split %s: %w", filepath.Base(splitFile), err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		sf.Close()
		return nil, fmt.Errorf("layer directory: %s", sweep.TrimPathErr(err))
	}
	pr, pw := io.Pipe()
	go func() {
		err := writeTarSplit(pw, zr, root)
		root.Close()
		sf.Close()
		pw.CloseWithError(err)
	}()
	return pr, nil
}

type tarSplitEntry struct {
	Type    int    `json:"type"`
	Name    string `json:"name"`
	Size    int64  `json:"size"`
	Payload []byte `json:"payload"`
}

func writeTarSplit(w io.Writer, r io.Reader, root *os.Root) error {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	for {
		var e tarSplitEntry
		if err := dec.Decode(&e); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("tar-split: %w", err)
		}
		switch e.Type {
		case 2: // raw header and padding bytes
			if _, err := w.Write(e.Payload); err != nil {
				return err
			}
		case 1: // file content, from the layer directory
			if e.Size == 0 {
				continue
			}
			name := strings.TrimPrefix(path.Clean("/"+e.Name), "/")
			fi, err := root.Lstat(name)
			if err != nil {
				return fmt.Errorf("layer file %s: %s", name, sweep.TrimPathErr(err))
			}
			if !fi.Mode().IsRegular() {
				return fmt.Errorf("layer file %s is a %s on disk, not a regular file", name, fi.Mode().Type())
			}
			f, err := sweep.OpenRegularIn(root, name)
			if err != nil {
				return fmt.Errorf("layer file %s: %s", name, sweep.TrimPathErr(err))
			}
			n, err := io.Copy(w, io.LimitReader(f, e.Size))
			f.Close()
			if err != nil {
				return err
			}
			if n != e.Size {
				return fmt.Errorf("layer file %s is %d bytes on disk, the layer says %d: %w", name, n, e.Size, io.ErrUnexpectedEOF)
			}
		}
	}
}

// scanContainerd reads a containerd content store (<root>/io.containerd.content.v1.content):
// every small blob that parses as an image manifest whose config is present
// is an image. Image names live in containerd's bbolt meta.db, which a
// running containerd holds locked; it is not opened, so images are named by
// manifest digest.
func (s *Scanner) scanContainerd(ctx context.Context, root string, only []string) ([]string, bool) {
	blobs := filepath.Join(root, "io.containerd.content.v1.content", "blobs")
	ents, err := os.ReadDir(filepath.Join(blobs, "sha256"))
	if err != nil {
		return nil, false
	}
	src := "containerd content store " + root
	bs, err := openBlobStore(blobs, src)
	if err != nil {
		s.sourceError(sweep.Location{Path: blobs}, err)
		return nil, true
	}
	defer bs.Close()
	var manifests []v1.Hash
	for _, e := range ents {
		h := v1.Hash{Algorithm: "sha256", Hex: e.Name()}
		if !e.Type().IsRegular() || len(e.Name()) != 64 {
			continue
		}
		if fi, err := e.Info(); err != nil || fi.Size() > maxJSON {
			continue
		}
		rc, err := bs.open(h)
		if err != nil {
			continue
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(rc, head)
		rc.Close()
		if !looksJSON(head[:n]) {
			continue
		}
		b, err := bs.readJSON(h)
		if err != nil {
			continue
		}
		var probe struct {
			SchemaVersion int
			MediaType     string
			Config        *v1.Descriptor
			Layers        []v1.Descriptor
		}
		if json.Unmarshal(b, &probe) != nil || probe.Config == nil || probe.SchemaVersion != 2 {
			continue
		}
		if _, err := os.Stat(filepath.Join(blobs, probe.Config.Digest.Algorithm, probe.Config.Digest.Hex)); err != nil {
			continue // another platform's manifest: containerd fetched only the index entry
		}
		manifests = append(manifests, h)
	}
	var targets []string
	for _, h := range manifests {
		if ctx.Err() != nil {
			break
		}
		img := s.blobImage(bs, v1.Descriptor{Digest: h}, nil, src)
		if len(only) > 0 && !matchesAny(only, img.ID, []string{h.String()}) {
			continue
		}
		targets = append(targets, img.Name)
		s.ScanImage(ctx, img)
	}
	return targets, true
}

// scanContainersStorage reads a containers/storage graph root
// (<driver>-images/images.json, <driver>-layers/layers.json, the layer's
// tar-split and its diff directory).
func (s *Scanner) scanContainersStorage(ctx context.Context, root string, only []string) ([]string, bool) {
	dirs := map[string]func(id string) string{
		"overlay": func(id string) string { return filepath.Join(root, "overlay", id, "diff") },
		"vfs":     func(id string) string { return filepath.Join(root, "vfs", "dir", id) },
	}
	var targets []string
	any := false
	for _, driver := range []string{"overlay", "vfs"} {
		b, err := os.ReadFile(filepath.Join(root, driver+"-images", "images.json"))
		if err != nil {
			continue
		}
		any = true
		src := "containers/storage " + root + " (" + driver + ")"
		var images []struct {
			ID       string   `json:"id"`
			Names    []string `json:"names"`
			Layer    string   `json:"layer"`
			BigNames []string `json:"big-data-names"`
		}
		if err := json.Unmarshal(b, &images); err != nil {
			s.sourceError(sweep.Location{Path: filepath.Join(root, driver+"-images", "images.json")}, err)
			continue
		}
		type csLayer struct {
			ID         string `json:"id"`
			Parent     string `json:"parent"`
			DiffDigest string `json:"diff-digest"`
		}
		layers := map[string]csLayer{}
		for _, f := range []string{"layers.json", "volatile-layers.json"} {
			lb, err := os.ReadFile(filepath.Join(root, driver+"-layers", f))
			if err != nil {
				continue
			}
			var ls []csLayer
			if json.Unmarshal(lb, &ls) == nil {
				for _, l := range ls {
					layers[l.ID] = l
				}
			}
		}
		for _, ci := range images {
			if ctx.Err() != nil {
				break
			}
			id := "sha256:" + ci.ID
			if len(only) > 0 && !matchesAny(only, id, ci.Names) {
				continue
			}
			img := &Image{Name: firstName(ci.Names, id), Names: ci.Names, ID: id, Source: src}
			for _, key := range ci.BigNames {
				if !strings.HasPrefix(key, "sha256:") {
					continue
				}
				cb, err := os.ReadFile(filepath.Join(root, driver+"-images", ci.ID, bigDataName(key)))
				if err != nil || len(cb) > maxJSON {
					continue
				}
				if cfg, err := v1.ParseConfigFile(bytes.NewReader(cb)); err == nil && len(cfg.RootFS.DiffIDs) > 0 {
					img.Config = cfg
					break
				}
			}
			var stack []Layer
			seen := map[string]bool{}
			for id := ci.Layer; id != "" && !seen[id]; id = layers[id].Parent {
				seen[id] = true
				l, ok := layers[id]
				if !ok {
					img.Err = fmt.Errorf("layer %s is not in layers.json", id)
					break
				}
				lid := l.ID
				stack = append(stack, Layer{Key: "cs-layer:" + driver + ":" + lid, DiffID: l.DiffDigest,
					Open: func(context.Context) (io.ReadCloser, error) {
						return tarSplitReader(filepath.Join(root, driver+"-layers", lid+".tar-split.gz"), dirs[driver](lid))
					}})
			}
			for i, j := 0, len(stack)-1; i < j; i, j = i+1, j-1 {
				stack[i], stack[j] = stack[j], stack[i]
			}
			img.Layers = stack
			if img.Config == nil && img.Err == nil {
				img.Config = &v1.ConfigFile{} // history unknown; layers still scanned
			}
			targets = append(targets, img.Name)
			s.ScanImage(ctx, img)
		}
	}
	return targets, any
}

// bigDataName is containers/storage's file name for a big-data key.
func bigDataName(key string) string {
	for _, c := range key {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '.') {
			return "=" + base64.StdEncoding.EncodeToString([]byte(key))
		}
	}
	return key
}

var _ fs.FileMode
