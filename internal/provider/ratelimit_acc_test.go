package provider

// requests_per_second, shared reads and load where the user sees them: the real terraform
// CLI against an emulator that answers 429 above its rate. One provider block is served
// in-process (terraform-plugin-testing); aliases run the built binary, as terraform runs
// it for users, one plugin process per provider configuration (see
// TestAccRateLimitPerAlias for why).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// instancesBlock is a bkcmdb_service_instances data source; extra lines go inside it.
func instancesBlock(name string, bizID, setTemplateID int64, extra ...string) string {
	return fmt.Sprintf("\ndata \"bkcmdb_service_instances\" %q {\n  bk_biz_id       = %d\n  set_template_id = %d\n  %s\n}\n",
		name, bizID, setTemplateID, strings.Join(extra, "\n  "))
}

// rateLimited counts the answers of the emulator's rate limit among reqs.
func rateLimited(reqs []emulator.RecordedRequest) int {
	n := 0
	for _, r := range reqs {
		if r.Status == http.StatusTooManyRequests || r.Code == 1642903 || r.Code == 1306429 {
			n++
		}
	}
	return n
}

// maxInSecond is the most requests of reqs (in arrival order) within one second, less
// 20 ms of scheduling slack.
func maxInSecond(reqs []emulator.RecordedRequest) int {
	most := 0
	for i := range reqs {
		n := 0
		for j := i; j < len(reqs) && reqs[j].Received.Sub(reqs[i].Received) < time.Second-20*time.Millisecond; j++ {
			n++
		}
		most = max(most, n)
	}
	return most
}

