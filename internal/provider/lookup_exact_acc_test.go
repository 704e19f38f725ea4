package provider

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// TestAccLookupExactNames: every lookup by name is an exact match, case included, among
// decoys whose names start with the wanted one, which the wanted one starts with, that
// contain it, or differ only in case, each on both sides of the wanted one's id: the set
// template "gamesvr" beside "gamesvr-canary" and the reverse, the business
// "web-shop-mobile" beside "web-shop", and sets and modules by name likewise.
func TestAccLookupExactNames(t *testing.T) {
	d, biz, tpl := topoData(t)
	decoy := func(id int64, name string) emulator.SetTemplate {
		return emulator.SetTemplate{ID: id, BizID: biz.ID, Name: name, Creator: "admin", Modifier: "admin",
			CreateTime: "2021-01-02T03:04:05Z", LastTime: "2021-01-02T03:04:05Z", SupplierAccount: "0"}
	}
	canary := decoy(5, tpl.Name+"-canary") // an id below the wanted one's
	d.SetTemplates = append(d.SetTemplates, canary, decoy(905, strings.ToUpper(tpl.Name)), decoy(906, "old-"+tpl.Name),
		decoy(907, tpl.Name+"-canary-2"))
	var mobile emulator.Business
	for _, b := range d.Businesses {
		if b.Name == biz.Name+"-mobile" {
			mobile = b
		}
	}
	set := setsOfTemplate(d, biz.ID, tpl.ID)[0]
	for i, name := range []string{set.Name + "-canary", strings.ToUpper(set.Name), "old-" + set.Name} {
		d.Sets = append(d.Sets, emulator.Set{ID: int64(9901 + i), Name: name, BizID: biz.ID, Env: "3", ServiceStatus: "1"})
	}
	module := d.ModulesOf(biz.ID, set.ID)[0]
	for i, name := range []string{module.Name + "-canary", strings.ToUpper(module.Name), "old-" + module.Name} {
		d.Modules = append(d.Modules, emulator.Module{ID: int64(99901 + i), Name: name, BizID: biz.ID, SetID: set.ID,
			SetTemplateID: set.SetTemplateID, ModuleType: "1"})
	}
	if mobile.ID == 0 || tpl.ID <= canary.ID {
		t.Fatal("the dataset lacks web-shop-mobile, or the canary decoy's id is not below gamesvr's")
	}
	named := func(sets []emulator.Set, name string) []emulator.Set {
		return slices.DeleteFunc(slices.Clone(sets), func(s emulator.Set) bool { return s.Name != name })
	}
	namedModules := func(ms []emulator.Module, name string) []emulator.Module {
		return slices.DeleteFunc(slices.Clone(ms), func(m emulator.Module) bool { return m.Name != name })
	}
	config := fmt.Sprintf(`
data "bkcmdb_set_template" "wanted" {
  bk_biz_id = %[1]d
  name      = %[2]q
}
data "bkcmdb_set_template" "canary" {
  bk_biz_id = %[1]d
  name      = %[3]q
}
data "bkcmdb_business" "shop" {
  name = %[4]q
}
data "bkcmdb_business" "mobile" {
  name = %[5]q
}
data "bkcmdb_sets" "wanted" {
  bk_biz_id = %[1]d
  name      = %[6]q
}
data "bkcmdb_sets" "canary" {
  bk_biz_id = %[1]d
  name      = "%[6]s-canary"
}
data "bkcmdb_modules" "wanted" {
  bk_biz_id = %[1]d
  name      = %[7]q
}
data "bkcmdb_modules" "canary" {
  bk_biz_id = %[1]d
  bk_set_id = %[8]d
  name      = "%[7]s-canary"
}
`, biz.ID, tpl.Name, canary.Name, biz.Name, mobile.Name, set.Name, module.Name, set.ID)
	checks := []statecheck.StateCheck{
		expectObject{"data.bkcmdb_set_template.wanted", wantSetTemplate(tpl)},
		expectObject{"data.bkcmdb_set_template.canary", wantSetTemplate(canary)},
		expectObject{"data.bkcmdb_business.shop", wantBusiness(biz)},
		expectObject{"data.bkcmdb_business.mobile", wantBusiness(mobile)},
		expectObjects{"data.bkcmdb_sets.wanted", "sets", wantSets(named(d.SetsOf(biz.ID), set.Name))},
		expectObjects{"data.bkcmdb_sets.canary", "sets", wantSets(named(d.SetsOf(biz.ID), set.Name+"-canary"))},
		expectObjects{"data.bkcmdb_modules.wanted", "modules", wantModules(namedModules(d.ModulesOf(biz.ID, 0), module.Name))},
		expectObjects{"data.bkcmdb_modules.canary", "modules", wantModules(namedModules(d.ModulesOf(biz.ID, set.ID), module.Name+"-canary"))},
	}
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: providerBlock(gateway, baseURLFor(srv, gateway)) + config, ConfigStateChecks: checks}},
			})
			// The names travel in the conditions: CMDB filters, the provider only checks.
			for api, key := range map[string]string{emulator.APISearchSet: "bk_set_name", emulator.APISearchModule: "bk_module_name"} {
				for _, r := range srv.Requests() {
					var b struct{ Condition map[string]any }
					if r.API == api && (json.Unmarshal(r.Body, &b) != nil || b.Condition[key] == nil) {
						t.Errorf("a %s request without %s in its condition: %s", api, key, r.Body)
					}
				}
			}
		})
	}
}

