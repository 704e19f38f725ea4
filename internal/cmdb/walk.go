package cmdb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxPresize bounds the result buffer allocated up front from a reported count,
// so that an absurd count cannot make the client allocate gigabytes at once.
const maxPresize = 1 << 20

// ListServiceInstancesBySetTemplate returns every service instance of the modules
// built from set template setTemplateID in business bizID, ascending by ID and
// without duplicates, as one consistent snapshot (see the contract's paging and
// consistency rules). Labels are nil when the CMDB sends null or nothing; callers
// that need an empty map must make one.
//
// A failure is an *APIError, or an *InconsistentError when no walk of MaxWalks
// settled.
func (c *Client) ListServiceInstancesBySetTemplate(ctx context.Context, bizID, setTemplateID int64) (*ServiceInstanceList, error) {
	if bizID < 1 || setTemplateID < 1 {
		return nil, &APIError{
			API:     APIListServiceInstanceBySetTemplate,
			Gateway: c.cfg.Gateway,
			Message: fmt.Sprintf("bk_biz_id (%d) and set_template_id (%d) must be 1 or more", bizID, setTemplateID),
		}
	}
	var seen []WalkCounts
	for n := 1; n <= MaxWalks; n++ {
		start := time.Now()
		res, wc, err := c.walk(ctx, bizID, setTemplateID)
		if err != nil {
			return nil, err
		}
		fields := map[string]any{
			"api": APIListServiceInstanceBySetTemplate, "walk": n, "counts": wc.Counts,
			"distinct": wc.Distinct, "duration_ms": time.Since(start).Milliseconds(),
		}
		if res != nil {
			c.log.Debug(ctx, "cmdb paging walk done", fields)
			return res, nil
		}
		c.log.Warn(ctx, "cmdb data changed during the paging walk; walking again", fields)
		seen = append(seen, wc)
	}
	return nil, &InconsistentError{API: APIListServiceInstanceBySetTemplate, Walks: seen}
}

// walkSlot is one page of a walk.
type walkSlot struct {
	items []ServiceInstance
	count int64
}

