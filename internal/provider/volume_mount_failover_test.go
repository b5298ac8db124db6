package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// TestAccVolumeMount_failover is the "done when": moving `server`
// (and the igroup, from one variable) from server1 to server2 runs
// dismount, offline, unmap, map, rescan, repair, mount in that order, with
// no invariant violated and the data following the LUN; then, for a fault
// at each phase of the move back, the apply fails and the next converges.
func TestAccVolumeMount_failover(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := volLUN(t, l, "failover")
	cfg := func(active string) string {
		return pairConfig(l, acctest.ProviderOpts{}, lun.Path, active, "Q:", `repair = "always"`)
	}
	var since uint64
	mark := func() { since = acctest.Mark(l) }
	moved := func(from, to string) resource.TestCheckFunc {
		return resource.ComposeAggregateTestCheckFunc(
			hostMount(l, to, "Q:", lun.Serial),
			noMount(l, from, lun.Serial),
			arrayHolds(l, lun.Path, to),
			noViolations(l, lun),
			func(*terraform.State) error {
				if c, ok := l.Host(to).ReadFile(`Q:\Finance\plan.txt`); !ok || c != "written on server1" {
					return fmt.Errorf("the file written on server1 reads %q, %v on %s", c, ok, to)
				}
				return nil
			},
		)
	}
	faultStep := func(fr lab.FaultRequest, to string) resource.TestStep {
		return resource.TestStep{
			PreConfig:   func() { mark(); acctest.Fault(t, l, fr) },
			Config:      cfg(to),
			ExpectError: acctest.Phrases("Error"),
		}
	}
	convergeStep := func(from, to string) resource.TestStep {
		return resource.TestStep{
			PreConfig: func() { l.ClearFaults() },
			Config:    cfg(to),
			Check:     moved(from, to),
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             resource.ComposeAggregateTestCheckFunc(noMount(l, "server1", lun.Serial), noMount(l, "server2", lun.Serial), arrayHolds(l, lun.Path)),
		Steps: []resource.TestStep{
			{
				Config: cfg("server1"),
				Check: resource.ComposeAggregateTestCheckFunc(
					hostMount(l, "server1", "Q:", lun.Serial),
					func(*terraform.State) error {
						if err := l.Host("server1").WriteFile(`Q:\Finance\plan.txt`, "written on server1"); err != nil {
							return err
						}
						return l.Host("server1").OpenFile("PC7", `CORP\dave`, `Q:\Finance\plan.txt`)
					},
				),
			},
			{
				PreConfig: mark,
				Config:    cfg("server2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_san_lun_mapping.m", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("winfs_volume_mount.v", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					moved("server1", "server2"),
					checkSteps(l, lun, &since,
						"server1 volume.close_sessions", "server1 volume.flush", "server1 volume.dismount", "server1 disk.offline",
						"array lun.unmap", "array lun.map",
						"server2 storage.rescan", "server2 disk.writable", "server2 disk.online", "server2 volume.repair", "server2 volume.mount"),
				),
			},
			// Faults on the way back, one phase each; each re-apply converges.
			faultStep(lab.FaultRequest{Server: "server2", Kind: "unreachable"}, "server1"), // dismount phase
			convergeStep("server2", "server1"),
			{PreConfig: mark, Config: cfg("server2"), Check: moved("server1", "server2")},
			faultStep(lab.FaultRequest{Target: "array", Kind: "login_refused"}, "server1"), // unmap/map phase
			convergeStep("server2", "server1"),
			faultStep(lab.FaultRequest{Server: "server2", Kind: "unreachable"}, "server2"), // mount phase, on the new server
			convergeStep("server1", "server2"),
		},
	})
}

// TestAccVolumeMount_unreachableServer: with the default setting a dead
// server blocks the destroy of its mount with an error naming it; with
// unreachable_delete = "fenced" the failover away from it goes through,
// warns, and the array unmap fences the dead server.
func TestAccVolumeMount_unreachableServer(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := volLUN(t, l, "unreachable")
	failCfg := pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server2", "R:", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             noMount(l, "server2", lun.Serial),
		Steps: []resource.TestStep{
			{Config: failCfg, Check: hostMount(l, "server2", "R:", lun.Serial)},
			{
				PreConfig:   func() { acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"}) },
				Config:      pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", "R:", ""),
				ExpectError: acctest.Phrases("server2", "127.0.0.1"),
			},
			{
				PreConfig: func() { l.ClearFaults() },
				Config:    failCfg,
				Check:     hostMount(l, "server2", "R:", lun.Serial),
			},
			{
				// server2 dies; fenced: the move to server1 proceeds.
				PreConfig: func() { acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"}) },
				Config:    pairConfig(l, acctest.ProviderOpts{Fenced: true}, lun.Path, "server1", "R:", ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					hostMount(l, "server1", "R:", lun.Serial),
					arrayHolds(l, lun.Path, "server1"),
					func(*terraform.State) error {
						// The dead side was fenced by the unmap: it lost the
						// disk while mounted (the lab shows the stale mount),
						// and server1 repaired the volume before mounting it.
						if l.LUNData().Dirty(lun.Serial, 2) {
							return fmt.Errorf("server1 serves a dirty volume")
						}
						return nil
					},
				),
			},
			{
				// server2 comes back; an administrator removes its stale letter.
				PreConfig: func() {
					l.ClearFaults()
					if ok, _ := l.Host("server2").RemoveMountPoint("R:"); !ok {
						t.Error("server2 had no stale R: after being fenced")
					}
				},
				Config: pairConfig(l, acctest.ProviderOpts{Fenced: true}, lun.Path, "server1", "R:", ""),
				Check:  noViolations(l, lun),
			},
		},
	})
}

// TestAccRegistryValue_unreachableDelete: the "fencing by unmap" setting applies to every
// resource that lives on a server, the registry value included.
func TestAccRegistryValue_unreachableDelete(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	value := `
resource "winfs_registry_value" "v" {
  server = "server2"
  path   = "HKLM\\SOFTWARE\\winfs-acc\\fenced"
  name   = "V"
  type   = "dword"
  value  = "1"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: acctest.ProviderBlock(l, acctest.ProviderOpts{}) + value},
			{
				PreConfig:   func() { acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"}) },
				Config:      acctest.ProviderBlock(l, acctest.ProviderOpts{}) + value,
				Destroy:     true,
				ExpectError: acctest.Phrases("server2", "127.0.0.1"),
			},
			{
				Config:  acctest.ProviderBlock(l, acctest.ProviderOpts{Fenced: true}) + value,
				Destroy: true,
			},
		},
	})
	l.ClearFaults()
	if _, ok := l.Host("server2").RegistryValue("HKLM", `SOFTWARE\winfs-acc\fenced`, "V"); !ok {
		t.Fatal("a fenced delete must not have reached the server")
	}
	_, _ = l.Host("server2").DeleteRegistryValue("HKLM", `SOFTWARE\winfs-acc\fenced`, "V")
}
