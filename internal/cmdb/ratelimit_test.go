package cmdb

// requests_per_second: one token bucket of burst 1 per client, waited on before every
// attempt. Times are the emulator's arrival times; the margins absorb the scheduling
// of a shared machine, and nothing here claims a speed.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// checkPaced fails unless the arrivals are paced at rps: consecutive requests at least
// half an interval apart (a burst would put them together), and no window of one second
// (less 20 ms of scheduling slack) holding more than rps+1 of them.
func checkPaced(t *testing.T, reqs []emulator.RecordedRequest, rps float64) {
	t.Helper()
	interval := time.Duration(float64(time.Second) / rps)
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].Received.Sub(reqs[i-1].Received); gap < interval/2 {
			t.Errorf("requests %d and %d arrived %s apart; paced at %v/s they are %s apart", i-1, i, gap, rps, interval)
		}
	}
	for i := range reqs {
		n := 0
		for j := i; j < len(reqs) && reqs[j].Received.Sub(reqs[i].Received) < time.Second-20*time.Millisecond; j++ {
			n++
		}
		if float64(n) > rps+1 {
			t.Errorf("%d requests in the second from request %d: more than %v + 1", n, i, rps)
		}
	}
}

// N requests of one walk, with pages in flight in parallel, take (N-1)/rate: the first
// goes at once, each other waits its turn.
func TestRateLimitPacesEveryRequest(t *testing.T) {
	const rps, pageSize = 20.0, 10
	const n = pageSize + 9*20 // 21 pages, each starting at the last record of the one before
	s := newEmulator(t, n)
	c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) {
		c.RequestsPerSecond, c.PageSize, c.Parallelism = rps, pageSize, 8
	})
	start := time.Now()
	got, err := list(t, c)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, got)
	reqs := requests(t, s)
	if len(reqs) != 21 {
		t.Fatalf("%d requests, want 21", len(reqs))
	}
	ideal := time.Duration(float64(len(reqs)-1) / rps * float64(time.Second))
	if elapsed < ideal*9/10 || elapsed > 3*ideal {
		t.Errorf("%d requests at %v/s took %s, want about %s", len(reqs), rps, elapsed, ideal)
	}
	checkPaced(t, reqs, rps)
}

// Retries wait for the limiter like first attempts: with a backoff of 1 ms, the retries
// of a failing page are still paced.
func TestRateLimitPacesRetries(t *testing.T) {
	const rps = 10.0
	s := newEmulator(t, 5)
	s.Inject(emulator.Fault{Status: 503, Times: 3})
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) {
		c.RequestsPerSecond, c.RetryWaitMin, c.RetryWaitMax = rps, time.Millisecond, time.Millisecond
	})
	got, err := list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, got)
	reqs := requests(t, s)
	if len(reqs) != 4 || !reqs[2].Faulted || reqs[3].Faulted {
		t.Fatalf("%d requests, want 3 faulted attempts then the page", len(reqs))
	}
	checkPaced(t, reqs, rps)
}

// Every call of one client shares its limit; another client has its own.
func TestRateLimitSharedByTheClientOnly(t *testing.T) {
	const rps = 8.0
	s := newEmulator(t, 3)
	c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.RequestsPerSecond = rps })
	other, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.RequestsPerSecond = rps })
	var wg sync.WaitGroup
	for i := range 6 { // different templates: six requests, not one shared read
		wg.Go(func() {
			if _, err := c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, int64(100+i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	mine := requests(t, s)
	checkPaced(t, mine, rps)
	s.ResetRequests()
	// The other client's first request goes at once, although c spent its token just now.
	start := time.Now()
	if _, err := other.ListServiceInstancesBySetTemplate(context.Background(), testBiz, 100); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Duration(float64(time.Second)/rps)*3/4 {
		t.Errorf("another client waited %s: it shares the limit of the first", el)
	}
}

// A call waiting for its token ends when its context does, without sending anything:
// cancelled, or at a deadline that comes before the token.
func TestRateLimitWaitEndsWithTheContext(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline before the token", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newEmulator(t, 3)
			c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.RequestsPerSecond = 0.2 }) // one per 5 s
			if _, err := c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, testTpl); err != nil {
				t.Fatal(err) // takes the only token
			}
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			_, err := c.ListServiceInstancesBySetTemplate(ctx, testBiz, testTpl+1)
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("returned after %s: the wait outlived its context", el)
			}
			ae := requireAPIError(t, err)
			if !errors.Is(err, tc.want) || IsRetryable(err) || ae.Message != "request cancelled" {
				t.Errorf("error %v: want %v, request cancelled, not retryable", err, tc.want)
			}
			if n := len(requests(t, s)); n != 1 {
				t.Errorf("%d requests: the cancelled call sent one", n)
			}
		})
	}
}

// request_timeout bounds one attempt, not its wait for a token: calls that wait far
// longer than the timeout still succeed without a retry.
func TestRateLimitWaitIsNotPartOfTheAttemptTimeout(t *testing.T) {
	const rps = 4.0
	s := newEmulator(t, 3)
	c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) {
		c.RequestsPerSecond, c.RequestTimeout, c.MaxRetries = rps, 100*time.Millisecond, 0
	})
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if _, err := c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, int64(100+i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if el := time.Since(start); el < time.Second*9/10 {
		t.Fatalf("5 calls at %v/s took %s: the last ones did not wait longer than the timeout", rps, el)
	}
	if n := len(requests(t, s)); n != 5 {
		t.Errorf("%d requests, want 5 (no retry)", n)
	}
}
