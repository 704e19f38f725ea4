package emulator

import (
	"slices"
	"strings"
	"testing"
)

// groupWant is what each generated web-shop group executes to, from the
// dataset: host ids or set ids, ascending.
func groupWant(d *Dataset) map[int][]int64 {
	sets, modules := d.SetsOf(2), d.ModulesOf(2, 0)
	hostIDs := func(hs []Host, keep func(Host) bool) []int64 {
		out := []int64{}
		for _, h := range hs {
			if keep(h) {
				out = append(out, h.ID)
			}
		}
		return out
	}
	all := func(Host) bool { return true }
	gzsh := setIDsOf(filterSets(sets, func(s Set) bool { return s.Name == "web-gz" || s.Name == "web-sh" }))
	exp := setIDsOf(filterSets(sets, func(s Set) bool { return s.Env == "2" }))
	nginx := moduleIDsOf(filterModules(modules, func(m Module) bool { return m.Name == "nginx" }))
	return map[int][]int64{
		1: hostIDs(d.HostsOf(2, gzsh, nil, nil), func(h Host) bool { return h.CloudID == 0 }),
		2: hostIDs(d.HostsOf(2, exp, nil, nil), all),
		3: hostIDs(d.HostsOf(2, nil, nginx, nil), all),
		4: hostIDs(d.HostsOf(2, nil, nil, nil), func(h Host) bool { return h.CloudID == 2 }),
		5: setIDsOf(filterSets(sets, func(s Set) bool { return s.Env == "3" })),
		6: setIDsOf(filterSets(sets, func(s Set) bool { return strings.HasSuffix(s.Name, "-gz") })),
		7: {},
	}
}

// TestExecuteDynamicGroupRows: each generated group's stored conditions are
// evaluated against web-shop (set, module and host rules of host groups, set
// rules of set groups), on both doors, page by page; the count is the total
// on every non-empty page and 0 on the empty one past the end.
func TestExecuteDynamicGroupRows(t *testing.T) {
	s, d := demoServer(t, Options{StrictLimits: true})
	for n, want := range groupWant(d) {
		if n != 7 && len(want) < 3 {
			t.Fatalf("group %d selects only %v", n, want)
		}
		key := "bk_host_id"
		if n == 5 || n == 6 {
			key = "bk_set_id"
		}
		for _, gw := range gateways {
			got, counts := execIDs(t, s, gw, GeneratedGroupID(n), key, []string{key}, 4, key)
			if !slices.Equal(got, want) {
				t.Errorf("group %d %s: %v, want %v", n, gw, got, want)
			}
			for i, c := range counts {
				wantCount := len(want)
				if i == len(counts)-1 && len(want)%4 == 0 && n <= 4 || len(want) == 0 {
					wantCount = 0 // a host group's empty page counts 0
				}
				if c != wantCount {
					t.Errorf("group %d %s: page %d count %d, want %d (counts %v)", n, gw, i, c, wantCount, counts)
				}
			}
		}
	}
}

