package emulator

import (
	"slices"
	"strings"
	"testing"
)

func groupSearchReq(biz string, body map[string]any) apiReq {
	return apiReq{api: APISearchDynamicGroup, params: map[string]string{"bk_biz_id": biz}, body: body}
}

func groupExecReq(biz, id string, body map[string]any) apiReq {
	return apiReq{api: APIExecuteDynamicGroup, params: map[string]string{"bk_biz_id": biz, "id": id}, body: body}
}

// groupNames searches web-shop's groups and returns the count and names in order.
func groupNames(t testing.TB, s *Server, gw string, body map[string]any) (int, []string) {
	t.Helper()
	n, info := callAPI(t, s, gw, groupSearchReq("2", body)).records(t)
	names := []string{}
	for _, r := range info {
		names = append(names, r.str(t, "name"))
	}
	return n, names
}

// TestSearchDynamicGroupName: a name is a case-sensitive substring match of
// the escaped text (the source's $regex without options), within the
// business of the path (payment's canary is never found); an empty name and
// other keys are exact.
func TestSearchDynamicGroupName(t *testing.T) {
	s, _ := demoServer(t, Options{})
	cases := []struct {
		cond map[string]any
		want []string
	}{
		{map[string]any{"name": "canary"}, []string{"canary", "canary-2", "canary-sets", "pre-canary"}},
		{map[string]any{"name": "Canary"}, []string{"Canary"}},
		{map[string]any{"name": "canary-2"}, []string{"canary-2"}},
		{map[string]any{"name": "canary.2"}, []string{}},
		{map[string]any{"name": "sets"}, []string{"canary-sets", "formal-sets"}},
		{map[string]any{"bk_obj_id": "set"}, []string{"canary-sets", "formal-sets"}},
		{map[string]any{"id": GeneratedGroupID(3)}, []string{"Canary"}},
		{map[string]any{"id": GeneratedGroupID(8)}, []string{}},
		{map[string]any{"name": ""}, []string{}}, // an empty name stays an exact match
		{map[string]any{}, []string{"Canary", "canary", "canary-2", "canary-sets", "empty-hosts", "formal-sets", "pre-canary"}},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			n, names := groupNames(t, s, gw, map[string]any{"condition": tc.cond, "page": page(0, 100, "name")})
			if n != len(tc.want) || !slices.Equal(names, tc.want) {
				t.Errorf("%s %v: count %d, names %v, want %v", gw, tc.cond, n, names, tc.want)
			}
		}
	}
}

// TestSearchDynamicGroupOrderAndRecord: the default order is create_time
// (groups created together in the natural order); sort is honoured;
// disable_counter gives count 0; ids are strings; fields keeps the other
// keys at their zero values.
func TestSearchDynamicGroupOrderAndRecord(t *testing.T) {
	s, d := demoServer(t, Options{StrictLimits: true})
	groups := d.DynamicGroupsOf(2)
	for _, gw := range gateways {
		n, info := callAPI(t, s, gw, groupSearchReq("2", map[string]any{"page": page(0, 100, "")})).records(t)
		if n != len(groups) || len(info) != len(groups) {
			t.Fatalf("%s: %d groups, want %d", gw, n, len(groups))
		}
		var created []string
		for _, r := range info {
			created = append(created, r.str(t, "create_time"))
			if !strings.HasPrefix(string(r["id"]), `"`) {
				t.Fatalf("%s: id %s is not a string", gw, r["id"])
			}
		}
		if !slices.IsSorted(created) {
			t.Fatalf("%s: not by create_time: %v", gw, created)
		}
		_, desc := groupNames(t, s, gw, map[string]any{"page": page(0, 100, "-name")})
		if !slices.IsSortedFunc(desc, func(a, b string) int { return strings.Compare(b, a) }) {
			t.Fatalf("%s: sort -name: %v", gw, desc)
		}
		if n, names := groupNames(t, s, gw, map[string]any{"disable_counter": true, "page": page(0, 3, "name")}); n != 0 || len(names) != 3 {
			t.Fatalf("%s: disable_counter: %d %v", gw, n, names)
		}
		r := callAPI(t, s, gw, groupSearchReq("2", map[string]any{"fields": []string{"id", "name"}, "condition": map[string]any{"name": "Canary"}, "page": page(0, 10, "")}))
		want := `{"bk_biz_id":0,"id":"` + GeneratedGroupID(3) + `","name":"Canary","bk_obj_id":"","info":{"condition":null,"variable_condition":null},` +
			`"create_user":"","modify_user":"","create_time":"0001-01-01T00:00:00Z","last_time":"0001-01-01T00:00:00Z"}`
		if !strings.Contains(string(r.body), `"info":[`+want+`]`) {
			t.Fatalf("%s: projected group:\n%s\nwant %s", gw, r.body, want)
		}
		r = callAPI(t, s, gw, groupSearchReq("2", map[string]any{"condition": map[string]any{"name": "formal-sets"}, "page": page(0, 10, "")}))
		if !strings.Contains(string(r.body), `"bk_obj_id":"set","info":{"condition":[{"bk_obj_id":"set","condition":[{"field":"bk_set_env","operator":"$eq","value":"3"}]}],"variable_condition":null}`) {
			t.Fatalf("%s: group record:\n%s", gw, r.body)
		}
	}
}

