package emulator

import (
	"bytes"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
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

// BenchmarkBuildAndWalkHosts20k builds a server of 20,000 hosts and walks them at
// 500 per page, with fields, through the gateway.
func BenchmarkBuildAndWalkHosts20k(b *testing.B) {
	for b.Loop() {
		s := NewTestServer(b, Options{Data: ManyHosts(2, benchHosts), StrictLimits: true})
		total := 0
		for start := 0; start < benchHosts; start += 500 {
			r := post(b, s.APIGWURL()+APIGWPathOf(APIListBizHosts, map[string]string{"bk_biz_id": "2"}), hostsPageBody(start), map[string]string{"X-Bkapi-Authorization": gwAuth})
			count, info := r.records(b)
			if count != benchHosts {
				b.Fatalf("count %d", count)
			}
			total += len(info)
		}
		if total != benchHosts {
			b.Fatalf("%d hosts, want %d", total, benchHosts)
		}
		_ = s.Close()
	}
}
