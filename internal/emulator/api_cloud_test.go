package emulator

import (
	"slices"
	"strings"
	"testing"
)

func cloudReq(body map[string]any) apiReq { return apiReq{api: APISearchCloudArea, body: body} }

func cloudIDs(t testing.TB, s *Server, gw string, body map[string]any) (int, []int64) {
	t.Helper()
	n, info := callAPI(t, s, gw, cloudReq(body)).records(t)
	return n, idsOf(t, info, "bk_cloud_id")
}

// TestSearchCloudAreaOrder: the default order is -create_time (4 and 5, then
// 2 and 3, then 0; ties in the natural order, here not by id); page.sort is
// honoured.
func TestSearchCloudAreaOrder(t *testing.T) {
	s, d := demoServer(t, Options{StrictLimits: true})
	all := []int64{}
	for _, a := range d.CloudAreasNamed("") {
		all = append(all, a.ID)
	}
	if !slices.Equal(all, []int64{0, 2, 3, 4, 5}) {
		t.Fatalf("generated areas %v", all)
	}
	for _, gw := range gateways {
		n, info := callAPI(t, s, gw, cloudReq(map[string]any{"page": page(0, 500, "")})).records(t)
		ids := idsOf(t, info, "bk_cloud_id")
		if n != 5 || ids[4] != 0 || ids[0]+ids[1] != 9 || ids[2]+ids[3] != 5 || ascending(ids[:4]) {
			t.Fatalf("%s: default order %v", gw, ids)
		}
		for i := 1; i < len(info); i++ {
			if info[i].str(t, "create_time") > info[i-1].str(t, "create_time") {
				t.Fatalf("%s: not by -create_time: %v", gw, ids)
			}
		}
		if _, got := cloudIDs(t, s, gw, map[string]any{"page": page(0, 500, "bk_cloud_id")}); !slices.Equal(got, all) {
			t.Fatalf("%s: sort bk_cloud_id: %v", gw, got)
		}
		if _, got := cloudIDs(t, s, gw, map[string]any{"page": page(0, 500, "-bk_cloud_id")}); !slices.Equal(got, reversed(all)) {
			t.Fatalf("%s: sort -bk_cloud_id: %v", gw, got)
		}
		if _, got := cloudIDs(t, s, gw, map[string]any{"page": page(1, 2, "bk_cloud_id")}); !slices.Equal(got, []int64{2, 3}) {
			t.Fatalf("%s: page 1,2: %v", gw, got)
		}
	}
}

// TestSearchCloudAreaCondition: condition values are exact (case and all),
// numbers and MongoDB operators work; is_fuzzy turns strings into a
// case-insensitive match of the escaped text.
func TestSearchCloudAreaCondition(t *testing.T) {
	s, _ := demoServer(t, Options{})
	cases := []struct {
		name string
		body map[string]any
		want []int64
	}{
		{"exact name", map[string]any{"condition": map[string]any{"bk_cloud_name": "tencent-gz"}}, []int64{2}},
		{"exact is case-sensitive", map[string]any{"condition": map[string]any{"bk_cloud_name": "TENCENT-GZ"}}, []int64{}},
		{"exact id 0", map[string]any{"condition": map[string]any{"bk_cloud_id": 0}}, []int64{0}},
		{"default area", map[string]any{"condition": map[string]any{"bk_cloud_name": "Default Area"}}, []int64{0}},
		{"$in", map[string]any{"condition": map[string]any{"bk_cloud_id": map[string]any{"$in": []int{3, 5, 9}}}}, []int64{3, 5}},
		{"vendor", map[string]any{"condition": map[string]any{"bk_cloud_vendor": "2", "bk_status": "1"}}, []int64{2, 5}},
		{"fuzzy", map[string]any{"is_fuzzy": true, "condition": map[string]any{"bk_cloud_name": "tencent-gz"}}, []int64{2, 4, 5}},
		{"fuzzy escapes dots", map[string]any{"is_fuzzy": true, "condition": map[string]any{"bk_cloud_name": "tencent.gz"}}, []int64{}},
		{"fuzzy keeps numbers exact", map[string]any{"is_fuzzy": true, "condition": map[string]any{"bk_cloud_id": 4}}, []int64{4}},
		{"no match", map[string]any{"condition": map[string]any{"bk_cloud_name": "nope"}}, []int64{}},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			body := withPage(tc.body, 0, 100, "bk_cloud_id")
			if n, got := cloudIDs(t, s, gw, body); n != len(tc.want) || !slices.Equal(got, tc.want) {
				t.Errorf("%s/%s: count %d, ids %v, want %v", tc.name, gw, n, got, tc.want)
			}
		}
	}
}

