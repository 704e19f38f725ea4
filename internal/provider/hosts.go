package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// hostRecord is an element of bkcmdb_hosts.hosts.
var hostRecord = newRecordType(
	intField("bk_host_id", "Host ID.", func(r *cmdb.Host) int64 { return r.ID }),
	intField("bk_cloud_id", "Cloud area ID: IP addresses are unique only within a cloud area.", func(r *cmdb.Host) int64 { return r.CloudID }),
	stringField("bk_host_name", "Host name; `\"\"` when CMDB has none.", func(r *cmdb.Host) string { return r.Name }),
	stringField("bk_os_type", "OS type as CMDB sends it (`\"1\"` Linux, `\"2\"` Windows, … `\"8\"` macOS); `\"\"` when unset.",
		func(r *cmdb.Host) string { return r.OSType }),
	stringField("bk_os_name", "OS name; `\"\"` when unset.", func(r *cmdb.Host) string { return r.OSName }),
	stringField("bk_os_version", "OS version; `\"\"` when unset.", func(r *cmdb.Host) string { return r.OSVersion }),
	stringField("bk_agent_id", "GSE agent ID; `\"\"` when unset.", func(r *cmdb.Host) string { return r.AgentID }),
	stringField("bk_state", "Host state; `\"\"` when unset.", func(r *cmdb.Host) string { return r.State }),
	stringListField("bk_host_innerip", "Inner IPv4 addresses, in the order CMDB sent them; `[]` when none.",
		func(r *cmdb.Host) []string { return r.InnerIP }),
	stringListField("bk_host_outerip", "Outer IPv4 addresses; `[]` when none.", func(r *cmdb.Host) []string { return r.OuterIP }),
	stringListField("bk_host_innerip_v6", "Inner IPv6 addresses; `[]` when none.", func(r *cmdb.Host) []string { return r.InnerIPv6 }),
	stringListField("bk_host_outerip_v6", "Outer IPv6 addresses; `[]` when none.", func(r *cmdb.Host) []string { return r.OuterIPv6 }),
	stringListField("operator", "Main maintainers.", func(r *cmdb.Host) []string { return r.Operators }),
	stringListField("bk_bak_operator", "Backup maintainers.", func(r *cmdb.Host) []string { return r.BakOperators }),
	listField("topology", "Every module the host is in within the business, with its set, ascending by (`bk_set_id`, "+
		"`bk_module_id`); `[]` unless `with_topology` is true, or when the host is in none.", hostModuleRecord,
		func(r *cmdb.Host) []cmdb.HostModule { return r.Topology }),
)

// hostModuleRecord is an element of a host's topology: one module and its set.
var hostModuleRecord = newRecordType(
	intField("bk_set_id", "Set ID.", func(r *cmdb.HostModule) int64 { return r.SetID }),
	intField("bk_module_id", "Module ID.", func(r *cmdb.HostModule) int64 { return r.ModuleID }),
	stringField("bk_set_name", "Set name, as stored in CMDB.", func(r *cmdb.HostModule) string { return r.SetName }),
	stringField("bk_module_name", "Module name, as stored in CMDB.", func(r *cmdb.HostModule) string { return r.ModuleName }),
)

// hostIDList is an optional list-of-ids argument of bkcmdb_hosts.
func hostIDList(what string, limit int) schema.ListAttribute {
	return idListArgument(fmt.Sprintf("Keep only the hosts %s (IDs 1 or more). Any length: the provider sends at most %d "+
		"per request and merges the answers. An empty list matches no host.", what, limit))
}

// hostsSpec is bkcmdb_hosts: the hosts of a business, optionally of some sets, modules or ids.
var hostsSpec = newSpec(dataSourceSpec{
	name: "hosts",
	schema: func() schema.Schema {
		return schema.Schema{
			MarkdownDescription: "Lists the hosts of a business, optionally only those in some sets, in some modules or with " +
				"some IDs (all given filters apply together), through CMDB's `list_biz_hosts`. The list is ascending by " +
				"`bk_host_id`, without duplicates, each page walk one consistent snapshot. With `with_topology`, every host " +
				"also lists the sets and modules it is in (`list_biz_hosts_topo`).",
			Attributes: map[string]schema.Attribute{
				"bk_biz_id":     bizIDArgument(),
				"bk_set_ids":    hostIDList("in these sets", cmdb.MaxHostSetIDs),
				"bk_module_ids": hostIDList("in these modules", cmdb.MaxHostModuleIDs),
				"bk_host_ids":   hostIDList("with these IDs", cmdb.MaxHostIDs),
				"with_topology": boolArgument("Also give every host the sets and modules it is in (`topology`), read " +
					"through CMDB's `list_biz_hosts_topo`; the hosts are the same with or without it."),
				"hosts": hostRecord.listAttribute("Every matching host, ascending by `bk_host_id`; an empty list (never null) " +
					"when there are none."),
			},
		}
	},
	read: readHosts,
})

func readHosts(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
	list := data.client.ListBizHosts
	if args.bool("with_topology") {
		list = data.client.ListBizHostsTopology
	}
	hosts, err := list(ctx, args.int64("bk_biz_id"), cmdb.HostFilter{
		SetIDs: args.int64s("bk_set_ids"), ModuleIDs: args.int64s("bk_module_ids"), HostIDs: args.int64s("bk_host_ids"),
	})
	if err != nil {
		return nil, diag.Diagnostics{errorDiagnostic(err)}
	}
	return []stateAttr{hostRecord.list("hosts", hosts)}, nil
}
