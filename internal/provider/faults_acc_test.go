package provider

// The fault suite where the user sees it: the real terraform CLI (terraform-plugin-testing)
// runs the server main serves (protoV6ProviderFactories) against the CMDB emulator, which
// injects the faults. The client-level suite (internal/cmdb: retry_test.go, walk_test.go,
// errors_test.go, faults_test.go) covers every class in detail; these tests prove that
// what reaches the user is exact data or the contract's one diagnostic.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// rx is a raw regular expression inside diagPattern.
type rx string

// diagPattern matches terraform's rendering of a diagnostic that holds every part, in
// order. A string part is literal text whose spaces may become any line break terraform
// puts in when it wraps a detail (each wrapped line starts with "│ "); an rx part is a
// regular expression as is.
func diagPattern(parts ...any) *regexp.Regexp {
	res := make([]string, len(parts))
	for i, p := range parts {
		switch p := p.(type) {
		case rx:
			res[i] = string(p)
		case string:
			words := strings.Fields(p)
			for j, w := range words {
				words[j] = regexp.QuoteMeta(w)
			}
			res[i] = strings.Join(words, `[\s│]+`)
		default:
			panic(fmt.Sprintf("diagPattern: part %T", p))
		}
	}
	return regexp.MustCompile(`(?s)` + strings.Join(res, `.*`))
}

// expectCurrent checks that the state holds exactly what the emulator serves for the
// template when the check runs (after the changes a test made during the read).
type expectCurrent struct {
	addr                 string
	srv                  *emulator.Server
	bizID, setTemplateID int64
}

func (e expectCurrent) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	expectInstances{addr: e.addr, want: e.srv.Instances(e.bizID, e.setTemplateID)}.CheckState(ctx, req, resp)
}

// requestLog records when the emulator finished each request, through Options.Log.
type requestLog struct {
	mu    sync.Mutex
	lines []string
	times []time.Time
}

func (l *requestLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
	l.times = append(l.times, time.Now())
}

func (l *requestLog) snapshot() ([]string, []time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...), append([]time.Time(nil), l.times...)
}

// TestAccFaultsRetriedThenExact: each retryable fault, as the user sees it, ends in the
// exact data of the emulator; the fault was really served, once per retry.
func TestAccFaultsRetriedThenExact(t *testing.T) {
	cases := []struct {
		name    string
		gateway string
		faults  []emulator.Fault
		// minGap is the least time between the last faulted answer and the next request.
		minGap time.Duration
	}{
		{"502 twice then data", "apigw", []emulator.Fault{{Status: 502, Times: 2}}, 0},
		{"503 HTML then 504", "esb", []emulator.Fault{{Status: 503}, {Status: 504}}, 0},
		{"reset mid-body", "esb", []emulator.Fault{{DropMidBody: true}}, 0},
		{"reset mid-body on a later page", "apigw", []emulator.Fault{{DropMidBody: true, Match: func(r emulator.RecordedRequest) bool {
			return strings.Contains(string(r.Body), `"start":49`)
		}}}, 0},
		{"truncated JSON", "apigw", []emulator.Fault{{Truncate: true}}, 0},
		{"rate-limit envelopes 1199997 then 1642903", "apigw", []emulator.Fault{{Code: 1199997}, {Code: 1642903}}, 0},
		{"ESB rate limit 1306429", "esb", []emulator.Fault{{Code: 1306429, Times: 2}}, 0},
		{"429 with Retry-After seconds", "apigw", []emulator.Fault{{Status: 429, Header: map[string]string{"Retry-After": "1"}}}, time.Second},
		{"per-attempt timeout", "esb", []emulator.Fault{{Delay: 2 * time.Second}}, 0},
	}
	clearProviderEnv(t) // once, for the parallel subtests
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := &requestLog{}
			data := emulator.SingleTemplate(3, 7, 120, 5)
			srv := newEmulator(t, emulator.Options{Data: data, Log: log.add})
			srv.Inject(tc.faults...)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(tc.gateway, baseURLFor(srv, tc.gateway), "page_size = 50", "parallelism = 2",
						`request_timeout = "500ms"`, "max_retries = 3", `retry_wait_max = "2s"`) + dataBlock(3, 7),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("total"), knownvalue.Int64Exact(120)),
						expectInstances{addr: dataAddr, want: data.Instances(3, 7)},
					},
				}},
			})
			if n := srv.PendingFaults(); n != 0 {
				t.Fatalf("%d fault answers were never served: the test did not exercise them", n)
			}
			faulted := 0
			for _, r := range srv.Requests() {
				if r.Faulted {
					faulted++
				}
			}
			want := 0
			for _, f := range tc.faults {
				want += max(1, f.Times)
			}
			if faulted != want {
				t.Errorf("%d faulted answers, want %d", faulted, want)
			}
			if tc.minGap > 0 {
				lines, times := log.snapshot()
				for i, line := range lines {
					if strings.Contains(line, "fault=injected") && i+1 < len(times) {
						if gap := times[i+1].Sub(times[i]); gap < tc.minGap {
							t.Errorf("retried %s after the faulted answer, want at least %s (Retry-After)", gap, tc.minGap)
						}
					}
				}
			}
		})
	}
}

