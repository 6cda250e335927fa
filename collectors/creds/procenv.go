package creds

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// maxEnviron caps how much of one process environment is read.
const maxEnviron = 4 << 20

// Finish implements sweep.Finisher: on the live host it lists, for each
// running process, the names of environment variables that match the
// pack's patterns. Values are dropped as soon as the name is cut off.
func (c *Collector) Finish(ctx context.Context, out sweep.Sink) {
	if !c.o.Live || len(c.envPats) == 0 {
		return
	}
	ents, err := os.ReadDir(c.o.ProcRoot)
	if err != nil {
		out.Error(sweep.Error{Location: sweep.Location{Path: c.o.ProcRoot}, Collector: Name, Kind: sweep.ErrKindSkipped,
			Message: "process environments not read: " + sweep.TrimPathErr(err)})
		return
	}
	self := os.Getpid()
	denied := 0
	for _, e := range ents {
		if ctx.Err() != nil {
			return
		}
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 || pid == self {
			continue
		}
		if c.o.PIDFilter != nil && !c.o.PIDFilter(pid) {
			continue
		}
		names, err := envNames(filepath.Join(c.o.ProcRoot, e.Name(), "environ"))
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				denied++
			}
			continue // vanished processes and kernel threads are not errors
		}
		c.reportProcess(pid, names, out)
	}
	if denied > 0 {
		out.Error(sweep.Error{Location: sweep.Location{Path: c.o.ProcRoot}, Collector: Name, Kind: sweep.ErrKindSkipped,
			Message: strconv.Itoa(denied) + " process environments not readable (permission denied); run as root to list their variable names"})
	}
}

// envNames reads a NUL-separated environ file and returns only the names.
func envNames(p string) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEnviron))
	if err != nil {
		return nil, err
	}
	var names []string
	for kv := range bytes.SplitSeq(b, []byte{0}) {
		k, _, ok := bytes.Cut(kv, []byte("="))
		if ok && varRe.Match(k) {
			names = append(names, string(k))
		}
	}
	clear(b)
	return names, nil
}

func (c *Collector) reportProcess(pid int, names []string, out sweep.Sink) {
	byCred := map[*iocs.CredentialKind][]string{}
	for _, n := range names {
		if cr := c.envCred(n); cr != nil {
			byCred[cr] = append(byCred[cr], n)
		}
	}
	if len(byCred) == 0 {
		return
	}
	dir := filepath.Join(c.o.ProcRoot, strconv.Itoa(pid))
	comm := ""
	if b, err := os.ReadFile(filepath.Join(dir, "comm")); err == nil {
		comm = strings.TrimSpace(string(b))
	}
	user := ""
	if fi, err := os.Stat(dir); err == nil {
		if uid, ok := sweep.Owner(fi); ok {
			user = c.userName(uid)
		}
	}
	creds := make([]*iocs.CredentialKind, 0, len(byCred))
	for cr := range byCred {
		creds = append(creds, cr)
	}
	sort.Slice(creds, func(i, j int) bool { return creds[i].ID < creds[j].ID })
	for _, cr := range creds {
		ns := capNames(prefixAll("var ", byCred[cr]))
		title := cr.Title + ": environment of process " + strconv.Itoa(pid)
		if comm != "" && sectionRe.MatchString(comm) {
			title += " (" + comm + ")"
		}
		out.Finding(sweep.Finding{
			Severity: sweep.Info, Category: CatCredential, Title: title,
			Location:  sweep.Location{PID: int32(pid)},
			Evidence:  sweep.Evidence{Details: ns, Owner: user},
			Indicator: &sweep.Indicator{ID: cr.ID, Kind: "env", Confidence: string(cr.Provenance.Confidence), Sources: cr.Provenance.Sources},
			User:      user, Collector: Name,
		})
	}
}

func prefixAll(p string, ns []string) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = p + n
	}
	return out
}

// envCred returns the credential a variable name belongs to: the first
// specific provider whose pattern matches, else the generic entry.
func (c *Collector) envCred(name string) *iocs.CredentialKind {
	for _, p := range c.envPats {
		if envMatch(p.pattern, name) {
			return p.cred
		}
	}
	return nil
}

// envMatch matches a name against a pattern where * is any run of characters.
func envMatch(pattern, name string) bool {
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}
