package cmdb

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// wantTopology is every module of host h in d, ascending by (set, module), with names.
func wantTopology(d *emulator.Dataset, h emulator.Host) []HostModule {
	sets, modules := map[int64]string{}, map[int64]emulator.Module{}
	for _, s := range d.Sets {
		sets[s.ID] = s.Name
	}
	for _, m := range d.Modules {
		modules[m.ID] = m
	}
	out := []HostModule{}
	for _, id := range h.ModuleIDs {
		m := modules[id]
		out = append(out, HostModule{SetID: m.SetID, SetName: sets[m.SetID], ModuleID: m.ID, ModuleName: m.Name})
	}
	slices.SortFunc(out, func(a, b HostModule) int {
		return cmp.Or(cmp.Compare(a.SetID, b.SetID), cmp.Compare(a.ModuleID, b.ModuleID))
	})
	return out
}

// requireTopology checks that got holds the hosts of want (ListBizHosts' answer) with
// the same fields, each with its exact topology from d.
func requireTopology(t testing.TB, d *emulator.Dataset, got, want []Host) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d hosts with topology, %d without", len(got), len(want))
	}
	byID := map[int64]emulator.Host{}
	for _, h := range d.Hosts {
		byID[h.ID] = h
	}
	for i := range got {
		g := got[i]
		if g.Topology == nil {
			t.Fatalf("host %d: nil topology", g.ID)
		}
		if w := wantTopology(d, byID[g.ID]); !slices.Equal(g.Topology, w) {
			t.Fatalf("host %d: topology %v, want %v", g.ID, g.Topology, w)
		}
		g.Topology = nil
		if !reflect.DeepEqual(g, want[i]) {
			t.Fatalf("host %d: %+v, want %+v", i, g, want[i])
		}
	}
}

// walkCounter counts the walks (page requests at start 0) of each API as they arrive:
// OnPage runs before the answer, while a recorded request may lag behind it.
type walkCounter struct {
	mu    sync.Mutex
	walks map[string]int
}

func countWalks(s *emulator.Server) *walkCounter {
	c := &walkCounter{walks: map[string]int{}}
	s.OnPage(func(p emulator.PageRequest, _ *emulator.Mutator) {
		if p.Start == 0 {
			c.mu.Lock()
			c.walks[p.API]++
			c.mu.Unlock()
		}
	})
	return c
}

// take returns the walks of api since the last take, and forgets them.
func (c *walkCounter) take(api string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.walks[api]
	delete(c.walks, api)
	return n
}

// topoBodies are the bodies of the list_biz_hosts_topo requests s saw; each must ask
// for the host fields, sorted by bk_host_id, at most 500 a page.
func topoBodies(t testing.TB, s *emulator.Server) []map[string]json.RawMessage {
	t.Helper()
	var out []map[string]json.RawMessage
	for _, r := range s.Requests() {
		if r.API != emulator.APIListBizHostsTopo {
			continue
		}
		var b map[string]json.RawMessage
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		var p struct {
			Limit int    `json:"limit"`
			Sort  string `json:"sort"`
		}
		var fields []string
		_ = json.Unmarshal(b["fields"], &fields)
		_ = json.Unmarshal(b["page"], &p)
		if !slices.Equal(fields, HostFields) || p.Limit < 1 || p.Limit > 500 || p.Sort != "bk_host_id" {
			t.Fatalf("list_biz_hosts_topo request %s: fields %v, page %+v", r.Body, fields, p)
		}
		out = append(out, b)
	}
	return out
}

