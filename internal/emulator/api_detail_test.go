package emulator

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

// Instances of the detail fixture.
const (
	detailNginx   = int64(5001) // three processes: full, bind_info null, bind_info []
	detailNoLabel = int64(5002) // labels null, no process
	detailGame    = int64(5003) // one process with an empty row, a tcp6 "::" row without enable, a null port
	detailTwin    = int64(5004) // created with 5001
	detailEmpty   = int64(5005) // labels {}, created with 5001
	detailIdle    = int64(5007) // in the idle module, of no set template
)

// detailFixture is testdata/topology.json with three more instances and the
// processes of every bind_info shape.
func detailFixture(t testing.TB) *Dataset {
	t.Helper()
	d, err := LoadDataset("testdata/topology.json")
	if err != nil {
		t.Fatal(err)
	}
	first := d.ServiceInstances[0]
	for _, in := range []Instance{
		{ID: detailGame, ModuleID: 110, HostID: 1002, Labels: map[string]string{"env": "staging", "zone": "sz-1"}},
		{ID: detailTwin, ModuleID: 110, HostID: 1001, Labels: map[string]string{"env": "prod", "team": "sre"}},
		{ID: detailEmpty, ModuleID: 111, HostID: 1002, Labels: map[string]string{}},
		{ID: detailIdle, ModuleID: 101, HostID: 1003, Labels: map[string]string{"env": "test"}},
	} {
		in.BizID, in.Name, in.Creator, in.Modifier, in.SupplierAccount = 2, "inst", "admin", "admin", "0"
		in.CreateTime, in.LastTime = first.CreateTime, first.LastTime
		in.ServiceTemplateID = 51
		d.ServiceInstances = append(d.ServiceInstances, in)
	}
	d.Processes = []Process{
		{ID: 7001, ServiceInstanceID: detailNginx, ProcessTemplateID: 31, Name: ptr("nginx"), FuncName: ptr("nginx"),
			WorkPath: ptr("/usr/local/nginx"), User: ptr("root"), StartCmd: ptr("./sbin/nginx"), StopCmd: ptr("./sbin/nginx -s stop"),
			ReloadCmd: ptr("./sbin/nginx -s reload"), RestartCmd: ptr(""), FaceStopCmd: ptr("kill -9 nginx"), PidFile: ptr("/var/run/nginx.pid"),
			Priority: i64ptr(1), ProcNum: i64ptr(4), Timeout: i64ptr(30), AutoStart: bptrOf(true), StartParamRegex: ptr("nginx: master"),
			StartCheckSecs: i64ptr(5), Description: ptr("front"), CreateTime: "2020-10-09T02:46:26.100Z", LastTime: "2021-01-02T03:04:05.006Z",
			BindInfo: []BindRow{
				{TemplateRowID: i64ptr(1), IP: ptr("0.0.0.0"), Port: ptr("80,443"), Protocol: ptr(ProtocolTCP), Enable: bptrOf(true)},
				{TemplateRowID: i64ptr(2), IP: ptr("127.0.0.1"), Port: ptr("8080"), Protocol: ptr(ProtocolTCP), Enable: bptrOf(false)},
			}},
		{ID: 7002, ServiceInstanceID: detailNginx, Name: ptr("agent")},
		{ID: 7003, ServiceInstanceID: detailNginx, Name: ptr("exporter"), BindInfo: []BindRow{}},
		{ID: 7004, ServiceInstanceID: detailGame, ProcessTemplateID: 32, Name: ptr("gamesvr"), BindInfo: []BindRow{
			{},
			{IP: ptr("::"), Port: ptr("9000-9010"), Protocol: ptr(ProtocolTCP6)},
			{TemplateRowID: i64ptr(3), IP: ptr("10.0.0.2"), Protocol: ptr("tcp"), Enable: bptrOf(true)},
		}},
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	return d
}

// canonJSON is raw re-encoded with sorted keys.
func canonJSON(t testing.TB, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return string(mustJSON(t, v))
}

func detailReq(body map[string]any) apiReq {
	return apiReq{api: APIListServiceInstanceDetail, body: body}
}

// detailBody is a body for business 2 with a page, plus extra keys.
func detailBody(start, limit int, sort string, extra map[string]any) map[string]any {
	body := map[string]any{"bk_biz_id": 2, "page": page(start, limit, sort)}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

// TestDetailRecord: each element is the instance record (labels null when
// unset) plus process_instances, null without processes, else process with
// every fixed key (unset ones null) and relation; bind_info null, [] or rows
// of five keys, an empty row all null; no bk_host_innerip; both front doors.
func TestDetailRecord(t *testing.T) {
	d := detailFixture(t)
	s := NewTestServer(t, Options{Data: d, StrictLimits: true})
	instKeys := []string{"bk_biz_id", "bk_host_id", "bk_module_id", "bk_supplier_account", "create_time", "creator", "id", "labels",
		"last_time", "modifier", "name", "process_instances", "service_template_id"}
	procKeys := []string{"auto_start", "bind_info", "bk_biz_id", "bk_func_name", "bk_process_id", "bk_process_name", "bk_start_check_secs",
		"bk_start_param_regex", "bk_supplier_account", "create_time", "description", "face_stop_cmd", "last_time", "pid_file", "priority",
		"proc_num", "reload_cmd", "restart_cmd", "service_instance_id", "start_cmd", "stop_cmd", "timeout", "user", "work_path"}
	relKeys := []string{"bk_biz_id", "bk_host_id", "bk_process_id", "process_template_id", "service_instance_id"}
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			count, info := callAPI(t, s, gw, detailReq(detailBody(0, 10, "id", nil))).records(t)
			if count != 6 || !slices.Equal(idsOf(t, info, "id"), []int64{5001, 5002, 5003, 5004, 5005, 5007}) {
				t.Fatalf("count %d, ids %v", count, idsOf(t, info, "id"))
			}
			byID := map[int64]rec{}
			for _, r := range info {
				if got := sortedKeys(r); !reflect.DeepEqual(got, instKeys) {
					t.Fatalf("instance keys %v", got)
				}
				var in Instance
				if err := json.Unmarshal(mustJSON(t, r), &in); err != nil {
					t.Fatal(err)
				}
				want := d.ServiceInstances[slices.IndexFunc(d.ServiceInstances, func(x Instance) bool { return x.ID == in.ID })]
				if !reflect.DeepEqual(in, want) {
					t.Fatalf("instance %+v, want %+v", in, want)
				}
				byID[in.ID] = r
			}
			for _, id := range []int64{detailNoLabel, detailTwin, detailEmpty, detailIdle} {
				if string(byID[id]["process_instances"]) != "null" {
					t.Fatalf("instance %d: process_instances %s, want null", id, byID[id]["process_instances"])
				}
			}
			if string(byID[detailNoLabel]["labels"]) != "null" || string(byID[detailEmpty]["labels"]) != "{}" {
				t.Fatalf("labels %s and %s", byID[detailNoLabel]["labels"], byID[detailEmpty]["labels"])
			}
			procs := map[int64]map[string]rec{}
			for _, id := range []int64{detailNginx, detailGame} {
				var pis []map[string]rec
				if err := json.Unmarshal(byID[id]["process_instances"], &pis); err != nil {
					t.Fatal(err)
				}
				for _, pi := range pis {
					if got := sortedKeys(pi["process"]); !reflect.DeepEqual(got, procKeys) {
						t.Fatalf("process keys %v", got)
					}
					if got := sortedKeys(pi["relation"]); !reflect.DeepEqual(got, relKeys) {
						t.Fatalf("relation keys %v", got)
					}
					procs[pi["process"].int(t, "bk_process_id")] = pi
				}
			}
			if len(procs) != 4 {
				t.Fatalf("%d processes", len(procs))
			}
			full := procs[7001]["process"]
			wantFull := `{"auto_start":true,"bind_info":[{"enable":true,"ip":"0.0.0.0","port":"80,443","protocol":"1","template_row_id":1},` +
				`{"enable":false,"ip":"127.0.0.1","port":"8080","protocol":"1","template_row_id":2}],"bk_biz_id":2,"bk_func_name":"nginx",` +
				`"bk_process_id":7001,"bk_process_name":"nginx","bk_start_check_secs":5,"bk_start_param_regex":"nginx: master",` +
				`"bk_supplier_account":"0","create_time":"2020-10-09T02:46:26.100Z","description":"front","face_stop_cmd":"kill -9 nginx",` +
				`"last_time":"2021-01-02T03:04:05.006Z","pid_file":"/var/run/nginx.pid","priority":1,"proc_num":4,"reload_cmd":"./sbin/nginx -s reload",` +
				`"restart_cmd":"","service_instance_id":5001,"start_cmd":"./sbin/nginx","stop_cmd":"./sbin/nginx -s stop","timeout":30,"user":"root",` +
				`"work_path":"/usr/local/nginx"}`
			if got := canonJSON(t, mustJSON(t, full)); got != wantFull {
				t.Fatalf("process 7001:\n%s\nwant\n%s", got, wantFull)
			}
			if got := string(mustJSON(t, procs[7004]["relation"])); got != `{"bk_biz_id":2,"bk_host_id":1002,"bk_process_id":7004,"process_template_id":32,"service_instance_id":5003}` {
				t.Fatalf("relation %s", got)
			}
			bare := procs[7002]["process"]
			for _, key := range []string{"bind_info", "bk_func_name", "work_path", "user", "priority", "proc_num", "auto_start", "timeout", "description"} {
				if string(bare[key]) != "null" {
					t.Fatalf("unset %s is %s, want null", key, bare[key])
				}
			}
			if bare.str(t, "create_time") != d.ServiceInstances[0].CreateTime || string(procs[7002]["relation"]["process_template_id"]) != "0" {
				t.Fatalf("process 7002 %v / %v", bare, procs[7002]["relation"])
			}
			if got := string(procs[7003]["process"]["bind_info"]); got != "[]" {
				t.Fatalf("bind_info %s, want []", got)
			}
			wantRows := `[{"enable":null,"ip":null,"port":null,"protocol":null,"template_row_id":null},` +
				`{"enable":null,"ip":"::","port":"9000-9010","protocol":"3","template_row_id":null},` +
				`{"enable":true,"ip":"10.0.0.2","port":null,"protocol":"tcp","template_row_id":3}]`
			if got := canonJSON(t, procs[7004]["process"]["bind_info"]); got != wantRows {
				t.Fatalf("bind_info %s\nwant %s", got, wantRows)
			}
		})
	}
}

