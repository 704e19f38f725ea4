package emulator

import (
	"slices"
	"testing"
)

// TestDetailsOfMatchesTheScan: looking service_instance_ids up gives exactly what the
// scan of the business gives, for ids unsorted, repeated, unknown, of another
// business, outside any set template, and with another filter besides.
func TestDetailsOfMatchesTheScan(t *testing.T) {
	d := WithProcesses(SingleTemplate(2, 11, 2000, 1), 1, nil)
	other := SingleTemplate(3, 12, 50, 2)
	for _, in := range other.ServiceInstances {
		in.ID += 10000
		d.ServiceInstances = append(d.ServiceInstances, in)
	}
	d.Businesses = append(d.Businesses, other.Businesses...)
	d.SetTemplates = append(d.SetTemplates, other.SetTemplates...)
	d.Hosts = append(d.Hosts, other.Hosts...)
	for _, m := range other.Modules {
		m.ID += 1000
		d.Modules = append(d.Modules, m)
	}
	for i := range d.ServiceInstances[2000:] {
		d.ServiceInstances[2000+i].ModuleID += 1000
	}
	s := newStore(d, false)
	loose := Instance{ID: 20001, BizID: 2, ModuleID: 8990, HostID: d.Hosts[0].ID, Name: "loose"}
	s.others[loose.ID] = loose
	s.others[20002] = Instance{ID: 20002, BizID: 3, ModuleID: 8990, HostID: other.Hosts[0].ID, Name: "loose elsewhere"}
	module := d.Modules[1].ID
	for _, tc := range []struct {
		name string
		q    detailQuery
	}{
		{"unsorted, repeated, unknown", detailQuery{BizID: 2, ServiceInstanceIDs: &[]int64{1500, 3, 3, 999999, 7, 1, 2000, 1999}}},
		{"another business's ids", detailQuery{BizID: 2, ServiceInstanceIDs: &[]int64{10001, 10002, 5}}},
		{"the other business", detailQuery{BizID: 3, ServiceInstanceIDs: &[]int64{10001, 10002, 5}}},
		{"outside any template", detailQuery{BizID: 2, ServiceInstanceIDs: &[]int64{20002, 20001, 4}}},
		{"with a module filter", detailQuery{BizID: 2, ModuleID: module, ServiceInstanceIDs: &[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}},
		{"empty list", detailQuery{BizID: 2, ServiceInstanceIDs: &[]int64{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, got := s.details(tc.q.BizID, tc.q.keep), s.detailsOf(tc.q.BizID, *tc.q.ServiceInstanceIDs, tc.q.keep)
			if len(want) == 0 && tc.name != "empty list" && tc.name != "another business's ids" {
				t.Fatalf("the scan found nothing: a useless case")
			}
			if !slices.EqualFunc(want, got, func(a, b detailItem) bool {
				return a.inst.ID == b.inst.ID && string(a.json) == string(b.json) && len(a.procs) == len(b.procs)
			}) {
				t.Fatalf("lookup %v, scan %v", ids(got), ids(want))
			}
		})
	}
}

func ids(items []detailItem) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.inst.ID
	}
	return out
}
