package cmdb

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// Contract: each retryable class is retried, then the read returns exactly the
// emulator's data; the request count shows one retry per fault.
func TestRetryableClasses(t *testing.T) {
	cases := []struct {
		name  string
		gw    Gateway
		fault emulator.Fault
	}{
		{"body cut off mid-way (connection dropped)", GatewayESB, emulator.Fault{DropMidBody: true}},
		{"body cut off mid-way (apigw)", GatewayAPIGW, emulator.Fault{DropMidBody: true}},
		{"truncated JSON", GatewayESB, emulator.Fault{Truncate: true}},
		{"truncated JSON on HTTP 400", GatewayAPIGW, emulator.Fault{Status: 400, Truncate: true}},
		{"dropped body on HTTP 403", GatewayAPIGW, emulator.Fault{Status: 403, DropMidBody: true}},
		{"HTTP 429 gateway", GatewayAPIGW, emulator.Fault{Status: 429}},
		{"HTTP 429 HTML", GatewayESB, emulator.Fault{Status: 429}},
		{"HTTP 500 HTML", GatewayESB, emulator.Fault{Status: 500}},
		{"HTTP 502 gateway JSON", GatewayAPIGW, emulator.Fault{Status: 502}},
		{"HTTP 502 HTML", GatewayESB, emulator.Fault{Status: 502}},
		{"HTTP 503 HTML", GatewayESB, emulator.Fault{Status: 503}},
		{"HTTP 503 empty", GatewayESB, emulator.Fault{Status: 503, Body: " "}},
		{"HTTP 504 gateway JSON", GatewayAPIGW, emulator.Fault{Status: 504}},
		{"HTTP 599 business envelope", GatewayESB, emulator.Fault{Status: 599, Body: `{"result":false,"code":1306000,"message":"x"}`}},
		{"envelope 1306429 ESB rate limit", GatewayESB, emulator.Fault{Code: CodeESBRateLimit}},
		{"envelope 1199997 CMDB rate limit", GatewayAPIGW, emulator.Fault{Code: CodeCMDBRateLimit}},
		{"envelope 1199997 with bk_error_code", GatewayAPIGW, emulator.Fault{Code: CodeCMDBRateLimit, BackendErrorKeys: true}},
		{"envelope 1642903 gateway rate limit", GatewayAPIGW, emulator.Fault{Code: CodeGatewayRateLimit}},
		{"per-attempt timeout", GatewayESB, emulator.Fault{Delay: 3 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newEmulator(t, 20)
			f := tc.fault
			f.Times = 2
			s.Inject(f)
			c, _ := newTestClient(t, s, tc.gw, func(c *Config) { c.RequestTimeout = 200 * time.Millisecond })
			start := time.Now()
			got, err := list(t, c)
			if err != nil {
				t.Fatalf("error after retries: %v", err)
			}
			requireExact(t, s, got)
			if n := s.RequestCount(); n != 3 {
				t.Errorf("%d requests, want 3 (two faults, then success)", n)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("took %s; the per-attempt timeout or backoff is not applied", el)
			}
		})
	}
}

// Contract: a connection error is retried (the server is down, then back up).
func TestRetryConnectionRefusedThenUp(t *testing.T) {
	s := newEmulator(t, 20)
	addr := s.Addr()
	c, log := newTestClient(t, s, GatewayESB, func(c *Config) {
		c.MaxRetries = 10
		c.RetryWaitMin = 20 * time.Millisecond
		c.RetryWaitMax = 100 * time.Millisecond
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(150 * time.Millisecond)
		if err := s.Start(addr); err != nil {
			t.Errorf("restart: %v", err)
		}
	}()
	got, err := list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, got)
	if !strings.Contains(log.text(), "connection failed") {
		t.Errorf("no connection failure logged:\n%s", log.text())
	}
}

