package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// serviceAddressResource keeps an IPv4 address of the file service on the
// active server's interface and off every other server of the provider:
// clients of the subnet that talk to the address follow the service
// without waiting for a DNS answer to expire.
type serviceAddressResource struct{ resourceBase }

// NewServiceAddressResource is the winfs_service_address factory.
func NewServiceAddressResource() resource.Resource {
	return &serviceAddressResource{resourceBase{typeName: "_service_address"}}
}

// serviceAddressResourceModel is the resource's state; the address is its ID.
type serviceAddressResourceModel struct {
	Address        types.String `tfsdk:"address"`
	PrefixLength   types.Int64  `tfsdk:"prefix_length"`
	InterfaceAlias types.String `tfsdk:"interface_alias"`
	Server         types.String `tfsdk:"server"`
	ID             types.String `tfsdk:"id"`
}

func (m serviceAddressResourceModel) params() agent.AddressAddParams {
	return agent.AddressAddParams{Address: m.Address.ValueString(), PrefixLength: int(m.PrefixLength.ValueInt64()), InterfaceAlias: m.InterfaceAlias.ValueString()}
}

// serviceAddressDescription is the resource's documentation.
const serviceAddressDescription = "An IPv4 address that belongs to the file service, not to a server: it is on the interface of `server` " +
	"and on no other server of the provider. Changing `server` moves it: it is first removed from every other server " +
	"(`Remove-NetIPAddress`, both policy stores), then added to the new one (`New-NetIPAddress -SkipAsSource $true`: the " +
	"server's own traffic keeps its own address and the service address is not registered in DNS). Windows then runs " +
	"duplicate address detection (a few seconds) and announces the address with a gratuitous ARP, so clients on the " +
	"subnet that talk to it reach the new server at once. Refused: an address another host or device answers for " +
	"(found by that detection), an address outside the subnet of the interface's own address, an interface the server " +
	"does not have or that uses DHCP (`New-NetIPAddress` would turn DHCP off). A server that cannot be reached is skipped " +
	"with a warning: if it is down its copy does not answer, and " +
	"when it boots Windows finds the address in use and does not use it; the next plan shows that copy to remove. " +
	"In the failover chain it comes after the shares and before the alias."

func (r *serviceAddressResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{MarkdownDescription: serviceAddressDescription,
		Attributes: map[string]schema.Attribute{
			"id":     idAttribute("The address."),
			"server": movingServerAttribute(" The server that has the address; changing it moves the address (an update, not a replacement)."),
			"address": schema.StringAttribute{
				MarkdownDescription: "The IPv4 address, e.g. `192.168.0.50`: a free address of the servers' subnet. Changing it replaces the resource.",
				Required:            true,
				Validators:          []validator.String{ipv4Address()},
				PlanModifiers:       replacedWhenChanged(),
			},
			"prefix_length": schema.Int64Attribute{
				MarkdownDescription: "The subnet's prefix length, e.g. `24`: the same as the interface's own address.",
				Required:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 32)},
			},
			"interface_alias": schema.StringAttribute{
				MarkdownDescription: "The network adapter that takes the address, by its name (`Get-NetAdapter`), e.g. `Ethernet`; " +
					"the same name on every server. A name, not an interface index: indexes change when adapters are added.",
				Required:   true,
				Validators: []validator.String{interfaceAlias()},
			},
		},
	}
}

// ModifyPlan checks the server, and when the plan changes the address, asks
// the planned server whether it can take it: the interface exists, the
// address is in its subnet and is not the server's own.
func (r *serviceAddressResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkPlannedServer(ctx, req.Plan, &resp.Diagnostics)
	if req.Plan.Raw.IsNull() || r.data == nil || resp.Diagnostics.HasError() || req.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	var plan serviceAddressResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.Server.IsUnknown() || plan.Address.IsUnknown() || plan.PrefixLength.IsUnknown() || plan.InterfaceAlias.IsUnknown() {
		return
	}
	server, p := plan.Server.ValueString(), plan.params()
	client := r.client(ctx, server, &resp.Diagnostics)
	if client == nil {
		return
	}
	res, err := client.AddressGet(ctx, agent.AddressGetParams{Address: p.Address, InterfaceAlias: p.InterfaceAlias})
	if err == nil {
		err = takes(server, p, res)
	}
	if err != nil {
		addressDiag(&resp.Diagnostics, server, "Cannot place the service address", err)
	}
}

