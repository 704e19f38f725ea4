package emulator

import (
	"encoding/json"
	"strconv"
)

// queryInput is the CMDB's input of list_service_instance_by_set_template;
// unknown fields are ignored and the client's page sort is ignored (the
// CMDB always sorts by id).
type queryInput struct {
	SetTemplateID int64 `json:"set_template_id"`
	Page          *struct {
		Start int    `json:"start"`
		Limit int    `json:"limit"`
		Sort  string `json:"sort"`
	} `json:"page"`
}

// Page limits of the CMDB.
const (
	MaxPageLimit        = 1000 // accepted by the code
	DocumentedPageLimit = 500  // the documented maximum, enforced with Options.StrictLimits
)

// serveInstances is list_service_instance_by_set_template: decode, validate,
// run the hook, answer the page (see shared/cmdb-api.md).
func (s *Server) serveInstances(c *call) *response {
	ex := c.ex
	bizID, err := strconv.ParseInt(c.params["bk_biz_id"], 10, 64)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBParamInvalid)
	}
	var in queryInput
	if err := json.Unmarshal(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	if in.SetTemplateID == 0 {
		return s.cmdbError(ex, CodeCMDBParamNeedSet)
	}
	maxLimit := MaxPageLimit
	if s.opts.StrictLimits {
		maxLimit = ex.api.docLimit
	}
	if in.Page == nil || in.Page.Limit <= 0 || in.Page.Limit > maxLimit || in.Page.Start < 0 {
		return s.cmdbError(ex, CodeCMDBPageLimit)
	}
	s.pageRequested(ex, PageRequest{BizID: bizID, SetTemplateID: in.SetTemplateID, Start: in.Page.Start, Limit: in.Page.Limit})
	var list []entry
	if s.supplierMatches(c) {
		list = s.store.list(bizID, in.SetTemplateID)
	}
	var items []entry
	if in.Page.Start < len(list) {
		items = list[in.Page.Start:min(len(list), in.Page.Start+in.Page.Limit+max(0, c.extraItems))]
	}
	ex.items, ex.count = len(items), len(list)
	size := len(items)
	for i := range items {
		size += len(items[i].json)
	}
	return s.success(ex, len(list), size, func(b []byte) []byte {
		for i := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, items[i].json...)
		}
		return b
	})
}
