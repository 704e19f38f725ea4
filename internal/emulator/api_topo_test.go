package emulator

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// templatesServer serves the demo data with 25 more set templates in web-shop.
func templatesServer(t *testing.T, opts Options) (*Server, []int64) {
	t.Helper()
	s, d := demoServer(t, opts)
	m := s.Mutator()
	for i := range 25 {
		m.InsertSetTemplate(SetTemplate{BizID: 2, Name: "extra-" + strconv.Itoa(i)})
	}
	want := []int64{}
	for _, st := range d.SetTemplatesOf(2) {
		want = append(want, st.ID)
	}
	for _, st := range s.Snapshot().SetTemplatesOf(2) {
		if !slices.Contains(want, st.ID) {
			want = append(want, st.ID)
		}
	}
	return s, want
}

// TestListSetTemplate: a missing limit becomes 20; set_template_ids filters
// (an empty list finds nothing); there is no name filter; no default order;
// the record's keys.
func TestListSetTemplate(t *testing.T) {
	s, want := templatesServer(t, Options{})
	req := func(body map[string]any) apiReq {
		return apiReq{api: APIListSetTemplate, params: webShopHosts, body: body}
	}
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			count, info := callAPI(t, s, gw, req(map[string]any{})).records(t)
			if count != len(want) || len(info) != defaultTemplateLimit {
				t.Fatalf("no page: count %d, %d records, want %d and 20", count, len(info), len(want))
			}
			count, info = callAPI(t, s, gw, req(map[string]any{"page": map[string]any{"start": 5}})).records(t)
			if count != len(want) || len(info) != 20 {
				t.Fatalf("no limit: count %d, %d records", count, len(info))
			}
			count, info = callAPI(t, s, gw, req(map[string]any{"page": page(0, noLimit, "")})).records(t)
			if count != len(want) || len(info) != len(want) {
				t.Fatalf("BKNoLimit: count %d, %d records", count, len(info))
			}
			natural := walkIDs(t, s, gw, req(nil), "id", 7, "")
			sorted := slices.Sorted(slices.Values(natural))
			if ascending(natural) || !slices.Equal(sorted, want) {
				t.Fatalf("without sort: %v", natural)
			}
			if got := walkIDs(t, s, gw, req(nil), "id", 7, "id"); !slices.Equal(got, want) {
				t.Fatalf("sort id: %v", got)
			}
			if got := walkIDs(t, s, gw, req(nil), "id", 7, "-id"); !slices.Equal(got, reversed(want)) {
				t.Fatalf("sort -id: %v", got)
			}
			got := walkIDs(t, s, gw, req(map[string]any{"set_template_ids": []int64{12, 11, 999}}), "id", 10, "id")
			if !slices.Equal(got, []int64{11, 12}) {
				t.Fatalf("set_template_ids: %v", got)
			}
			if count, _ := callAPI(t, s, gw, req(map[string]any{"set_template_ids": []int64{}})).records(t); count != 0 {
				t.Fatalf("empty set_template_ids: count %d", count)
			}
			if count, _ := callAPI(t, s, gw, req(map[string]any{"name": "web", "bk_set_template_name": "web"})).records(t); count != len(want) {
				t.Fatalf("a name in the body filtered: count %d", count)
			}
			_, info = callAPI(t, s, gw, req(map[string]any{"set_template_ids": []int64{11}})).records(t)
			keys := []string{"bk_biz_id", "bk_supplier_account", "create_time", "creator", "id", "last_time", "modifier", "name"}
			if got := sortedKeys(info[0]); !reflect.DeepEqual(got, keys) || info[0].str(t, "name") != "web" {
				t.Fatalf("record %v", info[0])
			}
			if count, _ := callAPI(t, s, gw, apiReq{api: APIListSetTemplate, params: map[string]string{"bk_biz_id": "3"}}).records(t); count != 3 {
				t.Fatalf("business 3: count %d", count)
			}
		})
	}
}

