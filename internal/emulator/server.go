// Package emulator is a faithful, in-process emulator of BlueKing CMDB,
// reached through the legacy ESB and through the BlueKing API gateway (see
// shared/cmdb-api.md and shared/cmdb-topology-api.md). Tests, benchmarks,
// fault tests and `make demo` all use it; the command cmd/bkcmdb-emulator
// runs it on its own.
//
// One Server serves both front doors on one listener, for each API of the
// dispatch table (routes.go):
//
//	ESB:   POST /api/c/compapi/v2/cc/{api}/    (credentials and path parameters in the body)
//	APIGW: POST {StagePrefix}{gateway path}    (credentials in X-Bkapi-Authorization)
//
// The APIs are list_service_instance_by_set_template, search_business,
// list_set_template, search_set, search_module, list_biz_hosts and
// list_service_instance_detail. Besides
// the data (a Dataset) it offers programmable faults (Inject), latency, a
// rate limit, data changes between pages (OnPage and the Mutator), a request
// log (Requests), TLS, strict page limits and multi-tenant checks.
package emulator

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	DefaultAppCode     = "bkcmdb-demo"
	DefaultAppSecret   = "bkcmdb-demo-secret"
	DefaultUser        = "admin"
	DefaultStagePrefix = "/api/bk-cmdb/prod"
	// DefaultTenant is the tenant of a single-tenant CMDB (BKSingleTenantID).
	DefaultTenant = "default"
	// DefaultSupplierAccount is the supplier account of a dataset that names none.
	DefaultSupplierAccount = "0"
)

// Paths served.
const (
	// ESBPath is the ESB component path of list_service_instance_by_set_template.
	ESBPath = "/api/c/compapi/v2/cc/list_service_instance_by_set_template/"
	// APIGWResourcePrefix is the gateway resource path of
	// list_service_instance_by_set_template after the stage prefix, followed
	// by the business id.
	APIGWResourcePrefix = "/api/v3/findmany/proc/service/set_template/list_service_instance/biz/"
)

// Gateway names used in PageRequest and RecordedRequest.
const (
	GatewayESB   = "esb"
	GatewayAPIGW = "apigw"
)

// maxBodyBytes bounds a request body.
const maxBodyBytes = 1 << 20

// Options configures a Server. Zero fields take the defaults noted.
type Options struct {
	// Data is served; nil serves an empty CMDB. New indexes it: do not
	// change Data afterwards. Insert, Delete and the Mutator change the
	// server's index, never Data, so Data's accessors stay the answer before
	// any change (Snapshot gives the data after them).
	Data *Dataset
	// AppCode is the accepted bk_app_code (default "bkcmdb-demo").
	AppCode string
	// AppSecret is its bk_app_secret (default "bkcmdb-demo-secret").
	AppSecret string
	// Users are the accepted bk_username values (default ["admin"]).
	Users []string
	// Tokens maps accepted bk_token values to their user.
	Tokens map[string]string
	// StagePrefix is the API gateway stage path prefix (default "/api/bk-cmdb/prod").
	StagePrefix string
	// Latency is added to every request (SetLatency changes it).
	Latency time.Duration
	// RateLimit is the allowed requests per second over all requests, with a
	// burst of the same size (at least 1). Beyond it the ESB answers HTTP 200
	// with code 1306429 and the gateway HTTP 429 with code 1642903 and
	// Retry-After. 0 means no limit.
	RateLimit float64
	// BackendErrorKeys makes CMDB business errors on the gateway carry the raw
	// backend keys bk_error_code / bk_error_msg instead of code / message, as
	// some CMDB filters do.
	BackendErrorKeys bool
	// MultiTenant emulates the newer multi-tenant builds: records carry no
	// bk_supplier_account, the supplier account of a request is not checked,
	// and the X-Bk-Tenant-Id header must name one of Tenants. Without it, the
	// header may only be empty or "default". A refused tenant gets HTTP 200,
	// code 1100005, "invalid tenant".
	MultiTenant bool
	// Tenants are the tenants accepted with MultiTenant (default ["default"]).
	Tenants []string
	// HiddenBusinesses are the businesses the caller may not see under IAM:
	// search_business silently leaves them out (count included), as the
	// CMDB does with IAM on. The other APIs still answer for them.
	HiddenBusinesses []int64
	// StrictLimits holds every request to its API's documented page maximum
	// (search_business 200, every other API 500) instead of what the CMDB code
	// tolerates: a larger limit, or a missing one where the documentation
	// requires it, is refused with 1199059, and an "in" rule of more than 500
	// values in host_property_filter with 1199006, as a gateway or a CMDB
	// release that enforces its own documentation would. Tests and benchmarks
	// run with it, so that a client that relies on the tolerance fails them.
	StrictLimits bool
	// Log receives one line per request; nil is silent. Lines never hold
	// bodies or headers (so no secrets).
	Log func(line string)
}

