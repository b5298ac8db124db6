package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// NewDFSRBacklogDataSource is the winfs_dfsr_backlog factory.
func NewDFSRBacklogDataSource() datasource.DataSource {
	return &dfsrBacklogDataSource{dataSourceBase{typeName: "_dfsr_backlog"}}
}

type dfsrBacklogDataSource struct{ dataSourceBase }

type dfsrBacklogDataSourceModel struct {
	Server      types.String `tfsdk:"server"`
	Group       types.String `tfsdk:"group"`
	Folder      types.String `tfsdk:"folder"`
	Source      types.String `tfsdk:"source"`
	Destination types.String `tfsdk:"destination"`
	Files       types.Int64  `tfsdk:"files"`
	AtLeast     types.Bool   `tfsdk:"at_least"`
}

func (d *dfsrBacklogDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	member := []validator.String{stringvalidator.RegexMatches(dfsrMemberPattern, "must be a computer name, e.g. server1")}
	name := []validator.String{stringvalidator.RegexMatches(dfsrNamePattern, "must be letters, digits, space, '.', '_' or '-'")}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The DFS Replication backlog (updates not yet replicated) from one member to another for one replicated folder, " +
			"as `Get-DfsrBacklog` reports it. Use it in a `check` block or a precondition that holds a planned DFS failover until the backup is in step " +
			"(`files == 0`).",
		Attributes: map[string]schema.Attribute{
			"server":      dataSourceServerAttribute(),
			"group":       schema.StringAttribute{MarkdownDescription: "The replication group.", Required: true, Validators: name},
			"folder":      schema.StringAttribute{MarkdownDescription: "The replicated folder.", Required: true, Validators: name},
			"source":      schema.StringAttribute{MarkdownDescription: "The member the updates come from.", Required: true, Validators: member},
			"destination": schema.StringAttribute{MarkdownDescription: "The member they go to.", Required: true, Validators: member},
			"files": schema.Int64Attribute{
				MarkdownDescription: "Updates waiting, as the cmdlet lists them: at most 100 (see `at_least`). Zero is exact.",
				Computed:            true,
			},
			"at_least": schema.BoolAttribute{
				MarkdownDescription: "`true` when the cmdlet's list was cut at 100: the backlog is 100 or more.",
				Computed:            true,
			},
		},
	}
}

func (d *dfsrBacklogDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m dfsrBacklogDataSourceModel
	c := d.open(ctx, req.Config, &m, &m.Server, &resp.Diagnostics)
	if c == nil {
		return
	}
	res, err := c.DFSRBacklogGet(ctx, agent.DFSRBacklogGetParams{Group: m.Group.ValueString(), Folder: m.Folder.ValueString(), Source: m.Source.ValueString(), Destination: m.Destination.ValueString()})
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the DFS Replication backlog", fmt.Sprintf("Backlog of %s/%s from %s to %s through %s: %v",
			m.Group.ValueString(), m.Folder.ValueString(), m.Source.ValueString(), m.Destination.ValueString(), m.Server.ValueString(), err))
		return
	}
	m.Files, m.AtLeast = types.Int64Value(res.Files), types.BoolValue(res.AtLeast)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
