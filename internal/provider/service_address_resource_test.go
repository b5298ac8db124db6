package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

func serviceAddressConfig(l *lab.Lab, o acctest.ProviderOpts, server, address string, prefix int, alias string) string {
	o.NoSAN = true
	return acctest.ProviderBlock(l, o) + fmt.Sprintf(`
resource "winfs_service_address" "files" {
  server          = %q
  address         = %q
  prefix_length   = %d
  interface_alias = %q
}
`, server, address, prefix, alias)
}

// ownerIs fails the test unless server (none when "") answers for the
// service address, and no other server has a copy of it.
func ownerIs(t *testing.T, l *lab.Lab, server string) {
	t.Helper()
	if got, _, _ := l.AddressOwner(lab.ServiceAddress); got != server {
		t.Fatalf("%s is answered for by %q, want %q", lab.ServiceAddress, got, server)
	}
	for _, name := range l.ServerNames() {
		for _, a := range l.Host(name).Addresses() {
			if a.Address == lab.ServiceAddress && name != server {
				t.Fatalf("%s still has %+v", name, a)
			}
		}
	}
	for _, v := range l.Invariants() {
		if v.Invariant == lab.ServiceAddressOnce {
			t.Fatal(v.Detail)
		}
	}
}

// addressNeverTwice: at no moment since mark did two hosts answer for one
// address.
func addressNeverTwice(t *testing.T, l *lab.Lab, mark uint64) {
	t.Helper()
	if v := lab.ReplayDoubleAddresses(acctest.EventsSince(l, mark)); len(v) > 0 {
		t.Fatalf("one host per address broken: %s", strings.Join(v, "; "))
	}
}

// TestAccServiceAddress_moves adds the address to server1, fails it over
// to server2 and back (removed from the old server before the new one
// takes it), sees it removed by hand as drift, imports it, and destroys it.
func TestAccServiceAddress_moves(t *testing.T) {
	l := parallelAccLab(t)
	tf := acctest.NewTerraform(t, testProvider)
	mark := acctest.Mark(l)
	tf.WriteConfig(serviceAddressConfig(l, acctest.ProviderOpts{}, "server1", lab.ServiceAddress, 24, "Ethernet"))
	tf.Apply()
	ownerIs(t, l, "server1")
	tf.PlanIsEmpty()

	for _, to := range []string{"server2", "server1"} {
		step := acctest.Mark(l)
		cfg := serviceAddressConfig(l, acctest.ProviderOpts{}, to, lab.ServiceAddress, 24, "Ethernet")
		if to == "server2" { // the documented example
			cfg = acctest.ProviderBlock(l, acctest.ProviderOpts{NoSAN: true}) + example(t, "resources/winfs_service_address/resource.tf")
		}
		tf.WriteConfig(cfg)
		tf.Apply()
		ownerIs(t, l, to)
		evs := acctest.EventsSince(l, step)
		from := map[string]string{"server1": "server2", "server2": "server1"}[to]
		removed, added := evs.Indexes(from, "address.remove", lab.ServiceAddress), evs.Indexes(to, "address.add", lab.ServiceAddress)
		if len(removed) != 1 || len(added) != 1 || removed[0] > added[0] {
			t.Fatalf("to %s: want the removal from %s, then the add:\n%s", to, from, evs)
		}
		tf.PlanIsEmpty()
	}
	if a := l.Host("server1").Addresses(); len(a) != 2 || !a[1].SkipAsSource || !a[1].Persistent || a[1].State != agent.AddressPreferred {
		t.Fatalf("server1's addresses: %+v", a)
	}

	// Removed by hand: the plan adds it again.
	if _, err := l.Host("server1").Execute(agent.AddressRemove.Name, json.RawMessage(`{"address":"`+lab.ServiceAddress+`"}`)); err != nil {
		t.Fatal(err)
	}
	plan := tf.Plan()
	if len(plan.ResourceChanges) != 1 || !plan.ResourceChanges[0].Change.Actions.Create() {
		t.Fatalf("want the address planned for creation, got %+v", plan.ResourceChanges)
	}
	tf.Apply()
	ownerIs(t, l, "server1")

	// Import (a configuration of its own) finds the server that has it.
	imp := acctest.NewTerraform(t, testProvider)
	imp.WriteConfig(serviceAddressConfig(l, acctest.ProviderOpts{}, "server1", lab.ServiceAddress, 24, "Ethernet") + `
import {
  to = winfs_service_address.files
  id = "` + lab.ServiceAddress + `"
}
`)
	imp.Apply()
	got := imp.State().Values.RootModule.Resources[0].AttributeValues
	if got["server"] != "server1" || got["prefix_length"] != float64(24) || got["interface_alias"] != "Ethernet" {
		t.Fatalf("imported %v", got)
	}
	imp.PlanIsEmpty()

	if res := tf.Run("destroy", "-auto-approve"); res.Code != 0 {
		t.Fatalf("destroy: %s", res.Explain())
	}
	ownerIs(t, l, "")
	addressNeverTwice(t, l, mark)
}

