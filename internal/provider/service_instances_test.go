package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

const dataAddr = "data.bkcmdb_service_instances.test"

// dataBlock is the data source under test.
func dataBlock(bizID, setTemplateID int64) string {
	return fmt.Sprintf(`
data "bkcmdb_service_instances" "test" {
  bk_biz_id       = %d
  set_template_id = %d
}
`, bizID, setTemplateID)
}

// expectInstances checks that the state holds exactly want, in order, field by field,
// with ids compared as exact integers.
type expectInstances struct {
	addr string
	want []emulator.Instance
	// processes are the expected processes of each instance by id; [] for the others.
	processes map[int64][]map[string]any
}

func (e expectInstances) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	var attrs map[string]any
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == e.addr {
			attrs = r.AttributeValues
		}
	}
	if attrs == nil {
		resp.Error = fmt.Errorf("%s not in state", e.addr)
		return
	}
	got, ok := attrs["instances"].([]any)
	if !ok {
		resp.Error = fmt.Errorf("instances is %T, want a list", attrs["instances"])
		return
	}
	if len(got) != len(e.want) {
		resp.Error = fmt.Errorf("%d instances in state, want %d", len(got), len(e.want))
		return
	}
	for i, w := range e.want {
		obj, ok := got[i].(map[string]any)
		if !ok {
			resp.Error = fmt.Errorf("instances[%d] is %T", i, got[i])
			return
		}
		labels := map[string]any{}
		for k, v := range w.Labels {
			labels[k] = v
		}
		want := map[string]any{
			"id": w.ID, "name": w.Name, "bk_biz_id": w.BizID, "bk_module_id": w.ModuleID, "bk_host_id": w.HostID,
			"service_template_id": w.ServiceTemplateID, "labels": labels, "creator": w.Creator, "modifier": w.Modifier,
			"create_time": w.CreateTime, "last_time": w.LastTime, "bk_supplier_account": w.SupplierAccount,
			"processes": []map[string]any{},
		}
		if p, ok := e.processes[w.ID]; ok {
			want["processes"] = p
		}
		if len(obj) != len(want) {
			resp.Error = fmt.Errorf("instances[%d] has %d attributes, want %d", i, len(obj), len(want))
			return
		}
		for k, wv := range want {
			if err := sameValue(obj[k], wv); err != nil {
				resp.Error = fmt.Errorf("instances[%d] (id %d) %s: %v", i, w.ID, k, err)
				return
			}
		}
	}
}

// sameValue compares a state JSON value with the expected Go value; numbers must be
// json.Number so that 64-bit ids are compared exactly.
func sameValue(got, want any) error {
	switch w := want.(type) {
	case int64:
		n, ok := got.(json.Number)
		if !ok {
			return fmt.Errorf("got %T %v, want the exact number %d", got, got, w)
		}
		if n.String() != strconv.FormatInt(w, 10) {
			return fmt.Errorf("got %s, want %d", n, w)
		}
	case string:
		if got != w {
			return fmt.Errorf("got %#v, want %q", got, w)
		}
	case bool:
		if got != w {
			return fmt.Errorf("got %#v, want %v", got, w)
		}
	case []map[string]any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("got %T %v, want a list of %d objects (never null)", got, got, len(w))
		}
		for i := range w {
			obj, ok := g[i].(map[string]any)
			if !ok {
				return fmt.Errorf("[%d] is %T", i, g[i])
			}
			if err := sameObject(obj, w[i], true); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("got %T %v, want a map (never null)", got, got)
		}
		if len(g) != len(w) {
			return fmt.Errorf("got %v, want %v", g, w)
		}
		for k, v := range w {
			if g[k] != v {
				return fmt.Errorf("label %s: got %v, want %v", k, g[k], v)
			}
		}
	default:
		return fmt.Errorf("unexpected type %T", want)
	}
	return nil
}

// TestAccServiceInstances reads a many-page template over both gateways with the
// configuration in HCL, and checks every instance field by field; through the server
// main serves and through the framework's own read (its fallback), which must agree.
func TestAccServiceInstances(t *testing.T) {
	servers := map[string]map[string]func() (tfprotov6.ProviderServer, error){
		"served": protoV6ProviderFactories, "framework": frameworkProviderFactories,
	}
	for _, server := range []string{"served", "framework"} {
		for _, gateway := range []string{"esb", "apigw"} {
			t.Run(server+"/"+gateway, func(t *testing.T) {
				testAccServiceInstances(t, servers[server], gateway)
			})
		}
	}
}