// Contract: nothing else is retried; each failure is one request and one *APIError.
func TestNotRetried(t *testing.T) {
	cases := []struct {
		name     string
		gw       Gateway
		fault    *emulator.Fault
		cfg      func(*Config)
		status   int
		code     int64
		contains string
	}{
		{"ESB bad secret 1306000", GatewayESB, nil, func(c *Config) { c.Credentials.AppSecret = "wrong" }, 200, 1306000, "APP Secret verification failed"},
		{"ESB no user 1306000", GatewayESB, nil, func(c *Config) { c.Credentials.Username = "" }, 200, 1306000, "User authentication failed"},
		{"gateway 400 bad app", GatewayAPIGW, nil, func(c *Config) { c.Credentials.AppSecret = "wrong" }, 400, 1640001, "bk_app_code or bk_app_secret is incorrect"},
		{"gateway 403", GatewayAPIGW, &emulator.Fault{Status: 403}, nil, 403, 1640301, "no permission"},
		{"gateway 404", GatewayAPIGW, &emulator.Fault{Status: 404}, nil, 404, 1640401, "API not found"},
		{"HTTP 501", GatewayESB, &emulator.Fault{Status: 501}, nil, 501, 0, "text/html"},
		{"HTTP 400 HTML", GatewayESB, &emulator.Fault{Status: 400}, nil, 400, 0, "400 Bad Request"},
		{"1199059 page limit", GatewayESB, &emulator.Fault{Code: 1199059}, nil, 200, 1199059, "page limit is exceeded"},
		{"1199008 set_template_id", GatewayAPIGW, &emulator.Fault{Code: 1199008}, nil, 200, 1199008, "'set_template_id' cannot be omitted"},
		{"1199000 JSON", GatewayAPIGW, &emulator.Fault{Code: 1199000, BackendErrorKeys: true}, nil, 200, 1199000, "Deserializing JSON data failed"},
		{"1199017 query failed", GatewayESB, &emulator.Fault{Code: 1199017}, nil, 200, 1199017, "Failed to query data"},
		{"9900403 permission", GatewayESB, &emulator.Fault{Code: 9900403}, nil, 200, 9900403, `"system_id":"bk_cmdb"`},
		{"HTML login page 200", GatewayESB, &emulator.Fault{Body: "<!DOCTYPE html><html><title>Login | BlueKing</title></html>"}, nil, 200, 0, "Login | BlueKing"},
		{"data missing", GatewayESB, &emulator.Fault{Body: `{"result":true,"code":0,"message":"success"}`}, nil, 200, 0, "data is missing"},
		{"data null", GatewayESB, &emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":null}`}, nil, 200, 0, "data is missing"},
		{"info not a list", GatewayAPIGW, &emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":{"count":1,"info":{"id":1}}}`}, nil, 200, 0, "data.info"},
		{"info missing", GatewayAPIGW, &emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":{"count":1}}`}, nil, 200, 0, "data.info is missing"},
		{"info null", GatewayAPIGW, &emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":{"count":1,"info":null}}`}, nil, 200, 0, "data.info is null"},
		{"negative count", GatewayESB, &emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":{"count":-1,"info":[]}}`}, nil, 200, 0, "negative"},
		{"count missing", GatewayESB, &emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":{"info":[]}}`}, nil, 200, 0, "count is missing"},
		{"ids as strings", GatewayESB, &emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":{"count":1,"info":[{"id":"1"}]}}`}, nil, 200, 0, "data.info.id"},
		{"id as float", GatewayESB, &emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":{"count":1,"info":[{"id":1.5}]}}`}, nil, 200, 0, "data.info.id"},
		{"result true with code", GatewayESB, &emulator.Fault{Body: `{"result":true,"code":1199017,"message":"odd","data":{"count":0,"info":[]}}`}, nil, 200, 1199017, "result is true but code is not 0"},
		{"result false code 0", GatewayESB, &emulator.Fault{Body: `{"result":false,"code":0,"message":"nope","data":null}`}, nil, 200, 0, "nope"},
		{"no result field", GatewayESB, &emulator.Fault{Body: `{"code":0,"data":{"count":0,"info":[]}}`}, nil, 200, 0, "no result field"},
		{"complete JSON syntax error", GatewayESB, &emulator.Fault{Body: `{"result":true,,}`}, nil, 200, 0, "malformed response"},
		{"redirect to login", GatewayESB, &emulator.Fault{Status: 302, Header: map[string]string{"Location": "https://login.example.com/"}}, nil, 302, 0, "302"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newEmulator(t, 20)
			if tc.fault != nil {
				f := *tc.fault
				f.Times = 5
				s.Inject(f)
			}
			var mods []func(*Config)
			if tc.cfg != nil {
				mods = append(mods, tc.cfg)
			}
			c, _ := newTestClient(t, s, tc.gw, mods...)
			_, err := list(t, c)
			ae := requireAPIError(t, err)
			if n := s.RequestCount(); n != 1 {
				t.Errorf("%d requests, want exactly 1", n)
			}
			if ae.Retryable || IsRetryable(err) {
				t.Error("Retryable = true")
			}
			if ae.StatusCode != tc.status || ae.Code != tc.code {
				t.Errorf("status %d code %d, want %d %d", ae.StatusCode, ae.Code, tc.status, tc.code)
			}
			if !strings.Contains(ae.Error(), tc.contains) {
				t.Errorf("error %q lacks %q", ae.Error(), tc.contains)
			}
			if ae.Attempts != 1 {
				t.Errorf("Attempts = %d", ae.Attempts)
			}
		})
	}
}

// Contract: retries are bounded by max_retries; the last failure is reported.
func TestRetryBounded(t *testing.T) {
	for _, retries := range []int{0, 1, 3} {
		s := newEmulator(t, 5)
		s.Inject(emulator.Fault{Status: 503, Times: 100})
		c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.MaxRetries = retries })
		_, err := list(t, c)
		ae := requireAPIError(t, err)
		if n := s.RequestCount(); n != retries+1 {
			t.Errorf("max_retries %d: %d requests, want %d", retries, n, retries+1)
		}
		if ae.Attempts != retries+1 || ae.StatusCode != 503 || !ae.Retryable || !IsRetryable(err) {
			t.Errorf("max_retries %d: %+v", retries, ae)
		}
	}
}

// Contract: Retry-After in seconds is honoured (never shorter).
func TestRetryAfterSeconds(t *testing.T) {
	s := newEmulator(t, 5)
	s.Inject(emulator.Fault{Status: 429, Header: map[string]string{"Retry-After": "1"}})
	c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.RetryWaitMax = 10 * time.Second })
	start := time.Now()
	if _, err := list(t, c); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %s, Retry-After said 1s", el)
	}
	if n := s.RequestCount(); n != 2 {
		t.Errorf("%d requests", n)
	}
}

// Contract: Retry-After as an HTTP date is honoured, also on a 200 rate-limit envelope.
func TestRetryAfterHTTPDate(t *testing.T) {
	s := newEmulator(t, 5)
	at := time.Now().Add(2 * time.Second).UTC()
	s.Inject(emulator.Fault{Code: CodeESBRateLimit, Header: map[string]string{"Retry-After": at.Format(http.TimeFormat)}})
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.RetryWaitMax = 10 * time.Second })
	if _, err := list(t, c); err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(at.Truncate(time.Second)) {
		t.Errorf("retried at %s, before the Retry-After date %s", now, at.Truncate(time.Second))
	}
}

