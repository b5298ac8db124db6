package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// rescanInterval is the pause between rescans while waiting for a disk.
const rescanInterval = time.Second

// volumeInterval is the pause between looks while waiting for a volume.
const volumeInterval = 250 * time.Millisecond

// mounter carries one volume mount's identity through its steps.
type mounter struct {
	client     *windows.Client
	server     string
	serial     string // disk serial or unique id
	partition  int    // 0: the one data partition
	mountPoint string
}

func mountID(server, mountPoint string) string { return server + "/" + mountPoint }

func timeoutAttrTypes(context.Context) map[string]attr.Type {
	return map[string]attr.Type{"create": types.StringType, "delete": types.StringType}
}

func (m *volumeMountResourceModel) setVolume(p agent.Partition) {
	m.PartitionNumber = types.Int64Value(int64(p.Number))
	m.VolumeGUID = types.StringValue(p.VolumeGUID)
	m.FileSystem = types.StringValue(p.FileSystem)
	m.Label = types.StringValue(p.Label)
	m.SizeBytes = types.Int64Value(p.Size)
}

// hasPath says whether paths holds mountPoint (case-insensitively).
func hasPath(paths []string, mountPoint string) bool {
	for _, p := range paths {
		if strings.EqualFold(p, mountPoint) {
			return true
		}
	}
	return false
}

// currentMount finds the mounted partition in a disk listing, or says why
// the mount is not there (disk not visible, offline, mount point removed).
func currentMount(disks []agent.Disk, number int, mountPoint string) (agent.Partition, string) {
	if len(disks) == 0 {
		return agent.Partition{}, "the disk is not visible on the server"
	}
	if disks[0].IsOffline {
		return agent.Partition{}, "the disk is offline"
	}
	for _, p := range disks[0].Partitions {
		if p.Number == number {
			if !hasPath(p.AccessPaths, mountPoint) {
				return p, "the volume is no longer mounted at " + mountPoint
			}
			return p, ""
		}
	}
	return agent.Partition{}, fmt.Sprintf("the disk has no partition %d", number)
}

// waitForDisk rescans until the disk is visible or ctx ends. It looks
// before it rescans: a rescan costs seconds on Windows, and a disk already
// visible (a volume being adopted, a disk Windows found by itself) needs
// none.
func (m *mounter) waitForDisk(ctx context.Context, limit time.Duration) (agent.Disk, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	// The LUN was presented before this wait began (the mount depends on
	// its mapping), so any rescan issued from now on will see it: mounts
	// of several volumes share one.
	since := time.Now()
	since0 := since
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := m.client.StorageRescanSince(ctx, since); err != nil && ctx.Err() == nil {
				return agent.Disk{}, fmt.Errorf("rescanning the storage of %s: %w", m.server, err)
			}
		}
		disks, err := m.client.DiskList(ctx, m.serial)
		if err != nil && ctx.Err() == nil {
			return agent.Disk{}, fmt.Errorf("listing the disks of %s: %w", m.server, err)
		}
		if len(disks) == 1 {
			return disks[0], nil
		}
		if len(disks) > 1 {
			return agent.Disk{}, fmt.Errorf("%d disks on %s match %q; use the disk's unique id", len(disks), m.server, m.serial)
		}
		if attempt == 0 {
			continue // not visible: rescan at once
		}
		// That rescan did not show it: the next must be a new one.
		since = time.Now()
		tflog.Debug(ctx, "disk not visible yet; rescanning", map[string]any{"server": m.server, "disk": m.serial, "attempt": attempt})
		select {
		case <-ctx.Done():
			if parent.Err() != nil {
				// Terraform was interrupted (Ctrl-C) or its own deadline
				// passed: not the wait's limit, and no sign of a missing mapping.
				return agent.Disk{}, fmt.Errorf("waiting for disk %q on %s was cancelled after %s and %d rescan(s): %w",
					m.serial, m.server, time.Since(since0).Round(time.Millisecond), attempt, parent.Err())
			}
			return agent.Disk{}, fmt.Errorf("no disk with serial number or unique id %q appeared on %s within %s, after %d rescan(s). "+
				"The likely cause: the LUN is not mapped to %s's initiator group on the array (check the winfs_san_lun_mapping "+
				"that disk_serial should come from, and that its igroup belongs to %s)", m.serial, m.server, limit, attempt, m.server, m.server)
		case <-time.After(rescanInterval):
		}
	}
}

