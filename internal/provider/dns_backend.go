package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/dnsupdate"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// cnameBackend is what winfs_dns_cname needs from a DNS server; the two
// backends differ only in how they reach it. Names are canonical FQDNs.
type cnameBackend interface {
	read(ctx context.Context, zone, owner string) (dnsupdate.Node, error)
	// create adds the alias; errNameInUse when the name holds anything.
	create(ctx context.Context, zone, owner, target string, ttl uint32) error
	// replace swaps target and TTL in one step; errNoCNAME when none is there.
	replace(ctx context.Context, zone, owner, target string, ttl uint32) error
	remove(ctx context.Context, zone, owner string) error
	findZone(ctx context.Context, fqdn string) (string, error)
	// list returns the owners of the zone's CNAMEs (for terraform query).
	list(ctx context.Context, zone string) ([]string, error)
	// wait returns once every server that answers for the zone gives target.
	wait(ctx context.Context, zone, owner, target string, ttl uint32) error
	describe() string
}

var (
	errNameInUse = dnsupdate.ErrNameInUse
	errNoCNAME   = dnsupdate.ErrNoCNAME
)

const propagationInterval = 250 * time.Millisecond

// rfc2136Backend talks to the zone's primary with dnsupdate.
type rfc2136Backend struct{ c *dnsupdate.Client }

func (b rfc2136Backend) describe() string { return "DNS server " + b.c.Server() }
func (b rfc2136Backend) read(ctx context.Context, zone, owner string) (dnsupdate.Node, error) {
	return b.c.ReadNode(ctx, zone, owner)
}
func (b rfc2136Backend) create(ctx context.Context, zone, owner, target string, ttl uint32) error {
	return b.c.CreateCNAME(ctx, zone, owner, target, ttl)
}
func (b rfc2136Backend) replace(ctx context.Context, zone, owner, target string, ttl uint32) error {
	return b.c.ReplaceCNAME(ctx, zone, owner, target, ttl)
}
func (b rfc2136Backend) remove(ctx context.Context, zone, owner string) error {
	return b.c.DeleteCNAME(ctx, zone, owner)
}
func (b rfc2136Backend) findZone(ctx context.Context, fqdn string) (string, error) {
	return b.c.FindZone(ctx, fqdn)
}
func (b rfc2136Backend) wait(ctx context.Context, zone, owner, target string, ttl uint32) error {
	return b.c.WaitCNAME(ctx, zone, owner, target, ttl, propagationInterval)
}

func (b rfc2136Backend) list(ctx context.Context, zone string) ([]string, error) {
	return b.c.CNAMEOwners(ctx, zone)
}

// windowsBackend drives the DNS Server role of one server through its agent.
type windowsBackend struct {
	server string
	c      *windows.Client
}

func (b windowsBackend) describe() string { return "Windows DNS on " + b.server }

// ref splits a canonical owner into the cmdlets' -ZoneName and -Name.
func (b windowsBackend) ref(zone, owner string) agent.DNSNameRef {
	z := strings.TrimSuffix(zone, ".")
	name := strings.TrimSuffix(strings.TrimSuffix(owner, zone), ".")
	if name == "" {
		name = "@"
	}
	return agent.DNSNameRef{Zone: z, Name: name}
}

func (b windowsBackend) read(ctx context.Context, zone, owner string) (dnsupdate.Node, error) {
	res, err := b.c.DNSCNAMEGet(ctx, b.ref(zone, owner))
	if err != nil {
		return dnsupdate.Node{}, err
	}
	n := dnsupdate.Node{OtherTypes: res.OtherTypes, Exists: res.Exists || len(res.OtherTypes) > 0}
	if res.Exists {
		n.CNAME = &dnsupdate.CNAME{Target: dnsupdate.Canonical(res.Target), TTL: uint32(res.TTL)}
	}
	return n, nil
}

