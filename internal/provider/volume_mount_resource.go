package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// Defaults of the timeouts block: how long a create waits for the disk to
// appear (rescans included), and how long a delete may take.
const (
	defaultMountCreateTimeout = 2 * time.Minute
	defaultMountDeleteTimeout = 2 * time.Minute
)

// Values of the repair attribute: what is done to a volume whose NTFS
// dirty bit is set before it is mounted, and so before it is served.
const (
	repairSpotFix = "spotfix" // Repair-Volume -Scan online, then -SpotFix
	repairFull    = "full"    // chkdsk /F /X
	repairNever   = "never"   // mounted dirty, with a warning
)

// retiredRepair holds the repair values of earlier releases, refused at
// plan time with what to write instead.
var retiredRepair = map[string]string{
	"if_dirty": `"if_dirty" is now "full" (chkdsk /F /X when the volume is dirty, as before); the new default, "spotfix", scans the volume online and takes it offline only to fix what the scan found`,
	"always":   `"always" is gone: a volume whose dirty bit is clear is not checked any more. Use "full" (chkdsk /F /X when the volume is dirty) or the default "spotfix" (an online scan, then a brief offline spot-fix)`,
}

// repairMode validates repair: one of the values, or an upgrade note for a
// value of an earlier release.
func repairMode() validator.String {
	rule := fmt.Sprintf("must be %q, %q or %q", repairSpotFix, repairFull, repairNever)
	return stringValidator{rule, func(at path.Path, s string, diags *diag.Diagnostics) {
		if note, ok := retiredRepair[s]; ok {
			diags.AddAttributeError(at, "Repair value of an earlier release", fmt.Sprintf("%s %s: %s.", at, rule, note))
			return
		}
		if s != repairSpotFix && s != repairFull && s != repairNever {
			diags.AddAttributeError(at, "Invalid repair value", fmt.Sprintf("%s %s, not %q.", at, rule, s))
		}
	}}
}

// Values of the write_cache attribute. writeCacheEnabled is never
// configured: Read records it when a disk declared "disabled" has its
// cache on again, so the plan shows the drift.
const (
	writeCacheDisabled  = "disabled"
	writeCacheUnchanged = "unchanged"
	writeCacheEnabled   = "enabled"
)

// NewVolumeMountResource is the winfs_volume_mount factory.
func NewVolumeMountResource() resource.Resource {
	return &volumeMountResource{resourceBase{typeName: "_volume_mount"}}
}

type volumeMountResource struct{ resourceBase }

