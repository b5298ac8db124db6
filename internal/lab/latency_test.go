package lab

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
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
	l, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
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
	l, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
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
