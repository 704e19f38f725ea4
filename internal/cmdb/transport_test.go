package cmdb

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http/httpproxy"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// Issue 6: HTTPS with ca_cert_pem works; a wrong CA fails at once, not retried;
// insecure_skip_verify works.
func TestTLS(t *testing.T) {
	s, caPEM := emulator.NewTLSTestServer(t, emulator.Options{Data: emulator.SingleTemplate(testBiz, testTpl, 30, 1), StrictLimits: true})
	_, otherCA := emulator.NewTLSTestServer(t, emulator.Options{})

	t.Run("ca_cert_pem", func(t *testing.T) {
		c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.CACertPEM = caPEM })
		got, err := list(t, c)
		if err != nil {
			t.Fatal(err)
		}
		requireExact(t, s, got)
	})
	for name, mod := range map[string]func(*Config){
		"wrong CA": func(c *Config) { c.CACertPEM = otherCA },
		"no CA":    func(*Config) {},
	} {
		t.Run(name, func(t *testing.T) {
			s.ResetRequests()
			c, _ := newTestClient(t, s, GatewayESB, mod)
			_, err := list(t, c)
			ae := requireAPIError(t, err)
			if ae.Retryable || ae.Attempts != 1 || !strings.Contains(err.Error(), "TLS certificate verification failed") {
				t.Errorf("error %v (attempts %d, retryable %v)", err, ae.Attempts, ae.Retryable)
			}
			if n := s.RequestCount(); n != 0 {
				t.Errorf("%d requests reached the server", n)
			}
		})
	}
	t.Run("insecure_skip_verify", func(t *testing.T) {
		c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.InsecureSkipVerify = true })
		if _, err := list(t, c); err != nil {
			t.Fatal(err)
		}
	})
}

// Issue 10: crypto/x509 returns x509.UnknownAuthorityError as a value, not a pointer.
// A transport that verifies the server itself, as a pinning RoundTripper does through
// VerifyPeerCertificate, gets it unwrapped by crypto/tls: a wrong CA is still a
// permanent failure, not retried, and no request reaches the server.
func TestTLSWrongCAFromVerifier(t *testing.T) {
	s, _ := emulator.NewTLSTestServer(t, emulator.Options{Data: emulator.SingleTemplate(testBiz, testTpl, 3, 1), StrictLimits: true})
	_, otherCA := emulator.NewTLSTestServer(t, emulator.Options{})
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(otherCA)) {
		t.Fatal("bad CA PEM")
	}
	verifier := &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // VerifyPeerCertificate verifies instead
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			cert, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return err
			}
			_, err = cert.Verify(x509.VerifyOptions{Roots: roots})
			return err
		},
	}}
	defer verifier.CloseIdleConnections()
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.Transport = verifier })
	_, err := list(t, c)
	ae := requireAPIError(t, err)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("error %v does not hold an x509.UnknownAuthorityError", err)
	}
	if ae.Retryable || ae.Attempts != 1 || ae.Message != "TLS certificate verification failed" {
		t.Errorf("error %v (attempts %d, retryable %v), want one attempt, not retried", err, ae.Attempts, ae.Retryable)
	}
	if n := s.RequestCount(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

// Contract: proxies come from HTTP(S)_PROXY / NO_PROXY, evaluated per request.
func TestProxyPerRequest(t *testing.T) {
	s := newEmulator(t, 10)
	target, _ := url.Parse(s.URL())
	var proxied atomic.Int64
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		proxied.Add(1)
		pr.Out.URL.Scheme, pr.Out.URL.Host = target.Scheme, target.Host // cmdb.test resolves only here
	}})
	defer proxy.Close()

	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) {
		c.BaseURL = "http://cmdb.test:" + target.Port()
		c.MaxRetries = 0
	})
	got, err := list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, got)
	if proxied.Load() != 1 {
		t.Fatalf("%d requests through the proxy, want 1", proxied.Load())
	}

	// Same client, environment changed: NO_PROXY now covers the host.
	t.Setenv("NO_PROXY", ".example.com,cmdb.test")
	if _, err := list(t, c); err == nil {
		t.Error("cmdb.test was reached without the proxy")
	}
	if proxied.Load() != 1 {
		t.Errorf("NO_PROXY not honoured: %d proxied", proxied.Load())
	}
}

