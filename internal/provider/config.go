package provider

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// Environment variables each argument falls back to. A value in the configuration wins.
const (
	envBaseURL            = "BKCMDB_BASE_URL"
	envGateway            = "BKCMDB_GATEWAY"
	envAppCode            = "BK_APP_CODE"
	envAppSecret          = "BK_APP_SECRET"
	envUsername           = "BK_USERNAME"
	envToken              = "BK_TOKEN"
	envLanguage           = "BKCMDB_LANGUAGE"
	envRequestTimeout     = "BKCMDB_REQUEST_TIMEOUT"
	envMaxRetries         = "BKCMDB_MAX_RETRIES"
	envCACertPEM          = "BKCMDB_CA_CERT_PEM"
	envInsecureSkipVerify = "BKCMDB_INSECURE_SKIP_VERIFY"
	envSupplierAccount    = "BKCMDB_SUPPLIER_ACCOUNT"
	envTenantID           = "BKCMDB_TENANT_ID"
	envRequestsPerSecond  = "BKCMDB_REQUESTS_PER_SECOND"
	envAppendUserAgent    = "TF_APPEND_USER_AGENT"
)

// maxMaxRetries bounds max_retries: more than this only hides a broken gateway.
const maxMaxRetries = 20

// Descriptions shared by the schema and the diagnostics.
const (
	wantBaseURL    = "an absolute http or https URL: the PaaS root for esb (https://paas.example.com), the gateway stage URL for apigw (https://bkapi.example.com/api/bk-cmdb/prod)"
	wantGateway    = `"esb" or "apigw"`
	wantDuration   = `a Go duration above zero, such as "500ms", "30s" or "2m"`
	wantPEM        = "a PEM bundle holding at least one certificate"
	wantLanguage   = `a language tag such as "en" or "zh-cn"`
	wantHeaderText = "text without line breaks or other control characters"
)

// providerModel is the provider block as written in HCL.
type providerModel struct {
	BaseURL            types.String  `tfsdk:"base_url"`
	Gateway            types.String  `tfsdk:"gateway"`
	AppCode            types.String  `tfsdk:"bk_app_code"`
	AppSecret          types.String  `tfsdk:"bk_app_secret"`
	Username           types.String  `tfsdk:"bk_username"`
	Token              types.String  `tfsdk:"bk_token"`
	Language           types.String  `tfsdk:"language"`
	RequestTimeout     types.String  `tfsdk:"request_timeout"`
	MaxRetries         types.Int64   `tfsdk:"max_retries"`
	RetryWaitMin       types.String  `tfsdk:"retry_wait_min"`
	RetryWaitMax       types.String  `tfsdk:"retry_wait_max"`
	PageSize           types.Int64   `tfsdk:"page_size"`
	Parallelism        types.Int64   `tfsdk:"parallelism"`
	CACertPEM          types.String  `tfsdk:"ca_cert_pem"`
	InsecureSkipVerify types.Bool    `tfsdk:"insecure_skip_verify"`
	Headers            types.Map     `tfsdk:"headers"`
	SupplierAccount    types.String  `tfsdk:"bk_supplier_account"`
	TenantID           types.String  `tfsdk:"tenant_id"`
	RequestsPerSecond  types.Float64 `tfsdk:"requests_per_second"`
}

func providerSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Reads Tencent BlueKing CMDB through the legacy ESB or the BlueKing API gateway. " +
			"Every argument is optional in HCL and falls back to its environment variable; a value in the configuration wins.",
		Attributes: map[string]schema.Attribute{
			"base_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Where CMDB is reached. For `esb`, the PaaS root, e.g. `https://paas.example.com`; for `apigw`, " +
					"the gateway stage URL, e.g. `https://bkapi.example.com/api/bk-cmdb/prod`. http or https only. " +
					"Required; falls back to `BKCMDB_BASE_URL`.",
				Validators: []validator.String{checkedString(wantBaseURL, envBaseURL, checkBaseURL)},
			},
			"gateway": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The front door: `esb` (legacy ESB, `/api/c/compapi/v2/cc/...`, credentials in the body) or " +
					"`apigw` (BlueKing API gateway, `/api/v3/...`, credentials in `X-Bkapi-Authorization`). " +
					"Defaults to `esb`; falls back to `BKCMDB_GATEWAY`.",
				Validators: []validator.String{checkedString(wantGateway, envGateway, checkGateway)},
			},
			"bk_app_code": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Application ID. Required; falls back to `BK_APP_CODE`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"bk_app_secret": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Application token (secret). Required; falls back to `BK_APP_SECRET`. Never logged or stored in state.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"bk_username": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "User identity, for apps whitelisted for login-free calls. Falls back to `BK_USERNAME`.",
			},
			"bk_token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Login token of a user (the `bk_token` cookie). Falls back to `BK_TOKEN`. Never logged or stored in state.",
			},
			"language": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Language of CMDB messages, sent as the `Blueking-Language` and `X-Bkcmdb-Language` headers. " +
					"Defaults to `en`; falls back to `BKCMDB_LANGUAGE`.",
				Validators: []validator.String{checkedString(wantLanguage, envLanguage, checkLanguage)},
			},
			"request_timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Limit for one HTTP attempt, as a Go duration. Defaults to `30s`; falls back to " +
					"`BKCMDB_REQUEST_TIMEOUT`.",
				Validators: []validator.String{checkedString(wantDuration, envRequestTimeout, checkPositiveDuration)},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Retries after the first attempt, 0 to %d; `0` disables retries. Defaults to `4`; "+
					"falls back to `BKCMDB_MAX_RETRIES`.", maxMaxRetries),
				Validators: []validator.Int64{int64validator.Between(0, maxMaxRetries)},
			},
			"retry_wait_min": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "First backoff before a retry, as a Go duration. Defaults to `1s`.",
				Validators:          []validator.String{checkedString(wantDuration, "", checkPositiveDuration)},
			},
			"retry_wait_max": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Longest single wait before a retry, `Retry-After` included, as a Go duration. " +
					"Defaults to `30s`.",
				Validators: []validator.String{checkedString(wantDuration, "", checkPositiveDuration)},
			},
			"page_size": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("The `limit` of every page request, 1 to %d (the API's documented maximum; "+
					"never more is sent). The first page starts at 0 and each later page at the last record of the page before "+
					"(`start` += `page_size` − 1): that overlap record must open the next page, which proves no record moved "+
					"between the two reads; with `page_size = 1` there is no overlap and the `count` check alone applies. "+
					"Defaults to `%d`.", cmdb.MaxPageSize, cmdb.DefaultPageSize),
				Validators: []validator.Int64{int64validator.Between(1, cmdb.MaxPageSize)},
			},
			"parallelism": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Page requests in flight at once for one read, 1 to %d. Defaults to `%d`.",
					cmdb.MaxParallelism, cmdb.DefaultParallelism),
				Validators: []validator.Int64{int64validator.Between(1, cmdb.MaxParallelism)},
			},
			"ca_cert_pem": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM bundle of certificate authorities trusted in addition to the system roots. " +
					"Falls back to `BKCMDB_CA_CERT_PEM`.",
				Validators: []validator.String{checkedString(wantPEM, envCACertPEM, checkCACertPEM)},
			},
			"insecure_skip_verify": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip TLS certificate verification. For labs only: anyone on the path can read the " +
					"credentials. Defaults to `false`; falls back to `BKCMDB_INSECURE_SKIP_VERIFY`.",
			},
			"bk_supplier_account": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Supplier account, sent wherever an API names it: in the gateway URL path and, always, in the " +
					"ESB body. Defaults to `\"0\"`; falls back to `BKCMDB_SUPPLIER_ACCOUNT`.",
				Validators: []validator.String{checkedString(wantHeaderText, envSupplierAccount, checkSupplierAccount)},
			},
			"tenant_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Tenant, sent as `X-Bk-Tenant-Id` on every request (multi-tenant CMDB 3.15+; `default` on a " +
					"single-tenant build). Falls back to `BKCMDB_TENANT_ID`. Set it here or through `headers`, not both.",
				Validators: []validator.String{checkedString(wantHeaderText, envTenantID, checkHeaderText)},
			},
			"requests_per_second": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: "Client-side limit shared by every read of this provider configuration, attempts and retries " +
					"included: requests are paced evenly, so that no one-second window holds more than this many plus one. Keeps a " +
					"plan under the gateway's per-app quota instead of retrying 429s. `0` (the default) is no limit; falls back to " +
					"`BKCMDB_REQUESTS_PER_SECOND`.",
				Validators: []validator.Float64{float64validator.AtLeast(0)},
			},
			"headers": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Extra headers sent on every request, e.g. one a proxy in front of the gateway routes on. " +
					"They cannot replace the headers the provider sets itself: `X-Bkapi-Authorization`, `Content-Type`, `User-Agent`, " +
					"`Blueking-Language` and `X-Bkcmdb-Language` (set `language`), nor `X-Bk-Tenant-Id` when `tenant_id` is set.",
				Validators: []validator.Map{headersValidator{}},
			},
		},
	}
}

