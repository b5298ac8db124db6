package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/dnsupdate"
)

const defaultPropagationTimeout = 5 * time.Minute

// NewDNSCNAMEResource is the winfs_dns_cname factory.
func NewDNSCNAMEResource() resource.Resource {
	return &dnsCNAMEResource{resourceBase{typeName: "_dns_cname"}}
}

type dnsCNAMEResource struct{ resourceBase }

type dnsCNAMEResourceModel struct {
	ID                 types.String   `tfsdk:"id"`
	Zone               types.String   `tfsdk:"zone"`
	Name               types.String   `tfsdk:"name"`
	Target             types.String   `tfsdk:"target"`
	TTL                types.Int64    `tfsdk:"ttl"`
	WaitForPropagation types.Bool     `tfsdk:"wait_for_propagation"`
	Timeouts           *timeoutsModel `tfsdk:"timeouts"`
}

type timeoutsModel struct {
	Create types.String `tfsdk:"create"`
	Update types.String `tfsdk:"update"`
}

var (
	relativeNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*$`)
	fqdnPattern         = regexp.MustCompile(`^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\.?$`)
)

func (r *dnsCNAMEResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A DNS alias (CNAME), such as `files` pointing at the active file server, managed through the provider's `dns` backend. " +
			"Changing `target` or `ttl` is an in-place update made as ONE change on the server (an RFC 2136 UPDATE that deletes and adds the " +
			"RRset together, or Set-DnsServerResourceRecord on Windows DNS), so resolvers never find the name without its alias. " +
			"A create that finds the alias already exactly as declared adopts it; one pointing elsewhere is refused with advice to import it.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The alias's fully qualified name in lower case with the trailing dot, e.g. `files.corp.example.com.`; also the import ID."),
			"zone": replacingAttribute("The zone holding the alias, e.g. `corp.example.com` (case and the trailing dot do not matter). Changing it replaces the alias.",
				domainName(), requiresReplaceUnlessSameDNSName()),
			"name": replacingAttribute("The alias's name relative to `zone`, e.g. `files` (case does not matter). The zone apex cannot be an alias. Changing it replaces the alias.",
				stringvalidator.RegexMatches(relativeNamePattern, "must be a name relative to the zone: dot-separated labels of letters, digits, '-' or '_', "+
					"without a trailing dot (the zone apex cannot be a CNAME)"),
				requiresReplaceUnlessSameDNSName()),
			"target": schema.StringAttribute{
				MarkdownDescription: "The fully qualified name the alias points at, e.g. `server1.corp.example.com.`; a name without the trailing dot is taken as fully qualified too. Changed in place.",
				Required:            true,
				Validators: []validator.String{stringvalidator.RegexMatches(fqdnPattern,
					"must be a fully qualified domain name: dot-separated labels of letters, digits, '-' or '_', with or without the trailing dot")},
			},
			"ttl": optionalInt64("Time to live in seconds (default `60`, short enough for a failover alias: clients follow a switch within a minute). Changed in place, never by a delete and re-create.",
				60, int64validator.Between(0, agent.MaxDNSTTL)),
			"wait_for_propagation": optionalBool("After a create or update, query every authoritative server of the zone (its NS set, on the port of `dns.server`) until all answer the new target and TTL, "+
				"bounded by `timeouts` (default `true`). With the `windows` backend the server written to is checked; AD replication to other DNS servers is not observed.",
				true),
			"timeouts": schema.SingleNestedAttribute{
				MarkdownDescription: "Bounds of a create and an update, propagation included, as Go durations (default `5m` each).",
				Optional:            true,
				Attributes: map[string]schema.Attribute{
					"create": schema.StringAttribute{
						MarkdownDescription: "Time limit of a create, e.g. `2m` (default `5m`).",
						Optional:            true,
						Validators:          []validator.String{duration()},
					},
					"update": schema.StringAttribute{
						MarkdownDescription: "Time limit of an update, e.g. `2m` (default `5m`).",
						Optional:            true,
						Validators:          []validator.String{duration()},
					},
				},
			},
		},
	}
}

func (r *dnsCNAMEResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m dnsCNAMEResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Zone.IsUnknown() || m.Target.IsUnknown() || m.Name.IsUnknown() {
		return
	}
	for _, n := range []struct {
		attr string
		name string
	}{{"target", m.Target.ValueString()}, {"zone", m.Zone.ValueString()}, {"name", m.owner()}} {
		if n.name != "" && dnsNameTooLong(n.name) {
			what := n.name
			if n.attr == "name" {
				what = "name + zone (" + n.name + ")"
			}
			resp.Diagnostics.AddAttributeError(path.Root(n.attr), "DNS name too long",
				fmt.Sprintf("%s is %d characters long; a domain name must be at most %d characters (255 octets on the wire, RFC 1035 section 3.1).",
					what, len(strings.TrimSuffix(dnsupdate.Canonical(n.name), ".")), maxDNSNameText))
		}
	}
	if !m.Name.IsNull() && !m.Zone.IsNull() && !m.Target.IsNull() &&
		dnsupdate.Absolute(m.Name.ValueString(), m.Zone.ValueString()) == dnsupdate.Canonical(m.Target.ValueString()) {
		resp.Diagnostics.AddAttributeError(path.Root("target"), "Alias points at itself",
			"target must differ from the alias's own name (name + zone).")
	}
}

// maxDNSNameText is the longest domain name in text form without the
// final dot: 255 octets on the wire are the labels' text plus one length
// octet per label and the root's zero octet.
const maxDNSNameText = 253

func dnsNameTooLong(name string) bool {
	return len(strings.TrimSuffix(dnsupdate.Canonical(name), ".")) > maxDNSNameText
}

// ModifyPlan refuses, at plan time, an alias with no dns block to manage it.
func (r *dnsCNAMEResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil || r.data.settings.dns != nil {
		return
	}
	resp.Diagnostics.AddError("DNS backend unavailable", "The provider has no dns block: configure dns { backend = \"rfc2136\" ... } "+
		"or dns { backend = \"windows\" ... } to manage winfs_dns_cname.")
}

func (m dnsCNAMEResourceModel) owner() string {
	return dnsupdate.Absolute(m.Name.ValueString(), m.Zone.ValueString())
}
func (m dnsCNAMEResourceModel) zone() string { return dnsupdate.Canonical(m.Zone.ValueString()) }
func (m dnsCNAMEResourceModel) target() string {
	return dnsupdate.Canonical(m.Target.ValueString())
}
func (m dnsCNAMEResourceModel) ttl() uint32 { return uint32(m.TTL.ValueInt64()) }

func (m dnsCNAMEResourceModel) timeout(update bool) time.Duration {
	if m.Timeouts == nil {
		return defaultPropagationTimeout
	}
	v := m.Timeouts.Create
	if update {
		v = m.Timeouts.Update
	}
	if d, err := time.ParseDuration(v.ValueString()); err == nil && d > 0 {
		return d
	}
	return defaultPropagationTimeout
}

// open reads the alias m from src and returns the provider's DNS backend,
// or nil after an error.
func (r *dnsCNAMEResource) open(ctx context.Context, src modelSource, m *dnsCNAMEResourceModel, diags *diag.Diagnostics) cnameBackend {
	diags.Append(src.Get(ctx, m)...)
	b := r.backend(ctx, diags)
	if diags.HasError() {
		return nil
	}
	return b
}

func (r *dnsCNAMEResource) backend(ctx context.Context, diags *diag.Diagnostics) cnameBackend {
	if r.data == nil {
		diags.AddError("Provider not configured", "The provider must be configured to manage DNS records.")
		return nil
	}
	b, err := r.data.dnsBackend(ctx)
	if err != nil {
		diags.AddError("DNS backend unavailable", err.Error())
		return nil
	}
	return b
}

// importAdvice is how to take over an alias that exists already.
func importAdvice(owner string) string {
	return fmt.Sprintf("To manage it as it is, import it: terraform import <resource address> %s "+
		"(or an import block with id = %q); then change target in the configuration to switch it in place.", owner, owner)
}

func conflictError(owner string, types []string) string {
	return fmt.Sprintf("%s holds %s records, and a CNAME cannot coexist with other data (RFC 1034 section 3.6.2). "+
		"Remove those records first, or choose another name.", owner, strings.Join(types, ", "))
}

func (r *dnsCNAMEResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dnsCNAMEResourceModel
	b := r.open(ctx, req.Plan, &plan, &resp.Diagnostics)
	if b == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, plan.timeout(false))
	defer cancel()
	zone, owner, target, ttl := plan.zone(), plan.owner(), plan.target(), plan.ttl()
	fields := map[string]any{"owner": owner, "target": target, "ttl": ttl, "backend": b.describe()}
	node, err := b.read(ctx, zone, owner)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the DNS name", fmt.Sprintf("Reading %s from %s: %v", owner, b.describe(), err))
		return
	}
	switch {
	case len(node.OtherTypes) > 0:
		resp.Diagnostics.AddAttributeError(path.Root("name"), "CNAME and other data", conflictError(owner, node.OtherTypes))
		return
	case node.CNAME != nil && node.CNAME.Target != target:
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Alias already exists",
			fmt.Sprintf("%s is already an alias of %s (TTL %d) on %s; this resource would point it at %s.\n\n%s",
				owner, node.CNAME.Target, node.CNAME.TTL, b.describe(), target, importAdvice(owner)))
		return
	case node.CNAME != nil && node.CNAME.TTL == ttl:
		tflog.Info(ctx, "alias already as declared; adopting it", fields)
	case node.CNAME != nil:
		// Same target: adopt it and fix the TTL in place ("adopt what is right": the alias is
		// right where it matters; the TTL is a tuning).
		tflog.Info(ctx, "alias already points at the target; adopting it and changing its TTL in place", map[string]any{"owner": owner, "ttl_was": node.CNAME.TTL, "ttl": ttl})
		err = b.replace(ctx, zone, owner, target, ttl)
	default:
		tflog.Info(ctx, "creating alias", fields)
		err = b.create(ctx, zone, owner, target, ttl)
	}
	if errors.Is(err, errNameInUse) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Name already in use",
			fmt.Sprintf("%s gained records while this alias was being created: %v. %s", owner, err, importAdvice(owner)))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot create the alias", fmt.Sprintf("Creating %s -> %s on %s: %v", owner, target, b.describe(), err))
		return
	}
	plan.ID = types.StringValue(owner)
	// Save first: the alias exists even if propagation times out.
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.waitIfAsked(ctx, b, plan, &resp.Diagnostics)
}

func (r *dnsCNAMEResource) waitIfAsked(ctx context.Context, b cnameBackend, m dnsCNAMEResourceModel, diags *diag.Diagnostics) {
	if !m.WaitForPropagation.ValueBool() {
		return
	}
	start := time.Now()
	if err := b.wait(ctx, m.zone(), m.owner(), m.target(), m.ttl()); err != nil {
		diags.AddError("Alias not propagated", fmt.Sprintf("The alias was written on %s, but not every authoritative server answers it yet: %v. "+
			"Run apply again to keep waiting, raise timeouts, or set wait_for_propagation = false.", b.describe(), err))
		return
	}
	tflog.Debug(ctx, "alias propagated", map[string]any{"owner": m.owner(), "duration_ms": time.Since(start).Milliseconds()})
}

func (r *dnsCNAMEResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dnsCNAMEResourceModel
	b := r.open(ctx, req.State, &state, &resp.Diagnostics)
	if b == nil {
		return
	}
	owner := state.owner()
	node, err := b.read(ctx, state.zone(), owner)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the alias", fmt.Sprintf("Reading %s from %s: %v", owner, b.describe(), err))
		return
	}
	if node.CNAME == nil {
		tflog.Info(ctx, "alias is gone from the server; it will be created again", map[string]any{"owner": owner, "other_types": node.OtherTypes})
		resp.State.RemoveResource(ctx)
		return
	}
	// Keep the user's spelling when it means the same name.
	if node.CNAME.Target != state.target() {
		tflog.Info(ctx, "alias target changed on the server", map[string]any{"owner": owner, "target": node.CNAME.Target, "state": state.target()})
		state.Target = types.StringValue(node.CNAME.Target)
	}
	if state.TTL.IsNull() || state.TTL.IsUnknown() || node.CNAME.TTL != state.ttl() {
		state.TTL = types.Int64Value(int64(node.CNAME.TTL))
	}
	state.ID = types.StringValue(owner)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *dnsCNAMEResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan dnsCNAMEResourceModel
	b := r.open(ctx, req.Plan, &plan, &resp.Diagnostics)
	if b == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, plan.timeout(true))
	defer cancel()
	zone, owner, target, ttl := plan.zone(), plan.owner(), plan.target(), plan.ttl()
	var state dnsCNAMEResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if state.target() == target && state.ttl() == ttl {
		// Only a respelling (case, trailing dot) or a setting of this
		// resource changed: nothing to send.
		plan.ID = types.StringValue(owner)
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		return
	}
	tflog.Info(ctx, "replacing alias in place (one update)", map[string]any{"owner": owner, "target": target, "ttl": ttl, "backend": b.describe()})
	err := b.replace(ctx, zone, owner, target, ttl)
	if errors.Is(err, errNoCNAME) {
		// Deleted since the refresh: create it ("converge on re-apply").
		tflog.Info(ctx, "alias vanished since the plan; creating it", map[string]any{"owner": owner})
		err = b.create(ctx, zone, owner, target, ttl)
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot update the alias", fmt.Sprintf("Pointing %s at %s (TTL %d) on %s: %v", owner, target, ttl, b.describe(), err))
		return
	}
	plan.ID = types.StringValue(owner)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.waitIfAsked(ctx, b, plan, &resp.Diagnostics)
}

func (r *dnsCNAMEResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state dnsCNAMEResourceModel
	b := r.open(ctx, req.State, &state, &resp.Diagnostics)
	if b == nil {
		return
	}
	tflog.Info(ctx, "deleting alias", map[string]any{"owner": state.owner(), "backend": b.describe()})
	if err := b.remove(ctx, state.zone(), state.owner()); err != nil {
		resp.Diagnostics.AddError("Cannot delete the alias", fmt.Sprintf("Deleting %s on %s: %v", state.owner(), b.describe(), err))
	}
}

func (r *dnsCNAMEResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := strings.TrimSpace(req.ID)
	if !fqdnPattern.MatchString(id) || !strings.Contains(strings.TrimSuffix(id, "."), ".") {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("import ID %q must be the alias's fully qualified name, e.g. files.corp.example.com.", req.ID))
		return
	}
	b := r.backend(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	owner := dnsupdate.Canonical(id)
	zone, err := b.findZone(ctx, owner)
	if err != nil {
		resp.Diagnostics.AddError("Cannot find the zone", fmt.Sprintf("Finding the zone of %s on %s: %v", owner, b.describe(), err))
		return
	}
	if zone == owner {
		resp.Diagnostics.AddError("Nothing to import", fmt.Sprintf("%s is a zone apex, which cannot be an alias.", owner))
		return
	}
	node, err := b.read(ctx, zone, owner)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the alias", fmt.Sprintf("Reading %s from %s: %v", owner, b.describe(), err))
		return
	}
	if node.CNAME == nil {
		msg := fmt.Sprintf("There is no CNAME at %s on %s.", owner, b.describe())
		if len(node.OtherTypes) > 0 {
			msg += " It holds " + strings.Join(node.OtherTypes, ", ") + " records."
		}
		resp.Diagnostics.AddError("Nothing to import", msg)
		return
	}
	m := dnsCNAMEResourceModel{
		ID:                 types.StringValue(owner),
		Zone:               types.StringValue(zone),
		Name:               types.StringValue(strings.TrimSuffix(owner, "."+zone)),
		Target:             types.StringValue(node.CNAME.Target),
		TTL:                types.Int64Value(int64(node.CNAME.TTL)),
		WaitForPropagation: types.BoolValue(true),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
