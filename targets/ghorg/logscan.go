package ghorg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Defaults for reading one job log.
const (
	DefaultMaxLogBytes = 256 << 20 // a job log is read at most this far
	maxLineBytes       = 64 << 10  // a longer line is matched on its first 64 KiB
	maxTextBytes       = 512       // evidence text kept per line
	maxHitsPerJob      = 50
)

// LogHit is one matching line of a job log.
type LogHit struct {
	Line      int        // 1-based line number in the job log
	Time      *time.Time // the runner's timestamp of the line
	Step      string     // step of the ##[group]Run segment (named from the API's steps when they match)
	Text      string     // evidence built from the matched parts of the line (never the raw line)
	Severity  sweep.Severity
	Title     string
	Indicator *sweep.Indicator
	Package   string
	Version   string
	Action    string // owner/repo of a downloaded action
	Ref       string
	SHA       string
}

// StepSpan is a job step with its start and end, used to name the step of a
// line by its timestamp.
type StepSpan struct {
	Number      int64
	Name        string
	Start, Stop time.Time
}

// LogResult is what scanning one job log found.
type LogResult struct {
	Hits      []LogHit
	Lines     int
	Bytes     int64
	Truncated bool // the byte cap was reached; the rest was not read
	Dropped   int  // hits beyond the per-job cap
	// TokenPerms are the GITHUB_TOKEN permissions the runner printed in
	// "Set up job" (e.g. "Contents: write").
	TokenPerms []string
}

var (
	downloadLine  = regexp.MustCompile(`Download action repository '([^'@\s]+)@([^'\s]+)' \(SHA:([0-9a-fA-F]{40})\)`)
	ansi          = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)
	versionOnly   = regexp.MustCompile(`(?i)^\s*version:\s*v?0\.69\.[456]\b`)
	permLine      = regexp.MustCompile(`^[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*: (?:read|write|none)$`)
	safeRef       = regexp.MustCompile(`^[A-Za-z0-9_.+/-]{1,100}$`)
	artefactShape = regexp.MustCompile(`^[A-Za-z0-9_.]+-[0-9][A-Za-z0-9_.!+]*(?:-[A-Za-z0-9_.]+){0,3}\.(?:whl|tar\.gz|zip)(?:\.metadata)?$`)
)

// installPhrases are the installer outputs an install line can carry; the
// evidence names the phrase and the distribution, nothing else of the line.
var installPhrases = []string{"Successfully installed", "Requirement already satisfied", "Using cached", "Downloading", "Downloaded",
	"Collecting", "Installing", "Installed", "Prepared", "Building wheel for"}

// artefactWord is the word of the line naming the distribution's file
// (litellm-1.82.8-py3-none-any.whl, .whl.metadata, .tar.gz) when it has
// exactly that shape, else name-version.
func artefactWord(s, name, version string) string {
	norm := func(x string) string { return strings.ToLower(strings.ReplaceAll(x, "-", "_")) }
	want := norm(name + "-" + version)
	for _, w := range strings.Fields(s) {
		if lw := norm(w); strings.HasPrefix(lw, want) && len(lw) > len(want) && (lw[len(want)] == '_' || lw[len(want)] == '.') && artefactShape.MatchString(w) {
			return w
		}
	}
	return name + "-" + version
}

// installText is the evidence of an install line, built from the matched
// distribution and version and the installer phrase found on the line.
func installText(s, name, version string) string {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "+ ") || strings.HasPrefix(t, "+") && !strings.HasPrefix(t, "++") {
		return "+ " + name + "==" + version
	}
	for _, p := range installPhrases {
		if strings.Contains(s, p) {
			if p == "Installing" {
				return fmt.Sprintf("Installing %s (%s)", name, version)
			}
			return fmt.Sprintf("%s %s", p, artefactWord(s, name, version))
		}
	}
	return fmt.Sprintf("%s %s", name, version)
}

