package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// NewDFSFolderResource is the winfs_dfs_folder factory.
func NewDFSFolderResource() resource.Resource {
	return &dfsFolderResource{dfsCRUD[dfsFolderResourceModel, agent.DFSFolderGetResult]{resourceBase{typeName: "_dfs_folder"}, dfsFolderObject}}
}

type dfsFolderResource struct {
	dfsCRUD[dfsFolderResourceModel, agent.DFSFolderGetResult]
}

// dfsFolderObject is a folder with its targets, named by its path.
var dfsFolderObject = dfsObject[dfsFolderResourceModel, agent.DFSFolderGetResult]{
	what: "folder", keyAttr: "path", nothing: "DFS folder",
	ref:    func(m *dfsFolderResourceModel) dfsRef { return dfsRef{&m.ID, &m.Server, &m.Path} },
	get:    (*windows.Client).DFSFolderGet,
	exists: func(have agent.DFSFolderGetResult) bool { return have.Exists },
	fill:   (*dfsFolderResourceModel).fromServer,
	conflict: func(plan *dfsFolderResourceModel, have agent.DFSFolderGetResult) string {
		if sameFolder(have.DFSFolderSettings, plan.settings()) {
			return ""
		}
		return fmt.Sprintf("%s exists with other settings (ttl %d, target_failback %t, targets %s).",
			plan.Path.ValueString(), have.TTL, have.TargetFailback, describeTargets(have.Targets))
	},
	set: func(ctx context.Context, c *windows.Client, m *dfsFolderResourceModel) error {
		return errorOf(c.DFSFolderSet(ctx, agent.DFSFolderSetParams{Path: m.Path.ValueString(), DFSFolderSettings: m.settings()}))
	},
	remove: func(ctx context.Context, c *windows.Client, p string) error {
		return errorOf(c.DFSFolderRemove(ctx, p))
	},
	importModel: func(id string) (dfsFolderResourceModel, error) {
		server, p, err := dfsImportID(id, 3, false, dfsFolderExample)
		if err != nil {
			return dfsFolderResourceModel{}, err
		}
		parts := strings.SplitN(strings.TrimPrefix(p, `\\`), `\`, 3)
		return dfsFolderResourceModel{Server: types.StringValue(server), Path: types.StringValue(p), Namespace: types.StringValue(`\\` + parts[0] + `\` + parts[1])}, nil
	},
}

type dfsFolderResourceModel struct {
	ID             types.String              `tfsdk:"id"`
	Server         types.String              `tfsdk:"server"`
	Namespace      types.String              `tfsdk:"namespace"`
	Path           types.String              `tfsdk:"path"`
	Targets        map[string]dfsTargetModel `tfsdk:"targets"`
	TTL            types.Int64               `tfsdk:"ttl"`
	TargetFailback types.Bool                `tfsdk:"target_failback"`
}

type dfsTargetModel struct {
	State         types.String `tfsdk:"state"`
	PriorityClass types.String `tfsdk:"priority_class"`
	PriorityRank  types.Int64  `tfsdk:"priority_rank"`
}

const dfsFolderExample = `\\corp.example.com\files\Finance`

func (r *dfsFolderResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A folder of a DFS namespace with its exact set of folder targets, each with its state and referral priority, " +
			"managed through the agent on `server`. Swapping `global_high` and `global_low` between two targets is a planned DFS failover: " +
			"clients move when their cached referral expires (`ttl`). Targets are added first, then changed, then removed, so the folder " +
			"is never without a target. A target's host may be spelled by short name or FQDN and in any case: it is the same target.",
		Attributes: map[string]schema.Attribute{
			"id":     idAttribute("`<server>:<path>`; also the import ID, e.g. `server1:\\\\corp.example.com\\files\\Finance`."),
			"server": resourceServerAttribute(" Changing it replaces the resource."),
			"namespace": replacingAttribute("The namespace the folder belongs to, e.g. `\\\\corp.example.com\\files` (usually a `winfs_dfs_namespace`'s `path`).",
				uncPath(2, true, dfsNamespaceExample), requiresReplaceUnless(sameUNC, "Changing the namespace replaces the folder; changing only its letter case does not.")),
			"path": replacingAttribute("The folder's full path, starting with `namespace`, e.g. `\\\\corp.example.com\\files\\Finance`. Changing it replaces the folder.",
				uncPath(3, false, dfsFolderExample), requiresReplaceUnless(sameUNC, "Changing the path replaces the folder; changing only its letter case does not.")),
			"targets": schema.MapNestedAttribute{
				MarkdownDescription: "The folder targets, keyed by UNC path (`\\\\<server>\\<share>`). Exact: targets not listed are removed.",
				Required:            true,
				Validators:          []validator.Map{mapvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"state": optionalString("`online` (default) or `offline` (left out of referrals).",
						agent.DFSStateOnline, stringvalidator.OneOf(agent.DFSStates...)),
					"priority_class": optionalString("Referral priority class: `global_high` (first among all targets), `site_cost_high` (first among targets of equal cost), "+
						"`site_cost_normal` (default, ordinary ordering), `site_cost_low` (last among targets of equal cost), `global_low` (last among all targets).",
						"site_cost_normal", stringvalidator.OneOf(agent.DFSPriorityClassNames()...)),
					"priority_rank": optionalInt64("Rank within the priority class, 0 (default, first) to 31.",
						0, int64validator.Between(0, agent.MaxDFSPriorityRank)),
				}},
			},
			"ttl": optionalInt64("How long clients cache the folder's referral, in seconds (default `1800`, Windows' default), 1 to 2147483647. "+
				"A failover driven by priorities reaches a client within this time; a failed target is left at once.",
				1800, int64validator.Between(1, agent.MaxDFSTTL)),
			"target_failback": optionalBool("Clients go back to the preferred target when their referral expires after it returns (default `false`).",
				false),
		},
	}
}

// folderUnder says whether folder is a path below namespace.
func folderUnder(namespace, folder string) bool {
	ns := strings.TrimRight(namespace, `\`) + `\`
	return len(folder) > len(ns) && strings.EqualFold(folder[:len(ns)], ns)
}

func (r *dfsFolderResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var ns, p types.String
	var targets types.Map
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("namespace"), &ns)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("path"), &p)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("targets"), &targets)...)
	if !ns.IsNull() && !ns.IsUnknown() && !p.IsNull() && !p.IsUnknown() && !folderUnder(ns.ValueString(), p.ValueString()) {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Folder outside its namespace",
			fmt.Sprintf("path %q does not start with namespace %q: a folder's path is the namespace path, a backslash and the folder name, e.g. %s.", p.ValueString(), ns.ValueString(), dfsFolderExample))
	}
	if targets.IsNull() || targets.IsUnknown() {
		return
	}
	names := make([]string, 0, len(targets.Elements()))
	for k := range targets.Elements() {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		if prob := uncProblem(n, 2, true); prob != "" {
			resp.Diagnostics.AddAttributeError(path.Root("targets").AtMapKey(n), "Invalid target",
				fmt.Sprintf("targets: key %q %s; a folder target is a UNC path \\\\<server>\\<share>, e.g. \\\\server1\\Finance.", n, prob))
		}
	}
	duplicateTargets(func(n string) path.Path { return path.Root("targets").AtMapKey(n) }, names, &resp.Diagnostics)
}

// settings is what dfs.folder.set takes, targets sorted by name so the
// request (and the target that creates the folder) is always the same.
func (m dfsFolderResourceModel) settings() agent.DFSFolderSettings {
	out := agent.DFSFolderSettings{TTL: m.TTL.ValueInt64(), TargetFailback: m.TargetFailback.ValueBool(), Targets: []agent.DFSTarget{}}
	for name, t := range m.Targets {
		out.Targets = append(out.Targets, agent.DFSTarget{Path: name, State: t.State.ValueString(), PriorityClass: t.PriorityClass.ValueString(), PriorityRank: t.PriorityRank.ValueInt64()})
	}
	sort.Slice(out.Targets, func(i, j int) bool { return out.Targets[i].Path < out.Targets[j].Path })
	return out
}

func sameFolder(have, want agent.DFSFolderSettings) bool {
	if have.TTL != want.TTL || have.TargetFailback != want.TargetFailback || len(have.Targets) != len(want.Targets) {
		return false
	}
	for _, w := range want.Targets {
		found := false
		for _, h := range have.Targets {
			if sameTarget(h.Path, w.Path) {
				found = h.State == w.State && h.PriorityClass == w.PriorityClass && h.PriorityRank == w.PriorityRank
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func describeTargets(ts []agent.DFSTarget) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%s %s %s rank %d", t.Path, t.State, t.PriorityClass, t.PriorityRank)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// fromServer records the folder's settings and targets as the server has
// them, each target under m's spelling of it.
func (m *dfsFolderResourceModel) fromServer(have agent.DFSFolderGetResult) {
	mine := make([]string, 0, len(m.Targets))
	for k := range m.Targets {
		mine = append(mine, k)
	}
	names := make([]string, len(have.Targets))
	for i, t := range have.Targets {
		names[i] = t.Path
	}
	names = spellAs(names, mine)
	m.Targets = map[string]dfsTargetModel{}
	for i, t := range have.Targets {
		m.Targets[names[i]] = dfsTargetModel{State: types.StringValue(t.State), PriorityClass: types.StringValue(t.PriorityClass), PriorityRank: types.Int64Value(t.PriorityRank)}
	}
	m.TTL = types.Int64Value(have.TTL)
	m.TargetFailback = types.BoolValue(have.TargetFailback)
}
