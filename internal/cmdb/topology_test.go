package cmdb

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// Comma-joined CMDB fields become lists in the order sent, without empty members; null
// and "" are empty; an array is taken as it is.
func TestCommaList(t *testing.T) {
	for in, want := range map[string][]string{
		`"10.0.0.1,10.0.0.2"`:   {"10.0.0.1", "10.0.0.2"},
		`"b,a"`:                 {"b", "a"},
		`" alice , ,bob,"`:      {"alice", "bob"},
		`""`:                    nil,
		`null`:                  nil,
		`["x","","y"]`:          {"x", "y"},
		`"fe80::1,2001:db8::1"`: {"fe80::1", "2001:db8::1"},
		`"一号机房,二号机房"`:           {"一号机房", "二号机房"},
	} {
		var l CommaList
		if err := json.Unmarshal([]byte(in), &l); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !slices.Equal([]string(l), want) {
			t.Errorf("%s: got %q, want %q", in, l, want)
		}
	}
	var l CommaList
	if err := json.Unmarshal([]byte(`7`), &l); err == nil {
		t.Error("a number was taken as a comma-joined field")
	}
}

// chunkIDs: nil is one call without the filter, empty is no call, ids are distinct and
// ascending in chunks of at most size.
func TestChunkIDs(t *testing.T) {
	if got := chunkIDs(nil, 2); len(got) != 1 || got[0] != nil {
		t.Errorf("nil: %v", got)
	}
	if got := chunkIDs([]int64{}, 2); got != nil {
		t.Errorf("empty: %v", got)
	}
	got := chunkIDs([]int64{5, 1, 3, 1, 4, 2, 5}, 2)
	if want := [][]int64{{1, 2}, {3, 4}, {5}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// ListBizHosts splits id lists to the API's limits against an emulator that refuses
// longer ones, and merges the answers ascending without duplicates; an empty list sends
// nothing.
func TestListBizHostsSplits(t *testing.T) {
	const biz = 2
	d := emulator.ManyHosts(biz, 1200)
	s := emulator.NewTestServer(t, emulator.Options{Data: d, StrictLimits: true})
	c, _ := newTestClient(t, s, GatewayAPIGW)
	var ids []int64
	for _, h := range d.HostsOf(biz, nil, nil, nil) {
		ids = append(ids, h.ID, h.ID) // every id twice
	}
	var modules []int64
	for _, m := range d.ModulesOf(biz, 0) {
		modules = append(modules, m.ID)
	}
	for i := int64(1); len(modules) < 501; i++ {
		modules = append(modules, 900000+i)
	}
	got, err := c.ListBizHosts(t.Context(), biz, HostFilter{HostIDs: ids, ModuleIDs: modules})
	if err != nil {
		t.Fatal(err)
	}
	want := d.HostsOf(biz, nil, modules, ids)
	if len(got) != len(want) || len(want) < 1000 {
		t.Fatalf("%d hosts, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Fatalf("host %d: id %d, want %d", i, got[i].ID, want[i].ID)
		}
	}
	walks := 0
	for _, r := range s.Requests() {
		if pageOf(t, r).Start == 0 {
			walks++
		}
	}
	if walks != 3*2 { // 1,200 distinct ids in 3 chunks × 501 modules in 2
		t.Errorf("%d walks, want 6", walks)
	}

	s.ResetRequests()
	none, err := c.ListBizHosts(t.Context(), biz, HostFilter{SetIDs: []int64{}})
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("empty set list: %v, %v; want [] and no error", none, err)
	}
	if n := s.RequestCount(); n != 0 {
		t.Errorf("an empty list sent %d requests", n)
	}
}
