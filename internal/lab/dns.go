package lab

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/miekg/dns"

	"github.com/winfs/terraform-provider-winfs/internal/lab/dnsserver"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dnszone"
)

// The scenario's DNS: one zone, served by the lab's RFC 2136 server and by
// the Windows DNS role of the hosts in Scenario.DNSServers (an AD-integrated
// zone: the same data on every DNS server, replicated at once).
const (
	DNSZone         = "corp.example.com."
	DNSKeyName      = "winfs-update."
	DNSKeyAlgorithm = "hmac-sha256"
	// AliasName is the alias clients use (\\files).
	AliasName = "files.corp.example.com."
)

// dnsRecords is the initial estate's zone: both servers, and the alias
// created by hand with a 24-hour TTL, too long for a failover.
var dnsRecords = []string{
	"@ 3600 IN NS ns1",
	"ns1 3600 IN A 127.0.0.1",
	"server1 3600 IN A 192.168.0.201",
	"server2 3600 IN A 192.168.0.200",
	"files 86400 IN CNAME server1",
}

type dnsService struct {
	zone   *dnszone.Zone
	server *dnsserver.Server
	secret string
}

// WaitDNSUpdate is the timeline kind of the modelled wait of an RFC 2136
// UPDATE on the lab's DNS server.
const WaitDNSUpdate = "wait.dns.update"

func (l *Lab) startDNS() error {
	z := dnszone.New(DNSZone, l.Timeline)
	if err := z.Seed(dnsRecords...); err != nil {
		return err
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	secret := base64.StdEncoding.EncodeToString(raw)
	srv, err := dnsserver.Start(dnsserver.Key{Name: DNSKeyName, Algorithm: dns.HmacSHA256, Secret: secret}, z)
	if err != nil {
		return fmt.Errorf("lab DNS server: %w", err)
	}
	srv.OnUpdateWait(func(d time.Duration) {
		l.Timeline.RecordCost(dnszone.TimelineHost, WaitDNSUpdate, "RFC 2136 UPDATE", d)
	})
	l.dns = &dnsService{zone: z, server: srv, secret: secret}
	l.closeFns = append(l.closeFns, srv.Close)
	roles := l.opts.Scenario.DNSServers
	if roles == nil {
		roles = l.opts.Scenario.Servers
	}
	for _, name := range roles {
		h := l.Host(name)
		if h == nil {
			return fmt.Errorf("scenario %s: DNS role on unknown server %q", l.opts.Scenario.Name, name)
		}
		h.AddDNSZone(z)
	}
	return nil
}

// DNSAddr is the lab DNS server's 127.0.0.1:port (UDP and TCP).
func (l *Lab) DNSAddr() string { return l.dns.server.Addr() }

// Zone is the scenario's zone data, for checks and changes behind
// Terraform's back.
func (l *Lab) Zone() *dnszone.Zone { return l.dns.zone }

// DNSKey is the TSIG key the lab DNS server accepts updates with.
func (l *Lab) DNSKey() ReadyTSIG {
	return ReadyTSIG{Name: DNSKeyName, Algorithm: DNSKeyAlgorithm, Secret: l.dns.secret}
}

// Resolve asks the lab DNS server, over the wire as a client would, for
// name's address: target is the end of its CNAME chain (name itself when it
// is no alias) and addrs its A records. Faults on the DNS server apply.
func (l *Lab) Resolve(name string) (target string, addrs []string, err error) {
	r, err := l.queryA(name)
	if err != nil {
		return "", nil, err
	}
	return answerAddrs(name, r)
}

// queryA sends one A query for name to the lab DNS server, over the wire.
// An answer other than NOERROR is returned with an error naming its code.
func (l *Lab) queryA(name string) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	m := new(dns.Msg)
	m.SetQuestion(dns.CanonicalName(dns.Fqdn(name)), dns.TypeA)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).ExchangeContext(ctx, m, l.DNSAddr())
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", name, err)
	}
	if r.Rcode != dns.RcodeSuccess {
		return r, fmt.Errorf("resolving %s: %s", name, dns.RcodeToString[r.Rcode])
	}
	return r, nil
}

// answerAddrs reads an answer to an A query: the end of the CNAME chain and
// the addresses (an error for an answer without any: NODATA).
func answerAddrs(name string, r *dns.Msg) (target string, addrs []string, err error) {
	target = dns.CanonicalName(dns.Fqdn(name))
	for _, rr := range r.Answer {
		switch x := rr.(type) {
		case *dns.CNAME:
			target = dns.CanonicalName(x.Target)
		case *dns.A:
			addrs = append(addrs, x.A.String())
		}
	}
	if len(addrs) == 0 {
		return target, nil, fmt.Errorf("resolving %s: no address (NODATA)", name)
	}
	return target, addrs, nil
}

// aliasCheck: the alias must exist and lead to an address in the zone;
// otherwise clients of \\files fail.
func aliasCheck(l *Lab) []Violation {
	if l.dns == nil {
		return nil
	}
	target, _, ok := l.dns.zone.CNAME(AliasName)
	if !ok {
		return []Violation{{Invariant: AliasResolves, Detail: AliasName + " has no CNAME: clients cannot reach \\\\files"}}
	}
	if a, _ := l.dns.zone.Lookup(target, dns.TypeA); len(a) == 0 && l.dns.zone.InZone(target) {
		return []Violation{{Invariant: AliasResolves, Detail: fmt.Sprintf("%s points at %s, which has no address", AliasName, target)}}
	}
	return nil
}
