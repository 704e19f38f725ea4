package emulator

import (
	"cmp"
	"maps"
	"slices"
)

// The Mutator's changes of custom models, cloud areas and dynamic groups.

// InsertModelInstance adds an instance to model objID (created when
// unknown), or replaces the instance with its id (moving it to objID), and
// returns it as stored: a zero id takes the highest bk_inst_id + 1.
func (m *Mutator) InsertModelInstance(objID string, in ModelInstance) ModelInstance {
	o := m.t.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	in = in.clone()
	if in.ID <= 0 {
		in.ID = o.maxInst + 1
	}
	o.removeInstance(in.ID)
	model := Model{ObjID: objID}
	if t := o.models[objID]; t != nil {
		model = o.modelOf(t)
	}
	model.Instances = append(model.Instances, in)
	o.setModel(model)
	return in.clone()
}

// UpdateModelInstance sets attributes of an instance (a nil value makes it
// null); it reports whether the instance exists.
func (m *Mutator) UpdateModelInstance(id int64, attrs map[string]any) bool {
	o := m.t.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	objID, ok := o.instOf[id]
	if !ok {
		return false
	}
	model := o.modelOf(o.models[objID])
	for i := range model.Instances {
		if model.Instances[i].ID == id {
			if model.Instances[i].Attributes == nil {
				model.Instances[i].Attributes = map[string]any{}
			}
			maps.Copy(model.Instances[i].Attributes, attrs)
		}
	}
	o.setModel(model)
	return true
}

// DeleteModelInstance removes an instance of any model.
func (m *Mutator) DeleteModelInstance(id int64) bool {
	o := m.t.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.removeInstance(id)
}

// removeInstance removes an instance; o.mu is held.
func (o *objectStore) removeInstance(id int64) bool {
	objID, ok := o.instOf[id]
	if !ok {
		return false
	}
	model := o.modelOf(o.models[objID])
	model.Instances = slices.DeleteFunc(model.Instances, func(in ModelInstance) bool { return in.ID == id })
	o.setModel(model)
	return true
}

// ModelInstances returns the instances of model objID ascending by
// bk_inst_id (what search_object_instances answers without conditions,
// sorted), never nil.
func (d *Dataset) ModelInstances(objID string) []ModelInstance {
	out := []ModelInstance{}
	for _, m := range d.Models {
		if m.ObjID == objID {
			for _, in := range m.Instances {
				out = append(out, in.clone())
			}
		}
	}
	slices.SortFunc(out, func(a, b ModelInstance) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