// takes is what address.add would refuse, judged from address.get.
func takes(server string, p agent.AddressAddParams, res agent.AddressGetResult) error {
	if res.Interface == nil {
		return agent.Errorf(agent.CodeInterfaceNotFound, "%s has no network adapter named %q", server, p.InterfaceAlias)
	}
	if res.Interface.DHCP {
		return agent.Errorf(agent.CodeInterfaceDHCP, "interface %q of %s uses DHCP, which adding a static address would turn off", p.InterfaceAlias, server)
	}
	if res.Address != nil && !res.Address.SkipAsSource {
		return agent.Errorf(agent.CodeAddressInUse, "%s is one of %s's own addresses (on %s, used as source), not a service address", p.Address, server, res.Address.InterfaceAlias)
	}
	ip, err := agent.ParseIPv4(p.Address)
	if err == nil {
		_, err = agent.SubnetOf(*res.Interface, ip, p.PrefixLength)
	}
	if err != nil {
		return agent.Errorf(agent.CodeAddressNotInSubnet, "%v", err)
	}
	return nil
}

// addressDiag turns an agent error into a diagnostic on the attribute to
// fix, named in the text too.
func addressDiag(diags *diag.Diagnostics, server, summary string, err error) {
	var aerr *agent.Error
	if errors.As(err, &aerr) {
		attr, advice := "", ""
		switch aerr.Code {
		case agent.CodeAddressInUse:
			attr, advice = "address", "Choose a free address of the subnet, or find what answers for it (its MAC address in `arp -a` on a neighbour, then the switch's tables) and take it off there."
		case agent.CodeAddressNotInSubnet:
			attr, advice = "address", "Choose an address of the interface's subnet, with its prefix length (prefix_length)."
		case agent.CodeInterfaceNotFound:
			attr, advice = "interface_alias", "Name one of its network adapters as Get-NetAdapter shows them."
		case agent.CodeInterfaceDHCP:
			attr, advice = "interface_alias", "Give the server a static address on it first (a service address is for servers with fixed addresses)."
		}
		if attr != "" {
			diags.AddAttributeError(path.Root(attr), summary, fmt.Sprintf("%s: %s. %s", attr, aerr.Message, advice))
			return
		}
	}
	diags.AddError(summary, fmt.Sprintf("Through %s: %v", server, err))
}

// release takes the address off server; one that cannot be reached is
// left with a warning (see the resource's description).
func (r *serviceAddressResource) release(ctx context.Context, server, address string, diags *diag.Diagnostics) {
	c, err := r.data.host(ctx, server)
	if err == nil {
		_, err = c.AddressRemove(ctx, address)
	}
	switch {
	case err == nil:
	case c == nil || windows.IsUnreachable(err):
		diags.AddWarning("Server unreachable: service address not removed there",
			fmt.Sprintf("%s could not be reached, so %s was not removed from it. If it is down, its copy does not answer; when it boots, "+
				"Windows finds the address in use (duplicate address detection) and does not use it, and the next plan shows the copy "+
				"to remove. If it is up, adding the address elsewhere is refused as a duplicate.\n\nCause: %v", server, address, err))
	default:
		addressDiag(diags, server, "Cannot remove the service address from "+server, err)
	}
}

// place removes the address from every other server, then adds it to the
// planned one: never answered for by two at once.
func (r *serviceAddressResource) place(ctx context.Context, plan serviceAddressResourceModel, diags *diag.Diagnostics) (serviceAddressResourceModel, bool) {
	server, p := plan.Server.ValueString(), plan.params()
	for _, other := range r.data.settings.names() {
		if other != server {
			r.release(ctx, other, p.Address, diags)
		}
	}
	client := r.client(ctx, server, diags)
	if diags.HasError() || client == nil {
		return plan, false
	}
	if _, err := client.AddressAdd(ctx, p); err != nil {
		addressDiag(diags, server, "Cannot add the service address", err)
		return plan, false
	}
	plan.ID = plan.Address
	return plan, true
}

