package emulator

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func hostsReq(body map[string]any) apiReq {
	return apiReq{api: APIListBizHosts, params: webShopHosts, body: body}
}

func qbAnd(rules ...any) map[string]any { return map[string]any{"condition": "AND", "rules": rules} }
func qbOr(rules ...any) map[string]any  { return map[string]any{"condition": "OR", "rules": rules} }
func qbRuleOf(field, op string, value any) map[string]any {
	return map[string]any{"field": field, "operator": op, "value": value}
}

// TestListBizHostsMatchesHostsOf: the answer for set, module and host id
// filters is exactly Dataset.HostsOf, ascending by bk_host_id by default,
// on both front doors.
func TestListBizHostsMatchesHostsOf(t *testing.T) {
	s, d := demoServer(t, Options{})
	sets, modules := d.SetsOf(2), d.ModulesOf(2, 0)
	all := d.HostsOf(2, nil, nil, nil)
	if len(all) != defaultHostsPerBusiness {
		t.Fatalf("web-shop has %d hosts", len(all))
	}
	some := []int64{all[0].ID, all[7].ID, all[33].ID, 999999}
	cases := []struct {
		name                string
		setIDs, moduleIDs   []int64
		hostIDs             []int64
		setCond, moduleCond []map[string]any
		want                []Host
	}{
		{name: "all", want: all},
		{name: "sets", setIDs: []int64{sets[1].ID, sets[2].ID}, want: d.HostsOf(2, []int64{sets[1].ID, sets[2].ID}, nil, nil)},
		{name: "modules", moduleIDs: []int64{modules[4].ID, modules[9].ID}, want: d.HostsOf(2, nil, []int64{modules[4].ID, modules[9].ID}, nil)},
		{name: "sets and modules", setIDs: []int64{sets[1].ID}, moduleIDs: []int64{modules[4].ID, modules[20].ID}, want: d.HostsOf(2, []int64{sets[1].ID}, []int64{modules[4].ID, modules[20].ID}, nil)},
		{name: "host ids", hostIDs: some, want: d.HostsOf(2, nil, nil, some)},
		{name: "idle pool", setIDs: []int64{sets[0].ID}, want: d.HostsOf(2, []int64{sets[0].ID}, nil, nil)},
		{name: "set of another business", setIDs: []int64{d.SetsOf(3)[1].ID}, want: []Host{}},
		{name: "set_cond", setCond: []map[string]any{{"field": "bk_set_env", "operator": "$eq", "value": "1"}},
			want: d.HostsOf(2, setIDsOf(filterSets(sets, func(s Set) bool { return s.Env == "1" })), nil, nil)},
		{name: "module_cond", moduleCond: []map[string]any{{"field": "bk_module_name", "operator": "$in", "value": []string{"nginx", "redis"}}},
			want: d.HostsOf(2, nil, moduleIDsOf(filterModules(modules, func(m Module) bool { return m.Name == "nginx" || m.Name == "redis" })), nil)},
		{name: "set_cond finding nothing", setCond: []map[string]any{{"field": "bk_set_name", "operator": "$eq", "value": "nope"}}, want: []Host{}},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				body := map[string]any{}
				if tc.setIDs != nil {
					body["bk_set_ids"] = tc.setIDs
				}
				if tc.moduleIDs != nil {
					body["bk_module_ids"] = tc.moduleIDs
				}
				if tc.setCond != nil {
					body["set_cond"] = tc.setCond
				}
				if tc.moduleCond != nil {
					body["module_cond"] = tc.moduleCond
				}
				if tc.hostIDs != nil {
					body["host_property_filter"] = qbAnd(qbRuleOf("bk_host_id", "in", tc.hostIDs))
				}
				got := walkIDs(t, s, gw, hostsReq(body), "bk_host_id", 7, "")
				if !slices.Equal(got, hostIDsOf(tc.want)) {
					t.Fatalf("got %v, want %v", got, hostIDsOf(tc.want))
				}
			})
		}
	}
	if len(cases[1].want) == 0 || len(cases[2].want) == 0 || len(cases[3].want) == 0 || len(cases[5].want) == 0 {
		t.Fatal("a filter case of the demo data is empty")
	}
}

func filterSets(sets []Set, keep func(Set) bool) []Set {
	return slices.DeleteFunc(slices.Clone(sets), func(s Set) bool { return !keep(s) })
}
func filterModules(ms []Module, keep func(Module) bool) []Module {
	return slices.DeleteFunc(slices.Clone(ms), func(m Module) bool { return !keep(m) })
}

