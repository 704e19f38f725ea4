package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// Model is a custom model (a CMDB object such as mysql or domain) with its
// instances. The CMDB keeps each model's instances in a table of its own and
// sends an instance as a flat map, keys in alphabetical order.
type Model struct {
	ObjID     string          `json:"bk_obj_id"`
	Name      string          `json:"bk_obj_name,omitempty"`
	Instances []ModelInstance `json:"instances"`
}

// ModelInstance is one instance of a custom model: bk_inst_id, bk_inst_name
// and the rest of its flat map. Attributes hold the decoded JSON values of
// the other keys (string, json.Number, bool, nil for null, []any, map[string]any);
// bk_obj_id is its model's and is not kept here.
type ModelInstance struct {
	ID         int64
	Name       string
	Attributes map[string]any
}

// modelInstanceKeys are the keys ModelInstance keeps outside Attributes.
var modelInstanceKeys = []string{"bk_inst_id", "bk_inst_name", "bk_obj_id"}

// MarshalJSON writes the flat map, numbers as their exact text.
func (mi ModelInstance) MarshalJSON() ([]byte, error) {
	m := maps.Clone(mi.Attributes)
	if m == nil {
		m = map[string]any{}
	}
	for _, k := range modelInstanceKeys {
		delete(m, k)
	}
	m["bk_inst_id"], m["bk_inst_name"] = mi.ID, mi.Name
	return json.Marshal(m)
}

// UnmarshalJSON reads the flat map with numbers kept exact (json.Number).
func (mi *ModelInstance) UnmarshalJSON(raw []byte) error {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return err
	}
	id, ok := m["bk_inst_id"].(json.Number)
	if !ok {
		return fmt.Errorf("instance without a numeric bk_inst_id")
	}
	n, err := id.Int64()
	if err != nil {
		return fmt.Errorf("bk_inst_id %s: %w", id, err)
	}
	name, _ := m["bk_inst_name"].(string)
	for _, k := range modelInstanceKeys {
		delete(m, k)
	}
	*mi = ModelInstance{ID: n, Name: name, Attributes: m}
	return nil
}

// clone copies the instance (the attribute map, not nested values).
func (mi ModelInstance) clone() ModelInstance {
	mi.Attributes = maps.Clone(mi.Attributes)
	return mi
}

// builtinModels are the models the generic instance APIs refuse (IsInnerModel).
var builtinModels = map[string]bool{"biz": true, "set": true, "module": true, "host": true, "process": true,
	"plat": true, "bk_biz_set_obj": true, "bk_project": true}

// modelTable is one model as served: its wire schema (every key any of its
// instances has, sorted) and its records ascending by bk_inst_id.
type modelTable struct {
	model   Model // without Instances
	k       *kind
	records []*record
}

// objectStore holds the custom models, cloud areas and dynamic groups. Every
// change rebuilds the lists it touches (copy on write), so a reader may keep
// a list after releasing the lock.
type objectStore struct {
	mu       sync.RWMutex
	supplier string
	multi    bool
	models   map[string]*modelTable
	order    []string         // the models in dataset order, new ones last
	instOf   map[int64]string // bk_inst_id → its model
	maxInst  int64
	areas    []*record // cloud areas ascending by bk_cloud_id
	maxArea  int64
	groups   groupStore
}

func newObjectStore(d *Dataset, supplier string, multiTenant bool) *objectStore {
	o := &objectStore{supplier: supplier, multi: multiTenant, models: map[string]*modelTable{}, instOf: map[int64]string{}}
	if d == nil {
		return o
	}
	for _, m := range d.Models {
		o.setModel(m)
	}
	for _, a := range d.CloudAreas {
		o.putArea(a)
	}
	for _, g := range d.DynamicGroups {
		o.putGroup(g)
	}
	return o
}

