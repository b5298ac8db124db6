package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// serverScoped is embedded by every resource and data source that acts on
// one of the provider's servers, named by its `server` attribute: it holds
// the provider data, checks the attribute at plan time and gets the client.
type serverScoped struct{ data *providerData }

// resourceBase is embedded by every resource: its Metadata (the type name
// after the provider's, e.g. "_service") and its Configure. The resources
// without a `server` attribute (SAN, DNS) use only the provider data.
type resourceBase struct {
	serverScoped
	typeName string
}

func (b *resourceBase) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
}

func (b *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// dataSourceBase is resourceBase for a data source.
type dataSourceBase resourceBase

func (b *dataSourceBase) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
}

func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

const serverAttributeDescription = "Name of the server in the provider's `servers` map."

// resourceServerAttribute is a resource's `server`: changing it replaces
// the resource, and replaces says what that means (" Changing it ...").
func resourceServerAttribute(replaces string) rschema.StringAttribute {
	return rschema.StringAttribute{
		MarkdownDescription: serverAttributeDescription + replaces,
		Required:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
}

// movingServerAttribute is the `server` of a resource that moves to
// another server in place (moves says how, " Changing it moves ...").
func movingServerAttribute(moves string) rschema.StringAttribute {
	return rschema.StringAttribute{MarkdownDescription: serverAttributeDescription + moves, Required: true}
}

// idAttribute is a resource's `id`: computed once, at create or import.
func idAttribute(description string) rschema.StringAttribute {
	return reportedString(description)
}

// dataSourceServerAttribute is a data source's `server`.
func dataSourceServerAttribute() dschema.StringAttribute {
	return dschema.StringAttribute{MarkdownDescription: serverAttributeDescription, Required: true}
}

// configure is the Configure step of a server-scoped resource or data source.
func (s *serverScoped) configure(providerData any, diags *diag.Diagnostics) {
	s.data = configureData(providerData, diags)
}

// checkPlannedServer is the plan-time check of `server` (from ModifyPlan):
// a name that is not configured is an error on the attribute, before
// anything is applied.
func (s *serverScoped) checkPlannedServer(ctx context.Context, plan tfsdk.Plan, diags *diag.Diagnostics) {
	if plan.Raw.IsNull() || s.data == nil {
		return // destroy, or validation before the provider is configured
	}
	var server types.String
	diags.Append(plan.GetAttribute(ctx, path.Root("server"), &server)...)
	if server.IsUnknown() || server.IsNull() {
		return
	}
	if err := s.data.checkServer(server.ValueString()); err != nil {
		diags.AddAttributeError(path.Root("server"), "Server not usable", err.Error())
	}
}

// modelSource is the plan, state or configuration a model is read from.
type modelSource interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

// open reads the model from src into m and returns the client of its
// server (server points at m's `server` attribute), or nil after an error.
func (s *serverScoped) open(ctx context.Context, src modelSource, m any, server *types.String, diags *diag.Diagnostics) *windows.Client {
	diags.Append(src.Get(ctx, m)...)
	if diags.HasError() {
		return nil
	}
	return s.client(ctx, server.ValueString(), diags)
}

// client returns the client of server, or nil after adding an error on
// the `server` attribute (or saying the provider is not configured yet,
// as during an import before Configure).
func (s *serverScoped) client(ctx context.Context, server string, diags *diag.Diagnostics) *windows.Client {
	if s.data == nil {
		diags.AddError("Provider not configured", "The provider must be configured to reach server "+strconv.Quote(server)+".")
		return nil
	}
	c, err := s.data.host(ctx, server)
	if err != nil {
		diags.AddAttributeError(path.Root("server"), "Server not usable", err.Error())
		return nil
	}
	return c
}