// The proxy rules are httpproxy's (hashicorp/terraform-provider-http's too): the cases
// below are the rules the client promises, whatever implements them.
func TestProxyRules(t *testing.T) {
	proxyFor := func(httpProxy, httpsProxy, noProxy string) func(*url.URL) (*url.URL, error) {
		return (&httpproxy.Config{HTTPProxy: httpProxy, HTTPSProxy: httpsProxy, NoProxy: noProxy}).ProxyFunc()
	}
	p := proxyFor("http://hp:3128", "https://hsp:3129", "example.com, .sub.org, 10.0.0.0/8, 192.168.1.5, internal:8443, ::2")
	for _, tc := range []struct {
		target, want string
	}{
		{"http://cmdb.test/x", "http://hp:3128"},
		{"https://cmdb.test/x", "https://hsp:3129"},
		{"https://example.com/", ""},
		{"https://api.example.com/", ""},
		{"https://notexample.com/", "https://hsp:3129"},
		{"https://sub.org/", "https://hsp:3129"},
		{"https://a.sub.org/", ""},
		{"http://10.1.2.3/", ""},
		{"http://11.1.2.3/", "http://hp:3128"},
		{"http://192.168.1.5:8080/", ""},
		{"https://internal:8443/", ""},
		{"https://internal/", "https://hsp:3129"},
		{"http://[::2]/", ""},
		{"http://localhost:9/", ""},
		{"http://127.0.0.1:9/", ""},
	} {
		u, _ := url.Parse(tc.target)
		got, err := p(u)
		if err != nil {
			t.Fatal(err)
		}
		gs := ""
		if got != nil {
			gs = got.String()
		}
		if gs != tc.want {
			t.Errorf("%s: proxy %q, want %q", tc.target, gs, tc.want)
		}
	}
	if u, _ := p(&url.URL{Scheme: "http", Host: "x"}); u == nil {
		t.Error("no proxy")
	}
	all := proxyFor("hp:1", "", "*")
	if u, _ := all(&url.URL{Scheme: "http", Host: "x"}); u != nil {
		t.Errorf("NO_PROXY=* still proxies: %v", u)
	}
}

// NewClient validates its config: bad base URL, bad CA PEM, bad ranges → error.
func TestNewClientValidation(t *testing.T) {
	good := DefaultConfig()
	good.BaseURL = "https://paas.example.com"
	good.Credentials = Credentials{AppCode: "a", AppSecret: "s"}
	if _, err := NewClient(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	cases := map[string]func(*Config){
		"empty base":      func(c *Config) { c.BaseURL = "" },
		"relative base":   func(c *Config) { c.BaseURL = "paas.example.com" },
		"ftp base":        func(c *Config) { c.BaseURL = "ftp://paas.example.com" },
		"bad URL":         func(c *Config) { c.BaseURL = "http://[::1" },
		"userinfo":        func(c *Config) { c.BaseURL = "https://u:p@paas.example.com" },
		"query":           func(c *Config) { c.BaseURL = "https://paas.example.com/?a=1" },
		"gateway":         func(c *Config) { c.Gateway = "soap" },
		"no app code":     func(c *Config) { c.Credentials.AppCode = "" },
		"no secret":       func(c *Config) { c.Credentials.AppSecret = "" },
		"bad CA PEM":      func(c *Config) { c.CACertPEM = "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n" },
		"page size":       func(c *Config) { c.PageSize = 501 },
		"parallelism":     func(c *Config) { c.Parallelism = 17 },
		"negative retry":  func(c *Config) { c.MaxRetries = -1 },
		"wait max < min":  func(c *Config) { c.RetryWaitMin = 2e9; c.RetryWaitMax = 1e9 },
		"header name":     func(c *Config) { c.Headers = map[string]string{"Bad Header": "x"} },
		"header newline":  func(c *Config) { c.Headers = map[string]string{"X-A": "a\r\nX-B: b"} },
		"negative timout": func(c *Config) { c.RequestTimeout = -1 },
		"force query":     func(c *Config) { c.BaseURL = "https://paas.example.com/?" },
		"language ctl":    func(c *Config) { c.Language = "en\x01" },
		"tenant newline":  func(c *Config) { c.TenantID = "a\r\nX-B: b" },
		"supplier ctl":    func(c *Config) { c.SupplierAccount = "0\x7f" },
	}
	for name, mod := range cases {
		cfg := good
		mod(&cfg)
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "s\"") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Zero values take the defaults; the transport keeps idle connections for parallelism.
	zero := Config{BaseURL: "https://paas.example.com/", Credentials: good.Credentials, Parallelism: 16}
	c, err := NewClient(zero)
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.PageSize != DefaultPageSize || c.cfg.Gateway != GatewayESB || c.cfg.RequestTimeout != DefaultRequestTimeout || c.base != "https://paas.example.com" {
		t.Errorf("defaults not applied: %+v", c.cfg)
	}
	if c.transport.MaxIdleConnsPerHost < 16 || c.http.Timeout != DefaultRequestTimeout {
		t.Errorf("MaxIdleConnsPerHost %d, timeout %s", c.transport.MaxIdleConnsPerHost, c.http.Timeout)
	}
	if c.transport.Proxy == nil || c.transport.TLSClientConfig == nil {
		t.Error("transport lacks proxy or TLS config")
	}
}
