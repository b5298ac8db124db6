package dnsupdate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ErrNameInUse: a create found the name already holding records (its
// prerequisite "name not in use" failed with YXDOMAIN).
var ErrNameInUse = errors.New("the name already holds records")

// ErrNoCNAME: a replace found no CNAME to replace (NXRRSET).
var ErrNoCNAME = errors.New("the name holds no CNAME")

// Canonical is the normal form of a domain name: lower case, trailing dot.
func Canonical(name string) string {
	if name == "" {
		return "."
	}
	return dns.CanonicalName(dns.Fqdn(name))
}

// Absolute joins a name relative to zone ("files") with the zone; a name
// that already ends with the zone is taken as it is. The result is canonical.
func Absolute(name, zone string) string {
	zone = Canonical(zone)
	n := Canonical(name)
	if n == zone || strings.HasSuffix(n, "."+zone) {
		return n
	}
	return Canonical(strings.TrimSuffix(name, ".") + "." + zone)
}

// CNAME is an alias record as the server holds it.
type CNAME struct {
	Target string // canonical
	TTL    uint32
}

// Node is what the primary holds at one owner name.
type Node struct {
	Exists     bool     // the name has records of some type
	CNAME      *CNAME   // the alias, if any
	OtherTypes []string // record types other than CNAME (sorted), e.g. ["A", "TXT"]
}

// query asks the primary (or server) one non-recursive question.
func (c *Client) query(ctx context.Context, server, name string, qtype uint16, sign bool) (*dns.Msg, error) {
	r, err := c.exchange(ctx, server, sign, func() *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		m.RecursionDesired = false
		m.SetEdns0(1232, false)
		return m
	})
	if err != nil {
		var re *RcodeError
		if errors.As(err, &re) && re.Op == "" {
			re.Op = fmt.Sprintf("query %s %s at %s", name, dns.TypeToString[qtype], server)
		}
		return nil, err
	}
	return r, nil
}

// ReadNode reads what the zone's primary holds at owner (a canonical FQDN).
func (c *Client) ReadNode(ctx context.Context, zone, owner string) (Node, error) {
	owner, zone = Canonical(owner), Canonical(zone)
	r, err := c.query(ctx, c.server, owner, dns.TypeCNAME, true)
	if err != nil {
		return Node{}, err
	}
	if err := c.authoritative(r, zone, owner); err != nil {
		return Node{}, err
	}
	var node Node
	for _, rr := range r.Answer {
		if cn, ok := rr.(*dns.CNAME); ok && Canonical(cn.Hdr.Name) == owner {
			node.Exists = true
			node.CNAME = &CNAME{Target: Canonical(cn.Target), TTL: cn.Hdr.Ttl}
		}
	}
	if node.CNAME != nil || r.Rcode == dns.RcodeNameError {
		return node, nil
	}
	// NODATA: the name exists (or is an empty non-terminal). Ask ANY, over
	// TCP if need be, to say what is there.
	r, err = c.query(ctx, c.server, owner, dns.TypeANY, true)
	if err != nil {
		return Node{}, err
	}
	seen := map[string]bool{}
	for _, rr := range r.Answer {
		t := rr.Header().Rrtype
		if Canonical(rr.Header().Name) != owner || t == dns.TypeRRSIG || t == dns.TypeNSEC || t == dns.TypeNSEC3 || t == dns.TypeHINFO && len(r.Answer) == 1 {
			continue
		}
		seen[dns.TypeToString[t]] = true
	}
	for t := range seen {
		node.OtherTypes = append(node.OtherTypes, t)
	}
	sort.Strings(node.OtherTypes)
	node.Exists = len(node.OtherTypes) > 0
	return node, nil
}

// authoritative checks that a reply comes from an authority for zone.
func (c *Client) authoritative(r *dns.Msg, zone, owner string) error {
	switch r.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return &RcodeError{Op: fmt.Sprintf("query %s at %s", owner, c.server), Rcode: r.Rcode, TSIGError: tsigErrorOf(r), KeyName: c.keyName}
	}
	if !r.Authoritative {
		return fmt.Errorf("%s is not authoritative for %s (no AA flag): configure the zone's primary server", c.server, zone)
	}
	for _, rr := range r.Ns {
		if soa, ok := rr.(*dns.SOA); ok && Canonical(soa.Hdr.Name) != zone {
			return fmt.Errorf("%s is in zone %s at %s, not in %s", owner, Canonical(soa.Hdr.Name), c.server, zone)
		}
	}
	return nil
}

