package cmdb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

const (
	testBiz = 2
	testTpl = 11
	// testToken is a bk_token the test emulators accept (for user "admin").
	testToken = "tok-0123456789-secret-token"
)

// gateways lists both front doors, for table tests.
var gateways = []Gateway{GatewayESB, GatewayAPIGW}

// newEmulator starts an emulator holding n instances of (testBiz, testTpl).
func newEmulator(t testing.TB, n int, mod ...func(*emulator.Options)) *emulator.Server {
	t.Helper()
	opts := emulator.Options{
		Data:   emulator.SingleTemplate(testBiz, testTpl, n, 42),
		Tokens: map[string]string{testToken: emulator.DefaultUser},
		// The documented page maximum is held, as a stricter gateway would.
		StrictLimits: true,
	}
	for _, m := range mod {
		m(&opts)
	}
	return emulator.NewTestServer(t, opts)
}

// testConfig is a Config for s on gw with short waits, so that retry tests run fast.
func testConfig(s *emulator.Server, gw Gateway) Config {
	cfg := DefaultConfig()
	cfg.Gateway = gw
	cfg.BaseURL = s.URL()
	if gw == GatewayAPIGW {
		cfg.BaseURL = s.APIGWURL()
	}
	cfg.Credentials = Credentials{AppCode: emulator.DefaultAppCode, AppSecret: emulator.DefaultAppSecret, Username: emulator.DefaultUser}
	cfg.RetryWaitMin = time.Millisecond
	cfg.RetryWaitMax = 20 * time.Millisecond
	cfg.RequestTimeout = 5 * time.Second
	cfg.UserAgent = "terraform-provider-bkcmdb/test Terraform/1.x"
	return cfg
}

// newTestClient returns a client for s on gw; mods adjust the config.
func newTestClient(t testing.TB, s *emulator.Server, gw Gateway, mods ...func(*Config)) (*Client, *recordingLogger) {
	t.Helper()
	cfg := testConfig(s, gw)
	log := &recordingLogger{}
	cfg.Logger = log
	for _, m := range mods {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c, log
}

// list is one fresh walk of (testBiz, testTpl): it first forgets the reads c keeps
// (share.go), so that a test reading twice sees the data as it is now.
func list(t testing.TB, c *Client) (*ServiceInstanceList, error) {
	t.Helper()
	c.reads.forget()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return c.ListServiceInstancesBySetTemplate(ctx, testBiz, testTpl)
}

// requireExact fails unless got is exactly what s serves now for (testBiz, testTpl).
func requireExact(t testing.TB, s *emulator.Server, got *ServiceInstanceList) {
	t.Helper()
	want := s.Instances(testBiz, testTpl)
	if got == nil {
		t.Fatal("nil result")
	}
	if got.Count != int64(len(want)) {
		t.Errorf("Count = %d, want %d", got.Count, len(want))
	}
	if len(got.Instances) != len(want) {
		t.Fatalf("%d instances, want %d", len(got.Instances), len(want))
	}
	for i := range want {
		if d := diffInstance(got.Instances[i], want[i]); d != "" {
			t.Fatalf("instance %d (id %d): %s", i, want[i].ID, d)
		}
	}
}

func diffInstance(g ServiceInstance, w emulator.Instance) string {
	var d []string
	cmp := func(name string, a, b any) {
		if a != b {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, a, b))
		}
	}
	cmp("id", g.ID, w.ID)
	cmp("name", g.Name, w.Name)
	cmp("bk_biz_id", g.BizID, w.BizID)
	cmp("bk_module_id", g.ModuleID, w.ModuleID)
	cmp("bk_host_id", g.HostID, w.HostID)
	cmp("service_template_id", g.ServiceTemplateID, w.ServiceTemplateID)
	cmp("creator", g.Creator, w.Creator)
	cmp("modifier", g.Modifier, w.Modifier)
	cmp("create_time", g.CreateTime, w.CreateTime)
	cmp("last_time", g.LastTime, w.LastTime)
	cmp("bk_supplier_account", g.SupplierAccount, w.SupplierAccount)
	if len(g.Labels) != len(w.Labels) || (g.Labels == nil) != (w.Labels == nil) {
		d = append(d, fmt.Sprintf("labels = %v, want %v", g.Labels, w.Labels))
	}
	for k, v := range w.Labels {
		if g.Labels[k] != v {
			d = append(d, fmt.Sprintf("labels[%s] = %q, want %q", k, g.Labels[k], v))
		}
	}
	return strings.Join(d, "; ")
}

// requests returns the emulator's request log once it holds every request the
// emulator received: a request is logged after its answer was written, so the
// client can see the answer before the log does.
func requests(t testing.TB, s *emulator.Server) []emulator.RecordedRequest {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		reqs := s.Requests()
		if len(reqs) >= s.RequestCount() || time.Now().After(deadline) {
			return reqs
		}
		time.Sleep(time.Millisecond)
	}
}

// requireAPIError returns err as an *APIError or fails.
func requireAPIError(t testing.TB, err error) *APIError {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	ae, ok := err.(*APIError)
	if !ok {
		t.Fatalf("error is %T (%v), want *APIError", err, err)
	}
	if !strings.HasPrefix(ae.Error(), APIListServiceInstanceBySetTemplate+": ") {
		t.Errorf("error text %q does not start with the API name", ae.Error())
	}
	return ae
}

// recordingLogger keeps every log line, to check what the client logs.
type recordingLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *recordingLogger) add(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s %v", level, msg, fields))
}

func (l *recordingLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.add("DEBUG", msg, fields)
}

func (l *recordingLogger) Warn(_ context.Context, msg string, fields map[string]any) {
	l.add("WARN", msg, fields)
}

func (l *recordingLogger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// wantStarts is the contract's start sequence for n records in pages of pageSize: 0,
// then each page starts at the last record of the page before (start += pageSize-1;
// += 1 for a page size of 1), until a page reaches the end.
func wantStarts(n, pageSize int) []int {
	step := max(1, pageSize-1)
	var starts []int
	for st := 0; ; st += step {
		starts = append(starts, st)
		if st+pageSize >= n {
			return starts
		}
	}
}
