package cmdb

import (
	"strings"
	"testing"
)

// The exported checks are the rules NewClient applies; the provider runs the same ones
// at plan time.
func TestChecks(t *testing.T) {
	if got, err := ParseBaseURL("https://bkapi.example.com/api/bk-cmdb/prod/"); err != nil || got != "https://bkapi.example.com/api/bk-cmdb/prod" {
		t.Errorf("ParseBaseURL = %q, %v", got, err)
	}
	for _, bad := range []string{"", "paas.example.com", "ftp://x", "https://", "https://u:p@x", "https://x/?a=1", "https://x/?", "https://x/#f", "http://[::1"} {
		if CheckBaseURL(bad) == nil {
			t.Errorf("CheckBaseURL(%q) accepted", bad)
		}
	}
	if CheckGateway("esb") != nil || CheckGateway("apigw") != nil || CheckGateway("ESB") == nil {
		t.Error("CheckGateway")
	}
	for _, name := range []string{"x-bkapi-authorization", "Content-Type", "USER-AGENT", "blueking-language", "X-BKCMDB-LANGUAGE"} {
		if err := CheckHeader(name, "v"); err == nil || !strings.Contains(err.Error(), "is set by the provider") {
			t.Errorf("CheckHeader(%q) = %v", name, err)
		}
		if ReservedHeader(name) == "" {
			t.Errorf("ReservedHeader(%q) = \"\"", name)
		}
	}
	for _, bad := range [][2]string{{"bad name", "v"}, {"", "v"}, {"X-A:", "v"}, {"X-A", "a\r\nX-B: b"}, {"X-A", "\x01"}, {"X-A", "\x7f"}} {
		if CheckHeader(bad[0], bad[1]) == nil {
			t.Errorf("CheckHeader(%q, %q) accepted", bad[0], bad[1])
		}
	}
	for _, good := range [][2]string{{TenantHeader, "default"}, {"X-Trace", "a\tb c"}} {
		if err := CheckHeader(good[0], good[1]); err != nil {
			t.Errorf("CheckHeader(%q, %q) = %v", good[0], good[1], err)
		}
	}
}
