package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/regpath"
	"github.com/winfs/terraform-provider-winfs/internal/regvalue"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// privatePrevious is the private-state key holding the value found before
// the resource took the value over, for restore_on_destroy.
const privatePrevious = "previous"

// NewRegistryValueResource is the winfs_registry_value factory.
func NewRegistryValueResource() resource.Resource {
	return &registryValueResource{resourceBase{typeName: "_registry_value"}}
}

type registryValueResource struct{ resourceBase }

type registryValueResourceModel struct {
	ID               types.String `tfsdk:"id"`
	Server           types.String `tfsdk:"server"`
	Path             types.String `tfsdk:"path"`
	Name             types.String `tfsdk:"name"`
	Type             types.String `tfsdk:"type"`
	Value            types.String `tfsdk:"value"`
	Values           types.List   `tfsdk:"values"`
	CreateKey        types.Bool   `tfsdk:"create_key"`
	RestoreOnDestroy types.Bool   `tfsdk:"restore_on_destroy"`
}

// previousValue is what restore_on_destroy puts back.
type previousValue struct {
	Existed bool                 `json:"existed"`
	Value   *agent.RegistryValue `json:"value,omitempty"`
}

func (r *registryValueResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One registry value on a Windows server, with its exact type. Used for the file-server hardening " +
			"of a failover pair (`DisableStrictNameChecking`, `DisableLoopbackCheck`, NetBT `CacheTimeout`). " +
			"A value changed, retyped or deleted on the server shows as drift in the next plan; a type change replaces the value.",
		Attributes: map[string]schema.Attribute{
			"id":     idAttribute("`<server>:<path>\\\\<name>`: the server, the key path in normal form, two backslashes, the value name. This is also the import ID."),
			"server": resourceServerAttribute(" Changing it replaces the value."),
			"path": replacingAttribute("Key path: `HKLM\\SYSTEM\\...`, `HKEY_LOCAL_MACHINE\\SYSTEM\\...` and `HKLM:\\SYSTEM\\...` are the same key, "+
				"and key names compare case-insensitively as on Windows. Hives: "+regpath.AllowedHives+". Changing the key replaces the value.",
				registryPath(), requiresReplaceUnlessSamePath()),
			"name": schema.StringAttribute{
				MarkdownDescription: "Value name; empty (the default) is the key's default value, shown as `(Default)` by regedit. At most 16383 characters. Changing it replaces the value.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(regvalue.MaxValueNameLength)},
				PlanModifiers:       []planmodifier.String{requiresReplaceUnlessEqualFold()},
			},
			"type": replacingAttribute("Value type: `string` (REG_SZ), `expand_string` (REG_EXPAND_SZ, stored unexpanded), `multi_string` (REG_MULTI_SZ), "+
				"`dword` (REG_DWORD), `qword` (REG_QWORD) or `binary` (REG_BINARY). Changing it replaces the value.",
				stringvalidator.OneOf(regvalue.Types...), stringplanmodifier.RequiresReplace()),
			"value": schema.StringAttribute{
				MarkdownDescription: "The data for every type but `multi_string`. `dword` and `qword` take an unsigned number in decimal (`60000`) " +
					"or hex with `0x` (`0xea60`), which are the same value; `binary` takes hex digits (`\"\"` for empty data). " +
					"For `string`, `expand_string` and `binary`, no value is empty data, which is how an import of an empty value records it " +
					"(and how `terraform plan -generate-config-out` writes it).",
				Optional: true,
			},
			"values": schema.ListAttribute{
				MarkdownDescription: "The strings of a `multi_string`, in order; an empty list is an empty value.",
				ElementType:         types.StringType,
				Optional:            true,
			},
			"create_key": optionalBool("Create the key (and its parents) when it does not exist (default `true`). With `false`, a missing key is an error.",
				true),
			"restore_on_destroy": optionalBool("On destroy, put back the value that was there before this resource took it over (or was imported), "+
				"or delete it if there was none (default `false`: destroy deletes the value).",
				false),
		},
	}
}

func (r *registryValueResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m registryValueResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateValueForType(ctx, m.Type, m.Value, m.Values, &resp.Diagnostics)
}

