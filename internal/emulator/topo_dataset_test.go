package emulator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// checkConsistent asserts what every API relies on in a dataset: instances
// on hosts of their module, modules in a set of their business with that
// set's template, one idle pool per business, and
// list_service_instance_by_set_template(biz, tpl) = the instances of the
// modules of the sets built from tpl.
func checkConsistent(t *testing.T, d *Dataset) {
	t.Helper()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	sets := map[int64]Set{}
	for _, s := range d.Sets {
		sets[s.ID] = s
	}
	modules := map[int64]Module{}
	for _, m := range d.Modules {
		s, ok := sets[m.SetID]
		if !ok || s.BizID != m.BizID || s.SetTemplateID != m.SetTemplateID {
			t.Fatalf("module %+v: not in a set of its business with its template", m)
		}
		modules[m.ID] = m
	}
	hosts := map[int64]Host{}
	for _, h := range d.Hosts {
		if len(h.ModuleIDs) == 0 {
			t.Fatalf("host %d is in no module", h.ID)
		}
		hosts[h.ID] = h
	}
	for _, in := range d.ServiceInstances {
		h, ok := hosts[in.HostID]
		if !ok || !slices.Contains(h.ModuleIDs, in.ModuleID) || modules[in.ModuleID].BizID != in.BizID {
			t.Fatalf("instance %d: host %d is not in module %d", in.ID, in.HostID, in.ModuleID)
		}
	}
	for _, b := range d.Businesses {
		var idle []Set
		for _, s := range d.SetsOf(b.ID) {
			if s.Default == 1 {
				idle = append(idle, s)
			}
		}
		if len(idle) != 1 {
			t.Fatalf("business %d has %d idle pool sets", b.ID, len(idle))
		}
		var defaults []int64
		for _, m := range d.ModulesOf(b.ID, idle[0].ID) {
			defaults = append(defaults, m.Default)
		}
		if !slices.Equal(defaults, []int64{1, 2, 3}) {
			t.Fatalf("business %d: idle pool modules have defaults %v", b.ID, defaults)
		}
	}
	for _, tpl := range d.SetTemplates {
		want := []Instance{}
		for _, in := range d.ServiceInstances {
			if sets[modules[in.ModuleID].SetID].SetTemplateID == tpl.ID {
				want = append(want, in)
			}
		}
		if got := d.Instances(tpl.BizID, tpl.ID); !reflect.DeepEqual(got, want) {
			t.Fatalf("template %d: Instances gives %d, the sets built from it hold %d", tpl.ID, len(got), len(want))
		}
	}
}

// TestGeneratedTopology: generated datasets are consistent, whatever the
// options, and the default one holds what the demo needs.
func TestGeneratedTopology(t *testing.T) {
	for _, opts := range []GenerateOptions{
		{Seed: 7},
		{Seed: 1, Businesses: 8, SetTemplatesPerBusiness: 4, Instances: 500},
		{Seed: 2, HostsPerBusiness: 5, Instances: 300},
		{Seed: 3, ExtraHosts: 1000, Instances: 100},
	} {
		d := GenerateDataset(opts)
		checkConsistent(t, d)
		if opts.ExtraHosts > 0 && len(d.HostsOf(2, nil, nil, nil)) != defaultHostsPerBusiness+opts.ExtraHosts {
			t.Fatalf("ExtraHosts: web-shop has %d hosts", len(d.HostsOf(2, nil, nil, nil)))
		}
	}
	d := GenerateDataset(GenerateOptions{Seed: 7})
	if pool := d.Businesses[0]; pool.ID != 1 || pool.Default != 1 {
		t.Fatalf("first business %+v is not the resource pool", pool)
	}
	names := map[string][]int64{}
	for _, b := range d.Businesses {
		names[b.Name] = append(names[b.Name], b.ID)
	}
	for _, name := range []string{"web-shop", "Web-Shop-Legacy", "web-shop-mobile", "old-web-shop"} {
		if len(names[name]) != 1 {
			t.Errorf("business %q: %v", name, names[name])
		}
	}
	templatesNamed := map[string][]int64{}
	for _, st := range d.SetTemplates {
		templatesNamed[st.Name] = append(templatesNamed[st.Name], st.BizID)
	}
	if !slices.Contains(templatesNamed["web"], 2) || !slices.Contains(templatesNamed["gamesvr"], 2) || len(templatesNamed["web"]) < 2 {
		t.Fatalf("templates by name: %v", templatesNamed)
	}
	for _, st := range d.SetTemplatesOf(2) {
		envs := map[string]bool{}
		for _, s := range d.SetsOf(2) {
			if s.SetTemplateID == st.ID {
				envs[s.Env] = true
			}
		}
		if len(envs) < 2 {
			t.Fatalf("sets of template %d: environments %v", st.ID, envs)
		}
	}
	var multiIP, noOuter, nullOS, twoModules int
	for _, h := range d.Hosts {
		if strings.Contains(h.InnerIP, ",") {
			multiIP++
		}
		if h.OuterIP == "" {
			noOuter++
		}
		if h.OSType == nil {
			nullOS++
		}
		if len(h.ModuleIDs) > 1 {
			twoModules++
		}
	}
	for what, n := range map[string]int{"several inner IPs": multiIP, "no outer IP": noOuter, "null os type": nullOS, "two modules": twoModules} {
		if n == 0 || n == len(d.Hosts) {
			t.Errorf("%s: %d of %d hosts", what, n, len(d.Hosts))
		}
	}
	s := NewTestServer(t, Options{Data: d})
	if snap := s.Snapshot(); !reflect.DeepEqual(snap, d) {
		t.Fatal("Snapshot of an unchanged server differs from its dataset")
	}
}