// ScanLog streams a runner log line by line, reading at most maxBytes, and
// returns the lines that match the pack's CI indicators. It never holds
// more than one line in memory.
func ScanLog(r io.Reader, maxBytes int64, steps []StepSpan, m *iocs.Matcher) (LogResult, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxLogBytes
	}
	var res LogResult
	lr := &io.LimitedReader{R: r, N: maxBytes + 1}
	br := bufio.NewReaderSize(lr, maxLineBytes)
	pack := m.Pack()
	step := "Set up job"
	steps = runSteps(steps)
	nextStep := 0
	recentTrivy := 0 // lines since the last line mentioning trivy
	inPerms := false
	names := m.TrackedNames()
	needles := interesting(pack, m)
	var lower []byte
	for {
		line, err := readLine(br)
		if len(line) > 0 || err == nil {
			res.Lines++
			res.Bytes += int64(len(line)) + 1
			tsb, body := splitTimestamp(bytes.TrimRight(line, "\r\n"))
			if bytes.IndexByte(body, 0x1b) >= 0 {
				body = ansi.ReplaceAll(body, nil)
			}
			switch {
			case bytes.HasPrefix(body, groupB):
				g := string(body[len(groupB):])
				inPerms = g == "GITHUB_TOKEN Permissions"
				if strings.HasPrefix(g, "Run ") {
					// The log's own marker starts the segment; the API's
					// step times only name it.
					step = nameSegment(g, parseTimestamp(tsb), steps, &nextStep)
				}
			case bytes.Equal(body, endGroupB):
				inPerms = false
			case inPerms && len(res.TokenPerms) < 32:
				if permLine.Match(body) {
					res.TokenPerms = append(res.TokenPerms, string(body))
				}
			case bytes.HasPrefix(body, postJobB):
				step = "Post job cleanup"
			}
			lower = appendLower(lower[:0], body)
			if bytes.Contains(lower, trivyB) {
				recentTrivy = 0
			} else {
				recentTrivy++
			}
			if !containsAny(lower, needles) {
				goto next
			}
			{
				s, ls := string(body), string(lower)
				ts := parseTimestamp(tsb)
				for _, h := range matchLine(s, ls, names, ts, pack, m, recentTrivy <= 5) {
					if len(res.Hits) >= maxHitsPerJob {
						res.Dropped++
						continue
					}
					// h.Text was built from the matched parts only.
					h.Line, h.Time, h.Step = res.Lines, ts, step
					res.Hits = append(res.Hits, h)
				}
			}
		}
	next:
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return res, err
		}
	}
	if lr.N <= 0 {
		res.Truncated = true
	}
	return res, nil
}

var (
	bom       = []byte("\ufeff")
	groupB    = []byte("##[group]")
	endGroupB = []byte("##[endgroup]")
	postJobB  = []byte("Post job cleanup.")
	trivyB    = []byte("trivy")
)

// splitTimestamp separates the runner's RFC 3339 timestamp prefix
// ("2026-03-24T11:02:04.5000000Z ") and a byte-order mark from the line.
func splitTimestamp(b []byte) (ts, rest []byte) {
	b = bytes.TrimPrefix(b, bom)
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' {
		return nil, b
	}
	end := bytes.IndexByte(b[:min(len(b), 41)], 'Z')
	if end < 19 {
		return nil, b
	}
	ts, rest = b[:end+1], b[end+1:]
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	return ts, rest
}

// parseTimestamp parses a prefix cut by splitTimestamp (only for lines
// that match something).
func parseTimestamp(b []byte) *time.Time {
	if b == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return nil
	}
	t = t.UTC()
	return &t
}

// appendLower appends b lower-cased (ASCII; indicators are ASCII).
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// needleSet holds lower-case substrings at least one of which a line must
// hold for any CI indicator to match it: a single cheap pass per line
// before any regexp runs.
type needleSet [256][][]byte

func interesting(pack *iocs.Loaded, m *iocs.Matcher) *needleSet {
	var set needleSet
	add := func(s string) {
		if s != "" {
			n := []byte(strings.ToLower(s))
			set[n[0]] = append(set[n[0]], n)
		}
	}
	for _, n := range m.TrackedNames() {
		add(n)
		add(strings.ReplaceAll(n, "-", "_"))
	}
	add("Download action repository")
	for _, ls := range pack.CI.LogStrings {
		add(ls.Value)
	}
	for _, d := range m.ImageDigests() {
		add(d)
	}
	for _, st := range pack.Strings {
		add(st.Value)
	}
	return &set
}