// Server is the emulator. It implements http.Handler; Start or StartTLS also
// serve it on a listener. All methods are safe for concurrent use.
type Server struct {
	opts   Options
	users  map[string]bool
	tokens map[string]string
	store  *store
	topo   *topoStore
	// tenants are the accepted X-Bk-Tenant-Id values with MultiTenant.
	tenants map[string]bool

	latency atomic.Int64 // time.Duration
	limiter rateLimiter

	faultsMu sync.Mutex
	faults   []*queuedFault

	hookMu    sync.Mutex
	hook      atomic.Pointer[pageHook]
	pageCount atomic.Int64

	logMu    sync.Mutex
	requests []RecordedRequest
	reqCount atomic.Int64

	srvMu    sync.Mutex
	httpSrv  *http.Server
	listener net.Listener
	baseURL  string
	tlsCert  *tls.Certificate
	caPEM    string
}

type pageHook struct {
	fn func(PageRequest, *Mutator)
}

// PageRequest describes a valid page request of any API, as seen by an
// OnPage hook.
type PageRequest struct {
	Gateway       string // GatewayESB or GatewayAPIGW
	BizID         int64  // 0 for search_business
	SetTemplateID int64  // list_service_instance_by_set_template only
	Start, Limit  int    // as asked (Limit 0 when the request has none)
	N             int    // 1-based count of valid page requests so far, over all APIs
	API           string // the CMDB API, e.g. APIListBizHosts
}

// RecordedRequest is one request as the server received and answered it.
type RecordedRequest struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	Gateway  string // GatewayESB, GatewayAPIGW, or "" for a path of neither
	API      string // the CMDB API of the path (e.g. APIListBizHosts), "" for none
	Status   int    // HTTP status answered (declared status for a dropped body)
	Code     int64  // envelope or gateway error code answered (0 on success)
	Faulted  bool   // answered by an injected Fault
	// Received is when the request arrived, before any latency, fault delay or body read.
	Received time.Time
}

// New returns a Server for opts, not yet listening.
func New(opts Options) *Server {
	if opts.AppCode == "" {
		opts.AppCode = DefaultAppCode
	}
	if opts.AppSecret == "" {
		opts.AppSecret = DefaultAppSecret
	}
	if len(opts.Users) == 0 {
		opts.Users = []string{DefaultUser}
	}
	if opts.StagePrefix == "" {
		opts.StagePrefix = DefaultStagePrefix
	}
	if opts.StagePrefix[0] != '/' {
		opts.StagePrefix = "/" + opts.StagePrefix
	}
	for len(opts.StagePrefix) > 1 && opts.StagePrefix[len(opts.StagePrefix)-1] == '/' {
		opts.StagePrefix = opts.StagePrefix[:len(opts.StagePrefix)-1]
	}
	if len(opts.Tenants) == 0 {
		opts.Tenants = []string{DefaultTenant}
	}
	s := &Server{opts: opts, users: map[string]bool{}, tokens: map[string]string{}, tenants: map[string]bool{},
		store: newStore(opts.Data, opts.MultiTenant), topo: newTopoStore(opts.Data, opts.MultiTenant)}
	for _, t := range opts.Tenants {
		s.tenants[t] = true
	}
	for _, u := range opts.Users {
		s.users[u] = true
	}
	for tok, u := range opts.Tokens {
		s.tokens[tok] = u
	}
	s.latency.Store(int64(opts.Latency))
	s.limiter.set(opts.RateLimit)
	return s
}

// AppCode returns the accepted bk_app_code.
func (s *Server) AppCode() string { return s.opts.AppCode }

// AppSecret returns the accepted bk_app_secret.
func (s *Server) AppSecret() string { return s.opts.AppSecret }

// Users returns the accepted bk_username values.
func (s *Server) Users() []string { return append([]string(nil), s.opts.Users...) }

// StagePrefix returns the API gateway stage path prefix.
func (s *Server) StagePrefix() string { return s.opts.StagePrefix }

// Start listens on addr ("127.0.0.1:0" for a free port; "" means that) and
// serves plain HTTP in the background. A closed server can be started again,
// e.g. on its previous Addr to emulate a restart.
func (s *Server) Start(addr string) error { return s.start(addr, false) }

