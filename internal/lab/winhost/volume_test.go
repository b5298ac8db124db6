package winhost

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/lundata"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

const testSerial = "P3OoG4WVLmC0"

type rig struct {
	a      *array.Array
	data   *lundata.Store
	s1, s2 *Host
	tl     *timeline.Timeline
}

func newRig(t *testing.T) *rig {
	t.Helper()
	tl := timeline.New()
	r := &rig{a: array.New(array.Config{Timeline: tl}), data: lundata.New(), tl: tl}
	r.a.AddLUN(array.LUN{Path: "/vol/vol1/x", Serial: testSerial, Size: 10 << 30})
	for _, n := range []string{"server1", "server2"} {
		r.a.AddIGroup(array.IGroup{Name: n, Host: n})
	}
	r.s1, r.s2 = New("server1", tl), New("server2", tl)
	for _, h := range []*Host{r.s1, r.s2} {
		h.AttachStorage(r.a, r.data)
		h.Subscribe(r.a)
	}
	return r
}

// newMountedRig is a rig whose server1 has the LUN mapped and its volume
// mounted at X:.
func newMountedRig(t *testing.T) *rig {
	t.Helper()
	r := newRig(t)
	if _, err := r.a.Map("/vol/vol1/x", "server1", 0); err != nil {
		t.Fatal(err)
	}
	if err := r.s1.SeedMount(testSerial, "X:"); err != nil {
		t.Fatal(err)
	}
	return r
}

