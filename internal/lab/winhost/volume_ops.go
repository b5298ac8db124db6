package winhost

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/lundata"
)

func (h *Host) storageRescan(p agent.StorageRescanParams) (agent.Empty, *agent.Error) {
	h.Rescan()
	return agent.Empty{}, nil
}

func (h *Host) diskList(p agent.DiskListParams) (agent.DiskListResult, *agent.Error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := agent.DiskListResult{Disks: []agent.Disk{}}
	for _, d := range h.st.disks {
		if p.Disk == "" || strings.EqualFold(p.Disk, d.serial) || strings.EqualFold(p.Disk, d.uniqueID) {
			out.Disks = append(out.Disks, h.wireDiskLocked(d))
		}
	}
	sort.Slice(out.Disks, func(i, j int) bool { return out.Disks[i].Number < out.Disks[j].Number })
	return out, nil
}

func (h *Host) diskSet(p agent.DiskSetParams) (agent.DiskSetResult, *agent.Error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.findDiskLocked(p.Disk)
	if d == nil {
		return agent.DiskSetResult{}, h.noDisk(p.Disk)
	}
	if p.WriteCacheEnabled != nil {
		h.setWriteCacheLocked(d, *p.WriteCacheEnabled)
	}
	if h.setDiskLocked(d, p.Offline, p.ReadOnly) && !h.waitVolumesLocked(d) {
		return agent.DiskSetResult{}, h.noDisk(p.Disk)
	}
	return agent.DiskSetResult{Disk: h.wireDiskLocked(d)}, nil
}

// disk.set waits for the volumes of a disk it brought online, looking
// every volumePoll for at most volumeWaitLimit, as Wait-WinfsVolumes in
// agent.ps1 does; past the limit it answers without them.
const (
	volumePoll      = 250 * time.Millisecond
	volumeWaitLimit = 15 * time.Second
)

// waitVolumesLocked looks at d until its volumes are there or the limit
// passes. The lock is released while it sleeps; it reports false when the
// disk vanished meanwhile. The lab sleeps no longer than until the
// arrival, where the agent sleeps whole polls: only the time differs.
func (h *Host) waitVolumesLocked(d *disk) bool {
	deadline := h.st.now().Add(volumeWaitLimit)
	for !h.lookLocked(d) {
		now := h.st.now()
		if !now.Before(deadline) || d.offline {
			return true
		}
		sleep := min(volumePoll, max(d.arriveAt.Sub(now), 0))
		h.mu.Unlock()
		time.Sleep(sleep)
		h.mu.Lock()
		if h.st.disks[d.serial] != d {
			return false
		}
	}
	return true
}

func (h *Host) noDisk(id string) *agent.Error {
	return agent.Errorf(agent.CodeDiskNotFound, "%s sees no disk with serial number or unique id %q", h.ComputerName(), id)
}

func (h *Host) mountPointGet(p agent.MountPointGetParams) (agent.MountPointGetResult, *agent.Error) {
	mp, err := parseMountPath(p.Path)
	return lockedOn(h, mp, err, func(mp mountPath) (agent.MountPointGetResult, *agent.Error) { return h.mountPointLocked(mp), nil })
}

// volumeMount and volumeDismount: the handler drops the result of an
// operation that failed.
func (h *Host) volumeMount(p agent.VolumeMountParams) (agent.VolumeMountResult, *agent.Error) {
	mp, err := parseMountPath(p.Path)
	return lockedOn(h, mp, err, func(mp mountPath) (agent.VolumeMountResult, *agent.Error) {
		changed, err := h.mountLocked(p.VolumeGUID, mp)
		return agent.VolumeMountResult{Changed: changed}, err
	})
}

func (h *Host) volumeDismount(p agent.VolumeDismountParams) (agent.VolumeDismountResult, *agent.Error) {
	mp, err := parseMountPath(p.Path)
	return lockedOn(h, mp, err, func(mp mountPath) (agent.VolumeDismountResult, *agent.Error) {
		removed, err := h.dismountLocked(p.VolumeGUID, mp)
		return agent.VolumeDismountResult{Removed: removed}, err
	})
}

