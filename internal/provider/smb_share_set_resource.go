package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

var basetypesObjectAsOptions = basetypes.ObjectAsOptions{}

// NewSMBShareSetResource is the winfs_smb_share_set factory.
func NewSMBShareSetResource() resource.Resource {
	return &smbShareSetResource{resourceBase{typeName: "_smb_share_set"}}
}

type smbShareSetResource struct{ resourceBase }

type smbShareSetResourceModel struct {
	ID     types.String `tfsdk:"id"`
	Server types.String `tfsdk:"server"`
	Scope  types.Set    `tfsdk:"scope"`
	Shares types.Map    `tfsdk:"shares"`
}

func emptyStringSet() defaults.Set {
	return setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{}))
}

func accessAttribute(name string) schema.SetAttribute {
	return schema.SetAttribute{
		MarkdownDescription: shareDocs[name],
		ElementType:         types.StringType,
		Optional:            true,
		Computed:            true,
		Default:             emptyStringSet(),
	}
}

func (r *smbShareSetResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The SMB shares of one server under a set of path roots (the failover volumes `X:\\` and `Y:\\`), managed " +
			"as one authoritative set: a share added under the scope by hand shows in the next plan and is removed on apply, a share " +
			"deleted or changed by hand is put back. Only the shares that differ are touched. Changing `server` replaces the set " +
			"(the shares are removed from the old server and created on the new one), which is the failover step that " +
			"replaces copying the shares' registry values by hand. Before changing anything, every share path is checked: a path whose volume is not mounted fails the apply " +
			"with nothing changed. On create, shares already exactly as declared are adopted; different or undeclared shares under " +
			"the scope are an error that says how to import them.",
		Attributes: map[string]schema.Attribute{
			"id":     idAttribute("`<server>:<root>,<root>...`, for example `server1:X:\\,Y:\\`. This is also the import ID."),
			"server": resourceServerAttribute(" Changing it replaces the set: the shares move to the new server."),
			"scope": schema.SetAttribute{
				MarkdownDescription: shareDocs["scope"],
				ElementType:         types.StringType,
				Required:            true,
				Validators:          []validator.Set{setvalidator.SizeAtLeast(1)},
			},
			"shares": schema.MapNestedAttribute{
				MarkdownDescription: shareDocs["shares"] + " An empty map removes every share under the scope.",
				Required:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"path": schema.StringAttribute{MarkdownDescription: shareDocs["path"], Required: true},
					"description": schema.StringAttribute{MarkdownDescription: shareDocs["description"], Optional: true, Computed: true,
						Default: stringdefault.StaticString("")},
					"full_access":   accessAttribute("full_access"),
					"change_access": accessAttribute("change_access"),
					"read_access":   accessAttribute("read_access"),
					"no_access":     accessAttribute("no_access"),
					"caching_mode": schema.StringAttribute{MarkdownDescription: shareDocs["caching_mode"], Optional: true, Computed: true,
						Default: stringdefault.StaticString(agent.CachingManual), Validators: []validator.String{stringvalidator.OneOf(agent.CachingModes...)}},
					"access_based_enumeration": schema.BoolAttribute{MarkdownDescription: shareDocs["access_based_enumeration"], Optional: true, Computed: true,
						Default: booldefault.StaticBool(false)},
					"concurrent_user_limit": schema.Int64Attribute{MarkdownDescription: shareDocs["concurrent_user_limit"], Optional: true, Computed: true,
						Default: int64default.StaticInt64(0), Validators: []validator.Int64{int64validator.Between(0, 4294967294)}},
					"encrypt_data": schema.BoolAttribute{MarkdownDescription: shareDocs["encrypt_data"], Optional: true, Computed: true,
						Default: booldefault.StaticBool(false)},
				}},
			},
		},
	}
}

func (r *smbShareSetResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m smbShareSetResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	scopeKnown := !m.Scope.IsUnknown() && !m.Scope.IsNull()
	var scope []string
	if scopeKnown {
		for _, e := range m.Scope.Elements() {
			if s, ok := e.(types.String); !ok || s.IsUnknown() {
				scopeKnown = false
			}
		}
	}
	if scopeKnown {
		scope = normalizeScope(stringSet(ctx, m.Scope, &resp.Diagnostics), &resp.Diagnostics)
	}
	validateShares(ctx, m.Shares, scope, scopeKnown, &resp.Diagnostics)
}

