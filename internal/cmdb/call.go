package cmdb

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// fetchPage is the client's one call path: it sends the request of r for limit
// records from start through the retry policy, and decodes the answer into dst's
// backing array (cap(dst) must be at least 1).
func fetchPage[T any](ctx context.Context, c *Client, r *request, start, limit int, dst []T) (page[T], error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, r.url, r.pageBody(start, limit))
	if err != nil {
		return page[T]{}, c.redact.apiError(&APIError{API: r.api.Name, Gateway: c.cfg.Gateway, Message: "cannot build request", Err: err})
	}
	req.Header = c.header.Clone()
	a := &call[T]{c: c, ctx: ctx, api: r.api, dst: dst}
	return a.do(req)
}

// call is the state of one API call across its HTTP attempts. Its methods are the
// retryablehttp hooks: check reads and decodes the body inside the retry loop, so
// a body cut off mid-way is retried like any other transient failure, and stashes
// the decoded page so that nothing is decoded twice.
type call[T any] struct {
	c        *Client
	ctx      context.Context
	api      *API
	dst      []T
	attempts int
	started  time.Time     // when the current attempt was sent
	waited   time.Duration // how long the current attempt waited for the limiter

	page    page[T]
	lastErr *APIError
}

// do runs req with retries and returns the decoded page or an error.
func (a *call[T]) do(req *retryablehttp.Request) (page[T], error) {
	rc := &retryablehttp.Client{
		HTTPClient:   a.c.http,
		Logger:       nil, // never retryablehttp's stderr logger; see check and backoff
		RetryWaitMin: a.c.cfg.RetryWaitMin,
		RetryWaitMax: a.c.cfg.RetryWaitMax,
		RetryMax:     a.c.cfg.MaxRetries,
		// Run before each attempt, outside http.Client.Do, so that the per-attempt
		// timeout does not count the wait for the limiter.
		RequestLogHook: a.pace,
		CheckRetry:     a.check,
		Backoff:        a.backoff,
		ErrorHandler:   a.giveUp,
	}
	resp, err := rc.Do(req)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			return page[T]{}, err
		}
		// The context ended during a backoff: retryablehttp returns ctx.Err() as is.
		return page[T]{}, a.wrapCtxErr(err)
	}
	_ = resp.Body.Close()
	return a.page, nil
}

func (a *call[T]) wrapCtxErr(err error) *APIError {
	e := &APIError{
		API:      a.api.Name,
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

// pace is the RequestLogHook, run before each attempt, the first and every retry: it
// waits for the client's limiter. A wait that ends with the context (cancelled, or a
// deadline that comes before the next token) leaves the attempt to fail at once as
// cancelled, unsent: Transport checks the context before it dials.
func (a *call[T]) pace(_ retryablehttp.Logger, req *http.Request, _ int) {
	a.waited = 0
	if lim := a.c.limiter; lim != nil {
		start := time.Now()
		ctx := req.Context()
		if err := lim.Wait(ctx); err != nil && ctx.Err() == nil {
			<-ctx.Done() // the next token comes after the deadline: Wait refused at once
		}
		a.waited = time.Since(start)
	}
	a.started = time.Now()
}

// check is the CheckRetry hook, called once per attempt.
func (a *call[T]) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	a.attempts++
	start := a.started
	if ctx.Err() != nil {
		if resp != nil {
			_ = resp.Body.Close()
			resp.Body = http.NoBody
		}
		return false, a.wrapCtxErr(ctx.Err())
	}
	if err != nil {
		e := a.c.transportError(a.api, err)
		e.Attempts = a.attempts
		a.lastErr = e
		a.c.log.Debug(a.ctx, "cmdb request failed", map[string]any{
			"api": a.api.Name, "attempt": a.attempts,
			"error": e.Summary(), "retryable": e.Retryable, "duration_ms": time.Since(start).Milliseconds(),
			"rate_wait_ms": a.waited.Milliseconds(),
		})
		return e.Retryable, e
	}
	p, e := readPage(a.c, a.api, resp, a.dst)
	if ctx.Err() != nil {
		return false, a.wrapCtxErr(ctx.Err())
	}
	fields := map[string]any{
		"api": a.api.Name, "attempt": a.attempts,
		"status": resp.StatusCode, "duration_ms": time.Since(start).Milliseconds(),
		"rate_wait_ms": a.waited.Milliseconds(),
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
func (a *call[T]) backoff(minWait, maxWait time.Duration, attemptNum int, resp *http.Response) time.Duration {
	wait := retryWait(minWait, maxWait, attemptNum, resp, time.Now())
	fields := map[string]any{
		"api": a.api.Name, "attempt": a.attempts,
		"wait_ms": wait.Milliseconds(), "retries_left": a.c.cfg.MaxRetries - attemptNum,
	}
	if a.lastErr != nil {
		fields["error"] = a.lastErr.Summary()
	}
	a.c.log.Warn(a.ctx, "cmdb request will be retried", fields)
	return wait
}

// giveUp is the ErrorHandler hook: it returns the last failure as it is.
func (a *call[T]) giveUp(resp *http.Response, err error, _ int) (*http.Response, error) {
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
