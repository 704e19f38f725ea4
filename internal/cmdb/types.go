// Package cmdb is a client for the BlueKing CMDB API, reached through the legacy
// ESB or the BlueKing API gateway. It holds no Terraform types.
package cmdb

import (
	"context"
	"time"
)

// APIListServiceInstanceBySetTemplate is the API name used in errors and logs.
const APIListServiceInstanceBySetTemplate = "list_service_instance_by_set_template"

// Gateway selects the front door the client talks to.
type Gateway string

const (
	// GatewayESB is the legacy ESB: POST {base}/api/c/compapi/v2/cc/<api>/, credentials in the body.
	GatewayESB Gateway = "esb"
	// GatewayAPIGW is the BlueKing API gateway: POST {stage}/api/v3/..., credentials in X-Bkapi-Authorization.
	GatewayAPIGW Gateway = "apigw"
)

// Defaults of the provider contract.
const (
	DefaultGateway        = GatewayESB
	DefaultLanguage       = "en"
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxRetries     = 4
	DefaultRetryWaitMin   = 1 * time.Second
	DefaultRetryWaitMax   = 30 * time.Second
	DefaultPageSize       = 500
	MaxPageSize           = 500
	DefaultParallelism    = 4
	MaxParallelism        = 16
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
// page size, parallelism, gateway and language with the contract defaults, but takes
// MaxRetries as given (0 disables retries).
type Config struct {
	BaseURL            string
	Gateway            Gateway
	Credentials        Credentials
	Language           string
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
}

// ServiceInstance is one record of list_service_instance_by_set_template.
type ServiceInstance struct {
	ID                int64             `json:"id"`
	Name              string            `json:"name"`
	BizID             int64             `json:"bk_biz_id"`
	ModuleID          int64             `json:"bk_module_id"`
	HostID            int64             `json:"bk_host_id"`
	ServiceTemplateID int64             `json:"service_template_id"`
	Labels            map[string]string `json:"labels"`
	Creator           string            `json:"creator"`
	Modifier          string            `json:"modifier"`
	CreateTime        string            `json:"create_time"`
	LastTime          string            `json:"last_time"`
	SupplierAccount   string            `json:"bk_supplier_account"`
}

// ServiceInstanceList is the consistent result of one paging walk.
type ServiceInstanceList struct {
	// Count is the CMDB-reported count for the walk that was kept.
	Count int64
	// Instances are ascending by ID, without duplicates.
	Instances []ServiceInstance
}

// DefaultConfig returns a Config holding the contract defaults.
func DefaultConfig() Config {
	return Config{
		Gateway:        DefaultGateway,
		Language:       DefaultLanguage,
		RequestTimeout: DefaultRequestTimeout,
		MaxRetries:     DefaultMaxRetries,
		RetryWaitMin:   DefaultRetryWaitMin,
		RetryWaitMax:   DefaultRetryWaitMax,
		PageSize:       DefaultPageSize,
		Parallelism:    DefaultParallelism,
	}
}