func (b windowsBackend) set(ctx context.Context, zone, owner, target string, ttl uint32, createOnly bool) error {
	_, err := b.c.DNSCNAMESet(ctx, agent.DNSCNAMESetParams{DNSNameRef: b.ref(zone, owner), Target: target, TTL: int64(ttl), CreateOnly: createOnly})
	var ae *agent.Error
	if errors.As(err, &ae) && (ae.Code == agent.CodeRecordExists || ae.Code == agent.CodeDNSConflict) {
		return fmt.Errorf("%w: %s", errNameInUse, ae.Message)
	}
	return err
}

func (b windowsBackend) create(ctx context.Context, zone, owner, target string, ttl uint32) error {
	return b.set(ctx, zone, owner, target, ttl, true)
}

// replace is Set-DnsServerResourceRecord with a cloned record: one
// in-place change of target and TTL.
func (b windowsBackend) replace(ctx context.Context, zone, owner, target string, ttl uint32) error {
	return b.set(ctx, zone, owner, target, ttl, false)
}

func (b windowsBackend) remove(ctx context.Context, zone, owner string) error {
	_, err := b.c.DNSCNAMEDelete(ctx, b.ref(zone, owner))
	return err
}

func (b windowsBackend) list(context.Context, string) ([]string, error) {
	return nil, fmt.Errorf("listing the aliases of a zone needs dns.backend = \"rfc2136\" (a zone transfer); %s cannot list them", b.describe())
}

// findZone tries each parent of fqdn until the server hosts it.
func (b windowsBackend) findZone(ctx context.Context, fqdn string) (string, error) {
	labels := strings.Split(strings.TrimSuffix(fqdn, "."), ".")
	for i := 1; i < len(labels); i++ {
		zone := strings.Join(labels[i:], ".") + "."
		_, err := b.c.DNSCNAMEGet(ctx, b.ref(zone, fqdn))
		var ae *agent.Error
		if errors.As(err, &ae) && ae.Code == agent.CodeZoneNotFound {
			continue
		}
		if err != nil {
			return "", err
		}
		return zone, nil
	}
	return "", fmt.Errorf("%s hosts no zone that contains %s", b.describe(), fqdn)
}

// wait: the write went to this server and is there once the agent
// answers. Replication to other DNS servers of an AD-integrated zone is AD's
// business and is not observed; the check confirms this server's answer.
func (b windowsBackend) wait(ctx context.Context, zone, owner, target string, ttl uint32) error {
	for {
		n, err := b.read(ctx, zone, owner)
		if err == nil && n.CNAME != nil && n.CNAME.Target == dnsupdate.Canonical(target) && n.CNAME.TTL == ttl {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s -> %s on %s: %w", owner, target, b.describe(), ctx.Err())
		case <-time.After(propagationInterval):
		}
	}
}

// dnsBackend returns the configured backend, creating it on first use.
func (d *providerData) dnsBackend(ctx context.Context) (cnameBackend, error) {
	s := d.settings.dns
	if s == nil {
		return nil, errors.New("the provider has no dns block: configure dns { backend = \"rfc2136\" ... } or dns { backend = \"windows\" ... } to manage DNS records")
	}
	if s.backend == dnsBackendWindows {
		c, err := d.host(ctx, s.windowsServer)
		if err != nil {
			return nil, err
		}
		return windowsBackend{server: s.windowsServer, c: c}, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dnsClient == nil {
		c, err := dnsupdate.New(dnsupdate.Config{Server: s.server, Key: s.key, Timeout: s.timeout, Retries: retriesOrNone(s.retries),
			Log: func(ctx context.Context, msg string, fields map[string]any) { tflog.Debug(ctx, msg, fields) }})
		if err != nil {
			return nil, err
		}
		d.dnsClient = c
	}
	return rfc2136Backend{c: d.dnsClient}, nil
}

// retriesOrNone maps the provider's 0 (no retries) to dnsupdate's -1.
func retriesOrNone(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
