package cmdb

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// maxPresize bounds the result buffer allocated up front from a reported count,
// so that an absurd count cannot make the client allocate gigabytes at once.
const maxPresize = 1 << 20

// ListResult is the consistent result of one paging walk.
type ListResult[T any] struct {
	// Count is the CMDB-reported count for the walk that was kept.
	Count int64
	// Items are ascending by id, without duplicates; empty, never nil, when there are none.
	Items []T
}

// List returns every record of api for params and body (the API's own request fields:
// a struct or map that encodes to a JSON object, or nil), ascending by id and without
// duplicates, as one consistent snapshot; id returns a record's id, of any ordered type
// (CMDB's ids are int64s, but a dynamic group's is a string).
//
// Page 1 comes first, then up to Config.Parallelism pages at once, each of the page
// size (Config.PageSize capped at api.MaxPageSize) and sorted by api.IDField. Each page
// after the first starts at the last record of the page before, which must come back
// first: otherwise records moved between the two reads. When they moved, or count
// changed, or the distinct ids differ from count, the whole walk is done again, up to
// MaxWalks times.
//
// An API whose answers carry no count (api.Counter set) is counted by api.Counter, with
// the same body minus page and fields, before and after the walk; the count before
// plans the pages, and the walk goes on until a short page. Both counts and the
// distinct ids must agree.
//
// Identical calls of one client share one walk: calls with the same record type, API,
// URL and body (the page aside) that come while it is in flight wait for it, and later
// ones get its result at once, kept for the life of the client. The result is therefore
// shared and read-only: callers must not change its Items or anything they hold. A
// failed walk is not kept: the calls that waited for it get its error (unless only the
// context of the call that started it ended: they walk again), later calls walk anew.
//
// A failure is an *APIError, or an *InconsistentError when no walk settled.
func List[T any, K cmp.Ordered](ctx context.Context, c *Client, api *API, params Params, body any, id func(*T) K) (*ListResult[T], error) {
	return listShared(ctx, c, api, params, body, id, false)
}

// listShared is List; renew drops the result kept for the call first, so that it walks
// again (unless an identical walk is in flight) and its result is kept instead.
func listShared[T any, K cmp.Ordered](ctx context.Context, c *Client, api *API, params Params, body any, id func(*T) K, renew bool) (*ListResult[T], error) {
	w, err := newWalker(c, api, params, body, id)
	if err != nil {
		return nil, err
	}
	if renew {
		c.reads.drop(readKey[T](w.r))
	}
	return share(ctx, c, w.r, w.consistent)
}

// listFresh is List without sharing: a new consistent walk whatever was read before,
// for a check that must read again. Its result is not kept for later calls.
func listFresh[T any](ctx context.Context, c *Client, api *API, params Params, body any, id func(*T) int64) (*ListResult[T], error) {
	w, err := newWalker(c, api, params, body, id)
	if err != nil {
		return nil, err
	}
	return w.consistent(ctx)
}

// newWalker prepares the requests of one List call: the API's, and its Counter's.
func newWalker[T any, K cmp.Ordered](c *Client, api *API, params Params, body any, id func(*T) K) (*walker[T, K], error) {
	r, err := c.newRequest(api, params, body)
	if err != nil {
		return nil, &APIError{API: api.Name, Gateway: c.cfg.Gateway, Message: err.Error()}
	}
	w := &walker[T, K]{c: c, r: r, id: id, pageSize: api.pageSize(c.cfg.PageSize)}
	if api.Counter != nil {
		if w.counter, err = c.newRequest(api.Counter, params, body, "fields"); err != nil {
			return nil, &APIError{API: api.Counter.Name, Gateway: c.cfg.Gateway, Message: err.Error()}
		}
	}
	return w, nil
}

// lister is List or listFresh.
type lister[T any] func(ctx context.Context, c *Client, api *API, params Params, body any, id func(*T) int64) (*ListResult[T], error)

// consistent walks until one walk settles, up to MaxWalks times.
func (w *walker[T, K]) consistent(ctx context.Context) (*ListResult[T], error) {
	api := w.r.api
	var seen []WalkCounts
	for n := 1; n <= MaxWalks; n++ {
		start := time.Now()
		res, wc, err := w.walk(ctx)
		if err != nil {
			return nil, err
		}
		fields := map[string]any{
			"api": api.Name, "walk": n, "counts": wc.Counts,
			"distinct": wc.Distinct, "duration_ms": time.Since(start).Milliseconds(),
		}
		if res != nil {
			w.c.log.Debug(ctx, "cmdb paging walk done", fields)
			return res, nil
		}
		w.c.log.Warn(ctx, "cmdb data changed during the paging walk; walking again", fields)
		seen = append(seen, wc)
	}
	return nil, &InconsistentError{API: api.Name, Walks: seen}
}

