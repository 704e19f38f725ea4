package cmdb

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// The checks below are the one place of each rule on a configuration value: NewClient
// runs them, and the provider runs them at plan time, so that a value is judged the same
// wherever it comes from. Their errors read "it ...", to follow the name of the value.

// TenantHeader carries Config.TenantID. With TenantID set, Config.Headers must not name it.
const TenantHeader = "X-Bk-Tenant-Id"

// reservedHeaders are set by the client on every request; Config.Headers cannot replace them.
var reservedHeaders = []string{"X-Bkapi-Authorization", "Content-Type", "User-Agent", "Blueking-Language", "X-Bkcmdb-Language"}

// ReservedHeaders returns the canonical names of the headers the client always sets
// itself, which Config.Headers cannot replace (TenantHeader is reserved only when
// Config.TenantID is set).
func ReservedHeaders() []string { return append([]string(nil), reservedHeaders...) }

// ReservedHeader returns the canonical name of the reserved header that name denotes
// (in any case), or "" when name is not reserved.
func ReservedHeader(name string) string {
	for _, r := range reservedHeaders {
		if strings.EqualFold(name, r) {
			return r
		}
	}
	return ""
}

// ParseBaseURL checks a base URL (an absolute http or https URL with a host, no
// credentials, query or fragment) and returns it without a trailing slash.
func ParseBaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("it is not a URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("it must be an absolute http or https URL, such as https://paas.example.com (esb) or https://bkapi.example.com/api/bk-cmdb/prod (apigw)")
	case u.Host == "":
		return "", errors.New("it has no host")
	case u.User != nil:
		return "", errors.New("it must not carry credentials: use bk_app_code and bk_app_secret")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("it must not have a query or a fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// CheckBaseURL is ParseBaseURL without its result.
func CheckBaseURL(s string) error {
	_, err := ParseBaseURL(s)
	return err
}

// CheckGateway accepts the two front doors the client knows.
func CheckGateway(s string) error {
	switch Gateway(s) {
	case GatewayESB, GatewayAPIGW:
		return nil
	}
	return fmt.Errorf("it must be %q (the legacy ESB) or %q (the BlueKing API gateway)", GatewayESB, GatewayAPIGW)
}

// CheckHeaderName accepts an HTTP header field name (an RFC 9110 token).
func CheckHeaderName(name string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r)
	}) >= 0 {
		return fmt.Errorf("%q is not a valid HTTP header name", name)
	}
	return nil
}

// CheckHeaderValue accepts a value net/http will send: no control character but a tab
// (net/http refuses any other, at every attempt).
func CheckHeaderValue(value string) error {
	if strings.IndexFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) >= 0 {
		return errors.New("it must not contain line breaks or other control characters")
	}
	return nil
}

// CheckHeader accepts an extra header for Config.Headers: a valid name that is not
// reserved, with a value net/http will send.
func CheckHeader(name, value string) error {
	if err := checkHeaderField(name, value); err != nil {
		return err
	}
	if r := ReservedHeader(name); r != "" {
		return fmt.Errorf("%q is set by the provider and cannot be overridden", r)
	}
	return nil
}

// checkHeaderField checks a header's name and value, not whether it is reserved: the
// client tolerates reserved names in Config.Headers and always sends its own values.
func checkHeaderField(name, value string) error {
	if err := CheckHeaderName(name); err != nil {
		return err
	}
	if err := CheckHeaderValue(value); err != nil {
		return fmt.Errorf("the value of %q: %w", name, err)
	}
	return nil
}
