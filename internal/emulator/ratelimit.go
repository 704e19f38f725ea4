package emulator

import (
	"context"
	"sync"
	"time"
)

// rateLimiter is a token bucket over all requests.
type rateLimiter struct {
	mu     sync.Mutex
	rps    float64
	tokens float64
	last   time.Time
}

func (l *rateLimiter) set(rps float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rps = max(rps, 0)
	l.tokens = max(1, l.rps)
	l.last = time.Now()
}

// take consumes a token; when none is left it returns false and the wait
// until the next one.
func (l *rateLimiter) take() (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rps <= 0 {
		return true, 0
	}
	now := time.Now()
	l.tokens = min(max(1, l.rps), l.tokens+now.Sub(l.last).Seconds()*l.rps)
	l.last = now
	if l.tokens >= 1 {
		l.tokens--
		return true, 0
	}
	return false, time.Duration((1 - l.tokens) / l.rps * float64(time.Second))
}

// sleepCtx waits d or until ctx ends; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
