package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// topoData is the emulator's default generated topology: the business "web-shop" among
// decoys a fuzzy search also returns, set templates "web", "gamesvr" and "db-cluster",
// sets per template, the idle pool, hosts with several or no IPs and null OS types.
func topoData(t *testing.T) (*emulator.Dataset, emulator.Business, emulator.SetTemplate) {
	t.Helper()
	d := emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})
	var biz emulator.Business
	for _, b := range d.Businesses {
		if b.Name == "web-shop" {
			biz = b
		}
	}
	var tpl emulator.SetTemplate
	for _, st := range d.SetTemplatesOf(biz.ID) {
		if st.Name == "gamesvr" {
			tpl = st
		}
	}
	if biz.ID == 0 || tpl.ID == 0 || len(d.BusinessesMatching("web-shop")) < 2 {
		t.Fatal("the generated dataset lacks web-shop, its gamesvr template or the decoys")
	}
	return d, biz, tpl
}

// setsOfTemplate are the sets of biz built from tpl.
func setsOfTemplate(d *emulator.Dataset, biz, tpl int64) []emulator.Set {
	return slices.DeleteFunc(d.SetsOf(biz), func(s emulator.Set) bool { return s.SetTemplateID != tpl })
}

// TestAccTopologyChain reads the whole chain, name → ids → sets, modules, instances →
// hosts, on both gateways, in pages of 7 (every list spans several pages, and the
// emulator answers in no order unless asked to sort), and checks every record of every
// data source against the emulator's own answer, ascending by id.
func TestAccTopologyChain(t *testing.T) {
	d, biz, tpl := topoData(t)
	sets := setsOfTemplate(d, biz.ID, tpl.ID)
	set := sets[0]
	setModules := d.ModulesOf(biz.ID, set.ID)
	module := setModules[0]
	instances := d.Instances(biz.ID, tpl.ID)
	var hostIDs, moduleIDs []int64
	for _, in := range instances {
		hostIDs = append(hostIDs, in.HostID)
		moduleIDs = append(moduleIDs, in.ModuleID)
	}
	hostIDs, moduleIDs = slices.Compact(slices.Sorted(slices.Values(hostIDs))), slices.Compact(slices.Sorted(slices.Values(moduleIDs)))
	sameServiceTemplate := slices.DeleteFunc(d.ModulesOf(biz.ID, 0), func(m emulator.Module) bool {
		return m.ServiceTemplateID != module.ServiceTemplateID
	})
	if len(sameServiceTemplate) < 2 || len(d.HostsOf(biz.ID, nil, nil, nil)) <= 7 || len(sets) < 2 {
		t.Fatal("the dataset does not exercise the filters and paging")
	}
	config := fmt.Sprintf(`
data "bkcmdb_business" "by_name" {
  name = "web-shop"
}
data "bkcmdb_business" "by_id" {
  bk_biz_id = data.bkcmdb_business.by_name.bk_biz_id
}
data "bkcmdb_set_template" "by_name" {
  bk_biz_id = data.bkcmdb_business.by_name.bk_biz_id
  name      = "gamesvr"
}
data "bkcmdb_set_template" "by_id" {
  bk_biz_id = data.bkcmdb_business.by_name.bk_biz_id
  id        = data.bkcmdb_set_template.by_name.id
}
data "bkcmdb_sets" "all" {
  bk_biz_id = %[1]d
}
data "bkcmdb_sets" "of_template" {
  bk_biz_id       = %[1]d
  set_template_id = data.bkcmdb_set_template.by_name.id
}
data "bkcmdb_sets" "by_name" {
  bk_biz_id = %[1]d
  name      = %[2]q
}
data "bkcmdb_modules" "all" {
  bk_biz_id = %[1]d
}
data "bkcmdb_modules" "of_set" {
  bk_biz_id = %[1]d
  bk_set_id = %[3]d
}
data "bkcmdb_modules" "by_name" {
  bk_biz_id = %[1]d
  bk_set_id = %[3]d
  name      = %[4]q
}
data "bkcmdb_modules" "of_service_template" {
  bk_biz_id           = %[1]d
  service_template_id = %[5]d
}
data "bkcmdb_service_instances" "chain" {
  bk_biz_id       = data.bkcmdb_business.by_name.bk_biz_id
  set_template_id = data.bkcmdb_set_template.by_name.id
}
data "bkcmdb_hosts" "all" {
  bk_biz_id = %[1]d
}
data "bkcmdb_hosts" "of_instances" {
  bk_biz_id   = %[1]d
  bk_host_ids = distinct(data.bkcmdb_service_instances.chain.instances[*].bk_host_id)
}
data "bkcmdb_hosts" "of_modules_and_sets" {
  bk_biz_id     = %[1]d
  bk_module_ids = distinct(data.bkcmdb_service_instances.chain.instances[*].bk_module_id)
  bk_set_ids    = [%[3]d]
}
`, biz.ID, set.Name, set.ID, module.Name, module.ServiceTemplateID)
	checks := []statecheck.StateCheck{
		expectObject{"data.bkcmdb_business.by_name", wantBusiness(biz)},
		expectObject{"data.bkcmdb_business.by_id", wantBusiness(biz)},
		expectObject{"data.bkcmdb_set_template.by_name", wantSetTemplate(tpl)},
		expectObject{"data.bkcmdb_set_template.by_id", wantSetTemplate(tpl)},
		expectObjects{"data.bkcmdb_sets.all", "sets", wantSets(d.SetsOf(biz.ID))},
		expectObjects{"data.bkcmdb_sets.of_template", "sets", wantSets(sets)},
		expectObjects{"data.bkcmdb_sets.by_name", "sets", wantSets(slices.DeleteFunc(d.SetsOf(biz.ID), func(s emulator.Set) bool { return s.Name != set.Name }))},
		expectObjects{"data.bkcmdb_modules.all", "modules", wantModules(d.ModulesOf(biz.ID, 0))},
		expectObjects{"data.bkcmdb_modules.of_set", "modules", wantModules(setModules)},
		expectObjects{"data.bkcmdb_modules.by_name", "modules", wantModules(slices.DeleteFunc(slices.Clone(setModules), func(m emulator.Module) bool { return m.Name != module.Name }))},
		expectObjects{"data.bkcmdb_modules.of_service_template", "modules", wantModules(sameServiceTemplate)},
		expectInstances{addr: "data.bkcmdb_service_instances.chain", want: instances},
		expectObjects{"data.bkcmdb_hosts.all", "hosts", wantHosts(d.HostsOf(biz.ID, nil, nil, nil))},
		expectObjects{"data.bkcmdb_hosts.of_instances", "hosts", wantHosts(d.HostsOf(biz.ID, nil, nil, hostIDs))},
		expectObjects{"data.bkcmdb_hosts.of_modules_and_sets", "hosts", wantHosts(d.HostsOf(biz.ID, []int64{set.ID}, moduleIDs, nil))},
	}
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					// zh-cn: CMDB translates the idle pool's set and module names into English
					// for en; the dataset holds them as stored.
					Config:            providerBlock(gateway, baseURLFor(srv, gateway), "page_size = 7", `language = "zh-cn"`) + config,
					ConfigStateChecks: checks,
				}},
			})
			sorted := map[string]bool{}
			for _, r := range srv.Requests() {
				if r.Gateway != gateway {
					t.Errorf("request %s went to gateway %q", r.Path, r.Gateway)
				}
				if r.API != "" {
					sorted[r.API] = sorted[r.API] || strings.Contains(string(r.Body), `"sort":`)
				}
			}
			for _, api := range []string{emulator.APISearchBusiness, emulator.APIListSetTemplate, emulator.APISearchSet, emulator.APISearchModule, emulator.APIListBizHosts} {
				if !sorted[api] {
					t.Errorf("no %s request asked for page.sort", api)
				}
			}
		})
	}
}

