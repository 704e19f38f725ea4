package emulator

import (
	"cmp"
	"slices"
)

// procSalt seeds the order of the processes of an instance.
const procSalt = 0x7072_6f63_0000

// procTable holds the process instances by service instance. Each list is in
// the order served (a fixed shuffle of the process ids, as the CMDB's answer
// has no order) and never modified in place (copy on write).
type procTable struct {
	byInstance map[int64][]Process
	instanceOf map[int64]int64 // process id → its service instance id
	maxID      int64
}

func procOrder(a, b Process) int {
	return cmp.Compare(splitmix(uint64(a.ID)^procSalt), splitmix(uint64(b.ID)^procSalt))
}

// load indexes the processes of a dataset.
func (t *procTable) load(ps []Process) {
	t.byInstance = map[int64][]Process{}
	t.instanceOf = make(map[int64]int64, len(ps))
	for _, p := range ps {
		t.byInstance[p.ServiceInstanceID] = append(t.byInstance[p.ServiceInstanceID], cloneProcess(p))
		t.instanceOf[p.ID] = p.ServiceInstanceID
		t.maxID = max(t.maxID, p.ID)
	}
	for _, l := range t.byInstance {
		slices.SortFunc(l, procOrder)
	}
}

// put adds or replaces p (moving it when its instance changed).
func (t *procTable) put(p Process) {
	t.del(p.ID)
	old := t.byInstance[p.ServiceInstanceID]
	pos, _ := slices.BinarySearchFunc(old, p, procOrder)
	t.byInstance[p.ServiceInstanceID] = slices.Insert(slices.Clip(old), pos, p)
	t.instanceOf[p.ID] = p.ServiceInstanceID
	t.maxID = max(t.maxID, p.ID)
}

// del removes the process with that id and reports whether there was one.
func (t *procTable) del(id int64) bool {
	inst, ok := t.instanceOf[id]
	if !ok {
		return false
	}
	delete(t.instanceOf, id)
	old := t.byInstance[inst]
	fresh := slices.DeleteFunc(slices.Clone(old), func(p Process) bool { return p.ID == id })
	if len(fresh) == 0 {
		delete(t.byInstance, inst)
	} else {
		t.byInstance[inst] = fresh
	}
	return true
}

// dropInstance removes the processes of a service instance, as the CMDB
// does when it deletes the instance.
func (t *procTable) dropInstance(inst int64) {
	for _, p := range t.byInstance[inst] {
		delete(t.instanceOf, p.ID)
	}
	delete(t.byInstance, inst)
}

// processSnapshot returns every process as served now, ascending by id.
func (s *store) processSnapshot() []Process {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Process
	for _, l := range s.procs.byInstance {
		for _, p := range l {
			out = append(out, cloneProcess(p))
		}
	}
	slices.SortFunc(out, func(a, b Process) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// detailItem is one service instance of a list_service_instance_detail
// answer: the instance, its record's JSON and its processes in served order
// (nil for none). The slices are shared: do not modify them.
type detailItem struct {
	inst  *Instance
	json  []byte
	procs []Process
}

// details returns the instances of a business that keep accepts, ascending
// by id; with ids (not nil) only those are looked at.
func (s *store) details(bizID int64, ids *[]int64, keep func(*Instance) bool) []detailItem {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []detailItem
	if ids != nil {
		for _, id := range *ids {
			out = s.appendDetailLocked(out, bizID, id, keep)
		}
		slices.SortFunc(out, func(a, b detailItem) int { return cmp.Compare(a.inst.ID, b.inst.ID) })
		return slices.CompactFunc(out, func(a, b detailItem) bool { return a.inst.ID == b.inst.ID })
	}
	lists := 0
	for k, l := range s.lists {
		if k.bizID != bizID {
			continue
		}
		lists++
		for i := range l {
			if in := &l[i].inst; keep(in) {
				out = append(out, detailItem{inst: in, json: l[i].json, procs: s.procs.byInstance[in.ID]})
			}
		}
	}
	for id, in := range s.others {
		if in.BizID == bizID && keep(&in) {
			lists = 2 // unsorted
			out = append(out, detailItem{inst: &in, json: s.encode(nil, &in), procs: s.procs.byInstance[id]})
		}
	}
	if lists > 1 {
		slices.SortFunc(out, func(a, b detailItem) int { return cmp.Compare(a.inst.ID, b.inst.ID) })
	}
	return out
}

// appendDetailLocked appends the instance with that id when it is of the
// business and keep accepts it.
func (s *store) appendDetailLocked(out []detailItem, bizID, id int64, keep func(*Instance) bool) []detailItem {
	if in, ok := s.others[id]; ok {
		if in.BizID == bizID && keep(&in) {
			out = append(out, detailItem{inst: &in, json: s.encode(nil, &in), procs: s.procs.byInstance[id]})
		}
		return out
	}
	k, ok := s.where[id]
	if !ok || k.bizID != bizID {
		return out
	}
	l := s.lists[k]
	pos, found := slices.BinarySearchFunc(l, id, func(e entry, id int64) int { return cmp.Compare(e.inst.ID, id) })
	if found && keep(&l[pos].inst) {
		out = append(out, detailItem{inst: &l[pos].inst, json: l[pos].json, procs: s.procs.byInstance[id]})
	}
	return out
}

// InsertProcess adds or replaces (when p.ID exists, moving it to
// p.ServiceInstanceID if that changed) a process and returns it as stored.
// A zero p.ID takes the highest process id + 1. The instance is not checked.
func (m *Mutator) InsertProcess(p Process) Process {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p = cloneProcess(p)
	if p.ID <= 0 {
		p.ID = s.procs.maxID + 1
	}
	s.procs.put(p)
	return cloneProcess(p)
}

// DeleteProcess removes the process with that id and reports whether it existed.
func (m *Mutator) DeleteProcess(id int64) bool {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs.del(id)
}

// Processes returns the current processes of a service instance, ascending
// by bk_process_id, never nil.
func (m *Mutator) Processes(serviceInstanceID int64) []Process {
	s := m.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []Process{}
	for _, p := range s.procs.byInstance[serviceInstanceID] {
		out = append(out, cloneProcess(p))
	}
	slices.SortFunc(out, func(a, b Process) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
