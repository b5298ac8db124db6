package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

var (
	_ resource.Resource                   = (*dfsNamespaceResource)(nil)
	_ resource.ResourceWithConfigure      = (*dfsNamespaceResource)(nil)
	_ resource.ResourceWithImportState    = (*dfsNamespaceResource)(nil)
	_ resource.ResourceWithValidateConfig = (*dfsNamespaceResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*dfsNamespaceResource)(nil)
)

// NewDFSNamespaceResource is the winfs_dfs_namespace factory.
func NewDFSNamespaceResource() resource.Resource { return &dfsNamespaceResource{} }

type dfsNamespaceResource struct{ serverScoped }

type dfsNamespaceModel struct {
	ID              types.String `tfsdk:"id"`
	Server          types.String `tfsdk:"server"`
	Path            types.String `tfsdk:"path"`
	Type            types.String `tfsdk:"type"`
	RootTargets     []string     `tfsdk:"root_targets"`
	TTL             types.Int64  `tfsdk:"ttl"`
	TargetFailback  types.Bool   `tfsdk:"target_failback"`
	SiteCosting     types.Bool   `tfsdk:"site_costing"`
	InsiteReferrals types.Bool   `tfsdk:"insite_referrals"`
}

const dfsNamespaceExample = `\\corp.example.com\files`

func (r *dfsNamespaceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dfs_namespace"
}

func (r *dfsNamespaceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A DFS namespace root (DFS Namespaces role), managed through the agent on `server` with the DFSN cmdlets: " +
			"its type, its namespace servers (root targets), the root's referral cache duration and its referral settings. " +
			"A change made by hand shows as drift; a create that finds the root exactly as declared adopts it, one that finds it different " +
			"is refused with the import command.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<server>:<path>`; also the import ID, e.g. `server1:\\\\corp.example.com\\files`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"server": resourceServerAttribute(" The root is global to the domain (domain_v2) or lives on its server (standalone); the agent of this server runs the cmdlets. Changing it replaces the resource."),
			"path": schema.StringAttribute{
				MarkdownDescription: "The namespace path: `\\\\<domain>\\<name>` for a domain namespace, `\\\\<server>\\<name>` for a standalone one. " +
					"Case does not matter. Changing it replaces the namespace.",
				Required:      true,
				Validators:    []validator.String{uncPath(2, true, dfsNamespaceExample)},
				PlanModifiers: []planmodifier.String{requiresReplaceUnless(sameUNC, "Changing the path replaces the namespace; changing only its letter case does not.")},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "`domain_v2` (stored in Active Directory, Windows Server 2008 mode) or `standalone` (stored on its server). Changing it replaces the namespace.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(agent.DFSTypes...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"root_targets": schema.SetAttribute{
				MarkdownDescription: "The namespace servers, one `\\\\<server>\\<share>` each (the share must exist on that server). " +
					"Exact: servers not listed are removed. A short name and the FQDN of one server are the same target.",
				ElementType: types.StringType,
				Required:    true,
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(uncPath(2, true, `\\server1\files`)),
				},
			},
			"ttl": schema.Int64Attribute{
				MarkdownDescription: "How long clients cache a referral to the root, in seconds (default `300`, Windows' default), 1 to 2147483647.",
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(300),
				Validators:          []validator.Int64{int64validator.Between(1, agent.MaxDFSTTL)},
			},
			"target_failback": schema.BoolAttribute{
				MarkdownDescription: "Clients go back to a preferred root target when it returns (default `false`).",
				Optional:            true, Computed: true, Default: booldefault.StaticBool(false),
			},
			"site_costing": schema.BoolAttribute{
				MarkdownDescription: "Order targets outside the client's site by lowest site cost rather than at random (default `false`).",
				Optional:            true, Computed: true, Default: booldefault.StaticBool(false),
			},
			"insite_referrals": schema.BoolAttribute{
				MarkdownDescription: "Refer clients only to targets in their own site (default `false`).",
				Optional:            true, Computed: true, Default: booldefault.StaticBool(false),
			},
		},
	}
}

func (r *dfsNamespaceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configure(req.ProviderData, &resp.Diagnostics)
}

func (r *dfsNamespaceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var targets types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("root_targets"), &targets)...)
	if targets.IsNull() || targets.IsUnknown() {
		return
	}
	var names []string
	for _, v := range targets.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsUnknown() || s.IsNull() {
			return
		}
		names = append(names, s.ValueString())
	}
	sort.Strings(names)
	duplicateTargets(func(n string) path.Path { return path.Root("root_targets").AtSetValue(types.StringValue(n)) }, names, &resp.Diagnostics)
}

func (r *dfsNamespaceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkPlannedServer(ctx, req.Plan, &resp.Diagnostics)
}

func (m dfsNamespaceModel) settings() agent.DFSNamespaceSettings {
	targets := append([]string(nil), m.RootTargets...)
	sort.Strings(targets)
	return agent.DFSNamespaceSettings{
		Type: m.Type.ValueString(), RootTargets: targets, TTL: m.TTL.ValueInt64(),
		TargetFailback: m.TargetFailback.ValueBool(), SiteCosting: m.SiteCosting.ValueBool(), InsiteReferrals: m.InsiteReferrals.ValueBool(),
	}
}