// TestSingleTemplateTopology: SingleTemplate is consistent too.
func TestSingleTemplateTopology(t *testing.T) {
	checkConsistent(t, SingleTemplate(3, 7, 2000, 1))
}

// TestManyHosts: 20,000 hosts in one business, all served.
func TestManyHosts(t *testing.T) {
	d := ManyHosts(4, 20_000)
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	s := NewTestServer(t, Options{Data: d, StrictLimits: true})
	params := map[string]string{"bk_biz_id": "4"}
	for _, gw := range gateways {
		r := callAPI(t, s, gw, apiReq{api: APIListBizHosts, params: params, body: map[string]any{"page": page(19_999, 500, "bk_host_id")}})
		count, info := r.records(t)
		if count != 20_000 || len(info) != 1 || info[0].int(t, "bk_host_id") != 120_000 {
			t.Fatalf("%s: count %d, %d records", gw, count, len(info))
		}
	}
}

// TestTopologyExampleFile: the hand-written example of the README loads and
// is served as described there.
func TestTopologyExampleFile(t *testing.T) {
	d, err := LoadDataset(filepath.Join("testdata", "topology.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewTestServer(t, Options{Data: d})
	for _, gw := range gateways {
		if got := walkIDs(t, s, gw, bizReq(map[string]any{"condition": map[string]any{"bk_biz_name": "web-shop"}}), "bk_biz_id", 5, "bk_biz_id"); !slices.Equal(got, []int64{2, 3}) {
			t.Fatalf("search_business web-shop: %v", got)
		}
		if got := walkIDs(t, s, gw, apiReq{api: APISearchSet, params: webShop, body: map[string]any{"condition": map[string]any{"set_template_id": 11}}}, "bk_set_id", 5, "bk_set_id"); !slices.Equal(got, []int64{22, 23}) {
			t.Fatalf("search_set template 11: %v", got)
		}
		if got := walkIDs(t, s, gw, hostsReq(map[string]any{"bk_set_ids": []int64{22}}), "bk_host_id", 5, ""); !slices.Equal(got, []int64{1001, 1002}) {
			t.Fatalf("hosts of set 22: %v", got)
		}
		if got := walkIDs(t, s, gw, hostsReq(map[string]any{"bk_module_ids": []int64{111}}), "bk_host_id", 5, ""); !slices.Equal(got, []int64{1002}) {
			t.Fatalf("hosts of module 111: %v", got)
		}
		if count, info := fetch(t, s, gw, 2, 11, 0, 10); count != 2 || info[0].ID != 5001 {
			t.Fatalf("instances of template 11: %d", count)
		}
	}
	_, info := callAPI(t, s, GatewayAPIGW, hostsReq(map[string]any{"page": page(0, 10, ""), "host_property_filter": qbAnd(qbRuleOf("bk_host_id", "equal", 1002))})).records(t)
	if len(info) != 1 || string(info[0]["bk_os_type"]) != "null" || info[0].str(t, "bk_host_outerip") != "" || info[0].int(t, "bk_cloud_id") != 2 {
		t.Fatalf("host 1002: %v", info)
	}
}

// TestREADMEExample: the topology example in README.md is a valid dataset.
func TestREADMEExample(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(raw), "## Describing a topology by hand")
	_, block, _ := strings.Cut(rest, "```json\n")
	block, _, _ = strings.Cut(block, "```")
	var d Dataset
	if err := json.Unmarshal([]byte(block), &d); err != nil {
		t.Fatalf("README example: %v\n%s", err, block)
	}
	if err := d.Validate(); err != nil || len(d.Sets) != 2 || len(d.ServiceInstances) != 1 || len(d.Processes) != 1 || len(d.Processes[0].BindInfo) != 2 {
		t.Fatalf("README example: %v (%d sets)", err, len(d.Sets))
	}
}

// TestOldDatasetFile: a file of the first format (no sets, hosts without
// modules) still loads and serves: instances as before, its modules in no
// set, its hosts in their business.
func TestOldDatasetFile(t *testing.T) {
	d, err := LoadDataset(filepath.Join("testdata", "v1-dataset.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewTestServer(t, Options{Data: d})
	for _, gw := range gateways {
		if count, info := fetch(t, s, gw, 2, 11, 0, 10); count != 1 || info[0].ID != 5001 || info[0].Labels["zone"] != "sz-1" {
			t.Fatalf("instances: %d %+v", count, info)
		}
		_, mods := callAPI(t, s, gw, apiReq{api: APISearchModule, params: webShopAll, body: map[string]any{"page": page(0, 10, "")}}).records(t)
		if len(mods) != 1 || mods[0].int(t, "bk_module_id") != 101 || mods[0].int(t, "bk_set_id") != 0 {
			t.Fatalf("modules: %v", mods)
		}
		if got := walkIDs(t, s, gw, hostsReq(nil), "bk_host_id", 5, ""); !slices.Equal(got, []int64{1001}) {
			t.Fatalf("hosts: %v", got)
		}
		if count, _ := callAPI(t, s, gw, apiReq{api: APISearchSet, params: webShop}).records(t); count != 0 {
			t.Fatalf("sets: %d", count)
		}
	}
}

// TestValidateTopology: the references of the new entities are checked.
func TestValidateTopology(t *testing.T) {
	load := func(t *testing.T) *Dataset {
		d, err := LoadDataset(filepath.Join("testdata", "topology.json"))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cases := []struct {
		name   string
		change func(d *Dataset)
		reason string
	}{
		{"two resource pools", func(d *Dataset) { d.Businesses[2].Default = 1 }, "one resource pool"},
		{"set of an unknown business", func(d *Dataset) { d.Sets[2].BizID = 9 }, "unknown business 9"},
		{"set from another business's template", func(d *Dataset) { d.Sets[4].SetTemplateID = 11 }, "not a template of business 3"},
		{"two idle pools", func(d *Dataset) { d.Sets[2].Default = 1 }, "one idle pool set"},
		{"module without a set", func(d *Dataset) { d.Modules[4].SetID = 0 }, "set 0 is not a set of business 2"},
		{"module with another template than its set", func(d *Dataset) { d.Modules[4].SetTemplateID = 0 }, "differs from its set's"},
		{"idle module outside the idle pool", func(d *Dataset) { d.Modules[4].Default = 1 }, "must be in the idle pool set"},
		{"module default 4", func(d *Dataset) { d.Modules[1].Default = 4 }, "default must be 0, 1"},
		{"host in a module of another business", func(d *Dataset) { d.Hosts[0].ModuleIDs = []int64{120} }, "not a module of business 2"},
		{"host in a module twice", func(d *Dataset) { d.Hosts[0].ModuleIDs = []int64{110, 110} }, "listed twice"},
		{"instance on a host outside its module", func(d *Dataset) { d.ServiceInstances[0].HostID = 1003 }, "host 1003 is not in module 110"},
		{"negative cloud", func(d *Dataset) { d.Hosts[0].CloudID = -1 }, "bk_cloud_id"},
		{"bad template time", func(d *Dataset) { d.SetTemplates[0].CreateTime = "yesterday" }, "RFC 3339"},
		{"module set in a dataset without sets", func(d *Dataset) { d.Sets = nil }, "the dataset has no sets"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t)
			tc.change(d)
			if err := d.Validate(); err == nil || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("error %v, want one about %q", err, tc.reason)
			}
		})
	}
	d := load(t)
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "round.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if back, err := LoadDataset(path); err != nil || !reflect.DeepEqual(back, d) {
		t.Fatalf("round trip: %v", err)
	}
}

