// Package dnszone is the lab's authoritative zone data: one store that the
// lab's RFC 2136 server (internal/lab/dnsserver) and the Windows DNS role of
// the lab's hosts (internal/lab/winhost) both serve, as an AD-integrated zone
// is the same data on every domain controller. Every change is recorded on
// the timeline with host "dns".
package dnszone

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// TimelineHost is the host name DNS changes are recorded under.
const TimelineHost = "dns"

// Zone is one authoritative zone. Safe for concurrent use.
type Zone struct {
	origin string
	tl     *timeline.Timeline

	mu    sync.Mutex
	nodes map[string]map[uint16][]dns.RR // canonical owner -> type -> RRset
}

// New returns an empty zone for origin (any spelling) with a SOA and NS.
func New(origin string, tl *timeline.Timeline) *Zone {
	origin = canonical(origin)
	z := &Zone{origin: origin, tl: tl, nodes: map[string]map[uint16][]dns.RR{}}
	z.add(&dns.SOA{Hdr: hdr(origin, dns.TypeSOA, 3600), Ns: "ns1." + origin, Mbox: "hostmaster." + origin,
		Serial: 1, Refresh: 900, Retry: 600, Expire: 86400, Minttl: 60})
	return z
}

func canonical(name string) string { return dns.CanonicalName(dns.Fqdn(name)) }

func hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: canonical(name), Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

// Origin is the zone's canonical name, e.g. "corp.example.com.".
func (z *Zone) Origin() string { return z.origin }

// InZone says whether name is at or below the origin.
func (z *Zone) InZone(name string) bool {
	n := canonical(name)
	return n == z.origin || strings.HasSuffix(n, "."+z.origin)
}

// Seed adds records from zone-file text ("files 86400 IN CNAME server1"),
// relative to the origin, without recording them: the starting state.
func (z *Zone) Seed(lines ...string) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, l := range lines {
		rr, err := dns.NewRR("$ORIGIN " + z.origin + "\n" + l)
		if err != nil {
			return fmt.Errorf("seed record %q: %w", l, err)
		}
		rr.Header().Name = canonical(rr.Header().Name)
		z.add(rr)
	}
	return nil
}

// add inserts rr into its RRset (same type at the same owner), replacing
// a duplicate, and gives the whole RRset rr's TTL. Callers hold mu.
func (z *Zone) add(rr dns.RR) {
	h := rr.Header()
	owner := canonical(h.Name)
	node := z.nodes[owner]
	if node == nil {
		node = map[uint16][]dns.RR{}
		z.nodes[owner] = node
	}
	set := node[h.Rrtype]
	if h.Rrtype == dns.TypeCNAME || h.Rrtype == dns.TypeSOA {
		set = nil // singletons: a new one replaces the old
	}
	set = slices.DeleteFunc(set, func(o dns.RR) bool { return dns.IsDuplicate(o, rr) })
	for _, o := range set {
		o.Header().Ttl = h.Ttl
	}
	node[h.Rrtype] = append(set, dns.Copy(rr))
}

// Lookup returns the RRset of type t at name (copies), and whether the
// name exists: it has records, or names below it do (an empty non-terminal).
func (z *Zone) Lookup(name string, t uint16) (rrs []dns.RR, nameExists bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.lookupLocked(name, t)
}

func (z *Zone) lookupLocked(name string, t uint16) ([]dns.RR, bool) {
	owner := canonical(name)
	node := z.nodes[owner]
	var out []dns.RR
	for typ, set := range node {
		if t == dns.TypeANY || typ == t {
			for _, rr := range set {
				out = append(out, dns.Copy(rr))
			}
		}
	}
	sortRRs(out)
	if len(node) > 0 {
		return out, true
	}
	for o := range z.nodes {
		if strings.HasSuffix(o, "."+owner) {
			return out, true
		}
	}
	return out, false
}

// Records returns a copy of every record of the zone but the SOA, by owner
// and type: the body of a zone transfer.
func (z *Zone) Records() []dns.RR {
	z.mu.Lock()
	defer z.mu.Unlock()
	var out []dns.RR
	for _, node := range z.nodes {
		for typ, set := range node {
			if typ == dns.TypeSOA {
				continue
			}
			for _, rr := range set {
				out = append(out, dns.Copy(rr))
			}
		}
	}
	sortRRs(out)
	return out
}

// SOA returns a copy of the zone's SOA.
func (z *Zone) SOA() *dns.SOA {
	rrs, _ := z.Lookup(z.origin, dns.TypeSOA)
	return rrs[0].(*dns.SOA)
}

// Types lists the record types at name, sorted by their mnemonic.
func (z *Zone) Types(name string) []string {
	z.mu.Lock()
	defer z.mu.Unlock()
	var out []string
	for t, set := range z.nodes[canonical(name)] {
		if len(set) > 0 {
			out = append(out, dns.TypeToString[t])
		}
	}
	sort.Strings(out)
	return out
}

// CNAME returns the alias at name, if any.
func (z *Zone) CNAME(name string) (target string, ttl uint32, ok bool) {
	rrs, _ := z.Lookup(name, dns.TypeCNAME)
	if len(rrs) == 0 {
		return "", 0, false
	}
	cn := rrs[0].(*dns.CNAME)
	return canonical(cn.Target), cn.Hdr.Ttl, true
}