// StartTLS is Start over HTTPS. The certificate is issued for 127.0.0.1, ::1
// and localhost by a self-signed CA generated on the first StartTLS (and kept
// across restarts); it returns that CA's PEM.
func (s *Server) StartTLS(addr string) (caPEM string, err error) {
	if err := s.start(addr, true); err != nil {
		return "", err
	}
	return s.CAPEM(), nil
}

func (s *Server) start(addr string, useTLS bool) error {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.listener != nil {
		return errors.New("emulator: already started")
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var tlsConfig *tls.Config
	if useTLS {
		if s.tlsCert == nil {
			cert, caPEM, err := newSelfSignedCert()
			if err != nil {
				return fmt.Errorf("emulator: TLS certificate: %w", err)
			}
			s.tlsCert, s.caPEM = cert, caPEM
		}
		// HTTP/1.1 only, so DropMidBody can hijack the connection.
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{*s.tlsCert}, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("emulator: listen: %w", err)
	}
	scheme := "http"
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
		scheme = "https"
	}
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		_ = ln.Close()
		return fmt.Errorf("emulator: listen: %s is not a TCP address", ln.Addr())
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // handshake errors of wrong-CA tests are expected
	}
	s.httpSrv, s.listener = srv, ln
	s.baseURL = scheme + "://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// URL returns the base URL, "http(s)://127.0.0.1:PORT": the ESB base_url (the
// PaaS root). It is "" before the first Start.
func (s *Server) URL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return s.baseURL
}

// APIGWURL returns URL()+StagePrefix: the apigw base_url.
func (s *Server) APIGWURL() string { return s.URL() + s.opts.StagePrefix }

// Addr returns the "host:port" listened on, or the last one after Close.
func (s *Server) Addr() string {
	u := s.URL()
	for i := 0; i+3 <= len(u); i++ {
		if u[i:i+3] == "://" {
			return u[i+3:]
		}
	}
	return u
}

// CAPEM returns the PEM of the CA that issued the HTTPS certificate ("" before StartTLS).
func (s *Server) CAPEM() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return s.caPEM
}

// Close stops listening and closes open connections at once. Requests in
// progress are cut. It is safe to call more than once.
func (s *Server) Close() error {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.httpSrv == nil {
		return nil
	}
	err := s.httpSrv.Close()
	s.httpSrv, s.listener = nil, nil
	return err
}

// Shutdown stops listening and waits for requests in progress until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.srvMu.Lock()
	srv := s.httpSrv
	s.httpSrv, s.listener = nil, nil
	s.srvMu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// SetLatency sets the delay added to every request from now on.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// SetRateLimit sets the requests-per-second limit (0 removes it) and refills the bucket.
func (s *Server) SetRateLimit(rps float64) { s.limiter.set(rps) }

// OnPage installs fn, run before each valid page request is answered (after
// validation, before the page is read); fn may change data through the
// Mutator. Hooks run one at a time. nil removes the hook.
func (s *Server) OnPage(fn func(p PageRequest, m *Mutator)) {
	if fn == nil {
		s.hook.Store(nil)
		return
	}
	s.hook.Store(&pageHook{fn: fn})
}

// Insert adds or replaces a service instance; see Mutator.Insert.
func (s *Server) Insert(bizID, setTemplateID int64, in Instance) Instance {
	return s.store.insert(bizID, setTemplateID, in)
}

// Delete removes the service instance with that id and reports whether it existed.
func (s *Server) Delete(id int64) bool { return s.store.remove(id) }

// Mutator returns a Mutator to change the served data outside a hook.
func (s *Server) Mutator() *Mutator { return &Mutator{s: s.store, t: s.topo} }

// Snapshot returns the data as served now, changes included, as a Dataset:
// its accessors then give the expected answers.
func (s *Server) Snapshot() *Dataset {
	d := s.topo.snapshot()
	d.ServiceInstances = s.store.snapshot()
	d.Processes = s.store.processSnapshot()
	return d
}

// Instances returns what the server currently answers for (bizID,
// setTemplateID): all instances ascending by id, never nil.
func (s *Server) Instances(bizID, setTemplateID int64) []Instance {
	return s.store.instances(bizID, setTemplateID)
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []RecordedRequest {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]RecordedRequest(nil), s.requests...)
}

// RequestCount returns the number of requests received since the last ResetRequests.
func (s *Server) RequestCount() int { return int(s.reqCount.Load()) }

// ResetRequests empties the request log, its count and the page counter N.
func (s *Server) ResetRequests() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.requests = nil
	s.reqCount.Store(0)
	s.pageCount.Store(0)
}

func (s *Server) record(rec RecordedRequest) {
	s.logMu.Lock()
	s.requests = append(s.requests, rec)
	s.logMu.Unlock()
}
