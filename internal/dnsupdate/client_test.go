package dnsupdate

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/winfs/terraform-provider-winfs/internal/lab/dnsserver"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dnszone"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

const testSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMw==" // base64 of a test key

var testKey = &Key{Name: "winfs-test", Algorithm: "hmac-sha256", Secret: testSecret}

// fakeServer serves UDP and TCP on one loopback port with separate handlers.
type fakeServer struct {
	addr     string
	udp, tcp *dns.Server
}

func startFake(t *testing.T, udp, tcp dns.HandlerFunc) *fakeServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Skipf("TCP side of the UDP port is taken: %v", err)
	}
	f := &fakeServer{addr: pc.LocalAddr().String()}
	// No TsigSecret: the handlers see raw requests and check them themselves.
	f.udp = &dns.Server{PacketConn: pc, Handler: udp, MsgAcceptFunc: dnsserver.AcceptQueriesAndUpdates}
	f.tcp = &dns.Server{Listener: ln, Handler: tcp, MsgAcceptFunc: dnsserver.AcceptQueriesAndUpdates}
	for _, s := range []*dns.Server{f.udp, f.tcp} {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go func() { _ = s.ActivateAndServe() }()
		<-started
	}
	t.Cleanup(func() { _ = f.udp.Shutdown(); _ = f.tcp.Shutdown() })
	return f
}

func TestReplaceIsOneMessageWithPrerequisite(t *testing.T) {
	var mu sync.Mutex
	var got []*dns.Msg
	var raw [][]byte
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		b, _ := r.Pack()
		mu.Lock()
		got = append(got, r)
		raw = append(raw, b)
		mu.Unlock()
		m := new(dns.Msg)
		m.SetReply(r)
		_ = w.WriteMsg(m)
	})
	f := startFake(t, h, h)
	c, err := New(Config{Server: f.addr, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ReplaceCNAME(context.Background(), "Corp.Example.com", "FILES.corp.example.com", "server2.corp.example.com", 60); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("want exactly one message, got %d", len(got))
	}
	m := got[0]
	if m.Opcode != dns.OpcodeUpdate || len(m.Question) != 1 || m.Question[0].Name != "corp.example.com." || m.Question[0].Qtype != dns.TypeSOA {
		t.Fatalf("zone section: %v", m.Question)
	}
	// Prerequisite: a CNAME RRset exists (class ANY, value independent).
	if len(m.Answer) != 1 || m.Answer[0].Header().Class != dns.ClassANY || m.Answer[0].Header().Rrtype != dns.TypeCNAME || m.Answer[0].Header().Name != "files.corp.example.com." {
		t.Fatalf("prerequisite: %v", m.Answer)
	}
	// Update: delete the RRset, then add the new record, in that order.
	if len(m.Ns) != 2 {
		t.Fatalf("update section: %v", m.Ns)
	}
	del, add := m.Ns[0].Header(), m.Ns[1]
	if del.Class != dns.ClassANY || del.Rrtype != dns.TypeCNAME || del.Ttl != 0 {
		t.Fatalf("first update must delete the CNAME RRset: %v", m.Ns[0])
	}
	cn, ok := add.(*dns.CNAME)
	if !ok || cn.Hdr.Class != dns.ClassINET || cn.Hdr.Ttl != 60 || cn.Target != "server2.corp.example.com." {
		t.Fatalf("second update must add the new CNAME: %v", add)
	}
	ts := m.IsTsig()
	if ts == nil || ts.Hdr.Name != "winfs-test." || ts.Algorithm != dns.HmacSHA256 {
		t.Fatalf("not signed with the key: %v", m.Extra)
	}
	if err := dns.TsigVerify(raw[0], testSecret, "", false); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
}

