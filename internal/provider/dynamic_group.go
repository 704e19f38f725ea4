package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// dynamicGroupRecord is the group part of the state of bkcmdb_dynamic_group.
var dynamicGroupRecord = newRecordType(
	stringField("id", "Dynamic group ID (a string).", func(r *cmdb.DynamicGroup) string { return r.ID }),
	stringField("name", "Dynamic group name.", func(r *cmdb.DynamicGroup) string { return r.Name }),
	stringField("bk_obj_id", "What the group selects: `\"host\"` or `\"set\"`.", func(r *cmdb.DynamicGroup) string { return r.ObjID }),
)

// dynamicGroupSpec is bkcmdb_dynamic_group: one saved host or set query of a business,
// by exact name or ID, and what it selects now.
var dynamicGroupSpec = newSpec(dataSourceSpec{
	name: "dynamic_group",
	schema: func() schema.Schema {
		return schema.Schema{
			MarkdownDescription: "Looks up one dynamic group (a saved host or set query) of a business by its exact name or by " +
				"its ID, through CMDB's `search_dynamic_group`, then runs it through `execute_dynamic_group`: a group of hosts " +
				"gives `hosts`, a group of sets gives `sets`, each one consistent snapshot ascending by its ID.",
			Attributes: withArguments(dynamicGroupRecord.attributes(), map[string]schema.Attribute{
				"bk_biz_id": bizIDArgument(),
				"name": schema.StringAttribute{
					Optional: true,
					Computed: true,
					MarkdownDescription: "Exact group name to look up (CMDB's name search is a fuzzy substring match: the provider " +
						"compares the names it answers exactly, case included); otherwise the name of the group found by `id`. " +
						"Exactly one of `name` and `id`.",
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"id": schema.StringAttribute{
					Optional:            true,
					Computed:            true,
					MarkdownDescription: "Group ID (a string) to look up; otherwise the ID of the group found by `name`. Exactly one of `name` and `id`.",
					Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"hosts": hostRecord.listAttribute("The hosts the group selects now, ascending by `bk_host_id`, each of the same " +
					"type as a `bkcmdb_hosts` element (`topology` always `[]`); an empty list (never null) unless the group is of hosts."),
				"sets": setRecord.listAttribute("The sets the group selects now, ascending by `bk_set_id`, each with the " +
					"attributes of a `bkcmdb_sets` element; an empty list (never null) unless the group is of sets."),
			}),
		}
	},
	validators: func() []datasource.ConfigValidator {
		return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("name"), path.MatchRoot("id"))}
	},
	read: readDynamicGroup,
})

func readDynamicGroup(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	bizID, name, id := args.int64("bk_biz_id"), args.string("name"), args.string("id")
	byName := args.has("name")
	condition := map[string]any{}
	wanted := fmt.Sprintf("with ID %q", id)
	if byName {
		condition["name"] = name
		wanted = fmt.Sprintf("named %q", name)
	}
	list, err := data.client.SearchDynamicGroups(ctx, bizID, condition)
	if err != nil {
		return nil, diag.Diagnostics{errorDiagnostic(err)}
	}
	group, d := one(lookup{
		api: cmdb.APISearchDynamicGroup, kind: "dynamic group", kinds: "dynamic groups", wanted: wanted,
		where: fmt.Sprintf(" in business %d", bizID),
		notFound: fmt.Sprintf("%s answered %d candidate group(s) in business %d, and none is the group %s. Check bk_biz_id, "+
			"and the name (compared exactly, case included) or the ID.", cmdb.APISearchDynamicGroup, len(list.Items), bizID, wanted),
	}, list.Items, func(g *cmdb.DynamicGroup) bool {
		if byName {
			return g.Name == name
		}
		return g.ID == id
	}, func(g *cmdb.DynamicGroup) string { return g.ID })
	if d != nil {
		return nil, diag.Diagnostics{d}
	}
	attrs := dynamicGroupRecord.attrs(group)
	switch group.ObjID {
	case cmdb.GroupOfHosts:
		hosts, err := data.client.ExecuteHostGroup(ctx, bizID, group.ID)
		if err != nil {
			return nil, diag.Diagnostics{errorDiagnostic(err)}
		}
		return append(attrs, hostRecord.list("hosts", hosts.Items), setRecord.list("sets", nil)), nil
	case cmdb.GroupOfSets:
		sets, err := data.client.ExecuteSetGroup(ctx, bizID, group.ID)
		if err != nil {
			return nil, diag.Diagnostics{errorDiagnostic(err)}
		}
		return append(attrs, hostRecord.list("hosts", nil), setRecord.list("sets", sets.Items)), nil
	}
	return nil, diag.Diagnostics{diag.NewErrorDiagnostic(
		fmt.Sprintf("%s: dynamic group %q is of %q, neither hosts nor sets", cmdb.APISearchDynamicGroup, group.ID, group.ObjID),
		"The provider reads dynamic groups of hosts (bk_obj_id \"host\") and of sets (\"set\"). If this CMDB version has other "+
			"kinds, please report it.")}
}
