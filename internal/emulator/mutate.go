package emulator

// The Mutator's topology changes. Each Insert adds the object, or replaces
// the one with its id, and returns it as stored: a zero id takes the highest
// id of its kind + 1. They do not check references (a test may build an
// inconsistent CMDB on purpose); service instances keep the modules of the
// dataset for list_service_instance_by_set_template.

// InsertBusiness adds or replaces a business.
func (m *Mutator) InsertBusiness(b Business) Business {
	t := m.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if b.ID <= 0 {
		b.ID = t.biz.maxID + 1
	}
	t.biz.put(t.bizRecord(b), 0)
	return b
}

// DeleteBusiness removes a business (not its sets, modules or hosts).
func (m *Mutator) DeleteBusiness(id int64) bool { return m.t.remove(&m.t.biz, id) }

// InsertSetTemplate adds or replaces a set template.
func (m *Mutator) InsertSetTemplate(st SetTemplate) SetTemplate {
	t := m.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if st.ID <= 0 {
		st.ID = t.tpl.maxID + 1
	}
	t.tpl.put(t.templateRecord(st), st.BizID)
	return st
}

// DeleteSetTemplate removes a set template.
func (m *Mutator) DeleteSetTemplate(id int64) bool { return m.t.remove(&m.t.tpl, id) }

// InsertSet adds or replaces a set.
func (m *Mutator) InsertSet(st Set) Set {
	t := m.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if st.ID <= 0 {
		st.ID = t.set.maxID + 1
	}
	t.set.put(t.setRecord(st), st.BizID)
	return st
}

// DeleteSet removes a set (not its modules).
func (m *Mutator) DeleteSet(id int64) bool { return m.t.remove(&m.t.set, id) }

// InsertModule adds or replaces a module; a zero SetTemplateID takes its set's.
func (m *Mutator) InsertModule(mod Module) Module {
	t := m.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if mod.ID <= 0 {
		mod.ID = t.module.maxID + 1
	}
	if st := t.set.get(mod.SetID); st != nil && mod.SetTemplateID == 0 {
		mod.SetTemplateID = srcOf[Set](st).SetTemplateID
	}
	t.module.put(t.moduleRecord(mod), mod.BizID)
	t.setOf[mod.ID] = mod.SetID
	return mod
}

// DeleteModule removes a module (its hosts keep it in their ModuleIDs).
func (m *Mutator) DeleteModule(id int64) bool {
	m.t.mu.Lock()
	delete(m.t.setOf, id)
	m.t.mu.Unlock()
	return m.t.remove(&m.t.module, id)
}

// InsertHost adds or replaces a host; without ModuleIDs it goes to its
// business's idle module (default 1), as a new host does in the CMDB.
func (m *Mutator) InsertHost(h Host) Host {
	t := m.t
	t.mu.Lock()
	defer t.mu.Unlock()
	h = cloneHost(h)
	if h.ID <= 0 {
		h.ID = t.host.maxID + 1
	}
	if len(h.ModuleIDs) == 0 {
		for _, r := range t.module.byBiz[h.BizID] {
			if srcOf[Module](r).Default == 1 {
				h.ModuleIDs = []int64{r.id}
				break
			}
		}
	}
	t.host.put(t.hostRecord(h), h.BizID)
	return cloneHost(h)
}

// DeleteHost removes a host.
func (m *Mutator) DeleteHost(id int64) bool { return m.t.remove(&m.t.host, id) }

func (t *topoStore) remove(tb *table, id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return tb.del(id)
}