type volumeMountResourceModel struct {
	ID              types.String   `tfsdk:"id"`
	Server          types.String   `tfsdk:"server"`
	DiskSerial      types.String   `tfsdk:"disk_serial"`
	PartitionNumber types.Int64    `tfsdk:"partition_number"`
	MountPoint      types.String   `tfsdk:"mount_point"`
	Repair          types.String   `tfsdk:"repair"`
	CloseSessions   types.Bool     `tfsdk:"close_sessions_on_destroy"`
	WriteCache      types.String   `tfsdk:"write_cache"`
	VolumeGUID      types.String   `tfsdk:"volume_guid"`
	FileSystem      types.String   `tfsdk:"file_system"`
	Label           types.String   `tfsdk:"label"`
	SizeBytes       types.Int64    `tfsdk:"size_bytes"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

func (r *volumeMountResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Mounts the data volume of a SAN disk on a Windows server at a drive letter or an empty NTFS folder. " +
			"Create rescans the server's storage until the disk of `disk_serial` appears, brings it online and " +
			"writable (the wait bounded by `timeouts.create`), checks and repairs the volume when NTFS marks it dirty (see `repair`; the check too is bounded by `timeouts.create`), then adds the mount point. Destroy closes the SMB " +
			"open files and sessions on the volume, flushes it, removes the mount point and takes the disk offline, so that the LUN unmap " +
			"that follows (a `winfs_san_lun_mapping` this resource depends on) is clean. A mount point in use by anything else is never taken: " +
			"the plan of a new mount (the new side of a failover included) reads the target server and fails, before anything is touched, " +
			"when the mount point holds another volume, a folder mount point is missing, not empty or not on NTFS, or the server does not answer.",
		Attributes: map[string]schema.Attribute{
			"id":     idAttribute("`<server>/<mount_point>`, for example `server1/X:` or `server1/C:\\Mounts\\Data`. This is also the import ID."),
			"server": resourceServerAttribute(" Changing it replaces the mount (dismount on the old server, mount on the new one)."),
			"disk_serial": replacingAttribute("The disk: its serial number, which for a SAN disk is the LUN serial (use `winfs_san_lun_mapping.<name>.serial`), "+
				"or its Windows UniqueId. Compared case-insensitively. Changing it replaces the mount.",
				stringvalidator.LengthBetween(1, 128), requiresReplaceUnlessEqualFold()),
			"partition_number": schema.Int64Attribute{
				MarkdownDescription: "Partition to mount. By default the disk's one data partition; a disk with several data partitions needs it. Changing it replaces the mount.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 128)},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplace()},
			},
			"mount_point": replacingAttribute("Where to mount the volume: a drive letter such as `X:`, or an existing empty folder on an NTFS volume such as "+
				"`C:\\Mounts\\Data` (no trailing backslash). Not `C:` (the system volume), not a relative path, and folder names Windows accepts "+
				"(no control characters, `<>:\"/\\|?*`, `.` or `..`, trailing dot or space, or reserved device names such as `CON` or `LPT1`). "+
				"Compared case-insensitively. Changing it replaces the mount.",
				mountPoint(), requiresReplaceUnlessEqualFold()),
			"repair": optionalString("What is done, before the mount, to a volume whose NTFS dirty bit is set (as after a crash or a forced unmap); "+
				"a clean volume is mounted as it is. `spotfix` (default): `Repair-Volume -Scan`, an online scan that logs what it finds while the volume stays online, "+
				"then `Repair-Volume -SpotFix`, which takes the volume offline for seconds to fix only what was logged; when the scan finds corruption only a full "+
				"repair fixes (`FullRepairNeeded`), or the volume is still dirty after the spot-fix, the mount is refused with what to do. `full`: `chkdsk /F /X` "+
				"(`Repair-Volume -OfflineScanAndFix`), offline for a time that grows with the volume's size and file count (hours on a multi-terabyte volume "+
				"of millions of files: raise `timeouts.create`, which bounds the check). `never`: a dirty volume is mounted, and so served, unchecked, with a warning. "+
				"The values `if_dirty` and `always` of earlier releases are refused with an upgrade note: `if_dirty` is now `full`.",
				repairSpotFix, repairMode()),
			"write_cache": optionalString("The disk's write cache. `disabled` (default): turned off once the disk is online, before anything is shared, and "+
				"checked on every refresh, because a shared disk whose server loses power must not lose writes its clients were told were done "+
				"(a cache turned off by hand comes back on when Windows or the array resets it, which the next plan shows as drift). "+
				"`unchanged`: left as Windows or the array has it, for disks whose cache is battery-backed on the array. "+
				"Set through the Storage WMI method `MSFT_PhysicalDisk.SetWriteCache` and read back with `Get-StorageAdvancedProperty`; "+
				"a device that does not let the host change its cache fails the apply, naming this attribute. "+
				"Import records `disabled` for a disk whose cache is off and `unchanged` otherwise (the disk as found); set `disabled` to turn it off.",
				writeCacheDisabled, stringvalidator.OneOf(writeCacheDisabled, writeCacheUnchanged)),
			"close_sessions_on_destroy": optionalBool("On destroy, close the SMB open files and sessions on the volume before dismounting it (default `true`). "+
				"With `false`, a destroy fails while clients hold files open on the volume.",
				true),
			"volume_guid": reportedString("The volume's GUID on this server (without braces). Windows gives the same LUN a different volume GUID on every server."),
			"file_system": reportedString("The volume's file system, for example `NTFS`."),
			"label":       reportedString("The volume's label."),
			"size_bytes": schema.Int64Attribute{
				MarkdownDescription: "The partition's size in bytes.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			// An attribute, like winfs_dns_cname's: one syntax (timeouts = {...})
			// across the provider.
			"timeouts": positiveTimeouts(ctx, timeouts.Opts{Create: true, Delete: true}),
		},
	}
}