func TestRetriesSignAfresh(t *testing.T) {
	var mu sync.Mutex
	var times []uint64
	var macs, ids []string
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		b, _ := r.Pack()
		if err := dns.TsigVerify(b, testSecret, "", false); err != nil {
			t.Errorf("attempt %d does not verify: %v", len(times)+1, err)
		}
		mu.Lock()
		ts := r.IsTsig()
		times = append(times, ts.TimeSigned)
		macs = append(macs, ts.MAC)
		ids = append(ids, string(rune(r.Id)))
		n := len(times)
		mu.Unlock()
		if n < 3 {
			return // dropped: the client times out
		}
		m := new(dns.Msg)
		m.SetReply(r)
		_ = w.WriteMsg(m)
	})
	f := startFake(t, h, h)
	base := time.Now()
	var tick int
	clock := func() time.Time { tick++; return base.Add(time.Duration(tick) * time.Second) }
	c, err := New(Config{Server: f.addr, Key: testKey, Timeout: 150 * time.Millisecond, Retries: 2, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteCNAME(context.Background(), "corp.example.com.", "x.corp.example.com."); err != nil {
		t.Fatalf("third attempt should succeed: %v", err)
	}
	if len(times) != 3 {
		t.Fatalf("want 3 attempts, got %d", len(times))
	}
	for i := 1; i < 3; i++ {
		if times[i] == times[i-1] || macs[i] == macs[i-1] || ids[i] == ids[i-1] {
			t.Fatalf("attempt %d reused the previous signature: times %v", i+1, times)
		}
	}
	// With no retries left the error says so, and names no secret.
	c2, _ := New(Config{Server: f.addr, Key: testKey, Timeout: 100 * time.Millisecond, Retries: -1})
	mu.Lock()
	times = nil
	mu.Unlock()
	err = c2.DeleteCNAME(context.Background(), "corp.example.com.", "x.corp.example.com.")
	if err == nil || !strings.Contains(err.Error(), "did not answer") || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("want a timeout error without the secret, got %v", err)
	}
}

func TestTruncatedUDPReplyIsAskedAgainOverTCP(t *testing.T) {
	var tcpCalls int
	var mu sync.Mutex
	udp := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Truncated = true
		_ = w.WriteMsg(m)
	})
	tcp := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		mu.Lock()
		tcpCalls++
		mu.Unlock()
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		m.Answer = append(m.Answer, &dns.CNAME{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: 60}, Target: "server1.corp.example.com."})
		_ = w.WriteMsg(m)
	})
	f := startFake(t, udp, tcp)
	c, _ := New(Config{Server: f.addr})
	node, err := c.ReadNode(context.Background(), "corp.example.com.", "files.corp.example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if tcpCalls != 1 || node.CNAME == nil || node.CNAME.Target != "server1.corp.example.com." {
		t.Fatalf("tcp calls %d, node %+v", tcpCalls, node)
	}
}

func TestNewValidates(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no server":     {},
		"bad port":      {Server: "ns1:x"},
		"bad algorithm": {Server: "ns1", Key: &Key{Name: "k", Algorithm: "hmac-sha3", Secret: testSecret}},
		"bad secret":    {Server: "ns1", Key: &Key{Name: "k", Algorithm: "hmac-sha256", Secret: "not base64!"}},
	} {
		_, err := New(cfg)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "not base64!") {
			t.Errorf("%s: the error repeats the secret: %v", name, err)
		}
	}
	c, err := New(Config{Server: "192.0.2.1"})
	if err != nil || c.Server() != "192.0.2.1:53" {
		t.Fatalf("default port: %v %v", c, err)
	}
}

