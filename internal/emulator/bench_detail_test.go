package emulator

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// BenchmarkServeDetail measures list_service_instance_detail's handler alone on
// 100,000 instances with processes: one page of 500, asked as the provider does for
// with_processes (service_instance_ids, a chunk of 500 ids) and by bk_module_id.
func BenchmarkServeDetail(b *testing.B) {
	d := WithProcesses(SingleTemplate(2, 11, benchInstances, 1), 1, nil)
	s := New(Options{Data: d})
	ids := make([]int64, 500)
	for i := range ids {
		ids[i] = d.ServiceInstances[40000+i].ID
	}
	for _, bc := range []struct {
		name string
		body map[string]any
	}{
		{"by=service_instance_ids", map[string]any{"bk_biz_id": 2, "service_instance_ids": ids}},
		{"by=bk_module_id", map[string]any{"bk_biz_id": 2, "bk_module_id": d.Modules[0].ID}},
	} {
		bc.body["page"] = map[string]any{"start": 0, "limit": 500, "sort": "id"}
		body, err := json.Marshal(bc.body)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", DefaultStagePrefix+"/api/v3/findmany/proc/service_instance/details", bytes.NewReader(body))
				req.Header.Set("X-Bkapi-Authorization", gwAuth)
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte(`"result":true`)) {
					b.Fatalf("status %d: %.200s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