// walker reads the pages of one List call.
type walker[T any, K cmp.Ordered] struct {
	c        *Client
	r        *request
	counter  *request // the counting request of an API whose answers carry no count; nil otherwise
	id       func(*T) K
	pageSize int
}

// errCountChanged ends a walk whose pages reported different counts.
var errCountChanged = errors.New("count changed during the walk")

// walk reads every page once. It returns a nil result with the counts it saw when
// the pages do not make one consistent snapshot.
func (w *walker[T, K]) walk(ctx context.Context) (*ListResult[T], WalkCounts, error) {
	// Every request asks for limit = pageSize. Page k starts at the last record of page
	// k-1 (start += pageSize-1): that overlap record must come back as the first of
	// page k. If it does not, records moved between the two reads (say one deleted
	// before the boundary and one inserted after it, which leaves count unchanged) and
	// the walk is not a snapshot. A page size of 1 has no overlap; the count rule alone
	// applies.
	limit := w.pageSize
	var count int64
	var wc WalkCounts
	if w.counter != nil {
		n, err := w.count(ctx)
		if err != nil {
			return nil, WalkCounts{}, err
		}
		count, wc.Counts = n, []int64{n}
	}
	first, err := fetchPage(ctx, w.c, w.r, 0, limit, make([]T, 0, limit))
	if err != nil {
		return nil, WalkCounts{}, err
	}
	if w.counter == nil {
		count, wc.Counts = first.count, []int64{first.count}
	}
	slots, buf := [][]T{first.items}, []T(nil)
	pages := int64(1)
	if len(first.items) >= limit {
		pages = pageCount(count, limit)
		if w.counter != nil {
			pages = max(pages, 2) // a full page: page on until a short one
		}
	}
	if pages > 1 {
		if slots, buf, err = w.fanOut(ctx, first.items, pages, count, &wc); err != nil {
			if errors.Is(err, errCountChanged) {
				return nil, wc, nil
			}
			return nil, WalkCounts{}, err
		}
		if w.counter != nil {
			if slots, err = w.pageOn(ctx, slots, count); err != nil {
				return nil, WalkCounts{}, err
			}
		}
	}
	if w.counter != nil {
		n, err := w.count(ctx)
		if err != nil {
			return nil, WalkCounts{}, err
		}
		if n != count {
			wc.Counts = append(wc.Counts, n)
		}
	}
	if len(slots) == 1 {
		res, wc := w.settle(w.dedupe(slots[0]), count, wc)
		return res, wc, nil
	}
	shifted := !w.overlapsMatch(slots)
	items := w.dedupe(assemble(slots, buf, limit))
	if shifted {
		wc.Distinct, wc.Shifted = len(items), true
		return nil, wc, nil
	}
	res, wc := w.settle(items, count, wc)
	return res, wc, nil
}

// count reads the count of a count-less API from its counting API.
func (w *walker[T, K]) count(ctx context.Context) (int64, error) {
	p, err := fetchPage(ctx, w.c, w.counter, 0, 0, []struct{}(nil))
	return p.count, err
}

// fanOut reads pages 1..pages-1 after first, up to Parallelism at once, each decoded
// straight into its place in one buffer sized from count (a page holding more records
// than asked is decoded into a new array). It returns the pages up to the first short
// one, and the buffer; errCountChanged when a page reported another count (wc gets it).
func (w *walker[T, K]) fanOut(ctx context.Context, first []T, pages, count int64, wc *WalkCounts) ([][]T, []T, error) {
	limit := w.pageSize
	step := pageStep(limit)
	var buf []T
	if pages*int64(limit) <= maxPresize {
		buf = make([]T, pages*int64(limit))
	}
	dstFor := func(k int64) []T {
		if buf == nil {
			return make([]T, 0, limit)
		}
		off := k * int64(limit)
		return buf[off : off : off+int64(limit)]
	}
	slots := make([][]T, pages)
	slots[0] = first

	var (
		stop atomic.Int64 // pages at or after stop are not needed (a short page was seen)
		mu   sync.Mutex   // guards wc.Counts
	)
	stop.Store(pages)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.c.cfg.Parallelism)
	for k := int64(1); k < stop.Load() && gctx.Err() == nil; k++ {
		g.Go(func() error {
			select {
			case <-gctx.Done(): // the walk already failed
				return nil
			default:
			}
			if k >= stop.Load() {
				return nil
			}
			p, err := fetchPage(gctx, w.c, w.r, int(k*step), limit, dstFor(k))
			if err != nil {
				return err // the first failure ends the walk and cancels the pages in flight
			}
			slots[k] = p.items
			if w.counter == nil && p.count != count {
				mu.Lock()
				if !slices.Contains(wc.Counts, p.count) {
					wc.Counts = append(wc.Counts, p.count)
				}
				mu.Unlock()
				return errCountChanged // the walk is spoilt: start again without waiting for the rest
			}
			if len(p.items) < limit {
				for s := stop.Load(); k+1 < s && !stop.CompareAndSwap(s, k+1); s = stop.Load() {
				}
			}
			return nil
		})
	}
	err := g.Wait()
	switch {
	case err != nil:
		return nil, nil, err
	case ctx.Err() != nil:
		return nil, nil, &APIError{API: w.r.api.Name, Gateway: w.c.cfg.Gateway, Message: "request cancelled", Err: ctx.Err()}
	}
	return slots[:stop.Load()], buf, nil
}