// ListBizHostsTopology gives the hosts ListBizHosts gives for every filter, with their
// fields, each with its exact topology ascending whatever order CMDB sends, on both
// gateways. Without set or module ids it reads list_biz_hosts_topo alone.
func TestListBizHostsTopologyMatchesListBizHosts(t *testing.T) {
	d := emulator.GenerateDataset(emulator.GenerateOptions{Seed: 7})
	s := emulator.NewTestServer(t, emulator.Options{Data: d, StrictLimits: true})
	walks := countWalks(s)
	sets, modules, hosts := d.SetsOf(testBiz), d.ModulesOf(testBiz, 0), d.HostsOf(testBiz, nil, nil, nil)
	multi := 0
	for _, h := range hosts {
		if len(h.ModuleIDs) > 1 {
			multi++
		}
	}
	if multi == 0 {
		t.Fatal("no host of the demo data is in two modules")
	}
	cases := []struct {
		name   string
		f      HostFilter
		direct bool
	}{
		{"all", HostFilter{}, true},
		{"host ids", HostFilter{HostIDs: []int64{hosts[3].ID, hosts[1].ID, hosts[40].ID, 99999999}}, true},
		{"sets", HostFilter{SetIDs: []int64{sets[1].ID, sets[3].ID}}, false},
		{"modules", HostFilter{ModuleIDs: []int64{modules[4].ID, modules[9].ID, modules[11].ID}}, false},
		{"sets and modules", HostFilter{SetIDs: []int64{sets[1].ID}, ModuleIDs: []int64{modules[4].ID, modules[20].ID}}, false},
		{"sets and hosts", HostFilter{SetIDs: []int64{sets[1].ID, sets[2].ID}, HostIDs: []int64{hosts[0].ID, hosts[5].ID, hosts[9].ID}}, false},
		{"set of no host", HostFilter{SetIDs: []int64{987654}}, false},
		{"empty host list", HostFilter{HostIDs: []int64{}}, true},
	}
	for _, gw := range gateways {
		c, _ := newTestClient(t, s, gw)
		for _, tc := range cases {
			t.Run(tc.name+"/"+string(gw), func(t *testing.T) {
				walks.take(emulator.APIListBizHosts)
				walks.take(emulator.APIListBizHostsTopo)
				got, err := c.ListBizHostsTopology(t.Context(), testBiz, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				lists, topo := walks.take(emulator.APIListBizHosts), walks.take(emulator.APIListBizHostsTopo)
				topoBodies(t, s)
				if tc.direct && lists != 0 {
					t.Errorf("%d list_biz_hosts requests without set or module filter", lists)
				}
				want, err := c.ListBizHosts(t.Context(), testBiz, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				requireTopology(t, d, got, want)
				if len(want) == 0 && topo > 0 && !tc.direct {
					t.Errorf("%d topology walks for no host", topo)
				}
			})
		}
	}
}

// Lists longer than the APIs take are split to their limits (the emulator refuses
// more than 500 ids in an "in" rule), and the hosts are the same as ListBizHosts'.
func TestListBizHostsTopologySplits(t *testing.T) {
	d := emulator.ManyHosts(testBiz, 1200)
	s := emulator.NewTestServer(t, emulator.Options{Data: d, StrictLimits: true})
	walks := countWalks(s)
	var ids, modules []int64
	for _, h := range d.HostsOf(testBiz, nil, nil, nil) {
		ids = append(ids, h.ID, h.ID)
	}
	for _, m := range d.ModulesOf(testBiz, 0) {
		modules = append(modules, m.ID)
	}
	for i := int64(1); len(modules) < 501; i++ {
		modules = append(modules, 900000+i)
	}
	for _, f := range []HostFilter{{HostIDs: ids}, {HostIDs: ids, ModuleIDs: modules}} {
		c, _ := newTestClient(t, s, GatewayESB) // a client of its own: the same chunks would be shared
		walks.take(emulator.APIListBizHostsTopo)
		got, err := c.ListBizHostsTopology(t.Context(), testBiz, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range topoBodies(t, s) {
			var q propertyQuery
			if err := json.Unmarshal(b["host_property_filter"], &q); err != nil || len(q.Rules) != 1 || len(q.Rules[0].Value) > MaxHostIDs {
				t.Fatalf("host filter %s", b["host_property_filter"])
			}
		}
		if walks := walks.take(emulator.APIListBizHostsTopo); walks != 3 { // 1,200 distinct ids in chunks of 500
			t.Errorf("%d topology walks, want 3", walks)
		}
		want, err := c.ListBizHosts(t.Context(), testBiz, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 1000 {
			t.Fatalf("%d hosts", len(want))
		}
		requireTopology(t, d, got, want)
	}
}

// When a host moves out of the sets asked for, or is deleted, between the two reads, both are read
// again (not the first read shared), and the second, which agrees, is kept; when the
// reads never agree, the error after 3 reads says what differed.
func TestListBizHostsTopologyDisagree(t *testing.T) {
	d := emulator.GenerateDataset(emulator.GenerateOptions{Seed: 7})
	sets := d.SetsOf(testBiz)
	inSet := d.HostsOf(testBiz, []int64{sets[1].ID}, nil, nil)
	var other int64 // a module of another set
	for _, m := range d.ModulesOf(testBiz, 0) {
		if m.SetID != sets[1].ID && m.Default == 0 {
			other = m.ID
		}
	}
	for _, tc := range []struct {
		change string
		always bool
	}{{"move", false}, {"move", true}, {"delete", false}, {"delete", true}} {
		t.Run(fmt.Sprint(tc.change, " always=", tc.always), func(t *testing.T) {
			s := emulator.NewTestServer(t, emulator.Options{Data: d, StrictLimits: true})
			changed := 0
			s.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
				if p.API == emulator.APIListBizHostsTopo && (tc.always || changed == 0) && changed < len(inSet) {
					h := inSet[changed]
					if tc.change == "delete" {
						m.DeleteHost(h.ID)
					} else {
						h.ModuleIDs = []int64{other}
						m.InsertHost(h)
					}
					changed++
				}
			})
			c, log := newTestClient(t, s, GatewayAPIGW)
			got, err := c.ListBizHostsTopology(t.Context(), testBiz, HostFilter{SetIDs: []int64{sets[1].ID}})
			if tc.always {
				said := fmt.Sprintf("host %d is no longer in the sets and modules asked for", inSet[0].ID)
				if tc.change == "delete" {
					said = fmt.Sprintf("list_biz_hosts gave %d hosts, list_biz_hosts_topo %d for them (missing: [%d])",
						len(inSet), len(inSet)-1, inSet[0].ID)
				}
				var de *DisagreeError
				if !errors.As(err, &de) || len(de.Differences) != TopologyReads || !strings.Contains(err.Error(), said) {
					t.Fatalf("error %v, want a DisagreeError of 3 reads saying %q", err, said)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := s.Snapshot().HostsOf(testBiz, []int64{sets[1].ID}, nil, nil)
			if len(got) != len(want) || len(want) != len(inSet)-1 {
				t.Fatalf("%d hosts, want %d", len(got), len(want))
			}
			requireTopology(t, s.Snapshot(), got, mustHosts(t, c, HostFilter{SetIDs: []int64{sets[1].ID}}, true))
			if !strings.Contains(log.text(), "disagree") {
				t.Error("the read again was not logged")
			}
		})
	}
}

// mustHosts is ListBizHosts, fresh when asked.
func mustHosts(t testing.TB, c *Client, f HostFilter, fresh bool) []Host {
	t.Helper()
	list := List[Host, int64]
	if fresh {
		list = listFresh[Host]
	}
	h, err := c.listBizHosts(t.Context(), testBiz, f, list)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The topology of a record is one entry per module, ascending by (set, module), [] for
// a host without relations, whatever the order sent.
func TestHostTopoRecord(t *testing.T) {
	var h hostTopo
	raw := `{"host":{"bk_host_id":7,"bk_host_innerip":"10.0.0.1,10.0.0.2"},"topo":[
		{"bk_set_id":9,"bk_set_name":"b","module":[{"bk_module_id":31,"bk_module_name":"y"},{"bk_module_id":30,"bk_module_name":"x"}]},
		{"bk_set_id":3,"bk_set_name":"a","module":[{"bk_module_id":40,"bk_module_name":"z"}]}]}`
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		t.Fatal(err)
	}
	got := h.host()
	want := []HostModule{{3, "a", 40, "z"}, {9, "b", 30, "x"}, {9, "b", 31, "y"}}
	if !slices.Equal(got.Topology, want) || !slices.Equal(got.InnerIP, CommaList{"10.0.0.1", "10.0.0.2"}) {
		t.Errorf("got %+v", got)
	}
	var none hostTopo
	if err := json.Unmarshal([]byte(`{"host":{"bk_host_id":8},"topo":[]}`), &none); err != nil || none.host().Topology == nil ||
		len(none.host().Topology) != 0 {
		t.Errorf("no relations: %+v, %v", none.host(), err)
	}
}

// padded is ids with the ids from..to (inclusive) between them.
func padded(ids []int64, from, to int64) []int64 {
	out := slices.Clone(ids)
	for id := from; id <= to; id++ {
		out = append(out, id)
	}
	return out
}

// A split into exactly two calls (and more) whose answers interleave and overlap (a
// host in sets, or modules, of both chunks) is merged: ascending, without duplicates,
// exactly the hosts of the whole lists, with and without topology.
func TestListBizHostsSplitMerges(t *testing.T) {
	const n = 600
	d := emulator.SplitTopology(testBiz, n)
	s := emulator.NewTestServer(t, emulator.Options{Data: d, StrictLimits: true})
	walks := countWalks(s)
	a, b := int64(emulator.SplitSetA), int64(emulator.SplitSetB)
	sets := padded([]int64{a, b}, a+1, a+199)                          // chunks [a, a+1 … a+199] and [b]
	modules := padded([]int64{a + 1, a + 2, b + 1, b + 2}, a+3, a+500) // chunks [a+1 … a+500] and [b+1, b+2]
	var hosts []int64
	for i := 1; i <= 501; i++ {
		hosts = append(hosts, int64(emulator.SplitHostBase+i))
	}
	cases := []struct {
		name  string
		f     HostFilter
		calls int
	}{
		{"set chunks", HostFilter{SetIDs: sets}, 2},
		{"module chunks", HostFilter{ModuleIDs: modules}, 2},
		{"host chunks", HostFilter{HostIDs: hosts}, 2},
		{"set chunks and one module list", HostFilter{SetIDs: sets, ModuleIDs: []int64{a + 1, b + 1, b + 2}}, 2},
		{"one set list and module chunks", HostFilter{SetIDs: []int64{a, b}, ModuleIDs: modules}, 2},
		{"set chunks and host chunks", HostFilter{SetIDs: sets, HostIDs: hosts}, 4},
		{"set, module and host chunks", HostFilter{SetIDs: sets, ModuleIDs: modules, HostIDs: hosts}, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := d.HostsOf(testBiz, tc.f.SetIDs, tc.f.ModuleIDs, tc.f.HostIDs)
			if len(want) < 300 {
				t.Fatalf("%d hosts match", len(want))
			}
			c, _ := newTestClient(t, s, GatewayAPIGW)
			walks.take(emulator.APIListBizHosts)
			got, err := c.ListBizHosts(t.Context(), testBiz, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if walks := walks.take(emulator.APIListBizHosts); walks != tc.calls {
				t.Fatalf("%d calls, want %d", walks, tc.calls)
			}
			ids := make([]int64, len(got))
			for i := range got {
				ids[i] = got[i].ID
			}
			if w := emulatorHostIDs(want); !slices.Equal(ids, w) {
				t.Fatalf("%d hosts %v…, want %d %v…", len(ids), ids[:min(8, len(ids))], len(w), w[:8])
			}
			withTopo, err := c.ListBizHostsTopology(t.Context(), testBiz, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			requireTopology(t, d, withTopo, got)
		})
	}
}

func emulatorHostIDs(hosts []emulator.Host) []int64 {
	out := make([]int64, len(hosts))
	for i, h := range hosts {
		out[i] = h.ID
	}
	return out
}
