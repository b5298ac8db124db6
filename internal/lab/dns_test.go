package lab

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// TestDNSSeedResolveAndWindowsRole: the lab starts from the initial estate's alias,
// resolves it over the wire, and a change made through a host's Windows
// DNS role is what the DNS server answers next (one zone, two ways in).
func TestDNSSeedResolveAndWindowsRole(t *testing.T) {
	l := startLab(t)
	target, addrs, err := l.Resolve("FILES.corp.example.com")
	if err != nil || target != "server1.corp.example.com." || len(addrs) != 1 || addrs[0] != "192.168.0.201" {
		t.Fatalf("Resolve: %q %v %v", target, addrs, err)
	}
	if _, ttl, _ := l.Zone().CNAME(AliasName); ttl != 86400 {
		t.Fatalf("seed TTL %d, want 86400", ttl)
	}
	if v := l.Invariants(); len(v) != 0 {
		t.Fatalf("initial estate violates invariants: %+v", v)
	}
	raw, _ := json.Marshal(agent.DNSCNAMESetParams{DNSNameRef: agent.DNSNameRef{Zone: "corp.example.com", Name: "files"}, Target: "server2.corp.example.com", TTL: 60})
	res, aerr := l.Host("server2").Execute(agent.DNSCNAMESet.Name, raw)
	if aerr != nil || !res.(agent.DNSCNAMESetResult).Replaced {
		t.Fatalf("dns.cname.set: %+v %v", res, aerr)
	}
	if target, _, err := l.Resolve("files.corp.example.com."); err != nil || target != "server2.corp.example.com." {
		t.Fatalf("after the Windows change: %q %v", target, err)
	}
	evs := l.Timeline.Events()
	last := evs[len(evs)-1]
	if last.Host != "dns" || last.Kind != "dns.replace" {
		t.Fatalf("timeline: %+v", last)
	}
	// Errors of the role, as agent.ps1 reports them.
	for params, code := range map[string]string{
		`{"zone":"other.example","name":"files"}`:          agent.CodeZoneNotFound,
		`{"zone":"corp.example.com.","name":"files"}`:      agent.CodeInvalidParams,
		`{"zone":"corp.example.com","name":"files.x."}`:    agent.CodeInvalidParams,
		`{"zone":"corp.example.com","name":"files","x":1}`: agent.CodeInvalidParams,
	} {
		if _, aerr := l.Host("server1").Execute(agent.DNSCNAMEGet.Name, json.RawMessage(params)); aerr == nil || aerr.Code != code {
			t.Errorf("%s: want %s, got %v", params, code, aerr)
		}
	}
	raw, _ = json.Marshal(agent.DNSCNAMESetParams{DNSNameRef: agent.DNSNameRef{Zone: "corp.example.com", Name: "server1"}, Target: "x.corp.example.com.", TTL: 60})
	if _, aerr := l.Host("server1").Execute(agent.DNSCNAMESet.Name, raw); aerr == nil || aerr.Code != agent.CodeDNSConflict {
		t.Fatalf("CNAME over A records: %v", aerr)
	}
	raw, _ = json.Marshal(agent.DNSCNAMESetParams{DNSNameRef: agent.DNSNameRef{Zone: "corp.example.com", Name: "files"}, Target: "server1.corp.example.com.", TTL: 60, CreateOnly: true})
	if _, aerr := l.Host("server1").Execute(agent.DNSCNAMESet.Name, raw); aerr == nil || aerr.Code != agent.CodeRecordExists {
		t.Fatalf("create_only over another alias: %v", aerr)
	}
	// A DNS timeout fault makes resolution fail until cleared.
	if err := l.InjectFault(FaultRequest{Target: "dns", Kind: "timeout", Count: 1}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Resolve(AliasName); err == nil {
		t.Fatal("a dropped request resolved")
	}
	if _, _, err := l.Resolve(AliasName); err != nil {
		t.Fatalf("count 1 should drop one request only: %v", err)
	}
	// Deleting the alias violates the alias invariant.
	l.Zone().DeleteRRset(AliasName, 5, "test")
	if v := l.Invariants(); len(v) != 1 || v[0].Invariant != "dns.alias" {
		t.Fatalf("invariants after deleting the alias: %+v", v)
	}
	// The ready file tells clients where DNS is and with which key.
	path := filepath.Join(t.TempDir(), "lab.json")
	if err := l.WriteReadyFile(path); err != nil {
		t.Fatal(err)
	}
	var rf ReadyFile
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &rf); err != nil || rf.DNS.Server != l.DNSAddr() || rf.DNS.Zone != "corp.example.com." ||
		rf.DNS.TSIG.Algorithm != "hmac-sha256" || rf.DNS.TSIG.Secret == "" || len(rf.DNS.WindowsServers) != 2 {
		t.Fatalf("ready file dns: %+v %v", rf.DNS, err)
	}
}
