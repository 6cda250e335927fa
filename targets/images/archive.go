package images

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/litesweep/litesweep/sweep"
)

// maxJSON caps a manifest, index or config read from an archive.
const maxJSON = 16 << 20

// saveManifest is one entry of a docker save manifest.json.
type saveManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// archive is what one pass over a docker save (or OCI layout) tar stream
// left: small JSON members kept in memory, layer members already read into
// the scanner's cache, and symlinked members.
type archive struct {
	source string
	json   map[string][]byte // member path → bytes (manifests, indexes, configs)
	layers map[string]string // member path → layer cache key
	links  map[string]string // member path → member it links to
	// opens re-read a layer member when the archive is a file (seekable):
	// hard links to content the stream did not keep are fetched with them.
	opens map[string]func(context.Context) (io.ReadCloser, error)
}

// memberOffsetReader counts the bytes a tar.Reader consumed: after Next, the
// count is the offset of the member's data.
type memberOffsetReader struct {
	r io.Reader
	n int64
}

func (o *memberOffsetReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	o.n += int64(n)
	return n, err
}

// ScanArchiveFile reads a docker save tarball (legacy or OCI flavour) or a
// tarred OCI layout from a file and scans every image in it.
func (s *Scanner) ScanArchiveFile(ctx context.Context, file string) []*Image {
	src := "archive " + file
	f, err := os.Open(file)
	if err != nil {
		s.sourceError(sweep.Location{Path: file}, fmt.Errorf("open archive: %w", err))
		return nil
	}
	defer f.Close()
	imgs, err := s.ReadArchive(ctx, f, src, file+"!")
	if err != nil {
		s.sourceError(sweep.Location{Path: file}, err)
	}
	for _, img := range imgs {
		s.ScanImage(ctx, img)
	}
	return imgs
}

func (s *Scanner) sourceError(loc sweep.Location, err error) {
	s.Sink.Error(sweep.Error{Location: loc, Collector: collectorName, Message: err.Error()})
}

// ReadArchive reads a docker save / OCI layout tar as ONE stream and
// returns its images with their layers already read (Layer.Open is nil; the
// layers are in the scanner's cache under keyPrefix+member).
//
// docker save writes its members in lexical order: the layer blobs
// (blobs/sha256/… or <id>/layer.tar) come BEFORE manifest.json and
// index.json, so which blob is a layer is not known while streaming. No
// spooling is needed: every member that sniffs as a tar, gzip or zstd is
// read as a layer when it passes (once, under a content key), members that
// look like JSON and are small (configs, manifests, indexes) are kept in
// memory, and everything is tied together at the end. Memory is bounded by
// maxJSON per JSON member and by the per-layer caps; nothing touches disk.
// Only the passwd hint for homes is lost for out-of-order layers.
func (s *Scanner) ReadArchive(ctx context.Context, r io.Reader, source, keyPrefix string) ([]*Image, error) {
	a := &archive{source: source, json: map[string][]byte{}, layers: map[string]string{}, links: map[string]string{},
		opens: map[string]func(context.Context) (io.ReadCloser, error){}}
	ra, _ := r.(io.ReaderAt)
	or := &memberOffsetReader{r: r}
	tr := tar.NewReader(or)
	var streamErr error
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			streamErr = fmt.Errorf("archive stream: %w", err)
			break
		}
		name, why := memberPath(hdr.Name)
		name = strings.TrimPrefix(name, "/")
		if why != "" {
			s.Sink.Error(sweep.Error{Location: sweep.Location{Path: strings.TrimSuffix(keyPrefix, "!"), Member: name}, Collector: collectorName,
				Message: fmt.Sprintf("hostile archive member %q (%s) in %s", printable([]byte(hdr.Name), 200), why, source)})
		}
		switch hdr.Typeflag {
		case tar.TypeSymlink:
			a.links[name] = path.Clean(path.Join(path.Dir(name), hdr.Linkname))
			continue
		case tar.TypeLink:
			t, _ := memberPath(hdr.Linkname)
			a.links[name] = strings.TrimPrefix(t, "/")
			continue
		case tar.TypeReg, tar.TypeRegA:
		default:
			continue
		}
		base := path.Base(name)
		if base == "VERSION" || (base == "json" && path.Dir(name) != ".") || base == "oci-layout" {
			continue
		}
		dataOff := or.n
		br := bufio.NewReaderSize(tr, 64<<10)
		head, _ := br.Peek(512)
		if looksJSON(head) && hdr.Size <= maxJSON {
			b, err := io.ReadAll(io.LimitReader(br, maxJSON+1))
			if err != nil {
				streamErr = fmt.Errorf("archive member %s: %w", name, err)
				break
			}
			a.json[name] = b
			continue
		}
		if sniff(head) == "" {
			continue // not a layer and not JSON (attestations, signatures, …)
		}
		key := keyPrefix + name
		want := ""
		if d, ok := blobDigest(name); ok {
			key = d // content-addressed: the same blob in another image or export is the same layer
			want = d
		} else if strings.HasSuffix(name, "/layer.tar") {
			key = "legacy:" + path.Dir(name)
		}
		var reopen func() (io.ReadCloser, error)
		if ra != nil && hdr.Typeflag != tar.TypeGNUSparse {
			off, size := dataOff, hdr.Size
			open := func(context.Context) (io.ReadCloser, error) {
				return io.NopCloser(io.NewSectionReader(ra, off, size)), nil
			}
			a.opens[name] = open
			reopen = func() (io.ReadCloser, error) { return open(ctx) }
		}
		if s.cached(key) != nil {
			a.layers[name] = key
			continue // read before (another export of the same engine): tar.Next skips it
		}
		_, a.layers[name] = s.readLayer(ctx, key, keyPrefix+name+"#unshared", layerInput{r: br, wantDigest: want, reopen: reopen})
	}
	imgs, err := s.imagesOf(a)
	if err != nil {
		// No manifest (a truncated or partial archive): the layers read so
		// far are still reported, each as its own unattributed image, so
		// that nothing seen is lost.
		return append(imgs, orphanLayers(a)...), errors.Join(streamErr, err)
	}
	return imgs, streamErr
}