// TestListSetTemplateLimits: 1199059 for the limits the code checks, the
// documented 500 with StrictLimits, 1199006 for a business id that is not a number.
func TestListSetTemplateLimits(t *testing.T) {
	strict, _ := templatesServer(t, Options{StrictLimits: true})
	lenient, _ := templatesServer(t, Options{})
	for _, tc := range []struct {
		name string
		s    *Server
		biz  string
		page map[string]any
		code int64
		msg  string
	}{
		{"default 1000", lenient, "2", page(0, 1000, ""), 0, ""},
		{"default 1001", lenient, "2", page(0, 1001, ""), CodeCMDBPageLimit, "page limit is exceeded"},
		{"default start -1", lenient, "2", page(-1, 10, ""), CodeCMDBPageLimit, "page limit is exceeded"},
		{"default limit -1", lenient, "2", page(0, -1, ""), CodeCMDBPageLimit, "page limit is exceeded"},
		{"strict 500", strict, "2", page(0, 500, ""), 0, ""},
		{"strict 501", strict, "2", page(0, 501, ""), CodeCMDBPageLimit, "page limit is exceeded"},
		{"strict BKNoLimit", strict, "2", page(0, noLimit, ""), CodeCMDBPageLimit, "page limit is exceeded"},
		{"strict no limit is 20", strict, "2", map[string]any{"start": 0}, 0, ""},
		{"business not a number", lenient, "web", page(0, 10, ""), CodeCMDBParamsInvalid, "'bk_biz_id' data parameter verification does not pass"},
	} {
		for _, gw := range gateways {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				r := callAPI(t, tc.s, gw, apiReq{api: APIListSetTemplate, params: map[string]string{"bk_biz_id": tc.biz}, body: map[string]any{"page": tc.page}})
				if tc.code != 0 {
					assertErrorEnvelope(t, r, tc.code, tc.msg, gw == GatewayESB)
					return
				}
				r.records(t)
			})
		}
	}
}

// TestSearchSet: condition is exact (set_template_id, bk_set_name: no
// substring), the idle pool set is there (default 1, its name translated),
// fields, sort and the natural order.
func TestSearchSet(t *testing.T) {
	s, d := demoServer(t, Options{})
	req := func(cond map[string]any) apiReq {
		return apiReq{api: APISearchSet, params: webShop, body: map[string]any{"condition": cond}}
	}
	all := setIDsOf(d.SetsOf(2))
	var fromWeb, idle []int64
	for _, st := range d.SetsOf(2) {
		if st.SetTemplateID == 11 {
			fromWeb = append(fromWeb, st.ID)
		}
		if st.Default == 1 {
			idle = append(idle, st.ID)
		}
	}
	if len(fromWeb) < 2 || len(idle) != 1 {
		t.Fatalf("demo data: sets of template 11 %v, idle pool %v", fromWeb, idle)
	}
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				cond map[string]any
				want []int64
			}{
				{"all", nil, all},
				{"set template", map[string]any{"set_template_id": 11}, fromWeb},
				{"exact name", map[string]any{"bk_set_name": "web-gz"}, fromWeb[:1]},
				{"no substring", map[string]any{"bk_set_name": "web"}, []int64{}},
				{"no other case", map[string]any{"bk_set_name": "WEB-GZ"}, []int64{}},
				{"idle pool", map[string]any{"default": 1}, idle},
				{"the stored name", map[string]any{"bk_set_name": "空闲机池"}, idle},
				{"business in the condition is the path's", map[string]any{"bk_biz_id": 3}, all},
				{"operator", map[string]any{"bk_set_env": map[string]any{"$in": []string{"1", "2"}}, "set_template_id": 11}, fromWeb[2:]},
			} {
				if got := walkIDs(t, s, gw, req(tc.cond), "bk_set_id", 5, "bk_set_id"); !slices.Equal(got, tc.want) {
					t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				}
			}
			natural := walkIDs(t, s, gw, req(nil), "bk_set_id", 4, "")
			if ascending(natural) || !slices.Equal(slices.Sorted(slices.Values(natural)), all) {
				t.Fatalf("without sort: %v", natural)
			}
			if got := walkIDs(t, s, gw, req(nil), "bk_set_id", 4, "-bk_set_id"); !slices.Equal(got, reversed(all)) {
				t.Fatalf("sort -bk_set_id: %v", got)
			}
			_, info := callAPI(t, s, gw, apiReq{api: APISearchSet, params: webShop, body: map[string]any{"condition": map[string]any{"default": 1}, "page": page(0, 10, "")}}).records(t)
			keys := []string{"bk_biz_id", "bk_parent_id", "bk_service_status", "bk_set_desc", "bk_set_env", "bk_set_id", "bk_set_name", "bk_supplier_account", "default", "set_template_id"}
			if got := sortedKeys(info[0]); !reflect.DeepEqual(got, keys) || info[0].str(t, "bk_set_name") != "idle pool" {
				t.Fatalf("idle pool record in English: %v", info[0])
			}
			zh := post(t, s.APIGWURL()+APIGWPathOf(APISearchSet, webShop), []byte(`{"condition":{"default":1},"fields":["bk_set_name"]}`), map[string]string{"X-Bkapi-Authorization": gwAuth})
			if _, info := zh.records(t); len(info) != 1 || info[0].str(t, "bk_set_name") != "空闲机池" || len(info[0]) != 2 {
				t.Fatalf("idle pool record in Chinese, fields bk_set_name: %s", zh.body)
			}
		})
	}
}

