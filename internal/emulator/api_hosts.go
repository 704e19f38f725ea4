package emulator

import (
	"encoding/json"
	"strconv"
)

// hostsQuery is list_biz_hosts's body (ListHostsParameter,
// src/common/metadata/hostserver.go).
type hostsQuery struct {
	SetIDs             []int64         `json:"bk_set_ids"`
	SetCond            []condItem      `json:"set_cond"`
	ModuleIDs          []int64         `json:"bk_module_ids"`
	ModuleCond         []condItem      `json:"module_cond"`
	HostPropertyFilter json.RawMessage `json:"host_property_filter"`
	Fields             []string        `json:"fields"`
	Page               pageBody        `json:"page"`
}

// condItem is a ConditionItem of set_cond and module_cond: a MongoDB
// operator ("$eq", "$ne", "$in", …) on a field.
type condItem struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// Limits of ListHostsParameter.Validate.
const (
	maxHostSetIDs    = 200
	maxHostModuleIDs = 500
	// maxInValues is querybuilder.DefaultMaxSliceElementsCount. list_biz_hosts
	// does not apply it in the CMDB code (its RuleOption sets no maximum);
	// StrictLimits does, as the topology document asks clients to keep to it.
	maxInValues = 500
)

// serveListBizHosts is list_biz_hosts (host_server ListBizHosts). The
// checks come in the CMDB's order, all answered with 1199006 and the key at
// fault: page (start ≥ 0, limit ≤ 1000), host_property_filter (combined at
// the top, known operators and fields, value types, at most two levels),
// bk_set_ids ≤ 200, bk_module_ids ≤ 500, the business id, limit ≥ 1, and
// neither bk_set_ids with set_cond nor bk_module_ids with module_cond. Sorted
// by bk_host_id unless page.sort says otherwise; fields keeps bk_host_id.
func (s *Server) serveListBizHosts(c *call) *response {
	ex := c.ex
	var in hostsQuery
	if err := decodeBody(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	filter, err := decodeQB(in.HostPropertyFilter)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode) // the filter's UnmarshalJSON fails the decode
	}
	p := in.Page
	if s.strictRefuses(c, p.Limit, false) {
		return s.cmdbError(ex, CodeCMDBPageLimit)
	}
	if key, ok := checkHostsQuery(in, filter, s.opts.StrictLimits); !ok {
		return s.cmdbError(ex, CodeCMDBParamsInvalid, key)
	}
	bizID, err := strconv.ParseInt(c.params["bk_biz_id"], 10, 64)
	switch {
	case err != nil || bizID == 0:
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "bk_biz_id")
	case p.Limit <= 0: // Page.IsIllegal
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "page.limit")
	case len(in.SetIDs) > 0 && len(in.SetCond) > 0:
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "bk_set_ids and set_cond can't both be set")
	case len(in.ModuleIDs) > 0 && len(in.ModuleCond) > 0:
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "bk_module_ids and module_cond can't both be set")
	}
	var match pred
	if filter != nil {
		if match, err = filter.compile(hostKind); err != nil {
			return s.cmdbError(ex, CodeCMDBQueryFailed)
		}
	}
	sets, errSets := s.idsBy(setKind, &s.topo.set, bizID, in.SetIDs, in.SetCond)
	modules, errModules := s.idsBy(moduleKind, &s.topo.module, bizID, in.ModuleIDs, in.ModuleCond)
	if errSets != nil || errModules != nil {
		return s.cmdbError(ex, CodeCMDBQueryFailed)
	}
	s.pageRequested(ex, PageRequest{BizID: bizID, Start: p.Start, Limit: p.Limit})
	var found []*record
	if (sets == nil || len(sets) > 0) && (modules == nil || len(modules) > 0) {
		found = filterRecords(s.topo.hostsIn(bizID, sets, modules), match)
	}
	return s.recordPage(c, hostKind, found, p, p.Limit, true, projection(hostKind, in.Fields))
}

// decodeQB decodes a querybuilder filter of a body (a *querybuilder.QueryFilter):
// nil for none or null; an error when the CMDB could not decode it.
func decodeQB(raw json.RawMessage) (*qbRule, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var data map[string]any
	if err := decodeBody(raw, &data); err != nil {
		return nil, err
	}
	return parseQB(data)
}

// checkHostsQuery is ListHostsParameter.Validate: the key at fault, or ok.
func checkHostsQuery(in hostsQuery, filter *qbRule, strict bool) (string, bool) {
	switch {
	case in.Page.Start < 0:
		return "page.start", false
	case in.Page.Limit < 0, in.Page.Limit > MaxPageLimit:
		return "page.limit", false
	}
	if filter != nil {
		opt := qbOptions{}
		if strict {
			opt.maxSlice = maxInValues
		}
		if key, ok := filter.validate(true, opt); !ok {
			return "host_property_filter." + key, false
		}
		if filter.depth() > qbMaxDeep {
			return "host_property_filter.rules", false
		}
	}
	switch {
	case len(in.SetIDs) > maxHostSetIDs:
		return "bk_set_ids", false
	case len(in.ModuleIDs) > maxHostModuleIDs:
		return "bk_module_ids", false
	}
	return "", true
}

// idsBy resolves a list of ids or a set_cond/module_cond to the ids of a
// business's sets or modules; nil means no filter, an empty map no match.
func (s *Server) idsBy(k *kind, tb *table, bizID int64, ids []int64, conds []condItem) (map[int64]bool, error) {
	out := map[int64]bool{}
	switch {
	case len(ids) > 0:
		for _, id := range ids {
			out[id] = true
		}
	case len(conds) > 0:
		var preds []pred
		for _, cond := range conds {
			test, err := opTest(cond.Operator, cond.Value)
			if err != nil {
				return nil, err
			}
			preds = append(preds, fieldPred(k, cond.Field, test))
		}
		for _, r := range filterRecords(s.topo.list(tb, bizID), allOf(preds)) {
			out[r.id] = true
		}
	default:
		return nil, nil
	}
	return out, nil
}
