package emulator

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// TestDetailDefaultOrder: without page.sort the answer is by -create_time;
// instances created together tie, and their order changes from one request to
// the next, so paging without a sort loses and repeats instances; "id",
// "-id" and other fields are honoured, ties of those in a fixed order.
func TestDetailDefaultOrder(t *testing.T) {
	d := GenerateDataset(GenerateOptions{Seed: 1})
	s := NewTestServer(t, Options{Data: d, StrictLimits: true})
	created := map[int64]int64{}
	var want []int64
	for _, in := range d.ServiceInstances {
		if in.BizID == 2 {
			created[in.ID] = instantOf(in.CreateTime).UnixNano()
			want = append(want, in.ID)
		}
	}
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			orders := map[string]bool{}
			for range 4 {
				_, info := callAPI(t, s, gw, detailReq(detailBody(0, 500, "", nil))).records(t)
				ids := idsOf(t, info, "id")
				for i := 1; i < len(ids); i++ {
					if created[ids[i]] > created[ids[i-1]] {
						t.Fatalf("not by -create_time at %d: %d after %d", i, ids[i], ids[i-1])
					}
				}
				orders[string(mustJSON(t, ids))] = true
			}
			if len(orders) < 2 {
				t.Fatal("ties keep one order on every request: paging without a sort would be stable")
			}
			var unsorted []int64
			for start := 0; start < len(want); start += 50 {
				_, info := callAPI(t, s, gw, detailReq(detailBody(start, 50, "", nil))).records(t)
				unsorted = append(unsorted, idsOf(t, info, "id")...)
			}
			slices.Sort(unsorted)
			if slices.Equal(unsorted, want) {
				t.Fatal("a walk without sort got every instance once")
			}
			byID := walkIDs(t, s, gw, detailReq(map[string]any{"bk_biz_id": 2}), "id", 50, "id")
			if !slices.Equal(byID, want) {
				t.Fatalf("sort id: %d ids, want %d ascending", len(byID), len(want))
			}
			if got := walkIDs(t, s, gw, detailReq(map[string]any{"bk_biz_id": 2}), "id", 500, "-id"); !slices.Equal(got, reversed(want)) {
				t.Fatal("sort -id is not descending")
			}
			for _, sort := range []string{"bk_host_id", "create_time", "bk_host_id:-1,id"} {
				a := walkIDs(t, s, gw, detailReq(map[string]any{"bk_biz_id": 2}), "id", 500, sort)
				b := walkIDs(t, s, gw, detailReq(map[string]any{"bk_biz_id": 2}), "id", 500, sort)
				if !slices.Equal(a, b) || slices.Equal(a, want) {
					t.Fatalf("sort %s: not a stable order of its own", sort)
				}
			}
		})
	}
}

// TestDetailProcessOrder: the processes of an instance come in no
// particular order (not by id) but the same on every request.
func TestDetailProcessOrder(t *testing.T) {
	d := detailFixture(t)
	s := NewTestServer(t, Options{Data: d})
	order := func() []int64 {
		_, info := callAPI(t, s, GatewayAPIGW, detailReq(detailBody(0, 10, "id", map[string]any{"service_instance_ids": []int64{detailNginx}}))).records(t)
		var pis []struct {
			Relation struct {
				ID int64 `json:"bk_process_id"`
			} `json:"relation"`
		}
		if err := json.Unmarshal(info[0]["process_instances"], &pis); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, pi := range pis {
			ids = append(ids, pi.Relation.ID)
		}
		return ids
	}
	first := order()
	if len(first) != 3 || slices.IsSorted(first) {
		t.Fatalf("processes in order %v: want the 3, not by id", first)
	}
	if again := order(); !slices.Equal(again, first) {
		t.Fatalf("order changed: %v then %v", first, again)
	}
}