// TestSearchModule: every set with bk_set_id 0, one set otherwise (path, or
// bk_set_id in the body), exact condition, the idle/fault/recycle modules,
// comma-joined operators, 1199009 for ids that are not numbers.
func TestSearchModule(t *testing.T) {
	s, d := demoServer(t, Options{})
	idleSet := d.SetsOf(2)[0]
	if idleSet.Default != 1 {
		t.Fatalf("first set of web-shop %+v is not the idle pool", idleSet)
	}
	webGZ := d.SetsOf(2)[1]
	req := func(set string, body map[string]any) apiReq {
		return apiReq{api: APISearchModule, params: map[string]string{"bk_supplier_account": "0", "bk_biz_id": "2", "bk_set_id": set}, body: body}
	}
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			if got := walkIDs(t, s, gw, req("0", nil), "bk_module_id", 7, "bk_module_id"); !slices.Equal(got, moduleIDsOf(d.ModulesOf(2, 0))) {
				t.Fatalf("every set: %v", got)
			}
			inSet := moduleIDsOf(d.ModulesOf(2, webGZ.ID))
			if got := walkIDs(t, s, gw, req(strconv.FormatInt(webGZ.ID, 10), nil), "bk_module_id", 2, "bk_module_id"); !slices.Equal(got, inSet) || len(inSet) != 3 {
				t.Fatalf("set %d: %v, want %v", webGZ.ID, got, inSet)
			}
			// On the ESB the body's bk_set_id is the path's too; behind the gateway
			// the body's applies when the path says 0.
			if got := walkIDs(t, s, gw, req("0", map[string]any{"bk_set_id": webGZ.ID}), "bk_module_id", 2, "bk_module_id"); gw == GatewayAPIGW && !slices.Equal(got, inSet) {
				t.Fatalf("bk_set_id in the body: %v", got)
			}
			if got := walkIDs(t, s, gw, req("0", map[string]any{"condition": map[string]any{"bk_module_name": "nginx"}}), "bk_module_id", 10, "bk_module_id"); len(got) != 4 {
				t.Fatalf("nginx in every web set: %v", got)
			}
			if got := walkIDs(t, s, gw, req("0", map[string]any{"condition": map[string]any{"bk_module_name": "ngin"}}), "bk_module_id", 10, "bk_module_id"); len(got) != 0 {
				t.Fatalf("substring matched: %v", got)
			}
			natural := walkIDs(t, s, gw, req("0", nil), "bk_module_id", 9, "")
			if ascending(natural) || len(natural) != len(d.ModulesOf(2, 0)) {
				t.Fatalf("without sort: %v", natural)
			}
			if got := walkIDs(t, s, gw, req("0", nil), "bk_module_id", 9, "-bk_module_id"); !slices.Equal(got, reversed(moduleIDsOf(d.ModulesOf(2, 0)))) {
				t.Fatalf("sort -bk_module_id: %v", got)
			}
			_, info := callAPI(t, s, gw, req(strconv.FormatInt(idleSet.ID, 10), map[string]any{"page": page(0, 10, "bk_module_id")})).records(t)
			var defaults []int64
			var names []string
			for _, m := range info {
				defaults = append(defaults, m.int(t, "default"))
				names = append(names, m.str(t, "bk_module_name"))
			}
			if !slices.Equal(defaults, []int64{1, 2, 3}) || !slices.Equal(names, []string{"idle host", "fault host", "recycle host"}) {
				t.Fatalf("idle pool modules: %v %v", defaults, names)
			}
			_, info = callAPI(t, s, gw, req(strconv.FormatInt(webGZ.ID, 10), map[string]any{"page": page(0, 1, "bk_module_id")})).records(t)
			keys := []string{"bk_bak_operator", "bk_biz_id", "bk_module_id", "bk_module_name", "bk_module_type", "bk_parent_id", "bk_set_id",
				"bk_supplier_account", "default", "operator", "service_template_id", "set_template_id"}
			if got := sortedKeys(info[0]); !reflect.DeepEqual(got, keys) || info[0].str(t, "bk_bak_operator") != "bob,ops-bot" ||
				info[0].int(t, "set_template_id") != webGZ.SetTemplateID || info[0].int(t, "bk_parent_id") != webGZ.ID {
				t.Fatalf("module record %v", info[0])
			}
			for _, tc := range []struct{ biz, set, arg string }{{"x", "0", "'bk_biz_id'"}, {"2", "x", "'bk_set_id'"}} {
				r := callAPI(t, s, gw, apiReq{api: APISearchModule, params: map[string]string{"bk_supplier_account": "0", "bk_biz_id": tc.biz, "bk_set_id": tc.set}})
				assertErrorEnvelope(t, r, CodeCMDBNeedInt, tc.arg+" parameters must be integral", gw == GatewayESB)
			}
			r := callAPI(t, s, gw, apiReq{api: APISearchSet, params: map[string]string{"bk_supplier_account": "0", "bk_biz_id": "x"}})
			assertErrorEnvelope(t, r, CodeCMDBNeedInt, "'business id' parameters must be integral", gw == GatewayESB)
		})
	}
}

