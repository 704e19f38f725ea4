package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// serviceInstanceRecord is an element of bkcmdb_service_instances.instances.
var serviceInstanceRecord = newRecordType(
	intField("id", "Service instance ID (an exact 64-bit integer).", func(r *instanceRow) int64 { return r.ID }),
	stringField("name", "Service instance name, usually `<inner ip>_<process>`.", func(r *instanceRow) string { return r.Name }),
	intField("bk_biz_id", "Business ID.", func(r *instanceRow) int64 { return r.BizID }),
	intField("bk_module_id", "ID of the module the instance belongs to.", func(r *instanceRow) int64 { return r.ModuleID }),
	intField("bk_host_id", "ID of the host the instance runs on.", func(r *instanceRow) int64 { return r.HostID }),
	intField("service_template_id", "Service template ID; `0` when the instance was not made from a template.",
		func(r *instanceRow) int64 { return r.ServiceTemplateID }),
	stringMapField("labels", "Labels of the instance; an empty map (never null) when it has none.",
		func(r *instanceRow) map[string]string { return r.Labels }),
	stringField("creator", "Who created the instance.", func(r *instanceRow) string { return r.Creator }),
	stringField("modifier", "Who last modified the instance.", func(r *instanceRow) string { return r.Modifier }),
	stringField("create_time", "Creation time, RFC 3339, as CMDB sent it.", func(r *instanceRow) string { return r.CreateTime }),
	stringField("last_time", "Last update time, RFC 3339, as CMDB sent it.", func(r *instanceRow) string { return r.LastTime }),
	stringField("bk_supplier_account", "Supplier account; empty on multi-tenant builds that no longer send it.",
		func(r *instanceRow) string { return r.SupplierAccount }),
	listField("processes", "The instance's processes, ascending by `bk_process_id`, with where they listen; an empty list "+
		"(never null) when `with_processes` is not `true` or the instance has none.",
		processRecord, func(r *instanceRow) []cmdb.ProcessInstance { return r.processes }),
)

// serviceInstancesSpec is bkcmdb_service_instances: every service instance of the
// modules built from one set template.
var serviceInstancesSpec = newSpec(dataSourceSpec{
	name:   "service_instances",
	schema: serviceInstancesSchema,
	read:   readServiceInstances,
})

func serviceInstancesSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Lists the service instances of the modules built from one set template (cluster template), " +
			"through CMDB's `list_service_instance_by_set_template`. The list is one consistent snapshot, ascending by `id`.",
		Attributes: map[string]schema.Attribute{
			"bk_biz_id": bizIDArgument(),
			"set_template_id": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "Set template (cluster template) ID, 1 or more.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"bk_module_ids": idListArgument("Keep only the instances of these modules (IDs 1 or more). Applied by the provider after the " +
				"consistent read, so several data sources that differ only in their filters share one walk."),
			"bk_host_ids": idListArgument("Keep only the instances on these hosts (IDs 1 or more). Applied by the provider after the consistent read."),
			"labels": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Keep only the instances that carry every one of these label pairs (exact key and value). " +
					"Applied by the provider after the consistent read.",
			},
			"with_processes": boolArgument("Also read each instance's processes and where they listen (`processes`), through " +
				"CMDB's `list_service_instance_detail`, by chunks of at most `page_size` instance IDs. The instances and their " +
				"processes are one consistent snapshot. Without it, not one extra request is sent."),
			"total": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "The `count` CMDB reported for the set template in the read that was kept. Without filters " +
					"it equals the length of `instances`; with filters, `instances` holds the matching subset.",
			},
			"instances": serviceInstanceRecord.listAttribute("Every service instance, ascending by `id`; an empty list (never null) " +
				"when there are none. Use `{ for i in ... : i.name => i }` to key them for `for_each`."),
		},
	}
}

// readServiceInstances lists the instances of the configured set template, with their
// processes when with_processes is true.
func readServiceInstances(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	bizID, setTemplateID := args.int64("bk_biz_id"), args.int64("set_template_id")
	var rows []instanceRow
	var count int64
	if args.bool("with_processes") {
		snap, err := data.client.ListServiceInstancesWithProcesses(ctx, bizID, setTemplateID)
		if err != nil {
			return nil, diag.Diagnostics{errorDiagnostic(err)}
		}
		rows, count = instanceRows(snap.Instances, snap.Processes), snap.Count
	} else {
		list, err := data.client.ListServiceInstancesBySetTemplate(ctx, bizID, setTemplateID)
		if err != nil {
			return nil, diag.Diagnostics{errorDiagnostic(err)}
		}
		rows, count = instanceRows(list.Instances, nil), list.Count
	}
	read := len(rows)
	if keep := instanceFilter(args); keep != nil {
		rows = filter(rows, func(r *instanceRow) bool { return keep(r.ServiceInstance) })
	}
	tflog.Debug(ctx, "read service instances", map[string]any{"count": count, "instances": read, "kept": len(rows)})
	return []stateAttr{
		intAttr("total", count),
		serviceInstanceRecord.list("instances", rows),
	}, nil
}

// instanceFilter is the instance filter of the arguments bk_module_ids, bk_host_ids and
// labels; nil when none is set.
func instanceFilter(args *arguments) func(*cmdb.ServiceInstance) bool {
	modules, hosts, labels := args.idFilter("bk_module_ids"), args.idFilter("bk_host_ids"), args.stringMap("labels")
	if modules == nil && hosts == nil && len(labels) == 0 {
		return nil
	}
	return func(in *cmdb.ServiceInstance) bool {
		return modules.keeps(in.ModuleID) && hosts.keeps(in.HostID) && hasLabels(in.Labels, labels)
	}
}

// hasLabels reports whether have holds every pair of want.
func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}
