package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// Expected state values of the topology data sources, built from the emulator's records
// the obvious way: comma-joined fields split here, independently of the client.

// members splits a comma-joined CMDB field: members in order, empty ones dropped.
func members(s string) []string {
	out := []string{}
	for _, m := range strings.Split(s, ",") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	return out
}

func wantBusiness(b emulator.Business) map[string]any {
	return map[string]any{
		"bk_biz_id": b.ID, "bk_biz_name": b.Name, "bk_biz_maintainer": members(b.Maintainer),
		"bk_biz_productor": members(b.Productor), "bk_biz_developer": members(b.Developer), "bk_biz_tester": members(b.Tester),
		"operator": members(b.Operator), "life_cycle": b.LifeCycle, "time_zone": b.TimeZone, "language": b.Language,
		"bk_supplier_account": b.SupplierAccount,
	}
}

func wantSetTemplate(t emulator.SetTemplate) map[string]any {
	return map[string]any{
		"id": t.ID, "name": t.Name, "bk_biz_id": t.BizID, "creator": t.Creator, "modifier": t.Modifier,
		"create_time": t.CreateTime, "last_time": t.LastTime, "bk_supplier_account": t.SupplierAccount,
	}
}

func wantSets(sets []emulator.Set) []map[string]any {
	out := []map[string]any{}
	for _, s := range sets {
		out = append(out, map[string]any{
			"bk_set_id": s.ID, "bk_biz_id": s.BizID, "set_template_id": s.SetTemplateID, "bk_set_name": s.Name,
			"bk_set_env": s.Env, "bk_service_status": s.ServiceStatus, "bk_set_desc": s.Desc,
		})
	}
	return out
}

func wantModules(modules []emulator.Module) []map[string]any {
	out := []map[string]any{}
	for _, m := range modules {
		out = append(out, map[string]any{
			"bk_module_id": m.ID, "bk_set_id": m.SetID, "bk_biz_id": m.BizID, "service_template_id": m.ServiceTemplateID,
			"set_template_id": m.SetTemplateID, "bk_module_name": m.Name, "bk_module_type": m.ModuleType,
			"operator": members(m.Operator), "bk_bak_operator": members(m.BakOperator),
		})
	}
	return out
}

func wantHosts(hosts []emulator.Host) []map[string]any {
	out := []map[string]any{}
	for _, h := range hosts {
		osType := ""
		if h.OSType != nil {
			osType = *h.OSType
		}
		out = append(out, map[string]any{
			"bk_host_id": h.ID, "bk_cloud_id": h.CloudID, "bk_host_name": h.Name, "bk_os_type": osType,
			"bk_os_name": h.OSName, "bk_os_version": h.OSVersion, "bk_agent_id": h.AgentID, "bk_state": h.State,
			"bk_host_innerip": members(h.InnerIP), "bk_host_outerip": members(h.OuterIP),
			"bk_host_innerip_v6": members(h.InnerIPv6), "bk_host_outerip_v6": members(h.OuterIPv6),
			"operator": members(h.Operator), "bk_bak_operator": members(h.BakOperator),
			"topology": []map[string]any{},
		})
	}
	return out
}

// stateAttributes returns the attributes of addr in the checked state.
func stateAttributes(req statecheck.CheckStateRequest, addr string) (map[string]any, error) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		return nil, fmt.Errorf("no state")
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == addr {
			return r.AttributeValues, nil
		}
	}
	return nil, fmt.Errorf("%s not in state", addr)
}

// expectObject checks that the top-level attributes of addr hold want (and maybe more).
type expectObject struct {
	addr string
	want map[string]any
}

func (e expectObject) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	attrs, err := stateAttributes(req, e.addr)
	if err == nil {
		err = sameObject(attrs, e.want, false)
	}
	if err != nil {
		resp.Error = fmt.Errorf("%s: %w", e.addr, err)
	}
}

// expectObjects checks that list attribute attr of addr holds exactly want, in order,
// every attribute of every element.
type expectObjects struct {
	addr, attr string
	want       []map[string]any
}

func (e expectObjects) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = e.check(req)
}

func (e expectObjects) check(req statecheck.CheckStateRequest) error {
	attrs, err := stateAttributes(req, e.addr)
	if err != nil {
		return err
	}
	got, ok := attrs[e.attr].([]any)
	if !ok {
		return fmt.Errorf("%s.%s is %T, want a list (never null)", e.addr, e.attr, attrs[e.attr])
	}
	if len(got) != len(e.want) {
		return fmt.Errorf("%s.%s has %d elements, want %d", e.addr, e.attr, len(got), len(e.want))
	}
	for i, w := range e.want {
		obj, ok := got[i].(map[string]any)
		if !ok {
			return fmt.Errorf("%s.%s[%d] is %T", e.addr, e.attr, i, got[i])
		}
		if err := sameObject(obj, w, true); err != nil {
			return fmt.Errorf("%s.%s[%d]: %w", e.addr, e.attr, i, err)
		}
	}
	return nil
}

// checkFunc is a state check written as a function, for expectations known only once
// the read is done.
type checkFunc func(req statecheck.CheckStateRequest) error

func (f checkFunc) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(req)
}

// sameObject compares a state object with want; exact requires the same attributes.
func sameObject(got, want map[string]any, exact bool) error {
	if exact && len(got) != len(want) {
		return fmt.Errorf("%d attributes, want %d", len(got), len(want))
	}
	for k, w := range want {
		if l, ok := w.([]map[string]any); ok {
			if err := sameObjectList(got[k], l); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			continue
		}
		if l, ok := w.([]string); ok {
			if err := sameStrings(got[k], l); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			continue
		}
		if err := sameValue(got[k], w); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

// sameObjectList compares a state list of objects with want, exactly and in order; a
// list is never null.
func sameObjectList(got any, want []map[string]any) error {
	g, ok := got.([]any)
	if !ok {
		return fmt.Errorf("got %T %v, want a list of %d objects (never null)", got, got, len(want))
	}
	if len(g) != len(want) {
		return fmt.Errorf("got %d elements %v, want %d", len(g), g, len(want))
	}
	for i := range want {
		obj, ok := g[i].(map[string]any)
		if !ok {
			return fmt.Errorf("[%d] is %T", i, g[i])
		}
		if err := sameObject(obj, want[i], true); err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return nil
}

// sameStrings compares a state list with want; a list is never null.
func sameStrings(got any, want []string) error {
	g, ok := got.([]any)
	if !ok {
		return fmt.Errorf("got %T %v, want the list %q (never null)", got, got, want)
	}
	if len(g) != len(want) {
		return fmt.Errorf("got %v, want %q", g, want)
	}
	for i := range want {
		if g[i] != want[i] {
			return fmt.Errorf("got %v, want %q", g, want)
		}
	}
	return nil
}
