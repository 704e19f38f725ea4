package provider

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// errorDiagnostic turns a client error into one diagnostic: a short summary and a detail
// that gives what the server said and what the user can do about it.
func errorDiagnostic(err error) diag.Diagnostic {
	var apiErr *cmdb.APIError
	if errors.As(err, &apiErr) {
		detail := apiErr.Detail()
		if hint := hintFor(apiErr); hint != "" {
			detail += "\n\n" + hint
		}
		return diag.NewErrorDiagnostic(apiErr.API+" failed: "+apiErr.Summary(), detail)
	}
	var inconsistent *cmdb.InconsistentError
	if errors.As(err, &inconsistent) {
		return diag.NewErrorDiagnostic(inconsistent.API+" failed: "+inconsistent.Summary(),
			inconsistent.Detail()+"\n\nRecords were being added or removed while the provider paged through "+
				"them. Run the plan again once the change is over; a larger page_size means fewer pages and a shorter window.")
	}
	var disagree *cmdb.DisagreeError
	if errors.As(err, &disagree) {
		return diag.NewErrorDiagnostic(cmdb.APIListBizHostsTopo+" failed: "+disagree.Summary(),
			disagree.Detail()+"\n\nHosts were being moved between sets and modules while the provider read them. Run "+
				"the plan again once the change is over.")
	}
	var moved *cmdb.ProcessesMovedError
	if errors.As(err, &moved) {
		return diag.NewErrorDiagnostic(cmdb.APIListServiceInstanceDetail+" failed: "+moved.Summary(),
			moved.Detail()+"\n\nService instances or their processes were being added, removed or moved between the read of the "+
				"instances and the read of their processes. Run the plan again once the change is over.")
	}
	return diag.NewErrorDiagnostic("CMDB request failed", err.Error())
}

// wrongPathHint explains the base_url each gateway expects.
const wrongPathHint = "Nothing answers at this path: check base_url and gateway. gateway = \"esb\" expects the PaaS root, " +
	"such as https://paas.example.com; gateway = \"apigw\" expects the bk-cmdb stage URL, such as " +
	"https://bkapi.example.com/api/bk-cmdb/prod."

// hintFor says what to do about the common failures.
func hintFor(e *cmdb.APIError) string {
	if e.API == cmdb.APISearchObjectInstances || e.API == cmdb.APICountObjectInstances {
		switch e.Code {
		case 1199000, 1199001, 1199006, 1199008:
			return "CMDB refused the query of bkcmdb_instances. Check conditions: each rule needs a field of the model, a known " +
				"operator and a value of the right type; in and not_in take at most 500 values; groups nest at most 3 levels. " +
				"Check fields too."
		case 1199084:
			return "search_object_instances refuses built-in models: use bkcmdb_business, bkcmdb_sets, bkcmdb_modules, bkcmdb_hosts or bkcmdb_cloud_areas."
		}
	}
	switch e.Code {
	case 1306000, 1640001:
		return "Check bk_app_code and bk_app_secret (BK_APP_CODE, BK_APP_SECRET), and give a user identity: " +
			"bk_username (for apps whitelisted for login-free calls) or bk_token."
	case 1640301:
		return "The app has no permission to this API of the bk-cmdb gateway: apply for it in the API gateway's developer center."
	case 1640401:
		return wrongPathHint
	case 9900403:
		return "The user lacks a CMDB permission (see Permission above): apply for it in BlueKing IAM."
	case cmdb.CodeESBRateLimit, cmdb.CodeCMDBRateLimit, cmdb.CodeGatewayRateLimit:
		return "The CMDB or its gateway is rate-limiting this app. Set requests_per_second below the app's quota, lower " +
			"parallelism, or raise max_retries and retry_wait_max."
	case 1199059, 1199008, 1199000, 1199006, 1199011, 1306406:
		return "CMDB refused the request's parameters. Check the data source's arguments (ids, names); if they are right, " +
			"this CMDB version may not match the provider: please report it with the request ID."
	}
	var certErr *tls.CertificateVerificationError
	var authorityErr x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	switch {
	case errors.As(e.Err, &certErr) || errors.As(e.Err, &authorityErr) || errors.As(e.Err, &hostnameErr):
		return "The server's TLS certificate is not trusted. Add its CA to ca_cert_pem (BKCMDB_CA_CERT_PEM); " +
			"insecure_skip_verify is for labs only."
	case e.StatusCode == 404:
		return wrongPathHint
	case e.Retryable:
		return "The request kept failing after its retries. Check that the CMDB is reachable; raise request_timeout or max_retries for a slow gateway."
	case e.ContentType != "" && !strings.Contains(e.ContentType, "json"):
		return "The server did not answer with JSON: base_url may point at a login page, a proxy or the wrong gateway."
	}
	return ""
}
