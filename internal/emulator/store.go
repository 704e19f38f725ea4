package emulator

import (
	"sort"
	"strconv"
	"sync"
	"time"
)

// templateKey selects the answer of one query.
type templateKey struct{ bizID, setTemplateID int64 }

// entry is an instance with its JSON encoding cached.
type entry struct {
	inst Instance
	json []byte
}

// store holds the served data. Each per-template list is sorted by id and
// never modified in place (copy on write), so a reader can use the slice it
// got after releasing the lock.
type store struct {
	mu      sync.RWMutex
	modules map[int64]Module
	hosts   map[int64]Host
	lists   map[templateKey][]entry
	// where maps an instance id to its list; instances outside any set
	// template are kept in others.
	where      map[int64]templateKey
	others     map[int64]Instance
	maxID      int64
	maxModule  int64
	moduleSeqs map[templateKey][]int64 // modules of each template, ascending
	procs      procTable               // the process instances
	// multiTenant drops bk_supplier_account from records, like multi-tenant CMDB builds.
	multiTenant bool
}

// encode appends the record of in as the server sends it.
func (s *store) encode(b []byte, in *Instance) []byte {
	if !s.multiTenant {
		return appendInstanceJSON(b, in)
	}
	b = appendInstanceJSON(b, in)
	// bk_supplier_account is the last key: cut it.
	cut := len(`,"bk_supplier_account":`) + len(appendJSONString(nil, in.SupplierAccount)) + 1
	return append(b[:len(b)-cut], '}')
}

func newStore(d *Dataset, multiTenant bool) *store {
	s := &store{
		multiTenant: multiTenant,
		modules:     map[int64]Module{},
		hosts:       map[int64]Host{},
		lists:       map[templateKey][]entry{},
		where:       map[int64]templateKey{},
		others:      map[int64]Instance{},
		moduleSeqs:  map[templateKey][]int64{},
	}
	s.procs.load(nil)
	if d == nil {
		return s
	}
	s.procs.load(d.Processes)
	s.where = make(map[int64]templateKey, len(d.ServiceInstances))
	for _, m := range d.Modules {
		s.addModule(m)
	}
	for _, h := range d.Hosts {
		s.hosts[h.ID] = h
	}
	// Size each list first, and encode every instance into one shared arena,
	// so that building 100,000 instances costs a handful of allocations.
	sizes := map[templateKey]int{}
	for i := range d.ServiceInstances {
		if k, ok := s.keyOf(d.ServiceInstances[i]); ok {
			sizes[k]++
		}
	}
	for k, n := range sizes {
		s.lists[k] = make([]entry, 0, n)
	}
	arena := make([]byte, 0, 320*len(d.ServiceInstances))
	for i := range d.ServiceInstances {
		in := d.ServiceInstances[i]
		s.maxID = max(s.maxID, in.ID)
		k, ok := s.keyOf(in)
		if !ok {
			s.others[in.ID] = in
			continue
		}
		from := len(arena)
		arena = s.encode(arena, &in)
		s.lists[k] = append(s.lists[k], entry{inst: in, json: arena[from:len(arena):len(arena)]})
		s.where[in.ID] = k
	}
	for _, l := range s.lists {
		if !sort.SliceIsSorted(l, func(i, j int) bool { return l[i].inst.ID < l[j].inst.ID }) {
			sort.Slice(l, func(i, j int) bool { return l[i].inst.ID < l[j].inst.ID })
		}
	}
	return s
}

func (s *store) addModule(m Module) {
	s.modules[m.ID] = m
	s.maxModule = max(s.maxModule, m.ID)
	if m.SetTemplateID != 0 {
		k := templateKey{m.BizID, m.SetTemplateID}
		seq := append(s.moduleSeqs[k], m.ID)
		sort.Slice(seq, func(i, j int) bool { return seq[i] < seq[j] })
		s.moduleSeqs[k] = seq
	}
}

// keyOf tells which query returns in, using the same rule as Dataset.Instances.
func (s *store) keyOf(in Instance) (templateKey, bool) {
	m, ok := s.modules[in.ModuleID]
	if !ok || m.SetTemplateID == 0 || m.BizID != in.BizID {
		return templateKey{}, false
	}
	return templateKey{m.BizID, m.SetTemplateID}, true
}

// list returns the sorted entries of one query; the slice must not be modified.
func (s *store) list(bizID, setTemplateID int64) []entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lists[templateKey{bizID, setTemplateID}]
}

// instances returns a copy of the current answer of one query.
func (s *store) instances(bizID, setTemplateID int64) []Instance {
	l := s.list(bizID, setTemplateID)
	out := make([]Instance, len(l))
	for i := range l {
		out[i] = cloneInstance(l[i].inst)
	}
	return out
}

