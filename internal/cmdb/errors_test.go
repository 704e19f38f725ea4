package cmdb

import (
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// Contract: a failure names the API and gives the HTTP status, the code, the message
// and the request id (body request_id, else X-Bkapi-Request-Id, else X-Request-Id).
func TestErrorTextFields(t *testing.T) {
	t.Run("ESB business error, request_id from body", func(t *testing.T) {
		s := newEmulator(t, 1)
		c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.Credentials.AppSecret = "wrong-secret" })
		_, err := list(t, c)
		ae := requireAPIError(t, err)
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(ae.RequestID) {
			t.Errorf("RequestID %q, want the body's 32-hex request_id", ae.RequestID)
		}
		for _, want := range []string{"list_service_instance_by_set_template: HTTP 200, code 1306000: APP Secret verification failed", "request_id " + ae.RequestID} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if !strings.Contains(ae.Detail(), "\nRequest ID: "+ae.RequestID+"\n") {
			t.Errorf("detail lacks the Request ID line:\n%s", ae.Detail())
		}
	})
	t.Run("gateway error, request id from X-Bkapi-Request-Id", func(t *testing.T) {
		s := newEmulator(t, 1)
		s.Inject(emulator.Fault{Status: 403, Header: map[string]string{"X-Bkapi-Request-Id": "gw-req-1", "X-Request-Id": "backend-req-1"}})
		c, _ := newTestClient(t, s, GatewayAPIGW)
		_, err := list(t, c)
		ae := requireAPIError(t, err)
		if ae.RequestID != "gw-req-1" || ae.StatusCode != 403 || ae.Code != 1640301 || ae.Message != "App has no permission to the resource" {
			t.Errorf("got %+v", ae)
		}
		want := "list_service_instance_by_set_template: HTTP 403, code 1640301: App has no permission to the resource (request_id gw-req-1)"
		if err.Error() != want {
			t.Errorf("error\n %q\nwant\n %q", err, want)
		}
		if !strings.Contains(ae.Detail(), "\nRequest ID: gw-req-1\n") {
			t.Errorf("detail lacks the Request ID line:\n%s", ae.Detail())
		}
	})
	// The body's request_id wins over both headers, in an HTTP 200 envelope and in an
	// envelope of an error status.
	for _, tc := range []struct {
		name  string
		fault emulator.Fault
	}{
		{"HTTP 200", emulator.Fault{Body: `{"result":false,"code":1199017,"message":"Failed to query data","permission":null,"request_id":"body-id","data":null}`}},
		{"HTTP 503", emulator.Fault{Status: 503, Body: `{"result":false,"code":1650200,"message":"backend down","request_id":"body-id","data":null}`}},
	} {
		for _, gw := range gateways {
			t.Run("request_id from body over headers, "+tc.name+", "+string(gw), func(t *testing.T) {
				s := newEmulator(t, 1)
				f := tc.fault
				f.Header = map[string]string{"X-Bkapi-Request-Id": "gw-header-id", "X-Request-Id": "backend-header-id"}
				s.Inject(f)
				c, _ := newTestClient(t, s, gw, func(c *Config) { c.MaxRetries = 0 })
				_, err := list(t, c)
				ae := requireAPIError(t, err)
				if ae.RequestID != "body-id" || !strings.Contains(err.Error(), "(request_id body-id)") || !strings.Contains(ae.Detail(), "\nRequest ID: body-id\n") {
					t.Errorf("RequestID %q, error %q, detail:\n%s", ae.RequestID, err, ae.Detail())
				}
			})
		}
	}
	t.Run("request id from X-Request-Id", func(t *testing.T) {
		s := newEmulator(t, 1)
		s.Inject(emulator.Fault{Status: 404, Body: `{"code":1640401,"message":"API not found","result":false,"data":null}`,
			Header: map[string]string{"X-Bkapi-Request-Id": "", "X-Request-Id": "only-backend-id"}})
		c, _ := newTestClient(t, s, GatewayAPIGW)
		_, err := list(t, c)
		if ae := requireAPIError(t, err); ae.RequestID != "only-backend-id" || !strings.Contains(ae.Detail(), "\nRequest ID: only-backend-id\n") {
			t.Errorf("RequestID = %q, detail:\n%s", ae.RequestID, ae.Detail())
		}
	})
	t.Run("bk_error_code and bk_error_msg", func(t *testing.T) {
		s := newEmulator(t, 1)
		s.Inject(emulator.Fault{Code: 1199008, BackendErrorKeys: true})
		c, _ := newTestClient(t, s, GatewayAPIGW)
		_, err := list(t, c)
		ae := requireAPIError(t, err)
		if ae.Code != 1199008 || ae.Message != "'set_template_id' cannot be omitted" || ae.RequestID == "" {
			t.Errorf("got %+v", ae)
		}
	})
	t.Run("permission object", func(t *testing.T) {
		s := newEmulator(t, 1)
		s.Inject(emulator.Fault{Code: 9900403})
		c, _ := newTestClient(t, s, GatewayESB)
		_, err := list(t, c)
		ae := requireAPIError(t, err)
		if !strings.Contains(string(ae.Permission), `"actions"`) || !strings.Contains(ae.Detail(), "Permission: {") {
			t.Errorf("permission = %s; detail:\n%s", ae.Permission, ae.Detail())
		}
	})
	t.Run("non-JSON body gives content type and first 200 bytes", func(t *testing.T) {
		s := newEmulator(t, 1)
		page := "<!DOCTYPE html><html><head><title>Login</title></head><body>" + strings.Repeat("x", 300) + "</body></html>"
		s.Inject(emulator.Fault{Body: page, ContentType: "text/html; charset=utf-8"})
		c, _ := newTestClient(t, s, GatewayESB)
		_, err := list(t, c)
		ae := requireAPIError(t, err)
		if ae.ContentType != "text/html; charset=utf-8" || ae.BodySnippet != page[:200] {
			t.Errorf("content type %q, snippet %q", ae.ContentType, ae.BodySnippet)
		}
		if !strings.Contains(err.Error(), `content type "text/html; charset=utf-8"`) || !strings.Contains(err.Error(), page[:100]) ||
			strings.Contains(err.Error(), page[:201]) {
			t.Errorf("error %q", err)
		}
		if !strings.Contains(ae.Detail(), "Content type:") || ae.Summary() != "HTTP 200: response is not JSON" {
			t.Errorf("summary %q detail %q", ae.Summary(), ae.Detail())
		}
	})
	t.Run("retries used up", func(t *testing.T) {
		s := newEmulator(t, 1)
		s.Inject(emulator.Fault{Status: 502, Times: 10})
		c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.MaxRetries = 2 })
		_, err := list(t, c)
		if !strings.Contains(err.Error(), "HTTP 502, code 1650200") || !strings.Contains(err.Error(), "after 3 attempts") {
			t.Errorf("error %q", err)
		}
	})
}

