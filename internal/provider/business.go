package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// businessRecord is the state of bkcmdb_business.
var businessRecord = newRecordType(
	intField("bk_biz_id", "Business ID, 1 or more. Set it to look the business up by ID; otherwise it is the ID of the business found by `name`.",
		func(r *cmdb.Business) int64 { return r.ID }),
	stringField("bk_biz_name", "Business name, as CMDB holds it.", func(r *cmdb.Business) string { return r.Name }),
	stringListField("bk_biz_maintainer", "Operations staff (maintainers), in the order CMDB holds them.",
		func(r *cmdb.Business) []string { return r.Maintainers }),
	stringListField("bk_biz_productor", "Product staff.", func(r *cmdb.Business) []string { return r.Productors }),
	stringListField("bk_biz_developer", "Developers.", func(r *cmdb.Business) []string { return r.Developers }),
	stringListField("bk_biz_tester", "Testers.", func(r *cmdb.Business) []string { return r.Testers }),
	stringListField("operator", "Operators.", func(r *cmdb.Business) []string { return r.Operators }),
	stringField("life_cycle", "Life cycle as CMDB sends it: `\"1\"` testing, `\"2\"` online, `\"3\"` stopped.",
		func(r *cmdb.Business) string { return r.LifeCycle }),
	stringField("time_zone", "Time zone, e.g. `Asia/Shanghai`.", func(r *cmdb.Business) string { return r.TimeZone }),
	stringField("language", "Language as CMDB sends it: `\"1\"` Chinese, `\"2\"` English.", func(r *cmdb.Business) string { return r.Language }),
	stringField("bk_supplier_account", "Supplier account; empty on multi-tenant builds that no longer send it.",
		func(r *cmdb.Business) string { return r.SupplierAccount }),
)

// businessSpec is bkcmdb_business: one business, by exact name or by ID.
var businessSpec = newSpec(dataSourceSpec{
	name: "business",
	schema: func() schema.Schema {
		return schema.Schema{
			MarkdownDescription: "Looks up one business by its exact name or by its ID, through CMDB's `search_business`.",
			Attributes: withArguments(businessRecord.attributes(), map[string]schema.Attribute{
				"name": nameArgument("Exact business name (`bk_biz_name`) to look up. CMDB's search matches names as a " +
					"case-insensitive substring; the provider keeps only the business named exactly this. Exactly one of " +
					"`name` and `bk_biz_id`."),
				"bk_biz_id": schema.Int64Attribute{
					Optional: true,
					Computed: true,
					MarkdownDescription: "Business ID, 1 or more, to look the business up by ID; otherwise the ID of the business " +
						"found by `name`. Exactly one of `name` and `bk_biz_id`.",
					Validators: []validator.Int64{int64validator.AtLeast(1)},
				},
			}),
		}
	},
	validators: func() []datasource.ConfigValidator {
		return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("name"), path.MatchRoot("bk_biz_id"))}
	},
	read: readBusiness,
})

func readBusiness(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	name, id := args.string("name"), args.int64("bk_biz_id")
	condition := map[string]any{"bk_biz_name": name}
	wanted := fmt.Sprintf("named %q", name)
	if !args.has("name") {
		condition = map[string]any{"bk_biz_id": id}
		wanted = "with ID " + strconv.FormatInt(id, 10)
	}
	list, err := data.client.SearchBusinesses(ctx, condition)
	if err != nil {
		return nil, diag.Diagnostics{errorDiagnostic(err)}
	}
	found, d := one(lookup{
		api: cmdb.APISearchBusiness, kind: "business", kinds: "businesses", wanted: wanted,
		notFound: fmt.Sprintf("%s answered %d candidate business(es) (%s) and none is the business %s. %s only returns the "+
			"businesses the caller may see: with permission control (IAM) on, a business that this bk_app_code and "+
			"bk_username may not view looks like one that does not exist. The resource pool business is never returned. "+
			"Check the name (it is compared exactly, case included) and the permissions of the app and user.",
			cmdb.APISearchBusiness, len(list.Items), candidateNames(list.Items), wanted, cmdb.APISearchBusiness),
	}, list.Items, func(b *cmdb.Business) bool {
		if args.has("name") {
			return b.Name == name
		}
		return b.ID == id
	}, func(b *cmdb.Business) int64 { return b.ID })
	if d != nil {
		return nil, diag.Diagnostics{d}
	}
	return businessRecord.attrs(found), nil
}

// candidateNames lists up to 10 names the search answered, for a not-found error.
func candidateNames(list []cmdb.Business) string {
	if len(list) == 0 {
		return "none"
	}
	names := make([]string, 0, min(len(list), 10))
	for i := range list[:min(len(list), 10)] {
		names = append(names, strconv.Quote(list[i].Name))
	}
	if len(list) > 10 {
		names = append(names, "…")
	}
	return strings.Join(names, ", ")
}

// joinIDs is the ids of records, comma-separated; string ids are quoted.
func joinIDs[T any, K int64 | string](records []T, id func(*T) K) string {
	ids := make([]string, len(records))
	for i := range records {
		switch v := any(id(&records[i])).(type) {
		case int64:
			ids[i] = strconv.FormatInt(v, 10)
		case string:
			ids[i] = strconv.Quote(v)
		}
	}
	return strings.Join(ids, ", ")
}