// walk reads every page once. It returns a nil list with the counts it saw when
// the pages do not make one consistent snapshot.
func (c *Client) walk(ctx context.Context, bizID, setTemplateID int64) (*ServiceInstanceList, WalkCounts, error) {
	// Every request asks for limit = pageSize, the documented maximum at most. Page k
	// starts at the last record of page k-1 (start += pageSize-1): that overlap record
	// must come back as the first of page k. If it does not, records moved between the
	// two reads (say one deleted before the boundary and one inserted after it, which
	// leaves count unchanged) and the walk is not a snapshot. A page size of 1 has no
	// overlap; the count rule alone applies.
	pageSize := c.cfg.PageSize
	limit := pageSize
	step := pageStep(pageSize)
	first, err := c.fetchPage(ctx, bizID, setTemplateID, 0, limit, make([]ServiceInstance, 0, limit))
	if err != nil {
		return nil, WalkCounts{}, err
	}
	count := first.count
	wc := WalkCounts{Counts: []int64{count}}
	pages := int64(1)
	if len(first.items) >= limit {
		pages = pageCount(count, pageSize)
	}
	if pages == 1 {
		return c.settle(dedupe(first.items), count, &wc)
	}

	// Pages 1..pages-1, up to Parallelism in flight, each decoded straight into
	// its place in one buffer sized from count.
	var buf []ServiceInstance
	if pages*int64(limit) <= maxPresize {
		buf = make([]ServiceInstance, pages*int64(limit))
	}
	dstFor := func(k int64) []ServiceInstance {
		if buf == nil {
			return make([]ServiceInstance, 0, limit)
		}
		off := k * int64(limit)
		return buf[off : off : off+int64(limit)]
	}
	slots := make([]walkSlot, pages)
	slots[0] = walkSlot{items: first.items, count: count}

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64 // next page to fetch
		stop     atomic.Int64 // pages at or after stop are not needed (a short page was seen)
		mu       sync.Mutex
		firstErr error
		changed  bool
		wg       sync.WaitGroup
	)
	next.Store(1)
	stop.Store(pages)
	workers := min(int64(c.cfg.Parallelism), pages-1)
	for range workers {
		wg.Go(func() {
			for {
				k := next.Add(1) - 1
				if k >= stop.Load() || wctx.Err() != nil {
					return
				}
				p, err := c.fetchPage(wctx, bizID, setTemplateID, int(k*step), limit, dstFor(k))
				if err != nil {
					mu.Lock()
					if firstErr == nil && !changed {
						firstErr = err
					}
					mu.Unlock()
					cancel() // the first failure ends the walk: stop the pages in flight
					return
				}
				slots[k] = walkSlot{items: p.items, count: p.count}
				if p.count != count {
					mu.Lock()
					if !slices.Contains(wc.Counts, p.count) {
						wc.Counts = append(wc.Counts, p.count)
					}
					if firstErr == nil {
						changed = true
					}
					mu.Unlock()
					cancel() // the walk is spoilt: start again without waiting for the rest
					return
				}
				if len(p.items) < limit {
					for s := stop.Load(); k+1 < s && !stop.CompareAndSwap(s, k+1); s = stop.Load() {
					}
				}
			}
		})
	}
	wg.Wait()

	if firstErr != nil {
		return nil, WalkCounts{}, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, WalkCounts{}, &APIError{API: APIListServiceInstanceBySetTemplate, Gateway: c.cfg.Gateway, Message: "request cancelled", Err: err}
	}
	if changed {
		return nil, wc, nil
	}
	slots = slots[:stop.Load()]
	shifted := !overlapsMatch(slots, pageSize)
	items := dedupe(assemble(slots, buf, limit))
	if shifted {
		wc.Distinct, wc.Shifted = len(items), true
		return nil, wc, nil
	}
	return c.settle(items, count, &wc)
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
func overlapsMatch(slots []walkSlot, pageSize int) bool {
	if pageSize < 2 {
		return true
	}
	for k := 0; k+1 < len(slots); k++ {
		cur, next := slots[k].items, slots[k+1].items
		if len(cur) < pageSize || len(next) == 0 || next[0].ID != cur[pageSize-1].ID {
			return false
		}
	}
	return true
}

// settle checks the consistency rule: every page reported the same count and the
// distinct ids match it.
func (c *Client) settle(items []ServiceInstance, count int64, wc *WalkCounts) (*ServiceInstanceList, WalkCounts, error) {
	wc.Distinct = len(items)
	if len(wc.Counts) != 1 || int64(len(items)) != count {
		return nil, *wc, nil
	}
	if items == nil {
		items = []ServiceInstance{}
	}
	return &ServiceInstanceList{Count: count, Instances: items}, *wc, nil
}

// assemble joins the pages in page order. When every page was decoded in place
// into buf, the pages are compacted within buf without a new allocation.
func assemble(slots []walkSlot, buf []ServiceInstance, limit int) []ServiceInstance {
	total := 0
	inPlace := buf != nil
	for k, s := range slots {
		total += len(s.items)
		if k > 0 && len(s.items) > limit {
			inPlace = false // encoding/json moved an over-long page out of buf
		}
	}
	if !inPlace || len(slots[0].items) > limit {
		out := make([]ServiceInstance, 0, total)
		for _, s := range slots {
			out = append(out, s.items...)
		}
		return out
	}
	// Each page k sits at k*limit (page 0 is copied into its empty place), and the
	// write position never passes the page being moved.
	w := copy(buf, slots[0].items)
	for _, s := range slots[1:] {
		w += copy(buf[w:], s.items)
	}
	clear(buf[w:])
	return buf[:w:w]
}

// dedupe sorts items by ID (they normally arrive sorted) and drops later copies of an ID.
func dedupe(items []ServiceInstance) []ServiceInstance {
	byID := func(a, b ServiceInstance) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(items, byID) {
		slices.SortStableFunc(items, byID)
	}
	return slices.CompactFunc(items, func(a, b ServiceInstance) bool { return a.ID == b.ID })
}
