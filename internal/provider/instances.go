package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// instanceRecord is an element of bkcmdb_instances.instances.
var instanceRecord = newRecordType(
	intField("bk_inst_id", "Instance ID (an exact 64-bit integer).", func(r *cmdb.Instance) int64 { return r.ID }),
	stringField("bk_inst_name", "Instance name.", func(r *cmdb.Instance) string { return r.Name }),
	stringField("bk_obj_id", "Model ID.", func(r *cmdb.Instance) string { return r.ObjID }),
	stringMapField("attributes", "Every other field of the instance: strings as they are; numbers, bools, lists and objects as "+
		"compact JSON text with exact integers (read them with `jsondecode`); fields that are null are left out. An empty map "+
		"(never null) when there are none.", func(r *cmdb.Instance) map[string]string { return r.Attributes }),
)

// builtInModels are the models search_object_instances refuses, each with the data
// source to use instead ("" when the provider has none).
var builtInModels = map[string]string{
	"biz": "bkcmdb_business", "set": "bkcmdb_sets", "module": "bkcmdb_modules", "host": "bkcmdb_hosts",
	"plat": "bkcmdb_cloud_areas", "process": "", "bk_biz_set_obj": "", "bk_project": "",
}

// checkCustomModel refuses a built-in model, naming the data source to use instead.
func checkCustomModel(objID string) error {
	instead, builtIn := builtInModels[objID]
	switch {
	case !builtIn:
		return nil
	case instead != "":
		return fmt.Errorf("%q is a built-in model, which search_object_instances refuses; use the data source %s instead", objID, instead)
	}
	return fmt.Errorf("%q is a built-in model, which search_object_instances refuses, and the provider has no data source for it", objID)
}

// checkConditions accepts a JSON object with condition and rules; CMDB checks the rest.
func checkConditions(s string) error {
	var expr map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &expr); err != nil || expr == nil {
		return errors.New("it is not a JSON object (write it with jsonencode)")
	}
	for _, key := range []string{"condition", "rules"} {
		if _, ok := expr[key]; !ok {
			return fmt.Errorf("it has no %q", key)
		}
	}
	return nil
}

// instancesSpec is bkcmdb_instances: the instances of a custom model.
var instancesSpec = newSpec(dataSourceSpec{
	name: "instances",
	schema: func() schema.Schema {
		return schema.Schema{
			MarkdownDescription: "Lists the instances of a custom model (MySQL clusters, domains, licences …), optionally only " +
				"those CMDB's filter expression selects, through CMDB's `search_object_instances`, counted by " +
				"`count_object_instances`. The list is one consistent snapshot, ascending by `bk_inst_id`.",
			Attributes: map[string]schema.Attribute{
				"bk_obj_id": schema.StringAttribute{
					Required: true,
					MarkdownDescription: "Model ID, such as `mysql`. Built-in models are refused at plan time: use `bkcmdb_business`, " +
						"`bkcmdb_sets`, `bkcmdb_modules`, `bkcmdb_hosts` or `bkcmdb_cloud_areas` for them.",
					Validators: []validator.String{
						stringvalidator.LengthAtLeast(1),
						checkedString("the ID of a custom model", "", checkCustomModel),
					},
				},
				"conditions": schema.StringAttribute{
					Optional: true,
					MarkdownDescription: "CMDB's filter expression as JSON, passed through as it is: " +
						"`{\"condition\": \"AND\" or \"OR\", \"rules\": [{\"field\": …, \"operator\": …, \"value\": …}, …]}`, where a " +
						"rule may itself be a `{condition, rules}` group (at most 3 levels). Operators include `equal`, `not_equal`, " +
						"`in`, `not_in`, `less`, `less_or_equal`, `greater`, `greater_or_equal`, `contains`, `begins_with`, " +
						"`ends_with`, `exist` and `not_exist`. Usually written with `jsonencode`. Checked at plan time to be a JSON " +
						"object with `condition` and `rules`; CMDB checks the rest. Absent: every instance.",
					Validators: []validator.String{checkedString("a JSON object with condition and rules", "", checkConditions)},
				},
				"fields": schema.ListAttribute{
					Optional:    true,
					ElementType: types.StringType,
					MarkdownDescription: "The fields to read into `attributes`. Absent: every field. `bk_inst_id` and " +
						"`bk_inst_name` are always read, listed or not.",
					Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
				},
				"total": schema.Int64Attribute{
					Computed: true,
					MarkdownDescription: "The count `count_object_instances` gives for the same conditions, read before and after " +
						"the walk; it equals the length of `instances`.",
				},
				"instances": instanceRecord.listAttribute("Every matching instance, ascending by `bk_inst_id`; an empty list " +
					"(never null) when there are none."),
			},
		}
	},
	read: readInstances,
})

func readInstances(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	q := cmdb.InstanceQuery{ObjID: args.string("bk_obj_id"), Fields: args.strings("fields")}
	if args.has("conditions") {
		q.Conditions = json.RawMessage(args.string("conditions"))
	}
	list, err := data.client.SearchObjectInstances(ctx, q)
	if err != nil {
		return nil, diag.Diagnostics{errorDiagnostic(err)}
	}
	return []stateAttr{intAttr("total", list.Count), instanceRecord.list("instances", list.Items)}, nil
}