// TestSearchCloudAreaPage: limit 0 (or no page) silently becomes 1000; an
// illegal page is 1199006 with the bare template; -strict holds the limit to
// 1..500 with 1199059; start past the end keeps the count.
func TestSearchCloudAreaPage(t *testing.T) {
	s, _ := demoServer(t, Options{})
	strict, _ := demoServer(t, Options{StrictLimits: true})
	for _, gw := range gateways {
		for _, body := range []map[string]any{{}, {"page": page(0, 0, "")}, {"page": map[string]any{"sort": "bk_cloud_id"}}} {
			if n, ids := cloudIDs(t, s, gw, body); n != 5 || len(ids) != 5 {
				t.Fatalf("%s %v: %d %v", gw, body, n, ids)
			}
		}
		for _, p := range []map[string]any{page(0, 1001, ""), page(0, -1, ""), page(-1, 10, "")} {
			r := callAPI(t, s, gw, cloudReq(map[string]any{"page": p}))
			if r.code(t) != CodeCMDBParamsInvalid || !strings.Contains(string(r.body), "'%s' data parameter verification does not pass") {
				t.Fatalf("%s page %v: %s", gw, p, r.body)
			}
		}
		if n, ids := cloudIDs(t, s, gw, map[string]any{"page": page(0, 999999999, "")}); n != 5 || len(ids) != 5 {
			t.Fatalf("%s: no-limit page: %d %v", gw, n, ids)
		}
		for _, p := range []map[string]any{page(0, 0, ""), page(0, 501, "")} {
			if r := callAPI(t, strict, gw, cloudReq(map[string]any{"page": p})); r.code(t) != CodeCMDBPageLimit {
				t.Fatalf("%s strict page %v: %s", gw, p, r.body)
			}
		}
		if n, ids := cloudIDs(t, strict, gw, map[string]any{"page": page(10, 500, "")}); n != 5 || len(ids) != 0 {
			t.Fatalf("%s: past the end: %d %v", gw, n, ids)
		}
	}
}

// TestSearchCloudAreaRecord: keys in alphabetical order, unset attributes
// absent, fields a projection.
func TestSearchCloudAreaRecord(t *testing.T) {
	s, _ := demoServer(t, Options{})
	for _, gw := range gateways {
		r := callAPI(t, s, gw, cloudReq(map[string]any{"page": page(0, 1, "bk_cloud_id")}))
		want := `{"bk_cloud_id":0,"bk_cloud_name":"Default Area","bk_creator":"cc_system","bk_last_editor":"cc_system",` +
			`"bk_status":"1","bk_supplier_account":"0","create_time":"` + modelTime(0, 0) + `","last_time":"` + modelTime(0, 0) + `"}`
		if !strings.Contains(string(r.body), `"count":5,"info":[`+want+`]`) {
			t.Fatalf("%s: %s", gw, r.body)
		}
		_, info := callAPI(t, s, gw, cloudReq(map[string]any{"fields": []string{"bk_cloud_name", "bk_region"}, "page": page(0, 10, "bk_cloud_id")})).records(t)
		if len(info) != 5 || len(info[0]) != 1 || len(info[1]) != 2 || info[1].str(t, "bk_region") != "ap-guangzhou" {
			t.Fatalf("%s: fields: %v", gw, info)
		}
	}
}

// TestSearchCloudAreaMutator: areas inserted and deleted during a read are
// served from the next page on, and in Snapshot.
func TestSearchCloudAreaMutator(t *testing.T) {
	s, _ := demoServer(t, Options{})
	s.OnPage(func(p PageRequest, m *Mutator) {
		if p.API == APISearchCloudArea && p.N == 1 {
			if a := m.InsertCloudArea(CloudArea{ID: -1, Name: "new-area"}); a.ID != 6 {
				t.Errorf("inserted area %d", a.ID)
			}
			m.DeleteCloudArea(3)
		}
	})
	if _, ids := cloudIDs(t, s, GatewayESB, map[string]any{"page": page(0, 10, "bk_cloud_id")}); !slices.Equal(ids, []int64{0, 2, 4, 5, 6}) {
		t.Fatalf("after changes: %v", ids)
	}
	if got := s.Snapshot().CloudAreasNamed("new-area"); len(got) != 1 || got[0].ID != 6 {
		t.Fatalf("snapshot: %v", got)
	}
}
