package remediate

import (
	"bufio"
	"context"
	"crypto/sha256"
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// Entry states in the manifest and journal.
const (
	StatePlanned = "planned" // recorded, nothing done yet
	StateCopied  = "copied"  // evidence copy written, synced and verified
	StateDone    = "done"    // original removed (links: removed, target recorded)
	StateRefused = "refused" // not acted on, with the reason
	StateGone    = "gone"    // the original vanished before it was copied
	StateChanged = "changed" // not acted on: it no longer hashes as the sweep saw it
)

// ManifestSchemaVersion versions manifest.json.
const ManifestSchemaVersion = "1.0"

// Manifest is the evidence directory's index and the plan of record. It is
// written (and synced) before anything is moved; journal.log records each
// step after it happens, so an interrupted run is completed by re-running.
type Manifest struct {
	SchemaVersion string        `json:"schema_version"`
	Root          string        `json:"root"`
	Host          string        `json:"host,omitempty"`
	Runs          []Run         `json:"runs"`
	Entries       []EntryRecord `json:"entries"`
	Actions       []Action      `json:"actions,omitempty"`
	Reinstall     []Reinstall   `json:"reinstall,omitempty"`
}

// Run is one `remediate --apply` invocation.
type Run struct {
	N       int       `json:"n"`
	Started time.Time `json:"started"`
	Tool    string    `json:"tool,omitempty"`
}

// EntryRecord is one file: where it was, what it was, where its copy is.
type EntryRecord struct {
	ID        int    `json:"id"`
	Run       int    `json:"run"`
	Path      string `json:"path"` // original, absolute inside the root
	Kind      string `json:"kind"`
	Indicator string `json:"indicator,omitempty"`
	Reason    string `json:"reason,omitempty"`
	User      string `json:"user,omitempty"`
	// Finding is the id of the sweep finding the file was moved for.
	Finding  string     `json:"finding,omitempty"`
	Evidence string     `json:"evidence,omitempty"` // relative to the evidence dir
	SHA256   string     `json:"sha256,omitempty"`
	Size     int64      `json:"size"`
	Mode     string     `json:"mode"`
	UID      int        `json:"uid"`
	GID      int        `json:"gid"`
	Owner    string     `json:"owner,omitempty"`
	MTime    time.Time  `json:"mtime"`
	ATime    *time.Time `json:"atime,omitempty"`
	CTime    *time.Time `json:"ctime,omitempty"`
	Link     string     `json:"link_target,omitempty"` // symbolic links: their target (not followed)
	State    string     `json:"state"`
	Message  string     `json:"message,omitempty"`
}

// Action is a unit stop/disable or a process kill.
type Action struct {
	Run    int    `json:"run"`
	What   string `json:"what"`
	Result string `json:"result"`
}

// CommandRunner runs a host tool (systemctl, runuser). Tests fake it.
type CommandRunner interface {
	Run(ctx context.Context, name string, args ...string) (string, error)
}

// EvidenceFile is what a copy is written to.
type EvidenceFile interface {
	io.Writer
	Sync() error
	Close() error
}

// ApplyOptions configure Apply.
type ApplyOptions struct {
	Root        string // host directory that is the tree's "/"
	EvidenceDir string
	Host        string
	Tool        string
	// Live enables systemctl and process kills (the running host only).
	Live bool
	// Runner runs systemctl; nil means no unit commands.
	Runner CommandRunner
	// Processes are the running processes the sweep reported (live only);
	// each is re-checked by Verify right before it is killed.
	Processes []Proc
	// Verify re-checks a process (default: VerifyProcess on the running
	// host with Matcher).
	Verify  func(ctx context.Context, p Proc) error
	Matcher *iocs.Matcher
	// Kill terminates a process once verify (Verify for it) passes
	// (default KillProcess).
	Kill func(pid int, verify func() error) error
	// Log receives one line per step.
	Log io.Writer
	// Create opens an evidence file for writing (default os.OpenFile).
	Create func(name string) (EvidenceFile, error)
	// FailPoint, when set, is called after each step ("copied", "removed")
	// of the n-th entry handled in this run; an error stops the run there,
	// as a crash would (tests).
	FailPoint func(step string, n int) error
	Homes     []sweep.Home
}

// Result summarises an apply run.
type Result struct {
	Moved, Refused, Gone, Failed int
	// Changed counts targets left in place because they no longer hash
	// as the sweep saw them.
	Changed  int
	Manifest *Manifest
}

// ErrNoSpace marks an evidence directory that is full.
var ErrNoSpace = errors.New("no space left in the evidence directory")

// Apply resumes any unfinished entries of a previous run, records the new
// targets in the manifest, stops and disables units and kills matching
// processes (live host), then moves every target into the evidence
// directory: copy, fsync, verify the copy's SHA-256, then remove the
// original. Nothing outside the root is touched.
func Apply(ctx context.Context, targets []Target, reinstall []Reinstall, o ApplyOptions) (*Result, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Create == nil {
		o.Create = func(name string) (EvidenceFile, error) {
			return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		}
	}
	if err := os.MkdirAll(o.EvidenceDir, 0o700); err != nil {
		return nil, fmt.Errorf("evidence directory %s: %w", o.EvidenceDir, err)
	}
	if err := os.Chmod(o.EvidenceDir, 0o700); err != nil {
		return nil, fmt.Errorf("evidence directory %s: %w", o.EvidenceDir, err)
	}
	root, err := os.OpenRoot(o.Root)
	if err != nil {
		return nil, fmt.Errorf("open root %q: %w", o.Root, err)
	}
	defer root.Close()
	a := &applier{o: o, root: root, emptied: map[string]bool{}}
	m, err := a.load()
	if err != nil {
		return nil, err
	}
	if m.Root != "" && m.Root != o.Root {
		return nil, fmt.Errorf("evidence directory %s holds the manifest of --root %s, not %s: use another --evidence-dir", o.EvidenceDir, m.Root, o.Root)
	}
	m.Root, m.Host = o.Root, o.Host
	a.m = m
	res := &Result{Manifest: m}

	// 1. Record the plan before anything is done.
	known, done := map[string]bool{}, map[string]bool{}
	for _, e := range m.Entries {
		switch e.State {
		case StatePlanned, StateCopied, StateRefused:
			known[e.Path] = true
		case StateDone:
			done[e.Path] = true
		}
	}
	run := len(m.Runs) + 1
	var fresh []EntryRecord
	for _, t := range targets {
		if known[t.Path] {
			continue
		}
		if done[t.Path] {
			// Moved by an earlier run (a saved report names it again):
			// nothing to record while it stays away.
			if _, err := root.Lstat(sweep.Rel(t.Path)); errors.Is(err, fs.ErrNotExist) {
				continue
			}
		}
		e := a.describe(t, run, len(m.Entries)+len(fresh)+1)
		if e.State == StateRefused {
			fmt.Fprintf(o.Log, "REFUSED %s: %s\n", escape.Text(e.Path), escape.Text(e.Message))
		}
		if e.State == StateChanged {
			fmt.Fprintf(o.Log, "CHANGED %s: %s\n", escape.Text(e.Path), escape.Text(e.Message))
			res.Changed++
		}
		if e.State == StateGone {
			fmt.Fprintf(o.Log, "gone %s (%s)\n", escape.Text(e.Path), escape.Text(e.Message))
			res.Gone++
		}
		fresh = append(fresh, e)
	}
	if len(fresh) > 0 || len(m.Runs) == 0 {
		m.Runs = append(m.Runs, Run{N: run, Started: time.Now().UTC(), Tool: o.Tool})
		m.Entries = append(m.Entries, fresh...)
		m.Reinstall = mergeReinstall(m.Reinstall, reinstall)
		if err := a.saveManifest(); err != nil {
			return nil, fmt.Errorf("write manifest: %w (nothing was changed)", err)
		}
		fmt.Fprintf(o.Log, "manifest: %d entries recorded in %s before any change\n", len(fresh), escape.Text(filepath.Join(o.EvidenceDir, "manifest.json")))
	}
	if err := a.openJournal(); err != nil {
		return nil, err
	}
	defer a.journal.Close()

	// 2. Stop and disable units, kill processes (live host only): a
	// dead-man switch's first, then the rest.
	if o.Live {
		guardT, restT := splitGuardTargets(targets)
		guardP, restP := splitGuardProcs(o.Processes, o.Matcher)
		if len(guardT)+len(guardP) > 0 {
			fmt.Fprintf(o.Log, "disarming the dead-man switch first: %d unit file(s), %d process(es)\n", len(guardT), len(guardP))
		}
		a.stopUnits(ctx, guardT, run)
		a.killProcesses(ctx, guardP, run)
		a.stopUnits(ctx, restT, run)
		a.killProcesses(ctx, restP, run)
	}

	// 3. Move, in plan order; earlier unfinished entries first.
	n := 0
	var firstErr error
	for i := range m.Entries {
		e := &m.Entries[i]
		if e.State != StatePlanned && e.State != StateCopied {
			continue
		}
		if ctx.Err() != nil {
			firstErr = ctx.Err()
			break
		}
		n++
		err := a.move(e, n)
		switch {
		case err == nil && e.State == StateDone:
			res.Moved++ // in this run, whichever run planned it
		case err == nil && e.State == StateGone:
			res.Gone++
		}
		if err != nil {
			var fp failPointErr
			if errors.As(err, &fp) {
				return res, fp.err
			}
			res.Failed++
			e.Message = err.Error()
			fmt.Fprintf(o.Log, "FAILED %s: %s\n", escape.Text(e.Path), escape.Text(err.Error()))
			if errors.Is(err, ErrNoSpace) {
				firstErr = err
				break
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	// Directories emptied by moving package files are removed (pip would).
	a.pruneEmptyDirs()
	if o.Live && o.Runner != nil {
		a.daemonReload(ctx, run)
	}
	for _, e := range m.Entries {
		if e.State == StateRefused && e.Run == run {
			res.Refused++
		}
	}
	if a.dirty {
		if err := a.saveManifest(); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("update manifest: %w (journal.log holds every completed step)", err)
		}
	}
	return res, firstErr
}

type failPointErr struct{ err error }

func (f failPointErr) Error() string { return f.err.Error() }

type applier struct {
	o       ApplyOptions
	root    *os.Root
	m       *Manifest
	journal *os.File
	emptied map[string]bool
	dirty   bool // the manifest changed since it was last written
}

func (a *applier) manifestPath() string { return filepath.Join(a.o.EvidenceDir, "manifest.json") }
func (a *applier) journalPath() string  { return filepath.Join(a.o.EvidenceDir, "journal.log") }

// load reads manifest.json and replays journal.log over it.
func (a *applier) load() (*Manifest, error) {
	m := &Manifest{SchemaVersion: ManifestSchemaVersion}
	b, err := os.ReadFile(a.manifestPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return m, nil
	case err != nil:
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("manifest %s is damaged (%v): move it aside and inspect the evidence directory by hand", a.manifestPath(), err)
	}
	jf, err := os.Open(a.journalPath())
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer jf.Close()
	byID := map[int]*EntryRecord{}
	for i := range m.Entries {
		byID[m.Entries[i].ID] = &m.Entries[i]
	}
	sc := bufio.NewScanner(jf)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) < 2 {
			continue // a torn last line: the step is redone
		}
		id, err := strconv.Atoi(f[0])
		if err != nil || byID[id] == nil {
			continue
		}
		byID[id].State = f[1]
		if len(f) == 3 {
			byID[id].Message = f[2]
		}
	}
	return m, nil
}

func (a *applier) saveManifest() error {
	b, err := json.MarshalIndent(a.m, "", "  ")
	if err != nil {
		return err
	}
	if err := sweep.WriteFileAtomic(a.manifestPath(), append(b, '\n')); err != nil {
		return noSpace(err)
	}
	return syncDir(a.o.EvidenceDir)
}

func (a *applier) openJournal() error {
	f, err := os.OpenFile(a.journalPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	a.journal = f
	return nil
}

// mark records a state change durably before the next step starts.
func (a *applier) mark(e *EntryRecord, state, msg string) error {
	a.dirty = true
	e.State = state
	if msg != "" {
		e.Message = msg
	}
	line := strconv.Itoa(e.ID) + " " + state
	if msg != "" {
		line += " " + strings.ReplaceAll(msg, "\n", " ")
	}
	if _, err := a.journal.WriteString(line + "\n"); err != nil {
		return noSpace(fmt.Errorf("journal: %w", err))
	}
	if err := a.journal.Sync(); err != nil {
		return noSpace(fmt.Errorf("journal: %w", err))
	}
	return nil
}

// describe captures a target's metadata (and hash) for the manifest.
func (a *applier) describe(t Target, run, id int) EntryRecord {
	e := EntryRecord{ID: id, Run: run, Path: t.Path, Kind: t.Kind, Indicator: t.Indicator, Reason: t.Reason,
		User: t.User, Finding: t.Finding, State: StatePlanned}
	rel := sweep.Rel(t.Path)
	fi, err := a.root.Lstat(rel)
	if err != nil {
		e.State, e.Message = StateGone, "not found when planning: "+sweep.TrimPathErr(err)
		return e
	}
	fillMeta(&e, fi, a.o.Homes)
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := a.root.Readlink(rel)
		if err != nil {
			e.State, e.Message = StateRefused, "cannot read the link: "+sweep.TrimPathErr(err)
			return e
		}
		e.Link = target
		if t.Kind != KindUnitLink {
			if why := escapes(t.Path, target, a.o.Root); why != "" {
				e.State = StateRefused
				e.Message = fmt.Sprintf("refusing to act outside --root: %s is a symbolic link to %q, which %s; litesweep never follows it. Inspect and remove it by hand.", t.Path, target, why)
			}
		}
		return e
	}
	if !fi.Mode().IsRegular() {
		e.State, e.Message = StateRefused, "not a regular file ("+fi.Mode().Type().String()+")"
		return e
	}
	f, err := sweep.OpenRegularNoFollow(a.root, rel)
	if err != nil {
		e.State, e.Message = StateRefused, "cannot open: "+sweep.TrimPathErr(err)
		return e
	}
	defer f.Close()
	sum, err := hashReader(f)
	if err != nil {
		e.State, e.Message = StateRefused, "cannot read: "+sweep.TrimPathErr(err)
		return e
	}
	e.SHA256 = sum
	if t.SHA256 != "" && !strings.EqualFold(t.SHA256, sum) {
		e.State = StateChanged
		e.Message = fmt.Sprintf("changed since the sweep (sha256 %s, the sweep saw %s): not moved; sweep again and judge it", short(sum), short(t.SHA256))
		return e
	}
	e.Evidence = path.Join(fmt.Sprintf("run-%d", run), "files", strings.TrimPrefix(t.Path, "/"))
	return e
}

// escapes says why a symlink target leaves the root ("" when it does not).
// Under a --root other than "/", an absolute target would resolve against
// this machine's root, so it counts as leaving.
func escapes(linkPath, target, root string) string {
	if strings.HasPrefix(target, "/") {
		if root == "/" {
			return ""
		}
		return "is absolute (outside --root on this machine)"
	}
	p := path.Join(path.Dir(linkPath), target)
	if strings.HasPrefix(p, "..") || !strings.HasPrefix(path.Clean("/"+p), "/") {
		return "climbs above --root"
	}
	// path.Join cleans "..": check for climbing above "/".
	depth := 0
	for _, c := range strings.Split(path.Dir(linkPath)+"/"+target, "/") {
		switch c {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return "climbs above --root"
			}
		default:
			depth++
		}
	}
	return ""
}

