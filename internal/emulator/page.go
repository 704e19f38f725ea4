package emulator

import (
	"cmp"
	"slices"
	"strings"
)

// pageBody is the "page" of a request body (BasePage).
type pageBody struct {
	Start int    `json:"start"`
	Limit int    `json:"limit"`
	Sort  string `json:"sort"`
}

// noLimit is BKNoLimit: list_set_template reads it as "no limit".
const noLimit = 999999999

// strictRefuses tells whether StrictLimits refuses the limit: above the
// API's documented maximum, or missing where the documentation requires one.
func (s *Server) strictRefuses(c *call, limit int, required bool) bool {
	return s.opts.StrictLimits && (limit > c.ex.api.docLimit || required && limit <= 0)
}

// supplierMatches tells whether the request's supplier account is the
// dataset's; the CMDB finds nothing for another one. Multi-tenant builds
// ignore it.
func (s *Server) supplierMatches(c *call) bool {
	return s.opts.MultiTenant || c.supplier == s.topo.supplier
}

// sortKey is one key of page.sort: "field", "-field" or "field:-1".
type sortKey struct {
	idx  int // -1 for an unknown field (every record lacks it)
	desc bool
}

func parseSort(k *kind, sort string) []sortKey {
	var keys []sortKey
	for _, item := range strings.Split(sort, ",") {
		item = strings.TrimSpace(item)
		name, dir, hasDir := strings.Cut(item, ":")
		desc := strings.HasPrefix(name, "-")
		if hasDir {
			desc = strings.TrimSpace(dir) == "-1"
		}
		name = strings.TrimLeft(name, "+-")
		if name == "" {
			continue
		}
		idx, ok := k.index[name]
		if !ok {
			idx = -1
		}
		keys = append(keys, sortKey{idx, desc})
	}
	return keys
}

// orderRecords puts recs (ascending by id) in the order the CMDB answers:
// page.sort when given (ties in natural order); else ascending by id when
// the API sorts by default (byID), else the natural order, a fixed shuffle
// of the ids that is not id order. recs is not modified.
func orderRecords(k *kind, recs []*record, sort string, byID bool) []*record {
	keys := parseSort(k, sort)
	if len(keys) == 0 && byID {
		return recs
	}
	if idIdx, ok := k.index[k.idKey]; ok && len(keys) == 1 && keys[0].idx == idIdx {
		if !keys[0].desc {
			return recs
		}
		out := slices.Clone(recs)
		slices.Reverse(out)
		return out
	}
	out := slices.Clone(recs)
	slices.SortFunc(out, func(a, b *record) int {
		for _, key := range keys {
			if key.idx < 0 {
				continue
			}
			c := compareValues(a.vals[key.idx], b.vals[key.idx])
			if key.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.order, b.order)
	})
	return out
}

// compareValues orders values as MongoDB does by type (null, numbers,
// strings, objects, arrays, booleans), then by value (numbers exactly);
// lists compare by their joined text.
func compareValues(a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case nil:
			return 0
		case int64, float64:
			return 1
		case string:
			return 2
		case map[string]any:
			return 3
		case bool:
			return 5
		}
		return 4
	}
	if c := cmp.Compare(rank(a), rank(b)); c != 0 {
		return c
	}
	switch x := a.(type) {
	case int64, float64:
		return compareNumbers(x, b)
	case bool:
		y, _ := b.(bool)
		return cmp.Compare(boolRank(x), boolRank(y))
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case []string:
		y, _ := b.([]string)
		return strings.Compare(strings.Join(x, ","), strings.Join(y, ","))
	}
	return 0
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// recordPage answers one page of records: the matching records all (count
// is their number), put in order, from start, at most limit of them (-1 for
// no limit, plus a fault's extra items), keeping the keys selected (nil = all).
func (s *Server) recordPage(c *call, k *kind, all []*record, pg pageBody, limit int, byID bool, sel []bool) *response {
	ex := c.ex
	if !s.supplierMatches(c) {
		all = nil
	}
	var items []*record
	if pg.Start < len(all) {
		end := len(all)
		if limit >= 0 {
			end = min(end, pg.Start+limit+max(0, c.extraItems))
		}
		items = orderRecords(k, all, pg.Sort, byID)[pg.Start:end]
	}
	ex.items, ex.count = len(items), len(all)
	size := len(items)
	for _, r := range items {
		size += len(r.json)
	}
	en := ex.lang == langEN
	return s.success(ex, len(all), size, func(b []byte) []byte {
		for i, r := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendRecord(b, k, r, sel, en)
		}
		return b
	})
}

// mongoLimit is how the database reads the limit of the APIs that pass the
// page through unchecked (search_business, search_set, search_module): 0 is
// no limit, a negative one is its absolute value (one batch).
func mongoLimit(limit int) int {
	switch {
	case limit == 0:
		return -1
	case limit < 0:
		return -limit
	}
	return limit
}
