package lab

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

func TestParseLatency(t *testing.T) {
	lat, err := ParseLatency("realistic", map[string]string{"rtt": "5ms", "spot-fix": "", "dns-update": "1s"})
	if err != nil {
		t.Fatal(err)
	}
	if lat.RTT != 5*time.Millisecond || lat.DNSUpdate != time.Second || lat.ProcessStart != 400*time.Millisecond || lat.SpotFix != time.Second {
		t.Errorf("got %+v", lat)
	}
	if r, _ := LatencyProfile("realistic"); r.VolumeArrival <= 0 {
		t.Error("realistic has no volume arrival time")
	}
	if va, err := ParseLatency("none", map[string]string{"volume-arrival": "2s"}); err != nil || va.VolumeArrival != 2*time.Second {
		t.Errorf("volume-arrival: %+v %v", va, err)
	}
	if lat.Name != "realistic+custom" {
		t.Errorf("name %q: a changed profile must not pass for the profile", lat.Name)
	}
	for _, bad := range []map[string]string{{"rtt": "soon"}, {"rtt": "-1ms"}, {"jitter": "1ms"}} {
		if _, err := ParseLatency("none", bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, err := ParseLatency("slow", nil); err == nil {
		t.Error("unknown profile accepted")
	}
}

// TestLatencyAndCountersReachTheServices: the model applies where its doc
// says (here: the DNS update cost of a Windows DNS role operation), and
// /v1/stats counts agent operations, the array and the DNS server.
func TestLatencyAndCountersReachTheServices(t *testing.T) {
	l := startLab(t)
	l.SetLatency(Latency{Name: "test", DNSUpdate: 150 * time.Millisecond, RTT: time.Millisecond})
	e := hostExec{ctx: t.Context(), lab: l, s: l.servers["server1"], next: l.servers["server1"].host}
	raw, _ := json.Marshal(agent.DNSCNAMESetParams{DNSNameRef: agent.DNSNameRef{Zone: "corp.example.com", Name: "files"}, Target: "server2.corp.example.com", TTL: 60})
	began := time.Now()
	if _, aerr := e.Execute(agent.DNSCNAMESet.Name, raw); aerr != nil {
		t.Fatal(aerr)
	}
	if d := time.Since(began); d < 150*time.Millisecond {
		t.Errorf("dns.cname.set took %s, want at least the model's DNS update", d)
	}
	if _, _, err := l.Resolve(AliasName); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(l.AdminURL() + "/v1/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st AllStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if s := st.Servers["server1"]; s.AgentRequests != 1 || s.Ops[agent.DNSCNAMESet.Name] != 1 {
		t.Errorf("server1 stats %+v", s)
	}
	if st.DNS.Requests != 1 {
		t.Errorf("dns stats %+v, want the one query", st.DNS)
	}
	req, _ := http.NewRequest(http.MethodPut, l.AdminURL()+"/v1/latency", strings.NewReader(`{"profile":"realistic","rtt":"7ms"}`))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("PUT /v1/latency: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /v1/latency: %s", resp.Status)
	}
	if got := l.Latency(); got.RTT != 7*time.Millisecond || got.Rescan != 1500*time.Millisecond {
		t.Errorf("after PUT: %+v", got)
	}
	l.ResetStats()
	if st := l.AllStats(); st.Servers["server1"].AgentRequests != 0 || st.DNS.Requests != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

// TestVolumeArrivalReachesTheHosts: disk.set waits out the model's volume
// arrival when it brings a disk online.
func TestVolumeArrivalReachesTheHosts(t *testing.T) {
	l := startLab(t)
	l.SetLatency(Latency{Name: "test", VolumeArrival: 300 * time.Millisecond})
	h := l.Host("server1")
	serial := h.Disks()[0].Serial
	off, on := true, false
	for _, p := range []agent.DiskSetParams{{Disk: serial, Offline: &off}, {Disk: serial, Offline: &on}} {
		raw, _ := json.Marshal(p)
		began := time.Now()
		res, aerr := h.Execute(agent.DiskSet.Name, raw)
		if aerr != nil {
			t.Fatal(aerr)
		}
		if d := res.(agent.DiskSetResult).Disk; !d.IsOffline {
			if took := time.Since(began); took < 300*time.Millisecond || d.Partitions[1].VolumeGUID == "" {
				t.Errorf("online took %s and shows %+v: want the volume, after the model's arrival time", took, d.Partitions[1])
			}
		}
	}
}

// labClient is a provider-side client of one lab server, over the lab's
// WinRM listener and the emulated agent, with one persistent agent.
func labClient(t *testing.T, l *Lab, name string) *windows.Client {
	t.Helper()
	port, _, _ := l.Ports(name)
	st, err := windows.NewWinRMStarter(name, windows.Endpoint{Host: "127.0.0.1", Port: port, Username: l.Username(), Password: l.Password(), Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := windows.New(name, st, windows.ModePersistent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// dataVolumes are the GUIDs of server's mounted data volumes, by disk serial.
func dataVolumes(ctx context.Context, t *testing.T, c *windows.Client) map[string]string {
	t.Helper()
	disks, err := c.DiskList(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range disks {
		for _, p := range d.Partitions {
			if p.Type == agent.PartitionBasic && p.VolumeGUID != "" {
				out[d.SerialNumber] = p.VolumeGUID
			}
		}
	}
	return out
}

// eventsOf are the timeline events of kind after mark.
func eventsOf(l *Lab, mark uint64, kind string) []timeline.Event {
	evs, _ := l.Timeline.Since(mark)
	var out []timeline.Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// TestAgentOverlapsTheRepairsOfTwoVolumes: two full checks of different
// volumes on one host, asked together, run at the same time in the one
// agent: the timeline shows both done one check's time after they were
// asked, not two. Then two checks of one volume run one after the other
// (agent.SerialVolume).
func TestAgentOverlapsTheRepairsOfTwoVolumes(t *testing.T) {
	l := startLab(t)
	const check = 600 * time.Millisecond
	l.SetLatency(Latency{Name: "test", FullCheckBase: check})
	c := labClient(t, l, "server1")
	ctx := t.Context()
	vols := dataVolumes(ctx, t, c)
	if len(vols) < 2 {
		t.Fatalf("want two data volumes on server1, got %v", vols)
	}
	var guids []string
	for serial, g := range vols {
		l.LUNData().SetDirty(serial, 2, true)
		guids = append(guids, g)
	}
	guids = guids[:2]
	run := func(guids ...string) (asked time.Time, evs []timeline.Event) {
		t.Helper()
		mark := l.Timeline.Record("test", "test.mark", "repairs asked").Seq
		asked = l.Timeline.Events()[mark-1].Time
		errs := make(chan error, len(guids))
		for _, g := range guids {
			go func() {
				_, err := c.VolumeRepair(ctx, g)
				errs <- err
			}()
		}
		for range guids {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		return asked, eventsOf(l, mark, "volume.repair")
	}

	asked, evs := run(guids...)
	if len(evs) != 2 || !strings.Contains(evs[0].Detail, "was dirty: true") || !strings.Contains(evs[1].Detail, "was dirty: true") {
		t.Fatalf("want two repairs of dirty volumes, got %+v", evs)
	}
	if last := evs[1].Time.Sub(asked); last >= 2*check-check/4 {
		t.Errorf("the second repair ended %s after both were asked: they ran one after the other (one takes %s)", last, check)
	}
	if gap := evs[1].Time.Sub(evs[0].Time); gap > check/2 {
		t.Errorf("the repairs ended %s apart: they did not overlap", gap)
	}

	asked, evs = run(guids[0], guids[0])
	if len(evs) != 2 {
		t.Fatalf("want two repairs, got %+v", evs)
	}
	if gap := evs[1].Time.Sub(evs[0].Time); gap < check-check/4 {
		t.Errorf("two repairs of one volume ended %s apart: they overlapped (each takes %s)", gap, check)
	}
	_ = asked
}

// TestStuckCallDoesNotHoldAStatusRead: with the agent stuck in a storage
// call (a LUN whose paths are gone), a status read and a repair on the
// same agent still answer; the stuck call fails at its own deadline.
func TestStuckCallDoesNotHoldAStatusRead(t *testing.T) {
	l := startLab(t)
	c := labClient(t, l, "server1")
	ctx := t.Context()
	vols := dataVolumes(ctx, t, c)
	if err := l.InjectFault(FaultRequest{Server: "server1", Kind: "hang_agent", Op: agent.StorageRescan.Name}); err != nil {
		t.Fatal(err)
	}
	stuck := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		stuck <- c.StorageRescan(sctx)
	}()
	for len(eventsOf(l, 0, "fault.fire")) == 0 { // the agent is in the rescan
		time.Sleep(5 * time.Millisecond)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	st, err := c.ServerStatus(rctx, nil)
	if err != nil || st.ComputerName != "SERVER1" {
		t.Fatalf("status read behind the stuck rescan: %+v, %v", st.ComputerName, err)
	}
	for _, g := range vols {
		if _, err := c.VolumeScan(rctx, g); err != nil {
			t.Fatalf("a scan behind the stuck rescan: %v", err)
		}
	}
	select {
	case err := <-stuck:
		t.Fatalf("the stuck rescan answered: %v", err)
	default:
	}
	var na *windows.NoAnswerError
	if err := <-stuck; !errors.As(err, &na) || na.Op != agent.StorageRescan.Name {
		t.Fatalf("the stuck rescan: want a NoAnswerError, got %v", err)
	}
}
