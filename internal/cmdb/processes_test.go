package cmdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeProcessCMDB serves list_service_instance_by_set_template and
// list_service_instance_detail on both doors: instances by id, details of the
// service_instance_ids asked for (bk_biz_id required in the body, page 1..500).
type fakeProcessCMDB struct {
	srv *httptest.Server
	mu  sync.Mutex
	// instances are ascending by id; details holds each instance's process_instances JSON.
	instances []ServiceInstance
	details   map[int64]string
	// onDetail runs before each detail answer, with the number of detail requests so far.
	onDetail func(f *fakeProcessCMDB, n int)
	// extra, when set, is sent as the details of an instance not asked for.
	extra *ServiceInstance
	reqs  []fakeProcessRequest
}

type fakeProcessRequest struct {
	detail bool
	body   struct {
		BizID *int64  `json:"bk_biz_id"`
		IDs   []int64 `json:"service_instance_ids"`
		Page  struct {
			Start, Limit int
			Sort         string
		} `json:"page"`
	}
	raw map[string]json.RawMessage
}

func newFakeProcessCMDB(t *testing.T, n int) *fakeProcessCMDB {
	t.Helper()
	f := &fakeProcessCMDB{details: map[int64]string{}}
	for i := range n {
		id := int64(5001 + 2*i)
		f.instances = append(f.instances, ServiceInstance{ID: id, BizID: testBiz, ModuleID: 110 + int64(i%2), HostID: 1001 + int64(i)})
		f.details[id] = fmt.Sprintf(`[{"process":{"bk_process_id":%d,"bk_process_name":"b","bind_info":null},"relation":{"process_template_id":0}},`+
			`{"process":{"bk_process_id":%d,"bk_process_name":"a","bk_func_name":null,"user":"root","work_path":null,`+
			`"bind_info":[{"ip":"0.0.0.0","port":"80","protocol":"1","enable":true},{"ip":null,"port":null,"protocol":null,"enable":null}]},`+
			`"relation":{"process_template_id":7}}]`, 9000+2*id, 9000+id)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeProcessCMDB) serve(w http.ResponseWriter, r *http.Request) {
	var fr fakeProcessRequest
	_ = json.NewDecoder(r.Body).Decode(&fr.raw)
	b, _ := json.Marshal(fr.raw)
	_ = json.Unmarshal(b, &fr.body)
	fr.detail = strings.Contains(r.URL.Path, "detail")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, fr)
	w.Header().Set("Content-Type", "application/json")
	fail := func(code int) { fmt.Fprintf(w, `{"result":false,"code":%d,"message":"bad","data":null}`, code) }
	if fr.body.Page.Limit < 1 || fr.body.Page.Limit > 500 {
		fail(1199059)
		return
	}
	var info []string
	if !fr.detail {
		for _, in := range f.instances {
			b, _ := json.Marshal(in)
			info = append(info, string(b))
		}
	} else {
		if fr.body.BizID == nil || *fr.body.BizID < 1 {
			fail(1199006)
			return
		}
		if f.onDetail != nil {
			f.onDetail(f, countDetail(f.reqs))
		}
		for _, in := range f.instances {
			if fr.body.IDs != nil && !slices.Contains(fr.body.IDs, in.ID) {
				continue
			}
			info = append(info, fmt.Sprintf(`{"id":%d,"bk_module_id":%d,"bk_host_id":%d,"labels":null,"process_instances":%s}`,
				in.ID, in.ModuleID, in.HostID, cmpOr(f.details[in.ID], "null")))
		}
		if f.extra != nil {
			info = append(info, fmt.Sprintf(`{"id":%d,"bk_module_id":%d,"bk_host_id":%d,"process_instances":null}`, f.extra.ID, f.extra.ModuleID, f.extra.HostID))
		}
	}
	count := len(info)
	info = info[min(fr.body.Page.Start, count):min(fr.body.Page.Start+fr.body.Page.Limit, count)]
	fmt.Fprintf(w, `{"result":true,"code":0,"message":"success","data":{"count":%d,"info":[%s]}}`, count, strings.Join(info, ","))
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func countDetail(reqs []fakeProcessRequest) int {
	n := 0
	for _, r := range reqs {
		if r.detail {
			n++
		}
	}
	return n
}

func (f *fakeProcessCMDB) requests() []fakeProcessRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func (f *fakeProcessCMDB) client(t *testing.T, gw Gateway, pageSize int) *Client {
	t.Helper()
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Gateway = f.srv.URL, gw
	cfg.Credentials = Credentials{AppCode: "app", AppSecret: "app-secret", Username: "admin"}
	cfg.PageSize, cfg.Parallelism = pageSize, 2
	cfg.RetryWaitMin, cfg.RetryWaitMax = time.Millisecond, time.Millisecond
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readWithProcesses(t *testing.T, c *Client) (*ServiceInstanceProcesses, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.ListServiceInstancesWithProcesses(ctx, testBiz, testTpl)
}

// The details are read by chunks of at most a page of ids, bk_biz_id in the body on
// both doors and page.sort "id"; nulls, codes and the process order are mapped.
func TestProcessesReadAndMapped(t *testing.T) {
	for _, gw := range gateways {
		t.Run(string(gw), func(t *testing.T) {
			f := newFakeProcessCMDB(t, 7)
			res, err := readWithProcesses(t, f.client(t, gw, 3))
			if err != nil {
				t.Fatal(err)
			}
			if res.Count != 7 || len(res.Instances) != 7 || len(res.Processes) != 7 {
				t.Fatalf("count %d, %d instances, %d process lists", res.Count, len(res.Instances), len(res.Processes))
			}
			id := res.Instances[2].ID
			want := []ProcessInstance{
				{Process: Process{ID: 9000 + id, Name: "a", User: "root", BindInfo: []BindInfo{
					{IP: "0.0.0.0", Port: "80", Protocol: "1", Enable: true}, {}}}, Relation: ProcessRelation{ProcessTemplateID: 7}},
				{Process: Process{ID: 9000 + 2*id, Name: "b"}},
			}
			if got := res.Processes[2]; fmt.Sprint(got) != fmt.Sprint(want) || got[1].Process.BindInfo != nil {
				t.Errorf("processes = %+v\nwant %+v", got, want)
			}
			var chunks [][]int64
			for _, r := range f.requests() {
				if !r.detail {
					continue
				}
				if r.body.BizID == nil || *r.body.BizID != testBiz || r.body.Page.Sort != "id" || r.body.Page.Limit != 3 {
					t.Errorf("detail body %s", r.raw)
				}
				chunks = append(chunks, r.body.IDs)
			}
			slices.SortFunc(chunks, func(a, b []int64) int { return int(a[0] - b[0]) })
			if fmt.Sprint(chunks) != "[[5001 5003 5005] [5007 5009 5011] [5013]]" {
				t.Errorf("chunks %v", chunks)
			}
		})
	}
}

// No instance: no detail request, never service_instance_ids [].
func TestProcessesNoInstancesNoDetailRequest(t *testing.T) {
	f := newFakeProcessCMDB(t, 0)
	res, err := readWithProcesses(t, f.client(t, GatewayAPIGW, 500))
	if err != nil || len(res.Instances) != 0 || len(res.Processes) != 0 {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := countDetail(f.requests()); n != 0 {
		t.Errorf("%d detail requests", n)
	}
}

// Data moving between the two reads is read again; moving on every read is an
// error that says what differed.
func TestProcessesMoved(t *testing.T) {
	cases := []struct {
		name  string
		move  func(f *fakeProcessCMDB, n int)
		reads int
		err   string
	}{
		{"deleted once", func(f *fakeProcessCMDB, n int) {
			if n == 1 {
				f.instances = f.instances[1:]
			}
		}, 2, ""},
		{"module changes every time", func(f *fakeProcessCMDB, _ int) { f.instances[3].ModuleID++ }, 3,
			"did not agree in 3 reads: last read: 7 instances in list_service_instance_by_set_template, 7 with details in " +
				"list_service_instance_detail; instances without details: 0; details of instances not in the list: 0; " +
				"in another module or on another host: 1 (5007)"},
		{"host changes every time", func(f *fakeProcessCMDB, _ int) { f.instances[6].HostID++ }, 3,
			"instances without details: 0; details of instances not in the list: 0; in another module or on another host: 1 (5013)"},
		{"details of another instance", func(f *fakeProcessCMDB, _ int) { f.extra = &ServiceInstance{ID: 6000, ModuleID: 110, HostID: 1} }, 3,
			"instances without details: 0; details of instances not in the list: 1 (6000); in another module"},
		{"added every time", func(f *fakeProcessCMDB, _ int) {
			last := f.instances[len(f.instances)-1]
			last.ID += 2
			f.instances = append(f.instances, last)
			f.instances = f.instances[1:]
		}, 3, "instances without details: 1 (5005); details of instances not in the list: 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeProcessCMDB(t, 7)
			f.onDetail = tc.move
			c := f.client(t, GatewayESB, 500)
			res, err := readWithProcesses(t, c)
			if lists := len(f.requests()) - countDetail(f.requests()); lists != tc.reads {
				t.Errorf("%d instance walks, want %d", lists, tc.reads)
			}
			if tc.err == "" {
				if err != nil || len(res.Instances) != 6 {
					t.Fatalf("%v, %+v", err, res)
				}
				// The fresh walk replaced the kept one: a plain read shares it.
				before := len(f.requests())
				plain, err := c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, testTpl)
				if err != nil || len(plain.Instances) != 6 || len(f.requests()) != before {
					t.Errorf("plain read: %v, %d requests more", err, len(f.requests())-before)
				}
				return
			}
			var moved *ProcessesMovedError
			if !errors.As(err, &moved) || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v\nwant it to contain %q", err, tc.err)
			}
		})
	}
}