// TestListBizHostsRecord: the record's keys, comma-joined IPs and users
// ("" when empty), bk_cloud_id a number, bk_os_type sometimes null; fields
// keeps bk_host_id.
func TestListBizHostsRecord(t *testing.T) {
	s, d := demoServer(t, Options{})
	byID := map[int64]Host{}
	for _, h := range d.HostsOf(2, nil, nil, nil) {
		byID[h.ID] = h
	}
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			_, info := callAPI(t, s, gw, hostsReq(map[string]any{"page": page(0, 500, "")})).records(t)
			keys := []string{"bk_agent_id", "bk_bak_operator", "bk_cloud_id", "bk_host_id", "bk_host_innerip", "bk_host_innerip_v6", "bk_host_name",
				"bk_host_outerip", "bk_host_outerip_v6", "bk_os_name", "bk_os_type", "bk_os_version", "bk_state", "bk_supplier_account", "operator"}
			var multiIP, noOuter, nullOS, cloud int
			for _, r := range info {
				if got := sortedKeys(r); !reflect.DeepEqual(got, keys) {
					t.Fatalf("keys %v", got)
				}
				h := byID[r.int(t, "bk_host_id")]
				if inner := r.str(t, "bk_host_innerip"); inner != h.InnerIP {
					t.Fatalf("inner IP %q, want %q", inner, h.InnerIP)
				} else if strings.Contains(inner, ",") {
					multiIP++
				}
				if r.str(t, "bk_host_outerip") == "" {
					noOuter++
				}
				if string(r["bk_os_type"]) == "null" {
					nullOS++
				}
				if r.int(t, "bk_cloud_id") != 0 {
					cloud++
				}
				if r.str(t, "bk_bak_operator") != h.BakOperator || !strings.Contains(h.BakOperator, ",") {
					t.Fatalf("bk_bak_operator %s", r["bk_bak_operator"])
				}
			}
			for what, n := range map[string]int{"several inner IPs": multiIP, "no outer IP": noOuter, "null os type": nullOS, "another cloud area": cloud} {
				if n == 0 || n == len(info) {
					t.Errorf("%s: %d of %d hosts, want some", what, n, len(info))
				}
			}
			for _, tc := range []struct {
				fields, keys []string
			}{
				{[]string{"bk_host_innerip", "bk_os_type"}, []string{"bk_host_id", "bk_host_innerip", "bk_os_type"}},
				{[]string{"bk_host_id"}, []string{"bk_host_id"}},
				{[]string{"nope"}, []string{"bk_host_id"}},
				{nil, keys},
			} {
				_, info := callAPI(t, s, gw, hostsReq(map[string]any{"fields": tc.fields, "page": page(0, 3, "")})).records(t)
				if got := sortedKeys(info[0]); !reflect.DeepEqual(got, tc.keys) {
					t.Errorf("fields %q: keys %v, want %v", tc.fields, got, tc.keys)
				}
			}
		})
	}
}

// TestListBizHostsPropertyFilter: the querybuilder's operators on string,
// number and comma-joined fields (an IP matches one address of the list),
// AND/OR nesting.
func TestListBizHostsPropertyFilter(t *testing.T) {
	s, d := demoServer(t, Options{})
	all := d.HostsOf(2, nil, nil, nil)
	var twoIPs Host
	for _, h := range all {
		if strings.Contains(h.InnerIP, ",") {
			twoIPs = h
			break
		}
	}
	second := strings.Split(twoIPs.InnerIP, ",")[1]
	keep := func(f func(h Host) bool) []int64 {
		return hostIDsOf(slices.DeleteFunc(slices.Clone(all), func(h Host) bool { return !f(h) }))
	}
	os := func(h Host) string {
		if h.OSType == nil {
			return "<nil>"
		}
		return *h.OSType
	}
	cases := []struct {
		name   string
		filter map[string]any
		want   []int64
	}{
		{"equal one of the IPs", qbAnd(qbRuleOf("bk_host_innerip", "equal", second)), []int64{twoIPs.ID}},
		{"not_equal", qbAnd(qbRuleOf("bk_os_type", "not_equal", "1")), keep(func(h Host) bool { return os(h) != "1" })},
		{"in strings", qbAnd(qbRuleOf("bk_os_type", "in", []string{"2"})), keep(func(h Host) bool { return os(h) == "2" })},
		{"not_in", qbAnd(qbRuleOf("bk_os_type", "not_in", []string{"1", "2"})), keep(func(h Host) bool { return h.OSType == nil })},
		{"contains, any case", qbAnd(qbRuleOf("bk_os_name", "contains", "WINDOWS")), keep(func(h Host) bool { return strings.Contains(h.OSName, "Windows") })},
		{"number", qbAnd(qbRuleOf("bk_cloud_id", "equal", 2)), keep(func(h Host) bool { return h.CloudID == 2 })},
		{"greater", qbAnd(qbRuleOf("bk_host_id", "greater", all[50].ID)), hostIDsOf(all[51:])},
		{"string never equals a number", qbAnd(qbRuleOf("bk_cloud_id", "equal", "2")), []int64{}},
		{"begins_with is case-sensitive", qbAnd(qbRuleOf("bk_os_name", "begins_with", "LINUX")), []int64{}},
		{"nested OR", qbAnd(qbRuleOf("bk_cloud_id", "equal", 0), qbOr(qbRuleOf("bk_os_type", "equal", "2"), qbRuleOf("bk_host_id", "in", []int64{all[0].ID}))),
			keep(func(h Host) bool { return h.CloudID == 0 && (os(h) == "2" || h.ID == all[0].ID) })},
		{"is_null", qbAnd(qbRuleOf("bk_os_type", "is_null", nil)), keep(func(h Host) bool { return h.OSType == nil })},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				got := walkIDs(t, s, gw, hostsReq(map[string]any{"host_property_filter": tc.filter}), "bk_host_id", 9, "")
				if !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
	}
}

