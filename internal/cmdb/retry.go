package cmdb

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry policy: how long to wait before attempt n+1, and which transport errors
// are worth another attempt. Which answers are retried is decided where they are
// read (envelope.go).

// retryWait is the wait before the retry after attempt attempt: jittered exponential
// from minWait, at least what resp's Retry-After asks, never more than maxWait.
func retryWait(minWait, maxWait time.Duration, attempt int, resp *http.Response, now time.Time) time.Duration {
	wait := jitteredBackoff(minWait, maxWait, attempt)
	if resp != nil {
		if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok && ra > wait {
			wait = ra
		}
	}
	return min(wait, maxWait)
}

// jitteredBackoff returns a wait in [base/2, base] where base = minWait·2^attempt
// capped at maxWait, and never below minWait.
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
func (c *Client) transportError(api *API, err error) *APIError {
	e := &APIError{
		API:       api.Name,
		Gateway:   c.cfg.Gateway,
		Err:       err,
		Retryable: true,
	}
	// crypto/x509 returns its errors as values; crypto/tls its verification error as a pointer.
	var (
		unknownAuth x509.UnknownAuthorityError
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
