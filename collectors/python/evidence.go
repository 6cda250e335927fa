package python

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// fileFacts are the stat facts of a file recorded as evidence.
type fileFacts struct {
	size    int64
	mode    fs.FileMode
	mtime   time.Time
	ctime   time.Time
	owner   string
	symlink string // link text when the entry itself is a symlink
}

func factsOf(fi fs.FileInfo, homes []sweep.Home) fileFacts {
	if fi == nil {
		return fileFacts{}
	}
	ff := fileFacts{size: fi.Size(), mode: fi.Mode(), mtime: fi.ModTime().UTC()}
	if ct, ok := sweep.ChangeTime(fi); ok {
		ff.ctime = ct.UTC()
	}
	if uid, ok := sweep.Owner(fi); ok {
		ff.owner = ownerName(uid, homes)
	}
	return ff
}

func ownerName(uid int, homes []sweep.Home) string {
	for _, h := range homes {
		if h.UID == uid && h.UID >= 0 {
			return fmt.Sprintf("%s (uid %d)", h.User, uid)
		}
	}
	return fmt.Sprintf("uid %d", uid)
}

// apply copies the facts into evidence.
func (ff fileFacts) apply(ev *sweep.Evidence) {
	if ev.Size == 0 {
		ev.Size = ff.size
	}
	if ff.mode != 0 {
		ev.Mode = ff.mode.String()
	}
	ev.Owner = ff.owner
	if !ff.mtime.IsZero() {
		t := ff.mtime
		ev.ModTime = &t
	}
	if !ff.ctime.IsZero() {
		ev.Details = append(ev.Details, "ctime "+ff.ctime.Format(time.RFC3339))
	}
	if ff.symlink != "" {
		ev.Details = append(ev.Details, "symlink to "+ff.symlink)
	}
}

// indicatorOf builds a report indicator.
func indicatorOf(id, kind string, p iocs.Provenance) *sweep.Indicator {
	return &sweep.Indicator{ID: id, Kind: kind, Confidence: string(p.Confidence), Sources: p.Sources}
}

func severityOf(s string, def sweep.Severity) sweep.Severity {
	if v, err := sweep.ParseSeverity(s); err == nil {
		return v
	}
	return def
}

// hashReader hashes r with the RECORD algorithm algo ("sha256", "sha384",
// "sha512"), reading at most limit bytes, and returns the RECORD form and
// the hex digest.
func hashReader(r io.Reader, algo string, limit int64) (record, hexsum string, n int64, err error) {
	var h hash.Hash
	switch algo {
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		return "", "", 0, fmt.Errorf("unsupported hash algorithm %q", algo)
	}
	n, err = io.Copy(h, io.LimitReader(r, limit+1))
	if err != nil {
		return "", "", n, err
	}
	if n > limit {
		return "", "", n, fmt.Errorf("%w: larger than %d bytes", sweep.ErrTooLarge, limit)
	}
	sum := h.Sum(nil)
	return algo + "=" + base64.RawURLEncoding.EncodeToString(sum), hex.EncodeToString(sum), n, nil
}

// textLine makes a matched line safe to show: one line, bounded.
func textLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' {
			return ' '
		}
		return r
	}, s)
	return truncate(s, 240)
}
