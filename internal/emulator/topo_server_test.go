package emulator

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// everyAPI is one valid request of each API.
var everyAPI = []apiReq{
	{api: APIListServiceInstances, params: map[string]string{"bk_biz_id": "2"}, body: map[string]any{"set_template_id": 11}},
	{api: APISearchBusiness, params: bizParams},
	{api: APIListSetTemplate, params: webShopHosts},
	{api: APISearchSet, params: webShop},
	{api: APISearchModule, params: webShopAll},
	{api: APIListBizHosts, params: webShopHosts},
}

// TestEveryAPIOnBothDoors: each API answers its success envelope through
// both front doors, records its name, and refuses bad credentials as the
// front door does.
func TestEveryAPIOnBothDoors(t *testing.T) {
	s, _ := demoServer(t, Options{})
	for _, req := range everyAPI {
		for _, gw := range gateways {
			t.Run(req.api+"/"+gw, func(t *testing.T) {
				r := callAPI(t, s, gw, apiReq{api: req.api, params: req.params, body: withPage(req.body, 0, 5, ""), header: map[string]string{"X-Test": req.api + gw}})
				if count, info := r.records(t); count == 0 || len(info) == 0 || len(info) > 5 {
					t.Fatalf("count %d, %d records", count, len(info))
				}
				env := r.envelope(t)
				_, hasRID := env["request_id"]
				if hasRID != (gw == GatewayESB) || gw == GatewayAPIGW && !uuidRegex.MatchString(r.header.Get("X-Bkapi-Request-Id")) {
					t.Fatalf("request id: body %v, header %q", hasRID, r.header.Get("X-Bkapi-Request-Id"))
				}
				logged := waitRequest(t, s, func(r RecordedRequest) bool { return r.Header.Get("X-Test") == req.api+gw })
				if logged.API != req.api || logged.Gateway != gw || logged.Status != 200 {
					t.Fatalf("request log %+v", logged)
				}
				bad := req
				bad.header = map[string]string{"X-Bkapi-Authorization": `{"bk_app_code":"x","bk_app_secret":"y","bk_username":"admin"}`}
				r = callAPI(t, s, gw, bad)
				if gw == GatewayAPIGW && (r.status != 400 || r.code(t) != CodeGWBadAppCredentials) {
					t.Fatalf("bad gateway credentials: %d %s", r.status, r.body)
				}
			})
		}
	}
	t.Run("unknown ESB component", func(t *testing.T) {
		r := post(t, s.URL()+ESBPrefix+"search_nothing/", []byte(`{}`), nil)
		if r.status != http.StatusNotFound || r.code(t) != CodeGWNotFound {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("ESB without bk_biz_id", func(t *testing.T) {
		f := map[string]any{"bk_app_code": DefaultAppCode, "bk_app_secret": DefaultAppSecret, "bk_username": DefaultUser}
		assertErrorEnvelope(t, post(t, s.URL()+ESBPathOf(APIListBizHosts), mustJSON(t, f), map[string]string{"Blueking-Language": "en"}),
			CodeESBParamRequired, "param bk_biz_id is required", true)
	})
	t.Run("ESB supplier account as a number", func(t *testing.T) {
		f := map[string]any{"bk_app_code": DefaultAppCode, "bk_app_secret": DefaultAppSecret, "bk_username": DefaultUser,
			"bk_supplier_account": 0, "bk_biz_id": "2", "page": page(0, 1, "")}
		if count, _ := post(t, s.URL()+ESBPathOf(APISearchSet), mustJSON(t, f), nil).records(t); count == 0 {
			t.Fatal("bk_supplier_account 0 and bk_biz_id \"2\" found nothing")
		}
	})
	t.Run("Chinese by default", func(t *testing.T) {
		r := post(t, s.APIGWURL()+APIGWPathOf(APIListBizHosts, webShopHosts), []byte(`{"page":{"limit":0}}`), map[string]string{"X-Bkapi-Authorization": gwAuth})
		if msg := string(r.envelope(t)["message"]); !strings.Contains(msg, "'page.limit' 数据参数校验不通过") {
			t.Fatalf("message %s", msg)
		}
	})
}

// TestSupplierAccount: a supplier account other than the dataset's (in the
// gateway path, or in the ESB body) finds nothing; multi-tenant builds do
// not look at it.
func TestSupplierAccount(t *testing.T) {
	s, _ := demoServer(t, Options{})
	tenant, _ := demoServer(t, Options{MultiTenant: true})
	for _, req := range everyAPI {
		for _, gw := range gateways {
			t.Run(req.api+"/"+gw, func(t *testing.T) {
				other := map[string]string{}
				for k, v := range req.params {
					other[k] = v
				}
				other["bk_supplier_account"] = "tenant-b"
				r := apiReq{api: req.api, params: other, body: withPage(req.body, 0, 5, "")}
				_, inPath := req.params["bk_supplier_account"]
				if gw == GatewayAPIGW && !inPath {
					return // no supplier account in this gateway path
				}
				if count, info := callAPI(t, s, gw, r).records(t); count != 0 || len(info) != 0 {
					t.Fatalf("another supplier account: count %d", count)
				}
				r.header = map[string]string{"X-Bk-Tenant-Id": "default"}
				if count, _ := callAPI(t, tenant, gw, r).records(t); count == 0 {
					t.Fatal("multi-tenant build checked the supplier account")
				}
			})
		}
	}
}

// TestTenantHeader: without multi-tenancy X-Bk-Tenant-Id may be empty or
// "default"; with it the header must name a configured tenant. A refusal is
// HTTP 200, 1100005 "invalid tenant" (raw backend keys behind the gateway).
func TestTenantHeader(t *testing.T) {
	single, _ := demoServer(t, Options{})
	multi, _ := demoServer(t, Options{MultiTenant: true, Tenants: []string{"tenant-a", "tenant-b"}})
	cases := []struct {
		name   string
		s      *Server
		tenant string
		ok     bool
	}{
		{"single, none", single, "", true},
		{"single, default", single, "default", true},
		{"single, other", single, "tenant-a", false},
		{"multi, configured", multi, "tenant-b", true},
		{"multi, none", multi, "", false},
		{"multi, default not configured", multi, "default", false},
	}
	for _, tc := range cases {
		for _, req := range everyAPI {
			for _, gw := range gateways {
				t.Run(tc.name+"/"+req.api+"/"+gw, func(t *testing.T) {
					id := tc.name + req.api + gw
					r := callAPI(t, tc.s, gw, apiReq{api: req.api, params: req.params, body: withPage(req.body, 0, 1, ""),
						header: map[string]string{"X-Bk-Tenant-Id": tc.tenant, "X-Test": id}})
					logged := waitRequest(t, tc.s, func(r RecordedRequest) bool { return r.Header.Get("X-Test") == id })
					if got := logged.Header.Get("X-Bk-Tenant-Id"); got != tc.tenant || logged.API != req.api {
						t.Fatalf("recorded tenant %q, API %q", got, logged.API)
					}
					if tc.ok {
						r.records(t)
						return
					}
					env := r.envelope(t)
					codeKey, msgKey := "code", "message"
					if gw == GatewayAPIGW {
						codeKey, msgKey = "bk_error_code", "bk_error_msg"
					}
					if r.status != 200 || string(env[codeKey]) != "1100005" || string(env[msgKey]) != `"invalid tenant"` || string(env["result"]) != "false" {
						t.Fatalf("%d %s", r.status, r.body)
					}
				})
			}
		}
	}
}

// TestFaultByAPI: Fault.API (or Match on RecordedRequest.API) picks the
// requests of one API; the others are answered normally.
func TestFaultByAPI(t *testing.T) {
	s, _ := demoServer(t, Options{})
	s.Inject(Fault{API: APIListBizHosts, Status: 502, Times: 2},
		Fault{Match: func(r RecordedRequest) bool { return r.API == APISearchSet }, Code: CodeCMDBRateLimit})
	for _, req := range everyAPI {
		for _, gw := range gateways {
			r := callAPI(t, s, gw, apiReq{api: req.api, params: req.params, body: withPage(req.body, 0, 1, "")})
			switch {
			case req.api == APIListBizHosts:
				if r.status != 502 {
					t.Errorf("%s %s: %d, want the injected 502", req.api, gw, r.status)
				}
			case req.api == APISearchSet && gw == GatewayESB:
				if r.code(t) != CodeCMDBRateLimit {
					t.Errorf("%s %s: %s, want the injected 1199997", req.api, gw, r.body)
				}
			default:
				r.records(t)
			}
		}
	}
	if n := s.PendingFaults(); n != 0 {
		t.Fatalf("%d faults left", n)
	}
}

// TestOnPageHosts: a hook sees every API's page requests (API, business,
// start, limit) and can add and remove hosts, and the other objects, between
// pages; Snapshot and the accessors show the change, the Dataset given to New
// does not.
func TestOnPageHosts(t *testing.T) {
	s, d := demoServer(t, Options{})
	before := d.HostsOf(2, nil, nil, nil)
	var seen []PageRequest
	var added Host
	s.OnPage(func(p PageRequest, m *Mutator) {
		seen = append(seen, p)
		switch p.N {
		case 2:
			added = m.InsertHost(Host{BizID: 2, InnerIP: "10.9.9.9,10.9.9.10", Name: "late"})
		case 3:
			m.DeleteHost(before[0].ID)
			m.InsertSet(Set{BizID: 2, Name: "late-set", Env: "3"})
			m.InsertBusiness(Business{Name: "web-shop-late"})
		}
	})
	c1, _ := callAPI(t, s, GatewayESB, hostsReq(map[string]any{"page": page(0, 10, "")})).records(t)
	c2, _ := callAPI(t, s, GatewayAPIGW, hostsReq(map[string]any{"page": page(10, 10, "")})).records(t)
	c3, first := callAPI(t, s, GatewayESB, hostsReq(map[string]any{"page": page(0, 10, "")})).records(t)
	if c1 != len(before) || c2 != len(before)+1 || c3 != len(before) || first[0].int(t, "bk_host_id") != before[1].ID {
		t.Fatalf("counts %d %d %d (of %d); first %v", c1, c2, c3, len(before), first[0])
	}
	want := []PageRequest{
		{Gateway: GatewayESB, BizID: 2, Start: 0, Limit: 10, N: 1, API: APIListBizHosts},
		{Gateway: GatewayAPIGW, BizID: 2, Start: 10, Limit: 10, N: 2, API: APIListBizHosts},
		{Gateway: GatewayESB, BizID: 2, Start: 0, Limit: 10, N: 3, API: APIListBizHosts},
	}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("hook saw %+v", seen)
	}
	idle := d.ModulesOf(2, d.SetsOf(2)[0].ID)[0]
	if added.ID <= before[len(before)-1].ID || !slices.Equal(added.ModuleIDs, []int64{idle.ID}) {
		t.Fatalf("inserted %+v, want a new id in the idle module %d", added, idle.ID)
	}
	_, info := callAPI(t, s, GatewayAPIGW, hostsReq(map[string]any{"page": page(0, 1, "-bk_host_id")})).records(t)
	if info[0].str(t, "bk_host_innerip") != "10.9.9.9,10.9.9.10" {
		t.Fatalf("inserted host served as %v", info[0])
	}
	snap := s.Snapshot()
	now := snap.HostsOf(2, nil, nil, nil)
	if len(now) != len(before) || now[len(now)-1].ID != added.ID || len(snap.SetsOf(2)) != len(d.SetsOf(2))+1 ||
		len(snap.BusinessesMatching("web-shop")) != 5 || len(snap.ServiceInstances) != len(d.ServiceInstances) {
		t.Fatalf("snapshot: %d hosts, %d sets", len(now), len(snap.SetsOf(2)))
	}
	if !reflect.DeepEqual(d.HostsOf(2, nil, nil, nil), before) {
		t.Fatal("the Dataset given to New changed")
	}
	s.OnPage(nil)
	for _, req := range everyAPI[1:] {
		s.OnPage(func(p PageRequest, m *Mutator) { seen = append(seen, p) })
		callAPI(t, s, GatewayAPIGW, apiReq{api: req.api, params: req.params, body: withPage(req.body, 3, 4, "")})
		if last := seen[len(seen)-1]; last.API != req.api || last.Start != 3 || last.Limit != 4 {
			t.Fatalf("%s: hook saw %+v", req.api, last)
		}
	}
}

// TestMutatorOnEveryKind: each Insert and Delete changes the matching API's answer.
func TestMutatorOnEveryKind(t *testing.T) {
	s, d := demoServer(t, Options{})
	m := s.Mutator()
	count := func(req apiReq) int {
		c, _ := callAPI(t, s, GatewayAPIGW, apiReq{api: req.api, params: req.params, body: withPage(req.body, 0, 1, "")}).records(t)
		return c
	}
	tpl := m.InsertSetTemplate(SetTemplate{BizID: 2, Name: "new"})
	set := m.InsertSet(Set{BizID: 2, Name: "new-gz", SetTemplateID: tpl.ID})
	mod := m.InsertModule(Module{BizID: 2, Name: "new-mod", SetID: set.ID})
	host := m.InsertHost(Host{BizID: 2, InnerIP: "10.7.7.7", ModuleIDs: []int64{mod.ID}})
	if mod.SetTemplateID != tpl.ID {
		t.Fatalf("module %+v: set template not its set's", mod)
	}
	if got := count(apiReq{api: APIListSetTemplate, params: webShopHosts}); got != len(d.SetTemplatesOf(2))+1 {
		t.Fatalf("templates %d", got)
	}
	if got := walkIDs(t, s, GatewayESB, hostsReq(map[string]any{"bk_set_ids": []int64{set.ID}}), "bk_host_id", 5, ""); !slices.Equal(got, []int64{host.ID}) {
		t.Fatalf("hosts of the new set: %v", got)
	}
	if !m.DeleteHost(host.ID) || !m.DeleteModule(mod.ID) || !m.DeleteSet(set.ID) || !m.DeleteSetTemplate(tpl.ID) || !m.DeleteBusiness(7) || m.DeleteHost(host.ID) {
		t.Fatal("Delete reports wrongly")
	}
	for _, req := range everyAPI[1:] {
		want := map[string]int{APISearchBusiness: len(d.BusinessesMatching("")) - 1, APIListSetTemplate: len(d.SetTemplatesOf(2)),
			APISearchSet: len(d.SetsOf(2)), APISearchModule: len(d.ModulesOf(2, 0)), APIListBizHosts: len(d.HostsOf(2, nil, nil, nil))}[req.api]
		if got := count(req); got != want {
			t.Errorf("%s after deletes: count %d, want %d", req.api, got, want)
		}
	}
}

// TestConcurrentTopology is for the race detector: pages of every API and
// host changes at once.
func TestConcurrentTopology(t *testing.T) {
	s, _ := demoServer(t, Options{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 12 {
				req := everyAPI[(w+i)%len(everyAPI)]
				callAPI(t, s, gateways[i%2], apiReq{api: req.api, params: req.params, body: withPage(req.body, i, 20, "")}).records(t)
			}
		})
	}
	wg.Go(func() {
		m := s.Mutator()
		for range 30 {
			h := m.InsertHost(Host{BizID: 2, InnerIP: "10.8.8.8"})
			m.DeleteHost(h.ID)
			_ = s.Snapshot()
		}
	})
	wg.Wait()
}
