package provider

import (
	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// bindInfoRecord is an element of a process's bind_info.
var bindInfoRecord = newRecordType(
	stringField("ip", "The address the process binds, as CMDB sent it: a concrete address, `0.0.0.0` or `::` "+
		"(every address), `127.0.0.1`; `\"\"` when null.", func(r *cmdb.BindInfo) string { return r.IP }),
	stringField("port", "The port as CMDB sent it: `\"80\"`, a range `\"8000-8010\"` or a comma list `\"80,443\"`; `\"\"` when null.",
		func(r *cmdb.BindInfo) string { return r.Port }),
	stringField("protocol", "`tcp`, `udp`, `tcp6` or `udp6` for CMDB's codes `\"1\"` to `\"4\"`, any other value as sent, "+
		"`\"\"` when null.", func(r *cmdb.BindInfo) string { return r.Protocol.Name() }),
	boolField("enable", "Whether the listener is on; `false` when CMDB sent `false` or null.", func(r *cmdb.BindInfo) bool { return r.Enable }),
)

// processRecord is an element of an instance's processes.
var processRecord = newRecordType(
	intField("bk_process_id", "Process ID.", func(r *cmdb.ProcessInstance) int64 { return r.Process.ID }),
	intField("process_template_id", "Process template ID; `0` when the process was not made from a template.",
		func(r *cmdb.ProcessInstance) int64 { return r.Relation.ProcessTemplateID }),
	stringField("bk_process_name", "Process name; `\"\"` when null.", func(r *cmdb.ProcessInstance) string { return r.Process.Name }),
	stringField("bk_func_name", "Process function name (the binary); `\"\"` when null.", func(r *cmdb.ProcessInstance) string { return r.Process.FuncName }),
	stringField("user", "User the process runs as; `\"\"` when null.", func(r *cmdb.ProcessInstance) string { return r.Process.User }),
	stringField("work_path", "Working directory; `\"\"` when null.", func(r *cmdb.ProcessInstance) string { return r.Process.WorkPath }),
	listField("bind_info", "Where the process listens, in CMDB's order; an empty list (never null) when CMDB sent null or none.",
		bindInfoRecord, func(r *cmdb.ProcessInstance) []cmdb.BindInfo { return r.Process.BindInfo }),
)

// instanceRow is an element of bkcmdb_service_instances.instances: the instance and,
// with with_processes, its processes.
type instanceRow struct {
	*cmdb.ServiceInstance
	processes []cmdb.ProcessInstance
}

// instanceRows pairs the instances with their processes (nil: none).
func instanceRows(instances []cmdb.ServiceInstance, processes [][]cmdb.ProcessInstance) []instanceRow {
	rows := make([]instanceRow, len(instances))
	for i := range instances {
		rows[i].ServiceInstance = &instances[i]
		if processes != nil {
			rows[i].processes = processes[i]
		}
	}
	return rows
}
