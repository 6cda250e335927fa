package github

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// apiTransport is the round tripper under the go-github client and the
// log-redirect requests. It adds the token only to requests for the API host
// (never to the short-lived log URLs on another host), counts API calls,
// follows the rate-limit headers, and retries secondary limits and 5xx
// responses. go-github therefore only sees final responses.
type apiTransport struct {
	base     http.RoundTripper
	apiHost  string // host[:port] the token may be sent to
	token    string
	maxWait  time.Duration // longest single wait for a rate-limit reset
	retries  int           // attempts after the first for 5xx and secondary limits
	sleep    func(ctx context.Context, d time.Duration) error
	now      func() time.Time
	calls    atomic.Int64
	retried  atomic.Int64
	waitedNS atomic.Int64

	mu    sync.Mutex
	rates map[string]*rateState // by X-RateLimit-Resource
	// blockedUntil is set from a secondary limit's Retry-After or an
	// exhausted primary limit: no request is sent before it.
	blockedUntil time.Time
}

type rateState struct {
	reset     int64 // epoch seconds of the current window
	firstUsed int64 // X-RateLimit-Used seen first in this window
	lastUsed  int64
	remaining int64
	limit     int64
	carried   int64 // used in earlier windows
}

func newAPITransport(base http.RoundTripper, apiHost, token string) *apiTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &apiTransport{base: base, apiHost: apiHost, token: token, maxWait: time.Hour + 5*time.Minute,
		retries: 4, sleep: sleepCtx, now: time.Now, rates: map[string]*rateState{}}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RoundTrip implements http.RoundTripper.
