package cmdb

import (
	"context"
	"crypto/sha256"
	"reflect"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"
)

// sharedReads lets identical List calls of one client share one paging walk: calls
// that arrive while the walk is in flight wait for it (singleflight), and calls that
// come after it get its result, kept for the life of the client. A failed walk is not
// kept: its error goes to the calls that waited for it, and the next call walks again.
type sharedReads struct {
	group singleflight.Group
	mu    sync.Mutex
	done  map[string]any // key → *ListResult[T] of a walk that succeeded
}

// walkOutcome is what the walk of a key hands to every call waiting for it.
type walkOutcome struct {
	res any // *ListResult[T]; nil on failure
	// abandoned: the walk failed because the context of the call that started it
	// ended; the other calls, whose contexts did not, walk again.
	abandoned bool
}

// readKey is what makes two List calls identical: the record type, the API, the URL
// and the body as sent, minus the page. It is hashed, so that no credential of an ESB
// body is kept as such.
func readKey[T any](r *request) string {
	return r.key(reflect.TypeFor[T]().String())
}

// key is the hashed key of the reads of r whose result is of the type named kind.
func (r *request) key(kind string) string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(kind), []byte(r.api.Name), []byte(r.url), r.head, r.tail} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return string(h.Sum(nil))
}

func (s *sharedReads) load(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.done[key]
	return v, ok
}

func (s *sharedReads) store(key string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		s.done = map[string]any{}
	}
	s.done[key] = v
}

// share returns the result of walk for the key of r and T: a kept result, the result
// of a walk in flight, or a new walk's, run with the context of the call that starts
// it. A call whose context ends while it waits returns at once, cancelled.
func share[T any](ctx context.Context, c *Client, r *request, walk func(context.Context) (*ListResult[T], error)) (*ListResult[T], error) {
	return shareRead(ctx, c, readKey[T](r), r.api.Name, walk, func(res *ListResult[T]) map[string]any {
		return map[string]any{"api": r.api.Name, "count": res.Count, "items": len(res.Items)}
	})
}

// shareRead is share for any result R of a read named key: logFields describe a
// shared result in the debug log.
func shareRead[R any](ctx context.Context, c *Client, key, apiName string, walk func(context.Context) (R, error), logFields func(R) map[string]any) (R, error) {
	var zero R
	if v, ok := c.reads.load(key); ok {
		res := v.(R) //nolint:forcetypeassert // the key holds the type
		fields := logFields(res)
		fields["from"] = "an earlier walk"
		c.log.Debug(ctx, "cmdb read shared", fields)
		return res, nil
	}
	for {
		var walked atomic.Bool // set by the one call whose function runs
		ch := c.reads.group.DoChan(key, func() (any, error) {
			walked.Store(true)
			if v, ok := c.reads.load(key); ok { // kept after this call looked
				return walkOutcome{res: v}, nil
			}
			res, err := walk(ctx)
			if err != nil {
				return walkOutcome{abandoned: ctx.Err() != nil}, err
			}
			c.reads.store(key, res)
			return walkOutcome{res: res}, nil
		})
		var out singleflight.Result
		select {
		case out = <-ch:
		case <-ctx.Done():
			if !walked.Load() {
				return zero, &APIError{API: apiName, Gateway: c.cfg.Gateway, Message: "request cancelled", Err: ctx.Err()}
			}
			out = <-ch // this call's own walk, which its context ends at once: its error tells more
		}
		o := out.Val.(walkOutcome) //nolint:forcetypeassert // the only value the walk returns
		if out.Err != nil {
			if o.abandoned && ctx.Err() == nil {
				continue // another call's context ended its walk, not ours
			}
			return zero, out.Err
		}
		res := o.res.(R) //nolint:forcetypeassert // the key holds the type
		if !walked.Load() {
			fields := logFields(res)
			fields["from"] = "a walk in flight"
			c.log.Debug(ctx, "cmdb read shared", fields)
		}
		return res, nil
	}
}

// drop forgets the kept result of key, so that the next call of it walks again.
func (s *sharedReads) drop(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.done, key)
}

// forget drops the kept results, so that the next call of every key walks again.
func (s *sharedReads) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = nil
}