// TestAccServiceAddress_copyLeftOnAnotherServer: a copy on the other
// server (an administrator's, or a crashed server's that came back) is
// drift; the apply removes it and keeps the address where it belongs.
func TestAccServiceAddress_crashedServerComesBack(t *testing.T) {
	l := parallelAccLab(t)
	tf := acctest.NewTerraform(t, testProvider)
	tf.WriteConfig(serviceAddressConfig(l, acctest.ProviderOpts{Fenced: true}, "server1", lab.ServiceAddress, 24, "Ethernet"))
	tf.Apply()
	acctest.Fault(t, l, lab.FaultRequest{Server: "server1", Kind: "crash"})
	// The crash failover: server1 cannot be reached, its copy does not answer.
	tf.WriteConfig(serviceAddressConfig(l, acctest.ProviderOpts{Fenced: true}, "server2", lab.ServiceAddress, 24, "Ethernet"))
	res := tf.Apply()
	if !res.HasDiagnostic("warning", "Server unreachable: service address not removed there") {
		t.Fatalf("want a warning about server1, got %s", res.Explain())
	}
	if owner, _, _ := l.AddressOwner(lab.ServiceAddress); owner != "server2" {
		t.Fatalf("after the crash failover %s answers", owner)
	}
	// server1 boots with the address in its PersistentStore: duplicate
	// address detection finds server2 answering, so server1 does not use it.
	l.ClearFaults()
	if owner, _, _ := l.AddressOwner(lab.ServiceAddress); owner != "server2" {
		t.Fatalf("after server1's boot %s answers", owner)
	}
	var dup bool
	for _, a := range l.Host("server1").Addresses() {
		dup = dup || a.Address == lab.ServiceAddress && a.State == agent.AddressDuplicate
	}
	if !dup {
		t.Fatalf("server1 after boot: %+v", l.Host("server1").Addresses())
	}
	plan := tf.Plan()
	if len(plan.ResourceChanges) != 1 || !plan.ResourceChanges[0].Change.Actions.Update() {
		t.Fatalf("want server1's copy planned away (an update), got %+v", plan.ResourceChanges)
	}
	tf.Apply()
	ownerIs(t, l, "server2")
	tf.PlanIsEmpty()
}

// TestAccServiceAddress_interruptedFailover: the failover stops after the
// address left server1 and before server2 has it (server2's agent stuck,
// then server2 unreachable); the next apply puts it on server2. An agent lost after the add ran is
// caught up in the same apply.
func TestAccServiceAddress_interruptedFailover(t *testing.T) {
	l := parallelAccLab(t)
	tf := acctest.NewTerraform(t, testProvider)
	opts := acctest.ProviderOpts{Timeout: "5s"}
	tf.WriteConfig(serviceAddressConfig(l, opts, "server1", lab.ServiceAddress, 24, "Ethernet"))
	tf.Apply()
	acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "hang_agent", Op: agent.AddressAdd.Name})
	// While its agent is stuck, server2 drops off the network: the client's
	// second try cannot reach it either.
	stuck := make(chan error, 1)
	go func() {
		for i := 0; i < 3000 && acctest.AllEvents(l).Count("server2", "fault.fire", agent.AddressAdd.Name) == 0; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		stuck <- l.InjectFault(lab.FaultRequest{Server: "server2", Kind: "unreachable"})
	}()
	tf.WriteConfig(serviceAddressConfig(l, opts, "server2", lab.ServiceAddress, 24, "Ethernet"))
	if res := tf.Run("apply", "-auto-approve"); res.Code == 0 {
		t.Fatalf("the apply with server2 gone succeeded: %s", res.Explain())
	}
	if err := <-stuck; err != nil {
		t.Fatal(err)
	}
	l.ClearFaults()
	ownerIs(t, l, "")
	tf.Apply()
	ownerIs(t, l, "server2")
	tf.PlanIsEmpty()

	mark := acctest.Mark(l)
	acctest.Fault(t, l, lab.FaultRequest{Server: "server1", Kind: "kill_agent", Op: agent.AddressAdd.Name})
	tf.WriteConfig(serviceAddressConfig(l, opts, "server1", lab.ServiceAddress, 24, "Ethernet"))
	tf.Apply()
	ownerIs(t, l, "server1")
	if n := acctest.EventsSince(l, mark).Count("server1", "address.add", lab.ServiceAddress); n != 1 {
		t.Fatalf("added %d times", n)
	}
	tf.PlanIsEmpty()
}

