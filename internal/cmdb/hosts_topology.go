package cmdb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// HostModule is one module a host is in, with its set.
type HostModule struct {
	SetID      int64
	SetName    string
	ModuleID   int64
	ModuleName string
}

// hostTopo is one record of list_biz_hosts_topo: a host and the sets it is in, each
// with the host's modules in it, in no particular order.
type hostTopo struct {
	Host Host `json:"host"`
	Topo []struct {
		SetID   int64  `json:"bk_set_id"`
		SetName string `json:"bk_set_name"`
		Modules []struct {
			ID   int64  `json:"bk_module_id"`
			Name string `json:"bk_module_name"`
		} `json:"module"`
	} `json:"topo"`
}

func hostTopoID(h *hostTopo) int64 { return h.Host.ID }

// host is the host with its topology, one entry per module, ascending by (set, module).
func (h *hostTopo) host() Host {
	out := h.Host
	out.Topology = []HostModule{}
	for _, s := range h.Topo {
		for _, m := range s.Modules {
			out.Topology = append(out.Topology, HostModule{SetID: s.SetID, SetName: s.SetName, ModuleID: m.ID, ModuleName: m.Name})
		}
	}
	slices.SortFunc(out.Topology, func(a, b HostModule) int {
		return cmp.Or(cmp.Compare(a.SetID, b.SetID), cmp.Compare(a.ModuleID, b.ModuleID))
	})
	out.Topology = slices.CompactFunc(out.Topology, func(a, b HostModule) bool { return a.ModuleID == b.ModuleID })
	return out
}

// hostsTopoBody is the body of list_biz_hosts_topo. fields is always sent: without
// it each host holds only bk_host_id.
type hostsTopoBody struct {
	HostFilter *propertyQuery `json:"host_property_filter,omitempty"`
	Fields     []string       `json:"fields"`
}

// TopologyReads is how many times ListBizHostsTopology reads the hosts and their
// topology before it reports that they disagree.
const TopologyReads = 3

// DisagreeError reports that list_biz_hosts and list_biz_hosts_topo kept giving
// different hosts for the same filter: what differed on each read.
type DisagreeError struct {
	Differences []string // one per read
}

// Error implements error.
func (e *DisagreeError) Error() string {
	return APIListBizHostsTopo + ": " + e.Summary() + ": " + e.Detail()
}

// Summary is a one-line description, without the API name.
func (e *DisagreeError) Summary() string {
	return fmt.Sprintf("the hosts and their topology kept changing; no consistent read after %d reads", len(e.Differences))
}

// Detail says what differed on each read.
func (e *DisagreeError) Detail() string {
	parts := make([]string, len(e.Differences))
	for i, d := range e.Differences {
		parts[i] = fmt.Sprintf("read %d: %s", i+1, d)
	}
	return strings.Join(parts, "; ")
}

// ListBizHostsTopology returns the hosts ListBizHosts returns for f, each with every
// module it is in within the business (Host.Topology, never nil), ascending by id and
// without duplicates.
//
// Without set or module ids, list_biz_hosts_topo alone is exact: it is read directly,
// split by host-id chunks. With them, the hosts come from ListBizHosts (list_biz_hosts_topo
// filters by set and module properties, and CMDB before 3.14 takes a set filter that
// matches nothing as no filter), then their topology by host-id chunks; both must agree
// (the same hosts, each in a module f selects), else both are read again, up to
// TopologyReads times, and a *DisagreeError says what differed.
func (c *Client) ListBizHostsTopology(ctx context.Context, bizID int64, f HostFilter) ([]Host, error) {
	if f.SetIDs == nil && f.ModuleIDs == nil {
		return c.readTopology(ctx, bizID, f.HostIDs, List[hostTopo, int64])
	}
	var diffs []string
	for n := range TopologyReads {
		listHosts, listTopo := List[Host, int64], List[hostTopo, int64]
		if n > 0 { // a read again must not get the shared result of the first
			listHosts, listTopo = listFresh[Host], listFresh[hostTopo]
		}
		hosts, err := c.listBizHosts(ctx, bizID, f, listHosts)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(hosts))
		for i := range hosts {
			ids[i] = hosts[i].ID
		}
		withTopo, err := c.readTopology(ctx, bizID, ids, listTopo)
		if err != nil {
			return nil, err
		}
		diff := disagreement(ids, withTopo, f)
		if diff == "" {
			return withTopo, nil
		}
		c.log.Warn(ctx, "cmdb hosts and their topology disagree; reading both again", map[string]any{
			"api": APIListBizHostsTopo, "read": n + 1, "difference": diff})
		diffs = append(diffs, diff)
	}
	return nil, &DisagreeError{Differences: diffs}
}

// readTopology reads the hosts with their topology, all of them for nil ids, else
// those of ids (none for an empty list) by chunks of MaxHostIDs, merged ascending.
func (c *Client) readTopology(ctx context.Context, bizID int64, ids []int64, list lister[hostTopo]) ([]Host, error) {
	var all []Host
	for _, chunk := range chunkIDs(ids, MaxHostIDs) {
		body := hostsTopoBody{Fields: HostFields}
		if chunk != nil {
			body.HostFilter = &propertyQuery{Condition: "AND", Rules: []propertyRule{{Field: "bk_host_id", Operator: "in", Value: chunk}}}
		}
		res, err := list(ctx, c, ListBizHostsTopo, Params{BizID: bizID}, body, hostTopoID)
		if err != nil {
			return nil, err
		}
		for i := range res.Items {
			all = append(all, res.Items[i].host())
		}
	}
	slices.SortStableFunc(all, func(a, b Host) int { return cmp.Compare(a.ID, b.ID) })
	all = slices.CompactFunc(all, func(a, b Host) bool { return a.ID == b.ID })
	if all == nil {
		all = []Host{}
	}
	return all, nil
}

// disagreement says how the hosts read with their topology differ from the ids
// list_biz_hosts gave for f: a host missing or added, or one that is no longer in
// a module f selects; "" when they agree.
func disagreement(ids []int64, hosts []Host, f HostFilter) string {
	got := make([]int64, len(hosts))
	for i := range hosts {
		got[i] = hosts[i].ID
	}
	if !slices.Equal(ids, got) {
		return fmt.Sprintf("list_biz_hosts gave %d hosts, list_biz_hosts_topo %d for them (missing: %v)",
			len(ids), len(got), missing(ids, got))
	}
	sets, modules := idSet(f.SetIDs), idSet(f.ModuleIDs)
	for i := range hosts {
		if !inFilter(hosts[i].Topology, sets, modules) {
			return fmt.Sprintf("host %d is no longer in the sets and modules asked for", hosts[i].ID)
		}
	}
	return ""
}

// idSet is the set of ids, nil (any) for nil ids.
func idSet(ids []int64) map[int64]bool {
	if ids == nil {
		return nil
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// inFilter tells whether one of the modules is in modules and its set in sets (nil = any).
func inFilter(topology []HostModule, sets, modules map[int64]bool) bool {
	for _, m := range topology {
		if (sets == nil || sets[m.SetID]) && (modules == nil || modules[m.ModuleID]) {
			return true
		}
	}
	return false
}

// missing is the ids of want (ascending) not in got (ascending), at most 10.
func missing(want, got []int64) []int64 {
	var out []int64
	for _, id := range want {
		if _, found := slices.BinarySearch(got, id); !found && len(out) < 10 {
			out = append(out, id)
		}
	}
	return out
}