// move completes one entry from whatever state it is in.
func (a *applier) move(e *EntryRecord, n int) error {
	rel := sweep.Rel(e.Path)
	fi, err := a.root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		if e.State == StateCopied || a.copyMatches(e) {
			fmt.Fprintf(a.o.Log, "done %s (original already removed; evidence copy verified)\n", escape.Text(e.Path))
			return a.mark(e, StateDone, "")
		}
		fmt.Fprintf(a.o.Log, "gone %s (vanished before it was copied)\n", escape.Text(e.Path))
		return a.mark(e, StateGone, "vanished before it was copied")
	}
	if err != nil {
		return fmt.Errorf("lstat: %s", sweep.TrimPathErr(err))
	}
	if e.Link != "" || fi.Mode()&fs.ModeSymlink != 0 {
		if fi.Mode()&fs.ModeSymlink == 0 {
			return fmt.Errorf("was a symbolic link when planned, is now a %s: not touched", fi.Mode().Type())
		}
		cur, err := a.root.Readlink(rel)
		if err != nil || cur != e.Link {
			return fmt.Errorf("the link changed since it was recorded: not touched")
		}
		if err := a.root.Remove(rel); err != nil {
			return fmt.Errorf("remove link: %s", sweep.TrimPathErr(err))
		}
		_ = a.syncTreeDir(path.Dir(e.Path))
		fmt.Fprintf(a.o.Log, "removed link %s -> %s (target recorded in the manifest)\n", escape.Text(e.Path), escape.Text(e.Link))
		if err := a.mark(e, StateDone, ""); err != nil {
			return err
		}
		return a.failPoint("removed", n)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("no longer a regular file: not touched")
	}
	if e.State != StateCopied {
		if !a.copyMatches(e) {
			if err := a.copy(e); err != nil {
				return err
			}
		}
		if err := a.mark(e, StateCopied, ""); err != nil {
			return err
		}
		if err := a.failPoint("copied", n); err != nil {
			return err
		}
	}
	if !a.copyMatches(e) {
		return fmt.Errorf("the evidence copy %s does not match SHA-256 %s: original kept", e.Evidence, e.SHA256)
	}
	if err := a.root.Remove(rel); err != nil {
		return fmt.Errorf("remove original: %s", sweep.TrimPathErr(err))
	}
	_ = a.syncTreeDir(path.Dir(e.Path))
	fmt.Fprintf(a.o.Log, "moved %s -> %s (sha256 %s verified)\n", escape.Text(e.Path), escape.Text(e.Evidence), e.SHA256[:12])
	if err := a.mark(e, StateDone, ""); err != nil {
		return err
	}
	return a.failPoint("removed", n)
}