// Identical reads share one read; the instance walk is shared with a plain read.
func TestProcessesShared(t *testing.T) {
	f := newFakeProcessCMDB(t, 7)
	c := f.client(t, GatewayAPIGW, 500)
	if _, err := c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, testTpl); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := readWithProcesses(t, c); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, d := len(f.requests()), countDetail(f.requests()); n != 2 || d != 1 {
		t.Errorf("%d requests, %d of them details; want 2 and 1", n, d)
	}
}

func TestProtocolCodes(t *testing.T) {
	for in, want := range map[string][2]string{`"1"`: {"tcp", "tcp"}, `"2"`: {"udp", "udp"}, `"3"`: {"tcp6", "tcp6"}, `"4"`: {"udp6", "udp6"},
		`"5"`: {"5", ""}, `"TCP"`: {"TCP", ""}, `"tcp"`: {"tcp", ""}, `""`: {"", ""}, `null`: {"", ""}, `1`: {"tcp", "tcp"}, `"0"`: {"0", ""}} {
		var c ProtocolCode
		if err := json.Unmarshal([]byte(in), &c); err != nil {
			t.Fatal(err)
		}
		known, _ := c.Known()
		if c.Name() != want[0] || string(known) != want[1] {
			t.Errorf("%s → name %q, known %q; want %q, %q", in, c.Name(), known, want[0], want[1])
		}
	}
}
