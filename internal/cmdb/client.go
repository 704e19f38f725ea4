package cmdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
)

// Paths of list_service_instance_by_set_template on each gateway.
const (
	esbListPath   = "/api/c/compapi/v2/cc/list_service_instance_by_set_template/"
	apigwListPath = "/api/v3/findmany/proc/service/set_template/list_service_instance/biz/"
)

// protectedHeaders are set by the client and cannot be overridden by Config.Headers.
var protectedHeaders = []string{"X-Bkapi-Authorization", "Content-Type", "User-Agent", "Blueking-Language", "X-Bkcmdb-Language"}

// Client talks to the CMDB through the ESB or the API gateway. It is safe for
// concurrent use.
type Client struct {
	cfg       Config
	base      string // base URL without a trailing slash
	http      *http.Client
	transport *http.Transport
	header    http.Header // headers of every request, credentials included for apigw
	log       Logger
	redact    redactor
	maxNeedle int
}

// NewClient checks cfg, fills its zero values with the contract defaults (MaxRetries
// is taken as given) and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	cfg = withDefaults(cfg)
	base, err := validateConfig(cfg)
	if err != nil {
		return nil, err
	}
	t, err := newTransport(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:       cfg,
		base:      base,
		transport: t,
		http: &http.Client{
			Transport: t,
			// The per-attempt limit: it also bounds reading the body, which
			// happens inside the retry loop.
			Timeout: cfg.RequestTimeout,
			// Never follow redirects: a POST would turn into a GET, and the
			// credential header would go to whatever host the Location names.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		log:    cfg.Logger,
		redact: newRedactor(cfg.Credentials.AppSecret, cfg.Credentials.Token),
	}
	if c.log == nil {
		c.log = nopLogger{}
	}
	for _, n := range c.redact.needles {
		c.maxNeedle = max(c.maxNeedle, len(n))
	}
	c.header = c.buildHeader()
	return c, nil
}

// CloseIdleConnections closes idle keep-alive connections of the client's transport.
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

func withDefaults(cfg Config) Config {
	if cfg.Gateway == "" {
		cfg.Gateway = DefaultGateway
	}
	if cfg.Language == "" {
		cfg.Language = DefaultLanguage
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = DefaultRetryWaitMin
	}
	if cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMax = DefaultRetryWaitMax
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.Parallelism == 0 {
		cfg.Parallelism = DefaultParallelism
	}
	return cfg
}

func validateConfig(cfg Config) (string, error) {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		return "", errors.New("base_url is empty")
	case err != nil:
		return "", fmt.Errorf("base_url is not a valid URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("base_url %q must be an absolute http or https URL", cfg.BaseURL)
	case u.Host == "":
		return "", fmt.Errorf("base_url %q has no host", cfg.BaseURL)
	case u.User != nil:
		return "", errors.New("base_url must not hold credentials")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("base_url %q must not have a query or fragment", cfg.BaseURL)
	}
	switch cfg.Gateway {
	case GatewayESB, GatewayAPIGW:
	default:
		return "", fmt.Errorf("gateway %q must be %q or %q", cfg.Gateway, GatewayESB, GatewayAPIGW)
	}
	switch {
	case cfg.Credentials.AppCode == "":
		return "", errors.New("bk_app_code is empty")
	case cfg.Credentials.AppSecret == "":
		return "", errors.New("bk_app_secret is empty")
	case cfg.RequestTimeout < 0:
		return "", errors.New("request_timeout must be positive")
	case cfg.MaxRetries < 0:
		return "", errors.New("max_retries must not be negative")
	case cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < 0:
		return "", errors.New("retry waits must be positive")
	case cfg.RetryWaitMax < cfg.RetryWaitMin:
		return "", fmt.Errorf("retry_wait_max (%s) is shorter than retry_wait_min (%s)", cfg.RetryWaitMax, cfg.RetryWaitMin)
	case cfg.PageSize < 1 || cfg.PageSize > MaxPageSize:
		return "", fmt.Errorf("page_size %d must be 1 to %d", cfg.PageSize, MaxPageSize)
	case cfg.Parallelism < 1 || cfg.Parallelism > MaxParallelism:
		return "", fmt.Errorf("parallelism %d must be 1 to %d", cfg.Parallelism, MaxParallelism)
	}
	for k, v := range cfg.Headers {
		if !validHeaderName(k) {
			return "", fmt.Errorf("headers: %q is not a valid header name", k)
		}
		if !validHeaderValue(v) {
			return "", fmt.Errorf("headers: the value of %q holds a line break or another control character", k)
		}
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// validHeaderValue is net/http's rule for a header value: no control character but a
// tab. net/http refuses to send any other, at every attempt.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= 0x20 || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return false
		}
	}
	return true
}

