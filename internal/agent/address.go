package agent

import (
	"fmt"
	"net/netip"
	"regexp"
)

// The address area: an IPv4 address that belongs to the file service, not
// to a server, added to the active server's network interface and removed
// from the others (NetTCPIP: Get-NetIPAddress, New-NetIPAddress,
// Remove-NetIPAddress; NetAdapter: Get-NetAdapter). Only IPv4: its
// duplicate address detection is the ARP probe every host on the link
// answers.

// Error codes of the address area.
const (
	CodeInterfaceNotFound  = "interface_not_found"   // no network adapter of that name
	CodeAddressInUse       = "address_in_use"        // duplicate address detection found another holder, or the address is the server's own
	CodeAddressNotInSubnet = "address_not_in_subnet" // the address is outside the subnets of the interface's own addresses
	// CodeInterfaceDHCP: the interface gets its address from DHCP, which
	// New-NetIPAddress would turn off ("If you run this cmdlet to add an IP
	// address to an interface on which DHCP is already enabled, then DHCP
	// is automatically disabled").
	CodeInterfaceDHCP = "interface_dhcp"
)

// Address states: Get-NetIPAddress's AddressState (the state of duplicate
// address detection) in wire form.
const (
	AddressPreferred  = "preferred"  // valid and in use
	AddressTentative  = "tentative"  // its uniqueness is being checked: not used yet
	AddressDuplicate  = "duplicate"  // another host answers for it: not used
	AddressDeprecated = "deprecated" // kept for existing connections only
	AddressInvalid    = "invalid"
)

// InterfaceAliasPattern is what an interface alias (a network adapter's
// name, e.g. "Ethernet" or "Ethernet 2") may be: printable ASCII without
// the wildcard characters Get-NetAdapter -Name would expand; the agent
// matches the name by hand.
var InterfaceAliasPattern = regexp.MustCompile(`^[A-Za-z0-9 _().,:#+-]{1,256}$`)

// IPAddress is one IPv4 address of an interface, as Get-NetIPAddress
// reports it.
type IPAddress struct {
	Address        string `json:"address"`
	PrefixLength   int    `json:"prefix_length"`
	InterfaceAlias string `json:"interface_alias"`
	InterfaceIndex int    `json:"interface_index"`
	State          string `json:"state"` // AddressPreferred, AddressTentative, ...
	// SkipAsSource: the address is not used as the source of the host's
	// own traffic and not registered in DNS (New-NetIPAddress -SkipAsSource).
	SkipAsSource bool `json:"skip_as_source"`
	// Persistent: the address is in the PersistentStore too, so it comes
	// back after a restart.
	Persistent bool `json:"persistent"`
}

// NetInterface is a network adapter and the IPv4 addresses of its
// interface (ActiveStore).
type NetInterface struct {
	Alias     string      `json:"alias"`
	Index     int         `json:"index"`
	DHCP      bool        `json:"dhcp"` // Get-NetIPInterface -AddressFamily IPv4: Dhcp Enabled
	Addresses []IPAddress `json:"addresses"`
}

// AddressGetParams names an address and the interface it should be on.
type AddressGetParams struct {
	Address        string `json:"address"`
	InterfaceAlias string `json:"interface_alias"`
}

// AddressGetResult is the interface (nil when the host has no adapter of
// that name) and the address wherever it is on this host (nil when the
// host does not have it, in either store).
type AddressGetResult struct {
	Interface *NetInterface `json:"interface"`
	Address   *IPAddress    `json:"address"`
}

// AddressAddParams adds Address/PrefixLength to the interface, skip as
// source, in both stores; the agent then waits for duplicate address
// detection to end. An address another host answers for is
// CodeAddressInUse (and is removed again); one outside the subnets of the
// interface's own addresses, or with another prefix length, is
// CodeAddressNotInSubnet; an interface using DHCP is CodeInterfaceDHCP. An address already there as asked is adopted.
type AddressAddParams struct {
	Address        string `json:"address"`
	PrefixLength   int    `json:"prefix_length"`
	InterfaceAlias string `json:"interface_alias"`
}

// AddressAddResult is the address after duplicate address detection, and
// whether it was added (false: it was already there).
type AddressAddResult struct {
	Added   bool      `json:"added"`
	Address IPAddress `json:"address"`
}

// AddressRemoveParams names the address to remove from whichever interface
// of the host has it, in both stores. Only a service address (skip as
// source) is removed: one of the host's own addresses is CodeAddressInUse.
type AddressRemoveParams struct {
	Address string `json:"address"`
}

// AddressRemoveResult says whether the host had the address.
type AddressRemoveResult struct {
	Existed bool `json:"existed"`
}

// ParseIPv4 reads an address as the agent does: four decimal octets, no
// leading zeros (which some parsers read as octal), no zone.
func ParseIPv4(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() || a.String() != s {
		return netip.Addr{}, fmt.Errorf("%q is not an IPv4 address in dotted decimal, e.g. 192.168.0.50", s)
	}
	return a, nil
}

// SubnetOf returns the subnet of the interface's own addresses (those used
// as source) that holds addr with prefix length prefix, or why there is
// none: what address.add refuses as CodeAddressNotInSubnet.
func SubnetOf(ifc NetInterface, addr netip.Addr, prefix int) (netip.Prefix, error) {
	var subnets []string
	for _, own := range ifc.Addresses {
		a, err := netip.ParseAddr(own.Address)
		if err != nil || own.SkipAsSource || !a.Is4() {
			continue
		}
		p := netip.PrefixFrom(a, own.PrefixLength).Masked()
		if p.Contains(addr) && own.PrefixLength == prefix {
			return p, nil
		}
		subnets = append(subnets, p.String())
	}
	if len(subnets) == 0 {
		return netip.Prefix{}, fmt.Errorf("interface %q has no IPv4 address of its own to take the subnet from", ifc.Alias)
	}
	return netip.Prefix{}, fmt.Errorf("%s/%d is not in the subnet of interface %q (%v): clients on that subnet could not reach it", addr, prefix, ifc.Alias, subnets)
}
