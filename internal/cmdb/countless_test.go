package cmdb

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// countlessCMDB serves search_object_instances and count_object_instances on both
// gateways like the real CMDB: no count in the list answers, info null when nothing
// matches, no default order, page.limit 1..500. move runs before every answer, with
// the answers so far, to change the data.
type countlessCMDB struct {
	srv   *httptest.Server
	mu    sync.Mutex
	insts []map[string]any // each with bk_inst_id
	reqs  []fakeRequest
	move  func(n int, f *countlessCMDB)
}

func newCountlessCMDB(t *testing.T, n int) *countlessCMDB {
	t.Helper()
	f := &countlessCMDB{}
	for i := range n {
		f.insts = append(f.insts, map[string]any{"bk_inst_id": 10 + 2*i, "bk_inst_name": "db-" + strconv.Itoa(i), "bk_obj_id": "mysql"})
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *countlessCMDB) serve(w http.ResponseWriter, r *http.Request) {
	var fr fakeRequest
	fr.path, fr.header = r.URL.EscapedPath(), r.Header.Clone()
	_ = json.NewDecoder(r.Body).Decode(&fr.body)
	_ = json.Unmarshal(fr.body["page"], &fr.page)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, fr)
	if f.move != nil {
		f.move(len(f.reqs), f)
	}
	w.Header().Set("Content-Type", "application/json")
	if strings.Contains(fr.path, "count") {
		_, _ = w.Write([]byte(`{"result":true,"code":0,"message":"success","data":{"count":` + strconv.Itoa(len(f.insts)) + `}}`))
		return
	}
	if fr.page.Limit < 1 || fr.page.Limit > 500 {
		_, _ = w.Write([]byte(`{"result":false,"code":1199006,"message":"'page.limit' is invalid","data":null}`))
		return
	}
	insts := slices.Clone(f.insts)
	if fr.page.Sort == "bk_inst_id" {
		slices.SortFunc(insts, func(a, b map[string]any) int { return cmp.Compare(instID(a), instID(b)) })
	} else {
		slices.Reverse(insts)
	}
	var info []map[string]any // null when nothing matches
	if fr.page.Start < len(insts) {
		info = insts[fr.page.Start:min(fr.page.Start+fr.page.Limit, len(insts))]
	}
	b, _ := json.Marshal(map[string]any{"result": true, "code": 0, "message": "success", "data": map[string]any{"info": info}})
	_, _ = w.Write(b)
}

func instID(in map[string]any) int {
	id, _ := in["bk_inst_id"].(int)
	return id
}