func sCall[T any](t *testing.T, h *Host, op string, params any) (T, *agent.Error) {
	t.Helper()
	raw, _ := json.Marshal(params)
	var out T
	res, aerr := h.Execute(op, raw)
	if aerr != nil {
		return out, aerr
	}
	b, _ := json.Marshal(res)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func mustS[T any](t *testing.T, h *Host, op string, params any) T {
	t.Helper()
	out, aerr := sCall[T](t, h, op, params)
	if aerr != nil {
		t.Fatalf("%s: %v", op, aerr)
	}
	return out
}

func disks(t *testing.T, h *Host) []agent.Disk {
	return mustS[agent.DiskListResult](t, h, agent.DiskList.Name, agent.DiskListParams{}).Disks
}

// online rescans, brings the disk online and writable and returns its data volume GUID.
func online(t *testing.T, h *Host) string {
	t.Helper()
	mustS[agent.Empty](t, h, agent.StorageRescan.Name, agent.StorageRescanParams{})
	f := false
	res := mustS[agent.DiskSetResult](t, h, agent.DiskSet.Name, agent.DiskSetParams{Disk: testSerial, Offline: &f, ReadOnly: &f})
	return res.Disk.Partitions[1].VolumeGUID
}

func TestDiskAppearsOnlyAfterRescanAndVanishesOnUnmap(t *testing.T) {
	r := newRig(t)
	if _, err := r.a.Map("/vol/vol1/x", "server1", 0); err != nil {
		t.Fatal(err)
	}
	if d := disks(t, r.s1); len(d) != 0 {
		t.Fatalf("disk visible before a rescan: %+v", d)
	}
	mustS[agent.Empty](t, r.s1, agent.StorageRescan.Name, agent.StorageRescanParams{})
	d := disks(t, r.s1)
	// SAN policy OfflineShared: a newly discovered disk is offline and read-only.
	if len(d) != 1 || d[0].SerialNumber != testSerial || !d[0].IsOffline || !d[0].IsReadOnly || d[0].UniqueID != UniqueIDFor(testSerial) {
		t.Fatalf("after rescan: %+v", d)
	}
	if len(d[0].Partitions) != 2 || d[0].Partitions[0].Type != agent.PartitionReserved || d[0].Partitions[1].VolumeGUID != "" {
		t.Fatalf("an offline disk shows partitions but no volumes: %+v", d[0].Partitions)
	}
	if len(disks(t, r.s2)) != 0 {
		t.Fatal("server2 sees a LUN mapped to server1")
	}
	// By unique id too.
	if l := mustS[agent.DiskListResult](t, r.s1, agent.DiskList.Name, agent.DiskListParams{Disk: strings.ToLower(UniqueIDFor(testSerial))}); len(l.Disks) != 1 {
		t.Fatal("disk not found by unique id")
	}
	if _, err := r.a.Unmap("/vol/vol1/x", "server1"); err != nil {
		t.Fatal(err)
	}
	if d := disks(t, r.s1); len(d) != 0 {
		t.Fatalf("disk still visible after unmap: %+v", d)
	}
}

func TestVolumeGUIDsArePerHostAndStable(t *testing.T) {
	r := newRig(t)
	_, _ = r.a.Map("/vol/vol1/x", "server1", 0)
	g1 := online(t, r.s1)
	_, _ = r.a.Unmap("/vol/vol1/x", "server1")
	_, _ = r.a.Map("/vol/vol1/x", "server2", 0)
	g2 := online(t, r.s2)
	if g1 == "" || g2 == "" || g1 == g2 {
		t.Fatalf("volume GUIDs server1 %q server2 %q: want two different GUIDs", g1, g2)
	}
	_, _ = r.a.Unmap("/vol/vol1/x", "server2")
	_, _ = r.a.Map("/vol/vol1/x", "server1", 0)
	mustS[agent.Empty](t, r.s1, agent.StorageRescan.Name, agent.StorageRescanParams{})
	// server1 knew the disk online: it comes back online, and its volume
	// arrives after a first look has missed it.
	if d := disks(t, r.s1)[0]; d.IsOffline || d.Partitions[1].VolumeGUID != "" {
		t.Fatalf("first look at a disk that came back online: %+v", d)
	}
	if again := disks(t, r.s1)[0].Partitions[1].VolumeGUID; again != g1 {
		t.Fatalf("server1's GUID changed from %s to %s", g1, again)
	}
}

// TestVolumesArriveAfterOnline: Set-Disk returns before Plug and Play
// surfaces the volumes, and the mount manager then gives back the letter
// MountedDevices remembers. disk.set waits for both; a disk that comes
// back online by itself shows neither until they arrive, and a mount in
// that window finds no volume.
func TestVolumesArriveAfterOnline(t *testing.T) {
	r := newRig(t)
	_, _ = r.a.Map("/vol/vol1/x", "server1", 0)
	guid := online(t, r.s1)
	mustS[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: "X:"})
	tr, f := true, false
	mustS[agent.DiskSetResult](t, r.s1, agent.DiskSet.Name, agent.DiskSetParams{Disk: testSerial, Offline: &tr})
	r.s1.SetVolumeArrival(300 * time.Millisecond)
	began := time.Now()
	d := mustS[agent.DiskSetResult](t, r.s1, agent.DiskSet.Name, agent.DiskSetParams{Disk: testSerial, Offline: &f}).Disk
	if took := time.Since(began); took < 300*time.Millisecond {
		t.Errorf("disk.set answered after %s, before the volumes arrived", took)
	}
	if p := d.Partitions[1]; p.VolumeGUID != guid || len(p.AccessPaths) != 1 || p.AccessPaths[0] != "X:" {
		t.Fatalf("disk.set must answer with the volume and its remembered letter: %+v", p)
	}

	// The LUN leaves while online and comes back: online by itself.
	_, _ = r.a.Unmap("/vol/vol1/x", "server1")
	_, _ = r.a.Map("/vol/vol1/x", "server1", 0)
	mustS[agent.Empty](t, r.s1, agent.StorageRescan.Name, agent.StorageRescanParams{})
	if p := disks(t, r.s1)[0].Partitions[1]; p.VolumeGUID != "" || len(p.AccessPaths) != 0 {
		t.Fatalf("volume visible before it arrived: %+v", p)
	}
	if _, aerr := sCall[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: "X:"}); aerr == nil || aerr.Code != agent.CodeVolumeNotFound {
		t.Fatalf("mount before the volume arrived: %v", aerr)
	}
	r.s1.mu.Lock()
	mounted := r.s1.volumeMounted(`X:\`)
	r.s1.mu.Unlock()
	if mounted {
		t.Fatal("X: is mounted before its volume arrived")
	}
	time.Sleep(300 * time.Millisecond)
	if p := disks(t, r.s1)[0].Partitions[1]; p.VolumeGUID != guid || len(p.AccessPaths) != 1 || p.AccessPaths[0] != "X:" {
		t.Fatalf("after the arrival: %+v", p)
	}
	if res := mustS[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: "X:"}); res.Changed {
		t.Fatal("the mount manager gave X: back: mounting it again must be a no-op")
	}
	arrived := false
	for _, e := range r.tl.Events() {
		arrived = arrived || (e.Host == "server1" && e.Kind == "volume.arrive" && strings.Contains(e.Detail, "gave back X:"))
	}
	if !arrived {
		t.Fatal("no volume.arrive event giving back X:")
	}
}

func TestMountedDevicesIsTruthful(t *testing.T) {
	r := newRig(t)
	_, _ = r.a.Map("/vol/vol1/x", "server1", 0)
	guid := online(t, r.s1)
	mustS[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: "x:"})
	want := MountedDeviceData(lundata.PartitionGUID(testSerial, 2))
	if len(want) != 24 || string(want[:8]) != "DMIO:ID:" {
		t.Fatalf("MountedDevices data %x", want)
	}
	// The GUID's first three fields are little-endian on disk.
	g := lundata.PartitionGUID(testSerial, 2)
	if hex.EncodeToString(want[8:12]) != g[6:8]+g[4:6]+g[2:4]+g[0:2] || hex.EncodeToString(want[16:24]) != strings.ReplaceAll(g[19:], "-", "") {
		t.Fatalf("GUID %s encoded as %x", g, want[8:])
	}
	for _, name := range []string{`\DosDevices\X:`, `\??\Volume{` + guid + `}`} {
		v, ok := r.s1.RegistryValue("HKLM", KeyMountedDevices, name)
		if !ok || v.Type != agent.RegBinary || v.Data != hex.EncodeToString(want) {
			t.Fatalf("%s = %+v, %v; want REG_BINARY %x", name, v, ok, want)
		}
	}
	mustS[agent.VolumeDismountResult](t, r.s1, agent.VolumeDismount.Name, agent.VolumeDismountParams{VolumeGUID: guid, Path: "X:"})
	if _, ok := r.s1.RegistryValue("HKLM", KeyMountedDevices, `\DosDevices\X:`); ok {
		t.Fatal(`\DosDevices\X: left after the dismount`)
	}
	if _, ok := r.s1.RegistryValue("HKLM", KeyMountedDevices, `\??\Volume{`+guid+`}`); !ok {
		t.Fatal("the volume's own entry must stay: Windows keeps it")
	}
}

func TestForcedUnmapLeavesDirtyVolumeAndStaleMount(t *testing.T) {
	r := newMountedRig(t)
	if err := r.s1.WriteFile(`X:\Finance\plan.txt`, "v1"); err != nil {
		t.Fatal(err)
	}
	_, _ = r.a.Unmap("/vol/vol1/x", "server1") // no dismount first
	if !r.data.Dirty(testSerial, 2) {
		t.Fatal("a volume removed while mounted must be dirty")
	}
	if m := r.s1.Mounts(); len(m) != 1 || m[0].Present {
		t.Fatalf("stale mount expected: %+v", m)
	}
	// server2 takes over: the disk arrives offline and read-only (server1
	// wrote last), must be made writable, repaired, and has the data.
	_, _ = r.a.Map("/vol/vol1/x", "server2", 0)
	mustS[agent.Empty](t, r.s2, agent.StorageRescan.Name, agent.StorageRescanParams{})
	d := disks(t, r.s2)[0]
	if !d.IsOffline || !d.IsReadOnly {
		t.Fatalf("a taken-over disk arrives offline and read-only: %+v", d)
	}
	f := false
	d = mustS[agent.DiskSetResult](t, r.s2, agent.DiskSet.Name, agent.DiskSetParams{Disk: testSerial, Offline: &f}).Disk
	guid := d.Partitions[1].VolumeGUID
	if !d.Partitions[1].Dirty {
		t.Fatal("server2 must see the dirty bit")
	}
	if _, aerr := sCall[agent.VolumeRepairResult](t, r.s2, agent.VolumeRepair.Name, agent.VolumeParams{VolumeGUID: guid}); aerr == nil || aerr.Code != agent.CodeDiskReadOnly {
		t.Fatalf("repair on a read-only disk: %v", aerr)
	}
	mustS[agent.DiskSetResult](t, r.s2, agent.DiskSet.Name, agent.DiskSetParams{Disk: testSerial, ReadOnly: &f})
	if res := mustS[agent.VolumeRepairResult](t, r.s2, agent.VolumeRepair.Name, agent.VolumeParams{VolumeGUID: guid}); !res.WasDirty {
		t.Fatal("repair did not report the dirty bit")
	}
	if r.data.Dirty(testSerial, 2) {
		t.Fatal("repair left the dirty bit")
	}
	mustS[agent.VolumeMountResult](t, r.s2, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: "X:"})
	if c, ok := r.s2.ReadFile(`X:\Finance\plan.txt`); !ok || c != "v1" {
		t.Fatalf("file written on server1 reads %q, %v on server2", c, ok)
	}
	// The administrator cleans up server1's stale letter.
	if ok, _ := r.s1.RemoveMountPoint("X:"); !ok {
		t.Fatal("stale mount point not removable")
	}
}

func TestMountRefusals(t *testing.T) {
	r := newRig(t)
	r.a.AddLUN(array.LUN{Path: "/vol/vol1/y", Serial: "OTHER", Size: 1 << 30})
	_, _ = r.a.Map("/vol/vol1/x", "server1", 0)
	_, _ = r.a.Map("/vol/vol1/y", "server1", 1)
	if err := r.s1.SeedMount("OTHER", "X:"); err != nil {
		t.Fatal(err)
	}
	guid := online(t, r.s1)
	_, aerr := sCall[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: "X:"})
	if aerr == nil || aerr.Code != agent.CodeMountPointInUse || !strings.Contains(aerr.Message, "OTHER") {
		t.Fatalf("mount on a taken letter: %v", aerr)
	}
	if _, aerr := sCall[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: "C:"}); aerr == nil || aerr.Code != agent.CodeMountPointInUse {
		t.Fatalf("mount on C: %v", aerr)
	}
	_ = r.s1.MakeFolder(`C:\Mounts\Full`, "readme.txt")
	if _, aerr := sCall[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: `C:\Mounts\Full`}); aerr == nil || aerr.Code != agent.CodeFolderNotEmpty {
		t.Fatalf("mount on a full folder: %v", aerr)
	}
	if _, aerr := sCall[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: `C:\Mounts\Missing`}); aerr == nil || aerr.Code != agent.CodeFolderNotFound {
		t.Fatalf("mount on a missing folder: %v", aerr)
	}
	_ = r.s1.MakeFolder(`C:\Mounts\Data`)
	if res := mustS[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: `C:\Mounts\Data`}); !res.Changed {
		t.Fatal("folder mount reported no change")
	}
	if res := mustS[agent.VolumeMountResult](t, r.s1, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: `c:\mounts\data`}); res.Changed {
		t.Fatal("mounting again must be a no-op")
	}
	// Open files block a dismount until they are closed.
	if err := r.s1.OpenFile("PC17", `CORP\alice`, `C:\Mounts\Data\plan.xlsx`); err != nil {
		t.Fatal(err)
	}
	if _, aerr := sCall[agent.VolumeDismountResult](t, r.s1, agent.VolumeDismount.Name, agent.VolumeDismountParams{VolumeGUID: guid, Path: `C:\Mounts\Data`}); aerr == nil || aerr.Code != agent.CodeVolumeInUse {
		t.Fatalf("dismount with open files: %v", aerr)
	}
	if res := mustS[agent.VolumeCloseSessionsResult](t, r.s1, agent.VolumeCloseSessions.Name, agent.VolumeParams{VolumeGUID: guid}); res.ClosedFiles != 1 || res.ClosedSessions != 1 {
		t.Fatalf("close sessions: %+v", res)
	}
	if res := mustS[agent.VolumeDismountResult](t, r.s1, agent.VolumeDismount.Name, agent.VolumeDismountParams{VolumeGUID: guid, Path: `C:\Mounts\Data`}); !res.Removed {
		t.Fatal("dismount did not remove the folder mount point")
	}
	// A dismount naming another volume never takes its letter.
	if _, aerr := sCall[agent.VolumeDismountResult](t, r.s1, agent.VolumeDismount.Name, agent.VolumeDismountParams{VolumeGUID: guid, Path: "X:"}); aerr == nil || aerr.Code != agent.CodeMountPointInUse {
		t.Fatalf("dismount of another volume's letter: %v", aerr)
	}
}

func TestStoppingServerStopsDependentsAndEndsSessions(t *testing.T) {
	r := newMountedRig(t)
	_ = r.s1.OpenFile("PC1", "bob", `X:\a.txt`)
	if err := r.s1.StopService("Server"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"LanmanServer", "Netlogon", "Browser", "Dfs"} {
		if r.s1.ServiceRunning(s) {
			t.Errorf("%s still running", s)
		}
	}
	if r.s1.SessionCount() != 0 || len(r.s1.OpenFiles()) != 0 {
		t.Fatal("sessions survive a stopped Server service")
	}
	_ = r.s1.StartService("Distributed File System")
	if !r.s1.ServiceRunning("LanmanServer") || !r.s1.ServiceRunning("Dfs") || r.s1.ServiceRunning("Netlogon") {
		t.Fatal("starting Dfs must start Server first, and only that")
	}
}

// TestCloseSessionsWhenClientsCloseFirst: files whose clients close them
// between the listing and Close-SmbOpenFile do not fail the operation.
func TestCloseSessionsWhenClientsCloseFirst(t *testing.T) {
	r := newMountedRig(t)
	_ = r.s1.OpenFile("PC1", "bob", `X:\a.txt`)
	_ = r.s1.OpenFile("PC2", "eve", `X:\b.txt`)
	r.s1.SetClientCloseRace(1)
	guid := disks(t, r.s1)[0].Partitions[1].VolumeGUID
	res := mustS[agent.VolumeCloseSessionsResult](t, r.s1, agent.VolumeCloseSessions.Name, agent.VolumeParams{VolumeGUID: guid})
	if res.ClosedFiles != 2 || res.ClosedSessions != 2 || len(r.s1.OpenFiles()) != 0 {
		t.Fatalf("close sessions: %+v, open %v", res, r.s1.OpenFiles())
	}
	raced := false
	for _, e := range r.tl.Events() {
		raced = raced || (e.Kind == "volume.close_sessions" && strings.Contains(e.Detail, `1 closed by their clients first: X:\a.txt`))
	}
	if !raced {
		t.Fatal("the race did not happen")
	}
}
