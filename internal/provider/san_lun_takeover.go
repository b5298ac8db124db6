package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/san"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// Takeover is for a holder that is dead or fenced, never for a live one
// (safety rule "no takeover from a live host"): unmapping a LUN under a
// mounted NTFS volume is a surprise removal, which loses what the holder
// had not written yet and leaves its volume dirty.

// holderServer names the configured server behind a holder's initiator
// group: the server whose name is the igroup's, compared as Windows
// compares computer names (case-insensitively). "" when none is.
func (d *providerData) holderServer(igroup string) string {
	for _, name := range d.settings.names() {
		if strings.EqualFold(name, igroup) {
			return name
		}
	}
	return ""
}

// unidentifiedHolders reports, at plan time, the holders takeover could not
// check: igroups with no configured server of that name, or a server the
// provider has no credentials for. Nothing is changed when it fails.
func (d *providerData) unidentifiedHolders(lun string, others []san.Mapping, diags *diag.Diagnostics) {
	for _, o := range others {
		server := d.holderServer(o.IGroup)
		var why string
		switch {
		case server == "":
			why = fmt.Sprintf("initiator group %s is not the name of one of the provider's servers (%s)", o.IGroup, strings.Join(d.settings.names(), ", "))
		case d.settings.noCredentials[server]:
			why = missingCredentials(server)
		default:
			continue
		}
		diags.AddAttributeError(path.Root("takeover"), "Cannot identify the LUN's holder",
			fmt.Sprintf("LUN %s is mapped to initiator group %s, and takeover = true would unmap it, but %s, so the provider cannot check "+
				"that the holder no longer uses the disk. Add that server to the provider's servers under the igroup's name (with WinRM credentials), "+
				"or, once you know the holder is stopped, unmap the LUN from %s on the array yourself. Nothing was changed.", lun, o.IGroup, why, o.IGroup))
	}
}

// checkTakeover is the apply-time check, just before the unmap: every
// holder must be a configured server that has the disk offline (or does
// not see it), or be unreachable with unreachable_delete = "fenced".
func (d *providerData) checkTakeover(ctx context.Context, lun, serial string, others []san.Mapping, diags *diag.Diagnostics) bool {
	d.unidentifiedHolders(lun, others, diags)
	if diags.HasError() {
		return false
	}
	for _, o := range others {
		server := d.holderServer(o.IGroup)
		if serial == "" {
			diags.AddAttributeError(path.Root("takeover"), "Cannot identify the LUN's disk",
				fmt.Sprintf("The array reports no serial number for LUN %s (a generic dialect without serial_command), so the provider cannot check "+
					"whether %s has the disk online. Configure serial_command, or unmap the LUN from %s on the array yourself once %s is stopped.",
					lun, server, o.IGroup, server))
			return false
		}
		c, err := d.host(ctx, server)
		var disks []agent.Disk
		if err == nil {
			disks, err = c.DiskList(ctx, serial)
		}
		switch {
		case err != nil && windows.IsUnreachable(err) && d.settings.fenced:
			diags.AddWarning("Holder unreachable: taken over as fenced",
				fmt.Sprintf("%s, which holds LUN %s, could not be reached, so the LUN is unmapped from it (unreachable_delete = \"fenced\": the array unmap "+
					"is the fence). When %s comes back it may still list the volume; clean it up before using the server again.\n\nCause: %v", server, lun, server, err))
			continue
		case err != nil && windows.IsUnreachable(err):
			diags.AddAttributeError(path.Root("takeover"), "Holder unreachable",
				fmt.Sprintf("%s holds LUN %s and could not be reached, so the provider cannot tell whether it still uses the disk; nothing was changed. "+
					"If %s is dead (powered off, fenced), set unreachable_delete = \"fenced\" in the provider and apply again.\n\nCause: %v", server, lun, server, err))
			return false
		case err != nil:
			diags.AddAttributeError(path.Root("takeover"), "Cannot check the holder",
				fmt.Sprintf("Reading the disks of %s, which holds LUN %s: %v. Nothing was changed.", server, lun, err))
			return false
		}
		for _, disk := range disks {
			if disk.IsOffline {
				continue
			}
			diags.AddAttributeError(path.Root("takeover"), "LUN in use by a live server",
				liveHolder(lun, server, disk))
			return false
		}
		tflog.Info(ctx, "takeover: the holder does not have the disk online", map[string]any{"holder": server, "disks": len(disks)})
	}
	return true
}

// liveHolder is the refusal: who has the disk online, where it is mounted,
// and the two ways out.
func liveHolder(lun, server string, disk agent.Disk) string {
	var paths []string
	for _, p := range disk.Partitions {
		paths = append(paths, p.AccessPaths...)
	}
	sort.Strings(paths)
	mounted := "with no mount point"
	if len(paths) > 0 {
		mounted = "mounted at " + strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s is reachable and has LUN %s online as disk %d (serial %s), %s. Unmapping it now would pull the disk from under "+
		"a live NTFS volume: what %s has not written is lost and the volume is left dirty. Nothing was changed.\n\n"+
		"takeover is for a holder that is dead or fenced. Either:\n"+
		"  - remove the winfs_volume_mount of that disk on %s first (or take the disk offline there), then apply again; or\n"+
		"  - if %s is dead or must be fenced, make it unreachable (power it off) and set unreachable_delete = \"fenced\" in the provider.",
		server, lun, disk.Number, disk.SerialNumber, mounted, server, server, server)
}
