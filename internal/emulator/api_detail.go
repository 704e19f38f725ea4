package emulator

import (
	"slices"
	"time"
)

// detailQuery is list_service_instance_detail's body (ListServiceInstanceDetailOption).
type detailQuery struct {
	BizID              int64           `json:"bk_biz_id"`
	ModuleID           int64           `json:"bk_module_id"`
	HostID             int64           `json:"bk_host_id"`
	HostList           []int64         `json:"bk_host_list"`
	ServiceInstanceIDs *[]int64        `json:"service_instance_ids"`
	Selectors          []labelSelector `json:"selectors"`
	Page               pageBody        `json:"page"`
	hostSet            map[int64]bool  // bk_host_list as a set
}

// labelSelector is one label filter of selectors (selector.Selector).
type labelSelector struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

// validate is Selector.Validate: the key at fault, or "".
func (l labelSelector) validate() string {
	switch {
	case !slices.Contains([]string{"!", "=", "in", "!=", "notin", "exists"}, l.Operator):
		return "operator"
	case (l.Operator == "in" || l.Operator == "notin") && len(l.Values) == 0,
		(l.Operator == "exists" || l.Operator == "!") && len(l.Values) > 0,
		(l.Operator == "=" || l.Operator == "!=") && len(l.Values) != 1:
		return "values"
	case !labelKeyPattern.MatchString(l.Key):
		return "key"
	}
	return ""
}

// matches is the MongoDB filter of the selector on "labels.<key>": $ne and
// $nin also match an instance without the label (or without labels).
func (l labelSelector) matches(labels map[string]string) bool {
	v, has := labels[l.Key]
	switch l.Operator {
	case "=":
		return has && v == l.Values[0]
	case "!=":
		return !has || v != l.Values[0]
	case "in":
		return has && slices.Contains(l.Values, v)
	case "notin":
		return !has || !slices.Contains(l.Values, v)
	case "exists":
		return has
	}
	return !has // "!"
}

// serveListServiceInstanceDetail is list_service_instance_detail (proc_server
// ListServiceInstancesDetails, core service listSvcInstForDetail), checked in
// the CMDB's order: a body of the wrong types → 1199000; limit > 1000 →
// 1199059; bk_biz_id < 1 → 1199006; limit ≤ 0 (a missing page included) →
// 1199059; bk_host_id with bk_host_list → 1199006; a bad selector → 1199006
// with its key. Filters: bk_module_id (> 0), bk_host_id (> 0) or
// bk_host_list, service_instance_ids (present: [] matches nothing), selectors
// (ANDed). Default order -create_time, ties in an order that changes with
// every request (instances created together share their create_time).
func (s *Server) serveListServiceInstanceDetail(c *call) *response {
	ex := c.ex
	var in detailQuery
	if err := decodeBody(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	p := in.Page
	if s.strictRefuses(c, p.Limit, true) || p.Limit > MaxPageLimit {
		return s.cmdbError(ex, CodeCMDBPageLimit)
	}
	switch {
	case in.BizID <= 0:
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "bk_biz_id")
	case p.Limit <= 0:
		return s.cmdbError(ex, CodeCMDBPageLimit)
	case in.HostID > 0 && len(in.HostList) > 0:
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "bk_host_id and bk_host_list cannot be set at the same time")
	}
	for _, sel := range in.Selectors {
		if key := sel.validate(); key != "" {
			return s.cmdbError(ex, CodeCMDBParamsInvalid, key)
		}
	}
	if p.Start < 0 {
		return s.cmdbError(ex, CodeCMDBQueryFailed) // the database refuses a negative skip
	}
	s.pageRequested(ex, PageRequest{BizID: in.BizID, Start: p.Start, Limit: p.Limit})
	in.hostSet = make(map[int64]bool, len(in.HostList))
	for _, id := range in.HostList {
		in.hostSet[id] = true
	}
	var found []detailItem
	if s.supplierMatches(c) {
		found = s.store.details(in.BizID, in.ServiceInstanceIDs, in.keep)
	}
	found = orderDetails(found, p.Sort, uint64(ex.page.N))
	var items []detailItem
	if p.Start < len(found) {
		items = found[p.Start:min(len(found), p.Start+p.Limit+max(0, c.extraItems))]
	}
	ex.items, ex.count = len(items), len(found)
	size := 0
	for _, it := range items {
		size += len(it.json) + 40 + 700*len(it.procs)
	}
	multiTenant := s.opts.MultiTenant
	return s.success(ex, len(found), size, func(b []byte) []byte {
		for i := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendDetail(b, &items[i], multiTenant)
		}
		return b
	})
}

