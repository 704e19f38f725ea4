package emulator

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// maxObjectPageLimit is BKMaxInstanceLimit: search_object_instances' page
// maximum (page.ValidateLimit), also its documented one.
const maxObjectPageLimit = 500

// objectQuery is the body of search_object_instances (SearchInstanceFilter)
// and count_object_instances (CountInstanceFilter, without fields and page).
type objectQuery struct {
	Conditions    json.RawMessage `json:"conditions"`
	TimeCondition json.RawMessage `json:"time_condition"`
	Fields        []string        `json:"fields"`
	Page          pageBody        `json:"page"`
}

// parse decodes the body and its conditions (pkg/filter's Expression): nil
// for none. A body or an expression that does not decode is 1199000; one
// that fails Validate (NewDefaultExprOpt, IgnoreRuleFields) is 1199006 with
// the key "conditions: <expression>"; with page, limit 1..500 first
// ('page.limit'). time_condition is accepted and ignored.
func (s *Server) parseObjectQuery(c *call, in *objectQuery, page bool) (pred, *response) {
	ex := c.ex
	if err := decodeBody(ex.body, in); err != nil {
		return nil, s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	var rule *qbRule
	if len(in.Conditions) > 0 && string(in.Conditions) != "null" {
		var data map[string]any
		var err error
		if decodeBody(in.Conditions, &data) != nil || data == nil {
			return nil, s.cmdbError(ex, CodeCMDBJSONDecode)
		}
		if rule, err = parseQB(data); err != nil || !exprDecodes(rule) {
			return nil, s.cmdbError(ex, CodeCMDBJSONDecode)
		}
	}
	if page && (in.Page.Limit <= 0 || in.Page.Limit > maxObjectPageLimit) {
		return nil, s.cmdbError(ex, CodeCMDBParamsInvalid, "page.limit")
	}
	if rule == nil {
		return nil, nil
	}
	if _, ok := rule.validate(true, exprOptions); !ok || rule.depth() > qbMaxDeep {
		var compact bytes.Buffer
		_ = json.Compact(&compact, in.Conditions)
		return nil, s.cmdbError(ex, CodeCMDBParamsInvalid, "conditions: "+compact.String())
	}
	k, _ := s.topo.objects.instances(c.params["bk_obj_id"])
	if k == nil {
		k = newKind("bk_inst_id", "", false, 0, []string{"bk_inst_id"}, nil, nil)
	}
	match, err := rule.compile(k)
	if err != nil {
		return nil, s.cmdbError(ex, CodeCMDBQueryFailed)
	}
	return match, nil
}

// exprDecodes tells whether every in/not_in value is a list or null, as
// AtomRule.UnmarshalJSON requires.
func exprDecodes(r *qbRule) bool {
	if r.combined {
		for _, c := range r.rules {
			if !exprDecodes(c) {
				return false
			}
		}
		return true
	}
	if r.operator == "in" || r.operator == "not_in" {
		_, isList := r.value.([]any)
		return isList || r.value == nil
	}
	return true
}

// serveSearchObjectInstances is search_object_instances (topo_server
// SearchObjectInstances): a built-in model → 1199084 before anything else;
// then the body (parseObjectQuery). An unknown model is an empty table: no
// error. The answer has no count ({info}), info is null when nothing is on
// the page, there is no default order (the fixed shuffle) and fields is a
// MongoDB projection (bk_inst_id only when asked for).
func (s *Server) serveSearchObjectInstances(c *call) *response {
	ex := c.ex
	objID := c.params["bk_obj_id"]
	if builtinModels[objID] {
		return s.cmdbError(ex, CodeCMDBInnerModel)
	}
	var in objectQuery
	match, resp := s.parseObjectQuery(c, &in, true)
	if resp != nil {
		return resp
	}
	p := in.Page
	if s.strictRefuses(c, p.Limit, true) {
		return s.cmdbError(ex, CodeCMDBParamsInvalid, "page.limit")
	}
	if p.Start < 0 {
		return s.cmdbError(ex, CodeCMDBQueryFailed) // the database refuses a negative skip
	}
	s.pageRequested(ex, PageRequest{Start: p.Start, Limit: p.Limit})
	k, all := s.topo.objects.instances(objID)
	if k == nil {
		return s.infoPage(c, nil, nil, p, nil)
	}
	return s.infoPage(c, k, filterRecords(all, match), p, projection(k, in.Fields))
}

// serveCountObjectInstances is count_object_instances: the same checks
// without page, data {count}. It runs the OnPage hook too (Start and Limit 0).
func (s *Server) serveCountObjectInstances(c *call) *response {
	ex := c.ex
	objID := c.params["bk_obj_id"]
	if builtinModels[objID] {
		return s.cmdbError(ex, CodeCMDBInnerModel)
	}
	var in objectQuery
	match, resp := s.parseObjectQuery(c, &in, false)
	if resp != nil {
		return resp
	}
	s.pageRequested(ex, PageRequest{})
	_, all := s.topo.objects.instances(objID)
	n := len(filterRecords(all, match))
	if !s.supplierMatches(c) {
		n = 0
	}
	ex.count = n
	return s.successData(ex, 16, func(b []byte) []byte {
		b = append(b, `{"count":`...)
		b = strconv.AppendInt(b, int64(n), 10)
		return append(b, '}')
	})
}

// infoPage answers one page without a count: data {info: [...]}, or
// {info: null} when the page is empty (the CMDB's nil slice).
func (s *Server) infoPage(c *call, k *kind, all []*record, pg pageBody, sel []bool) *response {
	ex := c.ex
	if !s.supplierMatches(c) {
		all = nil
	}
	var items []*record
	if pg.Start < len(all) {
		end := min(len(all), pg.Start+pg.Limit+max(0, c.extraItems))
		items = orderRecords(k, all, pg.Sort, false)[pg.Start:end]
	}
	ex.items, ex.count = len(items), len(all)
	size := 16
	for _, r := range items {
		size += len(r.json) + 1
	}
	return s.successData(ex, size, func(b []byte) []byte {
		if len(items) == 0 {
			return append(b, `{"info":null}`...)
		}
		b = append(b, `{"info":[`...)
		for i, r := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendRecord(b, k, r, sel, false)
		}
		return append(b, "]}"...)
	})
}

// successData is a success envelope whose data appendData writes.
func (s *Server) successData(ex *exchange, sizeHint int, appendData func([]byte) []byte) *response {
	b := make([]byte, 0, 160+sizeHint)
	b = append(b, `{"result":true,"code":0,"message":"success","permission":null,`...)
	resp := &response{status: 200, header: make(map[string][]string)}
	b = s.appendRequestID(b, ex, resp.header)
	b = append(b, `"data":`...)
	b = appendData(b)
	b = append(b, '}')
	resp.header.Set("Content-Type", "application/json")
	resp.body = b
	return resp
}
