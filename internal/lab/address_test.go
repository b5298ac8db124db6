package lab

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

func addressOp(t *testing.T, l *Lab, server, op string, p any) *agent.Error {
	t.Helper()
	raw, _ := json.Marshal(p)
	_, err := l.Host(server).Execute(op, raw)
	return err
}

func ownerOf(l *Lab, ip string) string {
	owner, _, _ := l.AddressOwner(ip)
	return owner
}

// TestServiceAddressOwner: the servers answer for the addresses of their A
// records; a service address answers nowhere while duplicate address
// detection runs, then on its server; a second server cannot take it while
// the first answers; a crashed server's copy answers again after its boot
// unless another server took the address meanwhile.
func TestServiceAddressOwner(t *testing.T) {
	l, err := Start(Options{Latency: Latency{Name: "dad", DAD: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if ownerOf(l, "192.168.0.201") != "server1" || ownerOf(l, "192.168.0.200") != "server2" {
		t.Fatalf("own addresses: %q %q", ownerOf(l, "192.168.0.201"), ownerOf(l, "192.168.0.200"))
	}
	if owner, device, ok := l.AddressOwner(Gateway); ok || owner != "" || device == "" {
		t.Fatalf("the gateway: %q %q %v", owner, device, ok)
	}
	add := agent.AddressAddParams{Address: ServiceAddress, PrefixLength: 24, InterfaceAlias: InterfaceAlias}
	done := make(chan *agent.Error, 1)
	go func() { done <- addressOp(t, l, "server1", agent.AddressAdd.Name, add) }()
	time.Sleep(100 * time.Millisecond)
	if o := ownerOf(l, ServiceAddress); o != "" {
		t.Fatalf("tentative address answered by %q", o)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if o := ownerOf(l, ServiceAddress); o != "server1" {
		t.Fatalf("after detection: %q", o)
	}
	if err := addressOp(t, l, "server2", agent.AddressAdd.Name, add); err == nil || err.Code != agent.CodeAddressInUse {
		t.Fatalf("server2 took an address server1 answers for: %v", err)
	}
	if n := len(l.Host("server2").Addresses()); n != 1 {
		t.Fatalf("server2 kept the duplicate: %+v", l.Host("server2").Addresses())
	}
	if err := addressOp(t, l, "server1", agent.AddressRemove.Name, agent.AddressRemoveParams{Address: ServiceAddress}); err != nil {
		t.Fatal(err)
	}
	if err := addressOp(t, l, "server2", agent.AddressAdd.Name, add); err != nil {
		t.Fatal(err)
	}
	if o := ownerOf(l, ServiceAddress); o != "server2" {
		t.Fatalf("after the move: %q", o)
	}

	// server2 crashes: its copy is gone until it boots, and comes back then.
	if err := l.InjectFault(FaultRequest{Server: "server2", Kind: "crash"}); err != nil {
		t.Fatal(err)
	}
	if o := ownerOf(l, ServiceAddress); o != "" {
		t.Fatalf("a crashed server answers: %q", o)
	}
	l.ClearFaults()
	if o := ownerOf(l, ServiceAddress); o != "server2" {
		t.Fatalf("after the boot: %q", o)
	}
	// It crashes again and server1 takes the address: at boot server2
	// finds it answered for and does not use its copy.
	if err := l.InjectFault(FaultRequest{Server: "server2", Kind: "crash"}); err != nil {
		t.Fatal(err)
	}
	if err := addressOp(t, l, "server1", agent.AddressAdd.Name, add); err != nil {
		t.Fatal(err)
	}
	l.ClearFaults()
	if o := ownerOf(l, ServiceAddress); o != "server1" {
		t.Fatalf("after server2's second boot: %q", o)
	}
	// An adapter configured by DHCP takes no static address: Windows would
	// turn DHCP off on it.
	l.Host("server2").SetInterfaceDHCP(InterfaceAlias, true)
	other := add
	other.Address = "192.168.0.51"
	if err := addressOp(t, l, "server2", agent.AddressAdd.Name, other); err == nil || err.Code != agent.CodeInterfaceDHCP {
		t.Fatalf("a DHCP adapter took a static address: %v", err)
	}
	if n := l.Timeline.Events(); len(ReplayDoubleAddresses(n)) != 0 {
		t.Fatalf("doubles: %v", ReplayDoubleAddresses(n))
	}
	if v := l.Invariants(); len(v) != 0 {
		t.Fatalf("invariants: %+v", v)
	}
}

// TestReplayDoubleAddresses finds an address added on a second host before
// it left the first.
func TestReplayDoubleAddresses(t *testing.T) {
	evs := []timeline.Event{
		{Host: "server1", Kind: "address.add", Detail: "192.168.0.50/24 on Ethernet: preferred"},
		{Host: "server1", Kind: "address.remove", Detail: "192.168.0.50 from Ethernet"},
		{Host: "server2", Kind: "address.add", Detail: "192.168.0.50/24 on Ethernet: preferred"},
	}
	if got := ReplayDoubleAddresses(evs); len(got) != 0 {
		t.Fatalf("in order: %v", got)
	}
	evs[1], evs[2] = evs[2], evs[1]
	if got := ReplayDoubleAddresses(evs); len(got) != 1 {
		t.Fatalf("out of order: %v", got)
	}
}
