package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// NewServiceResource is the winfs_service factory.
func NewServiceResource() resource.Resource {
	return &serviceResource{resourceBase{typeName: "_service"}}
}

type serviceResource struct{ resourceBase }

type serviceResourceModel struct {
	ID                types.String `tfsdk:"id"`
	Server            types.String `tfsdk:"server"`
	Name              types.String `tfsdk:"name"`
	State             types.String `tfsdk:"state"`
	StartupType       types.String `tfsdk:"startup_type"`
	RestartTriggers   types.Map    `tfsdk:"restart_triggers"`
	DisplayName       types.String `tfsdk:"display_name"`
	DependentServices types.List   `tfsdk:"dependent_services"`
}

func (r *serviceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Windows service on one server: its state, its startup type, and a restart when settings it reads at start change. " +
			"A service reads its registry parameters when it starts (the Server service `DisableStrictNameChecking` and `OptionalNames`), so a value written " +
			"while it runs is configured but not in effect (`data.winfs_server_status` shows it as pending). `restart_triggers` takes the values the service reads: " +
			"when one changes, the service is restarted with the services that depend on it: the running dependents are stopped first (for the Server service: " +
			"DFS, Computer Browser, Net Logon), then the service; the service is started, then its dependents in the reverse order. Creating the resource restarts the " +
			"service when `restart_triggers` is set and one of its settings is pending. **A restart of the Server service is an outage**: every SMB session and open " +
			"file on the server is closed, and clients reconnect when it is back (seconds; applications with files open may report errors). Destroy leaves the service as it is.",
		Attributes: map[string]schema.Attribute{
			"id":     idAttribute("`<server>/<name>`, for example `server1/LanmanServer`. This is also the import ID."),
			"server": resourceServerAttribute(" Changing it replaces the resource."),
			"name": replacingAttribute("The service name (`LanmanServer`), not the display name (`Server`): 1-256 letters, digits, `_`, `.` or `-`. "+
				"Compared case-insensitively. Changing it replaces the resource.",
				serviceName(), requiresReplaceUnlessEqualFold()),
			"state": optionalString("`running` (default) or `stopped`. Stopping a service stops the services that depend on it first.",
				agent.ServiceRunning, stringvalidator.OneOf(agent.ServiceRunning, agent.ServiceStopped)),
			"startup_type": schema.StringAttribute{
				MarkdownDescription: "`automatic`, `manual` or `disabled`. When omitted, left as it is and recorded.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.OneOf(agent.StartAutomatic, agent.StartManual, agent.StartDisabled)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"restart_triggers": schema.MapAttribute{
				MarkdownDescription: "Values whose change restarts the service (with its dependents, in order), typically the ids or values of the " +
					"`winfs_registry_value` resources it reads at start. Not allowed with `state = \"stopped\"`.",
				ElementType: types.StringType,
				Optional:    true,
			},
			"display_name": reportedString("The display name, as Windows shows it in the server's language."),
			"dependent_services": schema.ListAttribute{
				MarkdownDescription: "The services that depend on this one, directly or not, in the order a restart stops them.",
				ElementType:         types.StringType,
				Computed:            true,
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// ValidateConfig refuses settings that contradict each other.
func (r *serviceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg serviceResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	stopped := cfg.State.ValueString() == agent.ServiceStopped
	if stopped && !cfg.RestartTriggers.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("restart_triggers"), "restart_triggers on a stopped service",
			"restart_triggers restarts a running service when a value changes, but this service is set to state = \"stopped\". "+
				"Remove restart_triggers (a stopped service reads its settings when it next starts), or set state = \"running\".")
	}
	if cfg.StartupType.ValueString() == agent.StartDisabled && !cfg.State.IsUnknown() && !stopped { // null: the default, running
		resp.Diagnostics.AddAttributeError(path.Root("startup_type"), "A disabled service cannot run",
			"startup_type = \"disabled\" needs state = \"stopped\": Windows does not start a disabled service.")
	}
}

func (r *serviceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkPlannedServer(ctx, req.Plan, &resp.Diagnostics)
}

func serviceID(server, name string) string { return server + "/" + name }

// setService records what Windows reports (the name stays as configured).
func (m *serviceResourceModel) setService(s agent.Service) {
	m.State = types.StringValue(s.State)
	m.StartupType = types.StringValue(s.StartType)
	m.DisplayName = types.StringValue(s.DisplayName)
	deps := make([]attr.Value, len(s.DependentServices))
	for i, d := range s.DependentServices {
		deps[i] = types.StringValue(d)
	}
	m.DependentServices = types.ListValueMust(types.StringType, deps)
}

// converge sets the start type and the state the plan asks for.
func (r *serviceResource) converge(ctx context.Context, c *windows.Client, plan serviceResourceModel, diags *diag.Diagnostics) (agent.Service, bool) {
	p := agent.ServiceSetParams{Name: plan.Name.ValueString(), State: plan.State.ValueString()}
	if !plan.StartupType.IsNull() && !plan.StartupType.IsUnknown() {
		p.StartType = plan.StartupType.ValueString()
	}
	res, err := c.ServiceSet(ctx, p)
	if err != nil {
		serviceError(diags, plan.Server.ValueString(), plan.Name.ValueString(), "Cannot set the service", err)
		return agent.Service{}, false
	}
	return res.Service, true
}

// restart restarts the service and its running dependents, and logs what
// it did: the clients' outage.
func (r *serviceResource) restart(ctx context.Context, c *windows.Client, server, name, why string, diags *diag.Diagnostics) (agent.Service, bool) {
	res, err := c.ServiceRestart(ctx, name)
	if err != nil {
		serviceError(diags, server, name, "Cannot restart the service", err)
		return agent.Service{}, false
	}
	tflog.Info(ctx, "service restarted: "+why, map[string]any{"server": server, "service": name, "stopped": res.Stopped, "started": res.Started})
	return res.Service, true
}

func serviceError(diags *diag.Diagnostics, server, name, summary string, err error) {
	var ae *agent.Error
	if asAgentError(err, &ae) && ae.Code == agent.CodeServiceNotFound {
		diags.AddAttributeError(path.Root("name"), "No such service",
			fmt.Sprintf("%s has no service named %q. Use the service name (the key under HKLM\\SYSTEM\\CurrentControlSet\\Services, e.g. LanmanServer), not the display name.", server, name))
		return
	}
	diags.AddError(summary, fmt.Sprintf("%s on %s: %v", name, server, err))
}

// pendingSettings lists the watched settings of the service that are
// written but not in effect.
func pendingSettings(ctx context.Context, c *windows.Client, name string) ([]string, error) {
	st, err := c.ServerStatus(ctx, []string{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range st.Settings {
		if strings.EqualFold(s.Service, name) && s.Pending == agent.PendingRestart {
			out = append(out, s.Name)
		}
	}
	return out, nil
}

func (r *serviceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceResourceModel
	c := r.open(ctx, req.Plan, &plan, &plan.Server, &resp.Diagnostics)
	if c == nil {
		return
	}
	server := plan.Server.ValueString()
	svc, ok := r.converge(ctx, c, plan, &resp.Diagnostics)
	if !ok {
		return
	}
	if !plan.RestartTriggers.IsNull() && svc.State == agent.ServiceRunning {
		pending, err := pendingSettings(ctx, c, svc.Name)
		if err != nil {
			resp.Diagnostics.AddError("Cannot read the server's settings", fmt.Sprintf("%s: %v", server, err))
			return
		}
		if len(pending) > 0 {
			if svc, ok = r.restart(ctx, c, server, svc.Name, "settings written since it started: "+strings.Join(pending, ", "), &resp.Diagnostics); !ok {
				return
			}
		}
	}
	plan.ID = types.StringValue(serviceID(server, svc.Name))
	plan.setService(svc)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *serviceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serviceResourceModel
	c := r.open(ctx, req.State, &state, &state.Server, &resp.Diagnostics)
	if c == nil {
		return
	}
	server, name := state.Server.ValueString(), state.Name.ValueString()
	svc, err := c.ServiceGet(ctx, name)
	var ae *agent.Error
	switch {
	case asAgentError(err, &ae) && ae.Code == agent.CodeServiceNotFound:
		tflog.Info(ctx, "service is gone from the server", map[string]any{"server": server, "service": name})
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		if r.data.fencedRead(server, "service "+name, err, &resp.Diagnostics) {
			return
		}
		resp.Diagnostics.AddError("Cannot read the service", fmt.Sprintf("%s on %s: %v", name, server, err))
		return
	}
	state.setService(svc)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update sets the state and start type, and restarts the service when a
// restart trigger changed and it is to run.
func (r *serviceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state serviceResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c := r.open(ctx, req.Plan, &plan, &state.Server, &resp.Diagnostics)
	if c == nil {
		return
	}
	server := state.Server.ValueString()
	wasRunning := state.State.ValueString() == agent.ServiceRunning
	svc, ok := r.converge(ctx, c, plan, &resp.Diagnostics)
	if !ok {
		return
	}
	// A service just started has read its settings already.
	if wasRunning && svc.State == agent.ServiceRunning && !plan.RestartTriggers.Equal(state.RestartTriggers) && !plan.RestartTriggers.IsNull() {
		if svc, ok = r.restart(ctx, c, server, svc.Name, "restart_triggers changed", &resp.Diagnostics); !ok {
			return
		}
	}
	plan.ID = state.ID
	plan.setService(svc)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Delete leaves the service as it is: it belongs to Windows.
func (r *serviceResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Info(ctx, "winfs_service removed from the state; the service is left as it is")
}

func (r *serviceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	server, name, ok := strings.Cut(req.ID, "/")
	if !ok || server == "" || !agent.ServiceNamePattern.MatchString(name) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("import ID %q must be <server>/<service name>, for example server1/LanmanServer", req.ID))
		return
	}
	c := r.client(ctx, server, &resp.Diagnostics)
	if c == nil {
		return
	}
	svc, err := c.ServiceGet(ctx, name)
	if err != nil {
		serviceError(&resp.Diagnostics, server, name, "Nothing to import", err)
		return
	}
	st := serviceResourceModel{ID: types.StringValue(serviceID(server, svc.Name)), Server: types.StringValue(server), Name: types.StringValue(svc.Name),
		RestartTriggers: types.MapNull(types.StringType)}
	st.setService(svc)
	resp.Diagnostics.Append(resp.State.Set(ctx, st)...)
}
