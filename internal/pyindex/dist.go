// Package pyindex is test support for litesweep's collectors: it builds real
// Python distributions in Go, serves them from a loopback PEP 503 simple
// index, and drives the machine's real `python3 -m venv` and pip to install
// them into throw-away environments, so collectors are tested against what
// pip really writes (dist-info, RECORD, INSTALLER, __pycache__, caches).
//
// Nothing here is used by the litesweep binary; it lives under internal/ so
// only litesweep's own tests import it.
//
// # Distributions
//
//	w := pyindex.Wheel{Name: "litellm", Version: "1.82.8", Files: []pyindex.File{
//		{Path: "litellm/__init__.py", Data: []byte("")},
//		{Path: "litellm_init.pth", Data: pth},
//	}}
//	b, err := w.Build()      // deterministic zip: same input, same bytes, same SHA-256
//	w.Filename()             // "litellm-1.82.8-py3-none-any.whl"
//	w.DistInfo()             // "litellm-1.82.8.dist-info"
//
// Build writes NAME-VER.dist-info/METADATA, WHEEL and RECORD (urlsafe-b64
// SHA-256 without padding and sizes for every file, RECORD itself with empty
// fields); paths in Wheel.OmitFromRecord are left out of RECORD, which is how
// a file pip will not uninstall is planted. Sdist builds NAME-VER.tar.gz
// with PKG-INFO and pyproject.toml (for cache and artefact tests; pip cannot
// build it offline).
//
// # Index
//
//	ix := pyindex.NewIndex(t, pyindex.Artifact{Filename: ..., Data: ...}, ...)
//	ix.URL()                 // "http://127.0.0.1:PORT/simple/"
//
// The index serves /simple/ (project list), /simple/<normalised-name>/ (HTML
// anchors to /files/<filename>#sha256=<hex>) and /files/<filename>, each
// with an ETag, Cache-Control "max-age=365000000, immutable" and 304 on
// If-None-Match, the headers PyPI's CDN sends and pip's HTTP cache keys on.
// It is closed by t.Cleanup. Every page is also served in the PEP 691 JSON
// form when the Accept header prefers it (pip's does); HTMLOnly turns that
// off. Artifact.Yanked serves a file yanked (PEP 592: data-yanked, JSON
// "yanked"). User/Password require basic auth, Pages and Status override a
// path's body or status (junk, oversized pages, 401/429/5xx), and Log lists
// the requests served. Python.Download runs the real `pip download`.
//
// # Real pip
//
//	py := pyindex.RequirePython(t) // t.Skip without python3+venv, t.Fatal when CI=true
//	err := py.Venv(ctx, dir)       // python3 -m venv --without-pip DIR
//	out, err := py.Install(ctx, dir, pyindex.InstallOptions{Index: ix.URL(), CacheDir: c}, "litellm==1.82.8")
//	out, err := py.Uninstall(ctx, dir, "litellm")
//
// Install runs the machine's pip against the venv's interpreter (pip
// --python VENV/bin/python install --index-url URL --trusted-host 127.0.0.1
// --disable-pip-version-check --no-input ...), with PIP_CACHE_DIR set to
// the given private cache (or --no-cache-dir when empty) and PIP_CONFIG_FILE
// set to /dev/null so the developer's pip configuration never leaks in.
// Errors carry pip's combined output. The venv is created without ensurepip
// (seconds faster); pip itself is the machine's, run against the venv.
//
// # Fixtures
//
// Litellm() returns the ready fixture set: 1.82.6 (clean), 1.82.7 (tampered
// proxy_server.py only), 1.82.8 (tampered proxy_server.py and a BENIGN
// litellm_init.pth shaped like the real one, which only runs 'import sys'),
// 1.82.8 without the .pth in its RECORD (the orphan-maker), and telnyx
// 4.87.1. Every payload here is harmless by construction. TestPackSources and
// TestMatcher return the builtin IOC packs with the fixtures' hashes (wheel
// SHA-256s, litellm_init.pth SHA-256 and size, proxy_server.py SHA-256)
// substituted for the real ones, composed with iocs.Compose, so hash matching
// is exercised end to end.
package pyindex

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// File is one file of a distribution, at a slash path relative to the
// wheel root (site-packages after install).
type File struct {
	Path string
	Data []byte
}

// Wheel describes a pure-Python wheel.
type Wheel struct {
	Name, Version string
	// Tag defaults to "py3-none-any".
	Tag   string
	Files []File
	// Metadata is extra METADATA header lines ("Summary: x").
	Metadata []string
	// OmitFromRecord lists file paths left out of RECORD.
	OmitFromRecord []string
}