// setModel (re)builds the table of a model from its instances.
func (o *objectStore) setModel(m Model) {
	insts := slices.Clone(m.Instances)
	slices.SortFunc(insts, func(a, b ModelInstance) int { return cmp.Compare(a.ID, b.ID) })
	keySet := map[string]bool{"bk_inst_id": true, "bk_inst_name": true, "bk_obj_id": true}
	if !o.multi {
		keySet["bk_supplier_account"] = true
	}
	for _, in := range insts {
		for key := range in.Attributes {
			keySet[key] = true
		}
	}
	keys := slices.Sorted(maps.Keys(keySet))
	var salt uint64
	for _, c := range m.ObjID {
		salt = salt*131 + uint64(c)
	}
	k := newKind("bk_inst_id", "", false, salt, keys, nil, nil)
	if old := o.models[m.ObjID]; old != nil {
		for _, r := range old.records {
			delete(o.instOf, r.id)
		}
	} else {
		o.order = append(o.order, m.ObjID)
	}
	t := &modelTable{model: Model{ObjID: m.ObjID, Name: m.Name}, k: k}
	for _, in := range insts {
		t.records = append(t.records, o.instanceRecord(k, m.ObjID, in))
		o.instOf[in.ID] = m.ObjID
		o.maxInst = max(o.maxInst, in.ID)
	}
	o.models[m.ObjID] = t
}

// instanceRecord encodes an instance with the keys of k.
func (o *objectStore) instanceRecord(k *kind, objID string, in ModelInstance) *record {
	values := make(map[string]any, len(in.Attributes)+4)
	maps.Copy(values, in.Attributes)
	values["bk_inst_id"], values["bk_inst_name"], values["bk_obj_id"] = json.Number(fmt.Sprint(in.ID)), in.Name, objID
	if o.multi {
		delete(values, "bk_supplier_account")
	} else if s, _ := values["bk_supplier_account"].(string); s == "" {
		values["bk_supplier_account"] = o.supplier
	}
	return newMapRecord(k, in.ID, in.clone(), values)
}

// instances returns a model's records (nil for an unknown model) and its kind.
func (o *objectStore) instances(objID string) (*kind, []*record) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	t := o.models[objID]
	if t == nil {
		return nil, nil
	}
	return t.k, t.records
}

// modelOf returns a model with its instances as served now.
func (o *objectStore) modelOf(t *modelTable) Model {
	m := t.model
	m.Instances = make([]ModelInstance, len(t.records))
	for i, r := range t.records {
		m.Instances[i] = srcOf[ModelInstance](r).clone()
	}
	return m
}

// snapshotInto adds the models, cloud areas and groups to d.
func (o *objectStore) snapshotInto(d *Dataset) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	for _, id := range o.order {
		d.Models = append(d.Models, o.modelOf(o.models[id]))
	}
	for _, r := range o.areas {
		d.CloudAreas = append(d.CloudAreas, srcOf[CloudArea](r))
	}
	for _, r := range o.groups.groups {
		d.DynamicGroups = append(d.DynamicGroups, srcOf[DynamicGroup](r))
	}
}

// newMapRecord encodes a flat map in the key order of k (absent keys left
// out). Matching values: int64 for an integral number that fits, float64
// for another number, string, bool, nil for null, []any and map[string]any
// with their elements converted the same way.
func newMapRecord(k *kind, id int64, src any, m map[string]any) *record {
	r := &record{id: id, vals: make([]any, len(k.keys)), frags: make([][]byte, len(k.keys)), src: src,
		order: splitmix(uint64(id) ^ k.salt)}
	b := []byte{'{'}
	spans := make([][2]int, len(k.keys))
	for i, key := range k.keys {
		v, ok := m[key]
		if !ok {
			spans[i] = [2]int{-1, -1}
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		from := len(b)
		b = appendJSONString(b, key)
		b = append(b, ':')
		raw, err := json.Marshal(v)
		if err != nil {
			raw = []byte("null")
		}
		b = append(b, raw...)
		spans[i] = [2]int{from, len(b)}
		r.vals[i] = matchValue(v)
	}
	b = append(b, '}')
	r.json = b
	for i, sp := range spans {
		if sp[0] >= 0 {
			r.frags[i] = b[sp[0]:sp[1]:sp[1]]
		}
	}
	return r
}

// matchValue converts a decoded JSON value into the value matched and sorted.
func matchValue(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case json.Number:
		if n, ok := numberArg(x); ok && n.isInt {
			return n.i
		} else if ok {
			return n.f
		}
		return nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = matchValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for key, e := range x {
			out[key] = matchValue(e)
		}
		return out
	}
	return v
}