// orphanLayers wraps each layer read from an archive without a usable
// manifest as a one-layer image named after the archive member.
func orphanLayers(a *archive) []*Image {
	names := make([]string, 0, len(a.layers))
	for n := range a.layers {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*Image
	for _, n := range names {
		out = append(out, &Image{Name: "unattributed layer " + n, Source: a.source, Config: &v1.ConfigFile{},
			Layers: []Layer{{Key: a.layers[n]}}})
	}
	return out
}

func looksJSON(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// blobDigest parses blobs/<alg>/<hex> into "<alg>:<hex>".
func blobDigest(name string) (string, bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 3 || parts[0] != "blobs" || parts[1] != "sha256" || len(parts[2]) != 64 {
		return "", false
	}
	if _, err := hex.DecodeString(parts[2]); err != nil {
		return "", false
	}
	return "sha256:" + parts[2], true
}

// resolve follows member symlinks (legacy save links duplicate layers).
func (a *archive) resolve(name string) string {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	for i := 0; i < 16; i++ {
		t, ok := a.links[name]
		if !ok {
			break
		}
		name = t
	}
	return name
}

// imagesOf builds the images from manifest.json, else from index.json.
func (s *Scanner) imagesOf(a *archive) ([]*Image, error) {
	if b, ok := a.json["manifest.json"]; ok {
		var ms []saveManifest
		if err := json.Unmarshal(b, &ms); err != nil {
			return nil, fmt.Errorf("manifest.json: %w", err)
		}
		var out []*Image
		for _, m := range ms {
			out = append(out, s.saveImage(a, m))
		}
		return out, nil
	}
	if b, ok := a.json["index.json"]; ok {
		return s.indexImages(a, b)
	}
	return nil, errors.New("neither manifest.json nor index.json found: not a docker save tarball or OCI layout")
}

func (s *Scanner) saveImage(a *archive, m saveManifest) *Image {
	img := &Image{Source: a.source, Names: m.RepoTags}
	cfgName := a.resolve(m.Config)
	raw, ok := a.json[cfgName]
	if !ok {
		img.Name = firstName(img.Names, m.Config)
		img.Err = fmt.Errorf("the manifest names config %s, which is missing from the archive", m.Config)
		return img
	}
	sum := sha256.Sum256(raw)
	img.ID = "sha256:" + hex.EncodeToString(sum[:])
	img.Name = firstName(img.Names, img.ID)
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		img.Err = fmt.Errorf("config %s: %w", m.Config, err)
		return img
	}
	img.Config = cfg
	for i, lp := range m.Layers {
		l := Layer{Key: "missing:" + lp}
		name := a.resolve(lp)
		if d, ok := blobDigest(name); ok {
			l.Digest = d
		}
		if i < len(cfg.RootFS.DiffIDs) {
			l.DiffID = cfg.RootFS.DiffIDs[i].String()
		}
		if k, ok := a.layers[name]; ok {
			l.Key, l.Open = k, a.opens[name]
		} else if b, ok := a.json[name]; ok {
			l.Key = "json:" + name
			l.Open = bytesOpener(b)
		}
		img.Layers = append(img.Layers, l)
	}
	return img
}

// indexImages resolves an OCI index.json (nested indexes too) against the
// in-memory JSON blobs.
func (s *Scanner) indexImages(a *archive, b []byte) ([]*Image, error) {
	blob := func(d v1.Hash) ([]byte, bool) {
		mb, ok := a.json["blobs/"+d.Algorithm+"/"+d.Hex]
		return mb, ok
	}
	readIndex := func(d v1.Hash) ([]byte, error) {
		if mb, ok := blob(d); ok {
			return mb, nil
		}
		return nil, fmt.Errorf("index names %s, which is missing", d)
	}
	image := func(d v1.Descriptor, names []string) *Image {
		mb, ok := blob(d.Digest)
		if !ok {
			return &Image{Name: firstName(names, d.Digest.String()), Names: names, Source: a.source,
				Err: fmt.Errorf("index names manifest %s, which is missing", d.Digest)}
		}
		return s.manifestImage(a, mb, names, d)
	}
	return walkIndex(b, readIndex, image, a.source)
}

// walkIndex resolves an OCI image index, nested indexes too (at most 8
// deep), calling image once per distinct image manifest. A nested index that
// cannot be read becomes an image entry carrying the error, so the report
// says what could not be checked.
func walkIndex(raw []byte, readIndex func(v1.Hash) ([]byte, error), image func(d v1.Descriptor, names []string) *Image, src string) ([]*Image, error) {
	var out []*Image
	seen := map[v1.Hash]bool{}
	var walk func(raw []byte, names, parents []string, depth int) error
	walk = func(raw []byte, names, parents []string, depth int) error {
		if depth > 8 {
			return errors.New("index nesting too deep")
		}
		var idx v1.IndexManifest
		if err := json.Unmarshal(raw, &idx); err != nil {
			return fmt.Errorf("index: %w", err)
		}
		for _, d := range idx.Manifests {
			n := append(append([]string(nil), names...), refNames(d.Annotations)...)
			// The digests it is reached by: the indexes above it and its own.
			ds := append(append([]string(nil), parents...), d.Digest.String())
			switch {
			case d.MediaType.IsIndex():
				b, err := readIndex(d.Digest)
				if err != nil {
					out = append(out, &Image{Name: firstName(n, d.Digest.String()), Names: n, Digests: ds, Source: src, Err: err})
					continue
				}
				if err := walk(b, n, ds, depth+1); err != nil {
					return err
				}
			case d.MediaType.IsImage():
				if seen[d.Digest] {
					continue
				}
				seen[d.Digest] = true
				img := image(d, n)
				img.Digests = ds
				out = append(out, img)
			}
		}
		return nil
	}
	err := walk(raw, nil, nil, 0)
	return out, err
}

// manifestImage builds an image from an OCI/Docker v2 manifest whose blobs
// are archive members.
func (s *Scanner) manifestImage(a *archive, raw []byte, names []string, d v1.Descriptor) *Image {
	digest := d.Digest.String()
	img := &Image{Source: a.source, Names: names}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		img.Name = firstName(names, digest)
		img.Err = fmt.Errorf("manifest %s: %w", digest, err)
		return img
	}
	if k := artefactKind(d, m); k != "" {
		img.Name, img.NotPlatform = firstName(names, digest), k
		return img
	}
	img.ID = m.Config.Digest.String()
	img.Name = firstName(names, img.ID)
	cb, ok := a.json["blobs/"+m.Config.Digest.Algorithm+"/"+m.Config.Digest.Hex]
	if !ok {
		img.Err = fmt.Errorf("the manifest names config %s, which is missing", m.Config.Digest)
		return img
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(cb))
	if err != nil {
		img.Err = fmt.Errorf("config %s: %w", m.Config.Digest, err)
		return img
	}
	img.Config = cfg
	for i, d := range m.Layers {
		name := "blobs/" + d.Digest.Algorithm + "/" + d.Digest.Hex
		l := Layer{Key: "missing:" + name, Digest: d.Digest.String()}
		if i < len(cfg.RootFS.DiffIDs) {
			l.DiffID = cfg.RootFS.DiffIDs[i].String()
		}
		if k, ok := a.layers[name]; ok {
			l.Key, l.Open = k, a.opens[name]
		} else if b, ok := a.json[name]; ok {
			l.Key = d.Digest.String()
			l.Open = bytesOpener(b)
		}
		img.Layers = append(img.Layers, l)
	}
	return img
}

func refNames(ann map[string]string) []string {
	var out []string
	if n := ann["io.containerd.image.name"]; n != "" {
		out = append(out, n)
	}
	if n := ann["org.opencontainers.image.ref.name"]; n != "" && !strings.Contains(n, "/") && !strings.Contains(n, ":") && len(out) == 0 {
		// A bare ref name is a tag of an unnamed repository.
		out = append(out, n)
	} else if n != "" && len(out) == 0 {
		out = append(out, n)
	}
	return out
}

func firstName(names []string, fallback string) string {
	sorted := append([]string(nil), names...)
	sort.SliceStable(sorted, func(i, j int) bool {
		// Prefer repo:tag over repo@digest.
		return !strings.Contains(sorted[i], "@") && strings.Contains(sorted[j], "@")
	})
	if len(sorted) > 0 && sorted[0] != "" {
		return sorted[0]
	}
	return fallback
}

func bytesOpener(b []byte) func(context.Context) (io.ReadCloser, error) {
	return func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}