// Contract: Retry-After never makes a wait longer than retry_wait_max.
func TestRetryAfterCapped(t *testing.T) {
	s := newEmulator(t, 5)
	s.Inject(emulator.Fault{Status: 503, Header: map[string]string{"Retry-After": "3600"}, Times: 3})
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.RetryWaitMax = 50 * time.Millisecond })
	start := time.Now()
	if _, err := list(t, c); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s; Retry-After: 3600 was not capped by retry_wait_max", el)
	}
}

// Contract: cancelling the context during a backoff returns at once.
func TestCancelDuringBackoff(t *testing.T) {
	s := newEmulator(t, 5)
	s.Inject(emulator.Fault{Status: 503, Header: map[string]string{"Retry-After": "3600"}, Times: 10})
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.RetryWaitMin = time.Hour; c.RetryWaitMax = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.ListServiceInstancesBySetTemplate(ctx, testBiz, testTpl)
	if el := time.Since(start); el > time.Second {
		t.Errorf("returned after %s, want < 1s", el)
	}
	ae := requireAPIError(t, err)
	if !errors.Is(err, context.Canceled) || IsRetryable(err) {
		t.Errorf("error %v: want context.Canceled, not retryable", err)
	}
	if ae.StatusCode != 503 {
		t.Errorf("the last failure is not reported: %v", err)
	}
	if n := s.RequestCount(); n != 1 {
		t.Errorf("%d requests", n)
	}
}

