package cmdb

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"

	"golang.org/x/net/http/httpproxy"
)

// newTransport clones http.DefaultTransport and applies the proxy, TLS and
// connection-pool settings of cfg.
func newTransport(cfg Config) (*http.Transport, error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport is not an *http.Transport")
	}
	t := base.Clone()
	t.Proxy = proxyFromEnvironment
	t.MaxIdleConnsPerHost = max(cfg.Parallelism*2, http.DefaultMaxIdleConnsPerHost)
	if t.MaxIdleConns < t.MaxIdleConnsPerHost {
		t.MaxIdleConns = t.MaxIdleConnsPerHost
	}

	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLSClientConfig != nil {
		tlsCfg = t.TLSClientConfig.Clone()
	}
	if cfg.CACertPEM != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(cfg.CACertPEM)) {
			return nil, errors.New("ca_cert_pem holds no valid PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	tlsCfg.InsecureSkipVerify = cfg.InsecureSkipVerify //nolint:gosec // documented as lab-only
	t.TLSClientConfig = tlsCfg
	return t, nil
}

// proxyFromEnvironment picks the proxy for req from HTTPS_PROXY, HTTP_PROXY and
// NO_PROXY (or their lower-case forms), read anew on every request, as
// hashicorp/terraform-provider-http does: http.ProxyFromEnvironment reads them once
// per process. Localhost and loopback addresses never use a proxy.
func proxyFromEnvironment(req *http.Request) (*url.URL, error) {
	return httpproxy.FromEnvironment().ProxyFunc()(req.URL)
}
