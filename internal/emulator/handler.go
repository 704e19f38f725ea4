package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
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
	rec := RecordedRequest{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
		Gateway:  s.gatewayOf(r.URL.Path),
	}
	ex := &exchange{r: r, body: body, gateway: rec.Gateway, lang: requestLang(r.Header)}
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
		line.WriteString(" biz=" + strconv.FormatInt(p.BizID, 10) + " set_template=" + strconv.FormatInt(p.SetTemplateID, 10) +
			" start=" + strconv.Itoa(p.Start) + " limit=" + strconv.Itoa(p.Limit) +
			" count=" + strconv.Itoa(ex.count) + " items=" + strconv.Itoa(ex.items))
	}
	if faulted {
		line.WriteString(" fault=injected")
	}
	line.WriteString(" took=" + time.Since(began).Round(time.Microsecond).String())
	s.opts.Log(line.String())
}

// gatewayOf tells which front door a path belongs to.
func (s *Server) gatewayOf(path string) string {
	switch {
	case path == ESBPath || path == strings.TrimSuffix(ESBPath, "/"):
		return GatewayESB
	case path == s.opts.StagePrefix || strings.HasPrefix(path, s.opts.StagePrefix+"/"):
		return GatewayAPIGW
	}
	return ""
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
	rawBiz, ok := fields["bk_biz_id"]
	if !ok || string(rawBiz) == "null" {
		return s.envelopeError(ex, CodeESBParamRequired, codeMessage(CodeESBParamRequired, ex.lang), nil, false)
	}
	// The ESB formats bk_biz_id into the CMDB path, so a numeric string works
	// and anything else fails in the CMDB as a bad path parameter.
	var bizText string
	if err := json.Unmarshal(rawBiz, &bizText); err != nil {
		bizText = string(rawBiz)
	}
	bizID, err := strconv.ParseInt(bizText, 10, 64)
	if err != nil {
		return s.envelopeError(ex, CodeCMDBParamInvalid, codeMessage(CodeCMDBParamInvalid, ex.lang), nil, false)
	}
	return s.query(ex, bizID, extraItems)
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

func (s *Server) answerAPIGW(ex *exchange, extraItems int) *response {
	rest := strings.TrimPrefix(ex.r.URL.Path, s.opts.StagePrefix)
	bizText, found := strings.CutPrefix(rest, APIGWResourcePrefix)
	bizText = strings.TrimSuffix(bizText, "/")
	if !found || bizText == "" || strings.Contains(bizText, "/") || ex.r.Method != http.MethodPost {
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
	bizID, err := strconv.ParseInt(bizText, 10, 64)
	if err != nil {
		return s.envelopeError(ex, CodeCMDBParamInvalid, codeMessage(CodeCMDBParamInvalid, ex.lang), nil, s.opts.BackendErrorKeys)
	}
	return s.query(ex, bizID, extraItems)
}

// queryInput is the CMDB's input of the API; unknown fields are ignored and
// the client's page sort is ignored (the CMDB always sorts by id).
type queryInput struct {
	SetTemplateID int64 `json:"set_template_id"`
	Page          *struct {
		Start int    `json:"start"`
		Limit int    `json:"limit"`
		Sort  string `json:"sort"`
	} `json:"page"`
}

// Page limits of the CMDB.
const (
	MaxPageLimit        = 1000 // accepted by the code
	DocumentedPageLimit = 500  // the documented maximum, enforced with Options.StrictLimits
)

// pageLimit is the largest limit the server accepts.
func (s *Server) pageLimit() int {
	if s.opts.StrictLimits {
		return DocumentedPageLimit
	}
	return MaxPageLimit
}

// query is the CMDB part: decode, validate, run the hook, answer the page.
func (s *Server) query(ex *exchange, bizID int64, extraItems int) *response {
	backendKeys := ex.gateway == GatewayAPIGW && s.opts.BackendErrorKeys
	var in queryInput
	if err := json.Unmarshal(ex.body, &in); err != nil {
		return s.envelopeError(ex, CodeCMDBJSONDecode, codeMessage(CodeCMDBJSONDecode, ex.lang), nil, backendKeys)
	}
	if in.SetTemplateID == 0 {
		return s.envelopeError(ex, CodeCMDBParamNeedSet, codeMessage(CodeCMDBParamNeedSet, ex.lang), nil, backendKeys)
	}
	if in.Page == nil || in.Page.Limit <= 0 || in.Page.Limit > s.pageLimit() || in.Page.Start < 0 {
		return s.envelopeError(ex, CodeCMDBPageLimit, codeMessage(CodeCMDBPageLimit, ex.lang), nil, backendKeys)
	}
	p := PageRequest{Gateway: ex.gateway, BizID: bizID, SetTemplateID: in.SetTemplateID, Start: in.Page.Start, Limit: in.Page.Limit}
	if h := s.hook.Load(); h != nil {
		s.hookMu.Lock()
		p.N = int(s.pageCount.Add(1))
		h.fn(p, &Mutator{s: s.store})
		s.hookMu.Unlock()
	} else {
		p.N = int(s.pageCount.Add(1))
	}
	ex.page = &p
	list := s.store.list(bizID, in.SetTemplateID)
	var items []entry
	if p.Start < len(list) {
		items = list[p.Start:min(len(list), p.Start+p.Limit+max(0, extraItems))]
	}
	ex.items, ex.count = len(items), len(list)
	return s.successPage(ex, len(list), items)
}

// successPage encodes a page from the cached instance encodings.
func (s *Server) successPage(ex *exchange, count int, items []entry) *response {
	size := 160 + len(items)
	for i := range items {
		size += len(items[i].json)
	}
	b := make([]byte, 0, size)
	b = append(b, `{"result":true,"code":0,"message":"success","permission":null,`...)
	resp := &response{status: http.StatusOK, header: http.Header{}}
	b = s.appendRequestID(b, ex, resp.header)
	b = append(b, `"data":{"count":`...)
	b = strconv.AppendInt(b, int64(count), 10)
	b = append(b, `,"info":[`...)
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, items[i].json...)
	}
	b = append(b, "]}}"...)
	resp.header.Set("Content-Type", "application/json")
	resp.body = b
	return resp
}

