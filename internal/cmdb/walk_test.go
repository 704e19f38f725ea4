package cmdb

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// Every instance, exact, ascending, for many page sizes and parallelisms, on both gateways.
func TestWalkExactData(t *testing.T) {
	for _, gw := range gateways {
		for _, tc := range []struct{ n, pageSize, par int }{
			{0, 500, 4}, {1, 500, 4}, {500, 500, 4}, {501, 500, 4}, {1234, 500, 16}, {1234, 7, 3}, {2000, 100, 1},
		} {
			t.Run(string(gw)+"/n="+strconv.Itoa(tc.n)+"/page="+strconv.Itoa(tc.pageSize)+"/par="+strconv.Itoa(tc.par), func(t *testing.T) {
				s := newEmulator(t, tc.n)
				c, _ := newTestClient(t, s, gw, func(c *Config) { c.PageSize = tc.pageSize; c.Parallelism = tc.par })
				got, err := list(t, c)
				if err != nil {
					t.Fatal(err)
				}
				requireExact(t, s, got)
				if got.Instances == nil {
					t.Error("Instances is nil, want empty non-nil")
				}
				pages := len(wantStarts(tc.n, tc.pageSize))
				if got := s.RequestCount(); got != pages {
					t.Errorf("%d requests, want %d", got, pages)
				}
			})
		}
	}
}

// Ids are exact 64-bit integers; labels null stays nil; an absent bk_supplier_account is "".
func TestWalkExactInt64AndNulls(t *testing.T) {
	s := newEmulator(t, 0)
	big := []int64{1<<53 + 1, math.MaxInt64 - 1, math.MaxInt64}
	for _, id := range big {
		s.Insert(testBiz, testTpl, emulator.Instance{ID: id, HostID: 1<<62 + 3, ServiceTemplateID: 0})
	}
	c, _ := newTestClient(t, s, GatewayESB)
	got, err := list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, got)
	for i, id := range big {
		if got.Instances[i].ID != id || got.Instances[i].HostID != 1<<62+3 {
			t.Errorf("instance %d: id %d host %d", i, got.Instances[i].ID, got.Instances[i].HostID)
		}
		if got.Instances[i].Labels != nil {
			t.Errorf("labels = %v, want nil for null", got.Instances[i].Labels)
		}
	}

	// A record without labels and bk_supplier_account (newer multi-tenant builds).
	s.Inject(emulator.Fault{Body: `{"result":true,"code":0,"message":"success","data":{"count":1,"info":[` +
		`{"bk_biz_id":2,"id":9007199254740993,"name":"n","service_template_id":0,"bk_host_id":1,"bk_module_id":3,` +
		`"creator":"admin","modifier":"admin","create_time":"2019-06-20T22:46:00.69+08:00","last_time":"2020-10-09T02:46:25.002Z"}]}}`})
	got, err = list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	in := got.Instances[0]
	if in.ID != 9007199254740993 || in.Labels != nil || in.SupplierAccount != "" || in.CreateTime != "2019-06-20T22:46:00.69+08:00" {
		t.Errorf("got %+v", in)
	}
}

// Consistency: data changing between pages gives the exact final snapshot (after a
// re-walk) or the inconsistent error; duplicates are dropped.
func TestWalkDataChanges(t *testing.T) {
	cases := []struct {
		name string
		hook func(p emulator.PageRequest, m *emulator.Mutator)
	}{
		{"insert during walk", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 2 {
				m.Insert(testBiz, testTpl, emulator.Instance{})
			}
		}},
		{"insert before fetched page", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 2 {
				m.Delete(7)
				m.Insert(testBiz, testTpl, emulator.Instance{ID: 7})
				m.Insert(testBiz, testTpl, emulator.Instance{ID: 100000})
			}
		}},
		{"delete during walk", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 3 {
				m.Delete(5)
			}
		}},
		// A balanced change leaves count as it was: only the overlap record of each
		// page shows that the records after the deleted one moved back by one.
		{"delete before the boundary, insert after it", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 2 {
				m.Delete(5)
				m.Insert(testBiz, testTpl, emulator.Instance{})
			}
		}},
		{"delete two, insert two, across pages", func(p emulator.PageRequest, m *emulator.Mutator) {
			if p.N == 3 {
				m.Delete(50)
				m.Delete(150)
				m.Insert(testBiz, testTpl, emulator.Instance{})
				m.Insert(testBiz, testTpl, emulator.Instance{})
			}
		}},
		{"delete then insert in later pages", func(p emulator.PageRequest, m *emulator.Mutator) {
			switch p.N {
			case 2:
				m.Delete(150)
			case 3:
				m.Insert(testBiz, testTpl, emulator.Instance{})
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newEmulator(t, 250)
			s.OnPage(tc.hook)
			c, log := newTestClient(t, s, GatewayESB, func(c *Config) { c.PageSize = 100; c.Parallelism = 1 })
			got, err := list(t, c)
			if err != nil {
				t.Fatal(err)
			}
			requireExact(t, s, got)
			if !strings.Contains(log.text(), "walking again") {
				t.Error("no re-walk was logged")
			}
		})
	}
}