// waitForVolume lists the disk until its partition has a volume: Plug and
// Play surfaces the volumes of a disk some time after it comes online,
// and the mount manager gives back a remembered drive letter with them.
func (m *mounter) waitForVolume(ctx context.Context, limit time.Duration) (agent.Disk, agent.Partition, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for attempt := 1; ; attempt++ {
		disks, err := m.client.DiskList(ctx, m.serial)
		if err != nil && ctx.Err() == nil {
			return agent.Disk{}, agent.Partition{}, fmt.Errorf("listing the disks of %s: %w", m.server, err)
		}
		if len(disks) == 1 {
			part, err := m.pickPartition(disks[0])
			if err != nil || part.VolumeGUID != "" || disks[0].IsOffline {
				return disks[0], part, err
			}
		}
		tflog.Debug(ctx, "volume not surfaced yet; listing again", map[string]any{"server": m.server, "disk": m.serial, "attempt": attempt})
		select {
		case <-ctx.Done():
			return agent.Disk{}, agent.Partition{}, fmt.Errorf("disk %s is online on %s but its volume did not appear within %s (%d look(s)); "+
				"check the disk in Disk Management", m.serial, m.server, limit, attempt)
		case <-time.After(volumeInterval):
		}
	}
}

// pickPartition resolves partition_number: the given one, or the disk's
// single data partition.
func (m *mounter) pickPartition(d agent.Disk) (agent.Partition, error) {
	// The agent names volumes by GPT partition (Type Basic, MountedDevices
	// DMIO:ID:); an MBR disk's partitions are typed IFS, FAT32, ... and
	// its letters are recorded differently.
	if d.PartitionStyle == "MBR" {
		return agent.Partition{}, fmt.Errorf("disk %s on %s is a %s disk: only GPT data disks are supported (convert it to GPT, which erases it, or copy its data to a GPT LUN)",
			m.serial, m.server, d.PartitionStyle)
	}
	var data []agent.Partition
	for _, p := range d.Partitions {
		if m.partition != 0 && p.Number == m.partition {
			if p.Type != agent.PartitionBasic {
				return p, fmt.Errorf("partition %d of disk %s on %s is a %s partition, not a data partition", p.Number, m.serial, m.server, p.Type)
			}
			return p, nil
		}
		if p.Type == agent.PartitionBasic {
			data = append(data, p)
		}
	}
	switch {
	case m.partition != 0:
		return agent.Partition{}, fmt.Errorf("disk %s on %s has no partition %d", m.serial, m.server, m.partition)
	case len(data) == 1:
		return data[0], nil
	case len(data) == 0:
		return agent.Partition{}, fmt.Errorf("disk %s on %s has no data partition to mount", m.serial, m.server)
	}
	var list []string
	for _, p := range data {
		desc := fmt.Sprintf("%d (%d bytes", p.Number, p.Size)
		if p.Label != "" {
			desc += ", label " + p.Label
		}
		list = append(list, desc+")")
	}
	return agent.Partition{}, fmt.Errorf("disk %s on %s has %d data partitions: %s; set partition_number to the one to mount",
		m.serial, m.server, len(data), strings.Join(list, ", "))
}

