package cmdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// snippetLimit is how many bytes of a non-JSON body an APIError keeps.
const snippetLimit = 200

// redacted replaces a secret value wherever it shows up in error text.
const redacted = "***"

// APIError reports a failed call to a CMDB API, in the style of go-github's ErrorResponse.
// Every failure of a Client method is an *APIError, except an inconsistent paging walk
// (*InconsistentError). Known secret values are redacted from every string field.
type APIError struct {
	// API is the CMDB API name, e.g. "list_service_instance_by_set_template".
	API string
	// Gateway is the front door that was used.
	Gateway Gateway
	// StatusCode is the HTTP status of the last response, 0 when there was none.
	StatusCode int
	// Code is the envelope's code (or bk_error_code, or the gateway's
	// X-Bkapi-Error-Code header), 0 when the server sent none.
	Code int64
	// Message is the envelope's message (or bk_error_msg), or the client's own
	// description of what was wrong with the response.
	Message string
	// RequestID is the body's request_id, else the X-Bkapi-Request-Id or X-Request-Id header.
	RequestID string
	// Permission is the raw envelope permission object, nil when null or absent.
	Permission json.RawMessage
	// ContentType and BodySnippet (its first 200 bytes) are set when the body was not JSON.
	ContentType string
	BodySnippet string
	// Attempts is how many HTTP attempts were made.
	Attempts int
	// Retryable tells whether the failure is of a class the client retries; when a
	// Client method returns it, its retries were used up.
	Retryable bool
	// Err is the underlying transport, read or decode error, if any.
	Err error
}

// Error implements error. The text names the API and every field the server sent.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.API)
	b.WriteString(": ")
	b.WriteString(e.Summary())
	if d := e.details(); len(d) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(d, ", "))
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, context.Canceled) works.
func (e *APIError) Unwrap() error { return e.Err }

// Summary is a one-line description of what went wrong, without the API name.
func (e *APIError) Summary() string {
	var parts []string
	if e.StatusCode != 0 {
		parts = append(parts, "HTTP "+strconv.Itoa(e.StatusCode))
	}
	if e.Code != 0 {
		parts = append(parts, "code "+strconv.FormatInt(e.Code, 10))
	}
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg == "" {
		msg = "request failed"
	}
	if len(parts) == 0 {
		return msg
	}
	return strings.Join(parts, ", ") + ": " + msg
}

// Detail is a multi-line description of every field the server sent, for a diagnostic.
func (e *APIError) Detail() string {
	var b strings.Builder
	fmt.Fprintf(&b, "API: %s\n", e.API)
	if e.Gateway != "" {
		fmt.Fprintf(&b, "Gateway: %s\n", e.Gateway)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "HTTP status: %d\n", e.StatusCode)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, "Code: %d\n", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, "Message: %s\n", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, "Request ID: %s\n", e.RequestID)
	}
	if len(e.Permission) > 0 {
		fmt.Fprintf(&b, "Permission: %s\n", e.Permission)
	}
	if e.ContentType != "" || e.BodySnippet != "" {
		fmt.Fprintf(&b, "Content type: %q\n", e.ContentType)
		fmt.Fprintf(&b, "Body (first %d bytes): %q\n", snippetLimit, e.BodySnippet)
	}
	if e.Err != nil && e.Message != "" {
		fmt.Fprintf(&b, "Cause: %v\n", e.Err)
	}
	if e.Attempts > 0 {
		fmt.Fprintf(&b, "Attempts: %d\n", e.Attempts)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (e *APIError) details() []string {
	var d []string
	if e.RequestID != "" {
		d = append(d, "request_id "+e.RequestID)
	}
	if len(e.Permission) > 0 {
		d = append(d, "permission "+string(e.Permission))
	}
	if e.ContentType != "" || e.BodySnippet != "" {
		d = append(d, fmt.Sprintf("content type %q, body %q", e.ContentType, e.BodySnippet))
	}
	if e.Err != nil && e.Message != "" {
		d = append(d, "cause: "+e.Err.Error())
	}
	if e.Attempts > 1 {
		d = append(d, "after "+strconv.Itoa(e.Attempts)+" attempts")
	}
	return d
}

// WalkCounts is what one paging walk saw.
type WalkCounts struct {
	// Counts are the distinct values of count the pages reported, in the order seen.
	Counts []int64
	// Distinct is how many distinct ids the walk collected.
	Distinct int
	// Shifted is set when records moved between two page reads: a page's extra
	// record was not the first record of the next page.
	Shifted bool
}

// InconsistentError reports that the data kept changing during a read: no walk of
// MaxWalks gave one consistent snapshot.
type InconsistentError struct {
	API   string
	Walks []WalkCounts
}

// Error implements error.
func (e *InconsistentError) Error() string {
	return e.API + ": " + e.Summary() + ": " + e.Detail()
}

// Summary is a one-line description, without the API name.
func (e *InconsistentError) Summary() string {
	return fmt.Sprintf("the data kept changing during the read; no consistent snapshot after %d walks", len(e.Walks))
}

// Detail gives the counts each walk saw.
func (e *InconsistentError) Detail() string {
	parts := make([]string, len(e.Walks))
	for i, w := range e.Walks {
		counts := make([]string, len(w.Counts))
		for j, c := range w.Counts {
			counts[j] = strconv.FormatInt(c, 10)
		}
		parts[i] = fmt.Sprintf("walk %d: count %s, %d distinct ids", i+1, strings.Join(counts, " then "), w.Distinct)
		if w.Shifted {
			parts[i] += ", records shifted between pages"
		}
	}
	return strings.Join(parts, "; ")
}

// IsRetryable reports whether err is of a transient class: one the client retries
// (connection errors, timeouts, cut-off bodies, 429, 5xx but 501, rate-limit codes)
// or an inconsistent walk. A later read may succeed; the client's own retries are spent.
func IsRetryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Retryable && !errors.Is(ae.Err, context.Canceled) && !errors.Is(ae.Err, context.DeadlineExceeded)
	}
	var ie *InconsistentError
	return errors.As(err, &ie)
}

