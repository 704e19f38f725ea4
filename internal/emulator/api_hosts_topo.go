package emulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// APIListBizHostsTopo is list_biz_hosts_topo: hosts with the sets and modules they are in.
const APIListBizHostsTopo = "list_biz_hosts_topo"

// Codes of list_biz_hosts_topo's page check (ListBizHostsTopoParameter.Validate).
const (
	CodeCMDBParamUnassigned = 1199010 // CCErrCommParamsNeedSet: page.limit 0
	CodeCMDBExceedLimit     = 1199035 // CCErrCommXXExceedLimit: page.limit > 500, filters deeper than 2 levels
)

// maxTopoPageLimit is common.BKMaxInstanceLimit, list_biz_hosts_topo's page maximum.
const maxTopoPageLimit = 500

// hostsTopoQuery is list_biz_hosts_topo's body (ListBizHostsTopoParameter).
type hostsTopoQuery struct {
	SetPropertyFilter    json.RawMessage `json:"set_property_filter"`
	ModulePropertyFilter json.RawMessage `json:"module_property_filter"`
	HostPropertyFilter   json.RawMessage `json:"host_property_filter"`
	Fields               []string        `json:"fields"`
	Page                 pageBody        `json:"page"`
}

// serveListBizHostsTopo is list_biz_hosts_topo (host_server ListBizHostsTopo, CMDB 3.14):
// the business id (1199006), the body (1199000), then Validate: page.limit 0 → 1199010,
// > 500 → 1199035, each filter checked as querybuilder does (1199006 with its key, deeper
// than two levels 1199035). The set and module filters select sets and modules of the
// business (one matching nothing answers count 0); the hosts are those in a selected
// module of a selected set, filtered by host_property_filter, ascending by bk_host_id.
// Each host keeps its fields plus bk_host_id (only bk_host_id without fields); its topo
// lists every set and module it is in, whatever the filters, in an order shuffled anew
// on every request (the CMDB builds it from a map). A start past the end answers count 0.
func (s *Server) serveListBizHostsTopo(c *call) *response {
	ex := c.ex
	bizID, err := strconv.ParseInt(c.params["bk_biz_id"], 10, 64)
	if err != nil || bizID == 0 {
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "bk_biz_id")
	}
	var in hostsTopoQuery
	if decodeBody(ex.body, &in) != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	var filters [3]*qbRule
	for i, raw := range []json.RawMessage{in.HostPropertyFilter, in.SetPropertyFilter, in.ModulePropertyFilter} {
		if filters[i], err = decodeQB(raw); err != nil {
			return s.cmdbError(ex, CodeCMDBJSONDecode)
		}
	}
	p := in.Page
	switch {
	case p.Limit == 0:
		return s.cmdbError(ex, CodeCMDBParamUnassigned, "page.limit")
	case p.Limit > maxTopoPageLimit:
		return s.exceedLimit(ex, "page.limit", maxTopoPageLimit)
	}
	opt := qbOptions{}
	if s.opts.StrictLimits {
		opt.maxSlice = maxInValues
	}
	for i, name := range []string{"host_property_filter", "set_property_filter", "module_property_filter"} {
		if f := filters[i]; f != nil {
			if key, ok := f.validate(true, opt); !ok {
				return s.cmdbError(ex, CodeCMDBParamsInvalid, name+"."+key)
			}
			if f.depth() > qbMaxDeep {
				return s.exceedLimit(ex, name+".rules", qbMaxDeep)
			}
		}
	}
	if s.opts.StrictLimits && len(in.Fields) == 0 { // the documentation requires fields
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "fields")
	}
	if p.Start < 0 {
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "page.start")
	}
	var preds [3]pred
	for i, k := range []*kind{hostKind, setKind, moduleKind} {
		if filters[i] != nil {
			if preds[i], err = filters[i].compile(k); err != nil {
				return s.cmdbError(ex, CodeCMDBQueryFailed)
			}
		}
	}
	sets := s.idsMatching(&s.topo.set, bizID, filters[1], preds[1])
	modules := s.idsMatching(&s.topo.module, bizID, filters[2], preds[2])
	s.pageRequested(ex, PageRequest{BizID: bizID, Start: p.Start, Limit: p.Limit})
	var found []*record
	if s.supplierMatches(c) && (sets == nil || len(sets) > 0) && (modules == nil || len(modules) > 0) {
		found = filterRecords(s.topo.hostsIn(bizID, sets, modules), preds[0])
	}
	return s.hostTopoPage(c, found, p, projection(hostKind, append(slices.Clone(in.Fields), hostKind.idKey)))
}

