package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// listenerRecord is an element of bkcmdb_listeners.listeners.
var listenerRecord = newRecordType(
	intField("service_instance_id", "ID of the service instance the process belongs to.", func(r *listener) int64 { return r.ServiceInstanceID }),
	intField("bk_module_id", "ID of the instance's module.", func(r *listener) int64 { return r.ModuleID }),
	intField("bk_host_id", "ID of the instance's host.", func(r *listener) int64 { return r.HostID }),
	intField("bk_process_id", "ID of the process.", func(r *listener) int64 { return r.ProcessID }),
	stringField("bk_process_name", "Name of the process.", func(r *listener) string { return r.ProcessName }),
	stringField("protocol", "`tcp`, `udp`, `tcp6` or `udp6`.", func(r *listener) string { return string(r.Protocol) }),
	stringField("bind_ip", "The address the process binds, as CMDB sent it (`0.0.0.0`, `::` or `\"\"` for every address).",
		func(r *listener) string { return r.BindIP }),
	stringField("address", "The address a peer connects to: `bind_ip`, or, for a wildcard or empty bind, the host's first "+
		"inner IPv4 (`tcp`, `udp`) or first inner IPv6 (`tcp6`, `udp6`); `\"\"` when the host has none.",
		func(r *listener) string { return r.Address }),
	intField("port", "The port; the first port of a range.", func(r *listener) int64 { return r.Port }),
	intField("port_last", "The last port of a range; equal to `port` for a single port.", func(r *listener) int64 { return r.PortLast }),
	stringField("target", "`address:port` (`[address]:port` for IPv6), ready for a load balancer; `\"\"` for a port range "+
		"or an empty `address`.", func(r *listener) string { return r.Target }),
	boolField("enabled", "Whether the bind row is enabled (`false` only with `include_disabled`).", func(r *listener) bool { return r.Enabled }),
)

// listenersSpec is bkcmdb_listeners: where the services of a set template listen.
var listenersSpec = newSpec(dataSourceSpec{
	name:   "listeners",
	schema: listenersSchema,
	read:   readListeners,
})

func listenersSchema() schema.Schema {
	protocols := make([]string, len(listenerProtocols))
	for i, p := range listenerProtocols {
		protocols[i] = string(p)
	}
	return schema.Schema{
		MarkdownDescription: "Lists where the services of one set template listen: one element per process bind row and per item " +
			"of its port list, read through `list_service_instance_by_set_template` and `list_service_instance_detail` (one " +
			"consistent snapshot, shared with `bkcmdb_service_instances` with `with_processes`), wildcard binds resolved to the " +
			"host's inner address through `list_biz_hosts`.",
		Attributes: map[string]schema.Attribute{
			"bk_biz_id": bizIDArgument(),
			"set_template_id": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "Set template (cluster template) ID, 1 or more.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"bk_module_ids": idListArgument("Keep only the listeners of the instances of these modules (IDs 1 or more)."),
			"bk_host_ids":   idListArgument("Keep only the listeners of the instances on these hosts (IDs 1 or more)."),
			"labels": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Keep only the listeners of the instances that carry every one of these label pairs (exact key and value).",
			},
			"process_names": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Keep only the processes of these exact names (`bk_process_name`).",
			},
			"protocols": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Keep only these protocols, among `tcp`, `udp`, `tcp6` and `udp6`. Absent: every protocol.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.OneOf(protocols...))},
			},
			"include_disabled": boolArgument("Also give the bind rows whose `enable` is false or null, with `enabled = false`."),
			"include_loopback": boolArgument("Also give the bind rows bound to a loopback address (127.0.0.0/8, `::1`)."),
			"listeners": listenerRecord.listAttribute("Every listener, ascending by (`bk_module_id`, `bk_host_id`, " +
				"`service_instance_id`, `bk_process_id`, `port`, `protocol`); an empty list (never null) when there are none. " +
				"Bind rows whose port or protocol is empty or malformed are left out, and one warning names their processes."),
		},
	}
}

// readListeners reads the instances and processes of the set template, the hosts of
// its wildcard binds, and flattens them.
func readListeners(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	bizID := args.int64("bk_biz_id")
	snap, err := data.client.ListServiceInstancesWithProcesses(ctx, bizID, args.int64("set_template_id"))
	if err != nil {
		return nil, diag.Diagnostics{errorDiagnostic(err)}
	}
	f := &listenerFilter{
		instance:        instanceFilter(args),
		processNames:    args.strings("process_names"),
		includeDisabled: args.bool("include_disabled"),
		includeLoopback: args.bool("include_loopback"),
	}
	if args.has("protocols") {
		f.protocols = []cmdb.Protocol{}
		for _, p := range args.strings("protocols") {
			f.protocols = append(f.protocols, cmdb.Protocol(p))
		}
	}
	listeners, bad := expandListeners(snap, f)
	if hostIDs := wildcardHosts(listeners); hostIDs != nil {
		hosts, err := data.client.ListBizHosts(ctx, bizID, cmdb.HostFilter{HostIDs: hostIDs})
		if err != nil {
			return nil, diag.Diagnostics{errorDiagnostic(err)}
		}
		resolveListeners(listeners, innerAddresses(hosts))
	}
	tflog.Debug(ctx, "read listeners", map[string]any{"instances": len(snap.Instances), "listeners": len(listeners), "bad_rows": len(bad)})
	var diags diag.Diagnostics
	if len(bad) > 0 {
		diags.AddWarning(badRowsWarning(bad))
	}
	return []stateAttr{listenerRecord.list("listeners", listeners)}, diags
}