// TestAccFaultsNotRetried: each non-retryable fault fails the plan after exactly one
// request, with one diagnostic that names the API and gives the HTTP status, the code, the
// message and the request id, and for a body that is not JSON its content type and first
// 200 bytes.
func TestAccFaultsNotRetried(t *testing.T) {
	loginPage := "<!DOCTYPE html><html><head><title>Login | BlueKing</title></head><body><form action=\"/login/\">" +
		strings.Repeat("<input name=field>", 12) + "</form>SHOULD-NOT-BE-SHOWN</body></html>"
	snippet := loginPage[:200]
	if !strings.Contains(loginPage[200:], "SHOULD-NOT-BE-SHOWN") || strings.Contains(snippet, "SHOULD") {
		t.Fatal("the login page must put its marker after byte 200")
	}
	api := "list_service_instance_by_set_template failed"
	cases := []struct {
		name    string
		gateway string
		fault   emulator.Fault
		want    *regexp.Regexp
	}{
		{"HTML login page on HTTP 200", "esb",
			emulator.Fault{Body: loginPage, ContentType: "text/html; charset=utf-8", Header: map[string]string{"X-Request-Id": "login-req-7"}},
			// The snippet is quoted with %q: its closing quote right after byte 200 shows the cut.
			diagPattern(api, "HTTP 200", "HTTP status: 200", "Request ID: login-req-7", `Content type: "text/html; charset=utf-8"`,
				"Body (first 200 bytes):", strings.ReplaceAll(snippet, `"`, `\"`)+`"`, "did not answer with JSON")},
		{"9900403 with a permission object", "esb", emulator.Fault{Code: 9900403, Message: "no permission to view business mall"},
			diagPattern(api, "HTTP 200, code 9900403: no permission to view business mall", "HTTP status: 200", "Code: 9900403",
				"Message: no permission to view business mall", "Request ID:", rx(`[0-9a-f]{32}`),
				`Permission: {"actions":[{"id":"find_business_resource"`, "BlueKing IAM")},
		{"HTTP 501", "apigw", emulator.Fault{Status: 501, Header: map[string]string{"X-Bkapi-Request-Id": "gw-501-req"}},
			diagPattern(api, "HTTP 501", "HTTP status: 501", "Request ID: gw-501-req", `Content type: "text/html"`, "501 Not Implemented")},
		{"envelope without data", "apigw", emulator.Fault{Body: `{"result":true,"code":0,"message":"success","permission":null}`},
			diagPattern(api, "HTTP 200", "data is missing", "Request ID:", rx(`[0-9a-f-]{36}`))},
		{"info not a list", "esb", emulator.Fault{Body: `{"result":true,"code":0,"message":"success","request_id":"0123456789abcdef0123456789abcdef","data":{"count":1,"info":{"id":1}}}`},
			diagPattern(api, "data.info", "Request ID: 0123456789abcdef0123456789abcdef")},
		{"negative count", "esb", emulator.Fault{Body: `{"result":true,"code":0,"message":"success","request_id":"fedcba9876543210fedcba9876543210","data":{"count":-3,"info":[]}}`},
			diagPattern(api, "negative", "Request ID: fedcba9876543210fedcba9876543210")},
		{"ids as strings", "apigw", emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":{"count":1,"info":[{"id":"12"}]}}`},
			diagPattern(api, "data.info.id", "Request ID:")},
		{"result true with a non-zero code", "esb", emulator.Fault{Body: `{"result":true,"code":1199017,"message":"odd","request_id":"00000000000000000000000000000abc","data":{"count":0,"info":[]}}`},
			diagPattern(api, "code 1199017", "Code: 1199017", "Request ID: 00000000000000000000000000000abc")},
		{"ESB 1306000", "esb", emulator.Fault{Code: 1306000},
			diagPattern(api, "code 1306000", "Message: APP Secret verification failed", "Request ID:", rx(`[0-9a-f]{32}`), "bk_app_secret")},
		{"gateway 403", "apigw", emulator.Fault{Status: 403},
			diagPattern(api, "HTTP 403, code 1640301", "Message: App has no permission to the resource", "Request ID:", "developer center")},
		{"gateway 404", "apigw", emulator.Fault{Status: 404},
			diagPattern(api, "HTTP 404, code 1640401", "Request ID:", "check base_url and gateway")},
		{"gateway 400", "apigw", emulator.Fault{Status: 400},
			diagPattern(api, "HTTP 400, code 1640001", "Request ID:", "bk_app_code")},
		{"1199059 page limit", "esb", emulator.Fault{Code: 1199059},
			diagPattern(api, "code 1199059", "Message: page limit is exceeded", "Request ID:", rx(`[0-9a-f]{32}`))},
		{"1199008 set_template_id", "apigw", emulator.Fault{Code: 1199008, BackendErrorKeys: true},
			diagPattern(api, "code 1199008", "Message: 'set_template_id' cannot be omitted", "Request ID:")},
		{"1199000 JSON", "apigw", emulator.Fault{Code: 1199000},
			diagPattern(api, "code 1199000", "Message: Deserializing JSON data failed", "Request ID:")},
	}
	clearProviderEnv(t) // once, for the parallel subtests
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(3, 7, 10, 1)})
			f := tc.fault
			f.Times = 5 // a retry would be served the same fault, and counted
			srv.Inject(f)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock(tc.gateway, baseURLFor(srv, tc.gateway), "max_retries = 4") + dataBlock(3, 7),
					ExpectError: tc.want,
				}},
			})
			if n := srv.RequestCount(); n != 1 {
				t.Errorf("%d requests for a non-retryable failure, want exactly 1", n)
			}
		})
	}
}

