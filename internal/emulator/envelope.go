package emulator

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// success is a success envelope around data {count, info}; appendItems
// appends the comma-separated records of info, sizeHint their total size.
func (s *Server) success(ex *exchange, count, sizeHint int, appendItems func([]byte) []byte) *response {
	b := make([]byte, 0, 160+sizeHint)
	b = append(b, `{"result":true,"code":0,"message":"success","permission":null,`...)
	resp := &response{status: http.StatusOK, header: http.Header{}}
	b = s.appendRequestID(b, ex, resp.header)
	b = append(b, `"data":{"count":`...)
	b = strconv.AppendInt(b, int64(count), 10)
	b = append(b, `,"info":[`...)
	b = appendItems(b)
	b = append(b, "]}}"...)
	resp.header.Set("Content-Type", "application/json")
	resp.body = b
	return resp
}

// cmdbError is a CMDB business error of the request's API: the code's
// message in the request's language (with its argument, when given), in the
// backend keys on the gateway when Options.BackendErrorKeys says so.
func (s *Server) cmdbError(ex *exchange, code int64, arg ...string) *response {
	msg := codeMessage(code, ex.lang)
	if len(arg) > 0 {
		msg = codeMessagef(code, ex.lang, arg[0])
	}
	return s.envelopeError(ex, code, msg, nil, ex.gateway == GatewayAPIGW && s.opts.BackendErrorKeys)
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
