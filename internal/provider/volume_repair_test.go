package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/lundata"
)

// TestAccVolumeMount_fullRepair: repair = "full" runs chkdsk /F /X on the
// dirty volume taken over, then mounts it clean.
func TestAccVolumeMount_fullRepair(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "full-repair")
	testDirtyTakeover(t, l, lun, `repair = "full"`, []string{"server2 disk.online", "server2 volume.repair", "server2 volume.mount"},
		noEvents(l, lun, "volume.scan", "volume.spotfix"), noViolations(l, lun))
}

// TestAccVolumeMount_neverRepair: repair = "never" is the one way to serve
// a dirty volume: it is mounted unchecked, and the lab reports it served
// dirty, as the operator asked.
func TestAccVolumeMount_neverRepair(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "never-repair")
	accTest(t, resource.TestCase{
		CheckDestroy: noMount(l, "server2", lun.Serial),
		Steps: []resource.TestStep{{
			PreConfig: func() { crashWhileMounted(t, l, lun, "P:") },
			Config:    pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server2", "P:", `repair = "never"`),
			Check: resource.ComposeAggregateTestCheckFunc(
				hostMount(l, "server2", "P:", lun.Serial),
				noEvents(l, lun, "volume.scan", "volume.spotfix", "volume.repair"),
				func(*terraform.State) error {
					if !l.LUNData().Dirty(lun.Serial, 2) {
						return fmt.Errorf("the volume was cleaned, though repair = \"never\"")
					}
					for _, v := range l.Invariants() {
						if v.Invariant == lab.DirtyVolumeServed && strings.Contains(v.Detail, lun.Serial) {
							return nil
						}
					}
					return fmt.Errorf("the lab does not report the dirty volume served: %+v", l.Invariants())
				},
			),
		}},
	})
}

// TestAccVolumeMount_spotFixRefusesAFullRepair: when the online scan finds
// corruption only a full repair fixes, repair = "spotfix" mounts nothing
// and says to set repair = "full"; with it, the next apply repairs and
// mounts the volume clean.
func TestAccVolumeMount_spotFixRefusesAFullRepair(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "deep-damage")
	testFailedTakeover(t, l, lun, "", `repair = "full"`,
		func() {
			l.LUNData().Update(lun.Serial, 2, func(p *lundata.Partition) { p.Damage = lundata.DeepDamage })
		},
		regexp.MustCompile(`(?s)FullRepairNeeded.*not\s+mounted.*Set\s+repair\s+=\s+"full"`), nil)
}

// TestAccVolumeMount_interruptedSpotFixConverges: the apply ends while the
// spot-fix runs (the agent is stuck in it past timeouts.create): nothing
// is mounted and the volume stays dirty; the next apply scans, spot-fixes
// and mounts it clean. No dirty volume is served at any point.
func TestAccVolumeMount_interruptedSpotFixConverges(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "spotfix-cut")
	settings := `timeouts = { create = "3s" }`
	var since uint64
	testFailedTakeover(t, l, lun, settings, settings,
		func() {
			acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "hang_agent", Op: agent.VolumeSpotFix.Name})
		},
		regexp.MustCompile(`spot-fixing the volume`),
		func() {
			if !l.LUNData().Dirty(lun.Serial, 2) {
				t.Fatal("the interrupted spot-fix left the volume clean: the lab's spot-fix must not have run")
			}
			l.ClearFaults()
			since = acctest.Mark(l)
		},
		checkSteps(l, lun, &since, "server2 volume.scan", "server2 volume.spotfix", "server2 volume.mount"))
}

// testFailedTakeover crashes lun while mounted on server1, harms it, and
// takes it over at P: on server2 with the mount's settings first: that
// apply fails with want. Then nothing of lun is served, between runs, and
// the apply with settings then mounts it clean, and check holds.
func testFailedTakeover(t *testing.T, l *lab.Lab, lun array.LUN, first, then string, harm func(), want *regexp.Regexp, between func(), check ...resource.TestCheckFunc) {
	t.Helper()
	accTest(t, resource.TestCase{
		CheckDestroy: noMount(l, "server2", lun.Serial),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					crashWhileMounted(t, l, lun, "P:")
					harm()
				},
				Config:      pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server2", "P:", first),
				ExpectError: want,
			},
			{
				PreConfig: func() {
					notServed(t, l, lun, "server2")
					if between != nil {
						between()
					}
				},
				Config: pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server2", "P:", then),
				Check: resource.ComposeAggregateTestCheckFunc(append([]resource.TestCheckFunc{
					hostMount(l, "server2", "P:", lun.Serial), notDirty(l, lun), noViolations(l, lun),
				}, check...)...),
			},
		},
	})
}

// notServed fails the test when lun's volume is mounted on server or an
// invariant about it is broken (a dirty volume served among them).
func notServed(t *testing.T, l *lab.Lab, lun array.LUN, server string) {
	t.Helper()
	for _, m := range l.Host(server).Mounts() {
		if m.Serial == lun.Serial {
			t.Fatalf("%s mounts %s of LUN %s", server, m.Path, lun.Serial)
		}
	}
	if err := noViolations(l, lun)(nil); err != nil {
		t.Fatal(err)
	}
}

// noEvents checks that no event of the given kinds touched lun's volume.
func noEvents(l *lab.Lab, lun array.LUN, kinds ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, e := range l.Timeline.Events() {
			for _, k := range kinds {
				if e.Kind == k && strings.Contains(e.Detail, lun.Serial) {
					return fmt.Errorf("unexpected %s: %s", k, e.Detail)
				}
			}
		}
		return nil
	}
}