// The balanced insert+delete (count unchanged) is still caught by the overlap record at
// every page size that has one: the walk is done again and the result is exact. With
// page_size 1 there is no overlap and the count rule alone applies (contract).
func TestWalkBalancedChangeEveryPageSize(t *testing.T) {
	for _, ps := range []int{2, 7, 499, 500} {
		t.Run("page_size="+strconv.Itoa(ps), func(t *testing.T) {
			n := 2*ps + 3
			s := newEmulator(t, n)
			first := s.Instances(testBiz, testTpl)[0].ID
			s.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
				if p.N == 2 { // after page 1: one of its records goes, one is added at the end
					m.Delete(first)
					m.Insert(testBiz, testTpl, emulator.Instance{})
				}
			})
			c, log := newTestClient(t, s, GatewayESB, func(c *Config) { c.PageSize = ps; c.Parallelism = 1 })
			got, err := list(t, c)
			if err != nil {
				t.Fatal(err)
			}
			requireExact(t, s, got)
			if !strings.Contains(log.text(), "walking again") {
				t.Error("the balanced change was not caught: no re-walk was logged")
			}
		})
	}
}

// A page holding more items than asked overlaps the next: the duplicates are dropped
// and the walk is kept (no re-walk).
func TestWalkDedupeExtraItems(t *testing.T) {
	s := newEmulator(t, 250)
	s.Inject(emulator.Fault{ExtraItems: 30, Match: func(r emulator.RecordedRequest) bool { return startOf(r) == 99 }})
	c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.PageSize = 100; c.Parallelism = 2 })
	got, err := list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, got)
	if n := s.RequestCount(); n != 3 {
		t.Errorf("%d requests, want 3 (one walk)", n)
	}
}

// Consistency: data that never settles fails after MaxWalks walks with the counts seen.
func TestWalkInconsistentAfterMaxWalks(t *testing.T) {
	s := newEmulator(t, 250)
	s.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
		if p.Start == 99 { // the second page of every walk sees one more instance
			m.Insert(testBiz, testTpl, emulator.Instance{})
		}
	})
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.PageSize = 100; c.Parallelism = 1 })
	_, err := list(t, c)
	var ie *InconsistentError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T), want *InconsistentError", err, err)
	}
	if len(ie.Walks) != MaxWalks {
		t.Errorf("%d walks, want %d", len(ie.Walks), MaxWalks)
	}
	if n := s.RequestCount(); n != 2*MaxWalks {
		t.Errorf("%d requests, want %d (each walk stops at the page whose count changed)", n, 2*MaxWalks)
	}
	msg := err.Error()
	for _, want := range []string{APIListServiceInstanceBySetTemplate, "walk 1: count 250 then 251", "walk 3: count 252 then 253"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if !IsRetryable(err) {
		t.Error("IsRetryable(inconsistent) = false")
	}
}

// Balanced changes on every walk (count never moves) are caught by the page overlap
// and end in the inconsistent error, never in a list with a gap.
func TestWalkShiftedEveryWalk(t *testing.T) {
	s := newEmulator(t, 250)
	next := int64(10)
	s.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
		if p.Start == 99 { // before the second page: one record of page 1 goes, one is added at the end
			m.Delete(next)
			next++
			m.Insert(testBiz, testTpl, emulator.Instance{})
		}
	})
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.PageSize = 100; c.Parallelism = 1 })
	got, err := list(t, c)
	var ie *InconsistentError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v instances and error %v, want *InconsistentError", got, err)
	}
	if len(ie.Walks) != MaxWalks {
		t.Errorf("%d walks, want %d", len(ie.Walks), MaxWalks)
	}
	if msg := err.Error(); !strings.Contains(msg, "walk 1: count 250, 251 distinct ids, records shifted between pages") {
		t.Errorf("error %q does not give the counts and the shift", msg)
	}
}

// Distinct ids different from count, with count never changing, is inconsistent too.
func TestWalkDistinctNotCount(t *testing.T) {
	s := newEmulator(t, 3)
	all := s.Instances(testBiz, testTpl)
	s.Inject(emulator.Fault{Body: pageBody(5, all), Times: 100})
	c, _ := newTestClient(t, s, GatewayESB)
	_, err := list(t, c)
	var ie *InconsistentError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v, want *InconsistentError", err)
	}
	if !strings.Contains(err.Error(), "count 5, 3 distinct ids") {
		t.Errorf("error %q lacks the counts", err)
	}
	if n := s.RequestCount(); n != MaxWalks {
		t.Errorf("%d requests, want %d", n, MaxWalks)
	}
}

// Walk helpers: dedupe keeps one of each id, ascending; assemble keeps page order.
func TestDedupeAndAssemble(t *testing.T) {
	mk := func(ids ...int64) []ServiceInstance {
		out := make([]ServiceInstance, len(ids))
		for i, id := range ids {
			out[i] = ServiceInstance{ID: id, Name: strconv.FormatInt(id, 10)}
		}
		return out
	}
	w := &walker[ServiceInstance, int64]{id: serviceInstanceID}
	got := w.dedupe(mk(3, 1, 2, 3, 1, 5))
	if len(got) != 4 || got[0].ID != 1 || got[1].ID != 2 || got[2].ID != 3 || got[3].ID != 5 {
		t.Errorf("dedupe = %v", got)
	}
	buf := make([]ServiceInstance, 9)
	copy(buf[3:], mk(4, 5))
	copy(buf[6:], mk(7, 8, 9))
	slots := [][]ServiceInstance{mk(1, 2, 3), buf[3:5], buf[6:9]}
	out := assemble(slots, buf, 3)
	if len(out) != 8 || out[3].ID != 4 || out[4].ID != 5 || out[5].ID != 7 || out[7].ID != 9 {
		t.Errorf("assemble = %v", out)
	}
}