// mount runs create: wait for the disk, online and writable, refuse a taken
// or unusable mount point, repair, mount. Every step is idempotent, so a
// re-apply after a failure at any step converges.
func (m *mounter) mount(ctx context.Context, wait time.Duration, repair string, diags *diag.Diagnostics) (agent.Partition, error) {
	d, err := m.waitForDisk(ctx, wait)
	if err != nil {
		return agent.Partition{}, err
	}
	part, err := m.pickPartition(d)
	if err != nil {
		return part, err
	}
	// A disk that came back online by itself (Windows keeps a known disk's
	// attributes) surfaces its volume a moment later.
	if !d.IsOffline && part.VolumeGUID == "" {
		if d, part, err = m.waitForVolume(ctx, wait); err != nil {
			return part, err
		}
	}
	// A disk already online shows its volume: refuse a taken mount point
	// before changing anything.
	if !d.IsOffline {
		if err := m.checkMountPoint(ctx, part.VolumeGUID); err != nil {
			return part, err
		}
	}
	if d.IsOffline || d.IsReadOnly {
		f := false
		tflog.Info(ctx, "bringing the disk online and writable", map[string]any{"server": m.server, "disk": m.serial, "offline": d.IsOffline, "read_only": d.IsReadOnly})
		if d, err = m.client.DiskSet(ctx, agent.DiskSetParams{Disk: m.serial, Offline: &f, ReadOnly: &f}); err != nil {
			return part, fmt.Errorf("bringing disk %s online and writable on %s: %w", m.serial, m.server, err)
		}
		if part, err = m.pickPartition(d); err != nil {
			return part, err
		}
		// The agent waits for the volume, within a bound: past it, wait here.
		if part.VolumeGUID == "" {
			if _, part, err = m.waitForVolume(ctx, wait); err != nil {
				return part, err
			}
		}
		if err := m.checkMountPoint(ctx, part.VolumeGUID); err != nil {
			return part, fmt.Errorf("%w\n\n(Disk %s was brought online on %s before the mount point could be checked; it is left online.)", err, m.serial, m.server)
		}
	}
	if part.VolumeGUID == "" {
		return part, fmt.Errorf("partition %d of disk %s on %s has no volume", part.Number, m.serial, m.server)
	}
	// The check within the create timeout: a long operation, which the
	// per-call timeout does not cut (agent.Long).
	rctx, cancel := context.WithTimeout(ctx, wait)
	err = m.repair(rctx, part, repair, diags)
	cancel()
	if err != nil {
		return part, err
	}
	changed, err := m.client.VolumeMount(ctx, agent.VolumeMountParams{VolumeGUID: part.VolumeGUID, Path: m.mountPoint})
	if err != nil {
		return part, fmt.Errorf("mounting disk %s's volume at %s on %s: %w", m.serial, m.mountPoint, m.server, mountHint(err))
	}
	if !changed {
		tflog.Info(ctx, "volume already mounted as declared; adopting it", map[string]any{"server": m.server, "mount_point": m.mountPoint})
	}
	disks, err := m.client.DiskList(ctx, m.serial)
	if err != nil {
		return part, fmt.Errorf("reading disk %s back on %s: %w", m.serial, m.server, err)
	}
	got, gone := currentMount(disks, part.Number, m.mountPoint)
	if gone != "" {
		return part, fmt.Errorf("after mounting on %s: %s", m.server, gone)
	}
	return got, nil
}

// repair makes a dirty volume clean before it is mounted, and so served,
// as the repair attribute says; a clean volume is left as it is. Only
// repair = "never" mounts a dirty volume.
func (m *mounter) repair(ctx context.Context, part agent.Partition, mode string, diags *diag.Diagnostics) error {
	if !part.Dirty {
		return nil
	}
	switch mode {
	case repairFull:
		res, err := m.client.VolumeRepair(ctx, part.VolumeGUID)
		if err != nil {
			return fmt.Errorf("repairing the volume of disk %s on %s (chkdsk /F /X): %w", m.serial, m.server, err)
		}
		tflog.Info(ctx, "volume repaired", map[string]any{"server": m.server, "disk": m.serial, "was_dirty": res.WasDirty})
		return nil
	case repairSpotFix:
		return m.spotFix(ctx, part.VolumeGUID)
	}
	diags.AddWarning("Dirty volume mounted without repair",
		fmt.Sprintf("The NTFS dirty bit of disk %s's volume on %s is set and repair = \"never\": it is mounted at %s unchecked, and served. "+
			"Check it (Repair-Volume -Scan, then -SpotFix) as soon as you can.", m.serial, m.server, m.mountPoint))
	return nil
}

