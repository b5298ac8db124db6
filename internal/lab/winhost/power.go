package winhost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/lundata"
)

// Power: a crash is a power loss and the host stays down until Boot. While
// down it sees no disks, has no live mounts, serves nothing and ignores the
// array (an unmap is found at the next boot, not as a surprise removal). Its
// persistent state (registry, disks it knew and their online state, mount
// points) survives, as on a real server.

// Down reports whether the host has crashed and not booted again.
func (h *Host) Down() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}

// Crash is a power loss: every volume mounted on an online, writable disk
// is left with its NTFS dirty bit set (the journal was not flushed), writes
// still in a disk's write cache are lost (write_cache.go), SMB
// sessions and open files are gone, services stop. It reports whether the
// host was up.
func (h *Host) Crash() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return false
	}
	var dirty []string
	for _, d := range h.st.disks {
		if d.offline || d.readOnly {
			continue
		}
		for _, p := range h.st.data.Partitions(d.serial, d.size) {
			paths := h.accessPathsLocked(lundata.VolumeGUID(h.name, d.serial, p.Number))
			if p.Type == agent.PartitionBasic && len(paths) > 0 {
				h.st.data.SetDirty(d.serial, p.Number, true)
				dirty = append(dirty, fmt.Sprintf("%s (LUN %s partition %d)", strings.Join(paths, ", "), d.serial, p.Number))
			}
		}
	}
	sort.Strings(dirty)
	lost := h.loseCacheLocked()
	sessions := h.st.smb.dropAll()
	for _, s := range h.services {
		s.running = false // no orderly stop: nothing is recorded per service
	}
	h.loseActiveAddressesLocked()
	h.down = true
	detail := "power loss"
	if len(dirty) > 0 {
		detail += "; NTFS dirty (journal not flushed): " + strings.Join(dirty, "; ")
	}
	if sessions > 0 {
		detail += fmt.Sprintf("; %d SMB session(s) lost", sessions)
	}
	if lost > 0 {
		detail += fmt.Sprintf("; %d write(s) lost from disk write caches", lost)
	}
	h.record("host.crash", detail)
	return true
}

// Boot powers a crashed host on: it rescans (disks of LUNs no longer
// presented are gone, their mount points stay recorded in MountedDevices
// but are not mounted; new LUNs arrive offline), autochk repairs dirty
// volumes of disks that came back online, and the services start. It
// reports whether the host was down.
func (h *Host) Boot() bool {
	defer h.settleBootAddresses() // after the unlock: detection asks the other hosts
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down {
		return false
	}
	h.down = false
	h.record("host.boot", "powered on")
	h.restoreAddressesLocked()
	var presented = map[string]bool{}
	if h.st.src != nil {
		for _, l := range h.st.src.PresentedTo(h.name) {
			presented[l.Serial] = true
		}
	}
	var gone []string
	for serial, d := range h.st.disks {
		if !presented[serial] {
			// Not a surprise removal: the host was off.
			delete(h.st.disks, serial)
			gone = append(gone, fmt.Sprintf("disk %d serial %s not present at boot", d.number, serial))
		}
	}
	sort.Strings(gone)
	if len(gone) > 0 {
		h.record("disk.remove", strings.Join(gone, "; "))
	}
	// autochk: a dirty volume on a disk that comes back online is checked
	// before it is mounted, so it is never served dirty.
	var repaired []string
	for _, d := range h.st.disks {
		if d.offline || d.readOnly {
			continue
		}
		for _, p := range h.st.data.Partitions(d.serial, d.size) {
			if p.Type == agent.PartitionBasic && p.Dirty {
				h.st.data.SetDirty(d.serial, p.Number, false)
				repaired = append(repaired, fmt.Sprintf(`\\?\Volume{%s}\ (disk %d serial %s, partition %d)`, lundata.VolumeGUID(h.name, d.serial, p.Number), d.number, d.serial, p.Number))
			}
		}
	}
	sort.Strings(repaired)
	for _, r := range repaired {
		h.record("volume.repair", r+": autochk at boot, was dirty: true")
	}
	h.rescanLocked()
	for _, d := range h.st.disks {
		d.arriving = false // volumes surface during the boot, before the services start
	}
	// The mount manager mounts only volumes that are there: the access
	// paths of absent volumes (gone now, or already before the crash) stay
	// in MountedDevices as records.
	for _, ap := range h.st.paths {
		if d, _, _ := h.volumeLocked(ap.guid); d == nil {
			ap.recorded = true
		}
	}
	h.readSettingsLocked("", true) // boot-start drivers (NetBT)
	// The service control manager starts the automatic services.
	for _, def := range serviceDefs {
		if s := h.services[fold(def.name)]; s != nil && s.startType == agent.StartAutomatic {
			h.startLocked(s)
		}
	}
	return true
}
