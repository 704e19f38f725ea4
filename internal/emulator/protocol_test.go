package emulator

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestESBErrors pins each ESB and CMDB error row of cmdb-api.md on the ESB:
// HTTP 200, result false, the code and English message, permission and data
// null, a 32-hex request_id.
func TestESBErrors(t *testing.T) {
	s, _ := demoServer(t, Options{Tokens: map[string]string{"tok-1": "admin"}})
	cases := []struct {
		name   string
		change func(f map[string]any)
		code   int64
		msg    string
	}{
		{"wrong secret", func(f map[string]any) { f["bk_app_secret"] = "nope" }, CodeESBAuthFailed, "APP Secret verification failed"},
		{"wrong app code", func(f map[string]any) { f["bk_app_code"] = "other" }, CodeESBAuthFailed, "APP Secret verification failed"},
		{"missing secret", func(f map[string]any) { delete(f, "bk_app_secret") }, CodeESBAuthFailed, "APP Secret verification failed"},
		{"no user", func(f map[string]any) { delete(f, "bk_username") }, CodeESBAuthFailed, "please provide a valid user identity, such as bk_token, bk_username"},
		{"unknown user", func(f map[string]any) { f["bk_username"] = "mallory" }, CodeESBAuthFailed, "User authentication failed"},
		{"unknown token", func(f map[string]any) { delete(f, "bk_username"); f["bk_token"] = "bad" }, CodeESBAuthFailed, "bk_token is invalid"},
		{"bk_biz_id missing", func(f map[string]any) { delete(f, "bk_biz_id") }, CodeESBParamRequired, "Parameters error, param bk_biz_id is required"},
		{"bk_biz_id null", func(f map[string]any) { f["bk_biz_id"] = nil }, CodeESBParamRequired, "param bk_biz_id is required"},
		{"bk_biz_id not numeric", func(f map[string]any) { f["bk_biz_id"] = "abc" }, CodeCMDBParamInvalid, "'bk_biz_id' the parameter is invalid or does not exist"},
		{"page missing", func(f map[string]any) { delete(f, "page") }, CodeCMDBPageLimit, "page limit is exceeded. suggestion 200"},
		{"page null", func(f map[string]any) { f["page"] = nil }, CodeCMDBPageLimit, "page limit is exceeded. suggestion 200"},
		{"limit 0", func(f map[string]any) { f["page"] = map[string]any{"start": 0, "limit": 0} }, CodeCMDBPageLimit, "page limit is exceeded"},
		{"limit negative", func(f map[string]any) { f["page"] = map[string]any{"start": 0, "limit": -5} }, CodeCMDBPageLimit, "page limit is exceeded"},
		{"limit 1001", func(f map[string]any) { f["page"] = map[string]any{"start": 0, "limit": 1001} }, CodeCMDBPageLimit, "page limit is exceeded"},
		{"start negative", func(f map[string]any) { f["page"] = map[string]any{"start": -1, "limit": 10} }, CodeCMDBPageLimit, "page limit is exceeded"},
		{"set_template_id missing", func(f map[string]any) { delete(f, "set_template_id") }, CodeCMDBParamNeedSet, "'set_template_id' cannot be omitted"},
		{"set_template_id 0", func(f map[string]any) { f["set_template_id"] = 0 }, CodeCMDBParamNeedSet, "'set_template_id' cannot be omitted"},
		{"set_template_id string", func(f map[string]any) { f["set_template_id"] = "11" }, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
		{"set_template_id float", func(f map[string]any) { f["set_template_id"] = 1.5 }, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
		{"page not an object", func(f map[string]any) { f["page"] = "0,10" }, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
		{"limit string", func(f map[string]any) { f["page"] = map[string]any{"start": 0, "limit": "10"} }, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := esbFields(testBiz, testTemplate, 0, 10)
			tc.change(f)
			r := postESB(t, s, f)
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200 (ESB errors are HTTP 200)", r.status)
			}
			assertErrorEnvelope(t, r, tc.code, tc.msg, true)
		})
	}
}

// assertErrorEnvelope checks a business error envelope.
func assertErrorEnvelope(t *testing.T, r reply, code int64, msg string, esb bool) {
	t.Helper()
	env := r.envelope(t)
	if got := r.code(t); got != code {
		t.Fatalf("code %d, want %d\n%s", got, code, r.body)
	}
	var message string
	_ = json.Unmarshal(env["message"], &message)
	if !strings.Contains(message, msg) {
		t.Errorf("message %q does not contain %q", message, msg)
	}
	for key, want := range map[string]string{"result": "false", "data": "null", "permission": "null"} {
		if string(env[key]) != want {
			t.Errorf("%s = %s, want %s", key, env[key], want)
		}
	}
	var rid string
	_ = json.Unmarshal(env["request_id"], &rid)
	if esb && !hex32.MatchString(rid) {
		t.Errorf("request_id %q is not 32 hex digits", rid)
	}
	if !esb {
		if _, ok := env["request_id"]; ok {
			t.Errorf("gateway body has a request_id: %s", r.body)
		}
		if !uuidRegex.MatchString(r.header.Get("X-Bkapi-Request-Id")) || !hex32.MatchString(r.header.Get("X-Request-Id")) {
			t.Errorf("request id headers: %q %q", r.header.Get("X-Bkapi-Request-Id"), r.header.Get("X-Request-Id"))
		}
	}
}

// TestESBCredentialsAccepted: app credentials plus a whitelisted user or a
// known token succeed; the token wins over a bad username.
func TestESBCredentialsAccepted(t *testing.T) {
	s, d := demoServer(t, Options{Users: []string{"alice", "bob"}, Tokens: map[string]string{"tok-1": "alice"}})
	want := len(d.Instances(testBiz, testTemplate))
	cases := []struct {
		name   string
		change func(f map[string]any)
	}{
		{"username", func(f map[string]any) { f["bk_username"] = "bob" }},
		{"token", func(f map[string]any) { delete(f, "bk_username"); f["bk_token"] = "tok-1" }},
		{"token and unknown username", func(f map[string]any) { f["bk_username"] = "nobody"; f["bk_token"] = "tok-1" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := esbFields(testBiz, testTemplate, 0, 5)
			tc.change(f)
			count, info := postESB(t, s, f).page(t)
			if count != want || len(info) != min(5, want) {
				t.Fatalf("count %d items %d, want %d and 5", count, len(info), want)
			}
		})
	}
	f := esbFields(testBiz, testTemplate, 0, 5) // default user "admin" is not in Users any more
	if r := postESB(t, s, f); r.code(t) != CodeESBAuthFailed {
		t.Fatalf("admin accepted though Users = alice, bob: %s", r.body)
	}
}

// TestSuccessEnvelope pins the success envelope of both front doors and the
// record's exact 12 keys.
func TestSuccessEnvelope(t *testing.T) {
	s, _ := demoServer(t, Options{})
	for _, gw := range []string{GatewayESB, GatewayAPIGW} {
		t.Run(gw, func(t *testing.T) {
			var r reply
			if gw == GatewayESB {
				r = postESB(t, s, esbFields(testBiz, testTemplate, 0, 3))
			} else {
				r = postGW(t, s, "2", gwBody(testTemplate, 0, 3), nil)
			}
			env := r.envelope(t)
			wantKeys := []string{"code", "data", "message", "permission", "request_id", "result"}
			if gw == GatewayAPIGW {
				wantKeys = slices.DeleteFunc(wantKeys, func(k string) bool { return k == "request_id" })
				if !uuidRegex.MatchString(r.header.Get("X-Bkapi-Request-Id")) || !hex32.MatchString(r.header.Get("X-Request-Id")) {
					t.Errorf("request id headers: %v", r.header)
				}
			}
			if keys := sortedKeys(env); !reflect.DeepEqual(keys, wantKeys) {
				t.Fatalf("envelope keys %v, want %v", keys, wantKeys)
			}
			if string(env["result"]) != "true" || string(env["code"]) != "0" || string(env["message"]) != `"success"` || string(env["permission"]) != "null" {
				t.Fatalf("envelope %s", r.body)
			}
			if r.header.Get("Content-Type") != "application/json" {
				t.Errorf("content type %q", r.header.Get("Content-Type"))
			}
			var data struct {
				Count int                          `json:"count"`
				Info  []map[string]json.RawMessage `json:"info"`
			}
			if err := json.Unmarshal(env["data"], &data); err != nil || len(data.Info) != 3 {
				t.Fatalf("data: %v %s", err, env["data"])
			}
			recordKeys := []string{"bk_biz_id", "bk_host_id", "bk_module_id", "bk_supplier_account", "create_time", "creator", "id", "labels", "last_time", "modifier", "name", "service_template_id"}
			for _, rec := range data.Info {
				if keys := sortedKeys(rec); !reflect.DeepEqual(keys, recordKeys) {
					t.Fatalf("record keys %v, want %v", keys, recordKeys)
				}
			}
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestAPIGWGatewayErrors pins the gateway's own errors: real HTTP statuses,
// X-Bkapi-Error-Code and the {code, code_name, message, result, data} body.
func TestAPIGWGatewayErrors(t *testing.T) {
	s, _ := demoServer(t, Options{})
	resource := s.APIGWURL() + APIGWResourcePrefix + "2"
	cases := []struct {
		name   string
		method string
		url    string
		header map[string]string
		status int
		code   int64
		msg    string
	}{
		{"no authorization header", "POST", resource, map[string]string{}, 400, CodeGWBadAppCredentials, "X-Bkapi-Authorization"},
		{"authorization not JSON", "POST", resource, map[string]string{"X-Bkapi-Authorization": "bk_app_code=x"}, 400, CodeGWBadAppCredentials, "X-Bkapi-Authorization"},
		{"wrong secret", "POST", resource, map[string]string{"X-Bkapi-Authorization": `{"bk_app_code":"bkcmdb-demo","bk_app_secret":"bad","bk_username":"admin"}`}, 400, CodeGWBadAppCredentials, "bk_app_code or bk_app_secret is incorrect"},
		{"wrong app code", "POST", resource, map[string]string{"X-Bkapi-Authorization": `{"bk_app_code":"x","bk_app_secret":"bkcmdb-demo-secret","bk_username":"admin"}`}, 400, CodeGWBadAppCredentials, "bk_app_code or bk_app_secret is incorrect"},
		{"no user", "POST", resource, map[string]string{"X-Bkapi-Authorization": `{"bk_app_code":"bkcmdb-demo","bk_app_secret":"bkcmdb-demo-secret"}`}, 400, CodeGWBadAppCredentials, "valid user identity"},
		{"credentials in query", "POST", resource + "?bk_app_code=bkcmdb-demo&bk_app_secret=bkcmdb-demo-secret&bk_username=admin", map[string]string{"X-Bkapi-Authorization": ""}, 400, CodeGWBadAppCredentials, "not accepted"},
		{"credentials in query besides a valid header", "POST", resource + "?bk_token=abc", nil, 400, CodeGWBadAppCredentials, "not accepted"},
		{"unknown path", "POST", s.APIGWURL() + "/api/v3/find/nothing", nil, 404, CodeGWNotFound, "API not found"},
		{"missing bk_biz_id", "POST", s.APIGWURL() + APIGWResourcePrefix, nil, 404, CodeGWNotFound, "API not found"},
		{"GET on the resource", "GET", resource, nil, 404, CodeGWNotFound, "API not found"},
		{"outside any front door", "POST", s.URL() + "/nothing/here", nil, 404, CodeGWNotFound, "API not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"X-Bkapi-Authorization": gwAuth, "Blueking-Language": "en"}
			for k, v := range tc.header {
				h[k] = v
			}
			req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(string(gwBody(testTemplate, 0, 10))))
			for k, v := range h {
				if v != "" {
					req.Header.Set(k, v)
				}
			}
			if tc.header != nil && len(tc.header) == 0 {
				req.Header.Del("X-Bkapi-Authorization")
			}
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := resp.Header.Get("X-Bkapi-Error-Code"); got != jsonNumber(tc.code) {
				t.Errorf("X-Bkapi-Error-Code %q, want %d", got, tc.code)
			}
			if keys := sortedKeys(body); !reflect.DeepEqual(keys, []string{"code", "code_name", "data", "message", "result"}) {
				t.Errorf("body keys %v", keys)
			}
			if string(body["code"]) != jsonNumber(tc.code) || string(body["result"]) != "false" || string(body["data"]) != "null" {
				t.Errorf("body %v", body)
			}
			if !strings.Contains(string(body["message"]), tc.msg) {
				t.Errorf("message %s does not contain %q", body["message"], tc.msg)
			}
			if strings.Contains(string(body["message"]), DefaultAppSecret) {
				t.Errorf("message echoes the secret: %s", body["message"])
			}
		})
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestAPIGWBusinessErrors: CMDB validation behind the gateway is HTTP 200 with
// the CMDB envelope (no request_id in the body, ids in headers).
func TestAPIGWBusinessErrors(t *testing.T) {
	s, _ := demoServer(t, Options{})
	cases := []struct {
		name string
		biz  string
		body string
		code int64
		msg  string
	}{
		{"non-numeric bk_biz_id", "abc", `{"set_template_id":11,"page":{"start":0,"limit":10}}`, CodeCMDBParamInvalid, "'bk_biz_id' the parameter is invalid or does not exist"},
		{"page missing", "2", `{"set_template_id":11}`, CodeCMDBPageLimit, "page limit is exceeded. suggestion 200"},
		{"limit over 1000", "2", `{"set_template_id":11,"page":{"start":0,"limit":1001}}`, CodeCMDBPageLimit, "page limit is exceeded"},
		{"start negative", "2", `{"set_template_id":11,"page":{"start":-1,"limit":1}}`, CodeCMDBPageLimit, "page limit is exceeded"},
		{"set_template_id missing", "2", `{"page":{"start":0,"limit":10}}`, CodeCMDBParamNeedSet, "'set_template_id' cannot be omitted"},
		{"set_template_id string", "2", `{"set_template_id":"11","page":{"start":0,"limit":10}}`, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
		{"body not JSON", "2", `set_template_id=11`, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
		{"empty body", "2", ``, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := postGW(t, s, tc.biz, []byte(tc.body), nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200", r.status)
			}
			assertErrorEnvelope(t, r, tc.code, tc.msg, false)
		})
	}
}

// TestBackendErrorKeys: the bk_error_code / bk_error_msg variant, by option
// and by fault.
func TestBackendErrorKeys(t *testing.T) {
	check := func(t *testing.T, r reply, code int64) {
		t.Helper()
		env := r.envelope(t)
		if string(env["bk_error_code"]) != jsonNumber(code) || len(env["bk_error_msg"]) < 3 {
			t.Fatalf("want bk_error_code %d and bk_error_msg: %s", code, r.body)
		}
		if _, ok := env["code"]; ok {
			t.Fatalf("code present besides bk_error_code: %s", r.body)
		}
		if string(env["result"]) != "false" || string(env["data"]) != "null" {
			t.Fatalf("envelope %s", r.body)
		}
	}
	t.Run("option", func(t *testing.T) {
		s, _ := demoServer(t, Options{BackendErrorKeys: true})
		check(t, postGW(t, s, "2", []byte(`{"set_template_id":11}`), nil), CodeCMDBPageLimit)
		// Successful pages are unchanged.
		if count, _ := postGW(t, s, "2", gwBody(testTemplate, 0, 1), nil).page(t); count == 0 {
			t.Fatal("no data")
		}
	})
	t.Run("fault", func(t *testing.T) {
		s, _ := demoServer(t, Options{})
		s.Inject(Fault{Code: CodeCMDBQueryFailed, BackendErrorKeys: true})
		check(t, postGW(t, s, "2", gwBody(testTemplate, 0, 10), nil), CodeCMDBQueryFailed)
	})
}

// TestLanguage: English with either header, real Chinese otherwise, on both
// front doors.
func TestLanguage(t *testing.T) {
	s, _ := demoServer(t, Options{})
	cases := []struct {
		name    string
		header  map[string]string
		english bool
	}{
		{"no header", map[string]string{}, false},
		{"Blueking-Language en", map[string]string{"Blueking-Language": "en"}, true},
		{"X-Bkcmdb-Language en", map[string]string{"X-Bkcmdb-Language": "en"}, true},
		{"Blueking-Language en-US", map[string]string{"Blueking-Language": "en-US"}, true},
		{"Blueking-Language zh-cn", map[string]string{"Blueking-Language": "zh-cn"}, false},
	}
	for _, tc := range cases {
		for _, gw := range []string{GatewayESB, GatewayAPIGW} {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				var r reply
				if gw == GatewayESB {
					f := esbFields(testBiz, testTemplate, 0, 0)
					r = post(t, s.URL()+ESBPath, mustJSON(t, f), tc.header)
				} else {
					h := map[string]string{"X-Bkapi-Authorization": gwAuth}
					for k, v := range tc.header {
						h[k] = v
					}
					r = post(t, s.APIGWURL()+APIGWResourcePrefix+"2", gwBody(testTemplate, 0, 0), h)
				}
				var msg string
				_ = json.Unmarshal(r.envelope(t)["message"], &msg)
				if tc.english && msg != "page limit is exceeded. suggestion 200" {
					t.Fatalf("message %q, want the English one", msg)
				}
				if !tc.english && !hanRegex.MatchString(msg) {
					t.Fatalf("message %q is not Chinese", msg)
				}
			})
		}
	}
}

// TestStrictLimits pins Options.StrictLimits: the documented maximum (500) is
// accepted and anything above it is refused with 1199059 on both front doors,
// while the default server tolerates what the CMDB code does (up to 1000).
func TestStrictLimits(t *testing.T) {
	strict, _ := demoServer(t, Options{StrictLimits: true})
	lenient, _ := demoServer(t, Options{})
	for _, tc := range []struct {
		name   string
		s      *Server
		limit  int
		refuse bool
	}{
		{"strict 500", strict, 500, false},
		{"strict 501", strict, 501, true},
		{"strict 1000", strict, 1000, true},
		{"default 501", lenient, 501, false},
		{"default 1000", lenient, 1000, false},
		{"default 1001", lenient, 1001, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			esb := postESB(t, tc.s, esbFields(testBiz, testTemplate, 0, tc.limit))
			gw := postGW(t, tc.s, "2", gwBody(testTemplate, 0, tc.limit), nil)
			for name, r := range map[string]reply{"esb": esb, "apigw": gw} {
				if tc.refuse {
					assertErrorEnvelope(t, r, CodeCMDBPageLimit, "page limit is exceeded", name == "esb")
					continue
				}
				if got := r.code(t); got != 0 {
					t.Errorf("%s: code %d, want 0\n%s", name, got, r.body)
				}
			}
		})
	}
}
