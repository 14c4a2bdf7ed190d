// Package ratelimit bounds how often one user, or one client address, may call cep:
// a token bucket per key (golang.org/x/time/rate), refilled at the configured rate per
// minute, holding at most a minute's worth. Both faces put it in front of every route.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter holds one bucket per key; idle buckets are forgotten.
type Limiter struct {
	perMinute int
	mu        sync.Mutex
	buckets   map[string]*bucket
	calls     int
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// New makes a limiter of perMinute calls per key; 0 or less allows everything.
func New(perMinute int) *Limiter {
	return &Limiter{perMinute: perMinute, buckets: map[string]*bucket{}}
}

// idleAfter is how long an unused bucket is kept: by then it is full again anyway.
const idleAfter = 2 * time.Minute

// Allow takes one call from key's bucket; when it is empty it answers false and how
// long to wait before the next call would be allowed.
func (l *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil || l.perMinute <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%1024 == 0 {
		for k, b := range l.buckets {
			if now.Sub(b.last) > idleAfter {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)}
		l.buckets[key] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// RetryAfter is a wait as the Retry-After header writes it: whole seconds, at least 1.
func RetryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
