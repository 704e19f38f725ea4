package emulator

import "strconv"

// appendDetail appends one element of list_service_instance_detail: the
// instance record plus process_instances (null when it has none), without
// bk_supplier_account in multi-tenant builds.
func appendDetail(b []byte, it *detailItem, multiTenant bool) []byte {
	b = append(b, it.json[:len(it.json)-1]...)
	b = append(b, `,"process_instances":`...)
	if len(it.procs) == 0 {
		b = append(b, "null"...)
		return append(b, '}')
	}
	b = append(b, '[')
	for i := range it.procs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendProcessInstance(b, &it.procs[i], it.inst, multiTenant)
	}
	return append(b, "]}"...)
}

// appendProcessInstance appends {"process": {...}, "relation": {...}}.
func appendProcessInstance(b []byte, p *Process, in *Instance, multiTenant bool) []byte {
	b = append(b, `{"process":{"bk_process_id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	for _, f := range []struct {
		key string
		v   *string
	}{{"bk_process_name", p.Name}, {"bk_func_name", p.FuncName}, {"work_path", p.WorkPath}, {"user", p.User},
		{"start_cmd", p.StartCmd}, {"stop_cmd", p.StopCmd}, {"reload_cmd", p.ReloadCmd}, {"restart_cmd", p.RestartCmd},
		{"face_stop_cmd", p.FaceStopCmd}, {"pid_file", p.PidFile}} {
		b = appendKey(b, f.key)
		b = appendOptString(b, f.v)
	}
	b = appendKey(b, "priority")
	b = appendOptInt(b, p.Priority)
	b = appendKey(b, "proc_num")
	b = appendOptInt(b, p.ProcNum)
	b = appendKey(b, "timeout")
	b = appendOptInt(b, p.Timeout)
	b = appendKey(b, "auto_start")
	b = appendOptBool(b, p.AutoStart)
	b = appendKey(b, "bk_start_param_regex")
	b = appendOptString(b, p.StartParamRegex)
	b = appendKey(b, "bk_start_check_secs")
	b = appendOptInt(b, p.StartCheckSecs)
	b = appendKey(b, "description")
	b = appendOptString(b, p.Description)
	b = append(b, `,"bk_biz_id":`...)
	b = strconv.AppendInt(b, in.BizID, 10)
	b = append(b, `,"service_instance_id":`...)
	b = strconv.AppendInt(b, p.ServiceInstanceID, 10)
	created, updated := p.CreateTime, p.LastTime
	if created == "" {
		created = in.CreateTime
	}
	if updated == "" {
		updated = in.LastTime
	}
	b = append(b, `,"create_time":`...)
	b = appendJSONString(b, created)
	b = append(b, `,"last_time":`...)
	b = appendJSONString(b, updated)
	if !multiTenant {
		sa := p.SupplierAccount
		if sa == "" {
			sa = in.SupplierAccount
		}
		b = append(b, `,"bk_supplier_account":`...)
		b = appendJSONString(b, sa)
	}
	b = append(b, `,"bind_info":`...)
	b = appendBindInfo(b, p.BindInfo)
	b = append(b, `},"relation":{"bk_process_id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `,"service_instance_id":`...)
	b = strconv.AppendInt(b, p.ServiceInstanceID, 10)
	b = append(b, `,"process_template_id":`...)
	b = strconv.AppendInt(b, p.ProcessTemplateID, 10)
	b = append(b, `,"bk_host_id":`...)
	b = strconv.AppendInt(b, in.HostID, 10)
	b = append(b, `,"bk_biz_id":`...)
	b = strconv.AppendInt(b, in.BizID, 10)
	return append(b, "}}"...)
}

// appendBindInfo appends bind_info: null for nil, else the rows with their
// five keys (null when unset).
func appendBindInfo(b []byte, rows []BindRow) []byte {
	if rows == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"template_row_id":`...)
		b = appendOptInt(b, r.TemplateRowID)
		b = append(b, `,"ip":`...)
		b = appendOptString(b, r.IP)
		b = append(b, `,"port":`...)
		b = appendOptString(b, r.Port)
		b = append(b, `,"protocol":`...)
		b = appendOptString(b, r.Protocol)
		b = append(b, `,"enable":`...)
		b = appendOptBool(b, r.Enable)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ',')
	b = appendJSONString(b, key)
	return append(b, ':')
}

func appendOptString(b []byte, v *string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *v)
}

func appendOptInt(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *v, 10)
}

func appendOptBool(b []byte, v *bool) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendBool(b, *v)
}
