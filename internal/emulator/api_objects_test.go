package emulator

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func objReq(api, objID string, body map[string]any) apiReq {
	return apiReq{api: api, params: map[string]string{"bk_obj_id": objID}, body: body}
}

// objData decodes a successful search_object_instances answer: its data
// keys and info (nil when info is null).
func objData(t testing.TB, r reply) (keys []string, info []rec) {
	t.Helper()
	var env struct {
		Result bool                       `json:"result"`
		Code   int64                      `json:"code"`
		Data   map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || !env.Result || env.Code != 0 {
		t.Fatalf("answer: %v\n%.600s", err, r.body)
	}
	for k := range env.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if string(env.Data["info"]) != "null" {
		if err := json.Unmarshal(env.Data["info"], &info); err != nil || info == nil {
			t.Fatalf("info: %v\n%.600s", err, r.body)
		}
	}
	return keys, info
}

// objIDs is one page of search_object_instances: its bk_inst_ids in order.
func objIDs(t testing.TB, s *Server, gw, objID string, body map[string]any) []int64 {
	t.Helper()
	_, info := objData(t, callAPI(t, s, gw, objReq(APISearchObjectInstances, objID, body)))
	return idsOf(t, info, "bk_inst_id")
}

func objCount(t testing.TB, s *Server, gw, objID string, body map[string]any) int64 {
	t.Helper()
	r := callAPI(t, s, gw, objReq(APICountObjectInstances, objID, body))
	var env struct {
		Data map[string]int64 `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || len(env.Data) != 1 {
		t.Fatalf("count answer: %v\n%s", err, r.body)
	}
	return env.Data["count"]
}

func instIDs(ins []ModelInstance) []int64 {
	out := []int64{}
	for _, in := range ins {
		out = append(out, in.ID)
	}
	return out
}

// TestSearchObjectInstancesNoCountNullInfo: data is {info} without count;
// info is null when nothing matches, for an unknown model and past the end;
// count_object_instances answers {count}.
func TestSearchObjectInstancesNoCountNullInfo(t *testing.T) {
	s, d := demoServer(t, Options{StrictLimits: true})
	none := map[string]any{"conditions": qbAnd(qbRuleOf("role", "equal", "nobody")), "page": page(0, 10, "")}
	for _, gw := range gateways {
		keys, info := objData(t, callAPI(t, s, gw, objReq(APISearchObjectInstances, "mysql", map[string]any{"page": page(0, 10, "")})))
		if !slices.Equal(keys, []string{"info"}) || len(info) != 10 {
			t.Fatalf("%s: data keys %v, %d items", gw, keys, len(info))
		}
		for name, req := range map[string]apiReq{
			"no match": objReq(APISearchObjectInstances, "mysql", none),
			"unknown":  objReq(APISearchObjectInstances, "nosuchmodel", map[string]any{"page": page(0, 10, "")}),
			"past end": objReq(APISearchObjectInstances, "mysql", map[string]any{"page": page(40, 10, "")}),
		} {
			r := callAPI(t, s, gw, req)
			if _, info := objData(t, r); info != nil || !strings.Contains(string(r.body), `"data":{"info":null}`) {
				t.Fatalf("%s %s: want info null\n%s", gw, name, r.body)
			}
		}
		if n := objCount(t, s, gw, "mysql", nil); n != int64(len(d.ModelInstances("mysql"))) || n != generatedMySQL {
			t.Fatalf("%s: count %d", gw, n)
		}
		if n := objCount(t, s, gw, "nosuchmodel", nil); n != 0 {
			t.Fatalf("%s: count of unknown model %d", gw, n)
		}
	}
}

// TestSearchObjectInstancesOrder: no default order (a fixed shuffle, the
// same twice), page.sort by bk_inst_id ascending and descending, and by an
// attribute with ties.
func TestSearchObjectInstancesOrder(t *testing.T) {
	s, d := demoServer(t, Options{})
	want := instIDs(d.ModelInstances("mysql"))
	for _, gw := range gateways {
		natural := objIDs(t, s, gw, "mysql", map[string]any{"page": page(0, 500, "")})
		if ascending(natural) || len(natural) != len(want) {
			t.Fatalf("%s: default order is by id: %v", gw, natural)
		}
		if again := objIDs(t, s, gw, "mysql", map[string]any{"page": page(0, 500, "")}); !slices.Equal(again, natural) {
			t.Fatalf("%s: natural order not stable", gw)
		}
		sorted := slices.Clone(natural)
		slices.Sort(sorted)
		if !slices.Equal(sorted, want) {
			t.Fatalf("%s: ids %v, want %v", gw, sorted, want)
		}
		if got := objIDs(t, s, gw, "mysql", map[string]any{"page": page(0, 500, "bk_inst_id")}); !slices.Equal(got, want) {
			t.Fatalf("%s: sort bk_inst_id: %v", gw, got)
		}
		if got := objIDs(t, s, gw, "mysql", map[string]any{"page": page(0, 500, "-bk_inst_id")}); !slices.Equal(got, reversed(want)) {
			t.Fatalf("%s: sort -bk_inst_id: %v", gw, got)
		}
		if got := objIDs(t, s, gw, "mysql", map[string]any{"page": page(0, 500, "-serial")}); !slices.Equal(got, reversed(want)) {
			t.Fatalf("%s: sort -serial: %v", gw, got)
		}
		byPort := objIDs(t, s, gw, "mysql", map[string]any{"page": page(0, 500, "port,bk_inst_id")})
		for i, id := range byPort {
			if wantPort := i >= len(want)/2; (id-firstMySQLID)%2 == 1 != wantPort || i > 0 && i != len(want)/2 && id < byPort[i-1] {
				t.Fatalf("%s: sort port,bk_inst_id: %v", gw, byPort)
			}
		}
		domains := instIDs(d.ModelInstances("domain"))
		if got := objIDs(t, s, gw, "domain", map[string]any{"page": page(0, 500, "-bk_inst_id")}); !slices.Equal(got, reversed(domains)) {
			t.Fatalf("%s: domains by -bk_inst_id: %v", gw, got)
		}
		var paged []int64
		for start := 0; start < len(want); start += 7 {
			paged = append(paged, objIDs(t, s, gw, "mysql", map[string]any{"page": page(start, 7, "")})...)
		}
		if !slices.Equal(paged, natural) {
			t.Fatalf("%s: pages of the natural order differ from one page", gw)
		}
	}
}

// TestSearchObjectInstancesPageLimit: limit 1..500, else 1199006 'page.limit'
// (a missing page too); count needs no page.
func TestSearchObjectInstancesPageLimit(t *testing.T) {
	for _, strict := range []bool{false, true} {
		s, _ := demoServer(t, Options{StrictLimits: strict})
		for _, gw := range gateways {
			for _, p := range []any{page(0, 0, ""), page(0, 501, ""), page(0, -1, ""), nil} {
				body := map[string]any{}
				if p != nil {
					body["page"] = p
				}
				r := callAPI(t, s, gw, objReq(APISearchObjectInstances, "mysql", body))
				if r.code(t) != CodeCMDBParamsInvalid || !strings.Contains(string(r.body), "'page.limit' data parameter verification does not pass") {
					t.Fatalf("%s strict=%v page %v: %s", gw, strict, p, r.body)
				}
			}
			if got := objIDs(t, s, gw, "mysql", map[string]any{"page": page(0, 500, "")}); len(got) != generatedMySQL {
				t.Fatalf("%s: limit 500 gave %d", gw, len(got))
			}
			if got := objIDs(t, s, gw, "mysql", map[string]any{"page": page(0, 1, "")}); len(got) != 1 {
				t.Fatalf("%s: limit 1 gave %d", gw, len(got))
			}
		}
	}
}

// TestObjectInstancesBuiltinModels: the built-in models are refused with
// 1199084 by both APIs, before the body is read.
func TestObjectInstancesBuiltinModels(t *testing.T) {
	s, _ := demoServer(t, Options{})
	for _, gw := range gateways {
		for _, obj := range []string{"biz", "set", "module", "host", "process", "plat", "bk_biz_set_obj", "bk_project"} {
			for _, api := range []string{APISearchObjectInstances, APICountObjectInstances} {
				r := callAPI(t, s, gw, objReq(api, obj, map[string]any{"page": "not a page"}))
				if r.code(t) != CodeCMDBInnerModel || !strings.Contains(string(r.body), "forbidden operate inner model instance") {
					t.Fatalf("%s %s %s: %s", gw, api, obj, r.body)
				}
			}
		}
	}
}

// TestObjectInstancesESBNeedsObjID: on the ESB bk_obj_id is a required body field.
func TestObjectInstancesESBNeedsObjID(t *testing.T) {
	s, _ := demoServer(t, Options{})
	r := callAPI(t, s, GatewayESB, apiReq{api: APISearchObjectInstances, body: map[string]any{"page": page(0, 10, "")}})
	if r.code(t) != CodeESBParamRequired || !strings.Contains(string(r.body), "param bk_obj_id is required") {
		t.Fatalf("%s", r.body)
	}
}

// TestObjectInstancesFields: fields is a projection: empty is every key,
// named keys only (bk_inst_id only when named), unknown names nothing.
func TestObjectInstancesFields(t *testing.T) {
	s, _ := demoServer(t, Options{})
	for _, gw := range gateways {
		for _, tc := range []struct {
			fields []string
			want   []string
		}{
			{nil, nil},
			{[]string{}, nil},
			{[]string{"role", "serial"}, []string{"role", "serial"}},
			{[]string{"role", "bk_inst_id"}, []string{"bk_inst_id", "role"}},
			{[]string{"nope"}, []string{}},
		} {
			body := map[string]any{"page": page(0, 5, "bk_inst_id"), "fields": tc.fields}
			_, info := objData(t, callAPI(t, s, gw, objReq(APISearchObjectInstances, "mysql", body)))
			for _, r := range info {
				keys := []string{}
				for k := range r {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if tc.want == nil && len(keys) < 12 || tc.want != nil && !slices.Equal(keys, tc.want) {
					t.Fatalf("%s fields %v: keys %v", gw, tc.fields, keys)
				}
			}
		}
	}
}

// TestObjectInstancesRecord: an instance is the flat map of the dataset,
// keys in alphabetical order, every JSON type kept, the big serial exact.
func TestObjectInstancesRecord(t *testing.T) {
	s, _ := demoServer(t, Options{})
	r := callAPI(t, s, GatewayAPIGW, objReq(APISearchObjectInstances, "mysql", map[string]any{"page": page(0, 1, "bk_inst_id")}))
	want := `{"backup_enabled":false,"bk_inst_id":2001,"bk_inst_name":"mysql-shop-01","bk_obj_id":"mysql",` +
		`"bk_supplier_account":"0","comment":null,"cpu_ratio":0.25,"create_time":"` + modelTime(0, 0) + `","dba":["` + users[0] + `"],` +
		`"last_time":"` + modelTime(0, 0) + `","port":3306,"role":"master","serial":9007199254740993,"tags":["prod","shop"],"version":"5.7.44"}`
	if !strings.Contains(string(r.body), `"info":[`+want+`]`) {
		t.Fatalf("got %s\nwant %s", r.body, want)
	}
}

// TestObjectInstancesCountFollowsConditions: the count is the number of
// matches, whatever the page.
func TestObjectInstancesCountFollowsConditions(t *testing.T) {
	s, _ := demoServer(t, Options{})
	masters := map[string]any{"conditions": qbAnd(qbRuleOf("role", "equal", "master"))}
	for _, gw := range gateways {
		if n := objCount(t, s, gw, "mysql", masters); n != generatedMySQL/4 {
			t.Fatalf("%s: %d masters", gw, n)
		}
		if n := objCount(t, s, gw, "domain", map[string]any{"conditions": nil}); n != generatedDomains {
			t.Fatalf("%s: %d domains", gw, n)
		}
	}
}

// TestObjectInstancesMutator: instances inserted, updated and deleted
// during a read are served from the next page on, and in Snapshot; a new
// instance takes the highest bk_inst_id of every model + 1.
func TestObjectInstancesMutator(t *testing.T) {
	s, _ := demoServer(t, Options{})
	var inserted ModelInstance
	s.OnPage(func(p PageRequest, m *Mutator) {
		if p.API == APISearchObjectInstances && p.N == 2 {
			inserted = m.InsertModelInstance("mysql", ModelInstance{Name: "mysql-new", Attributes: map[string]any{"role": "master"}})
			m.DeleteModelInstance(firstMySQLID)
			m.UpdateModelInstance(firstMySQLID+1, map[string]any{"role": "master", "port": 4000})
		}
	})
	masters := map[string]any{"conditions": qbAnd(qbRuleOf("role", "equal", "master")), "page": page(0, 100, "bk_inst_id")}
	before := objIDs(t, s, GatewayESB, "mysql", masters)
	after := objIDs(t, s, GatewayESB, "mysql", masters)
	if inserted.ID != firstDomainID+generatedDomains || before[0] != firstMySQLID ||
		!slices.Equal(after, append([]int64{firstMySQLID + 1}, append(before[1:], inserted.ID)...)) {
		t.Fatalf("before %v, after %v, inserted %d", before, after, inserted.ID)
	}
	port := objIDs(t, s, GatewayAPIGW, "mysql", map[string]any{"conditions": qbAnd(qbRuleOf("port", "equal", 4000)), "page": page(0, 10, "")})
	if !slices.Equal(port, []int64{firstMySQLID + 1}) {
		t.Fatalf("updated port: %v", port)
	}
	if got := instIDs(s.Snapshot().ModelInstances("mysql")); len(got) != generatedMySQL || got[len(got)-1] != inserted.ID {
		t.Fatalf("snapshot: %v", got)
	}
}

// TestModelsFileRoundTrip: a dataset with models dumps and loads with exact
// integers, nulls, lists and objects.
func TestModelsFileRoundTrip(t *testing.T) {
	d := GenerateDataset(GenerateOptions{Seed: 3})
	path := t.TempDir() + "/d.json"
	if err := d.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := mustJSON(t, d.Models), mustJSON(t, got.Models)
	if string(a) != string(b) || !strings.Contains(string(b), `"serial":`+strconv.FormatInt(MySQLSerialBase, 10)) {
		t.Fatalf("models changed in the round trip:\n%.400s\n%.400s", a, b)
	}
	bad := &Dataset{Models: []Model{{ObjID: "host"}}}
	if bad.Validate() == nil {
		t.Fatal("a built-in model validated")
	}
	dup := &Dataset{Models: []Model{{ObjID: "a", Instances: []ModelInstance{{ID: 1, Name: "x"}}}, {ObjID: "b", Instances: []ModelInstance{{ID: 1, Name: "y"}}}}}
	if dup.Validate() == nil {
		t.Fatal("a bk_inst_id shared by two models validated")
	}
}