// TestListBizHostsChecks: the CMDB's checks in its order, each 1199006 with
// the key at fault, and StrictLimits' documented maxima.
func TestListBizHostsChecks(t *testing.T) {
	strict, _ := demoServer(t, Options{StrictLimits: true})
	lenient, _ := demoServer(t, Options{})
	ids := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i + 1)
		}
		return out
	}
	deep := qbAnd(qbAnd(qbAnd(qbRuleOf("bk_host_id", "equal", 1))))
	cases := []struct {
		name string
		s    *Server
		biz  string
		body map[string]any
		code int64
		msg  string
	}{
		{"200 set ids", lenient, "2", map[string]any{"bk_set_ids": ids(200)}, 0, ""},
		{"201 set ids", lenient, "2", map[string]any{"bk_set_ids": ids(201)}, CodeCMDBParamsInvalid, "'bk_set_ids' data parameter verification does not pass"},
		{"500 module ids", lenient, "2", map[string]any{"bk_module_ids": ids(500)}, 0, ""},
		{"501 module ids", lenient, "2", map[string]any{"bk_module_ids": ids(501)}, CodeCMDBParamsInvalid, "'bk_module_ids' data"},
		{"set ids and set_cond", lenient, "2", map[string]any{"bk_set_ids": ids(1), "set_cond": []any{map[string]any{"field": "bk_set_name", "operator": "$eq", "value": "x"}}},
			CodeCMDBParamsInvalid, "'bk_set_ids and set_cond can't both be set'"},
		{"module ids and module_cond", lenient, "2", map[string]any{"bk_module_ids": ids(1), "module_cond": []any{map[string]any{"field": "bk_module_name", "operator": "$eq", "value": "x"}}},
			CodeCMDBParamsInvalid, "'bk_module_ids and module_cond can't both be set'"},
		{"in of 501 values", lenient, "2", map[string]any{"host_property_filter": qbAnd(qbRuleOf("bk_host_id", "in", ids(501)))}, 0, ""},
		{"strict in of 500 values", strict, "2", map[string]any{"host_property_filter": qbAnd(qbRuleOf("bk_host_id", "in", ids(500)))}, 0, ""},
		{"strict in of 501 values", strict, "2", map[string]any{"host_property_filter": qbAnd(qbRuleOf("bk_host_id", "in", ids(501)))},
			CodeCMDBParamsInvalid, "'host_property_filter.rules[0].value'"},
		{"nested in of 501 values", strict, "2", map[string]any{"host_property_filter": qbAnd(qbOr(qbRuleOf("bk_host_id", "equal", 1), qbRuleOf("bk_host_id", "not_in", ids(501))))},
			CodeCMDBParamsInvalid, "'host_property_filter.rules[0].rules[1].value'"},
		{"in of mixed types", lenient, "2", map[string]any{"host_property_filter": qbAnd(qbRuleOf("bk_host_id", "in", []any{1, "2"}))}, CodeCMDBParamsInvalid, "rules[0].value"},
		{"three levels", lenient, "2", map[string]any{"host_property_filter": deep}, CodeCMDBParamsInvalid, "'host_property_filter.rules'"},
		{"atom at the top", lenient, "2", map[string]any{"host_property_filter": qbRuleOf("bk_host_id", "equal", 1)}, CodeCMDBParamsInvalid, "'host_property_filter.'"},
		{"unknown operator", lenient, "2", map[string]any{"host_property_filter": qbAnd(qbRuleOf("bk_host_id", "like", 1))}, CodeCMDBParamsInvalid, "rules[0].operator"},
		{"bad condition", lenient, "2", map[string]any{"host_property_filter": map[string]any{"condition": "XOR", "rules": []any{qbRuleOf("bk_host_id", "equal", 1)}}}, CodeCMDBParamsInvalid, "'host_property_filter.condition'"},
		{"no query filter", lenient, "2", map[string]any{"host_property_filter": map[string]any{}}, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
		{"limit 0", lenient, "2", map[string]any{"page": page(0, 0, "")}, CodeCMDBParamsInvalid, "'page.limit' data parameter verification does not pass"},
		{"no page", lenient, "2", map[string]any{}, CodeCMDBParamsInvalid, "'page.limit'"},
		{"limit 1000", lenient, "2", map[string]any{"page": page(0, 1000, "")}, 0, ""},
		{"limit 1001", lenient, "2", map[string]any{"page": page(0, 1001, "")}, CodeCMDBParamsInvalid, "'page.limit'"},
		{"start -1", lenient, "2", map[string]any{"page": page(-1, 10, "")}, CodeCMDBParamsInvalid, "'page.start'"},
		{"strict 500", strict, "2", map[string]any{"page": page(0, 500, "")}, 0, ""},
		{"strict 501", strict, "2", map[string]any{"page": page(0, 501, "")}, CodeCMDBPageLimit, "page limit is exceeded"},
		{"business not a number, before the limit", lenient, "web", map[string]any{"page": map[string]any{"start": 0}}, CodeCMDBParamsInvalid, "'bk_biz_id'"},
		{"page.limit before the business", lenient, "web", map[string]any{"page": page(0, 1001, "")}, CodeCMDBParamsInvalid, "'page.limit'"},
		{"business 0", lenient, "0", map[string]any{"page": page(0, 1, "")}, CodeCMDBParamsInvalid, "'bk_biz_id'"},
		{"set ids as strings", lenient, "2", map[string]any{"bk_set_ids": []string{"1"}}, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				body := tc.body
				if _, ok := body["page"]; !ok && tc.name != "no page" {
					body = withPage(body, 0, 10, "")
				}
				r := callAPI(t, tc.s, gw, apiReq{api: APIListBizHosts, params: map[string]string{"bk_biz_id": tc.biz}, body: body})
				if tc.code != 0 {
					assertErrorEnvelope(t, r, tc.code, tc.msg, gw == GatewayESB)
					return
				}
				r.records(t)
			})
		}
	}
}

