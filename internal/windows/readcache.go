package windows

import (
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/readcache"
)

// ReadCache lets sibling reads of one host share a single listing: the
// first registry lookup of a key fetches the whole key (registry.list), the
// first share lookup every share (share.list), and the lookups that follow
// within MaxAge, or arrive while the listing is on its way, are answered
// from it. This is what makes a refresh of hundreds of registry values cost
// a few round trips instead of hundreds. Every operation that is not
// read-only, on any client sharing the cache, invalidates it; a listing
// that cannot answer exactly as the single read would falls back to the
// single read (see package readcache for the rules).
type ReadCache = readcache.Cache

// DefaultReadCacheAge bounds how long a listing answers reads.
const DefaultReadCacheAge = readcache.DefaultMaxAge

// NewReadCache returns an empty cache whose entries answer reads for maxAge.
func NewReadCache(maxAge time.Duration) *ReadCache { return readcache.New(maxAge) }

// WithReadCache makes the client answer lookups (RegistryLookup,
// ShareListLookup) from rc. Clients of the same host may share one cache,
// so that a write through any of them invalidates it.
func WithReadCache(rc *ReadCache) Option { return func(c *Client) { c.cache = rc } }
