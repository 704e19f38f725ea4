package emulator

import (
	"encoding/json"
	"slices"
	"strconv"
)

// BKDefaultLimit: list_set_template's limit when the request has none.
const defaultTemplateLimit = 20

// templateQuery is list_set_template's body (ListSetTemplateOption).
type templateQuery struct {
	SetTemplateIDs *[]int64 `json:"set_template_ids"`
	Page           pageBody `json:"page"`
}

// serveListSetTemplate is list_set_template (topo_server ListSetTemplate and
// core service ListSetTemplate): a missing limit becomes 20, the page is
// checked (IsIllegal, 1199059; BKNoLimit is no limit), set_template_ids
// filters when present (an empty list finds nothing). No name filter, no
// default order.
func (s *Server) serveListSetTemplate(c *call) *response {
	ex := c.ex
	bizID, err := strconv.ParseInt(c.params["bk_biz_id"], 10, 64)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "bk_biz_id")
	}
	var in templateQuery
	if err := decodeBody(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	if in.Page.Limit == 0 {
		in.Page.Limit = defaultTemplateLimit
	}
	p := in.Page
	if s.strictRefuses(c, p.Limit, false) || p.Start < 0 || p.Limit < 0 || p.Limit > MaxPageLimit && p.Limit != noLimit {
		return s.cmdbError(ex, CodeCMDBPageLimit)
	}
	s.pageRequested(ex, PageRequest{BizID: bizID, Start: p.Start, Limit: p.Limit})
	found := s.topo.list(&s.topo.tpl, bizID)
	if in.SetTemplateIDs != nil {
		found = filterRecords(found, func(r *record) bool { return slices.Contains(*in.SetTemplateIDs, r.id) })
	}
	limit := p.Limit
	if limit == noLimit {
		limit = -1
	}
	return s.recordPage(c, templateKind, found, p, limit, false, nil)
}

// instQuery is the body of search_set and search_module (QueryCondition,
// plus search_set's filter and search_module's bk_set_id).
type instQuery struct {
	Fields    []string        `json:"fields"`
	Page      pageBody        `json:"page"`
	Condition map[string]any  `json:"condition"`
	Filter    json.RawMessage `json:"filter"`
	SetID     int64           `json:"bk_set_id"`
}

// serveSearchSet is search_set (topo_server SearchSet): condition values are
// exact matches (or MongoDB operators); every business has its idle pool set
// (default 1). The page goes to the database unchecked; no default order.
func (s *Server) serveSearchSet(c *call) *response {
	ex := c.ex
	bizID, err := strconv.ParseInt(c.params["bk_biz_id"], 10, 64)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBNeedInt, "business id")
	}
	var in instQuery
	if err := decodeBody(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	if len(in.Filter) > 0 && string(in.Filter) != "null" {
		arg := "filter: not emulated, use condition"
		if in.Condition != nil {
			arg = "condition and filter cannot be set at the same time"
		}
		return s.cmdbError(ex, CodeCMDBParamInvalid, arg)
	}
	return s.searchInstances(c, setKind, &s.topo.set, bizID, in)
}

// serveSearchModule is search_module (topo_server SearchModule): like
// search_set, for the modules of one set (bk_set_id 0: of every set).
func (s *Server) serveSearchModule(c *call) *response {
	ex := c.ex
	bizID, err := strconv.ParseInt(c.params["bk_biz_id"], 10, 64)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBNeedInt, "bk_biz_id")
	}
	setID, err := strconv.ParseInt(c.params["bk_set_id"], 10, 64)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBNeedInt, "bk_set_id")
	}
	var in instQuery
	if err := decodeBody(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	if setID > 0 {
		in.SetID = setID
	}
	if in.SetID > 0 {
		if in.Condition == nil {
			in.Condition = map[string]any{}
		}
		in.Condition["bk_set_id"] = json.Number(strconv.FormatInt(in.SetID, 10))
	}
	return s.searchInstances(c, moduleKind, &s.topo.module, bizID, in)
}

// searchInstances answers search_set and search_module once their inputs are read.
func (s *Server) searchInstances(c *call, k *kind, tb *table, bizID int64, in instQuery) *response {
	ex := c.ex
	if s.strictRefuses(c, in.Page.Limit, true) {
		return s.cmdbError(ex, CodeCMDBPageLimit)
	}
	delete(in.Condition, "bk_biz_id") // the server sets it to the path's
	match, err := conditionPred(k, in.Condition)
	if err != nil || in.Page.Start < 0 {
		return s.cmdbError(ex, CodeCMDBQueryFailed)
	}
	s.pageRequested(ex, PageRequest{BizID: bizID, Start: in.Page.Start, Limit: in.Page.Limit})
	found := filterRecords(s.topo.list(tb, bizID), match)
	return s.recordPage(c, k, found, in.Page, mongoLimit(in.Page.Limit), false, projection(k, in.Fields))
}