// TestAccServiceAddress_refused: what cannot work is refused, at plan time
// when the server can tell, at apply time when only duplicate address
// detection can, naming the attribute; nothing is left on a server.
func TestAccServiceAddress_refused(t *testing.T) {
	l := parallelAccLab(t)
	server2Own := ""
	for _, a := range l.Host("server2").Addresses() {
		server2Own = a.Address
	}
	var refusals []acctest.Refusal
	for name, c := range map[string]struct {
		server, address string
		prefix          int
		alias, want     string
	}{
		"interface absent":   {"server1", lab.ServiceAddress, 24, "Ethernet 9", `(?s)interface_alias.*no network adapter named "Ethernet 9"`},
		"another subnet":     {"server1", "10.1.2.3", 24, "Ethernet", `(?s)address.*not in the subnet of interface "Ethernet".*192\.168\.0\.0/24`},
		"another prefix":     {"server1", lab.ServiceAddress, 25, "Ethernet", `(?s)address.*not in the subnet`},
		"the server's own":   {"server2", server2Own, 24, "Ethernet", `(?s)address.*one of server2's own addresses`},
		"not IPv4":           {"server1", "fd00::50", 64, "Ethernet", `(?s)address.*not an IPv4 address`},
		"leading zero":       {"server1", "192.168.0.050", 24, "Ethernet", `(?s)address.*not an IPv4 address`},
		"prefix beyond 32":   {"server1", lab.ServiceAddress, 33, "Ethernet", `(?s)prefix_length.*between 1 and 32`},
		"wildcard interface": {"server1", lab.ServiceAddress, 24, "Ether*", `(?s)interface_alias.*network adapter name`},
		"unknown server":     {"server3", lab.ServiceAddress, 24, "Ethernet", `(?s)server.*not one of the provider's servers`},
	} {
		refusals = append(refusals, acctest.Refusal{Name: name, Config: serviceAddressConfig(l, acctest.ProviderOpts{}, c.server, c.address, c.prefix, c.alias), Want: regexp.MustCompile(c.want)})
	}
	expectRefusals(t, refusals)

	// Another server's own address is never taken off it.
	t.Run("another server's own", func(t *testing.T) {
		tf := acctest.NewTerraform(t, testProvider)
		tf.WriteConfig(serviceAddressConfig(l, acctest.ProviderOpts{}, "server1", server2Own, 24, "Ethernet"))
		res := tf.Run("apply", "-auto-approve")
		if res.Code == 0 || !regexp.MustCompile(`(?s)address: .*one of SERVER2's own addresses`).MatchString(res.Explain()) {
			t.Fatalf("want the removal from server2 refused, got %s", res.Explain())
		}
		if owner, _, _ := l.AddressOwner(server2Own); owner != "server2" {
			t.Fatalf("%s is now answered for by %q", server2Own, owner)
		}
	})

	// An adapter configured by DHCP is refused: adding a static address
	// would turn DHCP off on it.
	t.Run("dhcp", func(t *testing.T) {
		l.Host("server2").SetInterfaceDHCP("Ethernet", true)
		defer l.Host("server2").SetInterfaceDHCP("Ethernet", false)
		expectPlanError(t, serviceAddressConfig(l, acctest.ProviderOpts{}, "server2", lab.ServiceAddress, 24, "Ethernet"),
			regexp.MustCompile(`(?s)interface_alias: interface "Ethernet" of server2 uses DHCP`))
	})

	// A printer answers for the address: duplicate address detection
	// refuses it at apply time and the address is taken off again.
	t.Run("in use on the link", func(t *testing.T) {
		const printer = "192.168.0.60"
		if err := l.AddDevice(printer, "a printer"); err != nil {
			t.Fatal(err)
		}
		tf := acctest.NewTerraform(t, testProvider)
		tf.WriteConfig(serviceAddressConfig(l, acctest.ProviderOpts{}, "server1", printer, 24, "Ethernet"))
		res := tf.Run("apply", "-auto-approve")
		if res.Code == 0 || !res.HasDiagnostic("error", "Cannot add the service address", "address: another host on the link answers for 192.168.0.60", "free address") {
			t.Fatalf("want the address refused as in use, got %s", res.Explain())
		}
		if owner, device, _ := l.AddressOwner(printer); owner != "" || device != "a printer" {
			t.Fatalf("%s: owner %q, device %q", printer, owner, device)
		}
		for _, a := range l.Host("server1").Addresses() {
			if a.Address == printer {
				t.Fatalf("server1 kept %+v", a)
			}
		}
		if n := acctest.AllEvents(l).Count("server1", "address.duplicate", printer); n != 1 {
			t.Fatalf("want one duplicate found, timeline:\n%s", acctest.AllEvents(l))
		}
	})
}

