package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// wantModelInstances are the instances as bkcmdb_instances gives them: every attribute
// but the three named ones, strings as they are, the rest as compact JSON with exact
// numbers, nulls left out; only the named fields (and the three) when fields is set.
func wantModelInstances(objID string, ins []emulator.ModelInstance, fields ...string) []map[string]any {
	out := make([]map[string]any, 0, len(ins))
	for _, in := range ins {
		attrs := map[string]any{}
		src := in.Attributes
		if fields == nil {
			src = map[string]any{"bk_supplier_account": "0"} // added when served
			for k, v := range in.Attributes {
				src[k] = v
			}
		}
		for k, v := range src {
			if fields != nil && !slices.Contains(fields, k) {
				continue
			}
			switch v := v.(type) {
			case nil:
			case string:
				attrs[k] = v
			default:
				b, _ := json.Marshal(v) // json.Number keeps its digits
				attrs[k] = string(b)
			}
		}
		out = append(out, map[string]any{"bk_inst_id": in.ID, "bk_inst_name": in.Name, "bk_obj_id": objID, "attributes": attrs})
	}
	return out
}

// keepInstances are the instances keep accepts.
func keepInstances(ins []emulator.ModelInstance, keep func(emulator.ModelInstance) bool) []emulator.ModelInstance {
	return slices.DeleteFunc(slices.Clone(ins), func(in emulator.ModelInstance) bool { return !keep(in) })
}

func attrString(in emulator.ModelInstance, k string) string {
	v := in.Attributes[k]
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAccInstances reads custom-model instances on both gateways in pages of 7: every
// instance with every attribute exact (an integer above 2^53, lists, objects, bools,
// floats; nulls left out), conditions that select with AND/OR nesting, an exact match
// on the big integer, fields, an empty result, total, jsondecode of an attribute.
func TestAccInstances(t *testing.T) {
	d := emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})
	mysql, domains := d.ModelInstances("mysql"), d.ModelInstances("domain")
	nested := keepInstances(mysql, func(in emulator.ModelInstance) bool {
		return attrString(in, "role") == "master" && (attrString(in, "port") == "3307" || in.ID > 2030)
	})
	masters := keepInstances(mysql, func(in emulator.ModelInstance) bool { return attrString(in, "role") == "master" })
	serial, _ := mysql[5].Attributes["serial"].(json.Number)
	bySerial := keepInstances(mysql, func(in emulator.ModelInstance) bool { return attrString(in, "serial") == serial.String() })
	hasNull := false
	for _, in := range mysql {
		hasNull = hasNull || in.Attributes["comment"] == nil
	}
	if len(mysql) < 15 || len(nested) < 2 || len(nested) >= len(masters) || serial == "" || len(bySerial) != 1 || !hasNull || len(domains) == 0 {
		t.Fatalf("the dataset does not exercise the conditions: %d, %d, %d", len(mysql), len(nested), len(bySerial))
	}
	config := fmt.Sprintf(`
data "bkcmdb_instances" "all" {
  bk_obj_id = "mysql"
}
data "bkcmdb_instances" "domains" {
  bk_obj_id = "domain"
}
data "bkcmdb_instances" "nested" {
  bk_obj_id  = "mysql"
  conditions = jsonencode({
    condition = "AND"
    rules = [
      { field = "role", operator = "equal", value = "master" },
      { condition = "OR", rules = [
        { field = "port", operator = "equal", value = 3307 },
        { field = "bk_inst_id", operator = "greater", value = 2030 },
      ] },
    ]
  })
}
data "bkcmdb_instances" "by_serial" {
  bk_obj_id  = "mysql"
  conditions = <<-EOT
    {"condition": "AND", "rules": [{"field": "serial", "operator": "equal", "value": %[1]s}]}
  EOT
}
data "bkcmdb_instances" "fields" {
  bk_obj_id  = "mysql"
  conditions = jsonencode({ condition = "OR", rules = [{ field = "bk_inst_id", operator = "in", value = [2001, 2002, 2003] }] })
  fields     = ["role", "tags"]
}
data "bkcmdb_instances" "none" {
  bk_obj_id  = "mysql"
  conditions = jsonencode({ condition = "AND", rules = [{ field = "role", operator = "equal", value = "no-such-role" }] })
}
output "port" {
  value = jsondecode(data.bkcmdb_instances.all.instances[0].attributes["port"])
}
output "serial" {
  value = data.bkcmdb_instances.by_serial.instances[0].attributes["serial"]
}
`, serial)
	checks := []statecheck.StateCheck{
		expectObjects{"data.bkcmdb_instances.all", "instances", wantModelInstances("mysql", mysql)},
		expectObjects{"data.bkcmdb_instances.domains", "instances", wantModelInstances("domain", domains)},
		expectObjects{"data.bkcmdb_instances.nested", "instances", wantModelInstances("mysql", nested)},
		expectObjects{"data.bkcmdb_instances.by_serial", "instances", wantModelInstances("mysql", bySerial)},
		expectObjects{"data.bkcmdb_instances.fields", "instances", wantModelInstances("mysql", mysql[:3], "role", "tags")},
		expectObjects{"data.bkcmdb_instances.none", "instances", nil},
		expectObject{"data.bkcmdb_instances.all", map[string]any{"total": int64(len(mysql))}},
		expectObject{"data.bkcmdb_instances.nested", map[string]any{"total": int64(len(nested))}},
		expectObject{"data.bkcmdb_instances.none", map[string]any{"total": int64(0)}},
		statecheck.ExpectKnownOutputValue("port", knownvalue.Int64Exact(3306)),
		statecheck.ExpectKnownOutputValue("serial", knownvalue.StringExact(serial.String())),
	}
	if attrString(mysql[0], "port") != "3306" {
		t.Fatal("the first mysql instance's port is not 3306")
	}
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:            providerBlock(gateway, baseURLFor(srv, gateway), "page_size = 7") + config,
					ConfigStateChecks: checks,
				}},
			})
			for _, r := range srv.Requests() {
				if r.API == emulator.APISearchObjectInstances && !strings.Contains(string(r.Body), `"sort":"bk_inst_id"`) {
					t.Fatalf("a search_object_instances request without page.sort = bk_inst_id: %s", r.Body)
				}
			}
		})
	}
}