// TestSetModuleLimits: search_set and search_module check no page in the
// CMDB (limit 0 is everything); StrictLimits holds them to 500 and asks for a limit.
func TestSetModuleLimits(t *testing.T) {
	strict, d := demoServer(t, Options{StrictLimits: true})
	lenient, _ := demoServer(t, Options{})
	for _, api := range []string{APISearchSet, APISearchModule} {
		for _, tc := range []struct {
			name string
			s    *Server
			page map[string]any
			code int64
		}{
			{"default no page", lenient, nil, 0},
			{"default 5000", lenient, page(0, 5000, ""), 0},
			{"default start -1", lenient, page(-1, 5, ""), CodeCMDBQueryFailed},
			{"strict 500", strict, page(0, 500, ""), 0},
			{"strict 501", strict, page(0, 501, ""), CodeCMDBPageLimit},
			{"strict no page", strict, nil, CodeCMDBPageLimit},
		} {
			for _, gw := range gateways {
				t.Run(api+"/"+tc.name+"/"+gw, func(t *testing.T) {
					body := map[string]any{}
					if tc.page != nil {
						body["page"] = tc.page
					}
					r := callAPI(t, tc.s, gw, apiReq{api: api, params: webShopAll, body: body})
					if tc.code != 0 {
						assertErrorEnvelope(t, r, tc.code, "", gw == GatewayESB)
						return
					}
					count, info := r.records(t)
					want := len(d.SetsOf(2))
					if api == APISearchModule {
						want = len(d.ModulesOf(2, 0))
					}
					if count != want || len(info) != want {
						t.Fatalf("count %d, %d records, want %d", count, len(info), want)
					}
				})
			}
		}
	}
}
