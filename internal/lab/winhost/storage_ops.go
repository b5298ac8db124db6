package winhost

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

func init() {
	register(agent.OpStorageRescan, (*Host).opRescan)
	register(agent.OpDiskList, (*Host).opDiskList)
	register(agent.OpDiskSet, (*Host).opDiskSet)
	register(agent.OpMountPointGet, (*Host).opMountPointGet)
	register(agent.OpVolumeMount, (*Host).opVolumeMount)
	register(agent.OpVolumeDismount, (*Host).opVolumeDismount)
	register(agent.OpVolumeFlush, (*Host).opVolumeFlush)
	register(agent.OpVolumeRepair, (*Host).opVolumeRepair)
	register(agent.OpVolumeCloseSessions, (*Host).opVolumeCloseSessions)
}

func (h *Host) opRescan(params json.RawMessage) (any, *agent.Error) {
	var p agent.StorageRescanParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	h.Rescan()
	return agent.Empty{}, nil
}

func (h *Host) opDiskList(params json.RawMessage) (any, *agent.Error) {
	var p agent.DiskListParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
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

func (h *Host) opDiskSet(params json.RawMessage) (any, *agent.Error) {
	var p agent.DiskSetParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.findDiskLocked(p.Disk)
	if d == nil {
		return nil, h.noDisk(p.Disk)
	}
	h.setDiskLocked(d, p.Offline, p.ReadOnly)
	return agent.DiskSetResult{Disk: h.wireDiskLocked(d)}, nil
}

func (h *Host) noDisk(id string) *agent.Error {
	return agent.Errorf(agent.CodeDiskNotFound, "%s sees no disk with serial number or unique id %q", h.ComputerName(), id)
}

func (h *Host) opMountPointGet(params json.RawMessage) (any, *agent.Error) {
	var p agent.MountPointGetParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	mp, err := parseMountPath(p.Path)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mountPointLocked(mp), nil
}

func (h *Host) opVolumeMount(params json.RawMessage) (any, *agent.Error) {
	var p agent.VolumeMountParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	mp, err := parseMountPath(p.Path)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	changed, err := h.mountLocked(p.VolumeGUID, mp)
	if err != nil {
		return nil, err
	}
	return agent.VolumeMountResult{Changed: changed}, nil
}

func (h *Host) opVolumeDismount(params json.RawMessage) (any, *agent.Error) {
	var p agent.VolumeDismountParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	mp, err := parseMountPath(p.Path)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	removed, err := h.dismountLocked(p.VolumeGUID, mp)
	if err != nil {
		return nil, err
	}
	return agent.VolumeDismountResult{Removed: removed}, nil
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
	return d, k, nil
}

func (h *Host) opVolumeFlush(params json.RawMessage) (any, *agent.Error) {
	var p agent.VolumeParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	d, k, err := h.onlineVolumeLocked(p.VolumeGUID)
	if err != nil {
		return nil, err
	}
	h.record("volume.flush", fmt.Sprintf(`\\?\Volume{%s}\ (disk %d serial %s, partition %d)`, normGUID(p.VolumeGUID), d.number, d.serial, k.part))
	return agent.Empty{}, nil
}

// opVolumeRepair is chkdsk /F /X: it forces a dismount (open handles are
// invalidated) and replays the journal, clearing the dirty bit.
func (h *Host) opVolumeRepair(params json.RawMessage) (any, *agent.Error) {
	var p agent.VolumeParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	d, k, err := h.onlineVolumeLocked(p.VolumeGUID)
	if err != nil {
		return nil, err
	}
	if d.readOnly {
		return nil, agent.Errorf(agent.CodeDiskReadOnly, "disk %d (serial %s) is read-only: chkdsk /F cannot fix it; make it writable first", d.number, d.serial)
	}
	guid := normGUID(p.VolumeGUID)
	was := h.st.data.Dirty(k.serial, k.part)
	h.st.smb.dropVolume(guid)
	h.st.data.SetDirty(k.serial, k.part, false)
	h.record("volume.repair", fmt.Sprintf(`\\?\Volume{%s}\ (disk %d serial %s, partition %d): chkdsk /F /X, was dirty: %t`, guid, d.number, d.serial, k.part, was))
	out := "Windows has scanned the file system and found no problems.\nNo further action is required."
	if was {
		out = "Windows has replayed the NTFS log and corrected the file system.\nNo further action is required."
	}
	return agent.VolumeRepairResult{WasDirty: was, Output: out}, nil
}

func (h *Host) opVolumeCloseSessions(params json.RawMessage) (any, *agent.Error) {
	var p agent.VolumeParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	guid := normGUID(p.VolumeGUID)
	if _, _, known := h.volumeLocked(guid); !known {
		return nil, agent.Errorf(agent.CodeVolumeNotFound, `no volume \\?\Volume{%s}\ on %s`, guid, h.ComputerName())
	}
	files, sessions := h.st.smb.closeVolume(guid)
	h.record("volume.close_sessions", fmt.Sprintf("%s: %d open file(s) and %d session(s) closed", h.describeVolumeLocked(guid), files, sessions))
	return agent.VolumeCloseSessionsResult{ClosedFiles: files, ClosedSessions: sessions}, nil
}
