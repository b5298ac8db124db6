package lab

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// startTwoShareLab: both servers share their own D:\Finance as Finance, so the
// alias can move between them without moving a LUN; the alias gets the
// failover example's 60-second TTL.
func startTwoShareLab(t *testing.T) *Lab {
	t.Helper()
	l, err := Start(Options{Scenario: DFSScenario()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	pointAlias(t, l, "server1")
	return l
}

func pointAlias(t *testing.T, l *Lab, server string) {
	t.Helper()
	if err := l.Zone().SetCNAME(AliasName, server+"."+DNSZone, 60, "test"); err != nil {
		t.Fatal(err)
	}
}

type resolved struct{ addr, via string }

func resolveAt(t *testing.T, c *WinClient, at time.Time) resolved {
	t.Helper()
	addr, via, _, err := c.resolve(at)
	if err != nil {
		return resolved{via: "error: " + err.Error()}
	}
	return resolved{addr, via}
}

func TestClientDNSCacheHonoursTTL(t *testing.T) {
	l := startTwoShareLab(t)
	s1, s2 := l.hostAddr("server1"), l.hostAddr("server2")
	t0 := time.Now()
	c, cc := clientPair(t, l, "files", t0, resolved{s1, ViaDNS}, func(s *ClientSettings) { s.MaxCacheTTL = 10 * time.Second })
	pointAlias(t, l, "server2")
	checkResolutions(t, t0, []resolveStep{
		{c, 59 * time.Second, resolved{s1, ViaDNSCache}}, // the TTL (60 s) has not run out
		{c, 60 * time.Second, resolved{s2, ViaDNS}},
		{c, 61 * time.Second, resolved{s2, ViaDNSCache}},
		{cc, 9 * time.Second, resolved{s1, ViaDNSCache}}, // MaxCacheTtl caps the TTL
		{cc, 10 * time.Second, resolved{s2, ViaDNS}},
	})
}

// clientPair returns a client with the default settings and one with
// tweak applied, both having resolved name at t0 to first.
func clientPair(t *testing.T, l *Lab, name string, t0 time.Time, first resolved, tweak func(*ClientSettings)) (def, tweaked *WinClient) {
	t.Helper()
	set := DefaultClientSettings()
	tweak(&set)
	def, tweaked = l.NewWinClient(name, DFSShare, DefaultClientSettings()), l.NewWinClient(name, DFSShare, set)
	for _, x := range []*WinClient{def, tweaked} {
		if got := resolveAt(t, x, t0); got != first {
			t.Fatalf("first resolution of %s: %+v, want %+v", name, got, first)
		}
	}
	return def, tweaked
}

// resolveStep: client c resolving its name at t0+at gets want.
type resolveStep struct {
	c    *WinClient
	at   time.Duration
	want resolved
}

func checkResolutions(t *testing.T, t0 time.Time, steps []resolveStep) {
	t.Helper()
	for _, step := range steps {
		if got := resolveAt(t, step.c, t0.Add(step.at)); got != step.want {
			t.Errorf("at +%s: %+v, want %+v", step.at, got, step.want)
		}
	}
}

func TestClientDNSNegativeCache(t *testing.T) {
	l := startTwoShareLab(t)
	t0 := time.Now()
	c := l.NewWinClient("reports", DFSShare, DefaultClientSettings())
	capped := DefaultClientSettings()
	capped.MaxNegativeCacheTTL = 10 * time.Second
	cc := l.NewWinClient("reports", DFSShare, capped)
	for _, x := range []*WinClient{c, cc} {
		if got := resolveAt(t, x, t0); !strings.Contains(got.via, "NXDOMAIN") {
			t.Fatalf("a name that does not exist: %+v", got)
		}
	}
	if err := l.Zone().AddRecord("reports 60 IN CNAME server2", "test"); err != nil {
		t.Fatal(err)
	}
	s2 := l.hostAddr("server2")
	// The SOA's MINIMUM (60 s) is below its TTL (3600 s) and below
	// MaxNegativeCacheTtl (900 s): the NXDOMAIN is kept 60 s.
	if got := resolveAt(t, c, t0.Add(59*time.Second)); !strings.Contains(got.via, "cached negative answer: NXDOMAIN") {
		t.Errorf("at +59s: %+v, want the cached NXDOMAIN", got)
	}
	if got := resolveAt(t, c, t0.Add(60*time.Second)); got != (resolved{s2, ViaDNS}) {
		t.Errorf("at +60s: %+v", got)
	}
	if got := resolveAt(t, cc, t0.Add(9*time.Second)); !strings.Contains(got.via, "cached negative answer") {
		t.Errorf("capped, at +9s: %+v", got)
	}
	if got := resolveAt(t, cc, t0.Add(10*time.Second)); got != (resolved{s2, ViaDNS}) {
		t.Errorf("capped, at +10s: %+v", got)
	}
	// A client without a negative cache asks every time.
	fresh := l.NewWinClient("gone", DFSShare, FreshResolveSettings())
	resolveAt(t, fresh, t0)
	if err := l.Zone().AddRecord("gone 60 IN CNAME server1", "test"); err != nil {
		t.Fatal(err)
	}
	if got := resolveAt(t, fresh, t0.Add(time.Second)); got.via != ViaDNS {
		t.Errorf("without a negative cache: %+v", got)
	}
}

// setOptionalNames sets a server's OptionalNames and has its Server
// service read it, as the hardening's restart does.
func setOptionalNames(t *testing.T, l *Lab, server string, names ...string) {
	t.Helper()
	h := l.Host(server)
	agentDo[agent.Empty](t, h, agent.RegistrySet.Name, agent.RegistrySetParams{
		RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: `SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters`},
		Name:           "OptionalNames", Value: agent.RegistryValue{Type: agent.RegMultiSZ, Strings: names}})
	h.SettingsReadNow()
}

func TestClientNetBIOSCacheHonoursCacheTimeout(t *testing.T) {
	l := startTwoShareLab(t)
	s1, s2 := l.hostAddr("server1"), l.hostAddr("server2")
	// LEGACY is no DNS name: only NetBIOS finds it, on the server whose
	// Server service registered it.
	setOptionalNames(t, l, "server1", "legacy")
	t0 := time.Now()
	hardened := func(s *ClientSettings) { s.NetBTCacheTimeout = 60 * time.Second }
	def, c := clientPair(t, l, "legacy", t0, resolved{s1, ViaNetBIOS}, hardened)
	setOptionalNames(t, l, "server1")
	setOptionalNames(t, l, "server2", "legacy")
	checkResolutions(t, t0, []resolveStep{
		{c, 59 * time.Second, resolved{s1, ViaNetBIOSCache}},
		{c, 60 * time.Second, resolved{s2, ViaNetBIOS}},
		{def, 599 * time.Second, resolved{s1, ViaNetBIOSCache}}, // the default CacheTimeout, 600000 ms
		{def, 600 * time.Second, resolved{s2, ViaNetBIOS}},
	})
	// Both servers claiming the name: a conflict, not an answer.
	setOptionalNames(t, l, "server1", "legacy")
	if got := resolveAt(t, l.NewWinClient("legacy", DFSShare, DefaultClientSettings()), t0); !strings.HasPrefix(got.via, "error: cannot resolve") {
		t.Errorf("a name both servers claim: %+v", got)
	}
}

func TestClientSessionStaysBoundUntilARequestFails(t *testing.T) {
	l := startTwoShareLab(t)
	set := FreshResolveSettings() // no DNS cache: only the session keeps it on server1
	c := l.NewWinClient("files", DFSShare, set)
	t0 := time.Now()
	if r := c.Request(t0); r.Err != nil || r.Server != "server1" || r.Via != ViaDNS {
		t.Fatalf("first request: %+v", r)
	}
	moveSPNs(t, l, "server2")
	pointAlias(t, l, "server2")
	if r := c.Request(t0.Add(time.Second)); r.Err != nil || r.Server != "server1" || r.Via != ViaSession {
		t.Fatalf("after the alias moved, the open connection: %+v", r)
	}
	unshare(t, l.Host("server1"), DFSShare)
	at := t0.Add(2 * time.Second)
	r := c.Request(at)
	if r.Err == nil || !r.Done.Equal(at) || stage(r.Err) != ProbeStageShare || c.Server() != "" {
		t.Fatalf("a request for a deleted share: %+v, bound to %q", r, c.Server())
	}
	if want := at.Add(set.RetryDelay); !c.Next().Equal(want) {
		t.Fatalf("next request at %v, want the retry delay later, %v", c.Next(), want)
	}
	// Asked earlier, the client waits for its retry delay, then resolves
	// the name again and reaches server2.
	if r := c.Request(at); r.Err != nil || r.Server != "server2" || r.Via != ViaDNS || !r.At.Equal(at.Add(set.RetryDelay)) {
		t.Fatalf("reconnect: %+v", r)
	}
}

func TestClientWaitsOutTimeoutsOfASilentServer(t *testing.T) {
	l := startTwoShareLab(t)
	set := DefaultClientSettings()
	c := l.NewWinClient("files", DFSShare, set)
	t0 := time.Now()
	if r := c.Request(t0); r.Err != nil {
		t.Fatal(r.Err)
	}
	l.Host("server1").Crash()
	// The open connection: the request expires after SessTimeout.
	r := c.Request(t0.Add(time.Second))
	if r.Err == nil || r.Done.Sub(r.At) != set.SessTimeout || !c.Next().Equal(r.Done.Add(set.RetryDelay)) {
		t.Fatalf("request to a crashed server: %+v, next %v", r, c.Next())
	}
	// Reconnecting: the alias still leads to server1, whose address
	// answers nothing: SYNs at 0, 3 and 9 s, failure at 21 s.
	began := c.Next()
	var syns []time.Duration
	for {
		r = c.Request(c.Next())
		if !errors.Is(r.Err, errSYNPending) {
			break
		}
		syns = append(syns, r.At.Sub(began))
	}
	near := func(d, want time.Duration) bool { return d >= want && d < want+50*time.Millisecond } // the DNS query's time
	syns = append(syns, r.At.Sub(began))
	if r.Err == nil || r.Via != ViaDNS || !near(r.Done.Sub(began), 21*time.Second) || !strings.Contains(r.Err.Error(), "TCP connect timed out") ||
		len(syns) != 3 || syns[0] != 0 || !near(syns[1], 3*time.Second) || !near(syns[2], 9*time.Second) {
		t.Fatalf("connect to a crashed server: %+v after SYNs at %v", r, syns)
	}
	// A server that answers on the address by the next SYN is reached then.
	r = c.Request(c.Next())
	if !errors.Is(r.Err, errSYNPending) {
		t.Fatalf("connect again: %+v", r)
	}
	l.Host("server1").Boot()
	if r2 := c.Request(r.At); r2.Err != nil || r2.Server != "server1" || !r2.At.Equal(r.At.Add(set.TCPInitialRTT)) {
		t.Fatalf("after server1 came back: %+v (first SYN at %v)", r2, r.At)
	}
}

// TestWarmCachesExtendTheOutageByTheTTL: an alias switch in the order of
// the failover chain (shares off server1, SPNs and alias to server2). The
// client without a DNS cache is back as soon as the alias moved; a warm
// client keeps server1's address until its cached answer expires, 60 s
// after it resolved the alias.
func TestWarmCachesExtendTheOutageByTheTTL(t *testing.T) {
	l := startTwoShareLab(t)
	const interval = 20 * time.Millisecond
	f, err := l.StartClientFleet(FleetOptions{Shares: []string{DFSShare}, Warm: 8, Seed: 17, Interval: interval})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * interval)
	unshare(t, l.Host("server1"), DFSShare)
	removed := time.Now()
	time.Sleep(5 * interval)
	moveSPNs(t, l, "server2")
	pointAlias(t, l, "server2")
	switched := time.Now()
	time.Sleep(5 * interval)
	r := f.Settle()
	set := DefaultClientSettings()
	slack := set.RetryDelay + 3*interval
	if r.Unrecovered != 0 || len(r.Warm) != 8 || len(r.Clients) != 9 {
		t.Fatalf("report: %+v", r)
	}
	if lo, hi := switched.Sub(removed)-interval, switched.Sub(removed)+slack; r.Fresh < lo || r.Fresh > hi {
		t.Errorf("fresh-resolve outage %v, want about the time the alias took to move (%v..%v)", r.Fresh, lo, hi)
	}
	for _, c := range r.Clients[1:] {
		expiry := c.WarmedAt.Add(60 * time.Second)
		want := max(expiry.Sub(removed), switched.Sub(removed))
		if c.Outage < want-interval || c.Outage > want+slack {
			t.Errorf("client warmed at %s before: outage %v, want about %v (%+v)", removed.Sub(c.WarmedAt).Round(time.Millisecond), c.Outage, want, c)
		}
		if expiry.After(switched) && c.Via != ViaDNS {
			t.Errorf("client warmed at %v came back via %q, want a fresh DNS answer", c.WarmedAt, c.Via)
		}
	}
	if r.Worst < 30*time.Second || r.Median <= r.Fresh || r.Worst > 60*time.Second+slack {
		t.Errorf("warm clients: median %v worst %v (fresh %v)", r.Median, r.Worst, r.Fresh)
	}
	t.Logf("fresh %v; warm median %v, worst %v; clock stepped %v", r.Fresh, r.Median, r.Worst, r.Stepped)
	if r.Stepped < r.Worst-time.Second {
		t.Errorf("the clock was stepped %v past the live rounds, less than the worst outage %v", r.Stepped, r.Worst)
	}
}

// A DFS fleet through a crash of the first target: the lab's DFS client
// moves to the next target of its referral within the same open, so no
// client sees an outage, warm or not (a real client would first wait for
// its SMB request to time out).
func TestDFSFleetThroughACrash(t *testing.T) {
	l := startDFSLab(t, true)
	const interval = 20 * time.Millisecond
	f, err := l.StartDFSClientFleet(testFolder+`\readme.txt`, FleetOptions{Warm: 5, Seed: 17, Interval: interval})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * interval)
	l.Host("server1").Crash()
	time.Sleep(3 * interval)
	r := f.Settle()
	if r.Unrecovered != 0 || len(r.Clients) != 6 || r.Fresh != 0 || r.Worst != 0 {
		t.Fatalf("report: %+v", r)
	}
	for _, c := range r.Clients {
		if c.Server != "server2" || c.Share != testFolder {
			t.Errorf("client %+v: want it on server2", c)
		}
	}
}
