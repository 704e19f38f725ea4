//go:build benchsplit

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// A benchmark experiment, built only with -tags benchsplit (see
// internal/cmdb/experiment_split.go): a bkcmdb_service_instances read with
// bk_module_ids and without with_processes reads only those modules, through
// list_service_instance_detail by bk_module_id, instead of waiting for the template's
// one shared walk. The contract forbids it (no detail request without with_processes);
// the split scenario of cmd/benchmark measures what that costs.
func init() {
	shipped := serviceInstancesSpec.read
	serviceInstancesSpec.read = func(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics) {
		if !args.has("bk_module_ids") || args.bool("with_processes") {
			return shipped(ctx, data, args)
		}
		res, err := data.client.ServiceInstancesOfModules(ctx, args.int64("bk_biz_id"), args.int64("set_template_id"), args.int64s("bk_module_ids"))
		if err != nil {
			return nil, diag.Diagnostics{errorDiagnostic(err)}
		}
		hosts, labels := args.idFilter("bk_host_ids"), args.stringMap("labels")
		instances := filter(res.Instances, func(in *cmdb.ServiceInstance) bool {
			return hosts.keeps(in.HostID) && hasLabels(in.Labels, labels)
		})
		if instances == nil {
			instances = []cmdb.ServiceInstance{}
		}
		return []stateAttr{
			intAttr("total", res.Count),
			serviceInstanceRecord.list("instances", instanceRows(instances, nil)),
		}, nil
	}
}
