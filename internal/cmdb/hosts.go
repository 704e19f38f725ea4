package cmdb

import (
	"cmp"
	"context"
	"slices"
)

// The id-list limits of list_biz_hosts (ListHostsParameter, cmdb-topology-api.md).
const (
	MaxHostSetIDs    = 200
	MaxHostModuleIDs = 500
	MaxHostIDs       = 500
)

// HostFilter selects hosts of a business; every list given applies (AND). A nil list
// is no filter; an empty one matches no host.
type HostFilter struct {
	SetIDs, ModuleIDs, HostIDs []int64
}

// hostsBody is the body of list_biz_hosts.
type hostsBody struct {
	SetIDs     []int64        `json:"bk_set_ids,omitempty"`
	ModuleIDs  []int64        `json:"bk_module_ids,omitempty"`
	HostFilter *propertyQuery `json:"host_property_filter,omitempty"`
	Fields     []string       `json:"fields"`
}

// propertyQuery is a one-level querybuilder filter.
type propertyQuery struct {
	Condition string         `json:"condition"`
	Rules     []propertyRule `json:"rules"`
}

type propertyRule struct {
	Field    string  `json:"field"`
	Operator string  `json:"operator"`
	Value    []int64 `json:"value"`
}

// ListBizHosts returns the hosts of business bizID that f selects, ascending by id and
// without duplicates. Lists longer than the API takes are split to its limits: one
// List per combination of chunks, each a consistent walk, the answers merged.
func (c *Client) ListBizHosts(ctx context.Context, bizID int64, f HostFilter) ([]Host, error) {
	return c.listBizHosts(ctx, bizID, f, List[Host, int64])
}

// listBizHosts is ListBizHosts, each walk read by list.
func (c *Client) listBizHosts(ctx context.Context, bizID int64, f HostFilter, list lister[Host]) ([]Host, error) {
	sets, modules, hosts := chunkIDs(f.SetIDs, MaxHostSetIDs), chunkIDs(f.ModuleIDs, MaxHostModuleIDs), chunkIDs(f.HostIDs, MaxHostIDs)
	if sets == nil || modules == nil || hosts == nil {
		return []Host{}, nil // an empty list matches nothing: no request
	}
	var all []Host
	calls := 0
	for _, s := range sets {
		for _, m := range modules {
			for _, h := range hosts {
				body := hostsBody{SetIDs: s, ModuleIDs: m, Fields: HostFields}
				if h != nil {
					body.HostFilter = &propertyQuery{Condition: "AND", Rules: []propertyRule{{Field: "bk_host_id", Operator: "in", Value: h}}}
				}
				res, err := list(ctx, c, ListBizHosts, Params{BizID: bizID}, body, hostID)
				if err != nil {
					return nil, err
				}
				all = append(all, res.Items...)
				calls++
			}
		}
	}
	if calls > 1 {
		slices.SortStableFunc(all, func(a, b Host) int { return cmp.Compare(a.ID, b.ID) })
		all = slices.CompactFunc(all, func(a, b Host) bool { return a.ID == b.ID })
	}
	if all == nil {
		all = []Host{}
	}
	return all, nil
}

func hostID(h *Host) int64 { return h.ID }

// chunkIDs splits the distinct ids, ascending, into chunks of at most size: [nil] (one
// call without this filter) for nil ids, nil (no call at all) for an empty list.
func chunkIDs(ids []int64, size int) [][]int64 {
	if ids == nil {
		return [][]int64{nil}
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var chunks [][]int64
	for len(ids) > 0 {
		n := min(size, len(ids))
		chunks = append(chunks, ids[:n])
		ids = ids[n:]
	}
	return chunks
}
