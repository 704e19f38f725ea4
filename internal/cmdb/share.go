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
	h := sha256.New()
	for _, part := range [][]byte{[]byte(reflect.TypeFor[T]().String()), []byte(r.api.Name), []byte(r.url), r.head, r.tail} {
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

// share returns the result of walk for key: a kept result, the result of a walk in
// flight, or a new walk's, run with the context of the call that starts it. A call
// whose context ends while it waits returns at once, cancelled.
func share[T any](ctx context.Context, c *Client, r *request, walk func(context.Context) (*ListResult[T], error)) (*ListResult[T], error) {
	key := readKey[T](r)
	if v, ok := c.reads.load(key); ok {
		res := v.(*ListResult[T]) //nolint:forcetypeassert // the key holds the type
		c.log.Debug(ctx, "cmdb read shared", map[string]any{"api": r.api.Name, "from": "an earlier walk", "count": res.Count, "items": len(res.Items)})
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
				return nil, &APIError{API: r.api.Name, Gateway: c.cfg.Gateway, Message: "request cancelled", Err: ctx.Err()}
			}
			out = <-ch // this call's own walk, which its context ends at once: its error tells more
		}
		o := out.Val.(walkOutcome) //nolint:forcetypeassert // the only value the walk returns
		if out.Err != nil {
			if o.abandoned && ctx.Err() == nil {
				continue // another call's context ended its walk, not ours
			}
			return nil, out.Err
		}
		res := o.res.(*ListResult[T]) //nolint:forcetypeassert // the key holds the type
		if !walked.Load() {
			c.log.Debug(ctx, "cmdb read shared", map[string]any{"api": r.api.Name, "from": "a walk in flight", "count": res.Count, "items": len(res.Items)})
		}
		return res, nil
	}
}

// forget drops the kept results, so that the next call of every key walks again.
func (s *sharedReads) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = nil
}
