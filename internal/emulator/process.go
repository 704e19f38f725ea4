package emulator

import (
	"cmp"
	"fmt"
	"slices"
)

// Process is a process instance of a service instance (the CMDB's process
// record joined with its process-instance relation), as list_service_instance_detail
// sends it. A nil pointer is sent as null: every key is always present.
// bk_biz_id and the relation's bk_host_id are the instance's. Empty
// CreateTime and LastTime take the instance's. Pointer targets are shared by
// clones: replace a pointer rather than writing through it.
type Process struct {
	ID                int64 `json:"bk_process_id"`
	ServiceInstanceID int64 `json:"service_instance_id"`
	// ProcessTemplateID is the relation's process_template_id (0 = not from a template).
	ProcessTemplateID int64   `json:"process_template_id"`
	Name              *string `json:"bk_process_name"`
	FuncName          *string `json:"bk_func_name"`
	WorkPath          *string `json:"work_path"`
	User              *string `json:"user"`
	StartCmd          *string `json:"start_cmd"`
	StopCmd           *string `json:"stop_cmd"`
	ReloadCmd         *string `json:"reload_cmd"`
	RestartCmd        *string `json:"restart_cmd"`
	FaceStopCmd       *string `json:"face_stop_cmd"`
	PidFile           *string `json:"pid_file"`
	Priority          *int64  `json:"priority"`
	ProcNum           *int64  `json:"proc_num"`
	Timeout           *int64  `json:"timeout"`
	AutoStart         *bool   `json:"auto_start"`
	StartParamRegex   *string `json:"bk_start_param_regex"`
	StartCheckSecs    *int64  `json:"bk_start_check_secs"`
	Description       *string `json:"description"`
	CreateTime        string  `json:"create_time,omitempty"`
	LastTime          string  `json:"last_time,omitempty"`
	SupplierAccount   string  `json:"bk_supplier_account,omitempty"`
	// BindInfo nil is sent as null, an empty non-nil list as [].
	BindInfo []BindRow `json:"bind_info"`
}

// BindRow is one row of a process's bind_info; nil fields are sent as null
// (a row stored empty has all five null).
type BindRow struct {
	TemplateRowID *int64  `json:"template_row_id"`
	IP            *string `json:"ip"`   // a concrete address: "127.0.0.1", "0.0.0.0", "::", "::1" or one of the host's
	Port          *string `json:"port"` // "80", "8000-8010", "80,443,8000-8010"
	Protocol      *string `json:"protocol"`
	Enable        *bool   `json:"enable"`
}

// Protocol codes of bind_info.
const (
	ProtocolTCP  = "1"
	ProtocolUDP  = "2"
	ProtocolTCP6 = "3"
	ProtocolUDP6 = "4"
)

// ProcessesOf returns the processes of a service instance, ascending by
// bk_process_id, never nil (list_service_instance_detail sends them in no
// particular order).
func (d *Dataset) ProcessesOf(serviceInstanceID int64) []Process {
	out := []Process{}
	for _, p := range d.Processes {
		if p.ServiceInstanceID == serviceInstanceID {
			out = append(out, cloneProcess(p))
		}
	}
	slices.SortFunc(out, func(a, b Process) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// cloneProcess copies p with its own bind_info list (nil stays nil).
func cloneProcess(p Process) Process {
	if p.BindInfo != nil {
		p.BindInfo = slices.Clone(p.BindInfo)
	}
	return p
}

// checkProcesses checks process ids (positive, unique), that each process's
// instance exists, and its times. Bind rows are not checked: malformed rows
// are legitimate CMDB data.
func checkProcesses(ps []Process, instances map[int64]bool) error {
	seen := make(map[int64]bool, len(ps))
	for _, p := range ps {
		if p.ID <= 0 || seen[p.ID] {
			return fmt.Errorf("process %d: id must be positive and unique", p.ID)
		}
		seen[p.ID] = true
		if !instances[p.ServiceInstanceID] {
			return fmt.Errorf("process %d: unknown service instance %d", p.ID, p.ServiceInstanceID)
		}
		if err := optionalTimes(p.CreateTime, p.LastTime); err != nil {
			return fmt.Errorf("process %d: %w", p.ID, err)
		}
	}
	return nil
}