// TestAccTopologyFrameworkRead reads one data source of each kind through the framework's
// own read (the fallback of the served server): the same state.
func TestAccTopologyFrameworkRead(t *testing.T) {
	d, biz, tpl := topoData(t)
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: d})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: frameworkProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("apigw", srv.APIGWURL()) + fmt.Sprintf(`
data "bkcmdb_business" "b" {
  name = "web-shop"
}
data "bkcmdb_set_template" "t" {
  bk_biz_id = %[1]d
  name      = "gamesvr"
}
data "bkcmdb_hosts" "h" {
  bk_biz_id = %[1]d
}
`, biz.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				expectObject{"data.bkcmdb_business.b", wantBusiness(biz)},
				expectObject{"data.bkcmdb_set_template.t", wantSetTemplate(tpl)},
				expectObjects{"data.bkcmdb_hosts.h", "hosts", wantHosts(d.HostsOf(biz.ID, nil, nil, nil))},
			},
		}},
	})
}

// TestAccLookupErrors checks the one clear error of each lookup that finds nothing or
// more than one thing: the summary says "not found" or lists the ids, and names the API
// and the value looked for.
func TestAccLookupErrors(t *testing.T) {
	d, biz, tpl := topoData(t)
	var resourcePool int64
	for _, b := range d.Businesses {
		if b.Default == 1 {
			resourcePool = b.ID
		}
	}
	cases := []struct {
		name    string
		opts    func(*emulator.Options)
		mutate  func(m *emulator.Mutator)
		config  string
		pattern string
	}{
		{"business named as a substring of others only", nil, nil, `
data "bkcmdb_business" "x" {
  name = "web"
}`, `search_business: no business named "web" \(not found\)(?s).*only returns the\s+businesses the caller may see`},
		{"business name differs in case", nil, nil, `
data "bkcmdb_business" "x" {
  name = "WEB-SHOP"
}`, `search_business: no business named "WEB-SHOP" \(not found\)`},
		{"business hidden by IAM", func(o *emulator.Options) { o.HiddenBusinesses = []int64{biz.ID} }, nil, `
data "bkcmdb_business" "x" {
  name = "web-shop"
}`, `search_business: no business named "web-shop" \(not found\)(?s).*permission control \(IAM\)`},
		{"the resource pool business by id", nil, nil, fmt.Sprintf(`
data "bkcmdb_business" "x" {
  bk_biz_id = %d
}`, resourcePool), fmt.Sprintf(`search_business: no business with ID %d \(not found\)`, resourcePool)},
		{"two businesses of one name", nil, func(m *emulator.Mutator) {
			m.InsertBusiness(emulator.Business{ID: 90, Name: "web-shop"})
		}, `
data "bkcmdb_business" "x" {
  name = "web-shop"
}`, fmt.Sprintf(`search_business: 2 businesses named "web-shop" \(ids %d, 90\)`, biz.ID)},
		{"set template not found", nil, nil, fmt.Sprintf(`
data "bkcmdb_set_template" "x" {
  bk_biz_id = %d
  name      = "gamesvr-2"
}`, biz.ID), fmt.Sprintf(`list_set_template: no set template named "gamesvr-2" in business %d \(not found\)`, biz.ID)},
		{"two set templates of one name", nil, func(m *emulator.Mutator) {
			m.InsertSetTemplate(emulator.SetTemplate{ID: 900, BizID: biz.ID, Name: "gamesvr"})
		}, fmt.Sprintf(`
data "bkcmdb_set_template" "x" {
  bk_biz_id = %d
  name      = "gamesvr"
}`, biz.ID), fmt.Sprintf(`list_set_template: 2 set templates named "gamesvr" in business %d\s+\(ids %d, 900\)`, biz.ID, tpl.ID)},
		{"set template id of another business", nil, nil, fmt.Sprintf(`
data "bkcmdb_set_template" "x" {
  bk_biz_id = %d
  id        = 99999
}`, biz.ID), `list_set_template: no set template with ID 99999 in business \d+ \(not found\)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearProviderEnv(t)
			opts := emulator.Options{Data: d}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			srv := newEmulator(t, opts)
			if tc.mutate != nil {
				tc.mutate(srv.Mutator())
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock("esb", srv.URL()) + tc.config,
					ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.pattern, " ", `\s+`)),
				}},
			})
		})
	}
}

// TestAccTopologyValidation checks the plan-time errors of the new data sources: exactly
// one of name and id, ids of 1 or more; no request reaches the CMDB.
func TestAccTopologyValidation(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})})
	cases := map[string]struct{ config, want string }{
		"business with name and id": {`data "bkcmdb_business" "x" {
  name      = "web-shop"
  bk_biz_id = 2
}`, `(?s)Invalid Attribute Combination.*name.*bk_biz_id`},
		"business with neither": {`data "bkcmdb_business" "x" {}`, `(?s)Missing Attribute Configuration.*name,bk_biz_id`},
		"business id zero":      {`data "bkcmdb_business" "x" { bk_biz_id = 0 }`, `(?s)bk_biz_id.*at least 1`},
		"business empty name":   {`data "bkcmdb_business" "x" { name = "" }`, `(?s)name.*length`},
		"set template with neither": {`data "bkcmdb_set_template" "x" { bk_biz_id = 2 }`,
			`(?s)Missing Attribute Configuration.*name,id`},
		"set template with both": {`data "bkcmdb_set_template" "x" {
  bk_biz_id = 2
  name      = "gamesvr"
  id        = 12
}`, `(?s)Invalid Attribute Combination`},
		"set template biz zero": {`data "bkcmdb_set_template" "x" {
  bk_biz_id = 0
  id        = 12
}`, `(?s)bk_biz_id.*at least 1`},
		"sets template zero": {`data "bkcmdb_sets" "x" {
  bk_biz_id       = 2
  set_template_id = 0
}`, `(?s)set_template_id.*at least 1`},
		"modules set negative": {`data "bkcmdb_modules" "x" {
  bk_biz_id = 2
  bk_set_id = -1
}`, `(?s)bk_set_id.*at least 1`},
		"hosts id zero in a list": {`data "bkcmdb_hosts" "x" {
  bk_biz_id   = 2
  bk_host_ids = [1, 0]
}`, `(?s)bk_host_ids.*at least 1`},
		"hosts biz missing": {`data "bkcmdb_hosts" "x" {}`, `(?s)bk_biz_id.*required`},
	}
	for name, tc := range cases {
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

// hostsBody is what a list_biz_hosts request asked for.
type hostsBody struct {
	SetIDs     []int64 `json:"bk_set_ids"`
	ModuleIDs  []int64 `json:"bk_module_ids"`
	HostFilter *struct {
		Rules []struct {
			Field, Operator string
			Value           []int64
		} `json:"rules"`
	} `json:"host_property_filter"`
	Page struct{ Start, Limit int } `json:"page"`
}

// TestAccHostsSplitsLongIDLists asks bkcmdb_hosts for more ids than one request may carry
// (1,234 host ids, 1,100 module ids, 450 set ids) from an emulator that refuses longer
// lists: every request stays within the API's limits (≤200 set ids, ≤500 module ids, ≤500
// values in the in rule), and the merged answer is exactly the hosts that match all three
// lists, ascending, without duplicates (a host in two modules of two chunks counts once).
// An empty list matches no host and sends no request.
func TestAccHostsSplitsLongIDLists(t *testing.T) {
	clearProviderEnv(t)
	const biz = 2
	d := emulator.ManyHosts(biz, 1500)
	hosts := d.HostsOf(biz, nil, nil, nil)
	var hostIDs []int64
	for i, h := range hosts {
		if i%6 != 5 { // leave some out, so that the filter shows
			hostIDs = append(hostIDs, h.ID)
		}
	}
	hostIDs = hostIDs[:1234]
	var moduleIDs, setIDs []int64
	for _, m := range d.ModulesOf(biz, 0) {
		moduleIDs = append(moduleIDs, m.ID)
		setIDs = append(setIDs, m.SetID)
	}
	for i := int64(1); len(moduleIDs) < 1100; i++ {
		moduleIDs = append(moduleIDs, 500000+i) // modules that do not exist
	}
	setIDs = slices.Compact(slices.Sorted(slices.Values(setIDs)))
	for i := int64(1); len(setIDs) < 450; i++ {
		setIDs = append(setIDs, 700000+i)
	}
	want := d.HostsOf(biz, setIDs, moduleIDs, hostIDs)
	if len(want) < 1000 {
		t.Fatalf("only %d hosts match: the test would not span several chunks", len(want))
	}
	list := func(ids []int64) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = fmt.Sprint(id)
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			srv := newEmulator(t, emulator.Options{Data: d})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(gateway, baseURLFor(srv, gateway)) + fmt.Sprintf(`
data "bkcmdb_hosts" "split" {
  bk_biz_id     = %d
  bk_host_ids   = %s
  bk_module_ids = %s
  bk_set_ids    = %s
}
data "bkcmdb_hosts" "none" {
  bk_biz_id   = %[1]d
  bk_host_ids = []
}
`, biz, list(hostIDs), list(moduleIDs), list(setIDs)),
					ConfigStateChecks: []statecheck.StateCheck{
						expectObjects{"data.bkcmdb_hosts.split", "hosts", wantHosts(want)},
						expectObjects{"data.bkcmdb_hosts.none", "hosts", []map[string]any{}},
					},
				}},
			})
			calls := 0
			for _, r := range srv.Requests() {
				if r.API != emulator.APIListBizHosts {
					continue
				}
				var b hostsBody
				if err := json.Unmarshal(r.Body, &b); err != nil {
					t.Fatal(err)
				}
				if b.HostFilter == nil || len(b.HostFilter.Rules) != 1 {
					t.Fatalf("a list_biz_hosts request without the bk_host_id rule: %s", r.Body)
				}
				if in := b.HostFilter.Rules[0].Value; len(b.SetIDs) > 200 || len(b.ModuleIDs) > 500 || len(in) > 500 || len(in) == 0 {
					t.Errorf("a request carried %d set ids, %d module ids, %d host ids", len(b.SetIDs), len(b.ModuleIDs), len(in))
				}
				if r.Code != 0 {
					t.Errorf("a list_biz_hosts request was answered code %d", r.Code)
				}
				if b.Page.Start == 0 {
					calls++
				}
			}
			// 1,234 host ids → 3 chunks, 1,100 module ids → 3, 450 set ids → 3: 27 walks per read.
			if calls == 0 || calls%27 != 0 {
				t.Errorf("%d walks started, want 27 per read (3 × 3 × 3 chunks)", calls)
			}
		})
	}
}

// TestAccTopologyDataChanges changes the data while bkcmdb_hosts and bkcmdb_modules page
// through it: the read is walked again and ends in the final data, exactly.
func TestAccTopologyDataChanges(t *testing.T) {
	clearProviderEnv(t)
	d, biz, _ := topoData(t)
	srv := newEmulator(t, emulator.Options{Data: d})
	moduleID := d.ModulesOf(biz.ID, 0)[3].ID
	var changed []string
	srv.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
		if p.Start == 0 || len(changed) >= 2 {
			return
		}
		switch p.API {
		case emulator.APIListBizHosts:
			if !slices.Contains(changed, p.API) {
				m.DeleteHost(d.HostsOf(biz.ID, nil, nil, nil)[1].ID) // a host already read
				m.InsertHost(emulator.Host{ID: 999001, BizID: biz.ID, InnerIP: "10.9.9.9,10.9.9.10", ModuleIDs: []int64{moduleID}})
				changed = append(changed, p.API)
			}
		case emulator.APISearchModule:
			if !slices.Contains(changed, p.API) {
				m.InsertModule(emulator.Module{ID: 999002, Name: "late", BizID: biz.ID, SetID: d.ModulesOf(biz.ID, 0)[0].SetID})
				changed = append(changed, p.API)
			}
		}
	})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("apigw", srv.APIGWURL(), "page_size = 10", "parallelism = 1", `language = "zh-cn"`) + fmt.Sprintf(`
data "bkcmdb_hosts" "h" {
  bk_biz_id = %[1]d
}
data "bkcmdb_modules" "m" {
  bk_biz_id = %[1]d
}
`, biz.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				checkFunc(func(req statecheck.CheckStateRequest) error {
					now := srv.Snapshot()
					if err := (expectObjects{"data.bkcmdb_hosts.h", "hosts", wantHosts(now.HostsOf(biz.ID, nil, nil, nil))}).check(req); err != nil {
						return err
					}
					return expectObjects{"data.bkcmdb_modules.m", "modules", wantModules(now.ModulesOf(biz.ID, 0))}.check(req)
				}),
			},
		}},
	})
	if len(changed) != 2 {
		t.Fatalf("the data changed during %v only", changed)
	}
}

// TestAccTopologyAPIErrors fails each API once, with a gateway error that is not retried:
// the diagnostic names the API, the status and the code.
func TestAccTopologyAPIErrors(t *testing.T) {
	d, biz, _ := topoData(t)
	configs := map[string]string{
		emulator.APISearchBusiness:  `data "bkcmdb_business" "x" { name = "web-shop" }`,
		emulator.APIListSetTemplate: fmt.Sprintf("data \"bkcmdb_set_template\" \"x\" {\n  bk_biz_id = %d\n  name = \"gamesvr\"\n}", biz.ID),
		emulator.APISearchSet:       fmt.Sprintf(`data "bkcmdb_sets" "x" { bk_biz_id = %d }`, biz.ID),
		emulator.APISearchModule:    fmt.Sprintf(`data "bkcmdb_modules" "x" { bk_biz_id = %d }`, biz.ID),
		emulator.APIListBizHosts:    fmt.Sprintf(`data "bkcmdb_hosts" "x" { bk_biz_id = %d }`, biz.ID),
	}
	for api, config := range configs {
		t.Run(api, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			srv.Inject(emulator.Fault{API: api, Status: 403, Code: emulator.CodeGWNoPermission})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock("apigw", srv.APIGWURL()) + "\n" + config + "\n",
					ExpectError: regexp.MustCompile(`(?s)` + api + ` failed: HTTP 403, code 1640301.*API: ` + api),
				}},
			})
			if n := srv.RequestCount(); n != 1 {
				t.Errorf("%d requests, want 1 (a 403 is not retried)", n)
			}
		})
	}
}

// TestAccTenantAndSupplierAccount reads a CMDB whose data belongs to supplier account "7":
// tenant_id travels as X-Bk-Tenant-Id on every request, bk_supplier_account in every
// gateway path that names it and in every ESB body; with the default supplier account the
// same business is not found. A multi-tenant CMDB answers the tenant it knows and refuses
// a request without it.
func TestAccTenantAndSupplierAccount(t *testing.T) {
	d, biz, tpl := topoData(t)
	d = d.Clone()
	d.SupplierAccount = "7"
	chain := fmt.Sprintf(`
data "bkcmdb_business" "b" {
  name = "web-shop"
}
data "bkcmdb_sets" "s" {
  bk_biz_id       = data.bkcmdb_business.b.bk_biz_id
  set_template_id = %d
}
data "bkcmdb_modules" "m" {
  bk_biz_id = data.bkcmdb_business.b.bk_biz_id
}
`, tpl.ID)
	found := []statecheck.StateCheck{
		expectObject{"data.bkcmdb_business.b", map[string]any{"bk_biz_id": biz.ID, "bk_biz_name": "web-shop"}},
		expectObjects{"data.bkcmdb_sets.s", "sets", wantSets(setsOfTemplate(d, biz.ID, tpl.ID))},
	}
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			url := baseURLFor(srv, gateway)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config:            providerBlock(gateway, url, `tenant_id = "default"`, `bk_supplier_account = "7"`, `language = "zh-cn"`) + chain,
						ConfigStateChecks: found,
					},
					{
						Config:      providerBlock(gateway, url, `tenant_id = "default"`) + chain,
						ExpectError: regexp.MustCompile(`search_business: no business named "web-shop" \(not found\)`),
					},
				},
			})
			seen := map[string]bool{}
			for _, r := range srv.Requests() {
				if got := r.Header.Get("X-Bk-Tenant-Id"); got != "default" {
					t.Errorf("%s: X-Bk-Tenant-Id %q, want default", r.Path, got)
				}
				if r.API == "" {
					continue
				}
				seen[r.API] = true
				var body struct {
					SupplierAccount *string `json:"bk_supplier_account"`
				}
				_ = json.Unmarshal(r.Body, &body)
				names := r.API == emulator.APISearchBusiness || r.API == emulator.APISearchSet || r.API == emulator.APISearchModule
				switch {
				case gateway == "esb" && (body.SupplierAccount == nil || (*body.SupplierAccount != "7" && *body.SupplierAccount != "0")):
					t.Errorf("%s: ESB body bk_supplier_account %v", r.API, body.SupplierAccount)
				case gateway == "apigw" && body.SupplierAccount != nil:
					t.Errorf("%s: gateway body carries bk_supplier_account", r.API)
				case gateway == "apigw" && names && !regexp.MustCompile(`/(7|0)(/|$)`).MatchString(r.Path):
					t.Errorf("%s: gateway path %s holds no supplier account", r.API, r.Path)
				}
			}
			if !seen[emulator.APISearchBusiness] || !seen[emulator.APISearchSet] || !seen[emulator.APISearchModule] {
				t.Errorf("APIs seen: %v", seen)
			}

			multi := newEmulator(t, emulator.Options{Data: d, MultiTenant: true, Tenants: []string{"tenant-a"}})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config:            providerBlock(gateway, baseURLFor(multi, gateway), `tenant_id = "tenant-a"`, `language = "zh-cn"`) + chain,
						ConfigStateChecks: found[:1],
					},
					{
						Config:      providerBlock(gateway, baseURLFor(multi, gateway)) + chain,
						ExpectError: regexp.MustCompile(`(?s)search_business failed: .*code 1100005`),
					},
				},
			})
		})
	}
}