// TestListBizHostsSort: bk_host_id by default, page.sort ascending and
// descending on any field (ties in a fixed order).
func TestListBizHostsSort(t *testing.T) {
	s, d := demoServer(t, Options{})
	want := hostIDsOf(d.HostsOf(2, nil, nil, nil))
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			if got := walkIDs(t, s, gw, hostsReq(nil), "bk_host_id", 11, "bk_host_id"); !slices.Equal(got, want) {
				t.Fatalf("sort bk_host_id: %v", got)
			}
			if got := walkIDs(t, s, gw, hostsReq(nil), "bk_host_id", 11, "-bk_host_id"); !slices.Equal(got, reversed(want)) {
				t.Fatalf("sort -bk_host_id: %v", got)
			}
			byName := walkIDs(t, s, gw, hostsReq(nil), "bk_host_id", 11, "-bk_host_name")
			r := callAPI(t, s, gw, hostsReq(map[string]any{"page": page(0, 100, "-bk_host_name"), "fields": []string{"bk_host_name"}}))
			_, info := r.records(t)
			var names []string
			for _, h := range info {
				names = append(names, h.str(t, "bk_host_name"))
			}
			if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }) || len(byName) != len(want) {
				t.Fatalf("sort -bk_host_name: %v", names)
			}
			if got := walkIDs(t, s, gw, hostsReq(nil), "bk_host_id", 11, "bk_os_type,bk_host_id:-1"); len(got) != len(want) || slices.Equal(got, want) {
				t.Fatalf("sort by two keys: %v", got)
			}
			var raw map[string]json.RawMessage
			_ = json.Unmarshal(callAPI(t, s, gw, hostsReq(map[string]any{"page": page(0, 1, "bk_os_type")})).body, &raw)
			if !strings.Contains(string(raw["data"]), `"bk_os_type":null`) {
				t.Fatalf("nulls do not sort first: %s", raw["data"])
			}
		})
	}
}