// pageOf is the set template and start of a list_service_instance_by_set_template request.
func pageOf(t *testing.T, r emulator.RecordedRequest) (setTemplateID int64, start int) {
	t.Helper()
	var body struct {
		SetTemplateID int64 `json:"set_template_id"`
		Page          struct {
			Start int `json:"start"`
		} `json:"page"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("request body %s: %v", r.Body, err)
	}
	return body.SetTemplateID, body.Page.Start
}

// TestAccRateLimitHolds: eight data sources of one provider block, 56 pages, against an
// emulator that allows 20 requests per second and answers 429 beyond. Without a limit
// the plan meets 429s (the load is real); with requests_per_second = 18 it meets none,
// every read is exact, and no second holds more than 19 requests of all the data sources
// together: one limit for the whole provider block.
func TestAccRateLimitHolds(t *testing.T) {
	clearProviderEnv(t)
	const biz, first, templates, per = 3, 40, 8, 120
	data := emulator.Templates(biz, first, templates, 3, templates*per, 5)
	config := func(srv *emulator.Server, extra ...string) (string, []statecheck.StateCheck) {
		lines := append([]string{"page_size = 20", "parallelism = 4", "max_retries = 10",
			`retry_wait_min = "20ms"`, `retry_wait_max = "300ms"`}, extra...)
		hcl := providerBlock("apigw", srv.APIGWURL(), lines...)
		var checks []statecheck.StateCheck
		for k := range int64(templates) {
			name := fmt.Sprintf("t%d", k)
			hcl += instancesBlock(name, biz, first+k)
			checks = append(checks, expectInstances{addr: "data.bkcmdb_service_instances." + name, want: data.Instances(biz, first+k)})
		}
		return hcl, checks
	}
	for _, tc := range []struct {
		name  string
		extra []string
	}{{"without a limit", nil}, {"requests_per_second = 18", []string{"requests_per_second = 18"}}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newEmulator(t, emulator.Options{Data: data, RateLimit: 20})
			hcl, checks := config(srv, tc.extra...)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: hcl, ConfigStateChecks: checks}},
			})
			reqs := srv.Requests()
			limited, most := rateLimited(reqs), maxInSecond(reqs)
			t.Logf("%d requests, %d answered 429, at most %d in one second", len(reqs), limited, most)
			if tc.extra == nil {
				if limited == 0 {
					t.Error("no 429 without a limit: the load does not exceed the emulator's rate, so the test proves nothing")
				}
				return
			}
			if limited != 0 {
				t.Errorf("%d answers of 429 with requests_per_second = 18 below the emulator's 20", limited)
			}
			if most > 19 {
				t.Errorf("%d requests in one second: more than requests_per_second + 1 over the provider block", most)
			}
		})
	}
}

// TestAccSharedReads: eight data sources that send one request (three identical blocks
// and one per module of the template's five, each with its own bk_module_ids, applied
// after the walk) cost what the one data source of another template costs: one
// walk per provider process. Every read is exact.
func TestAccSharedReads(t *testing.T) {
	clearProviderEnv(t)
	const biz, shared, other = 3, 40, 41
	data := emulator.Templates(biz, shared, 2, 5, 2*150, 9)
	srv := newEmulator(t, emulator.Options{Data: data})
	all := data.Instances(biz, shared)
	hcl := providerBlock("esb", srv.URL(), "page_size = 20")
	var checks []statecheck.StateCheck
	for _, name := range []string{"a", "b", "c"} {
		hcl += instancesBlock(name, biz, shared)
		checks = append(checks, expectInstances{addr: "data.bkcmdb_service_instances." + name, want: all})
	}
	var modules []string
	for _, m := range data.Modules {
		if m.SetTemplateID != shared {
			continue
		}
		modules = append(modules, fmt.Sprint(m.ID))
		want := []emulator.Instance{}
		for _, in := range all {
			if in.ModuleID == m.ID {
				want = append(want, in)
			}
		}
		checks = append(checks, expectInstances{addr: fmt.Sprintf("data.bkcmdb_service_instances.module[%d]", len(modules)-1), want: want})
	}
	hcl += fmt.Sprintf("\nlocals {\n  modules = [%s]\n}\n", strings.Join(modules, ", "))
	// count, not for_each: terraform-plugin-testing's state shim refuses string indexes.
	hcl += instancesBlock("module", biz, shared, "count = length(local.modules)", "bk_module_ids = [local.modules[count.index]]")
	hcl += instancesBlock("other", biz, other)
	checks = append(checks, expectInstances{addr: "data.bkcmdb_service_instances.other", want: data.Instances(biz, other)})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps:                    []resource.TestStep{{Config: hcl, ConfigStateChecks: checks}},
	})
	byTemplate := map[int64]int{}
	for _, r := range srv.Requests() {
		tpl, _ := pageOf(t, r)
		byTemplate[tpl]++
	}
	pages := len(wantStartsFor(150, 20))
	t.Logf("requests by set template: %v (%d pages per walk)", byTemplate, pages)
	if byTemplate[shared] == 0 || byTemplate[shared]%pages != 0 || byTemplate[shared] != byTemplate[other] {
		t.Errorf("%d requests for the 8 data sources of template %d, %d for the 1 of template %d: want the same, one walk of %d pages each per provider process",
			byTemplate[shared], shared, byTemplate[other], other, pages)
	}
}

// wantStartsFor is the contract's start sequence of one walk of n records in pages of pageSize.
func wantStartsFor(n, pageSize int) []int {
	var starts []int
	for st := 0; ; st += max(1, pageSize-1) {
		starts = append(starts, st)
		if st+pageSize >= n {
			return starts
		}
	}
}

// aliasConfig reads set templates a and b through two aliases of one gateway: "slow"
// at 4 requests per second (b twice, a shared read), "fast" without a limit. A header
// names the alias of each request.
func aliasConfig(baseURL string, biz, a, b int64) string {
	provider := func(alias, extra string) string {
		return fmt.Sprintf(`
provider "bkcmdb" {
  alias         = %[1]q
  base_url      = %[2]q
  gateway       = "apigw"
  bk_app_code   = %[3]q
  bk_app_secret = %[4]q
  bk_username   = %[5]q
  page_size     = 50
  headers       = { "X-Test-Alias" = %[1]q }
  %[6]s
}
`, alias, baseURL, testAppCode, testAppSecret, testUser, extra)
	}
	hcl := "terraform {\n  required_providers {\n    bkcmdb = { source = \"bkcmdb/bkcmdb\" }\n  }\n}\n" +
		provider("slow", "requests_per_second = 4") + provider("fast", "")
	var lengths []string
	for _, ds := range []struct {
		name, alias string
		tpl         int64
	}{{"slow_a", "slow", a}, {"slow_b", "slow", b}, {"slow_b_again", "slow", b}, {"fast_a", "fast", a}, {"fast_b", "fast", b}} {
		hcl += instancesBlock(ds.name, biz, ds.tpl, "provider = bkcmdb."+ds.alias)
		lengths = append(lengths, "length(data.bkcmdb_service_instances."+ds.name+".instances)")
	}
	return hcl + fmt.Sprintf("\noutput \"lengths\" {\n  value = join(\",\", [%s])\n}\n", strings.Join(lengths, ", "))
}

// TestAccRateLimitPerAlias: each provider configuration has its own limit and its own
// shared reads, as terraform runs it (the built binary, one plugin process per
// configuration): the "slow" alias is paced at 4 per second, the "fast" one is not, and
// a set template both read is walked once by each.
//
// Not in-process: terraform-plugin-testing serves every configuration of a provider
// from one server instance (reattach), which terraform then configures once per alias;
// the framework keeps one ProviderData per server, and so does the fast read, so every
// alias would read with the configuration configured last. That is the test harness,
// not a user's terraform run.
func TestAccRateLimitPerAlias(t *testing.T) {
	cli := terraformCLI(t)
	pluginDir := t.TempDir()
	buildProvider(t, pluginDir)
	const biz, a, b = 3, 40, 41
	data := emulator.Templates(biz, a, 2, 3, 2*150, 11)
	srv := newEmulator(t, emulator.Options{Data: data})
	w := newTFWorkspace(t, cli, pluginDir)
	w.writeConfig(aliasConfig(srv.APIGWURL(), biz, a, b))
	plan := w.run("plan", "-no-color")
	if plan.err != nil {
		t.Fatalf("terraform plan: %v\n%s\n%s", plan.err, plan.stdout, plan.stderr)
	}
	if want := `lengths = "150,150,150,150,150"`; !strings.Contains(plan.stdout, want) {
		t.Errorf("plan output lacks %s:\n%s", want, plan.stdout)
	}
	byAlias := map[string][]emulator.RecordedRequest{}
	walks := map[string]int{} // alias/template → walks (requests at start 0)
	for _, r := range srv.Requests() {
		alias := r.Header.Get("X-Test-Alias")
		byAlias[alias] = append(byAlias[alias], r)
		if tpl, start := pageOf(t, r); start == 0 {
			walks[fmt.Sprintf("%s/%d", alias, tpl)]++
		}
	}
	pages := len(wantStartsFor(150, 50))
	slow, fast := byAlias["slow"], byAlias["fast"]
	t.Logf("slow: %d requests, at most %d in one second; fast: %d, at most %d; walks %v",
		len(slow), maxInSecond(slow), len(fast), maxInSecond(fast), walks)
	if len(slow) != 2*pages || len(fast) != 2*pages || len(byAlias) != 2 {
		t.Errorf("requests by alias: slow %d, fast %d, others %d; want %d each (two walks, one of them shared by slow)",
			len(slow), len(fast), len(srv.Requests())-len(slow)-len(fast), 2*pages)
	}
	if n := maxInSecond(slow); n > 5 {
		t.Errorf("%d requests of the slow alias in one second: its requests_per_second = 4 does not hold", n)
	}
	if n := maxInSecond(fast); n <= 5 {
		t.Errorf("the fast alias sent at most %d requests a second: it was paced by the slow alias's limit", n)
	}
	for _, k := range []string{fmt.Sprintf("slow/%d", a), fmt.Sprintf("slow/%d", b), fmt.Sprintf("fast/%d", a), fmt.Sprintf("fast/%d", b)} {
		if walks[k] != 1 {
			t.Errorf("%d walks of %s, want 1", walks[k], k)
		}
	}
	if log := w.file(w.logPath); strings.Count(log, "cmdb read shared") != 1 {
		t.Errorf("the log holds %d lines 'cmdb read shared', want 1 (slow_b_again)", strings.Count(log, "cmdb read shared"))
	}
}

// TestAccFaultsLoad16DataSources: one configuration with 16 bkcmdb_service_instances
// data sources against an emulator limited to 50 requests per second that answers HTTP
// 429 + 1642903 + Retry-After beyond it (the API gateway): every read succeeds with exact
// data. Small pages make each read several requests, so that 16 reads at once exceed the
// limit's burst of 50 many times over; each reads its own set template, since identical
// reads would share one walk (TestAccSharedReads).
//
// One provider configuration only: terraform-plugin-testing serves every configuration
// of a provider from one in-process server, so two aliases would share (and race on) its
// configured client, which a real terraform run, one plugin process per configuration,
// never does (TestAccRateLimitPerAlias). ESB's 1306429 is retried in
// TestAccFaultsRetriedThenExact.
func TestAccFaultsLoad16DataSources(t *testing.T) {
	clearProviderEnv(t)
	const biz, first, n = 3, 7, 30
	data := emulator.Templates(biz, first, 16, 3, 16*n, 77)
	srv := newEmulator(t, emulator.Options{Data: data, RateLimit: 50, Latency: 20 * time.Millisecond})
	var config strings.Builder
	config.WriteString(providerBlock("apigw", srv.APIGWURL(), "page_size = 5", "parallelism = 4", "max_retries = 20",
		`retry_wait_min = "20ms"`, `retry_wait_max = "300ms"`))
	var checks []statecheck.StateCheck
	for i := range int64(16) {
		name := fmt.Sprintf("load%02d", i)
		fmt.Fprintf(&config, "\ndata \"bkcmdb_service_instances\" %q {\n  bk_biz_id       = %d\n  set_template_id = %d\n}\n", name, biz, first+i)
		addr := "data.bkcmdb_service_instances." + name
		checks = append(checks,
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("total"), knownvalue.Int64Exact(n)),
			expectInstances{addr: addr, want: data.Instances(biz, first+i)})
	}
	start := time.Now()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps:                    []resource.TestStep{{Config: config.String(), ConfigStateChecks: checks}},
	})
	limited := 0
	for _, r := range srv.Requests() {
		if r.Status == 429 && r.Code == 1642903 {
			limited++
		}
	}
	t.Logf("%d requests in %s, %d answered 429", srv.RequestCount(), time.Since(start).Round(time.Millisecond), limited)
	if limited == 0 {
		t.Error("no 429: the load did not exceed the limit")
	}
}
