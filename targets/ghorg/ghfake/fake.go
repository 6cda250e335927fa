// Package ghfake is an in-process GitHub for tests: an httptest API server
// speaking the REST shapes litesweep uses (field names from GitHub's REST
// documentation and go-github's structs), and a second server on another
// host name playing the log storage that job-log redirects point to. It
// counts calls, injects faults, and records any request that carried the
// token where it must not.
package ghfake

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Repo is a fake repository.
type Repo struct {
	Owner, Name    string
	ID             int64
	Fork, Archived bool
	Branch         string // default branch ("" = empty repository)
	Created        time.Time
	Runs           []*Run
	Files          map[string]string            // default-branch files: path -> content
	At             map[string]map[string]string // commit -> path -> content
	Workflows      map[int64]string             // workflow id -> path
	Secrets        []string
	OrgSecrets     []string
	EnvSecrets     map[string][]string
	SecretsStatus  int // non-zero: answer secret listings with this status
	RunsStatus     int // non-zero: answer run listings with this status (404 = Actions disabled)
}

// Run is a workflow run.
type Run struct {
	ID, WorkflowID int64
	Name, HeadSHA  string
	Event          string
	Created        time.Time
	Duration       time.Duration
	Attempt        int
	Jobs           []*Job
}

// Job is a job of a run; Log is served as plain text from the storage host
// unless LogStatus is set (410 for an expired log, 404, 403).
type Job struct {
	ID         int64
	Name       string
	Conclusion string // default "success"
	Log        string
	LogStatus  int
	Steps      []Step
	// CutLogAt > 0 makes the storage host promise the whole log
	// (Content-Length) but close the connection after this many bytes.
	CutLogAt int
}

// Step is a job step with its times.
type Step struct {
	Name        string
	Number      int
	Start, Stop time.Time
}

// Server is the fake GitHub.
type Server struct {
	Token    string
	API      *httptest.Server
	Storage  *httptest.Server
	PageSize int // the server's page size cap, to force Link pagination

	mu          sync.Mutex
	orgs        map[string][]*Repo
	users       map[string]bool  // accounts in orgs that are users, not organisations
	repos       map[string]*Repo // "owner/name"
	byID        map[int64]*Repo
	jobs        map[int64]*Job
	calls       int
	paths       map[string]int
	storageHits int
	leaks       []string
	remaining   int
	faults      map[string]Fault // path prefix -> fault, used once
	standing    *Fault           // answers every API request while set
	// standingFrom makes fromFault standing at the API call with this
	// number (set under the same lock that counts calls, so no request
	// slips between "the limit began" and the fault being in place).
	standingFrom int
	fromFault    *Fault
	// OnCall, if set, is called (without the lock) after each counted API call.
	OnCall func(n int)
	// IgnoreRaw answers contents and blob reads with the JSON envelope
	// even when the raw media type was asked for (as a proxy that drops
	// the Accept header, or an old GHES, does).
	IgnoreRaw bool
}

// Fault is an injected response.
type Fault struct {
	Status      int
	RetryAfter  string
	Body        string
	ContentType string            // default application/json; charset=utf-8
	Headers     map[string]string // set after the rate-limit headers (e.g. X-RateLimit-Remaining: 0)
	Times       int               // answer this many matching requests (0: once)
}

// SecondaryLimitFault is GitHub's answer to a secondary rate limit: 403,
// the documented message, a Retry-After when given, and a primary budget
// that is not exhausted.
func SecondaryLimitFault(retryAfter string) Fault {
	return Fault{Status: http.StatusForbidden, RetryAfter: retryAfter, Body: SecondaryLimit}
}

// PrimaryLimitFault is GitHub's answer when the primary limit is used up:
// 403 with X-RateLimit-Remaining 0 and the reset time.
func PrimaryLimitFault(reset time.Time) Fault {
	return Fault{Status: http.StatusForbidden, Body: PrimaryLimit,
		Headers: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Used": "5000", "X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)}}
}

// Standing makes every API request answer f until Standing(nil).
func (s *Server) Standing(f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.standing, s.fromFault = f, nil
}

// StandingFrom makes f standing from API call n on: call n and every later
// one get it, however many requests race in at once. (Setting it from
// OnCall instead lets concurrent requests through until OnCall runs.)
func (s *Server) StandingFrom(n int, f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.standingFrom, s.fromFault = n, f
}

