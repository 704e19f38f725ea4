package cmdb

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"
)

// ServiceInstanceDetail is one record of list_service_instance_detail, with the fields
// the provider uses. Null process_instances decode to nil.
type ServiceInstanceDetail struct {
	ID        int64             `json:"id"`
	ModuleID  int64             `json:"bk_module_id"`
	HostID    int64             `json:"bk_host_id"`
	Processes []ProcessInstance `json:"process_instances"`
}

// ProcessInstance is one process of a service instance and its relation.
type ProcessInstance struct {
	Process  Process         `json:"process"`
	Relation ProcessRelation `json:"relation"`
}

// Process holds the process attributes the provider uses; null strings decode to "",
// null bind_info to nil.
type Process struct {
	ID       int64      `json:"bk_process_id"`
	Name     string     `json:"bk_process_name"`
	FuncName string     `json:"bk_func_name"`
	User     string     `json:"user"`
	WorkPath string     `json:"work_path"`
	BindInfo []BindInfo `json:"bind_info"`
}

// ProcessRelation ties a process to its instance; ProcessTemplateID is 0 when the
// process was not made from a template.
type ProcessRelation struct {
	ProcessTemplateID int64 `json:"process_template_id"`
}

// BindInfo is one row of a process's bind_info: ip and port as sent ("" when null),
// the protocol code as sent, enable false when null.
type BindInfo struct {
	IP       string       `json:"ip"`
	Port     string       `json:"port"`
	Protocol ProtocolCode `json:"protocol"`
	Enable   bool         `json:"enable"`
}

// ProtocolCode is a bind row's protocol as CMDB sent it: "1" to "4" (TCP, UDP, TCP6,
// UDP6), "" when null, a number as its text, anything else as it is.
type ProtocolCode string

// UnmarshalJSON keeps the code; null is "", a number is taken as its text.
func (c *ProtocolCode) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = ProtocolCode(s)
		return nil
	}
	*c = ProtocolCode(b)
	return nil
}

// Protocol is the name of a protocol code.
type Protocol string

// The protocols of CMDB's codes.
const (
	ProtocolTCP  Protocol = "tcp"
	ProtocolUDP  Protocol = "udp"
	ProtocolTCP6 Protocol = "tcp6"
	ProtocolUDP6 Protocol = "udp6"
)

// Known returns the protocol of one of CMDB's codes, false for any other value.
func (c ProtocolCode) Known() (Protocol, bool) {
	switch c {
	case "1":
		return ProtocolTCP, true
	case "2":
		return ProtocolUDP, true
	case "3":
		return ProtocolTCP6, true
	case "4":
		return ProtocolUDP6, true
	}
	return "", false
}

// Name is the protocol of a code, or the value as sent when it is not one.
func (c ProtocolCode) Name() string {
	if p, ok := c.Known(); ok {
		return string(p)
	}
	return string(c)
}

// ServiceInstanceProcesses is one consistent snapshot of a set template's instances
// and their processes. It is shared: callers must not change it.
type ServiceInstanceProcesses struct {
	// Count is list_service_instance_by_set_template's count for the walk that was kept.
	Count int64
	// Instances are ascending by ID.
	Instances []ServiceInstance
	// Processes[i] are the processes of Instances[i], ascending by bk_process_id; nil
	// when it has none.
	Processes [][]ProcessInstance
}

// detailBody is the body of list_service_instance_detail (bk_biz_id is a body parameter).
type detailBody struct {
	ServiceInstanceIDs []int64 `json:"service_instance_ids"`
}

func detailID(d *ServiceInstanceDetail) int64 { return d.ID }

