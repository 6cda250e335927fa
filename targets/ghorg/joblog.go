package ghorg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"
)

// logError is a job log that could not be read: the API's answer (api)
// or the log storage's, with its status (0: network or stream failure).
type logError struct {
	status int
	api    bool
	needs  string // X-Accepted-GitHub-Permissions of a 403
	msg    string
}

func (e *logError) Error() string { return e.msg }

// Status lets statusOf see the answer; isTransient treats 403, 404 and 410
// from the API as permanent and everything from the storage host (an
// expired signature, a hiccup) as transient.
func (e *logError) permanent() bool {
	return e.api && (e.status == http.StatusForbidden || e.status == http.StatusNotFound || e.status == http.StatusGone)
}

// jobLog streams one job's log through ScanLog. The API answers
// GET /repos/{o}/{r}/actions/jobs/{id}/logs with a redirect to a
// short-lived URL on another host; that request goes out without the token.
// go-github's GetWorkflowJobLogs does not type its errors, so statuses are
// handled here as a *logError.
func (rs *repoSweep) jobLog(ctx context.Context, job *github.WorkflowJob) (LogResult, error) {
	s := rs.s
	u := fmt.Sprintf("repos/%s/%s/actions/jobs/%d/logs", url.PathEscape(rs.ri.Owner), url.PathEscape(rs.ri.Name), job.GetID())
	req, err := s.client.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return LogResult{}, err
	}
	body, err := s.follow(ctx, req.URL, 0)
	if err != nil {
		return LogResult{}, err
	}
	defer body.Close()
	lr, err := ScanLog(body, s.cfg.MaxLogBytes, stepSpans(job), s.m)
	if err != nil {
		return lr, &logError{msg: "reading the log: " + scrubURLs(err.Error())}
	}
	return lr, nil
}

// follow GETs an API URL without following redirects itself; a redirect
// to the API host is followed with the token, one to any other host
// without it. A stale pre-signed URL is re-requested once.
func (s *Sweeper) follow(ctx context.Context, u *url.URL, retried int) (io.ReadCloser, error) {
	for hop := 0; hop < 5; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/vnd.github+json")
		resp, err := s.noRedirect.Do(req)
		if err != nil {
			var le *LimitError
			if errors.As(err, &le) {
				return nil, le
			}
			return nil, &logError{msg: scrubURLs(err.Error())}
		}
		switch resp.StatusCode {
		case http.StatusOK:
			return resp.Body, nil
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc, err := resp.Location()
			drain(resp)
			if err != nil {
				return nil, &logError{status: resp.StatusCode, api: true, msg: "redirect without a usable Location: " + err.Error()}
			}
			if loc.Host == s.tr.apiHost {
				u = loc
				continue
			}
			return s.fetchStorage(ctx, u, loc, retried)
		default:
			drain(resp)
			return nil, &logError{status: resp.StatusCode, api: true, needs: resp.Header.Get("X-Accepted-GitHub-Permissions"),
				msg: fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))}
		}
	}
	return nil, &logError{msg: "too many redirects"}
}

// fetchStorage GETs the pre-signed log URL with a client that never sends
// the Authorization header.
func (s *Sweeper) fetchStorage(ctx context.Context, api, loc *url.URL, retried int) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.blob.Do(req)
	if err != nil {
		return nil, &logError{msg: "log storage: " + scrubURLs(err.Error())}
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, nil
	}
	drain(resp)
	if retried == 0 && (resp.StatusCode == http.StatusForbidden || resp.StatusCode >= 500) {
		// The one-minute URL may have expired in a queue, or storage had a
		// hiccup: ask the API for a fresh one.
		return s.follow(ctx, api, 1)
	}
	return nil, &logError{status: resp.StatusCode, msg: fmt.Sprintf("log storage answered HTTP %d", resp.StatusCode)}
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

// scrubURLs drops query strings (pre-signed URL signatures) from a message.
func scrubURLs(s string) string {
	out := make([]string, 0, 8)
	for _, f := range strings.Fields(s) {
		if i := strings.Index(f, "://"); i >= 0 {
			if q := strings.IndexByte(f, '?'); q > i {
				f = f[:q] + "?[signature removed]"
			}
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

func stepSpans(job *github.WorkflowJob) []StepSpan {
	var out []StepSpan
	for _, st := range job.Steps {
		sp := StepSpan{Number: st.GetNumber(), Name: st.GetName()}
		if st.StartedAt != nil {
			sp.Start = st.StartedAt.UTC()
		}
		if st.CompletedAt != nil {
			sp.Stop = st.CompletedAt.UTC()
		}
		out = append(out, sp)
	}
	return out
}
