package provider

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
)

// volLUN is a LUN of the test's own (the estate's X: and Y: stay as they
// are), with a serial derived from its name.
func volLUN(t *testing.T, l *lab.Lab, name string) array.LUN {
	t.Helper()
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	lun := array.LUN{Path: "/vol/vols/" + name, Serial: fmt.Sprintf("VOL%09d", h.Sum32()%1e9), Size: 2 << 30}
	l.Array().AddLUN(lun)
	return lun
}

// pairConfig is a mapping and a mount on one server, as in DESIGN.md §1:
// igroup and server from the same value, disk_serial from the mapping.
func pairConfig(l *lab.Lab, o acctest.ProviderOpts, lun, server, mountPoint, extra string) string {
	return acctest.ProviderBlock(l, o) + fmt.Sprintf(`
variable "active" {
  type    = string
  default = %[2]s
}
resource "winfs_san_lun_mapping" "m" {
  lun    = %[1]s
  igroup = var.active
}
resource "winfs_volume_mount" "v" {
  server      = var.active
  disk_serial = winfs_san_lun_mapping.m.serial
  mount_point = %[3]s
  %[4]s
}
`, acctest.HCLString(lun), acctest.HCLString(server), acctest.HCLString(mountPoint), extra)
}

// hostMount checks the host (not the state): mountPoint holds the LUN's
// volume, and for a letter MountedDevices says so.
func hostMount(l *lab.Lab, server, mountPoint, serial string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, m := range l.Host(server).Mounts() {
			if strings.EqualFold(m.Path, mountPoint) {
				if m.Serial != serial || !m.Online {
					return fmt.Errorf("%s on %s holds %+v, want LUN %s online", mountPoint, server, m, serial)
				}
				if len(mountPoint) == 2 {
					if _, ok := l.Host(server).RegistryValue("HKLM", winhost.KeyMountedDevices, `\DosDevices\`+mountPoint); !ok {
						return fmt.Errorf(`MountedDevices of %s has no \DosDevices\%s`, server, mountPoint)
					}
				}
				return nil
			}
		}
		return fmt.Errorf("%s is not mounted on %s", mountPoint, server)
	}
}

// noMount checks that nothing of the LUN is mounted or online on server.
func noMount(l *lab.Lab, server, serial string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, m := range l.Host(server).Mounts() {
			if m.Serial == serial {
				return fmt.Errorf("%s still has %s of LUN %s", server, m.Path, serial)
			}
		}
		for _, d := range l.Host(server).Disks() {
			if d.Serial == serial && d.Online {
				return fmt.Errorf("the disk of LUN %s is still online on %s", serial, server)
			}
		}
		return nil
	}
}

// steps are the timeline's storage and array events about one LUN since
// seq, as "server1 volume.dismount" or "array lun.unmap".
func steps(l *lab.Lab, lun array.LUN, since uint64) []string {
	evs := acctest.EventsSince(l, since)
	var out []string
	for _, ev := range evs {
		switch {
		case ev.Host == "array" && strings.HasPrefix(ev.Detail, lun.Path+" "):
		case strings.Contains(ev.Detail, lun.Serial):
		default:
			continue
		}
		if ev.Kind == "storage.rescan" && !strings.Contains(ev.Detail, "serial "+lun.Serial) {
			continue
		}
		out = append(out, ev.Host+" "+ev.Kind)
	}
	return out
}

// inOrder checks that want occurs in got as a subsequence.
func inOrder(got, want []string) error {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	if i < len(want) {
		return fmt.Errorf("timeline %v lacks %q in the order %v", got, want[i], want)
	}
	return nil
}

func checkSteps(l *lab.Lab, lun array.LUN, since *uint64, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error { return inOrder(steps(l, lun, *since), want) }
}

// noViolations checks the lab's invariants that concern the LUN.
func noViolations(l *lab.Lab, lun array.LUN) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, v := range l.Invariants() {
			if strings.Contains(v.Detail, lun.Serial) || strings.Contains(v.Detail, lun.Path) {
				return fmt.Errorf("invariant %q violated: %s", v.Invariant, v.Detail)
			}
		}
		return nil
	}
}

// crashWhileMounted maps lun to server1 (server2's partner) and mounts it
// at letter, then unmaps it while mounted (the crash of a forced failover), which leaves
// the volume dirty; the admin then cleans up the dead side's mount point.
func crashWhileMounted(t *testing.T, l *lab.Lab, lun array.LUN, letter string) {
	t.Helper()
	if _, err := l.Array().Map(lun.Path, "server1", -1); err != nil {
		t.Fatal(err)
	}
	if err := l.Host("server1").SeedMount(lun.Serial, letter); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Array().Unmap(lun.Path, "server1"); err != nil { // the crash
		t.Fatal(err)
	}
	if !l.LUNData().Dirty(lun.Serial, 2) {
		t.Fatal("forced unmap left the volume clean")
	}
	_, _ = l.Host("server1").RemoveMountPoint(letter)
}

// notDirty checks the volume on lun was repaired.
func notDirty(l *lab.Lab, lun array.LUN) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if l.LUNData().Dirty(lun.Serial, 2) {
			return fmt.Errorf("volume still dirty")
		}
		return nil
	}
}

// TestAccVolumeMount_letter mounts by drive letter behind a mapping,
// imports, sees an administrator remove the letter, restores it, and on
// destroy dismounts and takes the disk offline before the unmap.
func TestAccVolumeMount_letter(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "letter")
	cfg := pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", "M:", "")
	var since uint64
	accTest(t, resource.TestCase{
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			noMount(l, "server1", lun.Serial),
			checkSteps(l, lun, &since, "server1 volume.close_sessions", "server1 volume.flush", "server1 volume.dismount", "server1 disk.offline", "array lun.unmap"),
			noViolations(l, lun),
		),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { since = acctest.Mark(l) },
				Config:    cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					hostMount(l, "server1", "M:", lun.Serial),
					checkSteps(l, lun, &since, "array lun.map", "server1 storage.rescan", "server1 disk.online", "server1 volume.mount"),
					noViolations(l, lun),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_volume_mount.v", "id", knownvalue.StringExact("server1/M:")),
					acctest.Attr("winfs_volume_mount.v", "disk_serial", knownvalue.StringExact(lun.Serial)),
					acctest.Attr("winfs_volume_mount.v", "partition_number", knownvalue.Int64Exact(2)),
					acctest.Attr("winfs_volume_mount.v", "file_system", knownvalue.StringExact("NTFS")),
					acctest.Attr("winfs_volume_mount.v", "repair", knownvalue.StringExact("spotfix")),
					acctest.Attr("winfs_volume_mount.v", "volume_guid", knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-`))),
				},
			},
			{
				ResourceName:            "winfs_volume_mount.v",
				ImportState:             true,
				ImportStateId:           "server1/M:",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// An administrator removes the letter: the plan mounts it again.
				PreConfig: func() {
					if ok, err := l.Host("server1").RemoveMountPoint("M:"); !ok || err != nil {
						t.Fatalf("removing M:: %v %v", ok, err)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{Config: cfg, Check: hostMount(l, "server1", "M:", lun.Serial)},
			{
				// An SMB client holds a file open: destroy closes it first.
				PreConfig: func() {
					if err := l.Host("server1").OpenFile("PC42", `CORP\carol`, `M:\Finance\budget.xlsx`); err != nil {
						t.Fatal(err)
					}
					since = acctest.Mark(l)
				},
				Config: cfg,
			},
		},
	})
	if len(l.Host("server1").OpenFiles()) != 0 {
		t.Fatal("open files survived the destroy")
	}
}

