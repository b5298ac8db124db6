package winhost

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

func status(t *testing.T, h *Host) agent.ServerStatusResult {
	t.Helper()
	return mustS[agent.ServerStatusResult](t, h, agent.ServerStatus.Name, agent.ServerStatusParams{Services: append(agent.FileServerServices, "NoSuchService")})
}

func TestServerStatus(t *testing.T) {
	r := newRig(t)
	h := r.s1
	empty := status(t, h)
	if empty.ComputerName != "SERVER1" || len(empty.Volumes) != 0 || len(empty.Shares) != 0 {
		t.Fatalf("fresh host: %+v", empty)
	}
	wantServices := []agent.ServiceStatus{
		{Name: "LanmanServer", DisplayName: "Server", State: agent.ServiceRunning},
		{Name: "Netlogon", DisplayName: "Net Logon", State: agent.ServiceRunning},
		{Name: "Browser", DisplayName: "Computer Browser", State: agent.ServiceRunning},
		{Name: "Dfs", DisplayName: "Distributed File System", State: agent.ServiceRunning},
		{Name: "NoSuchService", State: agent.ServiceNotFound},
	}
	if !reflect.DeepEqual(empty.Services, wantServices) {
		t.Fatalf("services:\n got %+v\nwant %+v", empty.Services, wantServices)
	}

	// X: mounted, one share under it, a folder mount point too.
	_, _ = r.a.Map("/vol/vol1/x", "server1", 0)
	guid := online(t, h)
	mustS[agent.VolumeMountResult](t, h, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: "X:"})
	if err := h.MakeFolder(`C:\Mounts\Data`); err != nil {
		t.Fatal(err)
	}
	mustS[agent.VolumeMountResult](t, h, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: `C:\Mounts\Data`})
	mustS[agent.ShareSetResult](t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: finance(), Scope: scopeXY})
	st := status(t, h)
	wantVolumes := []agent.VolumeStatus{
		{MountPoint: "X:", VolumeGUID: guid, DiskSerial: testSerial, Online: true},
		{MountPoint: `C:\Mounts\Data`, VolumeGUID: guid, DiskSerial: testSerial, Online: true},
	}
	if !reflect.DeepEqual(st.Volumes, wantVolumes) {
		t.Fatalf("volumes:\n got %+v\nwant %+v", st.Volumes, wantVolumes)
	}
	if want := []agent.ShareStatus{{Name: "Finance Team", Path: `X:\Finance`, Available: true}}; !reflect.DeepEqual(st.Shares, want) {
		t.Fatalf("shares: %+v", st.Shares)
	}

	// A crash leaves the volume dirty.
	h.Crash()
	if st := status(t, h); !st.Volumes[0].Dirty {
		t.Fatalf("dirty bit not reported after a crash: %+v", st.Volumes)
	}
	// The power comes back: the host boots (autochk repairs the volume).
	h.Boot()

	// Offline: the letter stays (MountedDevices), the folder is not listed,
	// and the share is no longer served.
	tr := true
	mustS[agent.DiskSetResult](t, h, agent.DiskSet.Name, agent.DiskSetParams{Disk: testSerial, Offline: &tr})
	st = status(t, h)
	if want := []agent.VolumeStatus{{MountPoint: "X:", VolumeGUID: guid, DiskSerial: testSerial}}; !reflect.DeepEqual(st.Volumes, want) {
		t.Fatalf("offline disk: %+v", st.Volumes)
	}
	if len(st.Shares) != 1 || st.Shares[0].Available {
		t.Fatalf("a share on an offline disk must not be available: %+v", st.Shares)
	}
	if h.Serves("Finance Team") {
		t.Fatal("Serves: a share on an offline disk is not served")
	}

	// Unmapped: the disk is gone, the stale letter has no serial.
	_, _ = r.a.Unmap("/vol/vol1/x", "server1")
	if st := status(t, h); !reflect.DeepEqual(st.Volumes, []agent.VolumeStatus{{MountPoint: "X:", VolumeGUID: guid}}) {
		t.Fatalf("stale letter: %+v", st.Volumes)
	}

	// Stopping Server stops its dependents and shares nothing.
	if err := h.StopService("Server"); err != nil {
		t.Fatal(err)
	}
	st = status(t, h)
	if st.Services[0].State != agent.ServiceStopped || st.Services[1].State != agent.ServiceStopped || len(st.Shares) != 0 {
		t.Fatalf("Server stopped: %+v", st)
	}
	raw, _ := json.Marshal(st)
	var back map[string]any
	_ = json.Unmarshal(raw, &back)
	if back["shares"] == nil || back["volumes"] == nil {
		t.Fatalf("lists must be [] on the wire, never null: %s", raw)
	}
}
