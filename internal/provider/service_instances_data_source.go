package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ServiceInstancesDataSource is bkcmdb_service_instances: every service instance of the
// modules built from one set template.
type ServiceInstancesDataSource struct {
	data *providerData
}

var (
	_ datasource.DataSource              = (*ServiceInstancesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*ServiceInstancesDataSource)(nil)
)

// NewServiceInstancesDataSource returns a new bkcmdb_service_instances data source.
func NewServiceInstancesDataSource() datasource.DataSource {
	return &ServiceInstancesDataSource{}
}

// Metadata returns the data source type name.
func (d *ServiceInstancesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_instances"
}

// Schema returns the data source schema.
func (d *ServiceInstancesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = serviceInstancesSchema()
}

func serviceInstancesSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Lists the service instances of the modules built from one set template (cluster template), " +
			"through CMDB's `list_service_instance_by_set_template`. The list is one consistent snapshot, ascending by `id`.",
		Attributes: map[string]schema.Attribute{
			"bk_biz_id": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "Business ID, 1 or more.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"set_template_id": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "Set template (cluster template) ID, 1 or more.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"total": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "The `count` CMDB reported for the read that was kept; equals the length of `instances`.",
			},
			"instances": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "Every service instance, ascending by `id`; an empty list (never null) when there are none. " +
					"Use `{ for i in ... : i.name => i }` to key them for `for_each`.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":                  schema.Int64Attribute{Computed: true, MarkdownDescription: "Service instance ID (an exact 64-bit integer)."},
						"name":                schema.StringAttribute{Computed: true, MarkdownDescription: "Service instance name, usually `<inner ip>_<process>`."},
						"bk_biz_id":           schema.Int64Attribute{Computed: true, MarkdownDescription: "Business ID."},
						"bk_module_id":        schema.Int64Attribute{Computed: true, MarkdownDescription: "ID of the module the instance belongs to."},
						"bk_host_id":          schema.Int64Attribute{Computed: true, MarkdownDescription: "ID of the host the instance runs on."},
						"service_template_id": schema.Int64Attribute{Computed: true, MarkdownDescription: "Service template ID; `0` when the instance was not made from a template."},
						"labels": schema.MapAttribute{
							Computed:            true,
							ElementType:         types.StringType,
							MarkdownDescription: "Labels of the instance; an empty map (never null) when it has none.",
						},
						"creator":             schema.StringAttribute{Computed: true, MarkdownDescription: "Who created the instance."},
						"modifier":            schema.StringAttribute{Computed: true, MarkdownDescription: "Who last modified the instance."},
						"create_time":         schema.StringAttribute{Computed: true, MarkdownDescription: "Creation time, RFC 3339, as CMDB sent it."},
						"last_time":           schema.StringAttribute{Computed: true, MarkdownDescription: "Last update time, RFC 3339, as CMDB sent it."},
						"bk_supplier_account": schema.StringAttribute{Computed: true, MarkdownDescription: "Supplier account; empty on multi-tenant builds that no longer send it."},
					},
				},
			},
		},
	}
}

// Configure receives the provider's client.
func (d *ServiceInstancesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if req.ProviderData == nil {
		return // validation runs before the provider is configured
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", req.ProviderData))
		return
	}
	d.data = data
}

// Read lists the instances and stores them in state.
func (d *ServiceInstancesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.AddError("Provider not configured",
			"The bkcmdb provider was not configured before bkcmdb_service_instances was read. This is a bug in the provider; please report it.")
		return
	}
	var bizID, setTemplateID types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("bk_biz_id"), &bizID)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("set_template_id"), &setTemplateID)...)
	if resp.Diagnostics.HasError() {
		return
	}

	list, failure := readServiceInstances(ctx, d.data, bizID.ValueInt64(), setTemplateID.ValueInt64())
	if failure != nil {
		resp.Diagnostics.Append(failure)
		return
	}

	raw, err := serviceInstancesState(ctx, bizID.ValueInt64(), setTemplateID.ValueInt64(), list)
	if err != nil {
		resp.Diagnostics.AddError("Cannot build the bkcmdb_service_instances state",
			"This is a bug in the provider; please report it: "+err.Error())
		return
	}
	resp.State.Raw = raw
}