// onOnlineVolume runs fn on the volume guid names, which must be present
// and online, holding the host's lock.
func onOnlineVolume[R any](h *Host, guid string, fn func(d *disk, k volumeKey) (R, *agent.Error)) (R, *agent.Error) {
	return underLock(h, func() (volumeAt, *agent.Error) {
		d, k, err := h.onlineVolumeLocked(guid)
		return volumeAt{d, k}, err
	}, func(v volumeAt) (R, *agent.Error) { return fn(v.d, v.k) })
}

// volumeAt is a volume's disk and its place on it.
type volumeAt struct {
	d *disk
	k volumeKey
}

// onlineVolumeLocked resolves a volume that must be present and online.
func (h *Host) onlineVolumeLocked(guid string) (*disk, volumeKey, *agent.Error) {
	d, k, known := h.volumeLocked(guid)
	if !known || d == nil {
		return nil, k, agent.Errorf(agent.CodeVolumeNotFound, `no volume \\?\Volume{%s}\ on %s`, guid, h.ComputerName())
	}
	if d.offline {
		return nil, k, agent.Errorf(agent.CodeDiskOffline, "disk %d (serial %s) is offline", d.number, d.serial)
	}
	if !h.lookLocked(d) {
		return nil, k, agent.Errorf(agent.CodeVolumeNotFound, `no volume \\?\Volume{%s}\ on %s`, guid, h.ComputerName())
	}
	return d, k, nil
}

func (h *Host) volumeFlush(p agent.VolumeParams) (agent.Empty, *agent.Error) {
	return onOnlineVolume(h, p.VolumeGUID, func(d *disk, k volumeKey) (agent.Empty, *agent.Error) {
		h.flushCacheLocked(d.serial)
		h.record("volume.flush", fmt.Sprintf(`\\?\Volume{%s}\ (disk %d serial %s, partition %d)`, normGUID(p.VolumeGUID), d.number, d.serial, k.part))
		return agent.Empty{}, nil
	})
}

// volumeRepair is chkdsk /F /X: it forces a dismount (open handles are
// invalidated, the chkdsk reference's /X), checks the whole volume and
// fixes what it finds, clearing the dirty bit.
func (h *Host) volumeRepair(p agent.VolumeParams) (agent.VolumeRepairResult, *agent.Error) {
	var res agent.VolumeRepairResult
	err := h.checkVolume(p.VolumeGUID, agent.VolumeRepair.Name, "chkdsk /F", func(lp *lundata.Partition) string {
		res.WasDirty = lp.Dirty
		lp.Dirty, lp.Damage, lp.Logged = false, lundata.NoDamage, false
		return fmt.Sprintf("chkdsk /F /X, was dirty: %t", res.WasDirty)
	})
	// was_dirty comes from the dirty bit (Win32_Volume.DirtyBitSet), never
	// from chkdsk's text, which is in the host's language.
	res.Output = chkdskText(h.locale, res.WasDirty)
	return res, err
}

// volumeScan is Repair-Volume -Scan (chkdsk /scan): an online scan, the
// volume stays mounted and served; what it finds is logged in the
// volume's $Corrupt file for a later spot-fix (Repair-Volume reference:
// "all detected corruptions are added to the $corrupt system file"). It
// fixes nothing offline and leaves the dirty bit as it is.
func (h *Host) volumeScan(p agent.VolumeParams) (agent.VolumeCheckResult, *agent.Error) {
	var res agent.VolumeCheckResult
	err := h.checkVolume(p.VolumeGUID, agent.VolumeScan.Name, "", func(lp *lundata.Partition) string {
		res.WasDirty, res.Dirty = lp.Dirty, lp.Dirty
		res.Status = agent.RepairNoErrorsFound
		switch lp.Damage {
		case lundata.SpotDamage:
			lp.Logged = true
			res.Status = agent.RepairSpotFixNeeded
		case lundata.DeepDamage:
			res.Status = agent.RepairFullRepairNeeded
		}
		return fmt.Sprintf("online scan: %s, dirty: %t", res.Status, res.Dirty)
	})
	return res, err
}

