package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/san"
)

// NewSANLunMappingResource is the winfs_san_lun_mapping factory.
func NewSANLunMappingResource() resource.Resource {
	return &sanLunMappingResource{resourceBase{typeName: "_san_lun_mapping"}}
}

type sanLunMappingResource struct{ resourceBase }

type sanLunMappingResourceModel struct {
	ID       types.String `tfsdk:"id"`
	LUN      types.String `tfsdk:"lun"`
	IGroup   types.String `tfsdk:"igroup"`
	LUNID    types.Int64  `tfsdk:"lun_id"`
	Takeover types.Bool   `tfsdk:"takeover"`
	Serial   types.String `tfsdk:"serial"`
	Others   types.List   `tfsdk:"other_igroups"`
}

func (r *sanLunMappingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Which host sees a LUN: the mapping of one LUN to one initiator group on the SAN array (provider `san` block). " +
			"A LUN is mapped to **one** igroup at a time (NTFS is corrupted when two Windows hosts see the same disk): creating a mapping " +
			"for a LUN another igroup holds fails and names that igroup, unless `takeover = true`. Changing `igroup` replaces the mapping, " +
			"and Terraform then unmaps the LUN from the old igroup before it maps it to the new one. A mapping that already exists exactly " +
			"as declared is adopted. After mapping, the LUN's mappings are read again: if another igroup got the LUN meanwhile (a concurrent run with " +
			"another state, an administrator), the new mapping is undone and the apply fails naming that igroup. A mapping removed or moved on the array, " +
			"or another igroup mapped to the LUN beside this one, shows as drift in the next plan.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("`<lun>:<igroup>`, for example `/vol/vol1/files_x:server1`. This is also the import ID."),
			"lun": replacingAttribute("The LUN: its path with the `ontap7` dialect (`/vol/vol1/files_x`), its name with `generic` (an MSA volume name, say). "+
				"Letters, digits, `_`, `.`, `/`, `@` and `-` (not first); array CLIs have no quoting, so nothing else is passed. Changing it replaces the mapping.",
				sanName("LUN", false), stringplanmodifier.RequiresReplace()),
			"igroup": replacingAttribute("The initiator group (host) that sees the LUN, usually the active server's name. Changing it replaces the mapping: "+
				"unmap from the old igroup first, map to the new one second, never both at once.",
				sanName("initiator group", true), stringplanmodifier.RequiresReplace()),
			"lun_id": schema.Int64Attribute{
				MarkdownDescription: "The LUN ID the host sees (0-4095). When omitted, the array's next free ID in the igroup is used and recorded here. " +
					"Changing a configured value replaces the mapping.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.Int64{int64validator.Between(0, 4095)},
				PlanModifiers: []planmodifier.Int64{
					int64planmodifier.UseStateForUnknown(),
					int64planmodifier.RequiresReplaceIfConfigured(),
				},
			},
			"takeover": optionalBool("When creating the mapping finds the LUN mapped to other igroups, unmap it from them first (default `false`: refuse and name them). "+
				"Use it for a failover away from a dead server whose mapping is not in this state. The holder must be one of the provider's `servers` "+
				"(named as its igroup), checked before the unmap: a reachable holder with the disk online is refused (remove its `winfs_volume_mount` first), "+
				"an unreachable one is taken over only with `unreachable_delete = \"fenced\"`. A holder that is not a configured server is refused at plan time.",
				false),
			"other_igroups": schema.ListAttribute{
				MarkdownDescription: "The other initiator groups the array presents the LUN to besides `igroup`, as last read; always planned empty. " +
					"When it is not empty, two hosts see the same disk: the plan shows it as a change, and the apply fails naming the igroups and what to do " +
					"rather than unmapping a host that may be using the disk.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"serial": reportedString("The LUN's serial number, which Windows shows as the disk's serial number; `winfs_volume_mount` finds the disk by it. " +
				"Empty with a generic dialect that has no `serial_command`."),
		},
	}
}

