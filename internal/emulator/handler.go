package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// response is an answer built before it is written, so that faults can cut it.
type response struct {
	status int
	header http.Header
	body   []byte
	code   int64
}

// exchange is one request being answered.
type exchange struct {
	r       *http.Request
	body    []byte
	gateway string
	api     *apiSpec          // nil for a path of no API
	params  map[string]string // gateway path parameters
	lang    lang
	page    *PageRequest // set once the page request was valid
	items   int          // items in the answered page
	count   int
}

// ServeHTTP answers one request: latency, then an injected fault if one
// matches, else the rate limit, else the ESB or gateway behaviour.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	s.reqCount.Add(1)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	gateway, api, params := s.route(r.URL.Path)
	rec := RecordedRequest{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
		Gateway:  gateway,
		Received: began,
	}
	if api != nil {
		rec.API = api.name
	}
	ex := &exchange{r: r, body: body, gateway: gateway, api: api, params: params, lang: requestLang(r.Header)}
	var resp *response
	var fault *Fault
	switch {
	case err != nil:
		resp = s.plain(http.StatusBadRequest, "cannot read request body")
	case len(body) > maxBodyBytes:
		resp = s.plain(http.StatusRequestEntityTooLarge, msgBodyTooLarge.in(ex.lang))
	}
	if resp == nil && !sleepCtx(r.Context(), time.Duration(s.latency.Load())) {
		s.finish(rec, ex, &response{status: 499}, false, began)
		return
	}
	if resp == nil {
		fault = s.takeFault(rec)
	}
	if fault != nil {
		if !sleepCtx(r.Context(), fault.Delay) {
			s.finish(rec, ex, &response{status: 499}, true, began)
			return
		}
		resp = s.faultResponse(ex, fault)
	}
	if resp == nil {
		if ok, wait := s.limiter.take(); !ok {
			resp = s.rateLimited(ex, wait)
		}
	}
	if resp == nil {
		resp = s.answer(ex, 0)
	}
	s.write(w, resp, fault)
	s.finish(rec, ex, resp, fault != nil, began)
}

// finish records and logs a request.
func (s *Server) finish(rec RecordedRequest, ex *exchange, resp *response, faulted bool, began time.Time) {
	rec.Status, rec.Code, rec.Faulted = resp.status, resp.code, faulted
	s.record(rec)
	if s.opts.Log == nil {
		return
	}
	var line strings.Builder
	line.Grow(160)
	line.WriteString(rec.Method)
	line.WriteByte(' ')
	line.WriteString(rec.Path)
	gw := rec.Gateway
	if gw == "" {
		gw = "-"
	}
	line.WriteString(" gateway=" + gw + " status=" + strconv.Itoa(resp.status) + " code=" + strconv.FormatInt(resp.code, 10))
	if p := ex.page; p != nil {
		line.WriteString(" biz=" + strconv.FormatInt(p.BizID, 10))
		if p.SetTemplateID != 0 {
			line.WriteString(" set_template=" + strconv.FormatInt(p.SetTemplateID, 10))
		}
		line.WriteString(" start=" + strconv.Itoa(p.Start) + " limit=" + strconv.Itoa(p.Limit) +
			" count=" + strconv.Itoa(ex.count) + " items=" + strconv.Itoa(ex.items))
	}
	if rec.API != "" {
		line.WriteString(" api=" + rec.API)
	}
	if faulted {
		line.WriteString(" fault=injected")
	}
	line.WriteString(" took=" + time.Since(began).Round(time.Microsecond).String())
	s.opts.Log(line.String())
}

// answer is the real behaviour; extraItems makes the page longer than asked.
func (s *Server) answer(ex *exchange, extraItems int) *response {
	switch ex.gateway {
	case GatewayESB:
		return s.answerESB(ex, extraItems)
	case GatewayAPIGW:
		return s.answerAPIGW(ex, extraItems)
	}
	return s.gatewayError(http.StatusNotFound, CodeGWNotFound, codeMessage(CodeGWNotFound, ex.lang))
}

