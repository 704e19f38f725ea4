package emulator

import (
	"fmt"
	"slices"
	"time"
)

// Validate checks that ids are positive and unique per kind, that every
// reference resolves (a set's template and a module's set belong to their
// business, a module has its set's template, a host's modules belong to its
// business, an instance's module and host exist and the host is in that
// module), and that labels and times follow the CMDB rules. Files of the
// first format (no sets, hosts without modules) are valid as they were.
func (d *Dataset) Validate() error {
	bizs := make(map[int64]bool, len(d.Businesses))
	pools := 0
	for _, b := range d.Businesses {
		if b.ID <= 0 || bizs[b.ID] {
			return fmt.Errorf("business %d: id must be positive and unique", b.ID)
		}
		if b.Default != 0 && b.Default != 1 {
			return fmt.Errorf("business %d: default must be 0 or 1 (the resource pool)", b.ID)
		}
		pools += int(b.Default)
		bizs[b.ID] = true
	}
	if pools > 1 {
		return fmt.Errorf("%d businesses have default 1: there is one resource pool", pools)
	}
	templates := make(map[int64]SetTemplate, len(d.SetTemplates))
	for _, t := range d.SetTemplates {
		if _, dup := templates[t.ID]; t.ID <= 0 || dup {
			return fmt.Errorf("set template %d: id must be positive and unique", t.ID)
		}
		if !bizs[t.BizID] {
			return fmt.Errorf("set template %d: unknown business %d", t.ID, t.BizID)
		}
		if err := optionalTimes(t.CreateTime, t.LastTime); err != nil {
			return fmt.Errorf("set template %d: %w", t.ID, err)
		}
		templates[t.ID] = t
	}
	ofBusiness := func(tpl, biz int64) bool { t, ok := templates[tpl]; return tpl == 0 || ok && t.BizID == biz }
	sets := make(map[int64]Set, len(d.Sets))
	idleSets := map[int64]bool{}
	for _, st := range d.Sets {
		if _, dup := sets[st.ID]; st.ID <= 0 || dup {
			return fmt.Errorf("set %d: id must be positive and unique", st.ID)
		}
		if !bizs[st.BizID] {
			return fmt.Errorf("set %d: unknown business %d", st.ID, st.BizID)
		}
		if !ofBusiness(st.SetTemplateID, st.BizID) {
			return fmt.Errorf("set %d: set template %d is not a template of business %d", st.ID, st.SetTemplateID, st.BizID)
		}
		if st.Default != 0 && (st.Default != 1 || idleSets[st.BizID]) {
			return fmt.Errorf("set %d: default must be 0, or 1 for the one idle pool set of its business", st.ID)
		}
		idleSets[st.BizID] = idleSets[st.BizID] || st.Default == 1
		sets[st.ID] = st
	}
	modules := make(map[int64]Module, len(d.Modules))
	for _, m := range d.Modules {
		if err := checkModule(m, modules, bizs, sets, len(d.Sets) > 0); err != nil {
			return err
		}
		if !ofBusiness(m.SetTemplateID, m.BizID) {
			return fmt.Errorf("module %d: set template %d is not a template of business %d", m.ID, m.SetTemplateID, m.BizID)
		}
		modules[m.ID] = m
	}
	hosts := make(map[int64]Host, len(d.Hosts))
	for _, h := range d.Hosts {
		if _, dup := hosts[h.ID]; h.ID <= 0 || dup {
			return fmt.Errorf("host %d: id must be positive and unique", h.ID)
		}
		if h.CloudID < 0 {
			return fmt.Errorf("host %d: bk_cloud_id must not be negative", h.ID)
		}
		for i, id := range h.ModuleIDs {
			if m, ok := modules[id]; !ok || m.BizID != h.BizID || slices.Contains(h.ModuleIDs[:i], id) {
				return fmt.Errorf("host %d: module %d is not a module of business %d (or is listed twice)", h.ID, id, h.BizID)
			}
		}
		hosts[h.ID] = h
	}
	seen := make(map[int64]bool, len(d.ServiceInstances))
	for _, in := range d.ServiceInstances {
		if err := checkInstance(in, seen, modules, hosts, len(d.Hosts) > 0); err != nil {
			return err
		}
	}
	if err := checkProcesses(d.Processes, seen); err != nil {
		return err
	}
	return d.validateObjects(bizs)
}

// checkModule checks one module against the modules before it, the
// businesses and the sets (required when the dataset has sets).
func checkModule(m Module, modules map[int64]Module, bizs map[int64]bool, sets map[int64]Set, haveSets bool) error {
	if _, dup := modules[m.ID]; m.ID <= 0 || dup {
		return fmt.Errorf("module %d: id must be positive and unique", m.ID)
	}
	if !bizs[m.BizID] {
		return fmt.Errorf("module %d: unknown business %d", m.ID, m.BizID)
	}
	if m.Default < 0 || m.Default > 3 {
		return fmt.Errorf("module %d: default must be 0, 1 (idle), 2 (fault) or 3 (recycle)", m.ID)
	}
	if !haveSets {
		if m.SetID != 0 {
			return fmt.Errorf("module %d: unknown set %d (the dataset has no sets)", m.ID, m.SetID)
		}
		return nil
	}
	st, ok := sets[m.SetID]
	switch {
	case !ok || st.BizID != m.BizID:
		return fmt.Errorf("module %d: set %d is not a set of business %d", m.ID, m.SetID, m.BizID)
	case st.SetTemplateID != m.SetTemplateID:
		return fmt.Errorf("module %d: set_template_id %d differs from its set's %d", m.ID, m.SetTemplateID, st.SetTemplateID)
	case m.Default != 0 && st.Default != 1:
		return fmt.Errorf("module %d: an idle, fault or recycle module must be in the idle pool set", m.ID)
	}
	return nil
}

// checkInstance checks one service instance.
func checkInstance(in Instance, seen map[int64]bool, modules map[int64]Module, hosts map[int64]Host, haveHosts bool) error {
	if in.ID <= 0 || seen[in.ID] {
		return fmt.Errorf("service instance %d: id must be positive and unique", in.ID)
	}
	seen[in.ID] = true
	m, ok := modules[in.ModuleID]
	if !ok {
		return fmt.Errorf("service instance %d: unknown module %d", in.ID, in.ModuleID)
	}
	if m.BizID != in.BizID {
		return fmt.Errorf("service instance %d: bk_biz_id %d differs from its module's %d", in.ID, in.BizID, m.BizID)
	}
	if haveHosts {
		h, ok := hosts[in.HostID]
		if !ok {
			return fmt.Errorf("service instance %d: unknown host %d", in.ID, in.HostID)
		}
		if len(h.ModuleIDs) > 0 && !slices.Contains(h.ModuleIDs, in.ModuleID) {
			return fmt.Errorf("service instance %d: host %d is not in module %d", in.ID, in.HostID, in.ModuleID)
		}
	}
	for k, v := range in.Labels {
		if !ValidLabel(k, v) {
			return fmt.Errorf("service instance %d: invalid label %q=%q", in.ID, k, v)
		}
	}
	for _, ts := range []string{in.CreateTime, in.LastTime} {
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			return fmt.Errorf("service instance %d: time %q is not RFC 3339", in.ID, ts)
		}
	}
	return nil
}

// optionalTimes checks that the times given are RFC 3339.
func optionalTimes(times ...string) error {
	for _, ts := range times {
		if _, err := time.Parse(time.RFC3339Nano, ts); ts != "" && err != nil {
			return fmt.Errorf("time %q is not RFC 3339", ts)
		}
	}
	return nil
}