func (a *applier) failPoint(step string, n int) error {
	if a.o.FailPoint == nil {
		return nil
	}
	if err := a.o.FailPoint(step, n); err != nil {
		return failPointErr{err}
	}
	return nil
}

// copy writes the original's bytes to the evidence file, syncs it and its
// directory, hashing what it read; a changed original is not removed.
func (a *applier) copy(e *EntryRecord) error {
	src, err := sweep.OpenRegularNoFollow(a.root, sweep.Rel(e.Path))
	if err != nil {
		return fmt.Errorf("open original: %s", sweep.TrimPathErr(err))
	}
	defer src.Close()
	dst := filepath.Join(a.o.EvidenceDir, filepath.FromSlash(e.Evidence))
	if err := mkdirAll0700(a.o.EvidenceDir, filepath.Dir(dst)); err != nil {
		return noSpace(fmt.Errorf("evidence directory: %w", err))
	}
	w, err := a.o.Create(dst)
	if err != nil {
		return noSpace(fmt.Errorf("create evidence copy: %w", err))
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(w, h), src)
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return noSpace(fmt.Errorf("copy to evidence: %w", err))
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return noSpace(fmt.Errorf("sync evidence directory: %w", err))
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != e.SHA256 {
		os.Remove(dst)
		return fmt.Errorf("the original changed since it was recorded (sha256 %s, recorded %s): original kept, re-run to record it again", got[:12], e.SHA256[:12])
	}
	return nil
}

