package python

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// seenMod is a file at an indicator's path suffix, hashed during the walk.
type seenMod struct {
	path, sha string
	size      int64
	ioc       *iocs.FileIOC
}

// learn contributes to the sweep's learned indicators every start-up hook
// and module the sweep proves malicious by context rather than by the pack:
//
//   - a .pth (or .start) file listed in an affected release's RECORD;
//   - a .pth named like a pack file of a package whose affected release is
//     installed in the same site directory (litellm_init.pth beside
//     litellm-1.82.8.dist-info), listed in its RECORD or not;
//   - a module at an indicator's path suffix (litellm/proxy/proxy_server.py)
//     listed in an affected release's RECORD with the hash it has on disk:
//     the bytes the affected release shipped.
//
// Symlinks are never learned: their bytes belong to another file.
func (c *Collector) learn(out sweep.Sink) {
	if _, ok := out.(sweep.LearnSink); !ok {
		return
	}
	c.mu.Lock()
	pths := append([]*pthHit(nil), c.pths...)
	mods := make([]seenMod, 0, len(c.seen))
	for _, m := range c.seen {
		mods = append(mods, m)
	}
	c.mu.Unlock()
	for _, h := range pths {
		if h.facts.symlink != "" || h.facts.mode&fs.ModeType != 0 {
			continue
		}
		base := path.Base(h.path)
		reason := ""
		if d := c.claimant(h.site, h.path); d != nil && d.bad {
			reason = fmt.Sprintf("listed in the RECORD of %s %s (affected release)", d.meta.Name, d.meta.Version)
		} else {
			for _, fi := range h.byName {
				for _, d := range c.siteDists(h.site) {
					if d.bad && fi.Package == d.pkg.ID {
						reason = fmt.Sprintf("named %s beside %s (affected release)", base, path.Base(d.dir))
					}
				}
			}
		}
		if reason == "" {
			continue
		}
		sum, size := h.sha, h.facts.size
		if sum == "" {
			var err error
			if sum, size, err = c.hashTreeFile(h.path); err != nil {
				out.Error(sweep.Error{Location: c.loc(h.path), Collector: Name, Message: errMsg("hash for the learned indicators", err)})
				continue
			}
		}
		c.learnOne(out, sum, size, base, "pth", h.path, reason)
	}
	for _, m := range mods {
		d := c.claimant(siteOf(m.path), m.path)
		if d == nil || !d.bad {
			continue
		}
		if row := d.record[m.path]; !recordHashIs(row.Hash, m.sha) {
			continue
		}
		c.learnOne(out, m.sha, m.size, path.Base(m.path), m.ioc.Kind, m.path,
			fmt.Sprintf("listed with this hash in the RECORD of %s %s (affected release)", d.meta.Name, d.meta.Version))
	}
}

func (c *Collector) learnOne(out sweep.Sink, sum string, size int64, name, kind, p, reason string) {
	l := sweep.Learned{SHA256: sum, Size: size, Name: name, Kind: kind, Location: c.loc(p), Reason: reason}
	if fi, ok := c.m.File(sum); ok {
		l.PackIndicator = fi.ID
	}
	sweep.LearnFrom(out, l)
}

// hashTreeFile hashes a tree file (SHA-256, hex) up to MaxHashSize.
func (c *Collector) hashTreeFile(p string) (string, int64, error) {
	c.mu.Lock()
	fsys := c.fsys
	c.mu.Unlock()
	if fsys == nil {
		return "", 0, fmt.Errorf("no tree")
	}
	r, err := fsys.Open(sweep.Rel(p))
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	_, sum, n, err := hashReader(r, "sha256", c.o.MaxHashSize)
	return sum, n, err
}

// recordHashIs reports whether a RECORD hash field is the SHA-256 hexsum.
func recordHashIs(field, hexsum string) bool {
	algo, b64, ok := strings.Cut(field, "=")
	if !ok || algo != "sha256" {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(b64, "="))
	return err == nil && hex.EncodeToString(raw) == hexsum
}