// Contract: bk_app_secret and bk_token never appear in errors or logs, even when the
// server echoes them back.
func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	secret := emulator.DefaultAppSecret
	echo := "you sent bk_app_secret=" + secret + " and bk_token=" + testToken
	faults := []emulator.Fault{
		{Code: 1306000, Message: echo},
		{Status: 400, Code: 1640001, Message: echo},
		{Status: 502, Body: "<html>" + strings.Repeat("y", 140) + echo + "</html>"},
		{Body: `{"result":false,"code":9900403,"message":"denied","permission":{"note":"` + echo + `"},"data":null}`},
		{Status: 503, Message: echo, Code: 1650200},
	}
	for _, gw := range gateways {
		for i, f := range faults {
			s := newEmulator(t, 1)
			f.Times = 10
			s.Inject(f)
			c, log := newTestClient(t, s, gw, func(c *Config) { c.Credentials.Token = testToken; c.MaxRetries = 1 })
			_, err := list(t, c)
			ae := requireAPIError(t, err)
			texts := []string{err.Error(), ae.Summary(), ae.Detail(), ae.Message, ae.BodySnippet, string(ae.Permission), log.text()}
			for _, txt := range texts {
				if strings.Contains(txt, secret) || strings.Contains(txt, testToken) {
					t.Errorf("%s fault %d: secret in %q", gw, i, txt)
				}
			}
			if !strings.Contains(err.Error()+ae.Detail(), "***") {
				t.Errorf("%s fault %d: nothing redacted: %q", gw, i, err)
			}
		}
	}
}

// Logs go through Config.Logger only, never to stderr (retryablehttp's default logger).
func TestNoStderr(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	defer func() { os.Stderr = old }()

	s := newEmulator(t, 1)
	s.Inject(emulator.Fault{Status: 503, Times: 2})
	c, log := newTestClient(t, s, GatewayESB)
	_, lerr := list(t, c)
	c2, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.Logger = nil })
	s.Inject(emulator.Fault{Status: 503})
	_, lerr2 := list(t, c2)

	os.Stderr = old
	_ = w.Close()
	out, _ := io.ReadAll(r)
	if lerr != nil || lerr2 != nil {
		t.Fatal(lerr, lerr2)
	}
	if len(out) > 0 {
		t.Errorf("wrote to stderr: %q", out)
	}
	if !strings.Contains(log.text(), "will be retried") {
		t.Errorf("retries not logged through Config.Logger:\n%s", log.text())
	}
}

func TestRedactor(t *testing.T) {
	c := &Client{redact: newRedactor("0123456789")}
	c.maxNeedle = 10
	body := []byte(strings.Repeat("y", 195) + "0123456789 tail")
	if got := c.bodySnippet(body); strings.Contains(got, "01234") || len(got) != 200 {
		t.Errorf("snippet across the cut: %q", got)
	}
	r := newRedactor(`se"cr\et`, "tok", "")
	in := `a se"cr\et b se\"cr\\et c se%22cr%5Cet d tok`
	if got := r.string(in); strings.Contains(got, "se") || strings.Contains(got, "tok") {
		t.Errorf("redacted %q", got)
	}
	base := errors.New("dial: tok")
	if err := r.error(base); strings.Contains(err.Error(), "tok") || !errors.Is(err, base) {
		t.Errorf("error %v", err)
	}
}
