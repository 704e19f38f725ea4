package cmdb

// Client-level fault tests that complete the ones in retry_test.go, walk_test.go and
// errors_test.go for issue 6.

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// A header value net/http refuses to send (a control character) is refused when the
// client is built: accepted, every request would fail and be retried as a connection
// failure.
func TestHeaderValuesNetHTTPRefuses(t *testing.T) {
	for _, v := range []string{"a\x01b", "\x7f", "a\x1bb", "x\vy"} {
		s := newEmulator(t, 1)
		cfg := testConfig(s, GatewayESB)
		cfg.Headers = map[string]string{"X-Trace": v}
		if c, err := NewClient(cfg); err == nil {
			_, lerr := list(t, c)
			t.Errorf("header value %q accepted by NewClient; the read then gives %v after %d requests", v, lerr, s.RequestCount())
		}
	}
	s := newEmulator(t, 1)
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.Headers = map[string]string{"X-Trace": "a\tb c"} })
	if _, err := list(t, c); err != nil {
		t.Errorf("a value with a tab and a space: %v", err)
	}
}

// Issue 6: a server failing forever is given up after max_retries, within the configured
// waits: every wait is capped by RetryWaitMax, a Retry-After of an hour included.
func TestRetryGivesUpWithinWaits(t *testing.T) {
	for _, gw := range gateways {
		s := newEmulator(t, 5)
		s.Inject(emulator.Fault{Status: 503, Header: map[string]string{"Retry-After": "3600"}, Times: 1000})
		c, log := newTestClient(t, s, gw, func(c *Config) {
			c.MaxRetries = 5
			c.RetryWaitMin = 10 * time.Millisecond
			c.RetryWaitMax = 40 * time.Millisecond
		})
		start := time.Now()
		_, err := list(t, c)
		el := time.Since(start)
		ae := requireAPIError(t, err)
		if n := s.RequestCount(); n != 6 || ae.Attempts != 6 || ae.StatusCode != 503 {
			t.Errorf("%s: %d requests, %d attempts, status %d; want 6, 6, 503", gw, n, ae.Attempts, ae.StatusCode)
		}
		// Five waits of at most 40 ms; Retry-After asks for an hour: the wait is at least
		// RetryWaitMax (Retry-After is never undercut beyond the cap) and at most it.
		if el < 5*40*time.Millisecond || el > 2*time.Second {
			t.Errorf("%s: gave up after %s, want between 200ms and 2s", gw, el)
		}
		if got := strings.Count(log.text(), "wait_ms:40"); got != 5 {
			t.Errorf("%s: %d waits of 40ms logged, want 5:\n%s", gw, got, log.text())
		}
	}
}

// Issue 6: 9900403 with a permission object is not retried, and the error gives the
// message and the whole permission object.
func TestPermissionDeniedGivesPermission(t *testing.T) {
	perm := map[string]any{"system_id": "bk_cmdb", "actions": []map[string]any{{"id": "view_business", "related_resource_types": []any{}}}}
	for _, gw := range gateways {
		s := newEmulator(t, 5)
		s.Inject(emulator.Fault{Code: 9900403, Message: "you have no permission to view business", Permission: perm, Times: 3})
		c, _ := newTestClient(t, s, gw)
		_, err := list(t, c)
		ae := requireAPIError(t, err)
		if s.RequestCount() != 1 || ae.Retryable || ae.Code != 9900403 || ae.Message != "you have no permission to view business" {
			t.Fatalf("%s: %d requests, %+v", gw, s.RequestCount(), ae)
		}
		var got map[string]any
		if err := json.Unmarshal(ae.Permission, &got); err != nil || got["system_id"] != "bk_cmdb" {
			t.Errorf("%s: permission %s (%v)", gw, ae.Permission, err)
		}
		for _, want := range []string{"code 9900403: you have no permission to view business", `"id":"view_business"`} {
			if !strings.Contains(err.Error(), want) || !strings.Contains(ae.Detail()+ae.Summary(), strings.TrimPrefix(want, "code 9900403: ")) {
				t.Errorf("%s: error %q / detail %q lacks %q", gw, err, ae.Detail(), want)
			}
		}
		if ae.RequestID == "" {
			t.Errorf("%s: no request id", gw)
		}
	}
}

// Issue 6: a page holding more items than asked while records are inserted and deleted
// gives the exact final snapshot (or the inconsistent error), never a gap or a duplicate.
func TestWalkExtraItemsAndChanges(t *testing.T) {
	for _, par := range []int{1, 3} {
		s := newEmulator(t, 250)
		s.Inject(emulator.Fault{ExtraItems: 30, Times: 2, Match: func(r emulator.RecordedRequest) bool { return startOf(r) == 99 }})
		s.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 2 {
				m.Delete(120)
				m.Insert(testBiz, testTpl, emulator.Instance{})
				m.Insert(testBiz, testTpl, emulator.Instance{ID: 100000})
			}
		})
		c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.PageSize = 100; c.Parallelism = par })
		got, err := list(t, c)
		if err != nil {
			t.Fatalf("parallelism %d: %v", par, err)
		}
		requireExact(t, s, got)
		seen := map[int64]bool{}
		for _, in := range got.Instances {
			if seen[in.ID] {
				t.Fatalf("parallelism %d: id %d twice", par, in.ID)
			}
			seen[in.ID] = true
		}
	}
}

// A retried page is decoded afresh: nothing of the failed attempt stays behind, not
// even in a field the retry's records leave out (multi-tenant builds send no
// bk_supplier_account). Here the failed attempt is a rate-limit envelope that carries
// records anyway.
func TestRetryKeepsNothingOfTheFailedAttempt(t *testing.T) {
	s := newEmulator(t, 3, func(o *emulator.Options) { o.MultiTenant = true })
	first := s.Instances(testBiz, testTpl)[0]
	s.Inject(emulator.Fault{Body: `{"result":false,"code":1199997,"message":"too many requests","data":{"count":3,"info":[{"id":` +
		strconv.FormatInt(first.ID, 10) + `,"bk_supplier_account":"stale","labels":{"stale":"yes"},"creator":"stale"}]}}`})
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.TenantID = emulator.DefaultTenant })
	got, err := list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.RequestCount(); n != 2 {
		t.Errorf("%d requests, want 2 (the rate-limited page retried)", n)
	}
	in := got.Instances[0]
	if in.ID != first.ID || in.SupplierAccount != "" || in.Labels["stale"] != "" || in.Creator != first.Creator {
		t.Errorf("instance %+v keeps values of the failed attempt", in)
	}
}