// TestTemplates: n instances spread evenly over the templates, each in one of its own
// modules, consistent and deterministic.
func TestTemplates(t *testing.T) {
	d := Templates(3, 40, 4, 50, 2000, 1)
	checkConsistent(t, d)
	modulesOf := map[int64]int64{} // module → template
	for _, m := range d.Modules {
		modulesOf[m.ID] = m.SetTemplateID
	}
	used := map[int64]bool{}
	for k := range int64(4) {
		got := d.Instances(3, 40+k)
		if len(got) != 500 {
			t.Fatalf("template %d: %d instances, want 500", 40+k, len(got))
		}
		for _, in := range got {
			if modulesOf[in.ModuleID] != 40+k {
				t.Fatalf("instance %d of template %d is in module %d of template %d", in.ID, 40+k, in.ModuleID, modulesOf[in.ModuleID])
			}
			used[in.ModuleID] = true
		}
	}
	if len(d.Modules) != 4*50+3 || len(used) < 4*50*9/10 {
		t.Errorf("%d modules (%d with instances), want 4×50 + the idle pool's 3, nearly all used", len(d.Modules), len(used))
	}
	if !reflect.DeepEqual(d, Templates(3, 40, 4, 50, 2000, 1)) {
		t.Error("not deterministic")
	}
}
