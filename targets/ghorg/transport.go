package ghorg

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
// follows the rate-limit headers, retries 5xx responses, and holds a
// circuit breaker for rate limits:
//
//   - a limit answer (403/429 secondary limit, or an exhausted primary limit)
//     stops every request: the sweep waits as GitHub asks (Retry-After, or
//     until X-RateLimit-Reset), then exponentially longer with jitter;
//   - after a limit answer only one request (a probe) goes out at a time
//     until one succeeds;
//   - after maxLimitAnswers consecutive limit answers, or when the wait would
//     exceed maxWait, the breaker opens: no request is sent again and every
//     call fails with a *LimitError naming the time to retry after.
//
// go-github therefore only sees final responses.
type apiTransport struct {
	base     http.RoundTripper
	apiHost  string // host[:port] the token may be sent to
	token    string
	maxWait  time.Duration // longest wait for a rate limit, single or summed
	retries  int           // attempts after the first for 5xx and network errors
	maxLimit int           // consecutive limit answers before the breaker opens
	sleep    func(ctx context.Context, d time.Duration) error
	now      func() time.Time
	calls    atomic.Int64
	retried  atomic.Int64
	waitedNS atomic.Int64

	mu    sync.Mutex
	rates map[string]*rateState // by X-RateLimit-Resource
	// blockedUntil is set from a limit answer or an exhausted primary limit:
	// no request is sent before it.
	blockedUntil time.Time
	epoch        int           // bumped whenever blockedUntil moves
	streak       int           // consecutive limit answers
	limitWaited  time.Duration // waits for the current standing limit
	waitedEpoch  int           // the epoch last added to limitWaited
	limitBegan   int64         // calls counter when the current limit began
	probing      bool          // a probe is in flight
	changed      chan struct{} // closed when a probe answers
	open         *LimitError   // the breaker is open: nothing is sent
}

// LimitError is returned for every request once the breaker is open: the
// API kept answering with a rate limit, or its reset lies beyond the wait
// budget. Until is when GitHub said (or is expected) to accept requests again.
type LimitError struct {
	Until   time.Time
	Reason  string // "secondary rate limit", "primary rate limit exhausted"
	Answers int    // consecutive limit answers seen
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("GitHub API %s (%d consecutive limit answers); stopped sending requests; retry after %s",
		e.Reason, e.Answers, e.Until.UTC().Format(time.RFC3339))
}

type rateState struct {
	reset     int64 // epoch seconds of the current window
	firstUsed int64 // X-RateLimit-Used seen first in this window
	lastUsed  int64
	remaining int64
	limit     int64
	carried   int64 // used in earlier windows
}

// defaultMaxLimitAnswers is how many consecutive limit answers the sweep
// takes before it stops sending (waits of about 1, 2, 4 and 8 minutes
// in between when GitHub gives no Retry-After).
const defaultMaxLimitAnswers = 5

func newAPITransport(base http.RoundTripper, apiHost, token string) *apiTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &apiTransport{base: base, apiHost: apiHost, token: token, maxWait: time.Hour + 5*time.Minute,
		retries: 4, maxLimit: defaultMaxLimitAnswers, sleep: sleepCtx, now: time.Now, rates: map[string]*rateState{},
		changed: make(chan struct{})}
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
	fails := 0 // 5xx and network errors of this request
	for {
		probe, err := t.admit(ctx)
		if err != nil {
			return nil, err
		}
		r := req.Clone(ctx)
		if t.token != "" {
			r.Header.Set("Authorization", "Bearer "+t.token)
		}
		t.calls.Add(1)
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			t.release(probe) // no answer: the limit streak stands
			if ctx.Err() != nil || fails >= t.retries {
				return nil, scrubErr(err, t.token)
			}
			fails++
			t.retried.Add(1)
			if err := t.pause(ctx, backoff(fails-1)); err != nil {
				return nil, err
			}
			continue
		}
		t.observe(resp)
		if lim := t.limitOf(resp); lim != nil {
			drain(resp)
			t.retried.Add(1)
			t.settle(probe, lim)
			continue // admit waits, or fails once the breaker is open
		}
		t.settle(probe, nil)
		if code := resp.StatusCode; code >= 500 && code <= 599 && code != http.StatusNotImplemented && fails < t.retries {
			drain(resp)
			fails++
			t.retried.Add(1)
			if err := t.pause(ctx, backoff(fails-1)); err != nil {
				return nil, err
			}
			continue
		}
		t.hideExhaustion(resp)
		return resp, nil
	}
}

// limitAnswer is a rate-limit response: how long GitHub asked to wait
// (Retry-After), or when the primary limit resets.
type limitAnswer struct {
	reason     string
	retryAfter time.Duration // 0: not given
	reset      time.Time     // primary limit: X-RateLimit-Reset
}