// validateValueForType checks value/values against type at plan time.
func validateValueForType(ctx context.Context, typ, value types.String, values types.List, diags *diag.Diagnostics) {
	if typ.IsUnknown() || typ.IsNull() || value.IsUnknown() || values.IsUnknown() {
		return
	}
	var list []string
	if !values.IsNull() {
		for _, e := range values.Elements() {
			if e.IsUnknown() {
				return
			}
		}
		diags.Append(values.ElementsAs(ctx, &list, false)...)
		if list == nil {
			list = []string{}
		}
	}
	if _, err := regvalue.Build(typ.ValueString(), value.ValueStringPointer(), list); err != nil {
		attr := "value"
		if regvalue.IsMulti(typ.ValueString()) || (!values.IsNull() && value.IsNull()) {
			attr = "values"
		}
		diags.AddAttributeError(path.Root(attr), "Invalid registry value", err.Error())
	}
}

func (r *registryValueResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkPlannedServer(ctx, req.Plan, &resp.Diagnostics)
}

// target is a resource's address on its server.
type registryTarget struct {
	server string
	key    regpath.Path
	name   string
}

func (t registryTarget) id() string { return t.server + ":" + t.key.String() + `\\` + t.name }

func (t registryTarget) String() string {
	name := t.name
	if name == "" {
		name = "(Default)"
	}
	return fmt.Sprintf(`%s\%s on %s`, t.key, name, t.server)
}

func (t registryTarget) ref() agent.RegistryKeyRef {
	return agent.RegistryKeyRef{Hive: t.key.Hive, Key: t.key.Key}
}

func targetOf(m registryValueResourceModel) (registryTarget, error) {
	p, err := regpath.Parse(m.Path.ValueString())
	if err != nil {
		return registryTarget{}, err
	}
	return registryTarget{server: m.Server.ValueString(), key: p, name: m.Name.ValueString()}, nil
}

// parseRegistryID splits `server:path\\name`.
func parseRegistryID(id string) (registryTarget, error) {
	server, rest, ok := strings.Cut(id, ":")
	keyPart, name, ok2 := strings.Cut(rest, `\\`)
	if !ok || !ok2 || server == "" {
		return registryTarget{}, fmt.Errorf(`import ID %q must be <server>:<key path>\\<value name>, for example `+
			`server1:HKLM\SYSTEM\CurrentControlSet\Services\NetBT\Parameters\\CacheTimeout (nothing after \\ for the default value)`, id)
	}
	p, err := regpath.Parse(keyPart)
	if err != nil {
		return registryTarget{}, err
	}
	return registryTarget{server: server, key: p, name: name}, nil
}

func (m registryValueResourceModel) wire(ctx context.Context) (agent.RegistryValue, error) {
	var list []string
	if !m.Values.IsNull() {
		if diags := m.Values.ElementsAs(ctx, &list, false); diags.HasError() {
			return agent.RegistryValue{}, fmt.Errorf("reading values: %v", diags)
		}
		if list == nil {
			list = []string{}
		}
	}
	return regvalue.Build(m.Type.ValueString(), m.Value.ValueStringPointer(), list)
}

func (r *registryValueResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan registryValueResourceModel
	t, want, client, ok := r.prepare(ctx, req.Plan, &plan, &resp.Diagnostics)
	if !ok {
		return
	}
	cur, ok := readValue(ctx, client, t, &resp.Diagnostics)
	if !ok {
		return
	}
	prev := previousValue{Existed: cur.Exists, Value: cur.Value}
	if cur.Exists && regvalue.Same(want, *cur.Value) {
		tflog.Info(ctx, "registry value already as declared; adopting it", map[string]any{"target": t.String()})
	} else {
		if cur.Exists {
			tflog.Info(ctx, "replacing registry value", map[string]any{"target": t.String(), "was": regvalue.Describe(*cur.Value)})
		}
		if !writeValue(ctx, client, t, want, plan.CreateKey.ValueBool(), &resp.Diagnostics) {
			return
		}
	}
	resp.Diagnostics.Append(savePrevious(ctx, resp.Private, prev)...)
	plan.ID = types.StringValue(t.id())
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// writeValue sets the value at t to want, creating its key when createKey.
func writeValue(ctx context.Context, client *windows.Client, t registryTarget, want agent.RegistryValue, createKey bool, diags *diag.Diagnostics) bool {
	err := client.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: t.ref(), Name: t.name, Value: want, CreateKey: createKey})
	if err != nil {
		diags.AddError("Cannot write registry value", fmt.Sprintf("Writing %s: %v%s", t, err, keyHint(err, createKey)))
		return false
	}
	return true
}

