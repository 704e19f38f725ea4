package emulator

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// bizQuery is search_business's body (QueryBusinessRequest).
type bizQuery struct {
	Fields            []string        `json:"fields"`
	Page              pageBody        `json:"page"`
	Condition         map[string]any  `json:"condition"`
	BizPropertyFilter json.RawMessage `json:"biz_property_filter"`
}

// regexSpecials are the characters the topo server escapes in a string
// condition before using it as a regular expression (SpecialCharChange);
// others, such as "+", keep their meaning.
var regexSpecials = regexp.MustCompile(`[.()\\|\[\]*{}^$?]`)

// serveSearchBusiness is search_business (topo_server SearchBusiness): a
// string in condition is a case-insensitive regular expression (so a
// substring match), a string on a user field requires each comma-separated
// user to be a member; the resource pool (default 1) is never returned, nor
// (unless the condition names bk_data_status) a disabled business, nor one
// of Options.HiddenBusinesses. No default order.
func (s *Server) serveSearchBusiness(c *call) *response {
	ex := c.ex
	var in bizQuery
	if err := decodeBody(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	hasFilter := len(in.BizPropertyFilter) > 0 && string(in.BizPropertyFilter) != "null"
	if in.Condition != nil && hasFilter {
		return s.cmdbError(ex, CodeCMDBParamsInvalid) // RespErrorCodeOnly: the bare template
	}
	if s.strictRefuses(c, in.Page.Limit, true) {
		return s.cmdbError(ex, CodeCMDBPageLimit)
	}
	var match pred
	if hasFilter {
		var data map[string]any
		if decodeBody(in.BizPropertyFilter, &data) != nil || data == nil {
			return s.cmdbError(ex, CodeCMDBJSONDecode)
		}
		rule, err := parseQB(data)
		if err != nil {
			return s.cmdbError(ex, CodeCMDBJSONDecode)
		}
		if key, ok := rule.validate(true, qbOptions{maxSlice: 500, maxOr: 20}); !ok {
			return s.cmdbError(ex, CodeCMDBParamsInvalid, "biz.property."+key)
		}
		if rule.depth() > qbMaxDeep {
			return s.cmdbError(ex, CodeCMDBParamsInvalid, "exceed max query condition deepth: 3")
		}
		if match, err = rule.compile(bizKind); err != nil {
			return s.cmdbError(ex, CodeCMDBQueryFailed)
		}
	} else {
		var err error
		if match, err = businessCondition(in.Condition); err != nil {
			return s.cmdbError(ex, CodeCMDBQueryFailed)
		}
	}
	if in.Page.Start < 0 {
		return s.cmdbError(ex, CodeCMDBQueryFailed) // the database refuses a negative skip
	}
	_, statusNamed := in.Condition["bk_data_status"]
	s.pageRequested(ex, PageRequest{Start: in.Page.Start, Limit: in.Page.Limit})
	iDefault, iStatus := bizKind.index["default"], bizKind.index["bk_data_status"]
	found := filterRecords(s.topo.list(&s.topo.biz, 0), func(r *record) bool {
		return r.vals[iDefault] == int64(0) && (statusNamed || r.vals[iStatus] != "disabled") &&
			!slices.Contains(s.opts.HiddenBusinesses, r.id) && (match == nil || match(r))
	})
	return s.recordPage(c, bizKind, found, in.Page, mongoLimit(in.Page.Limit), false, projection(bizKind, in.Fields))
}

// businessCondition compiles search_business's condition as
// handleSpecialBusinessFieldSearchCond rewrites it; the server then forces
// default 0, so a condition on default has no effect.
func businessCondition(cond map[string]any) (pred, error) {
	var preds []pred
	for field, c := range cond {
		if field == "default" {
			continue
		}
		text, isString := c.(string)
		i, known := bizKind.index[field]
		switch {
		case isString && known && bizKind.users[i]:
			members := strings.Split(strings.Trim(text, ","), ",")
			preds = append(preds, func(r *record) bool {
				list, _ := r.vals[i].([]string)
				for _, u := range members {
					if !slices.Contains(list, u) {
						return false
					}
				}
				return true
			})
		case isString:
			pattern := regexSpecials.ReplaceAllStringFunc(text, func(ch string) string { return `\` + ch })
			test, err := regexTest(pattern, "i")
			if err != nil {
				return nil, err
			}
			preds = append(preds, fieldPred(bizKind, field, test))
		default:
			test, err := compileCond(c)
			if err != nil {
				return nil, err
			}
			preds = append(preds, fieldPred(bizKind, field, test))
		}
	}
	return allOf(preds), nil
}
