package winhost

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/lundata"
)

// How the lab's disks behave, where Windows leaves a choice:
//   - A LUN the array presents appears only at the next rescan
//     (storage.rescan, i.e. Update-HostStorageCache or diskpart rescan).
//     Windows would also notice it on its own some time later; the lab never
//     does, so that tests are deterministic and the provider must rescan.
//   - An unmapped LUN's disk vanishes at once: the path to it is gone. If a
//     volume of it was mounted on an online disk, that is a surprise
//     removal: its NTFS dirty bit is set (on the LUN, so the next host finds
//     it) and its access paths stay recorded, as MountedDevices keeps them
//     on Windows; the invariant checker reports such stale mounts.
//   - SAN policy applies to newly discovered disks only: with OfflineShared
//     (the Windows Server default) a disk on a shared bus is left offline,
//     and "disks that are left offline are read-only by default" (diskpart
//     "san" and VDS_SAN_POLICY in MS-VDS 2.2.2.2.1.1). A disk this host has
//     seen before comes back with the online and read-only attributes it
//     had (Windows keeps them per disk): one that vanished while online
//     comes back online, and its volumes arrive by themselves.
//   - Volumes are surfaced by Plug and Play after the disk is online, not
//     by Set-Disk ("when a disk is online, one or more volume devices are
//     installed", diskpart "san"); Set-Disk returns before they exist. The
//     lab's volumes of a disk that came online arrive after the later of
//     two things: one look at the disk that misses them (so that the race
//     is always exercised, also with no latency) and the latency model's
//     volume arrival time. When a volume arrives, the mount manager gives
//     back the drive letter MountedDevices remembers for it (IVdsService::
//     CleanupObsoleteMountPoints: "if the disk and volume return to the
//     same computer, the volume receives the same drive letter").
//   - Volume GUIDs are per host (lundata.VolumeGUID); a volume comes back
//     with its recorded access paths when its disk is online again.

// Presenter is the array's side of disk visibility.
type Presenter interface {
	PresentedTo(host string) []array.LUN
}

type storage struct {
	src      Presenter
	data     *lundata.Store
	disks    map[string]*disk // visible disks, by serial
	nextDisk int
	// paths maps a folded access path to the volume it holds, including
	// paths of volumes that are gone (stale entries).
	paths   map[string]*accessPath
	volumes map[string]volumeKey // every volume GUID this host ever minted
	folders map[string]*folder   // folders on C: by folded path
	smb     smbState
	// slowRescans is how many more rescans miss newly presented disks: a
	// host slow to see a remapped LUN (fault injection).
	slowRescans int
	// known holds the attributes of every disk this host has seen, by
	// serial: what a disk that comes back arrives with.
	known map[string]diskAttrs
	// unflushed lists, per disk serial, the writes still in the disk's
	// write cache, oldest first (write_cache.go).
	unflushed map[string][]unflushedWrite
	// arrival is how long after a disk comes online its volumes appear
	// (the latency model's volume arrival); now is the clock it runs on.
	arrival time.Duration
	now     func() time.Time
}

// diskAttrs are what a host remembers of a disk. cacheOff is the write
// cache policy (see write_cache.go); its zero value is Windows' default.
type diskAttrs struct{ offline, readOnly, cacheOff bool }

type disk struct {
	serial   string
	uniqueID string
	number   int
	size     int64
	offline  bool
	readOnly bool
	// arriving: the disk is online and Plug and Play has not surfaced its
	// volumes yet; they do at arriveAt, once a look has missed them.
	arriving bool
	arriveAt time.Time
	missed   bool
}

type volumeKey struct {
	serial string
	part   int
}

type accessPath struct {
	path string // as mounted: "X:" or "C:\Mounts\Data"
	guid string
	// recorded: the host booted without the volume's disk, so the mount
	// manager holds the path only as a MountedDevices record, not as a
	// live (dangling) mount. Cleared when the disk arrives again.
	recorded bool
}

type folder struct {
	path    string
	entries []string
}

// AttachStorage connects the host to the array and the store of LUN
// contents. Until it is called, the host has no SAN disks.
func (h *Host) AttachStorage(src Presenter, data *lundata.Store) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st.src, h.st.data = src, data
}

func newStorage() *storage {
	return &storage{
		disks:     map[string]*disk{},
		nextDisk:  1, // disk 0 is the system disk
		paths:     map[string]*accessPath{},
		volumes:   map[string]volumeKey{},
		folders:   map[string]*folder{},
		smb:       newSMBState(),
		known:     map[string]diskAttrs{},
		unflushed: map[string][]unflushedWrite{},
		now:       time.Now,
	}
}

