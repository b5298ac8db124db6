// Package readcache lets sibling reads share one listing: the first read
// fetches the listing, and the reads that follow within MaxAge, or arrive
// while the listing is on its way, are answered from it. The provider uses
// it for a host's registry keys and shares (internal/windows) and for the
// array's LUN mappings (internal/san).
//
// Correctness rules:
//   - a read after a write sees the write: every write, through any user
//     of the cache, drops everything cached when it starts and again when
//     it ends (Invalidate), and a listing that overlapped a write is handed
//     to the callers that were already waiting for it (they were
//     concurrent with the write) but never kept;
//   - drift is never hidden across Terraform commands: a cache belongs to
//     one configured provider (one command) and an entry is used for MaxAge
//     at most after it was fetched;
//   - a listing that fails is not kept.
package readcache

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxAge bounds how long a listing answers reads: long enough for a
// refresh to read a listing's siblings, short enough that a change made on
// the console during a long run is seen by the next read.
const DefaultMaxAge = 5 * time.Second

// Cache is one provider's listings, by key. The zero value is not usable;
// a nil *Cache caches nothing.
type Cache struct {
	maxAge time.Duration
	now    func() time.Time

	mu      sync.Mutex
	gen     uint64 // bumped by every write
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	gen     uint64 // the generation the fetch started in
	done    chan struct{}
	fetched time.Time
	value   any
	err     error
}

// New returns an empty cache whose entries answer reads for maxAge.
func New(maxAge time.Duration) *Cache {
	return &Cache{maxAge: maxAge, now: time.Now, entries: map[string]*cacheEntry{}}
}

// Invalidate drops everything cached: called before and after every
// write. A nil cache does nothing.
func (rc *Cache) Invalidate() {
	if rc == nil {
		return
	}
	rc.mu.Lock()
	rc.gen++
	clear(rc.entries)
	rc.mu.Unlock()
}

// Get returns the value cached under key, joining a fetch in flight or
// starting one. A nil cache always fetches.
func (rc *Cache) Get(ctx context.Context, key string, fetch func(context.Context) (any, error)) (v any, err error) {
	if rc == nil {
		return fetch(ctx)
	}
	rc.mu.Lock()
	if e := rc.entries[key]; e != nil && e.gen == rc.gen {
		select {
		case <-e.done:
			if e.err == nil && rc.now().Sub(e.fetched) <= rc.maxAge {
				rc.mu.Unlock()
				return e.value, nil
			}
		default:
			rc.mu.Unlock()
			select {
			case <-e.done:
				if e.err == nil {
					return e.value, nil
				}
				// The fetch failed (perhaps only its caller gave up): fetch
				// for ourselves below, uncached.
				return fetch(ctx)
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	e := &cacheEntry{gen: rc.gen, done: make(chan struct{})}
	rc.entries[key] = e
	rc.mu.Unlock()

	v, err = fetch(ctx)

	rc.mu.Lock()
	e.value, e.err, e.fetched = v, err, rc.now()
	if (err != nil || e.gen != rc.gen) && rc.entries[key] == e {
		delete(rc.entries, key)
	}
	close(e.done)
	rc.mu.Unlock()
	return v, err
}