func (r *serviceAddressResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

func (r *serviceAddressResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

func (r *serviceAddressResource) apply(ctx context.Context, src modelSource, state *tfsdk.State, diags *diag.Diagnostics) {
	var plan serviceAddressResourceModel
	diags.Append(src.Get(ctx, &plan)...)
	if diags.HasError() || r.data == nil {
		return
	}
	if out, ok := r.place(ctx, plan, diags); ok {
		diags.Append(state.Set(ctx, out)...)
	}
}

func (r *serviceAddressResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	refreshOrForget(ctx, req, resp, r.read, nil)
}

// read finds the address on the provider's servers. The state says it is
// on the one server that has it as asked; when another server has a copy
// too (a crashed server that came back, an administrator's hand), the state
// names that server, so the plan moves the address back. A copy Windows
// found duplicate, or one only in the PersistentStore, does not count as
// the address being there (the next apply adds it again). With no usable
// copy anywhere it is gone.
func (r *serviceAddressResource) read(ctx context.Context, m *serviceAddressResourceModel, diags *diag.Diagnostics) bool {
	if r.data == nil {
		diags.AddError("Provider not configured", "The provider must be configured to find the service address.")
		return false
	}
	want, address := m.Server.ValueString(), m.Address.ValueString()
	alias := m.InterfaceAlias.ValueString()
	if alias == "" {
		alias = "-" // import: any valid name; only the address is looked for
	}
	var good, others []agent.IPAddress
	var goodOn, othersOn []string
	for _, name := range r.data.settings.names() {
		c, err := r.data.host(ctx, name)
		var res agent.AddressGetResult
		if err == nil {
			res, err = c.AddressGet(ctx, agent.AddressGetParams{Address: address, InterfaceAlias: alias})
		}
		if err != nil {
			if name == want && !r.data.fencedRead(name, "the service address "+address, err, diags) {
				diags.AddError("Cannot read the service address", fmt.Sprintf("Through %s: %v", name, err))
				return false
			}
			if name != want {
				diags.AddWarning("Server unreachable: service address not looked for there", fmt.Sprintf("%s could not be reached, so whether it still has %s is not known.\n\nCause: %v", name, address, err))
			}
			if name == want {
				return true // fenced: the last known state
			}
			continue
		}
		a := res.Address
		switch {
		case a == nil:
		case a.SkipAsSource && (a.State == agent.AddressPreferred || a.State == agent.AddressTentative) && (want == "" || name == want):
			good, goodOn = append(good, *a), append(goodOn, name)
		case name != want:
			others, othersOn = append(others, *a), append(othersOn, name)
		}
	}
	holder, on := good, goodOn
	if len(others) > 0 && (want != "" || len(good) == 0) {
		holder, on = others, othersOn
	}
	if len(holder) == 0 {
		return false
	}
	m.ID = types.StringValue(address)
	m.Server = types.StringValue(on[0])
	m.PrefixLength = types.Int64Value(int64(holder[0].PrefixLength))
	m.InterfaceAlias = types.StringValue(holder[0].InterfaceAlias)
	return true
}

// Delete removes the address from every server of the provider.
func (r *serviceAddressResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceAddressResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	for _, name := range r.data.settings.names() {
		r.release(ctx, name, state.Address.ValueString(), &resp.Diagnostics)
	}
}

// ImportState takes the address; the server that has it is found.
func (r *serviceAddressResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if _, err := agent.ParseIPv4(req.ID); err != nil {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("%v: the import ID is the service address.", err))
		return
	}
	m := serviceAddressResourceModel{ID: types.StringValue(req.ID), Server: types.StringValue(""), Address: types.StringValue(req.ID),
		PrefixLength: types.Int64Null(), InterfaceAlias: types.StringNull()}
	importByRead(ctx, resp, m, r.read, fmt.Sprintf("No server of the provider has the service address %s (skip as source).", req.ID))
}