// spotFix scans the volume online and spot-fixes what the scan logged.
// Corruption only a full repair fixes is not repaired behind the
// operator's back: a full check takes the volume offline for a time that
// grows with its file count (hours on a large volume, past any create
// timeout chosen for a spot-fix) and may move damaged files to
// found.NNN, so the operator chooses it (repair = "full").
func (m *mounter) spotFix(ctx context.Context, guid string) error {
	refuse := func(what string) error {
		return fmt.Errorf("disk %s's volume on %s is dirty and %s, so it is not mounted. Set repair = \"full\" on this resource and apply again "+
			"(chkdsk /F /X: offline for a time that grows with the volume's file count; raise timeouts.create to match), "+
			"or repair it by hand (Repair-Volume -OfflineScanAndFix) and apply again", m.serial, m.server, what)
	}
	scan, err := m.client.VolumeScan(ctx, guid)
	if err != nil {
		return fmt.Errorf("scanning the volume of disk %s on %s (Repair-Volume -Scan): %w", m.serial, m.server, err)
	}
	tflog.Info(ctx, "volume scanned online", map[string]any{"server": m.server, "disk": m.serial, "status": scan.Status, "dirty": scan.Dirty})
	switch {
	case scan.Status == agent.RepairFullRepairNeeded:
		return refuse("its online scan found corruption only a full repair fixes (Repair-Volume -Scan answered FullRepairNeeded)")
	case scan.Status == agent.RepairNoErrorsFound && !scan.Dirty:
		return nil
	}
	fix, err := m.client.VolumeSpotFix(ctx, guid)
	if err != nil {
		return fmt.Errorf("spot-fixing the volume of disk %s on %s (Repair-Volume -SpotFix): %w", m.serial, m.server, err)
	}
	tflog.Info(ctx, "volume spot-fixed", map[string]any{"server": m.server, "disk": m.serial, "status": fix.Status, "dirty": fix.Dirty})
	if fix.Status != agent.RepairNoErrorsFound || fix.Dirty {
		return refuse(fmt.Sprintf("the spot-fix left it so (Repair-Volume -SpotFix answered %s; dirty bit set: %t)", fix.Status, fix.Dirty))
	}
	return nil
}

// checkMountPoint refuses a mount point held by another volume ("free mount point") and a
// folder that cannot be a mount point. Held by this very volume is fine.
func (m *mounter) checkMountPoint(ctx context.Context, guid string) error {
	mp, err := m.client.MountPointGet(ctx, m.mountPoint)
	if err != nil {
		return fmt.Errorf("checking mount point %s on %s: %w", m.mountPoint, m.server, mountHint(err))
	}
	switch {
	case mp.InUse && guid != "" && strings.EqualFold(mp.VolumeGUID, guid):
		return nil
	case mp.InUse:
		return fmt.Errorf("mount point %s is in use on %s: it holds %s. Free it first (or, if that is the volume you mean, import it: "+
			"terraform import <address> %s)", m.mountPoint, m.server, mp.Holder, mountID(m.server, m.mountPoint))
	case mp.Kind == "folder" && !mp.Exists:
		return fmt.Errorf("folder %s does not exist on %s: a folder mount point must be an existing empty folder on an NTFS volume", m.mountPoint, m.server)
	case mp.Kind == "folder" && !mp.NTFS:
		return fmt.Errorf("folder %s on %s is not on an NTFS volume", m.mountPoint, m.server)
	case mp.Kind == "folder" && !mp.Empty:
		return fmt.Errorf("folder %s on %s is not empty: a folder mount point must be an empty folder", m.mountPoint, m.server)
	}
	return nil
}

// mountHint adds what to do to the agent's mount refusals.
func mountHint(err error) error {
	var ae *agent.Error
	if errors.As(err, &ae) && ae.Code == agent.CodeVolumeInUse {
		return fmt.Errorf("%w (set close_sessions_on_destroy = true to close them on destroy)", err)
	}
	return err
}