// sameSettings: what the server holds is what m declares, spellings aside.
func sameNamespace(have agent.DFSNamespaceSettings, want agent.DFSNamespaceSettings) bool {
	if have.Type != want.Type || have.TTL != want.TTL || have.TargetFailback != want.TargetFailback ||
		have.SiteCosting != want.SiteCosting || have.InsiteReferrals != want.InsiteReferrals || len(have.RootTargets) != len(want.RootTargets) {
		return false
	}
	for _, w := range want.RootTargets {
		found := false
		for _, h := range have.RootTargets {
			found = found || sameTarget(h, w)
		}
		if !found {
			return false
		}
	}
	return true
}

func dfsImportAdvice(server, p string) string {
	return fmt.Sprintf("To manage it as it is, import it: terraform import <resource address> '%s:%s' (or an import block with that id), then change the configuration.", server, p)
}

func (r *dfsNamespaceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dfsNamespaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.client(ctx, plan.Server.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}
	p, want := plan.Path.ValueString(), plan.settings()
	have, err := c.DFSNamespaceGet(ctx, p)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the namespace", fmt.Sprintf("Reading %s through %s: %v", p, plan.Server.ValueString(), err))
		return
	}
	switch {
	case have.Exists && sameNamespace(have.DFSNamespaceSettings, want):
		tflog.Info(ctx, "namespace already as declared; adopting it", map[string]any{"path": p})
	case have.Exists:
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Namespace already exists",
			fmt.Sprintf("%s exists with other settings (type %s, root targets %v, ttl %d, target_failback %t, site_costing %t, insite_referrals %t).\n\n%s",
				p, have.Type, have.RootTargets, have.TTL, have.TargetFailback, have.SiteCosting, have.InsiteReferrals, dfsImportAdvice(plan.Server.ValueString(), p)))
		return
	default:
		tflog.Info(ctx, "creating namespace", map[string]any{"path": p, "type": want.Type})
		if _, err := c.DFSNamespaceSet(ctx, agent.DFSNamespaceSetParams{Path: p, DFSNamespaceSettings: want}); err != nil {
			resp.Diagnostics.AddError("Cannot create the namespace", fmt.Sprintf("Creating %s through %s: %v", p, plan.Server.ValueString(), err))
			return
		}
	}
	plan.ID = types.StringValue(plan.Server.ValueString() + ":" + p)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// read fills m from the server; false when the root is gone.
func (r *dfsNamespaceResource) read(ctx context.Context, m *dfsNamespaceModel, diags *diag.Diagnostics) bool {
	c := r.client(ctx, m.Server.ValueString(), diags)
	if c == nil {
		return false
	}
	have, err := c.DFSNamespaceGet(ctx, m.Path.ValueString())
	if err != nil {
		diags.AddError("Cannot read the namespace", fmt.Sprintf("Reading %s through %s: %v", m.Path.ValueString(), m.Server.ValueString(), err))
		return false
	}
	if !have.Exists {
		return false
	}
	m.Type = types.StringValue(have.Type)
	m.RootTargets = spellAs(have.RootTargets, m.RootTargets)
	m.TTL = types.Int64Value(have.TTL)
	m.TargetFailback = types.BoolValue(have.TargetFailback)
	m.SiteCosting = types.BoolValue(have.SiteCosting)
	m.InsiteReferrals = types.BoolValue(have.InsiteReferrals)
	m.ID = types.StringValue(m.Server.ValueString() + ":" + m.Path.ValueString())
	return true
}

func (r *dfsNamespaceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	refreshOrForget(ctx, req, resp, r.read, func(ctx context.Context, m *dfsNamespaceModel) {
		tflog.Info(ctx, "namespace is gone; it will be created again", map[string]any{"path": m.Path.ValueString()})
	})
}

func (r *dfsNamespaceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan dfsNamespaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.client(ctx, plan.Server.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}
	p := plan.Path.ValueString()
	if _, err := c.DFSNamespaceSet(ctx, agent.DFSNamespaceSetParams{Path: p, DFSNamespaceSettings: plan.settings()}); err != nil {
		resp.Diagnostics.AddError("Cannot update the namespace", fmt.Sprintf("Setting %s through %s: %v", p, plan.Server.ValueString(), err))
		return
	}
	plan.ID = types.StringValue(plan.Server.ValueString() + ":" + p)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *dfsNamespaceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state dfsNamespaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.client(ctx, state.Server.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}
	if _, err := c.DFSNamespaceRemove(ctx, state.Path.ValueString()); err != nil {
		resp.Diagnostics.AddError("Cannot remove the namespace", fmt.Sprintf("Removing %s through %s: %v", state.Path.ValueString(), state.Server.ValueString(), err))
	}
}

func (r *dfsNamespaceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	server, p, err := dfsImportID(req.ID, 2, true, dfsNamespaceExample)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	m := dfsNamespaceModel{Server: types.StringValue(server), Path: types.StringValue(p)}
	importByRead(ctx, resp, m, r.read, fmt.Sprintf("There is no DFS namespace %s (read through %s).", p, server))
}