// FindZone returns the zone that holds name, from the SOA the primary
// answers with.
func (c *Client) FindZone(ctx context.Context, name string) (string, error) {
	name = Canonical(name)
	r, err := c.query(ctx, c.server, name, dns.TypeSOA, true)
	if err != nil {
		return "", err
	}
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		return "", &RcodeError{Op: "query " + name + " SOA at " + c.server, Rcode: r.Rcode}
	}
	for _, rr := range append(append([]dns.RR{}, r.Answer...), r.Ns...) {
		if soa, ok := rr.(*dns.SOA); ok {
			return Canonical(soa.Hdr.Name), nil
		}
	}
	return "", fmt.Errorf("%s did not name the zone of %s (no SOA in its reply)", c.server, name)
}

// update sends one UPDATE for zone and maps the reply code to an error.
func (c *Client) update(ctx context.Context, zone, what string, fill func(m *dns.Msg)) error {
	r, err := c.exchange(ctx, c.server, true, func() *dns.Msg {
		m := new(dns.Msg)
		m.SetUpdate(zone)
		fill(m)
		return m
	})
	if err != nil {
		var re *RcodeError
		if errors.As(err, &re) && re.Op == "" {
			re.Op = what
		}
		return err
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
		return nil
	case dns.RcodeYXDomain:
		return fmt.Errorf("%s: %w", what, ErrNameInUse)
	case dns.RcodeNXRrset:
		return fmt.Errorf("%s: %w", what, ErrNoCNAME)
	}
	return &RcodeError{Op: what, Rcode: r.Rcode, TSIGError: tsigErrorOf(r), KeyName: c.keyName}
}

func cnameRR(owner, target string, ttl uint32) *dns.CNAME {
	return &dns.CNAME{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: ttl}, Target: Canonical(target)}
}

// CreateCNAME adds owner -> target in one UPDATE whose prerequisite is
// "name not in use": it never adds a CNAME beside other data, nor a
// second alias. A create whose reply was lost and that finds, on retry,
// exactly its own record counts as done.
func (c *Client) CreateCNAME(ctx context.Context, zone, owner, target string, ttl uint32) error {
	zone, owner = Canonical(zone), Canonical(owner)
	rr := cnameRR(owner, target, ttl)
	what := fmt.Sprintf("create %s CNAME %s", owner, rr.Target)
	err := c.update(ctx, zone, what, func(m *dns.Msg) {
		m.NameNotUsed([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: owner}}})
		m.Insert([]dns.RR{rr})
	})
	if errors.Is(err, ErrNameInUse) {
		if node, rerr := c.ReadNode(ctx, zone, owner); rerr == nil && node.CNAME != nil && *node.CNAME == (CNAME{Target: rr.Target, TTL: ttl}) && len(node.OtherTypes) == 0 {
			return nil
		}
	}
	return err
}

// ReplaceCNAME points owner at target with ttl in ONE update: delete the
// CNAME RRset and add the new record, with the prerequisite that a CNAME
// RRset exists. The server applies it atomically, so resolvers never see
// the name without its alias (unlike a remove and an add in two messages).
func (c *Client) ReplaceCNAME(ctx context.Context, zone, owner, target string, ttl uint32) error {
	zone, owner = Canonical(zone), Canonical(owner)
	rr := cnameRR(owner, target, ttl)
	return c.update(ctx, zone, fmt.Sprintf("replace %s CNAME with %s (TTL %d)", owner, rr.Target, ttl), func(m *dns.Msg) {
		m.RRsetUsed([]dns.RR{&dns.CNAME{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeCNAME}}})
		m.RemoveRRset([]dns.RR{&dns.CNAME{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeCNAME}}})
		m.Insert([]dns.RR{rr})
	})
}

// DeleteCNAME removes the CNAME RRset at owner; deleting a missing alias
// succeeds (RFC 2136 ignores deletes of absent data).
func (c *Client) DeleteCNAME(ctx context.Context, zone, owner string) error {
	zone, owner = Canonical(zone), Canonical(owner)
	return c.update(ctx, zone, "delete "+owner+" CNAME", func(m *dns.Msg) {
		m.RemoveRRset([]dns.RR{&dns.CNAME{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeCNAME}}})
	})
}

