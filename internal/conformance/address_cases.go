package conformance

import (
	"context"
	"net/netip"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// absentAddress is in TEST-NET-1 (RFC 5737), never assigned to a host, and
// absentAdapter is no adapter's name: the cases that always run only look
// for them, and ask for changes Windows refuses before touching anything.
const (
	absentAddress = "192.0.2.1"
	absentAdapter = "winfs-conformance-no-such-adapter"
)

// addressCases always run what changes nothing; the cases that add and
// remove an address use the spare address (--spare-address) on the
// interface named (--interface), which nothing else on the link may have.
var addressCases = []Case{
	{Op: agent.AddressGet.Name, Name: "an absent adapter and an unassigned address are null; a malformed address or alias is invalid_params", Run: func(ctx context.Context, r *Run) error {
		res, err := r.C.AddressGet(ctx, agent.AddressGetParams{Address: absentAddress, InterfaceAlias: absentAdapter})
		if err != nil {
			return step("address.get", err)
		}
		if res.Interface != nil || res.Address != nil {
			return failf("got %+v, want neither an interface nor the address", res)
		}
		for _, p := range []agent.AddressGetParams{
			{Address: "192.168.000.1", InterfaceAlias: "Ethernet"},
			{Address: "::1", InterfaceAlias: "Ethernet"},
			{Address: "192.168.0.1", InterfaceAlias: "Ether*"},
		} {
			if _, err := r.C.AddressGet(ctx, p); wantCode(err, agent.CodeInvalidParams) != nil {
				return failf("%+v: %v", p, wantCode(err, agent.CodeInvalidParams))
			}
		}
		return nil
	}},
	{Op: agent.AddressAdd.Name, Name: "an absent adapter is interface_not_found; a prefix length beyond 32 is invalid_params", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.AddressAdd(ctx, agent.AddressAddParams{Address: absentAddress, PrefixLength: 24, InterfaceAlias: absentAdapter})
		if err := wantCode(err, agent.CodeInterfaceNotFound); err != nil {
			return err
		}
		_, err = r.C.AddressAdd(ctx, agent.AddressAddParams{Address: absentAddress, PrefixLength: 33, InterfaceAlias: absentAdapter})
		return wantCode(err, agent.CodeInvalidParams)
	}},
	{Op: agent.AddressRemove.Name, Name: "removing an address the host does not have changes nothing", Run: func(ctx context.Context, r *Run) error {
		res, err := r.C.AddressRemove(ctx, absentAddress)
		if err != nil {
			return step("address.remove", err)
		}
		if res.Existed {
			return failf("got %+v, want existed false", res)
		}
		return nil
	}},
	{Op: agent.AddressAdd.Name, Name: "the spare address is added skip as source in both stores, preferred after detection, and adopted the second time", Needs: NeedsAddress, Run: func(ctx context.Context, r *Run) error {
		p := r.spareParams()
		for i, wantAdded := range []bool{true, false} {
			res, err := r.C.AddressAdd(ctx, p)
			if err != nil {
				return step("address.add", err)
			}
			a := res.Address
			if res.Added != wantAdded || a.Address != p.Address || a.PrefixLength != p.PrefixLength || a.State != agent.AddressPreferred || !a.SkipAsSource || !a.Persistent {
				return failf("add %d: got %+v, want added %v, preferred, skip as source, persistent", i+1, res, wantAdded)
			}
		}
		got, err := r.C.AddressGet(ctx, agent.AddressGetParams{Address: p.Address, InterfaceAlias: p.InterfaceAlias})
		if err != nil {
			return step("address.get", err)
		}
		if got.Address == nil || got.Interface == nil || got.Address.InterfaceIndex != got.Interface.Index {
			return failf("address.get: got %+v, want the address on the interface", got)
		}
		return nil
	}},
	{Op: agent.AddressAdd.Name, Name: "outside the interface's subnet or with another prefix length is address_not_in_subnet; the host's own address is address_in_use, to add and to remove", Needs: NeedsAddress, Run: func(ctx context.Context, r *Run) error {
		p := r.spareParams()
		wider := p
		wider.PrefixLength--
		elsewhere := p
		elsewhere.Address = "198.51.100.7" // TEST-NET-2
		for _, q := range []agent.AddressAddParams{wider, elsewhere} {
			if _, err := r.C.AddressAdd(ctx, q); wantCode(err, agent.CodeAddressNotInSubnet) != nil {
				return failf("%+v: %v", q, wantCode(err, agent.CodeAddressNotInSubnet))
			}
		}
		got, err := r.C.AddressGet(ctx, agent.AddressGetParams{Address: p.Address, InterfaceAlias: p.InterfaceAlias})
		if err != nil || got.Interface == nil {
			return failf("address.get: %+v, %v", got, err)
		}
		for _, own := range got.Interface.Addresses {
			if !own.SkipAsSource {
				q := agent.AddressAddParams{Address: own.Address, PrefixLength: own.PrefixLength, InterfaceAlias: p.InterfaceAlias}
				if _, err := r.C.AddressAdd(ctx, q); wantCode(err, agent.CodeAddressInUse) != nil {
					return wantCode(err, agent.CodeAddressInUse)
				}
				_, err := r.C.AddressRemove(ctx, own.Address)
				return wantCode(err, agent.CodeAddressInUse)
			}
		}
		return failf("interface %+v has no address of its own", got.Interface)
	}},
	{Op: agent.AddressRemove.Name, Name: "the spare address is removed from both stores, once", Needs: NeedsAddress, Run: func(ctx context.Context, r *Run) error {
		p := r.spareParams()
		if _, err := r.C.AddressAdd(ctx, p); err != nil {
			return step("address.add", err)
		}
		if err := twice("address.remove", "existed", func() (bool, error) {
			res, err := r.C.AddressRemove(ctx, p.Address)
			return res.Existed, err
		}); err != nil {
			return err
		}
		got, err := r.C.AddressGet(ctx, agent.AddressGetParams{Address: p.Address, InterfaceAlias: p.InterfaceAlias})
		if err != nil {
			return step("address.get", err)
		}
		if got.Address != nil {
			return failf("after the removal: %+v", got.Address)
		}
		return nil
	}},
}

// spareParams adds the spare address to the interface under test.
func (r *Run) spareParams() agent.AddressAddParams {
	p := netip.MustParsePrefix(r.SpareAddress)
	return agent.AddressAddParams{Address: p.Addr().String(), PrefixLength: p.Bits(), InterfaceAlias: r.Interface}
}
