package cmdb

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// call is the state of one API call across its HTTP attempts. Its methods are the
// retryablehttp hooks: check reads and decodes the body inside the retry loop, so
// a body cut off mid-way is retried like any other transient failure, and stashes
// the decoded page so that nothing is decoded twice.
type call struct {
	c        *Client
	ctx      context.Context
	dst      []ServiceInstance
	attempts int
	started  time.Time

	page    page
	lastErr *APIError
}

// do runs req with retries and returns the decoded page or an error.
func (a *call) do(req *retryablehttp.Request) (page, error) {
	rc := &retryablehttp.Client{
		HTTPClient:   a.c.http,
		Logger:       nil, // never retryablehttp's stderr logger; see check and backoff
		RetryWaitMin: a.c.cfg.RetryWaitMin,
		RetryWaitMax: a.c.cfg.RetryWaitMax,
		RetryMax:     a.c.cfg.MaxRetries,
		CheckRetry:   a.check,
		Backoff:      a.backoff,
		ErrorHandler: a.giveUp,
	}
	a.started = time.Now()
	resp, err := rc.Do(req)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			return page{}, err
		}
		// The context ended during a backoff: retryablehttp returns ctx.Err() as is.
		return page{}, a.wrapCtxErr(err)
	}
	_ = resp.Body.Close()
	return a.page, nil
}

func (a *call) wrapCtxErr(err error) *APIError {
	e := &APIError{
		API:      APIListServiceInstanceBySetTemplate,
		Gateway:  a.c.cfg.Gateway,
		Attempts: a.attempts,
		Err:      err,
		Message:  "request cancelled",
	}
	if last := a.lastErr; last != nil {
		e.StatusCode, e.Code, e.RequestID = last.StatusCode, last.Code, last.RequestID
		e.Message += "; last failure: " + last.Summary()
	}
	return a.c.redact.apiError(e)
}

// check is the CheckRetry hook, called once per attempt.
func (a *call) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	a.attempts++
	start := a.started
	a.started = time.Now()
	if ctx.Err() != nil {
		if resp != nil {
			_ = resp.Body.Close()
			resp.Body = http.NoBody
		}
		return false, a.wrapCtxErr(ctx.Err())
	}
	if err != nil {
		e := a.c.transportError(err)
		e.Attempts = a.attempts
		a.lastErr = e
		a.c.log.Debug(a.ctx, "cmdb request failed", map[string]any{
			"api": APIListServiceInstanceBySetTemplate, "attempt": a.attempts,
			"error": e.Summary(), "retryable": e.Retryable, "duration_ms": time.Since(start).Milliseconds(),
		})
		return e.Retryable, e
	}
	p, e := a.c.readPage(resp, a.dst)
	if ctx.Err() != nil {
		return false, a.wrapCtxErr(ctx.Err())
	}
	fields := map[string]any{
		"api": APIListServiceInstanceBySetTemplate, "attempt": a.attempts,
		"status": resp.StatusCode, "duration_ms": time.Since(start).Milliseconds(),
	}
	if e == nil {
		a.page, a.lastErr = p, nil
		fields["request_id"], fields["count"], fields["items"] = p.requestID, p.count, len(p.items)
		a.c.log.Debug(a.ctx, "cmdb response", fields)
		return false, nil
	}
	e.Attempts = a.attempts
	a.lastErr = e
	fields["request_id"], fields["code"], fields["error"], fields["retryable"] = e.RequestID, e.Code, e.Summary(), e.Retryable
	a.c.log.Debug(a.ctx, "cmdb response", fields)
	return e.Retryable, e
}

// backoff is the Backoff hook: jittered exponential from RetryWaitMin, at least what
// Retry-After asks, never more than RetryWaitMax.
func (a *call) backoff(minWait, maxWait time.Duration, attemptNum int, resp *http.Response) time.Duration {
	wait := jitteredBackoff(minWait, maxWait, attemptNum)
	if resp != nil {
		if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && ra > wait {
			wait = ra
		}
	}
	wait = min(wait, maxWait)
	fields := map[string]any{
		"api": APIListServiceInstanceBySetTemplate, "attempt": a.attempts,
		"wait_ms": wait.Milliseconds(), "retries_left": a.c.cfg.MaxRetries - attemptNum,
	}
	if a.lastErr != nil {
		fields["error"] = a.lastErr.Summary()
	}
	a.c.log.Warn(a.ctx, "cmdb request will be retried", fields)
	a.started = time.Now().Add(wait)
	return wait
}

// giveUp is the ErrorHandler hook: it returns the last failure as it is.
func (a *call) giveUp(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return nil, ae
	}
	if a.lastErr != nil {
		return nil, a.lastErr
	}
	return nil, a.wrapCtxErr(err)
}

// jitteredBackoff returns a wait in [base/2, base] where base = minWait·2^attempt,
// and within [minWait, maxWait].
func jitteredBackoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	if maxWait < minWait {
		maxWait = minWait
	}
	base := minWait
	for i := 0; i < attempt && base < maxWait; i++ {
		base *= 2
	}
	base = min(base, maxWait)
	wait := base
	if half := base / 2; half > 0 {
		wait = half + rand.N(half+1)
	}
	return max(wait, minWait)
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date.
// A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	// HTTP dates have whole seconds; round the wait up so it is never shorter.
	d := t.Sub(now)
	if d <= 0 {
		return 0, true
	}
	return d.Truncate(time.Millisecond) + time.Millisecond, true
}

// transportError classifies an error from http.Client.Do. Certificate and TLS
// handshake failures are permanent; everything else (refused, reset, timeouts) is retried.
func (c *Client) transportError(err error) *APIError {
	e := &APIError{
		API:       APIListServiceInstanceBySetTemplate,
		Gateway:   c.cfg.Gateway,
		Err:       err,
		Retryable: true,
	}
	var (
		unknownAuth *x509.UnknownAuthorityError
		certInvalid x509.CertificateInvalidError
		hostname    x509.HostnameError
		verify      *tls.CertificateVerificationError
		record      tls.RecordHeaderError
		alert       tls.AlertError
	)
	switch {
	case errors.As(err, &unknownAuth), errors.As(err, &certInvalid), errors.As(err, &hostname), errors.As(err, &verify):
		e.Message = "TLS certificate verification failed"
		e.Retryable = false
	case errors.As(err, &record), errors.As(err, &alert):
		e.Message = "TLS handshake failed"
		e.Retryable = false
	case isTimeout(err):
		e.Message = "request timed out"
	default:
		e.Message = "connection failed"
	}
	return c.redact.apiError(e)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
