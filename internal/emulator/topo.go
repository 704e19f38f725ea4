package emulator

import (
	"cmp"
	"slices"
	"sync"
)

// table holds the records of one kind, per business (key 0 for
// businesses), each list ascending by id and never modified in place (copy
// on write), so that a reader may keep a list after releasing the lock.
type table struct {
	byBiz map[int64][]*record
	where map[int64]int64 // id → its list's business key
	maxID int64
}

func newTable() table { return table{byBiz: map[int64][]*record{}, where: map[int64]int64{}} }

func byRecordID(a, b *record) int { return cmp.Compare(a.id, b.id) }

// load adds records in bulk; finish sorts them.
func (t *table) load(r *record, key int64) {
	t.byBiz[key] = append(t.byBiz[key], r)
	t.where[r.id] = key
	t.maxID = max(t.maxID, r.id)
}

func (t *table) finish() {
	for _, l := range t.byBiz {
		if !slices.IsSortedFunc(l, byRecordID) {
			slices.SortFunc(l, byRecordID)
		}
	}
}

// put adds or replaces r under key.
func (t *table) put(r *record, key int64) {
	t.del(r.id)
	old := t.byBiz[key]
	pos, _ := slices.BinarySearchFunc(old, r, byRecordID)
	t.byBiz[key] = slices.Insert(slices.Clip(old), pos, r)
	t.where[r.id] = key
	t.maxID = max(t.maxID, r.id)
}

// del removes the record with that id and reports whether there was one.
func (t *table) del(id int64) bool {
	key, ok := t.where[id]
	if !ok {
		return false
	}
	delete(t.where, id)
	old := t.byBiz[key]
	pos, _ := slices.BinarySearchFunc(old, &record{id: id}, byRecordID)
	t.byBiz[key] = slices.Delete(slices.Clone(old), pos, pos+1)
	return true
}

// get returns the record with that id, or nil.
func (t *table) get(id int64) *record {
	key, ok := t.where[id]
	if !ok {
		return nil
	}
	l := t.byBiz[key]
	pos, _ := slices.BinarySearchFunc(l, &record{id: id}, byRecordID)
	return l[pos]
}

// all returns every record, ascending by id.
func (t *table) all() []*record {
	var out []*record
	for _, l := range t.byBiz {
		out = append(out, l...)
	}
	slices.SortFunc(out, byRecordID)
	return out
}

// topoStore holds the businesses, set templates, sets, modules and hosts as
// served, encoded once.
type topoStore struct {
	mu                          sync.RWMutex
	supplier                    string // the dataset's supplier account
	multiTenant                 bool   // records without bk_supplier_account
	biz, tpl, set, module, host table
	setOf                       map[int64]int64 // module id → its set id
	objects                     *objectStore    // custom models, cloud areas, dynamic groups
}

func newTopoStore(d *Dataset, multiTenant bool) *topoStore {
	t := &topoStore{supplier: DefaultSupplierAccount, multiTenant: multiTenant, setOf: map[int64]int64{},
		biz: newTable(), tpl: newTable(), set: newTable(), module: newTable(), host: newTable()}
	if d != nil && d.SupplierAccount != "" {
		t.supplier = d.SupplierAccount
	}
	t.objects = newObjectStore(d, t.supplier, multiTenant)
	if d == nil {
		return t
	}
	for _, b := range d.Businesses {
		t.biz.load(t.bizRecord(b), 0)
	}
	for _, st := range d.SetTemplates {
		t.tpl.load(t.templateRecord(st), st.BizID)
	}
	for _, st := range d.Sets {
		t.set.load(t.setRecord(st), st.BizID)
	}
	for _, m := range d.Modules {
		t.module.load(t.moduleRecord(m), m.BizID)
		t.setOf[m.ID] = m.SetID
	}
	for i := range d.Hosts {
		t.host.load(t.hostRecord(cloneHost(d.Hosts[i])), d.Hosts[i].BizID)
	}
	for _, tb := range []*table{&t.biz, &t.tpl, &t.set, &t.module, &t.host} {
		tb.finish()
	}
	return t
}

