// Package dnsserver is the lab's authoritative DNS server: it answers
// non-recursive queries for its zones over UDP and TCP on one port, and
// accepts RFC 2136 updates signed with its TSIG key, refusing unsigned ones
// (REFUSED) and badly signed ones (NOTAUTH with BADKEY, BADSIG or BADTIME in
// the TSIG error field), as BIND 9 with `allow-update { key ...; }` does.
package dnsserver

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/winfs/terraform-provider-winfs/internal/lab/dnszone"
)

// Key is the TSIG key updates must be signed with.
type Key struct {
	Name      string // canonical FQDN, e.g. "winfs-update."
	Algorithm string // FQDN form, e.g. dns.HmacSHA256
	Secret    string // base64
}

// Server serves zones on 127.0.0.1.
type Server struct {
	key   Key
	zones []*dnszone.Zone
	udp   *dns.Server
	tcp   *dns.Server
	addr  string

	mu      sync.Mutex
	drop    int // requests still to ignore; -1: all until cleared
	seen    int // requests received (tests and stats)
	updates int // UPDATE requests received
	rtt     time.Duration
	upd     time.Duration // the zone's work on an UPDATE, after rtt
	// waited is told the modelled wait of every UPDATE (rtt and upd).
	waited func(time.Duration)
}

// OnUpdateWait registers f to be told the modelled wait of every UPDATE
// before it is spent (the lab puts it on its timeline).
func (s *Server) OnUpdateWait(f func(time.Duration)) {
	s.mu.Lock()
	s.waited = f
	s.mu.Unlock()
}

// SetLatency sets the latency model: rtt before every answer, update on
// top of it for every UPDATE.
func (s *Server) SetLatency(rtt, update time.Duration) {
	s.mu.Lock()
	s.rtt, s.upd = rtt, update
	s.mu.Unlock()
}

// Stats counts the messages the server received.
type Stats struct {
	Requests int `json:"requests"`
	Updates  int `json:"updates"`
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Requests: s.seen, Updates: s.updates}
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	s.seen, s.updates = 0, 0
	s.mu.Unlock()
}

// pause sleeps for the latency model before an answer.
func (s *Server) pause(update bool) {
	s.mu.Lock()
	d := s.rtt
	var waited func(time.Duration)
	if update {
		s.updates++
		d += s.upd
		waited = s.waited
	}
	s.mu.Unlock()
	if waited != nil && d > 0 {
		waited(d)
	}
	if d > 0 {
		time.Sleep(d)
	}
}

// Start listens on a free port of 127.0.0.1 (UDP and TCP) and serves zones.
func Start(key Key, zones ...*dnszone.Zone) (*Server, error) {
	s := &Server{key: key, zones: zones}
	secrets := map[string]string{dns.CanonicalName(key.Name): key.Secret}
	for try := 0; ; try++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			if try < 10 {
				continue // the TCP side of that port is taken; pick another
			}
			return nil, err
		}
		s.addr = pc.LocalAddr().String()
		s.udp = &dns.Server{PacketConn: pc, Handler: s, TsigSecret: secrets, MsgAcceptFunc: AcceptQueriesAndUpdates}
		s.tcp = &dns.Server{Listener: ln, Handler: s, TsigSecret: secrets, MsgAcceptFunc: AcceptQueriesAndUpdates}
		break
	}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			s.Close()
			return nil, errors.New("lab DNS server did not start")
		}
	}
	return s, nil
}

// AcceptQueriesAndUpdates lets QUERY and UPDATE requests through to the
// handler (miekg's default accepts queries and NOTIFY only).
func AcceptQueriesAndUpdates(dh dns.Header) dns.MsgAcceptAction {
	if dh.Bits&(1<<15) != 0 {
		return dns.MsgIgnore // a response
	}
	switch int(dh.Bits>>11) & 0xF {
	case dns.OpcodeQuery, dns.OpcodeUpdate:
	default:
		return dns.MsgRejectNotImplemented
	}
	if dh.Qdcount != 1 {
		return dns.MsgReject
	}
	return dns.MsgAccept
}

// Addr is host:port, the same for UDP and TCP.
func (s *Server) Addr() string { return s.addr }

// Close stops both listeners.
func (s *Server) Close() {
	_ = s.udp.Shutdown()
	_ = s.tcp.Shutdown()
}

// SetDrop makes the server ignore the next n requests (n < 0: every
// request until SetDrop(0)), so clients time out as with a dead server.
func (s *Server) SetDrop(n int) {
	s.mu.Lock()
	s.drop = n
	s.mu.Unlock()
}

// Drop reports the current drop setting.
func (s *Server) Drop() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drop
}

// Requests is how many requests arrived, dropped ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen
}

func (s *Server) dropThis() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen++
	switch {
	case s.drop < 0:
		return true
	case s.drop > 0:
		s.drop--
		return true
	}
	return false
}

func (s *Server) zoneFor(name string) *dnszone.Zone {
	var best *dnszone.Zone
	for _, z := range s.zones {
		if z.InZone(name) && (best == nil || len(z.Origin()) > len(best.Origin())) {
			best = z
		}
	}
	return best
}

