package winhost

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// The host's network adapters and their IPv4 addresses, as the NetTCPIP
// module shows them (Windows Server 2016 cmdlet reference):
//   - every address is in the ActiveStore (in use now) and, unless added
//     with -PolicyStore ActiveStore, in the PersistentStore, which "the
//     computer copies to the ActiveStore when it restarts"
//     (New-NetIPAddress -PolicyStore); a power loss loses the ActiveStore;
//   - a new address is Tentative and "not usable until duplicate address
//     detection successfully finishes" (New-NetIPAddress); it is then
//     Preferred, or Duplicate when another host answered for it: "a
//     duplicate IP address has been detected and the current IP address
//     will not be used" (Get-NetIPAddress -AddressState). For IPv4 the
//     probes are ARP requests for the address itself; the host that had it
//     first keeps it. The same check runs for the PersistentStore's
//     addresses at boot;
//   - once Preferred, the host announces the address with a gratuitous ARP
//     (Microsoft KB 199773 documents it for Windows NT 4.0: "whenever a
//     statically configured IP address is changed, Windows NT sends a
//     single gratuitous ARP"; the lab assumes later versions do the same),
//     which updates the entry of every neighbour that already had one for
//     it (RFC 826: "if the pair <protocol type, sender protocol address> is
//     already in my translation table, update the sender hardware address
//     field"): clients talking to the address follow at once.
// How long detection takes is the latency model's (SetDADTime).

// Link is the host's network segment: who else answers ARP for an address.
type Link interface {
	// Answers names the other host or device that answers for ip now, ""
	// when none does. asker is the host that probes.
	Answers(ip netip.Addr, asker string) string
}

type network struct {
	link     Link
	adapters []*adapter
	dad      time.Duration // duplicate address detection (latency model)
}

type adapter struct {
	alias string
	index int
	dhcp  bool // Get-NetIPInterface -AddressFamily IPv4: Dhcp Enabled
	addrs []*ipAddr
}

type ipAddr struct {
	ip           netip.Addr
	prefix       int
	skipAsSource bool
	active       bool // in the ActiveStore
	persistent   bool // in the PersistentStore
	state        string
}

// SetNetwork gives the host one adapter, alias (ifIndex index), with its
// own static address own (used as source, in both stores) on link.
func (h *Host) SetNetwork(link Link, alias string, index int, own netip.Prefix) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.net.link = link
	h.net.adapters = []*adapter{{alias: alias, index: index, addrs: []*ipAddr{
		{ip: own.Addr(), prefix: own.Bits(), active: true, persistent: true, state: agent.AddressPreferred},
	}}}
}

// SetInterfaceDHCP turns DHCP on or off on the adapter named alias, as
// Set-NetIPInterface -Dhcp does (an administrator's change).
func (h *Host) SetInterfaceDHCP(alias string, on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ad := h.adapterLocked(alias); ad != nil {
		ad.dhcp = on
	}
}

// SetDADTime sets how long duplicate address detection takes.
func (h *Host) SetDADTime(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.net.dad = d
}

// Answers says whether the host answers for ip now: it is up and has the
// address in use (Preferred, or Deprecated for the connections it has).
func (h *Host) Answers(ip netip.Addr) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, a := h.findAddrLocked(ip)
	return !h.down && a != nil && a.active && (a.state == agent.AddressPreferred || a.state == agent.AddressDeprecated)
}

// Addresses lists every IPv4 address of the host's adapters, in both
// stores, as address.get reports them.
func (h *Host) Addresses() []agent.IPAddress {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []agent.IPAddress
	for _, ad := range h.net.adapters {
		for _, a := range ad.addrs {
			out = append(out, wireAddr(ad, a))
		}
	}
	return out
}

func (h *Host) adapterLocked(alias string) *adapter {
	for _, ad := range h.net.adapters {
		if strings.EqualFold(ad.alias, alias) {
			return ad
		}
	}
	return nil
}

// findAddrLocked finds ip on any adapter.
func (h *Host) findAddrLocked(ip netip.Addr) (*adapter, *ipAddr) {
	for _, ad := range h.net.adapters {
		for _, a := range ad.addrs {
			if a.ip == ip {
				return ad, a
			}
		}
	}
	return nil, nil
}

func (h *Host) dropAddrLocked(ip netip.Addr) bool {
	for _, ad := range h.net.adapters {
		for i, a := range ad.addrs {
			if a.ip == ip {
				ad.addrs = slices.Delete(ad.addrs, i, i+1)
				return true
			}
		}
	}
	return false
}

func wireAddr(ad *adapter, a *ipAddr) agent.IPAddress {
	state := a.state
	if !a.active {
		state = agent.AddressInvalid // only in the PersistentStore: in use after the next restart
	}
	return agent.IPAddress{Address: a.ip.String(), PrefixLength: a.prefix, InterfaceAlias: ad.alias, InterfaceIndex: ad.index,
		State: state, SkipAsSource: a.skipAsSource, Persistent: a.persistent}
}

func (h *Host) wireInterfaceLocked(ad *adapter) *agent.NetInterface {
	out := &agent.NetInterface{Alias: ad.alias, Index: ad.index, DHCP: ad.dhcp, Addresses: []agent.IPAddress{}}
	for _, a := range ad.addrs {
		if a.active {
			out.Addresses = append(out.Addresses, wireAddr(ad, a))
		}
	}
	return out
}

// loseActiveAddressesLocked is a power loss: the ActiveStore is memory.
func (h *Host) loseActiveAddressesLocked() {
	for _, ad := range h.net.adapters {
		ad.addrs = slices.DeleteFunc(ad.addrs, func(a *ipAddr) bool { return !a.persistent })
		for _, a := range ad.addrs {
			a.active = false
		}
	}
}

// restoreAddressesLocked is the boot's copy of the PersistentStore to the
// ActiveStore: every address tentative until settleBootAddresses.
func (h *Host) restoreAddressesLocked() {
	for _, ad := range h.net.adapters {
		for _, a := range ad.addrs {
			a.active, a.state = true, agent.AddressTentative
		}
	}
}

// settleBootAddresses runs duplicate address detection for the addresses
// a boot restored, outside the host's lock: it asks the other hosts.
func (h *Host) settleBootAddresses() {
	h.mu.Lock()
	var pending []netip.Addr
	for _, ad := range h.net.adapters {
		for _, a := range ad.addrs {
			if a.active && a.state == agent.AddressTentative {
				pending = append(pending, a.ip)
			}
		}
	}
	h.mu.Unlock()
	for _, ip := range pending {
		h.settle(ip)
	}
}

// settle ends duplicate address detection for ip: Duplicate when another
// host answers for it, Preferred otherwise. It returns the holder found
// ("" when none) and whether ip was still tentative on this host.
func (h *Host) settle(ip netip.Addr) (string, bool) {
	other := ""
	h.mu.Lock()
	link := h.net.link
	h.mu.Unlock()
	if link != nil {
		other = link.Answers(ip, h.name)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ad, a := h.findAddrLocked(ip)
	if h.down || a == nil || !a.active || a.state != agent.AddressTentative {
		return other, false
	}
	if other != "" {
		a.state = agent.AddressDuplicate
		h.record("address.duplicate", a.ip.String()+" on "+ad.alias+": "+other+" answers for it (duplicate address detection); not used")
		return other, true
	}
	a.state = agent.AddressPreferred
	h.record("address.add", a.ip.String()+"/"+strconv.Itoa(a.prefix)+" on "+ad.alias+": preferred after duplicate address detection, announced by gratuitous ARP")
	return "", true
}
