package github

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// jobLog streams one job's log through ScanLog. The API answers
// GET /repos/{o}/{r}/actions/jobs/{id}/logs with a redirect to a
// short-lived URL on another host; that request goes out without the token.
// go-github's GetWorkflowJobLogs does not type its errors, so statuses are
// handled here: 404/410 (expired or deleted) and 403 are returned as the
// status with an error.
func (rs *repoSweep) jobLog(ctx context.Context, job *gh.WorkflowJob) (LogResult, int, error) {
	s := rs.s
	u := fmt.Sprintf("repos/%s/%s/actions/jobs/%d/logs", url.PathEscape(rs.ri.Owner), url.PathEscape(rs.ri.Name), job.GetID())
	req, err := s.client.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return LogResult{}, 0, err
	}
	body, status, err := s.follow(ctx, req.URL, 0)
	if err != nil {
		return LogResult{}, status, err
	}
	defer body.Close()
	lr, err := ScanLog(body, s.cfg.MaxLogBytes, stepSpans(job), s.m)
	if err != nil {
		return lr, http.StatusOK, fmt.Errorf("reading the log: %s", scrubURLs(err.Error()))
	}
	return lr, http.StatusOK, nil
}

// follow GETs an API URL without following redirects itself; a redirect
// to the API host is followed with the token, one to any other host
// without it. A stale pre-signed URL is re-requested once.
func (s *Sweeper) follow(ctx context.Context, u *url.URL, retried int) (io.ReadCloser, int, error) {
	for hop := 0; hop < 5; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, 0, err
		}
		req.Header.Set("Accept", "application/vnd.github+json")
		resp, err := s.noRedirect.Do(req)
		if err != nil {
			return nil, 0, fmt.Errorf("%s", scrubURLs(err.Error()))
		}
		switch resp.StatusCode {
		case http.StatusOK:
			return resp.Body, http.StatusOK, nil
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc, err := resp.Location()
			drain(resp)
			if err != nil {
				return nil, resp.StatusCode, fmt.Errorf("redirect without a usable Location: %w", err)
			}
			if loc.Host == s.tr.apiHost {
				u = loc
				continue
			}
			return s.fetchStorage(ctx, u, loc, retried)
		default:
			drain(resp)
			return nil, resp.StatusCode, fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		}
	}
	return nil, 0, fmt.Errorf("too many redirects")
}

// fetchStorage GETs the pre-signed log URL with a client that never sends
// the Authorization header.
func (s *Sweeper) fetchStorage(ctx context.Context, api, loc *url.URL, retried int) (io.ReadCloser, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := s.blob.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("log storage: %s", scrubURLs(err.Error()))
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, http.StatusOK, nil
	}
	drain(resp)
	if retried == 0 && (resp.StatusCode == http.StatusForbidden || resp.StatusCode >= 500) {
		// The one-minute URL may have expired in a queue, or storage had a
		// hiccup: ask the API for a fresh one.
		return s.follow(ctx, api, 1)
	}
	return nil, resp.StatusCode, fmt.Errorf("log storage answered HTTP %d", resp.StatusCode)
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

func stepSpans(job *gh.WorkflowJob) []StepSpan {
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
