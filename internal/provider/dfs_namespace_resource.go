package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// NewDFSNamespaceResource is the winfs_dfs_namespace factory.
func NewDFSNamespaceResource() resource.Resource {
	return &dfsNamespaceResource{dfsCRUD[dfsNamespaceResourceModel, agent.DFSNamespaceGetResult]{resourceBase{typeName: "_dfs_namespace"}, dfsNamespaceObject}}
}

type dfsNamespaceResource struct {
	dfsCRUD[dfsNamespaceResourceModel, agent.DFSNamespaceGetResult]
}

// dfsNamespaceObject is a namespace root, named by its path.
var dfsNamespaceObject = dfsObject[dfsNamespaceResourceModel, agent.DFSNamespaceGetResult]{
	what: "namespace", keyAttr: "path", nothing: "DFS namespace",
	ref:    func(m *dfsNamespaceResourceModel) dfsRef { return dfsRef{&m.ID, &m.Server, &m.Path} },
	get:    (*windows.Client).DFSNamespaceGet,
	exists: func(have agent.DFSNamespaceGetResult) bool { return have.Exists },
	fill: func(m *dfsNamespaceResourceModel, have agent.DFSNamespaceGetResult) {
		m.Type = types.StringValue(have.Type)
		m.RootTargets = spellAs(have.RootTargets, m.RootTargets)
		m.TTL = types.Int64Value(have.TTL)
		m.TargetFailback = types.BoolValue(have.TargetFailback)
		m.SiteCosting = types.BoolValue(have.SiteCosting)
		m.InsiteReferrals = types.BoolValue(have.InsiteReferrals)
	},
	conflict: func(plan *dfsNamespaceResourceModel, have agent.DFSNamespaceGetResult) string {
		if sameNamespace(have.DFSNamespaceSettings, plan.settings()) {
			return ""
		}
		return fmt.Sprintf("%s exists with other settings (type %s, root targets %v, ttl %d, target_failback %t, site_costing %t, insite_referrals %t).",
			plan.Path.ValueString(), have.Type, have.RootTargets, have.TTL, have.TargetFailback, have.SiteCosting, have.InsiteReferrals)
	},
	set: func(ctx context.Context, c *windows.Client, m *dfsNamespaceResourceModel) error {
		return errorOf(c.DFSNamespaceSet(ctx, agent.DFSNamespaceSetParams{Path: m.Path.ValueString(), DFSNamespaceSettings: m.settings()}))
	},
	remove: func(ctx context.Context, c *windows.Client, p string) error {
		return errorOf(c.DFSNamespaceRemove(ctx, p))
	},
	importModel: func(id string) (dfsNamespaceResourceModel, error) {
		server, p, err := dfsImportID(id, 2, true, dfsNamespaceExample)
		return dfsNamespaceResourceModel{Server: types.StringValue(server), Path: types.StringValue(p)}, err
	},
}

type dfsNamespaceResourceModel struct {
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

func (r *dfsNamespaceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A DFS namespace root (DFS Namespaces role), managed through the agent on `server` with the DFSN cmdlets: " +
			"its type, its namespace servers (root targets), the root's referral cache duration and its referral settings. " +
			"A change made by hand shows as drift; a create that finds the root exactly as declared adopts it, one that finds it different " +
			"is refused with the import command.",
		Attributes: map[string]schema.Attribute{
			"id":     idAttribute("`<server>:<path>`; also the import ID, e.g. `server1:\\\\corp.example.com\\files`."),
			"server": resourceServerAttribute(" The root is global to the domain (domain_v2) or lives on its server (standalone); the agent of this server runs the cmdlets. Changing it replaces the resource."),
			"path": replacingAttribute("The namespace path: `\\\\<domain>\\<name>` for a domain namespace, `\\\\<server>\\<name>` for a standalone one. "+
				"Case does not matter. Changing it replaces the namespace.",
				uncPath(2, true, dfsNamespaceExample), requiresReplaceUnless(sameUNC, "Changing the path replaces the namespace; changing only its letter case does not.")),
			"type": replacingAttribute("`domain_v2` (stored in Active Directory, Windows Server 2008 mode) or `standalone` (stored on its server). Changing it replaces the namespace.",
				stringvalidator.OneOf(agent.DFSTypes...), stringplanmodifier.RequiresReplace()),
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
			"ttl": optionalInt64("How long clients cache a referral to the root, in seconds (default `300`, Windows' default), 1 to 2147483647.",
				300, int64validator.Between(1, agent.MaxDFSTTL)),
			"target_failback": optionalBool("Clients go back to a preferred root target when it returns (default `false`).", false),
			"site_costing": optionalBool("Order targets outside the client's site by lowest site cost rather than at random (default `false`).",
				false),
			"insite_referrals": optionalBool("Refer clients only to targets in their own site (default `false`).", false),
		},
	}
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

func (m dfsNamespaceResourceModel) settings() agent.DFSNamespaceSettings {
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
