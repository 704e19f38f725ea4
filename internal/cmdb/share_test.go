package cmdb

// Identical List calls of one client share one walk (share.go).

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// walkPages is the page count of one walk of n records in pages of pageSize.
func walkPages(n, pageSize int) int { return len(wantStarts(n, pageSize)) }

// sameRecords reports whether a and b are the same records, not copies: one backing array.
func sameRecords(a, b *ServiceInstanceList) bool {
	return len(a.Instances) > 0 && len(a.Instances) == len(b.Instances) && &a.Instances[0] == &b.Instances[0]
}

func TestSharedReadsSequential(t *testing.T) {
	s := newEmulator(t, 120)
	c, log := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.PageSize = 50 })
	ctx := context.Background()
	first, err := c.ListServiceInstancesBySetTemplate(ctx, testBiz, testTpl)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, first)
	// The data changes: an identical later call still gets the walk that was kept.
	s.Delete(s.Instances(testBiz, testTpl)[0].ID)
	second, err := c.ListServiceInstancesBySetTemplate(ctx, testBiz, testTpl)
	if err != nil {
		t.Fatal(err)
	}
	if !sameRecords(first, second) || second.Count != 120 {
		t.Error("the second identical call did not get the kept result")
	}
	if n, want := len(requests(t, s)), walkPages(120, 50); n != want {
		t.Errorf("%d requests, want %d (one walk)", n, want)
	}
	if !strings.Contains(log.text(), "cmdb read shared map[api:list_service_instance_by_set_template count:120 from:an earlier walk items:120]") {
		t.Errorf("no debug line for the shared read:\n%s", log.text())
	}
}

func TestSharedReadsDifferentRequestsNeverShare(t *testing.T) {
	s := newEmulator(t, 30)
	c, log := newTestClient(t, s, GatewayESB)
	other, _ := newTestClient(t, s, GatewayESB)
	ctx := context.Background()
	calls := []func() error{
		func() error { _, err := c.ListServiceInstancesBySetTemplate(ctx, testBiz, testTpl); return err },
		func() error { _, err := c.ListServiceInstancesBySetTemplate(ctx, testBiz, testTpl+1); return err }, // body
		func() error { _, err := c.ListServiceInstancesBySetTemplate(ctx, testBiz+1, testTpl); return err }, // ESB body head
		func() error { _, err := c.ListBizHosts(ctx, testBiz, HostFilter{}); return err },                   // API
		func() error { _, err := c.ListBizHosts(ctx, testBiz, HostFilter{ModuleIDs: []int64{9000}}); return err },
		func() error { _, err := other.ListServiceInstancesBySetTemplate(ctx, testBiz, testTpl); return err }, // client
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := len(requests(t, s)); n != len(calls) {
		t.Errorf("%d requests for %d different one-page calls", n, len(calls))
	}
	if strings.Contains(log.text(), "cmdb read shared") {
		t.Errorf("a read was shared:\n%s", log.text())
	}
}

// Calls that come while the walk is in flight wait for it and get its records.
func TestSharedReadsConcurrent(t *testing.T) {
	s := newEmulator(t, 200, func(o *emulator.Options) { o.Latency = 50 * time.Millisecond })
	c, log := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.PageSize = 50; c.Parallelism = 2 })
	const callers = 8
	results := make([]*ServiceInstanceList, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			res, err := c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, testTpl)
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	requireExact(t, s, results[0])
	for i := range results {
		if !sameRecords(results[0], results[i]) {
			t.Errorf("caller %d got other records", i)
		}
	}
	if n, want := len(requests(t, s)), walkPages(200, 50); n != want {
		t.Errorf("%d requests, want %d (one walk for %d callers)", n, want, callers)
	}
	if n := strings.Count(log.text(), "cmdb read shared"); n != callers-1 {
		t.Errorf("%d shared-read lines, want %d:\n%s", n, callers-1, log.text())
	}
}

// A failed walk is not kept: the calls that waited for it get its error, the next
// call walks again.
func TestSharedReadsErrorNotKept(t *testing.T) {
	s := newEmulator(t, 10)
	s.Inject(emulator.Fault{Status: 403, Delay: 300 * time.Millisecond})
	c, _ := newTestClient(t, s, GatewayAPIGW)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 20 * time.Millisecond) // the first starts the walk
			_, errs[i] = c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, testTpl)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if ae := requireAPIError(t, err); ae.StatusCode != 403 {
			t.Errorf("caller %d: %v, want the 403 of the shared walk", i, err)
		}
	}
	if n := len(requests(t, s)); n != 1 {
		t.Errorf("%d requests, want 1: the callers did not share the failing walk", n)
	}
	got, err := c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, testTpl)
	if err != nil {
		t.Fatalf("the failure was kept: %v", err)
	}
	requireExact(t, s, got)
}

// A waiting call whose own context ends returns at once while the walk goes on for the
// others; then the context of the call that started the walk ends: a call still waiting
// for it walks again instead of failing.
func TestSharedReadsContexts(t *testing.T) {
	s := newEmulator(t, 10, func(o *emulator.Options) { o.Latency = 600 * time.Millisecond })
	c, _ := newTestClient(t, s, GatewayESB)
	leader, cancelLeader := context.WithCancel(context.Background())
	waiter, cancelWaiter := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var leaderErr, waiterErr, patientErr error
	var patient *ServiceInstanceList
	var waiterTook time.Duration
	wg.Go(func() { _, leaderErr = c.ListServiceInstancesBySetTemplate(leader, testBiz, testTpl) })
	time.Sleep(50 * time.Millisecond)
	wg.Go(func() {
		patient, patientErr = c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, testTpl)
	})
	wg.Go(func() {
		start := time.Now()
		_, waiterErr = c.ListServiceInstancesBySetTemplate(waiter, testBiz, testTpl)
		waiterTook = time.Since(start)
	})
	time.Sleep(50 * time.Millisecond)
	cancelWaiter() // first, so that it never starts a walk of its own
	time.Sleep(250 * time.Millisecond)
	cancelLeader()
	wg.Wait()
	if !errors.Is(leaderErr, context.Canceled) || !errors.Is(waiterErr, context.Canceled) {
		t.Errorf("leader: %v; waiter: %v; want both cancelled", leaderErr, waiterErr)
	}
	if waiterTook > 200*time.Millisecond { // cancelled 50 ms after it began; the walk went on for 250 ms more

		t.Errorf("the cancelled waiter returned after %s, not at once", waiterTook)
	}
	if patientErr != nil {
		t.Fatalf("a call whose context did not end failed with the walk it waited for: %v", patientErr)
	}
	requireExact(t, s, patient)
	if n := len(requests(t, s)); n != 2 {
		t.Errorf("%d requests, want the cancelled walk's and the new walk's", n)
	}
}
