package scan

import (
	"errors"
	"os"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg"
	"github.com/litesweep/litesweep/targets/host"
	"github.com/litesweep/litesweep/targets/images"
	"github.com/litesweep/litesweep/targets/kube"
	"github.com/litesweep/litesweep/targets/mirror"
	"github.com/litesweep/litesweep/targets/sbom"
)

// The targets' defaults, for the commands' flags.
const (
	DefaultMaxHashSize   = collectors.DefaultMaxHashSize
	DefaultDockerHost    = images.DefaultDockerHost
	DefaultRegistryJobs  = images.DefaultRegistryJobs
	DefaultMaxLayerBytes = images.DefaultMaxLayerBytes
	DefaultMaxLogBytes   = ghorg.DefaultMaxLogBytes
	DefaultMaxSBOMBytes  = sbom.DefaultMaxBytes
	DefaultMaxPageBytes  = mirror.DefaultMaxPageBytes
	DefaultMaxFileBytes  = mirror.DefaultMaxFileBytes
	DefaultMirrorTimeout = mirror.DefaultTimeout
	KubeInClusterDir     = kube.InClusterDir
)

// HostOptions are what one host sweep needs, however it was asked for
// (litesweep host, rotate, remediate): see host.Target.
type HostOptions host.Target

func (o HostOptions) target() (sweep.Target, error) { t := host.Target(o); return &t, nil }

// ImagesOptions name the image sources of one images sweep. With no source
// at all, or with Engine, the local engine at DockerHost is swept.
type ImagesOptions struct {
	Archives  []string // docker save tarballs or tarred OCI layouts
	Layouts   []string // OCI image layout directories
	DataRoots []string // engine stores read without the engine
	Remotes   []string // image references pulled from their registries
	// Registries are swept whole (every repository and tag): REGISTRY or
	// REGISTRY/REPOSITORY.
	Registries []string
	// Insecure allows plain http to registries and remotes.
	Insecure bool
	// Platform (OS/ARCH[/VARIANT]) picks one platform of multi-platform
	// images, registries and remotes alike.
	Platform string
	// Since skips registry images created earlier (zero: all).
	Since time.Time
	// Jobs is how many registry images are read at once (1..64).
	Jobs int
	// Engine sweeps the local engine even when other sources are named.
	Engine     bool
	DockerHost string
	// Only narrows engine and data-root scans to these names, ids or id prefixes.
	Only []string
	// Window grades timestamps (nil: the pack's package window).
	Window        *sweep.Window
	MaxHashSize   int64 // per wanted file (0: default)
	MaxLayerBytes int64 // per decompressed layer (0: default)
}

func (o ImagesOptions) target() (sweep.Target, error) {
	t := &images.Target{Archives: o.Archives, Layouts: o.Layouts, DataRoots: o.DataRoots, Remotes: o.Remotes,
		Engine: o.Engine, DockerHost: o.DockerHost, Only: o.Only, Window: o.Window, MaxHashSize: o.MaxHashSize,
		MaxLayerBytes: o.MaxLayerBytes, Registry: images.RegistryOptions{RemoteOptions: images.RemoteOptions{Insecure: o.Insecure}}}
	if len(o.Registries) == 0 && o.Platform == "" && o.Since.IsZero() {
		return t, nil
	}
	t.Registry.Jobs, t.Registry.Since = o.Jobs, o.Since
	if o.Platform != "" {
		pl, err := v1.ParsePlatform(o.Platform)
		if err != nil || pl.OS == "" || pl.Architecture == "" {
			return nil, sweep.OptionUsage("Platform", strconv.Quote(o.Platform), errors.New("want OS/ARCH[/VARIANT], e.g. linux/arm64"))
		}
		t.Registry.Platform = pl
	}
	if o.Jobs < 1 || o.Jobs > 64 {
		return nil, sweep.OptionUsage("Jobs", strconv.Itoa(o.Jobs), errors.New("want 1..64"))
	}
	for _, r := range o.Registries {
		rt, err := images.ParseRegistryTarget(r, o.Insecure)
		if err != nil {
			return nil, sweep.OptionUsage("Registries", "", err)
		}
		t.Registries = append(t.Registries, rt)
	}
	return t, nil
}

