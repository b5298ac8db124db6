package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/regpath"
)

// NewRegistryValueDataSource is the winfs_registry_value data source factory.
func NewRegistryValueDataSource() datasource.DataSource {
	return &registryValueDataSource{dataSourceBase{typeName: "_registry_value"}}
}

type registryValueDataSource struct{ dataSourceBase }

type registryValueDataSourceModel struct {
	ID     types.String `tfsdk:"id"`
	Server types.String `tfsdk:"server"`
	Path   types.String `tfsdk:"path"`
	Name   types.String `tfsdk:"name"`
	Exists types.Bool   `tfsdk:"exists"`
	Type   types.String `tfsdk:"type"`
	Value  types.String `tfsdk:"value"`
	Values types.List   `tfsdk:"values"`
}

func (d *registryValueDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one registry value from a Windows server, for example to copy a setting from the active server to the standby.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<server>:<path>\\\\<name>`, as for the resource.",
				Computed:            true,
			},
			"server": dataSourceServerAttribute(),
			"path": schema.StringAttribute{
				MarkdownDescription: "Key path, in any of the spellings the resource accepts.",
				Required:            true,
				Validators:          []validator.String{registryPath()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Value name; empty or omitted is the key's default value.",
				Optional:            true,
			},
			"exists": schema.BoolAttribute{
				MarkdownDescription: "Whether the value exists. A missing value is not an error: `type`, `value` and `values` are then null.",
				Computed:            true,
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "`string`, `expand_string`, `multi_string`, `dword`, `qword`, `binary`, or `none` for a type this provider does not manage.",
				Computed:            true,
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The data for every type but `multi_string`: numbers in decimal, binary as lowercase hex.",
				Computed:            true,
			},
			"values": schema.ListAttribute{
				MarkdownDescription: "The strings of a `multi_string`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

func (d *registryValueDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m registryValueDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p, err := regpath.Parse(m.Path.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Invalid registry path", err.Error())
		return
	}
	t := registryTarget{server: m.Server.ValueString(), key: p, name: m.Name.ValueString()}
	client := d.client(ctx, t.server, &resp.Diagnostics)
	if client == nil {
		return
	}
	cur, err := client.RegistryLookup(ctx, agent.RegistryGetParams{RegistryKeyRef: t.ref(), Name: t.name})
	if err != nil {
		resp.Diagnostics.AddError("Cannot read registry value", fmt.Sprintf("Reading %s: %v", t, err))
		return
	}
	m.ID = types.StringValue(t.id())
	m.Exists = types.BoolValue(cur.Exists)
	m.Type, m.Value, m.Values = types.StringNull(), types.StringNull(), types.ListNull(types.StringType)
	if cur.Exists {
		rv := registryValueResourceModel{}
		resp.Diagnostics.Append(rv.setFromHost(ctx, *cur.Value)...)
		m.Type, m.Value, m.Values = rv.Type, rv.Value, rv.Values
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
