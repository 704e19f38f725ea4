package cmdb

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// testHost is a record of fakeAPI: another record type, with another id field, than
// the service instances the emulator serves.
type testHost struct {
	HostID int64  `json:"bk_host_id"`
	Name   string `json:"bk_host_name"`
}

func testHostID(h *testHost) int64 { return h.HostID }

// fakeAPI names every path parameter and documents a page maximum below page_size.
var fakeAPI = &API{
	Name:        "search_fake_hosts",
	ESBPath:     "/api/c/compapi/v2/cc/search_fake_hosts/",
	GatewayPath: "/api/v3/fake/{bk_supplier_account}/{bk_biz_id}/set/{bk_set_id}",
	MaxPageSize: 7,
	IDField:     "bk_host_id",
}

// fakeCMDB serves fakeAPI on both gateways from hosts, like search_set: no default
// order (without page.sort the records come scrambled), page.limit above the documented
// maximum refused with 1199059.
type fakeCMDB struct {
	srv   *httptest.Server
	hosts []testHost
	mu    sync.Mutex
	reqs  []fakeRequest
}

type fakeRequest struct {
	path   string
	header http.Header
	body   map[string]json.RawMessage
	page   struct {
		Start, Limit int
		Sort         string
	}
}

func newFakeCMDB(t *testing.T, n int) *fakeCMDB {
	t.Helper()
	f := &fakeCMDB{}
	for i := range n {
		f.hosts = append(f.hosts, testHost{HostID: int64(1000 + 3*i), Name: "host-" + strconv.Itoa(i)})
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCMDB) serve(w http.ResponseWriter, r *http.Request) {
	var fr fakeRequest
	fr.path, fr.header = r.URL.EscapedPath(), r.Header.Clone()
	_ = json.NewDecoder(r.Body).Decode(&fr.body)
	_ = json.Unmarshal(fr.body["page"], &fr.page)
	f.mu.Lock()
	f.reqs = append(f.reqs, fr)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if fr.page.Limit < 1 || fr.page.Limit > fakeAPI.MaxPageSize {
		_, _ = w.Write([]byte(`{"result":false,"code":1199059,"message":"page limit is exceeded","data":null}`))
		return
	}
	hosts := slices.Clone(f.hosts)
	if fr.page.Sort == "bk_host_id" {
		slices.SortFunc(hosts, func(a, b testHost) int { return cmp.Compare(a.HostID, b.HostID) })
	} else {
		rand.Shuffle(len(hosts), func(i, j int) { hosts[i], hosts[j] = hosts[j], hosts[i] })
	}
	info := hosts[min(fr.page.Start, len(hosts)):min(fr.page.Start+fr.page.Limit, len(hosts))]
	b, _ := json.Marshal(map[string]any{"result": true, "code": 0, "message": "success", "request_id": "r1",
		"data": map[string]any{"count": len(hosts), "info": info}})
	_, _ = w.Write(b)
}

func (f *fakeCMDB) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func fakeConfig(f *fakeCMDB, gw Gateway) Config {
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Gateway = f.srv.URL, gw
	cfg.Credentials = Credentials{AppCode: "app", AppSecret: "app-secret", Username: "admin"}
	cfg.SupplierAccount = "acct/1"
	cfg.TenantID = "tenant-a"
	cfg.Parallelism = 3
	return cfg
}

// Issue 10: any API of the table is read by List: its own record type and id field,
// page size capped at its documented maximum, page.sort = its id field, result
// ascending; path parameters in the gateway path (bk_supplier_account escaped) and in
// the ESB body (bk_supplier_account always), X-Bk-Tenant-Id on every request.
func TestListGeneric(t *testing.T) {
	for _, gw := range gateways {
		t.Run(string(gw), func(t *testing.T) {
			f := newFakeCMDB(t, 40)
			c, err := NewClient(fakeConfig(f, gw))
			if err != nil {
				t.Fatal(err)
			}
			res, err := List(context.Background(), c, fakeAPI, Params{BizID: 5, SetID: 0}, map[string]any{"fields": []string{"bk_host_id"}}, testHostID)
			if err != nil {
				t.Fatal(err)
			}
			if res.Count != 40 || !slices.Equal(res.Items, f.hosts) {
				t.Fatalf("count %d, items %v; want 40, %v", res.Count, res.Items, f.hosts)
			}
			reqs := f.requests()
			if want := len(wantStarts(40, 7)); len(reqs) != want {
				t.Errorf("%d requests, want %d", len(reqs), want)
			}
			for _, r := range reqs {
				if r.page.Limit != 7 || r.page.Sort != "bk_host_id" {
					t.Errorf("page %+v, want limit 7 (the documented maximum) and sort bk_host_id", r.page)
				}
				if got := r.header.Values(TenantHeader); !slices.Equal(got, []string{"tenant-a"}) {
					t.Errorf("%s = %q", TenantHeader, got)
				}
				if string(r.body["fields"]) != `["bk_host_id"]` {
					t.Errorf("the API's own body fields are lost: %v", r.body)
				}
				wantPath, wantBody := "/api/v3/fake/acct%2F1/5/set/0", map[string]string{}
				if gw == GatewayESB {
					wantPath = fakeAPI.ESBPath
					wantBody = map[string]string{"bk_biz_id": "5", "bk_set_id": "0", "bk_supplier_account": `"acct/1"`,
						"bk_app_code": `"app"`, "bk_app_secret": `"app-secret"`, "bk_username": `"admin"`}
				}
				if r.path != wantPath {
					t.Errorf("path %s, want %s", r.path, wantPath)
				}
				for k, v := range wantBody {
					if string(r.body[k]) != v {
						t.Errorf("body %s = %s, want %s", k, r.body[k], v)
					}
				}
				if gw == GatewayAPIGW && (len(r.body) != 2 || r.header.Get("X-Bkapi-Authorization") == "") {
					t.Errorf("gateway body %v, X-Bkapi-Authorization %q: want only fields and page in the body", r.body, r.header.Get("X-Bkapi-Authorization"))
				}
			}
		})
	}
}

// A call that cannot be made right fails before any request: a body that is not an
// object or that sets what the client sets, a missing business id.
func TestListRefusesBadCalls(t *testing.T) {
	f := newFakeCMDB(t, 3)
	c, err := NewClient(fakeConfig(f, GatewayESB))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		params Params
		body   any
		want   string
	}{
		"page in the body":         {Params{BizID: 1}, map[string]any{"page": 1}, `must not set "page"`},
		"path parameter, any case": {Params{BizID: 1}, map[string]any{"BK_BIZ_ID": 2}, `must not set "BK_BIZ_ID"`},
		"credential":               {Params{BizID: 1}, map[string]any{"bk_app_secret": "x"}, `must not set "bk_app_secret"`},
		"not an object":            {Params{BizID: 1}, []int{1}, "not a JSON object"},
		"no business":              {Params{}, nil, "bk_biz_id (0) must be 1 or more"},
		"negative set":             {Params{BizID: 1, SetID: -1}, nil, "bk_set_id (-1) must be 0 or more"},
	} {
		_, err := List(context.Background(), c, fakeAPI, tc.params, tc.body, testHostID)
		var ae *APIError
		if !errors.As(err, &ae) || ae.API != fakeAPI.Name || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want an *APIError of %s saying %q", name, err, fakeAPI.Name, tc.want)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// Every API of the table is complete and reachable on both gateways.
func TestAPITable(t *testing.T) {
	seen := map[string]bool{}
	for _, api := range append(APIs(), fakeAPI) {
		// One API may be declared once per record kind it answers (execute_dynamic_group).
		if api.Name == "" || seen[api.Name+"/"+api.IDField] {
			t.Errorf("API %+v: empty or repeated name", api)
		}
		seen[api.Name+"/"+api.IDField] = true
		if api.ESBPath != "/api/c/compapi/v2/cc/"+api.Name+"/" || !strings.HasPrefix(api.GatewayPath, "/api/v3/") {
			t.Errorf("%s: paths %q, %q", api.Name, api.ESBPath, api.GatewayPath)
		}
		if api.CountOnly != (api.MaxPageSize == 0 && api.IDField == "") {
			t.Errorf("%s: a counting API has no page maximum and no id field; others have both", api.Name)
		}
		if c := api.Counter; c != nil && (!c.CountOnly || c.Counter != nil || !slices.Equal(c.PathParams(), api.PathParams())) {
			t.Errorf("%s: its counter %s must be a counting API with the same path parameters", api.Name, c.Name)
		}
		if !api.CountOnly && (api.MaxPageSize < 1 || api.MaxPageSize > MaxPageSize || api.IDField == "") {
			t.Errorf("%s: page maximum %d, id field %q", api.Name, api.MaxPageSize, api.IDField)
		}
		for _, p := range api.PathParams() {
			if p != ParamBizID && p != ParamSetID && p != ParamObjID && p != ParamID && p != ParamSupplierAccount {
				t.Errorf("%s: unknown path parameter %q", api.Name, p)
			}
		}
	}
	if got := ListServiceInstanceBySetTemplate.PathParams(); !slices.Equal(got, []string{ParamBizID}) {
		t.Errorf("PathParams = %q", got)
	}
}

// A client accepts an injected http.Client or RoundTripper, and sends through it.
func TestConfigInjectsHTTP(t *testing.T) {
	f := newFakeCMDB(t, 3)
	var viaTransport, viaClient int
	cfg := fakeConfig(f, GatewayAPIGW)
	cfg.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		viaTransport++
		return http.DefaultTransport.RoundTrip(r)
	})
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := List(context.Background(), c, fakeAPI, Params{BizID: 1}, nil, testHostID); err != nil || viaTransport != 1 {
		t.Errorf("injected transport: %d requests through it, error %v", viaTransport, err)
	}
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		viaClient++
		return http.DefaultTransport.RoundTrip(r)
	})}
	if c, err = NewClient(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := List(context.Background(), c, fakeAPI, Params{BizID: 1}, nil, testHostID); err != nil || viaClient != 1 || viaTransport != 1 {
		t.Errorf("injected client: %d requests through it (%d through the transport), error %v", viaClient, viaTransport, err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// X-Bk-Tenant-Id comes from TenantID, or else from Headers; never both.
func TestTenantHeader(t *testing.T) {
	f := newFakeCMDB(t, 1)
	cfg := fakeConfig(f, GatewayESB)
	cfg.Headers = map[string]string{"x-bk-tenant-id": "other"}
	if _, err := NewClient(cfg); err == nil || !strings.Contains(err.Error(), "tenant_id") {
		t.Errorf("TenantID and a header of the same name: error %v", err)
	}
	cfg.TenantID = ""
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := List(context.Background(), c, fakeAPI, Params{BizID: 1}, nil, testHostID); err != nil {
		t.Fatal(err)
	}
	if got := f.requests()[0].header.Values(TenantHeader); !slices.Equal(got, []string{"other"}) {
		t.Errorf("%s = %q, want the header's value", TenantHeader, got)
	}
}