// TestAccFailover_floatingIP applies examples/failover with the service
// address of examples/failover-floating-ip: on an estate managed by
// examples/failover, it adds the address to server1 and points the alias
// at its name; a failover and a
// failback move the address after the shares and the SPNs, the alias
// never changes again, and no address is ever on two hosts.
func TestAccFailover_floatingIP(t *testing.T) {
	t.Parallel()
	l, tf := startEstate(t)
	raw, err := os.ReadFile("../../examples/failover-floating-ip/service-address.tfvars")
	if err != nil {
		t.Fatal(err)
	}
	// The estate is managed as examples/failover first (adopting the alias
	// made by hand), then given the address: one in-place alias update.
	tf.Apply("-var", "active=server1")
	tf.WriteFile("service-address.auto.tfvars", string(raw))
	mark := acctest.Mark(l)
	tf.Apply("-var", "active=server1")
	ownerIs(t, l, "server1")
	if n := acctest.EventsSince(l, mark).Count("dns", "dns.replace", ""); n != 1 {
		t.Fatalf("want the alias switched to the address's name once, got %d", n)
	}
	if target, addrs, err := l.Resolve(lab.AliasName); err != nil || target != lab.ServiceAddressName || strings.Join(addrs, ",") != lab.ServiceAddress {
		t.Fatalf("the alias resolves to %q %v (%v)", target, addrs, err)
	}
	tf.PlanIsEmpty("-var", "active=server1")

	for _, move := range []struct{ from, to string }{{"server1", "server2"}, {"server2", "server1"}} {
		step := acctest.Mark(l)
		tf.Apply("-var", "active="+move.to)
		evs := acctest.EventsSince(l, step)
		created := evs.Indexes(move.to, "share.create", "")
		spn := evs.Indexes("ad", "spn.change", strings.ToUpper(move.to)+": +")
		removed := evs.Indexes(move.from, "address.remove", lab.ServiceAddress)
		added := evs.Indexes(move.to, "address.add", lab.ServiceAddress)
		if len(created) == 0 || len(spn) != 1 || len(removed) != 1 || len(added) != 1 ||
			!(created[len(created)-1] < spn[0] && spn[0] < removed[0] && removed[0] < added[0]) {
			t.Fatalf("to %s: want shares created, SPNs moved, the address removed from %s, then added:\n%s", move.to, move.from, evs)
		}
		if n := evs.Count("dns", "", ""); n != 0 {
			t.Fatalf("the alias changed in a failover with a service address:\n%s", evs.Filter("dns", "", ""))
		}
		ownerIs(t, l, move.to)
		if err := estateSound(l)(); err != nil {
			t.Fatal(err)
		}
		if err := filesIntact(l, move.to)(); err != nil {
			t.Fatal(err)
		}
		tf.PlanIsEmpty("-var", "active="+move.to)
	}
	addressNeverTwice(t, l, mark)
}