// answerESB checks what the ESB checks (method, body, app, user, the
// required path parameters it formats into the CMDB path), then the tenant,
// then calls the API. The supplier account comes from the body ("0" when absent).
func (s *Server) answerESB(ex *exchange, extraItems int) *response {
	if ex.r.Method != http.MethodPost {
		resp := s.plain(http.StatusMethodNotAllowed, msgMethodNotPOST.in(ex.lang))
		resp.header.Set("Allow", http.MethodPost)
		return resp
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(ex.body, &fields); err != nil || fields == nil {
		return s.envelopeError(ex, CodeESBParamRequired, msgESBBadBody.in(ex.lang), nil, false)
	}
	appCode, secret := jsonString(fields["bk_app_code"]), jsonString(fields["bk_app_secret"])
	if appCode != s.opts.AppCode || secret != s.opts.AppSecret {
		return s.envelopeError(ex, CodeESBAuthFailed, codeMessage(CodeESBAuthFailed, ex.lang), nil, false)
	}
	if msg, ok := s.checkUser(jsonString(fields["bk_token"]), jsonString(fields["bk_username"])); !ok {
		if msg == msgGWNoUser {
			msg = msgESBNoUser
		}
		return s.envelopeError(ex, CodeESBAuthFailed, msg.in(ex.lang), nil, false)
	}
	c := &call{ex: ex, params: map[string]string{}, supplier: "0", extraItems: extraItems}
	for _, seg := range ex.api.gwPath {
		name, ok := paramName(seg)
		if !ok {
			continue
		}
		raw, present := fields[name]
		if !present || string(raw) == "null" {
			def, optional := esbParamDefaults[name]
			if !optional {
				return s.envelopeError(ex, CodeESBParamRequired, codeMessagef(CodeESBParamRequired, ex.lang, name), nil, false)
			}
			c.params[name] = def
			continue
		}
		c.params[name] = pathText(raw)
	}
	if raw, ok := fields["bk_supplier_account"]; ok && string(raw) != "null" {
		c.supplier = pathText(raw)
	}
	if resp := s.checkTenant(ex); resp != nil {
		return resp
	}
	return ex.api.serve(s, c)
}

// checkUser verifies the user identity: a bk_token must be known; otherwise a
// bk_username must be accepted; one of them is required.
func (s *Server) checkUser(token, username string) (message, bool) {
	switch {
	case token != "":
		if _, ok := s.tokens[token]; !ok {
			return msgESBBadToken, false
		}
	case username != "":
		if !s.users[username] {
			return msgESBBadUser, false
		}
	default:
		return msgGWNoUser, false
	}
	return message{}, true
}

// pathText is a body value as the ESB formats it into the CMDB path: a
// string's text, else the JSON as written (so a numeric string works as a
// number does, and anything else fails in the CMDB as a bad path parameter).
func pathText(raw json.RawMessage) string {
	var v string
	if json.Unmarshal(raw, &v) == nil {
		return v
	}
	return string(raw)
}

// jsonString is the string in raw, or "" when raw is not a JSON string.
func jsonString(raw json.RawMessage) string {
	var v string
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v
}

// credentialParams are refused in the gateway's query string.
var credentialParams = []string{"bk_app_code", "bk_app_secret", "bk_username", "bk_token", "access_token"}

// answerAPIGW checks what the gateway checks (resource, method, credentials
// only in X-Bkapi-Authorization), then the tenant, then calls the API. The
// supplier account is the path's, or the dataset's for a path without one.
func (s *Server) answerAPIGW(ex *exchange, extraItems int) *response {
	if ex.api == nil || ex.r.Method != http.MethodPost {
		return s.gatewayError(http.StatusNotFound, CodeGWNotFound, codeMessage(CodeGWNotFound, ex.lang))
	}
	query := ex.r.URL.Query()
	for _, name := range credentialParams {
		if query.Has(name) {
			return s.gatewayError(http.StatusBadRequest, CodeGWBadAppCredentials, msgGWAuthInQuery.in(ex.lang))
		}
	}
	authHeader := ex.r.Header.Get("X-Bkapi-Authorization")
	var auth map[string]any
	if authHeader == "" || json.Unmarshal([]byte(authHeader), &auth) != nil || auth == nil {
		return s.gatewayError(http.StatusBadRequest, CodeGWBadAppCredentials, msgGWNoAuthHeader.in(ex.lang))
	}
	text := func(key string) string { v, _ := auth[key].(string); return v }
	if text("bk_app_code") != s.opts.AppCode || text("bk_app_secret") != s.opts.AppSecret {
		return s.gatewayError(http.StatusBadRequest, CodeGWBadAppCredentials, codeMessage(CodeGWBadAppCredentials, ex.lang))
	}
	if msg, ok := s.checkUser(text("bk_token"), text("bk_username")); !ok {
		return s.gatewayError(http.StatusBadRequest, CodeGWBadAppCredentials, msg.in(ex.lang))
	}
	if resp := s.checkTenant(ex); resp != nil {
		return resp
	}
	c := &call{ex: ex, params: ex.params, supplier: s.topo.supplier, extraItems: extraItems}
	if sa, ok := ex.params["bk_supplier_account"]; ok {
		c.supplier = sa
	}
	return ex.api.serve(s, c)
}

// checkTenant applies the X-Bk-Tenant-Id rules of the 3.15 apiserver filter
// (TenantVerify, ValidateDisableTenantMode): without multi-tenancy an empty
// value or "default" passes; with it the header must name a known tenant.
// The refusal is HTTP 200 with code 1100005 and the literal "invalid tenant",
// in the backend keys on the gateway (the filter writes a raw BaseResp).
func (s *Server) checkTenant(ex *exchange) *response {
	tenant := ex.r.Header.Get("X-Bk-Tenant-Id")
	if s.opts.MultiTenant {
		if s.tenants[tenant] {
			return nil
		}
	} else if tenant == "" || tenant == DefaultTenant {
		return nil
	}
	return s.envelopeError(ex, CodeTenantInvalid, codeMessage(CodeTenantInvalid, ex.lang), nil, ex.gateway == GatewayAPIGW)
}

// pageRequested counts a valid page request and runs the OnPage hook on it
// before the data is read.
func (s *Server) pageRequested(ex *exchange, p PageRequest) {
	p.Gateway, p.API = ex.gateway, ex.api.name
	if h := s.hook.Load(); h != nil {
		s.hookMu.Lock()
		p.N = int(s.pageCount.Add(1))
		h.fn(p, &Mutator{s: s.store, t: s.topo})
		s.hookMu.Unlock()
	} else {
		p.N = int(s.pageCount.Add(1))
	}
	ex.page = &p
}
