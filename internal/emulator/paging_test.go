package emulator

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fetch asks one page through gw.
func fetch(t testing.TB, s *Server, gw string, biz, template int64, start, limit int) (int, []Instance) {
	t.Helper()
	if gw == GatewayESB {
		return postESB(t, s, esbFields(biz, template, start, limit)).page(t)
	}
	return postGW(t, s, strconv.FormatInt(biz, 10), gwBody(template, start, limit), nil).page(t)
}

// walk collects every page of size limit.
func walk(t testing.TB, s *Server, gw string, biz, template int64, limit int) (int, []Instance) {
	t.Helper()
	var all []Instance
	count := -1
	for start := 0; ; start += limit {
		c, info := fetch(t, s, gw, biz, template, start, limit)
		if count >= 0 && c != count {
			t.Fatalf("count changed from %d to %d", count, c)
		}
		count = c
		all = append(all, info...)
		if len(info) < limit {
			return count, all
		}
	}
}

// TestPagingMatchesDataset: walking every set template of the demo data with
// several page sizes through both front doors gives exactly
// Dataset.Instances, ascending by id, count = total.
func TestPagingMatchesDataset(t *testing.T) {
	s, d := demoServer(t, Options{})
	for _, gw := range []string{GatewayESB, GatewayAPIGW} {
		for _, limit := range []int{1000, 500, 77} {
			for _, tmpl := range d.SetTemplates {
				want := d.Instances(tmpl.BizID, tmpl.ID)
				if len(want) == 0 {
					t.Fatalf("template %d has no instances; the demo data should fill every template", tmpl.ID)
				}
				count, got := walk(t, s, gw, tmpl.BizID, tmpl.ID, limit)
				if count != len(want) {
					t.Fatalf("%s limit %d template %d: count %d, want %d", gw, limit, tmpl.ID, count, len(want))
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s limit %d template %d: instances differ from Dataset.Instances", gw, limit, tmpl.ID)
				}
			}
		}
	}
}

// TestPagingEdges: limits 1 and 1000 accepted, start past the end, unknown
// business or template, a client sort that is ignored, a biz of another template.
func TestPagingEdges(t *testing.T) {
	s, d := demoServer(t, Options{})
	want := d.Instances(testBiz, testTemplate)
	total := len(want)
	cases := []struct {
		name      string
		biz, tmpl int64
		start     int
		limit     int
		count     int
		items     []Instance
	}{
		{"limit 1", testBiz, testTemplate, 0, 1, total, want[:1]},
		{"limit 1000", testBiz, testTemplate, 0, 1000, total, want[:min(total, 1000)]},
		{"middle page", testBiz, testTemplate, 5, 3, total, want[5:8]},
		{"last partial page", testBiz, testTemplate, total - 2, 10, total, want[total-2:]},
		{"start at the end", testBiz, testTemplate, total, 10, total, []Instance{}},
		{"start far past the end", testBiz, testTemplate, total + 5000, 10, total, []Instance{}},
		{"unknown business", 999, testTemplate, 0, 10, 0, []Instance{}},
		{"unknown set template", testBiz, 999, 0, 10, 0, []Instance{}},
		{"template of another business", 3, testTemplate, 0, 10, 0, []Instance{}},
	}
	for _, tc := range cases {
		for _, gw := range []string{GatewayESB, GatewayAPIGW} {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				count, info := fetch(t, s, gw, tc.biz, tc.tmpl, tc.start, tc.limit)
				if count != tc.count {
					t.Errorf("count %d, want %d", count, tc.count)
				}
				if info == nil {
					t.Fatalf("info is null, want a list")
				}
				if !reflect.DeepEqual(info, tc.items) {
					t.Errorf("got %d items, want %d (%v...)", len(info), len(tc.items), tc.items[:min(1, len(tc.items))])
				}
			})
		}
	}
	t.Run("client sort ignored", func(t *testing.T) {
		r := postGW(t, s, "2", []byte(`{"set_template_id":11,"page":{"start":0,"limit":5,"sort":"-id"}}`), nil)
		_, info := r.page(t)
		if !reflect.DeepEqual(info, want[:5]) {
			t.Fatalf("sort was not ignored: %v", info)
		}
	})
	t.Run("empty info is an empty list", func(t *testing.T) {
		r := postGW(t, s, "999", gwBody(testTemplate, 0, 10), nil)
		if !bytes.Contains(r.body, []byte(`"data":{"count":0,"info":[]}`)) {
			t.Fatalf("body %s", r.body)
		}
	})
}

