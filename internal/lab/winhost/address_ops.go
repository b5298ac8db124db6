package winhost

import (
	"net/netip"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// The address operations, as agent.ps1 does them with Get-NetAdapter,
// Get-NetIPAddress, New-NetIPAddress -SkipAsSource $true and
// Remove-NetIPAddress in both policy stores (address.go says how Windows
// behaves).

// lockAddress checks an address and an interface alias (none when
// withAlias is false) and, when they are valid, locks the host.
func (h *Host) lockAddress(address string, withAlias bool, alias string) (netip.Addr, *agent.Error) {
	ip, err := agent.ParseIPv4(address)
	if err != nil {
		return netip.Addr{}, agent.Errorf(agent.CodeInvalidParams, "invalid params: address %v", err)
	}
	if withAlias {
		if aerr := checkInterfaceAlias(alias); aerr != nil {
			return netip.Addr{}, aerr
		}
	}
	h.mu.Lock()
	return ip, nil
}

func checkInterfaceAlias(alias string) *agent.Error {
	if !agent.InterfaceAliasPattern.MatchString(alias) {
		return agent.Errorf(agent.CodeInvalidParams, "invalid params: interface_alias %q must be a network adapter name of letters, digits, spaces and _().,:#+-, e.g. Ethernet", alias)
	}
	return nil
}

func (h *Host) addressGet(p agent.AddressGetParams) (agent.AddressGetResult, *agent.Error) {
	ip, err := h.lockAddress(p.Address, true, p.InterfaceAlias)
	if err != nil {
		return agent.AddressGetResult{}, err
	}
	defer h.mu.Unlock()
	var out agent.AddressGetResult
	if ad := h.adapterLocked(p.InterfaceAlias); ad != nil {
		out.Interface = h.wireInterfaceLocked(ad)
	}
	if ad, a := h.findAddrLocked(ip); a != nil {
		w := wireAddr(ad, a)
		out.Address = &w
	}
	return out, nil
}

// addressAdd adds the address tentatively, waits the detection time with
// the host unlocked, then settles it; a duplicate is taken off again.
func (h *Host) addressAdd(p agent.AddressAddParams) (agent.AddressAddResult, *agent.Error) {
	if p.PrefixLength < 1 || p.PrefixLength > 32 {
		return agent.AddressAddResult{}, agent.Errorf(agent.CodeInvalidParams, "invalid params: prefix_length %d must be 1 to 32", p.PrefixLength)
	}
	ip, err := h.lockAddress(p.Address, true, p.InterfaceAlias)
	if err != nil {
		return agent.AddressAddResult{}, err
	}
	ad := h.adapterLocked(p.InterfaceAlias)
	if ad == nil {
		h.mu.Unlock()
		return agent.AddressAddResult{}, agent.Errorf(agent.CodeInterfaceNotFound, "%s has no network adapter named %q", h.ComputerName(), p.InterfaceAlias)
	}
	if ad.dhcp {
		h.mu.Unlock()
		return agent.AddressAddResult{}, agent.Errorf(agent.CodeInterfaceDHCP, "interface %q of %s uses DHCP, which adding a static address would turn off", ad.alias, h.ComputerName())
	}
	at, a := h.findAddrLocked(ip)
	if a != nil && !a.skipAsSource {
		h.mu.Unlock()
		return agent.AddressAddResult{}, agent.Errorf(agent.CodeAddressInUse, "%s is one of %s's own addresses (on %s, used as source), not a service address", ip, h.ComputerName(), at.alias)
	}
	if _, serr := agent.SubnetOf(*h.wireInterfaceLocked(ad), ip, p.PrefixLength); serr != nil {
		h.mu.Unlock()
		return agent.AddressAddResult{}, agent.Errorf(agent.CodeAddressNotInSubnet, "%v", serr)
	}
	if a != nil && at == ad && a.active && a.persistent && a.prefix == p.PrefixLength && a.state != agent.AddressDuplicate {
		w := wireAddr(ad, a)
		h.mu.Unlock()
		return agent.AddressAddResult{Added: false, Address: w}, nil
	}
	if a != nil {
		h.dropAddrLocked(ip)
		h.record("address.remove", ip.String()+" from "+at.alias+": to be added again as asked")
	}
	ad.addrs = append(ad.addrs, &ipAddr{ip: ip, prefix: p.PrefixLength, skipAsSource: true, active: true, persistent: true, state: agent.AddressTentative})
	dad := h.net.dad
	h.mu.Unlock()
	time.Sleep(dad)
	other, ours := h.settle(ip)
	h.mu.Lock()
	defer h.mu.Unlock()
	ad, a = h.findAddrLocked(ip)
	switch {
	case !ours || a == nil:
		return agent.AddressAddResult{}, agent.Errorf(agent.CodeInternal, "%s vanished from %s during duplicate address detection", ip, h.ComputerName())
	case other != "":
		h.dropAddrLocked(ip)
		h.record("address.remove", ip.String()+" from "+ad.alias+": duplicate")
		return agent.AddressAddResult{}, agent.Errorf(agent.CodeAddressInUse, "another host on the link answers for %s (duplicate address detection); it was taken off %s again", ip, h.ComputerName())
	}
	return agent.AddressAddResult{Added: true, Address: wireAddr(ad, a)}, nil
}

func (h *Host) addressRemove(p agent.AddressRemoveParams) (agent.AddressRemoveResult, *agent.Error) {
	ip, err := h.lockAddress(p.Address, false, "")
	if err != nil {
		return agent.AddressRemoveResult{}, err
	}
	defer h.mu.Unlock()
	ad, a := h.findAddrLocked(ip)
	if a == nil {
		return agent.AddressRemoveResult{Existed: false}, nil
	}
	if !a.skipAsSource {
		return agent.AddressRemoveResult{}, agent.Errorf(agent.CodeAddressInUse, "%s is one of %s's own addresses (on %s, used as source), not a service address: it is not removed", ip, h.ComputerName(), ad.alias)
	}
	h.dropAddrLocked(ip)
	h.record("address.remove", ip.String()+" from "+ad.alias)
	return agent.AddressRemoveResult{Existed: true}, nil
}
