// Package iocs holds the typed model of an incident's indicators of compromise
// (an IOC pack), the default pack for the March 2026 litellm/TeamPCP incident,
// and the compiled matcher every collector uses. It imports only the standard
// library, a YAML parser and go-containerregistry's image-reference parser
// (name): collectors never hard-code a version, a hash or a
// domain; they ask the Matcher.
package iocs

import (
	"strings"
	"time"
)

// Confidence grades how well an indicator is sourced (see shared/iocs.md).
type Confidence string

const (
	Confirmed      Confidence = "confirmed"       // authoritative source or two independent ones
	MultiSecondary Confidence = "multi-secondary" // several community sources agree
	SingleSource   Confidence = "single-source"
	Uncertain      Confidence = "uncertain"
	Derived        Confidence = "derived" // derived from a cited primary artefact
)

// Provenance says where an indicator comes from. Every indicator carries one.
type Provenance struct {
	Sources    []string   `yaml:"sources" json:"sources"`
	Confidence Confidence `yaml:"confidence" json:"confidence"`
	Note       string     `yaml:"note,omitempty" json:"note,omitempty"`
}

// Pack is one incident's indicators.
type Pack struct {
	SchemaVersion int      `yaml:"schema_version" json:"schema_version"`
	ID            string   `yaml:"id" json:"id"`
	Version       string   `yaml:"version" json:"version"`
	Title         string   `yaml:"title" json:"title"`
	Summary       string   `yaml:"summary,omitempty" json:"summary,omitempty"`
	Advisories    []string `yaml:"advisories,omitempty" json:"advisories,omitempty"`

	Packages    []PackageIOC     `yaml:"packages" json:"packages"`
	Files       []FileIOC        `yaml:"files" json:"files"`
	Strings     []StringIOC      `yaml:"strings" json:"strings"`
	Persistence []PathIOC        `yaml:"persistence" json:"persistence"`
	Staging     []StagingIOC     `yaml:"staging" json:"staging"`
	Network     []NetworkIOC     `yaml:"network" json:"network"`
	Processes   []ProcessIOC     `yaml:"processes" json:"processes"`
	ForkStorms  []ForkStorm      `yaml:"fork_storms,omitempty" json:"fork_storms,omitempty"`
	Windows     []Window         `yaml:"windows" json:"windows"`
	CI          CI               `yaml:"ci" json:"ci"`
	Kubernetes  []KubeIOC        `yaml:"kubernetes" json:"kubernetes"`
	Credentials []CredentialKind `yaml:"credentials" json:"credentials"`
	// Images are bad container images: a repository (with its aliases on
	// other registries), its bad tags and the manifest and index digests
	// the sources published.
	Images []ImageIOC `yaml:"images,omitempty" json:"images,omitempty"`
	// Guards are dead-man switches: persistence that destroys data when a
	// credential it watches is revoked.
	Guards []GuardIOC `yaml:"guards,omitempty" json:"guards,omitempty"`
}

// GuardIOC is a dead-man switch (e.g. gh-token-monitor, which wipes the
// home directory when the stolen GitHub token is revoked). When a sweep
// finds one of its Indicators (ids of persistence, process, file or
// string entries of the set), the report says so before anything else,
// the rotation checklist puts "disarm it" ahead of every rotation it
// guards, and remediate disarms it before any other step.
type GuardIOC struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Indicators are the ids of the entries whose findings are this guard.
	Indicators []string `yaml:"indicators" json:"indicators"`
	// Guards are the credentials whose revocation triggers it, matched
	// against a rotation item's kind or provider (a provider listed as
	// "a/b" matches "a" and "b"; a trailing * is a prefix match).
	Guards []string `yaml:"guards" json:"guards"`
	// Effect is what it does when triggered.
	Effect string `yaml:"effect" json:"effect"`
	// Disarm are the steps that make it harmless while keeping evidence
	// (stop, disable, move aside), in order.
	Disarm      []string   `yaml:"disarm" json:"disarm"`
	Severity    string     `yaml:"severity" json:"severity"`
	Description string     `yaml:"description" json:"description"`
	Provenance  Provenance `yaml:"provenance" json:"provenance"`
}

