package winhost

import (
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dnszone"
)

// The DNS role is its service: stopped, the DNS operations report
// dns_unavailable (not zone_not_found, which an RPC error would look like).
func TestDNSServiceStoppedIsUnavailable(t *testing.T) {
	h := New("server1", nil)
	ref := agent.DNSNameRef{Zone: "corp.example.com", Name: "files"}
	if _, err := h.dnsCNAMEGet(agent.DNSCNAMEGetParams{DNSNameRef: ref}); err == nil || err.Code != agent.CodeDNSUnavailable {
		t.Fatalf("without the role: %v", err)
	}
	h.AddDNSZone(dnszone.New("corp.example.com.", nil))
	if _, err := h.dnsCNAMEGet(agent.DNSCNAMEGetParams{DNSNameRef: ref}); err != nil {
		t.Fatalf("with the role: %v", err)
	}
	if !h.ServiceRunning("DNS") {
		t.Fatal("the role's service DNS is not running")
	}
	if err := h.StopService("DNS"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.dnsCNAMEGet(agent.DNSCNAMEGetParams{DNSNameRef: ref}); err == nil || err.Code != agent.CodeDNSUnavailable {
		t.Fatalf("with the service stopped: %v", err)
	}
}