// TestAccFaultsLoginPageSnippetCut: the body of a non-JSON answer is cut at 200 bytes
// (ExpectError cannot assert an absence, so this checks that the bytes past 200 are not
// in the diagnostic by asking for a pattern that would need them).
func TestAccFaultsLoginPageSnippetCut(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(3, 7, 10, 1)})
	page := "<html><body>" + strings.Repeat("a", 188) + "TAIL-PAST-200</body></html>"
	srv.Inject(emulator.Fault{Body: page, Times: 2})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("esb", srv.URL(), "max_retries = 0") + dataBlock(3, 7),
			// The quoted snippet closes right after the 188 a's: the tail is not shown.
			ExpectError: diagPattern(rx(`Body \(first 200 bytes\):[\s│]+"<html><body>a{188}"`)),
		}},
	})
}

// TestAccFaultsRetriesBounded: a gateway failing forever is given up after max_retries,
// within the configured waits even though it asks for Retry-After: 3600, and the
// diagnostic gives the last failure and the attempts.
//
// Each read has its own deadline (readDeadline), far below the go test timeout: should
// Retry-After escape the cap, the read ends there and the test says so, instead of
// hanging for an hour.
func TestAccFaultsRetriesBounded(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(3, 7, 10, 1)})
	srv.Inject(emulator.Fault{Status: 503, Header: map[string]string{"Retry-After": "3600", "X-Bkapi-Request-Id": "gw-503"}, Times: 1000})
	start := time.Now()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withReadDeadline(t, 15*time.Second, protoV6ProviderFactories),
		Steps: []resource.TestStep{{
			Config: providerBlock("apigw", srv.APIGWURL(), "max_retries = 3", `retry_wait_min = "50ms"`, `retry_wait_max = "200ms"`) + dataBlock(3, 7),
			ExpectError: diagPattern("list_service_instance_by_set_template failed: HTTP 503", "HTTP status: 503",
				"Request ID: gw-503", "Attempts: 4"),
		}},
	})
	if n := srv.RequestCount(); n != 4 {
		t.Errorf("%d requests, want 4 (1 + max_retries 3)", n)
	}
	// Three waits of at most 200 ms each, plus terraform: far less than one Retry-After.
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("took %s: Retry-After 3600 was not capped by retry_wait_max", el)
	}
}

// withReadDeadline wraps the servers of factories so that each ReadDataSource gets at
// most d; a read cut off there fails t with a message that says so.
func withReadDeadline(t *testing.T, d time.Duration, factories map[string]func() (tfprotov6.ProviderServer, error)) map[string]func() (tfprotov6.ProviderServer, error) {
	out := make(map[string]func() (tfprotov6.ProviderServer, error), len(factories))
	for name, factory := range factories {
		out[name] = func() (tfprotov6.ProviderServer, error) {
			s, err := factory()
			return &deadlineServer{ProviderServer: s, t: t, d: d}, err
		}
	}
	return out
}

