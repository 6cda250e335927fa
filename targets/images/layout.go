package images

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/litesweep/litesweep/sweep"
)

// blobStore opens content-addressed blobs (an OCI layout's blobs/ or a
// containerd content store). Reads never follow a symlink out of the store.
type blobStore struct {
	root *os.Root // the directory holding <alg>/<hex>
	desc string
}

func openBlobStore(dir, desc string) (*blobStore, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &blobStore{root: r, desc: desc}, nil
}

func (b *blobStore) Close() error { return b.root.Close() }

func (b *blobStore) path(h v1.Hash) string { return h.Algorithm + "/" + h.Hex }

// open opens a blob; a missing one is an error naming it.
func (b *blobStore) open(h v1.Hash) (io.ReadCloser, error) {
	if h.Algorithm == "" || h.Hex == "" {
		return nil, errors.New("empty digest")
	}
	f, err := sweep.OpenRegularIn(b.root, b.path(h))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("blob %s is missing from %s", h, b.desc)
	case errors.Is(err, sweep.ErrSpecialFile):
		return nil, fmt.Errorf("blob %s in %s is not a regular file: %v", h, b.desc, err)
	case err != nil:
		return nil, fmt.Errorf("blob %s: %s", h, sweep.TrimPathErr(err))
	}
	return f, nil
}

// readJSON reads a small blob and checks its digest.
func (b *blobStore) readJSON(h v1.Hash) ([]byte, error) {
	rc, err := b.open(h)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxJSON+1))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	if len(data) > maxJSON {
		return nil, fmt.Errorf("blob %s is larger than %d bytes", h, maxJSON)
	}
	got, _, err := v1.SHA256(bytes.NewReader(data))
	if err == nil && got != h {
		return nil, fmt.Errorf("blob %w: %s hashes to %s", ErrDigestMismatch, h, got)
	}
	return data, nil
}

// opener returns a Layer.Open for a blob.
func (b *blobStore) opener(h v1.Hash) func(context.Context) (io.ReadCloser, error) {
	return func(context.Context) (io.ReadCloser, error) { return b.open(h) }
}

// checker returns a Layer.Check for a blob: it is there and a regular file.
func (b *blobStore) checker(h v1.Hash) func(context.Context) error {
	return func(context.Context) error {
		rc, err := b.open(h)
		if err == nil {
			rc.Close()
		}
		return err
	}
}

// ScanLayout scans every image of an OCI image layout directory (nested
// indexes too), in order, each layer read once.
func (s *Scanner) ScanLayout(ctx context.Context, dir string) []*Image {
	loc := sweep.Location{Path: dir}
	src := "oci-layout " + dir
	idx, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		s.sourceError(loc, fmt.Errorf("not an OCI layout: %s", sweep.TrimPathErr(err)))
		return nil
	}
	bs, err := openBlobStore(filepath.Join(dir, "blobs"), src)
	if err != nil {
		s.sourceError(loc, fmt.Errorf("OCI layout blobs: %s", sweep.TrimPathErr(err)))
		return nil
	}
	defer bs.Close()
	imgs, err := s.storeImages(bs, idx, src)
	if err != nil {
		s.sourceError(loc, err)
	}
	for _, img := range imgs {
		if ctx.Err() != nil {
			break
		}
		s.ScanImage(ctx, img)
	}
	return imgs
}

// storeImages resolves an index (and nested indexes) against a blob store.
func (s *Scanner) storeImages(bs *blobStore, index []byte, src string) ([]*Image, error) {
	return walkIndex(index, bs.readJSON, func(d v1.Descriptor, names []string) *Image {
		return s.blobImage(bs, d, names, src)
	}, src)
}

// blobImage builds an image from its manifest digest in a blob store.
func (s *Scanner) blobImage(bs *blobStore, d v1.Descriptor, names []string, src string) *Image {
	md := d.Digest
	img := &Image{Source: src, Names: names, Name: firstName(names, md.String())}
	raw, err := bs.readJSON(md)
	if err != nil {
		img.Err = err
		return img
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		img.Err = fmt.Errorf("manifest %s: %w", md, err)
		return img
	}
	if k := artefactKind(d, m); k != "" {
		img.NotPlatform = k
		return img
	}
	img.ID = m.Config.Digest.String()
	img.Name = firstName(names, img.ID)
	cb, err := bs.readJSON(m.Config.Digest)
	if err != nil {
		img.Err = fmt.Errorf("config: %w", err)
		return img
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(cb))
	if err != nil {
		img.Err = fmt.Errorf("config %s: %w", m.Config.Digest, err)
		return img
	}
	img.Config = cfg
	for i, ld := range m.Layers {
		l := Layer{Key: ld.Digest.String(), Digest: ld.Digest.String(), Open: bs.opener(ld.Digest), Check: bs.checker(ld.Digest)}
		if i < len(cfg.RootFS.DiffIDs) {
			l.DiffID = cfg.RootFS.DiffIDs[i].String()
		}
		img.Layers = append(img.Layers, l)
	}
	return img
}