// TestExecuteDynamicGroupRecords: host rows hold the fields asked plus
// bk_host_id and bk_cloud_id, IPs comma-joined; set rows the fields plus
// default; an empty group is info [] and count 0, as is a host group's page
// past the end (a set group's keeps the total); disable_counter 0; a
// group of another business runs on that business.
func TestExecuteDynamicGroupRecords(t *testing.T) {
	s, d := demoServer(t, Options{})
	for _, gw := range gateways {
		n, info := callAPI(t, s, gw, groupExecReq("2", GeneratedGroupID(4), map[string]any{"fields": []string{"bk_host_innerip", "nope"}, "page": page(0, 500, "bk_host_id")})).records(t)
		if n != len(info) || len(info) == 0 || !slices.Equal(jsonKeys(info[0]), []string{"bk_cloud_id", "bk_host_id", "bk_host_innerip"}) {
			t.Fatalf("%s: host rows %d %v", gw, n, info)
		}
		hosts := map[int64]Host{}
		for _, h := range d.Hosts {
			hosts[h.ID] = h
		}
		for _, r := range info {
			if h := hosts[r.int(t, "bk_host_id")]; r.str(t, "bk_host_innerip") != h.InnerIP || r.int(t, "bk_cloud_id") != 2 {
				t.Fatalf("%s: row %v for host %+v", gw, r, h)
			}
		}
		_, sets := callAPI(t, s, gw, groupExecReq("2", GeneratedGroupID(5), map[string]any{"fields": []string{"bk_set_name"}, "page": page(0, 500, "")})).records(t)
		if len(sets) == 0 || !slices.Equal(jsonKeys(sets[0]), []string{"bk_set_name", "default"}) {
			t.Fatalf("%s: set rows %v", gw, sets)
		}
		r := callAPI(t, s, gw, groupExecReq("2", GeneratedGroupID(7), map[string]any{"fields": []string{"bk_host_id"}, "page": page(0, 10, "")}))
		if !strings.Contains(string(r.body), `"data":{"count":0,"info":[]}`) {
			t.Fatalf("%s: empty group: %s", gw, r.body)
		}
		if n, _ := callAPI(t, s, gw, groupExecReq("3", GeneratedGroupID(8), map[string]any{"fields": []string{"bk_host_id"}, "page": page(0, 500, "")})).records(t); n != len(d.HostsOf(3, nil, nil, nil)) {
			t.Fatalf("%s: payment's canary: %d hosts", gw, n)
		}
		for _, g := range []int{2, 4} {
			if n, info := callAPI(t, s, gw, groupExecReq("2", GeneratedGroupID(g), map[string]any{"fields": []string{"bk_host_id"}, "page": page(400, 10, "")})).records(t); n != 0 || len(info) != 0 {
				t.Fatalf("%s: group %d past the end: count %d, %d rows", gw, g, n, len(info))
			}
		}
		if n, _ := callAPI(t, s, gw, groupExecReq("2", GeneratedGroupID(5), map[string]any{"fields": []string{"bk_set_id"}, "page": page(400, 10, "")})).records(t); n != len(groupWant(d)[5]) {
			t.Fatalf("%s: set group past the end: count %d", gw, n)
		}
		if n, info := callAPI(t, s, gw, groupExecReq("2", GeneratedGroupID(2), map[string]any{"fields": []string{"bk_host_id"}, "disable_counter": true, "page": page(0, 2, "")})).records(t); n != 0 || len(info) != 2 {
			t.Fatalf("%s: disable_counter: %d %v", gw, n, info)
		}
	}
}

// TestExecuteDynamicGroupOrder: without host rules the page is cut from the
// ascending host ids and only then ordered (naturally without a sort, so the
// provider must sort; -bk_host_id reverses the page, not the list); with
// host rules the whole list is ordered first; set groups have no default order.
func TestExecuteDynamicGroupOrder(t *testing.T) {
	s, d := demoServer(t, Options{})
	want := groupWant(d)
	for _, gw := range gateways {
		natural, _ := execIDs(t, s, gw, GeneratedGroupID(3), "bk_host_id", []string{"bk_host_id"}, 100, "")
		if ascending(natural) || !slices.Equal(slices.Sorted(slices.Values(natural)), want[3]) {
			t.Fatalf("%s: Canary without sort: %v", gw, natural)
		}
		first, _ := execIDs(t, s, gw, GeneratedGroupID(3), "bk_host_id", []string{"bk_host_id"}, 100, "-bk_host_id")
		if !slices.Equal(first, reversed(want[3])) {
			t.Fatalf("%s: Canary -bk_host_id in one page: %v", gw, first)
		}
		_, info := callAPI(t, s, gw, groupExecReq("2", GeneratedGroupID(3), map[string]any{"fields": []string{"bk_host_id"}, "page": page(0, 3, "-bk_host_id")})).records(t)
		if got := idsOf(t, info, "bk_host_id"); !slices.Equal(got, reversed(want[3][:3])) {
			t.Fatalf("%s: Canary first page of -bk_host_id: %v, want the three lowest ids reversed", gw, got)
		}
		_, info = callAPI(t, s, gw, groupExecReq("2", GeneratedGroupID(4), map[string]any{"fields": []string{"bk_host_id"}, "page": page(0, 3, "-bk_host_id")})).records(t)
		if got, w := idsOf(t, info, "bk_host_id"), reversed(want[4])[:3]; !slices.Equal(got, w) {
			t.Fatalf("%s: pre-canary first page of -bk_host_id: %v, want %v", gw, got, w)
		}
		sets, _ := execIDs(t, s, gw, GeneratedGroupID(5), "bk_set_id", []string{"bk_set_id"}, 100, "")
		if ascending(sets) || !slices.Equal(slices.Sorted(slices.Values(sets)), want[5]) {
			t.Fatalf("%s: formal-sets without sort: %v", gw, sets)
		}
	}
}