// SetVolumeArrival sets how long after a disk comes online its volumes
// appear (the latency model's volume arrival; 0 still misses one look).
func (h *Host) SetVolumeArrival(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st.arrival = d
}

// startArrivalLocked: d just came online; its volumes are not there yet.
func (h *Host) startArrivalLocked(d *disk) {
	d.arriving, d.missed, d.arriveAt = true, false, h.st.now().Add(h.st.arrival)
	if h.tl != nil && h.st.arrival > 0 {
		h.tl.RecordCost(h.name, WaitVolumeArrival, fmt.Sprintf("disk %d serial %s", d.number, d.serial), h.st.arrival)
	}
}

// WaitVolumeArrival is the timeline kind of the wait for a disk's volumes
// to surface after it came online.
const WaitVolumeArrival = "wait.volume.arrival"

// volumesPresentLocked says whether the volume devices of d exist now. It
// does not count as a look.
func (h *Host) volumesPresentLocked(d *disk) bool {
	return !d.offline && (!d.arriving || (d.missed && !h.st.now().Before(d.arriveAt)))
}

// lookLocked is an agent looking at d's partitions (Get-Partition): a
// look before the volumes arrived misses them. It reports whether they
// are present, and records their arrival once.
func (h *Host) lookLocked(d *disk) bool {
	if !h.volumesPresentLocked(d) {
		if !d.offline {
			d.missed = true
		}
		return false
	}
	if d.arriving {
		d.arriving = false
		var letters []string
		for _, p := range h.st.data.Partitions(d.serial, d.size) {
			if p.Type == agent.PartitionBasic {
				letters = append(letters, h.accessPathsLocked(lundata.VolumeGUID(h.name, d.serial, p.Number))...)
			}
		}
		detail := fmt.Sprintf("disk %d serial %s: volumes surfaced", d.number, d.serial)
		if len(letters) > 0 {
			detail += "; the mount manager gave back " + strings.Join(letters, ", ")
		}
		h.record("volume.arrive", detail)
	}
	return true
}

// UniqueIDFor is the disk UniqueId Windows shows for a NetApp LUN: the
// NAA prefix 60A98000 followed by the serial's bytes in hex.
func UniqueIDFor(serial string) string {
	return "60A98000" + strings.ToUpper(hex.EncodeToString([]byte(serial)))
}

// Rescan is storage.rescan: disks of newly presented LUNs arrive, disks of
// LUNs no longer presented leave.
func (h *Host) Rescan() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rescanLocked()
}

// SetSlowDiscovery makes the next n rescans miss newly presented disks, as
// a host whose HBA or MPIO is slow to report a remapped LUN.
func (h *Host) SetSlowDiscovery(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st.slowRescans = n
}

func (h *Host) rescanLocked() {
	var presented []array.LUN
	if h.st.src != nil {
		presented = h.st.src.PresentedTo(h.name)
	}
	seen := map[string]bool{}
	var arrived []string
	slow := h.st.slowRescans > 0
	if slow {
		h.st.slowRescans--
	}
	for _, l := range presented {
		seen[l.Serial] = true
		if h.st.disks[l.Serial] != nil || slow {
			continue
		}
		// A new disk gets the SAN policy (OfflineShared: offline and
		// read-only); a known one what it had.
		attrs, known := h.st.known[l.Serial]
		if !known {
			attrs = diskAttrs{offline: true, readOnly: true}
			h.st.known[l.Serial] = attrs
		}
		d := &disk{serial: l.Serial, uniqueID: UniqueIDFor(l.Serial), number: h.st.nextDisk, size: l.Size, offline: attrs.offline, readOnly: attrs.readOnly}
		h.st.nextDisk++
		h.st.disks[l.Serial] = d
		h.learnVolumesLocked(d)
		if !d.offline {
			h.startArrivalLocked(d)
		}
		arrived = append(arrived, fmt.Sprintf("disk %d serial %s (%s%s)", d.number, d.serial,
			map[bool]string{true: "offline", false: "online"}[d.offline], map[bool]string{true: ", read-only"}[d.readOnly]))
	}
	var left []string
	for serial := range h.st.disks {
		if !seen[serial] {
			left = append(left, h.removeDiskLocked(serial))
		}
	}
	sort.Strings(left)
	detail := "no change"
	if len(arrived)+len(left) > 0 {
		detail = strings.Join(append(arrived, left...), "; ")
	}
	h.record("storage.rescan", detail)
}