// ModifyPlan checks, at plan time, that the provider can reach an array and
// that the names suit its dialect.
func (r *sanLunMappingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	if r.data.settings.san == nil {
		resp.Diagnostics.AddError("No SAN array configured", errNoSAN)
		return
	}
	var plan sanLunMappingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The declared state: no other igroup holds the LUN. A Read that found
	// one makes this a change in the plan ("one host per LUN").
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("other_igroups"), noOthers)...)
	d := r.data.settings.san.dialect
	if !plan.LUN.IsUnknown() {
		if err := d.CheckLUN(plan.LUN.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("lun"), "Invalid LUN for the "+d.Name()+" dialect", err.Error())
		}
	}
	if !plan.IGroup.IsUnknown() {
		if err := d.CheckIGroup(plan.IGroup.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("igroup"), "Invalid initiator group for the "+d.Name()+" dialect", err.Error())
		}
	}
	// takeover = true on a LUN whose holder the provider cannot check is
	// refused now, before anything is applied ("no takeover from a live host").
	if req.State.Raw.IsNull() && plan.Takeover.ValueBool() && !plan.LUN.IsUnknown() && !plan.IGroup.IsUnknown() && !resp.Diagnostics.HasError() {
		if c, err := r.data.sanClient(); err == nil {
			if maps, err := c.MappingsOf(ctx, plan.LUN.ValueString()); err == nil {
				var others []san.Mapping
				for _, m := range maps {
					if m.IGroup != plan.IGroup.ValueString() {
						others = append(others, m)
					}
				}
				r.data.unidentifiedHolders(plan.LUN.ValueString(), others, &resp.Diagnostics)
			}
		}
	}
	// The serial is the LUN's, whichever igroup sees it: reading it now
	// lets the plan of a failover check the target's mount point for this
	// disk. A failed read leaves it to the apply, which reports it.
	if plan.Serial.IsUnknown() && !plan.LUN.IsUnknown() && !resp.Diagnostics.HasError() {
		if c, err := r.data.sanClient(); err == nil {
			if serial, err := c.Serial(ctx, plan.LUN.ValueString()); err == nil {
				resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("serial"), serial)...)
			}
		}
	}
}

var noOthers = types.ListValueMust(types.StringType, []attr.Value{})

// othersValue lists the igroups of maps other than igroup, sorted.
func othersValue(maps []san.Mapping, igroup string) (types.List, []string) {
	var names []string
	for _, m := range maps {
		if m.IGroup != igroup {
			names = append(names, m.IGroup)
		}
	}
	sort.Strings(names)
	vals := make([]attr.Value, len(names))
	for i, n := range names {
		vals[i] = types.StringValue(n)
	}
	return types.ListValueMust(types.StringType, vals), names
}

func mappingID(lun, igroup string) string { return lun + ":" + igroup }

// lunID is the configured ID, or -1 to let the array choose.
func (m sanLunMappingResourceModel) lunID() int {
	if m.LUNID.IsNull() || m.LUNID.IsUnknown() {
		return -1
	}
	return int(m.LUNID.ValueInt64())
}

func (r *sanLunMappingResource) client(diags *diag.Diagnostics) *san.Client {
	if r.data == nil {
		diags.AddError("Provider not configured", "The provider must be configured before SAN resources are used.")
		return nil
	}
	if r.data.settings.san == nil {
		diags.AddError("No SAN array configured", errNoSAN)
		return nil
	}
	c, err := r.data.sanClient()
	if err != nil {
		diags.AddError("No SAN array configured", err.Error())
		return nil
	}
	return c
}

// mappings returns the array's client and the LUN's mappings; the client
// is nil after an error.
func (r *sanLunMappingResource) mappings(ctx context.Context, lun string, diags *diag.Diagnostics) (*san.Client, []san.Mapping) {
	c := r.client(diags)
	if c == nil {
		return nil, nil
	}
	maps, err := c.MappingsOf(ctx, lun)
	if err != nil {
		diags.AddError("Cannot read the LUN's mappings", sanErr(err))
		return nil, nil
	}
	return c, maps
}

// open reads the mapping m from src and returns the array's client, the
// mapping's LUN and igroup and the LUN's mappings; the client is nil after
// an error.
func (r *sanLunMappingResource) open(ctx context.Context, src modelSource, m *sanLunMappingResourceModel, diags *diag.Diagnostics) (c *san.Client, lun, igroup string, maps []san.Mapping) {
	if diags.Append(src.Get(ctx, m)...); diags.HasError() {
		return nil, "", "", nil
	}
	lun, igroup = m.LUN.ValueString(), m.IGroup.ValueString()
	c, maps = r.mappings(ctx, lun, diags)
	return c, lun, igroup, maps
}