func (f *countlessCMDB) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func countlessClient(t *testing.T, f *countlessCMDB, gw Gateway, pageSize, par int) *Client {
	t.Helper()
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Gateway = f.srv.URL, gw
	cfg.Credentials = Credentials{AppCode: "app", AppSecret: "app-secret", Username: "admin"}
	cfg.PageSize, cfg.Parallelism = pageSize, par
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A count-less API is read as a declaration: count first, pages until a short one
// (an exact multiple of the page size takes one more, short, page), count again; the
// model in the gateway path or the ESB body; the count's body without page and fields.
func TestListCountless(t *testing.T) {
	for _, gw := range gateways {
		for _, tc := range []struct{ n, pageSize, par int }{{0, 500, 4}, {3, 500, 1}, {10, 4, 1}, {10, 4, 3}, {13, 5, 2}, {500, 500, 4}, {1200, 500, 4}} {
			t.Run(string(gw)+"/"+strconv.Itoa(tc.n)+"/"+strconv.Itoa(tc.pageSize)+"/"+strconv.Itoa(tc.par), func(t *testing.T) {
				f := newCountlessCMDB(t, tc.n)
				c := countlessClient(t, f, gw, tc.pageSize, tc.par)
				res, err := c.SearchObjectInstances(context.Background(), InstanceQuery{ObjID: "mysql", Fields: []string{"role"},
					Conditions: json.RawMessage(`{"condition":"AND","rules":[]}`)})
				if err != nil {
					t.Fatal(err)
				}
				if res.Count != int64(tc.n) || len(res.Items) != tc.n || res.Items == nil {
					t.Fatalf("count %d, %d items (nil %v), want %d", res.Count, len(res.Items), res.Items == nil, tc.n)
				}
				for i, in := range res.Items {
					if in.ID != int64(10+2*i) || in.Name != "db-"+strconv.Itoa(i) || in.ObjID != "mysql" {
						t.Fatalf("item %d: %+v", i, in)
					}
				}
				reqs := f.requests()
				first, last := reqs[0], reqs[len(reqs)-1]
				for _, r := range []fakeRequest{first, last} {
					_, page := r.body["page"]
					_, fields := r.body["fields"]
					if !strings.Contains(r.path, "count") || page || fields || string(r.body["conditions"]) != `{"condition":"AND","rules":[]}` {
						t.Errorf("count request %s %v: want the count API, conditions, no page, no fields", r.path, r.body)
					}
				}
				var starts []int
				for _, r := range reqs[1 : len(reqs)-1] {
					if r.page.Limit != min(tc.pageSize, 500) || r.page.Sort != "bk_inst_id" || string(r.body["fields"]) != `["bk_inst_id","bk_inst_name","bk_obj_id","role"]` {
						t.Errorf("page request %+v, body %v", r.page, r.body)
					}
					starts = append(starts, r.page.Start)
				}
				want := []int{0}
				for st := 0; tc.n >= st+tc.pageSize; { // pages until a short one
					st += max(1, tc.pageSize-1)
					want = append(want, st)
				}
				if slices.Sort(starts); !slices.Equal(starts, want) {
					t.Errorf("starts %v, want %v", starts, want)
				}
				for _, r := range reqs {
					obj := string(r.body["bk_obj_id"])
					if gw == GatewayAPIGW && (!strings.HasSuffix(r.path, "/object/mysql") || obj != "") {
						t.Errorf("gateway: path %s, body bk_obj_id %s", r.path, obj)
					}
					if gw == GatewayESB && (!strings.HasPrefix(r.path, "/api/c/compapi/v2/cc/") || obj != `"mysql"`) {
						t.Errorf("esb: path %s, body bk_obj_id %s", r.path, obj)
					}
				}
			})
		}
	}
}

// The count read before and after the walk must agree, with each other and with the
// distinct ids: data that moves once is walked again; data that keeps moving is the
// inconsistent error with the counts seen.
func TestListCountlessMoves(t *testing.T) {
	add := func(f *countlessCMDB) {
		id := instID(f.insts[len(f.insts)-1]) + 2
		f.insts = append(f.insts, map[string]any{"bk_inst_id": id, "bk_inst_name": "db-" + strconv.Itoa(len(f.insts)), "bk_obj_id": "mysql"})
	}
	for _, gw := range gateways {
		// Once, while page 2 is read: walk 1 counts 10 then 11.
		f := newCountlessCMDB(t, 10)
		f.move = func(n int, f *countlessCMDB) {
			if n == 3 {
				add(f)
			}
		}
		c := countlessClient(t, f, gw, 4, 1)
		res, err := c.SearchObjectInstances(context.Background(), InstanceQuery{ObjID: "mysql"})
		if err != nil || res.Count != 11 || len(res.Items) != 11 {
			t.Fatalf("%s: moved once: %v, %+v", gw, err, res)
		}

		// After the last page, before the count after it: only that count shows it.
		f = newCountlessCMDB(t, 10)
		f.move = func(n int, f *countlessCMDB) {
			if n == 6 { // count, pages 0, 3, 6, 9, count
				add(f)
			}
		}
		c = countlessClient(t, f, gw, 4, 1)
		if res, err = c.SearchObjectInstances(context.Background(), InstanceQuery{ObjID: "mysql"}); err != nil || res.Count != 11 || len(res.Items) != 11 {
			t.Fatalf("%s: moved before the count after the walk: %v, %+v", gw, err, res)
		}

		// A record replaced by another (the count stays, the ids do not): the overlap
		// record or the distinct ids show it.
		f = newCountlessCMDB(t, 10)
		f.move = func(n int, f *countlessCMDB) {
			if n == 3 {
				f.insts = f.insts[1:]
				add(f)
			}
		}
		c = countlessClient(t, f, gw, 4, 2)
		if res, err = c.SearchObjectInstances(context.Background(), InstanceQuery{ObjID: "mysql"}); err != nil || len(res.Items) != 10 || res.Items[0].ID != 12 {
			t.Fatalf("%s: replaced once: %v, %+v", gw, err, res)
		}

		// Always: the error, with the counts of every walk.
		f = newCountlessCMDB(t, 10)
		f.move = func(n int, f *countlessCMDB) {
			if n%2 == 0 {
				add(f)
			}
		}
		c = countlessClient(t, f, gw, 4, 1)
		_, err = c.SearchObjectInstances(context.Background(), InstanceQuery{ObjID: "mysql"})
		var ie *InconsistentError
		if !errors.As(err, &ie) || ie.API != APISearchObjectInstances || len(ie.Walks) != MaxWalks || len(ie.Walks[0].Counts) != 2 {
			t.Fatalf("%s: moving always: %v", gw, err)
		}
	}
}

// An absent data.info is malformed; info null is an empty page; a count answer must
// hold its count.
func TestDecodeCountless(t *testing.T) {
	for body, want := range map[string]string{
		`{"result":true,"code":0,"data":{"info":null}}`: "",
		`{"result":true,"code":0,"data":{}}`:            "data.info is missing",
		`{"result":true,"code":0,"data":null}`:          "data is missing",
	} {
		e := &APIError{}
		p, ok := decodePage(e, SearchObjectInstances, []byte(body), make([]Instance, 0, 1))
		if ok != (want == "") || !strings.Contains(e.Message, want) || (ok && len(p.items) != 0) {
			t.Errorf("%s: ok %v, %q; want %q", body, ok, e.Message, want)
		}
	}
	for body, want := range map[string]string{
		`{"result":true,"code":0,"data":{"count":7}}`:  "",
		`{"result":true,"code":0,"data":{}}`:           "data.count is missing",
		`{"result":true,"code":0,"data":{"count":-1}}`: "negative",
	} {
		e := &APIError{}
		p, ok := decodePage(e, CountObjectInstances, []byte(body), []struct{}(nil))
		if ok != (want == "") || !strings.Contains(e.Message, want) || (ok && p.count != 7) {
			t.Errorf("%s: ok %v, %q, count %d; want %q", body, ok, e.Message, p.count, want)
		}
	}
}

// An instance: its three fields, and every other as a string or compact JSON text with
// exact numbers, nulls left out.
func TestInstanceDecode(t *testing.T) {
	var in Instance
	err := json.Unmarshal([]byte(`{"bk_inst_id":9007199254740993,"bk_inst_name":"m1","bk_obj_id":"mysql","role":"master",
		"port":3306,"weight":0.5,"big":9007199254740993,"on":true,"tags":[ "a", 1 ],"obj":{"k": null},"gone":null,"empty":""}`), &in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"role": "master", "port": "3306", "weight": "0.5", "big": "9007199254740993", "on": "true",
		"tags": `["a",1]`, "obj": `{"k":null}`, "empty": ""}
	if in.ID != 9007199254740993 || in.Name != "m1" || in.ObjID != "mysql" || len(in.Attributes) != len(want) {
		t.Fatalf("got %+v", in)
	}
	for k, v := range want {
		if in.Attributes[k] != v {
			t.Errorf("%s = %q, want %q", k, in.Attributes[k], v)
		}
	}
	if err := json.Unmarshal([]byte(`{"bk_inst_id":1.5}`), &in); err == nil {
		t.Error("a fractional bk_inst_id was taken")
	}
}

// Ids of any ordered type: string ids (dynamic groups) are sorted and deduplicated.
func TestListStringIDs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ID   string `json:"id"`
			Page struct{ Start, Limit int }
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		all := []string{`{"id":"a1","name":"x"}`, `{"id":"b2","name":"y"}`, `{"id":"c3","name":"z"}`}
		info := all[min(body.Page.Start, 3):min(body.Page.Start+body.Page.Limit, 3)]
		_, _ = w.Write([]byte(`{"result":true,"code":0,"data":{"count":3,"info":[` + strings.Join(info, ",") + `]}}`))
	}))
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Credentials, cfg.PageSize = srv.URL, Credentials{AppCode: "a", AppSecret: "s", Username: "u"}, 2
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.SearchDynamicGroups(context.Background(), 3, map[string]any{"name": "x"})
	if err != nil || len(res.Items) != 3 || res.Items[0].ID != "a1" || res.Items[2].ID != "c3" {
		t.Fatalf("%v, %+v", err, res)
	}
}