// Watches reports whether revoking a credential of this kind and provider
// would trigger the guard.
func (g *GuardIOC) Watches(kind, provider string) bool {
	for _, t := range g.Guards {
		pre, prefix := strings.CutSuffix(t, "*")
		match := func(v string) bool {
			if prefix {
				return strings.HasPrefix(v, pre)
			}
			return v == t
		}
		if match(kind) || match(provider) {
			return true
		}
		for _, part := range strings.Split(provider, "/") {
			if match(part) {
				return true
			}
		}
	}
	return false
}

// Artifact is one published file of a bad release (wheel or sdist).
type Artifact struct {
	Filename   string     `yaml:"filename" json:"filename"`
	SHA256     string     `yaml:"sha256" json:"sha256"`
	Size       int64      `yaml:"size,omitempty" json:"size,omitempty"`
	Provenance Provenance `yaml:"provenance" json:"provenance"`
}

// PackageIOC names a package of one ecosystem and its exact bad versions
// (as that ecosystem writes them: PEP 440 for PyPI, semver for npm and
// editor extensions, whose names are "publisher.name").
type PackageIOC struct {
	ID        string   `yaml:"id" json:"id"`
	Ecosystem string   `yaml:"ecosystem" json:"ecosystem"` // an Ecosystem's ID: "pypi", "npm", "vscode"
	Name      string   `yaml:"name" json:"name"`
	Versions  []string `yaml:"versions" json:"versions"`
	// Ranges are version ranges every version of which is bad (an OSV
	// record's ECOSYSTEM or SEMVER ranges), ordered by the ecosystem's
	// own version rules; a pack entry needs Versions or Ranges.
	Ranges []VersionRange `yaml:"ranges,omitempty" json:"ranges,omitempty"`
	// Aliases are other ids of the same indicator (an OSV record's
	// aliases: GHSA-…, PYSEC-…).
	Aliases    []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	LastClean  string   `yaml:"last_clean,omitempty" json:"last_clean,omitempty"`
	FirstClean string   `yaml:"first_clean,omitempty" json:"first_clean,omitempty"`
	// Window is the id of the window in which the bad versions could be
	// downloaded from the public index.
	Window      string     `yaml:"window,omitempty" json:"window,omitempty"`
	Severity    string     `yaml:"severity" json:"severity"`
	Description string     `yaml:"description" json:"description"`
	Artifacts   []Artifact `yaml:"artifacts,omitempty" json:"artifacts,omitempty"`
	Provenance  Provenance `yaml:"provenance" json:"provenance"`
}

// VersionRange is one OSV-style range: its events, each with exactly one
// field set. "introduced: 0" starts below every version; a version is in
// the range when the last event at or below it introduced it (fixed and
// limit end a range before their version, last_affected after it).
type VersionRange struct {
	Events []RangeEvent `yaml:"events" json:"events"`
}

// RangeEvent is one event of a VersionRange.
type RangeEvent struct {
	Introduced   string `yaml:"introduced,omitempty" json:"introduced,omitempty"`
	Fixed        string `yaml:"fixed,omitempty" json:"fixed,omitempty"`
	LastAffected string `yaml:"last_affected,omitempty" json:"last_affected,omitempty"`
	Limit        string `yaml:"limit,omitempty" json:"limit,omitempty"`
}