// New starts the API and storage servers.
func New(token string) *Server {
	s := &Server{Token: token, PageSize: 30, orgs: map[string][]*Repo{}, repos: map[string]*Repo{}, byID: map[int64]*Repo{},
		jobs: map[int64]*Job{}, paths: map[string]int{}, remaining: 5000, faults: map[string]Fault{}}
	s.API = httptest.NewServer(http.HandlerFunc(s.serveAPI))
	s.Storage = httptest.NewServer(http.HandlerFunc(s.serveStorage))
	return s
}

// Close stops both servers.
func (s *Server) Close() { s.API.Close(); s.Storage.Close() }

// StorageURL is the storage server under another host name than the API.
func (s *Server) StorageURL() string {
	return strings.Replace(s.Storage.URL, "127.0.0.1", "localhost", 1)
}

// AddOrg adds repositories to an organisation.
func (s *Server) AddOrg(org string, repos ...*Repo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range repos {
		r.Owner = org
		if r.ID == 0 {
			r.ID = int64(1000 + len(s.repos))
		}
		s.orgs[org] = append(s.orgs[org], r)
		s.repos[strings.ToLower(org+"/"+r.Name)] = r
		s.byID[r.ID] = r
		for _, run := range r.Runs {
			for _, j := range run.Jobs {
				s.jobs[j.ID] = j
			}
		}
	}
}

// AddUser adds repositories owned by a user account (listed by
// /users/{user}/repos; /orgs/{user}/repos answers 404).
func (s *Server) AddUser(user string, repos ...*Repo) {
	s.AddOrg(user, repos...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users == nil {
		s.users = map[string]bool{}
	}
	s.users[user] = true
}

// EachJob calls fn for every job (to adjust a scenario's faults).
func (s *Server) EachJob(fn func(*Job)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.jobs {
		fn(j)
	}
}

// Fail makes the next request (f.Times requests) whose path starts with
// prefix answer with f.
func (s *Server) Fail(prefix string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[prefix] = f
}

// Calls is the number of API requests served (faults included).
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// PathCalls counts API requests whose path starts with prefix.
func (s *Server) PathCalls(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.paths {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// StorageHits is the number of log downloads served.
func (s *Server) StorageHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storageHits
}

// Leaks lists requests that reached the storage host with credentials.
func (s *Server) Leaks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.leaks...)
}

// ResetCounters zeroes the call counters.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.storageHits, s.paths = 0, 0, map[string]int{}
}

