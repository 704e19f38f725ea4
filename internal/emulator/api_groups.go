package emulator

import (
	"encoding/json"
	"slices"
	"strconv"
)

// DocumentedGroupPageLimit is the page maximum the documentation of
// search_dynamic_group and execute_dynamic_group gives (the code allows 1000).
const DocumentedGroupPageLimit = 200

// groupQuery is search_dynamic_group's body (QueryCondition).
type groupQuery struct {
	Condition      map[string]any `json:"condition"`
	Fields         []string       `json:"fields"`
	Page           pageBody       `json:"page"`
	DisableCounter bool           `json:"disable_counter"`
}

// executeQuery is execute_dynamic_group's body (ExecuteOption);
// variable_condition is accepted and not applied.
type executeQuery struct {
	VariableCondition json.RawMessage `json:"variable_condition"`
	Fields            []string        `json:"fields"`
	Page              pageBody        `json:"page"`
	DisableCounter    bool            `json:"disable_counter"`
}

// illegalPage is BasePage.IsIllegal.
func illegalPage(p pageBody) bool {
	return p.Start < 0 || p.Limit <= 0 || p.Limit > MaxPageLimit && p.Limit != noLimit
}

// pageSlice orders all (ascending by id) and cuts the page from it, with a
// fault's extra items.
func pageSlice(c *call, k *kind, all []*record, p pageBody) []*record {
	if p.Start >= len(all) {
		return nil
	}
	end := len(all)
	if p.Limit != noLimit {
		end = min(end, p.Start+p.Limit+max(0, c.extraItems))
	}
	return orderRecords(k, all, p.Sort, false)[p.Start:end]
}

// serveSearchDynamicGroup is search_dynamic_group (host_server
// SearchDynamicGroup, core service SearchDynamicGroup): a non-numeric
// bk_biz_id, a negative start ('start') or an illegal limit ('limit') →
// 1199011; bk_biz_id is the path's; a non-empty name string becomes
// {$regex: <escaped name>} without options, a case-sensitive substring
// match; other values are exact. The default sort is create_time (groups
// created together keep the natural order); disable_counter gives count 0;
// fields is a projection into the group struct, so the other keys are sent
// with zero values.
func (s *Server) serveSearchDynamicGroup(c *call) *response {
	ex := c.ex
	bizID, err := strconv.ParseInt(c.params["bk_biz_id"], 10, 64)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBParamInvalid, "bk_biz_id")
	}
	var in groupQuery
	if err := decodeBody(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	p := in.Page
	switch {
	case p.Start < 0:
		return s.cmdbError(ex, CodeCMDBParamInvalid, "start")
	case s.strictRefuses(c, p.Limit, true):
		return s.cmdbError(ex, CodeCMDBPageLimit)
	case illegalPage(p):
		return s.cmdbError(ex, CodeCMDBParamInvalid, "limit")
	}
	cond := map[string]any{}
	for k, v := range in.Condition {
		cond[k] = v
	}
	cond["bk_biz_id"] = json.Number(strconv.FormatInt(bizID, 10))
	if name, ok := cond["name"].(string); ok && name != "" {
		cond["name"] = map[string]any{"$regex": likePattern(name)}
	}
	match, err := conditionPred(groupKind, cond)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBQueryFailed)
	}
	if p.Sort == "" {
		p.Sort = "create_time"
	}
	s.pageRequested(ex, PageRequest{BizID: bizID, Start: p.Start, Limit: p.Limit})
	var all []*record
	if s.supplierMatches(c) {
		all = filterRecords(s.topo.objects.groupsOf(bizID), match)
	}
	items := pageSlice(c, groupKind, all, p)
	count := len(all)
	if in.DisableCounter {
		count = 0
	}
	sel := projection(groupKind, in.Fields)
	return s.answerRecords(ex, count, items, func(b []byte, r *record) []byte {
		if sel == nil {
			return append(b, r.json...)
		}
		return appendProjectedGroup(b, srcOf[DynamicGroup](r), sel)
	})
}

// appendProjectedGroup appends a group with the keys not selected at their
// zero values, as a MongoDB projection decoded into the CMDB's struct is sent.
func appendProjectedGroup(b []byte, g DynamicGroup, sel []bool) []byte {
	keep := func(key string) bool { return sel[groupKind.index[key]] }
	z := DynamicGroup{CreateTime: zeroTime, LastTime: zeroTime}
	if keep("bk_biz_id") {
		z.BizID = g.BizID
	}
	for key, f := range map[string]*string{"id": &z.ID, "name": &z.Name, "bk_obj_id": &z.ObjID, "create_user": &z.CreateUser,
		"modify_user": &z.ModifyUser, "create_time": &z.CreateTime, "last_time": &z.LastTime} {
		if keep(key) {
			*f = map[string]string{"id": g.ID, "name": g.Name, "bk_obj_id": g.ObjID, "create_user": g.CreateUser,
				"modify_user": g.ModifyUser, "create_time": g.CreateTime, "last_time": g.LastTime}[key]
		}
	}
	if keep("info") {
		z.Info = g.Info
	}
	raw, _ := json.Marshal(z)
	return append(b, raw...)
}

