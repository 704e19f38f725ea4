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

// groupData is the generated dataset with web-shop's groups: 1 canary (hosts of sets
// web-gz and web-sh in cloud area 0), 5 formal-sets (sets of bk_set_env "3"), 7
// empty-hosts; decoys a fuzzy search for canary also finds (canary-2, canary-sets,
// pre-canary), and Canary.
func groupData(t *testing.T) (*emulator.Dataset, []emulator.Host, []emulator.Set) {
	t.Helper()
	d := emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})
	var gzsh []int64
	var formal []emulator.Set
	for _, s := range d.SetsOf(2) {
		if s.Name == "web-gz" || s.Name == "web-sh" {
			gzsh = append(gzsh, s.ID)
		}
		if s.Env == "3" {
			formal = append(formal, s)
		}
	}
	canary := slices.DeleteFunc(d.HostsOf(2, gzsh, nil, nil), func(h emulator.Host) bool { return h.CloudID != 0 })
	names := map[string]bool{}
	for _, g := range d.DynamicGroupsOf(2) {
		names[g.Name] = true
	}
	if len(canary) < 4 || len(formal) < 4 || !names["canary-2"] || !names["pre-canary"] || !names["Canary"] {
		t.Fatal("the dataset lacks the groups or their decoys")
	}
	return d, canary, formal
}

// TestAccDynamicGroup looks groups up by exact name among fuzzy decoys and by id, on
// both gateways in pages of 3: a host group gives hosts of the bkcmdb_hosts element type
// and sets []; a set group gives sets of the bkcmdb_sets element type and hosts []; a
// group that selects nothing gives []. Every request sends fields and page.sort by the
// id of what it reads.
func TestAccDynamicGroup(t *testing.T) {
	d, canary, formal := groupData(t)
	config := fmt.Sprintf(`
data "bkcmdb_dynamic_group" "canary" {
  bk_biz_id = 2
  name      = "canary"
}
data "bkcmdb_dynamic_group" "formal" {
  bk_biz_id = 2
  id        = %q
}
data "bkcmdb_dynamic_group" "empty" {
  bk_biz_id = 2
  name      = "empty-hosts"
}
`, emulator.GeneratedGroupID(5))
	checks := []statecheck.StateCheck{
		expectObject{"data.bkcmdb_dynamic_group.canary", map[string]any{"id": emulator.GeneratedGroupID(1), "name": "canary", "bk_obj_id": "host"}},
		expectObjects{"data.bkcmdb_dynamic_group.canary", "hosts", wantHosts(canary)},
		expectObjects{"data.bkcmdb_dynamic_group.canary", "sets", nil},
		expectObject{"data.bkcmdb_dynamic_group.formal", map[string]any{"id": emulator.GeneratedGroupID(5), "name": "formal-sets", "bk_obj_id": "set"}},
		expectObjects{"data.bkcmdb_dynamic_group.formal", "sets", wantSets(formal)},
		expectObjects{"data.bkcmdb_dynamic_group.formal", "hosts", nil},
		expectObjects{"data.bkcmdb_dynamic_group.empty", "hosts", nil},
		expectObjects{"data.bkcmdb_dynamic_group.empty", "sets", nil},
	}
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:            providerBlock(gateway, baseURLFor(srv, gateway), "page_size = 3") + config,
					ConfigStateChecks: checks,
				}},
			})
			sorts := map[string]bool{}
			for _, r := range srv.Requests() {
				var body struct {
					Fields []string
					Page   struct{ Sort string }
				}
				_ = json.Unmarshal(r.Body, &body)
				if r.API == emulator.APISearchDynamicGroup || r.API == emulator.APIExecuteDynamicGroup {
					if len(body.Fields) == 0 {
						t.Errorf("%s without fields: %s", r.API, r.Body)
					}
					sorts[r.API+" "+body.Page.Sort] = true
				}
			}
			for _, want := range []string{"search_dynamic_group id", "execute_dynamic_group bk_host_id", "execute_dynamic_group bk_set_id"} {
				if !sorts[want] {
					t.Errorf("no request %s; got %v", want, sorts)
				}
			}
		})
	}
}

// TestAccDynamicGroupErrors: the lookup rule (not found naming the API and the value,
// several matches naming their ids; a fuzzy decoy is no match), and CMDB's answer for a
// group gone before it is executed.
func TestAccDynamicGroupErrors(t *testing.T) {
	d, _, _ := groupData(t)
	cases := []struct {
		name    string
		mutate  func(m *emulator.Mutator)
		config  string
		pattern string
	}{
		{"a substring of decoys only", nil, `name = "canar"`,
			`search_dynamic_group: no dynamic group named "canar" in business 2 (not found)`},
		{"the name in another case", nil, `name = "CANARY"`,
			`search_dynamic_group: no dynamic group named "CANARY" in business 2 (not found)`},
		{"an unknown id", nil, `id = "5f0000000000000000000000"`,
			`search_dynamic_group: no dynamic group with ID "5f0000000000000000000000" in business 2 (not found)`},
		{"two groups of one name", func(m *emulator.Mutator) {
			m.InsertDynamicGroup(emulator.DynamicGroup{BizID: 2, ID: "zz-second-canary", Name: "canary", ObjID: "host"})
		}, `name = "canary"`, fmt.Sprintf(`search_dynamic_group: 2 dynamic groups named "canary" in business 2 (ids %q, "zz-second-canary")`,
			emulator.GeneratedGroupID(1))},
		{"gone when it is executed (1199019)", nil, `name = "canary"`,
			`execute_dynamic_group failed: HTTP 200, code 1199019`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			if tc.mutate != nil {
				tc.mutate(srv.Mutator())
			}
			if strings.Contains(tc.name, "1199019") {
				srv.Inject(emulator.Fault{API: emulator.APIExecuteDynamicGroup, Code: 1199019, Times: 10})
			}
			pattern := regexp.QuoteMeta(tc.pattern)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock("apigw", srv.APIGWURL()) + "data \"bkcmdb_dynamic_group\" \"x\" {\n  bk_biz_id = 2\n  " + tc.config + "\n}\n",
					ExpectError: regexp.MustCompile(strings.ReplaceAll(pattern, " ", `\s+`)),
				}},
			})
		})
	}
}