func containsAny(b []byte, set *needleSet) bool {
	for i, c := range b {
		for _, n := range set[c] {
			if bytes.HasPrefix(b[i:], n) {
				return true
			}
		}
	}
	return false
}

// readLine returns the next line (at most maxLineBytes of it; the rest of a
// longer line is discarded).
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	out := append([]byte(nil), line...)
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = br.ReadSlice('\n')
	}
	return out, err
}

// runSteps keeps the API steps that can name a ##[group]Run segment: not
// "Set up job", "Complete job" or post steps, and with both times.
func runSteps(steps []StepSpan) []StepSpan {
	var out []StepSpan
	for _, sp := range steps {
		if sp.Name == "Set up job" || sp.Name == "Complete job" || strings.HasPrefix(sp.Name, "Post ") || sp.Start.IsZero() || sp.Stop.IsZero() {
			continue
		}
		out = append(out, sp)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// nameSegment names the segment a "##[group]Run …" marker starts. The
// segment itself is the marker's; an API step only lends its name when
// its (second-resolution) times hold the marker's timestamp, within a
// second: the one whose name is the marker's text, else the only one,
// else the one that started closest to it (ties: the earlier step). Steps
// before the last named one are not considered (steps run in order; a
// composite action prints several markers within one step).
func nameSegment(marker string, ts *time.Time, steps []StepSpan, next *int) string {
	if ts == nil || len(steps) == 0 {
		return safeStepName(marker)
	}
	t := *ts
	pick := -1
	var best time.Duration
	for i := *next; i < len(steps); i++ {
		sp := steps[i]
		if t.Before(sp.Start.Add(-time.Second)) || t.After(sp.Stop.Add(time.Second)) {
			continue
		}
		if sp.Name == marker {
			pick = i
			break
		}
		d := t.Sub(sp.Start)
		if d < 0 {
			d = -d
		}
		if pick < 0 || d < best {
			pick, best = i, d
		}
	}
	if pick < 0 {
		return safeStepName(marker)
	}
	*next = pick
	return safeStepName(steps[pick].Name)
}

func indicator(id, kind string, p iocs.Provenance) *sweep.Indicator {
	return &sweep.Indicator{ID: id, Kind: kind, Confidence: string(p.Confidence), Sources: p.Sources}
}

// matchLine applies the CI indicators to one line (timestamp removed).
func matchLine(s, lower string, names []string, ts *time.Time, pack *iocs.Loaded, m *iocs.Matcher, trivyNear bool) []LogHit {
	var hits []LogHit
	if !mentionsTracked(lower, names) {
		// The install pattern needs a package name; skip the regexp.
	} else if v, ok := m.InstallLine(s); ok {
		name := pack.CI.InstallPackage
		if pk, ok := m.Package(name, v); ok {
			name = pk.Name
		}
		hits = append(hits, LogHit{Severity: sweep.High, Package: name, Version: v, Text: installText(s, name, v),
			Title:     fmt.Sprintf("%s %s installed in a CI job", name, v),
			Indicator: indicator("ci-install-line", "ci-log", pack.CI.InstallProvenance)})
	}
	if !strings.Contains(s, "Download action repository") {
		// no action download on this line
	} else if sm := downloadLine.FindStringSubmatch(s); sm != nil {
		if h, ok := matchAction(sm[1], sm[2], strings.ToLower(sm[3]), ts, m); ok {
			hits = append(hits, h)
		}
	}
	var seen map[string]bool
	for i := range pack.CI.LogStrings {
		ls := &pack.CI.LogStrings[i]
		if !strings.Contains(lower, strings.ToLower(ls.Value)) {
			continue
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[strings.ToLower(ls.Value)] = true
		sev := sweep.Critical
		switch {
		case isVersionString(ls.Value):
			// A bare version is evidence only on a trivy line, or as the
			// "Version:" line of `trivy --version` right after one.
			if !strings.Contains(lower, "trivy") && !(trivyNear && versionOnly.MatchString(s)) {
				continue
			}
		case strings.HasPrefix(ls.Value, "Terminate orphan process"):
			if !strings.Contains(lower, "(curl)") {
				continue
			}
			sev = sweep.High
		}
		if ls.Weak {
			sev = sweep.Medium
		}
		hits = append(hits, LogHit{Severity: sev, Title: "CI log: " + ls.Description, Text: "… " + ls.Value + " …",
			Indicator: indicator(ls.ID, "ci-log-"+ls.Kind, ls.Provenance)})
	}
	for _, d := range m.ImageDigests() {
		if !strings.Contains(lower, d) {
			continue
		}
		im, pd, _ := m.ImageDigest(d)
		hits = append(hits, LogHit{Severity: sweep.Critical, Title: fmt.Sprintf("CI log: digest of the bad image %s %s (%s)", im.Repositories[0], strings.Join(pd.Tags, ", "), pd.Platform),
			Text: "… " + d + " …", Indicator: indicator(im.ID, "ci-log-digest", im.Provenance)})
	}
	for _, si := range m.Strings([]byte(s)) {
		if seen[strings.ToLower(si.Value)] {
			continue // the same string is already a CI log indicator
		}
		sev := sweep.Critical
		if si.Weak {
			sev = sweep.Medium
		}
		hits = append(hits, LogHit{Severity: sev, Title: "CI log: " + si.Description, Text: "… " + si.Value + " …",
			Indicator: indicator(si.ID, "string-"+si.Kind, si.Provenance)})
	}
	return hits
}

func mentionsTracked(lower string, names []string) bool {
	for _, n := range names {
		if strings.Contains(lower, n) || strings.Contains(lower, strings.ReplaceAll(n, "-", "_")) {
			return true
		}
	}
	return false
}

func isVersionString(v string) bool {
	if v == "" {
		return false
	}
	for _, c := range v {
		if c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return strings.Contains(v, ".")
}

// matchAction decides whether a downloaded action (repo@ref resolved to sha)
// is a compromised one. Every pack entry for the repository is consulted
// (a repository hit in several waves has an entry per wave): an imposter
// SHA of any entry at any time, with or without a timestamp, first; then a
// hijacked ref while an entry's window was open; then a hijacked ref whose
// log line carries no timestamp, which cannot be placed in or out of the
// window (fail closed: a medium finding saying so).
func matchAction(repo, ref, sha string, ts *time.Time, m *iocs.Matcher) (LogHit, bool) {
	as := m.ActionsFor(repo)
	if len(as) == 0 {
		return LogHit{}, false
	}
	pinned := iocs.IsCommitSHA(ref)
	if !safeRef.MatchString(ref) {
		ref = "…"
	}
	hit := func(a *iocs.ActionIOC) LogHit {
		return LogHit{Action: a.Repo, Ref: ref, SHA: sha, Indicator: indicator(a.ID, "ci-action", a.Provenance),
			Text: fmt.Sprintf("Download action repository '%s@%s' (SHA:%s)", a.Repo, ref, sha)}
	}
	if hs := m.Action(repo, sha); len(hs) > 0 {
		a := hs[0].Action
		h := hit(a)
		h.Severity = severityOf(hs[0].Severity(), sweep.Critical)
		h.Title = fmt.Sprintf("%s@%s ran imposter commit %s", a.Repo, ref, short(sha))
		return h, true
	}
	var undated *iocs.ActionIOC
	for _, a := range as {
		if pinned || a.Safe(sha) || !a.BadRef(ref) {
			continue // a pinned commit is judged as a commit only
		}
		w, ok := m.Window(a.Window)
		switch {
		case ok && ts != nil && w.Contains(*ts):
			h := hit(a)
			h.Severity = severityOf(a.Severity, sweep.High)
			h.Title = fmt.Sprintf("%s@%s ran while its tags were hijacked (%s)", a.Repo, ref, w.Title)
			return h, true
		case ok && ts == nil && undated == nil:
			undated = a
		}
	}
	if undated != nil {
		h := hit(undated)
		h.Severity = sweep.Medium
		h.Title = fmt.Sprintf("%s@%s was downloaded on a log line without a timestamp: the run may have fetched it while its tags were hijacked and commit %s is not a known imposter; check the run's time", undated.Repo, ref, short(sha))
		return h, true
	}
	return LogHit{}, false
}

func severityOf(s string, def sweep.Severity) sweep.Severity {
	if v, err := sweep.ParseSeverity(s); err == nil {
		return v
	}
	return def
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