// FileIOC is a malicious or tampered file known by name, relative path and hash.
type FileIOC struct {
	ID string `yaml:"id" json:"id"`
	// Kind is one of pth, tampered-module, persistence-script, binary, other.
	Kind string `yaml:"kind" json:"kind"`
	// Name is the base name; PathSuffix, when set, is the slash path the file
	// sits at below a site directory or a home (e.g. litellm/proxy/proxy_server.py).
	Name       string `yaml:"name" json:"name"`
	PathSuffix string `yaml:"path_suffix,omitempty" json:"path_suffix,omitempty"`
	SHA256     string `yaml:"sha256,omitempty" json:"sha256,omitempty"`
	MD5        string `yaml:"md5,omitempty" json:"md5,omitempty"`
	Size       int64  `yaml:"size,omitempty" json:"size,omitempty"`
	Package    string `yaml:"package,omitempty" json:"package,omitempty"` // package IOC id it ships in
	// Markers are byte strings found inside a bad binary (kind binary): a
	// file of this name that carries one is evidence even when its hash is
	// unknown (a rebuilt or re-packed payload). A binary entry needs a
	// SHA-256 or markers: its name alone (trivy) is the legitimate tool's.
	Markers     []string   `yaml:"markers,omitempty" json:"markers,omitempty"`
	Severity    string     `yaml:"severity" json:"severity"`
	Description string     `yaml:"description" json:"description"`
	Provenance  Provenance `yaml:"provenance" json:"provenance"`
}

// StringIOC is a byte string whose presence in a file, a command line or a log
// line is evidence. Kind is one of launcher, fragment, marker, domain, url, key.
type StringIOC struct {
	ID          string `yaml:"id" json:"id"`
	Kind        string `yaml:"kind" json:"kind"`
	Value       string `yaml:"value" json:"value"`
	Description string `yaml:"description" json:"description"`
	// Weak strings are only evidence together with another hit.
	Weak       bool       `yaml:"weak,omitempty" json:"weak,omitempty"`
	Provenance Provenance `yaml:"provenance" json:"provenance"`
}

// PathIOC is a persistence artefact at a known path, or a job that runs by
// itself (a systemd unit or timer, a launchd job, a Windows scheduled task,
// an agent or editor hook), or a dropped file. A path that starts with "~/"
// is expanded for every user's home (and root's); one that starts with "/"
// is absolute inside the scanned root; any other path is relative and
// matches where its trailing components do, in any directory (a checkout's
// .claude/settings.json as well as a home's). The base name may be a glob
// (path.Match: /tmp/*.pyz).
type PathIOC struct {
	ID   string `yaml:"id" json:"id"`
	Path string `yaml:"path" json:"path"`
	// Kind is one of PathKinds: script, unit, unit-link, timer, launchd,
	// task, hook, binary, state, dropper.
	Kind string `yaml:"kind" json:"kind"`
	// Label is a launchd job's Label (matched in every launchd directory,
	// whatever the plist's file name) or a scheduled task's name.
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
	// Format is how a hook file is read (HookFormats): claude-settings
	// (.claude/settings.json hooks) or vscode-tasks (tasks.json tasks
	// with runOptions.runOn folderOpen). Required for kind hook.
	Format string `yaml:"format,omitempty" json:"format,omitempty"`
	// Markers make a name the campaign shares with legitimate software
	// evidence only with the campaign's content: when set, the file (or,
	// for a hook, one of the commands it runs) must carry one of them.
	Markers     []string   `yaml:"markers,omitempty" json:"markers,omitempty"`
	Campaign    string     `yaml:"campaign,omitempty" json:"campaign,omitempty"`
	Severity    string     `yaml:"severity" json:"severity"`
	Description string     `yaml:"description" json:"description"`
	Provenance  Provenance `yaml:"provenance" json:"provenance"`
}

// PathKinds are the kinds of PathIOC.
var PathKinds = []string{"script", "unit", "unit-link", "timer", "launchd", "task", "hook", "binary", "state", "dropper"}

// HookFormats are the file formats a hook PathIOC can name.
var HookFormats = []string{"claude-settings", "vscode-tasks"}

