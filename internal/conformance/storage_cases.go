package conformance

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// noSuchGUID is a well-formed volume GUID no host has.
const noSuchGUID = "00000000-0000-4000-8000-77696e66730a"

// noSuchDisk is a serial no disk has.
const noSuchDisk = "winfs-conformance-no-such-disk"

func (r *Run) spare(ctx context.Context) (agent.Disk, error) {
	disks, err := r.C.DiskList(ctx, r.DiskSerial)
	if err != nil {
		return agent.Disk{}, step("disk.list", err)
	}
	if len(disks) != 1 {
		return agent.Disk{}, failf("disk.list %q: %d disks, want exactly the spare one", r.DiskSerial, len(disks))
	}
	return disks[0], nil
}

// dataVolume is the spare disk's first data partition with a volume.
func dataVolume(d agent.Disk) (agent.Partition, bool) {
	for _, p := range d.Partitions {
		if p.Type == agent.PartitionBasic && p.VolumeGUID != "" {
			return p, true
		}
	}
	return agent.Partition{}, false
}

// onVolume runs a case on the spare volume an earlier case brought online
// (its GUID), and fails it when there is none.
func onVolume(run func(ctx context.Context, r *Run, guid string) error) func(context.Context, *Run) error {
	return func(ctx context.Context, r *Run) error {
		if r.volumeGUID == "" {
			return failf("the spare disk's volume never came online (see the disk.set case)")
		}
		return run(ctx, r, r.volumeGUID)
	}
}

func (r *Run) mountPath() string { return r.path("mount") }

// dismountScratch removes whatever is mounted at the scratch mount folder:
// only the suite mounts anything there.
func (r *Run) dismountScratch(ctx context.Context) error {
	_, err := r.C.VolumeDismount(ctx, agent.VolumeDismountParams{Path: r.mountPath()})
	return err
}

// restoreDisk leaves the spare disk offline if it was offline at the start.
func (r *Run) restoreDisk(ctx context.Context) error {
	if err := r.dismountScratch(ctx); err != nil {
		return err
	}
	f := false
	p := agent.DiskSetParams{Disk: r.DiskSerial, ReadOnly: &f}
	if r.diskWasOffline {
		t := true
		p.Offline = &t
	}
	_, err := r.C.DiskSet(ctx, p)
	return step("restoring the spare disk", err)
}

