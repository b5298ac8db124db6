package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// preflight runs at plan time, with reads only, when the plan creates a
// mount (a first mount, or the new side of a failover): the target server
// must answer and the mount point must be free for this disk ("free mount
// point"). Found out at apply time, a taken X: would stop a failover after
// the shares were removed and the LUNs moved; found out here, nothing is
// touched.
func (r *volumeMountResource) preflight(ctx context.Context, req resource.ModifyPlanRequest, diags *diag.Diagnostics) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan volumeMountResourceModel
	diags.Append(req.Plan.Get(ctx, &plan)...)
	if diags.HasError() || plan.Server.IsUnknown() || plan.MountPoint.IsUnknown() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state volumeMountResourceModel
		diags.Append(req.State.Get(ctx, &state)...)
		if diags.HasError() || (state.Server.Equal(plan.Server) && strings.EqualFold(state.MountPoint.ValueString(), plan.MountPoint.ValueString()) &&
			!plan.DiskSerial.IsUnknown() && strings.EqualFold(state.DiskSerial.ValueString(), plan.DiskSerial.ValueString())) {
			return // not a new mount
		}
	}
	server, mountPoint := plan.Server.ValueString(), plan.MountPoint.ValueString()
	if r.data.checkServer(server) != nil || mountPointProblem(mountPoint) != "" {
		return // reported on the attribute
	}
	client, err := r.data.host(ctx, server)
	if err == nil {
		var mp agent.MountPointGetResult
		if mp, err = client.MountPointGet(ctx, mountPoint); err == nil {
			var disks []agent.Disk
			if disks, err = client.DiskList(ctx, ""); err == nil {
				serial := ""
				if !plan.DiskSerial.IsUnknown() {
					serial = plan.DiskSerial.ValueString()
				}
				mountPointFree(server, mountPoint, serial, mp, disks, diags)
				return
			}
		}
	}
	diags.AddAttributeError(path.Root("server"), "Cannot check the target server before mounting",
		fmt.Sprintf("Reading mount point %s on %s failed: %v\n\nThe plan mounts a volume there, so %s must answer; nothing was changed.",
			mountPoint, server, err, server))
}

// mountPointFree judges a mount point on the target server for the disk of
// serial ("" when the plan does not know it yet).
func mountPointFree(server, mountPoint, serial string, mp agent.MountPointGetResult, disks []agent.Disk, diags *diag.Diagnostics) {
	at := path.Root("mount_point")
	stop := "Mounting there would fail after the steps before it ran (in a failover: the shares removed, the LUNs moved), so the plan stops here and nothing was changed."
	switch {
	case mp.InUse:
		holder := holderDisk(disks, mp.VolumeGUID)
		switch {
		case holder != nil && serial != "" && diskMatches(*holder, serial):
			return // this disk's volume: adopted at apply
		case holder == nil:
			// No volume the server sees holds it: a stale drive letter, or the
			// letter the mount manager keeps for a volume still arriving (a disk
			// just back online shows its volumes a moment later). The plan cannot
			// tell whose it is; the apply waits for the volume and mounts or
			// refuses then.
			diags.AddAttributeWarning(at, "Mount point holds a stale entry",
				fmt.Sprintf("Mount point %s on %s holds %s, a volume the server does not see now. If it is not the volume of disk %s, the mount will fail; "+
					"remove the stale drive letter on %s (mountvol %s /D) to be sure.", mountPoint, server, mp.Holder, orUnknown(serial), server, mountPoint))
			return
		case holder != nil && serial == "":
			diags.AddAttributeWarning(at, "Mount point in use",
				fmt.Sprintf("Mount point %s on %s holds %s; the plan does not know disk_serial yet, so whether it is the disk to mount is checked at apply.",
					mountPoint, server, mp.Holder))
			return
		}
		diags.AddAttributeError(at, "Mount point in use on the target server",
			fmt.Sprintf("Mount point %s is in use on %s: it holds %s. %s Free %s on %s first, or choose another mount_point "+
				"(or, if that is the volume you mean, import it: terraform import <address> %s).",
				mountPoint, server, mp.Holder, stop, mountPoint, server, mountID(server, mountPoint)))
	case mp.Kind == "folder" && !mp.Exists:
		diags.AddAttributeError(at, "Mount point folder missing on the target server",
			fmt.Sprintf("Folder %s does not exist on %s; a folder mount point must be an existing empty folder on an NTFS volume. %s", mountPoint, server, stop))
	case mp.Kind == "folder" && !mp.NTFS:
		diags.AddAttributeError(at, "Mount point folder not on NTFS",
			fmt.Sprintf("Folder %s on %s is not on an NTFS volume; a folder mount point must be. %s", mountPoint, server, stop))
	case mp.Kind == "folder" && !mp.Empty:
		diags.AddAttributeError(at, "Mount point folder not empty on the target server",
			fmt.Sprintf("Folder %s on %s is not empty; a folder mount point must be an empty folder. %s", mountPoint, server, stop))
	}
}

// holderDisk is the visible disk with the volume guid, or nil.
func holderDisk(disks []agent.Disk, guid string) *agent.Disk {
	for i, d := range disks {
		for _, p := range d.Partitions {
			if guid != "" && strings.EqualFold(p.VolumeGUID, guid) {
				return &disks[i]
			}
		}
	}
	return nil
}

func diskMatches(d agent.Disk, serial string) bool {
	return strings.EqualFold(d.SerialNumber, serial) || strings.EqualFold(d.UniqueID, serial)
}

func orUnknown(s string) string {
	if s == "" {
		return "(not known at plan time)"
	}
	return s
}