// testAccServiceInstances reads 1,234 instances in pages of 100 through factories.
func testAccServiceInstances(t *testing.T, factories map[string]func() (tfprotov6.ProviderServer, error), gateway string) {
	clearProviderEnv(t)
	data := emulator.SingleTemplate(3, 7, 1234, 42)
	srv := newEmulator(t, emulator.Options{Data: data})
	want := data.Instances(3, 7)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: providerBlock(gateway, baseURLFor(srv, gateway), "page_size = 100", "parallelism = 3") + dataBlock(3, 7),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("total"), knownvalue.Int64Exact(1234)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("bk_biz_id"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("set_template_id"), knownvalue.Int64Exact(7)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("instances"), knownvalue.ListSizeExact(1234)),
				expectInstances{addr: dataAddr, want: want},
			},
		}},
	})
	// 13 pages of 100 (starts 0, 99, ..., 1188) for each read; terraform reads the data source more than once
	// across plan and apply, so check the paging of the requests rather than a total.
	for _, r := range srv.Requests() {
		if r.Gateway != gateway {
			t.Errorf("request %s went to gateway %q, want %q", r.Path, r.Gateway, gateway)
		}
	}
}

// TestAccServiceInstancesDocumentedPageLimit reads 1,234 instances with the default page
// size on both gateways from an emulator that refuses any limit above the documented 500
// (issue 9): every instance comes back, no request asks for more than 500, and each read
// is the contract's start sequence 0, 499, 998.
func TestAccServiceInstancesDocumentedPageLimit(t *testing.T) {
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			data := emulator.SingleTemplate(3, 7, 1234, 11)
			srv := newEmulator(t, emulator.Options{Data: data})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(gateway, baseURLFor(srv, gateway), "parallelism = 1") + dataBlock(3, 7),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("total"), knownvalue.Int64Exact(1234)),
						expectInstances{addr: dataAddr, want: data.Instances(3, 7)},
					},
				}},
			})
			reqs := srv.Requests()
			if len(reqs) == 0 || len(reqs)%3 != 0 {
				t.Fatalf("%d requests, want 3 per read", len(reqs))
			}
			for i, r := range reqs {
				var body struct {
					Page struct{ Start, Limit int } `json:"page"`
				}
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if body.Page.Limit != 500 {
					t.Errorf("request %d asked for limit %d, want 500 (page_size, never more)", i, body.Page.Limit)
				}
				if want := []int{0, 499, 998}[i%3]; body.Page.Start != want {
					t.Errorf("request %d start %d, want %d", i, body.Page.Start, want)
				}
				if r.Code != 0 {
					t.Errorf("request %d answered code %d", i, r.Code)
				}
			}
		})
	}
}

// filteredDataBlock is the data source under test with filter arguments.
func filteredDataBlock(bizID, setTemplateID int64, filters ...string) string {
	return fmt.Sprintf(`
data "bkcmdb_service_instances" "test" {
  bk_biz_id       = %d
  set_template_id = %d
  %s
}
`, bizID, setTemplateID, strings.Join(filters, "\n  "))
}