// TestAccVolumeMount_folder mounts at an empty NTFS folder and refuses a
// folder that is not empty.
func TestAccVolumeMount_folder(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "folder")
	if err := l.Host("server1").MakeFolder(`C:\Mounts\Data`); err != nil {
		t.Fatal(err)
	}
	if err := l.Host("server1").MakeFolder(`C:\Mounts\Full`, "notes.txt"); err != nil {
		t.Fatal(err)
	}
	accTest(t, resource.TestCase{
		CheckDestroy: noMount(l, "server1", lun.Serial),
		Steps: []resource.TestStep{
			{
				Config:      pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", `C:\Mounts\Full`, ""),
				ExpectError: acctest.Phrases(`C:\Mounts\Full on server1 is not empty`),
			},
			{
				Config: pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", `C:\Mounts\Data`, ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					hostMount(l, "server1", `C:\Mounts\Data`, lun.Serial),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_volume_mount.v", "id", knownvalue.StringExact(`server1/C:\Mounts\Data`)),
				},
			},
			{
				ResourceName:            "winfs_volume_mount.v",
				ImportState:             true,
				ImportStateId:           `server1/C:\Mounts\Data`,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// TestAccVolumeMount_refusals: a taken letter (S2, naming what holds it), a
// disk that never appears (naming serial, server and the likely cause), a
// disk with two data partitions and no partition_number.
func TestAccVolumeMount_refusals(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "refusals")
	unmapped := volLUN(t, l, "unmapped")
	two := volLUN(t, l, "twoparts")
	l.LUNData().AddDataPartition(two.Serial, two.Size, 512<<20, "SECOND")
	mountOnly := func(serial, mountPoint string) string {
		return acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_volume_mount" "v" {
  server      = "server1"
  disk_serial = %s
  mount_point = %s
  timeouts = {
    create = "2s"
  }
}
`, acctest.HCLString(serial), acctest.HCLString(mountPoint))
	}
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				// X: is the initial estate's files_x volume on server1: refused
				// at plan time.
				Config:      pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", "X:", ""),
				ExpectError: acctest.Phrases("Mount point X: is in use on server1", "P3OoG4WVLmC0", "nothing was changed", "terraform import"),
			},
			{
				Config:      mountOnly(unmapped.Serial, "N:"),
				ExpectError: acctest.Phrases(unmapped.Serial, "server1", "within 2s", "not mapped to server1's initiator group"),
			},
			{
				PreConfig: func() {
					if _, err := l.Array().Map(two.Path, "server1", -1); err != nil {
						t.Fatal(err)
					}
				},
				Config:      mountOnly(two.Serial, "N:"),
				ExpectError: acctest.Phrases("has 2 data partitions", "2 (", "3 (", "set partition_number"),
			},
			{
				Config: strings.Replace(mountOnly(two.Serial, "N:"), "mount_point", "partition_number = 3\n  mount_point", 1),
				Check: resource.ComposeAggregateTestCheckFunc(
					hostMount(l, "server1", "N:", two.Serial),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_volume_mount.v", "label", knownvalue.StringExact("SECOND")),
				},
			},
		},
	})
	if _, err := l.Array().Unmap(two.Path, "server1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.Host("server1").RegistryValue("HKLM", winhost.KeyMountedDevices, `\DosDevices\X:`); !ok {
		t.Fatal("the refused mount took X: away")
	}
}

// TestAccVolumeMount_dirtyRepairedBeforeMount: a LUN unmapped from server1
// while mounted (a forced failover) is dirty; taking it over on server2
// runs chkdsk before the mount.
func TestAccVolumeMount_dirtyRepairedBeforeMount(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "dirty")
	testDirtyTakeover(t, l, lun, "", []string{"array lun.map", "server2 storage.rescan", "server2 disk.writable", "server2 disk.online", "server2 volume.scan", "server2 volume.spotfix", "server2 volume.mount"},
		noViolations(l, lun))
}

// testDirtyTakeover crashes lun while mounted at P: on server1 and mounts
// it at P: on server2 with the mount's extra settings (see
// testRepairedMount).
func testDirtyTakeover(t *testing.T, l *lab.Lab, lun array.LUN, settings string, want []string, extra ...resource.TestCheckFunc) {
	t.Helper()
	var since uint64
	testRepairedMount(t, l, lun, "server2", "P:", settings, &since, func() { crashWhileMounted(t, l, lun, "P:") }, want, extra...)
}

// testRepairedMount runs pre, marks the timeline in since and mounts lun
// at letter on server with the mount's extra settings: the timeline holds
// want in order, the volume is repaired, and extra holds too.
func testRepairedMount(t *testing.T, l *lab.Lab, lun array.LUN, server, letter, settings string, since *uint64, pre func(), want []string, extra ...resource.TestCheckFunc) {
	t.Helper()
	accTest(t, resource.TestCase{
		CheckDestroy: noMount(l, server, lun.Serial),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				pre()
				*since = acctest.Mark(l)
			},
			Config: pairConfig(l, acctest.ProviderOpts{}, lun.Path, server, letter, settings),
			Check: resource.ComposeAggregateTestCheckFunc(append([]resource.TestCheckFunc{
				hostMount(l, server, letter, lun.Serial),
				checkSteps(l, lun, since, want...),
				notDirty(l, lun),
			}, extra...)...),
		}},
	})
}

// TestAccVolumeMount_failover is the "done when": moving `server`
// (and the igroup, from one variable) from server1 to server2 runs
// dismount, offline, unmap, map, rescan, repair, mount in that order, with
// no invariant violated and the data following the LUN; then, for a fault
// at each phase of the move back, the apply fails and the next converges.
func TestAccVolumeMount_failover(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "failover")
	cfg := func(active string) string {
		return pairConfig(l, acctest.ProviderOpts{}, lun.Path, active, "Q:", `repair = "full"`)
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
	accTest(t, resource.TestCase{
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(noMount(l, "server1", lun.Serial), noMount(l, "server2", lun.Serial), arrayHolds(l, lun.Path)),
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
						"server2 storage.rescan", "server2 disk.writable", "server2 disk.online", "server2 volume.mount"),
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
	l := parallelAccLab(t)
	lun := volLUN(t, l, "unreachable")
	failCfg := pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server2", "R:", "")
	accTest(t, resource.TestCase{
		CheckDestroy: noMount(l, "server2", lun.Serial),
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

// TestAccVolumeMount_unreachableTargetFailsAtPlan: the plan of a mount on a
// server that does not answer fails at plan time, naming the server and
// the mount point.
func TestAccVolumeMount_unreachableTargetFailsAtPlan(t *testing.T) {
	l := parallelAccLab(t)
	acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"})
	expectPlanError(t, acctest.ProviderBlock(l, acctest.ProviderOpts{})+`
resource "winfs_volume_mount" "v" {
  server      = "server2"
  disk_serial = "P3OoG4WVLmC0"
  mount_point = "X:"
}
`, acctest.Phrases("Cannot check the target server before mounting", "Reading mount point X: on server2 failed", "server2 must answer; nothing was changed"))
}

func TestAccLocalizedServerRepairsADirtyVolume(t *testing.T) {
	l := parallelAccLabIn(t, secdesc.LocaleGerman)
	testDirtyTakeover(t, l, volLUN(t, l, "dirty-de"), `repair = "full"`, []string{"server2 volume.repair", "server2 volume.mount"})
}

// TestAccVolumeMount_diskBackOnlineBySelf: a LUN that left server1 while
// mounted and is mapped back comes back online by itself (Windows keeps a
// known disk's attributes), and its volume and remembered letter appear
// only some time after the disk does. The mount waits for the volume
// rather than calling the returning letter "in use", repairs the dirty
// volume and adopts the letter the mount manager gave back.
func TestAccVolumeMount_diskBackOnlineBySelf(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "backonline")
	var since uint64
	pathLoss := func() {
		if _, err := l.Array().Map(lun.Path, "server1", -1); err != nil {
			t.Fatal(err)
		}
		if err := l.Host("server1").SeedMount(lun.Serial, "Q:"); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Array().Unmap(lun.Path, "server1"); err != nil { // a path loss
			t.Fatal(err)
		}
		if _, err := l.Array().Map(lun.Path, "server1", -1); err != nil {
			t.Fatal(err)
		}
		l.Host("server1").SetVolumeArrival(300 * time.Millisecond)
	}
	testRepairedMount(t, l, lun, "server1", "Q:", "", &since, pathLoss,
		[]string{"server1 storage.rescan", "server1 volume.arrive", "server1 volume.scan", "server1 volume.spotfix"},
		func(*terraform.State) error {
			for _, s := range steps(l, lun, since) {
				if s == "server1 disk.online" || s == "server1 volume.mount" {
					return fmt.Errorf("%s: the disk came back online with its letter by itself (timeline %v)", s, steps(l, lun, since))
				}
			}
			return nil
		},
		noViolations(l, lun))
}

// TestAccVolumeMount_writeCache: the disk's write cache is turned off once
// the disk is online and before the volume is served; turning it back on
// behind Terraform's back is drift the next apply repairs; "unchanged"
// leaves it as it is. A crash then loses nothing a client wrote.
func TestAccVolumeMount_writeCache(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "cache")
	cfg := pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", "W:", "")
	cacheOn := func(want bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := l.Host("server1").WriteCacheEnabled(lun.Serial); got != want {
				return fmt.Errorf("server1's write cache of %s: enabled %t, want %t", lun.Serial, got, want)
			}
			return nil
		}
	}
	var since uint64
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() { since = acctest.Mark(l) },
				Config:    cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					cacheOn(false),
					checkSteps(l, lun, &since, "server1 disk.online", "server1 disk.write_cache.disable"),
				),
				ConfigStateChecks: []statecheck.StateCheck{acctest.Attr("winfs_volume_mount.v", "write_cache", knownvalue.StringExact("disabled"))},
			},
			{
				// A client writes, the server loses power: the write is on the LUN.
				PreConfig: func() {
					if err := l.Host("server1").WriteFile(`W:\Finance\ledger.txt`, "acknowledged"); err != nil {
						t.Fatal(err)
					}
					acctest.Fault(t, l, lab.FaultRequest{Server: "server1", Kind: "crash"})
					l.ClearFaults()
					if got, ok := l.Host("server1").ReadFile(`W:\Finance\ledger.txt`); !ok || got != "acknowledged" {
						t.Fatalf("with the write cache off a crash lost an acknowledged write: %q %t", got, ok)
					}
				},
				Config:   cfg,
				PlanOnly: true,
			},
			{
				// Someone turns the cache back on: drift, repaired in place.
				PreConfig: func() {
					adminAgent(t, l, "server1", agent.DiskSet.Name, agent.DiskSetParams{Disk: lun.Serial, WriteCacheEnabled: new(true)})
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_volume_mount.v", plancheck.ResourceActionUpdate),
				}},
				Check: cacheOn(false),
			},
			{
				// "unchanged" leaves a cache turned on as it is.
				PreConfig: func() {
					adminAgent(t, l, "server1", agent.DiskSet.Name, agent.DiskSetParams{Disk: lun.Serial, WriteCacheEnabled: new(true)})
				},
				Config: pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", "W:", `write_cache = "unchanged"`),
				Check:  cacheOn(true),
			},
		},
	})
}
