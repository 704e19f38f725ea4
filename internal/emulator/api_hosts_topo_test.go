package emulator

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func hostsTopoReq(body map[string]any) apiReq {
	return apiReq{api: APIListBizHostsTopo, params: webShopHosts, body: body}
}

// topoHost is one element of a list_biz_hosts_topo answer.
type topoHost struct {
	Host map[string]json.RawMessage `json:"host"`
	Topo []struct {
		SetID   int64  `json:"bk_set_id"`
		SetName string `json:"bk_set_name"`
		Module  []struct {
			ModuleID   int64  `json:"bk_module_id"`
			ModuleName string `json:"bk_module_name"`
		} `json:"module"`
	} `json:"topo"`
}

// topoPair is one (set, module) a host is in, with their names.
type topoPair struct {
	SetID, ModuleID     int64
	SetName, ModuleName string
}

// pairs flattens a host's topo, in the order served.
func (h topoHost) pairs() []topoPair {
	out := []topoPair{}
	for _, s := range h.Topo {
		for _, m := range s.Module {
			out = append(out, topoPair{s.SetID, m.ModuleID, s.SetName, m.ModuleName})
		}
	}
	return out
}

func (h topoHost) id(t testing.TB) int64 {
	t.Helper()
	var id int64
	if err := json.Unmarshal(h.Host["bk_host_id"], &id); err != nil {
		t.Fatalf("bk_host_id: %v in %v", err, h.Host)
	}
	return id
}