func (t *apiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.apiHost {
		// Not the API: no token, no counting, no rate-limit bookkeeping.
		r := req.Clone(req.Context())
		r.Header.Del("Authorization")
		return t.base.RoundTrip(r)
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		if err := t.waitBlocked(ctx); err != nil {
			return nil, err
		}
		r := req.Clone(ctx)
		if t.token != "" {
			r.Header.Set("Authorization", "Bearer "+t.token)
		}
		t.calls.Add(1)
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			if ctx.Err() != nil || attempt >= t.retries {
				return nil, scrubErr(err, t.token)
			}
			t.retried.Add(1)
			if err := t.pause(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		t.observe(resp)
		wait, retry := t.retryDecision(resp, attempt)
		if !retry {
			t.hideExhaustion(resp)
			return resp, nil
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		t.retried.Add(1)
		if err := t.pause(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (t *apiTransport) pause(ctx context.Context, d time.Duration) error {
	t.waitedNS.Add(int64(d))
	return t.sleep(ctx, d)
}

// waitBlocked waits while a secondary limit or an exhausted primary limit
// is in force.
func (t *apiTransport) waitBlocked(ctx context.Context) error {
	t.mu.Lock()
	until := t.blockedUntil
	t.mu.Unlock()
	if d := until.Sub(t.now()); d > 0 {
		if d > t.maxWait {
			return fmt.Errorf("rate limit exhausted until %s (longer than the %s this sweep waits)", until.UTC().Format(time.RFC3339), t.maxWait)
		}
		return t.pause(ctx, d)
	}
	return nil
}

// observe records the X-RateLimit-* headers of a response.
func (t *apiTransport) observe(resp *http.Response) {
	h := resp.Header
	rem, err1 := strconv.ParseInt(h.Get("X-RateLimit-Remaining"), 10, 64)
	reset, err2 := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	used, errU := strconv.ParseInt(h.Get("X-RateLimit-Used"), 10, 64)
	limit, _ := strconv.ParseInt(h.Get("X-RateLimit-Limit"), 10, 64)
	if errU != nil && limit > 0 {
		used = limit - rem
	}
	res := h.Get("X-RateLimit-Resource")
	if res == "" {
		res = "core"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.rates[res]
	if s == nil {
		s = &rateState{reset: reset, firstUsed: used, lastUsed: used}
		t.rates[res] = s
	}
	if reset != s.reset && reset > s.reset {
		s.carried += s.lastUsed - s.firstUsed + 1
		s.reset, s.firstUsed, s.lastUsed = reset, used, used
	}
	s.lastUsed = max(s.lastUsed, used)
	s.firstUsed = min(s.firstUsed, used)
	s.remaining, s.limit = rem, limit
	if rem == 0 {
		until := time.Unix(reset, 0).Add(time.Second)
		if until.After(t.blockedUntil) {
			t.blockedUntil = until
		}
	}
}

// retryDecision says whether a response is retried and after how long:
// secondary limits (403/429 with Retry-After or the secondary-limit
// message), an exhausted primary limit (403/429 with remaining 0, waited
// until reset by waitBlocked), and 5xx with jittered backoff.
func (t *apiTransport) retryDecision(resp *http.Response, attempt int) (time.Duration, bool) {
	code := resp.StatusCode
	if attempt >= t.retries {
		return 0, false
	}
	switch {
	case code == http.StatusForbidden || code == http.StatusTooManyRequests:
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if s, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && s >= 0 {
				d := time.Duration(s) * time.Second
				if d > t.maxWait {
					return 0, false
				}
				t.block(d)
				return 0, true // waitBlocked does the waiting
			}
		}
		if resp.Header.Get("X-RateLimit-Remaining") == "0" {
			t.mu.Lock()
			until := t.blockedUntil
			t.mu.Unlock()
			if until.Sub(t.now()) > t.maxWait {
				return 0, false
			}
			return 0, true
		}
		if code == http.StatusTooManyRequests || secondaryBody(resp) {
			// No Retry-After: wait at least a minute (GitHub's guidance),
			// growing per attempt.
			d := time.Minute << attempt
			if d > t.maxWait {
				return 0, false
			}
			t.block(d)
			return 0, true
		}
		return 0, false
	case code >= 500 && code <= 599 && code != http.StatusNotImplemented:
		return backoff(attempt), true
	}
	return 0, false
}

// secondaryBody reports whether a 403 says it is a secondary rate limit
// (GitHub sometimes omits Retry-After); the body stays readable.
func secondaryBody(resp *http.Response) bool {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return bytes.Contains(bytes.ToLower(b), []byte("secondary rate limit"))
}

func (t *apiTransport) block(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if until := t.now().Add(d); until.After(t.blockedUntil) {
		t.blockedUntil = until
	}
}

// hideExhaustion keeps go-github from refusing every later call locally when
// a successful response reports 0 remaining: this transport already waits
// for the reset before the next request.
func (t *apiTransport) hideExhaustion(resp *http.Response) {
	if resp.StatusCode < 400 && resp.Header.Get("X-RateLimit-Remaining") == "0" {
		resp.Header.Set("X-RateLimit-Remaining", "1")
	}
}

// backoff is 0.5s, 1s, 2s, 4s ... with ±50% jitter.
func backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << attempt
	return d/2 + time.Duration(rand.Int64N(int64(d)))
}

// Calls is the number of API requests sent (retries included).
func (t *apiTransport) Calls() int64 { return t.calls.Load() }

// RateLimitUsed is the primary rate-limit budget consumed while the sweep
// ran, from X-RateLimit-Used across reset windows (it includes other users
// of the same token in that time).
func (t *apiTransport) RateLimitUsed() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var n int64
	for _, s := range t.rates {
		n += s.carried + s.lastUsed - s.firstUsed + 1
	}
	return n
}

// Remaining returns the last seen core remaining and limit.
func (t *apiTransport) Remaining() (remaining, limit int64, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.rates["core"]
	if s == nil {
		return 0, 0, false
	}
	return s.remaining, s.limit, true
}

// scrubErr removes the token from an error's text (belt and braces: the
// token is only ever in a header, which net/http errors do not print).
func scrubErr(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), token, "[REDACTED]"))
}