// prepare reads the plan into plan and resolves what Create and Update
// need from it: where the value lives, its wire form, and the client of
// its server.
func (r *registryValueResource) prepare(ctx context.Context, src tfsdk.Plan, plan *registryValueResourceModel, diags *diag.Diagnostics) (registryTarget, agent.RegistryValue, *windows.Client, bool) {
	diags.Append(src.Get(ctx, plan)...)
	if diags.HasError() {
		return registryTarget{}, agent.RegistryValue{}, nil, false
	}
	t, err := targetOf(*plan)
	if err != nil {
		diags.AddAttributeError(path.Root("path"), "Invalid registry path", err.Error())
		return registryTarget{}, agent.RegistryValue{}, nil, false
	}
	want, err := plan.wire(ctx)
	if err != nil {
		diags.AddError("Invalid registry value", err.Error())
		return registryTarget{}, agent.RegistryValue{}, nil, false
	}
	client := r.client(ctx, t.server, diags)
	if client == nil {
		return registryTarget{}, agent.RegistryValue{}, nil, false
	}
	return t, want, client, true
}

func keyHint(err error, createKey bool) string {
	var ae *agent.Error
	if !createKey && asAgentError(err, &ae) && ae.Code == agent.CodeKeyNotFound {
		return "\n\nThe key does not exist and create_key is false: create the key first or set create_key = true."
	}
	return ""
}

// fromState reads the state into m and resolves where the value lives and
// the client of its server (nil after an error), for Read and Delete.
func (r *registryValueResource) fromState(ctx context.Context, st tfsdk.State, m *registryValueResourceModel, diags *diag.Diagnostics) (registryTarget, *windows.Client) {
	diags.Append(st.Get(ctx, m)...)
	if diags.HasError() {
		return registryTarget{}, nil
	}
	t, err := targetOf(*m)
	if err != nil {
		diags.AddError("Invalid registry path in state", err.Error())
		return registryTarget{}, nil
	}
	return t, r.client(ctx, t.server, diags)
}

// readValue reads the value at t as it is on the server now.
func readValue(ctx context.Context, client *windows.Client, t registryTarget, diags *diag.Diagnostics) (agent.RegistryGetResult, bool) {
	cur, err := client.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: t.ref(), Name: t.name})
	if err != nil {
		diags.AddError("Cannot read registry value", fmt.Sprintf("Reading %s: %v", t, err))
		return cur, false
	}
	return cur, true
}

