package emulator

import (
	"bytes"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

const benchHosts = 20_000

// hostsPageBody is a list_biz_hosts page of 500 with the fields a provider asks for.
func hostsPageBody(start int) []byte {
	return []byte(`{"fields":["bk_host_id","bk_host_name","bk_host_innerip","bk_host_outerip","bk_host_innerip_v6",` +
		`"bk_host_outerip_v6","bk_cloud_id","bk_os_type","bk_os_name","bk_os_version","bk_agent_id","bk_state","operator",` +
		`"bk_bak_operator"],"page":{"start":` + strconv.Itoa(start) + `,"limit":500,"sort":"bk_host_id"}}`)
}

// BenchmarkServeHostsPage measures the handler alone: one list_biz_hosts
// page of 500 (with fields) from 20,000 hosts of one business, pages spread
// over the whole range, in parallel.
func BenchmarkServeHostsPage(b *testing.B) {
	s := New(Options{Data: ManyHosts(2, benchHosts), StrictLimits: true})
	path := DefaultStagePrefix + APIGWPathOf(APIListBizHosts, map[string]string{"bk_biz_id": "2"})
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := int(next.Add(500)) % benchHosts
			req := httptest.NewRequest("POST", path, bytes.NewReader(hostsPageBody(start)))
			req.Header.Set("X-Bkapi-Authorization", gwAuth)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// TestHosts20kIsFast guards the performance of list_biz_hosts in ordinary
// test runs: building a server of 20,000 hosts and walking them at 500 per
// page, with fields, stays well within budget.
func TestHosts20kIsFast(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing test: skipped in -short and -race runs")
	}
	began := time.Now()
	s := NewTestServer(t, Options{Data: ManyHosts(2, benchHosts), StrictLimits: true})
	built := time.Since(began)
	began = time.Now()
	total := 0
	for start := 0; start < benchHosts; start += 500 {
		r := post(t, s.APIGWURL()+APIGWPathOf(APIListBizHosts, map[string]string{"bk_biz_id": "2"}), hostsPageBody(start), map[string]string{"X-Bkapi-Authorization": gwAuth})
		count, info := r.records(t)
		if count != benchHosts {
			t.Fatalf("count %d", count)
		}
		total += len(info)
	}
	walked := time.Since(began)
	t.Logf("built in %v, walked %d hosts in %v", built, total, walked)
	if total != benchHosts || built > 3*time.Second || walked > 5*time.Second {
		t.Fatalf("%d hosts; too slow: built in %v, walked in %v", total, built, walked)
	}
}