// ServeDNS answers one request.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if s.dropThis() {
		return
	}
	s.pause(req.Opcode == dns.OpcodeUpdate)
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.RecursionAvailable = false
	signed := req.IsTsig() != nil
	if signed {
		if err := w.TsigStatus(); err != nil {
			s.writeTsigError(w, req, err)
			return
		}
	}
	switch {
	case req.Opcode == dns.OpcodeQuery && len(req.Question) == 1 && req.Question[0].Qtype == dns.TypeAXFR:
		s.transfer(req, resp, signed, w.RemoteAddr())
	case req.Opcode == dns.OpcodeQuery:
		s.answer(req, resp)
	case req.Opcode == dns.OpcodeUpdate:
		s.update(req, resp, signed, w.RemoteAddr())
	default:
		resp.Rcode = dns.RcodeNotImplemented
	}
	if signed {
		t := req.IsTsig()
		resp.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if o := req.IsEdns0(); o != nil {
			size = int(o.UDPSize())
		}
		resp.Truncate(size)
	}
	_ = w.WriteMsg(resp)
}

// writeTsigError answers a request whose signature failed, as RFC 8945 and
// BIND do: NOTAUTH, the TSIG error in the TSIG RR, unsigned.
func (s *Server) writeTsigError(w dns.ResponseWriter, req *dns.Msg, err error) {
	resp := new(dns.Msg)
	resp.SetRcode(req, dns.RcodeNotAuth)
	t := req.IsTsig()
	code := uint16(dns.RcodeBadSig)
	switch {
	case errors.Is(err, dns.ErrSecret) || errors.Is(err, dns.ErrKeyAlg) || !strings.EqualFold(t.Algorithm, s.key.Algorithm):
		code = dns.RcodeBadKey
	case errors.Is(err, dns.ErrTime):
		code = dns.RcodeBadTime
	}
	resp.Extra = append(resp.Extra, &dns.TSIG{
		Hdr:       dns.RR_Header{Name: t.Hdr.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: t.Algorithm, Fudge: 300, OrigId: req.Id, Error: code, TimeSigned: uint64(time.Now().Unix()),
	})
	if code == dns.RcodeBadTime {
		resp.Extra = nil // BADTIME replies are signed in RFC 8945; keep it simple: unsigned NOTAUTH
	}
	_ = w.WriteMsg(resp)
}

func (s *Server) update(req, resp *dns.Msg, signed bool, from net.Addr) {
	if len(req.Question) != 1 {
		resp.Rcode = dns.RcodeFormatError
		return
	}
	z := s.zoneFor(req.Question[0].Name)
	if z == nil {
		resp.Rcode = dns.RcodeNotAuth
		return
	}
	// Only the lab key may update: BIND's allow-update { key ...; }.
	if !signed || dns.CanonicalName(req.IsTsig().Hdr.Name) != dns.CanonicalName(s.key.Name) {
		resp.Rcode = dns.RcodeRefused
		return
	}
	resp.Rcode = z.Update(req, fmt.Sprintf("RFC 2136 update signed with key %s", strings.TrimSuffix(s.key.Name, ".")))
}

// transfer answers a full zone transfer (RFC 5936): the SOA, every other
// record, the SOA again, here in one message (section 2.2 allows any split).
// As BIND with `allow-transfer { key ...; }`: only over TCP (section 4.2:
// AXFR over UDP is not defined), only signed with the lab key, else REFUSED.
func (s *Server) transfer(req, resp *dns.Msg, signed bool, from net.Addr) {
	z := s.zoneFor(req.Question[0].Name)
	switch {
	case z == nil || z.Origin() != dns.CanonicalName(req.Question[0].Name):
		resp.Rcode = dns.RcodeNotAuth
		return
	case !isTCP(from):
		resp.Rcode = dns.RcodeFormatError
		return
	case !signed || dns.CanonicalName(req.IsTsig().Hdr.Name) != dns.CanonicalName(s.key.Name):
		resp.Rcode = dns.RcodeRefused
		return
	}
	resp.Authoritative = true
	soa := z.SOA()
	resp.Answer = append(append([]dns.RR{soa}, z.Records()...), dns.Copy(soa))
}

func isTCP(a net.Addr) bool {
	_, ok := a.(*net.TCPAddr)
	return ok
}

// answer fills an authoritative reply to a query.
func (s *Server) answer(req, resp *dns.Msg) {
	if len(req.Question) != 1 {
		resp.Rcode = dns.RcodeFormatError
		return
	}
	q := req.Question[0]
	z := s.zoneFor(q.Name)
	if z == nil {
		resp.Rcode = dns.RcodeRefused // not ours, and no recursion
		return
	}
	resp.Authoritative = true
	name := q.Name
	for hops := 0; hops < 8; hops++ {
		rrs, exists := z.Lookup(name, q.Qtype)
		if len(rrs) == 0 && q.Qtype != dns.TypeCNAME && q.Qtype != dns.TypeANY {
			// A CNAME answers every type; follow it inside the zone.
			if cn, _ := z.Lookup(name, dns.TypeCNAME); len(cn) > 0 {
				resp.Answer = append(resp.Answer, cn...)
				name = cn[0].(*dns.CNAME).Target
				if !z.InZone(name) {
					return
				}
				continue
			}
		}
		resp.Answer = append(resp.Answer, rrs...)
		if len(rrs) == 0 {
			if !exists && hops == 0 {
				resp.Rcode = dns.RcodeNameError
			} else if !exists {
				resp.Rcode = dns.RcodeNameError // a dangling in-zone alias
			}
			resp.Ns = append(resp.Ns, z.SOA())
		}
		break
	}
	// Glue for NS answers, as BIND adds it.
	for _, rr := range resp.Answer {
		if ns, ok := rr.(*dns.NS); ok && z.InZone(ns.Ns) {
			a, _ := z.Lookup(ns.Ns, dns.TypeA)
			resp.Extra = append(resp.Extra, a...)
		}
	}
}
