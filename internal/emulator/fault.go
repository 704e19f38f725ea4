package emulator

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a scripted answer. Injected faults form a FIFO queue: a request
// takes the first queued fault that applies to it (see Gateway and Match);
// the fault serves Times requests, then leaves the queue. A request that
// takes a fault skips the rate limit. Faults apply to every API.
//
// What the request gets:
//   - Body set: HTTP Status (0 = 200) with Body as is, Content-Type
//     ContentType (default: application/json when Body starts with '{' or
//     '[', else text/html; charset=utf-8). For HTML login pages, malformed
//     envelopes ("data" missing, ids as strings, result true with a code...).
//   - else Status 0/200 with Code != 0: a business error envelope of the
//     request's gateway (HTTP 200, result false, data null, request id in the
//     body for the ESB or in headers for the gateway), e.g. 1306429, 1199997,
//     1642903, 9900403 (with Permission, or a default permission object).
//   - else Status >= 300 with Code != 0, or a gateway request whose Status has
//     a gateway code (400, 403, 404, 429, 502, 504): the gateway error
//     {code, code_name, message, result:false, data:null} with X-Bkapi-Error-Code.
//   - else Status >= 300: an nginx HTML error page with that status.
//   - else (Status 0/200, Code 0, no Body): the real answer, possibly with
//     ExtraItems more items than asked, after Delay.
//
// Then Header is applied (e.g. "Retry-After": "2" or an HTTP date), and
// Truncate or DropMidBody cut the body, whatever it is:
//   - Truncate sends the first half of the body with a Content-Length equal
//     to what is sent: the HTTP exchange is complete and valid, but the JSON
//     ends mid-way, so the client's JSON decoder fails with an unexpected end
//     of input. This is "truncated JSON" as a client sees it.
//   - DropMidBody sends the headers with the full Content-Length and half of
//     the body, then closes the connection (hijacked): the client's transport
//     sees an unexpected EOF while reading the body, "reset mid-body".
type Fault struct {
	Status      int               // HTTP status (0 = 200)
	Code        int64             // envelope or gateway error code
	Message     string            // default: the code's message in the request's language
	Permission  any               // permission object of the envelope (9900403)
	Header      map[string]string // extra headers, applied last
	Body        string            // raw body sent as is
	ContentType string            // Content-Type of Body (or of any answer, when set)
	DropMidBody bool              // send half the body, then close the connection
	Truncate    bool              // send half the body as a complete response
	Delay       time.Duration     // sleep before answering (ends early if the client goes away)
	Times       int               // how many requests it serves (0 = 1)
	// BackendErrorKeys makes an error envelope use bk_error_code/bk_error_msg.
	BackendErrorKeys bool
	// ExtraItems makes a real page carry that many items beyond its limit.
	ExtraItems int
	// Gateway, when set (GatewayESB or GatewayAPIGW), restricts the fault to
	// requests of that front door.
	Gateway string
	// API, when set (e.g. APIListBizHosts), restricts the fault to requests
	// of that CMDB API.
	API string
	// Match, when set, restricts the fault to requests for which it returns
	// true. It runs under the fault queue's lock: it must not call the Server.
	Match func(r RecordedRequest) bool
}

// queuedFault is a Fault with its remaining uses.
type queuedFault struct {
	Fault
	left int
}

// Inject queues faults, in order, after those already queued.
func (s *Server) Inject(f ...Fault) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	for _, one := range f {
		s.faults = append(s.faults, &queuedFault{Fault: one, left: max(1, one.Times)})
	}
}

// PendingFaults returns how many request slots the queued faults still hold.
func (s *Server) PendingFaults() int {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	n := 0
	for _, q := range s.faults {
		n += q.left
	}
	return n
}

// ClearFaults empties the fault queue.
func (s *Server) ClearFaults() {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults = nil
}

// takeFault consumes one use of the first queued fault that applies to rec.
func (s *Server) takeFault(rec RecordedRequest) *Fault {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	for i, q := range s.faults {
		if q.Gateway != "" && q.Gateway != rec.Gateway || q.API != "" && q.API != rec.API {
			continue
		}
		if q.Match != nil && !q.Match(rec) {
			continue
		}
		q.left--
		if q.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		f := q.Fault
		return &f
	}
	return nil
}