// copyMatches reports whether the evidence copy exists with the recorded hash.
func (a *applier) copyMatches(e *EntryRecord) bool {
	if e.Evidence == "" || e.SHA256 == "" {
		return false
	}
	f, err := os.Open(filepath.Join(a.o.EvidenceDir, filepath.FromSlash(e.Evidence)))
	if err != nil {
		return false
	}
	defer f.Close()
	sum, err := hashReader(f)
	return err == nil && sum == e.SHA256
}

func (a *applier) syncTreeDir(dir string) error {
	d, err := a.root.Open(sweep.Rel(dir))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// pruneEmptyDirs removes directories emptied by moving package files,
// deepest first, stopping at site-packages.
func (a *applier) pruneEmptyDirs() {
	var dirs []string
	for _, e := range a.m.Entries {
		if e.State == StateDone && (e.Kind == KindPackageFile || e.Kind == KindPth || e.Kind == KindModule) {
			a.emptied[path.Dir(e.Path)] = true
		}
	}
	for d := range a.emptied {
		for ; d != "/" && d != "." && !strings.HasSuffix(d, "-packages") && path.Base(d) != "bin"; d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		fi, err := a.root.Lstat(sweep.Rel(d))
		if err != nil || !fi.IsDir() {
			continue
		}
		_ = a.root.Remove(sweep.Rel(d)) // fails, as wanted, when not empty
	}
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}

func fillMeta(e *EntryRecord, fi fs.FileInfo, homes []sweep.Home) {
	e.Size = fi.Size()
	e.Mode = fi.Mode().String()
	e.MTime = fi.ModTime().UTC()
	if uid, ok := sweep.Owner(fi); ok {
		e.UID = uid
		for _, h := range homes {
			if h.UID == uid && uid >= 0 {
				e.Owner = h.User
			}
		}
	}
	if gid, at, ok := gidAtime(fi); ok {
		e.GID = gid
		at = at.UTC()
		e.ATime = &at
	}
	if ct, ok := sweep.ChangeTime(fi); ok {
		ct = ct.UTC()
		e.CTime = &ct
	}
}

func hashReader(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func mkdirAll0700(base, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// MkdirAll applies the umask; evidence directories are 0700 exactly.
	for d := dir; len(d) >= len(base) && d != filepath.Dir(d); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o700); err != nil {
			return err
		}
		if d == base {
			break
		}
	}
	return nil
}

// noSpace makes a full evidence disk an error that says so.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %v; nothing was removed for this file: free space or choose another --evidence-dir, then re-run to complete", ErrNoSpace, err)
	}
	return err
}

func mergeReinstall(a, b []Reinstall) []Reinstall {
	seen := map[string]bool{}
	var out []Reinstall
	for _, r := range append(append([]Reinstall(nil), a...), b...) {
		k := r.Env + "\x00" + r.Package
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}
