package cmdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// maxBodyBytes bounds one response body; a page of 500 records is far below it.
const maxBodyBytes = 64 << 20

// Rate-limit codes sent inside HTTP 200 envelopes; they are retried.
const (
	CodeESBRateLimit     = 1306429
	CodeCMDBRateLimit    = 1199997
	CodeGatewayRateLimit = 1642903
)

// IsRateLimitCode reports whether code is one of the rate-limit codes.
func IsRateLimitCode(code int64) bool {
	return code == CodeESBRateLimit || code == CodeCMDBRateLimit || code == CodeGatewayRateLimit
}

// page is one decoded page of a list API.
type page[T any] struct {
	count     int64
	items     []T
	requestID string
}

// envelopeFields are the envelope's fields besides data. Pointers are nil when a field
// is absent or null.
type envelopeFields struct {
	Result      *bool           `json:"result"`
	Code        *int64          `json:"code"`
	Message     *string         `json:"message"`
	BkErrorCode *int64          `json:"bk_error_code"`
	BkErrorMsg  *string         `json:"bk_error_msg"`
	Permission  json.RawMessage `json:"permission"`
	RequestID   string          `json:"request_id"`
}

// envelope is an HTTP 200 answer of a list API.
type envelope[T any] struct {
	envelopeFields
	Data *pageData[T] `json:"data"`
}

type pageData[T any] struct {
	Count *int64 `json:"count"`
	Info  []T    `json:"info"`
}

// infoState tells what data.info held.
type infoState uint8

const (
	infoMissing infoState = iota
	infoNull
	infoArray
)

// probeInfo tells an absent data.info from null and [], which all decode to no records.
// It decodes body again, so it is only used for a page without records.
func probeInfo(body []byte) infoState {
	var probe struct {
		Data *struct {
			Info json.RawMessage `json:"info"`
		} `json:"data"`
	}
	switch {
	case json.Unmarshal(body, &probe) != nil || probe.Data == nil || probe.Data.Info == nil:
		return infoMissing
	case string(probe.Data.Info) == "null":
		return infoNull
	}
	return infoArray
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readPage reads one response and closes its body, checks its status, and decodes it
// into dst's backing array (whose capacity bounds what is decoded in place). A
// failure is an *APIError whose Retryable field follows the contract.
func readPage[T any](c *Client, api *API, resp *http.Response, dst []T) (page[T], *APIError) {
	buf := bufPool.Get().(*bytes.Buffer) //nolint:forcetypeassert // the pool's New makes *bytes.Buffer only
	defer func() {
		if buf.Cap() <= 4<<20 { // don't keep unusually large buffers alive
			bufPool.Put(buf)
		}
	}()
	e := c.newAPIError(api, resp)
	body, err := readBody(resp, buf)
	if err != nil {
		e.Message, e.Err, e.Retryable = "response body cut off", err, true
		return page[T]{}, c.redact.apiError(e)
	}
	if !c.checkStatus(e, resp, body) {
		return page[T]{}, c.redact.apiError(e)
	}
	p, ok := decodePage(e, api, body, dst)
	if !ok {
		return page[T]{}, c.redact.apiError(e)
	}
	return p, nil
}

// readBody reads and closes resp's body into buf, at most maxBodyBytes+1 bytes.
func readBody(resp *http.Response, buf *bytes.Buffer) ([]byte, error) {
	buf.Reset()
	if resp.ContentLength > 0 && resp.ContentLength <= maxBodyBytes {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBodyBytes+1))
	_ = resp.Body.Close()
	resp.Body = http.NoBody
	return buf.Bytes(), err
}

// checkStatus reports whether resp is an HTTP 200 JSON object, for decodePage. For any
// other response it fills e: a body too large, a body that is not JSON (its content
// type and first bytes kept), or another status (its error envelope read where there
// is one).
func (c *Client) checkStatus(e *APIError, resp *http.Response, body []byte) bool {
	retryStatus := resp.StatusCode == http.StatusTooManyRequests ||
		(resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented)
	e.Retryable = retryStatus
	status := "unexpected HTTP status " + http.StatusText(resp.StatusCode)
	empty := len(bytes.TrimSpace(body)) == 0
	switch {
	case len(body) > maxBodyBytes:
		e.Message = fmt.Sprintf("response body larger than %d bytes", maxBodyBytes)
		return false
	case !looksLikeJSONObject(body):
		if resp.StatusCode == http.StatusOK || !empty || !retryStatus {
			e.ContentType, e.BodySnippet = resp.Header.Get("Content-Type"), c.bodySnippet(body)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			e.Message = "response is not JSON"
		case empty:
			e.Message = status
		default:
			e.Message = status + "; response is not JSON"
		}
		return false
	case resp.StatusCode == http.StatusOK:
		return true
	}
	var env envelopeFields
	err := json.Unmarshal(body, &env)
	if cutOff(body, err) {
		e.Message, e.Err, e.Retryable = "response body cut off", err, true
		return false
	}
	if err != nil {
		e.ContentType, e.BodySnippet, e.Err = resp.Header.Get("Content-Type"), c.bodySnippet(body), err
	}
	env.fill(e)
	if e.Message == "" {
		e.Message = status
	}
	return false
}