func (r *registryValueResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state registryValueResourceModel
	t, client := r.fromState(ctx, req.State, &state, &resp.Diagnostics)
	if client == nil {
		return
	}
	cur, err := client.RegistryLookup(ctx, agent.RegistryGetParams{RegistryKeyRef: t.ref(), Name: t.name})
	if err != nil {
		if r.data.fencedRead(t.server, "registry value "+t.String(), err, &resp.Diagnostics) {
			return
		}
		resp.Diagnostics.AddError("Cannot read registry value", fmt.Sprintf("Reading %s: %v", t, err))
		return
	}
	if !cur.Exists {
		tflog.Info(ctx, "registry value is gone from the server; it will be created again", map[string]any{"target": t.String()})
		resp.State.RemoveResource(ctx)
		return
	}
	want, err := state.wire(ctx)
	if err == nil && regvalue.Same(want, *cur.Value) {
		return // unchanged: keep the user's spelling (0xea60 stays 0xea60)
	}
	resp.Diagnostics.Append(state.setFromHost(ctx, *cur.Value)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// setFromHost puts the server's value into the model.
func (m *registryValueResourceModel) setFromHost(ctx context.Context, v agent.RegistryValue) diag.Diagnostics {
	var diags diag.Diagnostics
	m.Type = types.StringValue(regvalue.TypeName(v.Type))
	value, values := regvalue.Display(v)
	if value != nil && *value == "" && m.Value.IsNull() {
		value = nil // empty data stays written as no value (an import writes it so)
	}
	m.Value = types.StringPointerValue(value)
	if values == nil {
		m.Values = types.ListNull(types.StringType)
	} else {
		m.Values, diags = types.ListValueFrom(ctx, types.StringType, values)
	}
	return diags
}

func (r *registryValueResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan registryValueResourceModel
	t, want, client, ok := r.prepare(ctx, req.Plan, &plan, &resp.Diagnostics)
	if !ok || !writeValue(ctx, client, t, want, plan.CreateKey.ValueBool(), &resp.Diagnostics) {
		return
	}
	plan.ID = types.StringValue(t.id())
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *registryValueResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state registryValueResourceModel
	t, client := r.fromState(ctx, req.State, &state, &resp.Diagnostics)
	if client == nil {
		return
	}
	prev, diags := loadPrevious(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	if state.RestoreOnDestroy.ValueBool() && prev.Existed && prev.Value != nil {
		tflog.Info(ctx, "restoring the previous registry value", map[string]any{"target": t.String(), "value": regvalue.Describe(*prev.Value)})
		err := client.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: t.ref(), Name: t.name, Value: *prev.Value, CreateKey: true})
		if err != nil && !r.data.fencedDelete(t.server, "registry value "+t.String(), err, &resp.Diagnostics) {
			resp.Diagnostics.AddError("Cannot restore registry value", fmt.Sprintf("Restoring %s: %v", t, err))
		}
		return
	}
	_, err := client.RegistryDelete(ctx, agent.RegistryDeleteParams{RegistryKeyRef: t.ref(), Name: t.name})
	if err != nil && !r.data.fencedDelete(t.server, "registry value "+t.String(), err, &resp.Diagnostics) {
		resp.Diagnostics.AddError("Cannot delete registry value", fmt.Sprintf("Deleting %s: %v", t, err))
	}
}

func (r *registryValueResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	t, err := parseRegistryID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	client := r.client(ctx, t.server, &resp.Diagnostics)
	if client == nil {
		return
	}
	cur, ok := readValue(ctx, client, t, &resp.Diagnostics)
	if !ok {
		return
	}
	if !cur.Exists {
		resp.Diagnostics.AddError("Nothing to import", fmt.Sprintf("There is no value %s.", t))
		return
	}
	if regvalue.TypeName(cur.Value.Type) == "none" {
		resp.Diagnostics.AddError("Unsupported value type", fmt.Sprintf("%s is %s, which this resource does not manage.", t, cur.Value.Type))
		return
	}
	m := registryValueResourceModel{
		ID:               types.StringValue(t.id()),
		Server:           types.StringValue(t.server),
		Path:             types.StringValue(t.key.String()),
		Name:             types.StringValue(t.name),
		CreateKey:        types.BoolValue(true),
		RestoreOnDestroy: types.BoolValue(false),
	}
	resp.Diagnostics.Append(m.setFromHost(ctx, *cur.Value)...)
	if resp.Private != nil { // nil when terraform query lists the value: no state is kept
		resp.Diagnostics.Append(savePrevious(ctx, resp.Private, previousValue{Existed: true, Value: cur.Value})...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// privateSetter is the part of the framework's private state both create
// and import responses offer.
type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

func savePrevious(ctx context.Context, p privateSetter, prev previousValue) diag.Diagnostics {
	raw, err := json.Marshal(prev)
	if err != nil {
		var d diag.Diagnostics
		d.AddError("Cannot record the previous value", err.Error())
		return d
	}
	return p.SetKey(ctx, privatePrevious, raw)
}

func loadPrevious(ctx context.Context, p privateGetter) (previousValue, diag.Diagnostics) {
	var prev previousValue
	raw, diags := p.GetKey(ctx, privatePrevious)
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &prev)
	}
	return prev, diags
}