func (r *smbShareSetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkPlannedServer(ctx, req.Plan, &resp.Diagnostics)
	if req.Plan.Raw.IsNull() || r.data == nil || resp.Diagnostics.HasError() {
		return
	}
	var plan smbShareSetResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.Server.IsUnknown() || plan.Scope.IsUnknown() || plan.Scope.IsNull() {
		return
	}
	for _, e := range plan.Scope.Elements() {
		if e.IsUnknown() {
			return
		}
	}
	t := plan.target(ctx, &resp.Diagnostics)
	ep, ok := r.data.settings.servers[t.server]
	if resp.Diagnostics.HasError() || !ok {
		return
	}
	if other, root, overlap := r.data.scopes.claim(strings.ToLower(ep.Addr()), t.server, t.scope, req.Config.Raw.String()); overlap {
		resp.Diagnostics.AddAttributeError(path.Root("scope"), "Share set scopes overlap", other.describe(root))
	}
}

// smbShareSetTarget is a set's address: server and normalized scope.
type smbShareSetTarget struct {
	server string
	scope  []string
}

func (t smbShareSetTarget) id() string { return t.server + ":" + strings.Join(t.scope, ",") }

func (t smbShareSetTarget) String() string {
	return fmt.Sprintf("the shares under %s on %s", strings.Join(t.scope, ", "), t.server)
}

func (m smbShareSetResourceModel) target(ctx context.Context, diags *diag.Diagnostics) smbShareSetTarget {
	return smbShareSetTarget{server: m.Server.ValueString(), scope: normalizeScope(stringSet(ctx, m.Scope, diags), diags)}
}

