package windows

import (
	"context"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// Storage operations. Reads (DiskList, MountPointGet) are retried like any
// read. StorageRescan, DiskSet, VolumeFlush, the checks (VolumeRepair,
// VolumeScan, VolumeSpotFix) and VolumeCloseSessions set a state rather
// than toggle one, so after an unknown outcome they are
// sent once more: doing them twice is the same as once. Mount and dismount
// re-read the mount point instead, like the registry writes.

// StorageRescan makes the host look for new and removed disks.
func (c *Client) StorageRescan(ctx context.Context) error {
	_, err := repeat(ctx, c, agent.StorageRescan, agent.StorageRescanParams{})
	return err
}

// StorageRescanSince makes sure a rescan issued at or after since has completed:
// it joins one already in flight, or starts one. Volume mounts on the same
// host wait for their disks at the same time, and the agent runs rescans
// one after the other (agent.SerialStorage), so a second rescan queued
// behind the first would find nothing new and cost the failover seconds. since must be a moment
// after which every LUN the caller waits for was already presented.
func (c *Client) StorageRescanSince(ctx context.Context, since time.Time) error {
	c.rescanMu.Lock()
	f := c.rescan
	if f == nil || f.issued.Before(since) {
		f = &rescanFlight{issued: time.Now(), done: make(chan struct{})}
		c.rescan = f
		go func() {
			// Not the caller's ctx: others may be waiting on this rescan.
			rctx, cancel := context.WithTimeout(context.Background(), rescanTimeout)
			defer cancel()
			f.err = c.StorageRescan(rctx)
			close(f.done)
		}()
	}
	c.rescanMu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// rescanFlight is one rescan that several callers may wait on.
type rescanFlight struct {
	issued time.Time
	done   chan struct{}
	err    error
}

// rescanTimeout bounds a shared rescan, which no single caller's context
// governs (Update-HostStorageCache takes seconds, not minutes).
const rescanTimeout = 5 * time.Minute

// DiskList lists the disks the host sees; disk filters by serial or unique
// id. It waits for a rescan this client has in flight, so that the listing
// shows what the rescan found: the agent would run the listing beside the
// rescan (a read takes no serial key), and a mount that looked too early
// would start a rescan of its own.
func (c *Client) DiskList(ctx context.Context, disk string) ([]agent.Disk, error) {
	c.rescanMu.Lock()
	f := c.rescan
	c.rescanMu.Unlock()
	if f != nil {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	res, err := call(ctx, c, agent.DiskList, agent.DiskListParams{Disk: disk})
	return res.Disks, err
}

// DiskSet brings a disk online or offline and sets its read-only flag.
func (c *Client) DiskSet(ctx context.Context, p agent.DiskSetParams) (agent.Disk, error) {
	res, err := repeat(ctx, c, agent.DiskSet, p)
	return res.Disk, err
}

// MountPointGet says what a drive letter or folder holds.
func (c *Client) MountPointGet(ctx context.Context, path string) (agent.MountPointGetResult, error) {
	res, err := call(ctx, c, agent.MountPointGet, agent.MountPointGetParams{Path: path})
	return res, err
}

// VolumeMount adds an access path. After an unknown outcome it reads the
// mount point back: holding the volume means done, free means not done.
func (c *Client) VolumeMount(ctx context.Context, p agent.VolumeMountParams) (bool, error) {
	res, err := checkedWrite(ctx, c, agent.VolumeMount, p, func() (agent.VolumeMountResult, bool, error) {
		mp, err := c.MountPointGet(ctx, p.Path)
		return agent.VolumeMountResult{Changed: true}, mp.InUse && mp.VolumeGUID == p.VolumeGUID, err
	})
	return res.Changed, err
}

// VolumeDismount removes an access path (only if it holds p.VolumeGUID).
func (c *Client) VolumeDismount(ctx context.Context, p agent.VolumeDismountParams) (bool, error) {
	res, err := checkedWrite(ctx, c, agent.VolumeDismount, p, func() (agent.VolumeDismountResult, bool, error) {
		mp, err := c.MountPointGet(ctx, p.Path)
		return agent.VolumeDismountResult{Removed: true}, !mp.InUse || (p.VolumeGUID != "" && mp.VolumeGUID != p.VolumeGUID), err
	})
	return res.Removed, err
}

// VolumeFlush writes the volume's cache to disk (Write-VolumeCache).
func (c *Client) VolumeFlush(ctx context.Context, guid string) error {
	_, err := repeat(ctx, c, agent.VolumeFlush, agent.VolumeParams{VolumeGUID: guid})
	return err
}

// VolumeRepair runs chkdsk /F /X on the volume.
func (c *Client) VolumeRepair(ctx context.Context, guid string) (agent.VolumeRepairResult, error) {
	res, err := repeat(ctx, c, agent.VolumeRepair, agent.VolumeParams{VolumeGUID: guid})
	return res, err
}

// VolumeScan runs an online scan of the volume (Repair-Volume -Scan).
func (c *Client) VolumeScan(ctx context.Context, guid string) (agent.VolumeCheckResult, error) {
	return repeat(ctx, c, agent.VolumeScan, agent.VolumeParams{VolumeGUID: guid})
}

// VolumeSpotFix fixes what a scan logged (Repair-Volume -SpotFix).
func (c *Client) VolumeSpotFix(ctx context.Context, guid string) (agent.VolumeCheckResult, error) {
	return repeat(ctx, c, agent.VolumeSpotFix, agent.VolumeParams{VolumeGUID: guid})
}

// VolumeCloseSessions closes the SMB open files on a volume and the
// sessions that held them.
func (c *Client) VolumeCloseSessions(ctx context.Context, guid string) (agent.VolumeCloseSessionsResult, error) {
	res, err := repeat(ctx, c, agent.VolumeCloseSessions, agent.VolumeParams{VolumeGUID: guid})
	return res, err
}
