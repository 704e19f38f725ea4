package provider

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// fuzzEnvArgs are the arguments FuzzConfigure takes from the environment, in the order of
// its string inputs.
var fuzzEnvArgs = []struct{ attr, envVar string }{
	{"base_url", envBaseURL},
	{"gateway", envGateway},
	{"request_timeout", envRequestTimeout},
	{"max_retries", envMaxRetries},
	{"language", envLanguage},
	{"insecure_skip_verify", envInsecureSkipVerify},
	{"ca_cert_pem", envCACertPEM},
}

// FuzzConfigure feeds arbitrary environment values, secrets and one extra header to the
// provider's configuration (configure, and the plan-time header validator), and checks:
// no panic; an accepted configuration builds a client and every value it took really
// parses; every error is an attribute error that names its argument and, for a value
// from the environment, the variable; bk_app_secret and bk_token never appear in any
// diagnostic; a header accepted at plan time is one net/http will send.
func FuzzConfigure(f *testing.F) {
	f.Add("https://paas.example.com", "esb", "30s", "4", "en", "false", "", "app-secret-value", "", "X-Bk-Tenant-Id", "default")
	f.Add("https://bkapi.example.com/api/bk-cmdb/prod", "apigw", "1m30s", "0", "zh-cn", "true", "", "s", "tok", "", "")
	f.Add("ftp://x", "soap", "-1s", "-1", "en us", "maybe", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "secret", "token", "User-Agent", "x")
	f.Add("http://[::1", "", "30", "99999999999999999999", "", "1", "not a pem", "p@ss word", "t\x00k", "Bad Header", "a\r\nX-Evil: 1")
	f.Add("https://u:p@paas.example.com/?q=1#f", "ESB", "1ns", " 3 ", "\t", "TRUE", "", "ab", "ab", "x-bkapi-authorization", "{}")
	f.Add("https://paas.example.com", "esb", "30s", "4", "en", "", "", "sec", "", "X-Trace", "a\x01b")
	f.Add("http://paas.example.com:99999", "apigw", "1h", "20", "en", "0", "", "https://paas.example.com", "", "X-A", "\t")
	f.Fuzz(func(t *testing.T, baseURL, gateway, timeout, retries, language, insecure, caPEM, secret, token, headerName, headerValue string) {
		envValues := []string{baseURL, gateway, timeout, retries, language, insecure, caPEM}
		env := map[string]string{envAppCode: "app", envAppSecret: secret, envToken: token, envUsername: "admin"}
		for i, a := range fuzzEnvArgs {
			env[a.envVar] = envValues[i]
		}
		m := nullModel()
		var headerDiags diag.Diagnostics
		if headerName != "" {
			m.Headers = types.MapValueMust(types.StringType, map[string]attr.Value{headerName: types.StringValue(headerValue)})
			var resp validator.MapResponse
			headersValidator{}.ValidateMap(context.Background(), validator.MapRequest{Path: path.Root("headers"), ConfigValue: m.Headers}, &resp)
			headerDiags = resp.Diagnostics
		}

		if headerDiags.HasError() {
			// Terraform stops at the plan-time error: Configure never sees the header.
			m.Headers = types.MapNull(types.StringType)
		}
		data, diags := configure(context.Background(), m, fakeEnv(env), "fuzz", "1.11.4")

		// Secrets never appear in a diagnostic. The same configuration with other secret
		// values is the baseline: text that is in its diagnostics too (the secret is a word
		// of the message, or was given as another value that a diagnostic quotes) is not
		// the secret leaking.
		marked := map[string]string{}
		for k, v := range env {
			marked[k] = v
		}
		for _, k := range []string{envAppSecret, envToken} {
			if marked[k] != "" {
				marked[k] = "\x01MARK-" + k + "\x01"
			}
		}
		_, baseDiags := configure(context.Background(), m, fakeEnv(marked), "fuzz", "1.11.4")
		text := diagsText(append(append(diag.Diagnostics{}, headerDiags...), diags...))
		baseText := diagsText(append(append(diag.Diagnostics{}, headerDiags...), baseDiags...))
		if strings.Contains(baseText, "MARK-") && !strings.Contains(strings.Join(append(envValues, secret, token, headerName, headerValue), ""), "MARK-") {
			t.Fatalf("a secret is in the diagnostics:\n%s", baseText)
		}
		for _, s := range []string{secret, token} {
			if s != "" && strings.Contains(text, s) && !strings.Contains(baseText, s) {
				t.Fatalf("the secret %q is in the diagnostics:\n%s", s, text)
			}
		}

		// Every error names its argument and, for a value from the environment, its variable.
		for _, d := range diags.Errors() {
			text := d.Summary() + "\n" + d.Detail()
			named := false
			for _, a := range append(fuzzEnvArgs, struct{ attr, envVar string }{"bk_app_secret", envAppSecret}) {
				if strings.Contains(text, a.attr) && strings.Contains(text, a.envVar) {
					named = true
				}
			}
			if !named {
				t.Fatalf("error does not name an argument and its environment variable: %q", text)
			}
		}

		if headerDiags.HasError() {
			for _, d := range headerDiags.Errors() {
				if !strings.Contains(d.Detail(), "headers[") {
					t.Fatalf("header error does not name the header: %q", d.Detail())
				}
			}
		} else if headerName != "" {
			// Accepted at plan time: net/http must accept it too, or every request would fail.
			if !validFieldName(headerName) || !validFieldValue(headerValue) {
				t.Fatalf("header %q: %q accepted at plan time, but net/http refuses it", headerName, headerValue)
			}
			for _, reserved := range []string{"X-Bkapi-Authorization", "Content-Type", "User-Agent"} {
				if strings.EqualFold(headerName, reserved) {
					t.Fatalf("reserved header %q accepted", headerName)
				}
			}
		}

		if diags.HasError() {
			if data != nil {
				t.Fatal("configure returned data along with errors")
			}
			return
		}
		if data == nil || data.client == nil {
			t.Fatal("no client for an accepted configuration")
		}
		// Accepted values really parse.
		if err := checkBaseURL(baseURL); err != nil {
			t.Fatalf("base_url %q accepted: %v", baseURL, err)
		}
		if gateway != "" && checkGateway(gateway) != nil {
			t.Fatalf("gateway %q accepted", gateway)
		}
		if timeout != "" {
			if d, err := time.ParseDuration(timeout); err != nil || d <= 0 {
				t.Fatalf("request_timeout %q accepted", timeout)
			}
		}
		if retries != "" {
			if n, err := strconv.ParseInt(strings.TrimSpace(retries), 10, 64); err != nil || n < 0 || n > maxMaxRetries {
				t.Fatalf("max_retries %q accepted", retries)
			}
		}
		if insecure != "" {
			if _, err := strconv.ParseBool(strings.TrimSpace(insecure)); err != nil {
				t.Fatalf("insecure_skip_verify %q accepted", insecure)
			}
		}
		if language != "" && checkLanguage(language) != nil {
			t.Fatalf("language %q accepted", language)
		}
		if caPEM != "" && checkCACertPEM(caPEM) != nil {
			t.Fatalf("ca_cert_pem accepted: %v", checkCACertPEM(caPEM))
		}
		// The secrets to mask are exactly the ones set.
		want := 0
		for _, s := range []string{secret, token} {
			if s != "" {
				want++
			}
		}
		if len(data.secrets) != want {
			t.Fatalf("%d secrets to mask, want %d", len(data.secrets), want)
		}
	})
}

// diagsText is every diagnostic's summary and detail.
func diagsText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + "\n" + d.Detail() + "\n")
	}
	return b.String()
}

// validFieldName is net/http's rule for a header name: a non-empty RFC 7230 token.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return http.CanonicalHeaderKey(s) != ""
}

// validFieldValue is net/http's rule for a header value: no control character but tab.
func validFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