// fixedTime makes archives deterministic.
var fixedTime = time.Date(2026, 3, 24, 10, 52, 0, 0, time.UTC)

var sepRe = regexp.MustCompile(`[-_.]+`)

// Normalize is the PEP 503 name normalisation.
func Normalize(name string) string { return strings.ToLower(sepRe.ReplaceAllString(name, "-")) }

// escaped is the wheel/dist-info form of a name (runs of -_. become _).
func escaped(name string) string { return sepRe.ReplaceAllString(name, "_") }

func (w Wheel) tag() string {
	if w.Tag == "" {
		return "py3-none-any"
	}
	return w.Tag
}

// Filename is the wheel's file name.
func (w Wheel) Filename() string {
	return fmt.Sprintf("%s-%s-%s.whl", escaped(w.Name), w.Version, w.tag())
}

// DistInfo is the name of the wheel's .dist-info directory.
func (w Wheel) DistInfo() string { return fmt.Sprintf("%s-%s.dist-info", escaped(w.Name), w.Version) }

// RecordHash is the RECORD hash field of data ("sha256=<urlsafe b64>").
func RecordHash(data []byte) string {
	s := sha256.Sum256(data)
	return "sha256=" + base64.RawURLEncoding.EncodeToString(s[:])
}

// SHA256 is the lower-case hex SHA-256 of data.
func SHA256(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// MetadataText returns the METADATA text.
func (w Wheel) MetadataText() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", w.Name, w.Version)
	for _, l := range w.Metadata {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
	return []byte(b.String())
}

// Build returns the wheel's bytes (deterministic).
func (w Wheel) Build() ([]byte, error) {
	if w.Name == "" || w.Version == "" {
		return nil, fmt.Errorf("wheel: name and version are required")
	}
	di := w.DistInfo()
	files := append([]File(nil), w.Files...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	files = append(files,
		File{Path: di + "/METADATA", Data: w.MetadataText()},
		File{Path: di + "/WHEEL", Data: []byte(fmt.Sprintf("Wheel-Version: 1.0\nGenerator: litesweep-pyindex\nRoot-Is-Purelib: true\nTag: %s\n\n", w.tag()))},
	)
	omit := map[string]bool{}
	for _, p := range w.OmitFromRecord {
		omit[p] = true
	}
	var rec bytes.Buffer
	cw := csv.NewWriter(&rec)
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Path] {
			return nil, fmt.Errorf("wheel %s: duplicate file %s", w.Filename(), f.Path)
		}
		seen[f.Path] = true
		if omit[f.Path] {
			continue
		}
		if err := cw.Write([]string{f.Path, RecordHash(f.Data), fmt.Sprint(len(f.Data))}); err != nil {
			return nil, err
		}
	}
	if err := cw.Write([]string{di + "/RECORD", "", ""}); err != nil {
		return nil, err
	}
	cw.Flush()
	files = append(files, File{Path: di + "/RECORD", Data: rec.Bytes()})

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Path, Method: zip.Deflate, Modified: fixedTime}
		h.SetMode(0o644)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("wheel %s: %w", w.Filename(), err)
		}
		if _, err := fw.Write(f.Data); err != nil {
			return nil, fmt.Errorf("wheel %s: %w", w.Filename(), err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("wheel %s: %w", w.Filename(), err)
	}
	return buf.Bytes(), nil
}

// Sdist describes a source distribution (NAME-VER.tar.gz).
type Sdist struct {
	Name, Version string
	Files         []File
}

// Filename is the sdist's file name.
func (s Sdist) Filename() string { return fmt.Sprintf("%s-%s.tar.gz", escaped(s.Name), s.Version) }

// Build returns the sdist's bytes (deterministic): PKG-INFO, pyproject.toml
// and the files under NAME-VER/.
func (s Sdist) Build() ([]byte, error) {
	if s.Name == "" || s.Version == "" {
		return nil, fmt.Errorf("sdist: name and version are required")
	}
	top := fmt.Sprintf("%s-%s", escaped(s.Name), s.Version)
	files := []File{
		{Path: "PKG-INFO", Data: []byte(fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n\n", s.Name, s.Version))},
		{Path: "pyproject.toml", Data: []byte(fmt.Sprintf("[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = %q\nversion = %q\n", s.Name, s.Version))},
	}
	files = append(files, s.Files...)
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	gz.ModTime = fixedTime
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: top + "/" + f.Path, Mode: 0o644, Size: int64(len(f.Data)), ModTime: fixedTime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("sdist %s: %w", s.Filename(), err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, fmt.Errorf("sdist %s: %w", s.Filename(), err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