// topoPage decodes a successful list_biz_hosts_topo answer.
func topoPage(t testing.TB, r reply) (int, []topoHost) {
	t.Helper()
	var env struct {
		Result bool  `json:"result"`
		Code   int64 `json:"code"`
		Data   struct {
			Count int        `json:"count"`
			Info  []topoHost `json:"info"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || !env.Result || env.Code != 0 || r.status != 200 {
		t.Fatalf("answer: %v, status %d, code %d\n%.600s", err, r.status, env.Code, r.body)
	}
	for _, h := range env.Data.Info {
		if h.Topo == nil {
			t.Fatalf("topo is not a list: %.600s", r.body)
		}
	}
	return env.Data.Count, env.Data.Info
}

// walkTopo reads every page of req at limit, checking count stays; it stops
// at the count, since a start past the end answers count 0.
func walkTopo(t testing.TB, s *Server, gw string, req apiReq, limit int) []topoHost {
	t.Helper()
	var all []topoHost
	count := -1
	for start := 0; ; start += limit {
		r := req
		r.body = withPage(req.body, start, limit, "")
		c, info := topoPage(t, callAPI(t, s, gw, r))
		if count >= 0 && c != count {
			t.Fatalf("count changed from %d to %d", count, c)
		}
		count = c
		all = append(all, info...)
		if len(info) < limit || len(all) == count {
			if len(all) != count {
				t.Fatalf("walked %d hosts, count %d", len(all), count)
			}
			return all
		}
	}
}

// wantPairs is every (set, module) of host h, ascending.
func wantPairs(d *Dataset, h Host) []topoPair {
	sets, modules := map[int64]Set{}, map[int64]Module{}
	for _, s := range d.Sets {
		sets[s.ID] = s
	}
	for _, m := range d.Modules {
		modules[m.ID] = m
	}
	out := []topoPair{}
	for _, id := range h.ModuleIDs {
		m := modules[id]
		out = append(out, topoPair{m.SetID, m.ID, sets[m.SetID].Name, m.Name})
	}
	sortPairs(out)
	return out
}

func sortPairs(p []topoPair) {
	slices.SortFunc(p, func(a, b topoPair) int {
		return cmp.Or(cmp.Compare(a.SetID, b.SetID), cmp.Compare(a.ModuleID, b.ModuleID))
	})
}

var allHostFields = []string{"bk_host_id", "bk_host_name", "bk_host_innerip", "bk_host_outerip", "bk_host_innerip_v6",
	"bk_host_outerip_v6", "bk_cloud_id", "bk_os_type", "bk_os_name", "bk_os_version", "bk_agent_id", "bk_state",
	"operator", "bk_bak_operator"}

// TestListBizHostsTopoMatchesHostsOf: the hosts for set, module and host
// filters are those list_biz_hosts gives for the same ids, ascending, each
// with its full topology (a module filter narrows hosts, not their topo), on
// both front doors; a set or module filter that matches nothing gives count 0.
func TestListBizHostsTopoMatchesHostsOf(t *testing.T) {
	s, d := demoServer(t, Options{StrictLimits: true})
	sets, modules := d.SetsOf(2), d.ModulesOf(2, 0)
	all := d.HostsOf(2, nil, nil, nil)
	some := []int64{all[0].ID, all[7].ID, all[33].ID, 999999}
	in := func(field string, ids []int64) map[string]any { return qbAnd(qbRuleOf(field, "in", ids)) }
	setPair := []int64{sets[1].ID, sets[2].ID}
	modulePair := []int64{modules[4].ID, modules[9].ID}
	cases := []struct {
		name string
		body map[string]any
		want []Host
	}{
		{"all", map[string]any{}, all},
		{"sets", map[string]any{"set_property_filter": in("bk_set_id", setPair)}, d.HostsOf(2, setPair, nil, nil)},
		{"modules", map[string]any{"module_property_filter": in("bk_module_id", modulePair)}, d.HostsOf(2, nil, modulePair, nil)},
		{"sets and modules", map[string]any{"set_property_filter": in("bk_set_id", setPair[:1]),
			"module_property_filter": in("bk_module_id", []int64{modules[4].ID, modules[20].ID})},
			d.HostsOf(2, setPair[:1], []int64{modules[4].ID, modules[20].ID}, nil)},
		{"host ids", map[string]any{"host_property_filter": in("bk_host_id", some)}, d.HostsOf(2, nil, nil, some)},
		{"set name", map[string]any{"set_property_filter": qbAnd(qbRuleOf("bk_set_name", "equal", sets[1].Name))},
			d.HostsOf(2, setIDsOf(filterSets(sets, func(s Set) bool { return s.Name == sets[1].Name })), nil, nil)},
		{"set filter matching nothing", map[string]any{"set_property_filter": in("bk_set_id", []int64{987654})}, []Host{}},
		{"set of another business", map[string]any{"set_property_filter": in("bk_set_id", []int64{d.SetsOf(3)[1].ID})}, []Host{}},
		{"module filter matching nothing", map[string]any{"module_property_filter": in("bk_module_id", []int64{987654})}, []Host{}},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				body := map[string]any{"fields": allHostFields}
				for k, v := range tc.body {
					body[k] = v
				}
				got := walkTopo(t, s, gw, hostsTopoReq(body), 7)
				ids := []int64{}
				for _, h := range got {
					ids = append(ids, h.id(t))
				}
				if !slices.Equal(ids, hostIDsOf(tc.want)) {
					t.Fatalf("hosts %v, want %v", ids, hostIDsOf(tc.want))
				}
				for i, h := range got {
					p := h.pairs()
					sortPairs(p)
					if w := wantPairs(d, tc.want[i]); !slices.Equal(p, w) {
						t.Fatalf("host %d: topo %v, want %v", ids[i], p, w)
					}
				}
			})
		}
	}
	if len(cases[1].want) == 0 || len(cases[2].want) == 0 || len(cases[3].want) == 0 {
		t.Fatal("a filter case of the demo data is empty")
	}
}

// TestListBizHostsTopoHostFields: with fields, each host has those keys and
// bk_host_id, byte for byte as list_biz_hosts sends them (comma-joined IPs and
// users, null os type); without fields it holds only bk_host_id.
func TestListBizHostsTopoHostFields(t *testing.T) {
	s, _ := demoServer(t, Options{})
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			_, info := callAPI(t, s, gw, hostsReq(map[string]any{"fields": allHostFields, "page": page(0, 500, "")})).records(t)
			_, topo := topoPage(t, callAPI(t, s, gw, hostsTopoReq(map[string]any{"fields": allHostFields, "page": page(0, 500, "")})))
			if len(topo) != len(info) || len(info) == 0 {
				t.Fatalf("%d hosts with topology, %d hosts", len(topo), len(info))
			}
			commas := false
			for i := range info {
				a, b := mustJSON(t, info[i]), mustJSON(t, topo[i].Host)
				if string(a) != string(b) {
					t.Fatalf("host %d: %s, list_biz_hosts %s", i, b, a)
				}
				commas = commas || strings.Contains(string(info[i]["bk_host_innerip"]), ",")
			}
			if !commas {
				t.Fatal("no host with two inner IPs")
			}
			_, bare := topoPage(t, callAPI(t, s, gw, hostsTopoReq(map[string]any{"page": page(0, 5, "")})))
			_, named := topoPage(t, callAPI(t, s, gw, hostsTopoReq(map[string]any{"fields": []string{"bk_host_name"}, "page": page(0, 5, "")})))
			for i := range bare {
				if len(bare[i].Host) != 1 || bare[i].Host["bk_host_id"] == nil || len(bare[i].Topo) == 0 {
					t.Fatalf("without fields: %v", bare[i])
				}
				if len(named[i].Host) != 2 || named[i].Host["bk_host_name"] == nil {
					t.Fatalf("fields [bk_host_name]: %v", named[i].Host)
				}
			}
		})
	}
}

// TestListBizHostsTopoRandomOrder: the same request twice gives the same
// (set, module) pairs in different orders: the sets of a host, and the
// modules within a set, come in no particular order.
func TestListBizHostsTopoRandomOrder(t *testing.T) {
	d := GenerateDataset(GenerateOptions{Seed: 7})
	var sets []Set
	for _, st := range d.Sets {
		if st.BizID == 2 {
			sets = append(sets, st)
		}
	}
	var spread []int64 // a host in every module of its business
	for _, m := range d.Modules {
		if m.BizID == 2 {
			spread = append(spread, m.ID)
		}
	}
	d.Hosts = append(d.Hosts, Host{ID: 777777, BizID: 2, InnerIP: "10.7.7.7", ModuleIDs: spread})
	s := NewTestServer(t, Options{Data: d})
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			body := map[string]any{"fields": []string{"bk_host_id"}, "page": page(0, 10, ""),
				"host_property_filter": qbAnd(qbRuleOf("bk_host_id", "equal", 777777))}
			orders := map[string]bool{}
			var first []topoPair
			for range 5 {
				_, info := topoPage(t, callAPI(t, s, gw, hostsTopoReq(body)))
				if len(info) != 1 {
					t.Fatalf("%d hosts", len(info))
				}
				p := info[0].pairs()
				orders[fmt.Sprint(p)] = true
				sortPairs(p)
				if first == nil {
					first = p
				} else if !slices.Equal(p, first) {
					t.Fatalf("topo changed: %v, then %v", first, p)
				}
			}
			if len(first) != len(spread) || len(info0Sets(first)) != len(sets) {
				t.Fatalf("%d pairs in %d sets, want %d in %d", len(first), len(info0Sets(first)), len(spread), len(sets))
			}
			if len(orders) < 2 {
				t.Fatal("five answers put the topology in the same order")
			}
		})
	}
}

func info0Sets(p []topoPair) map[int64]bool {
	out := map[int64]bool{}
	for _, x := range p {
		out[x.SetID] = true
	}
	return out
}

// TestListBizHostsTopoTraps: a host without relations has topo []; a start
// past the end answers count 0; limit 0 is 1199010 and above 500 1199035 on
// both doors; strict mode refuses a request without fields.
func TestListBizHostsTopoTraps(t *testing.T) {
	d := GenerateDataset(GenerateOptions{Seed: 7})
	d.Hosts = append(d.Hosts, Host{ID: 888888, BizID: 2, InnerIP: "10.8.8.8"})
	s := NewTestServer(t, Options{Data: d})
	strict := NewTestServer(t, Options{Data: d, StrictLimits: true})
	fields := []string{"bk_host_id"}
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			_, info := topoPage(t, callAPI(t, s, gw, hostsTopoReq(map[string]any{"fields": fields, "page": page(0, 1, ""),
				"host_property_filter": qbAnd(qbRuleOf("bk_host_id", "equal", 888888))})))
			if len(info) != 1 || len(info[0].Topo) != 0 {
				t.Fatalf("host without relations: %+v", info)
			}
			total := len(d.HostsOf(2, nil, nil, nil))
			count, info := topoPage(t, callAPI(t, s, gw, hostsTopoReq(map[string]any{"fields": fields, "page": page(total-1, 5, "")})))
			if count != total || len(info) != 1 {
				t.Fatalf("last page: count %d, %d hosts; want %d, 1", count, len(info), total)
			}
			count, info = topoPage(t, callAPI(t, s, gw, hostsTopoReq(map[string]any{"fields": fields, "page": page(total, 5, "")})))
			if count != 0 || len(info) != 0 {
				t.Fatalf("start past the end: count %d, %d hosts", count, len(info))
			}
			for _, tc := range []struct {
				srv   *Server
				body  map[string]any
				code  int64
				inMsg string
			}{
				{s, map[string]any{"fields": fields, "page": page(0, 0, "")}, CodeCMDBParamUnassigned, "page.limit"},
				{s, map[string]any{"fields": fields}, CodeCMDBParamUnassigned, "page.limit"},
				{s, map[string]any{"fields": fields, "page": page(0, 501, "")}, CodeCMDBExceedLimit, "page.limit exceed the limit 500"},
				{s, map[string]any{"fields": fields, "page": page(0, 5, ""), "set_property_filter": qbAnd(qbRuleOf("bk_set_id", "nope", 1))},
					CodeCMDBParamsInvalid, "set_property_filter"},
				{strict, map[string]any{"page": page(0, 5, "")}, CodeCMDBParamsInvalid, "fields"},
			} {
				r := callAPI(t, tc.srv, gw, hostsTopoReq(tc.body))
				if got := r.code(t); got != tc.code || !strings.Contains(string(r.body), tc.inMsg) {
					t.Errorf("%v: code %d, want %d with %q\n%s", tc.body, got, tc.code, tc.inMsg, r.body)
				}
			}
			if _, info := topoPage(t, callAPI(t, s, gw, hostsTopoReq(map[string]any{"fields": fields, "page": page(0, 500, "")}))); len(info) == 0 {
				t.Fatal("limit 500 answered no host")
			}
		})
	}
}