// StagingIOC is a file name the exfiltration stage writes into a temporary
// directory (any directory below a temp root).
type StagingIOC struct {
	ID          string     `yaml:"id" json:"id"`
	Name        string     `yaml:"name" json:"name"`
	Severity    string     `yaml:"severity" json:"severity"`
	Description string     `yaml:"description" json:"description"`
	Provenance  Provenance `yaml:"provenance" json:"provenance"`
}

// NetworkIOC is a domain, IP address or URL.
type NetworkIOC struct {
	ID         string     `yaml:"id" json:"id"`
	Kind       string     `yaml:"kind" json:"kind"` // domain, ip, url
	Value      string     `yaml:"value" json:"value"`
	Role       string     `yaml:"role" json:"role"`
	Provenance Provenance `yaml:"provenance" json:"provenance"`
}

// ProcessIOC matches a process command line: every string in All must occur.
type ProcessIOC struct {
	ID          string     `yaml:"id" json:"id"`
	Exe         string     `yaml:"exe,omitempty" json:"exe,omitempty"` // base name suffix of the executable, e.g. "curl"
	All         []string   `yaml:"all" json:"all"`
	Severity    string     `yaml:"severity" json:"severity"`
	Description string     `yaml:"description" json:"description"`
	Provenance  Provenance `yaml:"provenance" json:"provenance"`
}

// ForkStorm is a process-tree symptom: a release whose start-up hook starts
// Python again on every Python start leaves a deep python→python chain
// with thousands of members on a host where it ran.
type ForkStorm struct {
	ID string `yaml:"id" json:"id"`
	// Symptom names what the storm is a symptom of ("<release> .pth").
	Symptom     string     `yaml:"symptom" json:"symptom"`
	Description string     `yaml:"description" json:"description"`
	Provenance  Provenance `yaml:"provenance" json:"provenance"`
}

// Window is an exposure window, inclusive of Start and End.
type Window struct {
	ID         string     `yaml:"id" json:"id"`
	Title      string     `yaml:"title" json:"title"`
	Start      time.Time  `yaml:"start" json:"start"`
	End        time.Time  `yaml:"end" json:"end"`
	Provenance Provenance `yaml:"provenance" json:"provenance"`
}

// Contains reports whether t is inside the window.
func (w Window) Contains(t time.Time) bool {
	return !t.Before(w.Start) && !t.After(w.End)
}

// CI holds the indicators searched in CI logs and workflow files.
type CI struct {
	// InstallPattern is a Go regexp matching a log line that installs a bad
	// version; its first capture group is the version.
	InstallPattern string `yaml:"install_pattern" json:"install_pattern"`
	// InstallPackage is the package whose version InstallPattern captures.
	InstallPackage    string      `yaml:"install_package,omitempty" json:"install_package,omitempty"`
	InstallProvenance Provenance  `yaml:"install_provenance" json:"install_provenance"`
	Actions           []ActionIOC `yaml:"actions" json:"actions"`
	LogStrings        []StringIOC `yaml:"log_strings" json:"log_strings"`
	// RepoNames are repository names the fallback exfiltration creates.
	RepoNames      []string   `yaml:"repo_names" json:"repo_names"`
	RepoProvenance Provenance `yaml:"repo_provenance" json:"repo_provenance"`
}

// ActionIOC is a compromised GitHub Action.
type ActionIOC struct {
	ID     string `yaml:"id" json:"id"`
	Repo   string `yaml:"repo" json:"repo"` // owner/name, compared case-insensitively
	Window string `yaml:"window" json:"window"`
	// BadSHAs are imposter commits; a run that downloaded one is exposed
	// whenever it ran.
	BadSHAs []string `yaml:"bad_shas,omitempty" json:"bad_shas,omitempty"`
	// BadRefs are tags that pointed to malicious code during the window.
	// "*" means every tag except SafeRefs.
	BadRefs     []string   `yaml:"bad_refs,omitempty" json:"bad_refs,omitempty"`
	SafeRefs    []string   `yaml:"safe_refs,omitempty" json:"safe_refs,omitempty"`
	Severity    string     `yaml:"severity" json:"severity"`
	Description string     `yaml:"description" json:"description"`
	Provenance  Provenance `yaml:"provenance" json:"provenance"`
}

