package winhost

import (
	"regexp"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dnszone"
)

// The Windows DNS Server role: the zones this host serves. The zone data is
// shared with the lab's RFC 2136 server (see dnszone), as an AD-integrated
// zone is the same on every domain controller.

// AddDNSZone makes the host a DNS server for z (installs the role if this
// is its first zone).
func (h *Host) AddDNSZone(z *dnszone.Zone) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dnsZones == nil {
		h.dnsZones = map[string]*dnszone.Zone{}
	}
	h.dnsZones[z.Origin()] = z
	// The role runs as the service DNS ("DNS Server").
	if h.services[fold(dnsServiceName)] == nil {
		h.services[fold(dnsServiceName)] = &service{name: dnsServiceName, display: "DNS Server", running: true}
	}
}

// dnsServiceName is the DNS Server role's service.
const dnsServiceName = "DNS"

// HasDNSRole says whether the host runs the DNS Server role.
func (h *Host) HasDNSRole() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.dnsZones) > 0
}

// dnsLabels is agent.ps1's Test-WinfsDnsLabels.
var dnsLabels = regexp.MustCompile(`\A[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\z`)

func validLabels(s string) bool { return len(s) <= 253 && dnsLabels.MatchString(s) }

// dnsNode resolves a contract name reference to its zone and owner FQDN,
// with the checks and errors of agent.ps1's Get-WinfsDnsRef.
func (h *Host) dnsNode(ref agent.DNSNameRef) (*dnszone.Zone, string, *agent.Error) {
	if !validLabels(ref.Zone) {
		return nil, "", agent.Errorf(agent.CodeInvalidParams, "invalid zone %q: dotted labels without a trailing dot, e.g. corp.example.com", ref.Zone)
	}
	if ref.Name != "@" && !validLabels(ref.Name) {
		return nil, "", agent.Errorf(agent.CodeInvalidParams, "invalid name %q: a name relative to the zone, e.g. files", ref.Name)
	}
	h.mu.Lock()
	zones := h.dnsZones
	z := zones[strings.ToLower(ref.Zone)+"."]
	running := h.serviceRunningLocked(dnsServiceName)
	h.mu.Unlock()
	if len(zones) == 0 {
		return nil, "", agent.Errorf(agent.CodeDNSUnavailable, "the DNS Server role (DnsServer module) is not installed on %s", h.ComputerName())
	}
	// With the DNS service stopped the DnsServer cmdlets fail (RPC server
	// unavailable); the agent checks the service first, as Get-WinfsDnsRef.
	if !running {
		return nil, "", agent.Errorf(agent.CodeDNSUnavailable, "the DNS Server service (DNS) is stopped on %s", h.ComputerName())
	}
	if z == nil {
		return nil, "", agent.Errorf(agent.CodeZoneNotFound, "this DNS server does not host zone %s", ref.Zone)
	}
	owner := z.Origin()
	if ref.Name != "@" {
		owner = strings.ToLower(ref.Name) + "." + owner
	}
	return z, owner, nil
}

// dnsSource names a change made through this host's DNS role on the timeline.
func (h *Host) dnsSource(cmdlet string) string {
	return "Windows DNS on " + h.name + " (" + cmdlet + ")"
}