// TestSearchDynamicGroupPage: start < 0 → 1199011 'start', limit outside
// 1..1000 → 1199011 'limit', a non-numeric business 1199011; -strict holds
// the documented 200 with 1199059.
func TestSearchDynamicGroupPage(t *testing.T) {
	s, _ := demoServer(t, Options{})
	strict, _ := demoServer(t, Options{StrictLimits: true})
	for _, gw := range gateways {
		for key, p := range map[string]map[string]any{"start": page(-1, 10, ""), "limit": page(0, 0, ""), "limit ": page(0, 1001, "")} {
			r := callAPI(t, s, gw, groupSearchReq("2", map[string]any{"page": p}))
			if r.code(t) != CodeCMDBParamInvalid || !strings.Contains(string(r.body), "'"+strings.TrimSpace(key)+"' the parameter is invalid") {
				t.Fatalf("%s %v: %s", gw, p, r.body)
			}
		}
		if n, _ := groupNames(t, s, gw, map[string]any{"page": page(0, 1000, "")}); n != 7 {
			t.Fatalf("%s: limit 1000: %d", gw, n)
		}
		if r := callAPI(t, strict, gw, groupSearchReq("2", map[string]any{"page": page(0, 201, "")})); r.code(t) != CodeCMDBPageLimit {
			t.Fatalf("%s strict 201: %s", gw, r.body)
		}
		if n, _ := groupNames(t, strict, gw, map[string]any{"page": page(0, 200, "")}); n != 7 {
			t.Fatalf("%s strict 200: %d", gw, n)
		}
	}
	r := callAPI(t, s, GatewayAPIGW, groupSearchReq("web", map[string]any{"page": page(0, 10, "")}))
	if r.code(t) != CodeCMDBParamInvalid || !strings.Contains(string(r.body), "'bk_biz_id'") {
		t.Fatalf("non-numeric business: %s", r.body)
	}
}

// TestExecuteDynamicGroupErrors: fields required (1199011), an illegal page
// 1199000, an unknown group or one of another business 1199019, -strict 200.
func TestExecuteDynamicGroupErrors(t *testing.T) {
	s, _ := demoServer(t, Options{})
	strict, _ := demoServer(t, Options{StrictLimits: true})
	canary := GeneratedGroupID(1)
	for _, gw := range gateways {
		for _, body := range []map[string]any{{"page": page(0, 10, "")}, {"fields": []string{}, "page": page(0, 10, "")}} {
			if r := callAPI(t, s, gw, groupExecReq("2", canary, body)); r.code(t) != CodeCMDBParamInvalid {
				t.Fatalf("%s %v: %s", gw, body, r.body)
			}
		}
		for _, p := range []map[string]any{page(-1, 10, ""), page(0, 0, ""), page(0, 1001, "")} {
			if r := callAPI(t, s, gw, groupExecReq("2", canary, map[string]any{"fields": []string{"bk_host_id"}, "page": p})); r.code(t) != CodeCMDBJSONDecode {
				t.Fatalf("%s %v: %s", gw, p, r.body)
			}
		}
		for _, id := range []string{"no-such-group", GeneratedGroupID(8)} {
			r := callAPI(t, s, gw, groupExecReq("2", id, map[string]any{"fields": []string{"bk_host_id"}, "page": page(0, 10, "")}))
			if r.code(t) != CodeCMDBNotFound || !strings.Contains(string(r.body), "No relevant data found") {
				t.Fatalf("%s %s: %s", gw, id, r.body)
			}
		}
		if r := callAPI(t, strict, gw, groupExecReq("2", canary, map[string]any{"fields": []string{"bk_host_id"}, "page": page(0, 201, "")})); r.code(t) != CodeCMDBPageLimit {
			t.Fatalf("%s strict: %s", gw, r.body)
		}
	}
	r := callAPI(t, s, GatewayESB, apiReq{api: APIExecuteDynamicGroup, params: map[string]string{"bk_biz_id": "2"}, body: map[string]any{"fields": []string{"bk_host_id"}}})
	if r.code(t) != CodeESBParamRequired || !strings.Contains(string(r.body), "param id is required") {
		t.Fatalf("ESB without id: %s", r.body)
	}
}

// execIDs executes a group page by page at limit with sort and returns the
// ids (key) and the counts seen.
func execIDs(t testing.TB, s *Server, gw, id, key string, fields []string, limit int, sort string) ([]int64, []int) {
	t.Helper()
	var ids []int64
	var counts []int
	for start := 0; ; start += limit {
		n, info := callAPI(t, s, gw, groupExecReq("2", id, map[string]any{"fields": fields, "page": page(start, limit, sort)})).records(t)
		counts = append(counts, n)
		ids = append(ids, idsOf(t, info, key)...)
		if len(info) < limit {
			return ids, counts
		}
	}
}

func jsonKeys(r rec) []string {
	keys := []string{}
	for k := range r {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