// faultResponse builds the answer of a fault, before Header/Truncate/DropMidBody.
func (s *Server) faultResponse(ex *exchange, f *Fault) *response {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	msg := f.Message
	if msg == "" && f.Code != 0 {
		msg = codeMessage(f.Code, ex.lang)
	}
	switch {
	case f.Body != "":
		resp := &response{status: status, header: http.Header{}, body: []byte(f.Body), code: f.Code}
		ct := "text/html; charset=utf-8"
		if t := strings.TrimSpace(f.Body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			ct = "application/json"
		}
		resp.header.Set("Content-Type", ct)
		if ex.gateway == GatewayAPIGW {
			resp.header.Set("X-Bkapi-Request-Id", newUUID())
		}
		return resp
	case status == http.StatusOK && f.Code != 0:
		permission := f.Permission
		if permission == nil && f.Code == CodeIAMNoPermission {
			permission = defaultPermission()
		}
		return s.envelopeError(ex, f.Code, msg, permission, f.BackendErrorKeys)
	case status >= 300:
		code := f.Code
		if code == 0 && ex.gateway == GatewayAPIGW {
			code = statusGatewayCodes[status]
			if f.Message == "" {
				msg = codeMessage(code, ex.lang)
			}
		}
		if code != 0 {
			return s.gatewayError(status, code, msg)
		}
		resp := &response{status: status, header: http.Header{}, body: htmlPage(status)}
		resp.header.Set("Content-Type", "text/html")
		return resp
	}
	resp := s.answer(ex, f.ExtraItems)
	if status != http.StatusOK {
		resp.status = status
	}
	return resp
}

// defaultPermission is the permission object of an IAM denial.
func defaultPermission() map[string]any {
	return map[string]any{
		"system_id":   "bk_cmdb",
		"system_name": "配置平台",
		"actions": []map[string]any{{
			"id":   "find_business_resource",
			"name": "业务访问",
			"related_resource_types": []map[string]any{{
				"system_id": "bk_cmdb", "system_name": "配置平台", "type": "biz", "type_name": "业务",
				"instances": [][]map[string]any{{{"type": "biz", "type_name": "业务", "id": "2", "name": "mall"}}},
			}},
		}},
	}
}

// write sends resp, applying the fault's headers and cuts.
func (s *Server) write(w http.ResponseWriter, resp *response, f *Fault) {
	if f != nil {
		if f.ContentType != "" {
			resp.header.Set("Content-Type", f.ContentType)
		}
		for k, v := range f.Header {
			resp.header.Set(k, v)
		}
	}
	body := resp.body
	if f != nil && f.DropMidBody {
		if s.dropMidBody(w, resp) {
			return
		}
	}
	if f != nil && f.Truncate {
		body = body[:len(body)/2]
	}
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(body)
}

// dropMidBody writes the status line, the headers with the full
// Content-Length and half the body on the raw connection, then closes it.
// Without a hijackable connection it aborts the handler after half the body.
func (s *Server) dropMidBody(w http.ResponseWriter, resp *response) bool {
	half := resp.body[:len(resp.body)/2]
	hj, ok := w.(http.Hijacker)
	if !ok {
		h := w.Header()
		for k, v := range resp.header {
			h[k] = v
		}
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
		w.WriteHeader(resp.status)
		_, _ = w.Write(half)
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return false
	}
	defer conn.Close()
	writeRawResponse(rw.Writer, resp, len(resp.body), half)
	return true
}

// writeRawResponse writes a response by hand on a hijacked connection. A bufio.Writer
// keeps its first error and returns it from every later call, so only Flush's matters;
// the connection is dropped on purpose right after, so even that one is not acted on.
func writeRawResponse(bw *bufio.Writer, resp *response, contentLength int, body []byte) {
	_, _ = bw.WriteString("HTTP/1.1 " + strconv.Itoa(resp.status) + " " + http.StatusText(resp.status) + "\r\n")
	h := resp.header.Clone()
	h.Set("Content-Length", strconv.Itoa(contentLength))
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	_ = h.Write(bw)
	_, _ = bw.WriteString("\r\n")
	_, _ = bw.Write(body)
	_ = bw.Flush()
}
