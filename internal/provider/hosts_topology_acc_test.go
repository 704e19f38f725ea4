package provider

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// wantHostsTopology is wantHosts with each host's topology from d: one object per
// module, ascending by (bk_set_id, bk_module_id).
func wantHostsTopology(d *emulator.Dataset, hosts []emulator.Host) []map[string]any {
	sets, modules := map[int64]string{}, map[int64]emulator.Module{}
	for _, s := range d.Sets {
		sets[s.ID] = s.Name
	}
	for _, m := range d.Modules {
		modules[m.ID] = m
	}
	out := wantHosts(hosts)
	for i, h := range hosts {
		ms := make([]emulator.Module, 0, len(h.ModuleIDs))
		for _, id := range h.ModuleIDs {
			ms = append(ms, modules[id])
		}
		slices.SortFunc(ms, func(a, b emulator.Module) int { return cmp.Or(cmp.Compare(a.SetID, b.SetID), cmp.Compare(a.ID, b.ID)) })
		topo := []map[string]any{}
		for _, m := range ms {
			topo = append(topo, map[string]any{"bk_set_id": m.SetID, "bk_module_id": m.ID, "bk_set_name": sets[m.SetID],
				"bk_module_name": m.Name})
		}
		out[i]["topology"] = topo
	}
	return out
}

// hclIDs is ids as an HCL list.
func hclIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// topoRequests checks every list_biz_hosts_topo request s saw (the host fields asked
// for, sorted by bk_host_id, a page of at most 500, answered code 0) and counts them.
func topoRequests(t *testing.T, s *emulator.Server) int {
	t.Helper()
	n := 0
	for _, r := range s.Requests() {
		if r.API != emulator.APIListBizHostsTopo {
			continue
		}
		n++
		var b struct {
			Fields []string `json:"fields"`
			Page   struct {
				Limit int    `json:"limit"`
				Sort  string `json:"sort"`
			} `json:"page"`
		}
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b.Fields, cmdb.HostFields) || b.Page.Limit < 1 || b.Page.Limit > 500 || b.Page.Sort != "bk_host_id" || r.Code != 0 {
			t.Errorf("list_biz_hosts_topo request %s answered code %d", r.Body, r.Code)
		}
	}
	return n
}

