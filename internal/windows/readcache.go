package windows

import (
	"context"
	"sync"
	"time"
)

// ReadCache lets sibling reads of one host share a single listing: the
// first registry lookup of a key fetches the whole key (registry.list), the
// first share lookup every share (share.list), and the lookups that follow
// within MaxAge, or arrive while the listing is on its way, are answered
// from it. This is what makes a refresh of hundreds of registry values cost
// a few round trips instead of hundreds.
//
// Correctness rules:
//   - a read after a write sees the write: every operation that is not
//     read-only, on any client sharing the cache, drops everything cached
//     when it starts and again when it ends, and a listing that overlapped
//     a write is handed to the callers that were already waiting for it
//     (they were concurrent with the write) but never kept;
//   - drift is never hidden across Terraform commands: the cache belongs to
//     one configured provider (one command) and an entry is used for MaxAge
//     at most after it was fetched;
//   - a listing that fails, or cannot answer exactly as the single read
//     would, falls back to the single read.
type ReadCache struct {
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

// DefaultReadCacheAge bounds how long a listing answers reads: long enough
// for a refresh to read a key's siblings, short enough that a value changed
// on the console during a long run is seen by the next read of it.
const DefaultReadCacheAge = 5 * time.Second

// NewReadCache returns an empty cache whose entries answer reads for maxAge.
func NewReadCache(maxAge time.Duration) *ReadCache {
	return &ReadCache{maxAge: maxAge, now: time.Now, entries: map[string]*cacheEntry{}}
}

// WithReadCache makes the client answer lookups (RegistryLookup,
// ShareListLookup) from rc. Clients of the same host may share one cache,
// so that a write through any of them invalidates it.
func WithReadCache(rc *ReadCache) Option { return func(c *Client) { c.cache = rc } }

// invalidate drops everything cached: called before and after every write.
func (rc *ReadCache) invalidate() {
	if rc == nil {
		return
	}
	rc.mu.Lock()
	rc.gen++
	clear(rc.entries)
	rc.mu.Unlock()
}

// get returns the value cached under key, joining a fetch in flight or
// starting one.
func (rc *ReadCache) get(ctx context.Context, key string, fetch func(context.Context) (any, error)) (v any, err error) {
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