// lookupEnv reads an environment variable; tests pass their own.
type lookupEnv func(string) (string, bool)

var osEnv lookupEnv = os.LookupEnv

// providerData is what Configure hands to every data source.
type providerData struct {
	client *cmdb.Client
	// secrets are the configured secret values, masked in every log line.
	secrets []string
}

// logContext returns ctx with the secrets masked in every tflog message and field.
func (d *providerData) logContext(ctx context.Context) context.Context {
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "bk_app_secret", "bk_token", "X-Bkapi-Authorization")
	if len(d.secrets) > 0 {
		ctx = tflog.MaskLogStrings(ctx, d.secrets...)
	}
	return ctx
}

// configure turns the provider block and the environment into a CMDB client.
func configure(ctx context.Context, m providerModel, env lookupEnv, version, terraformVersion string) (*providerData, diag.Diagnostics) {
	r := &resolver{env: env}
	cfg := cmdb.DefaultConfig()

	cfg.BaseURL = r.required(m.BaseURL, "base_url", envBaseURL, "the CMDB address")
	r.checked(m.BaseURL, "base_url", envBaseURL, wantBaseURL, cfg.BaseURL, false, checkBaseURL)

	gateway, _ := r.str(m.Gateway, "gateway", envGateway, string(cmdb.DefaultGateway))
	if r.checked(m.Gateway, "gateway", envGateway, wantGateway, gateway, false, checkGateway) {
		cfg.Gateway = cmdb.Gateway(gateway)
	}

	cfg.Credentials.AppCode = r.required(m.AppCode, "bk_app_code", envAppCode, "an application ID")
	cfg.Credentials.AppSecret = r.required(m.AppSecret, "bk_app_secret", envAppSecret, "the application secret")
	cfg.Credentials.Username, _ = r.str(m.Username, "bk_username", envUsername, "")
	cfg.Credentials.Token, _ = r.str(m.Token, "bk_token", envToken, "")

	cfg.Language, _ = r.str(m.Language, "language", envLanguage, cmdb.DefaultLanguage)
	r.checked(m.Language, "language", envLanguage, wantLanguage, cfg.Language, false, checkLanguage)

	cfg.RequestTimeout = r.duration(m.RequestTimeout, "request_timeout", envRequestTimeout, cmdb.DefaultRequestTimeout)
	cfg.MaxRetries = int(r.int64(m.MaxRetries, "max_retries", envMaxRetries, cmdb.DefaultMaxRetries, 0, maxMaxRetries))
	cfg.RetryWaitMin = r.duration(m.RetryWaitMin, "retry_wait_min", "", cmdb.DefaultRetryWaitMin)
	cfg.RetryWaitMax = r.duration(m.RetryWaitMax, "retry_wait_max", "", cmdb.DefaultRetryWaitMax)
	if cfg.RetryWaitMin > cfg.RetryWaitMax {
		r.diags.AddAttributeError(path.Root("retry_wait_min"), "Invalid retry_wait_min",
			fmt.Sprintf("retry_wait_min (%s) must not be longer than retry_wait_max (%s).", cfg.RetryWaitMin, cfg.RetryWaitMax))
	}
	cfg.PageSize = int(r.int64(m.PageSize, "page_size", "", cmdb.DefaultPageSize, 1, cmdb.MaxPageSize))
	cfg.Parallelism = int(r.int64(m.Parallelism, "parallelism", "", cmdb.DefaultParallelism, 1, cmdb.MaxParallelism))

	cfg.CACertPEM, _ = r.str(m.CACertPEM, "ca_cert_pem", envCACertPEM, "")
	r.checked(m.CACertPEM, "ca_cert_pem", envCACertPEM, wantPEM, cfg.CACertPEM, true, checkCACertPEM)
	cfg.InsecureSkipVerify = r.bool(m.InsecureSkipVerify, "insecure_skip_verify", envInsecureSkipVerify)

	if m.Headers.IsUnknown() {
		r.unknown("headers", "")
	} else if !m.Headers.IsNull() {
		cfg.Headers = make(map[string]string, len(m.Headers.Elements()))
		for name, v := range m.Headers.Elements() {
			s, ok := v.(types.String)
			if !ok || s.IsUnknown() {
				r.unknown("headers", "")
				continue
			}
			cfg.Headers[name] = s.ValueString()
		}
	}

	cfg.SupplierAccount, _ = r.str(m.SupplierAccount, "bk_supplier_account", envSupplierAccount, cmdb.DefaultSupplierAccount)
	r.checked(m.SupplierAccount, "bk_supplier_account", envSupplierAccount, wantHeaderText, cfg.SupplierAccount, false, checkSupplierAccount)
	cfg.TenantID, _ = r.str(m.TenantID, "tenant_id", envTenantID, "")
	r.checked(m.TenantID, "tenant_id", envTenantID, wantHeaderText, cfg.TenantID, false, checkHeaderText)
	cfg.RequestsPerSecond = r.float64(m.RequestsPerSecond, "requests_per_second", envRequestsPerSecond)

	cfg.UserAgent = userAgent(version, terraformVersion, env)

	if r.diags.HasError() {
		return nil, r.diags
	}

	data := &providerData{}
	for _, s := range []string{cfg.Credentials.AppSecret, cfg.Credentials.Token} {
		if s != "" {
			data.secrets = append(data.secrets, s)
		}
	}
	cfg.Logger = tflogAdapter{}

	client, err := cmdb.NewClient(cfg)
	if err != nil {
		r.diags.AddError("Cannot configure the bkcmdb provider", err.Error())
		return nil, r.diags
	}
	data.client = client

	tflog.Debug(data.logContext(ctx), "configured the CMDB client", map[string]any{
		"base_url":            cfg.BaseURL,
		"gateway":             string(cfg.Gateway),
		"bk_app_code":         cfg.Credentials.AppCode,
		"bk_username":         cfg.Credentials.Username,
		"request_timeout":     cfg.RequestTimeout.String(),
		"max_retries":         cfg.MaxRetries,
		"page_size":           cfg.PageSize,
		"parallelism":         cfg.Parallelism,
		"bk_supplier_account": cfg.SupplierAccount,
		"tenant_id":           cfg.TenantID,
		"requests_per_second": cfg.RequestsPerSecond,
	})
	return data, r.diags
}

// userAgent is "terraform-provider-bkcmdb/<version> Terraform/<terraform version>", plus
// TF_APPEND_USER_AGENT when set.
func userAgent(version, terraformVersion string, env lookupEnv) string {
	if terraformVersion == "" {
		terraformVersion = "unknown"
	}
	ua := fmt.Sprintf("terraform-provider-bkcmdb/%s Terraform/%s", version, terraformVersion)
	if extra, ok := env(envAppendUserAgent); ok {
		if extra = strings.TrimSpace(extra); extra != "" {
			ua += " " + extra
		}
	}
	return ua
}