// learnVolumesLocked mints this host's volume GUIDs for a disk's data
// partitions and records them in MountedDevices, as the mount manager does
// when a volume first arrives.
func (h *Host) learnVolumesLocked(d *disk) {
	for _, p := range h.st.data.Partitions(d.serial, d.size) {
		if p.Type != agent.PartitionBasic {
			continue
		}
		guid := lundata.VolumeGUID(h.name, d.serial, p.Number)
		h.st.volumes[guid] = volumeKey{d.serial, p.Number}
		h.setMountedDeviceLocked(`\??\Volume{`+guid+`}`, p.GUID)
		for _, ap := range h.st.paths {
			if ap.guid == guid {
				ap.recorded = false
			}
		}
	}
}

// lunChanged is the array's callback: an unmap takes the disk away at once.
func (h *Host) lunChanged(c array.Change, serial string) {
	if c.Kind != "unmap" || c.Host != h.name {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	// A powered-off host sees nothing go: its boot rescan finds the disk gone.
	if h.down || h.st.disks[serial] == nil {
		return
	}
	// Another igroup of this host may still present it.
	for _, l := range h.st.src.PresentedTo(h.name) {
		if l.Serial == serial {
			return
		}
	}
	h.record("disk.remove", h.removeDiskLocked(serial))
}

// removeDiskLocked forgets a disk and describes what that did. A disk that
// leaves while online with mounted volumes leaves them dirty.
func (h *Host) removeDiskLocked(serial string) string {
	d := h.st.disks[serial]
	delete(h.st.disks, serial)
	detail := fmt.Sprintf("disk %d serial %s gone", d.number, serial)
	if d.offline {
		return detail
	}
	for _, p := range h.st.data.Partitions(serial, d.size) {
		guid := lundata.VolumeGUID(h.name, serial, p.Number)
		mounted := h.accessPathsLocked(guid)
		if p.Type != agent.PartitionBasic || len(mounted) == 0 {
			continue
		}
		if !d.readOnly {
			h.st.data.SetDirty(serial, p.Number, true)
		}
		h.st.smb.dropVolume(guid)
		detail += fmt.Sprintf("; surprise removal of the volume mounted at %s: NTFS dirty, mount points left stale", strings.Join(mounted, ", "))
	}
	return detail
}

// Subscribe connects the host to an array's map/unmap notifications.
func (h *Host) Subscribe(a *array.Array) {
	a.Subscribe(func(c array.Change) {
		if l, ok := a.LUN(c.Mapping.LUN); ok {
			h.lunChanged(c, l.Serial)
		}
	})
}

// findDiskLocked finds a visible disk by serial or unique id.
func (h *Host) findDiskLocked(id string) *disk {
	for _, d := range h.st.disks {
		if strings.EqualFold(d.serial, id) || strings.EqualFold(d.uniqueID, id) {
			return d
		}
	}
	return nil
}

// volumeLocked resolves a volume GUID to its disk and partition; the disk
// is nil when it is not visible now.
func (h *Host) volumeLocked(guid string) (*disk, volumeKey, bool) {
	k, ok := h.st.volumes[normGUID(guid)]
	if !ok {
		return nil, k, false
	}
	return h.st.disks[k.serial], k, true
}

// setDiskLocked is Set-Disk: online/offline and read-only, each
// remembered for the disk. Read-only is changed first when the disk
// comes online (diskpart and Set-Disk clear it on an offline disk), so a
// volume is never surfaced read-only; taking a disk offline comes last.
// It reports whether the disk came online.
func (h *Host) setDiskLocked(d *disk, offline, readOnly *bool) bool {
	if readOnly != nil && *readOnly != d.readOnly {
		d.readOnly = *readOnly
		kind := map[bool]string{true: "disk.readonly", false: "disk.writable"}[d.readOnly]
		h.record(kind, fmt.Sprintf("disk %d serial %s", d.number, d.serial))
	}
	onlined := false
	if offline != nil && *offline != d.offline {
		d.offline = *offline
		kind := map[bool]string{true: "disk.offline", false: "disk.online"}[d.offline]
		h.record(kind, fmt.Sprintf("disk %d serial %s", d.number, d.serial))
		if d.offline {
			h.flushCacheLocked(d.serial) // Windows flushes a disk it takes offline
			d.arriving = false
			for _, p := range h.st.data.Partitions(d.serial, d.size) {
				h.st.smb.dropVolume(lundata.VolumeGUID(h.name, d.serial, p.Number))
			}
		} else {
			onlined = true
			h.startArrivalLocked(d)
		}
	}
	h.st.known[d.serial] = diskAttrs{offline: d.offline, readOnly: d.readOnly, cacheOff: h.st.known[d.serial].cacheOff}
	return onlined
}

// wireDiskLocked is a disk in its contract form.
func (h *Host) wireDiskLocked(d *disk) agent.Disk {
	out := agent.Disk{Number: d.number, SerialNumber: d.serial, UniqueID: d.uniqueID, Size: d.size,
		PartitionStyle: "GPT", IsOffline: d.offline, IsReadOnly: d.readOnly, Partitions: []agent.Partition{},
		WriteCacheEnabled: new(!h.st.known[d.serial].cacheOff)}
	present := h.lookLocked(d)
	for _, p := range h.st.data.Partitions(d.serial, d.size) {
		wp := agent.Partition{Number: p.Number, Type: p.Type, Size: p.Size, GUID: p.GUID, AccessPaths: []string{}}
		if p.Type == agent.PartitionBasic && present {
			wp.VolumeGUID = lundata.VolumeGUID(h.name, d.serial, p.Number)
			wp.AccessPaths = h.accessPathsLocked(wp.VolumeGUID)
			wp.FileSystem, wp.Label, wp.Dirty = p.FileSystem, p.Label, p.Dirty
		}
		out.Partitions = append(out.Partitions, wp)
	}
	return out
}

// DiskState is a host's view of one SAN disk, for the invariant checker.
type DiskState struct {
	Serial   string
	Number   int
	Online   bool
	ReadOnly bool
}

// Disks lists the SAN disks the host sees, by disk number. A host that is
// down sees none: a powered-off server cannot corrupt a disk.
func (h *Host) Disks() []DiskState {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []DiskState
	if h.down {
		return out
	}
	for _, d := range h.st.disks {
		out = append(out, DiskState{Serial: d.serial, Number: d.number, Online: !d.offline, ReadOnly: d.readOnly})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// MountState is one access path of the host, for the invariant checker.
type MountState struct {
	Path       string
	VolumeGUID string
	Serial     string
	Partition  int
	Present    bool // the volume's disk is visible
	Online     bool // ... and online
	// Active: the host is up and the mount manager holds the path live:
	// its disk is present, or it vanished while the host ran (a surprise
	// removal leaves a dangling letter). A path only recorded in
	// MountedDevices since a boot without the disk is not active.
	Active bool
}

// Mounts lists every recorded access path, by path.
func (h *Host) Mounts() []MountState {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []MountState
	for _, ap := range h.st.paths {
		d, k, _ := h.volumeLocked(ap.guid)
		up := !h.down
		out = append(out, MountState{Path: ap.path, VolumeGUID: ap.guid, Serial: k.serial, Partition: k.part,
			Present: up && d != nil, Online: up && d != nil && !d.offline, Active: up && (d != nil || !ap.recorded)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// normGUID is a volume GUID without braces, in lower case.
func normGUID(s string) string { return strings.ToLower(strings.Trim(s, "{}")) }

// SeedMount puts a LUN's single data partition online, writable and
// mounted at path, as an estate set up by hand starts: the scenario's
// starting state, and a shortcut for tests.
func (h *Host) SeedMount(serial, path string) error {
	mp, aerr := parseMountPath(path)
	if aerr != nil {
		return aerr
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.st.disks[serial] == nil {
		h.rescanLocked()
	}
	d := h.st.disks[serial]
	if d == nil {
		return fmt.Errorf("%s does not see LUN %s: is it mapped to its igroup?", h.name, serial)
	}
	off, ro := false, false
	h.setDiskLocked(d, &off, &ro)
	d.arriving = false // set up long before anyone looks
	var data []int
	for _, p := range h.st.data.Partitions(serial, d.size) {
		if p.Type == agent.PartitionBasic {
			data = append(data, p.Number)
		}
	}
	if len(data) != 1 {
		return fmt.Errorf("LUN %s has %d data partitions, want 1", serial, len(data))
	}
	if _, aerr := h.mountLocked(lundata.VolumeGUID(h.name, serial, data[0]), mp); aerr != nil {
		return aerr
	}
	return nil
}