// insert adds or replaces an instance in the modules of (bizID, setTemplateID)
// and returns it as stored. Defaults: id = highest id + 1; module = the first
// module of that set template (one is created when there is none); host = a
// host of the business when known; name, creator, modifier, times and
// supplier account get realistic values.
func (s *store) insert(bizID, setTemplateID int64, in Instance) Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := templateKey{bizID, setTemplateID}
	in = cloneInstance(in)
	in.BizID = bizID
	if in.ID <= 0 {
		in.ID = s.maxID + 1
	}
	s.maxID = max(s.maxID, in.ID)
	if m, ok := s.modules[in.ModuleID]; !ok || m.BizID != bizID || m.SetTemplateID != setTemplateID {
		if seq := s.moduleSeqs[k]; len(seq) > 0 {
			in.ModuleID = seq[0]
		} else {
			s.maxModule++
			s.addModule(Module{ID: s.maxModule, Name: "inserted-module", BizID: bizID, SetTemplateID: setTemplateID})
			in.ModuleID = s.maxModule
		}
	}
	if in.HostID == 0 {
		for _, h := range s.hosts {
			if h.BizID == bizID && (in.HostID == 0 || h.ID < in.HostID) {
				in.HostID = h.ID
			}
		}
	}
	if in.Name == "" {
		in.Name = "inserted-" + strconv.FormatInt(in.ID, 10)
	}
	if in.Creator == "" {
		in.Creator = "admin"
	}
	if in.Modifier == "" {
		in.Modifier = in.Creator
	}
	now := time.Now().UTC().Truncate(time.Millisecond).Add(time.Millisecond).Format(time.RFC3339Nano)
	if in.CreateTime == "" {
		in.CreateTime = now
	}
	if in.LastTime == "" {
		in.LastTime = in.CreateTime
	}
	if in.SupplierAccount == "" {
		in.SupplierAccount = "0"
	}
	s.removeLocked(in.ID)
	old := s.lists[k]
	pos := sort.Search(len(old), func(i int) bool { return old[i].inst.ID >= in.ID })
	fresh := make([]entry, 0, len(old)+1)
	fresh = append(fresh, old[:pos]...)
	fresh = append(fresh, entry{inst: in, json: s.encode(nil, &in)})
	fresh = append(fresh, old[pos:]...)
	s.lists[k] = fresh
	s.where[in.ID] = k
	return cloneInstance(in)
}

// remove deletes the instance with that id; it reports whether there was one.
func (s *store) remove(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs.dropInstance(id)
	return s.removeLocked(id)
}

func (s *store) removeLocked(id int64) bool {
	if _, ok := s.others[id]; ok {
		delete(s.others, id)
		return true
	}
	k, ok := s.where[id]
	if !ok {
		return false
	}
	delete(s.where, id)
	old := s.lists[k]
	pos := sort.Search(len(old), func(i int) bool { return old[i].inst.ID >= id })
	fresh := make([]entry, 0, len(old)-1)
	fresh = append(fresh, old[:pos]...)
	fresh = append(fresh, old[pos+1:]...)
	s.lists[k] = fresh
	return true
}

// snapshot returns every instance as served now, ascending by id.
func (s *store) snapshot() []Instance {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Instance, 0, len(s.where)+len(s.others))
	for _, l := range s.lists {
		for i := range l {
			out = append(out, cloneInstance(l[i].inst))
		}
	}
	for _, in := range s.others {
		out = append(out, cloneInstance(in))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Mutator changes the served data from inside an OnPage hook (or, from
// Server.Mutator, outside one). Its methods are safe to call concurrently
// with page requests.
type Mutator struct {
	s *store
	t *topoStore
}

// Insert adds (or replaces, when in.ID already exists) a service instance in
// the modules of set template setTemplateID of business bizID and returns the
// stored instance. A zero in.ID takes the highest id + 1; a zero or foreign
// in.ModuleID takes the template's first module; empty fields get defaults.
func (m *Mutator) Insert(bizID, setTemplateID int64, in Instance) Instance {
	return m.s.insert(bizID, setTemplateID, in)
}

// Delete removes the service instance with that id, with its processes as
// the CMDB does, and reports whether it existed.
func (m *Mutator) Delete(id int64) bool { return m.s.remove(id) }

// Instances returns the current answer for (bizID, setTemplateID), ascending by id.
func (m *Mutator) Instances(bizID, setTemplateID int64) []Instance {
	return m.s.instances(bizID, setTemplateID)
}
