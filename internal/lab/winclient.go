package lab

import (
	"errors"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// WinClient is one Windows client working on \\files\<share>, with the
// caches and the SMB connection a real client keeps between requests:
//
//   - DNS Client service cache. An answer is kept for the smallest TTL of
//     its records, at most MaxCacheTtl (Dnscache\Parameters, default
//     86400 s); a negative answer (name error, or no address) for the
//     SOA's negative TTL (RFC 2308 section 5: the smaller of the SOA's TTL
//     and its MINIMUM), at most MaxNegativeCacheTtl (default 900 s since
//     Windows XP; Microsoft KB 318803 "How to disable client-side DNS
//     caching"). No answer at all (a timeout) is not cached.
//   - Name resolution order for \\files: the name is qualified with the DNS
//     suffix and asked from DNS (cache, then server); only when DNS gives
//     no address does NetBIOS over TCP/IP try the one-label name (its remote
//     name cache, then a name query), for names of at most 15 characters
//     (Microsoft, "TCP/IP host name resolution order").
//   - NetBIOS remote name cache: a name resolved by a query is kept for the
//     client's CacheTimeout (NetBT\Parameters, default 600000 ms, at least
//     60000; Microsoft KB 188655 "NetBIOS CacheTimeout explanation").
//   - SMB: a connection stays bound to the server it was opened to, without
//     resolving the name again, as long as requests succeed. The client
//     re-establishes a lost connection when the application next asks for
//     something, resolving the server name again ([MS-SMB2] 3.2.4.4
//     "Re-establishing a Durable Open": the client connects to the server
//     named in the open's file name). A request the server answers with an
//     error (share deleted, service stopped) fails at once; a request a
//     server never answers fails after the request expiration timer,
//     SessTimeout (LanmanWorkstation\Parameters, default 60 s since Windows
//     Vista; Microsoft Open Specifications blog "SMB 2.x and SMB 3.0
//     timeouts in Windows"), and the client resets the connection. The
//     connection is to an address: once another host holds that address,
//     it resets the connection it does not know.
//   - TCP connect: a SYN nobody answers is sent again after TcpInitialRTT
//     (3 s), the wait doubling each time, TcpMaxConnectRetransmissions (2)
//     times; after the last one TCP waits twice the last delay and gives
//     up (Windows Server 2003 TCP/IP registry reference): SYNs at 0, 3 and
//     9 s, failure at 21 s. An address that gets an owner meanwhile (a
//     service address moving) answers the next SYN. Later Windows versions
//     tune these figures differently; they are kept as a belief.
//   - RetryDelay is not a Windows setting: it is how soon the simulated
//     application asks again after a failure (a user pressing Retry, a
//     program's own loop).
//
// Time is the client's own: every call says at which instant the request
// is sent, and waits (timeouts) are added to it rather than slept, so a
// caller can let cache lifetimes pass without waiting for them (see
// ClientFleet). The lab's state is read when the call is made.
type WinClient struct {
	l     *Lab
	name  string // the DNS name asked (files.corp.example.com.)
	label string // the name the user typed, for NetBIOS (FILES)
	share string
	set   ClientSettings

	dns     map[string]dnsCacheEntry
	netbios map[string]netbiosCacheEntry
	session string    // the server the SMB connection is bound to ("" none)
	addr    string    // the address the connection was made to
	syn     *synState // a TCP connect waiting for an answer
	next    time.Time // no request before this (a failure's retry delay)
}

// ClientSettings are the Windows settings the client model honours (see
// WinClient for the sources of the defaults).
type ClientSettings struct {
	// MaxCacheTTL caps positive DNS answers; 0 keeps none (a client whose
	// DNS Client service is stopped resolves on every connection).
	MaxCacheTTL time.Duration
	// MaxNegativeCacheTTL caps negative DNS answers; 0 keeps none.
	MaxNegativeCacheTTL time.Duration
	// NetBTCacheTimeout is NetBT's CacheTimeout.
	NetBTCacheTimeout time.Duration
	// SessTimeout is the SMB request expiration timer.
	SessTimeout time.Duration
	// TCPInitialRTT and TCPConnectRetransmissions: the SYN schedule of a
	// TCP connect (TcpInitialRTT, TcpMaxConnectRetransmissions).
	TCPInitialRTT             time.Duration
	TCPConnectRetransmissions int
	// RetryDelay is the application's wait after a failed request.
	RetryDelay time.Duration
}

// DefaultClientSettings are a Windows client as installed, with an
// application that retries every half second.
func DefaultClientSettings() ClientSettings {
	return ClientSettings{MaxCacheTTL: 86400 * time.Second, MaxNegativeCacheTTL: 900 * time.Second, NetBTCacheTimeout: 600 * time.Second,
		SessTimeout: 60 * time.Second, TCPInitialRTT: 3 * time.Second, TCPConnectRetransmissions: 2, RetryDelay: 500 * time.Millisecond}
}

// FreshResolveSettings are DefaultClientSettings without a DNS cache: the
// client the fresh-resolve figure is about.
func FreshResolveSettings() ClientSettings {
	s := DefaultClientSettings()
	s.MaxCacheTTL, s.MaxNegativeCacheTTL = 0, 0
	return s
}

type dnsCacheEntry struct {
	addr    string // first address; "" for a negative answer
	failure string // why a negative answer has no address
	expires time.Time
}

type netbiosCacheEntry struct {
	addr    string
	expires time.Time
}

// ClientRequest is the outcome of one request of a client: sent At, its
// outcome known at Done (later than At when the client waited for a
// timeout), answered by Server, and how the name was resolved (Via:
// "session" when the connection was already open).
type ClientRequest struct {
	At     time.Time
	Done   time.Time
	Server string
	Via    string
	Err    error
}

// Ways a request found its server, ClientRequest.Via.
const (
	ViaSession      = "session"
	ViaDNSCache     = "dns cache"
	ViaDNS          = "dns"
	ViaNetBIOSCache = "netbios cache"
	ViaNetBIOS      = "netbios"
)

// NewWinClient returns a client with empty caches and no connection that
// works on \\<alias>\<share> (alias "" is the scenario's alias).
func (l *Lab) NewWinClient(alias, share string, set ClientSettings) *WinClient {
	name := qualifyAlias(alias)
	return &WinClient{l: l, name: name, label: strings.ToUpper(aliasLabel(name)), share: share, set: set,
		dns: map[string]dnsCacheEntry{}, netbios: map[string]netbiosCacheEntry{}}
}

// Next is the earliest instant of the client's next request.
func (c *WinClient) Next() time.Time { return c.next }

// Server is the server the client's connection is bound to ("" none).
func (c *WinClient) Server() string { return c.session }

// Request lists the share's root at instant at (or at Next, if later):
// through the open connection, or by resolving the name and connecting.
func (c *WinClient) Request(at time.Time) ClientRequest {
	if at.Before(c.next) {
		at = c.next
	}
	r := ClientRequest{At: at, Done: at, Via: ViaSession}
	if c.session == "" {
		if c.syn == nil {
			addr, via, took, err := c.resolve(at)
			r.Done = at.Add(took)
			if err != nil {
				r.Via = via
				return c.fail(r, 0, err)
			}
			c.syn = &synState{addr: addr, via: via, first: r.Done}
		}
		syn := c.syn
		r.Via = syn.via
		server, device, ok := c.l.hostAt(syn.addr)
		if device != "" {
			c.syn = nil
			return c.fail(r, 0, probeErr(ProbeStageHost, nil, "%s (%s) is %s, which refuses the connection", syn.addr, aliasLabel(c.name), device))
		}
		if !ok || c.l.silent(server) {
			return c.noAnswer(r)
		}
		c.syn = nil
		if _, _, err := c.l.openShareOn(c.name, server, c.share, ""); err != nil {
			return c.fail(r, 0, err)
		}
		c.session, c.addr = server, syn.addr
	} else if owner, _, ok := c.l.hostAt(c.addr); !ok || c.l.silent(c.session) {
		return c.fail(r, c.set.SessTimeout, probeErr(ProbeStageHost, nil, "%s did not answer within SessTimeout", c.session))
	} else if owner != c.session {
		// The address moved: the host that has it now resets a
		// connection it does not know.
		return c.fail(r, 0, probeErr(ProbeStageHost, nil, "%s now answers on %s and resets the connection to %s", owner, c.addr, c.session))
	}
	if err := c.l.listShareOn(c.session, c.share); err != nil {
		return c.fail(r, 0, err)
	}
	r.Server = c.session
	return r
}

// synState is a TCP connect under way: the address, how it was found
// and when the first SYN left.
type synState struct {
	addr, via string
	first     time.Time
}

// errSYNPending: no answer to the SYNs so far, another one is due.
var errSYNPending = errors.New("no answer yet: the SYN is sent again")

// noAnswer: nobody answered the connect's SYNs up to r.Done. The request
// stays open until the next retransmission (Next), or fails when TCP
// gives up.
func (c *WinClient) noAnswer(r ClientRequest) ClientRequest {
	syn := c.syn
	t, rto := syn.first, c.set.TCPInitialRTT
	for i := 0; i < c.set.TCPConnectRetransmissions; i++ {
		if t = t.Add(rto); t.After(r.Done) {
			r.Err, c.next = probeErr(ProbeStageHost, errSYNPending, "connecting to %s (%s): no answer yet", syn.addr, aliasLabel(c.name)), t
			return r
		}
		rto *= 2
	}
	c.syn = nil
	r.Done = t.Add(rto)
	return c.fail(r, 0, probeErr(ProbeStageHost, nil, "no answer from %s (%s): the TCP connect timed out", syn.addr, aliasLabel(c.name)))
}

// fail ends a request with err after waiting wait: the connection is
// dropped, and the application asks again RetryDelay later.
func (c *WinClient) fail(r ClientRequest, wait time.Duration, err error) ClientRequest {
	r.Done = r.Done.Add(wait)
	r.Err = err
	c.session = ""
	c.next = r.Done.Add(c.set.RetryDelay)
	return r
}

// resolve finds the address of the client's name at instant at, as the
// Windows resolver does (see WinClient); took is the time the wire
// exchange took, when there was one.
func (c *WinClient) resolve(at time.Time) (addr, via string, took time.Duration, err error) {
	var dnsErr error
	if e, ok := c.dns[c.name]; ok && at.Before(e.expires) {
		if e.addr != "" {
			return e.addr, ViaDNSCache, 0, nil
		}
		dnsErr = errors.New("cached negative answer: " + e.failure)
	} else {
		began := time.Now()
		msg, qerr := c.l.queryA(c.name)
		took = time.Since(began)
		if msg != nil {
			c.cacheAnswer(msg, at)
		}
		dnsErr = qerr
		if qerr == nil {
			var addrs []string
			if _, addrs, dnsErr = answerAddrs(c.name, msg); dnsErr == nil {
				return addrs[0], ViaDNS, took, nil
			}
		}
	}
	if len(c.label) <= 15 {
		if e, ok := c.netbios[c.label]; ok && at.Before(e.expires) {
			return e.addr, ViaNetBIOSCache, took, nil
		}
		if a, ok := c.l.netbiosQuery(c.label); ok {
			c.netbios[c.label] = netbiosCacheEntry{addr: a, expires: at.Add(c.set.NetBTCacheTimeout)}
			return a, ViaNetBIOS, took, nil
		}
	}
	return "", ViaDNS, took, probeErr(ProbeStageDNS, dnsErr, "cannot resolve %s: %s", c.name, dnsFailure(dnsErr))
}

// cacheAnswer keeps a DNS answer received at instant at for as long as
// the DNS Client service would.
func (c *WinClient) cacheAnswer(msg *dns.Msg, at time.Time) {
	_, addrs, err := answerAddrs(c.name, msg)
	switch {
	case err == nil && msg.Rcode == dns.RcodeSuccess:
		ttl := ^uint32(0)
		for _, rr := range msg.Answer {
			ttl = min(ttl, rr.Header().Ttl)
		}
		if d := min(time.Duration(ttl)*time.Second, c.set.MaxCacheTTL); d > 0 {
			c.dns[c.name] = dnsCacheEntry{addr: addrs[0], expires: at.Add(d)}
		}
	case msg.Rcode == dns.RcodeNameError || msg.Rcode == dns.RcodeSuccess:
		failure := "no address (NODATA)"
		if msg.Rcode == dns.RcodeNameError {
			failure = dns.RcodeToString[msg.Rcode]
		}
		for _, rr := range msg.Ns {
			if soa, ok := rr.(*dns.SOA); ok {
				d := min(time.Duration(min(soa.Hdr.Ttl, soa.Minttl))*time.Second, c.set.MaxNegativeCacheTTL)
				if d > 0 {
					c.dns[c.name] = dnsCacheEntry{failure: failure, expires: at.Add(d)}
				}
			}
		}
		// Without a SOA a negative answer is not cached (RFC 2308 section 5).
	}
}

// hostAt is the server that answers on addr, if any: the one place where
// the client model (and the probe) meets the lab's network: the server
// up and holding addr in the preferred state (its own address, or a
// service address once duplicate address detection is over); device names
// something else answering there (no file server: it refuses the
// connection); neither while the address is tentative or on a down host.
func (l *Lab) hostAt(addr string) (server, device string, ok bool) {
	return l.AddressOwner(addr)
}

// hostAddr is a server's own address: the A record of its name.
func (l *Lab) hostAddr(name string) string {
	rrs, _ := l.dns.zone.Lookup(name+"."+DNSZone, dns.TypeA)
	if len(rrs) == 0 {
		return ""
	}
	return rrs[0].(*dns.A).A.String()
}

// netbiosQuery is a NetBIOS name query for a one-label name: the server
// that holds the name answers with its address. When more than one server
// claims a unique name (OptionalNames set on both servers of a failover
// pair), the first to register it defends it and the other logs a name
// conflict; the lab does not know which registered first, so it answers
// nothing rather than guess.
func (l *Lab) netbiosQuery(label string) (string, bool) {
	var owners []string
	for _, name := range l.ServerNames() {
		s := l.servers[name]
		if s.winrm.Faults().Unreachable {
			continue
		}
		for _, n := range s.host.NetBIOSNames() {
			if strings.EqualFold(n, label) {
				owners = append(owners, name)
				break
			}
		}
	}
	if len(owners) != 1 {
		return "", false
	}
	a := l.hostAddr(owners[0])
	return a, a != ""
}

// silent says whether a server sends nothing back: it is down (crashed)
// or cut off the network, so clients wait for a timeout rather than get
// an error.
func (l *Lab) silent(name string) bool {
	s := l.servers[name]
	return s == nil || s.host.Down() || s.winrm.Faults().Unreachable
}

// listShareOn is a request on an open connection to server: list the
// share's root. It fails when the Server service stopped, the share is
// gone or its volume is.
func (l *Lab) listShareOn(server, share string) error {
	s := l.servers[server]
	if !s.host.ServiceRunning("LanmanServer") {
		return probeErr(ProbeStageHost, nil, "the Server service is not running on %s", server)
	}
	local, ok := s.host.SharePath(share)
	if !ok || !s.host.Serves(share) {
		return probeErr(ProbeStageShare, nil, "%s does not serve share %q", server, share)
	}
	if _, err := s.host.ListDir(local); err != nil {
		return probeErr(ProbeStageShare, err, "%s does not serve share %q: its volume is not there", server, share)
	}
	return nil
}
