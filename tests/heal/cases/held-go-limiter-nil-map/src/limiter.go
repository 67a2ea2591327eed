package main

import "sync"

type rateLimiter struct {
	mu     sync.Mutex
	max    int
	counts map[string]int
}

// add counts one call of tenant: its count so far, and whether it is allowed.
func (l *rateLimiter) add(tenant string) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[tenant]++
	return l.counts[tenant], l.counts[tenant] <= l.max
}