// TestDetailMutatorBetweenPages: an OnPage hook inserts, moves and deletes
// processes and instances while a walk is in flight; the next page serves
// the change, Delete takes the instance's processes with it, and Snapshot
// holds the result.
func TestDetailMutatorBetweenPages(t *testing.T) {
	s := NewTestServer(t, Options{Data: detailFixture(t)})
	var moved Process
	s.OnPage(func(p PageRequest, m *Mutator) {
		if p.API != APIListServiceInstanceDetail || p.BizID != 2 {
			t.Errorf("page request %+v", p)
		}
		switch p.N {
		case 2:
			m.InsertProcess(Process{ServiceInstanceID: detailNoLabel, Name: ptr("new"), BindInfo: []BindRow{{IP: ptr("0.0.0.0"), Port: ptr("22"), Protocol: ptr(ProtocolTCP)}}})
			moved = m.Processes(detailNginx)[1]
			moved.ServiceInstanceID = detailEmpty
			m.InsertProcess(moved)
			m.Delete(detailGame)
			m.Insert(2, 11, Instance{ID: 5006, ModuleID: 110, HostID: 1001})
		}
	})
	procsOf := func(info []rec) map[int64][]int64 {
		out := map[int64][]int64{}
		for _, r := range info {
			var pis []struct {
				Relation struct {
					ID   int64 `json:"bk_process_id"`
					Inst int64 `json:"service_instance_id"`
					Host int64 `json:"bk_host_id"`
				} `json:"relation"`
			}
			if err := json.Unmarshal(r["process_instances"], &pis); err != nil {
				t.Fatal(err)
			}
			for _, pi := range pis {
				out[r.int(t, "id")] = append(out[r.int(t, "id")], pi.Relation.ID)
			}
		}
		return out
	}
	n, first := callAPI(t, s, GatewayESB, detailReq(detailBody(0, 10, "id", nil))).records(t)
	before := procsOf(first)
	n2, second := callAPI(t, s, GatewayAPIGW, detailReq(detailBody(0, 10, "id", nil))).records(t)
	after := procsOf(second)
	if n != 6 || n2 != 6 || !slices.Equal(idsOf(t, second, "id"), []int64{5001, 5002, 5004, 5005, 5006, 5007}) {
		t.Fatalf("counts %d, %d; ids after %v", n, n2, idsOf(t, second, "id"))
	}
	if len(before[detailNginx]) != 3 || len(after[detailNginx]) != 2 || !slices.Equal(after[detailEmpty], []int64{moved.ID}) ||
		len(after[detailNoLabel]) != 1 || after[detailNoLabel][0] != 7005 {
		t.Fatalf("processes before %v, after %v", before, after)
	}
	snap := s.Snapshot()
	if got := snap.ProcessesOf(detailGame); len(got) != 0 {
		t.Fatalf("the deleted instance keeps processes %v", got)
	}
	if len(snap.Processes) != 4 || len(snap.ProcessesOf(detailNoLabel)) != 1 {
		t.Fatalf("snapshot processes %+v", snap.Processes)
	}
	if !s.Mutator().DeleteProcess(7005) || s.Mutator().DeleteProcess(7005) {
		t.Fatal("DeleteProcess does not report what it removed")
	}
}

// TestDetailMultiTenant: multi-tenant builds send no bk_supplier_account in
// the instance nor in its processes.
func TestDetailMultiTenant(t *testing.T) {
	s := NewTestServer(t, Options{Data: detailFixture(t), MultiTenant: true})
	req := detailReq(detailBody(0, 10, "id", nil))
	req.header = map[string]string{"X-Bk-Tenant-Id": "default"}
	r := callAPI(t, s, GatewayAPIGW, req)
	_, info := r.records(t)
	if _, ok := info[0]["bk_supplier_account"]; ok || bytes.Contains(r.body, []byte("bk_supplier_account")) {
		t.Fatalf("bk_supplier_account sent:\n%.400s", r.body)
	}
}

// TestDatasetProcessesFile: processes survive the file format (null and []
// bind_info, null fields, empty rows), the files without processes still
// load, and Validate refuses a process of no instance or a duplicate id.
func TestDatasetProcessesFile(t *testing.T) {
	d := detailFixture(t)
	path := filepath.Join(t.TempDir(), "d.json")
	if err := d.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Processes, d.Processes) || back.Processes[1].BindInfo != nil || back.Processes[2].BindInfo == nil {
		t.Fatalf("processes after a round trip:\n%+v\nwant\n%+v", back.Processes, d.Processes)
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"bind_info": null`)) || !bytes.Contains(raw, []byte(`"bind_info": []`)) {
		t.Fatal("the file does not keep null and [] bind_info apart")
	}
	if c := d.Clone(); !reflect.DeepEqual(c.Processes, d.Processes) || &c.Processes[0].BindInfo[0] == &d.Processes[0].BindInfo[0] {
		t.Fatal("Clone does not copy the processes")
	}
	for _, file := range []string{"testdata/v1-dataset.json", "testdata/topology.json"} {
		old, err := LoadDataset(file)
		if err != nil {
			t.Fatal(err)
		}
		s := NewTestServer(t, Options{Data: old})
		_, info := callAPI(t, s, GatewayESB, detailReq(detailBody(0, 10, "id", nil))).records(t)
		if len(old.Processes) != 0 || len(info) == 0 || string(info[0]["process_instances"]) != "null" {
			t.Fatalf("%s: %d processes, %d instances", file, len(old.Processes), len(info))
		}
	}
	bad := d.Clone()
	bad.Processes[0].ServiceInstanceID = 999
	if bad.Validate() == nil {
		t.Fatal("a process of no instance is valid")
	}
	bad = d.Clone()
	bad.Processes[1].ID = bad.Processes[0].ID
	if bad.Validate() == nil {
		t.Fatal("a duplicate process id is valid")
	}
}