// TestAccHostsTopology reads bkcmdb_hosts with and without with_topology for each
// filter, on both gateways, in pages of 7: with it, every host has its exact topology,
// ascending whatever order CMDB sends (a host in modules of three sets, a host in
// none); without it, topology is []; both hold exactly the same hosts. A configuration
// without with_topology sends no list_biz_hosts_topo request.
func TestAccHostsTopology(t *testing.T) {
	d, biz, tpl := topoData(t)
	sets := setsOfTemplate(d, biz.ID, tpl.ID)
	var spread []int64 // a module of each of three sets
	for _, s := range sets[:3] {
		spread = append(spread, d.ModulesOf(biz.ID, s.ID)[0].ID, d.ModulesOf(biz.ID, s.ID)[1].ID)
	}
	d.Hosts = append(d.Hosts, emulator.Host{ID: 990001, BizID: biz.ID, InnerIP: "10.99.0.1", ModuleIDs: spread},
		emulator.Host{ID: 990002, BizID: biz.ID, InnerIP: "10.99.0.2"})
	modules := []int64{spread[0], spread[3], d.ModulesOf(biz.ID, sets[3].ID)[0].ID}
	all := d.HostsOf(biz.ID, nil, nil, nil)
	hostIDs := []int64{990002, all[5].ID, all[1].ID, 990001, all[30].ID, 424242}
	filters := []struct {
		name, hcl              string
		setIDs, moduleIDs, ids []int64
	}{
		{name: "all"},
		{name: "sets", hcl: "bk_set_ids = " + hclIDs([]int64{sets[0].ID, sets[2].ID}), setIDs: []int64{sets[0].ID, sets[2].ID}},
		{name: "modules", hcl: "bk_module_ids = " + hclIDs(modules), moduleIDs: modules},
		{name: "sets_modules", hcl: "bk_set_ids = " + hclIDs([]int64{sets[0].ID}) + "\n  bk_module_ids = " + hclIDs(modules),
			setIDs: []int64{sets[0].ID}, moduleIDs: modules},
		{name: "ids", hcl: "bk_host_ids = " + hclIDs(hostIDs), ids: hostIDs},
		{name: "sets_ids", hcl: "bk_set_ids = " + hclIDs([]int64{sets[1].ID}) + "\n  bk_host_ids = " + hclIDs(hostIDs),
			setIDs: []int64{sets[1].ID}, ids: hostIDs},
		{name: "none", hcl: "bk_set_ids = []", setIDs: []int64{}},
	}
	var on, off strings.Builder
	var checks, offChecks []statecheck.StateCheck
	for _, f := range filters {
		hosts := d.HostsOf(biz.ID, f.setIDs, f.moduleIDs, f.ids)
		if f.setIDs != nil && len(f.setIDs) == 0 { // HostsOf takes an empty list as no filter
			hosts = []emulator.Host{}
		}
		if len(hosts) == 0 && f.name != "none" {
			t.Fatalf("filter %s matches no host", f.name)
		}
		fmt.Fprintf(&on, "data \"bkcmdb_hosts\" %q {\n  bk_biz_id = %d\n  %s\n  with_topology = true\n}\n", f.name, biz.ID, f.hcl)
		fmt.Fprintf(&on, "data \"bkcmdb_hosts\" %q {\n  bk_biz_id = %d\n  %s\n  with_topology = false\n}\n", f.name+"_false", biz.ID, f.hcl)
		fmt.Fprintf(&off, "data \"bkcmdb_hosts\" %q {\n  bk_biz_id = %d\n  %s\n}\n", f.name+"_absent", biz.ID, f.hcl)
		checks = append(checks, expectObjects{"data.bkcmdb_hosts." + f.name, "hosts", wantHostsTopology(d, hosts)},
			expectObjects{"data.bkcmdb_hosts." + f.name + "_false", "hosts", wantHosts(hosts)})
		offChecks = append(offChecks, expectObjects{"data.bkcmdb_hosts." + f.name + "_absent", "hosts", wantHosts(hosts)})
	}
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:            providerBlock(gateway, baseURLFor(srv, gateway), "page_size = 7") + off.String(),
					ConfigStateChecks: offChecks,
				}},
			})
			if n := srv.RequestCount(); n == 0 || topoRequests(t, srv) != 0 {
				t.Fatalf("without with_topology: %d requests, %d of list_biz_hosts_topo; want some, none of it", n, topoRequests(t, srv))
			}
			srv.ResetRequests()
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:            providerBlock(gateway, baseURLFor(srv, gateway), "page_size = 7") + on.String(),
					ConfigStateChecks: checks,
				}},
			})
			if topoRequests(t, srv) == 0 {
				t.Fatal("with_topology sent no list_biz_hosts_topo request")
			}
		})
	}
}