// find locates the volume at the mount point (for import).
func (m *mounter) find(ctx context.Context) (agent.Disk, agent.Partition, error) {
	mp, err := m.client.MountPointGet(ctx, m.mountPoint)
	if err != nil {
		return agent.Disk{}, agent.Partition{}, err
	}
	if !mp.InUse {
		return agent.Disk{}, agent.Partition{}, fmt.Errorf("nothing is mounted at %s on %s", m.mountPoint, m.server)
	}
	disks, err := m.client.DiskList(ctx, "")
	if err != nil {
		return agent.Disk{}, agent.Partition{}, err
	}
	for _, d := range disks {
		for _, p := range d.Partitions {
			if p.VolumeGUID != "" && strings.EqualFold(p.VolumeGUID, mp.VolumeGUID) {
				return d, p, nil
			}
		}
	}
	return agent.Disk{}, agent.Partition{}, fmt.Errorf("%s on %s holds %s, which is not a data volume of an online disk this provider can manage", m.mountPoint, m.server, mp.Holder)
}

// dismount runs destroy ("clean dismount"): close sessions, flush, remove the mount
// point, take the disk offline. A failure after a step has run says what
// was done and what was not.
func (m *mounter) dismount(ctx context.Context, stateGUID string, closeSessions bool, diags *diag.Diagnostics) error {
	disks, err := m.client.DiskList(ctx, m.serial)
	if err != nil {
		return fmt.Errorf("listing the disks of %s: %w", m.server, err)
	}
	var done []string
	halfDone := func(step string, err error) error {
		if len(done) == 0 {
			return fmt.Errorf("dismounting %s on %s: %s: %w", m.mountPoint, m.server, step, mountHint(err))
		}
		return fmt.Errorf("dismounting %s on %s stopped half-way. Done: %s. Failed: %s: %w.\n\nRun apply again once the cause is fixed: the remaining steps are idempotent",
			m.mountPoint, m.server, strings.Join(done, "; "), step, mountHint(err))
	}
	guid := stateGUID
	var disk *agent.Disk
	if len(disks) == 1 {
		disk = &disks[0]
		for _, p := range disk.Partitions {
			if p.Number == m.partition && p.VolumeGUID != "" {
				guid = p.VolumeGUID
			}
		}
	}
	if disk != nil && !disk.IsOffline {
		if closeSessions {
			res, err := m.client.VolumeCloseSessions(ctx, guid)
			if err != nil {
				return halfDone("closing SMB open files and sessions", err)
			}
			done = append(done, fmt.Sprintf("closed %d open file(s) and %d SMB session(s)", res.ClosedFiles, res.ClosedSessions))
		}
		if err := m.client.VolumeFlush(ctx, guid); err != nil {
			return halfDone("flushing the volume", err)
		}
		done = append(done, "flushed the volume")
	}
	// Also removes a stale mount point left by a disk that vanished.
	removed, err := m.client.VolumeDismount(ctx, agent.VolumeDismountParams{VolumeGUID: guid, Path: m.mountPoint})
	if err != nil {
		return halfDone("removing mount point "+m.mountPoint, err)
	}
	if removed {
		done = append(done, "removed mount point "+m.mountPoint)
	}
	if disk == nil || disk.IsOffline {
		tflog.Info(ctx, "disk not visible or already offline; nothing more to do", map[string]any{"server": m.server, "disk": m.serial})
		return nil
	}
	// Another mount on the same disk keeps it online: unmapping it now
	// would be a surprise removal, so say so.
	after, err := m.client.DiskList(ctx, m.serial)
	if err != nil {
		return halfDone("reading the disk back", err)
	}
	var others []string
	for _, d := range after {
		for _, p := range d.Partitions {
			others = append(others, p.AccessPaths...)
		}
	}
	if len(others) > 0 {
		diags.AddWarning("Disk left online",
			fmt.Sprintf("Disk %s on %s still has mount points %s, so it was left online. Dismount them before the LUN is unmapped.", m.serial, m.server, strings.Join(others, ", ")))
		return nil
	}
	t := true
	if _, err := m.client.DiskSet(ctx, agent.DiskSetParams{Disk: m.serial, Offline: &t}); err != nil {
		return halfDone("taking disk "+m.serial+" offline", err)
	}
	tflog.Info(ctx, "volume dismounted and disk offline", map[string]any{"server": m.server, "disk": m.serial, "steps": strings.Join(done, "; ")})
	return nil
}