func sortRRs(rrs []dns.RR) {
	sort.SliceStable(rrs, func(i, j int) bool {
		if rrs[i].Header().Rrtype != rrs[j].Header().Rrtype {
			return rrs[i].Header().Rrtype < rrs[j].Header().Rrtype
		}
		return rrs[i].String() < rrs[j].String()
	})
}

// change is one transaction on the zone: it snapshots the RRsets it
// touches, and on commit bumps the serial once and records each RRset that
// changed as one timeline event. Callers hold mu.
type change struct {
	z      *Zone
	source string
	before map[[2]string]string // (owner, type) -> RRset text
}

func (z *Zone) begin(source string) *change {
	return &change{z: z, source: source, before: map[[2]string]string{}}
}

func (c *change) touch(owner string, t uint16) {
	key := [2]string{canonical(owner), dns.TypeToString[t]}
	if _, ok := c.before[key]; !ok {
		c.before[key] = rrsetText(c.z.nodes[key[0]][t])
	}
}

// touchNode snapshots every RRset at owner.
func (c *change) touchNode(owner string) {
	for t := range c.z.nodes[canonical(owner)] {
		c.touch(owner, t)
	}
}

func rrsetText(set []dns.RR) string {
	if len(set) == 0 {
		return ""
	}
	c := slices.Clone(set)
	sortRRs(c)
	parts := make([]string, len(c))
	for i, rr := range c {
		h := rr.Header()
		parts[i] = strings.TrimPrefix(rr.String(), h.String())
	}
	return fmt.Sprintf("%s (TTL %d)", strings.Join(parts, ", "), set[0].Header().Ttl)
}

// commit records what changed; it returns how many RRsets changed.
func (c *change) commit() int {
	keys := make([][2]string, 0, len(c.before))
	for k := range c.before {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	n := 0
	for _, k := range keys {
		owner := k[0]
		t := dns.StringToType[k[1]]
		node := c.z.nodes[owner]
		after := rrsetText(node[t])
		if len(node[t]) == 0 {
			delete(node, t)
		}
		if len(node) == 0 {
			delete(c.z.nodes, owner)
		}
		if after == c.before[k] {
			continue
		}
		n++
		var kind, detail string
		switch {
		case after == "":
			kind, detail = "dns.delete", fmt.Sprintf("%s %s (was %s)", owner, k[1], c.before[k])
		case c.before[k] == "":
			kind, detail = "dns.add", fmt.Sprintf("%s %s %s", owner, k[1], after)
		default:
			kind, detail = "dns.replace", fmt.Sprintf("%s %s %s (was %s)", owner, k[1], after, c.before[k])
		}
		if c.z.tl != nil {
			c.z.tl.Record(TimelineHost, kind, detail+" by "+c.source)
		}
	}
	if n > 0 {
		soa := c.z.nodes[c.z.origin][dns.TypeSOA][0].(*dns.SOA)
		soa.Serial++
	}
	return n
}

// ErrConflict is a CNAME that cannot coexist with what is at the name.
type ErrConflict struct {
	Owner string
	Types []string
}

func (e *ErrConflict) Error() string {
	return fmt.Sprintf("%s holds %s records; a CNAME cannot coexist with other data", e.Owner, strings.Join(e.Types, ", "))
}

// SetCNAME points name at target with ttl, replacing any alias there in one
// step, as Set-DnsServerResourceRecord does. source says who did it (for
// the timeline). It fails when the name holds other data.
func (z *Zone) SetCNAME(name, target string, ttl uint32, source string) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	owner := canonical(name)
	if others := z.otherTypesLocked(owner); len(others) > 0 {
		return &ErrConflict{Owner: owner, Types: others}
	}
	c := z.begin(source)
	c.touch(owner, dns.TypeCNAME)
	z.add(&dns.CNAME{Hdr: hdr(owner, dns.TypeCNAME, ttl), Target: canonical(target)})
	c.commit()
	return nil
}

// DeleteRRset removes the RRset of type t at name and says if there was one.
func (z *Zone) DeleteRRset(name string, t uint16, source string) bool {
	z.mu.Lock()
	defer z.mu.Unlock()
	c := z.begin(source)
	c.touch(name, t)
	if node := z.nodes[canonical(name)]; node != nil {
		delete(node, t)
	}
	return c.commit() > 0
}

// AddRecord adds one record from zone-file text relative to the origin
// (an administrator's change, recorded on the timeline).
func (z *Zone) AddRecord(text, source string) error {
	rr, err := dns.NewRR("$ORIGIN " + z.origin + "\n" + text)
	if err != nil {
		return err
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	c := z.begin(source)
	c.touch(rr.Header().Name, rr.Header().Rrtype)
	z.add(rr)
	c.commit()
	return nil
}

func (z *Zone) otherTypesLocked(owner string) []string {
	var out []string
	for t, set := range z.nodes[owner] {
		if t != dns.TypeCNAME && len(set) > 0 {
			out = append(out, dns.TypeToString[t])
		}
	}
	sort.Strings(out)
	return out
}
