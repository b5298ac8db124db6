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
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
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

// TestAccVolumeMount_letter mounts by drive letter behind a mapping,
// imports, sees an administrator remove the letter, restores it, and on
// destroy dismounts and takes the disk offline before the unmap.
func TestAccVolumeMount_letter(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := volLUN(t, l, "letter")
	cfg := pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", "M:", "")
	var since uint64
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
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
					acctest.Attr("winfs_volume_mount.v", "repair", knownvalue.StringExact("if_dirty")),
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
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := volLUN(t, l, "folder")
	if err := l.Host("server1").MakeFolder(`C:\Mounts\Data`); err != nil {
		t.Fatal(err)
	}
	if err := l.Host("server1").MakeFolder(`C:\Mounts\Full`, "notes.txt"); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             noMount(l, "server1", lun.Serial),
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
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
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
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				// X: is the seed's files_x volume on server1.
				Config:      pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", "X:", ""),
				ExpectError: acctest.Phrases("mount point X: is in use on server1", "P3OoG4WVLmC0", "terraform import"),
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
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := volLUN(t, l, "dirty")
	var since uint64
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             noMount(l, "server2", lun.Serial),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if _, err := l.Array().Map(lun.Path, "server1", -1); err != nil {
					t.Fatal(err)
				}
				if err := l.Host("server1").SeedMount(lun.Serial, "P:"); err != nil {
					t.Fatal(err)
				}
				if _, err := l.Array().Unmap(lun.Path, "server1"); err != nil { // the crash
					t.Fatal(err)
				}
				if !l.LUNData().Dirty(lun.Serial, 2) {
					t.Fatal("forced unmap left the volume clean")
				}
				_, _ = l.Host("server1").RemoveMountPoint("P:") // the admin cleans up the dead side
				since = acctest.Mark(l)
			},
			Config: pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server2", "P:", ""),
			Check: resource.ComposeAggregateTestCheckFunc(
				hostMount(l, "server2", "P:", lun.Serial),
				checkSteps(l, lun, &since, "array lun.map", "server2 storage.rescan", "server2 disk.writable", "server2 disk.online", "server2 volume.repair", "server2 volume.mount"),
				func(*terraform.State) error {
					if l.LUNData().Dirty(lun.Serial, 2) {
						return fmt.Errorf("volume still dirty")
					}
					return nil
				},
				noViolations(l, lun),
			),
		}},
	})
}

// TestAccVolumeMount_diskBackOnlineBySelf: a LUN that left server1 while
// mounted and is mapped back comes back online by itself (Windows keeps a
// known disk's attributes), and its volume and remembered letter appear
// only some time after the disk does. The mount waits for the volume
// rather than calling the returning letter "in use", repairs the dirty
// volume and adopts the letter the mount manager gave back.
func TestAccVolumeMount_diskBackOnlineBySelf(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := volLUN(t, l, "backonline")
	var since uint64
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             noMount(l, "server1", lun.Serial),
		Steps: []resource.TestStep{{
			PreConfig: func() {
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
				since = acctest.Mark(l)
			},
			Config: pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server1", "Q:", ""),
			Check: resource.ComposeAggregateTestCheckFunc(
				hostMount(l, "server1", "Q:", lun.Serial),
				checkSteps(l, lun, &since, "server1 storage.rescan", "server1 volume.arrive", "server1 volume.repair"),
				func(*terraform.State) error {
					for _, s := range steps(l, lun, since) {
						if s == "server1 disk.online" || s == "server1 volume.mount" {
							return fmt.Errorf("%s: the disk came back online with its letter by itself (timeline %v)", s, steps(l, lun, since))
						}
					}
					if l.LUNData().Dirty(lun.Serial, 2) {
						return fmt.Errorf("volume still dirty")
					}
					return nil
				},
				noViolations(l, lun),
			),
		}},
	})
}
