package cmdb

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
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
// NO_PROXY (or their lower-case forms), read anew on every request:
// http.ProxyFromEnvironment reads them only once per process. The rules follow
// net/http's: localhost and loopback addresses never use a proxy; a NO_PROXY entry
// is "*", an IP, a CIDR, or a host name matching itself and its subdomains (a
// leading "." matches subdomains only), each optionally with ":port".
func proxyFromEnvironment(req *http.Request) (*url.URL, error) {
	return currentProxyEnv().proxyFor(req.URL)
}

type proxyEnv struct {
	httpProxy, httpsProxy, noProxy string

	httpURL, httpsURL *url.URL
	httpErr, httpsErr error
	all               bool
	nets              []netip.Prefix
	addrs             []netip.Addr
	domains           []noProxyDomain
}

type noProxyDomain struct {
	name        string // lower case, without a leading dot
	subdomsOnly bool
	port        string
}

var cachedProxyEnv atomic.Pointer[proxyEnv]

func getenvAny(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// currentProxyEnv reads the environment and reuses the parsed form while it is unchanged.
func currentProxyEnv() *proxyEnv {
	hp := getenvAny("HTTP_PROXY", "http_proxy")
	hsp := getenvAny("HTTPS_PROXY", "https_proxy")
	np := getenvAny("NO_PROXY", "no_proxy")
	if p := cachedProxyEnv.Load(); p != nil && p.httpProxy == hp && p.httpsProxy == hsp && p.noProxy == np {
		return p
	}
	p := parseProxyEnv(hp, hsp, np)
	cachedProxyEnv.Store(p)
	return p
}

func parseProxyEnv(httpProxy, httpsProxy, noProxy string) *proxyEnv {
	p := &proxyEnv{httpProxy: httpProxy, httpsProxy: httpsProxy, noProxy: noProxy}
	p.httpURL, p.httpErr = parseProxyURL(httpProxy)
	p.httpsURL, p.httpsErr = parseProxyURL(httpsProxy)
	for _, e := range strings.Split(noProxy, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if e == "*" {
			p.all = true
			continue
		}
		if pre, err := netip.ParsePrefix(e); err == nil {
			p.nets = append(p.nets, pre)
			continue
		}
		host, port := e, ""
		if h, pt, err := net.SplitHostPort(e); err == nil {
			host, port = h, pt
		}
		if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			if port == "" {
				p.addrs = append(p.addrs, a.Unmap())
			} else {
				p.domains = append(p.domains, noProxyDomain{name: a.Unmap().String(), port: port})
			}
			continue
		}
		d := noProxyDomain{port: port}
		if strings.HasPrefix(host, "*.") {
			host = host[1:]
		}
		if strings.HasPrefix(host, ".") {
			d.subdomsOnly = true
			host = host[1:]
		}
		d.name = host
		p.domains = append(p.domains, d)
	}
	return p
}

func parseProxyURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		// A bare "host:port" means http://host:port, as in net/http.
		if u2, err2 := url.Parse("http://" + s); err2 == nil && u2.Host != "" {
			return u2, nil
		}
		return nil, fmt.Errorf("invalid proxy address %q", s)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
		return u, nil
	}
	return nil, fmt.Errorf("invalid proxy address %q: unsupported scheme %q", s, u.Scheme)
}

func (p *proxyEnv) proxyFor(target *url.URL) (*url.URL, error) {
	var proxy *url.URL
	var err error
	switch target.Scheme {
	case "https":
		proxy, err = p.httpsURL, p.httpsErr
	case "http":
		proxy, err = p.httpURL, p.httpErr
	}
	if err != nil {
		return nil, err
	}
	if proxy == nil || !p.useProxy(target) {
		return nil, nil
	}
	return proxy, nil
}

func (p *proxyEnv) useProxy(target *url.URL) bool {
	host := strings.ToLower(target.Hostname())
	port := target.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[target.Scheme]
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	addr, isIP := netip.ParseAddr(host)
	if isIP == nil {
		addr = addr.Unmap()
		if addr.IsLoopback() {
			return false
		}
	}
	if p.all {
		return false
	}
	if isIP == nil {
		for _, n := range p.nets {
			if n.Contains(addr) {
				return false
			}
		}
		for _, a := range p.addrs {
			if a == addr {
				return false
			}
		}
	}
	host = strings.TrimSuffix(host, ".")
	for _, d := range p.domains {
		if d.port != "" && d.port != port {
			continue
		}
		if host == d.name && !d.subdomsOnly {
			return false
		}
		if strings.HasSuffix(host, "."+d.name) {
			return false
		}
	}
	return true
}