// TestLabelsNullAndRecordFidelity: unset labels are JSON null, ids and times
// come back exactly as stored.
func TestLabelsNullAndRecordFidelity(t *testing.T) {
	d := &Dataset{
		Businesses:   []Business{{ID: 3, Name: "biz"}},
		SetTemplates: []SetTemplate{{ID: 50, BizID: 3, Name: "t"}},
		Modules:      []Module{{ID: 59, Name: "m", BizID: 3, SetTemplateID: 50, ServiceTemplateID: 50}},
		ServiceInstances: []Instance{
			{BizID: 3, ID: 1<<53 + 1, Name: "10.0.0.1_lgh-process-1", ServiceTemplateID: 50, HostID: 1, ModuleID: 59, Creator: "admin", Modifier: "admin",
				CreateTime: "2020-10-09T02:46:25.002Z", LastTime: "2020-10-09T02:46:25.002Z", SupplierAccount: "0"},
			{BizID: 3, ID: 1, Name: "with labels", Labels: map[string]string{"env": "prod", "zone": "sz-1"}, HostID: 3, ModuleID: 59, Creator: "admin", Modifier: "bob",
				CreateTime: "2019-06-20T22:46:00.69+08:00", LastTime: "2019-06-20T22:46:00.69+08:00", SupplierAccount: "0"},
		},
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	s := NewTestServer(t, Options{Data: d})
	r := postESB(t, s, esbFields(3, 50, 0, 10))
	wantBody := `"info":[{"bk_biz_id":3,"id":1,"name":"with labels","labels":{"env":"prod","zone":"sz-1"},"service_template_id":0,"bk_host_id":3,"bk_module_id":59,"creator":"admin","modifier":"bob","create_time":"2019-06-20T22:46:00.69+08:00","last_time":"2019-06-20T22:46:00.69+08:00","bk_supplier_account":"0"},` +
		`{"bk_biz_id":3,"id":9007199254740993,"name":"10.0.0.1_lgh-process-1","labels":null,"service_template_id":50,"bk_host_id":1,"bk_module_id":59,"creator":"admin","modifier":"admin","create_time":"2020-10-09T02:46:25.002Z","last_time":"2020-10-09T02:46:25.002Z","bk_supplier_account":"0"}]`
	if !bytes.Contains(r.body, []byte(wantBody)) {
		t.Fatalf("body\n%s\nwant it to contain\n%s", r.body, wantBody)
	}
}

// TestLatencyOverlaps: latency is per request, not under a global lock:
// parallel requests overlap.
func TestLatencyOverlaps(t *testing.T) {
	const latency, parallel = 300 * time.Millisecond, 8
	s, _ := demoServer(t, Options{Latency: latency})
	began := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < parallel; i++ {
		wg.Go(func() { fetch(t, s, GatewayAPIGW, testBiz, testTemplate, i, 1) })
	}
	wg.Wait()
	took := time.Since(began)
	if took < latency {
		t.Fatalf("took %v, less than the latency %v", took, latency)
	}
	if took > 3*latency {
		t.Fatalf("took %v for %d parallel requests of %v latency: requests did not overlap", took, parallel, latency)
	}
	s.SetLatency(0)
	began = time.Now()
	fetch(t, s, GatewayESB, testBiz, testTemplate, 0, 1)
	if time.Since(began) >= latency {
		t.Fatalf("SetLatency(0) did not remove the latency")
	}
}

// TestRateLimit: beyond the rate the ESB answers HTTP 200 + 1306429 and the
// gateway HTTP 429 + 1642903 with Retry-After; SetRateLimit(0) lifts it.
func TestRateLimit(t *testing.T) {
	s, _ := demoServer(t, Options{RateLimit: 3})
	var limited reply
	allowed := 0
	for i := 0; i < 10; i++ {
		r := postGW(t, s, "2", gwBody(testTemplate, 0, 1), nil)
		if r.status == 429 {
			limited = r
			continue
		}
		allowed++
	}
	if allowed < 3 || allowed > 4 {
		t.Fatalf("%d of 10 quick requests allowed at 3 rps (burst 3)", allowed)
	}
	if limited.status != 429 || limited.header.Get("X-Bkapi-Error-Code") != "1642903" || limited.code(t) != CodeGWRateLimit {
		t.Fatalf("limited gateway answer: %d %v %s", limited.status, limited.header, limited.body)
	}
	if ra, err := strconv.Atoi(limited.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", limited.header.Get("Retry-After"))
	}
	r := postESB(t, s, esbFields(testBiz, testTemplate, 0, 1))
	if r.status != 200 {
		t.Fatalf("ESB rate limit status %d, want 200", r.status)
	}
	assertErrorEnvelope(t, r, CodeESBRateLimit, "limit", true)

	s.SetRateLimit(0)
	for i := 0; i < 10; i++ {
		fetch(t, s, GatewayESB, testBiz, testTemplate, 0, 1)
	}
}

// TestRateLimitRefills: after a pause of 1/rps a request passes again.
func TestRateLimitRefills(t *testing.T) {
	s, _ := demoServer(t, Options{RateLimit: 20})
	for i := 0; i < 40; i++ {
		postGW(t, s, "2", gwBody(testTemplate, 0, 1), nil)
	}
	if r := postGW(t, s, "2", gwBody(testTemplate, 0, 1), nil); r.status != 429 {
		t.Fatalf("bucket not empty: %d", r.status)
	}
	time.Sleep(100 * time.Millisecond) // two tokens at 20 rps
	if r := postGW(t, s, "2", gwBody(testTemplate, 0, 1), nil); r.status != 200 {
		t.Fatalf("bucket did not refill: %d %s", r.status, r.body)
	}
}

// TestMultiTenantRecords: multi-tenant builds drop bk_supplier_account.
func TestMultiTenantRecords(t *testing.T) {
	d := SingleTemplate(2, 11, 3, 1)
	d.ServiceInstances[1].SupplierAccount = "tenant \"x\""
	s := NewTestServer(t, Options{Data: d, MultiTenant: true})
	s.Insert(2, 11, Instance{})
	r := postGW(t, s, "2", gwBody(11, 0, 10), map[string]string{"X-Bk-Tenant-Id": "default"})
	var env struct {
		Data struct {
			Info []map[string]any `json:"info"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || len(env.Data.Info) != 4 {
		t.Fatalf("%v %s", err, r.body)
	}
	for _, rec := range env.Data.Info {
		if _, ok := rec["bk_supplier_account"]; ok || len(rec) != 11 {
			t.Fatalf("record %v", rec)
		}
	}
}
