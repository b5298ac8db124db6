package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// The estate's LAN: one IPv4 subnet holding the servers' interfaces, the
// gateway and whatever else an administrator plugged in. Each server's
// adapter Ethernet has the address of its A record in the zone (the
// address it registered) and takes service addresses (winfs_service_address)
// on top. Clients talk to an address: the host that answers ARP for it now
// is AddressOwner.
const (
	// Subnet is the servers' subnet.
	Subnet = "192.168.0.0/24"
	// InterfaceAlias is the servers' one network adapter, as Windows names
	// the first Ethernet adapter of a fresh install.
	InterfaceAlias = "Ethernet"
	interfaceIndex = 6
	// ServiceAddress is the address of the file service in the examples'
	// floating-address estate, and ServiceAddressName the name an
	// administrator made for it once (an A record that never changes).
	ServiceAddress     = "192.168.0.50"
	ServiceAddressName = "files-svc.corp.example.com."
	// Gateway is the subnet's router: another device answering ARP.
	Gateway = "192.168.0.1"
)

// ServiceAddressOnce is the invariant of the LAN: an address answered for
// by two hosts reaches either at random (each ARP reply overwrites the
// last), so clients see shares appear and vanish.
const ServiceAddressOnce Invariant = "one host per address"

// network is the LAN beyond the lab's servers: devices by address.
type network struct {
	mu      sync.Mutex
	devices map[netip.Addr]string // address -> what it is
}

// lan is the Link of every host: the other servers and the devices.
type lan struct{ l *Lab }

func (n lan) Answers(ip netip.Addr, asker string) string {
	for _, name := range n.l.ServerNames() {
		if name != asker && n.l.servers[name].host.Answers(ip) {
			return strings.ToUpper(name)
		}
	}
	n.l.net.mu.Lock()
	defer n.l.net.mu.Unlock()
	return n.l.net.devices[ip]
}

// startNetwork puts each server on the LAN with the address its A record
// gives it (or the next free one of the subnet), the gateway on it, and
// the service address's name in the zone.
func (l *Lab) startNetwork() error {
	subnet := netip.MustParsePrefix(Subnet)
	l.net = &network{devices: map[netip.Addr]string{netip.MustParseAddr(Gateway): "the gateway " + Gateway}}
	next := netip.MustParseAddr("192.168.0.10")
	for _, name := range l.ServerNames() {
		own := netip.Addr{}
		if rrs, _ := l.dns.zone.Lookup(name+"."+DNSZone, dns.TypeA); len(rrs) > 0 {
			own, _ = netip.AddrFromSlice(rrs[0].(*dns.A).A.To4())
		}
		if !own.IsValid() || !subnet.Contains(own) {
			own, next = next, next.Next()
		}
		l.servers[name].host.SetNetwork(lan{l}, InterfaceAlias, interfaceIndex, netip.PrefixFrom(own, subnet.Bits()))
	}
	return l.dns.zone.Seed(strings.TrimSuffix(ServiceAddressName, "."+DNSZone) + " 3600 IN A " + ServiceAddress)
}

// AddressOwner says which lab server answers for ip now (its interface
// has it, duplicate address detection passed, the server is up): where a
// client that connects to ip reaches. ok is false when no server does: no
// one, or a device that is no server of the lab (device names it).
func (l *Lab) AddressOwner(ip string) (server, device string, ok bool) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "", "", false
	}
	for _, name := range l.ServerNames() {
		if l.servers[name].host.Answers(a) {
			return name, "", true
		}
	}
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	return "", l.net.devices[a], false
}

// serverOf is the lab server a name of the zone leads to: the server of
// that name, or the one that answers for the name's address (the name of a
// service address).
func (l *Lab) serverOf(fqdn string) (string, bool) {
	if name, ok := strings.CutSuffix(strings.ToLower(dns.Fqdn(fqdn)), "."+DNSZone); ok && l.servers[name] != nil {
		return name, true
	}
	rrs, _ := l.dns.zone.Lookup(fqdn, dns.TypeA)
	for _, rr := range rrs {
		if owner, _, ok := l.AddressOwner(rr.(*dns.A).A.String()); ok {
			return owner, true
		}
	}
	return "", false
}

// AddDevice plugs a device that answers for ip into the LAN (a printer
// given the address by mistake); RemoveDevice unplugs it.
func (l *Lab) AddDevice(ip, what string) error {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return fmt.Errorf("device address %q is not an IPv4 address", ip)
	}
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	l.net.devices[a] = what
	l.Timeline.Record("lan", "device.add", what+" answers for "+ip)
	return nil
}

// RemoveDevice unplugs the device at ip.
func (l *Lab) RemoveDevice(ip string) {
	a, _ := netip.ParseAddr(ip)
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	if what, ok := l.net.devices[a]; ok {
		delete(l.net.devices, a)
		l.Timeline.Record("lan", "device.remove", what+" at "+ip)
	}
}

// addressHeldOnce: no address is answered for by two hosts or devices.
func addressHeldOnce(l *Lab) []Violation {
	if l.net == nil {
		return nil
	}
	holders := map[string][]string{}
	for _, name := range l.ServerNames() {
		h := l.servers[name].host
		for _, a := range h.Addresses() {
			if ip := netip.MustParseAddr(a.Address); h.Answers(ip) {
				holders[a.Address] = append(holders[a.Address], name)
			}
		}
	}
	l.net.mu.Lock()
	for ip, what := range l.net.devices {
		if held := holders[ip.String()]; len(held) > 0 {
			holders[ip.String()] = append(held, what)
		}
	}
	l.net.mu.Unlock()
	for ip, held := range holders {
		if len(held) < 2 {
			delete(holders, ip)
		} else {
			slices.Sort(held)
		}
	}
	return heldTwice(ServiceAddressOnce, holders, func(ip, by string) string {
		return fmt.Sprintf("%s is answered for by %s: clients reach either", ip, by)
	})
}

// ReplayDoubleAddresses replays the address events of a timeline slice
// that starts before any service address was added, and lists each moment
// an address was answered for by two hosts: the invariant judged at every
// step, not only at the end.
func ReplayDoubleAddresses(evs []timeline.Event) []string {
	held := map[string][]string{} // address -> hosts answering
	var out []string
	for _, ev := range evs {
		ip, _, _ := strings.Cut(ev.Detail, " ")
		ip, _, _ = strings.Cut(ip, "/")
		switch ev.Kind {
		case "address.add":
			held[ip] = append(held[ip], ev.Host)
			if len(held[ip]) > 1 {
				out = append(out, fmt.Sprintf("%s answered for by %s (%s)", ip, strings.Join(held[ip], " and "), ev.Detail))
			}
		case "address.remove":
			held[ip] = slices.DeleteFunc(held[ip], func(h string) bool { return h == ev.Host })
		case "host.crash": // the ActiveStore is lost; the boot adds its addresses again
			for a := range held {
				held[a] = slices.DeleteFunc(held[a], func(h string) bool { return h == ev.Host })
			}
		}
	}
	return out
}