// exceedLimit is 1199035 for key over limit.
func (s *Server) exceedLimit(ex *exchange, key string, limit int) *response {
	msg := fmt.Sprintf(codeMessage(CodeCMDBExceedLimit, ex.lang), key, limit)
	return s.envelopeError(ex, CodeCMDBExceedLimit, msg, nil, ex.gateway == GatewayAPIGW && s.opts.BackendErrorKeys)
}

// idsMatching is the ids of the business's records of tb that match a filter, nil
// (no filter) without one.
func (s *Server) idsMatching(tb *table, bizID int64, f *qbRule, match pred) map[int64]bool {
	if f == nil {
		return nil
	}
	out := map[int64]bool{}
	for _, r := range filterRecords(s.topo.list(tb, bizID), match) {
		out[r.id] = true
	}
	return out
}

// hostTopoPage answers one page of hosts with their topology: all of them
// ascending by id (or page.sort), from start, at most limit (plus a fault's
// extra items). A start past the end answers count 0, as the CMDB does.
func (s *Server) hostTopoPage(c *call, all []*record, p pageBody, sel []bool) *response {
	ex := c.ex
	limit := p.Limit
	if limit < 0 { // MongoDB reads a negative limit as its absolute value
		limit = -limit
	}
	var items []*record
	count := len(all)
	if p.Start < len(all) {
		end := min(len(all), p.Start+limit+max(0, c.extraItems))
		items = orderRecords(hostKind, all, p.Sort, true)[p.Start:end]
	} else {
		count = 0
	}
	ex.items, ex.count = len(items), count
	seed := splitmix(uint64(s.reqCount.Load())) // a new order for every request
	en := ex.lang == langEN
	return s.success(ex, count, 256*len(items), func(b []byte) []byte {
		for i, r := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"host":`...)
			b = appendRecord(b, hostKind, r, sel, en)
			b = append(b, `,"topo":`...)
			b = s.topo.appendHostTopo(b, r, seed)
			b = append(b, '}')
		}
		return b
	})
}

// appendHostTopo appends the topo of host r: one entry per set it is in, each with
// its modules, both in an order shuffled from seed; [] without relations. Names are
// as stored (the CMDB does not translate them here).
func (t *topoStore) appendHostTopo(b []byte, r *record, seed uint64) []byte {
	t.mu.RLock()
	defer t.mu.RUnlock()
	bySet := map[int64][]int64{}
	var setIDs []int64
	for _, m := range srcOf[Host](r).ModuleIDs {
		set := t.setOf[m]
		if _, seen := bySet[set]; !seen {
			setIDs = append(setIDs, set)
		}
		bySet[set] = append(bySet[set], m)
	}
	shuffle := func(ids []int64) {
		slices.SortFunc(ids, func(x, y int64) int {
			a, b := splitmix(uint64(x)^seed), splitmix(uint64(y)^seed)
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		})
	}
	shuffle(setIDs)
	b = append(b, '[')
	for i, set := range setIDs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"bk_set_id":`...)
		b = strconv.AppendInt(b, set, 10)
		b = append(b, `,"bk_set_name":`...)
		b = appendJSONString(b, nameOf[Set](t.set.get(set), func(s Set) string { return s.Name }))
		b = append(b, `,"module":[`...)
		modules := bySet[set]
		shuffle(modules)
		for j, m := range modules {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"bk_module_id":`...)
			b = strconv.AppendInt(b, m, 10)
			b = append(b, `,"bk_module_name":`...)
			b = appendJSONString(b, nameOf[Module](t.module.get(m), func(m Module) string { return m.Name }))
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}
	return append(b, ']')
}

// nameOf is the name of the object behind r, "" for none.
func nameOf[T any](r *record, name func(T) string) string {
	if r == nil {
		return ""
	}
	return name(srcOf[T](r))
}
