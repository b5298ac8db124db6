package winhost

import (
	"errors"
	"strings"

	"github.com/miekg/dns"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dnszone"
)

// otherTypes is what agent.ps1 reports beside a CNAME: every other type,
// never null.
func otherTypes(z *dnszone.Zone, owner string) []string {
	out := []string{}
	for _, t := range z.Types(owner) {
		if t != "CNAME" {
			out = append(out, t)
		}
	}
	return out
}

func (h *Host) dnsCNAMEGet(p agent.DNSCNAMEGetParams) (agent.DNSCNAMEGetResult, *agent.Error) {
	z, owner, aerr := h.dnsNode(p.DNSNameRef)
	if aerr != nil {
		return agent.DNSCNAMEGetResult{}, aerr
	}
	res := agent.DNSCNAMEGetResult{OtherTypes: otherTypes(z, owner)}
	if target, ttl, ok := z.CNAME(owner); ok {
		res.Exists, res.Target, res.TTL = true, target, int64(ttl)
	}
	return res, nil
}

func (h *Host) dnsCNAMESet(p agent.DNSCNAMESetParams) (agent.DNSCNAMESetResult, *agent.Error) {
	z, owner, aerr := h.dnsNode(p.DNSNameRef)
	if aerr != nil {
		return agent.DNSCNAMESetResult{}, aerr
	}
	target := p.Target
	if !validLabels(strings.TrimSuffix(target, ".")) {
		return agent.DNSCNAMESetResult{}, agent.Errorf(agent.CodeInvalidParams, "invalid target %q: a fully qualified name, e.g. server1.corp.example.com.", p.Target)
	}
	if p.TTL < 0 || p.TTL > agent.MaxDNSTTL {
		return agent.DNSCNAMESetResult{}, agent.Errorf(agent.CodeInvalidParams, "invalid ttl %d: 0 to 2147483647 seconds", p.TTL)
	}
	target = dns.Fqdn(target)
	if others := otherTypes(z, owner); len(others) > 0 {
		return agent.DNSCNAMESetResult{}, agent.Errorf(agent.CodeDNSConflict, "%s holds %s records; a CNAME cannot coexist with other data", owner, strings.Join(others, ", "))
	}
	current, _, exists := z.CNAME(owner)
	if exists && p.CreateOnly && !strings.EqualFold(current, target) {
		return agent.DNSCNAMESetResult{}, agent.Errorf(agent.CodeRecordExists, "%s is already an alias of %s", owner, current)
	}
	cmdlet := "Add-DnsServerResourceRecordCName"
	if exists {
		cmdlet = "Set-DnsServerResourceRecord"
	}
	if err := z.SetCNAME(owner, target, uint32(p.TTL), h.dnsSource(cmdlet)); err != nil {
		var conflict *dnszone.ErrConflict
		if errors.As(err, &conflict) {
			return agent.DNSCNAMESetResult{}, agent.Errorf(agent.CodeDNSConflict, "%v", err)
		}
		return agent.DNSCNAMESetResult{}, agent.Errorf(agent.CodeInternal, "%v", err)
	}
	return agent.DNSCNAMESetResult{Replaced: exists}, nil
}

func (h *Host) dnsCNAMEDelete(p agent.DNSCNAMEDeleteParams) (agent.DNSCNAMEDeleteResult, *agent.Error) {
	z, owner, aerr := h.dnsNode(p.DNSNameRef)
	if aerr != nil {
		return agent.DNSCNAMEDeleteResult{}, aerr
	}
	existed := z.DeleteRRset(owner, dns.TypeCNAME, h.dnsSource("Remove-DnsServerResourceRecord"))
	return agent.DNSCNAMEDeleteResult{Existed: existed}, nil
}