// limitOf classifies a response as a rate-limit answer: 429; 403 with
// Retry-After; 403 with X-RateLimit-Remaining 0; 403 whose body says it is
// a secondary rate limit. Other 403s (missing permission) are final.
func (t *apiTransport) limitOf(resp *http.Response) *limitAnswer {
	code := resp.StatusCode
	if code != http.StatusForbidden && code != http.StatusTooManyRequests {
		return nil
	}
	var l limitAnswer
	if ra := strings.TrimSpace(resp.Header.Get("Retry-After")); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			l.retryAfter = time.Duration(s) * time.Second
		} else if when, err := http.ParseTime(ra); err == nil {
			l.retryAfter = max(when.Sub(t.now()), time.Second)
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			l.reset = time.Unix(reset, 0).Add(time.Second)
		}
		l.reason = "primary rate limit exhausted"
		return &l
	}
	if l.retryAfter > 0 || code == http.StatusTooManyRequests || secondaryBody(resp) {
		l.reason = "secondary rate limit"
		return &l
	}
	return nil
}

// admit lets a request go out: at once while no limit stands; otherwise
// after the wait, one probe at a time. It fails when the breaker is open.
func (t *apiTransport) admit(ctx context.Context) (probe bool, err error) {
	slept := -1 // the epoch whose wait this request has served
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		t.mu.Lock()
		if t.open != nil {
			e := *t.open
			t.mu.Unlock()
			return false, &e
		}
		d := t.blockedUntil.Sub(t.now())
		if d > 0 && slept != t.epoch {
			if d > t.maxWait || t.limitWaited+d > t.maxWait {
				e := t.trip(t.blockedUntil, "rate limit resets beyond the wait budget of "+t.maxWait.String())
				t.mu.Unlock()
				return false, e
			}
			e := t.epoch
			if t.streak > 0 && t.waitedEpoch != e {
				t.limitWaited += d
				t.waitedEpoch = e
			}
			t.mu.Unlock()
			if err := t.pause(ctx, d); err != nil {
				return false, err
			}
			slept = e
			continue
		}
		if t.streak == 0 {
			t.mu.Unlock()
			return false, nil
		}
		if t.probing {
			ch := t.changed
			t.mu.Unlock()
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-ch:
			}
			continue
		}
		t.probing = true
		t.mu.Unlock()
		return true, nil
	}
}

// release ends a probe that got no answer (network error, cancelled).
func (t *apiTransport) release(probe bool) {
	if !probe {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.probing = false
	close(t.changed)
	t.changed = make(chan struct{})
}

// settle records the outcome of a request: a limit answer lengthens the
// streak and sets the next wait (opening the breaker after maxLimit of
// them); any other answer ends the streak.
func (t *apiTransport) settle(probe bool, lim *limitAnswer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if probe {
		t.probing = false
		close(t.changed)
		t.changed = make(chan struct{})
	}
	if lim == nil {
		if probe || t.streak > 0 {
			t.streak, t.limitWaited = 0, 0
		}
		return
	}
	switch {
	case t.streak == 0:
		t.limitBegan = t.calls.Load() - 1
		t.streak = 1
	case probe:
		t.streak++
	default:
		// Sent before the limit was known: the same limit, not a new answer.
		return
	}
	now := t.now()
	var until time.Time
	switch {
	case !lim.reset.IsZero() && lim.retryAfter == 0:
		until = lim.reset
	default:
		// Retry-After first, then exponentially longer (GitHub: wait at
		// least a minute without Retry-After), with ±25% jitter.
		base := lim.retryAfter
		if base <= 0 {
			base = time.Minute
		}
		d := base
		if t.streak > 1 {
			d = base << min(t.streak-1, 10)
			d += time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
		}
		until = now.Add(d)
	}
	if until.After(t.blockedUntil) {
		t.blockedUntil = until
		t.epoch++
	}
	if t.streak >= t.maxLimit {
		t.trip(t.blockedUntil, lim.reason)
		return
	}
	if d := t.blockedUntil.Sub(now); d > t.maxWait || t.limitWaited+d > t.maxWait {
		t.trip(t.blockedUntil, lim.reason+", resetting beyond the wait budget of "+t.maxWait.String())
	}
}

// trip opens the breaker (t.mu held).
func (t *apiTransport) trip(until time.Time, reason string) *LimitError {
	if t.open == nil {
		t.open = &LimitError{Until: until, Reason: reason, Answers: t.streak}
		close(t.changed)
		t.changed = make(chan struct{})
	}
	e := *t.open
	return &e
}

// Open returns the breaker's error once it has opened, else nil.
func (t *apiTransport) Open() *LimitError {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.open == nil {
		return nil
	}
	e := *t.open
	return &e
}

// CallsSinceLimit is the number of API requests sent since the standing
// limit that opened the breaker began (0 when none did).
func (t *apiTransport) CallsSinceLimit() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.open == nil && t.streak == 0 {
		return 0
	}
	return t.calls.Load() - t.limitBegan
}

func (t *apiTransport) pause(ctx context.Context, d time.Duration) error {
	t.waitedNS.Add(int64(d))
	return t.sleep(ctx, d)
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
	if rem == 0 && resp.StatusCode < 400 {
		// The last request of the window succeeded: wait for the reset
		// before the next one.
		until := time.Unix(reset, 0).Add(time.Second)
		if until.After(t.blockedUntil) {
			t.blockedUntil = until
			t.epoch++
		}
	}
}

// secondaryBody reports whether a 403 says it is a secondary rate limit
// (GitHub sometimes omits Retry-After); the body stays readable.
func secondaryBody(resp *http.Response) bool {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	lb := bytes.ToLower(b)
	return bytes.Contains(lb, []byte("secondary rate limit")) || bytes.Contains(lb, []byte("abuse detection"))
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
