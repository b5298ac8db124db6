package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// NewAliasSPNResource is the winfs_alias_spn factory.
func NewAliasSPNResource() resource.Resource {
	return &aliasSPNResource{resourceBase{typeName: "_alias_spn"}}
}

// aliasSPNResource keeps an alias's service principal names on the
// computer account of one server: a client asking for a ticket for
// HOST/files gets one it can use only on the account that holds the name.
type aliasSPNResource struct{ resourceBase }

type aliasSPNResourceModel struct {
	ID          types.String `tfsdk:"id"`
	Server      types.String `tfsdk:"server"`
	SPNs        types.Set    `tfsdk:"spns"`
	ReleaseFrom types.Set    `tfsdk:"release_from"`
	Computer    types.String `tfsdk:"computer"`
}

func (r *aliasSPNResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Keeps an alias's service principal names (`HOST/files`, `HOST/files.corp.example.com`) on the Active Directory " +
			"computer account of `server`, so that Kerberos works for clients of the alias. Windows clients opening `\\\\files` ask the " +
			"domain for a ticket for the alias's name; the ticket is encrypted with the key of the account that holds the name, so only " +
			"that server can accept it. Changing `server` moves the names: they are first taken off the previous server's account (and " +
			"off the `release_from` accounts), then added to the new one, so no name is ever on two accounts (a duplicate SPN breaks " +
			"Kerberos for that name, and domain controllers refuse to create one). The change runs through `server`'s agent with " +
			"`Set-ADComputer`: the server needs the ActiveDirectory PowerShell module (`Install-WindowsFeature RSAT-AD-PowerShell`) and " +
			"the WinRM account the right to write the accounts' `servicePrincipalName` (Domain Admins, or a delegation of " +
			"\"Validated write to service principal name\" and \"Write servicePrincipalName\").",
		Attributes: map[string]schema.Attribute{
			"id":     idAttribute("The SPNs, sorted and joined by commas."),
			"server": movingServerAttribute(" Its computer account holds the SPNs; changing it moves them (an update, not a replacement)."),
			"spns": schema.SetAttribute{
				MarkdownDescription: "The alias's service principal names, as `setspn` writes them: `service class/host`, e.g. " +
					"`HOST/files` and `HOST/files.corp.example.com` (`HOST` covers `cifs`, which SMB clients ask for).",
				Required:    true,
				ElementType: types.StringType,
				Validators:  []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(servicePrincipalName())},
			},
			"release_from": schema.SetAttribute{
				MarkdownDescription: "Computer accounts (without the `$`, e.g. `SERVER1`) the SPNs are taken off before they are added, " +
					"besides the previous server's: list every server the alias can point at, so that names registered by hand " +
					"are moved too.",
				Optional:    true,
				ElementType: types.StringType,
				Validators:  []validator.Set{setvalidator.ValueStringsAre(computerAccount())},
			},
			"computer": schema.StringAttribute{
				MarkdownDescription: "The computer account of `server` (its computer name) that holds the SPNs.",
				Computed:            true,
			},
		},
	}
}

var computerAccountPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,14}$`)

// computerAccount validates a computer account name as the agent takes it.
func computerAccount() validator.String {
	const d = "must be a computer account name without the $: 1 to 15 letters, digits and -, e.g. SERVER1"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		if !computerAccountPattern.MatchString(s) {
			diags.AddAttributeError(at, "Invalid computer account", fmt.Sprintf("%s: %q %s.", at, s, d))
		}
	}}
}

// ModifyPlan checks the server and keeps the known computer account while
// the server stays the same.
func (r *aliasSPNResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkPlannedServer(ctx, req.Plan, &resp.Diagnostics)
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, state aliasSPNResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Server.Equal(state.Server) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("computer"), state.Computer)...)
	}
}

func setStrings(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	out := []string{}
	if s.IsNull() || s.IsUnknown() {
		return out
	}
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	sort.Strings(out)
	return out
}

func spnID(spns []string) string {
	s := append([]string{}, spns...)
	sort.Slice(s, func(i, j int) bool { return strings.ToUpper(s[i]) < strings.ToUpper(s[j]) })
	return strings.Join(s, ",")
}

// releaseList is release_from plus the account that held the SPNs before,
// without the new holder.
func releaseList(from []string, previous, computer string) []string {
	out := []string{}
	seen := map[string]bool{strings.ToUpper(computer): true}
	for _, c := range append(append([]string{}, from...), previous) {
		if c != "" && !seen[strings.ToUpper(c)] {
			seen[strings.ToUpper(c)] = true
			out = append(out, c)
		}
	}
	return out
}

// spnDiag turns an agent error into a diagnostic on the attribute to fix.
func spnDiag(diags *diag.Diagnostics, server, summary string, err error) {
	var aerr *agent.Error
	if errors.As(err, &aerr) {
		switch aerr.Code {
		case agent.CodeADUnavailable:
			diags.AddAttributeError(path.Root("server"), summary, fmt.Sprintf("%v. Install it on %s (Install-WindowsFeature RSAT-AD-PowerShell) or manage the SPNs through another server.", err, server))
			return
		case agent.CodeSPNDuplicate:
			diags.AddAttributeError(path.Root("release_from"), summary, fmt.Sprintf("%v. Add the account that holds it to release_from, or remove it there by hand (setspn -D).", err))
			return
		case agent.CodeComputerNotFound:
			diags.AddAttributeError(path.Root("release_from"), summary, fmt.Sprintf("%v. List computer accounts of the domain, without the $.", err))
			return
		}
	}
	diags.AddError(summary, fmt.Sprintf("Through %s: %v", server, err))
}

// place moves the SPNs planned in src onto the planned server's account,
// and takes the SPNs dropped from the configuration off the previous
// holder (state, the zero model on create), which it then replaces with
// the plan. It returns false after an error.
func (r *aliasSPNResource) place(ctx context.Context, src modelSource, state *aliasSPNResourceModel, diags *diag.Diagnostics) bool {
	var plan aliasSPNResourceModel
	client := r.open(ctx, src, &plan, &plan.Server, diags)
	if client == nil {
		return false
	}
	server := plan.Server.ValueString()
	computer, err := client.ComputerName(ctx)
	if err != nil {
		diags.AddAttributeError(path.Root("server"), "Cannot reach the server", fmt.Sprintf("Reading the computer name of %s: %v", server, err))
		return false
	}
	spns := setStrings(ctx, plan.SPNs, diags)
	from := setStrings(ctx, plan.ReleaseFrom, diags)
	previous := state.Computer.ValueString()
	var dropped []string
	for _, s := range setStrings(ctx, state.SPNs, diags) {
		if !windows.HoldsSPN(spns, s) {
			dropped = append(dropped, s)
		}
	}
	if len(dropped) > 0 && previous != "" {
		if _, err := client.ADSPNMove(ctx, agent.ADSPNMoveParams{SPNs: dropped, Release: []string{previous}}); err != nil {
			spnDiag(diags, server, "Cannot remove SPNs", err)
			return false
		}
	}
	if diags.HasError() {
		return false
	}
	p := agent.ADSPNMoveParams{SPNs: spns, Computer: computer, Release: releaseList(from, previous, computer)}
	if _, err := client.ADSPNMove(ctx, p); err != nil {
		spnDiag(diags, server, "Cannot move SPNs", err)
		return false
	}
	plan.ID = types.StringValue(spnID(spns))
	plan.Computer = types.StringValue(computer)
	*state = plan
	return true
}

func (r *aliasSPNResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var out aliasSPNResourceModel
	if r.place(ctx, req.Plan, &out, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, out)...)
	}
}

func (r *aliasSPNResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var state aliasSPNResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if r.place(ctx, req.Plan, &state, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	}
}

// Read reports the SPNs that are on the account and on none of the
// released ones: a name missing there, or also held elsewhere, shows as a
// change to make.
func (r *aliasSPNResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state aliasSPNResourceModel
	client := r.open(ctx, req.State, &state, &state.Server, &resp.Diagnostics)
	if client == nil {
		return
	}
	server := state.Server.ValueString()
	what := "the SPNs of " + server
	computer := state.Computer.ValueString()
	if computer == "" {
		var err error
		if computer, err = client.ComputerName(ctx); err != nil {
			if !r.data.fencedRead(server, what, err, &resp.Diagnostics) {
				resp.Diagnostics.AddError("Cannot read SPNs", fmt.Sprintf("Reading the computer name of %s: %v", server, err))
			}
			return
		}
	}
	from := setStrings(ctx, state.ReleaseFrom, &resp.Diagnostics)
	accounts := append([]string{computer}, releaseList(from, "", computer)...)
	list, err := client.ADSPNList(ctx, accounts)
	if err != nil {
		if !r.data.fencedRead(server, what, err, &resp.Diagnostics) {
			spnDiag(&resp.Diagnostics, server, "Cannot read SPNs", err)
		}
		return
	}
	held := []string{}
	for _, s := range setStrings(ctx, state.SPNs, &resp.Diagnostics) {
		if windows.SPNsPlaced(list, agent.ADSPNMoveParams{SPNs: []string{s}, Computer: computer}) {
			held = append(held, s)
		}
	}
	spns, d := types.SetValueFrom(ctx, types.StringType, held)
	resp.Diagnostics.Append(d...)
	state.SPNs = spns
	state.Computer = types.StringValue(computer)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *aliasSPNResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state aliasSPNResourceModel
	client := r.open(ctx, req.State, &state, &state.Server, &resp.Diagnostics)
	if client == nil || state.Computer.ValueString() == "" {
		return
	}
	server := state.Server.ValueString()
	p := agent.ADSPNMoveParams{SPNs: setStrings(ctx, state.SPNs, &resp.Diagnostics), Release: []string{state.Computer.ValueString()}}
	if _, err := client.ADSPNMove(ctx, p); err != nil && !r.data.fencedDelete(server, "the SPNs "+spnID(p.SPNs), err, &resp.Diagnostics) {
		spnDiag(&resp.Diagnostics, server, "Cannot remove SPNs", err)
	}
}

// ImportState takes `<server>:<spn>,<spn>...`.
func (r *aliasSPNResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	server, list, ok := strings.Cut(req.ID, ":")
	spns := strings.Split(list, ",")
	if !ok || server == "" || list == "" {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("%q: want <server>:<spn>[,<spn>...], e.g. server1:HOST/files,HOST/files.corp.example.com", req.ID))
		return
	}
	set, d := types.SetValueFrom(ctx, types.StringType, spns)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.Set(ctx, aliasSPNResourceModel{
		ID: types.StringValue(spnID(spns)), Server: types.StringValue(server), SPNs: set,
		ReleaseFrom: types.SetNull(types.StringType), Computer: types.StringNull(),
	})...)
}