// KubeIOC is a Kubernetes object pattern.
type KubeIOC struct {
	ID         string `yaml:"id" json:"id"`
	Kind       string `yaml:"kind" json:"kind"` // Pod, DaemonSet
	Namespace  string `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	NamePrefix string `yaml:"name_prefix" json:"name_prefix"`
	Image      string `yaml:"image,omitempty" json:"image,omitempty"`
	HostPath   string `yaml:"host_path,omitempty" json:"host_path,omitempty"`
	Privileged bool   `yaml:"privileged,omitempty" json:"privileged,omitempty"`
	// Drops are the ids of the persistence entries the object writes onto
	// the node it runs on (as root): where to look on that node.
	Drops       []string   `yaml:"drops,omitempty" json:"drops,omitempty"`
	Severity    string     `yaml:"severity" json:"severity"`
	Description string     `yaml:"description" json:"description"`
	Provenance  Provenance `yaml:"provenance" json:"provenance"`
}

// ImageIOC is a bad container image release: the repositories it was
// published to (one repository under its names on several registries,
// written in full: docker.io/aquasec/trivy), its tags, and the digests of
// its manifests and indexes. A digest is content: it is the bad image
// whatever repository or tag carries it. A tag is a name: Tags named only
// the bad image (the vendor never published a clean one under them), while
// RestoredTags pointed to it only during Window and to clean images before
// and after, so they are evidence only with a time inside the window (or
// a digest).
type ImageIOC struct {
	ID           string        `yaml:"id" json:"id"`
	Repositories []string      `yaml:"repositories" json:"repositories"`
	Tags         []string      `yaml:"tags,omitempty" json:"tags,omitempty"`
	RestoredTags []string      `yaml:"restored_tags,omitempty" json:"restored_tags,omitempty"`
	Digests      []ImageDigest `yaml:"digests,omitempty" json:"digests,omitempty"`
	Window       string        `yaml:"window,omitempty" json:"window,omitempty"`
	Severity     string        `yaml:"severity" json:"severity"`
	Description  string        `yaml:"description" json:"description"`
	Provenance   Provenance    `yaml:"provenance" json:"provenance"`
}

// ImageDigest is one published digest of a bad image: an index
// (multi-platform) manifest, a platform's manifest or a signature.
type ImageDigest struct {
	Digest string `yaml:"digest" json:"digest"` // sha256:<64 hex>
	// Tags are the tags it was published under.
	Tags []string `yaml:"tags" json:"tags"`
	// Platform is "index" for the multi-platform manifest, os/arch for a
	// platform's manifest, or "signature".
	Platform string `yaml:"platform" json:"platform"`
}

// CredentialKind is a family of credentials the stealer read, where it lives,
// and how to rotate it. Paths starting with "~/" are per home; Env holds
// environment variable name patterns (a trailing * is a prefix match).
type CredentialKind struct {
	ID         string     `yaml:"id" json:"id"`
	Kind       string     `yaml:"kind" json:"kind"` // ssh-key, cloud, kubernetes, git, registry, package-token, database, dotenv, tls-key, wallet, history, vpn, mail, ldap, ci, system, env
	Provider   string     `yaml:"provider" json:"provider"`
	Title      string     `yaml:"title" json:"title"`
	Paths      []string   `yaml:"paths,omitempty" json:"paths,omitempty"`
	Env        []string   `yaml:"env,omitempty" json:"env,omitempty"`
	Priority   string     `yaml:"priority" json:"priority"` // P1, P2, P3
	Rotate     []string   `yaml:"rotate" json:"rotate"`
	Verify     string     `yaml:"verify" json:"verify"`
	Provenance Provenance `yaml:"provenance" json:"provenance"`
}