// GitHubOptions say which organisations and repositories one GitHub sweep
// covers and how: see ghorg.Target.
type GitHubOptions ghorg.Target

func (o GitHubOptions) target() (sweep.Target, error) { t := ghorg.Target(o); return &t, nil }

// KubeOptions say which cluster one Kubernetes sweep checks.
type KubeOptions struct {
	// InCluster uses the pod's service account (KubeInClusterDir);
	// otherwise Kubeconfig (empty: $KUBECONFIG, ~/.kube/config) and its
	// Context (empty: the current one).
	InCluster           bool
	Kubeconfig, Context string
	// Token, when set, replaces the configuration's credentials.
	Token string
	// ServiceAccounts ("namespace/name") known to have run a bad version:
	// the names of the secrets each could read are listed for rotation.
	ServiceAccounts []string
}

func (o KubeOptions) target() (sweep.Target, error) {
	var cfg *kube.Config
	var err error
	if o.InCluster {
		cfg, err = kube.InCluster(kube.InClusterDir, os.Getenv)
	} else {
		home, _ := os.UserHomeDir()
		cfg, err = kube.Discover(o.Kubeconfig, o.Context, os.Getenv, home)
	}
	if err != nil {
		return nil, sweep.Usage(err)
	}
	if o.Token != "" {
		cfg.Token = o.Token
		cfg.CertData, cfg.KeyData, cfg.Username, cfg.Password = nil, nil, "", ""
	}
	return &kube.Target{Cluster: cfg, ServiceAccounts: o.ServiceAccounts}, nil
}

// SBOMOptions name the SBOM documents of one sweep: see sbom.Target.
type SBOMOptions sbom.Target

func (o SBOMOptions) target() (sweep.Target, error) { t := sbom.Target(o); return &t, nil }

// MirrorOptions name the package mirrors of one sweep and how to read them.
type MirrorOptions struct {
	// IndexURLs are simple-index URLs (PIP_INDEX_URL form, userinfo
	// allowed); CheckIndexURL checks one.
	IndexURLs []string
	// Registries are npm registry URLs (userinfo allowed; CheckIndexURL
	// checks one); Storages are Verdaccio storage directories.
	Registries []string
	Storages   []string
	// Netrc is a .netrc file supplying per-host credentials ("": none).
	Netrc string
	// Npmrc is an .npmrc file supplying npm registries' credentials
	// ("": none); its ${VAR} are resolved from the process environment.
	Npmrc string
	// Download fetches every bad file to confirm its hash.
	Download     bool
	MaxPageBytes int64
	MaxFileBytes int64
	Timeout      time.Duration
}

func (o MirrorOptions) target() (sweep.Target, error) {
	t := &mirror.Target{IndexURLs: o.IndexURLs, Registries: o.Registries, Storages: o.Storages, Download: o.Download, MaxPageBytes: o.MaxPageBytes,
		MaxFileBytes: o.MaxFileBytes, Timeout: o.Timeout}
	if o.Netrc != "" {
		nrc, err := mirror.ReadNetrc(o.Netrc)
		if err != nil {
			return nil, sweep.OptionUsage("Netrc", "", err)
		}
		t.Netrc = nrc
	}
	if o.Npmrc != "" {
		rc, err := mirror.ReadNpmrc(o.Npmrc, os.LookupEnv)
		if err != nil {
			return nil, sweep.OptionUsage("Npmrc", "", err)
		}
		t.Npmrc = rc
	}
	return t, nil
}

// CheckIndexURL checks a mirror's simple-index or registry URL before any
// sweep.
func CheckIndexURL(u string) error {
	_, _, err := mirror.ParseIndexURL(u)
	return err
}