// deadlineServer gives every ReadDataSource of its ProviderServer a deadline.
type deadlineServer struct {
	tfprotov6.ProviderServer
	t *testing.T
	d time.Duration
}

func (s *deadlineServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, s.d)
	defer cancel()
	resp, err := s.ProviderServer.ReadDataSource(ctx, req)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		s.t.Errorf("ReadDataSource of %s was still running after the test's deadline of %s and was cancelled: "+
			"a wait is not bounded by retry_wait_max, or retries by max_retries", req.TypeName, s.d)
	}
	return resp, err
}

// TestAccFaultsDataChangesBetweenPages: data changing while the provider pages through
// it gives the exact final snapshot, or the contract's error with the counts seen; never
// a list with a gap or a duplicate.
func TestAccFaultsDataChangesBetweenPages(t *testing.T) {
	const biz, tpl = 3, 7
	type hook = func(p emulator.PageRequest, m *emulator.Mutator)
	exact := []struct {
		name   string
		hook   hook
		faults []emulator.Fault
	}{
		{"insert", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 2 {
				m.Insert(biz, tpl, emulator.Instance{})
			}
		}, nil},
		{"delete", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 3 {
				m.Delete(20)
			}
		}, nil},
		// count stays the same: only the page overlap shows the shift.
		{"delete and insert in one change", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 2 {
				m.Delete(5)
				m.Insert(biz, tpl, emulator.Instance{})
			}
		}, nil},
		{"a page with more items than asked", nil,
			[]emulator.Fault{{ExtraItems: 20, Match: func(r emulator.RecordedRequest) bool { return strings.Contains(string(r.Body), `"start":39`) }}}},
		{"more items than asked, and an insert", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 2 {
				m.Insert(biz, tpl, emulator.Instance{})
			}
		}, []emulator.Fault{{ExtraItems: 20, Match: func(r emulator.RecordedRequest) bool { return strings.Contains(string(r.Body), `"start":39`) }}}},
	}
	clearProviderEnv(t) // once, for the parallel subtests
	for _, tc := range exact {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(biz, tpl, 120, 9)})
			if tc.hook != nil {
				srv.OnPage(tc.hook)
			}
			srv.Inject(tc.faults...)
			before := srv.Instances(biz, tpl)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock("esb", srv.URL(), "page_size = 40", "parallelism = 1") + dataBlock(biz, tpl),
					ConfigStateChecks: []statecheck.StateCheck{
						expectCurrent{addr: dataAddr, srv: srv, bizID: biz, setTemplateID: tpl},
						statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("total"), knownvalue.Int64Func(func(v int64) error {
							if now := len(srv.Instances(biz, tpl)); v != int64(now) {
								return fmt.Errorf("total %d, want %d", v, now)
							}
							return nil
						})),
					},
				}},
			})
			if tc.hook != nil && sameIDs(before, srv.Instances(biz, tpl)) {
				t.Error("the data did not change: the test did not exercise a change")
			}
			if n := srv.PendingFaults(); n != 0 {
				t.Errorf("%d faults never served", n)
			}
		})
	}

	failing := []struct {
		name string
		hook hook
		want *regexp.Regexp
	}{
		{"count never settles", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.Start == 39 {
				m.Insert(biz, tpl, emulator.Instance{})
			}
		}, diagPattern("list_service_instance_by_set_template failed: the data kept changing during the read",
			"walk 1: count 120 then 121", "walk 3: count 122 then 123", "Run the plan again")},
		{"records shift on every walk", func() hook {
			var mu sync.Mutex
			next := int64(10)
			return func(p emulator.PageRequest, m *emulator.Mutator) {
				if p.Start == 39 {
					mu.Lock()
					id := next
					next++
					mu.Unlock()
					m.Delete(id)
					m.Insert(biz, tpl, emulator.Instance{})
				}
			}
		}(), diagPattern("the data kept changing", "walk 1: count 120, 121 distinct ids, records shifted between pages")},
	}
	for _, tc := range failing {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(biz, tpl, 120, 9)})
			srv.OnPage(tc.hook)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock("esb", srv.URL(), "page_size = 40", "parallelism = 1") + dataBlock(biz, tpl),
					ExpectError: tc.want,
				}},
			})
		})
	}
}

// sameIDs reports whether a and b hold the same ids in the same order.
func sameIDs(a, b []emulator.Instance) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID {
			return false
		}
	}
	return true
}
