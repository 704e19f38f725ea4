package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

func fakeEnv(vars map[string]string) lookupEnv {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// nullModel is a provider block with every argument left out.
func nullModel() providerModel {
	return providerModel{
		BaseURL: types.StringNull(), Gateway: types.StringNull(), AppCode: types.StringNull(),
		AppSecret: types.StringNull(), Username: types.StringNull(), Token: types.StringNull(),
		Language: types.StringNull(), RequestTimeout: types.StringNull(), MaxRetries: types.Int64Null(),
		RetryWaitMin: types.StringNull(), RetryWaitMax: types.StringNull(), PageSize: types.Int64Null(),
		Parallelism: types.Int64Null(), CACertPEM: types.StringNull(), InsecureSkipVerify: types.BoolNull(),
		Headers: types.MapNull(types.StringType), SupplierAccount: types.StringNull(), TenantID: types.StringNull(),
		RequestsPerSecond: types.Float64Null(),
	}
}

var minimalEnv = map[string]string{
	envBaseURL:   "https://paas.example.com",
	envAppCode:   "app",
	envAppSecret: "s3cret-value",
}

func errorsText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags.Errors() {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

func TestConfigureDefaultsFromEnvironment(t *testing.T) {
	data, diags := configure(context.Background(), nullModel(), fakeEnv(minimalEnv), "1.2.3", "1.11.4")
	if diags.HasError() {
		t.Fatalf("unexpected errors:\n%s", errorsText(diags))
	}
	if data.client == nil {
		t.Fatal("no client built")
	}
	if len(data.secrets) != 1 || data.secrets[0] != "s3cret-value" {
		t.Fatalf("secrets to mask = %q, want the app secret", data.secrets)
	}
}

func TestConfigureConfigWinsOverEnvironment(t *testing.T) {
	env := map[string]string{
		envBaseURL: "not a url", envGateway: "bogus", envAppCode: "env-app", envAppSecret: "env-secret",
		envRequestTimeout: "-5s", envMaxRetries: "many", envLanguage: "zh cn",
		envCACertPEM: "no pem here", envInsecureSkipVerify: "maybe",
	}
	m := nullModel()
	m.BaseURL = types.StringValue("https://bkapi.example.com/api/bk-cmdb/prod")
	m.Gateway = types.StringValue("apigw")
	m.AppCode = types.StringValue("hcl-app")
	m.AppSecret = types.StringValue("hcl-secret")
	m.RequestTimeout = types.StringValue("10s")
	m.MaxRetries = types.Int64Value(0)
	m.Language = types.StringValue("en")
	m.CACertPEM = types.StringNull()
	m.InsecureSkipVerify = types.BoolValue(true)
	delete(env, envCACertPEM) // a bad env PEM would be reported, as it is the value in force

	data, diags := configure(context.Background(), m, fakeEnv(env), "1.2.3", "1.11.4")
	if diags.HasError() {
		t.Fatalf("configured values must win over bad environment values, got:\n%s", errorsText(diags))
	}
	if got := data.secrets; len(got) != 1 || got[0] != "hcl-secret" {
		t.Fatalf("secrets = %q, want the configured secret only", got)
	}
}

func TestConfigureEnvironmentErrorsNameArgumentAndVariable(t *testing.T) {
	tests := []struct {
		name, envVar, value, attr string
	}{
		{"base url scheme", envBaseURL, "ftp://paas.example.com", "base_url"},
		{"base url relative", envBaseURL, "/api", "base_url"},
		{"gateway", envGateway, "soap", "gateway"},
		{"timeout not a duration", envRequestTimeout, "30", "request_timeout"},
		{"timeout negative", envRequestTimeout, "-1s", "request_timeout"},
		{"retries not a number", envMaxRetries, "four", "max_retries"},
		{"retries negative", envMaxRetries, "-1", "max_retries"},
		{"language", envLanguage, "en us", "language"},
		{"ca pem", envCACertPEM, "-----BEGIN NOTHING-----", "ca_cert_pem"},
		{"insecure", envInsecureSkipVerify, "yes please", "insecure_skip_verify"},
		{"supplier account with a line break", envSupplierAccount, "0\nX-Evil: 1", "bk_supplier_account"},
		{"tenant with a control character", envTenantID, "tenant\x01", "tenant_id"},
		{"requests per second not a number", envRequestsPerSecond, "fast", "requests_per_second"},
		{"requests per second negative", envRequestsPerSecond, "-1", "requests_per_second"},
		{"requests per second infinite", envRequestsPerSecond, "+Inf", "requests_per_second"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range minimalEnv {
				env[k] = v
			}
			env[tt.envVar] = tt.value
			_, diags := configure(context.Background(), nullModel(), fakeEnv(env), "dev", "")
			text := errorsText(diags)
			if diags.ErrorsCount() != 1 {
				t.Fatalf("want exactly one error, got %d:\n%s", diags.ErrorsCount(), text)
			}
			if !strings.Contains(text, tt.attr) || !strings.Contains(text, tt.envVar) {
				t.Fatalf("error must name %s and %s:\n%s", tt.attr, tt.envVar, text)
			}
		})
	}
}

func TestConfigureMissingRequiredNamesVariables(t *testing.T) {
	_, diags := configure(context.Background(), nullModel(), fakeEnv(nil), "dev", "")
	text := errorsText(diags)
	if diags.ErrorsCount() != 3 {
		t.Fatalf("want 3 errors (base_url, bk_app_code, bk_app_secret), got:\n%s", text)
	}
	for _, want := range []string{"base_url", envBaseURL, "bk_app_code", envAppCode, "bk_app_secret", envAppSecret} {
		if !strings.Contains(text, want) {
			t.Errorf("errors do not mention %s:\n%s", want, text)
		}
	}
}

func TestConfigureUnknownValuesAreReported(t *testing.T) {
	m := nullModel()
	m.BaseURL = types.StringUnknown()
	m.PageSize = types.Int64Unknown()
	m.Headers = types.MapValueMust(types.StringType, map[string]attr.Value{"X-Bk-Tenant-Id": types.StringUnknown()})
	_, diags := configure(context.Background(), m, fakeEnv(minimalEnv), "dev", "")
	text := errorsText(diags)
	for _, want := range []string{"Unknown base_url", "Unknown page_size", "Unknown headers"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "paas.example.com") {
		t.Errorf("an unknown base_url must not fall back to the environment:\n%s", text)
	}
}

func TestConfigureRetryWaitOrder(t *testing.T) {
	m := nullModel()
	m.RetryWaitMin = types.StringValue("10s")
	m.RetryWaitMax = types.StringValue("1s")
	_, diags := configure(context.Background(), m, fakeEnv(minimalEnv), "dev", "")
	if !strings.Contains(errorsText(diags), "retry_wait_min (10s) must not be longer than retry_wait_max (1s)") {
		t.Fatalf("want a retry wait order error, got:\n%s", errorsText(diags))
	}
}

func TestUserAgent(t *testing.T) {
	got := userAgent("1.2.3", "1.11.4", fakeEnv(map[string]string{envAppendUserAgent: " ci/42 "}))
	if want := "terraform-provider-bkcmdb/1.2.3 Terraform/1.11.4 ci/42"; got != want {
		t.Fatalf("userAgent = %q, want %q", got, want)
	}
	if got := userAgent("dev", "1.9.0", fakeEnv(nil)); got != "terraform-provider-bkcmdb/dev Terraform/1.9.0" {
		t.Fatalf("userAgent without TF_APPEND_USER_AGENT = %q", got)
	}
}

func TestChecks(t *testing.T) {
	if err := checkBaseURL("https://paas.example.com"); err != nil {
		t.Errorf("valid URL refused: %v", err)
	}
	for _, bad := range []string{"", "paas.example.com", "ftp://x", "https://", "https://u:p@x", "https://x/?a=1"} {
		if checkBaseURL(bad) == nil {
			t.Errorf("checkBaseURL(%q) accepted", bad)
		}
	}
	if d, err := parsePositiveDuration("1m30s"); err != nil || d != 90*time.Second {
		t.Errorf("parsePositiveDuration = %v, %v", d, err)
	}
	for _, bad := range []string{"0s", "-1s", "30", ""} {
		if _, err := parsePositiveDuration(bad); err == nil {
			t.Errorf("parsePositiveDuration(%q) accepted", bad)
		}
	}
	for _, name := range []string{"x-bkapi-authorization", "Content-Type", "user-agent", "bad name", ""} {
		if checkHeader(name, "v") == nil {
			t.Errorf("checkHeader(%q) accepted", name)
		}
	}
	if err := checkHeader("X-Bk-Tenant-Id", "tenant\r\nX-Evil: 1"); err == nil {
		t.Error("checkHeader accepted a value with a line break")
	}
	if err := checkHeader("X-Bk-Tenant-Id", "default"); err != nil {
		t.Errorf("checkHeader refused a tenant header: %v", err)
	}
}

// Issue 10: the plan-time header check is the client's: every header the client sets
// itself is refused, in any case, the language headers included (they used to pass
// validation and then be dropped by the client without a word).
func TestHeadersValidatorRefusesEveryReservedHeader(t *testing.T) {
	reserved := cmdb.ReservedHeaders()
	for _, want := range []string{"X-Bkapi-Authorization", "Content-Type", "User-Agent", "Blueking-Language", "X-Bkcmdb-Language"} {
		if !slices.Contains(reserved, want) {
			t.Errorf("cmdb.ReservedHeaders() = %q lacks %s", reserved, want)
		}
	}
	for _, name := range reserved {
		for _, spelt := range []string{name, strings.ToLower(name), strings.ToUpper(name)} {
			var resp validator.MapResponse
			headersValidator{}.ValidateMap(context.Background(), validator.MapRequest{
				Path:        path.Root("headers"),
				ConfigValue: types.MapValueMust(types.StringType, map[string]attr.Value{spelt: types.StringValue("zh")}),
			}, &resp)
			if !strings.Contains(errorsText(resp.Diagnostics), fmt.Sprintf("%q is set by the provider and cannot be overridden", name)) {
				t.Errorf("headers[%q] accepted at plan time:\n%s", spelt, errorsText(resp.Diagnostics))
			}
		}
	}
	// A language the client cannot send as a header value is refused at plan time too.
	if err := checkLanguage("en\x01"); err == nil {
		t.Error("checkLanguage accepted a control character")
	}
}

// TestConfigureSupplierAccountAndTenantFromEnvironment checks that BKCMDB_SUPPLIER_ACCOUNT
// and BKCMDB_TENANT_ID reach the requests: the supplier account in the gateway path, the
// tenant in X-Bk-Tenant-Id; without them the default supplier account "0" is sent.
func TestConfigureSupplierAccountAndTenantFromEnvironment(t *testing.T) {
	d := emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})
	d.SupplierAccount = "7"
	srv := newEmulator(t, emulator.Options{Data: d})
	env := map[string]string{envBaseURL: srv.APIGWURL(), envGateway: "apigw", envAppCode: testAppCode, envAppSecret: testAppSecret,
		envUsername: testUser, envSupplierAccount: "7", envTenantID: "default"}
	for _, tc := range []struct {
		name         string
		unset        []string
		found        bool
		path, tenant string
	}{
		{"from the environment", nil, true, "/biz/search/7", "default"},
		{"defaults", []string{envSupplierAccount, envTenantID}, false, "/biz/search/0", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := maps.Clone(env)
			for _, name := range tc.unset {
				delete(e, name)
			}
			data, diags := configure(context.Background(), nullModel(), fakeEnv(e), "dev", "")
			if diags.HasError() {
				t.Fatal(errorsText(diags))
			}
			srv.ResetRequests()
			list, err := data.client.SearchBusinesses(context.Background(), map[string]any{"bk_biz_name": "web-shop"})
			if err != nil {
				t.Fatal(err)
			}
			if found := len(list.Items) > 0; found != tc.found {
				t.Errorf("found %d businesses, want some: %v", len(list.Items), tc.found)
			}
			r := srv.Requests()[0]
			if !strings.HasSuffix(r.Path, tc.path) || r.Header.Get("X-Bk-Tenant-Id") != tc.tenant {
				t.Errorf("path %s, X-Bk-Tenant-Id %q; want ...%s and %q", r.Path, r.Header.Get("X-Bk-Tenant-Id"), tc.path, tc.tenant)
			}
		})
	}
}