// parseShareSetID splits `server:root,root`.
func parseShareSetID(id string) (smbShareSetTarget, error) {
	server, rest, ok := strings.Cut(id, ":")
	if !ok || server == "" || rest == "" {
		return smbShareSetTarget{}, fmt.Errorf(`import ID %q must be <server>:<root>[,<root>...], for example server1:X:\,Y:\`, id)
	}
	var diags diag.Diagnostics
	t := smbShareSetTarget{server: server, scope: normalizeScope(strings.Split(rest, ","), &diags)}
	if diags.HasError() {
		return smbShareSetTarget{}, fmt.Errorf("import ID %q: %s", id, diags.Errors()[0].Detail())
	}
	return t, nil
}

// wanted is the configuration's shares in wire form, by folded name.
func wanted(ctx context.Context, m smbShareSetResourceModel, diags *diag.Diagnostics) map[string]agent.Share {
	out := map[string]agent.Share{}
	for name, s := range sharesOf(ctx, m.Shares, diags) {
		out[smbshare.Fold(name)] = s.toWire(ctx, name, diags)
	}
	return out
}

// served indexes the shares a server serves by folded name.
func served(list []agent.ShareInfo) map[string]agent.ShareInfo {
	out := map[string]agent.ShareInfo{}
	for _, s := range list {
		if s.Available {
			out[smbshare.Fold(s.Name)] = s
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// converge makes the server's shares under the scope exactly want. It
// checks every path to be shared before it changes anything ("converge on re-apply"), then
// removes undeclared shares and sets the ones that differ; shares already
// right are not touched. changed reports whether anything was written.
func converge(ctx context.Context, c *windows.Client, t smbShareSetTarget, want map[string]agent.Share, have map[string]agent.ShareInfo, diags *diag.Diagnostics) (changed bool) {
	var toSet []agent.Share
	for _, k := range sortedKeys(want) {
		if cur, ok := have[k]; !ok || !smbshare.Same(cur.Share, want[k]) {
			toSet = append(toSet, want[k])
		}
	}
	var toRemove []agent.ShareInfo
	for _, k := range sortedKeys(have) {
		if _, ok := want[k]; !ok {
			toRemove = append(toRemove, have[k])
		}
	}
	if len(toSet) == 0 && len(toRemove) == 0 {
		tflog.Debug(ctx, "shares already as declared", map[string]any{"server": t.server, "scope": t.scope})
		return false
	}
	if len(toSet) > 0 {
		paths := make([]string, 0, len(toSet))
		for _, s := range toSet {
			paths = append(paths, s.Path)
		}
		status, err := c.SharePaths(ctx, paths)
		if err != nil {
			diags.AddError("Cannot check share paths", fmt.Sprintf("Checking the folders of %s: %v", t, err))
			return false
		}
		for i, st := range status.Paths {
			s := toSet[i]
			switch {
			case !st.VolumeMounted:
				diags.AddAttributeError(path.Root("shares").AtMapKey(s.Name).AtName("path"), "Share path on an unmounted volume",
					fmt.Sprintf("Cannot share %q on %s: its path %s is on volume %s:, which is not mounted on %s. "+
						"Mount the volume first (the share set must depend on the volume mount). Nothing was changed.",
						s.Name, t.server, s.Path, smbshare.Drive(s.Path), t.server))
			case !st.Exists:
				diags.AddAttributeError(path.Root("shares").AtMapKey(s.Name).AtName("path"), "Share folder missing",
					fmt.Sprintf("Cannot share %q on %s: the folder %s does not exist there. Nothing was changed.", s.Name, t.server, s.Path))
			}
		}
		if diags.HasError() {
			return false
		}
	}
	for _, s := range toRemove {
		if !removeShare(ctx, c, t, s, "removing undeclared share", diags) {
			return true
		}
		changed = true
	}
	for _, s := range toSet {
		res, err := c.ShareSet(ctx, agent.ShareSetParams{Share: s, Scope: t.scope})
		if err != nil {
			diags.AddAttributeError(path.Root("shares").AtMapKey(s.Name), "Cannot set share",
				fmt.Sprintf("Setting share %q (%s) on %s: %v", s.Name, s.Path, t.server, err))
			return true
		}
		tflog.Info(ctx, "share "+res.Action, map[string]any{"server": t.server, "share": s.Name, "path": s.Path})
		changed = true
	}
	return changed
}

// refresh reads the server's shares under the scope into m, keeping m's
// spelling where the server agrees with it. The read may be answered from a
// listing shared with sibling share sets (a write empties it first).
func refresh(ctx context.Context, c *windows.Client, t smbShareSetTarget, m *smbShareSetResourceModel, diags *diag.Diagnostics) bool {
	list, ok := listShares(ctx, c, t, true, nil, diags)
	if ok {
		m.Shares = hostSharesModel(ctx, list.Shares, sharesOf(ctx, m.Shares, diags), diags)
	}
	return ok
}

// fenceFunc is providerData.fencedRead or fencedDelete: whether an
// unreachable server excuses a failed call (it then adds its own warning).
type fenceFunc func(server, what string, err error, diags *diag.Diagnostics) bool

// listShares lists the shares t's server serves under t's scope: afresh
// (what is really there now), or when cached possibly from a listing shared
// with sibling reads. A failure is "Cannot list shares" unless fenced (nil:
// never) excuses it.
func listShares(ctx context.Context, c *windows.Client, t smbShareSetTarget, cached bool, fenced fenceFunc, diags *diag.Diagnostics) (agent.ShareListResult, bool) {
	var res agent.ShareListResult
	var err error
	if cached {
		res, err = c.ShareListLookup(ctx, t.scope)
	} else {
		res, err = c.ShareList(ctx, t.scope)
	}
	if err != nil {
		if fenced == nil || !fenced(t.server, "the share set under "+strings.Join(t.scope, ", "), err, diags) {
			diags.AddError("Cannot list shares", fmt.Sprintf("Listing %s: %v", t, err))
		}
		return agent.ShareListResult{}, false
	}
	return res, true
}

// shareSetStart says how a share-set operation starts (see openShareSet).
type shareSetStart struct {
	withWant bool      // resolve the declared shares (writes)
	cached   bool      // the listing may come from a sibling's
	fenced   fenceFunc // may excuse an unreachable server
}

// shareSetOpen is what a share-set operation works on.
type shareSetOpen struct {
	t    smbShareSetTarget
	want map[string]agent.Share
	c    *windows.Client
	list agent.ShareListResult
}

// openShareSet is the start of every share-set operation: the model read
// from src into m, its target, the declared shares in wire form (withWant),
// the client of its server and the shares it serves under the scope.
// ok is false after an error (or a fenced excuse).
func (s *serverScoped) openShareSet(ctx context.Context, src modelSource, m *smbShareSetResourceModel, how shareSetStart, diags *diag.Diagnostics) (o shareSetOpen, ok bool) {
	diags.Append(src.Get(ctx, m)...)
	o.t = m.target(ctx, diags)
	if how.withWant {
		o.want = wanted(ctx, *m, diags)
	}
	if diags.HasError() {
		return o, false
	}
	if o.c = s.client(ctx, o.t.server, diags); o.c == nil {
		return o, false
	}
	o.list, ok = listShares(ctx, o.c, o.t, how.cached, how.fenced, diags)
	return o, ok
}

// removeShare removes one share of t's server, logging msg first.
func removeShare(ctx context.Context, c *windows.Client, t smbShareSetTarget, s agent.ShareInfo, msg string, diags *diag.Diagnostics) bool {
	tflog.Info(ctx, msg, map[string]any{"server": t.server, "share": s.Name, "path": s.Path})
	if _, err := c.ShareRemove(ctx, agent.ShareRemoveParams{Name: s.Name, Scope: t.scope}); err != nil {
		diags.AddError("Cannot remove share", fmt.Sprintf("Removing share %q (%s) from %s: %v", s.Name, s.Path, t.server, err))
		return false
	}
	return true
}

func (r *smbShareSetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan smbShareSetResourceModel
	o, ok := r.openShareSet(ctx, req.Plan, &plan, shareSetStart{withWant: true}, &resp.Diagnostics)
	if !ok {
		return
	}
	t, want, c, have := o.t, o.want, o.c, served(o.list.Shares)
	// "Adopt what is right": adopt shares exactly as declared; anything else already there is
	// someone's work that a create must not silently overwrite or remove.
	var found []string
	for _, k := range sortedKeys(have) {
		s := have[k]
		w, declared := want[k]
		switch {
		case !declared:
			found = append(found, fmt.Sprintf("- %q (%s) is not declared", s.Name, s.Path))
		case !smbshare.Same(w, s.Share):
			found = append(found, fmt.Sprintf("- %q differs: %s", s.Name, strings.Join(smbshare.Differences(w, s.Share), "; ")))
		default:
			tflog.Info(ctx, "share already as declared; adopting it", map[string]any{"server": t.server, "share": s.Name})
		}
	}
	if len(found) > 0 {
		resp.Diagnostics.AddError("Shares already exist under the scope",
			fmt.Sprintf("%s already has shares under %s that this configuration does not declare as they are:\n%s\n\n"+
				"Nothing was changed. To take them over, import the set and review the plan:\n  terraform import <address of this winfs_smb_share_set> '%s'",
				t.server, strings.Join(t.scope, ", "), strings.Join(found, "\n"), t.id()))
		return
	}
	changed := converge(ctx, c, t, want, have, &resp.Diagnostics)
	plan.ID = types.StringValue(t.id())
	saveConverged(ctx, c, t, changed, plan, func() smbShareSetResourceModel { return plan }, &resp.State, &resp.Diagnostics)
}

// saveConverged stores plan after converge succeeded. After a failed
// converge that wrote something, it stores what is on the server now into
// the model base gives, so that the next apply converges from there (the
// set is tainted).
func saveConverged(ctx context.Context, c *windows.Client, t smbShareSetTarget, changed bool, plan smbShareSetResourceModel,
	base func() smbShareSetResourceModel, state *tfsdk.State, diags *diag.Diagnostics) {
	if !diags.HasError() {
		diags.Append(state.Set(ctx, plan)...)
		return
	}
	if !changed {
		return
	}
	m := base()
	if refresh(ctx, c, t, &m, diags) {
		diags.Append(state.Set(ctx, m)...)
	}
}

func (r *smbShareSetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state smbShareSetResourceModel
	// A dead primary must still be plannable away from ("fencing by unmap").
	o, ok := r.openShareSet(ctx, req.State, &state, shareSetStart{fenced: r.data.fencedRead}, &resp.Diagnostics)
	if !ok {
		return
	}
	state.Shares = hostSharesModel(ctx, o.list.Shares, sharesOf(ctx, state.Shares, &resp.Diagnostics), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *smbShareSetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan smbShareSetResourceModel
	// Diff against the server as it is now, not against the state: only
	// what really differs is touched.
	o, ok := r.openShareSet(ctx, req.Plan, &plan, shareSetStart{withWant: true}, &resp.Diagnostics)
	if !ok {
		return
	}
	t, c := o.t, o.c
	changed := converge(ctx, c, t, o.want, served(o.list.Shares), &resp.Diagnostics)
	plan.ID = types.StringValue(t.id())
	saveConverged(ctx, c, t, changed, plan, func() smbShareSetResourceModel {
		var state smbShareSetResourceModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		state.Scope = plan.Scope
		state.ID = plan.ID
		return state
	}, &resp.State, &resp.Diagnostics)
}

// Delete removes every share under the scope: the server no longer serves
// anything there, which is what a failover needs before the volume leaves.
func (r *smbShareSetResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state smbShareSetResourceModel
	o, ok := r.openShareSet(ctx, req.State, &state, shareSetStart{fenced: r.data.fencedDelete}, &resp.Diagnostics)
	if !ok {
		return
	}
	for _, s := range o.list.Shares {
		if !removeShare(ctx, o.c, o.t, s, "removing share", &resp.Diagnostics) {
			return
		}
	}
}

func (r *smbShareSetResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	t, err := parseShareSetID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	c := r.client(ctx, t.server, &resp.Diagnostics)
	if c == nil {
		return
	}
	m := smbShareSetResourceModel{
		ID:     types.StringValue(t.id()),
		Server: types.StringValue(t.server),
		Scope:  setOf(t.scope),
		Shares: types.MapNull(shareObjectType),
	}
	if refresh(ctx, c, t, &m, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	}
}
