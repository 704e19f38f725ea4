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

// maxBodyBytes bounds one response body; 500 records are far below it.
const maxBodyBytes = 64 << 20

// Rate-limit codes sent inside HTTP 200 envelopes; they are retried.
const (
	CodeESBRateLimit     = 1306429
	CodeCMDBRateLimit    = 1199997
	CodeGatewayRateLimit = 1642903
)

func isRateLimitCode(code int64) bool {
	return code == CodeESBRateLimit || code == CodeCMDBRateLimit || code == CodeGatewayRateLimit
}

// page is one decoded page of list_service_instance_by_set_template.
type page struct {
	count     int64
	items     []ServiceInstance
	requestID string
}

// errorEnvelope is decoded from non-200 answers: their data is never needed.
type errorEnvelope struct {
	Result      *bool           `json:"result"`
	Code        *int64          `json:"code"`
	Message     *string         `json:"message"`
	BkErrorCode *int64          `json:"bk_error_code"`
	BkErrorMsg  *string         `json:"bk_error_msg"`
	Permission  json.RawMessage `json:"permission"`
	RequestID   string          `json:"request_id"`
}

var (
	bufPool     = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	decoderPool = sync.Pool{New: func() any { return new(pageDecoder) }}
)

// readPage reads and decodes one response into dst's backing array (whose
// capacity bounds what is decoded in place) and closes its body. A failure is an
// *APIError whose Retryable field follows the contract.
func (c *Client) readPage(resp *http.Response, dst []ServiceInstance) (page, *APIError) {
	buf := bufPool.Get().(*bytes.Buffer) //nolint:forcetypeassert // the pool's New makes *bytes.Buffer only
	buf.Reset()
	defer func() {
		if buf.Cap() <= 4<<20 { // don't keep unusually large buffers alive
			bufPool.Put(buf)
		}
	}()
	if resp.ContentLength > 0 && resp.ContentLength <= maxBodyBytes {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	_, rerr := buf.ReadFrom(io.LimitReader(resp.Body, maxBodyBytes+1))
	_ = resp.Body.Close()
	resp.Body = http.NoBody
	body := buf.Bytes()

	e := c.newAPIError(resp)
	retryStatus := resp.StatusCode == http.StatusTooManyRequests ||
		(resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented)

	if rerr != nil {
		e.Message = "response body cut off"
		e.Err = rerr
		e.Retryable = true
		return page{}, c.redact.apiError(e)
	}
	if len(body) > maxBodyBytes {
		e.Message = fmt.Sprintf("response body larger than %d bytes", maxBodyBytes)
		e.Retryable = retryStatus
		return page{}, c.redact.apiError(e)
	}

	if !looksLikeJSONObject(body) {
		if resp.StatusCode == http.StatusOK || len(bytes.TrimSpace(body)) > 0 || !retryStatus {
			e.ContentType = resp.Header.Get("Content-Type")
			e.BodySnippet = c.bodySnippet(body)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			e.Message = "response is not JSON"
		case len(bytes.TrimSpace(body)) == 0:
			e.Message = "unexpected HTTP status " + http.StatusText(resp.StatusCode)
		default:
			e.Message = "unexpected HTTP status " + http.StatusText(resp.StatusCode) + "; response is not JSON"
		}
		e.Retryable = retryStatus
		return page{}, c.redact.apiError(e)
	}

	if resp.StatusCode != http.StatusOK {
		var env errorEnvelope
		err := json.Unmarshal(body, &env)
		if isTruncatedJSON(err) {
			e.Message = "response body cut off"
			e.Err = err
			e.Retryable = true
			return page{}, c.redact.apiError(e)
		}
		if err != nil {
			e.ContentType = resp.Header.Get("Content-Type")
			e.BodySnippet = c.bodySnippet(body)
			e.Err = err
		}
		fillEnvelopeFields(e, env.Code, env.BkErrorCode, env.Message, env.BkErrorMsg, env.Permission, env.RequestID)
		if e.Message == "" {
			e.Message = "unexpected HTTP status " + http.StatusText(resp.StatusCode)
		}
		e.Retryable = retryStatus
		return page{}, c.redact.apiError(e)
	}

	// HTTP 200: decode the envelope with its records in one pass, straight into
	// dst's backing array.
	clear(dst[:cap(dst)])
	dec := decoderPool.Get().(*pageDecoder) //nolint:forcetypeassert // the pool's New makes *pageDecoder only
	env, err := dec.decodeEnvelope(body, dst)
	if cap(dec.arena) <= 4<<20 { // don't keep unusually large arenas alive
		decoderPool.Put(dec)
	}
	if isTruncatedJSON(err) {
		e.Message = "response body cut off"
		e.Err = err
		e.Retryable = true
		return page{}, c.redact.apiError(e)
	}
	fillEnvelopeFields(e, env.Code, env.BkErrorCode, env.Message, env.BkErrorMsg, env.Permission, env.RequestID)
	if err != nil {
		e.Message = "malformed response: " + describeJSONError(err)
		e.Code = 0
		if env.Code != nil {
			e.Code = *env.Code
		}
		return page{}, c.redact.apiError(e)
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
		e.Retryable = isRateLimitCode(e.Code)
		return page{}, c.redact.apiError(e)
	}
	switch {
	case env.Count == nil && env.InfoState == infoMissing:
		e.Message = "malformed response: data is missing"
	case env.Count == nil:
		e.Message = "malformed response: data.count is missing"
	case *env.Count < 0:
		e.Message = "malformed response: data.count is negative (" + strconv.FormatInt(*env.Count, 10) + ")"
	case env.InfoState == infoMissing:
		e.Message = "malformed response: data.info is missing"
	case env.InfoState == infoNull && *env.Count != 0:
		e.Message = "malformed response: data.info is null"
	default:
		return page{count: *env.Count, items: env.Info, requestID: e.RequestID}, nil
	}
	return page{}, c.redact.apiError(e)
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// newAPIError starts an APIError from what the response's status line and headers say.
func (c *Client) newAPIError(resp *http.Response) *APIError {
	e := &APIError{
		API:        APIListServiceInstanceBySetTemplate,
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

func fillEnvelopeFields(e *APIError, code, bkCode *int64, msg, bkMsg *string, perm json.RawMessage, requestID string) {
	switch {
	case code != nil:
		e.Code = *code
	case bkCode != nil:
		e.Code = *bkCode
	}
	switch {
	case msg != nil && *msg != "":
		e.Message = *msg
	case bkMsg != nil:
		e.Message = *bkMsg
	}
	if p := bytes.TrimSpace(perm); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		e.Permission = append(json.RawMessage(nil), p...)
	}
	if requestID != "" {
		e.RequestID = requestID
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

// isTruncatedJSON tells a body that ends mid-value from one that is complete but wrong.
func isTruncatedJSON(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var se *json.SyntaxError
	return errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of JSON input")
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
