package emulator

// cloudQuery is search_cloud_area's body (CloudAreaSearchParam).
type cloudQuery struct {
	Condition map[string]any `json:"condition"`
	Fields    []string       `json:"fields"`
	Page      pageBody       `json:"page"`
	IsFuzzy   bool           `json:"is_fuzzy"`
}

// maxCloudPageLimit is BKMaxPageSize, the limit a missing or 0 one becomes;
// DocumentedCloudPageLimit is what StrictLimits holds search_cloud_area to
// (its documentation only recommends 200; 500 is the provider's page_size
// maximum, as for search_set).
const (
	maxCloudPageLimit        = MaxPageLimit
	DocumentedCloudPageLimit = DocumentedPageLimit
)

// serveSearchCloudArea is search_cloud_area (host_server FindManyCloudArea):
// a limit of 0 becomes 1000, then an illegal page (IsIllegal: start < 0,
// limit < 1 or > 1000 except 999999999) → 1199006 with the bare template;
// the default order is -create_time; condition values are exact (MongoDB
// operators work), and with is_fuzzy every string becomes a case-insensitive
// regular expression of the escaped text, a substring match. data {count, info}.
func (s *Server) serveSearchCloudArea(c *call) *response {
	ex := c.ex
	var in cloudQuery
	if err := decodeBody(ex.body, &in); err != nil {
		return s.cmdbError(ex, CodeCMDBJSONDecode)
	}
	p := in.Page
	if s.strictRefuses(c, p.Limit, true) {
		return s.cmdbError(ex, CodeCMDBPageLimit)
	}
	if p.Limit == 0 {
		p.Limit = maxCloudPageLimit
	}
	if p.Start < 0 || p.Limit < 0 || p.Limit > maxCloudPageLimit && p.Limit != noLimit {
		return s.cmdbError(ex, CodeCMDBParamsInvalid)
	}
	if p.Sort == "" {
		p.Sort = "-create_time"
	}
	cond := in.Condition
	if in.IsFuzzy {
		cond = make(map[string]any, len(in.Condition))
		for k, v := range in.Condition {
			if text, ok := v.(string); ok {
				v = map[string]any{"$regex": likePattern(text), "$options": "i"}
			}
			cond[k] = v
		}
	}
	match, err := conditionPred(areaKind, cond)
	if err != nil {
		return s.cmdbError(ex, CodeCMDBQueryFailed)
	}
	s.pageRequested(ex, PageRequest{Start: p.Start, Limit: p.Limit})
	limit := p.Limit
	if limit == noLimit {
		limit = -1
	}
	return s.recordPage(c, areaKind, filterRecords(s.topo.objects.cloudAreas(), match), p, limit, false, projection(areaKind, in.Fields))
}

// likePattern is SpecialCharChange: text with the regular expression
// characters .()\|[]*{}^$? escaped (others, such as "+", keep their meaning).
func likePattern(text string) string {
	return regexSpecials.ReplaceAllStringFunc(text, func(ch string) string { return `\` + ch })
}