// redactor removes known secret values from text.
type redactor struct {
	// needles are the secrets and their JSON- and URL-escaped forms, longest first.
	needles []string
}

func newRedactor(secrets ...string) redactor {
	var r redactor
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			r.needles = append(r.needles, s)
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		add(s)
		if j, err := json.Marshal(s); err == nil {
			add(string(j[1 : len(j)-1]))
		}
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
	}
	// Longest first, so a secret containing another is replaced whole.
	for i := 1; i < len(r.needles); i++ {
		for j := i; j > 0 && len(r.needles[j]) > len(r.needles[j-1]); j-- {
			r.needles[j], r.needles[j-1] = r.needles[j-1], r.needles[j]
		}
	}
	return r
}

func (r redactor) string(s string) string {
	for _, n := range r.needles {
		if strings.Contains(s, n) {
			s = strings.ReplaceAll(s, n, redacted)
		}
	}
	return s
}

// error wraps err so that its text is redacted; errors.Is/As still see err.
func (r redactor) error(err error) error {
	if err == nil || len(r.needles) == 0 {
		return err
	}
	msg := err.Error()
	if red := r.string(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// apiError redacts every string field of e in place and returns it.
func (r redactor) apiError(e *APIError) *APIError {
	e.Message = r.string(e.Message)
	e.RequestID = r.string(e.RequestID)
	e.BodySnippet = r.string(e.BodySnippet)
	e.ContentType = r.string(e.ContentType)
	if len(e.Permission) > 0 {
		e.Permission = json.RawMessage(r.string(string(e.Permission)))
	}
	e.Err = r.error(e.Err)
	return e
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// snippet returns the first snippetLimit bytes of body as valid UTF-8.
func snippet(body []byte) string {
	if len(body) > snippetLimit {
		body = body[:snippetLimit]
	}
	if utf8.Valid(body) {
		return string(body)
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}

// ProcessesMovedError reports that a set template's instances and their details never
// agreed: in each of Reads reads, instances or processes moved between the two reads.
// The counts and ids are those of the last read.
type ProcessesMovedError struct {
	Reads     int
	Instances int      // instances in the list
	Details   int      // details read
	Missing   idSample // instances of the list without details
	Extra     idSample // details of instances not in the list
	Moved     idSample // details in another module or on another host than the list says
}

// idSample counts ids and keeps the first few of them.
type idSample struct {
	Count int
	IDs   []int64
}

// maxSampleIDs bounds the ids an idSample keeps.
const maxSampleIDs = 5

func (s *idSample) add(id int64) {
	s.Count++
	if len(s.IDs) < maxSampleIDs {
		s.IDs = append(s.IDs, id)
	}
}

func (s idSample) String() string {
	ids := make([]string, len(s.IDs))
	for i, id := range s.IDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	text := strconv.Itoa(s.Count)
	if len(ids) > 0 {
		text += " (" + strings.Join(ids, ", ")
		if more := s.Count - len(ids); more > 0 {
			text += fmt.Sprintf(" and %d more", more)
		}
		text += ")"
	}
	return text
}

// Error implements error.
func (e *ProcessesMovedError) Error() string {
	return APIListServiceInstanceDetail + ": " + e.Summary() + ": " + e.Detail()
}

// Summary is a one-line description, without the API name.
func (e *ProcessesMovedError) Summary() string {
	return fmt.Sprintf("the service instances and their processes did not agree in %d reads", e.Reads)
}

// Detail says what differed in the last read.
func (e *ProcessesMovedError) Detail() string {
	return fmt.Sprintf("last read: %d instances in %s, %d with details in %s; instances without details: %s; "+
		"details of instances not in the list: %s; in another module or on another host: %s",
		e.Instances, APIListServiceInstanceBySetTemplate, e.Details, APIListServiceInstanceDetail, e.Missing, e.Extra, e.Moved)
}