// sa is the served bk_supplier_account of a record.
func (t *topoStore) sa(v string) any {
	switch {
	case t.multiTenant:
		return absent{}
	case v == "":
		return t.supplier
	}
	return v
}

func (t *topoStore) bizRecord(b Business) *record {
	var status any = b.DataStatus
	if b.DataStatus == "" {
		status = absent{}
	}
	r := newRecord(bizKind, b.ID, b, []any{b.ID, b.Name, b.Maintainer, b.Productor, b.Developer, b.Tester,
		b.Operator, b.LifeCycle, b.TimeZone, b.Language, t.sa(b.SupplierAccount), b.Default, status})
	translate(bizKind, r, b.Name, b.Default)
	return r
}

func (t *topoStore) templateRecord(st SetTemplate) *record {
	return newRecord(templateKind, st.ID, st, []any{st.ID, st.Name, st.BizID, st.Creator, st.Modifier,
		st.CreateTime, st.LastTime, t.sa(st.SupplierAccount)})
}

func (t *topoStore) setRecord(st Set) *record {
	r := newRecord(setKind, st.ID, st, []any{st.ID, st.Name, st.BizID, st.BizID, st.SetTemplateID, st.Env,
		st.ServiceStatus, st.Desc, st.Default, t.sa(st.SupplierAccount)})
	translate(setKind, r, st.Name, st.Default)
	return r
}

func (t *topoStore) moduleRecord(m Module) *record {
	r := newRecord(moduleKind, m.ID, m, []any{m.ID, m.Name, m.SetID, m.SetID, m.BizID, m.ServiceTemplateID,
		m.SetTemplateID, m.ModuleType, m.Operator, m.BakOperator, m.Default, t.sa(m.SupplierAccount)})
	translate(moduleKind, r, m.Name, m.Default)
	return r
}

func (t *topoStore) hostRecord(h Host) *record {
	return newRecord(hostKind, h.ID, h, []any{h.ID, h.Name, h.InnerIP, h.OuterIP, h.InnerIPv6, h.OuterIPv6,
		h.CloudID, h.OSType, h.OSName, h.OSVersion, h.AgentID, h.State, h.Operator, h.BakOperator,
		t.sa(h.SupplierAccount)})
}

// list returns the records of a kind's table for a business key; the slice
// must not be modified.
func (t *topoStore) list(tb *table, key int64) []*record {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return tb.byBiz[key]
}

// hostsIn returns the hosts of a business in a module m with m in modules
// and m's set in sets (nil = any), ascending by id.
func (t *topoStore) hostsIn(bizID int64, sets, modules map[int64]bool) []*record {
	t.mu.RLock()
	defer t.mu.RUnlock()
	all := t.host.byBiz[bizID]
	if sets == nil && modules == nil {
		return all
	}
	var out []*record
	for _, r := range all {
		for _, m := range srcOf[Host](r).ModuleIDs {
			if (sets == nil || sets[t.setOf[m]]) && (modules == nil || modules[m]) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// srcOf is the object a record was built from.
func srcOf[T any](r *record) T {
	v, _ := r.src.(T)
	return v
}

// snapshot returns the topology as a Dataset (without service instances).
func (t *topoStore) snapshot() *Dataset {
	t.mu.RLock()
	defer t.mu.RUnlock()
	d := &Dataset{SupplierAccount: t.supplier}
	for _, r := range t.biz.all() {
		d.Businesses = append(d.Businesses, srcOf[Business](r))
	}
	for _, r := range t.tpl.all() {
		d.SetTemplates = append(d.SetTemplates, srcOf[SetTemplate](r))
	}
	for _, r := range t.set.all() {
		d.Sets = append(d.Sets, srcOf[Set](r))
	}
	for _, r := range t.module.all() {
		d.Modules = append(d.Modules, srcOf[Module](r))
	}
	for _, r := range t.host.all() {
		d.Hosts = append(d.Hosts, cloneHost(srcOf[Host](r)))
	}
	t.objects.snapshotInto(d)
	return d
}
