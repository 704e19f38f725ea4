package emulator

import (
	"cmp"
	"slices"
)

// detailsOf is details for a query by service_instance_ids: the same answer, found by
// looking each id up instead of scanning the business, so that a chunk of 500 ids out
// of 100,000 instances costs 500 lookups, not 50 million comparisons (the provider
// sends one such request per 500 instances of a with_processes read).
func (s *store) detailsOf(bizID int64, ids []int64, keep func(*Instance) bool) []detailItem {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sorted := slices.Compact(slices.Sorted(slices.Values(ids)))
	var out []detailItem
	for _, id := range sorted {
		k, listed := s.where[id]
		if !listed {
			if in, ok := s.others[id]; ok && in.BizID == bizID && keep(&in) {
				out = append(out, detailItem{inst: &in, json: s.encode(nil, &in), procs: s.procs.byInstance[id]})
			}
			continue
		}
		if k.bizID != bizID {
			continue
		}
		l := s.lists[k]
		i, found := slices.BinarySearchFunc(l, id, func(e entry, id int64) int { return cmp.Compare(e.inst.ID, id) })
		if found && keep(&l[i].inst) {
			out = append(out, detailItem{inst: &l[i].inst, json: l[i].json, procs: s.procs.byInstance[id]})
		}
	}
	return out
}