// TestAccNameFiltersCheckedAgain: search_set and search_module apply a name exactly, and
// the provider checks it again rather than trust them: from an answer that ignored the
// name (decoys whose names start with the wanted one or differ in case), bkcmdb_sets and
// bkcmdb_modules keep exactly the set and the module of that name.
func TestAccNameFiltersCheckedAgain(t *testing.T) {
	d, biz, tpl := topoData(t)
	set := setsOfTemplate(d, biz.ID, tpl.ID)[0]
	module := d.ModulesOf(biz.ID, set.ID)[0]
	sets := []emulator.Set{set}
	for i, name := range []string{set.Name + "-canary", strings.ToUpper(set.Name)} {
		sets = append(sets, emulator.Set{ID: int64(9901 + i), Name: name, BizID: biz.ID, SetTemplateID: set.SetTemplateID})
	}
	modules := []emulator.Module{module}
	for i, name := range []string{module.Name + "-canary", strings.ToUpper(module.Name)} {
		m := module
		m.ID, m.Name = int64(99901+i), name
		modules = append(modules, m)
	}
	answer := func(records any, n int) string {
		b, err := json.Marshal(records)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`{"result":true,"code":0,"message":"success","data":{"count":%d,"info":%s}}`, n, b)
	}
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			srv.Inject(emulator.Fault{API: emulator.APISearchSet, Body: answer(sets, len(sets)), Times: 100},
				emulator.Fault{API: emulator.APISearchModule, Body: answer(modules, len(modules)), Times: 100})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(gateway, baseURLFor(srv, gateway)) + fmt.Sprintf(`
data "bkcmdb_sets" "x" {
  bk_biz_id       = %[1]d
  set_template_id = %[2]d
  name            = %[3]q
}
data "bkcmdb_modules" "x" {
  bk_biz_id = %[1]d
  bk_set_id = %[4]d
  name      = %[5]q
}
`, biz.ID, set.SetTemplateID, set.Name, set.ID, module.Name),
					ConfigStateChecks: []statecheck.StateCheck{
						expectObjects{"data.bkcmdb_sets.x", "sets", wantSets(sets[:1])},
						expectObjects{"data.bkcmdb_modules.x", "modules", wantModules(modules[:1])},
					},
				}},
			})
		})
	}
}
