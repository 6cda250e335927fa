package cache

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/litesweep/litesweep/iocs"
)

// Caps on what is read from one archive.
const (
	maxMembers    = 200000   // central directory entries
	maxMetadata   = 1 << 20  // METADATA / PKG-INFO / index.json
	maxRecord     = 16 << 20 // RECORD
	maxSdistProbe = 1 << 20  // decompressed bytes read to find an sdist's first member
)

var (
	// ErrNotArchive marks a body that is neither a zip nor a gzip stream.
	ErrNotArchive = errors.New("not a zip or gzip archive")
	magicZip      = []byte("PK\x03\x04")
	magicEmptyZip = []byte("PK\x05\x06")
	magicGzip     = []byte{0x1f, 0x8b}
)

// Archive is what was learnt from a cached distribution file.
type Archive struct {
	Format   string // "wheel", "sdist"
	Name     string // distribution name (from dist-info / METADATA / sdist top dir)
	Version  string
	DistInfo string // "litellm-1.82.8.dist-info"
	Members  int
	// Hostile lists member names that would escape an extraction directory.
	Hostile []string
	// Evidence lines (METADATA confirmed, RECORD lists litellm_init.pth, ...).
	Details []string
	// Files are pack files found inside (by name, or by hash when the member
	// was small enough to hash).
	Files []*iocs.FileIOC
}

func (a *Archive) nameOrEmpty() string {
	if a == nil {
		return ""
	}
	return a.Name
}

// hostileName reports whether a member name is absolute or climbs out.
func hostileName(n string) bool {
	if n == "" || strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || strings.Contains(n, "\x00") {
		return true
	}
	if len(n) >= 2 && n[1] == ':' {
		return true
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

var distInfoRe = regexp.MustCompile(`^([^/-]+)-([^/-]+)\.dist-info/$`)

// InspectZip reads a wheel's central directory (bounded), names the
// distribution from its .dist-info directory and, when the name is tracked
// by the matcher, confirms it from METADATA and reads RECORD and pack files
// inside (each member bounded). A hostile member path is reported in
// Archive.Hostile and as an error, after what could be learnt.
func InspectZip(r io.ReaderAt, size int64, m *iocs.Matcher, hashCap int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("not a valid zip: %w", err)
	}
	if len(zr.File) > maxMembers {
		return nil, fmt.Errorf("zip has %d members (more than %d): not read", len(zr.File), maxMembers)
	}
	a := &Archive{Format: "wheel", Members: len(zr.File)}
	var metadata, record *zip.File
	for _, f := range zr.File {
		if hostileName(f.Name) {
			if len(a.Hostile) < 5 {
				a.Hostile = append(a.Hostile, f.Name)
			}
			continue
		}
		dir, base := path.Split(f.Name)
		if mm := distInfoRe.FindStringSubmatch(dir); mm != nil {
			if a.DistInfo == "" || dir == a.DistInfo+"/" {
				a.DistInfo = strings.TrimSuffix(dir, "/")
				a.Name, a.Version = mm[1], mm[2]
				switch base {
				case "METADATA":
					metadata = f
				case "RECORD":
					record = f
				}
			}
		}
	}
	var errs []error
	if len(a.Hostile) > 0 {
		errs = append(errs, fmt.Errorf("hostile member path %q (absolute or climbing out)", a.Hostile[0]))
	}
	if a.Name == "" {
		errs = append(errs, errors.New("zip has no top-level *.dist-info directory: not a wheel"))
		return a, errors.Join(errs...)
	}
	if _, tracked := m.Tracked(a.Name); !tracked {
		return a, errors.Join(errs...)
	}
	// A tracked distribution: confirm and look inside.
	if metadata != nil {
		b, err := ReadZipMember(metadata, maxMetadata)
		if err != nil {
			errs = append(errs, err)
		} else if n, v := metadataNameVersion(b); n != "" {
			a.Name, a.Version = n, v
			a.Details = append(a.Details, fmt.Sprintf("%s/METADATA: Name: %s, Version: %s", a.DistInfo, n, v))
		}
	}
	for _, f := range zr.File {
		base := path.Base(f.Name)
		files := m.FilesNamed(base)
		if len(files) == 0 || hostileName(f.Name) {
			continue
		}
		matched := false
		if f.UncompressedSize64 <= uint64(hashCap) && m.HashWorthy(int64(f.UncompressedSize64)) {
			if sum, err := hashMember(f, hashCap); err != nil {
				errs = append(errs, err)
			} else if fi, ok := m.File(sum); ok {
				a.Files = append(a.Files, fi)
				a.Details = append(a.Details, fmt.Sprintf("member %s has the SHA-256 of the pack's %s (%s)", f.Name, fi.Name, fi.ID))
				matched = true
			}
		}
		if !matched {
			a.Files = append(a.Files, files[0])
			a.Details = append(a.Details, fmt.Sprintf("member %s is named like the pack's %s (%s)", f.Name, files[0].Name, files[0].ID))
		}
	}
	if record != nil {
		b, err := ReadZipMember(record, maxRecord)
		if err != nil {
			errs = append(errs, err)
		} else {
			a.Details = append(a.Details, recordDetails(b, m)...)
		}
	}
	return a, errors.Join(errs...)
}

// ReadZipMember reads one zip member, refusing more than limit bytes
// whatever the central directory claims (a zip bomb stops at the cap).
func ReadZipMember(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("member %s declares %d bytes (more than %d): not read", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("member %s: %w", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("member %s: %w (truncated or corrupt)", f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("member %s inflates beyond %d bytes (zip bomb?): not read", f.Name, limit)
	}
	return b, nil
}

func hashMember(f *zip.File, limit int64) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("member %s: %w", f.Name, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, limit+1))
	if err != nil {
		return "", fmt.Errorf("member %s: %w (truncated or corrupt)", f.Name, err)
	}
	if n > limit {
		return "", fmt.Errorf("member %s inflates beyond %d bytes (zip bomb?)", f.Name, limit)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// metadataNameVersion reads Name and Version from the header block of a
// METADATA / PKG-INFO file.
func metadataNameVersion(b []byte) (name, version string) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" {
			break
		}
		if v, ok := strings.CutPrefix(l, "Name:"); ok && name == "" {
			name = strings.TrimSpace(v)
		} else if v, ok := strings.CutPrefix(l, "Version:"); ok && version == "" {
			version = strings.TrimSpace(v)
		}
	}
	return name, version
}