// Preflight checks that serial names a disk the suite may change: visible,
// not holding the system, no volume mounted. It only reads.
func Preflight(ctx context.Context, c interface {
	DiskList(context.Context, string) ([]agent.Disk, error)
}, serial string) error {
	disks, err := c.DiskList(ctx, serial)
	if err != nil {
		return err
	}
	if len(disks) != 1 {
		return failf("--disk-serial %q: the server sees %d disks with that serial number or unique id, want exactly one", serial, len(disks))
	}
	for _, p := range disks[0].Partitions {
		if p.Type == "System" || slices.ContainsFunc(p.AccessPaths, func(ap string) bool { return strings.EqualFold(strings.TrimSuffix(ap, `\`), "C:") }) {
			return failf("--disk-serial %q: disk %d holds the system; give a spare disk", serial, disks[0].Number)
		}
		if len(p.AccessPaths) > 0 {
			return failf("--disk-serial %q: disk %d has a mounted volume (%s); give a spare disk with none", serial, disks[0].Number, strings.Join(p.AccessPaths, ", "))
		}
	}
	return nil
}

var storageCases = []Case{
	{Op: agent.DiskList.Name, Name: "lists disks by number, each with a partition style", Run: func(ctx context.Context, r *Run) error {
		disks, err := r.C.DiskList(ctx, "")
		if err != nil {
			return step("disk.list", err)
		}
		for i, d := range disks {
			if i > 0 && d.Number <= disks[i-1].Number {
				return failf("disks not in increasing number order: %d after %d", d.Number, disks[i-1].Number)
			}
			if !slices.Contains([]string{"GPT", "MBR", "RAW"}, d.PartitionStyle) {
				return failf("disk %d: partition style %q", d.Number, d.PartitionStyle)
			}
		}
		return nil
	}},
	{Op: agent.DiskList.Name, Name: "a serial no disk has lists nothing (not an error)", Run: func(ctx context.Context, r *Run) error {
		disks, err := r.C.DiskList(ctx, noSuchDisk)
		if err != nil || len(disks) != 0 {
			return failf("got %d disks, %v", len(disks), err)
		}
		return nil
	}},
	{Op: agent.DiskSet.Name, Name: "a serial no disk has is disk_not_found", Run: func(ctx context.Context, r *Run) error {
		f := false
		_, err := r.C.DiskSet(ctx, agent.DiskSetParams{Disk: noSuchDisk, Offline: &f})
		return wantCode(err, agent.CodeDiskNotFound)
	}},
	{Op: agent.MountPointGet.Name, Name: "C: is a drive in use", Run: func(ctx context.Context, r *Run) error {
		mp, err := r.C.MountPointGet(ctx, "c:")
		if err != nil {
			return step("mountpoint.get", err)
		}
		if mp.Kind != "drive" || !mp.InUse || mp.Path != "C:" || mp.Holder == "" {
			return failf("got %+v", mp)
		}
		return nil
	}},
	{Op: agent.MountPointGet.Name, Name: "an empty scratch folder on NTFS, and a missing one", Run: func(ctx context.Context, r *Run) error {
		mp, err := r.C.MountPointGet(ctx, r.mountPath())
		if err != nil {
			return step("mountpoint.get", err)
		}
		if mp.Kind != "folder" || mp.InUse || !mp.Exists || !mp.Empty || !mp.NTFS {
			return failf("%s: got %+v", r.mountPath(), mp)
		}
		mp, err = r.C.MountPointGet(ctx, r.path("missing"))
		if err != nil {
			return step("mountpoint.get", err)
		}
		if mp.Kind != "folder" || mp.InUse || mp.Exists {
			return failf("%s: got %+v", r.path("missing"), mp)
		}
		return nil
	}},
	{Op: agent.MountPointGet.Name, Name: "a trailing backslash or a bare letter is invalid_mount_point", Run: func(ctx context.Context, r *Run) error {
		for _, p := range []string{`C:\`, "X", r.mountPath() + `\`, `C:\a\..\b`} {
			if _, err := r.C.MountPointGet(ctx, p); wantCode(err, agent.CodeInvalidMountPath) != nil {
				return failf("%q: %v", p, wantCode(err, agent.CodeInvalidMountPath))
			}
		}
		return nil
	}},
	{Op: agent.VolumeMount.Name, Name: "an unknown volume is volume_not_found", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.VolumeMount(ctx, agent.VolumeMountParams{VolumeGUID: noSuchGUID, Path: r.mountPath()})
		return wantCode(err, agent.CodeVolumeNotFound)
	}},
	{Op: agent.VolumeMount.Name, Name: "a malformed mount point is invalid_mount_point", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.VolumeMount(ctx, agent.VolumeMountParams{VolumeGUID: noSuchGUID, Path: `C:\`})
		return wantCode(err, agent.CodeInvalidMountPath)
	}},
	{Op: agent.VolumeDismount.Name, Name: "an empty folder: nothing to remove", Run: func(ctx context.Context, r *Run) error {
		removed, err := r.C.VolumeDismount(ctx, agent.VolumeDismountParams{VolumeGUID: noSuchGUID, Path: r.mountPath()})
		if err != nil || removed {
			return failf("removed %t, %v", removed, err)
		}
		return nil
	}},
	{Op: agent.VolumeFlush.Name, Name: "an unknown volume is volume_not_found", Run: func(ctx context.Context, r *Run) error {
		return wantCode(r.C.VolumeFlush(ctx, noSuchGUID), agent.CodeVolumeNotFound)
	}},
	{Op: agent.VolumeRepair.Name, Name: "an unknown volume is volume_not_found", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.VolumeRepair(ctx, noSuchGUID)
		return wantCode(err, agent.CodeVolumeNotFound)
	}},
	{Op: agent.VolumeScan.Name, Name: "an unknown volume is volume_not_found", Run: func(ctx context.Context, r *Run) error {
		_, err := r.scan(ctx, noSuchGUID)
		return wantCode(err, agent.CodeVolumeNotFound)
	}},
	{Op: agent.VolumeSpotFix.Name, Name: "an unknown volume is volume_not_found", Run: func(ctx context.Context, r *Run) error {
		_, err := r.spotFix(ctx, noSuchGUID)
		return wantCode(err, agent.CodeVolumeNotFound)
	}},
	{Op: agent.VolumeCloseSessions.Name, Name: "an unknown volume is volume_not_found", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.VolumeCloseSessions(ctx, noSuchGUID)
		return wantCode(err, agent.CodeVolumeNotFound)
	}},

	// The spare disk, in order: seen, offline, online with its volume,
	// mounted, used, dismounted; the cleanup puts it back as it was.
	{Op: agent.StorageRescan.Name, Needs: NeedsDisk, Name: "the spare disk is listed after a rescan", Run: func(ctx context.Context, r *Run) error {
		if err := r.C.StorageRescan(ctx); err != nil {
			return step("storage.rescan", err)
		}
		d, err := r.spare(ctx)
		if err != nil {
			return err
		}
		r.diskSeen, r.diskWasOffline = true, d.IsOffline
		if !strings.EqualFold(d.SerialNumber, r.DiskSerial) && !strings.EqualFold(d.UniqueID, r.DiskSerial) {
			return failf("disk.list %q answered disk %d with serial %q and unique id %q", r.DiskSerial, d.Number, d.SerialNumber, d.UniqueID)
		}
		return nil
	}},
	{Op: agent.DiskSet.Name, Needs: NeedsDisk, Name: "takes the spare disk offline, twice", Run: func(ctx context.Context, r *Run) error {
		t := true
		for range 2 {
			d, err := r.C.DiskSet(ctx, agent.DiskSetParams{Disk: r.DiskSerial, Offline: &t})
			if err != nil {
				return step("disk.set offline", err)
			}
			if !d.IsOffline {
				return failf("disk.set offline answered a disk online")
			}
		}
		d, err := r.spare(ctx)
		if err == nil && !d.IsOffline {
			err = failf("disk.list shows the disk online after disk.set offline")
		}
		return err
	}},
	{Op: agent.DiskSet.Name, Needs: NeedsDisk, Name: "brings it online and writable; its volume appears (disk.list polled)", Run: func(ctx context.Context, r *Run) error {
		f := false
		d, err := r.C.DiskSet(ctx, agent.DiskSetParams{Disk: r.DiskSerial, Offline: &f, ReadOnly: &f})
		if err != nil {
			return step("disk.set online", err)
		}
		if d.IsOffline || d.IsReadOnly {
			return failf("disk.set online, writable answered offline %t, read-only %t", d.IsOffline, d.IsReadOnly)
		}
		// Windows mounts the volumes of a disk brought online shortly
		// after Set-Disk returns: wait for it, bounded.
		deadline := time.Now().Add(r.Wait)
		for {
			d, err := r.spare(ctx)
			if err != nil {
				return err
			}
			if p, ok := dataVolume(d); ok {
				if p.FileSystem != "NTFS" {
					return failf("the spare volume's file system is %q; the suite needs an NTFS data partition", p.FileSystem)
				}
				r.volumeGUID = p.VolumeGUID
				return nil
			}
			if time.Now().After(deadline) {
				return failf("no data volume on the spare disk %s after it came online", r.Wait)
			}
			select {
			case <-time.After(500 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}},
	{Op: agent.DiskSet.Name, Needs: NeedsDisk, Name: "turns the spare disk's write cache off and back, read back by disk.list", Run: func(ctx context.Context, r *Run) error {
		before, err := r.spare(ctx)
		if err != nil {
			return err
		}
		if before.WriteCacheEnabled == nil {
			return failf("disk.list reports no write cache state for the spare disk (Get-StorageAdvancedProperty has none)")
		}
		for _, want := range []bool{!*before.WriteCacheEnabled, *before.WriteCacheEnabled} {
			d, err := r.C.DiskSet(ctx, agent.DiskSetParams{Disk: r.DiskSerial, WriteCacheEnabled: &want})
			var ae *agent.Error
			if errors.As(err, &ae) && ae.Code == agent.CodeWriteCacheNotChangeable {
				return nil // a device that keeps its cache as it is: the documented answer
			}
			if err != nil {
				return step("disk.set write_cache_enabled", err)
			}
			if d.WriteCacheEnabled == nil || *d.WriteCacheEnabled != want {
				return failf("disk.set write_cache_enabled %t answered %v", want, d.WriteCacheEnabled)
			}
			got, err := r.spare(ctx)
			if err != nil {
				return err
			}
			if got.WriteCacheEnabled == nil || *got.WriteCacheEnabled != want {
				return failf("disk.list after disk.set write_cache_enabled %t shows %v", want, got.WriteCacheEnabled)
			}
		}
		return nil
	}},
	{Op: agent.VolumeMount.Name, Needs: NeedsDisk, Name: "mounts the spare volume at a scratch folder, twice", Run: onVolume(func(ctx context.Context, r *Run, guid string) error {
		if err := twice("volume.mount", "changed", func() (bool, error) {
			return r.C.VolumeMount(ctx, agent.VolumeMountParams{VolumeGUID: guid, Path: r.mountPath()})
		}); err != nil {
			return err
		}
		mp, err := r.C.MountPointGet(ctx, r.mountPath())
		if err != nil || !mp.InUse || mp.VolumeGUID != guid {
			return failf("mountpoint.get after the mount: %+v, %v", mp, err)
		}
		return nil
	})},
	{Op: agent.VolumeMount.Name, Needs: NeedsDisk, Name: "a mount point holding another volume (C:) is mount_point_in_use", Run: onVolume(func(ctx context.Context, r *Run, guid string) error {
		_, err := r.C.VolumeMount(ctx, agent.VolumeMountParams{VolumeGUID: guid, Path: "C:"})
		return wantCode(err, agent.CodeMountPointInUse)
	})},
	{Op: agent.VolumeMount.Name, Needs: NeedsDisk, Name: "a missing folder is folder_not_found", Run: onVolume(func(ctx context.Context, r *Run, guid string) error {
		_, err := r.C.VolumeMount(ctx, agent.VolumeMountParams{VolumeGUID: guid, Path: r.path("missing")})
		return wantCode(err, agent.CodeFolderNotFound)
	})},
	{Op: agent.VolumeDismount.Name, Needs: NeedsDisk, Name: "another volume's mount point is mount_point_in_use and stays", Run: onVolume(func(ctx context.Context, r *Run, guid string) error {
		_, err := r.C.VolumeDismount(ctx, agent.VolumeDismountParams{VolumeGUID: noSuchGUID, Path: r.mountPath()})
		if err := wantCode(err, agent.CodeMountPointInUse); err != nil {
			return err
		}
		mp, err := r.C.MountPointGet(ctx, r.mountPath())
		if err != nil || mp.VolumeGUID != guid {
			return failf("mountpoint.get after the refusal: %+v, %v", mp, err)
		}
		return nil
	})},
	{Op: agent.VolumeFlush.Name, Needs: NeedsDisk, Name: "flushes the spare volume", Run: onVolume(func(ctx context.Context, r *Run, guid string) error {
		return step("volume.flush", r.C.VolumeFlush(ctx, guid))
	})},
	{Op: agent.VolumeCloseSessions.Name, Needs: NeedsDisk, Name: "closes nothing on a volume nobody opened", Run: onVolume(func(ctx context.Context, r *Run, guid string) error {
		res, err := r.C.VolumeCloseSessions(ctx, guid)
		if err != nil {
			return step("volume.close_sessions", err)
		}
		if res.ClosedFiles != 0 || res.ClosedSessions != 0 {
			return failf("closed %d files and %d sessions on a scratch volume", res.ClosedFiles, res.ClosedSessions)
		}
		return nil
	})},
	{Op: agent.VolumeRepair.Name, Needs: NeedsDisk, Name: "repairs a clean volume (was_dirty false, chkdsk output)", Run: onVolume(func(ctx context.Context, r *Run, guid string) error {
		res, err := r.C.VolumeRepair(ctx, guid)
		if err != nil {
			return step("volume.repair", err)
		}
		if res.WasDirty || strings.TrimSpace(res.Output) == "" {
			return failf("got was_dirty %t, output %q", res.WasDirty, res.Output)
		}
		return nil
	})},
	{Op: agent.VolumeRepair.Name, Needs: NeedsDisk, Name: "a read-only disk is disk_read_only", Run: refusedReadOnly(func(ctx context.Context, r *Run, guid string) error {
		_, err := r.C.VolumeRepair(ctx, guid)
		return err
	})},
	{Op: agent.VolumeScan.Name, Needs: NeedsDisk, Name: "scans a clean volume online: NoErrorsFound, not dirty", Run: cleanCheck((*Run).scan)},
	{Op: agent.VolumeSpotFix.Name, Needs: NeedsDisk, Name: "spot-fixes a clean volume: NoErrorsFound, not dirty", Run: cleanCheck((*Run).spotFix)},
	{Op: agent.VolumeSpotFix.Name, Needs: NeedsDisk, Name: "a read-only disk is disk_read_only", Run: refusedReadOnly(func(ctx context.Context, r *Run, guid string) error {
		_, err := r.spotFix(ctx, guid)
		return err
	})},
	{Op: agent.VolumeDismount.Name, Needs: NeedsDisk, Name: "dismounts the spare volume, then finds nothing to remove", Run: onVolume(func(ctx context.Context, r *Run, guid string) error {
		return twice("volume.dismount", "removed", func() (bool, error) {
			return r.C.VolumeDismount(ctx, agent.VolumeDismountParams{VolumeGUID: guid, Path: r.mountPath()})
		})
	})},
}

func (r *Run) scan(ctx context.Context, guid string) (agent.VolumeCheckResult, error) {
	return r.C.VolumeScan(ctx, guid)
}

func (r *Run) spotFix(ctx context.Context, guid string) (agent.VolumeCheckResult, error) {
	return r.C.VolumeSpotFix(ctx, guid)
}

// cleanCheck runs a scan or spot-fix on the spare volume, which is clean:
// nothing found, the dirty bit clear before and after.
func cleanCheck(check func(*Run, context.Context, string) (agent.VolumeCheckResult, error)) func(context.Context, *Run) error {
	return onVolume(func(ctx context.Context, r *Run, guid string) error {
		res, err := check(r, ctx, guid)
		if err != nil {
			return step("check", err)
		}
		if res.Status != agent.RepairNoErrorsFound || res.WasDirty || res.Dirty {
			return failf("got %+v, want status %s and the dirty bit clear", res, agent.RepairNoErrorsFound)
		}
		return nil
	})
}

// refusedReadOnly makes the spare disk read-only, runs repair on its
// volume, which must fail with disk_read_only, and makes it writable again.
func refusedReadOnly(repair func(ctx context.Context, r *Run, guid string) error) func(context.Context, *Run) error {
	return onVolume(func(ctx context.Context, r *Run, guid string) error {
		t, f := true, false
		if _, err := r.C.DiskSet(ctx, agent.DiskSetParams{Disk: r.DiskSerial, ReadOnly: &t}); err != nil {
			return step("disk.set read-only", err)
		}
		rerr := repair(ctx, r, guid)
		_, err := r.C.DiskSet(ctx, agent.DiskSetParams{Disk: r.DiskSerial, ReadOnly: &f})
		return errors.Join(wantCode(rerr, agent.CodeDiskReadOnly), step("disk.set writable", err))
	})
}