func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.storageHits++
	if a := r.Header.Get("Authorization"); a != "" || strings.Contains(r.URL.String(), s.Token) {
		s.leaks = append(s.leaks, r.Method+" "+r.URL.Path+" Authorization="+a)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/logs/job-"), 10, 64)
	j := s.jobs[id]
	s.mu.Unlock()
	if j == nil || r.URL.Query().Get("sig") == "" {
		http.Error(w, "AuthenticationFailed", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if j.CutLogAt > 0 && j.CutLogAt < len(j.Log) {
		w.Header().Set("Content-Length", strconv.Itoa(len(j.Log)))
		fmt.Fprint(w, j.Log[:j.CutLogAt])
		return // net/http closes the connection short of Content-Length
	}
	fmt.Fprint(w, j.Log)
}

// wantsRaw: the request asked for the raw media type
// (application/vnd.github.raw, .v3.raw, .raw+json), as GitHub honours it
// on the contents and blob endpoints.
func (s *Server) wantsRaw(r *http.Request) bool {
	if s.IgnoreRaw {
		return false
	}
	for _, a := range strings.Split(r.Header.Get("Accept"), ",") {
		mt := strings.TrimSpace(strings.SplitN(a, ";", 2)[0])
		switch mt {
		case "application/vnd.github.raw", "application/vnd.github.v3.raw", "application/vnd.github.raw+json", "application/vnd.github.v3.raw+json":
			return true
		}
	}
	return false
}

// writeRaw answers with a file's bytes, as GitHub does for the raw media type.
func writeRaw(w http.ResponseWriter, c string) {
	w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
	w.Header().Set("X-GitHub-Media-Type", "github.v3; param=raw")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, c)
}

// wrap64 is base64 in 60-column lines, as GitHub sends it.
func wrap64(c string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(c))
	var lines []string
	for len(enc) > 60 {
		lines, enc = append(lines, enc[:60]), enc[60:]
	}
	return strings.Join(append(lines, enc), "\n") + "\n"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter, doc string) {
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found", "documentation_url": "https://docs.github.com/rest/" + doc})
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/v3")
	s.mu.Lock()
	s.calls++
	n := s.calls
	if s.fromFault != nil && n >= s.standingFrom {
		s.standing, s.fromFault = s.fromFault, nil
	}
	s.paths[path]++
	s.remaining--
	if s.remaining < 1 {
		s.remaining = 5000
	}
	rem := s.remaining
	fault := s.standing
	for p, f := range s.faults {
		if fault != nil {
			break
		}
		if strings.HasPrefix(path, p) {
			f := f
			fault = &f
			if f.Times > 1 {
				f.Times--
				s.faults[p] = f
			} else {
				delete(s.faults, p)
			}
			break
		}
	}
	s.mu.Unlock()
	if s.OnCall != nil {
		defer s.OnCall(n)
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(rem))
	h.Set("X-RateLimit-Used", strconv.Itoa(5000-rem))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
		return
	}
	if fault != nil {
		if fault.RetryAfter != "" {
			h.Set("Retry-After", fault.RetryAfter)
		}
		for k, v := range fault.Headers {
			h.Set(k, v)
		}
		ct := fault.ContentType
		if ct == "" {
			ct = "application/json; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(fault.Status)
		fmt.Fprint(w, fault.Body)
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 3 && (parts[0] == "orgs" || parts[0] == "users") && parts[2] == "repos":
		s.mu.Lock()
		isUser := s.users[parts[1]]
		s.mu.Unlock()
		if isUser != (parts[0] == "users") {
			notFound(w, "repos/repos#list-organization-repositories")
			return
		}
		s.listOrgRepos(w, r, parts[1])
	case len(parts) == 5 && parts[0] == "repositories" && parts[2] == "environments" && parts[4] == "secrets":
		id, _ := strconv.ParseInt(parts[1], 10, 64)
		s.mu.Lock()
		repo := s.byID[id]
		s.mu.Unlock()
		if repo == nil {
			notFound(w, "actions/secrets")
			return
		}
		if repo.SecretsStatus != 0 {
			writeJSON(w, repo.SecretsStatus, map[string]string{"message": "Resource not accessible by personal access token"})
			return
		}
		s.secrets(w, r, repo.EnvSecrets[parts[3]])
	case len(parts) >= 3 && parts[0] == "repos":
		s.mu.Lock()
		repo := s.repos[strings.ToLower(parts[1]+"/"+parts[2])]
		s.mu.Unlock()
		if repo == nil {
			notFound(w, "repos/repos#get-a-repository")
			return
		}
		s.serveRepo(w, r, repo, parts[3:])
	default:
		notFound(w, "")
	}
}

func (s *Server) base(r *http.Request) string { return "http://" + r.Host }

func (s *Server) repoJSON(r *http.Request, repo *Repo) map[string]any {
	full := repo.Owner + "/" + repo.Name
	m := map[string]any{
		"id": repo.ID, "node_id": "R_" + strconv.FormatInt(repo.ID, 10), "name": repo.Name, "full_name": full, "private": true,
		"owner":    map[string]any{"login": repo.Owner, "id": 4242, "type": "Organization"},
		"html_url": "https://github.example/" + full, "url": s.base(r) + "/api/v3/repos/" + full,
		"fork": repo.Fork, "archived": repo.Archived, "disabled": false, "visibility": "private",
		"created_at": repo.Created.UTC().Format(time.RFC3339), "updated_at": "2026-04-01T00:00:00Z", "pushed_at": "2026-04-01T00:00:00Z",
	}
	if repo.Branch != "" {
		m["default_branch"] = repo.Branch
	}
	return m
}