// TestAccServiceInstancesFilters checks every filter of the contract, alone and together:
// instances holds exactly the matching subset, ascending by id, total stays CMDB's count,
// an empty list matches nothing, and a filtered read costs the same requests as an
// unfiltered one (the filters are applied after the consistent read).
func TestAccServiceInstancesFilters(t *testing.T) {
	clearProviderEnv(t)
	data := emulator.SingleTemplate(3, 7, 600, 21)
	all := data.Instances(3, 7)
	// Two modules, two hosts, one label pair that some instances carry.
	modA, modB := all[0].ModuleID, all[0].ModuleID
	for _, in := range all {
		if in.ModuleID != modA {
			modB = in.ModuleID
			break
		}
	}
	hostA, hostB := all[1].HostID, all[len(all)/2].HostID
	var labelKey, labelValue string
	for _, in := range all {
		for k, v := range in.Labels {
			labelKey, labelValue = k, v
		}
		if labelKey != "" {
			break
		}
	}
	if modA == modB || labelKey == "" {
		t.Fatalf("the dataset does not exercise the filters (modules %d %d, label %q)", modA, modB, labelKey)
	}
	keep := func(f func(emulator.Instance) bool) []emulator.Instance {
		out := []emulator.Instance{}
		for _, in := range all {
			if f(in) {
				out = append(out, in)
			}
		}
		return out
	}
	labelled := func(in emulator.Instance) bool { return in.Labels[labelKey] == labelValue }
	cases := []struct {
		name    string
		filters []string
		want    []emulator.Instance
	}{
		{"modules", []string{fmt.Sprintf("bk_module_ids = [%d, %d]", modB, modA)},
			keep(func(in emulator.Instance) bool { return in.ModuleID == modA || in.ModuleID == modB })},
		{"hosts", []string{fmt.Sprintf("bk_host_ids = [%d, %d, 999999999]", hostB, hostA)},
			keep(func(in emulator.Instance) bool { return in.HostID == hostA || in.HostID == hostB })},
		{"labels", []string{fmt.Sprintf("labels = { %q = %q }", labelKey, labelValue)}, keep(labelled)},
		{"labels with a pair nobody has", []string{fmt.Sprintf("labels = { %q = %q, \"no-such\" = \"x\" }", labelKey, labelValue)}, nil},
		{"modules and labels", []string{fmt.Sprintf("bk_module_ids = [%d]", modA), fmt.Sprintf("labels = { %q = %q }", labelKey, labelValue)},
			keep(func(in emulator.Instance) bool { return in.ModuleID == modA && labelled(in) })},
		{"empty list matches nothing", []string{"bk_module_ids = []"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil {
				tc.want = []emulator.Instance{}
			}
			if len(tc.want) == len(all) {
				t.Fatal("the filter keeps everything: the case proves nothing")
			}
			srv := newEmulator(t, emulator.Options{Data: data})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock("apigw", srv.APIGWURL(), "page_size = 250") + filteredDataBlock(3, 7, tc.filters...),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("total"), knownvalue.Int64Exact(int64(len(all)))),
						expectInstances{addr: dataAddr, want: tc.want},
					},
				}},
			})
			if n := srv.RequestCount(); n%3 != 0 || n == 0 {
				t.Errorf("%d requests, want 3 per read (600 records in pages of 250, as without filters)", n)
			}
		})
	}
}

// TestAccServiceInstancesFromEnvironment configures the provider from environment variables only.
func TestAccServiceInstancesFromEnvironment(t *testing.T) {
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			data := emulator.SingleTemplate(5, 9, 321, 7)
			srv := newEmulator(t, emulator.Options{Data: data})
			t.Setenv(envBaseURL, baseURLFor(srv, gateway))
			t.Setenv(envGateway, gateway)
			t.Setenv(envAppCode, testAppCode)
			t.Setenv(envAppSecret, testAppSecret)
			t.Setenv(envUsername, testUser)
			t.Setenv(envLanguage, "en")
			t.Setenv(envRequestTimeout, "5s")
			t.Setenv(envMaxRetries, "1")
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: `provider "bkcmdb" {}` + dataBlock(5, 9),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("total"), knownvalue.Int64Exact(321)),
						expectInstances{addr: dataAddr, want: data.Instances(5, 9)},
					},
				}},
			})
		})
	}
}

// TestAccServiceInstancesEmpty reads a template that does not exist: an empty list, not null.
func TestAccServiceInstancesEmpty(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(3, 7, 10, 1)})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("esb", srv.URL()) + dataBlock(3, 999),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("total"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("instances"), knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

// TestAccServiceInstancesExactIDsAndLabels checks ids above 2^53, null labels and a
// missing bk_supplier_account on a hand-made dataset.
func TestAccServiceInstancesExactIDsAndLabels(t *testing.T) {
	clearProviderEnv(t)
	const big = int64(9007199254740993) // 2^53 + 1: not representable as a float64
	data := &emulator.Dataset{
		Businesses:   []emulator.Business{{ID: 2, Name: "mall"}},
		SetTemplates: []emulator.SetTemplate{{ID: 11, BizID: 2, Name: "web"}},
		Modules:      []emulator.Module{{ID: big - 1, Name: "nginx", BizID: 2, SetTemplateID: 11}},
		ServiceInstances: []emulator.Instance{
			{BizID: 2, ID: big, Name: "10.0.0.1_nginx", Labels: nil, HostID: big + 2, ModuleID: big - 1,
				Creator: "admin", Modifier: "alice", CreateTime: "2019-06-20T22:46:00.69+08:00", LastTime: "2020-10-09T02:46:25.002Z"},
			{BizID: 2, ID: 3, Name: "10.0.0.2_nginx", Labels: map[string]string{"env": "prod", "zone": "sz-1"}, ServiceTemplateID: 50,
				HostID: 4, ModuleID: big - 1, Creator: "admin", Modifier: "admin", CreateTime: "2020-10-09T02:46:25.002Z",
				LastTime: "2020-10-09T02:46:25.002Z", SupplierAccount: "0"},
		},
	}
	srv := newEmulator(t, emulator.Options{Data: data})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("apigw", srv.APIGWURL()) + dataBlock(2, 11),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("instances").AtSliceIndex(0).AtMapKey("id"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("instances").AtSliceIndex(1), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"id":                  knownvalue.Int64Exact(big),
					"name":                knownvalue.StringExact("10.0.0.1_nginx"),
					"bk_biz_id":           knownvalue.Int64Exact(2),
					"bk_module_id":        knownvalue.Int64Exact(big - 1),
					"bk_host_id":          knownvalue.Int64Exact(big + 2),
					"service_template_id": knownvalue.Int64Exact(0),
					"labels":              knownvalue.MapExact(map[string]knownvalue.Check{}),
					"creator":             knownvalue.StringExact("admin"),
					"modifier":            knownvalue.StringExact("alice"),
					"create_time":         knownvalue.StringExact("2019-06-20T22:46:00.69+08:00"),
					"last_time":           knownvalue.StringExact("2020-10-09T02:46:25.002Z"),
					"bk_supplier_account": knownvalue.StringExact(""),
					"processes":           knownvalue.ListExact([]knownvalue.Check{}),
				})),
				expectInstances{addr: dataAddr, want: data.Instances(2, 11)},
			},
		}},
	})
}