// serveExecuteDynamicGroup is execute_dynamic_group (host_server
// ExecuteDynamicGroup, checkAndBuildParam): a non-numeric bk_biz_id →
// 1199011 'bk_biz_id'; an empty fields → 1199011 (bare template); a negative
// start or an illegal limit → 1199000; a group unknown in the business →
// 1199019. A host group's rows are hosts (fields plus bk_host_id and
// bk_cloud_id), a set group's sets; data {count, info}, see groupRows.
func (s *Server) serveExecuteDynamicGroup(c *call) *response {
	ex := c.ex
	bizID, err := strconv.ParseInt(c.params["bk_biz_id"], 10, 64)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBParamInvalid, "bk_biz_id")
	}
	var in executeQuery
	if err := decodeBody(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	p := in.Page
	switch {
	case len(in.Fields) == 0:
		return s.cmdbError(ex, CodeCMDBParamInvalid, "%s")
	case s.strictRefuses(c, p.Limit, true):
		return s.cmdbError(ex, CodeCMDBPageLimit)
	case illegalPage(p):
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	g, found := s.topo.objects.group(bizID, c.params["id"])
	if !found || !s.supplierMatches(c) {
		return s.cmdbError(ex, CodeCMDBNotFound)
	}
	s.pageRequested(ex, PageRequest{BizID: bizID, Start: p.Start, Limit: p.Limit})
	k, items, count, err := s.groupRows(c, bizID, g, p)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBQueryFailed)
	}
	if in.DisableCounter {
		count = 0
	}
	fields := in.Fields
	if k == hostKind {
		fields = append(slices.Clone(fields), "bk_host_id", "bk_cloud_id")
	}
	sel := projection(k, fields)
	en := ex.lang == langEN
	return s.answerRecords(ex, count, items, func(b []byte, r *record) []byte { return appendRecord(b, k, r, sel, en) })
}

// groupRows evaluates a group's conditions against its business.
//
// A host group (HostDynamicGroupExecutor): set rules select sets, module
// rules modules (in those sets), host rules filter the hosts of the business
// in them. Without host rules the page is cut from the host ids in ascending
// order and only then put in page.sort order (the natural order without
// one); with host rules the whole list is ordered first. The count is the
// number of hosts, but 0 when the page is empty (isNotFound).
//
// A set group (ExecuteSetDynamicGroup): the set rules filter the sets of the
// business, ordered by page.sort (no default order), count the total.
func (s *Server) groupRows(c *call, bizID int64, g DynamicGroup, p pageBody) (*kind, []*record, int, error) {
	rules := map[string][]GroupRule{}
	for _, gc := range append(slices.Clone(g.Info.Condition), g.Info.VariableCondition...) {
		rules[gc.ObjID] = append(rules[gc.ObjID], gc.Condition...)
	}
	if g.ObjID == "set" {
		match, err := rulesPred(setKind, rules["set"])
		if err != nil {
			return nil, nil, 0, err
		}
		all := filterRecords(s.topo.list(&s.topo.set, bizID), match)
		return setKind, pageSlice(c, setKind, all, p), len(all), nil
	}
	var sets, modules map[int64]bool
	var err error
	if len(rules["set"]) > 0 {
		if sets, err = s.groupIDs(setKind, &s.topo.set, bizID, rules["set"], nil); err != nil {
			return nil, nil, 0, err
		}
	}
	if len(rules["module"]) > 0 {
		if modules, err = s.groupIDs(moduleKind, &s.topo.module, bizID, rules["module"], sets); err != nil {
			return nil, nil, 0, err
		}
	}
	var all []*record
	if (sets == nil || len(sets) > 0) && (modules == nil || len(modules) > 0) {
		all = s.topo.hostsIn(bizID, sets, modules)
	}
	var items []*record
	if len(rules["host"]) == 0 {
		if p.Start < len(all) {
			end := len(all)
			if p.Limit != noLimit {
				end = min(end, p.Start+p.Limit+max(0, c.extraItems))
			}
			items = orderRecords(hostKind, all[p.Start:end], p.Sort, false)
		}
	} else {
		match, err := rulesPred(hostKind, rules["host"])
		if err != nil {
			return nil, nil, 0, err
		}
		all = filterRecords(all, match)
		items = pageSlice(c, hostKind, all, p)
	}
	if len(items) == 0 {
		return hostKind, nil, 0, nil
	}
	return hostKind, items, len(all), nil
}

// groupIDs is the ids of a business's sets or modules matching rules (a
// module also in one of sets, when given).
func (s *Server) groupIDs(k *kind, tb *table, bizID int64, rules []GroupRule, sets map[int64]bool) (map[int64]bool, error) {
	match, err := rulesPred(k, rules)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, r := range filterRecords(s.topo.list(tb, bizID), match) {
		if sets == nil || sets[srcOf[Module](r).SetID] {
			out[r.id] = true
		}
	}
	return out, nil
}

// answerRecords is a success with data {count, info: [items]}.
func (s *Server) answerRecords(ex *exchange, count int, items []*record, appendItem func([]byte, *record) []byte) *response {
	ex.items, ex.count = len(items), count
	size := 0
	for _, r := range items {
		size += len(r.json) + 1
	}
	return s.success(ex, count, size, func(b []byte) []byte {
		for i, r := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendItem(b, r)
		}
		return b
	})
}
