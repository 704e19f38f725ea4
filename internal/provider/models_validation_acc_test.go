package provider

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// TestAccModelsValidation checks the plan-time errors of bkcmdb_instances,
// bkcmdb_cloud_areas and bkcmdb_dynamic_group: a built-in model (naming the data source
// to use instead), conditions that are not a JSON object with condition and rules,
// exactly one of name and id; no request reaches the CMDB.
func TestAccModelsValidation(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})})
	cases := map[string]struct{ config, want string }{
		"built-in biz": {`data "bkcmdb_instances" "x" { bk_obj_id = "biz" }`,
			`(?s)Invalid bk_obj_id.*"biz" is a built-in model.*use the data source bkcmdb_business instead`},
		"built-in host": {`data "bkcmdb_instances" "x" { bk_obj_id = "host" }`, `(?s)built-in model.*bkcmdb_hosts`},
		"built-in set":  {`data "bkcmdb_instances" "x" { bk_obj_id = "set" }`, `(?s)built-in model.*bkcmdb_sets`},
		"built-in module": {`data "bkcmdb_instances" "x" { bk_obj_id = "module" }`,
			`(?s)built-in model.*bkcmdb_modules`},
		"built-in plat": {`data "bkcmdb_instances" "x" { bk_obj_id = "plat" }`, `(?s)built-in model.*bkcmdb_cloud_areas`},
		"built-in process": {`data "bkcmdb_instances" "x" { bk_obj_id = "process" }`,
			`(?s)"process" is a built-in model.*has no data source for it`},
		"built-in project": {`data "bkcmdb_instances" "x" { bk_obj_id = "bk_project" }`, `(?s)built-in model`},
		"built-in biz set": {`data "bkcmdb_instances" "x" { bk_obj_id = "bk_biz_set_obj" }`, `(?s)built-in model`},
		"empty model":      {`data "bkcmdb_instances" "x" { bk_obj_id = "" }`, `(?s)bk_obj_id.*length`},
		"no model":         {`data "bkcmdb_instances" "x" {}`, `(?s)bk_obj_id.*required`},
		"conditions not JSON": {`data "bkcmdb_instances" "x" {
  bk_obj_id  = "mysql"
  conditions = "role = master"
}`, `(?s)Invalid conditions.*not a JSON object`},
		"conditions a list": {`data "bkcmdb_instances" "x" {
  bk_obj_id  = "mysql"
  conditions = jsonencode([{ field = "role", operator = "equal", value = "master" }])
}`, `(?s)Invalid conditions.*not a JSON object`},
		"conditions without rules": {`data "bkcmdb_instances" "x" {
  bk_obj_id  = "mysql"
  conditions = jsonencode({ condition = "AND" })
}`, `(?s)Invalid conditions.*no "rules"`},
		"conditions without condition": {`data "bkcmdb_instances" "x" {
  bk_obj_id  = "mysql"
  conditions = jsonencode({ rules = [] })
}`, `(?s)Invalid conditions.*no "condition"`},
		"fields with an empty name": {`data "bkcmdb_instances" "x" {
  bk_obj_id = "mysql"
  fields    = ["role", ""]
}`, `(?s)fields.*length`},
		"cloud area empty name": {`data "bkcmdb_cloud_areas" "x" { name = "" }`, `(?s)name.*length`},
		"group with name and id": {`data "bkcmdb_dynamic_group" "x" {
  bk_biz_id = 2
  name      = "canary"
  id        = "abc"
}`, `(?s)Invalid Attribute Combination.*name.*id`},
		"group with neither": {`data "bkcmdb_dynamic_group" "x" { bk_biz_id = 2 }`, `(?s)Missing Attribute Configuration.*name,id`},
		"group biz zero": {`data "bkcmdb_dynamic_group" "x" {
  bk_biz_id = 0
  id        = "abc"
}`, `(?s)bk_biz_id.*at least 1`},
		"group empty id": {`data "bkcmdb_dynamic_group" "x" {
  bk_biz_id = 2
  id        = ""
}`, `(?s)id.*length`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock("esb", srv.URL()) + tc.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)), // diagnostics wrap
				}},
			})
		})
	}
	if n := srv.RequestCount(); n != 0 {
		t.Fatalf("%d requests reached the CMDB, want none", n)
	}
}
