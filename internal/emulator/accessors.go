package emulator

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// The accessors below give the expected answer of an API on this dataset,
// ascending by id and never nil, as plain filters over the dataset (the
// server's answers are compared with them). They return copies.

// Instances returns the expected answer of list_service_instance_by_set_template
// for bizID and setTemplateID: the instances of the modules of that business
// built from that set template.
func (d *Dataset) Instances(bizID, setTemplateID int64) []Instance {
	inModule := make(map[int64]bool)
	for _, m := range d.Modules {
		if m.BizID == bizID && m.SetTemplateID == setTemplateID && setTemplateID != 0 {
			inModule[m.ID] = true
		}
	}
	out := []Instance{}
	for _, in := range d.ServiceInstances {
		if in.BizID == bizID && inModule[in.ModuleID] {
			out = append(out, cloneInstance(in))
		}
	}
	slices.SortFunc(out, func(a, b Instance) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// BusinessesMatching returns what search_business answers for the condition
// {"bk_biz_name": name} without IAM: the businesses whose name contains name,
// ignoring case, except the resource pool (default 1) and disabled ones.
func (d *Dataset) BusinessesMatching(name string) []Business {
	return sortedWhere(d.Businesses, func(b *Business) bool {
		return b.Default == 0 && b.DataStatus != "disabled" && strings.Contains(strings.ToLower(b.Name), strings.ToLower(name))
	}, func(b *Business) int64 { return b.ID })
}

// SetTemplatesOf returns the set templates of a business (list_set_template).
func (d *Dataset) SetTemplatesOf(bizID int64) []SetTemplate {
	return sortedWhere(d.SetTemplates, func(t *SetTemplate) bool { return t.BizID == bizID }, func(t *SetTemplate) int64 { return t.ID })
}

// SetsOf returns the sets of a business, its idle pool set included (search_set).
func (d *Dataset) SetsOf(bizID int64) []Set {
	return sortedWhere(d.Sets, func(s *Set) bool { return s.BizID == bizID }, func(s *Set) int64 { return s.ID })
}

// ModulesOf returns the modules of a business in set setID, or in every set
// when setID is 0 (search_module).
func (d *Dataset) ModulesOf(bizID, setID int64) []Module {
	return sortedWhere(d.Modules, func(m *Module) bool { return m.BizID == bizID && (setID == 0 || m.SetID == setID) }, func(m *Module) int64 { return m.ID })
}

// HostsOf returns what list_biz_hosts answers for a business with the given
// bk_set_ids, bk_module_ids and an "in" rule on bk_host_id (each nil or empty
// for no filter): the hosts of the business that are in a module m with m in
// moduleIDs and m's set in setIDs, and whose id is in hostIDs.
func (d *Dataset) HostsOf(bizID int64, setIDs, moduleIDs, hostIDs []int64) []Host {
	setOf := map[int64]int64{}
	for _, m := range d.Modules {
		setOf[m.ID] = m.SetID
	}
	out := []Host{}
	for _, h := range d.Hosts {
		if h.BizID != bizID || len(hostIDs) > 0 && !slices.Contains(hostIDs, h.ID) {
			continue
		}
		in := len(setIDs) == 0 && len(moduleIDs) == 0
		for _, m := range h.ModuleIDs {
			in = in || (len(setIDs) == 0 || slices.Contains(setIDs, setOf[m])) && (len(moduleIDs) == 0 || slices.Contains(moduleIDs, m))
		}
		if in {
			out = append(out, cloneHost(h))
		}
	}
	slices.SortFunc(out, func(a, b Host) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// sortedWhere is a copy of the items that keep accepts, ascending by id, never nil.
func sortedWhere[T any](items []T, keep func(*T) bool, id func(*T) int64) []T {
	out := []T{}
	for i := range items {
		if keep(&items[i]) {
			out = append(out, items[i])
		}
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(id(&a), id(&b)) })
	return out
}

// Clone returns a deep copy of the dataset.
func (d *Dataset) Clone() *Dataset {
	c := &Dataset{
		SupplierAccount:  d.SupplierAccount,
		Businesses:       slices.Clone(d.Businesses),
		SetTemplates:     slices.Clone(d.SetTemplates),
		Sets:             slices.Clone(d.Sets),
		Modules:          slices.Clone(d.Modules),
		Hosts:            make([]Host, len(d.Hosts)),
		ServiceInstances: make([]Instance, len(d.ServiceInstances)),
	}
	for i, h := range d.Hosts {
		c.Hosts[i] = cloneHost(h)
	}
	for i, in := range d.ServiceInstances {
		c.ServiceInstances[i] = cloneInstance(in)
	}
	if d.Processes != nil {
		c.Processes = make([]Process, len(d.Processes))
		for i, p := range d.Processes {
			c.Processes[i] = cloneProcess(p)
		}
	}
	return c
}

func cloneHost(h Host) Host {
	h.ModuleIDs = slices.Clone(h.ModuleIDs)
	if h.OSType != nil {
		t := *h.OSType
		h.OSType = &t
	}
	return h
}

func cloneInstance(in Instance) Instance {
	in.Labels = maps.Clone(in.Labels)
	return in
}