// TestAccValidationBeforeAnyRequest checks that bad inputs fail at plan time and that no
// request reaches the CMDB.
func TestAccValidationBeforeAnyRequest(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(3, 7, 10, 1)})
	good := providerBlock("esb", srv.URL())
	cases := []struct {
		name, config, want string
	}{
		{"bk_biz_id zero", good + dataBlock(0, 7), `(?s)bk_biz_id.*at least 1`},
		{"set_template_id negative", good + dataBlock(3, -1), `(?s)set_template_id.*at least 1`},
		{"base_url scheme", providerBlock("esb", "ftp://paas.example.com") + dataBlock(3, 7), `(?s)base_url.*BKCMDB_BASE_URL`},
		{"gateway", providerBlock("soap", srv.URL()) + dataBlock(3, 7), `(?s)gateway.*"esb".*"apigw"`},
		{"page_size", providerBlock("esb", srv.URL(), "page_size = 501") + dataBlock(3, 7), `(?s)page_size.*between 1 and 500`},
		{"parallelism", providerBlock("esb", srv.URL(), "parallelism = 0") + dataBlock(3, 7), `(?s)parallelism.*between 1 and 16`},
		{"request_timeout", providerBlock("esb", srv.URL(), `request_timeout = "-1s"`) + dataBlock(3, 7), `(?s)request_timeout.*longer than zero`},
		{"ca_cert_pem", providerBlock("esb", srv.URL(), `ca_cert_pem = "not a pem"`) + dataBlock(3, 7), `(?s)ca_cert_pem.*no PEM certificate`},
		{"headers", providerBlock("esb", srv.URL(), `headers = { "User-Agent" = "x" }`) + dataBlock(3, 7), `(?s)User-Agent.*cannot be overridden`},
		{"bk_module_ids zero", good + filteredDataBlock(3, 7, "bk_module_ids = [5, 0]"), `(?s)bk_module_ids.*at least 1`},
		{"bk_host_ids negative", good + filteredDataBlock(3, 7, "bk_host_ids = [-2]"), `(?s)bk_host_ids.*at least 1`},
		{"missing secret", `provider "bkcmdb" {
  base_url    = "` + srv.URL() + `"
  bk_app_code = "bkcmdb-demo"
}` + dataBlock(3, 7), `(?s)Missing bk_app_secret.*BK_APP_SECRET`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if n := srv.RequestCount(); n != 0 {
		t.Fatalf("%d requests reached the CMDB, want none", n)
	}
}

// TestAccAPIErrors checks that a CMDB failure is one clear error for the user.
func TestAccAPIErrors(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(3, 7, 10, 1)})
	wrongSecret := func(gateway string) string {
		return fmt.Sprintf(`
provider "bkcmdb" {
  base_url      = %q
  gateway       = %q
  bk_app_code   = "bkcmdb-demo"
  bk_app_secret = "wrong-secret"
  bk_username   = "admin"
}
`, baseURLFor(srv, gateway), gateway) + dataBlock(3, 7)
	}
	cases := []struct {
		name, config, want string
	}{
		{"esb bad secret", wrongSecret("esb"), `(?s)list_service_instance_by_set_template.*1306000`},
		{"apigw bad secret", wrongSecret("apigw"), `(?s)list_service_instance_by_set_template.*400.*1640001`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.config,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			if n := srv.RequestCount(); n != 1 {
				t.Errorf("%d requests for a non-retryable error, want 1", n)
			}
		})
	}
}
