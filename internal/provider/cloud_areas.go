package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// cloudAreaRecord is an element of bkcmdb_cloud_areas.cloud_areas.
var cloudAreaRecord = newRecordType(
	intField("bk_cloud_id", "Cloud area ID; `0` is the Default Area.", func(r *cmdb.CloudArea) int64 { return r.ID }),
	stringField("bk_cloud_name", "Cloud area name.", func(r *cmdb.CloudArea) string { return r.Name }),
	stringField("bk_status", "Status as CMDB sends it: `\"1\"` normal, `\"2\"` abnormal; `\"\"` when absent.",
		func(r *cmdb.CloudArea) string { return r.Status }),
	stringField("bk_cloud_vendor", "Cloud vendor; `\"\"` when absent.", func(r *cmdb.CloudArea) string { return r.Vendor }),
	stringField("bk_vpc_id", "VPC ID; `\"\"` when absent.", func(r *cmdb.CloudArea) string { return r.VPCID }),
	stringField("bk_vpc_name", "VPC name; `\"\"` when absent.", func(r *cmdb.CloudArea) string { return r.VPC }),
	stringField("bk_region", "Region; `\"\"` when absent.", func(r *cmdb.CloudArea) string { return r.Region }),
)

// cloudAreasSpec is bkcmdb_cloud_areas: the cloud areas, in which host IPs are unique.
var cloudAreasSpec = newSpec(dataSourceSpec{
	name: "cloud_areas",
	schema: func() schema.Schema {
		return schema.Schema{
			MarkdownDescription: "Lists the cloud areas (control areas), optionally only the one with an exact name, through " +
				"CMDB's `search_cloud_area`. A host's IP address is unique only within its cloud area (`bk_cloud_id`). The list " +
				"is one consistent snapshot, ascending by `bk_cloud_id`.",
			Attributes: map[string]schema.Attribute{
				"name": nameArgument("Keep only the cloud areas with exactly this name (`bk_cloud_name`, case included)."),
				"cloud_areas": cloudAreaRecord.listAttribute("Every matching cloud area, ascending by `bk_cloud_id`; an empty " +
					"list (never null) when there are none."),
			},
		}
	},
	read: readCloudAreas,
})

func readCloudAreas(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	name := args.string("name")
	condition := map[string]any{}
	if args.has("name") {
		condition["bk_cloud_name"] = name
	}
	list, err := data.client.SearchCloudAreas(ctx, condition)
	if err != nil {
		return nil, diag.Diagnostics{errorDiagnostic(err)}
	}
	// search_cloud_area matches exactly; the provider checks it again rather than trust it.
	areas := filter(list.Items, func(a *cmdb.CloudArea) bool { return !args.has("name") || a.Name == name })
	return []stateAttr{cloudAreaRecord.list("cloud_areas", areas)}, nil
}