// decodePage decodes an HTTP 200 envelope of api with its records, straight into dst's
// backing array, and checks it; on failure it fills e and returns false. The answer of
// a counting API is data = {count}; that of an API with a Counter is data = {info},
// info null when nothing matches; that of any other has both.
func decodePage[T any](e *APIError, api *API, body []byte, dst []T) (page[T], bool) {
	clear(dst[:cap(dst)]) // a failed attempt may have left records behind
	data := pageData[T]{Info: dst[:0]}
	env := envelope[T]{Data: &data}
	err := json.Unmarshal(body, &env)
	if cutOff(body, err) {
		e.Message, e.Err, e.Retryable = "response body cut off", err, true
		return page[T]{}, false
	}
	env.fill(e)
	if err != nil {
		e.Message = "malformed response: " + describeJSONError(err)
		e.Code = 0
		if env.Code != nil {
			e.Code = *env.Code
		}
		return page[T]{}, false
	}
	ok := env.Result != nil && *env.Result
	if !ok || e.Code != 0 {
		switch {
		case env.Result == nil && e.Code == 0:
			e.Message = "malformed response: no result field" + suffix(e.Message)
		case ok:
			e.Message = "result is true but code is not 0" + suffix(e.Message)
		case e.Message == "":
			e.Message = "request failed"
		}
		e.Retryable = IsRateLimitCode(e.Code)
		return page[T]{}, false
	}
	var count *int64
	var items []T
	if env.Data != nil {
		count, items = env.Data.Count, env.Data.Info
	}
	info := infoArray
	if len(items) == 0 && !api.CountOnly {
		info = probeInfo(body)
	}
	switch {
	case api.CountOnly:
		return countAnswer[T](e, env.Data != nil, count)
	case api.Counter != nil && info == infoMissing && env.Data == nil:
		e.Message = "malformed response: data is missing"
	case api.Counter != nil && info == infoMissing:
		e.Message = "malformed response: data.info is missing"
	case api.Counter != nil: // no count in the answer; null info is an empty page
		return page[T]{items: items, requestID: e.RequestID}, true
	case count == nil && info == infoMissing:
		e.Message = "malformed response: data is missing"
	case count == nil:
		e.Message = "malformed response: data.count is missing"
	case *count < 0:
		e.Message = "malformed response: data.count is negative (" + strconv.FormatInt(*count, 10) + ")"
	case info == infoMissing:
		e.Message = "malformed response: data.info is missing"
	case info == infoNull && *count != 0:
		e.Message = "malformed response: data.info is null"
	default:
		return page[T]{count: *count, items: items, requestID: e.RequestID}, true
	}
	return page[T]{}, false
}

// countAnswer checks the count of a counting API's answer.
func countAnswer[T any](e *APIError, hasData bool, count *int64) (page[T], bool) {
	switch {
	case !hasData:
		e.Message = "malformed response: data is missing"
	case count == nil:
		e.Message = "malformed response: data.count is missing"
	case *count < 0:
		e.Message = "malformed response: data.count is negative (" + strconv.FormatInt(*count, 10) + ")"
	default:
		return page[T]{count: *count, requestID: e.RequestID}, true
	}
	return page[T]{}, false
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// newAPIError starts an APIError from what the response's status line and headers say.
func (c *Client) newAPIError(api *API, resp *http.Response) *APIError {
	e := &APIError{
		API:        api.Name,
		Gateway:    c.cfg.Gateway,
		StatusCode: resp.StatusCode,
		RequestID:  headerRequestID(resp.Header),
	}
	if v := resp.Header.Get("X-Bkapi-Error-Code"); v != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			e.Code = n
		}
	}
	return e
}

func headerRequestID(h http.Header) string {
	if v := h.Get("X-Bkapi-Request-Id"); v != "" {
		return v
	}
	return h.Get("X-Request-Id")
}

// fill copies what the envelope says into e: code (else bk_error_code), message
// (else bk_error_msg), the permission object, and the body's request_id, which wins
// over the headers'.
func (f *envelopeFields) fill(e *APIError) {
	switch {
	case f.Code != nil:
		e.Code = *f.Code
	case f.BkErrorCode != nil:
		e.Code = *f.BkErrorCode
	}
	switch {
	case f.Message != nil && *f.Message != "":
		e.Message = *f.Message
	case f.BkErrorMsg != nil:
		e.Message = *f.BkErrorMsg
	}
	if p := bytes.TrimSpace(f.Permission); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		e.Permission = append(json.RawMessage(nil), p...)
	}
	if f.RequestID != "" {
		e.RequestID = f.RequestID
	}
}

func (c *Client) bodySnippet(body []byte) string {
	// Redact before cutting, so a secret across the cut is still found.
	n := min(len(body), snippetLimit+c.maxNeedle)
	red := c.redact.string(string(body[:n]))
	return snippet([]byte(red))
}

func looksLikeJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// cutOff reports whether err, from decoding body, comes from a body that ends inside
// its JSON value (cut off mid-way) rather than one complete but wrong: a json.Decoder
// reading body then meets the end of its input too soon.
func cutOff(body []byte, err error) bool {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return false
	}
	var v json.RawMessage
	return errors.Is(json.NewDecoder(bytes.NewReader(body)).Decode(&v), io.ErrUnexpectedEOF)
}

func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Sprintf("field %s is a JSON %s, want %s", field, te.Value, te.Type)
	}
	return err.Error()
}
