package conformance

import (
	"context"
	"slices"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// The names the DNS cases create in the scratch zone (removed at the start
// and at the end).
var dnsNames = []string{DNSPrefix + "alias", DNSPrefix + "doomed"}

func (r *Run) dnsRef(name string) agent.DNSNameRef {
	return agent.DNSNameRef{Zone: r.DNSZone, Name: name}
}

// dnsTarget is an FQDN in the scratch zone; a CNAME need not resolve.
func (r *Run) dnsTarget(host string) string { return host + "." + r.DNSZone }

var dnsCases = []Case{
	{Op: agent.DNSCNAMESet.Name, Needs: NeedsDNS, Name: "adds an alias, then replaces its target in one step", Run: func(ctx context.Context, r *Run) error {
		ref := r.dnsRef(dnsNames[0])
		for i, target := range []string{r.dnsTarget("winfs-conformance-a"), r.dnsTarget("winfs-conformance-b")} {
			res, err := r.C.DNSCNAMESet(ctx, agent.DNSCNAMESetParams{DNSNameRef: ref, Target: target, TTL: 300})
			if err != nil {
				return step("dns.cname.set", err)
			}
			if res.Replaced != (i == 1) {
				return failf("set #%d: replaced %t", i+1, res.Replaced)
			}
			got, err := r.C.DNSCNAMEGet(ctx, ref)
			if err != nil {
				return step("dns.cname.get", err)
			}
			if !got.Exists || !windows.SameDNSName(got.Target, target) || got.TTL != 300 || got.OtherTypes == nil || len(got.OtherTypes) != 0 {
				return failf("dns.cname.get after set #%d: %+v", i+1, got)
			}
		}
		return nil
	}},
	{Op: agent.DNSCNAMESet.Name, Needs: NeedsDNS, Name: "create_only with another target is record_exists", Run: func(ctx context.Context, r *Run) error {
		ref := r.dnsRef(dnsNames[0])
		if _, err := r.C.DNSCNAMESet(ctx, agent.DNSCNAMESetParams{DNSNameRef: ref, Target: r.dnsTarget("winfs-conformance-a"), TTL: 300}); err != nil {
			return step("dns.cname.set", err)
		}
		_, err := r.C.DNSCNAMESet(ctx, agent.DNSCNAMESetParams{DNSNameRef: ref, Target: r.dnsTarget("winfs-conformance-c"), TTL: 300, CreateOnly: true})
		return wantCode(err, agent.CodeRecordExists)
	}},
	{Op: agent.DNSCNAMESet.Name, Needs: NeedsDNS, Name: "the zone apex (SOA, NS) is dns_conflict", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.DNSCNAMESet(ctx, agent.DNSCNAMESetParams{DNSNameRef: r.dnsRef("@"), Target: r.dnsTarget("winfs-conformance-a"), TTL: 300})
		return wantCode(err, agent.CodeDNSConflict)
	}},
	{Op: agent.DNSCNAMESet.Name, Needs: NeedsDNS, Name: "a TTL out of range or a malformed name is invalid_params", Run: func(ctx context.Context, r *Run) error {
		for _, p := range []agent.DNSCNAMESetParams{
			{DNSNameRef: r.dnsRef(dnsNames[0]), Target: r.dnsTarget("x"), TTL: -1},
			{DNSNameRef: r.dnsRef(dnsNames[0]), Target: r.dnsTarget("x"), TTL: agent.MaxDNSTTL + 1},
			{DNSNameRef: r.dnsRef("bad name"), Target: r.dnsTarget("x"), TTL: 300},
			{DNSNameRef: r.dnsRef(dnsNames[0]), Target: "bad target$", TTL: 300},
		} {
			if _, err := r.C.DNSCNAMESet(ctx, p); wantCode(err, agent.CodeInvalidParams) != nil {
				return failf("%+v: %v", p, wantCode(err, agent.CodeInvalidParams))
			}
		}
		return nil
	}},
	{Op: agent.DNSCNAMEGet.Name, Needs: NeedsDNS, Name: "a missing name has no alias; the apex lists NS", Run: func(ctx context.Context, r *Run) error {
		got, err := r.C.DNSCNAMEGet(ctx, r.dnsRef(DNSPrefix+"missing"))
		if err != nil || got.Exists || got.OtherTypes == nil || len(got.OtherTypes) != 0 {
			return failf("missing name: %+v, %v", got, err)
		}
		got, err = r.C.DNSCNAMEGet(ctx, r.dnsRef("@"))
		if err != nil || got.Exists || !slices.Contains(got.OtherTypes, "NS") || !slices.IsSorted(got.OtherTypes) {
			return failf("apex: %+v, %v", got, err)
		}
		return nil
	}},
	{Op: agent.DNSCNAMEGet.Name, Needs: NeedsDNS, Name: "a zone the server does not host is zone_not_found", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.DNSCNAMEGet(ctx, agent.DNSNameRef{Zone: "winfs-conformance-no-such-zone." + strings.TrimSuffix(r.DNSZone, "."), Name: "x"})
		return wantCode(err, agent.CodeZoneNotFound)
	}},
	{Op: agent.DNSCNAMEDelete.Name, Needs: NeedsDNS, Name: "deletes once, then reports nothing to delete", Run: func(ctx context.Context, r *Run) error {
		ref := r.dnsRef(dnsNames[1])
		if _, err := r.C.DNSCNAMESet(ctx, agent.DNSCNAMESetParams{DNSNameRef: ref, Target: r.dnsTarget("winfs-conformance-a"), TTL: 60}); err != nil {
			return step("dns.cname.set", err)
		}
		return twice("dns.cname.delete", "existed", func() (bool, error) {
			res, err := r.C.DNSCNAMEDelete(ctx, ref)
			return res.Existed, err
		})
	}},
	{Op: agent.DNSCNAMEDelete.Name, Needs: NeedsDNS, Name: "a malformed zone is invalid_params", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.DNSCNAMEDelete(ctx, agent.DNSNameRef{Zone: r.DNSZone + "..", Name: dnsNames[1]})
		return wantCode(err, agent.CodeInvalidParams)
	}},
}