// buildHeader returns the headers of every request: cfg.Headers first, then the
// client's own, which therefore always win.
func (c *Client) buildHeader() http.Header {
	h := make(http.Header, len(c.cfg.Headers)+6)
	h.Set("Accept", "application/json")
	for k, v := range c.cfg.Headers {
		if !isProtectedHeader(k) {
			h.Set(k, v)
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Blueking-Language", c.cfg.Language)
	h.Set("X-Bkcmdb-Language", c.cfg.Language)
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

func isProtectedHeader(k string) bool {
	for _, p := range protectedHeaders {
		if strings.EqualFold(k, p) {
			return true
		}
	}
	return false
}

// credentialFields are the credentials that are set, in the contract's order.
type credentialFields struct {
	AppCode   string `json:"bk_app_code,omitempty"`
	AppSecret string `json:"bk_app_secret,omitempty"`
	Username  string `json:"bk_username,omitempty"`
	Token     string `json:"bk_token,omitempty"`
}

func (c *Client) credentialsJSON() []byte {
	cr := c.cfg.Credentials
	b, _ := json.Marshal(credentialFields(cr))
	return b
}

type pageParam struct {
	Start int `json:"start"`
	Limit int `json:"limit"`
}

type esbListBody struct {
	credentialFields
	BizID         int64     `json:"bk_biz_id"`
	SetTemplateID int64     `json:"set_template_id"`
	Page          pageParam `json:"page"`
}

type apigwListBody struct {
	SetTemplateID int64     `json:"set_template_id"`
	Page          pageParam `json:"page"`
}

// listRequest builds the URL and body of one page request.
func (c *Client) listRequest(bizID, setTemplateID int64, start, limit int) (string, []byte) {
	p := pageParam{Start: start, Limit: limit}
	var body any
	var u string
	if c.cfg.Gateway == GatewayAPIGW {
		u = c.base + apigwListPath + strconv.FormatInt(bizID, 10)
		body = apigwListBody{SetTemplateID: setTemplateID, Page: p}
	} else {
		u = c.base + esbListPath
		cr := c.cfg.Credentials
		body = esbListBody{
			credentialFields: credentialFields(cr),
			BizID:            bizID, SetTemplateID: setTemplateID, Page: p,
		}
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(body)
	return u, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// fetchPage requests one page, with retries, and decodes it into dst's backing
// array (cap(dst) must be at least 1).
func (c *Client) fetchPage(ctx context.Context, bizID, setTemplateID int64, start, limit int, dst []ServiceInstance) (page, error) {
	u, body := c.listRequest(bizID, setTemplateID, start, limit)
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return page{}, c.redact.apiError(&APIError{API: APIListServiceInstanceBySetTemplate, Gateway: c.cfg.Gateway, Message: "cannot build request", Err: err})
	}
	req.Header = c.header.Clone()
	a := &call{c: c, ctx: ctx, dst: dst}
	return a.do(req)
}

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}
func (nopLogger) Warn(context.Context, string, map[string]any)  {}