// TestAccHostsTopologySplits asks for more ids than one request may carry, split into
// exactly two calls whose answers interleave and overlap (hosts in sets, or modules, of
// both chunks) and into more: with and without topology, the hosts are exactly those of
// the whole lists, ascending, without duplicates, and the same; every request within the
// API's limits.
func TestAccHostsTopologySplits(t *testing.T) {
	const biz = 2
	d := emulator.SplitTopology(biz, 700)
	a, b := int64(emulator.SplitSetA), int64(emulator.SplitSetB)
	sets := []int64{a, b}
	for id := a + 1; id <= a+199; id++ { // chunks [a …] and [b]
		sets = append(sets, id)
	}
	modules := []int64{a + 1, a + 2, b + 1, b + 2}
	for id := a + 3; id <= a+500; id++ { // chunks [a+1 …] and [b+1, b+2]
		modules = append(modules, id)
	}
	var hostIDs []int64
	for i := 1; i <= 700; i++ {
		if i%7 != 0 { // 600 ids: 2 chunks
			hostIDs = append(hostIDs, int64(emulator.SplitHostBase+i))
		}
	}
	filters := []struct {
		name, hcl              string
		setIDs, moduleIDs, ids []int64
	}{
		{"sets", "bk_set_ids = local.sets", sets, nil, nil},
		{"modules", "bk_module_ids = local.modules", nil, modules, nil},
		{"hosts", "bk_host_ids = local.hosts", nil, nil, hostIDs},
		{"all_three", "bk_set_ids = local.sets\n  bk_module_ids = local.modules\n  bk_host_ids = local.hosts", sets, modules, hostIDs},
	}
	var config strings.Builder
	fmt.Fprintf(&config, "locals {\n  sets = %s\n  modules = %s\n  hosts = %s\n}\n", hclIDs(sets), hclIDs(modules), hclIDs(hostIDs))
	var checks []statecheck.StateCheck
	for _, f := range filters {
		hosts := d.HostsOf(biz, f.setIDs, f.moduleIDs, f.ids)
		if len(hosts) < 300 {
			t.Fatalf("filter %s matches %d hosts", f.name, len(hosts))
		}
		fmt.Fprintf(&config, "data \"bkcmdb_hosts\" %q {\n  bk_biz_id = %d\n  %s\n  with_topology = true\n}\n", f.name, biz, f.hcl)
		fmt.Fprintf(&config, "data \"bkcmdb_hosts\" %q {\n  bk_biz_id = %d\n  %s\n}\n", f.name+"_off", biz, f.hcl)
		checks = append(checks, expectObjects{"data.bkcmdb_hosts." + f.name, "hosts", wantHostsTopology(d, hosts)},
			expectObjects{"data.bkcmdb_hosts." + f.name + "_off", "hosts", wantHosts(hosts)})
	}
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:            providerBlock(gateway, baseURLFor(srv, gateway)) + config.String(),
					ConfigStateChecks: checks,
				}},
			})
			topoRequests(t, srv)
			for _, r := range srv.Requests() {
				var body hostsBody
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatal(err)
				}
				if r.Code != 0 || len(body.SetIDs) > 200 || len(body.ModuleIDs) > 500 ||
					body.HostFilter != nil && len(body.HostFilter.Rules[0].Value) > 500 {
					t.Fatalf("request %.300s answered code %d", r.Body, r.Code)
				}
			}
		})
	}
}

// TestAccHostsTopologyValidation: a with_topology that is not a bool is a plan-time
// error; no request reaches the CMDB.
func TestAccHostsTopologyValidation(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})})
	for name, tc := range map[string]struct{ config, want string }{
		"not a bool": {`data "bkcmdb_hosts" "x" {
  bk_biz_id     = 2
  with_topology = "sometimes"
}`, `(?s)Incorrect attribute value type|a bool is required`},
		"a list": {`data "bkcmdb_hosts" "x" {
  bk_biz_id     = 2
  with_topology = [true]
}`, `(?s)Incorrect attribute value type|bool required`},
	} {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock("esb", srv.URL()) + tc.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if n := srv.RequestCount(); n != 0 {
		t.Fatalf("%d requests reached the CMDB, want none", n)
	}
}

// TestAccHostsTopologyDisagree: when hosts keep moving out of the sets asked for between
// the read of the hosts and that of their topology, the read fails after 3 reads with
// one error that names list_biz_hosts_topo and says what differed.
func TestAccHostsTopologyDisagree(t *testing.T) {
	clearProviderEnv(t)
	d, biz, tpl := topoData(t)
	set := setsOfTemplate(d, biz.ID, tpl.ID)[0]
	inSet := d.HostsOf(biz.ID, []int64{set.ID}, nil, nil)
	idle := d.ModulesOf(biz.ID, d.SetsOf(biz.ID)[0].ID)[0].ID
	srv := newEmulator(t, emulator.Options{Data: d})
	moved := 0
	srv.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
		if p.API == emulator.APIListBizHostsTopo && moved < len(inSet) {
			h := inSet[moved]
			h.ModuleIDs = []int64{idle}
			m.InsertHost(h)
			moved++
		}
	})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("apigw", srv.APIGWURL()) + fmt.Sprintf(`
data "bkcmdb_hosts" "x" {
  bk_biz_id     = %d
  bk_set_ids    = [%d]
  with_topology = true
}`, biz.ID, set.ID),
			ExpectError: regexp.MustCompile(strings.ReplaceAll(fmt.Sprintf(`(?s)list_biz_hosts_topo failed: the hosts and their `+
				`topology kept changing; no consistent read after 3 reads.*read 1: host %d is no longer in the sets and `+
				`modules asked for.*read 3`, inSet[0].ID), " ", `\s+`)),
		}},
	})
}
