package dnszone

import (
	"slices"

	"github.com/miekg/dns"
)

// Update applies an RFC 2136 UPDATE message (already authenticated by the
// caller) and returns the reply code. Prerequisites are checked first
// (section 3.2); then every update is applied under one lock, so readers see
// the zone before or after the whole message, never in between (3.4).
func (z *Zone) Update(m *dns.Msg, source string) int {
	if len(m.Question) != 1 || m.Question[0].Qtype != dns.TypeSOA {
		return dns.RcodeFormatError
	}
	if canonical(m.Question[0].Name) != z.origin {
		return dns.RcodeNotAuth
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if rc := z.checkPrereqs(m.Answer); rc != dns.RcodeSuccess {
		return rc
	}
	if rc := z.prescan(m.Ns); rc != dns.RcodeSuccess {
		return rc
	}
	c := z.begin(source)
	for _, rr := range m.Ns {
		z.applyOne(c, rr)
	}
	c.commit()
	return dns.RcodeSuccess
}

func (z *Zone) checkPrereqs(prereqs []dns.RR) int {
	// Value-dependent prerequisites are compared as whole RRsets.
	wanted := map[[2]any][]dns.RR{}
	for _, rr := range prereqs {
		h := rr.Header()
		owner := canonical(h.Name)
		if !z.InZone(owner) {
			return dns.RcodeNotZone
		}
		if h.Ttl != 0 {
			return dns.RcodeFormatError
		}
		node := z.nodes[owner]
		switch h.Class {
		case dns.ClassANY:
			if h.Rdlength != 0 && !isHeaderOnly(rr) {
				return dns.RcodeFormatError
			}
			if h.Rrtype == dns.TypeANY {
				if len(node) == 0 {
					return dns.RcodeNameError
				}
			} else if len(node[h.Rrtype]) == 0 {
				return dns.RcodeNXRrset
			}
		case dns.ClassNONE:
			if h.Rrtype == dns.TypeANY {
				if len(node) > 0 {
					return dns.RcodeYXDomain
				}
			} else if len(node[h.Rrtype]) > 0 {
				return dns.RcodeYXRrset
			}
		case dns.ClassINET:
			key := [2]any{owner, h.Rrtype}
			wanted[key] = append(wanted[key], rr)
		default:
			return dns.RcodeFormatError
		}
	}
	for key, want := range wanted {
		have := z.nodes[key[0].(string)][key[1].(uint16)]
		if len(have) != len(want) {
			return dns.RcodeNXRrset
		}
		for _, w := range want {
			if !slices.ContainsFunc(have, func(h dns.RR) bool { return dns.IsDuplicate(h, w) }) {
				return dns.RcodeNXRrset
			}
		}
	}
	return dns.RcodeSuccess
}

// isHeaderOnly: miekg decodes an RR without RDATA as its bare header.
func isHeaderOnly(rr dns.RR) bool {
	_, ok := rr.(*dns.RR_Header)
	return ok
}

// prescan rejects malformed updates before anything changes (3.4.1).
func (z *Zone) prescan(updates []dns.RR) int {
	for _, rr := range updates {
		h := rr.Header()
		if !z.InZone(h.Name) {
			return dns.RcodeNotZone
		}
		switch h.Class {
		case dns.ClassINET:
			if h.Rrtype == dns.TypeANY || h.Rrtype == dns.TypeAXFR || h.Rrtype == dns.TypeIXFR || isHeaderOnly(rr) {
				return dns.RcodeFormatError
			}
		case dns.ClassANY:
			if h.Ttl != 0 || !isHeaderOnly(rr) && h.Rdlength != 0 {
				return dns.RcodeFormatError
			}
		case dns.ClassNONE:
			if h.Ttl != 0 || h.Rrtype == dns.TypeANY {
				return dns.RcodeFormatError
			}
		default:
			return dns.RcodeFormatError
		}
	}
	return dns.RcodeSuccess
}

func (z *Zone) applyOne(c *change, rr dns.RR) {
	h := rr.Header()
	owner := canonical(h.Name)
	node := z.nodes[owner]
	apex := owner == z.origin
	switch h.Class {
	case dns.ClassINET:
		// CNAME and other data never share a name: the add is ignored,
		// as BIND does (RFC 2136 3.4.2.2).
		if h.Rrtype == dns.TypeCNAME && len(z.otherTypesLocked(owner)) > 0 {
			return
		}
		if h.Rrtype != dns.TypeCNAME && len(node[dns.TypeCNAME]) > 0 {
			return
		}
		if h.Rrtype == dns.TypeSOA {
			return // serials are the server's business here
		}
		cp := dns.Copy(rr)
		cp.Header().Name = owner
		c.touch(owner, h.Rrtype)
		z.add(cp)
	case dns.ClassANY:
		if h.Rrtype == dns.TypeANY {
			c.touchNode(owner)
			for t := range node {
				if !apex || (t != dns.TypeSOA && t != dns.TypeNS) {
					delete(node, t)
				}
			}
			return
		}
		if apex && (h.Rrtype == dns.TypeSOA || h.Rrtype == dns.TypeNS) {
			return
		}
		c.touch(owner, h.Rrtype)
		if node != nil {
			delete(node, h.Rrtype)
		}
	case dns.ClassNONE:
		if node == nil || h.Rrtype == dns.TypeSOA {
			return
		}
		c.touch(owner, h.Rrtype)
		want := dns.Copy(rr)
		want.Header().Class = dns.ClassINET
		set := slices.DeleteFunc(slices.Clone(node[h.Rrtype]), func(o dns.RR) bool { return dns.IsDuplicate(o, want) })
		if apex && h.Rrtype == dns.TypeNS && len(set) == 0 {
			return // the last NS of the zone stays
		}
		node[h.Rrtype] = set
	}
}
