package ghorg

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/litesweep/litesweep/sweep"
)

// stateVersion 3: exposures are stored as findings (exposure findings).
const stateVersion = 3

// state is the resume file: the finished parts of each repository (its run
// listing, each finished run, its default-branch files), keyed by
// OWNER/NAME, and whether all of it is finished. Work a transient failure
// interrupted is not in it, so a resumed sweep retries exactly that. It never holds the token (the fingerprint hashes only the
// sweep's targets and options).
type state struct {
	Version       int                    `json:"version"`
	Fingerprint   string                 `json:"fingerprint"`
	Repos         map[string]*repoResult `json:"repos"`
	Known         []string               `json:"known,omitempty"` // every repository a listing named`
	APICalls      int64                  `json:"api_calls"`
	RateLimitUsed int64                  `json:"rate_limit_used"`

	priorCalls, priorUsed int64
}

// fingerprint identifies what a sweep covers, so a state file is only
// reused by the same sweep.
func (s *Sweeper) fingerprint() string {
	orgs := slices.Clone(s.cfg.Orgs)
	repos := slices.Clone(s.cfg.Repos)
	slices.Sort(orgs)
	slices.Sort(repos)
	var ws []string
	for _, w := range s.cfg.Windows {
		ws = append(ws, w.Start.UTC().String()+".."+w.End.UTC().String())
	}
	parts := []string{
		s.m.Pack().SHA256, s.client.BaseURL.String(), strings.Join(orgs, ","), strings.Join(repos, ","), strings.Join(ws, ","),
		fmt.Sprint(s.cfg.IncludeForks, s.cfg.IncludeArchived, s.cfg.SkipFiles, s.cfg.MaxLogBytes),
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

func loadState(path, fp string) (*state, error) {
	st := &state{Version: stateVersion, Fingerprint: fp, Repos: map[string]*repoResult{}}
	if path == "" {
		return st, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--state: %w", err)
	}
	var old state
	if err := json.Unmarshal(b, &old); err != nil {
		return nil, fmt.Errorf("--state %s: not a litesweep github state file: %w", path, err)
	}
	if old.Version != stateVersion {
		return nil, fmt.Errorf("--state %s: state version %d, this build writes %d; remove it to start over", path, old.Version, stateVersion)
	}
	if old.Fingerprint != fp {
		return nil, fmt.Errorf("--state %s was written by a sweep of other targets, windows, pack or options; remove it or choose another file", path)
	}
	if old.Repos == nil {
		old.Repos = map[string]*repoResult{}
	}
	old.priorCalls, old.priorUsed = old.APICalls, old.RateLimitUsed
	return &old, nil
}

func (st *state) save(path string) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return sweep.WriteFileAtomic(path, b)
}