// start reads the mapping m from src and returns the array's client and
// the mapping's LUN and igroup; the client is nil after an error.
func (r *sanLunMappingResource) start(ctx context.Context, src modelSource, m *sanLunMappingResourceModel, diags *diag.Diagnostics) (c *san.Client, lun, igroup string) {
	if diags.Append(src.Get(ctx, m)...); diags.HasError() {
		return nil, "", ""
	}
	return r.client(diags), m.LUN.ValueString(), m.IGroup.ValueString()
}

func (r *sanLunMappingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan sanLunMappingResourceModel
	c, lun, igroup := r.start(ctx, req.Plan, &plan, &resp.Diagnostics)
	if c == nil {
		return
	}
	ctx = tflog.SetField(ctx, "lun", lun)
	ctx = tflog.SetField(ctx, "igroup", igroup)

	// The plan read the serial (ModifyPlan), which also proved the LUN
	// exists; the array is asked again only when it could not.
	serial := plan.Serial.ValueString()
	if serial == "" {
		var ok bool
		if serial, ok = r.checkLUN(ctx, c, lun, &resp.Diagnostics); !ok {
			return
		}
	}
	// MapAlone reads the LUN's mappings afresh, maps, and reads them again
	// ("one host per LUN"): a LUN held elsewhere comes back as a HeldError
	// before anything changed, and one already mapped here alone is
	// adopted as is.
	want := plan.lunID()
	m, err := c.MapAlone(ctx, lun, igroup, want)
	var held *san.HeldError
	// A LUN held elsewhere and an igroup the array does not have: the
	// igroup is the mistake, and a takeover must not unmap for nothing.
	if errors.As(err, &held) && !held.Mapped && r.unknownIGroup(ctx, c, igroup, &resp.Diagnostics) {
		return
	}
	if errors.As(err, &held) && !held.Mapped && plan.Takeover.ValueBool() {
		if !r.data.checkTakeover(ctx, lun, serial, held.Others, &resp.Diagnostics) {
			return
		}
		for _, o := range held.Others {
			tflog.Warn(ctx, "takeover: unmapping the LUN from another initiator group first", map[string]any{"from": o.IGroup})
			if err := c.Unmap(ctx, lun, o.IGroup); err != nil {
				resp.Diagnostics.AddError("Cannot take the LUN over",
					fmt.Sprintf("Unmapping %s from initiator group %s before mapping it to %s: %s", lun, o.IGroup, igroup, sanErr(err)))
				return
			}
		}
		m, err = c.MapAlone(ctx, lun, igroup, want)
	}
	switch {
	case errors.As(err, &held) && !held.Mapped:
		resp.Diagnostics.AddError("LUN is mapped to another initiator group", refusal(lun, igroup, held.Others, held.AlsoMine))
		return
	case errors.As(err, &held):
		resp.Diagnostics.AddError("Another initiator group got the LUN while it was being mapped", held.Error()+".\n\n"+
			"Find out which run or administrator mapped it to "+strings.Join(held.OtherNames(), ", ")+
			"; a LUN moves between servers through one Terraform state (its lock lets one apply run at a time).")
		return
	case err != nil:
		if r.unknownIGroup(ctx, c, igroup, &resp.Diagnostics) {
			return
		}
		resp.Diagnostics.AddError("Cannot map the LUN", fmt.Sprintf("Mapping %s to initiator group %s: %s", lun, igroup, sanErr(err)))
		return
	case want >= 0 && m.ID >= 0 && m.ID != want:
		// Only an existing mapping, adopted, can have another ID.
		resp.Diagnostics.AddAttributeError(path.Root("lun_id"), "LUN already mapped with another LUN ID",
			fmt.Sprintf("LUN %s is already mapped to initiator group %s, with LUN ID %d, not %d. Set lun_id = %d (or remove lun_id) to adopt it, "+
				"or import it: terraform import winfs_san_lun_mapping.<name> '%s'.", lun, igroup, m.ID, want, m.ID, mappingID(lun, igroup)))
		return
	}
	tflog.Info(ctx, "LUN mapped (or found mapped) and checked to be held by this igroup alone", map[string]any{"lun_id": m.ID})
	plan.LUNID = lunIDValue(m.ID)
	plan.ID = types.StringValue(mappingID(lun, igroup))
	plan.Serial = types.StringValue(serial)
	plan.Others = noOthers
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// refusal is the error of safety rule "one host per LUN": who holds the LUN, and what to do.
func refusal(lun, igroup string, others []san.Mapping, alsoMine bool) string {
	names := make([]string, 0, len(others))
	for _, o := range others {
		if o.ID >= 0 {
			names = append(names, fmt.Sprintf("%s (LUN ID %d)", o.IGroup, o.ID))
		} else {
			names = append(names, o.IGroup)
		}
	}
	sort.Strings(names)
	first := others[0].IGroup
	var b strings.Builder
	fmt.Fprintf(&b, "LUN %s is mapped to initiator group %s. ", lun, strings.Join(names, ", "))
	if alsoMine {
		fmt.Fprintf(&b, "It is also mapped to %s: two hosts see the same disk right now, which corrupts NTFS; fix it on the array. ", igroup)
	} else {
		fmt.Fprintf(&b, "Mapping it to %s as well would let two hosts see the same disk, which corrupts NTFS, so nothing was changed.\n\n", igroup)
	}
	fmt.Fprintf(&b, "To move the LUN to %s, either:\n", igroup)
	fmt.Fprintf(&b, "  - set takeover = true on this resource: it unmaps the LUN from %s first, then maps it to %s "+
		"(make sure %s no longer uses the disk); or\n", first, igroup, first)
	fmt.Fprintf(&b, "  - bring the existing mapping under Terraform: declare it with igroup = %q, run "+
		"terraform import winfs_san_lun_mapping.<name> '%s', then change igroup to %q (Terraform unmaps first, maps second).",
		first, mappingID(lun, first), igroup)
	return b.String()
}

// checkLUN makes an unknown LUN a clear error before any change, and
// returns the LUN's serial.
func (r *sanLunMappingResource) checkLUN(ctx context.Context, c *san.Client, lun string, diags *diag.Diagnostics) (string, bool) {
	serial, err := c.Serial(ctx, lun)
	var ae *san.ArrayError
	switch {
	case errors.As(err, &ae):
		diags.AddAttributeError(path.Root("lun"), "Unknown LUN",
			fmt.Sprintf("The array does not know LUN %s (check the path, e.g. with `lun show` on the array). %s", lun, sanErr(err)))
		return "", false
	case err != nil:
		diags.AddError("Cannot read the LUN", sanErr(err))
		return "", false
	}
	return serial, true
}

// unknownIGroup explains a failed map by an igroup the array does not
// have, when the dialect can list them; it reports whether it did.
func (r *sanLunMappingResource) unknownIGroup(ctx context.Context, c *san.Client, igroup string, diags *diag.Diagnostics) bool {
	groups, listed, err := c.IGroups(ctx)
	if err != nil || !listed {
		return false
	}
	names := make([]string, 0, len(groups))
	for _, g := range groups {
		if g.Name == igroup {
			return false
		}
		names = append(names, g.Name)
	}
	diags.AddAttributeError(path.Root("igroup"), "Unknown initiator group",
		fmt.Sprintf("The array has no initiator group %q; it has: %s.", igroup, strings.Join(names, ", ")))
	return true
}

func lunIDValue(id int) types.Int64 {
	if id < 0 {
		return types.Int64Null()
	}
	return types.Int64Value(int64(id))
}

// sanErr words an array error for a diagnostic, with what to do when the
// outcome is unknown ("converge on re-apply").
func sanErr(err error) string {
	if errors.Is(err, san.ErrOutcomeUnknown) {
		return err.Error() + "\n\nRun terraform apply again: it reads the array first, adopts the change if it was made and makes it otherwise."
	}
	return err.Error()
}

func (r *sanLunMappingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state sanLunMappingResourceModel
	c, lun, igroup, maps := r.open(ctx, req.State, &state, &resp.Diagnostics)
	if c == nil {
		return
	}
	others, held := othersValue(maps, igroup)
	for _, m := range maps {
		if m.IGroup == igroup {
			if m.ID >= 0 {
				state.LUNID = types.Int64Value(int64(m.ID))
			}
			if len(held) > 0 {
				tflog.Warn(ctx, "LUN is mapped to other initiator groups too: two hosts see the same disk", map[string]any{"lun": lun, "igroup": igroup, "others": held})
			}
			state.Others = others
			resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
			return
		}
	}
	tflog.Info(ctx, "LUN mapping is gone from the array; it will be created again", map[string]any{"lun": lun, "igroup": igroup, "now_mapped_to": held})
	resp.State.RemoveResource(ctx)
}

// Update records takeover (every other attribute replaces the mapping) and
// refuses to go on while other igroups hold the LUN: which host should keep
// the disk is the operator's decision, not the provider's.
func (r *sanLunMappingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state sanLunMappingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if len(state.Others.Elements()) > 0 {
		lun, igroup := state.LUN.ValueString(), state.IGroup.ValueString()
		c, maps := r.mappings(ctx, lun, &resp.Diagnostics)
		if c == nil {
			return
		}
		if _, held := othersValue(maps, igroup); len(held) > 0 {
			resp.Diagnostics.AddError("LUN is mapped to two hosts", doubleMapped(c.Dialect(), lun, igroup, held))
			return
		}
	}
	plan.LUNID, plan.Serial, plan.ID, plan.Others = state.LUNID, state.Serial, state.ID, noOthers
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// doubleMapped says who holds the LUN besides igroup and how to end it by hand.
func doubleMapped(d san.Dialect, lun, igroup string, others []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "LUN %s is mapped to initiator group %s and also to %s: two hosts see the same disk, which corrupts NTFS "+
		"once both write to it. The provider does not choose which host keeps it, so nothing was changed.\n\n", lun, igroup, strings.Join(others, ", "))
	fmt.Fprintf(&b, "If %s should keep the LUN, make sure %s no longer uses the disk, then remove its mapping on the array:\n", igroup, strings.Join(others, ", "))
	for _, o := range others {
		fmt.Fprintf(&b, "  %s\n", d.UnmapCommand(lun, o))
	}
	fmt.Fprintf(&b, "and run terraform apply again. If %s should have it instead, change igroup to it with takeover = true.", others[0])
	return b.String()
}

func (r *sanLunMappingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state sanLunMappingResourceModel
	c, lun, igroup := r.start(ctx, req.State, &state, &resp.Diagnostics)
	if c == nil {
		return
	}
	// The refresh before this plan found the mapping, so it is unmapped at
	// once. An array that refuses may be saying it is gone already (someone
	// unmapped it since): a fresh read tells.
	err := c.Unmap(ctx, lun, igroup)
	var ae *san.ArrayError
	switch {
	case err == nil:
		tflog.Info(ctx, "LUN unmapped", map[string]any{"lun": lun, "igroup": igroup})
	case errors.As(err, &ae) && !r.stillMapped(ctx, c, lun, igroup):
		tflog.Info(ctx, "LUN was not mapped to the igroup any more; nothing to unmap", map[string]any{"lun": lun, "igroup": igroup})
	default:
		resp.Diagnostics.AddError("Cannot unmap the LUN", fmt.Sprintf("Unmapping %s from initiator group %s: %s", lun, igroup, sanErr(err)))
	}
}

// stillMapped reads the array afresh: is lun mapped to igroup? A failed
// read counts as mapped.
func (r *sanLunMappingResource) stillMapped(ctx context.Context, c *san.Client, lun, igroup string) bool {
	c.Forget()
	maps, err := c.MappingsOf(ctx, lun)
	if err != nil {
		return true
	}
	for _, m := range maps {
		if m.IGroup == igroup {
			return true
		}
	}
	return false
}

func (r *sanLunMappingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	lun, igroup, ok := strings.Cut(req.ID, ":")
	if !ok || lun == "" || igroup == "" {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("import ID %q must be <lun>:<igroup>, for example /vol/vol1/files_x:server1", req.ID))
		return
	}
	c, maps := r.mappings(ctx, lun, &resp.Diagnostics)
	if c == nil {
		return
	}
	for _, m := range maps {
		if m.IGroup != igroup {
			continue
		}
		serial, err := c.Serial(ctx, lun)
		if err != nil {
			resp.Diagnostics.AddError("Cannot read the LUN's serial number", sanErr(err))
			return
		}
		others, _ := othersValue(maps, igroup)
		resp.Diagnostics.Append(resp.State.Set(ctx, sanLunMappingResourceModel{
			ID:       types.StringValue(mappingID(lun, igroup)),
			LUN:      types.StringValue(lun),
			IGroup:   types.StringValue(igroup),
			LUNID:    lunIDValue(m.ID),
			Takeover: types.BoolValue(false),
			Serial:   types.StringValue(serial),
			Others:   others,
		})...)
		return
	}
	held := make([]string, 0, len(maps))
	for _, m := range maps {
		held = append(held, m.IGroup)
	}
	where := "is not mapped to any initiator group"
	if len(held) > 0 {
		where = "is mapped to " + strings.Join(held, ", ")
	}
	resp.Diagnostics.AddError("Nothing to import", fmt.Sprintf("LUN %s is not mapped to initiator group %s: it %s.", lun, igroup, where))
}
