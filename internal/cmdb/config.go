package cmdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Gateway selects the front door the client talks to.
type Gateway string

const (
	// GatewayESB is the legacy ESB: POST {base}/api/c/compapi/v2/cc/<api>/, credentials in the body.
	GatewayESB Gateway = "esb"
	// GatewayAPIGW is the BlueKing API gateway: POST {stage}/api/v3/..., credentials in X-Bkapi-Authorization.
	GatewayAPIGW Gateway = "apigw"
)

// Defaults and limits of the provider contract.
const (
	DefaultGateway         = GatewayESB
	DefaultLanguage        = "en"
	DefaultSupplierAccount = "0"
	DefaultRequestTimeout  = 30 * time.Second
	DefaultMaxRetries      = 4
	DefaultRetryWaitMin    = 1 * time.Second
	DefaultRetryWaitMax    = 30 * time.Second
	DefaultPageSize        = 500
	// MaxPageSize bounds page_size; each API is further capped at its documented maximum.
	MaxPageSize        = 500
	DefaultParallelism = 4
	MaxParallelism     = 16
	// MaxWalks is how many times a paging walk is tried before the read fails as inconsistent.
	MaxWalks = 3
)

// Credentials identify the calling app and user. Only non-empty fields are sent.
type Credentials struct {
	AppCode   string
	AppSecret string // sensitive
	Username  string
	Token     string // sensitive
}

// Logger receives the client's log lines. The provider adapts it to tflog, which masks secrets.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// Config configures a Client. Start from DefaultConfig: NewClient fills zero durations,
// page size, parallelism, gateway, language and supplier account with the contract
// defaults, but takes MaxRetries as given (0 disables retries).
type Config struct {
	BaseURL     string
	Gateway     Gateway
	Credentials Credentials
	Language    string
	// SupplierAccount is bk_supplier_account: in the gateway path where an API names
	// it, and always in the ESB body. Default "0".
	SupplierAccount string
	// TenantID is sent as X-Bk-Tenant-Id on every request when set.
	TenantID string
	// RequestsPerSecond paces every attempt of every call of the client, retries
	// included, evenly at this rate; 0 is no limit.
	RequestsPerSecond  float64
	RequestTimeout     time.Duration
	MaxRetries         int // retries after the first attempt; 0 disables
	RetryWaitMin       time.Duration
	RetryWaitMax       time.Duration
	PageSize           int
	Parallelism        int
	CACertPEM          string
	InsecureSkipVerify bool
	Headers            map[string]string
	UserAgent          string
	Logger             Logger
	// HTTPClient, when set, sends every attempt instead of the client's own (whose
	// transport, TLS, proxy and timeout settings then do not apply).
	HTTPClient *http.Client
	// Transport, when set and HTTPClient is not, is the RoundTripper of the client's
	// own http.Client (the timeout and the no-redirect rule still apply).
	Transport http.RoundTripper
}

// DefaultConfig returns a Config holding the contract defaults.
func DefaultConfig() Config {
	return Config{
		Gateway:         DefaultGateway,
		Language:        DefaultLanguage,
		SupplierAccount: DefaultSupplierAccount,
		RequestTimeout:  DefaultRequestTimeout,
		MaxRetries:      DefaultMaxRetries,
		RetryWaitMin:    DefaultRetryWaitMin,
		RetryWaitMax:    DefaultRetryWaitMax,
		PageSize:        DefaultPageSize,
		Parallelism:     DefaultParallelism,
	}
}

func withDefaults(cfg Config) Config {
	def := DefaultConfig()
	if cfg.Gateway == "" {
		cfg.Gateway = def.Gateway
	}
	if cfg.Language == "" {
		cfg.Language = def.Language
	}
	if cfg.SupplierAccount == "" {
		cfg.SupplierAccount = def.SupplierAccount
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = def.RequestTimeout
	}
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = def.RetryWaitMin
	}
	if cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMax = def.RetryWaitMax
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = def.PageSize
	}
	if cfg.Parallelism == 0 {
		cfg.Parallelism = def.Parallelism
	}
	return cfg
}

// validateConfig checks cfg (defaults applied) and returns the base URL without a trailing slash.
func validateConfig(cfg Config) (string, error) {
	if cfg.BaseURL == "" {
		return "", errors.New("base_url is empty")
	}
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return "", fmt.Errorf("base_url %q: %w", cfg.BaseURL, err)
	}
	if err := CheckGateway(string(cfg.Gateway)); err != nil {
		return "", fmt.Errorf("gateway %q: %w", cfg.Gateway, err)
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
	if err := CheckHeaderValue(cfg.Language); err != nil {
		return "", fmt.Errorf("language: %w", err)
	}
	if err := CheckHeaderValue(cfg.UserAgent); err != nil {
		return "", fmt.Errorf("user agent: %w", err)
	}
	if err := CheckHeaderValue(cfg.SupplierAccount); err != nil {
		return "", fmt.Errorf("bk_supplier_account: %w", err)
	}
	if cfg.RequestsPerSecond < 0 || math.IsNaN(cfg.RequestsPerSecond) || math.IsInf(cfg.RequestsPerSecond, 0) {
		return "", fmt.Errorf("requests_per_second %v must be 0 (no limit) or more", cfg.RequestsPerSecond)
	}
	if err := CheckHeaderValue(cfg.TenantID); err != nil {
		return "", fmt.Errorf("tenant_id: %w", err)
	}
	for name, value := range cfg.Headers {
		if err := checkHeaderField(name, value); err != nil {
			return "", fmt.Errorf("headers: %w", err)
		}
		if cfg.TenantID != "" && http.CanonicalHeaderKey(name) == TenantHeader {
			return "", fmt.Errorf("headers: %s is set from tenant_id; set one of them, not both", TenantHeader)
		}
	}
	return base, nil
}