// ListServiceInstancesWithProcesses returns the instances of set template
// setTemplateID in business bizID (ListServiceInstancesBySetTemplate's walk) and their
// processes, read from list_service_instance_detail by chunks of at most a page of
// service_instance_ids, up to Config.Parallelism chunks at once. When the two reads
// disagree (an instance without details, details of an instance not in the list, or
// in another module or on another host) the data moved: both are read again, up to
// MaxWalks times, then the read fails with a *ProcessesMovedError. Identical calls of
// one client share one read, as List does, and so do its instance walk and chunks
// with the identical reads of other calls.
func (c *Client) ListServiceInstancesWithProcesses(ctx context.Context, bizID, setTemplateID int64) (*ServiceInstanceProcesses, error) {
	if bizID < 1 || setTemplateID < 1 {
		return nil, &APIError{
			API:     ListServiceInstanceDetail.Name,
			Gateway: c.cfg.Gateway,
			Message: "bk_biz_id and set_template_id must be 1 or more",
		}
	}
	body := instancesBody{SetTemplateID: setTemplateID}
	r, err := c.newRequest(ListServiceInstanceBySetTemplate, Params{BizID: bizID}, body)
	if err != nil {
		return nil, &APIError{API: ListServiceInstanceBySetTemplate.Name, Gateway: c.cfg.Gateway, Message: err.Error()}
	}
	read := func(ctx context.Context) (*ServiceInstanceProcesses, error) {
		var moved *ProcessesMovedError
		for n := 1; n <= MaxWalks; n++ {
			start := time.Now()
			res, m, err := c.readProcesses(ctx, bizID, body, n > 1)
			if err != nil {
				return nil, err
			}
			fields := map[string]any{"api": ListServiceInstanceDetail.Name, "read": n, "duration_ms": time.Since(start).Milliseconds()}
			if m == nil {
				fields["instances"] = len(res.Instances)
				c.log.Debug(ctx, "cmdb instances and processes read", fields)
				return res, nil
			}
			fields["error"] = m.Detail()
			c.log.Warn(ctx, "cmdb instances and processes disagree; reading both again", fields)
			m.Reads, moved = n, m
		}
		return nil, moved
	}
	return shareRead(ctx, c, r.key("processes"), ListServiceInstanceDetail.Name, read, func(res *ServiceInstanceProcesses) map[string]any {
		return map[string]any{"api": ListServiceInstanceDetail.Name, "count": res.Count, "items": len(res.Instances)}
	})
}

// instancesBody is the body of list_service_instance_by_set_template.
type instancesBody struct {
	SetTemplateID int64 `json:"set_template_id"`
}

// readProcesses reads the instances, then their details, once (fresh: neither from a
// kept read), and matches them; a non-nil *ProcessesMovedError says how they differ.
func (c *Client) readProcesses(ctx context.Context, bizID int64, body instancesBody, fresh bool) (*ServiceInstanceProcesses, *ProcessesMovedError, error) {
	inst, err := listShared(ctx, c, ListServiceInstanceBySetTemplate, Params{BizID: bizID}, body, serviceInstanceID, fresh)
	if err != nil {
		return nil, nil, err
	}
	size := ListServiceInstanceDetail.pageSize(c.cfg.PageSize)
	chunks := make([][]ServiceInstanceDetail, (len(inst.Items)+size-1)/size)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.Parallelism)
	for k := range chunks {
		ids := make([]int64, 0, size)
		for _, in := range inst.Items[k*size : min((k+1)*size, len(inst.Items))] {
			ids = append(ids, in.ID)
		}
		g.Go(func() error {
			res, err := listShared(gctx, c, ListServiceInstanceDetail, Params{BizID: bizID}, detailBody{ServiceInstanceIDs: ids}, detailID, fresh)
			if err != nil {
				return err
			}
			chunks[k] = res.Items
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	res, moved := matchDetails(inst, slices.Concat(chunks...))
	return res, moved, nil
}

// matchDetails pairs the instances with their details, both ascending by id, and
// sorts each instance's processes by id.
func matchDetails(inst *ListResult[ServiceInstance], details []ServiceInstanceDetail) (*ServiceInstanceProcesses, *ProcessesMovedError) {
	slices.SortFunc(details, func(a, b ServiceInstanceDetail) int { return cmp.Compare(a.ID, b.ID) })
	res := &ServiceInstanceProcesses{Count: inst.Count, Instances: inst.Items, Processes: make([][]ProcessInstance, len(inst.Items))}
	m := &ProcessesMovedError{Instances: len(inst.Items), Details: len(details)}
	j := 0
	for i := range inst.Items {
		in := &inst.Items[i]
		for j < len(details) && details[j].ID < in.ID {
			m.Extra.add(details[j].ID)
			j++
		}
		if j == len(details) || details[j].ID != in.ID {
			m.Missing.add(in.ID)
			continue
		}
		d := &details[j]
		j++
		if d.ModuleID != in.ModuleID || d.HostID != in.HostID {
			m.Moved.add(in.ID)
			continue
		}
		byID := func(a, b ProcessInstance) int { return cmp.Compare(a.Process.ID, b.Process.ID) }
		if !slices.IsSortedFunc(d.Processes, byID) {
			slices.SortFunc(d.Processes, byID)
		}
		res.Processes[i] = d.Processes
	}
	for ; j < len(details); j++ {
		m.Extra.add(details[j].ID)
	}
	if m.Missing.Count+m.Extra.Count+m.Moved.Count > 0 {
		return nil, m
	}
	return res, nil
}
