package ghorg

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

type step struct {
	status  int
	headers map[string]string
	body    string
}

// scripted answers with the steps in order, then 200.
func scripted(t *testing.T, steps ...step) (*httptest.Server, *atomic.Int64, *atomic.Value) {
	t.Helper()
	var n atomic.Int64
	var lastAuth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		lastAuth.Store(r.Header.Get("Authorization"))
		st := step{status: 200, headers: map[string]string{"X-RateLimit-Remaining": "4000", "X-RateLimit-Reset": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10), "X-RateLimit-Used": strconv.Itoa(1000 + i)}}
		if i < len(steps) {
			st = steps[i]
		}
		for k, v := range st.headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(st.status)
		io.WriteString(w, st.body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &lastAuth
}

func testTransport(srv *httptest.Server) (*apiTransport, *sleepLog) {
	u, _ := url.Parse(srv.URL)
	tr := newAPITransport(http.DefaultTransport, u.Host, testToken)
	sl := &sleepLog{}
	tr.sleep = sl.sleep
	return tr, sl
}

func httpGet(t *testing.T, tr *apiTransport, u string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestTransportRateLimits(t *testing.T) {
	reset := func(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).Unix(), 10) }
	cases := []struct {
		name       string
		steps      []step
		requests   int
		wantStatus int
		wantCalls  int64
		wantSleep  time.Duration // the longest sleep, ±2s
	}{
		{"exhausted after a success waits for reset before the next call",
			[]step{{status: 200, headers: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset(2 * time.Minute)}}},
			2, 200, 2, 2 * time.Minute},
		{"primary 403 with remaining 0 is retried after reset",
			[]step{{status: 403, headers: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset(90 * time.Second)}, body: `{"message":"API rate limit exceeded"}`}},
			1, 200, 2, 90 * time.Second},
		{"secondary 403 with Retry-After",
			[]step{{status: 403, headers: map[string]string{"Retry-After": "30", "X-RateLimit-Remaining": "100", "X-RateLimit-Reset": reset(time.Hour)}, body: `{"message":"You have exceeded a secondary rate limit"}`}},
			1, 200, 2, 30 * time.Second},
		{"429 without Retry-After waits a minute",
			[]step{{status: 429, body: `{"message":"too many"}`}},
			1, 200, 2, time.Minute},
		{"secondary 403 without Retry-After waits a minute",
			[]step{{status: 403, body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`}},
			1, 200, 2, time.Minute},
		{"502 then success",
			[]step{{status: 502, body: "bad gateway"}},
			1, 200, 2, 0},
		{"5xx until retries run out returns the last answer",
			[]step{{status: 502}, {status: 503}, {status: 502}, {status: 504}, {status: 502}, {status: 502}},
			1, 502, 5, 0},
		{"403 permission error is not retried",
			[]step{{status: 403, body: `{"message":"Resource not accessible by integration"}`}},
			1, 403, 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, n, auth := scripted(t, tc.steps...)
			tr, sl := testTransport(srv)
			var resp *http.Response
			var err error
			for i := 0; i < tc.requests; i++ {
				resp, err = httpGet(t, tr, srv.URL+"/repos/a/b")
				if err != nil {
					t.Fatal(err)
				}
			}
			if resp.StatusCode != tc.wantStatus || n.Load() != tc.wantCalls || tr.Calls() != tc.wantCalls {
				t.Errorf("status %d calls %d/%d, want %d %d", resp.StatusCode, n.Load(), tr.Calls(), tc.wantStatus, tc.wantCalls)
			}
			if resp.Header.Get("X-RateLimit-Remaining") == "0" {
				t.Error("an exhausted limit reached go-github (it would refuse every later call locally)")
			}
			var longest time.Duration
			for _, d := range sl.d {
				longest = max(longest, d)
			}
			if tc.wantSleep > 0 && (longest < tc.wantSleep-2*time.Second || longest > tc.wantSleep+2*time.Second) {
				t.Errorf("longest wait %v, want about %v (all: %v)", longest, tc.wantSleep, sl.d)
			}
			if tc.wantSleep == 0 && longest > 10*time.Second {
				t.Errorf("unexpected wait %v", longest)
			}
			if auth.Load() != "Bearer "+testToken {
				t.Errorf("API request without the token: %v", auth.Load())
			}
		})
	}
}

func TestTransportWaitCapAndHosts(t *testing.T) {
	srv, _, _ := scripted(t, step{status: 403, headers: map[string]string{"X-RateLimit-Remaining": "0",
		"X-RateLimit-Reset": strconv.FormatInt(time.Now().Add(3*time.Hour).Unix(), 10)}, body: `{"message":"API rate limit exceeded"}`})
	tr, _ := testTransport(srv)
	tr.maxWait = time.Hour
	// A reset beyond the wait budget opens the breaker at once: the error
	// names the reset time, and nothing more is sent.
	_, err := httpGet(t, tr, srv.URL+"/x")
	var le *LimitError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "primary rate limit exhausted") || strings.Contains(err.Error(), testToken) ||
		le.Until.Before(time.Now().Add(2*time.Hour)) {
		t.Fatalf("err %v", err)
	}
	_, err = httpGet(t, tr, srv.URL+"/y")
	if !errors.As(err, &le) || tr.Calls() != 1 {
		t.Fatalf("after the breaker opened: err %v, %d calls", err, tr.Calls())
	}
	var resp *http.Response
	// Another host through the same transport gets no token.
	other, _, auth := scripted(t)
	req, _ := http.NewRequest(http.MethodGet, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/z", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a := auth.Load(); a != "" {
		t.Fatalf("token sent to another host: %q", a)
	}
}

func TestRateLimitUsed(t *testing.T) {
	srv, _, _ := scripted(t)
	tr, _ := testTransport(srv)
	for i := 0; i < 5; i++ {
		if _, err := httpGet(t, tr, srv.URL+"/r"); err != nil {
			t.Fatal(err)
		}
	}
	if u := tr.RateLimitUsed(); u != 5 {
		t.Fatalf("used %d, want 5", u)
	}
}

func TestEnterpriseURL(t *testing.T) {
	m := sweeptest.Matcher(t)
	for _, tc := range []struct{ in, want string }{
		{"", "https://api.github.com/"},
		{"https://ghe.example.com", "https://ghe.example.com/api/v3/"},
		{"https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3/"},
	} {
		sw, err := New(Options{Matcher: m, Orgs: []string{"x"}, APIURL: tc.in, Windows: m.Pack().Windows})
		if err != nil {
			t.Fatal(err)
		}
		if got := sw.client.BaseURL.String(); got != tc.want || sw.tr.apiHost != sw.client.BaseURL.Host {
			t.Errorf("%q: base %s host %s", tc.in, got, sw.tr.apiHost)
		}
	}
}

// TestTransportBreaker: a standing secondary limit is answered by waits
// that grow (Retry-After first), one probe at a time, and after
// maxLimit consecutive answers the breaker opens: nothing more is sent.
func TestTransportBreaker(t *testing.T) {
	var steps []step
	for i := 0; i < 20; i++ {
		steps = append(steps, step{status: 403, headers: map[string]string{"Retry-After": "30", "X-RateLimit-Remaining": "4000"},
			body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`})
	}
	srv, n, _ := scripted(t, steps...)
	tr, sl := testTransport(srv)
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			_, err := httpGet(t, tr, srv.URL+"/repos/a/b")
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		var le *LimitError
		if err := <-errs; !errors.As(err, &le) || le.Answers != defaultMaxLimitAnswers || !strings.Contains(le.Reason, "secondary") {
			t.Fatalf("err %v", err)
		}
	}
	// At most the 4 first requests in flight, then one probe per wait.
	if got := n.Load(); got > 4+defaultMaxLimitAnswers-1 {
		t.Errorf("%d requests sent into the limit", got)
	}
	before := n.Load()
	if _, err := httpGet(t, tr, srv.URL+"/repos/a/c"); err == nil || n.Load() != before {
		t.Errorf("request sent after the breaker opened")
	}
	// Waits: Retry-After (30s), then doubling with jitter (±25%).
	seen := map[time.Duration]bool{}
	var distinct []time.Duration
	for _, d := range sl.d {
		r := d.Round(time.Second)
		if !seen[r] {
			seen[r] = true
			distinct = append(distinct, d)
		}
	}
	if len(distinct) < 4 || distinct[0].Round(time.Second) != 30*time.Second {
		t.Fatalf("waits %v", sl.d)
	}
	for i := 1; i < len(distinct); i++ {
		want := 30 * time.Second << i
		if distinct[i] < want*3/4-time.Second || distinct[i] > want*5/4+time.Second {
			t.Errorf("wait %d = %v, want about %v", i, distinct[i], want)
		}
	}
}
