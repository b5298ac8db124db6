package lab

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
)

const (
	serialX = "P3OoG4WVLmC0"
	serialY = "P3OoG4WVLmC1"
)

func startLab(t *testing.T) *Lab {
	t.Helper()
	l, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func agentDo[T any](t *testing.T, h *winhost.Host, op string, params any) T {
	t.Helper()
	raw, _ := json.Marshal(params)
	res, aerr := h.Execute(op, raw)
	if aerr != nil {
		t.Fatalf("%s on %s: %v", op, h.Name(), aerr)
	}
	var out T
	b, _ := json.Marshal(res)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// share creates a share on a host as an administrator would.
func share(t *testing.T, h *winhost.Host, name, path string) {
	t.Helper()
	agentDo[agent.ShareSetResult](t, h, agent.ShareSet.Name, agent.ShareSetParams{Scope: []string{`X:\`, `Y:\`},
		Share: agent.Share{Name: name, Path: path, CachingMode: agent.CachingManual,
			Access: []agent.ShareAccess{{Account: "Everyone", Right: agent.RightFull, Type: agent.AccessAllow}}}})
}

func unshare(t *testing.T, h *winhost.Host, name string) {
	t.Helper()
	agentDo[agent.ShareRemoveResult](t, h, agent.ShareRemove.Name, agent.ShareRemoveParams{Name: name, Scope: []string{`X:\`, `Y:\`, `D:\`}})
}

func setAlias(t *testing.T, l *Lab, server string) {
	t.Helper()
	agentDo[agent.DNSCNAMESetResult](t, l.Host("server1"), agent.DNSCNAMESet.Name, agent.DNSCNAMESetParams{
		DNSNameRef: agent.DNSNameRef{Zone: "corp.example.com", Name: "files"}, Target: server + ".corp.example.com.", TTL: 60})
}

// moveSPNs moves the alias's SPNs to server's account through its agent,
// as winfs_alias_spn does: off the other server's account first.
func moveSPNs(t *testing.T, l *Lab, server string) {
	t.Helper()
	other := map[string]string{"server1": "SERVER2", "server2": "SERVER1"}[server]
	agentDo[agent.ADSPNMoveResult](t, l.Host(server), agent.ADSPNMove.Name, agent.ADSPNMoveParams{
		SPNs: AliasSPNs(), Computer: strings.ToUpper(server), Release: []string{other}})
}

func stage(err error) string {
	var pe *ProbeError
	if errors.As(err, &pe) {
		return pe.Stage
	}
	return "not a ProbeError: " + err.Error()
}

func TestProbeWriteReadThroughAlias(t *testing.T) {
	l := startLab(t)
	s1 := l.Host("server1")
	share(t, s1, "Team Docs", `X:\Team Docs`)
	if err := l.ProbeWrite("team docs", "notes/a b.txt", "hello from a client"); err != nil {
		t.Fatal(err)
	}
	got, err := l.ProbeRead("Team Docs", `notes\a b.txt`)
	if err != nil || got != "hello from a client" {
		t.Fatalf("read back %q, %v", got, err)
	}
	// The file is on the LUN, below the share's folder.
	if names := l.LUNData().FileNames(serialX, 2); !slices.Contains(names, `Team Docs\notes\a b.txt`) {
		t.Fatalf("files on the LUN: %q", names)
	}
	if _, err := l.ProbeRead("Team Docs", "missing.txt"); err == nil || stage(err) != ProbeStageFile {
		t.Fatalf("missing file: %v", err)
	}
	for _, p := range []string{"../x", `a\..\b`, "/"} {
		if err := l.ProbeWrite("Team Docs", p, "x"); err == nil || stage(err) != ProbeStageInput {
			t.Errorf("path %q: %v", p, err)
		}
	}
	holdsInvariants(t, l, "")
}

// writeCacheOff turns a disk's write cache off, as winfs_volume_mount does
// by default, so that a crash loses nothing a client was told was written.
func writeCacheOff(t *testing.T, h *winhost.Host, serial string) {
	t.Helper()
	agentDo[agent.DiskSetResult](t, h, agent.DiskSet.Name, agent.DiskSetParams{Disk: serial, WriteCacheEnabled: new(false)})
}

// startWithFinanceFile starts a lab in which server1 shares Finance on X:
// with the disk's write cache off and a client has written a.txt.
func startWithFinanceFile(t *testing.T, content string) *Lab {
	t.Helper()
	l := startLab(t)
	share(t, l.Host("server1"), "Finance", `X:\Finance`)
	writeCacheOff(t, l.Host("server1"), serialX)
	if err := l.ProbeWrite("Finance", "a.txt", content); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestProbeFailsWhenClientsWould(t *testing.T) {
	l := startWithFinanceFile(t, "1")
	// No such share on the alias's server.
	if _, err := l.ProbeRead("HR", "a.txt"); err == nil || stage(err) != ProbeStageShare {
		t.Fatalf("unknown share: %v", err)
	}
	// The alias switched to a server that does not serve the share.
	setAlias(t, l, "server2")
	moveSPNs(t, l, "server2")
	if _, err := l.ProbeRead("Finance", "a.txt"); err == nil || stage(err) != ProbeStageShare || !strings.Contains(err.Error(), `server2 does not serve share "Finance"`) {
		t.Fatalf("alias at server2: %v", err)
	}
	// The alias went back but its SPNs stayed on server2: tickets for the
	// alias are for SERVER2, which server1 cannot decrypt.
	setAlias(t, l, "server1")
	if _, err := l.ProbeRead("Finance", "a.txt"); err == nil || stage(err) != ProbeStageAuth || !strings.Contains(err.Error(), "KRB_AP_ERR_MODIFIED") {
		t.Fatalf("SPNs left on server2: %v", err)
	}
	if v := invariantNames(l); !strings.Contains(v, string(AliasSPNsOnTarget)) {
		t.Fatalf("invariants with the SPNs left behind: %q", v)
	}
	moveSPNs(t, l, "server1")
	// The Server service stopped.
	_ = l.Host("server1").StopService("Server")
	if _, err := l.ProbeRead("Finance", "a.txt"); err == nil || stage(err) != ProbeStageHost {
		t.Fatalf("Server service stopped: %v", err)
	}
	_ = l.Host("server1").StartService("Server")
	// DNS does not answer.
	if err := l.InjectFault(FaultRequest{Target: "dns", Kind: "timeout"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ProbeRead("Finance", "a.txt"); err == nil || stage(err) != ProbeStageDNS || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("DNS timeout: %v", err)
	}
	l.ClearFaults()
	// The server is unreachable, then crashed.
	if err := l.InjectFault(FaultRequest{Server: "server1", Kind: "unreachable"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ProbeRead("Finance", "a.txt"); err == nil || stage(err) != ProbeStageHost || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("unreachable: %v", err)
	}
	if err := l.InjectFault(FaultRequest{Server: "server1", Kind: "crash"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ProbeRead("Finance", "a.txt"); err == nil || stage(err) != ProbeStageHost || !strings.Contains(err.Error(), "server1 is down") {
		t.Fatalf("crashed: %v", err)
	}
	l.ClearFaults()
	if got, err := l.ProbeRead("Finance", "a.txt"); err != nil || got != "1" {
		t.Fatalf("after boot: %q %v", got, err)
	}
}

func TestProbeWatcherRecordsOutage(t *testing.T) {
	l := startLab(t)
	s1 := l.Host("server1")
	share(t, s1, "Finance", `X:\Finance`)
	share(t, s1, "Y data", `Y:\`)
	if err := l.StartProbe("", []string{"Finance", "Y data"}, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := l.StartProbe("", []string{"Finance"}, 0); !errors.Is(err, ErrProbeRunning) {
		t.Fatalf("second watcher: %v", err)
	}
	time.Sleep(60 * time.Millisecond)
	unshare(t, s1, "Finance")
	removed := time.Now()
	time.Sleep(150 * time.Millisecond)
	mid := l.ProbeReport()
	if !mid.Running || len(mid.Outages) != 1 || !mid.Outages[0].Open {
		t.Fatalf("report during the outage: %+v", mid)
	}
	share(t, s1, "Finance", `X:\Finance`)
	restored := time.Now()
	time.Sleep(60 * time.Millisecond)
	r := l.StopProbe()
	if r.Running || r.Alias != AliasName || r.Interval != 10*time.Millisecond || !slices.Equal(r.Shares, []string{"Finance", "Y data"}) {
		t.Fatalf("report header: %+v", r)
	}
	if len(r.Outages) != 1 {
		t.Fatalf("outages: %+v", r.Outages)
	}
	o := r.Outages[0]
	if o.Open || !slices.Equal(o.Shares, []string{"Finance"}) || len(o.Reasons) != 1 || o.Reasons[0] != `server1 does not serve share "Finance"` {
		t.Fatalf("window: %+v", o)
	}
	// The window lies within a probe interval (and scheduling slack) of
	// the removal and the restore. A tick is stamped when it starts, so
	// its stamp may precede a change its probes already saw.
	slack := 50 * time.Millisecond
	near := func(a, b time.Time) bool { return a.Sub(b) < slack && b.Sub(a) < slack }
	if !near(o.Start, removed) || !near(o.End, restored) {
		t.Fatalf("window %v..%v, removed %v restored %v", o.Start, o.End, removed, restored)
	}
	want := restored.Sub(removed)
	if o.Duration != o.End.Sub(o.Start) || o.Duration < want-slack || o.Duration > want+slack {
		t.Fatalf("duration %v, want about %v", o.Duration, want)
	}
	if r.TotalOutage != o.Duration || r.LongestOutage != o.Duration {
		t.Fatalf("total %v longest %v", r.TotalOutage, r.LongestOutage)
	}
	if r.Probes < 2*10 || r.Failures < 5 || r.Failures >= r.Probes/2 {
		t.Fatalf("probes %d failures %d", r.Probes, r.Failures)
	}
	// Stopped: the report stays, a new watcher may start.
	if again := l.StopProbe(); again.Probes != r.Probes {
		t.Fatalf("second stop: %+v", again)
	}
	if err := l.StartProbe("files", []string{"Finance"}, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if r := l.StopProbe(); r.Alias != AliasName || len(r.Outages) != 0 || r.Probes < 1 {
		t.Fatalf("clean run: %+v", r)
	}
}

// TestCrashAndBoot: a crashed host is down and harmless; the failover
// that follows raises no violation for it; clearing the faults boots it
// without the disk that was unmapped meanwhile.
func TestCrashAndBoot(t *testing.T) {
	l := startLab(t)
	s1, s2 := l.Host("server1"), l.Host("server2")
	share(t, s1, "Finance", `X:\Finance`)
	share(t, s1, "Archive", `Y:\Archive`)
	if err := s1.OpenFile("PC1", `CORP\bob`, `X:\Finance\plan.xlsx`); err != nil {
		t.Fatal(err)
	}
	mark := l.Timeline.LastSeq()
	if err := l.InjectFault(FaultRequest{Server: "server1", Kind: "crash"}); err != nil {
		t.Fatal(err)
	}
	if !s1.Down() || !slices.Equal(l.Down(), []string{"server1"}) || !l.Faults()["server1"].Unreachable {
		t.Fatalf("crash: down %v faults %+v", l.Down(), l.Faults())
	}
	if s1.SessionCount() != 0 || len(s1.Disks()) != 0 || s1.Serves("Finance") || s1.Serves("C$") {
		t.Fatal("a crashed host keeps sessions, disks or shares")
	}
	if !l.LUNData().Dirty(serialX, 2) || !l.LUNData().Dirty(serialY, 2) {
		t.Fatal("the volumes mounted at the crash are not dirty")
	}
	holdsInvariants(t, l, " after the crash")
	// The crash failover of X: (fenced): the array unmaps it from the dead
	// host, server2 takes it, repairs and mounts it.
	if _, err := l.Array().Unmap("/vol/vol1/files_x", "server1"); err != nil {
		t.Fatal(err)
	}
	holdsInvariants(t, l, " after unmapping from the down host")
	if _, err := l.Array().Map("/vol/vol1/files_x", "server2", 0); err != nil {
		t.Fatal(err)
	}
	agentDo[agent.Empty](t, s2, agent.StorageRescan.Name, agent.StorageRescanParams{})
	f := false
	d := agentDo[agent.DiskSetResult](t, s2, agent.DiskSet.Name, agent.DiskSetParams{Disk: serialX, Offline: &f, ReadOnly: &f}).Disk
	guid := d.Partitions[1].VolumeGUID
	if rep := agentDo[agent.VolumeRepairResult](t, s2, agent.VolumeRepair.Name, agent.VolumeParams{VolumeGUID: guid}); !rep.WasDirty {
		t.Fatal("server2 found X: clean after server1 crashed with it mounted")
	}
	agentDo[agent.VolumeMountResult](t, s2, agent.VolumeMount.Name, agent.VolumeMountParams{VolumeGUID: guid, Path: "X:"})
	share(t, s2, "Finance", `X:\Finance`)
	// The last steps of a failover: the SPNs and the alias follow the shares.
	moveSPNs(t, l, "server2")
	if err := l.Zone().SetCNAME(AliasName, "server2.corp.example.com.", 60, "test"); err != nil {
		t.Fatal(err)
	}
	holdsInvariants(t, l, " after the failover")
	// The admin agent refuses a down host; clearing the faults boots it.
	resp := adminDo(t, l, "POST", "/v1/servers/server1/agent", `{"op":"share.list","params":{"scope":[]}}`)
	if resp.status != http.StatusConflict || !strings.Contains(resp.body, "down") {
		t.Fatalf("agent on a down host: %d %s", resp.status, resp.body)
	}
	l.ClearFaults()
	if s1.Down() || len(l.Faults()) != 0 || len(l.Down()) != 0 {
		t.Fatalf("after clear: down %v faults %+v", l.Down(), l.Faults())
	}
	disks := s1.Disks()
	if len(disks) != 1 || disks[0].Serial != serialY || !disks[0].Online {
		t.Fatalf("server1 after boot sees %+v, want only Y's disk, online", disks)
	}
	if l.LUNData().Dirty(serialY, 2) {
		t.Fatal("autochk did not repair Y: at boot")
	}
	for _, svc := range []string{"LanmanServer", "Netlogon", "Browser", "Dfs"} {
		if !s1.ServiceRunning(svc) {
			t.Errorf("%s not running after boot", svc)
		}
	}
	// X: stays recorded in MountedDevices as on Windows, but is not a mount.
	if _, ok := s1.RegistryValue("HKLM", winhost.KeyMountedDevices, `\DosDevices\X:`); !ok {
		t.Fatal(`\DosDevices\X: forgotten at boot`)
	}
	for _, m := range s1.Mounts() {
		if m.Path == "X:" && (m.Active || m.Present) || m.Path == "Y:" && !(m.Active && m.Online) {
			t.Fatalf("mount after boot: %+v", m)
		}
	}
	if s1.Serves("Finance") || !s1.Serves("Archive") || !s2.Serves("Finance") {
		t.Fatal("after boot server1 must serve Archive (Y:) only, server2 Finance")
	}
	// Only X: was failed over, so the alias (now server2) cannot serve Y:'s
	// shares, which server1 serves again: that half-failover is what the
	// alias invariant exists to catch. The disk invariants must all hold.
	for _, v := range l.Invariants() {
		if v.Invariant != "alias serves the shares" {
			t.Fatalf("invariant after boot: %s: %s", v.Invariant, v.Detail)
		}
	}
	var kinds []string
	evs, _ := l.Timeline.Since(mark)
	for _, ev := range evs {
		if ev.Host == "server1" {
			kinds = append(kinds, ev.Kind)
		}
	}
	want := []string{"fault.inject", "host.crash", "fault.clear", "host.boot", "disk.remove", "volume.repair", "storage.rescan"}
	if len(kinds) < len(want) || !slices.Equal(kinds[:len(want)], want) || !slices.Contains(kinds, "service.start") {
		t.Fatalf("server1 timeline: %v", kinds)
	}
	// server1 booted without X:, so its Server service skipped Finance
	// (event 2511).
	if !slices.ContainsFunc(kinds, func(k string) bool { return k == "share.lost" }) {
		t.Fatalf("no share.lost (event 2511) on server1: %v", kinds)
	}
	var finance agent.Share
	for _, sh := range s2.Shares() {
		if sh.Name == "Finance" {
			finance = sh.Share
		}
	}
	// Failback of X: to server1: the disk arrives and its recorded letter
	// comes back with it; Finance is served once it is created again.
	agentDo[agent.ShareRemoveResult](t, s2, agent.ShareRemove.Name, agent.ShareRemoveParams{Name: "Finance", Scope: []string{`X:\`}})
	agentDo[agent.VolumeDismountResult](t, s2, agent.VolumeDismount.Name, agent.VolumeDismountParams{VolumeGUID: guid, Path: "X:"})
	if _, err := l.Array().Unmap("/vol/vol1/files_x", "server2"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Array().Map("/vol/vol1/files_x", "server1", 0); err != nil {
		t.Fatal(err)
	}
	agentDo[agent.Empty](t, s1, agent.StorageRescan.Name, agent.StorageRescanParams{})
	agentDo[agent.DiskSetResult](t, s1, agent.DiskSet.Name, agent.DiskSetParams{Disk: serialX, Offline: &f, ReadOnly: &f})
	if s1.Serves("Finance") {
		t.Fatal("server1 serves Finance, which its Server service skipped at boot")
	}
	if res := agentDo[agent.ShareSetResult](t, s1, agent.ShareSet.Name, agent.ShareSetParams{Share: finance, Scope: []string{`X:\`}}); res.Action != agent.ShareCreated {
		t.Fatalf("share.set of the skipped Finance: %+v", res)
	}
	if !s1.Serves("Finance") {
		t.Fatal("server1 does not serve Finance after the failback")
	}
	moveSPNs(t, l, "server1")
	if err := l.Zone().SetCNAME(AliasName, "server1.corp.example.com.", 60, "test"); err != nil {
		t.Fatal(err)
	}
	holdsInvariants(t, l, " after the failback")
}

// TestCrashWithoutFailover: the host boots with its disks, autochk repairs
// them, nothing is served dirty.
func TestCrashWithoutFailover(t *testing.T) {
	l := startWithFinanceFile(t, "before")
	if err := l.InjectFault(FaultRequest{Server: "server1", Kind: "crash"}); err != nil {
		t.Fatal(err)
	}
	if err := l.InjectFault(FaultRequest{Server: "server1", Kind: "crash"}); err != nil {
		t.Fatal(err) // crashing a down host is a no-op
	}
	l.ClearFaults()
	if got, err := l.ProbeRead("Finance", "a.txt"); err != nil || got != "before" {
		t.Fatalf("after boot: %q %v", got, err)
	}
	if l.LUNData().Dirty(serialX, 2) || l.LUNData().Dirty(serialY, 2) {
		t.Fatal("dirty after autochk")
	}
	holdsInvariants(t, l, "")
}

// TestSurpriseRemovalStillViolates: the running host's dangling letter is
// still a violation (only a down or rebooted host is exempt).
func TestSurpriseRemovalStillViolates(t *testing.T) {
	l := startLab(t)
	share(t, l.Host("server1"), "Finance", `X:\Finance`)
	if _, err := l.Array().Unmap("/vol/vol1/files_x", "server1"); err != nil {
		t.Fatal(err)
	}
	if v := invariantNames(l); !strings.Contains(v, "mount without its disk") {
		t.Fatalf("stale mount not reported: %s", v)
	}
	if l.Host("server1").Serves("Finance") {
		t.Fatal("a share on a vanished disk is served")
	}
	// After a reboot the letter is only a record.
	_ = l.InjectFault(FaultRequest{Server: "server1", Kind: "crash"})
	l.ClearFaults()
	holdsInvariants(t, l, " after reboot")
}

type adminResp struct {
	status int
	body   string
}

func adminDo(t *testing.T, l *Lab, method, path, body string) adminResp {
	t.Helper()
	req, _ := http.NewRequest(method, l.AdminURL()+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return adminResp{resp.StatusCode, string(b)}
}

func TestProbeAdminAPI(t *testing.T) {
	l := startLab(t)
	share(t, l.Host("server1"), "Finance", `X:\Finance`)
	for _, c := range []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"POST", "/v1/probe", `{"op":"write","share":"Finance","path":"a.txt","content":"x y"}`, 200, `"content":"x y"`},
		{"POST", "/v1/probe", `{"op":"read","share":"Finance","path":"a.txt"}`, 200, `"content":"x y"`},
		{"POST", "/v1/probe", `{"op":"read","share":"Finance","path":"b.txt"}`, 404, "file not found"},
		{"POST", "/v1/probe", `{"op":"read","share":"HR","path":"b.txt"}`, 503, `server1 does not serve share \"HR\"`},
		{"POST", "/v1/probe", `{"op":"delete","share":"Finance","path":"a.txt"}`, 400, "use"},
		{"POST", "/v1/probe", `{"op":"read","share":"Finance","path":"../a.txt"}`, 400, ".."},
		{"POST", "/v1/probe", `nope`, 400, "body must be"},
		{"GET", "/v1/probe/watch", ``, 404, "no probe watcher"},
		{"DELETE", "/v1/probe/watch", ``, 404, "no probe watcher"},
		{"POST", "/v1/probe/watch", `{"shares":[]}`, 400, "at least one share"},
		{"POST", "/v1/probe/watch", `{"shares":["Finance"],"interval_ms":-1}`, 400, "negative"},
		{"POST", "/v1/probe/watch", `{"shares":["Finance"],"interval_ms":10}`, 200, `"running":true`},
		{"POST", "/v1/probe/watch", `{"shares":["Finance"],"interval_ms":10}`, 409, "already running"},
		{"GET", "/v1/probe/watch", ``, 200, `"alias":"files.corp.example.com."`},
		{"POST", "/v1/faults", `{"server":"server1","kind":"crash"}`, 200, `"down":["server1"]`},
		{"POST", "/v1/probe", `{"op":"read","share":"Finance","path":"a.txt"}`, 503, "server1 is down"},
		{"DELETE", "/v1/faults", ``, 200, `"down":[]`},
		{"DELETE", "/v1/probe/watch", ``, 200, `"running":false`},
	} {
		switch {
		case c.path == "/v1/faults" && c.method == "DELETE":
			waitWatch(t, l, "the watcher to see the crash", func(r ProbeReport) bool { return len(r.Outages) == 1 && r.Outages[0].Open })
		case c.path == "/v1/probe/watch" && c.method == "DELETE" && c.status == 200:
			// After the boot the share's disk is offline, so the window
			// stays open; it must have lasted at least one more tick.
			waitWatch(t, l, "the outage to last a tick", func(r ProbeReport) bool { return len(r.Outages) == 1 && r.TotalOutage > 0 })
		}
		got := adminDo(t, l, c.method, c.path, c.body)
		if got.status != c.status || !strings.Contains(got.body, c.contains) {
			t.Errorf("%s %s %s: %d %s, want %d with %q", c.method, c.path, c.body, got.status, got.body, c.status, c.contains)
		}
	}
	var r ProbeReport
	if err := json.Unmarshal([]byte(adminDo(t, l, "GET", "/v1/probe/watch", "").body), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Outages) != 1 || r.Outages[0].Reasons[0] != "server1 is down" || r.TotalOutage <= 0 {
		t.Fatalf("report: %+v", r)
	}
}

// waitWatch polls the running watcher's report until ok holds: its ticks
// are its own, and a loaded machine may run them late.
func waitWatch(t *testing.T, l *Lab, what string, ok func(ProbeReport) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var r ProbeReport
		if err := json.Unmarshal([]byte(adminDo(t, l, "GET", "/v1/probe/watch", "").body), &r); err == nil && ok(r) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCrashLosesWritesInTheWriteCache: with the disk's write cache on
// (Windows' default), a power loss drops what a client wrote since the last
// flush; a flush, or the cache turned off, keeps it.
func TestCrashLosesWritesInTheWriteCache(t *testing.T) {
	l := startLab(t)
	s1 := l.Host("server1")
	share(t, s1, "Finance", `X:\Finance`)
	if !s1.WriteCacheEnabled(serialX) {
		t.Fatal("a disk the host never changed has its write cache on")
	}
	if err := l.ProbeWrite("Finance", "flushed.txt", "v1"); err != nil {
		t.Fatal(err)
	}
	guid := agentDo[agent.DiskListResult](t, s1, agent.DiskList.Name, agent.DiskListParams{Disk: serialX}).Disks[0].Partitions[1].VolumeGUID
	agentDo[agent.Empty](t, s1, agent.VolumeFlush.Name, agent.VolumeParams{VolumeGUID: guid})
	for name, content := range map[string]string{"flushed.txt": "v2", "new.txt": "new"} {
		if err := l.ProbeWrite("Finance", name, content); err != nil {
			t.Fatal(err)
		}
	}
	since := l.Timeline.LastSeq()
	if err := l.InjectFault(FaultRequest{Server: "server1", Kind: "crash"}); err != nil {
		t.Fatal(err)
	}
	l.ClearFaults()
	if got, err := l.ProbeRead("Finance", "flushed.txt"); err != nil || got != "v1" {
		t.Fatalf("flushed file after the crash: %q %v; want the flushed v1, the cached v2 lost", got, err)
	}
	if _, err := l.ProbeRead("Finance", "new.txt"); err == nil || stage(err) != ProbeStageFile {
		t.Fatalf("a file only in the write cache survived the crash: %v", err)
	}
	lost := false
	evs, _ := l.Timeline.Since(since)
	for _, ev := range evs {
		lost = lost || (ev.Kind == "host.crash" && strings.Contains(ev.Detail, "2 write(s) lost from disk write caches"))
	}
	if !lost {
		t.Fatalf("the crash does not say what the write cache lost: %+v", evs)
	}

	// The cache off: nothing the client wrote is lost.
	writeCacheOff(t, s1, serialX)
	if s1.WriteCacheEnabled(serialX) {
		t.Fatal("write cache still on")
	}
	if err := l.ProbeWrite("Finance", "new.txt", "kept"); err != nil {
		t.Fatal(err)
	}
	if err := l.InjectFault(FaultRequest{Server: "server1", Kind: "crash"}); err != nil {
		t.Fatal(err)
	}
	l.ClearFaults()
	if got, err := l.ProbeRead("Finance", "new.txt"); err != nil || got != "kept" {
		t.Fatalf("with the cache off: %q %v", got, err)
	}
	d := agentDo[agent.DiskListResult](t, s1, agent.DiskList.Name, agent.DiskListParams{Disk: serialX}).Disks[0]
	if d.WriteCacheEnabled == nil || *d.WriteCacheEnabled {
		t.Fatalf("disk.list after boot: write_cache_enabled = %v, want false (the policy survives a reboot)", d.WriteCacheEnabled)
	}
}

// TestProbeAliasNeedsStrictNameCheckingOffInEffect: the Server service
// reads DisableStrictNameChecking when it starts; a client of the alias
// sees the value in effect, not the one in the registry.
func TestProbeAliasNeedsStrictNameCheckingOffInEffect(t *testing.T) {
	l := startLab(t)
	s1 := l.Host("server1")
	share(t, s1, "Finance", `X:\Finance`)
	set := func(v string) {
		if err := s1.SetRegistryValue("HKLM", winhost.KeyLanmanServerParameters, "DisableStrictNameChecking", agent.RegistryValue{Type: agent.RegDWord, Data: v}); err != nil {
			t.Fatal(err)
		}
	}
	restart := func() {
		agentDo[agent.ServiceRestartResult](t, s1, agent.ServiceRestart.Name, agent.ServiceRestartParams{Name: "LanmanServer"})
	}
	open := func() error { _, err := l.ProbeRead("Finance", "missing.txt"); return err }
	if err := open(); err == nil || stage(err) != ProbeStageFile {
		t.Fatalf("hardened estate: %v, want only the file missing", err)
	}
	set("0")
	if err := open(); err == nil || stage(err) != ProbeStageFile {
		t.Fatalf("written, not in effect yet: %v", err)
	}
	restart()
	if err := open(); err == nil || stage(err) != ProbeStageHost || !strings.Contains(err.Error(), "A duplicate name exists on the network") {
		t.Fatalf("strict name checking in effect: %v", err)
	}
	set("1")
	if err := open(); err == nil || stage(err) != ProbeStageHost {
		t.Fatalf("fixed in the registry, not in effect yet: %v", err)
	}
	restart()
	if err := open(); err == nil || stage(err) != ProbeStageFile {
		t.Fatalf("after the restart: %v", err)
	}
}

// holdsInvariants fails t when the estate violates an invariant; when says
// at which point (" after the crash"), or is empty.
func holdsInvariants(t *testing.T, l *Lab, when string) {
	t.Helper()
	if v := invariantNames(l); v != "" {
		t.Fatalf("invariants%s: %s", when, v)
	}
}
