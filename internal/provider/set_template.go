package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// setTemplateRecord is the state of bkcmdb_set_template.
var setTemplateRecord = newRecordType(
	intField("id", "Set template ID.", func(r *cmdb.SetTemplate) int64 { return r.ID }),
	stringField("name", "Set template name.", func(r *cmdb.SetTemplate) string { return r.Name }),
	intField("bk_biz_id", "Business ID.", func(r *cmdb.SetTemplate) int64 { return r.BizID }),
	stringField("creator", "Who created the set template.", func(r *cmdb.SetTemplate) string { return r.Creator }),
	stringField("modifier", "Who last modified the set template.", func(r *cmdb.SetTemplate) string { return r.Modifier }),
	stringField("create_time", "Creation time, RFC 3339, as CMDB sent it.", func(r *cmdb.SetTemplate) string { return r.CreateTime }),
	stringField("last_time", "Last update time, RFC 3339, as CMDB sent it.", func(r *cmdb.SetTemplate) string { return r.LastTime }),
	stringField("bk_supplier_account", "Supplier account; empty on multi-tenant builds that no longer send it.",
		func(r *cmdb.SetTemplate) string { return r.SupplierAccount }),
)

// setTemplateSpec is bkcmdb_set_template: one set template of a business, by exact name or ID.
var setTemplateSpec = newSpec(dataSourceSpec{
	name: "set_template",
	schema: func() schema.Schema {
		return schema.Schema{
			MarkdownDescription: "Looks up one set template (cluster template) of a business by its exact name or by its ID, " +
				"through CMDB's `list_set_template`.",
			Attributes: withArguments(setTemplateRecord.attributes(), map[string]schema.Attribute{
				"bk_biz_id": bizIDArgument(),
				"name": schema.StringAttribute{
					Optional: true,
					Computed: true,
					MarkdownDescription: "Exact set template name to look up (CMDB has no name filter here: the provider reads " +
						"every set template of the business and compares names exactly); otherwise the name of the template found " +
						"by `id`. Exactly one of `name` and `id`.",
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"id": schema.Int64Attribute{
					Optional:            true,
					Computed:            true,
					MarkdownDescription: "Set template ID, 1 or more, to look up; otherwise the ID of the template found by `name`. Exactly one of `name` and `id`.",
					Validators:          []validator.Int64{int64validator.AtLeast(1)},
				},
			}),
		}
	},
	validators: func() []datasource.ConfigValidator {
		return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("name"), path.MatchRoot("id"))}
	},
	read: readSetTemplate,
})

func readSetTemplate(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	bizID, name, id := args.int64("bk_biz_id"), args.string("name"), args.int64("id")
	byName := args.has("name")
	var ids []int64
	wanted := fmt.Sprintf("named %q", name)
	if !byName {
		ids = []int64{id}
		wanted = "with ID " + strconv.FormatInt(id, 10)
	}
	list, err := data.client.ListSetTemplates(ctx, bizID, ids)
	if err != nil {
		return nil, diag.Diagnostics{errorDiagnostic(err)}
	}
	found, d := one(lookup{
		api: cmdb.APIListSetTemplate, kind: "set template", kinds: "set templates", wanted: wanted,
		where: fmt.Sprintf(" in business %d", bizID),
		notFound: fmt.Sprintf("Business %d has %d set template(s) that this app may read, and none is the one %s. Check "+
			"bk_biz_id and the name (compared exactly, case included).", bizID, len(list.Items), wanted),
	}, list.Items, func(t *cmdb.SetTemplate) bool {
		if byName {
			return t.Name == name
		}
		return t.ID == id
	}, func(t *cmdb.SetTemplate) int64 { return t.ID })
	if d != nil {
		return nil, diag.Diagnostics{d}
	}
	return setTemplateRecord.attrs(found), nil
}