// page applies page/per_page and sets the Link header.
func (s *Server) page(w http.ResponseWriter, r *http.Request, total int) (int, int) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, s.PageSize)
	pg, _ := strconv.Atoi(q.Get("page"))
	if pg <= 0 {
		pg = 1
	}
	last := max(1, (total+per-1)/per)
	link := func(p int, rel string) string {
		u := *r.URL
		qq := u.Query()
		qq.Set("page", strconv.Itoa(p))
		qq.Set("per_page", strconv.Itoa(per))
		u.RawQuery = qq.Encode()
		return fmt.Sprintf("<%s%s>; rel=%q", s.base(r), u.RequestURI(), rel)
	}
	var links []string
	if pg < last {
		links = append(links, link(pg+1, "next"), link(last, "last"))
	}
	if pg > 1 {
		links = append(links, link(1, "first"), link(pg-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := min((pg-1)*per, total)
	return start, min(start+per, total)
}

func (s *Server) listOrgRepos(w http.ResponseWriter, r *http.Request, org string) {
	s.mu.Lock()
	repos, ok := s.orgs[org]
	s.mu.Unlock()
	if !ok {
		notFound(w, "repos/repos#list-organization-repositories")
		return
	}
	a, b := s.page(w, r, len(repos))
	out := []any{}
	for _, repo := range repos[a:b] {
		out = append(out, s.repoJSON(r, repo))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) serveRepo(w http.ResponseWriter, r *http.Request, repo *Repo, rest []string) {
	full := repo.Owner + "/" + repo.Name
	switch {
	case len(rest) == 0:
		writeJSON(w, http.StatusOK, s.repoJSON(r, repo))
	case len(rest) == 2 && rest[0] == "actions" && rest[1] == "runs":
		if repo.RunsStatus == http.StatusForbidden {
			w.Header().Set("X-Accepted-GitHub-Permissions", "actions=read")
			writeJSON(w, repo.RunsStatus, map[string]string{"message": "Resource not accessible by personal access token",
				"documentation_url": "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-repository"})
			return
		}
		if repo.RunsStatus != 0 {
			writeJSON(w, repo.RunsStatus, map[string]string{"message": "Not Found", "documentation_url": "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-repository"})
			return
		}
		from, to, err := parseCreated(r.URL.Query().Get("created"))
		if err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed: " + err.Error()})
			return
		}
		var sel []*Run
		for _, run := range repo.Runs {
			if (from.IsZero() || !run.Created.Before(from)) && (to.IsZero() || !run.Created.After(to)) {
				sel = append(sel, run)
			}
		}
		// Newest first, as GitHub lists them; filtered listings stop at 1,000.
		sort.Slice(sel, func(i, j int) bool { return sel[i].Created.After(sel[j].Created) })
		total := len(sel)
		if total > 1000 {
			sel = sel[:1000]
		}
		a, b := s.page(w, r, len(sel))
		out := []any{}
		for _, run := range sel[a:b] {
			out = append(out, s.runJSON(r, repo, run))
		}
		writeJSON(w, http.StatusOK, map[string]any{"total_count": total, "workflow_runs": out})
	case len(rest) == 4 && rest[0] == "actions" && rest[1] == "runs" && rest[3] == "jobs":
		id, _ := strconv.ParseInt(rest[2], 10, 64)
		run := findRun(repo, id)
		if run == nil {
			notFound(w, "actions/workflow-jobs")
			return
		}
		a, b := s.page(w, r, len(run.Jobs))
		out := []any{}
		for _, j := range run.Jobs[a:b] {
			out = append(out, s.jobJSON(r, repo, run, j))
		}
		writeJSON(w, http.StatusOK, map[string]any{"total_count": len(run.Jobs), "jobs": out})
	case len(rest) == 4 && rest[0] == "actions" && rest[1] == "jobs" && rest[3] == "logs":
		id, _ := strconv.ParseInt(rest[2], 10, 64)
		s.mu.Lock()
		j := s.jobs[id]
		s.mu.Unlock()
		switch {
		case j == nil:
			notFound(w, "actions/workflow-jobs#download-job-logs-for-a-workflow-run")
		case j.LogStatus != 0:
			writeJSON(w, j.LogStatus, map[string]string{"message": http.StatusText(j.LogStatus), "documentation_url": "https://docs.github.com/rest/actions/workflow-jobs#download-job-logs-for-a-workflow-run"})
		default:
			loc := fmt.Sprintf("%s/logs/job-%d?sig=%s&se=%d&sp=r", s.StorageURL(), id, "f4ke5ignature", time.Now().Add(time.Minute).Unix())
			w.Header().Set("Location", loc)
			w.WriteHeader(http.StatusFound)
		}
	case len(rest) == 2 && rest[0] == "actions" && rest[1] == "workflows":
		var ids []int64
		for id := range repo.Workflows {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		a, b := s.page(w, r, len(ids))
		out := []any{}
		for _, id := range ids[a:b] {
			p := repo.Workflows[id]
			out = append(out, map[string]any{"id": id, "node_id": fmt.Sprintf("W_%d", id), "name": strings.TrimSuffix(p[strings.LastIndex(p, "/")+1:], ".yml"),
				"path": p, "state": "active", "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-06-01T00:00:00Z",
				"url": fmt.Sprintf("%s/api/v3/repos/%s/actions/workflows/%d", s.base(r), full, id), "html_url": "https://github.example/" + full + "/blob/main/" + p,
				"badge_url": "https://github.example/" + full + "/workflows/x/badge.svg"})
		}
		writeJSON(w, http.StatusOK, map[string]any{"total_count": len(ids), "workflows": out})
	case len(rest) >= 2 && rest[0] == "contents":
		p := strings.Join(rest[1:], "/")
		ref := r.URL.Query().Get("ref")
		files := repo.Files
		if ref != "" {
			files = repo.At[ref]
		}
		c, ok := files[p]
		if !ok {
			notFound(w, "repos/contents#get-repository-content")
			return
		}
		if s.wantsRaw(r) {
			writeRaw(w, c)
			return
		}
		enc := base64.StdEncoding.EncodeToString([]byte(c))
		var lines []string
		for len(enc) > 60 {
			lines, enc = append(lines, enc[:60]), enc[60:]
		}
		lines = append(lines, enc)
		writeJSON(w, http.StatusOK, map[string]any{"type": "file", "encoding": "base64", "size": len(c), "name": p[strings.LastIndex(p, "/")+1:],
			"path": p, "content": strings.Join(lines, "\n") + "\n", "sha": blobSHA(c),
			"url": s.base(r) + "/api/v3/repos/" + full + "/contents/" + p, "html_url": "https://github.example/" + full + "/blob/" + ref + "/" + p})
	case len(rest) == 3 && rest[0] == "git" && rest[1] == "trees":
		if repo.Branch == "" || len(repo.Files) == 0 {
			writeJSON(w, http.StatusConflict, map[string]string{"message": "Git Repository is empty.", "documentation_url": "https://docs.github.com/rest/git/trees#get-a-tree"})
			return
		}
		if rest[2] != repo.Branch {
			notFound(w, "git/trees#get-a-tree")
			return
		}
		var paths []string
		for p := range repo.Files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		tree := []any{}
		dirs := map[string]bool{}
		for _, p := range paths {
			for d := p; strings.Contains(d, "/"); {
				d = d[:strings.LastIndex(d, "/")]
				if !dirs[d] {
					dirs[d] = true
					tree = append(tree, map[string]any{"path": d, "mode": "040000", "type": "tree", "sha": blobSHA("tree:" + d)})
				}
			}
			c := repo.Files[p]
			tree = append(tree, map[string]any{"path": p, "mode": "100644", "type": "blob", "sha": blobSHA(c), "size": len(c),
				"url": s.base(r) + "/api/v3/repos/" + full + "/git/blobs/" + blobSHA(c)})
		}
		writeJSON(w, http.StatusOK, map[string]any{"sha": blobSHA("root:" + full), "url": s.base(r) + r.URL.Path, "tree": tree, "truncated": false})
	case len(rest) == 3 && rest[0] == "git" && rest[1] == "blobs":
		for _, c := range repo.Files {
			if blobSHA(c) == rest[2] {
				if s.wantsRaw(r) {
					writeRaw(w, c)
					return
				}
				writeJSON(w, http.StatusOK, map[string]any{"sha": rest[2], "node_id": "B_" + rest[2][:8], "size": len(c), "encoding": "base64",
					"url": s.base(r) + r.URL.Path, "content": wrap64(c)})
				return
			}
		}
		notFound(w, "git/blobs#get-a-blob")
	case len(rest) == 2 && rest[0] == "actions" && (rest[1] == "secrets" || rest[1] == "organization-secrets"):
		if repo.SecretsStatus != 0 {
			w.Header().Set("X-Accepted-GitHub-Permissions", "secrets=read")
			writeJSON(w, repo.SecretsStatus, map[string]string{"message": "Resource not accessible by personal access token",
				"documentation_url": "https://docs.github.com/rest/actions/secrets#list-repository-secrets"})
			return
		}
		names := repo.Secrets
		if rest[1] == "organization-secrets" {
			names = repo.OrgSecrets
		}
		s.secrets(w, r, names)
	default:
		notFound(w, "")
	}
}

func (s *Server) secrets(w http.ResponseWriter, r *http.Request, names []string) {
	a, b := s.page(w, r, len(names))
	out := []any{}
	for _, n := range names[a:b] {
		out = append(out, map[string]any{"name": n, "created_at": "2025-01-10T10:00:00Z", "updated_at": "2025-11-02T10:00:00Z"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(names), "secrets": out})
}

func findRun(repo *Repo, id int64) *Run {
	for _, run := range repo.Runs {
		if run.ID == id {
			return run
		}
	}
	return nil
}

func (s *Server) runJSON(r *http.Request, repo *Repo, run *Run) map[string]any {
	full := repo.Owner + "/" + repo.Name
	api := fmt.Sprintf("%s/api/v3/repos/%s/actions/runs/%d", s.base(r), full, run.ID)
	attempt := max(run.Attempt, 1)
	return map[string]any{
		"id": run.ID, "name": run.Name, "node_id": fmt.Sprintf("WFR_%d", run.ID), "head_branch": "main", "head_sha": run.HeadSHA,
		"path": repo.Workflows[run.WorkflowID], "display_title": run.Name, "run_number": run.ID % 1000, "event": run.Event,
		"status": "completed", "conclusion": "success", "workflow_id": run.WorkflowID, "check_suite_id": run.ID * 7,
		"url": api, "html_url": fmt.Sprintf("https://github.example/%s/actions/runs/%d", full, run.ID),
		"created_at": run.Created.UTC().Format(time.RFC3339), "updated_at": run.Created.Add(run.Duration).UTC().Format(time.RFC3339),
		"run_attempt": attempt, "run_started_at": run.Created.UTC().Format(time.RFC3339),
		"jobs_url": api + "/jobs", "logs_url": api + "/logs", "check_suite_url": api + "/check-suite", "artifacts_url": api + "/artifacts",
		"cancel_url": api + "/cancel", "rerun_url": api + "/rerun", "workflow_url": fmt.Sprintf("%s/api/v3/repos/%s/actions/workflows/%d", s.base(r), full, run.WorkflowID),
		"repository": map[string]any{"id": repo.ID, "name": repo.Name, "full_name": full},
	}
}

func (s *Server) jobJSON(r *http.Request, repo *Repo, run *Run, j *Job) map[string]any {
	full := repo.Owner + "/" + repo.Name
	conclusion := j.Conclusion
	if conclusion == "" {
		conclusion = "success"
	}
	steps := []any{}
	for _, st := range j.Steps {
		steps = append(steps, map[string]any{"name": st.Name, "status": "completed", "conclusion": "success", "number": st.Number,
			"started_at": st.Start.UTC().Format(time.RFC3339), "completed_at": st.Stop.UTC().Format(time.RFC3339)})
	}
	return map[string]any{
		"id": j.ID, "run_id": run.ID, "run_url": fmt.Sprintf("%s/api/v3/repos/%s/actions/runs/%d", s.base(r), full, run.ID),
		"node_id": fmt.Sprintf("CR_%d", j.ID), "head_sha": run.HeadSHA, "url": fmt.Sprintf("%s/api/v3/repos/%s/actions/jobs/%d", s.base(r), full, j.ID),
		"html_url": fmt.Sprintf("https://github.example/%s/actions/runs/%d/job/%d", full, run.ID, j.ID), "status": "completed", "conclusion": conclusion,
		"created_at": run.Created.UTC().Format(time.RFC3339), "started_at": run.Created.UTC().Format(time.RFC3339),
		"completed_at": run.Created.Add(run.Duration).UTC().Format(time.RFC3339), "name": j.Name, "steps": steps,
		"check_run_url": fmt.Sprintf("%s/api/v3/repos/%s/check-runs/%d", s.base(r), full, j.ID), "labels": []string{"ubuntu-latest"},
		"runner_id": 7, "runner_name": "GitHub Actions 7", "runner_group_id": 1, "runner_group_name": "GitHub Actions",
		"run_attempt": max(run.Attempt, 1), "workflow_name": run.Name,
	}
}

// parseCreated parses the `created` filter: DATE, A..B with dates or
// RFC 3339 times (a date end is inclusive of its whole day).
func parseCreated(q string) (time.Time, time.Time, error) {
	if q == "" {
		return time.Time{}, time.Time{}, nil
	}
	q, _ = url.QueryUnescape(q)
	a, b, ok := strings.Cut(q, "..")
	if !ok {
		b = a
	}
	from, fromDay, err := parseWhen(a)
	if err != nil {
		return from, from, err
	}
	to, toDay, err := parseWhen(b)
	if err != nil {
		return from, to, err
	}
	_ = fromDay
	if toDay {
		to = to.Add(24*time.Hour - time.Nanosecond)
	}
	return from, to, nil
}

func parseWhen(s string) (time.Time, bool, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, false, err
}

// blobSHA is git's blob id of content.
func blobSHA(c string) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(c))
	h.Write([]byte(c))
	return hex.EncodeToString(h.Sum(nil))
}
