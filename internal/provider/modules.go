package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// moduleRecord is an element of bkcmdb_modules.modules.
var moduleRecord = newRecordType(
	intField("bk_module_id", "Module ID.", func(r *cmdb.Module) int64 { return r.ID }),
	intField("bk_set_id", "ID of the set the module belongs to.", func(r *cmdb.Module) int64 { return r.SetID }),
	intField("bk_biz_id", "Business ID.", func(r *cmdb.Module) int64 { return r.BizID }),
	intField("service_template_id", "ID of the service template the module was built from; `0` when none.",
		func(r *cmdb.Module) int64 { return r.ServiceTemplateID }),
	intField("set_template_id", "ID of the set template of the module's set; `0` when none.", func(r *cmdb.Module) int64 { return r.SetTemplateID }),
	stringField("bk_module_name", "Module name.", func(r *cmdb.Module) string { return r.Name }),
	stringField("bk_module_type", "Module type as CMDB sends it: `\"1\"` ordinary, `\"2\"` database.", func(r *cmdb.Module) string { return r.Type }),
	stringListField("operator", "Main maintainers, in the order CMDB holds them.", func(r *cmdb.Module) []string { return r.Operators }),
	stringListField("bk_bak_operator", "Backup maintainers.", func(r *cmdb.Module) []string { return r.BakOperators }),
)

// modulesSpec is bkcmdb_modules: the modules of a business or of one set.
var modulesSpec = newSpec(dataSourceSpec{
	name: "modules",
	schema: func() schema.Schema {
		return schema.Schema{
			MarkdownDescription: "Lists the modules of a business, or of one set, optionally only those with one exact name or " +
				"built from one service template, through CMDB's `search_module`. The list is one consistent snapshot, " +
				"ascending by `bk_module_id`.",
			Attributes: map[string]schema.Attribute{
				"bk_biz_id":           bizIDArgument(),
				"bk_set_id":           idArgument("Keep only the modules of this set (ID 1 or more); absent means every set of the business."),
				"name":                nameArgument("Keep only the modules with exactly this name (`bk_module_name`)."),
				"service_template_id": idArgument("Keep only the modules built from this service template (ID 1 or more)."),
				"modules": moduleRecord.listAttribute("Every matching module, ascending by `bk_module_id`; an empty list (never " +
					"null) when there are none."),
			},
		}
	},
	read: readModules,
})

func readModules(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	bizID, setID, name, serviceTemplateID := args.int64("bk_biz_id"), args.int64("bk_set_id"), args.string("name"), args.int64("service_template_id")
	condition := map[string]any{}
	if args.has("name") {
		condition["bk_module_name"] = name
	}
	if args.has("service_template_id") {
		condition["service_template_id"] = serviceTemplateID
	}
	list, err := data.client.SearchModules(ctx, bizID, setID, condition)
	if err != nil {
		return nil, diag.Diagnostics{errorDiagnostic(err)}
	}
	// search_module applies the condition exactly; the provider checks it again rather than trust it.
	modules := filter(list.Items, func(m *cmdb.Module) bool {
		return (!args.has("bk_set_id") || m.SetID == setID) && (!args.has("name") || m.Name == name) &&
			(!args.has("service_template_id") || m.ServiceTemplateID == serviceTemplateID)
	})
	return []stateAttr{moduleRecord.list("modules", modules)}, nil
}