// TestAccInstancesDataChanges changes a model's instances during the walk: once, and the
// read is walked again and ends in the final data exactly; at every page, and the read
// fails with the counts seen.
func TestAccInstancesDataChanges(t *testing.T) {
	d := emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})
	config := `
data "bkcmdb_instances" "all" {
  bk_obj_id = "mysql"
}
`
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway+"/once", func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			changed := 0
			srv.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
				if p.API == emulator.APISearchObjectInstances && p.Start > 0 && changed == 0 {
					m.DeleteModelInstance(2002) // already read: the count stays, the ids do not
					m.InsertModelInstance("mysql", emulator.ModelInstance{ID: 2999, Name: "mysql-late", Attributes: map[string]any{"role": "slave"}})
					changed++
				}
			})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(gateway, baseURLFor(srv, gateway), "page_size = 10", "parallelism = 1") + config,
					ConfigStateChecks: []statecheck.StateCheck{checkFunc(func(req statecheck.CheckStateRequest) error {
						now := srv.Snapshot().ModelInstances("mysql")
						if err := (expectObjects{"data.bkcmdb_instances.all", "instances", wantModelInstances("mysql", now)}).check(req); err != nil {
							return err
						}
						return nil
					})},
				}},
			})
			if changed != 1 {
				t.Fatal("the data did not change during the walk")
			}
		})
		t.Run(gateway+"/always", func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			next := int64(3500)
			srv.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
				if p.API == emulator.APISearchObjectInstances && p.Start > 0 {
					next++
					m.InsertModelInstance("mysql", emulator.ModelInstance{ID: next, Name: "mysql-churn"})
				}
			})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock(gateway, baseURLFor(srv, gateway), "page_size = 10", "parallelism = 1") + config,
					ExpectError: regexp.MustCompile(`(?s)search_object_instances failed: the data kept changing.*walk 1: count 40 then \d+`),
				}},
			})
		})
	}
}

// TestAccInstancesErrors: CMDB's refusal of a condition reaches the user as one
// diagnostic that names the API, the code and what to check.
func TestAccInstancesErrors(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("apigw", srv.APIGWURL()) + `
data "bkcmdb_instances" "x" {
  bk_obj_id  = "mysql"
  conditions = jsonencode({ condition = "AND", rules = [{ field = "role", operator = "no_such_operator", value = "x" }] })
}
`,
			ExpectError: regexp.MustCompile(`(?s)count_object_instances failed: HTTP 200, code 1199006.*Check conditions`),
		}},
	})
	if n := srv.RequestCount(); n != 1 {
		t.Errorf("%d requests, want 1 (the count, refused; not retried)", n)
	}
}
