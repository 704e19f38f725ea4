// Package cmdb is a client for the BlueKing CMDB API, reached through the legacy
// ESB or the BlueKing API gateway. It holds no Terraform types.
//
// Every API is one entry of the API table (api.go) and one record type; List walks
// the pages of any of them, and ListServiceInstancesBySetTemplate is its typed form
// for service instances.
package cmdb

import (
	"context"
	"encoding/json"
	"net/http"

	"golang.org/x/time/rate"
)

// Client talks to the CMDB through the ESB or the API gateway. It is safe for
// concurrent use.
type Client struct {
	cfg       Config
	base      string // base URL without a trailing slash
	http      *http.Client
	transport *http.Transport // the client's own transport; nil when Config injects one
	header    http.Header     // headers of every request, credentials included for apigw
	log       Logger
	redact    redactor
	maxNeedle int
	// limiter paces every attempt of every call (Config.RequestsPerSecond); nil is no limit.
	limiter *rate.Limiter
	// reads shares identical List calls (share.go).
	reads sharedReads
}

// NewClient checks cfg, fills its zero values with the contract defaults (MaxRetries
// is taken as given) and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	cfg = withDefaults(cfg)
	base, err := validateConfig(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:    cfg,
		base:   base,
		log:    cfg.Logger,
		redact: newRedactor(cfg.Credentials.AppSecret, cfg.Credentials.Token),
	}
	if c.http, c.transport, err = newHTTPClient(cfg); err != nil {
		return nil, err
	}
	if c.log == nil {
		c.log = nopLogger{}
	}
	for _, n := range c.redact.needles {
		c.maxNeedle = max(c.maxNeedle, len(n))
	}
	c.header = c.buildHeader()
	if cfg.RequestsPerSecond > 0 {
		// Burst 1: requests are paced evenly, so no one-second window holds more than
		// RequestsPerSecond + 1 of them.
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), 1)
	}
	return c, nil
}

// newHTTPClient returns the http.Client of every attempt: Config.HTTPClient as given,
// else one with the per-attempt timeout, no redirects, and Config.Transport or the
// client's own transport.
func newHTTPClient(cfg Config) (*http.Client, *http.Transport, error) {
	if cfg.HTTPClient != nil {
		return cfg.HTTPClient, nil, nil
	}
	hc := &http.Client{
		Transport: cfg.Transport,
		// The per-attempt limit: it also bounds reading the body, which happens inside
		// the retry loop.
		Timeout: cfg.RequestTimeout,
		// Never follow redirects: a POST would turn into a GET, and the credential
		// header would go to whatever host the Location names.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if hc.Transport != nil {
		return hc, nil, nil
	}
	t, err := newTransport(cfg)
	if err != nil {
		return nil, nil, err
	}
	hc.Transport = t
	return hc, t, nil
}

// CloseIdleConnections closes idle keep-alive connections of the client's HTTP client.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// buildHeader returns the headers of every request: cfg.Headers first, then the
// client's own, which therefore always win.
func (c *Client) buildHeader() http.Header {
	h := make(http.Header, len(c.cfg.Headers)+7)
	h.Set("Accept", "application/json")
	for k, v := range c.cfg.Headers {
		if ReservedHeader(k) == "" {
			h.Set(k, v)
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Blueking-Language", c.cfg.Language)
	h.Set("X-Bkcmdb-Language", c.cfg.Language)
	if c.cfg.TenantID != "" {
		h.Set(TenantHeader, c.cfg.TenantID)
	}
	if c.cfg.UserAgent != "" {
		h.Set("User-Agent", c.cfg.UserAgent)
	} else {
		h.Set("User-Agent", "terraform-provider-bkcmdb")
	}
	if c.cfg.Gateway == GatewayAPIGW {
		h.Set("X-Bkapi-Authorization", string(c.credentialsJSON()))
	}
	return h
}

// credentialFields are the credentials that are set, in the contract's order.
type credentialFields struct {
	AppCode   string `json:"bk_app_code,omitempty"`
	AppSecret string `json:"bk_app_secret,omitempty"`
	Username  string `json:"bk_username,omitempty"`
	Token     string `json:"bk_token,omitempty"`
}

func (c *Client) credentialsJSON() []byte {
	b, _ := json.Marshal(credentialFields(c.cfg.Credentials))
	return b
}

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}
func (nopLogger) Warn(context.Context, string, map[string]any)  {}