// recordDetails lists RECORD lines naming or hashing a pack file.
func recordDetails(b []byte, m *iocs.Matcher) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(out) < 10 {
		fields := strings.Split(sc.Text(), ",")
		if len(fields) < 2 {
			continue
		}
		p := strings.Trim(fields[0], `"`)
		if fi, ok := m.RecordHash(fields[1]); ok {
			out = append(out, fmt.Sprintf("RECORD lists %s with the SHA-256 of the pack's %s (%s)", p, fi.Name, fi.ID))
			continue
		}
		if fs := m.FilesNamed(path.Base(p)); len(fs) > 0 && fs[0].PathSuffix == "" {
			out = append(out, fmt.Sprintf("RECORD lists %s (named like the pack's %s)", p, fs[0].ID))
		}
	}
	return out
}

// InspectSdist reads the first member of a gzip-compressed tar (bounded) to
// name an sdist from its top directory ("litellm-1.82.8/").
func InspectSdist(r io.Reader) (*Archive, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	defer gz.Close()
	tr := tar.NewReader(io.LimitReader(gz, maxSdistProbe))
	h, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("not a tar inside the gzip stream: %w", err)
	}
	a := &Archive{Format: "sdist"}
	top := strings.SplitN(strings.TrimPrefix(h.Name, "./"), "/", 2)[0]
	if hostileName(h.Name) {
		a.Hostile = append(a.Hostile, h.Name)
	}
	for i := strings.LastIndex(top, "-"); i > 0; i = strings.LastIndex(top[:i], "-") {
		if _, err := iocs.ParseVersion(top[i+1:]); err == nil {
			a.Name, a.Version = top[:i], top[i+1:]
			break
		}
	}
	if a.Name == "" {
		return a, fmt.Errorf("sdist top directory %q does not name a distribution", clip(top))
	}
	if len(a.Hostile) > 0 {
		return a, fmt.Errorf("hostile member path %q", a.Hostile[0])
	}
	return a, nil
}

// Sniff returns "zip", "gzip" or "" from the first bytes of a body.
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, magicZip), bytes.HasPrefix(head, magicEmptyZip):
		return "zip"
	case bytes.HasPrefix(head, magicGzip):
		return "gzip"
	}
	return ""
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
