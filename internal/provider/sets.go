package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// setRecord is an element of bkcmdb_sets.sets.
var setRecord = newRecordType(
	intField("bk_set_id", "Set ID.", func(r *cmdb.Set) int64 { return r.ID }),
	intField("bk_biz_id", "Business ID.", func(r *cmdb.Set) int64 { return r.BizID }),
	intField("set_template_id", "ID of the set template the set was built from; `0` when none (the idle pool set, hand-made sets).",
		func(r *cmdb.Set) int64 { return r.SetTemplateID }),
	stringField("bk_set_name", "Set name.", func(r *cmdb.Set) string { return r.Name }),
	stringField("bk_set_env", "Environment as CMDB sends it: `\"1\"` test, `\"2\"` experience, `\"3\"` formal.",
		func(r *cmdb.Set) string { return r.Env }),
	stringField("bk_service_status", "Service status as CMDB sends it: `\"1\"` open, `\"2\"` closed.",
		func(r *cmdb.Set) string { return r.ServiceStatus }),
	stringField("bk_set_desc", "Description.", func(r *cmdb.Set) string { return r.Desc }),
)

// setsSpec is bkcmdb_sets: the sets of a business.
var setsSpec = newSpec(dataSourceSpec{
	name: "sets",
	schema: func() schema.Schema {
		return schema.Schema{
			MarkdownDescription: "Lists the sets of a business, optionally only those built from one set template or with one " +
				"exact name, through CMDB's `search_set`. The list is one consistent snapshot, ascending by `bk_set_id`.",
			Attributes: map[string]schema.Attribute{
				"bk_biz_id":       bizIDArgument(),
				"set_template_id": idArgument("Keep only the sets built from this set template (ID 1 or more)."),
				"name":            nameArgument("Keep only the sets with exactly this name (`bk_set_name`)."),
				"sets": setRecord.listAttribute("Every matching set, ascending by `bk_set_id`; an empty list (never null) when " +
					"there are none. Every business has an idle-host pool set (`set_template_id` 0)."),
			},
		}
	},
	read: readSets,
})

func readSets(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	bizID, templateID, name := args.int64("bk_biz_id"), args.int64("set_template_id"), args.string("name")
	condition := map[string]any{}
	if args.has("set_template_id") {
		condition["set_template_id"] = templateID
	}
	if args.has("name") {
		condition["bk_set_name"] = name
	}
	list, err := data.client.SearchSets(ctx, bizID, condition)
	if err != nil {
		return nil, diag.Diagnostics{errorDiagnostic(err)}
	}
	// search_set applies the condition exactly; the provider checks it again rather than trust it.
	sets := filter(list.Items, func(s *cmdb.Set) bool {
		return (!args.has("set_template_id") || s.SetTemplateID == templateID) && (!args.has("name") || s.Name == name)
	})
	return []stateAttr{setRecord.list("sets", sets)}, nil
}