// pageOn reads the pages after the last of slots, one at a time, until a short page,
// for an API whose answers carry no count. It stops early when a page does not start
// with the last record of the page before, or when the pages hold far more records
// than count: either way the walk is no snapshot, which the caller's checks then find.
func (w *walker[T, K]) pageOn(ctx context.Context, slots [][]T, count int64) ([][]T, error) {
	limit := w.pageSize
	step := pageStep(limit)
	bound := 2*count + int64(limit)
	for k := int64(len(slots)); ; k++ {
		last := slots[len(slots)-1]
		if len(last) < limit || k*step > bound {
			return slots, nil
		}
		p, err := fetchPage(ctx, w.c, w.r, int(k*step), limit, make([]T, 0, limit))
		if err != nil {
			return nil, err
		}
		slots = append(slots, p.items)
		if limit > 1 && (len(p.items) == 0 || w.id(&p.items[0]) != w.id(&last[limit-1])) {
			return slots, nil
		}
	}
}

// pageStep is how far each page starts after the one before: pageSize-1, so that the
// last record of a page is read again as the first of the next; 1 for a page size of 1.
func pageStep(pageSize int) int64 {
	return int64(max(1, pageSize-1))
}

// pageCount is how many pages of pageSize records, each starting pageStep after the
// one before, cover count records: page k covers [k·step, k·step+pageSize).
func pageCount(count int64, pageSize int) int64 {
	if count <= int64(pageSize) {
		return 1
	}
	step := pageStep(pageSize)
	return 1 + (count-int64(pageSize)+step-1)/step
}

// overlapsMatch reports whether the last record of every page but the last one is
// the first record of the page after it. With a page size of 1 there is no overlap.
func (w *walker[T, K]) overlapsMatch(slots [][]T) bool {
	if w.pageSize < 2 {
		return true
	}
	for k := 0; k+1 < len(slots); k++ {
		cur, next := slots[k], slots[k+1]
		if len(cur) < w.pageSize || len(next) == 0 || w.id(&next[0]) != w.id(&cur[w.pageSize-1]) {
			return false
		}
	}
	return true
}

// settle checks the consistency rule: every page reported the same count and the
// distinct ids match it.
func (w *walker[T, K]) settle(items []T, count int64, wc WalkCounts) (*ListResult[T], WalkCounts) {
	wc.Distinct = len(items)
	if len(wc.Counts) != 1 || int64(len(items)) != count {
		return nil, wc
	}
	if items == nil {
		items = []T{}
	}
	return &ListResult[T]{Count: count, Items: items}, wc
}

// assemble joins the pages in page order. When every page was decoded in place
// into buf, the pages are compacted within buf without a new allocation.
func assemble[T any](slots [][]T, buf []T, limit int) []T {
	total := 0
	inPlace := buf != nil && len(slots)*limit <= len(buf)
	for k, s := range slots {
		total += len(s)
		if k > 0 && len(s) > limit {
			inPlace = false // a page with more records than asked was decoded into a new array
		}
	}
	if !inPlace || len(slots[0]) > limit {
		out := make([]T, 0, total)
		for _, s := range slots {
			out = append(out, s...)
		}
		return out
	}
	// Each page k sits at k*limit (page 0 is copied into its empty place), and the
	// write position never passes the page being moved.
	wpos := copy(buf, slots[0])
	for _, s := range slots[1:] {
		wpos += copy(buf[wpos:], s)
	}
	clear(buf[wpos:])
	return buf[:wpos:wpos]
}

// dedupe sorts items by id (they normally arrive sorted) and drops later copies of an id.
func (w *walker[T, K]) dedupe(items []T) []T {
	byID := func(a, b T) int { return cmp.Compare(w.id(&a), w.id(&b)) }
	if !slices.IsSortedFunc(items, byID) {
		slices.SortStableFunc(items, byID)
	}
	return slices.CompactFunc(items, func(a, b T) bool { return w.id(&a) == w.id(&b) })
}
