package winhost

import "fmt"

// The disk write cache. Windows reads a disk's write cache state with
// Get-StorageAdvancedProperty (IsDeviceCacheEnabled) and changes it with
// the Storage WMI method MSFT_PhysicalDisk.SetWriteCache (Windows Server
// 2016 and later; "Not Supported" when the device refuses), both documented
// in Microsoft's storage management API reference. Windows enables write
// caching on a disk that reports a write-back cache unless told otherwise,
// so a disk this host never changed has its cache on.
//
// The lab's guess, kept here: the cache holds every write made through this
// host until something flushes it (FlushFileBuffers on the volume, which is
// volume.flush; a dismount; taking the disk offline; turning the cache
// off), and a power loss drops what it holds. A real cache drains within
// moments; holding writes until a flush makes the loss visible, and never
// hides one that Windows could suffer.

// unflushedWrite is one write still in the cache: what the file held before
// it (existed false: the file was new), so a power loss can undo it.
type unflushedWrite struct {
	key     volumeKey
	path    string
	prev    string
	existed bool
}

// cacheWriteLocked notes a write about to reach the LUN through a disk
// whose write cache is on.
func (h *Host) cacheWriteLocked(k volumeKey, path string) {
	if h.st.known[k.serial].cacheOff {
		return
	}
	prev, existed := h.st.data.ReadFile(k.serial, k.part, path)
	h.st.unflushed[k.serial] = append(h.st.unflushed[k.serial], unflushedWrite{key: k, path: path, prev: prev, existed: existed})
}

// flushCacheLocked writes what a disk's cache holds to the LUN.
func (h *Host) flushCacheLocked(serial string) {
	delete(h.st.unflushed, serial)
}

// loseCacheLocked is a power loss: the writes still in the caches never
// reach the LUNs. It returns how many were lost.
func (h *Host) loseCacheLocked() int {
	lost := 0
	for serial, writes := range h.st.unflushed {
		for i := len(writes) - 1; i >= 0; i-- {
			w := writes[i]
			if w.existed {
				_ = h.st.data.WriteFile(w.key.serial, w.key.part, w.path, w.prev)
			} else {
				h.st.data.RemoveFile(w.key.serial, w.key.part, w.path)
			}
		}
		lost += len(writes)
		delete(h.st.unflushed, serial)
	}
	return lost
}

// setWriteCacheLocked is SetWriteCache: turning the cache off writes what
// it holds first.
func (h *Host) setWriteCacheLocked(d *disk, enabled bool) {
	attrs := h.st.known[d.serial]
	if attrs.cacheOff == !enabled {
		return
	}
	if !enabled {
		h.flushCacheLocked(d.serial)
	}
	attrs.cacheOff = !enabled
	h.st.known[d.serial] = attrs
	kind := map[bool]string{true: "disk.write_cache.enable", false: "disk.write_cache.disable"}[enabled]
	h.record(kind, fmt.Sprintf("disk %d serial %s", d.number, d.serial))
}

// FlushWriteCaches writes what every disk cache of the host holds (for
// seeding an estate whose files were written long ago).
func (h *Host) FlushWriteCaches() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.st.unflushed)
}

// WriteCacheEnabled reports a disk's write cache policy on this host.
func (h *Host) WriteCacheEnabled(serial string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.st.known[serial].cacheOff
}