// NameServers returns the addresses (host:port) of the zone's authoritative
// servers, from its NS RRset at the primary. They are asked on the
// primary's port: 53 in production, the test server's port in a lab.
func (c *Client) NameServers(ctx context.Context, zone string) ([]string, error) {
	zone = Canonical(zone)
	_, port, _ := net.SplitHostPort(c.server)
	r, err := c.query(ctx, c.server, zone, dns.TypeNS, true)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rr := range r.Answer {
		ns, ok := rr.(*dns.NS)
		if !ok {
			continue
		}
		addrs, err := c.addresses(ctx, r, Canonical(ns.Ns))
		if err != nil {
			return nil, fmt.Errorf("name server %s of %s: %w", ns.Ns, zone, err)
		}
		for _, a := range addrs {
			if hp := net.JoinHostPort(a, port); !slices.Contains(out, hp) {
				out = append(out, hp)
			}
		}
	}
	if len(out) == 0 {
		return []string{c.server}, nil
	}
	sort.Strings(out)
	return out, nil
}

// addresses resolves a name server: glue in the reply, then the primary's
// own data, then the system resolver.
func (c *Client) addresses(ctx context.Context, r *dns.Msg, host string) ([]string, error) {
	var out []string
	collect := func(rrs []dns.RR) {
		for _, rr := range rrs {
			switch a := rr.(type) {
			case *dns.A:
				if Canonical(a.Hdr.Name) == host {
					out = append(out, a.A.String())
				}
			case *dns.AAAA:
				if Canonical(a.Hdr.Name) == host {
					out = append(out, a.AAAA.String())
				}
			}
		}
	}
	collect(r.Extra)
	if len(out) == 0 {
		if ar, err := c.query(ctx, c.server, host, dns.TypeA, true); err == nil {
			collect(ar.Answer)
		}
	}
	if len(out) == 0 {
		return net.DefaultResolver.LookupHost(ctx, strings.TrimSuffix(host, "."))
	}
	return out, nil
}

// AnswerCNAME asks one server (unsigned, non-recursive) for owner's CNAME.
// found is false on NXDOMAIN or NODATA.
func (c *Client) AnswerCNAME(ctx context.Context, server, owner string) (cn CNAME, found bool, err error) {
	owner = Canonical(owner)
	r, err := c.query(ctx, server, owner, dns.TypeCNAME, false)
	if err != nil {
		return CNAME{}, false, err
	}
	for _, rr := range r.Answer {
		if x, ok := rr.(*dns.CNAME); ok && Canonical(x.Hdr.Name) == owner {
			return CNAME{Target: Canonical(x.Target), TTL: x.Hdr.Ttl}, true, nil
		}
	}
	return CNAME{}, false, nil
}

// WaitCNAME polls every authoritative server of zone until all answer
// owner -> target with ttl, or ctx ends; the error then names the servers
// that lag and what they answer.
func (c *Client) WaitCNAME(ctx context.Context, zone, owner, target string, ttl uint32, interval time.Duration) error {
	servers, err := c.NameServers(ctx, zone)
	if err != nil {
		return err
	}
	want := CNAME{Target: Canonical(target), TTL: ttl}
	pending := servers
	for {
		var still []string
		var report []string
		for _, s := range pending {
			got, found, err := c.AnswerCNAME(ctx, s, owner)
			switch {
			case err != nil:
				report = append(report, fmt.Sprintf("%s: %v", s, err))
			case !found:
				report = append(report, s+": no CNAME")
			case got != want:
				report = append(report, fmt.Sprintf("%s: %s (TTL %d)", s, got.Target, got.TTL))
			default:
				continue
			}
			still = append(still, s)
		}
		if len(still) == 0 {
			c.log(ctx, "every authoritative server answers the new alias", map[string]any{"servers": servers, "owner": owner})
			return nil
		}
		pending = still
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s -> %s (TTL %d) on every authoritative server: %w; not yet: %s",
				owner, want.Target, ttl, ctx.Err(), strings.Join(report, "; "))
		case <-time.After(interval):
		}
	}
}