func TestNames(t *testing.T) {
	cases := [][3]string{
		{"files", "corp.example.com", "files.corp.example.com."},
		{"FILES", "Corp.Example.COM.", "files.corp.example.com."},
		{"files.corp.example.com.", "corp.example.com", "files.corp.example.com."},
		{"a.b", "corp.example.com.", "a.b.corp.example.com."},
	}
	for _, c := range cases {
		if got := Absolute(c[0], c[1]); got != c[2] {
			t.Errorf("Absolute(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

// labServer starts the lab's DNS server with the test key and a zone.
func labServer(t *testing.T) (*dnsserver.Server, *dnszone.Zone, *timeline.Timeline) {
	t.Helper()
	tl := timeline.New()
	z := dnszone.New("corp.example.com.", tl)
	if err := z.Seed("@ 3600 IN NS ns1", "ns1 3600 IN A 127.0.0.1", "server1 3600 IN A 192.168.0.201",
		"server2 3600 IN A 192.168.0.200", "files 86400 IN CNAME server1"); err != nil {
		t.Fatal(err)
	}
	s, err := dnsserver.Start(dnsserver.Key{Name: "winfs-test.", Algorithm: dns.HmacSHA256, Secret: testSecret}, z)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, z, tl
}

func TestAgainstTheLabServer(t *testing.T) {
	s, z, tl := labServer(t)
	ctx := context.Background()
	c, err := New(Config{Server: s.Addr(), Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	node, err := c.ReadNode(ctx, "corp.example.com", "files.corp.example.com")
	if err != nil || node.CNAME == nil || *node.CNAME != (CNAME{Target: "server1.corp.example.com.", TTL: 86400}) {
		t.Fatalf("seed alias: %+v %v", node, err)
	}
	if zone, err := c.FindZone(ctx, "files.corp.example.com"); err != nil || zone != "corp.example.com." {
		t.Fatalf("FindZone: %q %v", zone, err)
	}
	node, err = c.ReadNode(ctx, "corp.example.com", "server1.corp.example.com")
	if err != nil || node.CNAME != nil || strings.Join(node.OtherTypes, ",") != "A" {
		t.Fatalf("server1: %+v %v", node, err)
	}
	if err := c.CreateCNAME(ctx, "corp.example.com", "files.corp.example.com", "server2.corp.example.com", 60); !errors.Is(err, ErrNameInUse) {
		t.Fatalf("create over an existing alias: %v", err)
	}
	before := len(tl.Events())
	if err := c.ReplaceCNAME(ctx, "corp.example.com", "files.corp.example.com", "server2.corp.example.com.", 60); err != nil {
		t.Fatal(err)
	}
	evs := tl.Events()[before:]
	if len(evs) != 1 || evs[0].Kind != "dns.replace" || evs[0].Host != "dns" {
		t.Fatalf("a replace must be one change: %+v", evs)
	}
	if target, ttl, _ := z.CNAME("files.corp.example.com."); target != "server2.corp.example.com." || ttl != 60 {
		t.Fatalf("zone has %s %d", target, ttl)
	}
	if err := c.WaitCNAME(ctx, "corp.example.com", "files.corp.example.com", "server2.corp.example.com", 60, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := c.ReplaceCNAME(ctx, "corp.example.com", "new.corp.example.com", "server2.corp.example.com.", 60); !errors.Is(err, ErrNoCNAME) {
		t.Fatalf("replace of a missing alias: %v", err)
	}
	if err := c.CreateCNAME(ctx, "corp.example.com", "new.corp.example.com", "server1.corp.example.com.", 60); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteCNAME(ctx, "corp.example.com", "new.corp.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteCNAME(ctx, "corp.example.com", "new.corp.example.com"); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	// A CNAME beside other data is ignored by the server; the create's
	// prerequisite turns that into an error instead.
	if err := c.CreateCNAME(ctx, "corp.example.com", "server1.corp.example.com", "server2.corp.example.com.", 60); !errors.Is(err, ErrNameInUse) {
		t.Fatalf("create over A records: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	s, z, _ := labServer(t)
	ctx := context.Background()
	unsigned, _ := New(Config{Server: s.Addr()})
	if err := unsigned.DeleteCNAME(ctx, "corp.example.com", "files.corp.example.com"); Rcode(err) != dns.RcodeRefused {
		t.Fatalf("unsigned update: %v", err)
	}
	wrong := "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZzE="
	bad, _ := New(Config{Server: s.Addr(), Key: &Key{Name: "winfs-test", Algorithm: "hmac-sha256", Secret: wrong}})
	err := bad.DeleteCNAME(ctx, "corp.example.com", "files.corp.example.com")
	if Rcode(err) != dns.RcodeNotAuth || !strings.Contains(err.Error(), "BADSIG") || strings.Contains(err.Error(), wrong) {
		t.Fatalf("bad secret: %v", err)
	}
	unknown, _ := New(Config{Server: s.Addr(), Key: &Key{Name: "other", Algorithm: "hmac-sha256", Secret: testSecret}})
	if err := unknown.DeleteCNAME(ctx, "corp.example.com", "files.corp.example.com"); Rcode(err) != dns.RcodeNotAuth || !strings.Contains(err.Error(), "BADKEY") {
		t.Fatalf("unknown key: %v", err)
	}
	if _, _, ok := z.CNAME("files.corp.example.com."); !ok {
		t.Fatal("a refused update changed the zone")
	}
	s.SetDrop(-1)
	quick, _ := New(Config{Server: s.Addr(), Key: testKey, Timeout: 50 * time.Millisecond, Retries: 1})
	if _, err := quick.ReadNode(ctx, "corp.example.com", "files.corp.example.com"); err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("dropped requests: %v", err)
	}
}