// volumeSpotFix is Repair-Volume -SpotFix (chkdsk /spotfix): the volume
// goes offline briefly (open handles are invalidated) and only what a scan
// logged is fixed ("fixes only issues that are logged in the $corrupt
// file", Repair-Volume reference), so its cost does not grow with the
// volume ("Corruption-related downtime is now proportional to only the
// number of corruptions on the volume", NTFS Health and Chkdsk, Windows
// Server 2012). When nothing is left to fix, the lab clears the dirty bit
// as chkdsk /F does: the chkdsk reference recommends /scan then /spotfix
// in place of /f. That a spot-fix clears the bit is not documented; the
// agent reads the bit back, so a Windows that keeps it set is seen.
func (h *Host) volumeSpotFix(p agent.VolumeParams) (agent.VolumeCheckResult, *agent.Error) {
	var res agent.VolumeCheckResult
	err := h.checkVolume(p.VolumeGUID, agent.VolumeSpotFix.Name, "Repair-Volume -SpotFix", func(lp *lundata.Partition) string {
		res.WasDirty = lp.Dirty
		if lp.Logged {
			lp.Damage, lp.Logged = lundata.NoDamage, false
		}
		switch lp.Damage {
		case lundata.DeepDamage:
			res.Status = agent.RepairFullRepairNeeded
		case lundata.SpotDamage: // not logged: a scan must find it first
			res.Status = agent.RepairScanNeeded
		default:
			res.Status = agent.RepairNoErrorsFound
			lp.Dirty = false
		}
		res.Dirty = lp.Dirty
		return fmt.Sprintf("spot-fix: %s, was dirty: %t, dirty: %t", res.Status, res.WasDirty, res.Dirty)
	})
	return res, err
}

// checkVolume runs one NTFS check of the volume guid under the host's
// lock: the volume must be online, and for a check that fixes (fixer
// names it for the error) writable, as MSFT_Volume.Repair answers 43006
// on a read-only drive ("Cannot perform the requested operation when the
// drive is read only"). A fixing check takes the volume offline, which
// invalidates its open handles. fn changes the partition on the LUN and
// says what the timeline records.
func (h *Host) checkVolume(guid, kind, fixer string, fn func(lp *lundata.Partition) string) *agent.Error {
	h.mu.Lock()
	defer h.mu.Unlock()
	d, k, err := h.onlineVolumeLocked(guid)
	if err != nil {
		return err
	}
	if fixer != "" && d.readOnly {
		return agent.Errorf(agent.CodeDiskReadOnly, "disk %d (serial %s) is read-only: %s cannot fix it; make it writable first", d.number, d.serial, fixer)
	}
	var detail string
	h.st.data.Update(k.serial, k.part, func(lp *lundata.Partition) { detail = fn(lp) })
	if fixer != "" {
		h.st.smb.dropVolume(normGUID(guid))
	}
	h.record(kind, fmt.Sprintf(`\\?\Volume{%s}\ (disk %d serial %s, partition %d): %s`, normGUID(guid), d.number, d.serial, k.part, detail))
	return nil
}

// VolumeShape is what the cost of a volume's checks depends on: the
// partition's size and file count; ok is false for an unknown volume.
func (h *Host) VolumeShape(guid string) (size, files int64, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d, k, known := h.volumeLocked(guid)
	if !known || d == nil {
		return 0, 0, false
	}
	for _, p := range h.st.data.Partitions(k.serial, d.size) {
		if p.Number == k.part {
			return p.Size, p.FileCount, true
		}
	}
	return 0, 0, false
}

func (h *Host) volumeCloseSessions(p agent.VolumeParams) (agent.VolumeCloseSessionsResult, *agent.Error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	guid := normGUID(p.VolumeGUID)
	if _, _, known := h.volumeLocked(guid); !known {
		return agent.VolumeCloseSessionsResult{}, agent.Errorf(agent.CodeVolumeNotFound, `no volume \\?\Volume{%s}\ on %s`, guid, h.ComputerName())
	}
	files, sessions, raced := h.st.smb.closeSessions(guid, true)
	detail := fmt.Sprintf("%s: %d open file(s) and %d session(s) closed", h.describeVolumeLocked(guid), files, sessions)
	if len(raced) > 0 {
		detail += fmt.Sprintf(" (%d closed by their clients first: %s)", len(raced), strings.Join(raced, ", "))
	}
	h.record("volume.close_sessions", detail)
	return agent.VolumeCloseSessionsResult{ClosedFiles: files, ClosedSessions: sessions}, nil
}
