package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// Values of the provider's unreachable_delete setting (safety rule "fencing by unmap", DESIGN.md).
const (
	unreachableFail   = "fail"
	unreachableFenced = "fenced"
)

// fencedDelete decides a delete whose server could not be reached: with
// unreachable_delete = "fenced" it adds the warning and reports true (the
// resource leaves the state); otherwise the caller reports err.
func (d *providerData) fencedDelete(server, what string, err error, diags *diag.Diagnostics) bool {
	if d == nil || !d.settings.fenced || !windows.IsUnreachable(err) {
		return false
	}
	diags.AddWarning("Server unreachable: treated as fenced",
		fmt.Sprintf("%s could not be reached, so %s was removed from the state without touching the server "+
			"(unreachable_delete = \"fenced\"). This is safe only because the LUN is unmapped from %s on the array: "+
			"the array unmap is the fence, as quorum arbitration is in a cluster. When %s comes back it may still list "+
			"its old mount points and shares; clean them up before using it again.\n\nCause: %v", server, what, server, server, err))
	return true
}

// fencedRead decides a refresh whose server could not be reached: with
// "fenced" the resource keeps its last known state and a warning is added,
// so that a plan that destroys it (a failover away from a dead server) can
// be made at all.
func (d *providerData) fencedRead(server, what string, err error, diags *diag.Diagnostics) bool {
	if d == nil || !d.settings.fenced || !windows.IsUnreachable(err) {
		return false
	}
	diags.AddWarning("Server unreachable: state kept",
		fmt.Sprintf("%s could not be reached, so %s keeps its last known state (unreachable_delete = \"fenced\").\n\nCause: %v", server, what, err))
	return true
}