// TestDetailFilters: bk_module_id, bk_host_id, bk_host_list,
// service_instance_ids ([] matches nothing, absent all) and selectors with
// each operator (!= and notin also match instances without the label), ANDed;
// another business or supplier account finds nothing.
func TestDetailFilters(t *testing.T) {
	s := NewTestServer(t, Options{Data: detailFixture(t)})
	sel := func(key, op string, values ...string) map[string]any {
		m := map[string]any{"key": key, "operator": op}
		if values != nil {
			m["values"] = values
		}
		return m
	}
	cases := []struct {
		name  string
		extra map[string]any
		want  []int64
	}{
		{"all", nil, []int64{5001, 5002, 5003, 5004, 5005, 5007}},
		{"module", map[string]any{"bk_module_id": 111}, []int64{5002, 5005}},
		{"module 0 is no filter", map[string]any{"bk_module_id": 0}, []int64{5001, 5002, 5003, 5004, 5005, 5007}},
		{"module of no template", map[string]any{"bk_module_id": 101}, []int64{5007}},
		{"host", map[string]any{"bk_host_id": 1001}, []int64{5001, 5004}},
		{"host list", map[string]any{"bk_host_list": []int64{1002, 1003}}, []int64{5002, 5003, 5005, 5007}},
		{"module and host", map[string]any{"bk_module_id": 110, "bk_host_list": []int64{1002}}, []int64{5003}},
		{"ids", map[string]any{"service_instance_ids": []int64{5005, 5001, 999}}, []int64{5001, 5005}},
		{"ids repeated", map[string]any{"service_instance_ids": []int64{5007, 5003, 5003}}, []int64{5003, 5007}},
		{"ids and module", map[string]any{"service_instance_ids": []int64{5001, 5002, 5007}, "bk_module_id": 110}, []int64{5001}},
		{"ids empty", map[string]any{"service_instance_ids": []int64{}}, []int64{}},
		{"ids null", map[string]any{"service_instance_ids": nil}, []int64{5001, 5002, 5003, 5004, 5005, 5007}},
		{"=", map[string]any{"selectors": []any{sel("env", "=", "prod")}}, []int64{5001, 5004}},
		{"!=", map[string]any{"selectors": []any{sel("env", "!=", "prod")}}, []int64{5002, 5003, 5005, 5007}},
		{"in", map[string]any{"selectors": []any{sel("env", "in", "staging", "test")}}, []int64{5003, 5007}},
		{"notin", map[string]any{"selectors": []any{sel("env", "notin", "staging", "test")}}, []int64{5001, 5002, 5004, 5005}},
		{"exists", map[string]any{"selectors": []any{sel("team", "exists")}}, []int64{5004}},
		{"!", map[string]any{"selectors": []any{sel("env", "!")}}, []int64{5002, 5005}},
		{"anded", map[string]any{"selectors": []any{sel("env", "=", "prod"), sel("team", "!")}}, []int64{5001}},
		{"another business", map[string]any{"bk_biz_id": 3}, []int64{}},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				body := detailBody(0, 0, "", tc.extra)
				delete(body, "page") // walkIDs sets it
				got := walkIDs(t, s, gw, detailReq(body), "id", 2, "id")
				if got == nil {
					got = []int64{}
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
	}
	t.Run("supplier account", func(t *testing.T) {
		body := detailBody(0, 10, "id", map[string]any{"bk_supplier_account": "other"})
		if n, _ := callAPI(t, s, GatewayESB, detailReq(body)).records(t); n != 0 {
			t.Fatalf("count %d for another supplier account", n)
		}
	})
}

// TestDetailErrors: every refusal with its code, in the CMDB's order, on
// both front doors; -strict holds the limit to 500.
func TestDetailErrors(t *testing.T) {
	loose := NewTestServer(t, Options{Data: detailFixture(t)})
	strict := NewTestServer(t, Options{Data: detailFixture(t), StrictLimits: true})
	sel := func(key, op string, values ...string) []any {
		return []any{map[string]any{"key": key, "operator": op, "values": values}}
	}
	cases := []struct {
		name   string
		body   map[string]any
		strict bool
		code   int64
		msg    string
	}{
		{"wrong types", map[string]any{"bk_biz_id": "2", "page": page(0, 10, "")}, false, CodeCMDBJSONDecode, ""},
		{"no business", map[string]any{"page": page(0, 10, "")}, false, CodeCMDBParamsInvalid, "'bk_biz_id' data parameter verification does not pass"},
		{"business 0", detailBody(0, 10, "", map[string]any{"bk_biz_id": 0}), false, CodeCMDBParamsInvalid, ""},
		{"business -1", detailBody(0, 10, "", map[string]any{"bk_biz_id": -1}), false, CodeCMDBParamsInvalid, ""},
		{"limit over 1000 before the business", map[string]any{"page": page(0, 1001, "")}, false, CodeCMDBPageLimit, ""},
		{"no page", map[string]any{"bk_biz_id": 2}, false, CodeCMDBPageLimit, ""},
		{"limit 0", detailBody(0, 0, "", nil), false, CodeCMDBPageLimit, ""},
		{"limit -1", detailBody(0, -1, "", nil), false, CodeCMDBPageLimit, ""},
		{"no limit is a limit", detailBody(0, noLimit, "", nil), false, CodeCMDBPageLimit, ""},
		{"host and host list", detailBody(0, 10, "", map[string]any{"bk_host_id": 1001, "bk_host_list": []int64{1002}}), false, CodeCMDBParamsInvalid,
			"'bk_host_id and bk_host_list cannot be set at the same time' data parameter verification does not pass"},
		{"unknown operator", detailBody(0, 10, "", map[string]any{"selectors": sel("env", "==", "prod")}), false, CodeCMDBParamsInvalid, "'operator' data parameter verification does not pass"},
		{"= with two values", detailBody(0, 10, "", map[string]any{"selectors": sel("env", "=", "a", "b")}), false, CodeCMDBParamsInvalid, "'values' data parameter verification does not pass"},
		{"!= with none", detailBody(0, 10, "", map[string]any{"selectors": sel("env", "!=")}), false, CodeCMDBParamsInvalid, "'values' data parameter verification does not pass"},
		{"in with none", detailBody(0, 10, "", map[string]any{"selectors": sel("env", "in")}), false, CodeCMDBParamsInvalid, "'values' data parameter verification does not pass"},
		{"exists with one", detailBody(0, 10, "", map[string]any{"selectors": sel("env", "exists", "x")}), false, CodeCMDBParamsInvalid, "'values' data parameter verification does not pass"},
		{"! with one", detailBody(0, 10, "", map[string]any{"selectors": sel("env", "!", "x")}), false, CodeCMDBParamsInvalid, "'values' data parameter verification does not pass"},
		{"bad key", detailBody(0, 10, "", map[string]any{"selectors": sel("1env", "exists")}), false, CodeCMDBParamsInvalid, "'key' data parameter verification does not pass"},
		{"negative start", detailBody(-1, 10, "", nil), false, CodeCMDBQueryFailed, ""},
		{"strict 501", detailBody(0, 501, "", nil), true, CodeCMDBPageLimit, ""},
		{"strict no page", map[string]any{"bk_biz_id": 2}, true, CodeCMDBPageLimit, ""},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				s := loose
				if tc.strict {
					s = strict
				}
				r := callAPI(t, s, gw, detailReq(tc.body))
				if got := r.code(t); got != tc.code || r.status != 200 {
					t.Fatalf("status %d code %d, want 200/%d\n%s", r.status, got, tc.code, r.body)
				}
				env := r.envelope(t)
				if string(env["data"]) != "null" || string(env["result"]) != "false" {
					t.Fatalf("error envelope %s", r.body)
				}
				var msg string
				_ = json.Unmarshal(env["message"], &msg)
				if tc.msg != "" && msg != tc.msg {
					t.Fatalf("message %q, want %q", msg, tc.msg)
				}
			})
		}
	}
	for _, limit := range []int{1, 500, 1000} {
		if n, info := callAPI(t, loose, GatewayAPIGW, detailReq(detailBody(0, limit, "", nil))).records(t); n != 6 || len(info) != min(limit, 6) {
			t.Fatalf("limit %d: count %d, %d items", limit, n, len(info))
		}
	}
	if r := callAPI(t, strict, GatewayESB, detailReq(detailBody(0, 500, "", nil))); r.code(t) != 0 {
		t.Fatalf("strict limit 500: code %d", r.code(t))
	}
}