// appendRequestID adds the request id: "request_id" in an ESB body, headers
// X-Bkapi-Request-Id (uuid) and X-Request-Id on the gateway.
func (s *Server) appendRequestID(b []byte, ex *exchange, h http.Header) []byte {
	if ex.gateway == GatewayESB {
		b = append(b, `"request_id":"`...)
		b = append(b, newHexID()...)
		return append(b, `",`...)
	}
	h.Set("X-Bkapi-Request-Id", newUUID())
	h.Set("X-Request-Id", newHexID())
	return b
}

// envelopeError is a business error: HTTP 200, result false, data null.
func (s *Server) envelopeError(ex *exchange, code int64, msg string, permission any, backendKeys bool) *response {
	resp := &response{status: http.StatusOK, header: http.Header{}, code: code}
	var b bytes.Buffer
	b.WriteString(`{"result":false,`)
	codeKey, msgKey := `"code":`, `"message":`
	if backendKeys {
		codeKey, msgKey = `"bk_error_code":`, `"bk_error_msg":`
	}
	b.WriteString(codeKey + strconv.FormatInt(code, 10) + "," + msgKey)
	b.Write(appendJSONString(nil, msg))
	b.WriteString(`,"permission":`)
	if permission == nil {
		b.WriteString("null")
	} else if raw, err := json.Marshal(permission); err == nil {
		b.Write(raw)
	} else {
		b.WriteString("null")
	}
	b.WriteByte(',')
	b.Write(s.appendRequestID(nil, ex, resp.header))
	b.WriteString(`"data":null}`)
	resp.header.Set("Content-Type", "application/json")
	resp.body = b.Bytes()
	return resp
}

// gatewayError is an error of the API gateway itself: a real HTTP status,
// X-Bkapi-Error-Code, body {code, code_name, message, result, data}.
func (s *Server) gatewayError(status int, code int64, msg string) *response {
	resp := &response{status: status, header: http.Header{}, code: code}
	name := gatewayCodeNames[code]
	if name == "" {
		name = "UNKNOWN_ERROR"
	}
	body := map[string]any{"code": code, "code_name": name, "message": msg, "result": false, "data": nil}
	raw, _ := json.Marshal(body)
	resp.body = raw
	resp.header.Set("Content-Type", "application/json")
	resp.header.Set("X-Bkapi-Error-Code", strconv.FormatInt(code, 10))
	resp.header.Set("X-Bkapi-Error-Message", msg)
	resp.header.Set("X-Bkapi-Request-Id", newUUID())
	return resp
}

// rateLimited is the answer beyond the rate limit.
func (s *Server) rateLimited(ex *exchange, wait time.Duration) *response {
	if ex.gateway == GatewayESB {
		return s.envelopeError(ex, CodeESBRateLimit, codeMessage(CodeESBRateLimit, ex.lang), nil, false)
	}
	resp := s.gatewayError(http.StatusTooManyRequests, CodeGWRateLimit, codeMessage(CodeGWRateLimit, ex.lang))
	seconds := max(1, int((wait+time.Second-1)/time.Second))
	resp.header.Set("Retry-After", strconv.Itoa(seconds))
	limit, _ := s.limiterRate()
	resp.header.Set("X-Bkapi-RateLimit-Limit", strconv.Itoa(int(limit)))
	resp.header.Set("X-Bkapi-RateLimit-Remaining", "0")
	resp.header.Set("X-Bkapi-RateLimit-Reset", strconv.Itoa(seconds))
	return resp
}

func (s *Server) limiterRate() (float64, bool) {
	s.limiter.mu.Lock()
	defer s.limiter.mu.Unlock()
	return s.limiter.rps, s.limiter.rps > 0
}

// plain is a text answer outside any envelope.
func (s *Server) plain(status int, text string) *response {
	resp := &response{status: status, header: http.Header{}, body: []byte(text + "\n")}
	resp.header.Set("Content-Type", "text/plain; charset=utf-8")
	return resp
}

// htmlPage is what a proxy (nginx) in front of the service answers.
func htmlPage(status int) []byte {
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	return []byte("<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

// newHexID is 32 lower-case hex digits.
func newHexID() string {
	var b [32]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := 0; i < 16; i++ {
		b[i] = hexDigits[hi>>(60-4*i)&0xf]
		b[16+i] = hexDigits[lo>>(60-4*i)&0xf]
	}
	return string(b[:])
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	h := []byte(newHexID())
	h[12] = '4'
	h[16] = "89ab"[h[16]%4]
	return string(h[0:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:32])
}