// keep is the query's filter on one instance of its business, but for
// service_instance_ids (store.details looks those up).
func (q *detailQuery) keep(in *Instance) bool {
	switch {
	case q.ModuleID > 0 && in.ModuleID != q.ModuleID,
		q.HostID > 0 && in.HostID != q.HostID,
		len(q.HostList) > 0 && !q.hostSet[in.HostID]:
		return false
	}
	for _, sel := range q.Selectors {
		if !sel.matches(in.Labels) {
			return false
		}
	}
	return true
}

// instanceKind is the service instance record, for page.sort.
var instanceKind = newKind("id", "", false, 0x696e_7374, []string{
	"bk_biz_id", "id", "name", "labels", "service_template_id", "bk_host_id", "bk_module_id", "creator",
	"modifier", "create_time", "last_time", "bk_supplier_account",
}, nil, nil)

// instanceValue is the value of key idx of in for sorting: numbers,
// strings, times as instants (MongoDB dates), nil for labels.
func instanceValue(in *Instance, idx int) any {
	switch instanceKind.keys[idx] {
	case "bk_biz_id":
		return in.BizID
	case "id":
		return in.ID
	case "name":
		return in.Name
	case "service_template_id":
		return in.ServiceTemplateID
	case "bk_host_id":
		return in.HostID
	case "bk_module_id":
		return in.ModuleID
	case "creator":
		return in.Creator
	case "modifier":
		return in.Modifier
	case "create_time":
		return instant(in.CreateTime)
	case "last_time":
		return instant(in.LastTime)
	case "bk_supplier_account":
		return in.SupplierAccount
	}
	return nil
}

func instant(ts string) any {
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return nil
	}
	return t.UnixNano()
}

// orderDetails orders items (ascending by id) by page.sort, ties in the
// fixed natural order; without a sort by -create_time, ties in an order
// drawn from salt (the request's number), so paging is not stable.
func orderDetails(items []detailItem, sort string, salt uint64) []detailItem {
	tie := func(id int64) uint64 { return splitmix(uint64(id) ^ instanceKind.salt) }
	keys := parseSort(instanceKind, sort)
	if len(keys) == 0 {
		keys = parseSort(instanceKind, "-create_time")
		tie = func(id int64) uint64 { return splitmix(uint64(id) ^ splitmix(salt)) }
	}
	if len(keys) == 1 && keys[0].idx == instanceKind.index["id"] {
		if keys[0].desc {
			items = slices.Clone(items)
			slices.Reverse(items)
		}
		return items
	}
	type keyed struct {
		vals []any
		tie  uint64
		item detailItem
	}
	rows := make([]keyed, len(items))
	for i, it := range items {
		rows[i] = keyed{vals: make([]any, len(keys)), tie: tie(it.inst.ID), item: it}
		for j, k := range keys {
			if k.idx >= 0 {
				rows[i].vals[j] = instanceValue(it.inst, k.idx)
			}
		}
	}
	slices.SortFunc(rows, func(a, b keyed) int {
		for j, k := range keys {
			c := compareValues(a.vals[j], b.vals[j])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		switch {
		case a.tie < b.tie:
			return -1
		case a.tie > b.tie:
			return 1
		}
		return 0
	})
	out := make([]detailItem, len(rows))
	for i := range rows {
		out[i] = rows[i].item
	}
	return out
}
