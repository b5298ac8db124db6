package provider

import (
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// The default estate: server1 holds files_x and has it mounted at X:.
const (
	liveLUN    = "/vol/vol1/files_x"
	liveSerial = "P3OoG4WVLmC0"
)

// takeoverApply applies the takeover of files_x by server2 in its own
// working directory and returns terraform's result.
func takeoverApply(t *testing.T, l *lab.Lab, o acctest.ProviderOpts) acctest.Result {
	t.Helper()
	tf := acctest.NewTerraform(t, testProvider)
	tf.WriteConfig(acctest.ProviderBlock(l, o) + `
resource "winfs_san_lun_mapping" "m" {
  lun      = "` + liveLUN + `"
  igroup   = "server2"
  takeover = true
}
`)
	return tf.Run("apply", "-auto-approve")
}

// TestAccSANLunMapping_takeoverRefusedFromLiveHolder: takeover on a LUN
// that server1 holds and has mounted used to unmap it from under the live
// NTFS volume (the lab then reported "mount without its disk"). It is now
// refused, naming the server, the disk, its mount point and the two ways
// out, and the array is left as it was ("no takeover from a live host").
func TestAccSANLunMapping_takeoverRefusedFromLiveHolder(t *testing.T) {
	l := parallelAccLab(t)
	since := acctest.Mark(l)
	res := takeoverApply(t, l, acctest.ProviderOpts{})
	if res.Code == 0 {
		t.Fatalf("takeover from a live holder succeeded: %s", res.Explain())
	}
	if !res.HasDiagnostic("error", "LUN in use by a live server", "server1 is reachable", liveLUN, "serial "+liveSerial,
		"mounted at X:", "remove the winfs_volume_mount", `unreachable_delete = "fenced"`) {
		t.Fatalf("want the live-holder refusal: %s", res.Explain())
	}
	if got := lunEvents(l, liveLUN, since); len(got) != 0 {
		t.Fatalf("the refused takeover changed the array: %v", got)
	}
	if v := l.Invariants(); len(v) != 0 {
		t.Fatalf("invariants after the refusal: %+v", v)
	}
}

// TestAccSANLunMapping_takeoverFromUnreachableHolder: a holder that cannot
// be reached is taken over only with unreachable_delete = "fenced".
func TestAccSANLunMapping_takeoverFromUnreachableHolder(t *testing.T) {
	l := parallelAccLab(t)
	since := acctest.Mark(l)
	acctest.Fault(t, l, lab.FaultRequest{Server: "server1", Kind: "unreachable"})
	res := takeoverApply(t, l, acctest.ProviderOpts{})
	if res.Code == 0 || !res.HasDiagnostic("error", "Holder unreachable", "server1 holds LUN "+liveLUN, `set unreachable_delete = "fenced"`) {
		t.Fatalf("want the unreachable-holder refusal: %s", res.Explain())
	}
	if got := lunEvents(l, liveLUN, since); len(got) != 0 {
		t.Fatalf("the refused takeover changed the array: %v", got)
	}
	res = takeoverApply(t, l, acctest.ProviderOpts{Fenced: true})
	if res.Code != 0 || !res.HasDiagnostic("warning", "Holder unreachable: taken over as fenced", "server1") {
		t.Fatalf("want the fenced takeover with a warning: %s", res.Explain())
	}
	if got := strings.Join(lunEvents(l, liveLUN, since), ", "); got != "unmap server1, map server2" {
		t.Fatalf("timeline: %s", got)
	}
}

// TestAccSANLunMapping_takeoverFromOfflineDisk: a reachable holder that
// has the disk offline no longer uses it: the takeover goes through.
func TestAccSANLunMapping_takeoverFromOfflineDisk(t *testing.T) {
	l := parallelAccLab(t)
	off := true
	adminAgent(t, l, "server1", agent.DiskSet.Name, agent.DiskSetParams{Disk: liveSerial, Offline: &off})
	since := acctest.Mark(l)
	if res := takeoverApply(t, l, acctest.ProviderOpts{}); res.Code != 0 {
		t.Fatalf("takeover from an offline disk: %s", res.Explain())
	}
	if got := strings.Join(lunEvents(l, liveLUN, since), ", "); got != "unmap server1, map server2" {
		t.Fatalf("timeline: %s", got)
	}
}

// TestAccSANLunMapping_takeoverUnidentifiedHolder: a holder that is not one
// of the provider's servers cannot be checked, so takeover is refused at
// plan time on the attribute, and nothing changes.
func TestAccSANLunMapping_takeoverUnidentifiedHolder(t *testing.T) {
	l := parallelAccLab(t)
	lun := accLUN(t, l, "unidentified")
	if _, err := l.Array().Map(lun.Path, "server1", 7); err != nil {
		t.Fatal(err)
	}
	since := acctest.Mark(l)
	// A provider that knows server2 only: server1's igroup names no server.
	cfg := strings.Replace(mappingConfig(l, lun.Path, "server2", "takeover = true"), "    server1 = {", "    # server1 = {", 1)
	res := expectPlanError(t, cfg, acctest.Phrases("Cannot identify the LUN's holder",
		"initiator group server1 is not the name of one of the provider's servers (server2)", "Nothing was changed"))
	for _, d := range res.Diagnostics("error") {
		if d.Address != "winfs_san_lun_mapping.m" {
			t.Errorf("not reported on the resource: %s", d)
		}
	}
	if got := lunEvents(l, lun.Path, since); len(got) != 0 {
		t.Fatalf("the refused plan changed the array: %v", got)
	}
}