// Cancelling during a slow request of a many-page walk stops the pages in flight.
func TestCancelDuringWalk(t *testing.T) {
	s := newEmulator(t, 1000)
	s.Inject(emulator.Fault{Delay: time.Hour, Times: 100, Match: func(r emulator.RecordedRequest) bool { return startOf(r) > 0 }})
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.PageSize = 100; c.RequestTimeout = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ListServiceInstancesBySetTemplate(ctx, testBiz, testTpl)
	if el := time.Since(start); el > time.Second {
		t.Errorf("returned after %s", el)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want context.DeadlineExceeded", err)
	}
}

// The first failure of a page ends the walk: no further pages are asked for.
func TestWalkStopsOnFirstError(t *testing.T) {
	// Latency keeps the other worker from racing through every page while the
	// failing page's connection is being dialled.
	s := newEmulator(t, 2000, func(o *emulator.Options) { o.Latency = 50 * time.Millisecond })
	s.Inject(emulator.Fault{Status: 404, Match: func(r emulator.RecordedRequest) bool { return startOf(r) == 99 }})
	c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.PageSize = 100; c.Parallelism = 2 })
	_, err := list(t, c)
	ae := requireAPIError(t, err)
	if ae.StatusCode != 404 {
		t.Errorf("got %v", err)
	}
	if n := s.RequestCount(); n > 4 {
		t.Errorf("%d requests after the first failure; want the walk to stop", n)
	}
}

// Contract: exponential backoff with jitter. The wait after attempt n (n from 0) lies in
// [base/2, base], and never below retry_wait_min, where base = retry_wait_min·2ⁿ capped
// at retry_wait_max; waits grow with n up to the cap; draws differ.
func TestBackoffJitterAndGrowth(t *testing.T) {
	const minWait, maxWait = 10 * time.Millisecond, 300 * time.Millisecond
	prevHigh := time.Duration(0)
	for n := range 8 {
		base := min(minWait<<n, maxWait)
		lo := max(base/2, minWait)
		low, high, draws := time.Duration(1<<62), time.Duration(0), map[time.Duration]bool{}
		for range 500 {
			w := retryWait(minWait, maxWait, n, nil, time.Now())
			if w < lo || w > base {
				t.Fatalf("attempt %d: wait %s outside [%s, %s]", n, w, lo, base)
			}
			low, high, draws[w] = min(low, w), max(high, w), true
		}
		if lo < base && len(draws) < 10 {
			t.Errorf("attempt %d: %d distinct waits in 500 draws from [%s, %s]: no jitter", n, len(draws), lo, base)
		}
		if low < prevHigh && base < maxWait {
			t.Errorf("attempt %d: waits from %s, below the longest wait of attempt %d (%s): they do not grow", n, low, n-1, prevHigh)
		}
		if n > 0 && base < maxWait && high <= prevHigh {
			t.Errorf("attempt %d: longest wait %s, not above attempt %d's %s", n, high, n-1, prevHigh)
		}
		prevHigh = high
	}
}

func TestBackoffBounds(t *testing.T) {
	for attempt := range 10 {
		for range 50 {
			w := jitteredBackoff(10*time.Millisecond, 300*time.Millisecond, attempt)
			if w < 10*time.Millisecond || w > 300*time.Millisecond {
				t.Fatalf("attempt %d: wait %s out of [10ms, 300ms]", attempt, w)
			}
		}
	}
	if w := jitteredBackoff(time.Second, time.Second, 3); w != time.Second {
		t.Errorf("min == max: %s", w)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3*time.Second + time.Millisecond, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	} {
		got, ok := parseRetryAfter(tc.v, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