func (r *volumeMountResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkPlannedServer(ctx, req.Plan, &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		r.preflight(ctx, req, &resp.Diagnostics)
	}
}

func (r *volumeMountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan volumeMountResourceModel
	client := r.open(ctx, req.Plan, &plan, &plan.Server, &resp.Diagnostics)
	if client == nil {
		return
	}
	wait, diags := plan.Timeouts.Create(ctx, defaultMountCreateTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	m := plan.mounter(client)
	part, err := m.mount(ctx, wait, plan.Repair.ValueString(), &resp.Diagnostics)
	if err != nil {
		resp.Diagnostics.AddError("Cannot mount the volume", err.Error())
		return
	}
	if !applyWriteCache(ctx, client, m.server, m.serial, plan.WriteCache.ValueString(), &resp.Diagnostics) {
		return
	}
	plan.ID = types.StringValue(mountID(m.server, m.mountPoint))
	plan.setVolume(part)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// mounter works on the disk, partition and mount point of s through c.
func (s volumeMountResourceModel) mounter(c *windows.Client) *mounter {
	m := &mounter{client: c, server: s.Server.ValueString(), serial: s.DiskSerial.ValueString(), mountPoint: s.MountPoint.ValueString()}
	if !s.PartitionNumber.IsNull() && !s.PartitionNumber.IsUnknown() {
		m.partition = int(s.PartitionNumber.ValueInt64())
	}
	return m
}

func (r *volumeMountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state volumeMountResourceModel
	client := r.open(ctx, req.State, &state, &state.Server, &resp.Diagnostics)
	if client == nil {
		return
	}
	server := state.Server.ValueString()
	what := fmt.Sprintf("the mount of disk %s at %s on %s", state.DiskSerial.ValueString(), state.MountPoint.ValueString(), server)
	disks, err := client.DiskList(ctx, state.DiskSerial.ValueString())
	if err != nil {
		if r.data.fencedRead(server, what, err, &resp.Diagnostics) {
			return
		}
		resp.Diagnostics.AddError("Cannot read disks", fmt.Sprintf("Listing the disks of %s: %v", server, err))
		return
	}
	part, gone := currentMount(disks, int(state.PartitionNumber.ValueInt64()), state.MountPoint.ValueString())
	if gone != "" {
		tflog.Info(ctx, "volume mount is gone from the server; it will be created again", map[string]any{"mount": what, "reason": gone})
		resp.State.RemoveResource(ctx)
		return
	}
	state.setVolume(part)
	state.WriteCache = readWriteCache(state.WriteCache, disks)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update turns the write cache off, and otherwise only changes settings
// that act at create or destroy time (repair, close_sessions_on_destroy,
// timeouts): everything else forces replacement.
func (r *volumeMountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state volumeMountResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.WriteCache.ValueString() != state.WriteCache.ValueString() {
		client := r.client(ctx, state.Server.ValueString(), &resp.Diagnostics)
		if client == nil || !applyWriteCache(ctx, client, state.Server.ValueString(), state.DiskSerial.ValueString(), plan.WriteCache.ValueString(), &resp.Diagnostics) {
			return
		}
	}
	plan.ID, plan.PartitionNumber = state.ID, state.PartitionNumber
	plan.VolumeGUID, plan.FileSystem, plan.Label, plan.SizeBytes = state.VolumeGUID, state.FileSystem, state.Label, state.SizeBytes
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *volumeMountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state volumeMountResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := state.Timeouts.Delete(ctx, defaultMountDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	server := state.Server.ValueString()
	client := r.client(ctx, server, &resp.Diagnostics)
	if client == nil {
		return
	}
	m := state.mounter(client)
	err := m.dismount(ctx, state.VolumeGUID.ValueString(), state.CloseSessions.ValueBool(), &resp.Diagnostics)
	if err == nil {
		return
	}
	what := fmt.Sprintf("the mount of disk %s at %s", m.serial, m.mountPoint)
	if r.data.fencedDelete(server, what, err, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.AddError("Cannot dismount the volume", err.Error())
}

func (r *volumeMountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	server, mountPoint, ok := strings.Cut(req.ID, "/")
	if !ok || server == "" || mountPointProblem(mountPoint) != "" {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf(`import ID %q must be <server>/<mount point>, for example server1/X: or server1/C:\Mounts\Data; the mount point %s`, req.ID, mountPointRule))
		return
	}
	client := r.client(ctx, server, &resp.Diagnostics)
	if client == nil {
		return
	}
	m := &mounter{client: client, server: server, mountPoint: mountPoint}
	disk, part, err := m.find(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Nothing to import", err.Error())
		return
	}
	st := volumeMountResourceModel{
		ID:              types.StringValue(mountID(server, mountPoint)),
		Server:          types.StringValue(server),
		DiskSerial:      types.StringValue(disk.SerialNumber),
		PartitionNumber: types.Int64Value(int64(part.Number)),
		MountPoint:      types.StringValue(mountPoint),
		Repair:          types.StringValue(repairSpotFix),
		CloseSessions:   types.BoolValue(true),
		WriteCache:      importedWriteCache(disk),
		Timeouts:        timeouts.Value{Object: types.ObjectNull(timeoutAttrTypes(ctx))},
	}
	st.setVolume(part)
	resp.Diagnostics.Append(resp.State.Set(ctx, st)...)
}

// applyWriteCache turns the disk's write cache off when write_cache is
// "disabled"; "unchanged" leaves it.
func applyWriteCache(ctx context.Context, client *windows.Client, server, serial, want string, diags *diag.Diagnostics) bool {
	if want != writeCacheDisabled {
		return true
	}
	off := false
	d, err := client.DiskSet(ctx, agent.DiskSetParams{Disk: serial, WriteCacheEnabled: &off})
	var ae *agent.Error
	switch {
	case asAgentError(err, &ae) && ae.Code == agent.CodeWriteCacheNotChangeable:
		diags.AddAttributeError(path.Root("write_cache"), "Cannot turn the disk's write cache off",
			fmt.Sprintf("%s: %s. If the array protects its cache (battery or flash backed), set write_cache = \"unchanged\".", server, ae.Message))
		return false
	case err != nil:
		diags.AddAttributeError(path.Root("write_cache"), "Cannot turn the disk's write cache off", fmt.Sprintf("Disk %s on %s: %v", serial, server, err))
		return false
	}
	tflog.Info(ctx, "disk write cache off", map[string]any{"disk": d.Number, "reported": d.WriteCacheEnabled})
	return true
}

// importedWriteCache is the write_cache an import records: "disabled" for
// a disk whose cache is off, else "unchanged", which describes the disk as
// found. ("enabled" is only ever drift from "disabled", and as a
// configured value it is refused, so a configuration generated from the
// import could not be planned.)
func importedWriteCache(disk agent.Disk) types.String {
	if disk.WriteCacheEnabled != nil && !*disk.WriteCacheEnabled {
		return types.StringValue(writeCacheDisabled)
	}
	return types.StringValue(writeCacheUnchanged)
}

// readWriteCache is the write_cache recorded by a refresh: "unchanged"
// stays; otherwise what the disk reports ("enabled" is drift from
// "disabled"), or the last value when Windows cannot say.
func readWriteCache(last types.String, disks []agent.Disk) types.String {
	if last.ValueString() == writeCacheUnchanged || len(disks) == 0 || disks[0].WriteCacheEnabled == nil {
		return last
	}
	if *disks[0].WriteCacheEnabled {
		return types.StringValue(writeCacheEnabled)
	}
	return types.StringValue(writeCacheDisabled)
}