// TestDynamicGroupsMutator: hosts and groups changed during a read are
// served from the next request on, and in Snapshot.
func TestDynamicGroupsMutator(t *testing.T) {
	s, d := demoServer(t, Options{})
	var added Host
	s.OnPage(func(p PageRequest, m *Mutator) {
		if p.API == APIExecuteDynamicGroup && p.N == 1 {
			added = m.InsertHost(Host{BizID: 2, InnerIP: "10.9.9.9", CloudID: 2})
			m.InsertDynamicGroup(DynamicGroup{BizID: 2, ID: "new-group", Name: "canary-3", ObjID: "set",
				Info: GroupInfo{Condition: []GroupCondition{{ObjID: "set", Condition: []GroupRule{{Field: "bk_set_name", Operator: "$eq", Value: "tools"}}}}}})
			m.DeleteDynamicGroup(2, GeneratedGroupID(2))
		}
	})
	callAPI(t, s, GatewayESB, groupExecReq("2", GeneratedGroupID(4), map[string]any{"fields": []string{"bk_host_id"}, "page": page(0, 500, "")}))
	got, _ := execIDs(t, s, GatewayAPIGW, GeneratedGroupID(4), "bk_host_id", []string{"bk_host_id"}, 500, "bk_host_id")
	if !slices.Equal(got, append(groupWant(d)[4], added.ID)) {
		t.Fatalf("pre-canary after insert: %v (added %d)", got, added.ID)
	}
	if _, names := groupNames(t, s, GatewayESB, map[string]any{"condition": map[string]any{"name": "canary"}, "page": page(0, 10, "name")}); !slices.Equal(names, []string{"canary", "canary-3", "canary-sets", "pre-canary"}) {
		t.Fatalf("groups after changes: %v", names)
	}
	sets, _ := execIDs(t, s, GatewayESB, "new-group", "bk_set_id", []string{"bk_set_id"}, 10, "")
	if len(sets) != 1 {
		t.Fatalf("new group: %v", sets)
	}
	if len(s.Snapshot().DynamicGroupsOf(2)) != 7 {
		t.Fatal("snapshot groups")
	}
}

// TestExecuteDynamicGroupSetAndModuleRules: module rules apply within the
// sets the set rules select.
func TestExecuteDynamicGroupSetAndModuleRules(t *testing.T) {
	s, d := demoServer(t, Options{})
	gz := setIDsOf(filterSets(d.SetsOf(2), func(st Set) bool { return st.Name == "web-gz" }))
	nginx := moduleIDsOf(filterModules(d.ModulesOf(2, gz[0]), func(m Module) bool { return m.Name == "nginx" }))
	want := hostIDsOf(d.HostsOf(2, nil, nginx, nil))
	s.Mutator().InsertDynamicGroup(DynamicGroup{BizID: 2, ID: "gz-nginx", Name: "gz-nginx", ObjID: "host", Info: GroupInfo{Condition: []GroupCondition{
		{ObjID: "set", Condition: []GroupRule{{Field: "bk_set_name", Operator: "$eq", Value: "web-gz"}}},
		{ObjID: "module", Condition: []GroupRule{{Field: "bk_module_name", Operator: "$eq", Value: "nginx"}}},
	}}})
	for _, gw := range gateways {
		if got, _ := execIDs(t, s, gw, "gz-nginx", "bk_host_id", []string{"bk_host_id"}, 100, "bk_host_id"); len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("%s: %v, want %v", gw, got, want)
		}
	}
}
